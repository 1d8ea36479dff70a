"""What a derivation returns: `Derivative` (the closed form, its layout and
convention, its steps) and `Step` (one line of the derivation).

These are plain records. They are filled by `pipeline`; they print through
`printing` (loaded on first display, so that deriving needs no printer) and
evaluate through `numeric` (NumPy, loaded only when a number is asked for).
"""

import re
import _thread   # threading's locks, without importing threading (~1 ms of a cold grad)

from .tree import expr as E
from .tree.names import shown, speaks
from .tree.shapes import fmt_shape
from .tree.walk import replace


class Sym:
    """A symbol that is not an expression, by what it means; printed by `printing.steps`.

    kind: "value" (f, F), "d" (df, dF, d vec(F), d(∇f)), "partial" (∂f/∂x,
    ∂vec(F)/∂vec(X)), "grad" (∇f), "hess" (∂²f/∂x∂xᵀ); `vec_f`/`vec_x` say
    whether f or x is vectorised in it.
    """

    def __init__(self, kind, f="f", x=None, vec_f=False, vec_x=False):
        self.kind, self.f, self.x, self.vec_f, self.vec_x = kind, f, x, vec_f, vec_x

    def key(self):
        """What the symbol is, as a tuple (equal symbols have equal keys)."""
        return (self.kind, self.f, self.x, self.vec_f, self.vec_x)

    def __eq__(self, other):
        return isinstance(other, Sym) and other.key() == self.key()

    def __hash__(self):
        return hash(self.key())

    def text(self, ascii=False):
        """The symbol as text."""
        from .printing.steps import sym_text  # the printers load on first display
        return sym_text(self, ascii)

    def latex(self):
        """The symbol as LaTeX."""
        from .printing.steps import sym_latex  # the printers load on first display
        return sym_latex(self)

    def __repr__(self):
        return f"Sym({self.text()!r})"


class Formula:
    """A right-hand side that is not one expression: words, index notation and Exprs in a row."""

    def __init__(self, parts):
        self.parts = list(parts)

    def text(self, ascii=False):
        """As text."""
        from .printing.text import to_text  # the printers load on first display
        return "".join(p if isinstance(p, str) else to_text(p, ascii=ascii) for p in self.parts)

    def latex(self):
        """As LaTeX."""
        from .printing.latex import text_to_latex, to_latex  # the printers load on first display
        out = []
        for p in self.parts:
            if isinstance(p, E.Expr):
                out.append(to_latex(p))
            else:
                p = re.sub(r"Σ_(\w+)", r"\\sum_{\1}", p)
                p = re.sub(r"([A-Za-zδσ0-9]+?)_([a-z]+)", lambda m: f"{m.group(1)}_{{{m.group(2)}}}", p)
                out.append(text_to_latex(p.replace("δ", "\\delta ")))
        return "".join(out)


class Step:
    """One line of a derivation: `lhs = rhs`, an equality that holds, with the rule that justifies it.

    `lhs` is a Sym (f, df, ∂f/∂x), an Expr (a named part h), or None for a
    line that continues the one before (`= …`). `rule` names the identity
    used (the generic identity itself is kept in `identities`, an
    annotation, never a line); `eq` is its Matrix Cookbook equation; `implies`
    marks a line read off the one before (⇒ ∂f/∂x = G).
    """

    def __init__(self, lhs, rhs, rule="", eq=None, implies=False, identities=()):
        self.lhs, self.rhs, self.rule, self.eq = lhs, rhs, rule, eq
        self.implies, self.identities = implies, list(identities)

    def annotation(self):
        """The rule with its Matrix Cookbook equation: 'product rule, Matrix Cookbook eq. 37'."""
        if self.rule and self.eq:
            return f"{self.rule}; Matrix Cookbook eq. {self.eq}"
        return self.rule

    def lhs_text(self, ascii=False):
        """The left-hand side as text ('' for a continued line)."""
        from .printing.text import to_text  # the printers load on first display
        if self.lhs is None:
            return ""
        return to_text(self.lhs, ascii=ascii) if isinstance(self.lhs, E.Expr) else self.lhs.text(ascii)

    def lhs_latex(self):
        """The left-hand side as LaTeX ('' for a continued line)."""
        from .printing.latex import to_latex  # the printers load on first display
        if self.lhs is None:
            return ""
        return to_latex(self.lhs) if isinstance(self.lhs, E.Expr) else self.lhs.latex()

    def rhs_text(self, ascii=False):
        """The right-hand side as text."""
        from .printing.text import to_text  # the printers load on first display
        return to_text(self.rhs, ascii=ascii) if isinstance(self.rhs, E.Expr) else self.rhs.text(ascii)

    def rhs_latex(self):
        """The right-hand side as LaTeX."""
        from .printing.latex import to_latex  # the printers load on first display
        return to_latex(self.rhs) if isinstance(self.rhs, E.Expr) else self.rhs.latex()

    def formula(self, ascii=False):
        """The equality as text: 'df = dxᵀ A x + xᵀ A dx' ('= …' for a continued line)."""
        arrow = ("=> " if ascii else "⇒ ") if self.implies else ""
        lhs = self.lhs_text(ascii)
        return f"{arrow}{lhs + ' ' if lhs else ''}= {self.rhs_text(ascii)}"

    def text(self, ascii=False):
        """The line as plain text, its rule in parentheses after it."""
        note = self.annotation()
        return self.formula(ascii) + (f"   ({note})" if note else "")

    def latex(self):
        """The line as LaTeX (the rule goes in \\text{})."""
        from .printing.notes import latex_words  # the printers load on first display
        arrow = "\\Rightarrow " if self.implies else ""
        body = f"{arrow}{self.lhs_latex()} = {self.rhs_latex()}".strip()
        note = self.annotation()
        return body + (f" \\quad \\text{{({latex_words(note)})}}" if note else "")

    def to_data(self):
        """JSON-ready: lhs, rhs (text and LaTeX), rule, Cookbook equation, identities."""
        return {"lhs": self.lhs_text(), "rhs": self.rhs_text(), "lhs_latex": self.lhs_latex(),
                "rhs_latex": self.rhs_latex(), "rule": self.rule, "eq": self.eq, "implies": self.implies,
                "identities": self.identities, "text": self.text(), "latex": self.latex()}

    def __repr__(self):
        return f"Step({self.text()!r})"

    def renamed(self, names):
        """The line with named subexpressions (h = σ(…)) written by their names."""
        def ren(p):
            return replace(p, names) if isinstance(p, E.Expr) else p
        return Step(ren(self.lhs), ren(self.rhs), self.rule, self.eq, self.implies, self.identities)


class Later:
    """Lines of a derivation written on first display: `make()` returns them (a list of `Step`s).

    The lines that only show the way (df simplified, the factors moved) cost a
    derivation a third of its time and are read only when the derivation is
    printed; a `Later` stands in the chain for them until `Derivative.steps` is
    first read. It has no left-hand side, so searches for the last named line
    pass over it; the lines it stands for must not be named lines that such a
    search should find (the ⇒ ∂f/∂X line stays out of it).
    """

    lhs = None

    def __init__(self, make):
        self._make, self._lines, self._lock = make, None, _thread.allocate_lock()

    def lines(self):
        """The lines, made once."""
        with self._lock:
            if self._lines is None:
                self._lines, self._make = list(self._make()), None
            return self._lines

    def renamed(self, names):
        """The lines with named subexpressions written by their names (on display too)."""
        return Later(lambda: [s.renamed(names) for s in self.lines()])


def written(steps):
    """The chain with every `Later` replaced by its lines."""
    if not any(isinstance(s, Later) for s in steps):
        return steps
    out = []
    for s in steps:
        out.extend(s.lines() if isinstance(s, Later) else [s])
    return out


_HELD = _thread.RLock()   # one writer of held-back notes at a time (writing is rare and short)


class Displayed:
    """Jupyter display of a derivative or of several (rendered math, names as typed)."""

    @speaks
    def _repr_latex_(self):
        from .printing.notebook import derivative_latex  # the printers load on first display
        return derivative_latex(self)

    @speaks
    def _repr_markdown_(self):
        from .printing.notebook import derivative_markdown  # the printers load on first display
        return derivative_markdown(self)


class Derivative(Displayed):
    """A derivative: the closed form, its layout and convention, its derivation."""

    def __init__(self, kind, f, wrt, result, layout, symmetric, steps, notes=()):
        self.kind, self.f, self.wrt, self.result = kind, f, wrt, result
        self.layout, self.symmetric, self._steps = layout, symmetric, steps
        self._held, self._writing = [], False   # functions that write what is said on first reading (`hold`)
        self.notes = list(notes)
        self.bindings, self.body = [], result   # named shared parts (h = σ(…)): set by `explain.name`
        self.symbol = self.symbol_latex = None  # ∂vec(F)/∂vec(X) and the like: set by `explain.describe`
        self.vectorised, self.index_formula, self.slices = False, None, None
        self.spellings = {}   # canonical name → as the user first typed it (tree.names): set by `pipeline`

    @property
    def steps(self):
        """The lines of the derivation (those held back as `Later` written now, once)."""
        steps = written(self._steps)
        if steps is not self._steps:
            self._steps = steps
        return steps

    @steps.setter
    def steps(self, steps):
        self._steps = steps

    def rename_steps(self, first, names):
        """Steps after the first written with `names` (a part → its name's Var), `first` lines before them,
        without writing the held-back lines."""
        steps = self._steps
        self._steps = [steps[0]] + list(first) + [Later(lambda: written([s.renamed(names) for s in steps[1:]]))]

    def hold(self, write):
        """Run `write()` when the notes, the index formula or the slices are first read, not now.

        What is said beside a derivative with four indices (its index form, its slices) costs
        a third of deriving it; `write` sets them as it would have at once (it appends to
        `notes`, sets `index_formula` and `slices`).
        """
        self._held.append(write)

    def _written(self):
        if self._held:
            with _HELD:   # another thread reading waits for the whole; this one, inside a write, goes on
                if self._writing:
                    return
                self._writing = True
                try:
                    while self._held:
                        self._held.pop(0)()
                finally:
                    self._writing = False

    def _said(name):   # noqa: N805 - a property factory used in the class body
        def get(self):
            self._written()
            return self.__dict__[name]

        def put(self, value):
            self.__dict__[name] = value
        return property(get, put, doc=f"{name.lstrip('_')} (what is held back written first)")

    notes = _said("_notes")
    index_formula = _said("_index_formula")
    slices = _said("_slices")
    del _said

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
            out += " where " + ", ".join(f"{to_text(E.Var(n, v.shape), ascii=ascii)} = {to_text(v, ascii=ascii)}"
                                         for n, v in self.bindings)
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
        """Source of a NumPy function computing the result (arguments: every variable of f, in order)."""
        from .codegen import derivative_source  # code generation only on request
        return derivative_source(self, "numpy", name)

    def to_jax(self, name=None):
        """Source of a JAX function computing the result (jittable)."""
        from .codegen import derivative_source  # code generation only on request
        return derivative_source(self, "jax", name)

    def to_torch(self, name=None):
        """Source of a PyTorch function computing the result."""
        from .codegen import derivative_source  # code generation only on request
        return derivative_source(self, "torch", name)

    def compile(self, backend="numpy"):
        """A callable computing the result: fn(**values) in evaluate's shape (see symmat.codegen)."""
        from .codegen import compile_derivative  # code generation (and its backend) only on request
        return compile_derivative(self, backend)

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


class DerivativeSet(Displayed, list):
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
