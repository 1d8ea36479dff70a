"""SymPy at the edge: a concrete, element-by-element instance of an expression.

This is the independent oracle that verification (SPEC §4) stands on, so it
shares no logic with the differentiator: every node is computed entry by
entry as a `sympy.Matrix`, scalars being 1×1.

Design decisions:

* Sizes: each symbolic size gets a distinct concrete value, 2, 3, 4, … in
  order of first appearance, skipping values the user gave or declared, so
  that a missing transpose cannot hide in a square instance. When the
  distinct values run out below ``max_size`` they are reused. A size
  above ``max_size``, given or declared, is refused (`LimitError`, option
  ``--max-size``).
* Entry symbols are real and named after the variable in lower case
  (``A`` → ``a_11``, ``a_12``; ``x`` → ``x_1``; a scalar keeps its name);
  where two variables would share a symbol, the later keeps its own case.
  Declared properties hold in the instance: symmetric and spd matrices
  share ``a_ij = a_ji`` (the symbol of the upper triangle), diagonal ones
  have zeros off the diagonal. Orthogonality cannot be written in symbols;
  verification substitutes orthogonal numbers instead.
* Function choices that make SymPy's derivatives match the textbook ones:
  ``logdet`` → ``log(det)`` (its derivative ``det'/det`` is right whatever
  the sign), ``sigmoid`` → ``1/(1 + exp(-x))``, ``relu`` → ``Max(0, x)``
  (derivative ``Heaviside(x)``), ``step`` → ``Heaviside(x)``, ``softplus``
  → ``log(1 + exp(x))``; determinants by the permutation expansion up to
  6×6 (expanded polynomials for matrices of symbols; Berkowitz beyond),
  inverses as adjugate/determinant (polynomial entries
  over one denominator, cheap to differentiate and to compare).
"""

import sympy

from ..tree import expr as E
from ..errors import ShapeError, SymmatError
from ..tree.rules import node_table
from ..tree.shapes import fmt_shape
from ..tree.walk import fold
from ..tree.sizes import concrete_shape, concrete_sizes, dim, size_order  # noqa: F401  (re-exported for the proof stage)


# ----------------------------------------------------------------- entry symbols

def base_name(name):
    """The stem of a variable's entry symbols: its name in lower case."""
    return name.lower()


def entry_name(base, i, j, shape):
    """The name of entry (i, j) (1-based) of a variable of concrete `shape`."""
    rows, cols = shape
    if (rows, cols) == (1, 1):
        return base
    if cols == 1:
        return f"{base}_{i}"
    if rows == 1:
        return f"{base}_{j}"
    sep = "" if max(rows, cols) < 10 else ","
    return f"{base}_{i}{sep}{j}"


def symbols_for(var, sizes, base=None):
    """A sympy Matrix of real entry symbols for `var`, its properties built in."""
    shape = concrete_shape(var.shape, sizes)
    if shape == (1, 1):
        return sympy.Matrix([[sympy.Symbol(base or var.name, real=True)]])
    base = base or base_name(var.name)
    symmetric, diagonal = var.has("symmetric"), "diagonal" in var.props

    def entry(i, j):
        """The symbol (or 0) at (i, j)."""
        if diagonal and i != j:
            return sympy.S.Zero
        if symmetric and i > j:
            i, j = j, i
        return sympy.Symbol(entry_name(base, i + 1, j + 1, shape), real=True)

    return sympy.Matrix(shape[0], shape[1], entry)


def symbol_env(variables, sizes):
    """Entry symbols for several variables (name → Matrix), no symbol shared between two."""
    env, taken = {}, set()
    for var in variables:
        if var.name in env:
            continue
        for base in (None, var.name, var.name + "'", var.name + "''"):
            m = symbols_for(var, sizes, base)
            names = {s.name for s in m.free_symbols}
            if not names & taken:
                break
        env[var.name] = m
        taken |= names
    return env


def variables_of(exprs):
    """The variables of several expressions, first appearance first, checked for agreement."""
    out = {}
    for root in exprs:
        for v in root.variables():
            old = out.setdefault(v.name, v)
            if old.shape != v.shape:
                raise ShapeError(f"{v.name} is {fmt_shape(old.shape)} in one expression "
                                 f"and {fmt_shape(v.shape)} in another")
    return list(out.values())


# ----------------------------------------------------------------- expansion

def expand(expr, env, sizes):
    """The sympy Matrix value of `expr`, entry by entry (env: name → Matrix)."""
    ctx = Ctx(env, sizes)

    def node(e, args):
        rule = RULES.get(type(e))
        if rule is None:
            raise SymmatError(f"cannot expand a {type(e).__name__} node")
        return rule(e, args, ctx)

    return fold(expr, node)


class Ctx:
    """What a rule may look at: the entry symbols and the concrete sizes."""

    def __init__(self, env, sizes):
        """Hold the entry symbols and the sizes."""
        self.env, self.sizes = env, sizes

    def shape(self, e):
        """The concrete shape of node `e`."""
        return concrete_shape(e.shape, self.sizes)


def _s(m):
    """The entry of a 1×1 Matrix."""
    return m[0, 0]


def _one(x):
    """A 1×1 Matrix."""
    return sympy.Matrix([[x]])


def _var(e, a, c):
    """A variable: its bound value."""
    if e.name not in c.env:
        raise SymmatError(f"no entry symbols for {e.name}")
    m = c.env[e.name]
    if m.shape != c.shape(e):
        raise ShapeError(f"{e.name} has entries of shape {m.shape}, not {c.shape(e)}")
    return m


def _differential(e, a, c):
    """dX: bound like a variable named dX."""
    key = "d" + e.name
    if key not in c.env:
        raise SymmatError(f"no entry symbols for the differential {key}")
    return c.env[key]


def _const(e, a, c):
    """A rational constant."""
    v = e.value
    return _one(sympy.Rational(v.numerator, v.denominator))


def _size(e, a, c):
    """A dimension as a 1×1 value."""
    return sympy.Matrix([[dim(e.params[0], c.sizes)]])


def _identity(e, a, c):
    """The identity of the bound size."""
    return sympy.eye(dim(e.params[0], c.sizes))


def _ones(e, a, c):
    """All ones."""
    return sympy.ones(*c.shape(e))


def _zero(e, a, c):
    """All zeros."""
    return sympy.zeros(*c.shape(e))


def _basis(e, a, c):
    """The unit vector e_k (k 1-based)."""
    n, k = dim(e.params[0], c.sizes), e.params[1]
    k = k if isinstance(k, int) else c.sizes.get(k)
    if k is None or not 1 <= k <= n:
        raise SymmatError(f"the unit vector e_{e.params[1]} needs an index between 1 and {n}")
    return sympy.Matrix(n, 1, lambda i, j: 1 if i == k - 1 else 0)


def commutation(m, n):
    """The mn×mn commutation matrix: K vec(A) = vec(Aᵀ) for A m×n."""
    return sympy.Matrix(m * n, m * n, lambda r, col: 1 if col == (r // n) + (r % n) * m else 0)


def _commutation(e, a, c):
    """The commutation matrix K_(m,n)."""
    return commutation(dim(e.params[0], c.sizes), dim(e.params[1], c.sizes))


def _matrix(e, a, c):
    """An explicit matrix of scalar entries."""
    m, n = e.params
    return sympy.Matrix(m, n, [_s(x) for x in a])


def _broadcast(x, shape):
    """A 1×1 value spread over `shape`; anything else unchanged."""
    return _s(x) * sympy.ones(*shape) if x.shape == (1, 1) and shape != (1, 1) else x


def _add(e, a, c):
    """A sum; a 1×1 term is added to every entry."""
    shape = c.shape(e)
    out = _broadcast(a[0], shape)
    for x in a[1:]:
        out = out + _broadcast(x, shape)
    return out


def _neg(e, a, c):
    """Negation."""
    return -a[0]


def _mul(e, a, c):
    """1×1 factors scale, the others multiply as matrices."""
    scale, chain = sympy.S.One, []
    for node, x in zip(e.args, a):
        if node.is_scalar:
            scale = scale * _s(x)
        else:
            chain.append(x)
    if not chain:
        return _one(scale)
    out = chain[0]
    for x in chain[1:]:
        out = out * x
    return scale * out


def _div(e, a, c):
    """Division by a scalar."""
    return a[0] / _s(a[1])


def _elementwise2(e, a, c, fn):
    """Combine two operands entry by entry (a 1×1 operand broadcasts)."""
    shape = c.shape(e)
    x, y = _broadcast(a[0], shape), _broadcast(a[1], shape)
    return sympy.Matrix(shape[0], shape[1], lambda i, j: fn(x[i, j], y[i, j]))


def _hadamard(e, a, c):
    """Element-wise product (a 1×1 operand scales)."""
    return _elementwise2(e, a, c, lambda p, q: p * q)


def _haddiv(e, a, c):
    """Element-wise division."""
    return _elementwise2(e, a, c, lambda p, q: p / q)


def _rational(p):
    """A Fraction as a sympy Rational."""
    return sympy.Rational(p.numerator, p.denominator)


def _hadpow(e, a, c):
    """Element-wise power."""
    p = _rational(e.params[0])
    return a[0].applyfunc(lambda t: t ** p)


def _kron(e, a, c):
    """Kronecker product."""
    x, y = a
    rows, cols = y.shape
    return sympy.Matrix(x.rows * rows, x.cols * cols,
                        lambda i, j: x[i // rows, j // cols] * y[i % rows, j % cols])


def _transpose(e, a, c):
    """Transpose."""
    return a[0].T


PERMUTATION_DET_MAX = 6  # up to 6! = 720 products: faster than Berkowitz and already expanded


def det(m):
    """Determinant of a sympy Matrix, as an expanded polynomial where that is cheap.

    Up to 6×6 it is the permutation expansion: a sum of signed products,
    already expanded for a matrix of symbols (so that derivatives and
    comparisons stay small), and far cheaper than Berkowitz for computed
    entries, whose intermediate polynomials SymPy handles slowly. Larger
    matrices get Berkowitz.
    """
    n = m.rows
    if n == 1:
        return m[0, 0]
    if n > PERMUTATION_DET_MAX:
        return m.det(method="berkowitz")
    terms = []
    for perm, sign in _signed_permutations(n):
        entries = [m[i, perm[i]] for i in range(n)]
        if all(e != 0 for e in entries):
            terms.append(sign * sympy.Mul(*entries))
    return sympy.Add(*terms)


def _signed_permutations(n):
    """All permutations of range(n) with their signs."""
    from itertools import permutations
    for perm in permutations(range(n)):
        inversions = sum(1 for i in range(n) for j in range(i + 1, n) if perm[i] > perm[j])
        yield perm, -1 if inversions % 2 else 1


def adjugate(m):
    """The adjugate (transposed cofactor matrix), cofactors by `det`."""
    n = m.rows
    cof = sympy.zeros(n, n)
    for i in range(n):
        for j in range(n):
            minor = m.copy()
            minor.row_del(i)
            minor.col_del(j)
            cof[j, i] = (-1) ** (i + j) * det(minor)
    return cof


def inverse(m):
    """Inverse of a sympy Matrix as adjugate / determinant."""
    if m.shape == (1, 1):
        return _one(1 / m[0, 0])
    d = det(m)
    if d == 0:
        raise SymmatError("the instance has a singular matrix to invert")
    return adjugate(m) / d


def _inverse(e, a, c):
    """Matrix inverse (of a scalar: its reciprocal)."""
    return inverse(a[0])


def _power(e, a, c):
    """Integer power of a matrix, rational power of a scalar."""
    k, x = e.params[0], a[0]
    if e.is_scalar:
        return _one(_s(x) ** _rational(k))
    base = inverse(x) if k < 0 else x
    out = sympy.eye(x.rows)
    for _ in range(abs(int(k))):
        out = out * base
    return out


def _trace(e, a, c):
    """Trace."""
    return _one(a[0].trace())


def _det(e, a, c):
    """Determinant."""
    return _one(det(a[0]))


def _logdet(e, a, c):
    """log |det X|."""
    return _one(sympy.log(det(a[0])))


def _norm(e, a, c):
    """Euclidean/Frobenius norm, or the 1-norm."""
    if e.params[0] == "1":
        return _one(sum(sympy.Abs(t) for t in a[0]))
    return _one(sympy.sqrt(sum(t ** 2 for t in a[0])))


def _sum(e, a, c):
    """Sum of all entries."""
    return _one(sum(a[0]))


def _mean(e, a, c):
    """Mean of all entries."""
    return _one(sum(a[0]) / len(a[0]))


def _diagmat(e, a, c):
    """diag(x): a diagonal matrix."""
    x = a[0]
    return sympy.Matrix(x.rows, x.rows, lambda i, j: x[i, 0] if i == j else 0)


def _diagvec(e, a, c):
    """diag(X): the vector of the diagonal."""
    x = a[0]
    return sympy.Matrix(x.rows, 1, lambda i, j: x[i, i])


def _unvec(e, a, c):
    """unvec(v): the column-major reshape to the node's shape."""
    m, n = dim(e.params[0], c.sizes), dim(e.params[1], c.sizes)
    return sympy.Matrix(m, n, lambda i, j: a[0][j * m + i, 0])


def _vec(e, a, c):
    """vec(X), column-major."""
    return colmajor(a[0])


def colmajor(m):
    """vec(m): the columns of a sympy Matrix stacked."""
    return sympy.Matrix(m.rows * m.cols, 1, lambda r, j: m[r % m.rows, r // m.rows])


FUNCTIONS = {
    "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "sin": sympy.sin,
    "cos": sympy.cos, "tan": sympy.tan, "tanh": sympy.tanh,
    "sigmoid": lambda x: 1 / (1 + sympy.exp(-x)), "relu": lambda x: sympy.Max(0, x),
    "softplus": lambda x: sympy.log(1 + sympy.exp(x)), "abs": sympy.Abs,
    "step": sympy.Heaviside, "sign": sympy.sign,
}


def _apply(e, a, c):
    """An element-wise function."""
    return a[0].applyfunc(FUNCTIONS[e.fn])


def _softmax(e, a, c):
    """softmax(z) = exp(z) / sum(exp(z)), column by column."""
    z = a[0].applyfunc(sympy.exp)
    sums = [sum(z[:, j]) for j in range(z.cols)]
    return sympy.Matrix(z.rows, z.cols, lambda i, j: z[i, j] / sums[j])


def _logsumexp(e, a, c):
    """log(sum(exp(z))) of each column: a row."""
    z = a[0].applyfunc(sympy.exp)
    return sympy.Matrix(1, z.cols, lambda i, j: sympy.log(sum(z[:, j])))


RULES = node_table({
    E.Var: _var, E.Differential: _differential, E.Const: _const, E.Size: _size, E.Identity: _identity,
    E.Ones: _ones, E.Zero: _zero, E.Basis: _basis, E.Commutation: _commutation,
    E.Matrix: _matrix, E.Add: _add, E.Neg: _neg, E.Mul: _mul, E.Div: _div,
    E.Hadamard: _hadamard, E.HadDiv: _haddiv, E.HadPow: _hadpow, E.Kron: _kron,
    E.Transpose: _transpose, E.Inverse: _inverse, E.Power: _power, E.Trace: _trace,
    E.Det: _det, E.LogDet: _logdet, E.Norm: _norm, E.Sum: _sum, E.Mean: _mean,
    E.DiagMat: _diagmat, E.DiagVec: _diagvec, E.Vec: _vec, E.Unvec: _unvec, E.Apply: _apply,
    E.Softmax: _softmax, E.LogSumExp: _logsumexp,
})
