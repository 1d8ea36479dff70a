"""The one place where the stages meet: text in, a checked `Derivative` out.

    text ─reading─▶ Expr ─calculus─▶ df ─trace trick / vec rules─▶ G ─simplify─▶ G'
         ─explain─▶ Derivative (named parts, symbols) ─numeric.selfcheck─▶ returned

`derive(kind, f, wrt, …)` reads f (`reading`), carries out explicit matrices
entry by entry (SPEC §1.3), takes the gradient (`calculus.gradient`) or the
Jacobian/Hessian (`calculus.jacobian`), applies the layout and the symmetric
convention (SPEC §2), names shared subexpressions for display (`explain`),
and, before a result is returned, checks it against central finite
differences at a small random instance (`numeric.selfcheck`): a result that
fails is never shown. The derivation runs under the limits of `reading.Limits`
(rewrites and a wall-clock deadline, through context variables of `simplify`).
"""

import sys
import time

from . import explain
from .calculus.explicit import multiply_out
from .calculus.gradient import absorbed, constrained, gradient, partial_sym, prepare, value_sym
from .calculus.index import index_style
from .calculus.jacobian import hessian, jacobian, scalar_jacobian
from .errors import DerivativeError, LimitError
from .reading import Limits, parse_with_info, reading_notes
from .result import Derivative, DerivativeSet, Step, Sym
from .simplify import BUDGET, DEADLINE, SHARED, simplify
from .tree import expr as E
from .tree.names import canonical, shown, speaking, spellings_of
from .tree.shapes import fmt_shape

LAYOUTS = ("mixed", "numerator", "denominator")
CONVENTIONS = ("sym", "entrywise")
KINDS = ("grad", "jacobian", "hessian", "derivative")
MAX_DERIVE_DEPTH = 1000   # the recursive stages (differential, simplify) need ~10 frames a level


STYLES = ("differential", "index")


def derive(kind, f, wrt, where=None, layout="mixed", symmetric="sym", limits=None, check=True,
           style="differential"):
    """The derivative of `f` by `wrt` (a name, or a list of names)."""
    if layout not in LAYOUTS:
        raise DerivativeError(f"unknown layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
    if symmetric not in CONVENTIONS:
        raise DerivativeError(f"unknown convention {symmetric!r}: choose sym or entrywise")
    if style not in STYLES:
        raise DerivativeError(f"unknown style {style!r}: choose differential or index")
    if kind not in KINDS:
        raise DerivativeError(f"unknown kind of derivative {kind!r}: choose one of {', '.join(KINDS)}")
    limits = limits or Limits()
    fx, decls = (f, {}) if isinstance(f, E.Expr) else parse_with_info(f, where=where, limits=limits)
    names = _names(wrt)
    spellings = spellings_of(fx)
    token = BUDGET.set(limits.max_rewrites)
    clock = DEADLINE.set((time.monotonic() + limits.derive_timeout, limits.derive_timeout))
    memo = SHARED.set({})   # one derivation's simplify calls share their fixed points
    try:
        with speaking(spellings):   # messages name variables as typed
            results = [_derive_by(kind, fx, n, decls, layout, symmetric, check) for n in names]
    finally:
        BUDGET.reset(token)
        DEADLINE.reset(clock)
        SHARED.reset(memo)
    said = reading_notes(fx)   # what the reading assumed (sizes of A ⊗ X matched factor by factor)
    if not isinstance(f, E.Expr):   # a Greek name read as a scalar beside a vector (issue 11)
        said = said + explain.read_as_scalar(fx, {canonical(n) for n in decls})
    for r in results:
        r.spellings = spellings
        if said:   # (reading the notes writes those held back: only when there is something to add)
            r.notes[:0] = [n for n in said if n not in r.notes]
    if style == "index":
        for r in results:
            index_style(r)
    if isinstance(wrt, str) and len(names) == 1:
        return results[0]
    return DerivativeSet(results)


def _derive_by(kind, f, name, decls, layout, symmetric, check):
    """The derivative of f by the variable `name`, or by the entries of a matrix declared as
    an explicit matrix of scalar names (``where A = [a b; c d]``, SPEC §1.3)."""
    explicit = explicit_entries(decls, name)
    if explicit is not None and not any(v.name == canonical(name) for v in f.variables()):
        return _by_entries(kind, f, name, *explicit, layout, symmetric, check)
    return _derive_one(kind, f, find_var(f, name), layout, symmetric, check)


def explicit_entries(decls, name):
    """(entry names row by row, shape) of `name` declared as an explicit matrix, or None."""
    if not isinstance(name, str):
        return None
    d = decls.get(canonical(name))
    if d is None or d.value is None or getattr(d.value, "op", None) != "Matrix":
        return None
    entries = []
    for raw in d.value.args:
        if raw.op not in ("name", "Var"):   # a typed reading settles a name's op to Var
            raise DerivativeError(f"{name.strip()} is declared as an explicit matrix with an entry that is not "
                                  f"a name: the derivative by it is taken by its entries, which must be "
                                  f"distinct scalar names such as [a b; c d]")
        entries.append(canonical(raw.params[0]))
    if len(set(entries)) != len(entries):
        raise DerivativeError(f"the entries of {name.strip()} are not distinct names, so they cannot be "
                              f"varied one at a time")
    return entries, tuple(d.value.params)


def _by_entries(kind, f, name, entries, shape, layout, symmetric, check):
    """∂f/∂A for A = [a b; c d]: the explicit matrix of the partial derivatives ∂f/∂a, ∂f/∂b, …"""
    typed = name.strip()
    if kind not in ("grad", "derivative") or not f.is_scalar:
        raise DerivativeError(f"{typed} is an explicit matrix: symmat differentiates a scalar function by "
                              f"it (the matrix of partial derivatives by its entries); use grad")
    variables = {v.name: v for v in f.variables()}
    by_entry = [_derive_one("grad", f, variables[e], "mixed", symmetric, check) if e in variables else None
                for e in entries]
    parts = [d.result if d is not None else E.Const(0) for d in by_entry]
    m, n = shape
    G = simplify(E.Matrix([parts[i * n:(i + 1) * n] for i in range(m)]))
    wrt = E.Var(canonical(name), shape)
    steps = [Step(value_sym(), f),
             Step(wrt, E.Matrix([[variables.get(e, E.Var(e, (1, 1))) for e in entries[i * n:(i + 1) * n]]
                                 for i in range(m)]), "explicit matrix",
                  identities=["the derivative by it is the matrix of the partial derivatives by its entries"])]
    steps += [Step(partial_sym(variables.get(e, E.Var(e, (1, 1)))), p, "partial derivative")
              for e, p in zip(entries, parts)]
    if layout == "numerator":
        G = simplify(E.Transpose(G))
    steps.append(Step(partial_sym(wrt), G, "the matrix of the partial derivatives" +
                      (", transposed (numerator layout)" if layout == "numerator" else ""), implies=True))
    result = Derivative("grad", f, wrt, G, layout, symmetric, steps,
                        notes=[f"{shown(wrt.name)} is an explicit matrix: the result is the matrix of the "
                               f"partial derivatives by its entries"])
    result.by_entry = [d for d in by_entry if d is not None]   # verification checks these one by one
    return result


def find_var(f, name):
    """The variable `name` of f (any spelling of it: ``W_2``, ``W_{2}``, ``W2``; ``mu0``, ``μ0``), or a clear error."""
    typed = name.strip()
    name = canonical(typed)
    for v in f.variables():
        if v.name == name:
            return v
    names = ", ".join(shown(v.name) for v in f.variables()) or "none"
    raise DerivativeError(f"{typed} does not occur in the expression (its variables: {names})")


def _names(wrt):
    """The names in `wrt`: a string (``"x"``, ``"x, y"``) or a list or tuple of strings."""
    if isinstance(wrt, str):
        names = [w for w in wrt.split(",") if w.strip()]
    elif isinstance(wrt, (list, tuple)) and all(isinstance(w, str) for w in wrt):
        names = [w for w in wrt if w.strip()]
    else:
        raise DerivativeError(f"wrt must be a name or a list of names (strings), not {_what(wrt)}")
    if not names:
        raise DerivativeError("no variable to differentiate by: give one with --wrt (e.g. --wrt x)")
    return names


def _what(value):
    """A short description of a bad argument for a message: its type and a shortened repr."""
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '…'}"


def depth(e):
    """The nesting depth of a tree (iteratively: it may be deep)."""
    best, stack, seen = 0, [(e, 1)], set()
    while stack:
        x, d = stack.pop()
        best = max(best, d)
        if (x, d) not in seen:
            seen.add((x, d))
            stack.extend((a, d + 1) for a in x.args)
    return best


def _derive_one(kind, f, X, layout, symmetric, check):
    """One derivative of f by X, explained and (unless check=False) self-checked."""
    if depth(f) > MAX_DERIVE_DEPTH:
        raise LimitError(f"the expression is nested {depth(f)} levels deep; symmat differentiates "
                         f"expressions up to {MAX_DERIVE_DEPTH} levels (--max-depth does not raise this)")
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))
    if kind == "derivative" and f.is_scalar:
        kind = "grad"
    result = _grad(f, X, layout, symmetric) if kind == "grad" else _jacobian(kind, f, X, layout, symmetric)
    if check:
        from .numeric.selfcheck import selfcheck  # loaded on the first check (NumPy only for large instances)
        selfcheck(result)
    return result


def _grad(f, X, layout, symmetric):
    """∂f/∂X of a scalar f in the layout and convention asked."""
    if not f.is_scalar:
        raise DerivativeError(_not_scalar(f))
    steps = [Step(value_sym(), f)]
    g = prepare(_multiplied_out(f, steps), steps)
    G = absorbed(gradient(g, X, steps), f, steps)
    G = constrained(G, X, symmetric, steps)
    if layout == "numerator" and not X.is_scalar:
        steps[-1 - next(i for i, s in enumerate(reversed(steps)) if s.lhs is not None)].lhs = Sym("grad")
        G = simplify(E.Transpose(G))
        steps.append(Step(partial_sym(X), G, "numerator layout: ∂f/∂x = (∇f)ᵀ, a row"))
    result = Derivative("grad", f, X, G, layout, symmetric, steps)
    explain.name_parts(result)
    return result


def _jacobian(kind, f, X, layout, symmetric):
    """The Jacobian (a scalar's row, or ∂vec(F)/∂vec(X)) or the Hessian of f by X."""
    steps = []
    if kind == "hessian":
        H, G = hessian(f, X, symmetric, steps)
        result = _assembled(kind, f, X, H, layout, symmetric, steps)
        result.notes.append("the Hessian is the same in every layout")
        explain.describe(result, G, name="G")
    elif f.is_scalar:
        J = scalar_jacobian(f, X, layout, symmetric, steps)
        result = _assembled("jacobian", f, X, J, layout, symmetric, steps)
        result.symbol, result.symbol_latex = explain.symbols(result, f, "f")
    else:
        J, g, name = jacobian(f, X, layout, symmetric, steps)
        result = _assembled(kind, f, X, J, layout, symmetric, steps)
        explain.describe(result, g, name)
    return result


def _assembled(kind, f, X, R, layout, symmetric, steps):
    result = Derivative(kind, f, X, R, layout, symmetric, steps)
    explain.name_parts(result)
    return result


def _multiplied_out(f, steps):
    """f with operators on explicit matrices carried out entry by entry (SPEC §1.3)."""
    if not any(isinstance(n, E.Matrix) for n in f.walk()):
        return f
    g = simplify(multiply_out(f))
    if g != f:
        steps.append(Step(value_sym(), g, "explicit matrices", identities=["multiplied out entry by entry"]))
    return g


def _not_scalar(f):
    """Why f is no scalar, with the declaration that would make it one where there is one."""
    from .printing.text import to_text  # the printers load on first display
    msg = f"the gradient needs a scalar function, and {to_text(f)} is {fmt_shape(f.shape)}"
    if 1 in f.shape:
        scalars = [v.name for v in f.variables() if v.is_scalar and not v.props]
        if isinstance(f, E.Mul) and isinstance(f.args[-1], E.Var) and f.args[-1].name in scalars:
            return f"{msg}, not a scalar: declare {f.args[-1].name}: vector?"
        if isinstance(f, E.Add) and any(t.is_scalar for t in f.args):   # x^T A x + c: c a vector by its spelling
            lone = [t.name for t in f.args if isinstance(t, E.Var) and not t.is_scalar]
            if lone:
                return f"{msg}, not a scalar: declare {lone[0]}: scalar?"
    return msg + ": use jacobian or derivative"
