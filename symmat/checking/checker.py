"""Checking a hand derivation (SPEC §5): is the claim the derivative, and if not, what went wrong.

Design decisions:

* One declaration set. f and the claim are read by the grammar once each
  (`inputs.Texts`) and typed together (one `typecheck` over both raw trees,
  one unifier), so a name in the claim means what it means in f — its kind,
  its properties, its explicit value (``where X = [w x; y z]``) — and the
  claim's sizes unify with f's. Names that f lacks still parse, by their
  spelling. Sizes that only the claim has (the n of an ``I``) are then fitted
  to the shape of the derivative. A claim that only types when two of f's
  sizes are equal (``Aᵀ X Bᵀ`` for ``tr(A X B)``) is judged at those sizes and
  the report says so; it is never right in general.
* Bad input or a wrong answer. A claim that does not parse, or does not type
  on its own, or declares anything, is bad input (`SymmatError`, exit 2).
  A claim that types on its own but not together with f, or whose shape is
  not the derivative's, is a wrong answer (diagnosis ``shape``, exit 1).
* The verdict. Right when ``simplify(claim − correct)`` is zero. Otherwise
  the claim is compared with the derivative that SymPy computes from f entry
  by entry (`oracle`, independent of symmat's differentiator) at two
  different assignments of distinct concrete sizes, exactly where SymPy can
  decide and else at several numeric points; never at a single random point.
  The symbolic `correct` result is needed only for display: where symmat
  cannot derive it, SymPy still decides.
* Every kind (SPEC §5): `kind="grad"`, `"jacobian"`, `"hessian"` or
  `"derivative"`; the claim is compared with the derivative of that kind.
* Diagnoses are hypotheses tested like the verdict, at the same instances:
  the claim against the true derivative in another layout, in the other
  convention for a symmetric variable, by another variable, with a matrix
  declared symmetric (f re-read with that declaration), times a constant;
  its entries against the right ones (misplaced); its variables against the
  ones the derivative can contain; its shape. Every hypothesis that holds
  is kept in `diagnoses`, in the order of `ORDER`; the first is `diagnosis`.
"""

import time
from fractions import Fraction

from ..errors import DerivativeError, InternalError, LimitError, ShapeError, SymmatError
from ..pipeline import LAYOUTS, derive, find_var
from ..printing.text import to_text
from ..reading import Limits
from ..simplify import simplify
from ..tree import expr as E
from ..tree.shapes import fmt_shape
from .inputs import Texts, expected_shape, explicit_free, fit, forced_sizes, size_names, type_claim, \
    type_together
from .oracle import Oracles, Setting, _verify, difference, _zero
from .report import ORDER, CheckReport, Counterexample, Diagnosis, Math, Sentence, _and, _sizes_text, \
    in_layouts, partial, vectorised

EXPLAINS_SHAPE = ("layout", "transpose", "other_variable")   # a wrong shape they account for
TRANSPOSES = ("layout", "transpose")                          # misplaced entries they account for
TIMEOUT = 60.0
MAX_SIZE = 6


# ----------------------------------------------------------------- the checker

class Checker:
    """One check: reads the inputs, decides, diagnoses."""

    def __init__(self, texts, wrt, layout, convention, budget, max_size, kind=None):
        self.texts, self.layout, self.convention = texts, layout, convention
        self.budget, self.max_size = budget, max_size
        self.general = texts.general()
        self.X = find_var(self.general, wrt)
        self.kind = kind if kind in ("jacobian", "hessian") else None
        if self.kind == "hessian" and not self.general.is_scalar:
            raise DerivativeError("the Hessian needs a scalar function: check the Jacobian (--kind jacobian)")
        self.sym = "hessian" if self.kind == "hessian" else vectorised(self.general, self.X)
        self.claim_alone = type_claim(texts)
        self.correct = self._derive(self.general)
        self.symbolic = self._symbolic()

    def _derive(self, f):
        """symmat's derivative of f, or None where it cannot derive it (SymPy then decides alone)."""
        try:
            return derive(self.kind or "derivative", f, self.X.name, layout=self.layout, symmetric=self.convention)
        except (ImportError, NotImplementedError, InternalError):
            return None

    def _symbolic(self):
        """Xᵀ for a result written out as [w y; x z] (X declared explicitly)."""
        if self.correct is None or not isinstance(self.correct.result, E.Matrix):
            return None
        try:
            f = explicit_free(self.texts, self.X.name)
            d = self._derive(f) if f is not None else None
        except SymmatError:
            return None
        return d.result if d is not None and not isinstance(d.result, E.Matrix) else None

    def setting(self, extra=None):
        """The joint reading (with `extra` declarations) as a Setting."""
        f, claim = type_together(self.texts, extra)
        X = find_var(f, self.X.name)
        shape = expected_shape(f, X, self.layout, self.kind)
        claim = fit(claim, shape, set(size_names(f)))
        return Setting(f, claim, X, self.layout, self.convention, forced_sizes(self.general, f), self.kind)

    def report(self, ok, diagnoses, method="", counterexample=None, claim=None, assumed=()):
        """A CheckReport for this check."""
        return CheckReport(ok, diagnoses, self.correct, counterexample, claim or self.claim_alone,
                           self.general, self.X.name, self.layout, self.convention, method,
                           assumed, self.symbolic, self.sym)

    def run(self):
        """Decide and diagnose."""
        try:
            s = self.setting()
        except ShapeError as e:
            return self.unfit(e)
        if self._simplifies(s):
            return self.report(True, [self.right(s)], "symbolically (the difference simplifies to 0)", claim=s.claim)
        oracles = Oracles(s, self.budget, self.max_size)
        counterexample, method, undecided = None, [], False
        if s.claim.shape == s.expected:
            for o in oracles:
                rep = o.compare(o.truth())
                if not rep.ok:
                    undecided = rep.mismatch.reason == "undecided"
                    counterexample = None if undecided else self.counterexample(o, rep)
                    break
                method.append(rep.method)
            else:
                if not s.forced:
                    return self.report(True, [self.right(s)], self.method(oracles, method), claim=s.claim)
        diagnoses = self.diagnose(s, oracles, undecided)
        return self.report(False, diagnoses, "", counterexample, s.claim, s.forced)

    def _simplifies(self, s):
        """True when simplify(claim − correct) is 0."""
        if self.correct is None or s.forced or s.claim.shape != self.correct.shape or s.f != self.general:
            return False
        if s.claim == self.correct.result:
            return True
        a, b = s.claim, self.correct.result
        try:   # two spellings of a − b: simplify collects some sums in one and some in the other
            return _zero(simplify(E.Add(a, E.Neg(b)))) or _zero(simplify(difference(a, b)))
        except SymmatError:
            return False

    @staticmethod
    def method(oracles, methods):
        """How a right verdict was reached, in words."""
        sizes = [_sizes_text(a) for a in oracles.assignments]
        how = "by exact expansion" if all(m == "exact" for m in methods) else "by expansion, " + methods[-1]
        return f"{how} at sizes {' and '.join(sizes)}" if any(oracles.assignments) else f"{how} at the declared sizes"

    def counterexample(self, o, rep):
        """A Counterexample from verify's first mismatch."""
        import sympy  # SymPy: loaded when the exact phase first needs it
        m = rep.mismatch
        if m.reason == "shape":
            return None
        true_l = got_l = None
        if rep.method == "exact" and m.index:
            i, j = m.index[0] - 1, m.index[1] - 1
            T = o.truth()
            true_l, got_l = sympy.latex(T[i, j]), sympy.latex(o.claimed[i, j])
        return Counterexample(o.sizes, m.index, m.got, m.expected, got_l, true_l, m.point, m.scalar)

    def unfit(self, error):
        """The claim types alone but not with f's sizes: a wrong shape."""
        msg = str(error).split("\n")[0]
        d = Diagnosis("shape", Sentence("the claim does not fit the sizes of f: ", msg))
        return self.report(False, [d])

    # -- the diagnoses
    def right(self, s):
        """The diagnosis of a right claim."""
        return Diagnosis("right", Sentence("the claim is ", partial(self.X.name, self.sym),
                                           f" in {self.layout} layout"))

    def answer(self):
        """The right answer as a part of a sentence."""
        return self.correct if self.correct is not None else Math("the true derivative", "\\text{the true derivative}")

    def diagnose(self, s, oracles, undecided=False):
        """Every diagnosis that holds, most telling first."""
        tests = (self.forced_right, self.layout_mixup, self.other_convention, self.other_variable,
                 self.symmetric, self.factor, self.misplaced, self.dependence, self.shape)
        found = []
        for test in tests:
            try:
                found += test(s, oracles)
            except (SymmatError, ZeroDivisionError, ValueError, TypeError, AttributeError):
                continue
        if undecided:
            found.append(Diagnosis("undecided", Sentence("no point was found where both sides are defined, "
                                                         "so symmat could not decide")))
        found.sort(key=lambda d: ORDER.index(d.code))
        if any(d.code in EXPLAINS_SHAPE for d in found):
            found = [d for d in found if d.code != "shape"]
        if any(d.code in TRANSPOSES for d in found):
            found = [d for d in found if d.code != "misplaced"]
        return found or [Diagnosis("wrong", Sentence("the right answer is ", self.answer()))]

    def forced_right(self, s, oracles):
        """Right at sizes the claim forced, but not in general."""
        if not s.forced or s.claim.shape != s.expected or not oracles.holds(lambda o: o.matches(o.truth())):
            return []
        return [Diagnosis("shape", Sentence(f"right only when {', '.join(s.forced)}: in general the claim "
                                            "does not fit the sizes of f"), {"assumed": s.forced})]

    def layout_mixup(self, s, oracles):
        """The right answer in another layout, or its transpose."""
        fits = [L for L in LAYOUTS if L != self.layout
                and expected_shape(s.f, s.X, L, self.kind) == s.claim.shape
                and oracles.holds(lambda o, L=L: o.matches(o.truth(layout=L)))]
        if fits:
            return [Diagnosis("layout", Sentence(f"wrong in {self.layout} layout, where the answer is ",
                                                 self.answer(), "; ", s.claim, f" is the answer {in_layouts(fits)}"),
                              {"layouts": fits})]
        if (s.claim.shape[1], s.claim.shape[0]) == s.expected and oracles.holds(lambda o: o.matches(o.truth().T)):
            return [Diagnosis("transpose", Sentence("the claim is the transpose of the right answer ",
                                                    self.answer()))]
        return []

    def other_convention(self, s, oracles):
        """Right in the other convention for a symmetric variable."""
        if not s.X.has("symmetric") or s.X.is_scalar or s.claim.shape != s.expected:
            return []
        other = "entrywise" if self.convention == "sym" else "sym"
        if not oracles.holds(lambda o: o.matches(o.truth(convention=other))):
            return []
        return [Diagnosis("convention", Sentence(f"right in the {other} convention for symmetric {s.X.name} "
                                                 f"(--symmetric {other}); in the {self.convention} convention "
                                                 "the answer is ", self.answer()), {"convention": other})]

    def other_variable(self, s, oracles):
        """The derivative with respect to another variable (in some layout)."""
        out = []
        for v in s.f.variables():
            if v.name == s.X.name:
                continue
            order = [self.layout] + [L for L in LAYOUTS if L != self.layout]
            fits = [L for L in order if expected_shape(s.f, v, L, self.kind) == s.claim.shape
                    and oracles.holds(lambda o, L=L, v=v: o.matches(o.truth(wrt=v, layout=L)))]
            if fits:
                out.append(Diagnosis("other_variable", Sentence(
                    "it is the derivative with respect to ", v, f", {in_layouts(fits)}; by {s.X.name} "
                    "the answer is ", self.answer()), {"variable": v.name, "layouts": fits}))
        return out

    def symmetric(self, s, oracles):
        """Right if a square matrix of f were declared symmetric."""
        candidates = [v for v in s.f.variables() if not v.is_scalar and v.shape[0] == v.shape[1]
                      and not v.has("symmetric") and not (v.props & {"orthogonal", "diagonal"})]
        if s.claim.shape != s.expected:
            return []
        groups = [[v] for v in candidates] + ([candidates] if len(candidates) > 1 else [])
        for group in groups:
            names = [v.name for v in group]
            try:
                t = self.setting(", ".join(f"{n}: symmetric" for n in names))
            except SymmatError:
                continue
            sym = Oracles(t, self.budget, self.max_size, oracles.assignments[0])
            if t.claim.shape == t.expected and sym.holds(lambda o: o.matches(o.truth())):
                return [Diagnosis("symmetric", Sentence(f"right only for symmetric {_and(names)}: the general "
                                                        "answer is ", self.answer()), {"matrices": names})]
        return []

    def factor(self, s, oracles):
        """A multiple of the right answer: by a constant (a sign is −1), or by a scalar of f (1/m forgotten)."""
        if s.claim.shape != s.expected:
            return []
        scalars = [v for v in s.f.variables() if v.is_scalar]
        for c, v, k in _factor_candidates(oracles[0], scalars):
            if not oracles.holds(lambda o: o.matches(o.truth() * _factor_value(o, c, v, k))):
                continue
            if c == -1 and v is None:
                return [Diagnosis("sign", Sentence("the claim is minus the right answer ", self.answer()),
                                  {"factor": "-1"})]
            what = _factor_expr(c, v, k)
            return [Diagnosis("factor", Sentence("the claim is ", what, " times the right answer ", self.answer()),
                              {"factor": _plain(what)})]
        return []

    def misplaced(self, s, oracles):
        """The right entries in the wrong places."""
        import sympy  # SymPy: loaded when the exact phase first needs it
        if s.claim.shape != s.expected:
            return []

        def same_entries(o):
            """The entries of truth and claim as multisets agree."""
            t, c = o.truth(), o.claimed
            if t.has(sympy.Function) or c.has(sympy.Function) or len(t) > 64:
                return False        # entries with exp, log, …: too costly to expand, and no notes misplace them
            return sorted(map(str, map(sympy.expand, t))) == sorted(map(str, map(sympy.expand, c)))

        if not oracles.holds(same_entries):
            return []
        return [Diagnosis("misplaced", Sentence("the entries are those of the right answer, in the wrong places; "
                                                "the right answer is ", self.answer()))]

    def dependence(self, s, oracles):
        """The claim depends on a variable that the derivative cannot contain."""
        o = oracles[0]
        truth_syms, claim_syms = o.truth().free_symbols, o.claimed.free_symbols
        in_f = {v.name for v in s.f.variables()}
        out = []
        for v in s.claim.variables():
            syms = o.inst.env[v.name].free_symbols
            if not (claim_syms & syms) or truth_syms & syms:
                continue
            out.append(Diagnosis("dependence", self._dependence_sentence(v, in_f, s), {"variable": v.name}))
        return out

    def _dependence_sentence(self, v, in_f, s):
        """Why the answer cannot contain `v`."""
        d = partial(s.X.name, self.sym)
        if v.name == s.X.name:
            return Sentence("the answer cannot contain ", v, f": f is linear in {v.name}, so ", d,
                            " does not depend on ", v, "; the right answer is ", self.answer())
        if v.name not in in_f:
            return Sentence("the answer contains ", v, ", which does not occur in f; the right answer is ",
                            self.answer())
        return Sentence("the answer cannot depend on ", v, ": ", d, " does not; the right answer is ",
                        self.answer())

    def shape(self, s, oracles):
        """A claim whose shape is not the derivative's."""
        if s.claim.shape == s.expected:
            return []
        return [Diagnosis("shape", Sentence(f"the claim is {fmt_shape(s.claim.shape)}, but ",
                                            partial(s.X.name, self.sym), f" is {fmt_shape(s.expected)} "
                                            f"in {self.layout} layout"),
                          {"claim_shape": fmt_shape(s.claim.shape), "shape": fmt_shape(s.expected)})]


def _factor_candidates(o, scalars, points=2):
    """(c, v, k) with claim ≈ c · v^k · truth at random points (v a scalar of f, or None and k = 0)."""
    import random  # the standard library; only the factor search draws
    import sympy  # SymPy: loaded when the exact phase first needs it
    truth, claimed = o.truth(), o.claimed
    cell = next((i for i, t in enumerate(truth) if t != 0), None)
    if cell is None or truth.shape != claimed.shape:
        return []
    t, c = truth[cell], claimed[cell]
    syms = sorted(t.free_symbols | c.free_symbols | {o.inst.env[v.name][0, 0] for v in scalars}, key=str)
    rng = random.Random(7)
    pts = [{x: sympy.Float(rng.uniform(0.5, 1.5)) for x in syms} for _ in range(points)]
    try:
        ratios = [complex(sympy.N(c.xreplace(p))) / complex(sympy.N(t.xreplace(p))) for p in pts]
    except (TypeError, ZeroDivisionError):
        return []
    out = []
    for v, k in [(None, 0)] + [(v, k) for v in scalars for k in (1, -1)]:
        base = [complex(p[o.inst.env[v.name][0, 0]]) ** k if v is not None else 1 for p in pts]
        vals = [r / b for r, b in zip(ratios, base)]
        q = Fraction(vals[0].real).limit_denominator(1000)
        if all(abs(x - float(q)) < 1e-9 * max(1, abs(x)) for x in vals) and (q, k) not in ((0, 0), (1, 0)) and q:
            out.append((q, v, k))
    return out


def _factor_value(o, c, v, k):
    """c · v^k at an oracle's instance (a SymPy number or symbol power)."""
    import sympy  # SymPy: loaded when the exact phase first needs it
    value = sympy.Rational(c.numerator, c.denominator)
    return value * o.inst.env[v.name][0, 0] ** k if v is not None else value


def _factor_expr(c, v, k):
    """c · v^k as an expression for the sentence."""
    if v is None:
        return E.Const(c)
    power = v if k == 1 else E.Div(E.Const(1), v)
    return power if c == 1 else E.Mul(E.Const(c), power)


def _plain(e):
    """An expression as plain text."""
    return to_text(e)


# ----------------------------------------------------------------- entry point

def _text_of(x, what):
    """An input as text (an Expr is printed; see `declarations_of` for its declarations)."""
    if isinstance(x, str):
        return x
    if isinstance(x, E.Expr):
        return to_text(x)
    raise SymmatError(f"the {what} must be text (or an expression), not {type(x).__name__}")


def declarations_of(e):
    """A where clause that gives the variables of an Expr their kinds, numeric sizes and properties."""
    out = []
    for v in e.variables():
        sized = all(isinstance(d, int) for d in v.shape)
        if v.is_scalar or v.shape[1] == 1:
            words = ["scalar" if v.is_scalar else f"vector({v.shape[0]})" if sized else "vector"]
        else:   # properties and sizes say "matrix" (and "matrix symmetric" would read as a size)
            words = sorted(v.props) + ([f"{v.shape[0]}x{v.shape[1]}"] if sized else []) or ["matrix"]
        out.append(f"{v.name}: {' '.join(words)}")
    return "; ".join(out)


def _where(f, where):
    """The where text, with the declarations of f when f is given as an Expr."""
    if not isinstance(f, E.Expr):
        return where
    return "; ".join(w for w in (declarations_of(f), where) if w and w.strip())


def _one_name(wrt):
    """The one variable name in `wrt` (check takes exactly one)."""
    names = [w.strip() for w in wrt.split(",") if w.strip()] if isinstance(wrt, str) else list(wrt)
    if len(names) != 1:
        raise DerivativeError(f"check takes one variable, not {len(names)}: check each derivative on its own")
    return names[0]


def check(f, wrt, claim, where=None, layout="mixed", symmetric="sym", limits=None, *,
          timeout=None, max_size=None, kind=None):
    """Decide whether `claim` is the derivative of `f` by `wrt` (SPEC §5) → CheckReport."""
    Budget, _Expired = _verify().Budget, _verify().Expired
    if layout not in LAYOUTS:
        raise DerivativeError(f"unknown layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
    if symmetric not in ("sym", "entrywise"):
        raise DerivativeError(f"unknown convention {symmetric!r}: choose sym or entrywise")
    limits = limits or Limits()
    timeout = timeout or getattr(limits, "verify_timeout", None) or TIMEOUT
    max_size = max_size or getattr(limits, "max_size", None) or MAX_SIZE
    texts = Texts(_text_of(f, "function"), _text_of(claim, "claim"), _where(f, where), limits)
    start = time.monotonic()
    try:
        with Budget(timeout) as budget:
            report = Checker(texts, _one_name(wrt), layout, symmetric, budget, max_size, kind).run()
    except _Expired:
        raise LimitError(f"checking took longer than the limit of {timeout:g} s "
                         f"(raise it with --verify-timeout)") from None
    report.seconds = time.monotonic() - start
    return report


__all__ = ["check", "CheckReport", "Diagnosis", "Counterexample", "ORDER"]
