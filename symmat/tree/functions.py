"""Functions: element-wise functions of a scalar, vector or matrix (`Apply`),
and the vector functions softmax and logsumexp."""

from ..errors import ShapeError
from .node import Expr, _named
from .shapes import SCALAR

ELEMENTWISE = ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu",
               "softplus", "abs", "step", "sign")


class Apply(Expr):
    """An element-wise function (an ordinary function of a scalar)."""

    arity = 1

    def __init__(self, fn, x):
        Expr.__init__(self, (x,), (fn,))

    fn = property(lambda self: self.params[0])

    @classmethod
    def shape_of(cls, ops, params, ck):
        if params[0] not in ELEMENTWISE:
            raise ShapeError(f"unknown element-wise function {params[0]}")
        return ops[0].shape


class Softmax(Expr):
    """softmax(z) = exp(z) / sum(exp(z)); of a matrix, column by column (a batch of logits)."""

    arity = 1

    def __init__(self, x):
        Expr.__init__(self, (x,))

    @classmethod
    def shape_of(cls, ops, params, ck):
        return ops[0].shape


class LogSumExp(Expr):
    """logsumexp(z) = log(sum(exp(z))); of a matrix, the row of its columns' logsumexp."""

    arity = 1

    def __init__(self, x):
        Expr.__init__(self, (x,))

    @classmethod
    def shape_of(cls, ops, params, ck):
        return (1, ops[0].shape[1])
