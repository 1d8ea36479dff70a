"""The derivative of tr(A X) by A, expanded element by element (2×2, then 2×4 by 4×2).

A course on matrix calculus starts here: write out tr(A X) for a small
instance, differentiate by each entry of A, and see that the matrix of
those derivatives is Xᵀ. symmat does the same: it derives the closed form
and then has SymPy expand the concrete instance to confirm it.

Run:  python examples/trace_expansion.py
"""

from symmat import grad, verify

for sizes in ("A: 2x2, X: 2x2", "A: 2x4, X: 4x2"):
    r = grad("tr(A X)", wrt="A", where=sizes)
    print(f"f = tr(A X) where {sizes}")
    print(f"∂f/∂A = {r}    ({r.heading()})")
    report = verify(r, elements=True)
    print(report.text())          # the verdict, f written out, then ∂f/∂a_ij one per line
    print()
