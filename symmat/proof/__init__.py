"""The proof (SymPy only, and the only stage that imports SymPy): a small
concrete instance expanded element by element (`expand`), the closed form as
a SymPy matrix expression (`to_sympy`), and the verification that compares
them (`verification`, SPEC §4)."""
