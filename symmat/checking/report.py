"""The verdict of a check, as a reader sees it (SPEC §5): sentences that mix words and
formulas, a `Diagnosis` (a code from `ORDER` and a sentence), a `Counterexample`
(sizes, entry, both values) and the `CheckReport`, each rendering to text,
Markdown, LaTeX and JSON. Nothing here decides: `checker` fills these records.
"""

from dataclasses import dataclass, field

from ..pipeline import LAYOUTS
from ..printing.latex import name as latex_name
from ..printing.notebook import check_markdown
from ..printing.notes import latex_words, render_latex, render_markdown, to_data
from ..printing.text import to_text
from ..tree import expr as E
from ..tree.names import speaks

ORDER = ("right", "layout", "transpose", "convention", "other_variable", "symmetric", "sign",
         "factor", "misplaced", "dependence", "shape", "undecided", "wrong")
TITLES = {"right": "right", "layout": "layout mix-up", "transpose": "transposed",
          "convention": "other convention", "other_variable": "another variable",
          "symmetric": "right only if symmetric", "sign": "off by sign",
          "factor": "off by a constant factor", "misplaced": "misplaced entries",
          "dependence": "impossible dependence", "shape": "wrong shape",
          "undecided": "undecided", "wrong": "wrong"}


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
    """∂f/∂x (or ∂vec(F)/∂vec(X), or ∂²f/∂x∂xᵀ when `vec` is "hessian") as a Math part."""
    if vec == "hessian":
        return Math(f"∂²f/∂{wrt}∂{wrt}ᵀ", f"\\frac{{\\partial^2 f}}{{\\partial {latex_name(wrt)}\\,"
                    f"\\partial {latex_name(wrt)}^{{\\top}}}}", f"d^2f/d{wrt}d{wrt}^T")
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

    @speaks   # names as the user typed them (tree.names)
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

    @speaks   # names as the user typed them (tree.names)
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
        return check_markdown(self)

    @speaks   # names as the user typed them (tree.names)
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

    @speaks   # names as the user typed them (tree.names)
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


