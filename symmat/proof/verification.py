"""Verification by element-wise expansion (SPEC §4): sympy confirms a closed form.

The meaning of a derivative (SPEC §2) is implemented here a second time,
independently of the differentiator: `f` is expanded entry by entry at a
concrete instance (`expand`), SymPy differentiates by each entry symbol, and
the true derivative is assembled in the kind, layout and symmetric
convention asked. The closed form is expanded at the same instance and the
two are compared entry by entry.

Design decisions:

* Truth. With ``D(e, i, j)`` the derivative of `e` by entry (i, j) of X:
  grad has X's shape (its transpose in numerator layout); a Jacobian is
  ``J[a, b] = D(vec(F)[a], vec(X)[b])`` (column-major vec, so a vector or a
  row vector is just the list of its entries), transposed in denominator
  layout; a scalar's Jacobian is one row; by a scalar the derivative has
  F's shape (its transpose in denominator layout); the Hessian is the
  Jacobian of vec of the gradient. By a symmetric X the entries a_ij = a_ji
  share one symbol, so SymPy's derivative by it is the *entrywise*
  convention; the default *sym* convention halves the off-diagonal ones. By
  a diagonal X only the diagonal entries are variables; the others give 0.
* Comparison. Exact first: a difference whose expansion (after `together`,
  of its numerator) is 0 is equal; a difference of rational functions whose
  numerator does not expand to 0 is unequal — both are decisions. Anything
  else (exp, log, sqrt, Heaviside, …), or a variable whose property cannot
  be written in symbols (orthogonal), goes to a numeric comparison at
  several random points, chosen so that the expressions are defined:
  entries in (0.5, 1.5) where log, sqrt or fractional powers occur, square
  matrices made diagonally dominant where something is inverted, spd
  matrices as B Bᵀ + n I, orthogonal ones from a QR factorisation.
* Time. The exact phase may use half of the budget (at most
  `EXACT_SECONDS`, one entry at most `ENTRY_SECONDS`, an entry with exp,
  log, sqrt, … at most `FUNCTION_SECONDS`); after the first entry that
  runs out of time the remaining ones are compared numerically; the whole run is bounded by
  `timeout` (SIGALRM on the main thread, clock checks between entries
  elsewhere) and overrunning raises `LimitError` naming ``--verify-timeout``.
"""

import time

import numpy as np
import sympy

from ..errors import DerivativeError
from .budget import Budget, Expired, _timeout_error
from .expand import colmajor, expand
from .instance import Instance, element_table, sample_point
from .report import Mismatch, Report

TOLERANCE = 1e-9
POINTS = 5
EXACT_SECONDS = 10.0     # the most the exact phase may take before numbers decide the rest
ENTRY_SECONDS = 2.0      # the most one entry (a rational function) may take
FUNCTION_SECONDS = 0.25  # per entry whose difference has exp, log, sqrt, …
SEED = 20240601


# ----------------------------------------------------------------- entry point

def verify(result, sizes=None, elements=False, timeout=60.0, max_size=6):
    """Check a `Derivative` against SymPy's element-wise derivative (SPEC §4)."""
    start = time.monotonic()
    budget = Budget(timeout)
    try:
        with budget:
            report = _verify(result, sizes, elements, max_size, budget)
    except Expired:
        raise _timeout_error(timeout) from None
    report.seconds = time.monotonic() - start
    return report


def _verify(result, sizes, elements, max_size, budget):
    """The verification proper, inside the time budget."""
    inst = Instance(result, sizes, max_size)
    truth = true_derivative(inst, budget)
    budget.check()
    claimed = expand(result.result, inst.env, inst.sizes)
    report = Report(ok=True, method="exact", sizes=dict(inst.sizes), kind=result.kind,
                    wrt=inst.wrt.name, convention=inst.convention_note())
    if elements:
        report.expansion, report.table, report.table_latex = element_table(inst, budget)
    if truth.shape != claimed.shape:
        report.ok, report.method = False, "shape"
        report.mismatch = Mismatch(None, _fmt(truth.shape), _fmt(claimed.shape), "shape")
        return report
    compare(truth, claimed, inst, report, budget)
    return report


def _fmt(shape):
    """A concrete shape as m×n."""
    return f"{shape[0]}×{shape[1]}"


# ----------------------------------------------------------------- the true derivative

def true_derivative(inst, budget):
    """The derivative SPEC §2 defines, as a sympy Matrix at the instance."""
    f_shape, x_shape = inst.f.shape, inst.wrt.shape
    scalar_f, scalar_x = f_shape == (1, 1), x_shape == (1, 1)
    kind, denominator = inst.kind, inst.layout == "denominator"
    if kind in ("grad", "hessian") and not scalar_f:
        raise DerivativeError(f"{kind} needs a scalar function")
    if kind == "hessian":
        return _hessian(inst, budget)
    if scalar_f and kind in ("grad", "derivative"):
        out = _grad(inst, budget)
        return out.T if inst.layout == "numerator" else out
    if scalar_x:
        out = inst.F.applyfunc(lambda t: inst.D(t, 0, 0))
        return out.T if denominator else out
    out = _jacobian(inst, colmajor(inst.F), budget)
    return out.T if denominator else out


def _grad(inst, budget):
    """G_ij = D(f, i, j): the gradient in X's shape."""
    rows, cols = inst.X.shape
    f = inst.F[0, 0]
    out = sympy.zeros(rows, cols)
    for i, j in inst.x_entries():
        budget.check()
        out[i, j] = inst.D(f, i, j)
    return _no_delta(out)


def _jacobian(inst, ys, budget):
    """J[a, b] = D(ys[a], vec(X)[b])."""
    xs = inst.x_entries()
    out = sympy.zeros(len(ys), len(xs))
    for a, y in enumerate(ys):
        for b, (i, j) in enumerate(xs):
            budget.check()
            out[a, b] = inst.D(y, i, j)
    return _no_delta(out)


def _hessian(inst, budget):
    """The Jacobian of vec of the gradient."""
    return _jacobian(inst, colmajor(_grad(inst, budget)), budget)


def _no_delta(m):
    """Drop what vanishes away from the kinks: DiracDelta, d sign(u), d step(u).

    Derivatives are compared at points off the kinks of abs, relu, sign and
    step, where these are 0 (SymPy leaves ``Derivative(sign(u), x)``
    unevaluated when it cannot tell that u is real, e.g. u = z/γ).
    """
    if not m.has(sympy.DiracDelta, sympy.Derivative):
        return m
    return m.applyfunc(_smooth)


def _smooth(t):
    """One entry of `_no_delta`."""
    t = t.replace(sympy.DiracDelta, lambda *a: sympy.S.Zero)
    return t.replace(lambda e: isinstance(e, sympy.Derivative)
                     and isinstance(e.expr, (sympy.sign, sympy.Heaviside)), lambda e: sympy.S.Zero)


# ----------------------------------------------------------------- comparison

def compare(truth, claimed, inst, report, budget):
    """Fill `report` with the verdict of truth == claimed, exact where possible."""
    cells = [(i, j) for i in range(truth.rows) for j in range(truth.cols)]
    undecided = _exact_phase(truth, claimed, cells, inst, report, budget)
    if not report.ok or not undecided:
        return
    _numeric_phase(truth, claimed, undecided, inst, report, budget)


def _exact_phase(truth, claimed, cells, inst, report, budget):
    """Decide exactly what is cheap to decide; return the cells left for numbers.

    The phase takes at most half the budget (and `EXACT_SECONDS`); one entry
    at most `ENTRY_SECONDS`, or `FUNCTION_SECONDS` when its difference has
    exp, log, sqrt, …, whose expansion grows fast and rarely pays. Once an
    entry runs out of time, its neighbours (alike) go straight to numbers.
    """
    undecided, exact_pays = [], True
    phase_end = time.monotonic() + min(budget.left() / 2, EXACT_SECONDS)
    for i, j in cells:
        budget.check()
        d = truth[i, j] - claimed[i, j]
        per_entry = ENTRY_SECONDS if d.is_rational_function() else FUNCTION_SECONDS
        limit = min(phase_end - time.monotonic(), per_entry) if exact_pays else 0
        verdict, timed_out = _try_exact(d, limit, budget)
        exact_pays = exact_pays and not timed_out
        if verdict is False and inst.numeric_only():
            verdict = None
        if verdict is False:
            report.ok = False
            report.mismatch = Mismatch((i + 1, j + 1), str(truth[i, j]), str(claimed[i, j]),
                                       scalar=truth.shape == (1, 1))
            return []
        if verdict is None:
            undecided.append((i, j))
    return undecided


def _try_exact(d, seconds, budget):
    """(`exact_zero(d)`, False) within `seconds`, or (None, True) when it takes longer."""
    if d == 0:
        return True, False
    if seconds <= 0:
        return None, False
    limit = Budget(seconds, outer=budget)
    try:
        with limit:
            return exact_zero(d), False
    except Expired:
        if limit.outer_expired():
            raise
        return None, True


def exact_zero(d):
    """True if `d` is identically 0, False if it certainly is not, None if undecided."""
    if d == 0:
        return True
    num, _ = sympy.fraction(sympy.together(d))
    num = sympy.expand(num)
    if num == 0:
        return True
    if num.is_polynomial(*num.free_symbols) and not num.atoms(sympy.Function):
        return False
    return None


def _numeric_phase(truth, claimed, cells, inst, report, budget):
    """Compare the undecided cells at random points where both sides are defined."""
    syms = sorted({s for m in inst.env.values() for s in m.free_symbols}, key=str)
    fn = _lambdify(syms, [truth[c] for c in cells] + [claimed[c] for c in cells])
    rng = np.random.default_rng(SEED)
    good = tries = 0
    while good < POINTS and tries < 4 * POINTS:
        budget.check()
        tries += 1
        values = sample_point(inst, rng)
        with np.errstate(all="ignore"):
            out = np.asarray(fn(*[values[s] for s in syms]), dtype=complex).ravel()
        expected, got = out[:len(cells)], out[len(cells):]
        if not (_defined(expected) and _defined(got)):
            continue  # outside the domain of one side (a log or sqrt of a negative): another point
        good += 1
        bad = _first_bad(expected, got)
        if bad is not None:
            _numeric_mismatch(report, cells[bad], expected[bad], got[bad], inst, values,
                              truth.shape == (1, 1))
            break
    report.method = f"numeric (tolerance {TOLERANCE:g}, {good} point{'s' if good != 1 else ''})"
    if good == 0:
        report.ok = False
        report.mismatch = Mismatch(None, "", "", "undecided")


def _defined(values):
    """True when every value is finite and real."""
    real = np.abs(values.imag) <= TOLERANCE * np.maximum(1.0, np.abs(values.real))
    return bool(np.all(np.isfinite(values)) and np.all(real))


def _first_bad(expected, got):
    """Index of the first value outside the tolerance, or None."""
    scale = np.maximum(1.0, np.maximum(np.abs(expected), np.abs(got)))
    bad = ~(np.abs(expected - got) <= TOLERANCE * scale)
    return int(np.argmax(bad)) if bad.any() else None


def _numeric_mismatch(report, cell, expected, got, inst, values, scalar):
    """Record a numeric counterexample with its point."""
    report.ok = False
    point = {v.name: inst.env[v.name].subs(values).tolist() for v in inst.variables}
    report.mismatch = Mismatch((cell[0] + 1, cell[1] + 1), _num(expected), _num(got), "value",
                               {k: _plain(v) for k, v in point.items()}, scalar=scalar)


def _num(z):
    """A number for a message."""
    z = complex(z)
    return f"{z.real:.12g}" if abs(z.imag) <= TOLERANCE else f"{z:.12g}"


def _plain(rows):
    """A sympy value matrix as floats (a scalar for 1×1)."""
    flat = [[float(x) for x in r] for r in rows]
    return flat[0][0] if len(flat) == 1 and len(flat[0]) == 1 else flat


def _lambdify(syms, exprs):
    """A fast numeric function of the symbols for a list of expressions."""
    try:  # cse: the printed code shares subexpressions (10× faster to build for large ones)
        return sympy.lambdify(syms, exprs, modules="numpy", cse=True, docstring_limit=0)
    except Exception:  # a function numpy's printer lacks: evaluate with sympy instead
        return lambda *args: [_evalf(e, dict(zip(syms, args))) for e in exprs]


def _evalf(e, point):
    """The complex value of `e` at `point`, NaN where SymPy cannot give a number."""
    try:
        return complex(sympy.N(e.subs(point)))
    except (TypeError, ValueError, ArithmeticError):
        return complex("nan")


__all__ = ["verify", "Report", "Mismatch", "exact_zero", "true_derivative", "Instance"]
