"""What a derivation returns: `Derivative` (the closed form, its layout and
convention, its steps) and `Step` (one line of the derivation).

These are plain records. They are filled by `pipeline`; they print through
`printing` (loaded on first display, so that deriving needs no printer) and
evaluate through `numeric` (NumPy, loaded only when a number is asked for).
"""

from .tree import expr as E
from .tree.names import shown, speaks
from .tree.shapes import fmt_shape
from .tree.walk import replace


class Step:
    """One step of a derivation: the rule used and a formula (text parts and Exprs)."""

    def __init__(self, rule, *parts):
        self.rule, self.parts = rule, parts

    def text(self, ascii=False):
        """The step as plain text."""
        from .printing.text import to_text  # the printers load on first display
        body = "".join(p if isinstance(p, str) else to_text(p, ascii=ascii) for p in self.parts)
        return f"{self.rule}: {body}" if self.rule else body

    def latex(self):
        """The step as LaTeX (the formula; the rule goes in \\text{})."""
        from .printing.latex import text_to_latex, to_latex  # the printers load on first display
        body = "".join(text_to_latex(p) if isinstance(p, str) else to_latex(p) for p in self.parts)
        return body + (f" \\quad \\text{{({self.rule})}}" if self.rule else "")

    def __repr__(self):
        return f"Step({self.rule!r}, {self.text()!r})"

    def renamed(self, names):
        """The step with named subexpressions (h = σ(…)) written by their names."""
        return Step(self.rule, *[p if isinstance(p, str) else replace(p, names) for p in self.parts])


class Derivative:
    """A derivative: the closed form, its layout and convention, its derivation."""

    def __init__(self, kind, f, wrt, result, layout, symmetric, steps, notes=()):
        self.kind, self.f, self.wrt, self.result = kind, f, wrt, result
        self.layout, self.symmetric, self.steps = layout, symmetric, steps
        self.notes = list(notes)
        self.bindings, self.body = [], result   # named shared parts (h = σ(…)): set by `explain.name`
        self.symbol = self.symbol_latex = None  # ∂vec(F)/∂vec(X) and the like: set by `explain.describe`
        self.vectorised, self.index_formula, self.slices = False, None, None
        self.spellings = {}   # canonical name → as the user first typed it (tree.names): set by `pipeline`

    @property
    def shape(self):
        """The symbolic shape of the result."""
        return self.result.shape

    def __str__(self):
        return self.text()

    @speaks
    def text(self, ascii=False):
        """The result as text, with named subexpressions after `where`."""
        from .printing.text import to_text  # the printers load on first display
        out = to_text(self.body, ascii=ascii)
        if self.bindings:
            out += " where " + ", ".join(f"{n} = {to_text(v, ascii=ascii)}" for n, v in self.bindings)
        return out

    @speaks
    def latex(self):
        """The result as LaTeX."""
        from .printing.latex import to_latex  # the printers load on first display
        out = to_latex(self.body)
        if self.bindings:
            out += ", \\quad " + ", ".join(f"{to_latex(E.Var(n, v.shape))} = {to_latex(v)}"
                                         for n, v in self.bindings)
        return out

    def _repr_latex_(self):
        return f"$${self.latex()}$$"

    @speaks
    def _repr_markdown_(self):
        from .printing.notes import render_markdown  # the printers load on first display
        return render_markdown(self, steps=True, fold=True)

    def to_sympy(self):
        """The closed form as a SymPy matrix expression (MatrixSymbol, Transpose, Inverse, …)."""
        from .proof.to_sympy import to_sympy  # SymPy: heavy, only on request
        return to_sympy(self.result)

    @speaks
    def evaluate(self, values):
        """NumPy value of the result at `values` (sizes fixed by the function's variables too)."""
        from .numeric.evaluate import bind, evaluate  # NumPy: heavy, only on request
        sizes = bind(self.f, values).sizes
        return evaluate(self.result, {**sizes, **values})

    def to_numpy(self, name=None):
        """Python source of a NumPy function computing the result."""
        from .printing.numpy_src import to_numpy  # code generation only on request
        return to_numpy(self.result, name=name or f"d_{self.wrt.name}")

    @speaks
    def heading(self):
        """What this is: ∂f/∂X, the layout, the shape, the convention."""
        what = {"grad": "gradient", "jacobian": "Jacobian", "hessian": "Hessian",
                "derivative": "derivative"}[self.kind]
        x = shown(self.wrt.name)
        head = f"{what} by {x}, {self.layout} layout, {fmt_shape(self.shape)}"
        if self.wrt.has("diagonal") and not self.wrt.is_scalar:
            head += f"; diagonal {x}: derivative by its diagonal entries (zero off the diagonal)"
        elif self.wrt.has("symmetric"):
            head += ("; symmetric " + x + ": gradient in the space of symmetric matrices"
                     if self.symmetric == "sym" else "; symmetric " + x +
                     ": derivative by each distinct entry")
        return head

    @speaks
    def __repr__(self):
        return f"<Derivative {self.heading()}: {self.text()}>"


class DerivativeSet(list):
    """Several derivatives of one function (one per variable)."""

    @property
    def spellings(self):
        """The names as typed (those of the first derivative: all share one function)."""
        return self[0].spellings if self else {}

    @speaks
    def text(self, ascii=False):
        """One line per variable, and the gradient vector when all are scalars."""
        lines = [f"∂f/∂{shown(r.wrt.name)} = {r.text(ascii=ascii)}" for r in self]
        if all(r.wrt.is_scalar for r in self) and len(self) > 1:
            from .printing.text import to_text  # the printers load on first display
            lines.append("∇f = [" + ", ".join(to_text(r.body, ascii=ascii) for r in self) + "]")
        return "\n".join(lines)

    __str__ = text

    @speaks
    def latex(self):
        """The derivatives as LaTeX lines."""
        from .printing.latex import name  # the printers load on first display
        return " \\\\\n".join(f"\\frac{{\\partial f}}{{\\partial {name(shown(r.wrt.name))}}} = {r.latex()}"
                                for r in self)
