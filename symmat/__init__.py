"""symmat: symbolic matrix calculus with derivations, proofs and checks.

The pipeline, one module per stage, in this order:
``grammar/symmat.lark`` → `parse` (Transformer → raw tree) → `build` (kinds,
sizes, nodes of `expr`) → `differentiate` (differentials, trace trick) →
`simplify` (rewrite rules to a fixed point) → `printing` (text, LaTeX, NumPy);
`verify` (SymPy, element by element) and `check` sit at the edge.

Importing symmat imports neither NumPy nor SymPy.
"""

from .errors import (DeclarationError, DerivativeError, LimitError, ParseError, ShapeError,
                     SymmatError, UnknownFunctionError)
from .api import parse, grad, jacobian, hessian, derivative, verify, check  # noqa: F401

__version__ = "0.1.0"
__all__ = ["parse", "grad", "jacobian", "hessian", "derivative", "verify", "check",
           "SymmatError", "ParseError", "ShapeError", "LimitError", "DeclarationError",
           "DerivativeError", "UnknownFunctionError"]
