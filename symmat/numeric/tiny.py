"""Values of expressions on tiny instances in plain Python floats (no NumPy).

Why this exists: the self-check runs on every result the command line prints,
at sizes 2, 3, 4. Loading NumPy for that costs ~70 ms of CPU, three times a
bare `python -c pass`, and NumPy's per-call overhead is larger than the
arithmetic on a 3×4 matrix. So a small instance is evaluated here, with a
value being a list of rows of floats; `numeric.program` picks NumPy
(`numeric.evaluate`'s rules) only for instances too large for this.

The rules mirror `numeric.evaluate` node by node (a 1×1 operand of a sum or an
element-wise product broadcasts; a domain error gives NaN or ±inf as NumPy
would, never an exception), and each inverse, determinant and negative power
reports the condition number of its argument through `Conditioning`, so that
the self-check can redraw an instance that sits next to a singularity.

The loops over entries go through `map` and `operator` (no Python frame per
entry), adding in the same order as a plain loop would, so that the values are
the same to the last bit.
"""

import math
import operator
from itertools import chain, repeat
from operator import mul

from ..tree import expr as E
from ..tree.rules import node_table
from ..tree.sizes import dim

INF, NAN = float("inf"), float("nan")


class Singular(ArithmeticError):
    """A matrix to invert is singular at this instance."""


class Conditioning:
    """The worst condition number met while evaluating (reset by the caller)."""

    def __init__(self):
        """No inverse met yet."""
        self.worst = 1.0

    def note(self, c):
        """Record the condition number `c` of a matrix that was inverted."""
        if not c < self.worst:      # NaN counts as the worst
            self.worst = c


# ----------------------------------------------------------------- linear algebra on lists of rows

def matmul(a, b):
    """The product of two lists of rows."""
    cols = list(zip(*b))
    return [[sum(map(mul, row, col)) for col in cols] for row in a]


def transpose(a):
    """The transpose."""
    return [list(r) for r in zip(*a)]


def identity(n):
    """The n×n identity."""
    return [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]


def lu_inverse(a):
    """(inverse, determinant) by Gauss–Jordan elimination with partial pivoting; Singular if singular."""
    n = len(a)
    m = [list(map(float, row)) + [1.0 if i == j else 0.0 for j in range(n)] for i, row in enumerate(a)]
    det = 1.0
    for k in range(n):
        p = max(range(k, n), key=lambda i: abs(m[i][k]))
        pivot = m[p][k]
        if pivot == 0.0 or not math.isfinite(pivot):
            raise Singular
        if p != k:
            m[k], m[p] = m[p], m[k]
            det = -det
        det *= pivot
        rk = [v / pivot for v in m[k]]
        m[k] = rk
        for i in range(n):
            if i != k and m[i][k] != 0.0:
                f = m[i][k]
                m[i] = [x - f * y for x, y in zip(m[i], rk)]
    return [row[n:] for row in m], det


def norm1(a):
    """The 1-norm (largest column sum of absolute values)."""
    return max(sum(abs(v) for v in col) for col in zip(*a))


def inverse(a, cond):
    """The inverse, recording its condition number in the 1-norm."""
    inv, _ = lu_inverse(a)
    cond.note(norm1(a) * norm1(inv))
    return inv


def matrix_power(a, k, cond):
    """A to an integer power k (negative: of the inverse), by repeated squaring."""
    if k < 0:
        a, k = inverse(a, cond), -k
    out, base = identity(len(a)), a
    while k:
        if k & 1:
            out = matmul(out, base)
        k >>= 1
        if k:
            base = matmul(base, base)
    return out


def determinant(a, cond):
    """The determinant (0.0 for a singular matrix), recording the condition number."""
    try:
        inv, det = lu_inverse(a)
    except Singular:
        cond.note(INF)
        return 0.0
    cond.note(norm1(a) * norm1(inv))
    return det


# ----------------------------------------------------------------- scalar functions, NumPy's way

def _exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return INF


def _log(x):
    return math.log(x) if x > 0 else (-INF if x == 0 else NAN)


def _safe(fn):
    def f(x):
        try:
            return fn(x)
        except (ValueError, OverflowError):
            return NAN
    return f


def _sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + _exp(-x))
    z = _exp(x)
    return z / (1.0 + z)


def _softplus(x):
    if math.isnan(x):
        return x
    return max(x, 0.0) + math.log1p(_exp(-abs(x)))


def power(x, p):
    """x ** p as np.power gives it: NaN for a negative base and a fractional p, inf for 0 ** -k."""
    try:
        if x < 0 and p != int(p):
            return NAN
        return float(x ** p)
    except ZeroDivisionError:
        return INF
    except OverflowError:
        return INF if x > 0 or p % 2 == 0 else -INF


def divide(x, y):
    """x / y with NumPy's inf and NaN for a zero divisor."""
    if y == 0:
        return NAN if x == 0 or math.isnan(x) else math.copysign(INF, x) * math.copysign(1.0, y)
    return x / y


FUNCTIONS = {
    "exp": _exp, "log": _log, "sqrt": lambda x: math.sqrt(x) if x >= 0 else NAN,
    "sin": _safe(math.sin), "cos": _safe(math.cos), "tan": _safe(math.tan), "tanh": math.tanh,
    "sigmoid": _sigmoid, "relu": lambda x: max(x, 0.0), "softplus": _softplus, "abs": abs,
    "step": lambda x: 1.0 if x > 0 else 0.0, "sign": lambda x: (x > 0) - (x < 0) + 0.0,
}


# ----------------------------------------------------------------- rules, one per node type

def _each(a, fn):
    return [list(map(fn, row)) for row in a]


def _zip(a, b, fn):
    """fn entry by entry, a 1×1 operand broadcasting."""
    if len(a) == 1 and len(a[0]) == 1 and (len(b) > 1 or len(b[0]) > 1):
        s = a[0][0]
        return [list(map(fn, repeat(s), row)) for row in b]
    if len(b) == 1 and len(b[0]) == 1:
        s = b[0][0]
        return [list(map(fn, row, repeat(s))) for row in a]
    return [list(map(fn, r, s)) for r, s in zip(a, b)]


def _exponent(p):
    return int(p) if getattr(p, "denominator", 1) == 1 else float(p)


def _mul(e, args, sizes, cond):
    scale, chain = 1.0, []
    for node, v in zip(e.args, args):
        if node.is_scalar:
            scale *= v[0][0]
        else:
            chain.append(v)
    if not chain:
        return [[scale]]
    out = chain[0]
    for v in chain[1:]:
        out = matmul(out, v)
    return out if scale == 1.0 else [list(map(mul, repeat(scale), row)) for row in out]


def _add(e, args, sizes, cond):
    out = args[0]
    for a in args[1:]:
        out = _zip(out, a, operator.add)
    return out


def _power(e, args, sizes, cond):
    k = e.params[0]
    if e.is_scalar:
        return [[power(args[0][0][0], _exponent(k))]]
    return matrix_power(args[0], int(k), cond)


def _kron(e, args, sizes, cond):
    a, b = args
    return [[x * y for x in ra for y in rb] for ra in a for rb in b]


def _commutation(e, args, sizes, cond):
    m, n = dim(e.params[0], sizes), dim(e.params[1], sizes)
    out = [[0.0] * (m * n) for _ in range(m * n)]
    for i in range(m):
        for j in range(n):
            out[i * n + j][j * m + i] = 1.0
    return out


def _basis(e, args, sizes, cond):
    n, k = dim(e.params[0], sizes), e.params[1]
    k = k if isinstance(k, int) else sizes[k]
    return [[1.0 if i == k - 1 else 0.0] for i in range(n)]


def _unvec(e, args, sizes, cond):
    m, n = dim(e.params[0], sizes), dim(e.params[1], sizes)
    return [[args[0][j * m + i][0] for j in range(n)] for i in range(m)]


def _softmax(e, args, sizes, cond):
    """softmax, column by column (a matrix is a batch of logit columns)."""
    cols = [_softmax_column(list(col)) for col in zip(*args[0])]
    return [list(row) for row in zip(*cols)]


def _softmax_column(col):
    top = max(col)
    z = [_exp(v - top) for v in col]
    total = sum(z)
    return [v / total for v in z]


def _logsumexp(e, args, sizes, cond):
    """logsumexp of each column: a row (1×1 for a vector)."""
    return [[_logsumexp_column(list(col)) for col in zip(*args[0])]]


def _logsumexp_column(col):
    top = max(col)
    if not math.isfinite(top):
        return top
    return top + math.log(sum(_exp(v - top) for v in col))


def _norm(e, args, sizes, cond):
    if e.params[0] == "1":
        return [[sum(map(abs, chain.from_iterable(args[0])))]]
    entries = list(chain.from_iterable(args[0]))
    return [[math.sqrt(sum(map(mul, entries, entries)))]]


def _shape(e, sizes):
    return dim(e.shape[0], sizes), dim(e.shape[1], sizes)


def _fill(value):
    def rule(e, args, sizes, cond):
        m, n = _shape(e, sizes)
        return [[value] * n for _ in range(m)]
    return rule


def _total(a):
    return sum(chain.from_iterable(a))


RULES = node_table({
    E.Const: lambda e, a, s, c: [[float(e.value)]],
    E.Size: lambda e, a, s, c: [[float(dim(e.params[0], s))]],
    E.Identity: lambda e, a, s, c: identity(dim(e.params[0], s)),
    E.Ones: _fill(1.0), E.Zero: _fill(0.0), E.Basis: _basis, E.Commutation: _commutation,
    E.Matrix: lambda e, a, s, c: [[a[i * e.params[1] + j][0][0] for j in range(e.params[1])]
                                  for i in range(e.params[0])],
    E.Add: _add, E.Neg: lambda e, a, s, c: _each(a[0], operator.neg), E.Mul: _mul,
    E.Div: lambda e, a, s, c: _each(a[0], lambda x: divide(x, a[1][0][0])),
    E.Hadamard: lambda e, a, s, c: _zip(a[0], a[1], operator.mul),
    E.HadDiv: lambda e, a, s, c: _zip(a[0], a[1], divide),
    E.HadPow: lambda e, a, s, c: _each(a[0], lambda x: power(x, _exponent(e.params[0]))),
    E.Kron: _kron, E.Transpose: lambda e, a, s, c: transpose(a[0]),
    E.Inverse: lambda e, a, s, c: inverse(a[0], c), E.Power: _power,
    E.Trace: lambda e, a, s, c: [[sum(a[0][i][i] for i in range(len(a[0])))]],
    E.Det: lambda e, a, s, c: [[determinant(a[0], c)]],
    E.LogDet: lambda e, a, s, c: [[_log(abs(determinant(a[0], c)))]],
    E.Norm: _norm, E.Sum: lambda e, a, s, c: [[_total(a[0])]],
    E.Mean: lambda e, a, s, c: [[_total(a[0]) / (len(a[0]) * len(a[0][0]))]],
    E.DiagMat: lambda e, a, s, c: [[a[0][i][0] if i == j else 0.0 for j in range(len(a[0]))]
                                   for i in range(len(a[0]))],
    E.DiagVec: lambda e, a, s, c: [[a[0][i][i]] for i in range(min(len(a[0]), len(a[0][0])))],
    E.Vec: lambda e, a, s, c: [[row[j]] for j in range(len(a[0][0])) for row in a[0]],
    E.Unvec: _unvec,
    E.Apply: lambda e, a, s, c: _each(a[0], FUNCTIONS[e.fn]),
    E.Softmax: _softmax, E.LogSumExp: _logsumexp,
}, complete=False)   # Var and Differential are the program's inputs, never computed
