"""Central differences of f along random directions, each step evaluated once (the self-check's side).

Why a module of its own: the estimates, their step sizes and their error
bars are the part of the self-check that must be right for the check to mean
anything, and they read best apart from how instances are drawn and judged.
A derivative along V is estimated by central differences at steps 1e-3 … 1e-9
of x's scale, a second derivative along V and W by four-point differences;
the error of an estimate is measured as its change from the previous step,
never assumed (`adaptive`). `Differences` keeps each estimate by its step, so
that the one-step test and the adaptive passes that may follow it never
evaluate f twice at the same point, and it recomputes only the steps of f that
depend on the variable moved (`Program.rerun`).
"""

import time
from itertools import chain, repeat
from operator import add, mul

from ..errors import LimitError
from ..simplify import DEADLINE

TOL = 1e-6             # relative agreement asked beyond the estimated errors of both sides
EVALUATION_ERRORS = (ArithmeticError, ValueError, KeyError, IndexError, TypeError)


class Inconclusive(Exception):
    """This instance cannot decide (not evaluable, not finite, ill-conditioned, noisy)."""


def in_time():
    deadline = DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline[0]:
        raise LimitError(f"the derivation and its numeric self-check took more than {deadline[1]:g} s "
                         f"(raise the limit with --derive-timeout)")


def flat(rows):
    """vec(·) of a list of rows, column-major."""
    return list(chain.from_iterable(zip(*rows)))


def _moved(values, name, x0, steps):
    """`values` with variable `name` at x0 + Σ h·V."""
    out = x0
    for h, V in steps:
        out = [list(map(add, row, map(mul, repeat(h), v))) for row, v in zip(out, V)]
    return dict(values, **{name: out})


class Differences:
    """Central differences of f along V (and W) at one instance, each step evaluated once.

    The one-step test, the adaptive pass and the pass with measured noise ask
    for the same steps: each estimate is kept by its step.
    """

    def __init__(self, pf, base, values, name, V, W=None):
        """The program (f its first root), its values at the instance, the variable moved and the directions."""
        self.pf, self.base, self.values, self.name = pf, base, values, name
        self.x0, self.V, self.W = values[name], V, W
        self.memo = {}

    def f_at(self, steps):
        """flat f at x0 + Σ h·V (`steps`: (h, V) pairs), recomputing only what depends on x."""
        in_time()
        moved = _moved(self.values, self.name, self.x0, steps)
        try:
            return flat(self.pf.output(self.pf.rerun(moved, self.base, self.name), 0))
        except EVALUATION_ERRORS as e:
            raise Inconclusive("no instance could be evaluated near the points drawn") from e

    def first_steps(self):
        """The steps tried for a first difference, largest first."""
        s = _step_scale(self.x0, self.V)
        return [s * 10.0 ** -k for k in range(3, 10)]

    def second_steps(self):
        """The steps tried for a second difference, largest first."""
        s = min(_step_scale(self.x0, self.V), _step_scale(self.x0, self.W))
        return [s * 10.0 ** -k for k in (2, 2.5, 3, 3.5, 4, 5)]

    def first(self, h):
        """∂f along V by central differences at step h."""
        key = ("first", h)
        if key not in self.memo:
            up, down = self.f_at([(h, self.V)]), self.f_at([(-h, self.V)])
            self.memo[key] = [(a - b) / (2 * h) for a, b in zip(up, down)]
        return self.memo[key]

    def second(self, h):
        """∂²f along V and W by four-point differences at step h."""
        key = ("second", h)
        if key not in self.memo:
            V, W = self.V, self.W
            at = [self.f_at([(a * h, V), (b * h, W)])[0] for a, b in ((1, 1), (1, -1), (-1, 1), (-1, -1))]
            self.memo[key] = [(at[0] - at[1] - at[2] + at[3]) / (4 * h * h)]
        return self.memo[key]

    def first_adaptive(self, f_noise):
        """(∂f along V, its estimated error, the step), the step chosen adaptively."""
        return adaptive(self.first, self.first_steps(), lambda h: f_noise / h)

    def second_adaptive(self, f_noise):
        """(∂²f along V and W, its estimated error, the step), the step chosen adaptively."""
        return adaptive(self.second, self.second_steps(), lambda h: f_noise / (h * h))


def _step_scale(x0, V):
    top_x = max([1.0] + [abs(v) for row in x0 for v in row])
    top_v = max([1e-300] + [abs(v) for row in V for v in row])
    return top_x / top_v


def adaptive(estimate, steps, rounding):
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
