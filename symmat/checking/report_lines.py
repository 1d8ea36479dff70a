"""The verdict on a derivation, line by line, as a reader sees it.

`LineVerdict` is one step (its line number as it stands in the text, from 1,
what it is, whether it follows from the line before, and if not the slips
that explain it and a counterexample). `DerivationReport` gathers them with
the verdict on the final answer: `.ok`, `.first_wrong` (a line number or
None), `.lines`, `.diagnosis`, rendered to text, Markdown, LaTeX and JSON.
Nothing here decides: `derivation` and `numbers` fill these records.
"""

import json
from dataclasses import dataclass, field

from ..printing.latex import to_latex
from ..printing.steps import latex_words
from ..printing.text import to_text


@dataclass
class Slip:
    """A diagnosis of a line: a code (as `check` names them, plus 'term') and a sentence."""

    code: str
    sentence: str
    data: dict = field(default_factory=dict)

    def text(self, ascii=False):
        return self.sentence

    def __str__(self):
        return f"{self.code}: {self.sentence}"

    def to_data(self):
        return {"code": self.code, "text": self.sentence, **self.data}


class LineVerdict:
    """One step of a derivation and whether it follows from the one before."""

    def __init__(self, seg, expr, ok, note="", kind=None, against=None):
        self.number, self.lhs, self.source = seg.number, seg.lhs, seg.rhs
        self.expr, self.ok, self.note, self.kind = expr, ok, note, kind or seg.kind
        self.against = against          # the line it was judged against (0: f itself)
        self.slips, self.counterexample = [], None

    @property
    def diagnosis(self):
        return self.slips[0] if self.slips else None

    def formula(self, ascii=False):
        left = self.lhs if self.lhs else ""
        return f"{left} = {to_text(self.expr, ascii=ascii)}".strip()

    def reason(self):
        """Why the line is wrong, with the line it was judged against."""
        against = "f" if not self.against else f"line {self.against}"
        d = self.diagnosis
        return f"{d.sentence} (judged against {against})" if d else ""

    def where(self):
        c = self.counterexample
        if not c:
            return ""
        sizes = ", ".join(f"{k}={v}" for k, v in c["sizes"].items())
        point = ", ".join(f"{k} = {v}" for k, v in c.get("values", {}).items())
        at = f"at the random point {point}" if point and len(point) <= 160 else "at a random point (in the JSON)"
        return (f"counterexample{' at ' + sizes if sizes else ''}, {at}: this line gives {c['got']}, "
                f"the line before gives {c['want']}")

    def to_data(self):
        return {"line": self.number, "lhs": self.lhs, "rhs": to_text(self.expr), "rhs_latex": to_latex(self.expr),
                "kind": self.kind, "ok": self.ok, "against": self.against,
                "diagnosis": self.diagnosis.to_data() if self.diagnosis else None,
                "diagnoses": [s.to_data() for s in self.slips], "counterexample": self.counterexample}


class DerivationReport:
    """The verdict on a whole derivation."""

    def __init__(self, f, X, layout, lines, final):
        self.f, self.X, self.layout, self.lines, self.final = f, X, layout, lines, final
        wrong = [v for v in lines if not v.ok]
        self.first_wrong = wrong[0].number if wrong else None
        answer_ok = bool(final and final["ok"])
        self.ok = not wrong and answer_ok
        self.answer_ok = answer_ok

    def __bool__(self):
        return self.ok

    @property
    def diagnosis(self):
        """The diagnosis of the first wrong line (else of the answer; None when all is right)."""
        for v in self.lines:
            if not v.ok:
                return v.diagnosis
        if self.final is None:
            return Slip("incomplete", "the derivation ends without an answer line (∂f/∂x = …)")
        return self.final["slips"][0] if self.final["slips"] else None

    def _answer_line(self, ascii=False):
        if self.final is None:
            return "no answer line (∂f/∂x = …): the derivation is incomplete"
        right = to_text(self.final["correct"], ascii=ascii)
        if self.final["ok"]:
            return f"the answer (line {self.final['line']}) is right"
        slip = self.final["slips"][0].sentence if self.final["slips"] else "wrong"
        return f"the answer (line {self.final['line']}) is wrong: {slip}; the right answer is {right}"

    def text(self, ascii=False):
        """Plain text: the verdict, then each line with ✓ or ✗."""
        ok, bad = ("ok", "WRONG") if ascii else ("✓", "✗")
        head = "right: every line follows and the answer is right" if self.ok else \
            f"wrong: first wrong line {self.first_wrong}" if self.first_wrong else "wrong"
        out = [head]
        for v in self.lines:
            out.append(f"  {v.number:>2} {ok if v.ok else bad} {v.formula(ascii)}")
            if not v.ok:
                out.append(f"       {v.reason()}")
                if v.where():
                    out.append(f"       {v.where()}")
        out.append("  " + self._answer_line(ascii))
        text = "\n".join(out)
        return text if not ascii else text.encode("ascii", "backslashreplace").decode("ascii")

    __str__ = text

    def markdown(self):
        """Markdown: a table of lines with their verdicts."""
        head = "**✓ Right:** every line follows and the answer is right." if self.ok else \
            f"**✗ Wrong:** the first wrong line is line {self.first_wrong}." if self.first_wrong else "**✗ Wrong.**"
        rows = ["| line | step | verdict |", "| --- | --- | --- |"]
        for v in self.lines:
            verdict = "✓" if v.ok else "✗ " + v.reason().replace("|", "\\|")
            rows.append(f"| {v.number} | ${_lhs_latex(v)} = {to_latex(v.expr)}$ | {verdict} |")
        return "\n".join([head, "", *rows, "", self._answer_line()]) + "\n"

    def latex(self):
        """LaTeX: the lines in an align*, each marked, then the verdict in words."""
        rows = []
        for v in self.lines:
            mark = "\\checkmark" if v.ok else "\\times"
            note = "" if v.ok else f"\\ \\text{{{latex_words(v.reason())}}}"
            rows.append(f"  {_lhs_latex(v)} &= {to_latex(v.expr)} && ({v.number})\\ {mark}{note} \\\\")
        if rows:
            rows[-1] = rows[-1][:-3]
        head = "Right." if self.ok else f"Wrong: the first wrong line is line {self.first_wrong}." \
            if self.first_wrong else "Wrong."
        return f"\\textbf{{{head}}}\n\\begin{{align*}}\n" + "\n".join(rows) + \
            f"\n\\end{{align*}}\n{latex_words(self._answer_line())}"

    def to_data(self):
        """JSON-ready data."""
        d = self.diagnosis
        return {"ok": self.ok, "first_wrong": self.first_wrong, "function": to_text(self.f), "wrt": self.X.name,
                "layout": self.layout, "diagnosis": d.to_data() if d else None,
                "lines": [v.to_data() for v in self.lines],
                "answer": None if self.final is None else {
                    "ok": self.final["ok"], "line": self.final["line"], "correct": to_text(self.final["correct"]),
                    "diagnoses": [s.to_data() for s in self.final["slips"]],
                    "counterexample": self.final["counterexample"]}}

    def json(self):
        return json.dumps(self.to_data(), ensure_ascii=False, indent=2)

    def _repr_markdown_(self):
        return self.markdown()

    def __repr__(self):
        return f"<DerivationReport {'right' if self.ok else 'wrong'}, first wrong line {self.first_wrong}>"


def _lhs_latex(v):
    """A step's left side as LaTeX (as the student wrote it, made safe)."""
    if not v.lhs:
        return ""
    if any(c in v.lhs for c in "\\{}"):
        return v.lhs
    return v.lhs.replace("∂", "\\partial ").replace("∇", "\\nabla ").replace("ᵀ", "^{\\top}")
