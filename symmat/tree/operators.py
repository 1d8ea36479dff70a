"""Sums and products: +, unary minus, the matrix product (with scalars as factors),
division by a scalar, the Hadamard product, division and power, and ⊗."""

from fractions import Fraction

from ..errors import ShapeError
from .node import Expr, _named, describe
from .shapes import SCALAR, dim_mul, is_scalar
from .leaves import Const

class Add(Expr):
    """A sum of terms of one shape; a scalar term is added to every entry."""

    def __init__(self, *terms):
        Expr.__init__(self, terms)

    @classmethod
    def shape_of(cls, ops, params, ck):
        if len(ops) < 2:
            raise ShapeError("a sum needs two terms")
        big = [op for op in ops if not is_scalar(op.shape)]
        if not big:
            return SCALAR
        first = big[0]
        for op in big[1:]:
            for i in (0, 1):
                ck.eq(first.shape[i], op.shape[i],
                      lambda: f"cannot add {_named(first, ck)} and {_named(op, ck)}")
        return first.shape


class Neg(Expr):
    """Negation."""

    arity = 1

    def __init__(self, x):
        Expr.__init__(self, (x,))

    @classmethod
    def shape_of(cls, ops, params, ck):
        return ops[0].shape


class Mul(Expr):
    """A product: 1×1 factors scale, the other factors chain as matrix products.

    A factor that is itself a product is nested only when it is 1×1 and has
    matrix factors (``xᵀ y`` in ``xᵀ y z``): that one acts as a scalar.
    """

    def __init__(self, *factors):
        Expr.__init__(self, factors)

    @classmethod
    def shape_of(cls, ops, params, ck):
        if len(ops) < 2:
            raise ShapeError("a product needs two factors")
        chain = [op for op in ops if not is_scalar(op.shape)]
        for a, b in zip(chain, chain[1:]):
            ck.eq(a.shape[1], b.shape[0], lambda: _product_message(a, b, ck))
        if not chain:
            return SCALAR
        return (chain[0].shape[0], chain[-1].shape[1])

    @property
    def scalars(self):
        """The 1×1 factors."""
        return [a for a in self.args if a.is_scalar]

    @property
    def chain(self):
        """The matrix factors, in order."""
        return [a for a in self.args if not a.is_scalar]


def _product_message(a, b, ck):
    msg = f"cannot multiply {_named(a, ck)} by {_named(b, ck)}"
    # the hint only for a plain variable of free size: declared sizes (A: 2x3) or a compound
    # operand (kron(B, A)) cannot be declared a vector
    plain = getattr(b, "op", None) == "Var" or getattr(b, "is_variable", False)
    free = not all(isinstance(ck.resolve(d), int) for d in b.shape)
    if ck.resolve(a.shape[0]) == 1 and ck.resolve(b.shape[0]) != 1 and plain and free:
        msg += f": {describe(a)} is a row; declare {describe(b)}: vector?"
    return msg


class Div(Expr):
    """Division by a scalar."""

    arity = 2

    def __init__(self, num, den):
        Expr.__init__(self, (num, den))

    @classmethod
    def shape_of(cls, ops, params, ck):
        num, den = ops
        if not is_scalar(den.shape):
            raise ShapeError(f"can only divide by a scalar, not by {_named(den, ck)}; "
                             "use ./ for element-wise division or ^{-1} for the inverse")
        if isinstance(den, Const) and den.value == 0:
            raise ShapeError("division by zero")
        return num.shape


class Hadamard(Expr):
    """Element-wise product (a scalar factor scales)."""

    arity = 2
    symbol = "⊙"

    def __init__(self, a, b):
        Expr.__init__(self, (a, b))

    @classmethod
    def shape_of(cls, ops, params, ck):
        a, b = ops
        if is_scalar(a.shape):
            return b.shape
        if is_scalar(b.shape):
            return a.shape
        for i in (0, 1):
            ck.eq(a.shape[i], b.shape[i],
                  lambda: f"element-wise {cls.__name__.lower()} needs equal shapes, "
                          f"not {_named(a, ck)} and {_named(b, ck)}")
        return a.shape


class HadDiv(Expr):
    """Element-wise division."""

    arity = 2
    symbol = "./"

    def __init__(self, a, b):
        Expr.__init__(self, (a, b))

    shape_of = Hadamard.shape_of


class HadPow(Expr):
    """Element-wise power by a rational constant."""

    arity = 1

    def __init__(self, x, p):
        Expr.__init__(self, (x,), (p if type(p) is Fraction else Fraction(p),))

    @classmethod
    def shape_of(cls, ops, params, ck):
        return ops[0].shape


class Kron(Expr):
    """Kronecker product."""

    arity = 2

    def __init__(self, a, b):
        Expr.__init__(self, (a, b))

    @classmethod
    def shape_of(cls, ops, params, ck):
        a, b = ops
        return (dim_mul(a.shape[0], b.shape[0]), dim_mul(a.shape[1], b.shape[1]))
