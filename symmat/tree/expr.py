"""The expression tree: one immutable node type per operator.

Every node holds `args` (its child expressions), `params` (the non-expression
data that distinguishes it: a name, a function, an exponent) and `shape`,
computed when the node is built by the class's `shape_of` rule. A node that
exists is well-shaped. Nodes compare and hash by structure (hash cached), so
equal subtrees are interchangeable and can be shared.

`shape_of(ops, params, ck)` is the single shape rule of an operator. It is
used twice: by the parser's size inference with a `Unifier` checker, and by
the constructor with a `Strict` one (see `shapes`).

Nothing here imports NumPy or SymPy: parsing and deriving must start fast.
"""

import weakref
from fractions import Fraction

from ..errors import ShapeError
from .shapes import SCALAR, Strict, dim_mul, is_scalar

_STRICT = Strict()

PROPERTIES = ("symmetric", "spd", "diagonal", "invertible", "orthogonal", "square")


# The first node built for each structure; children are replaced by these, so
# that equal trees share their subtrees and compare without deep recursion.
_CANON = weakref.WeakValueDictionary()


def describe(op):
    """Short text naming an operand in a message (its source text or its print)."""
    text = getattr(op, "source", None)
    if text is None:
        from ..printing.text import to_text  # the printers load on first display (they import this module)
        text = to_text(op)
    return text if len(text) <= 40 else text[:37] + "…"


def _named(op, ck):
    return f"{describe(op)} ({ck.fmt(op.shape)})"


class Expr:
    """Base of all nodes: structure, shape, structural equality."""

    __slots__ = ("args", "params", "shape", "_hash", "__weakref__")
    arity = None  # number of args, None for any

    def __init__(self, args=(), params=()):
        params = tuple(params)
        for a in args:
            if not isinstance(a, Expr):
                raise TypeError(f"{type(self).__name__} argument {a!r} is not an Expr")
        args = tuple(_CANON.get(a._key(), a) for a in args)   # children shared: equality is O(arity)
        shape = self.shape_of(args, params, _STRICT)
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "shape", tuple(shape))
        object.__setattr__(self, "_hash", hash((type(self).__name__, args, params)))
        _CANON.setdefault(self._key(), self)

    def _key(self):
        """What makes two nodes equal: type, (canonical) children, parameters."""
        return (type(self), self.args, self.params)

    @classmethod
    def shape_of(cls, ops, params, ck):
        """The shape of this operator applied to `ops` (checked through `ck`)."""
        raise NotImplementedError(cls.__name__)

    def rebuild(self, args):
        """The same operator over new arguments (`self` if they are the same)."""
        args = tuple(args)
        if args == self.args:
            return self
        return type(self)._make(args, self.params)

    @classmethod
    def _make(cls, args, params):
        obj = cls.__new__(cls)
        Expr.__init__(obj, args, params)
        return obj

    def __setattr__(self, key, value):
        raise AttributeError("expressions are immutable")

    def __eq__(self, other):
        return self is other or (
            type(other) is type(self) and self._hash == other._hash
            and self.params == other.params and self.args == other.args)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return self._hash

    def __reduce__(self):
        return (type(self)._make, (self.args, self.params))

    @property
    def is_scalar(self):
        """True when the value is 1×1."""
        return is_scalar(self.shape)

    def __repr__(self):
        inner = ", ".join([repr(p) for p in self.params] + [repr(a) for a in self.args])
        return f"{type(self).__name__}({inner})"

    def __str__(self):
        from ..printing.text import to_text  # the printers load on first display (they import this module)
        return to_text(self)

    def latex(self):
        """LaTeX source of the expression."""
        from ..printing.latex import to_latex  # the printers load on first display (they import this module)
        return to_latex(self)

    def _repr_latex_(self):
        return f"${self.latex()}$"

    def evaluate(self, values):
        """NumPy value of the expression at `values` (a dict name → array/number)."""
        from ..numeric.evaluate import evaluate  # NumPy: loaded only when a value is asked for
        return evaluate(self, values)

    def walk(self):
        """Every node of the tree, parents before children (shared nodes once)."""
        seen, stack = set(), [self]
        while stack:
            e = stack.pop()
            if e in seen:
                continue
            seen.add(e)
            yield e
            stack.extend(reversed(e.args))

    def variables(self):
        """The Var leaves, in order of first appearance."""
        out = {}
        for e in self.walk():
            if isinstance(e, Var):
                out.setdefault(e.name, e)
        return list(out.values())


# ----------------------------------------------------------------- leaves

class Var(Expr):
    """A named scalar, vector or matrix with declared properties."""

    arity = 0

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
        Expr.__init__(self, (), (Fraction(value),))

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


# ----------------------------------------------------------------- sums and products

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
    if ck.resolve(a.shape[0]) == 1 and ck.resolve(b.shape[0]) != 1:
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
        Expr.__init__(self, (x,), (Fraction(p),))

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


# ----------------------------------------------------------------- matrix operators

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
        Expr.__init__(self, (x,), (Fraction(k),))

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


# ----------------------------------------------------------------- functions

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


def _vector(name, op, ck):
    ck.eq(op.shape[1], 1, lambda: f"{name} needs a column vector, not {_named(op, ck)}")


class Softmax(Expr):
    """softmax(z) = exp(z) / sum(exp(z))."""

    arity = 1

    def __init__(self, x):
        Expr.__init__(self, (x,))

    @classmethod
    def shape_of(cls, ops, params, ck):
        _vector("softmax", ops[0], ck)
        return ops[0].shape


class LogSumExp(Expr):
    """logsumexp(z) = log(sum(exp(z)))."""

    arity = 1

    def __init__(self, x):
        Expr.__init__(self, (x,))

    @classmethod
    def shape_of(cls, ops, params, ck):
        _vector("logsumexp", ops[0], ck)
        return SCALAR


NODE_TYPES = {cls.__name__: cls for cls in (
    Var, Const, Identity, Ones, Zero, Differential, Size, Basis, Commutation, Matrix, Add, Neg, Mul, Div,
    Hadamard, HadDiv, HadPow, Kron, Transpose, Inverse, Power, Trace, Det, LogDet, Norm,
    Sum, Mean, DiagMat, DiagVec, Vec, Unvec, Apply, Softmax, LogSumExp)}


def const(v):
    """A constant node."""
    return Const(v)


ONE = Const(1)
