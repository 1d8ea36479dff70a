"""The simplification strategy: which rules run on which node, in what order, within what budget.

A rule is a pure function from a node to a node that returns its input
unchanged when it does not apply (SymPy's `strategies` style). `RULES` lists,
per node type, the tuple of rules tried in order; `simplify` rebuilds the
tree bottom-up with the one memoised rebuilder (`tree.walk.rebuild`) and, at
each node, applies the first rule that changes it (`tree.rules.do_one`)
until none does. The target is the form a textbook prints (SPEC §2):
transposes pushed onto names, declared and derived symmetry used, constants
exact and in front, like terms collected and common matrix factors pulled
out, no multiplications by identity or zero. Differentiation never
simplifies and printers never simplify: this stage is the only one that
rewrites. A derivation has a budget of rewrites and a deadline.
"""

import contextvars
import time

from ..errors import LimitError
from ..tree import expr as E
from ..tree.rules import do_one, rule_tuples
from . import functions as F, kronecker as K, products as P, rational as R, sums as S, symmetry as Y
from . import transposes as T
from .terms import RUNNING

RULES = rule_tuples({
    E.Mul: (P.mul_flatten, P.mul_constants, P.mul_identity, P.mul_scalars_first, P.mul_powers,
            P.mul_div_out, P.mul_inverse_cancel, P.mul_inverse_product_cancel, P.mul_matrix_powers, P.mul_sum_coefficient,
            P.mul_diag_distribute, P.mul_diag_vector, P.mul_ones_first, P.mul_ones_outer,
            K.mul_kron_mixed, K.mul_kron_vec, K.mul_commutation_square, K.mul_kron_absorb,
            K.mul_diag_diag),
    E.Neg: (P.neg_canonical,),
    E.Div: (P.div_rules, P.sigmoid_recognised, R.elementwise_cancel),
    E.HadDiv: (P.sigmoid_recognised, F.haddiv_rules, R.elementwise_cancel),
    E.Add: (S.add_flatten, S.add_like_terms, S.add_common_factor, S.add_unvec, S.add_explicit,
            S.add_diag, S.add_hadamard_common, T.add_transpose_out, S.add_order, R.elementwise_cancel),
    E.Transpose: (Y.transpose_symmetric, T.transpose_push, K.commutation_transpose, K.transpose_hadamard),
    E.Inverse: (T.inverse_rules,),
    E.Hadamard: (F.hadamard_rules, F.hadamard_left, F.hadamard_sums_last, R.elementwise_cancel),
    E.HadPow: (F.hadpow_rules,),
    E.Power: (F.power_rules,),
    E.Trace: (F.trace_rules, F.trace_kron),
    E.Det: (F.det_rules,),
    E.LogDet: (F.logdet_rules,),
    E.Sum: (F.sum_rules, F.sum_kron),
    E.Unvec: (F.unvec_rules,),
    E.DiagMat: (F.diag_rules, K.diag_unit, K.diag_scalars),
    E.Apply: (F.apply_rules,),
    E.Kron: (K.kron_scalar, K.kron_coefficients, K.kron_identities, K.kron_zero),
    E.Vec: (K.vec_rules,),
    E.Commutation: (K.commutation_trivial,),
})

# The rewrite budget and the deadline (time.monotonic, limit) of the derivation in progress,
# set from Limits by `derive`.
BUDGET = contextvars.ContextVar("max_rewrites", default=200_000)
DEADLINE = contextvars.ContextVar("deadline", default=None)
# node → its simplified form, shared by every simplify call of the derivation in progress (set by
# `derive`): a derivation simplifies the same subtrees for each line it records, and a fixed point
# reached once need not be reached again (profiling: simplify was ~60% of a derivation).
SHARED = contextvars.ContextVar("simplified", default=None)

_TICKS = [0]   # rewrites across all Simplifiers (each simplify call has its own count)


class Simplifier:
    """Bottom-up rewriting to a fixed point, memoised, with a budget of rewrites."""

    def __init__(self, max_rewrites=200_000, rules=None):
        self.memo = {}
        self.rewrites = 0
        self.max_rewrites = max_rewrites
        self.rules = RULES if rules is None else rules
        self.step = do_one(self.rules, self._count)

    def __call__(self, e):
        """`e` simplified: `tree.walk.rebuild` with `_settle`, written out (it runs for every node)."""
        memo = self.memo
        out = memo.get(e)
        if out is None:
            out = memo[e] = self._settle(e.rebuild([self(a) for a in e.args]))
        return out

    def fresh(self):
        """A simplifier with the same rules and budget, and the derivation's shared memo if any.

        (Rational cancellation resimplifies candidates through this: with an empty memo each
        candidate re-settled every subtree, ~40% of a Hessian of the 8-layer network loss.)
        """
        run = Simplifier(self.max_rewrites, self.rules)
        shared = SHARED.get()
        if shared is not None and self.rules is RULES:
            run.memo = shared
        return run

    def _settle(self, cur):
        """Rules applied to `cur` (its children simplified) until none changes it.

        A form met before (the same node rebuilt over simplified children, a rewrite that lands
        on a known node) is not settled again: its children are simplified, so its simplified
        form is the one in the memo.
        """
        memo = self.memo
        for _ in range(100):
            known = memo.get(cur)
            if known is not None:
                return known
            new = self.step(cur)
            if new is cur or new == cur:
                break
            cur = new.rebuild([self(a) for a in new.args])
        memo[cur] = cur
        return cur

    def _count(self, fn, old, new):
        """Every rewrite: counted against the budget and the deadline; a shape never changes."""
        self.rewrites += 1
        if self.rewrites > self.max_rewrites:
            raise LimitError(f"simplification took more than {self.max_rewrites} rewrites "
                             f"(raise the limit with --max-rewrites)")
        _TICKS[0] += 1
        if _TICKS[0] % 64 == 0:
            _check_deadline()
        if tuple(new.shape) != tuple(old.shape):
            raise AssertionError(f"rule {fn.__name__} changed a shape: {old!r} -> {new!r}")


def _check_deadline():
    """Refuse a derivation that has run past its time limit."""
    deadline = DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline[0]:
        raise LimitError(f"the derivation took more than {deadline[1]:g} s "
                         f"(raise the limit with --derive-timeout)")


def simplify(e, max_rewrites=None):
    """The simplified form of `e` (within the budget of rewrites in force)."""
    run = Simplifier(max_rewrites or BUDGET.get())
    shared = SHARED.get()
    if shared is not None:
        run.memo = shared
    token = RUNNING.set(run)
    try:
        return run(e)
    finally:
        RUNNING.reset(token)
