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
* One step first. Differences at a single step (1e-4 of x's scale; 10^-3.5
  for a Hessian) that agree with the closed form within TOL alone, with no
  allowance for their truncation error, confirm the result at two
  evaluations of f (four for a Hessian): almost every right result stops
  there. This test can only accept; anything else goes on to the full
  procedure below, which reuses the evaluations already made and alone may
  refuse.
* The tolerance knows the conditioning. The error of the differences is
  estimated from successive step sizes (the pair that agrees best is used),
  the rounding noise of the closed form from a second evaluation at inputs
  moved by 1e-13. An instance where either is large, where an inverted matrix
  has a condition number above 1e8, or where anything is not finite, is no
  evidence either way: the instance is drawn again, with the free sizes
  permuted after two bad draws, or at once after a singular or ill-conditioned
  one (X inv(XᵀX) Xᵀ needs X tall), then at smaller sizes.
* An agreement must be able to tell: where the error bars of an instance are
  wider than INFORMATIVE (1e-3) of the values (every σ of a deep network
  saturated, its derivative below the rounding of f's differences), any closed
  form that small would agree, so the instance is no evidence, and the next
  ones are drawn better scaled (`numeric.scaling`: matrices with entries of
  mean zero and size ~1/√n, so that W h stays O(1)). If none can tell, the
  check says so in its note; it never agrees. (A closed form that is exactly
  zero is still confirmed by differences within their rounding.)
* A disagreement is confirmed before it is reported: the result is refused
  only when a second instance disagrees too, and the message says what
  disagreed where. An instance that agrees first is enough.
* It stays inside the derivation's limits: the largest intermediate and the
  work per evaluation are known before anything is computed (`Program`), an
  instance too large is tried smaller or skipped, and the derivation's
  deadline (--derive-timeout) is honoured between evaluations.
* No NumPy for small instances (`numeric.tiny`): the command line does not
  pay for loading it. f and the result are walked once, together (`Plan`),
  so that the parts they share are computed once; made concrete once per
  choice of sizes (`Program`); each moved point recomputes only the steps of
  f that depend on x; the random numbers are drawn once per process
  (`_Draws`).

A check that found no instance to judge at leaves a note on the result.
"""

import gc
import itertools
import math
import random

from ..errors import InternalError, SymmatError
from ..tree.sizes import concrete_shape
from . import tiny
from .differences import EVALUATION_ERRORS, TOL, Differences, Inconclusive, flat, in_time
from .program import Plan, Program
from .projection import closed_form_noise, finite, projected, result_value
from .scaling import positive_only, scaled_value

UNRELIABLE = 1e-3      # an instance whose estimated errors exceed this (relative) is no evidence
COND_LIMIT = 1e8       # an instance whose inverted matrices are worse conditioned is drawn again
MAX_ENTRIES = 250_000  # the largest intermediate the check builds (2 MB of float64)
MAX_COST = 4_000_000   # multiply-adds per evaluation of f and the result together
DRAWS = 2              # draws at one choice of sizes before the sizes change
QUICK_FIRST = 1        # the step (index into the first-difference steps, 1e-4 of x's scale) tried alone first
QUICK_SECOND = 3       # the same for second differences (10^-3.5 of x's scale)
INFORMATIVE = 1e-3     # an agreement counts only where the error bars are below this fraction of the values


class IllConditioned(Inconclusive):
    """An inverted matrix is (near) singular: at these sizes it almost surely is for every draw
    (X inv(XᵀX) Xᵀ with X wide), so the sizes change at once."""


class Uninformative(Inconclusive):
    """The differences' error bars are larger than a fraction of the values compared: any closed form
    that small would agree (a saturated network's derivative below f's rounding). The next instances
    are drawn better scaled (`numeric.scaling`)."""


UNINFORMATIVE = "the derivative was below the rounding level of the differences at the instances drawn"


class _Draws:
    """Fixed pseudo-random numbers (seeds 0 and 1) for every check, without seeding a generator per check.

    Seeding costs about 10 µs, a tenth of a whole check: the numbers are
    drawn once into lists shared by every check (extended when a check needs
    more), and each check reads them from the start, so that every check of
    the same result sees the same instances, as with a fresh seed.
    """

    _uniform, _gauss = [], []
    _sources = []

    def __init__(self):
        """Read from the first number."""
        self.u = self.g = 0

    @classmethod
    def _more(cls):
        if not cls._sources:
            cls._sources.extend([random.Random(0), random.Random(1)])
        u, g = cls._sources
        cls._uniform.extend([u.random() for _ in range(256)])
        cls._gauss.extend([g.gauss(0.0, 1.0) for _ in range(256)])

    def uniform(self, a, b):
        """A uniform number in [a, b]."""
        i = self.u
        if i >= len(self._uniform):
            self._more()
        self.u = i + 1
        return a + (b - a) * self._uniform[i]

    def uniforms(self, a, b, n):
        """n uniform numbers in [a, b], as n calls of `uniform` give them, in one slice."""
        i = self.u
        while i + n > len(self._uniform):
            self._more()
        self.u = i + n
        w = b - a
        return [a + w * u for u in self._uniform[i:i + n]]

    def gauss(self, mu, sigma):
        """A normal number."""
        i = self.g
        if i >= len(self._gauss):
            self._more()
        self.g = i + 1
        return mu + sigma * self._gauss[i]


def selfcheck(result, seed=0):
    """Raise InternalError if `result` disagrees with finite differences at two instances.

    The cyclic garbage collector is paused meanwhile: the check allocates
    thousands of small lists, none in a cycle, and each collection that they
    would trigger walks everything the derivation left alive (a quarter of the
    check's time, measured). It is resumed as it was found, whatever happens.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        _selfcheck(result, seed)
    finally:
        if paused:
            gc.enable()


def _selfcheck(result, seed):
    rng = _Draws() if seed == 0 else random.Random(seed)
    disagreements, agreements, why = [], 0, set()
    plan = Plan([result.f, result.result])
    scaled = None     # after an uninformative instance: the names of the variables to keep positive
    for sizes in _size_choices(plan, [d for d in result.wrt.shape if isinstance(d, str)]):
        program = _program(sizes, why, plan)
        if program is None:
            continue
        for _ in range(DRAWS):
            in_time()
            try:
                verdict = (_judge(result, program, sizes, rng) if scaled is None
                           else _judge(result, program, sizes, rng, scaled))
            except Uninformative as e:
                why.add(str(e))
                if scaled is None:
                    scaled = positive_only(result.f)
                continue
            except IllConditioned as e:
                why.add(str(e))
                break
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


def _refuse(result, disagreements):
    raise InternalError(
        f"symmat's own check failed for the {result.kind} by {result.wrt.name}: the closed form "
        f"disagrees with central finite differences of f at two random instances "
        f"({'; '.join(disagreements)}). The result is not shown, because symmat prints no formula it "
        f"could not confirm; if you believe it is right, please report the expression.")


# ----------------------------------------------------------------- instances

def _size_choices(plan, first=()):
    """Concrete sizes to try, in order: distinct 2, 3, 4, …, the free sizes permuted, smaller.

    (As `tree.sizes.concrete_sizes` assigns them, from the plan's size names: no walk.) The
    sizes named in `first` (those of the variable differentiated by) take the smallest values:
    they are the ones a Hessian squares (by the first layer of a network, the largest of all if
    they came last), and every size is still distinct from every other.
    """
    declared = plan.declared
    free = list(dict.fromkeys([n for n in first if n in plan.size_names] + plan.size_names))
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


def _program(sizes, why, plan):
    """The program of f and the result (its two roots) at `sizes`, or None when too large to check."""
    try:
        program = Program(None, sizes, plan=plan)
    except EVALUATION_ERRORS + (SymmatError,):
        why.add("sizes could not be made concrete")
        return None
    if program.largest > MAX_ENTRIES or program.cost > MAX_COST:
        why.add(f"too large to evaluate at sizes {_fmt_sizes(sizes)}")
        return None
    return program


def _fmt_sizes(sizes):
    return ", ".join(f"{k}={v}" for k, v in sizes.items()) or "as declared"


def random_value(var, shape, rng):
    """A value (list of rows) for `var` in the domain its properties describe."""
    m, n = shape
    a = [uniforms(rng, 0.5, 1.5, n) for _ in range(m)]
    if m != n or m == 1:
        return a
    if not var.props:   # no property declared, none implied (Var.has asks only the declared ones)
        return [[a[i][j] + (m if i == j else 0.0) for j in range(m)] for i in range(m)]
    if var.has("orthogonal"):
        return _orthogonal(m, rng)
    if var.has("diagonal"):
        return [[a[i][j] if i == j else 0.0 for j in range(m)] for i in range(m)]
    if var.has("spd"):
        a = tiny.matmul(a, tiny.transpose(a))
    elif var.has("symmetric"):
        a = [[(a[i][j] + a[j][i]) / 2 for j in range(m)] for i in range(m)]
    return [[a[i][j] + (m if i == j else 0.0) for j in range(m)] for i in range(m)]


def uniforms(rng, a, b, n):
    """n uniform numbers in [a, b] from `rng` (a `_Draws` slices them at once)."""
    bulk = getattr(rng, "uniforms", None)
    return bulk(a, b, n) if bulk is not None else [rng.uniform(a, b) for _ in range(n)]


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


def instance(program, sizes, rng, scaled=None):
    """Values (name → list of rows) for every variable of f and of the result; better scaled
    (`numeric.scaling`) where `scaled`, the names of the variables to keep positive, is given."""
    values = {}
    for v in program.variables:
        if v.name not in values:
            shape = concrete_shape(v.shape, sizes)
            value = None if scaled is None else scaled_value(v, shape, rng, v.name in scaled, uniforms)
            values[v.name] = random_value(v, shape, rng) if value is None else value
    return values


# ----------------------------------------------------------------- judging at one instance

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


def _judge(result, program, sizes, rng, scaled=None):
    """None if the result agrees with finite differences at a new instance, else what disagreed.

    Kept whole: the steps (evaluate, undo the layout, project, difference,
    compare) share a dozen local values and read best in one place.
    """
    p = program
    X = result.wrt
    values = instance(p, sizes, rng, scaled)
    p.cond.worst = 1.0
    try:
        base = p.run(values)
        _conditioned(p)
        f_rows, got = p.output(base, 0), result_value(p, base)
    except tiny.Singular as e:
        raise IllConditioned(ILL_CONDITIONED) from e
    except EVALUATION_ERRORS as e:
        raise Inconclusive("no instance could be evaluated") from e
    xshape = concrete_shape(X.shape, sizes)
    fshape = concrete_shape(result.f.shape, sizes)
    want_shape = expected_shape(result, xshape, fshape)
    got_shape = (len(got), len(got[0]) if len(got) else 0)
    if got_shape != want_shape:
        return (f"the result is {got_shape[0]}×{got_shape[1]} where it should be "
                f"{want_shape[0]}×{want_shape[1]}, at sizes {_fmt_sizes(sizes)}")
    if not finite(got):
        raise Inconclusive("the result is not finite at the instances drawn")
    shaped = bool(X.props) and not X.is_scalar
    dirs = directions(xshape, shaped and X.has("symmetric"), result.symmetric, shaped and X.has("diagonal"))
    c = [rng.gauss(0, 1) for _ in dirs]
    V = _combination(dirs, xshape, c)
    f0 = flat(f_rows)
    last_digit = 2.3e-16 * max(map(abs, f0)) if f0 else 0.0
    d = W = None
    if result.kind == "hessian":
        d = [rng.gauss(0, 1) for _ in dirs]
        W = _combination(dirs, xshape, d)
    mine, scales = projected(result, got, xshape, c, d)

    diffs = Differences(p, base, values, X.name, V, W)
    if _agrees_at_one_step(result, sizes, diffs, mine, scales, last_digit):
        return None

    def judged(f_noise, noise):
        if result.kind == "hessian":
            want, fd_err, h = diffs.second_adaptive(f_noise)
            rounding = f_noise / (h * h)
        else:
            want, fd_err, h = diffs.first_adaptive(f_noise)
            rounding = f_noise / h
        if not all(math.isfinite(w) for w in want):
            raise Inconclusive("f is not finite near the instances drawn")
        return _compare(result, sizes, mine, want, scales, fd_err, noise or [0.0] * len(mine), rounding)

    try:   # then the steps made smaller until the differences settle, f rounded in its last digit only
        if judged(last_digit, None) is None:
            return None
    except Uninformative:
        raise           # measuring more noise only widens the bars
    except Inconclusive:
        pass
    # then with the rounding noise of f and of the closed form measured (cancellation, conditioning)
    nudged = _nudged(values, rng)
    try:
        again = p.run(nudged)
        f_noise = last_digit + max(abs(a - b) for a, b in zip(flat(p.output(again, 0)), f0))
    except EVALUATION_ERRORS as e:
        raise Inconclusive("no instance could be evaluated") from e
    return judged(f_noise, closed_form_noise(result, got, result_value(p, again), xshape, c, d))


def _agrees_at_one_step(result, sizes, diffs, mine, scales, last_digit):
    """True if the differences at one step already agree with the closed form within TOL alone.

    Most results are confirmed here, at two evaluations of f (four for a
    Hessian) instead of a dozen. It can only accept: the truncation error of
    the differences is not estimated, so it is given no allowance at all (the
    tolerance is TOL and the rounding of f, which must itself be below TOL),
    and a closed form that agrees with differences it does not equal would be
    a coincidence of measure zero. Anything else goes on to the full
    procedure, which alone may refuse.
    """
    try:
        if result.kind == "hessian":
            h = diffs.second_steps()[QUICK_SECOND]
            want, rounding = diffs.second(h), last_digit / (h * h)
        else:
            h = diffs.first_steps()[QUICK_FIRST]
            want, rounding = diffs.first(h), last_digit / h
    except Inconclusive:
        return False
    if not all(math.isfinite(w) for w in want):
        return False
    top = max(max(scales), max(abs(w) for w in want), 1e-300)
    if 10 * rounding > TOL * top:
        return False
    zeros = [0.0] * len(mine)
    return _compare(result, sizes, mine, want, scales, zeros, zeros, rounding) is None


ILL_CONDITIONED = "every instance drawn made a matrix singular or ill-conditioned"


def _conditioned(program):
    if program.cond.worst > COND_LIMIT:
        raise IllConditioned(ILL_CONDITIONED)


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
    worst, where, unsettled, widest = 0.0, 0, False, 0.0
    for k, (a, b, e1, e2) in enumerate(zip(mine, want, fd_err, noise)):
        bars = 10 * (e1 + e2 + rounding)
        widest = max(widest, bars)
        if e1 + e2 > UNRELIABLE * top and e1 + e2 > 100 * rounding:
            unsettled = True
        excess = abs(a - b) - (TOL * top + bars + 1e-13 * top)
        if excess > worst:
            worst, where = excess, k
    if unsettled:
        raise Inconclusive("finite differences did not settle at the instances drawn")
    if worst <= 0:
        if widest > INFORMATIVE * top and max(scales) > 0:
            raise Uninformative(UNINFORMATIVE)
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


