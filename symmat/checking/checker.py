"""Checking a hand derivation (SPEC §5): is the claim the derivative, and if not, what went wrong.

Design decisions:

* One declaration set. f and the claim are read by the parser separately and
  typed together (one `build.typecheck` over both raw trees, one unifier), so
  a name in the claim means what it means in f — its kind, its properties,
  its explicit value (``where X = [w x; y z]``) — and the claim's sizes unify
  with f's. Names that f lacks still parse, by their spelling. Sizes that
  only the claim has (the n of an ``I``) are then fitted to the shape of the
  derivative. A claim that only types when two of f's sizes are equal
  (``Aᵀ X Bᵀ`` for ``tr(A X B)``) is judged at those sizes and the report
  says so; it is never right in general.
* Bad input or a wrong answer. A claim that does not parse, or does not type
  on its own, or declares anything, is bad input (`SymmatError`, exit 2).
  A claim that types on its own but not together with f, or whose shape is
  not the derivative's, is a wrong answer (diagnosis ``shape``, exit 1).
* The verdict. Right when ``simplify(claim − correct)`` is zero. Otherwise
  the claim is compared with the derivative that SymPy computes from f entry
  by entry (`verify`, independent of symmat's differentiator) at two
  different assignments of distinct concrete sizes, exactly where SymPy can
  decide and else at several numeric points (`verify.compare`); never at a
  single random point. The symbolic `correct` result is needed only for
  display: where symmat cannot derive it, SymPy still decides.
* Diagnoses are hypotheses tested like the verdict, at the same instances:
  the claim against the true derivative in another layout, in the other
  convention for a symmetric variable, by another variable, with a matrix
  declared symmetric (f re-read with that declaration), times a constant;
  its entries against the right ones (misplaced); its variables against the
  ones the derivative can contain; its shape. Every hypothesis that holds
  is kept in `diagnoses`, in the order of `ORDER`; the first is `diagnosis`.
"""

import copy
import time
from dataclasses import dataclass, field
from fractions import Fraction

from ..tree import expr as E
from ..pipeline import LAYOUTS, derive, find_var
from ..printing.latex import name as latex_name
from ..printing.notes import render_latex, render_markdown, to_data
from ..printing.text import to_text
from ..reading import parse_expression
from ..reading.build import Decl
from ..reading.parser import _check_input, _parse, _shift, declarations, merge_declarations, split_postfix_names
from ..tree.sizes import concrete_sizes, size_order
from ..reading.build import Limits, typecheck
from ..errors import DeclarationError, DerivativeError, InternalError, LimitError, ShapeError, SymmatError
from ..tree.shapes import dim_mul, fmt_shape
from ..printing.notes import latex_words
from ..simplify import simplify

ORDER = ("right", "layout", "transpose", "convention", "other_variable", "symmetric", "sign",
         "factor", "misplaced", "dependence", "shape", "undecided", "wrong")
TITLES = {"right": "right", "layout": "layout mix-up", "transpose": "transposed",
          "convention": "other convention", "other_variable": "another variable",
          "symmetric": "right only if symmetric", "sign": "off by sign",
          "factor": "off by a constant factor", "misplaced": "misplaced entries",
          "dependence": "impossible dependence", "shape": "wrong shape",
          "undecided": "undecided", "wrong": "wrong"}
EXPLAINS_SHAPE = ("layout", "transpose", "other_variable")   # a wrong shape they account for
TRANSPOSES = ("layout", "transpose")                          # misplaced entries they account for
TIMEOUT = 60.0


def _verify():
    """The verification module, imported when first needed (it brings SymPy)."""
    from ..proof import verification  # SymPy: loaded when the exact phase first needs it
    return verification
MAX_SIZE = 6


# ----------------------------------------------------------------- sentences

@dataclass
class Math:
    """A formula given as text and LaTeX (for symbols that are not an Expr: ∂f/∂x)."""

    text: str
    latex: str
    ascii: str = None


class Sentence:
    """Words and formulas (Expr, Derivative, Math) that render as text, LaTeX or Markdown."""

    def __init__(self, *parts):
        self.parts = parts

    def text(self, ascii=False):
        """Plain text (Unicode, or ASCII)."""
        out = []
        for p in self.parts:
            if isinstance(p, str):
                out.append(p)
            elif isinstance(p, Math):
                out.append(p.ascii if ascii and p.ascii else p.text)
            elif isinstance(p, E.Expr):
                out.append(to_text(p, ascii=ascii))
            else:
                out.append(p.text(ascii=ascii))
        return "".join(out)

    def _math(self, p):
        """LaTeX of a formula part."""
        if isinstance(p, Math):
            return p.latex
        return p.latex()

    def latex(self):
        """LaTeX text: words escaped, formulas in $…$."""
        return "".join(latex_words(p) if isinstance(p, str) else f"${self._math(p)}$" for p in self.parts)

    def markdown(self):
        """Markdown: words as they are, formulas in $…$."""
        return "".join(p if isinstance(p, str) else f"${self._math(p)}$" for p in self.parts)

    def __str__(self):
        return self.text()


def vectorised(f, X):
    """True when the derivative of f by X is written ∂vec(F)/∂vec(X) (more than two indices)."""
    return not f.is_scalar and (f.shape[1] != 1 or not X.is_scalar and X.shape[1] != 1)


def partial(wrt, vec=False):
    """∂f/∂x (or ∂vec(F)/∂vec(X)) as a Math part."""
    if vec:
        return Math(f"∂vec(F)/∂vec({wrt})", f"\\frac{{\\partial \\operatorname{{vec}}(F)}}"
                    f"{{\\partial \\operatorname{{vec}}({latex_name(wrt)})}}", f"dvec(F)/dvec({wrt})")
    return Math(f"∂f/∂{wrt}", f"\\frac{{\\partial f}}{{\\partial {latex_name(wrt)}}}", f"df/d{wrt}")


def _and(words):
    """'a', 'a and b', 'a, b and c'."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def in_layouts(layouts):
    """'in numerator layout', 'in mixed and numerator layouts', or 'in every layout'."""
    if set(layouts) == set(LAYOUTS):
        return "in every layout"
    return f"in {_and(layouts)} layout" + ("s" if len(layouts) > 1 else "")


def _sizes_text(sizes):
    """'n=2, m=3' (or 'the declared sizes')."""
    return ", ".join(f"{k}={v}" for k, v in sizes.items()) if sizes else "the declared sizes"


# ----------------------------------------------------------------- the report

@dataclass
class Diagnosis:
    """What is wrong (or that nothing is): a short code and a sentence."""

    code: str
    sentence: Sentence
    data: dict = field(default_factory=dict)

    @property
    def title(self):
        """The code in words."""
        return TITLES[self.code]

    def text(self, ascii=False):
        """The sentence as text."""
        return self.sentence.text(ascii=ascii)

    def __str__(self):
        return f"{self.code}: {self.text()}"

    def to_data(self):
        """JSON-ready data."""
        return {"code": self.code, "title": self.title, "text": self.text(),
                "latex": self.sentence.latex(), **self.data}


@dataclass
class Counterexample:
    """Where the claim and the derivative differ: sizes, entry (1-based), both values."""

    sizes: dict
    entry: tuple
    claimed: str
    true: str
    claimed_latex: str = None
    true_latex: str = None
    point: dict = None
    scalar: bool = False

    def where(self):
        """'at sizes n=2, m=3, entry (1, 2)' (the point too when it was numeric; '' when nothing to say)."""
        parts = [f"at sizes {_sizes_text(self.sizes)}"] if self.sizes else []
        if not self.scalar:
            parts.append(f"entry ({', '.join(map(str, self.entry))})")
        if self.point:
            point = ", ".join(f"{k} = {_rounded(v)}" for k, v in self.point.items())
            parts.append(f"the point {point}" if len(point) <= 120 else "a random point (in to_data())")
        return ", ".join(parts)

    def text(self):
        """One line of text."""
        return f"{self.where()}: the claim gives {self.claimed}, the derivative is {self.true}".lstrip(": ")

    __str__ = text

    def latex(self):
        """LaTeX text."""
        got = f"${self.claimed_latex}$" if self.claimed_latex else latex_words(self.claimed)
        want = f"${self.true_latex}$" if self.true_latex else latex_words(self.true)
        return f"{latex_words(self.where())}: the claim gives {got}, the derivative is {want}".lstrip(": ")

    def markdown(self):
        """Markdown."""
        got = f"${self.claimed_latex}$" if self.claimed_latex else f"`{self.claimed}`"
        want = f"${self.true_latex}$" if self.true_latex else f"`{self.true}`"
        return f"{self.where()}: the claim gives {got}, the derivative is {want}".lstrip(": ")

    def to_data(self):
        """JSON-ready data."""
        return {"sizes": self.sizes, "entry": list(self.entry), "claimed": self.claimed, "true": self.true,
                "point": self.point}


def _ascii(e):
    """An expression as ASCII text."""
    return to_text(e, ascii=True)


def _rounded(v):
    """A number or nested list of numbers to 4 significant digits, as text."""
    if isinstance(v, list):
        return "[" + ", ".join(_rounded(x) for x in v) + "]"
    return f"{v:.4g}"


class CheckReport:
    """The verdict on a claimed derivative: ok, diagnosis, the right result, a counterexample."""

    def __init__(self, ok, diagnoses, correct, counterexample, claim, f, wrt, layout, symmetric,
                 method, assumed=(), symbolic=None, vec=False):
        self.ok, self.diagnoses, self.correct = ok, list(diagnoses), correct
        self.counterexample, self.claim, self.f, self.wrt = counterexample, claim, f, wrt
        self.layout, self.symmetric, self.method = layout, symmetric, method
        self.assumed, self.symbolic, self.vec = list(assumed), symbolic, vec
        self.seconds = 0.0

    @property
    def diagnosis(self):
        """The main diagnosis."""
        return self.diagnoses[0]

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return f"<CheckReport {'right' if self.ok else 'wrong'} ({self.diagnosis.code}): {self.claim}>"

    def __str__(self):
        return self.text()

    def _answer(self):
        """The right answer as one formula: ∂f/∂x = … (Xᵀ = [..] for explicit matrices)."""
        if self.correct is None:
            return Sentence("symmat cannot derive it symbolically yet (the verdict comes from SymPy)")
        d = partial(self.wrt, self.vec)
        forms = ([self.symbolic] if self.symbolic is not None else []) + [self.correct]
        text = " = ".join([d.text] + [f.text() if hasattr(f, "body") else str(f) for f in forms])
        ascii = " = ".join([d.ascii] + [f.text(ascii=True) if hasattr(f, "body") else _ascii(f) for f in forms])
        latex = " = ".join([d.latex] + [f.latex() for f in forms])
        return Sentence(Math(text, latex, ascii))

    def headline(self):
        """✓ right / ✗ wrong with what the claim is or is not."""
        verdict = "is" if self.ok else "is not"
        return Sentence(self.claim, f" {verdict} ", partial(self.wrt, self.vec), f" ({self.layout} layout)")

    def text(self, ascii=False):
        """The verdict as plain text."""
        mark = ("right" if self.ok else "wrong") if ascii else ("✓ right" if self.ok else "✗ wrong")
        lines = [f"{mark}: {self.headline().text(ascii)}" + (f", decided {self.method}" if self.ok else "")]
        if not self.ok:
            lines.append(f"  diagnosis ({self.diagnosis.code}): {self.diagnosis.text(ascii)}")
            lines.append(f"  the right answer: {self._answer().text(ascii)}")
            if self.counterexample:
                lines.append(f"  counterexample: {self.counterexample.text()}")
            for d in self.diagnoses[1:]:
                lines.append(f"  also ({d.code}): {d.text(ascii)}")
        if self.assumed:
            lines.append(f"  (the claim only fits when {', '.join(self.assumed)}; it was judged at those sizes)")
        return "\n".join(lines)

    def markdown(self, steps=True):
        """Markdown notes: the verdict, the diagnosis, the right answer and its derivation."""
        mark = "✓ Right" if self.ok else "✗ Wrong"
        out = [f"**{mark}:** {self.headline().markdown()}" + (f", decided {self.method}." if self.ok else ".")]
        if not self.ok:
            out.append(f"\n*Diagnosis ({self.diagnosis.code}):* {self.diagnosis.sentence.markdown()}.")
            out += [f"\n*Also ({d.code}):* {d.sentence.markdown()}." for d in self.diagnoses[1:]]
            out.append(f"\nThe right answer: {self._answer().markdown()}")
            if self.counterexample:
                out.append(f"\nCounterexample: {self.counterexample.markdown()}.")
        if self.assumed:
            out.append(f"\n(The claim only fits when {', '.join(self.assumed)}; it was judged at those sizes.)")
        if steps and self.correct is not None:
            out.append("\n**Derivation**\n\n" + render_markdown(self.correct, steps=True))
        return "\n".join(out)

    def _repr_markdown_(self):
        """Jupyter: the verdict as Markdown (without the derivation)."""
        return self.markdown(steps=False)

    def latex(self, steps=True):
        """LaTeX (text with inline math, then the derivation) ready to paste into notes."""
        mark = "Right" if self.ok else "Wrong"
        out = [f"\\textbf{{{mark}.}} {self.headline().latex()}" + (f", decided {self.method}." if self.ok else ".")]
        if not self.ok:
            out.append(f"\\emph{{Diagnosis ({latex_words(self.diagnosis.code)}):}} {self.diagnosis.sentence.latex()}.")
            out += [f"\\emph{{Also ({latex_words(d.code)}):}} {d.sentence.latex()}." for d in self.diagnoses[1:]]
            out.append(f"The right answer: {self._answer().latex()}.")
            if self.counterexample:
                out.append(f"Counterexample: {self.counterexample.latex()}.")
        if steps and self.correct is not None:
            out.append(render_latex(self.correct, steps=True))
        return "\n\n".join(out)

    def to_data(self):
        """JSON-ready data."""
        return {"ok": self.ok, "verdict": "right" if self.ok else "wrong",
                "function": to_text(self.f), "wrt": self.wrt, "layout": self.layout,
                "symmetric_convention": self.symmetric, "claim": to_text(self.claim),
                "claim_latex": self.claim.latex(), "method": self.method,
                "diagnosis": self.diagnosis.to_data(), "diagnoses": [d.to_data() for d in self.diagnoses],
                "correct": to_data(self.correct) if self.correct is not None else None,
                "correct_symbolic": to_text(self.symbolic) if self.symbolic is not None else None,
                "counterexample": self.counterexample.to_data() if self.counterexample else None,
                "assumed": self.assumed, "seconds": round(self.seconds, 3)}


# ----------------------------------------------------------------- reading f and the claim together

class Texts:
    """The inputs of one check, as text: f, the claim, the where declarations."""

    def __init__(self, f, claim, where, limits):
        self.f, self.claim, self.where, self.limits = f, claim, where, limits


def _move(root, offset):
    """Shift the source spans of a raw tree by `offset` (the claim sits after f in the source)."""
    stack, seen = [root], set()
    while stack:
        r = stack.pop()
        if id(r) in seen:
            continue
        seen.add(id(r))
        r.start += offset
        r.end += offset
        stack.extend(r.args)


def read(texts, extra=None):
    """Fresh raw trees of f and the claim, their merged declarations and the joint source.

    The same steps as `parser.parse_with_info`, for two texts that share one
    declaration set (the raw trees are consumed by typing: each reading is fresh).
    """
    f_root, f_items = _parse(texts.f, "start")
    c_root, c_items = _parse(texts.claim, "start", " in the claim")
    if c_items:
        raise DeclarationError("the claim cannot declare anything: put declarations in where (--where)")
    _move(c_root, len(texts.f) + 1)
    decls, source = declarations(f_items), texts.f + "\n" + texts.claim
    for w in (texts.where, extra):
        if w and w.strip():
            items = _parse(w, "decls", " in the where declarations")
            _shift(items, len(source) + 1)
            source += "\n" + w
            decls = merge_declarations(decls, declarations(items))
    return split_postfix_names(f_root, decls), split_postfix_names(c_root, decls), decls, source


def type_claim(texts):
    """Type the claim on its own under f's declarations: bad input raises here."""
    _check_input(texts.claim, texts.limits, "claim")
    _, c_root, decls, source = read(texts)
    return typecheck([c_root], source, decls, texts.limits)[0]


def type_together(texts, extra=None):
    """(f, claim) typed under one declaration set and one unifier (ShapeError if they do not fit)."""
    f_root, c_root, decls, source = read(texts, extra)
    return typecheck([f_root, c_root], source, decls, texts.limits)


def explicit_free(texts, wrt):
    """f with its explicit matrices (X = [w x; y z]) read as plain matrix variables, or None."""
    f_root, _, decls, source = read(texts)
    plain = {n: d for n, d in decls.items()}
    changed = False
    for n, d in decls.items():
        if d.value is not None and d.value.op == "Matrix":
            plain[n] = Decl(kind="matrix", shape=tuple(d.value.params), props=d.props)
            changed = True
    if not changed:
        return None
    return typecheck([f_root], source, plain, texts.limits)[0]


# ----------------------------------------------------------------- sizes

_DIM_PARAMS = {E.Var: "shape1", E.Differential: "shape1", E.Identity: "dim0", E.Ones: "shape0",
               E.Zero: "shape0", E.Basis: "dim0", E.Commutation: "dims"}


def _sub_dim(d, mapping):
    """One dimension renamed."""
    if isinstance(d, tuple):
        return dim_mul(_sub_dim(d[1], mapping), _sub_dim(d[2], mapping))
    return mapping.get(d, d) if isinstance(d, str) else d


def _sub_params(e, mapping):
    """The params of a node with the dimensions in them renamed."""
    how, p = _DIM_PARAMS.get(type(e)), list(e.params)
    if how == "shape1":
        p[1] = tuple(_sub_dim(d, mapping) for d in p[1])
    elif how == "shape0":
        p[0] = tuple(_sub_dim(d, mapping) for d in p[0])
    elif how == "dim0":
        p[0] = _sub_dim(p[0], mapping)
    elif how == "dims":
        p = [_sub_dim(d, mapping) for d in p]
    return tuple(p)


def substitute_sizes(e, mapping):
    """`e` with its symbolic sizes renamed by `mapping` (name → dimension)."""
    memo = {}

    def go(x):
        """Rename inside x (memoised: shared subtrees once)."""
        if x not in memo:
            memo[x] = type(x)._make([go(a) for a in x.args], _sub_params(x, mapping))
        return memo[x]

    return go(e)


def size_names(*exprs):
    """The symbolic size names of expressions, in order of appearance."""
    return size_order(list(exprs))


def fit(claim, shape, known):
    """The claim with the sizes only it has (not in `known`) set to those of `shape`."""
    mapping = {}
    for c, t in zip(claim.shape, shape):
        if isinstance(c, str) and c not in known and t != 1:
            if mapping.setdefault(c, t) != t:
                return claim
    return substitute_sizes(claim, mapping) if mapping else claim


def expected_shape(f, X, layout):
    """The shape of the derivative of f by X in a layout (SPEC §2)."""
    if f.is_scalar:
        shape = X.shape
        return (shape[1], shape[0]) if layout == "numerator" and not X.is_scalar else shape
    if X.is_scalar:
        shape = f.shape
    else:
        shape = (dim_mul(*f.shape), dim_mul(*X.shape))
    return (shape[1], shape[0]) if layout == "denominator" else shape


def forced_sizes(general, joint):
    """The equalities among f's sizes that reading the claim imposed ('m = n'), as text."""
    mine = {v.name: v for v in general.variables()}
    groups = {}
    for v in joint.variables():
        g = mine.get(v.name)
        for a, b in zip(g.shape if g else (), v.shape):
            if isinstance(a, str):
                groups.setdefault(b, set()).add(a)
    out = []
    for b, names in groups.items():
        names = sorted(names)
        if isinstance(b, int):
            out.append(" = ".join(names + [str(b)]))
        elif len(names) > 1:
            out.append(" = ".join(names))
    return out


def second_sizes(first, max_size):
    """Another assignment of the same sizes: values reversed, or one more for a single size."""
    names = list(first)
    if not names:
        return None
    if len(names) == 1:
        v = first[names[0]]
        other = v + 1 if v + 1 <= max_size else v - 1
        return {names[0]: other} if other >= 2 and other != v else None
    values = [first[n] for n in names][::-1]
    second = dict(zip(names, values))
    return second if second != first else None


# ----------------------------------------------------------------- one setting at concrete sizes

class Setting:
    """f and the claim under one declaration set, with what the claim is checked against."""

    def __init__(self, f, claim, X, layout, convention, forced=()):
        self.f, self.claim, self.X = f, claim, X
        self.layout, self.convention, self.forced = layout, convention, list(forced)
        self.kind = "grad" if f.is_scalar else "derivative"
        self.expected = expected_shape(f, X, layout)


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


# ----------------------------------------------------------------- the checker

class Checker:
    """One check: reads the inputs, decides, diagnoses."""

    def __init__(self, texts, wrt, layout, convention, budget, max_size):
        self.texts, self.layout, self.convention = texts, layout, convention
        self.budget, self.max_size = budget, max_size
        self.general = parse_expression(texts.f, where=texts.where, limits=texts.limits)
        self.X = find_var(self.general, wrt)
        self.claim_alone = type_claim(texts)
        self.correct = self._derive(self.general)
        self.symbolic = self._symbolic()

    def _derive(self, f):
        """symmat's derivative of f, or None where it cannot derive it (SymPy then decides alone)."""
        try:
            return derive("derivative", f, self.X.name, layout=self.layout, symmetric=self.convention)
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
        shape = expected_shape(f, X, self.layout)
        claim = fit(claim, shape, set(size_names(f)))
        return Setting(f, claim, X, self.layout, self.convention, forced_sizes(self.general, f))

    def report(self, ok, diagnoses, method="", counterexample=None, claim=None, assumed=()):
        """A CheckReport for this check."""
        return CheckReport(ok, diagnoses, self.correct, counterexample, claim or self.claim_alone,
                           self.general, self.X.name, self.layout, self.convention, method,
                           assumed, self.symbolic, vectorised(self.general, self.X))

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
        return Diagnosis("right", Sentence("the claim is ", partial(self.X.name, vectorised(s.f, s.X)),
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
                and expected_shape(s.f, s.X, L) == s.claim.shape
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
            fits = [L for L in order if expected_shape(s.f, v, L) == s.claim.shape
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
        d = partial(s.X.name, vectorised(s.f, s.X))
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
                                            partial(s.X.name, vectorised(s.f, s.X)), f" is {fmt_shape(s.expected)} "
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
          timeout=None, max_size=None):
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
            report = Checker(texts, _one_name(wrt), layout, symmetric, budget, max_size).run()
    except _Expired:
        raise LimitError(f"checking took longer than the limit of {timeout:g} s "
                         f"(raise it with --verify-timeout)") from None
    report.seconds = time.monotonic() - start
    return report


__all__ = ["check", "CheckReport", "Diagnosis", "Counterexample", "ORDER"]
