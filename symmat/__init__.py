"""symmat: symbolic matrix calculus with derivations, proofs and checks.

The package is laid out as its pipeline, one subpackage per stage, imports
running one way (down this list):

    tree/      nodes with their shape rules, names, sizes, the one walker
    reading/   text → typed Expr (grammar/symmat.lark is the syntax)
    calculus/  differentials, the trace trick, vec rules; gradient, Jacobian, Hessian
    simplify/  rewrite rules to a fixed point: the forms a textbook prints
    printing/  text, LaTeX, JSON, notes (Markdown, LaTeX documents)
    numeric/   NumPy: evaluation and the finite-difference self-check
    proof/     SymPy: element-by-element verification (the only SymPy user)
    checking/  the homework checker
    result.py, explain.py, pipeline.py (where the stages meet), api.py, cli.py

Importing symmat imports neither NumPy nor SymPy.
"""

from .errors import (DeclarationError, DerivativeError, LimitError, ParseError, ShapeError,
                     SymmatError, UnknownFunctionError)
from .api import parse, grad, jacobian, hessian, derivative, verify, check, check_derivation, compile  # noqa: F401, A004

__version__ = "0.1.0"
__all__ = ["parse", "grad", "jacobian", "hessian", "derivative", "verify", "check", "check_derivation", "compile",
           "SymmatError", "ParseError", "ShapeError", "LimitError", "DeclarationError",
           "DerivativeError", "UnknownFunctionError"]
