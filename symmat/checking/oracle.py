"""The oracle of a check: f and the claim at concrete sizes, against SymPy's derivative.

A `Setting` is f and the claim under one declaration set; an `Oracle` expands
the claim at one assignment of sizes and computes true derivatives (by any
variable, in any layout or convention) entry by entry with SymPy, on demand;
`Oracles` holds the two assignments a verdict needs.
"""

import copy

from ..errors import SymmatError
from ..tree import expr as E
from ..tree.sizes import concrete_sizes
from .inputs import expected_shape, second_sizes, size_names


def _verify():
    """The verification module, imported when first needed (it brings SymPy)."""
    from ..proof import verification  # SymPy: loaded when the exact phase first needs it
    return verification


# ----------------------------------------------------------------- one setting at concrete sizes

class Setting:
    """f and the claim under one declaration set, with what the claim is checked against."""

    def __init__(self, f, claim, X, layout, convention, forced=(), kind=None):
        self.f, self.claim, self.X = f, claim, X
        self.layout, self.convention, self.forced = layout, convention, list(forced)
        self.kind = kind or ("grad" if f.is_scalar else "derivative")
        self.expected = expected_shape(f, X, layout, kind)


class Shim:
    """What `verify` needs of a derivative: kind, f, wrt, closed form, layout, convention."""

    def __init__(self, setting, wrt, layout, convention):
        self.kind, self.f, self.wrt, self.result = setting.kind, setting.f, wrt, setting.claim
        self.layout, self.symmetric = layout, convention


class Oracle:
    """A setting at one assignment of sizes: the claim expanded, true derivatives on demand."""

    def __init__(self, setting, sizes, budget, max_size):
        from ..proof.expand import expand  # SymPy: loaded when the exact phase first needs it
        Instance = _verify().Instance
        self.setting, self.budget = setting, budget
        self.inst = Instance(Shim(setting, setting.X, setting.layout, setting.convention), sizes, max_size)
        self.sizes = dict(self.inst.sizes)
        self.claimed = expand(setting.claim, self.inst.env, self.sizes)
        self._truth = {}

    def instance(self, wrt, layout, convention):
        """The instance re-aimed at another variable, layout or convention (same symbols)."""
        inst = copy.copy(self.inst)
        inst.wrt, inst.X, inst.layout, inst.convention = wrt, self.inst.env[wrt.name], layout, convention
        return inst

    def truth(self, wrt=None, layout=None, convention=None):
        """The true derivative (SymPy, entry by entry) as a sympy Matrix."""
        true_derivative = _verify().true_derivative
        s = self.setting
        key = ((wrt or s.X).name, layout or s.layout, convention or s.convention)
        if key not in self._truth:
            inst = self.instance(wrt or s.X, key[1], key[2])
            self._truth[key] = true_derivative(inst, self.budget)
        return self._truth[key]

    def compare(self, truth, claimed=None):
        """verify's Report of truth == claimed (the claim by default), exact where possible."""
        v = _verify()
        Mismatch, Report, compare = v.Mismatch, v.Report, v.compare
        claimed = self.claimed if claimed is None else claimed
        report = Report(ok=True, method="exact", sizes=self.sizes)
        if truth.shape != claimed.shape:
            report.ok, report.mismatch = False, Mismatch(None, str(truth.shape), str(claimed.shape), "shape")
            return report
        compare(truth, claimed, self.inst, report, self.budget)
        return report

    def matches(self, truth, claimed=None):
        """True when the claim (or `claimed`) equals `truth` at this instance."""
        return self.compare(truth, claimed).ok


class Oracles:
    """The two size assignments of a setting, the second built only when needed."""

    def __init__(self, setting, budget, max_size, sizes=None):
        self.setting, self.budget, self.max_size = setting, budget, max_size
        exprs = [setting.f, setting.claim, setting.X]
        first = concrete_sizes(exprs, _known(sizes, exprs), max_size)
        self.assignments = [first] + ([s] if (s := second_sizes(first, max_size)) else [])
        self._built = {}

    def __iter__(self):
        for i in range(len(self.assignments)):
            yield self[i]

    def __getitem__(self, i):
        if i not in self._built:
            self._built[i] = Oracle(self.setting, self.assignments[i], self.budget, self.max_size)
        return self._built[i]

    def holds(self, test):
        """True when `test(oracle)` holds at every assignment (stops at the first that fails)."""
        try:
            return all(test(o) for o in self)
        except (SymmatError, ZeroDivisionError, ValueError, TypeError):
            return False


def _known(sizes, exprs):
    """The given sizes that the expressions have (None for none)."""
    if not sizes:
        return None
    names = set(size_names(*exprs))
    return {k: v for k, v in sizes.items() if k in names}


def difference(a, b):
    """a − b as one flat sum, the negation distributed over b's terms (simplify collects like terms)."""
    def terms(e):
        return list(e.args) if isinstance(e, E.Add) else [e]

    return E.Add(*terms(a), *[E.Neg(t) for t in terms(b)])


def _zero(e):
    """True for a zero constant or zero matrix."""
    return isinstance(e, E.Zero) or isinstance(e, E.Const) and e.value == 0


