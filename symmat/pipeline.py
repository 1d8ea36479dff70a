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
from .calculus.jacobian import hessian, jacobian, scalar_jacobian
from .errors import DerivativeError, LimitError
from .reading import Limits, parse_expression
from .result import Derivative, DerivativeSet, Step, Sym
from .simplify import BUDGET, DEADLINE, simplify
from .tree import expr as E
from .tree.names import canonical, shown, speaking, spellings_of
from .tree.shapes import fmt_shape

LAYOUTS = ("mixed", "numerator", "denominator")
CONVENTIONS = ("sym", "entrywise")
KINDS = ("grad", "jacobian", "hessian", "derivative")
MAX_DERIVE_DEPTH = 1000   # the recursive stages (differential, simplify) need ~10 frames a level


def derive(kind, f, wrt, where=None, layout="mixed", symmetric="sym", limits=None, check=True):
    """The derivative of `f` by `wrt` (a name, or a list of names)."""
    if layout not in LAYOUTS:
        raise DerivativeError(f"unknown layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
    if symmetric not in CONVENTIONS:
        raise DerivativeError(f"unknown convention {symmetric!r}: choose sym or entrywise")
    if kind not in KINDS:
        raise DerivativeError(f"unknown kind of derivative {kind!r}: choose one of {', '.join(KINDS)}")
    limits = limits or Limits()
    fx = f if isinstance(f, E.Expr) else parse_expression(f, where=where, limits=limits)
    names = _names(wrt)
    spellings = spellings_of(fx)
    token = BUDGET.set(limits.max_rewrites)
    clock = DEADLINE.set((time.monotonic() + limits.derive_timeout, limits.derive_timeout))
    try:
        with speaking(spellings):   # messages name variables as typed
            results = [_derive_one(kind, fx, find_var(fx, n), layout, symmetric, check) for n in names]
    finally:
        BUDGET.reset(token)
        DEADLINE.reset(clock)
    for r in results:
        r.spellings = spellings
    if isinstance(wrt, str) and len(names) == 1:
        return results[0]
    return DerivativeSet(results)


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
        from .numeric.selfcheck import selfcheck  # NumPy: loaded only when a result is checked
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
    return msg + ": use jacobian or derivative"
