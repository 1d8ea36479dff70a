"""The concrete instance a verification is made at: sizes, an entry symbol for
every entry of every variable (declared properties holding), the random
numeric points where SymPy cannot decide exactly (chosen inside the domain),
and the element-by-element table a teacher would write on the board."""

import numpy as np
import sympy

from ..errors import LimitError
from ..tree import expr as E
from ..tree.sizes import concrete_shape
from .expand import concrete_sizes, expand, symbol_env, variables_of

MAX_ENTRIES = 20_000     # the largest intermediate expanded into SymPy entries (nested ⊗ grow past any budget)


def refuse_huge(exprs, sizes):
    """A LimitError, before anything is expanded, when an intermediate would exceed MAX_ENTRIES."""
    for e in exprs:
        for node in e.walk():
            m, n = concrete_shape(node.shape, sizes)
            if m * n > MAX_ENTRIES:
                at = ", ".join(f"{k}={v}" for k, v in sizes.items()) or "the declared sizes"
                raise LimitError(f"verification would expand an intermediate of {m}×{n} entries at {at} "
                                 f"(at most {MAX_ENTRIES}); choose smaller sizes with --size")


class Instance:
    """The concrete instance: sizes, entry symbols, f expanded, the variable X."""

    def __init__(self, result, sizes, max_size):
        """Make `result`'s instance: concrete sizes, entry symbols, f expanded."""
        self.kind, self.layout = result.kind, result.layout
        self.convention = getattr(result, "symmetric", "sym")
        self.f, self.wrt = result.f, result.wrt
        exprs = [self.f, result.result, self.wrt]
        self.sizes = concrete_sizes(exprs, sizes, max_size)
        refuse_huge(exprs, self.sizes)
        self.variables = variables_of(exprs)
        self.env = symbol_env(self.variables, self.sizes)
        self.F = expand(self.f, self.env, self.sizes)
        self.X = self.env[self.wrt.name]
        self.exprs = exprs

    @property
    def symmetric(self):
        """True when X's entries a_ij = a_ji share a symbol."""
        return self.wrt.has("symmetric") and "diagonal" not in self.wrt.props

    def convention_note(self):
        """Which convention a result by a symmetric matrix is in, or None."""
        if not self.symmetric:
            return None
        return ("symmetric gradient sym(G)" if self.convention == "sym"
                else "entrywise derivative G + Gᵀ − G⊙I")

    def D(self, e, i, j):
        """The derivative of scalar sympy `e` by entry (i, j) of X, in the convention."""
        s = self.X[i, j]
        if not isinstance(s, sympy.Symbol):
            return sympy.S.Zero
        d = sympy.diff(e, s)
        if self.symmetric and self.convention == "sym" and i != j:
            d = d / 2
        return d

    def x_entries(self):
        """The entries (i, j) of X in column-major (vec) order."""
        rows, cols = self.X.shape
        return [(i, j) for j in range(cols) for i in range(rows)]

    def numeric_only(self):
        """True when a property of the instance is not written in its symbols."""
        return any("orthogonal" in v.props for v in self.variables)



# ----------------------------------------------------------------- sample points

POSITIVE_FUNCTIONS = {"log", "sqrt"}


def _needs(inst):
    """(positive entries?, invertible square matrices?) for the expressions."""
    positive = invertible = False
    for root in inst.exprs:
        for n in root.walk():
            if isinstance(n, E.Apply) and n.fn in POSITIVE_FUNCTIONS or isinstance(n, E.LogDet):
                positive = True
            if isinstance(n, (E.Power, E.HadPow)) and n.params[0].denominator != 1:
                positive = True
            if isinstance(n, (E.Inverse, E.Det, E.LogDet)) or isinstance(n, E.Power) and n.params[0] < 0:
                invertible = True
    return positive, invertible


def sample_point(inst, rng):
    """Random numeric values for every entry symbol (dict Symbol → float)."""
    positive, invertible = _needs(inst)
    values = {}
    for var in inst.variables:
        m = inst.env[var.name]
        a = _sample_matrix(var, m.shape, rng, positive, invertible)
        for i in range(m.rows):
            for j in range(m.cols):
                if isinstance(m[i, j], sympy.Symbol):
                    values[m[i, j]] = float(a[i, j])
    return values


def _sample_matrix(var, shape, rng, positive, invertible):
    """A random value for one variable, in the domain its properties and the expressions need."""
    rows, cols = shape
    if "orthogonal" in var.props:
        q, r = np.linalg.qr(rng.normal(size=shape))
        return q * np.sign(np.diag(r))
    if var.has("spd"):
        b = rng.uniform(-1, 1, size=shape)
        return b @ b.T + rows * np.eye(rows)
    a = rng.uniform(0.5, 1.5, size=shape)
    if not positive:
        a *= rng.choice([-1.0, 1.0], size=shape)
    if var.has("symmetric"):
        a = np.triu(a) + np.triu(a, 1).T
    if rows == cols and rows > 1 and (invertible or var.has("invertible")):
        a = a + 2 * rows * np.eye(rows)
    return a



# ----------------------------------------------------------------- element table

def element_table(inst, budget):
    """The expansion of f and the rows (label, value) a teacher writes on the board."""
    labels, values = [], []
    for lab, lat, val in _table_rows(inst, budget):
        labels.append((lab, str(val)))
        values.append((lat, sympy.latex(val)))
    f = inst.F[0, 0] if inst.F.shape == (1, 1) else inst.F
    return str(f), labels, values


def _distinct_x(inst):
    """X's entry symbols, row by row, each once."""
    out = []
    for i in range(inst.X.rows):
        for j in range(inst.X.cols):
            s = inst.X[i, j]
            if isinstance(s, sympy.Symbol) and s not in out:
                out.append(s)
    return out


def _table_rows(inst, budget):
    """(text label, LaTeX label, derivative) for each row of the table."""
    xs = _distinct_x(inst)
    if inst.kind == "hessian":
        f = inst.F[0, 0]
        for a in xs:
            for b in xs:
                budget.check()
                yield (f"∂²f/∂{a}∂{b}", f"\\frac{{\\partial^2 f}}{{\\partial {sympy.latex(a)}\\,"
                       f"\\partial {sympy.latex(b)}}}", sympy.diff(f, a, b))
        return
    for label, latex, y in _f_entries(inst):
        for s in xs:
            budget.check()
            yield (f"∂{label}/∂{s}", f"\\frac{{\\partial {latex}}}{{\\partial {sympy.latex(s)}}}",
                   sympy.diff(y, s))


def _f_entries(inst):
    """(label, LaTeX label, entry) for each entry of f."""
    F = inst.F
    if F.shape == (1, 1):
        return [("f", "f", F[0, 0])]
    if F.cols == 1 or F.rows == 1:
        return [(f"f_{k + 1}", f"f_{{{k + 1}}}", y) for k, y in enumerate(F)]
    return [(f"f_{i + 1}{j + 1}", f"f_{{{i + 1}{j + 1}}}", F[i, j])
            for i in range(F.rows) for j in range(F.cols)]
