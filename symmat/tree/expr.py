"""The expression tree: one immutable node type per operator.

This module is the tree's one name space (`from symmat.tree import expr as E`,
then `E.Mul`, `E.Var`, …); the nodes live by kind in `node` (the base class),
`leaves`, `operators` (sums and products), `matrix_ops` and `functions`, each
node class with its own `shape_of` rule. `NODE_TYPES` maps an operator's name
to its class (the parser builds nodes by name).

Nothing here imports NumPy or SymPy: parsing and deriving must start fast.
"""

from .node import Expr, describe  # noqa: F401
from .leaves import (Basis, Commutation, Const, Differential, Identity, Matrix, Ones, Size,  # noqa: F401
                     Var, Zero)
from .operators import Add, Div, HadDiv, HadPow, Hadamard, Kron, Mul, Neg  # noqa: F401
from .matrix_ops import (Det, DiagMat, DiagVec, Inverse, LogDet, Mean, Norm, Power, Sum,  # noqa: F401
                         Trace, Transpose, Unvec, Vec)
from .functions import ELEMENTWISE, Apply, LogSumExp, Softmax  # noqa: F401

NODE_TYPES = {cls.__name__: cls for cls in (
    Var, Const, Identity, Ones, Zero, Differential, Size, Basis, Commutation, Matrix, Add, Neg, Mul, Div,
    Hadamard, HadDiv, HadPow, Kron, Transpose, Inverse, Power, Trace, Det, LogDet, Norm,
    Sum, Mean, DiagMat, DiagVec, Vec, Unvec, Apply, Softmax, LogSumExp)}
