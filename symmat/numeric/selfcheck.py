"""The consistency check run on every result before it is shown.

A result is compared with central finite differences of the function itself
at a small random instance: distinct sizes 2, 3, 4, … (so that a missing
transpose cannot hide in a square matrix), values inside the usual domains
(positive entries for log and sqrt; square matrices shifted to be well
conditioned; symmetric, spd, orthogonal and diagonal as declared).

What it decides, and why:

* One random direction instead of every entry. The derivative is a linear
  map, so it is checked on a random combination of its columns (a Hessian on
  a random pair of directions): a wrong closed form agrees along a random
  direction with probability zero, and the check costs two evaluations of f
  per step size, not two per entry. (SPEC §2's columns, with their symmetric
  and diagonal weights, are what the combination is taken of.)
* The tolerance knows the conditioning. The error of the differences is
  estimated from successive step sizes (the pair that agrees best is used),
  the rounding noise of the closed form from a second evaluation at inputs
  moved by 1e-13. An instance where either is large, where an inverted matrix
  has a condition number above 1e8, or where anything is not finite, is no
  evidence either way: the instance is drawn again, with the free sizes
  permuted after two bad draws (X inv(XᵀX) Xᵀ needs X tall), then at smaller
  sizes.
* A disagreement is confirmed before it is reported: the result is refused
  only when a second instance disagrees too, and the message says what
  disagreed where. An instance that agrees first is enough.
* It stays inside the derivation's limits: the largest intermediate and the
  work per evaluation are known before anything is computed (`Program`), an
  instance too large is tried smaller or skipped, and the derivation's
  deadline (--derive-timeout) is honoured between evaluations.
* No NumPy for small instances (`numeric.tiny`): the command line does not
  pay for loading it.

A check that found no instance to judge at leaves a note on the result.
"""

import itertools
import math
import random
import time

from ..errors import InternalError, LimitError, SymmatError
from ..simplify import DEADLINE
from ..tree.sizes import concrete_shape
from . import tiny
from .program import Program, dims_of, topological

TOL = 1e-6             # relative agreement asked beyond the estimated errors of both sides
UNRELIABLE = 1e-3      # an instance whose estimated errors exceed this (relative) is no evidence
COND_LIMIT = 1e8       # an instance whose inverted matrices are worse conditioned is drawn again
MAX_ENTRIES = 250_000  # the largest intermediate the check builds (2 MB of float64)
MAX_COST = 2_000_000   # multiply-adds per evaluation of f or of the result
DRAWS = 2              # draws at one choice of sizes before the sizes change
EVALUATION_ERRORS = (ArithmeticError, ValueError, KeyError, IndexError, TypeError)


class Inconclusive(Exception):
    """This instance cannot decide (not evaluable, not finite, ill-conditioned, noisy)."""


def selfcheck(result, seed=0):
    """Raise InternalError if `result` disagrees with finite differences at two instances."""
    rng = random.Random(seed)
    disagreements, agreements, why = [], 0, set()
    orders = [topological([result.f]), topological([result.result])]
    for sizes in _size_choices(orders):
        programs = _programs(result, sizes, why, orders)
        if programs is None:
            continue
        for _ in range(DRAWS):
            _in_time()
            try:
                verdict = _judge(result, programs, sizes, rng)
            except Inconclusive as e:
                why.add(str(e))
                continue
            if verdict is None:
                if not disagreements:
                    return
                agreements += 1
                if agreements == 2:
                    return        # the first disagreement was the instance's, not the formula's
                continue
            disagreements.append(verdict)
            if len(disagreements) == 2:
                _refuse(result, disagreements)
    if disagreements:
        why.add(f"one instance disagreed and no other could confirm it: {disagreements[0]}")
    reason = "; ".join(sorted(why)) or "no instance could be evaluated"
    result.notes.append(f"numeric self-check inconclusive ({reason})")


def _in_time():
    deadline = DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline[0]:
        raise LimitError(f"the derivation and its numeric self-check took more than {deadline[1]:g} s "
                         f"(raise the limit with --derive-timeout)")


def _refuse(result, disagreements):
    raise InternalError(
        f"symmat's own check failed for the {result.kind} by {result.wrt.name}: the closed form "
        f"disagrees with central finite differences of f at two random instances "
        f"({'; '.join(disagreements)}). The result is not shown, because symmat prints no formula it "
        f"could not confirm; if you believe it is right, please report the expression.")


# ----------------------------------------------------------------- instances

def _size_choices(orders):
    """Concrete sizes to try, in order: distinct 2, 3, 4, …, the free sizes permuted, smaller.

    (As `tree.sizes.concrete_sizes` assigns them, from the nodes already in order: no walk.)
    """
    free, declared = dims_of([n for order in orders for n in order])
    if any(d > MAX_ENTRIES for d in declared):
        return
    pool = [v for v in range(2, 2 + len(free) + len(declared)) if v not in declared]
    base = dict(zip(free, pool))
    yield base
    values = [base[n] for n in free]
    for perm in itertools.islice(itertools.permutations(values), 1, 6):
        yield dict(zip(free, perm))
    if free:
        yield {n: 2 for n in free}
        yield {n: 1 for n in free}


def _programs(result, sizes, why, orders):
    """(program of f, program of the result) at `sizes`, or None when too large to check."""
    try:
        pf, pr = (Program([e], sizes, order=o) for e, o in zip((result.f, result.result), orders))
    except EVALUATION_ERRORS + (SymmatError,):
        why.add("sizes could not be made concrete")
        return None
    if max(pf.largest, pr.largest) > MAX_ENTRIES or max(pf.cost, pr.cost) > MAX_COST:
        why.add(f"too large to evaluate at sizes {_fmt_sizes(sizes)}")
        return None
    return pf, pr


def _fmt_sizes(sizes):
    return ", ".join(f"{k}={v}" for k, v in sizes.items()) or "as declared"


def random_value(var, shape, rng):
    """A value (list of rows) for `var` in the domain its properties describe."""
    m, n = shape
    a = [[rng.uniform(0.5, 1.5) for _ in range(n)] for _ in range(m)]
    if m != n or m == 1:
        return a
    if var.has("orthogonal"):
        return _orthogonal(m, rng)
    if var.has("diagonal"):
        return [[a[i][j] if i == j else 0.0 for j in range(m)] for i in range(m)]
    if var.has("spd"):
        a = tiny.matmul(a, tiny.transpose(a))
    elif var.has("symmetric"):
        a = [[(a[i][j] + a[j][i]) / 2 for j in range(m)] for i in range(m)]
    return [[a[i][j] + (m if i == j else 0.0) for j in range(m)] for i in range(m)]


def _orthogonal(m, rng):
    """A random orthogonal matrix (Gram–Schmidt on Gaussian columns)."""
    cols = []
    while len(cols) < m:
        v = [rng.gauss(0, 1) for _ in range(m)]
        for c in cols:
            d = sum(x * y for x, y in zip(v, c))
            v = [x - d * y for x, y in zip(v, c)]
        norm = math.sqrt(sum(x * x for x in v))
        if norm > 1e-3:
            cols.append([x / norm for x in v])
    return tiny.transpose(cols)


def instance(programs, sizes, rng):
    """Values (name → list of rows) for every variable of f and of the result."""
    values = {}
    for p in programs:
        for v in p.variables:
            if v.name not in values:
                values[v.name] = random_value(v, concrete_shape(v.shape, sizes), rng)
    return values


# ----------------------------------------------------------------- judging at one instance

def flat(rows):
    """vec(·) of a list of rows, column-major."""
    return [row[j] for j in range(len(rows[0])) for row in rows] if rows else []


def directions(shape, symmetric, convention, diagonal=False):
    """For each entry of X in vec order: ((i, j) entries moved, weight), as SPEC §2 defines the columns."""
    m, n = shape
    out = []
    for j in range(n):
        for i in range(m):
            if diagonal and i != j:
                out.append((((i, j),), 0.0))
            elif symmetric and i != j:
                out.append((((i, j), (j, i)), 0.5 if convention == "sym" else 1.0))
            else:
                out.append((((i, j),), 1.0))
    return out


def _combination(dirs, shape, coeffs):
    """Σ_b coeffs_b · weight_b · E_b: the direction in X whose derivative the combination is."""
    V = [[0.0] * shape[1] for _ in range(shape[0])]
    for (entries, weight), c in zip(dirs, coeffs):
        for i, j in entries:
            V[i][j] += c * weight
    return V


def as_jacobian(result, got, xshape):
    """The result's value as N×p rows (columns in vec(X) order), undoing its layout (SPEC §2)."""
    X = result.wrt
    if result.kind == "grad":
        G = tiny.transpose(got) if result.layout == "numerator" and not X.is_scalar else got
        return [flat(G)]
    if result.kind != "hessian" and X.is_scalar and not result.f.is_scalar:
        return [[v] for v in flat(tiny.transpose(got) if result.layout == "denominator" else got)]
    return tiny.transpose(got) if result.kind != "hessian" and result.layout == "denominator" else got


def expected_shape(result, xshape, fshape):
    """The concrete shape the result must have."""
    X, kind = result.wrt, result.kind
    p, N = xshape[0] * xshape[1], fshape[0] * fshape[1]
    if kind == "grad":
        return xshape[::-1] if result.layout == "numerator" and not X.is_scalar else xshape
    if kind == "hessian":
        return (p, p)
    if X.is_scalar and not result.f.is_scalar:
        return fshape[::-1] if result.layout == "denominator" else fshape
    return (p, N) if result.layout == "denominator" else (N, p)


def _judge(result, programs, sizes, rng):
    """None if the result agrees with finite differences at a new instance, else what disagreed.

    Kept whole: the steps (evaluate, undo the layout, project, difference,
    compare) share a dozen local values and read best in one place.
    """
    pf, pr = programs
    X = result.wrt
    values = instance(programs, sizes, rng)
    pf.cond.worst = pr.cond.worst = 1.0
    try:
        got = pr.evaluate(values)[0]
        base = pf.run(values)
    except EVALUATION_ERRORS as e:
        raise Inconclusive("no instance could be evaluated") from e
    if max(pf.cond.worst, pr.cond.worst) > COND_LIMIT:
        raise Inconclusive("every instance drawn made a matrix singular or ill-conditioned")
    xshape = concrete_shape(X.shape, sizes)
    fshape = concrete_shape(result.f.shape, sizes)
    want_shape = expected_shape(result, xshape, fshape)
    got_shape = (len(got), len(got[0]) if got else 0)
    if got_shape != want_shape:
        return (f"the result is {got_shape[0]}×{got_shape[1]} where it should be "
                f"{want_shape[0]}×{want_shape[1]}, at sizes {_fmt_sizes(sizes)}")
    if not all(math.isfinite(v) for row in got for v in row):
        raise Inconclusive("the result is not finite at the instances drawn")
    J = as_jacobian(result, got, xshape)
    dirs = directions(xshape, X.has("symmetric") and not X.is_scalar, result.symmetric,
                      X.has("diagonal") and not X.is_scalar)
    c = [rng.gauss(0, 1) for _ in dirs]
    V = _combination(dirs, xshape, c)
    f0 = flat(pf.outputs(base)[0])
    last_digit = 2.3e-16 * max(map(abs, f0)) if f0 else 0.0
    if result.kind == "hessian":
        d = [rng.gauss(0, 1) for _ in dirs]
        W = _combination(dirs, xshape, d)
        terms = [di * hij * cj for di, row in zip(d, J) for hij, cj in zip(row, c)]
        mine, scales = [sum(terms)], [sum(map(abs, terms))]
    else:
        d = W = None
        mine = [sum(jb * cb for jb, cb in zip(row, c)) for row in J]
        scales = [sum(abs(jb * cb) for jb, cb in zip(row, c)) for row in J]

    def judged(f_noise, noise):
        if result.kind == "hessian":
            want, fd_err, h = _second_difference(pf, base, values, X.name, V, W, f_noise)
            rounding = f_noise / (h * h)
        else:
            want, fd_err, h = _first_difference(pf, base, values, X.name, V, f_noise)
            rounding = f_noise / h
        if not all(math.isfinite(w) for w in want):
            raise Inconclusive("f is not finite near the instances drawn")
        return _compare(result, sizes, mine, want, scales, fd_err, noise or [0.0] * len(mine), rounding)

    try:   # first with f rounded in its last digit only: most results agree at once
        if judged(last_digit, None) is None:
            return None
    except Inconclusive:
        pass
    # then with the rounding noise of f and of the closed form measured (cancellation, conditioning)
    nudged = _nudged(values, rng)
    try:
        f_noise = last_digit + max(abs(a - b) for a, b in zip(flat(pf.evaluate(nudged)[0]), f0))
        got2 = pr.evaluate(nudged)[0]
    except EVALUATION_ERRORS as e:
        raise Inconclusive("no instance could be evaluated") from e
    if result.kind == "hessian":
        noise = [abs(sum(di * (a - b) * cj for di, r1, r2 in zip(d, got2, got)
                         for a, b, cj in zip(r1, r2, c)))]
    else:
        J2 = as_jacobian(result, got2, xshape)
        noise = [abs(sum((a - b) * cb for a, b, cb in zip(r2, r1, c))) for r1, r2 in zip(J, J2)]
    return judged(f_noise, noise)


def _compare(result, sizes, mine, want, scales, fd_err, noise, rounding):
    """None if the two sides agree within their estimated errors, else what disagreed.

    The error bars are measured, not assumed: `fd_err` is how much the
    differences moved between the two best step sizes, `noise` how much the
    closed form moved when the inputs moved by 1e-13, `rounding` the rounding
    error of f divided by the step. Bars that rounding does not explain and
    that are large against the values (a kink, a pole) make the instance no
    evidence either way.
    """
    top = max(max(scales), max(abs(w) for w in want), 1e-300)
    worst, where, unsettled = 0.0, 0, False
    for k, (a, b, e1, e2) in enumerate(zip(mine, want, fd_err, noise)):
        bars = 10 * (e1 + e2 + rounding)
        if e1 + e2 > UNRELIABLE * top and e1 + e2 > 100 * rounding:
            unsettled = True
        excess = abs(a - b) - (TOL * top + bars + 1e-13 * top)
        if excess > worst:
            worst, where = excess, k
    if unsettled:
        raise Inconclusive("finite differences did not settle at the instances drawn")
    if worst <= 0:
        return None
    a, b = mine[where], want[where]
    return (f"at sizes {_fmt_sizes(sizes)} along a random direction, {_component(result, where)}"
            f"{a:.6g} from the closed form against {b:.6g} from the differences "
            f"(relative difference {abs(a - b) / top:.2g})")


def _component(result, k):
    return "" if result.kind in ("grad", "hessian") else f"entry {k + 1} of vec(f): "


def _nudged(values, rng):
    """The values moved by a relative 1e-13: the closed form's rounding noise shows in the change."""
    return {name: [[x * (1 + 1e-13 * rng.uniform(-1, 1)) for x in row] for row in rows]
            for name, rows in values.items()}


def _moved(values, name, x0, steps):
    """`values` with variable `name` at x0 + Σ h·V."""
    out = [list(row) for row in x0]
    for h, V in steps:
        for i, row in enumerate(V):
            for j, v in enumerate(row):
                out[i][j] += h * v
    return dict(values, **{name: out})


def _f_at(pf, base, values, name):
    """flat f at values that differ from the base instance in `name` only."""
    _in_time()
    try:
        return flat(pf.outputs(pf.run(values, base, pf.dependents(name)))[0])
    except EVALUATION_ERRORS as e:
        raise Inconclusive("no instance could be evaluated near the points drawn") from e


def _step_scale(x0, V):
    top_x = max([1.0] + [abs(v) for row in x0 for v in row])
    top_v = max([1e-300] + [abs(v) for row in V for v in row])
    return top_x / top_v


def _first_difference(pf, base, values, name, V, f_noise):
    """(∂f along V by central differences, its estimated error, the step), the step chosen adaptively."""
    x0 = values[name]
    s = _step_scale(x0, V)
    return _adaptive(lambda h: [(a - b) / (2 * h) for a, b in
                                zip(_f_at(pf, base, _moved(values, name, x0, [(h, V)]), name),
                                    _f_at(pf, base, _moved(values, name, x0, [(-h, V)]), name))],
                     [s * 10.0 ** -k for k in range(3, 10)], lambda h: f_noise / h)


def _second_difference(pf, base, values, name, V, W, f_noise):
    """(∂²f along V and W by four-point differences, its estimated error, the step), adaptively."""
    x0 = values[name]
    s = min(_step_scale(x0, V), _step_scale(x0, W))

    def at(h, a, b):
        return _f_at(pf, base, _moved(values, name, x0, [(a * h, V), (b * h, W)]), name)[0]

    return _adaptive(lambda h: [(at(h, 1, 1) - at(h, 1, -1) - at(h, -1, 1) + at(h, -1, -1)) / (4 * h * h)],
                     [s * 10.0 ** -k for k in (2, 2.5, 3, 3.5, 4, 5)], lambda h: f_noise / (h * h))


def _adaptive(estimate, steps, rounding):
    """(the estimate at the step where its error is least, that error, the step).

    The error at a step is the larger of the change from the previous step and
    the rounding error of f divided by the step (`rounding(h)`): differences
    that agree only because both round to the same value prove nothing.
    """
    prev, best = None, None
    for h in steps:
        now = estimate(h)
        if prev is not None:
            floor = rounding(h)
            change = [max(abs(a - b), floor) for a, b in zip(now, prev)]
            if best is None or max(change) < max(best[1]):
                best = (now, change, h)
            size = max([abs(a) for a in now] + [1e-300])
            if max(change) <= TOL / 100 * size:
                break       # settled well below the tolerance asked
            if floor >= max(best[1]) or max(change) > 100 * max(best[1]):
                break       # rounding has taken over: smaller steps only get worse
        prev = now
    return best
