"""The verification report: what was compared, how (exactly or at numeric
points, with the tolerance), the first mismatch, and the element table."""

from dataclasses import dataclass, field

from ..printing.notebook import verification_latex, verification_markdown
from ..printing.notes import latex_words


@dataclass
class Mismatch:
    """The first failing entry: 1-based index in the result, both values."""

    index: tuple
    expected: str
    got: str
    reason: str = "value"          # 'value', 'shape' or 'undecided'
    point: dict = None             # the numeric point (name → nested list), if numeric
    scalar: bool = False           # True when the result is 1×1 (no index worth naming)

    def __str__(self):
        """The mismatch in words."""
        if self.reason == "shape":
            return f"the result is {self.got} but the derivative is {self.expected}"
        if self.reason == "undecided":
            return "no point could be found where both sides are defined"
        at = "the value" if self.scalar else f"entry {self.index}"
        return f"{at}: expected {self.expected}, the closed form gives {self.got}"


@dataclass
class Report:
    """Outcome of a verification: verdict, method, instance, table."""

    ok: bool
    method: str
    sizes: dict
    mismatch: Mismatch = None
    table: list = None
    kind: str = "grad"
    wrt: str = ""
    convention: str = None
    expansion: str = None
    seconds: float = 0.0
    table_latex: list = field(default=None, repr=False)

    def _where(self):
        """The instance, for the verdict line."""
        sizes = ", ".join(f"{k}={v}" for k, v in self.sizes.items())
        conv = f"; {self.convention}" if self.convention else ""
        return f" (sizes {sizes}{conv})" if sizes else (f" ({self.convention})" if conv else "")

    def __str__(self):
        """A one-line verdict."""
        if self.ok:
            how = "exactly" if self.method == "exact" else self.method
            return f"verified {how}: the closed form agrees with the element-wise expansion{self._where()}"
        if self.mismatch is not None and self.mismatch.reason == "undecided":
            return f"not verified: {self.mismatch}{self._where()}"
        return f"wrong: {self.mismatch}{self._where()}"

    def __bool__(self):
        """A report is truthy when the check passed."""
        return self.ok

    def text(self):
        """The verdict, the expansion and the element table as plain text."""
        lines = [str(self)]
        if self.expansion:
            lines.append(f"  f = {self.expansion}")
        lines += [f"  {label} = {value}" for label, value in self.table or []]
        return "\n".join(lines)

    def latex(self):
        """The verdict and the element table as LaTeX."""
        out = f"\\text{{{latex_words(str(self))}}}"
        rows = [f"{a} &= {b}" for a, b in self.table_latex or []]
        if rows:
            out += "\n\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"
        return out

    def markdown(self):
        """The verdict and the element table as Markdown (math in $…$)."""
        mark = "✓" if self.ok else "✗"
        out = f"**{mark} {str(self)}**"
        if self.table_latex:
            out += "\n\n| entry | value |\n| --- | --- |\n"
            out += "\n".join(f"| ${a}$ | ${b}$ |" for a, b in self.table_latex)
        return out

    def _repr_markdown_(self):
        return verification_markdown(self)

    def _repr_latex_(self):
        return verification_latex(self)
