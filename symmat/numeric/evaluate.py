"""The NumPy value of an expression (SPEC §7, `Expr.evaluate`).

Design decisions:

* Internally every value is a 2-D float array, a scalar being 1×1, so that
  one rule per node type suffices and shapes never depend on NumPy's
  broadcasting of 1-D arrays. A 1×1 operand of `Add`, `Hadamard` or
  `HadDiv` broadcasts through NumPy's own (1, 1) broadcasting, as SPEC
  §1.2 asks ("a scalar added to a matrix applies to every entry").
* The output follows the *symbolic* shape of the expression: a float for
  1×1, a 1-D array for an n×1 column, a 2-D array otherwise (so a matrix
  that happens to have one row at this point stays 2-D).
* `bind` checks the given arrays before any arithmetic: a declared integer
  size must match, every occurrence of a symbolic size must agree, and the
  message names the variable. Sizes that no variable fixes (the `n` of an
  `I` that only meets other constants) may be given in `values` by name.
* Bad values (missing, non-numeric, wrong shape, a singular matrix to
  invert) raise `SymmatError` / `ShapeError`, never a raw NumPy error.
  Domain problems of element-wise functions (log of a negative number)
  give NaN with NumPy's usual warning, as NumPy itself would.
* NumPy is imported here only; `Expr.evaluate` imports this module lazily.
"""

import numpy as np

from ..tree import expr as E
from ..tree.rules import node_table
from ..tree.names import GREEK, canonical_keys, shown
from ..errors import LimitError, ShapeError, SymmatError
from ..tree.shapes import fmt_dim, fmt_shape


# ----------------------------------------------------------------- entry point

MAX_ENTRIES = 10**9   # entries of one array that evaluation may build (8 GB of floats)


def evaluate(expr, values):
    """The NumPy value of `expr` at `values` (a dict name → array or number)."""
    env = bind(expr, values)
    try:
        out = value_of(expr, env)
    except MemoryError:
        raise LimitError(f"evaluating needs more memory than there is at the sizes "
                         f"{_sizes_text(env)}") from None
    return output(out, expr.shape)


def _sizes_text(env):
    """The bound sizes for a message: ``n = 1000000000, m = 2``."""
    return ", ".join(f"{k} = {v}" for k, v in env.sizes.items()) or "given"


def output(value, shape):
    """A 2-D result in the form SPEC §7 promises for a symbolic `shape`."""
    if tuple(shape) == (1, 1):
        return float(value[0, 0])
    if shape[1] == 1:
        return value[:, 0].copy()
    return value


def value_of(expr, env):
    """The 2-D value of `expr` with bound variables and sizes (shared nodes once)."""
    memo = env.memo
    if expr in memo:
        return memo[expr]
    args = [value_of(a, env) for a in expr.args]
    rule = RULES.get(type(expr))
    if rule is None:
        raise SymmatError(f"cannot evaluate a {type(expr).__name__} node")
    out = rule(expr, args, env)
    memo[expr] = out
    return out


# ----------------------------------------------------------------- binding values

class Env(dict):
    """Bound values: name → 2-D array, plus `sizes` (size name → int) and a memo."""

    def __init__(self):
        """An empty binding."""
        super().__init__()
        self.memo = {}
        self.sizes = {}
        self.origin = {}  # size name → text saying which variable fixed it


def canonical_values(values):
    """`values` with every name in its one spelling (``lambda`` → ``λ``, ``W_2`` → ``W2``, SPEC §1.1)."""
    return canonical_keys(values)


GREEK_NAME = {v: k for k, v in GREEK.items()}


def bind(expr, values):
    """Check `values` against the variables of `expr`; return the `Env`."""
    given = canonical_values(values)
    env = Env()
    variables = expr.variables()
    names = {v.name for v in variables}
    for var in variables:
        env[var.name] = bind_var(var, given, env)
    for key, v in given.items():
        if key not in names and isinstance(key, str) and _is_int(v):
            if int(v) < 1:
                raise ShapeError(f"size {key} is given as {int(v)}: a size is a positive whole number")
            if env.sizes.get(key, int(v)) != int(v):
                raise ShapeError(f"size {key} is given as {int(v)} but is {env.sizes[key]} "
                                 f"from {env.origin[key]}")
            env.sizes.setdefault(key, int(v))
    nodes = list(expr.walk())
    for node in nodes:
        if isinstance(node, E.Differential) and "d" + node.name not in env:
            env["d" + node.name] = bind_var(E.Var("d" + node.name, node.shape), given, env)
    for node in nodes:
        rows, cols = (size(d, env, node) for d in node.shape)
        if rows * cols > MAX_ENTRIES:
            raise LimitError(f"evaluating would build a {rows}×{cols} array (at {_sizes_text(env)}); "
                             f"symmat evaluates arrays of up to {MAX_ENTRIES:.0e} entries")
    return env


def _is_int(v):
    """True for a whole number (not a bool)."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def bind_var(var, given, env):
    """The 2-D array for one variable, its shape checked and its sizes bound."""
    name = var.name
    if name not in given:
        raise SymmatError(f"no value given for {shown(name)}" + _spelled(name))
    a = numeric_array(shown(name), given[name])
    a = as_2d(a, var)
    for axis, d in enumerate(var.shape):
        fix(d, a.shape[axis], env, f"{name} ({'rows' if axis == 0 else 'columns'})", var)
    return a


def numeric_array(name, value):
    """`value` as a float array; None, complex, dates, text and numbers too large for a float are refused."""
    if value is None:
        raise SymmatError(f"the value of {name} is None: give a number or a numeric array")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        raise SymmatError(f"the value of {name} is not a number or a numeric array") from None
    if raw.dtype.kind == "c":
        raise SymmatError(f"the value of {name} is complex: symmat evaluates real numbers only")
    if raw.dtype.kind not in "biuf" and raw.dtype != object:
        raise SymmatError(f"the value of {name} is not a number or a numeric array "
                          f"(its NumPy type is {raw.dtype})")
    if raw.dtype == object and any(x is None or isinstance(x, complex) for x in raw.ravel()[:10000]):
        raise SymmatError(f"the value of {name} holds None or complex numbers: give real numbers")
    try:
        return np.asarray(value, dtype=float)
    except OverflowError:
        raise SymmatError(f"the value of {name} is too large for a floating-point number") from None
    except (TypeError, ValueError):
        raise SymmatError(f"the value of {name} is not a number or a numeric array") from None


def _spelled(name):
    """' (or lambda)' for a Greek name, else ''."""
    alt = GREEK_NAME.get(name)
    return f" (or {alt})" if alt else ""


def as_2d(a, var):
    """A given array as 2-D for the variable's declared kind, or a ShapeError."""
    rows, cols = var.shape
    want = fmt_shape(var.shape)
    if (rows, cols) == (1, 1):
        if a.size != 1:
            raise ShapeError(f"{var.name} is a scalar but was given an array of shape {a.shape}")
        return a.reshape(1, 1)
    if a.ndim == 1 and cols == 1:
        return a.reshape(-1, 1)
    if a.ndim == 1 and rows == 1:
        return a.reshape(1, -1)
    if a.ndim != 2 or (cols == 1 and a.shape[1] != 1) or (rows == 1 and a.shape[0] != 1):
        raise ShapeError(f"{var.name} is {want} but was given an array of shape {a.shape}")
    return a


def fix(d, actual, env, where, var):
    """Bind or check dimension `d` against the actual length `actual`."""
    if isinstance(d, int):
        if d != actual:
            raise ShapeError(f"{where} should have {d} but has {actual} "
                             f"({var.name} is {fmt_shape(var.shape)})")
    elif isinstance(d, str):
        if d in env.sizes and env.sizes[d] != actual:
            raise ShapeError(f"size {d} is {env.sizes[d]} from {env.origin.get(d, 'the values')} "
                             f"but {actual} from {where}")
        env.sizes.setdefault(d, actual)
        env.origin.setdefault(d, where)
    else:
        expected = size(d, env, var, required=False)
        if expected is not None and expected != actual:
            raise ShapeError(f"{where} should have {fmt_dim(d)} = {expected} but has {actual}")


def size(d, env, node=None, required=True):
    """The concrete value of dimension `d` (int, size name or product)."""
    if isinstance(d, int):
        return d
    if isinstance(d, tuple):
        a, b = size(d[1], env, node, required), size(d[2], env, node, required)
        return None if a is None or b is None else a * b
    if d in env.sizes:
        return env.sizes[d]
    if not required:
        return None
    raise ShapeError(f"the size {d} (of {type(node).__name__}) is not fixed by any given "
                     f"variable; give it in the values, e.g. {{'{d}': 3}}")


# ----------------------------------------------------------------- rules, one per node type

def _scalar(v):
    """The float in a 1×1 array."""
    return float(v[0, 0])


def _var(e, args, env):
    """A variable: its bound value."""
    return env[e.name]


def _differential(e, args, env):
    """dX: bound like a variable named dX."""
    return env["d" + e.name]


def _const(e, args, env):
    """A rational constant."""
    return np.array([[float(e.value)]])


def _size(e, args, env):
    """A dimension as a 1×1 value."""
    return np.array([[float(size(e.params[0], env, e))]])


def _identity(e, args, env):
    """The identity of the bound size."""
    return np.eye(size(e.params[0], env, e))


def _ones(e, args, env):
    """All ones."""
    return np.ones(tuple(size(d, env, e) for d in e.shape))


def _zero(e, args, env):
    """All zeros."""
    return np.zeros(tuple(size(d, env, e) for d in e.shape))


def _basis(e, args, env):
    """The unit vector e_k (k 1-based)."""
    n, k = size(e.params[0], env, e), e.params[1]
    k = k if isinstance(k, int) else env.sizes.get(k)
    if k is None:
        raise SymmatError(f"the index {e.params[1]} of a unit vector needs a value; give it in the values")
    if not 1 <= k <= n:
        raise ShapeError(f"unit vector index {k} is outside 1…{n}")
    out = np.zeros((n, 1))
    out[k - 1, 0] = 1.0
    return out


def commutation(m, n):
    """The mn×mn matrix K with K vec(A) = vec(Aᵀ) for A m×n (column-major vec)."""
    return np.eye(m * n)[np.arange(m * n).reshape(n, m).T.ravel()]


def _commutation(e, args, env):
    """The commutation matrix K_(m,n)."""
    return commutation(size(e.params[0], env, e), size(e.params[1], env, e))


def _matrix(e, args, env):
    """An explicit matrix of scalar entries."""
    m, n = e.params
    return np.array([_scalar(a) for a in args]).reshape(m, n)


def _add(e, args, env):
    """A sum; a 1×1 term is added to every entry."""
    out = args[0]
    for a in args[1:]:
        out = out + a
    return out


def _neg(e, args, env):
    """Negation."""
    return -args[0]


def _mul(e, args, env):
    """1×1 factors scale, the others multiply as matrices."""
    scale = 1.0
    chain = []
    for node, v in zip(e.args, args):
        if node.is_scalar:
            scale *= _scalar(v)
        else:
            chain.append(v)
    if not chain:
        return np.array([[scale]])
    out = chain[0]
    for v in chain[1:]:
        out = out @ v
    return scale * out


def _div(e, args, env):
    """Division by a scalar."""
    return args[0] / _scalar(args[1])


def _hadamard(e, args, env):
    """Element-wise product (a 1×1 operand scales)."""
    return args[0] * args[1]


def _haddiv(e, args, env):
    """Element-wise division."""
    return args[0] / args[1]


def _power_exponent(p):
    """An exponent as int when whole (negative bases stay real)."""
    return int(p) if p.denominator == 1 else float(p)


def _hadpow(e, args, env):
    """Element-wise power."""
    return np.power(args[0], _power_exponent(e.params[0]))


def _kron(e, args, env):
    """Kronecker product."""
    return np.kron(args[0], args[1])


def _transpose(e, args, env):
    """Transpose."""
    return args[0].T


def _inverse(e, args, env):
    """Matrix inverse (of a scalar: its reciprocal)."""
    try:
        return np.linalg.inv(args[0])
    except np.linalg.LinAlgError:
        raise SymmatError("cannot invert a singular matrix at these values") from None


def _power(e, args, env):
    """Integer power of a matrix, rational power of a scalar."""
    k = e.params[0]
    if e.is_scalar:
        return np.power(args[0], _power_exponent(k))
    try:
        return np.linalg.matrix_power(args[0], int(k))
    except np.linalg.LinAlgError:
        raise SymmatError(f"cannot raise a singular matrix to the power {k}") from None


def _trace(e, args, env):
    """Trace."""
    return np.array([[np.trace(args[0])]])


def _det(e, args, env):
    """Determinant."""
    return np.array([[np.linalg.det(args[0])]])


def _logdet(e, args, env):
    """log |det X| (slogdet: no overflow)."""
    return np.array([[np.linalg.slogdet(args[0])[1]]])


def _norm(e, args, env):
    """Euclidean/Frobenius norm, or the 1-norm."""
    x = args[0]
    value = np.sum(np.abs(x)) if e.params[0] == "1" else np.sqrt(np.sum(x * x))
    return np.array([[value]])


def _sum(e, args, env):
    """Sum of all entries."""
    return np.array([[np.sum(args[0])]])


def _mean(e, args, env):
    """Mean of all entries."""
    return np.array([[np.mean(args[0])]])


def _diagmat(e, args, env):
    """diag(x): a diagonal matrix."""
    return np.diag(args[0][:, 0])


def _diagvec(e, args, env):
    """diag(X): the vector of the diagonal."""
    return np.diag(args[0]).reshape(-1, 1).copy()


def _unvec(e, args, env):
    """unvec(v): the column-major reshape to the node's shape."""
    return args[0].reshape(size(e.params[0], env, e), size(e.params[1], env, e), order="F")


def _vec(e, args, env):
    """vec(X), column-major."""
    return args[0].reshape(-1, 1, order="F")


def sigmoid(x):
    """1 / (1 + exp(-x)), without overflow warnings for large |x|."""
    return np.exp(-np.logaddexp(0.0, -x))


FUNCTIONS = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos,
    "tan": np.tan, "tanh": np.tanh, "sigmoid": sigmoid,
    "relu": lambda x: np.maximum(x, 0.0), "softplus": lambda x: np.logaddexp(0.0, x),
    "abs": np.abs, "step": lambda x: np.heaviside(x, 0.0), "sign": np.sign,
}


def _apply(e, args, env):
    """An element-wise function."""
    return FUNCTIONS[e.fn](args[0])


def _softmax(e, args, env):
    """softmax(z), column by column, each column shifted by its max for stability."""
    z = np.exp(args[0] - np.max(args[0], axis=0, keepdims=True))
    return z / np.sum(z, axis=0, keepdims=True)


def _logsumexp(e, args, env):
    """log(sum(exp(z))) of each column (a row), shifted by the column's max for stability."""
    z = args[0]
    top = np.max(z, axis=0, keepdims=True)
    return top + np.log(np.sum(np.exp(z - top), axis=0, keepdims=True))


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

__all__ = ["evaluate", "bind", "value_of", "output", "commutation"]
