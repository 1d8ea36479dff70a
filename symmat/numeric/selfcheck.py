"""The internal consistency check run on every result before it is shown.

A result is evaluated at a small random instance (distinct sizes 2, 3, 4, …,
so that a missing transpose cannot hide in a square matrix) and compared with
central finite differences of the function itself. Points are chosen inside
the usual domains: positive entries (for log and sqrt), square matrices
shifted to be well conditioned, symmetric / spd / orthogonal / diagonal
matrices as declared. A mismatch raises `InternalError`: symmat prints no
formula it could not confirm. An instance that cannot be evaluated (a
singular matrix, NaN) leaves the check inconclusive rather than failing.
"""

import numpy as np

from ..errors import InternalError, LimitError, SymmatError
from ..tree.sizes import concrete_shape, concrete_sizes
from .evaluate import evaluate

TOL = 1e-5   # relative to the largest entry of the gradient, plus the rounding noise of the differences


def sizes_for(exprs):
    """Distinct concrete sizes 2, 3, 4, … for the symbolic sizes, in order of appearance."""
    return concrete_sizes(exprs)


def random_value(var, sizes, rng):
    """A NumPy value for `var` in the domain its properties describe."""
    m, n = concrete_shape(var.shape, sizes)
    a = rng.uniform(0.5, 1.5, size=(m, n))
    if m == n and m > 1:
        if var.has("orthogonal"):
            return np.linalg.qr(rng.normal(size=(m, m)))[0]
        if var.has("diagonal"):
            return np.diag(np.diag(a))
        if var.has("spd"):
            return a @ a.T + m * np.eye(m)
        if var.has("symmetric"):
            a = (a + a.T) / 2
        a = a + m * np.eye(m)
    return a


def instance(exprs, rng):
    """(values, sizes) for every variable of the expressions."""
    sizes = sizes_for(exprs)
    values = {}
    for e in exprs:
        for v in e.variables():
            if v.name not in values:
                values[v.name] = random_value(v, sizes, rng)
    for name, n in sizes.items():
        values.setdefault(name, n)
    return values, sizes


def fd_gradient(f, X, values, symmetric):
    """∂f/∂X by central differences (in symmetric directions for a symmetric X), and the noise.

    The noise bound is the rounding error of a central difference, ~ε |f| / h.
    """
    x0 = np.array(values[X.name], dtype=float).reshape(np.shape(values[X.name]) or (1, 1))
    G = np.zeros_like(x0)
    noise = 0.0
    for (i, j), _ in np.ndenumerate(x0):
        if symmetric and j < i:
            continue
        E_ = np.zeros_like(x0)
        E_[i, j] = 1.0
        if symmetric and i != j:
            E_[j, i] = 1.0
        h = 1e-6 * max(1.0, abs(x0[i, j]))
        plus = dict(values, **{X.name: x0 + h * E_})
        minus = dict(values, **{X.name: x0 - h * E_})
        fp, fm = evaluate(f, plus), evaluate(f, minus)
        G[i, j] = (fp - fm) / (2 * h)
        noise = max(noise, 1e-15 * max(abs(fp), abs(fm)) / h)
        if symmetric:
            G[j, i] = G[i, j]
    return G, noise


def expected_grad(result, values):
    """The gradient the result should equal, in its layout and convention."""
    X = result.wrt
    symmetric = X.has("symmetric") and not X.is_scalar
    G, noise = fd_gradient(result.f, X, values, symmetric)
    if X.has("diagonal") and not X.is_scalar:
        G = G * np.eye(G.shape[0])
    elif symmetric and result.symmetric == "sym":
        G = np.where(np.eye(G.shape[0]) == 1, G, G / 2)
    if result.layout == "numerator":
        G = G.T
    return G, noise


def selfcheck(result, seed=0, points=2):
    """Raise InternalError if `result` disagrees with finite differences."""
    if result.kind != "grad":
        return selfcheck_jacobian(result, seed, points)
    rng = np.random.default_rng(seed)
    for _ in range(points):
        try:
            values, sizes = instance([result.f, result.result], rng)
            with np.errstate(all="ignore"):
                want, noise = expected_grad(result, values)
                got = np.asarray(evaluate(result.result, values), dtype=float).reshape(want.shape)
        except (SymmatError, ValueError, np.linalg.LinAlgError, ZeroDivisionError, OverflowError):
            continue
        if not (np.all(np.isfinite(want)) and np.all(np.isfinite(got))):
            continue
        scale = max(np.max(np.abs(want)), np.max(np.abs(got)), 1e-300)
        err = np.max(np.abs(got - want)) / scale
        if np.max(np.abs(got - want)) > TOL * scale + 10 * noise + 1e-10:
            raise InternalError(
                f"symmat's own check failed for the {result.kind} by {result.wrt.name}: the closed form "
                f"disagrees with finite differences (relative error {err:.2g} at sizes {sizes}); "
                f"no result is shown. This is a bug in symmat; please report the expression.")


# ----------------------------------------------------------------- Jacobians, derivatives, Hessians (issue 4)
# The meaning of SPEC §2, computed numerically: column b of a Jacobian is the
# central difference of vec(F) (column-major) along entry b of vec(X); by a
# symmetric X that entry moves together with its mirror, and in the default
# convention an off-diagonal column is halved. The Hessian is the same
# construction applied twice (a four-point second difference of f).

TOL_SECOND = 1e-4  # second differences lose about half of the digits


def flat(value):
    """A value of `evaluate` as vec(·), column-major."""
    a = np.asarray(value, dtype=float)
    return a.reshape(-1, order="F") if a.ndim == 2 else a.reshape(-1)


def directions(x0, symmetric, convention, diagonal=False):
    """For each entry of X in vec order: (direction E, weight), as SPEC §2 defines the columns."""
    m, n = x0.shape
    out = []
    for j in range(n):
        for i in range(m):
            E_ = np.zeros_like(x0)
            E_[i, j] = 1.0
            weight = 1.0
            if diagonal and i != j:
                weight = 0.0
            elif symmetric and i != j:
                E_[j, i] = 1.0
                weight = 0.5 if convention == "sym" else 1.0
            out.append((E_, weight))
    return out


def _x0(values, X):
    v = np.asarray(values[X.name], dtype=float)
    return v.reshape(v.shape if v.ndim == 2 else (-1, 1) if v.ndim == 1 else (1, 1))


def _step(x0, E_, rel=1e-6):
    return rel * max(1.0, float(np.max(np.abs(x0[E_ != 0]))))


def fd_jacobian(f, X, values, symmetric, convention):
    """(∂vec(f)/∂vec(X) by central differences (N×p), the rounding noise of the differences)."""
    x0 = _x0(values, X)
    cols, noise = [], 0.0
    for E_, weight in directions(x0, symmetric, convention, "diagonal" in X.props):
        h = _step(x0, E_)
        plus = flat(evaluate(f, dict(values, **{X.name: x0 + h * E_})))
        minus = flat(evaluate(f, dict(values, **{X.name: x0 - h * E_})))
        cols.append(weight * (plus - minus) / (2 * h))
        noise = max(noise, 1e-15 * max(np.max(np.abs(plus)), np.max(np.abs(minus))) / h)
    return np.column_stack(cols), noise


def fd_hessian(f, X, values, symmetric, convention):
    """(∂²f/∂vec(X)∂vec(X)ᵀ by four-point second differences (p×p), their rounding noise)."""
    x0 = _x0(values, X)
    dirs = directions(x0, symmetric, convention, "diagonal" in X.props)
    H = np.zeros((len(dirs), len(dirs)))
    seen = [0.0]

    def at(d):
        v = evaluate(f, dict(values, **{X.name: x0 + d}))
        seen[0] = max(seen[0], abs(v))
        return v

    for a, (Ea, wa) in enumerate(dirs):
        for b in range(a, len(dirs)):
            Eb, wb = dirs[b]
            h = _step(x0, Ea + Eb, 1e-4)
            second = (at(h * (Ea + Eb)) - at(h * (Ea - Eb)) - at(h * (Eb - Ea)) + at(-h * (Ea + Eb))) / (4 * h * h)
            H[a, b] = H[b, a] = wa * wb * second
    return H, 1e-15 * seen[0] / 1e-8


def expected_jacobian(result, values):
    """(the Jacobian, derivative or Hessian the result should equal (SPEC §2), the FD noise)."""
    X, f = result.wrt, result.f
    symmetric = X.has("symmetric") and not X.is_scalar
    if result.kind == "hessian":
        return fd_hessian(f, X, values, symmetric, result.symmetric)
    J, noise = fd_jacobian(f, X, values, symmetric, result.symmetric)
    if X.is_scalar and not f.is_scalar:
        F = np.asarray(evaluate(f, values), dtype=float)
        J = J.reshape(F.shape if F.ndim == 2 else (-1, 1), order="F")
    return (J.T if result.layout == "denominator" else J), noise


def jacobian_instance(result, rng):
    """(values, sizes): small sizes for free dimensions, declared ones up to 12."""
    exprs = [result.f] + result.result.variables()
    try:
        sizes = concrete_sizes(exprs)
    except LimitError:
        sizes = concrete_sizes(exprs, max_size=12)
    values = {v.name: random_value(v, sizes, rng) for v in result.f.variables()}
    for name, n in sizes.items():
        values.setdefault(name, n)  # a size N written in the result (∂mean(x)/∂x = 𝟏ᵀ/N) is the size
    for v in result.result.variables():
        values.setdefault(v.name, random_value(v, sizes, rng))
    return values, sizes


MAX_ENTRIES = 1_000_000   # the largest dense intermediate the Jacobian check will build


def _largest(e, sizes):
    """The most entries any node of `e` has at the concrete sizes."""
    best = 0
    for node in e.walk():
        m, n = concrete_shape(node.shape, sizes)
        best = max(best, m * n)
    return best


def selfcheck_jacobian(result, seed=0, points=2):
    """Raise InternalError if a Jacobian, derivative or Hessian disagrees with finite differences."""
    rng = np.random.default_rng(seed)
    tol = TOL_SECOND if result.kind == "hessian" else TOL
    for _ in range(points):
        try:
            values, sizes = jacobian_instance(result, rng)
            if _largest(result.result, sizes) > MAX_ENTRIES:
                return   # too large to check densely (nested Kronecker products): inconclusive
            with np.errstate(all="ignore"):
                want, noise = expected_jacobian(result, values)
                got = np.asarray(evaluate(result.result, values), dtype=float)
            got = got.reshape(concrete_shape(result.result.shape, sizes))
        except (SymmatError, ValueError, np.linalg.LinAlgError, ZeroDivisionError, OverflowError):
            continue
        if got.shape != want.shape:
            _fail(result, f"the result is {got.shape[0]}×{got.shape[1]} but should be "
                          f"{want.shape[0]}×{want.shape[1]}", sizes)
        if not (np.all(np.isfinite(want)) and np.all(np.isfinite(got))):
            continue
        scale = max(np.max(np.abs(want)), np.max(np.abs(got)), 1e-300)
        if np.max(np.abs(got - want)) > tol * scale + 10 * noise + 1e-7:
            _fail(result, f"relative error {np.max(np.abs(got - want)) / scale:.2g}", sizes)


def _fail(result, what, sizes):
    raise InternalError(
        f"symmat's own check failed for the {result.kind} by {result.wrt.name}: the closed form "
        f"disagrees with finite differences ({what} at sizes {sizes}); no result is shown. "
        f"This is a bug in symmat; please report the expression.")
