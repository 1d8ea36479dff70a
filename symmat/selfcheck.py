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

from .errors import InternalError, SymmatError

TOL = 1e-5


def sizes_for(exprs):
    """Distinct concrete sizes 2, 3, 4, … for the symbolic sizes, in order of appearance."""
    from .expand import concrete_sizes
    return concrete_sizes(exprs)


def random_value(var, sizes, rng):
    """A NumPy value for `var` in the domain its properties describe."""
    import numpy as np
    from .expand import concrete_shape
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
    """∂f/∂X by central differences (in symmetric directions for a symmetric X)."""
    import numpy as np
    from .evaluate import evaluate
    x0 = np.array(values[X.name], dtype=float).reshape(np.shape(values[X.name]) or (1, 1))
    G = np.zeros_like(x0)
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
        G[i, j] = (evaluate(f, plus) - evaluate(f, minus)) / (2 * h)
        if symmetric:
            G[j, i] = G[i, j]
    return G


def expected_grad(result, values):
    """The gradient the result should equal, in its layout and convention."""
    import numpy as np
    X = result.wrt
    symmetric = X.has("symmetric") and not X.is_scalar
    G = fd_gradient(result.f, X, values, symmetric)
    if symmetric and result.symmetric == "sym":
        G = np.where(np.eye(G.shape[0]) == 1, G, G / 2)
    if result.layout == "numerator":
        G = G.T
    return G


def selfcheck(result, seed=0, points=2):
    """Raise InternalError if `result` disagrees with finite differences."""
    import numpy as np
    from .evaluate import evaluate
    if result.kind != "grad":
        return
    rng = np.random.default_rng(seed)
    for _ in range(points):
        try:
            values, sizes = instance([result.f, result.result], rng)
            with np.errstate(all="ignore"):
                want = expected_grad(result, values)
                got = np.asarray(evaluate(result.result, values), dtype=float).reshape(want.shape)
        except (SymmatError, ValueError, np.linalg.LinAlgError, ZeroDivisionError, OverflowError):
            continue
        if not (np.all(np.isfinite(want)) and np.all(np.isfinite(got))):
            continue
        err = np.max(np.abs(got - want) / (1 + np.abs(want)))
        if err > TOL:
            raise InternalError(
                f"symmat's own check failed for the {result.kind} by {result.wrt.name}: the closed form "
                f"disagrees with finite differences (relative error {err:.2g} at sizes {sizes}); "
                f"no result is shown. This is a bug in symmat; please report the expression.")
