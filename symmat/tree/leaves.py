"""The leaves of the tree: variables, constants, identity, ones, zero, differentials,
sizes, unit vectors, commutation matrices and explicit matrices."""

from fractions import Fraction

from ..errors import ShapeError
from .node import Expr, _named
from .shapes import SCALAR, dim_mul, is_scalar

class Var(Expr):
    """A named scalar, vector or matrix with declared properties."""

    arity = 0
    is_variable = True

    def __init__(self, name, shape, props=frozenset()):
        Expr.__init__(self, (), (name, tuple(shape), frozenset(props)))

    name = property(lambda self: self.params[0])
    props = property(lambda self: self.params[2])

    @classmethod
    def shape_of(cls, ops, params, ck):
        shape = params[1]
        if set(params[2]) & {"symmetric", "spd", "diagonal", "invertible", "orthogonal", "square"}:
            ck.eq(shape[0], shape[1], lambda: f"{params[0]} is declared square but is {ck.fmt(shape)}")
        return shape

    def has(self, prop):
        """True if the variable has the property (spd implies symmetric, …)."""
        implied = {"spd": {"symmetric", "invertible", "square"},
                   "orthogonal": {"invertible", "square"},
                   "symmetric": {"square"}, "diagonal": {"symmetric", "square"},
                   "invertible": {"square"}}
        return prop in self.props or any(prop in implied.get(p, ()) for p in self.props)


class Const(Expr):
    """An exact rational scalar constant."""

    arity = 0

    def __init__(self, value):
        Expr.__init__(self, (), (value if type(value) is Fraction else Fraction(value),))

    value = property(lambda self: self.params[0])

    @classmethod
    def shape_of(cls, ops, params, ck):
        return SCALAR


class Identity(Expr):
    """The n×n identity matrix."""

    arity = 0

    def __init__(self, n):
        Expr.__init__(self, (), (n,))

    @classmethod
    def shape_of(cls, ops, params, ck):
        return (params[0], params[0])


class Ones(Expr):
    """The matrix (usually the column vector) whose entries are all 1."""

    arity = 0

    def __init__(self, shape):
        Expr.__init__(self, (), (tuple(shape),))

    @classmethod
    def shape_of(cls, ops, params, ck):
        return params[0]


class Zero(Expr):
    """The zero matrix of a shape (made by simplification, never parsed)."""

    arity = 0

    def __init__(self, shape):
        Expr.__init__(self, (), (tuple(shape),))

    @classmethod
    def shape_of(cls, ops, params, ck):
        return params[0]


class Differential(Expr):
    """dX: the differential of the variable named in params (a leaf of shape X)."""

    arity = 0

    def __init__(self, var):
        Expr.__init__(self, (), (var.name, var.shape))

    name = property(lambda self: self.params[0])

    @classmethod
    def shape_of(cls, ops, params, ck):
        return params[1]


class Size(Expr):
    """A dimension used as a scalar (the N of mean(U) = sum(U) / N), params (d,)."""

    arity = 0

    def __init__(self, d):
        Expr.__init__(self, (), (d,))

    @classmethod
    def shape_of(cls, ops, params, ck):
        return SCALAR


class Basis(Expr):
    """The unit column vector e_k of length n (for slices ∂F/∂x_k)."""

    arity = 0

    def __init__(self, n, k):
        Expr.__init__(self, (), (n, k))

    @classmethod
    def shape_of(cls, ops, params, ck):
        return (params[0], 1)


class Commutation(Expr):
    """The commutation matrix K_(m,n): K vec(A) = vec(Aᵀ) for A m×n."""

    arity = 0

    def __init__(self, m, n):
        Expr.__init__(self, (), (m, n))

    @classmethod
    def shape_of(cls, ops, params, ck):
        d = dim_mul(params[0], params[1])
        return (d, d)


class Matrix(Expr):
    """An explicit matrix of scalar entries, params = (rows, cols), args row-major."""

    def __init__(self, rows):
        rows = [list(r) for r in rows]
        Expr.__init__(self, [e for r in rows for e in r], (len(rows), len(rows[0]) if rows else 0))

    @classmethod
    def shape_of(cls, ops, params, ck):
        m, n = params
        if m * n != len(ops) or m == 0 or n == 0:
            raise ShapeError("an explicit matrix needs rows of equal length")
        for op in ops:
            if not is_scalar(op.shape):
                raise ShapeError(f"entries of an explicit matrix must be scalars, not {_named(op, ck)}")
        return (m, n)

    def rows(self):
        """The entries as a list of rows."""
        m, n = self.params
        return [list(self.args[i * n:(i + 1) * n]) for i in range(m)]
