"""Imported once by the worker pool's fork server: load everything a request needs.

Importing this module is its whole purpose (a side effect, on purpose): the
fork server imports the pipeline, NumPy and SymPy and builds the parser
once, and every worker forked from it starts with all of that in memory.
A failure here only makes workers slower, never the server unusable.
"""

try:
    import numpy  # noqa: F401
    import sympy  # noqa: F401

    import symmat
    from symmat.web import jobs  # noqa: F401

    symmat.grad("x^T A x", wrt="x")      # builds the parser, imports every stage on the way
    symmat.check("x^T A x", wrt="x", claim="2 A x")     # and the checker's (SymPy's) side
except Exception:  # pragma: no cover - a worker then imports what it needs itself
    pass
