"""Checking a whole derivation, line by line (SPEC §5, issue 12).

What this decides, for each step of a student's derivation (`lines`):
* an `f = …` line must equal the f before it; a `df = …` line after an f line
  must be the differential of that f (symmat's table of differentials), and
  after a df line must equal it; an answer line (`∂f/∂x = …`, `∇f = …`) must
  be what the differential before it says (df = ⟨G, dX⟩, in the layout of its
  symbol), and after an answer must equal it; for a Hessian, d(∇f) = H dx.
  Equal means equal for all values of the variables and of the differential:
  decided numerically with NumPy at random points of two assignments of
  distinct concrete sizes (a transpose cannot hide in a square instance),
  inside the domains that the declarations describe.
* the last answer must be the derivative (symmat's own, itself confirmed by
  finite differences) in the layout asked.
Each line is judged against the line before it, so after a first slip the
rest of the work is still judged on its own terms. A failing line gets the
diagnoses of `check` (sign, factor, right only for symmetric matrices, a
transpose, layout, another variable) plus a dropped or extra term, and a
counterexample at that line.

Each line is read once by the grammar, typed together with f (one declaration
set, one unifier, f first so that its sizes keep their names), with the
placeholder of dX tied to the shape of X.
"""

import copy

from ..errors import ParseError, ShapeError, SymmatError
from ..pipeline import LAYOUTS, derive, find_var
from ..reading import Decl, Limits, declarations, merge_declarations, shift_spans, split_postfix_names, typecheck
from ..reading.rawtree import Raw
from ..tree import expr as E
from ..tree.shapes import dim_mul
from ..tree.names import canonical
from ..tree.walk import rebuild
from .inputs import Texts, fit, forced_sizes, move_spans, size_names
from .lines import PLACEHOLDER, read_lines
from .numbers import Judge
from .report_lines import DerivationReport, LineVerdict, Slip

ANSWERS = ("answer", "grad", "hess", "jac")


class Reader:
    """Types the steps of one derivation together with f."""

    def __init__(self, texts, X, general):
        self.texts, self.X, self.general, self.forced = texts, X, general, []
        self.names = {}          # a part's name → its raw value (h = σ(…))
        self.values = {}         # a part's name → its typed value

    def _kind(self, shape):
        return "scalar" if shape == (1, 1) else "vector" if shape[1] == 1 else "matrix"

    def typed(self, seg):
        """The step's formula as an Expr in f's variables and dX (named parts written out)."""
        texts = self.texts
        f_root, f_items = texts.raw(texts.f)
        line_root, items = texts.raw(seg.rhs, "start", f" in line {seg.number}")
        if items:
            raise ParseError(f"line {seg.number} declares something: put declarations in where (--where)")
        move_spans(line_root, len(texts.f) + 1)
        decls, source = declarations(f_items), texts.f + "\n" + seg.rhs
        if texts.where and texts.where.strip():
            where_items = texts.raw(texts.where, "decls")
            shift_spans(where_items, len(source) + 1)
            source += "\n" + texts.where
            decls = merge_declarations(decls, declarations(where_items))
        decls[canonical(PLACEHOLDER)] = Decl(kind=self._kind(self.X.shape))
        for name, value in self.values.items():
            decls[canonical(name)] = Decl(kind=self._kind(value.shape))
        ties = [Raw("add", [Raw("name", (), (self.X.name,)), Raw("name", (), (canonical(PLACEHOLDER),))])]
        ties += [Raw("add", [Raw("name", (), (canonical(n),)), _copy(r)]) for n, r in self.names.items()]
        roots = [split_postfix_names(f_root, decls)] + [split_postfix_names(t, decls) for t in ties]
        roots.append(split_postfix_names(line_root, decls))
        try:
            typed = typecheck(roots, source, decls, texts.limits)
        except ShapeError as e:
            raise ShapeError(f"line {seg.number}: {str(e).splitlines()[0]}") from None
        parts = {}
        for (name, _), tie in zip(self.names.items(), typed[2:-1]):
            parts[canonical(name)] = _other(tie, canonical(name))
        dname = canonical(PLACEHOLDER)
        dX = E.Differential(self.X)

        def put(e):
            if isinstance(e, E.Var) and e.name == dname:
                return dX
            if isinstance(e, E.Var) and e.name in parts:   # a part may use an earlier one (ŷ = W2 h + b2)
                return rebuild(parts[e.name], put)
            return e
        self.forced = forced_sizes(self.general, typed[0]) if typed[0] != self.general else []
        return rebuild(typed[-1], put)

    def define(self, seg, value):
        """Remember a named part (h = …) for the lines after it."""
        root, _ = self.texts.raw(seg.rhs, "start", f" in line {seg.number}")
        self.names[seg.name] = root
        self.values[seg.name] = value


def _other(tie, name):
    """The value side of a tie `name + value`: the other terms (a value that is a sum, ŷ = W2 h + b2,
    is read flattened into the tie)."""
    rest = [a for a in tie.args if not (isinstance(a, E.Var) and a.name == name)]
    return rest[0] if len(rest) == 1 else E.Add(*rest)


def _copy(raw):
    """A copy of a raw tree (typing consumes it)."""
    return copy.deepcopy(raw)


class DerivationChecker:
    """One derivation of f by X: each step decided against the one before."""

    def __init__(self, texts, wrt, layout, kind):
        self.texts, self.layout = texts, layout
        self.f = texts.general()
        self.X = find_var(self.f, wrt)
        self.reader = Reader(texts, self.X, self.f)
        self.kind = kind or ("grad" if self.f.is_scalar else "jacobian")
        self.judge = Judge(self.f, self.X)

    def fitted(self, expr, kind):
        """An answer's sizes that only it has (the n of an I) set to those of the derivative."""
        known = set(size_names(self.f))
        if kind not in ANSWERS or all(d in known or isinstance(d, int) for d in expr.shape):
            return expr
        X = self.X
        targets = [X.shape, (X.shape[1], X.shape[0])] if self.f.is_scalar and kind != "hess" else \
            [(dim_mul(*self.f.shape), dim_mul(*X.shape)), (dim_mul(*X.shape), dim_mul(*self.f.shape))]
        if kind == "hess":
            targets = [(dim_mul(*X.shape), dim_mul(*X.shape))]
        for shape in targets:
            out = fit(expr, shape, known)
            if out is not expr:
                return out
        return expr

    def correct(self):
        """symmat's derivative of f (confirmed by finite differences) in the layout asked."""
        kind = "hessian" if self.kind == "hessian" else "derivative"
        return derive(kind, self.f, self.X.name, layout=self.layout).result

    def run(self, text):
        """The report on `text`."""
        segments = read_lines(text, self.X.name)
        if any(s.kind == "hess" or s.kind == "dgrad" for s in segments):
            self.kind = "hessian"
        verdicts, prev = [], ("value", self.f, 0)
        for seg in segments:
            if seg.kind == "name":
                value = self.reader.typed(seg)
                self.reader.define(seg, value)
                verdicts.append(LineVerdict(seg, value, True, "names a part"))
                continue
            expr = self.reader.typed(seg)
            kind = prev[0] if seg.kind == "none" else seg.kind
            if seg.kind == "none" and prev[0] == "name":
                kind = "value"
            expr = self.fitted(expr, kind)
            if self.reader.forced:
                verdict = LineVerdict(seg, expr, False, kind=kind, against=prev[2])
                verdict.slips = [Slip("shape", f"the line only fits when {', '.join(self.reader.forced)}: "
                                               "in general its sizes do not match f's", {"assumed": self.reader.forced})]
            else:
                verdict = self.judge.step(seg, kind, expr, prev, self.layout)
            verdicts.append(verdict)
            prev = (kind, expr, seg.number)
        return self.report(verdicts)

    def report(self, verdicts):
        """The verdict on the whole derivation: the first wrong line, the answer."""
        answers = [v for v in verdicts if v.kind in ANSWERS]
        final = None
        if answers:
            last = answers[-1]
            final = self.judge.final(last, self.correct(), self.layout, self.kind)
        return DerivationReport(self.f, self.X, self.layout, verdicts, final)


def check_derivation(f, wrt, text, where=None, layout="mixed", kind=None, limits=None):
    """Decide a derivation written the way students write it (SPEC §5) → DerivationReport."""
    if layout not in LAYOUTS:
        raise SymmatError(f"unknown layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
    if kind not in (None, "grad", "jacobian", "hessian", "derivative"):
        raise SymmatError(f"unknown kind {kind!r}: choose grad, jacobian, hessian or derivative")
    if not isinstance(f, str):
        raise SymmatError(f"the function must be text, not {type(f).__name__}")
    texts = Texts(f, "", where, limits or Limits())
    names = [w.strip() for w in wrt.split(",") if w.strip()] if isinstance(wrt, str) else list(wrt)
    if len(names) != 1:
        raise SymmatError("check_derivation takes one variable")
    return DerivationChecker(texts, names[0], layout, None if kind == "derivative" else kind).run(text)


__all__ = ["check_derivation", "DerivationChecker"]
