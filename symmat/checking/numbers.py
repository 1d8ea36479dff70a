"""The numeric judge of a derivation's steps: is this line equal to what the line
before says, for all values of the variables and of dX, and if not, what slip
explains it.

Both sides of a step are functions of a point (values of every variable, of
dX, and the sizes). A point is drawn at two assignments of distinct concrete
sizes, twice each, inside the domains of the declarations (positive entries,
well-conditioned square matrices, symmetric where declared). Gradients are
compared in one form (a column, the shape of X; symmetrised for a symmetric
X, its diagonal for a diagonal X), so that `∇f = …`, `∂f/∂x = …` in numerator
layout and `df = gᵀ dx` can be set against each other. A linear form in dX is
read off entry by entry (dX = E_j): that is how an answer is compared with the
differential before it. Diagnoses are hypotheses tested at the same points.
"""

from fractions import Fraction

import numpy as np

from ..calculus.jacobian import piecewise_differential
from ..errors import SymmatError
from ..numeric.evaluate import evaluate
from ..pipeline import derive
from ..printing.text import to_text
from ..tree import expr as E
from ..tree.sizes import concrete_shape, concrete_sizes
from .inputs import second_sizes
from .report_lines import LineVerdict, Slip

ANSWERS = ("answer", "grad", "hess", "jac")
RTOL = 1e-6
MAX_SIZE = 1000   # declared sizes (X: 100x3) are used as they are; free ones are 2, 3, 4, …


def random_value(var, sizes, rng):
    """A NumPy value for `var` in the domain its properties describe (positive entries; square
    matrices well conditioned; symmetric, spd, diagonal, orthogonal as declared)."""
    m, n = concrete_shape(var.shape, sizes)
    a = rng.uniform(0.5, 1.5, size=(m, n))
    if m == n and m > 1:
        if var.has("orthogonal"):
            return np.linalg.qr(rng.normal(size=(m, m)))[0]
        if var.has("diagonal"):
            return np.diag(np.diag(a))
        if var.has("spd"):
            return a @ a.T + m * np.eye(m)
        if var.has("symmetric"):
            a = (a + a.T) / 2
        a = a + m * np.eye(m)
    return a


def terms(e):
    """The top-level terms of a sum (a difference's negated terms as Neg)."""
    if isinstance(e, E.Add):
        return [t for a in e.args for t in terms(a)]
    if isinstance(e, E.Neg) and isinstance(e.args[0], E.Add):
        return [E.Neg(t) for t in terms(e.args[0])]
    return [e]


class Side:
    """One side of a comparison: a function of a point, and (where there is one) its formula."""

    def __init__(self, fn, expr=None):
        self.fn, self.expr = fn, expr

    def __call__(self, point):
        return self.fn(point)


class Judge:
    """Decides the steps of one derivation of f by X."""

    def __init__(self, f, X):
        self.f, self.X = f, X
        self.exprs = [f, X]
        self.dname = "d" + X.name
        self.xshape = None

    # -- points
    def points(self):
        """Two points at each of two assignments of distinct concrete sizes."""
        first = concrete_sizes(self.exprs, None, MAX_SIZE)
        out = []
        for k, sizes in enumerate([first] + [s for s in [second_sizes(first, MAX_SIZE)] if s]):
            for seed in (1, 2):
                out.append(self.point(sizes, 97 * k + seed))
        return out

    def point(self, sizes, seed):
        """Values for every variable (and dX) at `sizes`."""
        rng = np.random.default_rng(seed)
        values = {}
        for e in self.exprs:
            for v in e.variables():
                if v.name not in values:
                    values[v.name] = random_value(v, sizes, rng)
        props = self.X.props & {"symmetric", "diagonal"}
        values[self.dname] = rng.normal(size=concrete_shape(self.X.shape, sizes))
        if "symmetric" in props:
            values[self.dname] = (values[self.dname] + values[self.dname].T) / 2
        if "diagonal" in props:
            values[self.dname] = np.diag(np.diag(values[self.dname]))
        values.update(sizes)
        return values

    def value(self, expr, point):
        """The 2-D value of an expression at a point."""
        out = np.asarray(evaluate(expr, _plain(point)), dtype=float)
        return out.reshape(concrete_shape(expr.shape, {k: v for k, v in point.items() if isinstance(v, int)}),
                           order="F") if out.ndim < 2 else out

    # -- forms
    def expr_side(self, expr):
        return Side(lambda p, e=expr: self.value(e, p), expr)

    def differential_side(self, expr):
        """The differential of `expr` by X (symmat's table of differentials), as a side."""
        df, _ = piecewise_differential(expr, self.X)
        if df is None:
            return Side(lambda p: np.zeros(self.value(expr, p).shape), E.Const(0))
        return self.expr_side(df)

    def read_off(self, side):
        """J with J[:, j] = vec(D(dX = E_j)): the linear map a differential side stands for."""
        def fn(p):
            X0 = np.asarray(p[self.dname])
            cols = []
            for j in range(X0.size):
                unit = np.zeros(X0.size)
                unit[j] = 1.0
                q = dict(p)
                q[self.dname] = unit.reshape(X0.shape, order="F")
                cols.append(np.asarray(side(q)).flatten(order="F"))
            return np.array(cols).T
        return fn

    def as_gradient(self, J, p):
        """A scalar's read-off row as the gradient (shape of X)."""
        return self.project(J.reshape(np.asarray(p[self.dname]).shape, order="F"))

    def project(self, G):
        """The gradient in the space X lives in: symmetrised, or its diagonal."""
        if self.X.has("diagonal") and not self.X.is_scalar:
            return np.diag(np.diag(G))
        if self.X.has("symmetric") and not self.X.is_scalar:
            return (G + G.T) / 2
        return G

    def canonical(self, kind, expr, layout):
        """An answer as its comparable form: the gradient (a column), J (rows follow f), or H."""
        numer = kind == "answer" and layout == "numerator" and not self.X.is_scalar and self.f.is_scalar
        denom = kind == "answer" and layout == "denominator" and not self.f.is_scalar
        flip = numer or denom

        def fn(p):
            v = self.value(expr, p)
            v = v.T if flip else v
            if kind == "jac" and self.f.is_scalar:   # a scalar's Jacobian is a row: as the gradient
                v = v.reshape(np.asarray(p[self.dname]).shape, order="F")
            return self.project(v) if self.f.is_scalar and kind != "hess" else v
        return Side(fn, expr)

    def want(self, kind, prev, layout):
        """What the line before says this line must be."""
        pkind, pexpr, _ = prev
        if kind == "value":
            return self.expr_side(pexpr if pkind == "value" else self.f)
        if kind in ("d", "dvec"):
            side = self.expr_side(pexpr) if pkind in ("d", "dvec") else \
                self.differential_side(pexpr if pkind == "value" else self.f)
            return _vec(side) if kind == "dvec" or pkind == "dvec" else side
        if kind == "dgrad":
            if pkind == "dgrad":
                return self.expr_side(pexpr)
            G = E.Transpose(pexpr) if pkind == "answer" and layout == "numerator" else pexpr
            return self.differential_side(G)
        if pkind in ANSWERS and kind in ANSWERS:
            return self.canonical(pkind, pexpr, layout)
        if pkind == "value":
            source = self.differential_side(pexpr)
        else:
            source = self.expr_side(pexpr)
        J = self.read_off(source)
        if self.f.is_scalar and kind != "hess":
            return Side(lambda p: self.as_gradient(J(p), p))
        return Side(J)

    # -- a step
    def step(self, seg, kind, expr, prev, layout):
        """The verdict on one step."""
        self.exprs.append(expr)
        want = self.want(kind, prev, layout)
        got = self.canonical(kind, expr, layout) if kind in ANSWERS else self.expr_side(expr)
        if kind in ("d", "dvec") and (kind == "dvec" or prev[0] == "dvec"):
            got = _vec(got)
        pts = self.points()
        holds = self.holds(got, want, pts)
        verdict = LineVerdict(seg, expr, holds, "", kind=kind, against=prev[2])
        if not holds:
            verdict.slips = self.diagnose(got, want, pts, kind)
            verdict.counterexample = self.counterexample(got, want, pts)
        return verdict

    def holds(self, got, want, pts, change=None):
        """got == want at every usable point (`change` transforms the point for `got`)."""
        used = 0
        for p in pts:
            try:
                a, b = got(change(p) if change else p), want(p)
            except (SymmatError, ValueError, np.linalg.LinAlgError, ZeroDivisionError):
                return False
            if a.shape != b.shape:
                return False
            if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
                continue
            used += 1
            scale = max(1.0, float(np.max(np.abs(b), initial=0)), float(np.max(np.abs(a), initial=0)))
            if not np.allclose(a, b, rtol=RTOL, atol=RTOL * scale):
                return False
        return used > 0

    def counterexample(self, got, want, pts):
        """(sizes, values shown, this line's value, the value it should have) at the first point that differs."""
        for p in pts:
            try:
                a, b = got(p), want(p)
            except (SymmatError, ValueError, np.linalg.LinAlgError, ZeroDivisionError):
                continue
            if a.shape != b.shape or not np.allclose(a, b, rtol=RTOL, atol=RTOL):
                sizes = {k: v for k, v in p.items() if isinstance(v, int)}
                values = {k: _fmt(v) for k, v in p.items() if not isinstance(v, int)}
                return {"sizes": sizes, "got": _fmt(a), "want": _fmt(b), "values": values}
        return None

    # -- diagnoses
    def diagnose(self, got, want, pts, kind):
        """The slips that explain the difference, most telling first."""
        out = []
        if self.holds(got, Side(lambda p: -want(p)), pts):
            return [Slip("sign", "off by sign: the line is minus what the line before gives")]
        q = self.ratio(got, want, pts)
        if q is not None:
            return [Slip("factor", f"off by a constant factor: the line is {q} times what the line before gives",
                         {"factor": str(q)})]
        for group in self.square_groups():
            def sym(p, group=group):
                q = dict(p)
                for n in group:
                    q[n] = (q[n] + q[n].T) / 2
                return q
            if self.holds(Side(lambda p, s=sym: got(s(p))), Side(lambda p, s=sym: want(s(p))), pts):
                names = " and ".join(group)
                return [Slip("symmetric", f"right only for symmetric {names}: the step uses {names}ᵀ = {names}",
                             {"matrices": group})]
        for n in self.square_names():
            def flip(p, n=n):
                q = dict(p)
                q[n] = q[n].T
                return q
            if self.holds(got, want, pts, change=flip):
                out.append(Slip("transpose", f"a transpose slip: with {n}ᵀ in place of {n} the line would follow",
                                {"variable": n}))
                return out
        if self.holds(Side(lambda p: got(p).T), want, pts):
            code = "layout" if kind == "answer" else "transpose"
            return [Slip(code, "the line is the transpose of what the line before gives"
                         + (" (the answer in another layout)" if code == "layout" else ""))]
        out += self.term_slips(got, want, pts)
        if kind in ("answer", "grad") and self.f.is_scalar:
            out += self.other_variable(got, pts)
        return out or [Slip("wrong", "does not follow from the line before")]

    def ratio(self, got, want, pts):
        """q with got = q · want at every point (q a small fraction other than 0 and ±1), or None."""
        try:
            a, b = got(pts[0]), want(pts[0])
        except (SymmatError, ValueError, np.linalg.LinAlgError, ZeroDivisionError):
            return None
        if a.shape != b.shape or not np.any(np.abs(b) > 1e-9):
            return None
        k = np.unravel_index(np.argmax(np.abs(b)), b.shape)
        q = Fraction(float(a[k] / b[k])).limit_denominator(100)
        if q in (0, 1, -1) or not self.holds(got, Side(lambda p: float(q) * want(p)), pts):
            return None
        return q

    def square_names(self):
        """Square matrix variables of f that are not declared symmetric (their transposes can be slipped)."""
        return [v.name for v in self.f.variables() if not v.is_scalar and v.shape[0] == v.shape[1]
                and v.name != self.X.name and not v.props & {"symmetric", "diagonal", "orthogonal", "spd"}]

    def square_groups(self):
        names = self.square_names()
        return [[n] for n in names] + ([names] if len(names) > 1 else [])

    def term_slips(self, got, want, pts):
        """A term of the line before dropped, or a term added."""
        out = []
        if want.expr is not None:
            for t in terms(want.expr):
                if len(terms(want.expr)) > 1 and self.holds(got, Side(lambda p, t=t: want(p) - self.value(t, p)),
                                                            pts):
                    out.append(Slip("term", f"the term {to_text(t)} was dropped", {"term": to_text(t)}))
                    return out
            for t in terms(want.expr):
                if self.holds(got, Side(lambda p, t=t: want(p) - 2 * self.value(t, p)), pts):
                    out.append(Slip("sign", f"the sign of the term {to_text(t)} flipped", {"term": to_text(t)}))
                    return out
        if got.expr is not None and len(terms(got.expr)) > 1:
            for t in terms(got.expr):
                if self.holds(Side(lambda p, t=t: got(p) - self.value(t, p)), want, pts):
                    out.append(Slip("term", f"the term {to_text(t)} does not belong", {"term": to_text(t)}))
                    return out
        return out

    def other_variable(self, got, pts):
        """The derivative by another variable of f."""
        out = []
        for v in self.f.variables():
            if v.name == self.X.name or v.is_scalar:
                continue
            try:
                G = derive("grad", self.f, v.name, check=False).result
            except SymmatError:
                continue
            if self.holds(got, self.expr_side(G), pts) or self.holds(got, Side(lambda p, G=G: self.value(G, p).T), pts):
                out.append(Slip("other_variable", f"it is the derivative with respect to {v.name}",
                                {"variable": v.name}))
        return out

    # -- the answer
    def final(self, verdict, correct, layout, kind):
        """Is the last answer the derivative (in the layout asked)? → a LineVerdict-like record."""
        got = self.canonical(verdict.kind, verdict.expr, layout)
        want = self.canonical("hess" if kind == "hessian" else "answer", correct, layout)
        pts = self.points()
        ok = self.holds(got, want, pts)
        slips = [] if ok else self.diagnose(got, want, pts, "answer")
        for s in slips:
            s.sentence = s.sentence.replace("what the line before gives", "the derivative") \
                .replace("does not follow from the line before", "it is not the derivative") \
                .split(": the step uses")[0]
        return {"ok": ok, "correct": correct, "slips": slips, "line": verdict.number,
                "counterexample": None if ok else self.counterexample(got, want, pts)}


def _vec(side):
    """A side compared as vec(value) (d vec(F) = … against dF = …)."""
    return Side(lambda p: np.asarray(side(p)).reshape(-1, 1, order="F"), side.expr)


def _plain(point):
    """A point without the entries evaluate does not take."""
    return dict(point)


def _fmt(a):
    """A value rounded for display."""
    a = np.asarray(a)
    if a.size == 1:
        return f"{float(a.flat[0]):.4g}"
    return "[" + "; ".join(" ".join(f"{x:.3g}" for x in row) for row in a) + "]"
