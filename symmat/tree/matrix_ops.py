"""Matrix operators: transpose, inverse, integer powers, trace, determinant,
log-determinant, norms, sums and means of entries, diag in both directions,
vec and unvec."""

from fractions import Fraction

from ..errors import ShapeError
from .node import Expr, _named
from .shapes import SCALAR, dim_mul, is_scalar
from .leaves import Matrix

class Transpose(Expr):
    """Transpose."""

    arity = 1

    def __init__(self, x):
        Expr.__init__(self, (x,))

    @classmethod
    def shape_of(cls, ops, params, ck):
        return (ops[0].shape[1], ops[0].shape[0])


def _square(cls, op, ck):
    ck.eq(op.shape[0], op.shape[1],
          lambda: f"{cls} needs a square matrix, not {_named(op, ck)}")


class Inverse(Expr):
    """Matrix inverse (of a scalar: its reciprocal)."""

    arity = 1

    def __init__(self, x):
        Expr.__init__(self, (x,))

    @classmethod
    def shape_of(cls, ops, params, ck):
        _square("the inverse", ops[0], ck)
        return ops[0].shape


class Power(Expr):
    """Integer power of a square matrix, or any rational power of a scalar."""

    arity = 1

    def __init__(self, x, k):
        Expr.__init__(self, (x,), (k if type(k) is Fraction else Fraction(k),))

    @classmethod
    def shape_of(cls, ops, params, ck):
        x, k = ops[0], params[0]
        if not is_scalar(x.shape):
            _square(f"the power ^{k}", x, ck)
            if k.denominator != 1:
                raise ShapeError(f"a matrix power must be an integer, not {k}; use .^ for element-wise")
        return x.shape


class Trace(Expr):
    """Trace."""

    arity = 1

    def __init__(self, x):
        Expr.__init__(self, (x,))

    @classmethod
    def shape_of(cls, ops, params, ck):
        _square("tr", ops[0], ck)
        return SCALAR


class Det(Expr):
    """Determinant."""

    arity = 1

    def __init__(self, x):
        Expr.__init__(self, (x,))

    @classmethod
    def shape_of(cls, ops, params, ck):
        _square("det", ops[0], ck)
        return SCALAR


class LogDet(Expr):
    """log |det X|."""

    arity = 1

    def __init__(self, x):
        Expr.__init__(self, (x,))

    @classmethod
    def shape_of(cls, ops, params, ck):
        _square("logdet", ops[0], ck)
        return SCALAR


class Norm(Expr):
    """A norm: params ('2',) Euclidean/Frobenius, ('1',) the 1-norm (entries summed)."""

    arity = 1

    def __init__(self, x, p="2"):
        Expr.__init__(self, (x,), (p,))

    @classmethod
    def shape_of(cls, ops, params, ck):
        return SCALAR


class Sum(Expr):
    """Sum of all entries."""

    arity = 1

    def __init__(self, x):
        Expr.__init__(self, (x,))

    @classmethod
    def shape_of(cls, ops, params, ck):
        return SCALAR


class Mean(Expr):
    """Mean of all entries."""

    arity = 1

    def __init__(self, x):
        Expr.__init__(self, (x,))

    shape_of = Sum.shape_of


class DiagMat(Expr):
    """diag(x): the diagonal matrix with the vector x on its diagonal."""

    arity = 1

    def __init__(self, x):
        Expr.__init__(self, (x,))

    @classmethod
    def shape_of(cls, ops, params, ck):
        x = ops[0]
        ck.eq(x.shape[1], 1, lambda: f"diag needs a vector or a square matrix, not {_named(x, ck)}")
        return (x.shape[0], x.shape[0])


class DiagVec(Expr):
    """diag(X): the vector of the diagonal of a square matrix."""

    arity = 1

    def __init__(self, x):
        Expr.__init__(self, (x,))

    @classmethod
    def shape_of(cls, ops, params, ck):
        _square("diag", ops[0], ck)
        return (ops[0].shape[0], 1)


class Vec(Expr):
    """vec(X): the columns of X stacked (column-major)."""

    arity = 1

    def __init__(self, x):
        Expr.__init__(self, (x,))

    @classmethod
    def shape_of(cls, ops, params, ck):
        return (dim_mul(ops[0].shape[0], ops[0].shape[1]), 1)


class Unvec(Expr):
    """unvec(v): the m×n matrix whose vec is v (made by the trace trick, never parsed)."""

    arity = 1

    def __init__(self, x, m, n):
        Expr.__init__(self, (x,), (m, n))

    @classmethod
    def shape_of(cls, ops, params, ck):
        m, n = params
        ck.eq(ops[0].shape[0], dim_mul(m, n), lambda: f"unvec to {m}×{n} needs a vector of length mn")
        ck.eq(ops[0].shape[1], 1, lambda: "unvec needs a column vector")
        return (m, n)
