"""A closed form as a SymPy matrix expression (`Derivative.to_sympy`).

Design decisions:

* Symbolic, not expanded: names become `MatrixSymbol`s whose sizes are
  SymPy symbols (``MatrixSymbol("A", n, m)``), scalars become `Symbol`s, and
  each operator its SymPy matrix-expression class (`Transpose`, `Inverse`,
  `HadamardProduct`, `HadamardPower`, `KroneckerProduct`, `Trace`,
  `Determinant`, `DiagMatrix`, `DiagonalOf`, `Identity`, `OneMatrix`, …).
  The element-wise expansion at concrete sizes lives in `expand`.
* A 1×1 product used as a number (``xᵀ y`` in ``xᵀ y z``) becomes
  ``Trace(xᵀ y)``: SymPy refuses a 1×1 matrix as a scalar factor, and its
  entry ``(xᵀ y)[0, 0]`` would expand into an index sum.
* A scalar added to a matrix (SPEC §1.2) is the scalar times `OneMatrix`.
* SymPy has no vec: `Vec` below is a small `MatrixExpr` (column-major).
* Element-wise functions of a matrix are `applyfunc` of a `Lambda`;
  ``sigmoid`` is ``1/(1 + exp(-t))``, ``relu`` is ``Max(0, t)``,
  ``softplus`` is ``log(1 + exp(t))``, ``log|det X|`` is ``log(Abs(det X))``.

SymPy is imported by this module, which nothing imports at start-up.
"""

import sympy
from sympy.matrices.expressions import (Determinant, HadamardPower, HadamardProduct, Identity,
                                        KroneckerProduct, MatrixExpr, MatrixSymbol, OneMatrix,
                                        Trace, ZeroMatrix)
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf

from ..tree import expr as E
from ..tree.rules import node_table
from ..tree.walk import fold


class Vec(MatrixExpr):
    """vec(X): the columns of X stacked (SymPy has no such expression)."""

    def __new__(cls, arg):
        return sympy.Basic.__new__(cls, arg)

    @property
    def shape(self):
        rows, cols = self.args[0].shape
        return (rows * cols, sympy.S.One)

    def _entry(self, i, j, **kwargs):
        """Entry (i, j) of vec(X)."""
        rows = self.args[0].shape[0]
        return self.args[0][i % rows, i // rows]


_T = sympy.Dummy("t")
FUNCTIONS = {
    "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "sin": sympy.sin, "cos": sympy.cos,
    "tan": sympy.tan, "tanh": sympy.tanh, "abs": sympy.Abs, "sign": sympy.sign,
    "step": sympy.Heaviside, "sigmoid": lambda t: 1 / (1 + sympy.exp(-t)),
    "relu": lambda t: sympy.Max(0, t), "softplus": lambda t: sympy.log(1 + sympy.exp(t)),
}


def dim(d):
    """A size as SymPy: a positive integer symbol, a number, or a product."""
    if isinstance(d, tuple):
        return dim(d[1]) * dim(d[2])
    if isinstance(d, str):
        return sympy.Symbol(d, integer=True, positive=True)
    return sympy.Integer(d)


def shape(e):
    """The SymPy shape of a node."""
    return dim(e.shape[0]), dim(e.shape[1])


def scalar(v):
    """A value as a SymPy scalar (a 1×1 matrix expression is its trace)."""
    return Trace(v) if isinstance(v, MatrixExpr) else v


def matrix(v, node):
    """A value as a matrix of the node's shape (a scalar fills it)."""
    if isinstance(v, (MatrixExpr, sympy.ImmutableMatrix)):
        return v
    return v * OneMatrix(*shape(node))


def to_sympy(e):
    """The SymPy (matrix) expression of an Expr."""
    return fold(e, lambda x, args: RULES[type(x)](x, args))


def _var(e, a):
    """A name: Symbol for a scalar, MatrixSymbol with symbolic sizes otherwise."""
    if e.is_scalar:
        return sympy.Symbol(e.name)
    return MatrixSymbol(e.name, *shape(e))


def _differential(e, a):
    """dX as a symbol of X's shape."""
    return sympy.Symbol("d" + e.name) if e.is_scalar else MatrixSymbol("d" + e.name, *shape(e))


def _const(e, a):
    """An exact rational."""
    return sympy.Rational(e.value.numerator, e.value.denominator)


def _basis(e, a):
    """The unit vector e_k (explicit when its size and index are numbers)."""
    n, k = e.params
    if isinstance(n, int) and isinstance(k, int):
        return sympy.ImmutableMatrix(n, 1, lambda i, j: 1 if i == k - 1 else 0)
    return MatrixSymbol(f"e_{k}", dim(n), 1)


def _commutation(e, a):
    """The commutation matrix as a named symbol."""
    m, n = e.params
    return MatrixSymbol(f"K_{m},{n}", *shape(e))


def _matrix(e, a):
    """An explicit matrix."""
    rows, cols = e.params
    return sympy.ImmutableMatrix(rows, cols, [scalar(x) for x in a])


def _add(e, a):
    """A sum; a scalar term fills the matrix's shape."""
    if e.is_scalar:
        return sympy.Add(*[scalar(x) for x in a])
    out = matrix(a[0], e)
    for x in a[1:]:
        out = out + matrix(x, e)
    return out


def _mul(e, a):
    """Scalar factors times the matrix product of the rest."""
    coef, chain = sympy.S.One, []
    for node, x in zip(e.args, a):
        if node.is_scalar:
            coef = coef * scalar(x)
        else:
            chain.append(x)
    if not chain:
        return coef
    product = chain[0]
    for x in chain[1:]:
        product = product * x
    return coef * product


def _hadamard(e, a):
    """Element-wise product (a scalar factor scales)."""
    x, y = a
    if e.args[0].is_scalar or e.args[1].is_scalar:
        return scalar(x) * y if e.args[0].is_scalar else x * scalar(y)
    return HadamardProduct(x, y)


def _haddiv(e, a):
    """Element-wise division, as a product with a HadamardPower −1."""
    x, y = a
    if e.args[1].is_scalar:
        return x * (1 / scalar(y))
    inv = HadamardPower(y, -1)
    return scalar(x) * inv if e.args[0].is_scalar else HadamardProduct(x, inv)


def _hadpow(e, a):
    """Element-wise power."""
    p = _const(E.Const(e.params[0]), ())
    return scalar(a[0]) ** p if e.is_scalar else HadamardPower(a[0], p)


def _kron(e, a):
    """Kronecker product (a scalar factor scales)."""
    x, y = a
    if e.args[0].is_scalar or e.args[1].is_scalar:
        return scalar(x) * y if e.args[0].is_scalar else x * scalar(y)
    return KroneckerProduct(x, y)


def _power(e, a):
    """Integer matrix power, or any power of a scalar."""
    k = _const(E.Const(e.params[0]), ())
    return scalar(a[0]) ** k if e.is_scalar else a[0] ** k


def _entries_sum(x, node):
    """The sum of all entries: 𝟏ᵀ X 𝟏, as a trace."""
    rows, cols = shape(node)
    return Trace(OneMatrix(1, rows) * x * OneMatrix(cols, 1))


def _sum(e, a):
    """sum(X)."""
    return scalar(a[0]) if e.args[0].is_scalar else _entries_sum(a[0], e.args[0])


def _mean(e, a):
    """mean(X)."""
    rows, cols = shape(e.args[0])
    return _sum(e, a) / (rows * cols)


def _norm(e, a):
    """Euclidean/Frobenius norm, 1-norm, or |s| of a scalar."""
    x, node = a[0], e.args[0]
    if node.is_scalar:
        return sympy.Abs(scalar(x))
    if e.params[0] == "1":
        return _entries_sum(x.applyfunc(sympy.Lambda(_T, sympy.Abs(_T))), node)
    return sympy.sqrt(Trace(x.T * x))


def _apply(e, a):
    """An element-wise function (applyfunc of a Lambda for a matrix)."""
    fn = FUNCTIONS[e.fn]
    if e.is_scalar:
        return fn(scalar(a[0]))
    return a[0].applyfunc(sympy.Lambda(_T, fn(_T)))


def _softmax(e, a):
    """exp(z) / 𝟏ᵀ exp(z); of a matrix, exp(Z) ⊙ (𝟏 (𝟏ᵀ exp(Z)).^-1), column by column."""
    ex = a[0].applyfunc(sympy.Lambda(_T, sympy.exp(_T)))
    if e.shape[1] != 1:
        rows, _ = shape(e)
        return HadamardProduct(ex, OneMatrix(rows, 1) * HadamardPower(OneMatrix(1, rows) * ex, -1))
    return (1 / _entries_sum(ex, e)) * ex


def _logsumexp(e, a):
    """log(𝟏ᵀ exp(z)); of a matrix, the row log.(𝟏ᵀ exp(Z))."""
    ex = a[0].applyfunc(sympy.Lambda(_T, sympy.exp(_T)))
    if e.args[0].shape[1] != 1:
        rows, _ = shape(e.args[0])
        return (OneMatrix(1, rows) * ex).applyfunc(sympy.Lambda(_T, sympy.log(_T)))
    return sympy.log(_entries_sum(ex, e.args[0]))


def _matrix_only(fn, on_scalar):
    """A rule for matrices, with its meaning for a 1×1 argument."""
    return lambda e, a: on_scalar(scalar(a[0])) if e.args[0].is_scalar else fn(a[0])


RULES = node_table({
    E.Var: _var, E.Differential: _differential, E.Const: _const,
    E.Identity: lambda e, a: Identity(dim(e.params[0])),
    E.Ones: lambda e, a: OneMatrix(*shape(e)),
    E.Zero: lambda e, a: sympy.S.Zero if e.is_scalar else ZeroMatrix(*shape(e)),
    E.Basis: _basis, E.Commutation: _commutation, E.Matrix: _matrix,
    E.Add: _add, E.Neg: lambda e, a: -a[0], E.Mul: _mul,
    E.Div: lambda e, a: (1 / scalar(a[1])) * a[0],
    E.Hadamard: _hadamard, E.HadDiv: _haddiv, E.HadPow: _hadpow, E.Kron: _kron,
    E.Transpose: _matrix_only(lambda x: x.T, lambda s: s),
    E.Inverse: _matrix_only(lambda x: x.I, lambda s: 1 / s),
    E.Power: _power,
    E.Trace: _matrix_only(Trace, lambda s: s),
    E.Det: _matrix_only(Determinant, lambda s: s),
    E.LogDet: _matrix_only(lambda x: sympy.log(sympy.Abs(Determinant(x))), lambda s: sympy.log(sympy.Abs(s))),
    E.Norm: _norm, E.Sum: _sum, E.Mean: _mean,
    E.DiagMat: lambda e, a: DiagMatrix(a[0]),
    E.DiagVec: lambda e, a: DiagonalOf(a[0]),
    E.Vec: lambda e, a: Vec(a[0]) if not e.args[0].is_scalar else a[0],
    E.Apply: _apply, E.Softmax: _softmax, E.LogSumExp: _logsumexp,
}, complete=False)
