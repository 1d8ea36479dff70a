"""The gradient of a scalar: df by the table of differentials, then the trace
trick reads G off df = tr(Gᵀ dX) (SPEC §2, §3).

What this stage decides: which compound forms are rewritten before
differentiating (‖r‖² = rᵀ r, log softmax(z) = z − logsumexp(z) 𝟏, `prepare`);
when the trace trick cannot see through an operator (⊗), the gradient is
read off the vectorised Jacobian instead (`vec.jacobian_of`); which signs are
absorbed into a difference (-A (y − p) = A (p − y)); and how a structured
variable (diagonal, symmetric) constrains the gradient, in the convention asked.
Every line of the derivation is recorded as a `Step`, an equality on the
user's own expression annotated with its rule (SPEC §3).
"""

import contextvars
import re
from fractions import Fraction

from ..result import Later, Step, Sym
from ..simplify import DEADLINE, mk_mul, scale, simplify, split_coef
from ..tree import expr as E
from ..tree.walk import rebuild
from .differential import differential
from .tracetrick import contributions, inner
from .vec import jacobian_of
from ..errors import DerivativeError, InternalError


def value_sym(name="f"):
    """The symbol of the function itself (f, F, or G for a gradient differentiated again)."""
    return Sym("value", name)


def d_sym(name, g=None):
    """df, dF, d vec(F) (a matrix), d(∇f)."""
    return Sym("d", name, vec_f=g is not None and g.shape[0] != 1 and g.shape[1] != 1)


def partial_sym(X, name="f"):
    """∂f/∂x (∂f/∂X for a matrix: a scalar's derivative keeps X's shape)."""
    return Sym("partial", name, X.name)


def annotation(used):
    """(rule, Cookbook equations, identities) of the rules named in `used` (name → identity)."""
    used = dict(reversed(list(used.items())))   # the outermost rule first: it was recorded last
    names = list(used)
    eqs = [m for identity in used.values() for m in re.findall(r"eq\. (\d+)", identity)]
    identities = [re.sub(r"\s*\((?:Matrix Cookbook )?eq\. \d+\)|\s*\(Jacobi's formula, eq\. \d+\)", "",
                         identity) for identity in used.values()]
    return ", ".join(names), ", ".join(dict.fromkeys(eqs)) or None, identities


def prepare(f, steps, name="f"):
    """Rewrite squared norms and log-softmax into forms with simple differentials (one line: f = …)."""
    used = {}
    out = rebuild(f, lambda e: _prepare_node(e, used))
    if out != f:
        steps.append(Step(value_sym(name), out, ", ".join(used), identities=list(used.values())))
    return out


def _prepare_node(e, used):
    if isinstance(e, E.Power) and e.params[0] == 2 and isinstance(e.args[0], E.Norm) \
            and e.args[0].params[0] == "2":
        r = e.args[0].args[0]
        out = E.Mul(E.Transpose(r), r) if r.shape[1] == 1 else E.Trace(E.Mul(E.Transpose(r), r))
        used["squared norm"] = "‖r‖² = rᵀ r" if r.shape[1] == 1 else "‖R‖²_F = tr(Rᵀ R)"
        return out
    if isinstance(e, E.Apply) and e.fn == "log" and isinstance(e.args[0], E.Softmax):
        z = e.args[0].args[0]
        if z.shape[1] != 1:   # a batch, column by column
            out = E.Add(z, E.Neg(E.Mul(E.Ones((z.shape[0], 1)), E.LogSumExp(z))))
            used["log of softmax"] = "log softmax(Z) = Z − 𝟏 logsumexp(Z), column by column"
            return out
        out = E.Add(z, E.Neg(E.Mul(E.LogSumExp(z), E.Ones(z.shape))))
        used["log of softmax"] = "log softmax(z) = z − logsumexp(z) 𝟏"
        return out
    return e


def differential_step(df, used, lhs, steps):
    """The line 'df = …' (simplified), annotated with the differential rules used; returns df simplified."""
    rule, eq, identities = annotation(used)
    out = simplify(df)
    steps.append(Step(lhs, out, rule, eq, identities=identities))
    return out


def moved(X, adjoint):
    """One occurrence ⟨G, dX⟩ written as the notes do: gᵀ dx, tr(Gᵀ dX), g dx."""
    dX = E.Differential(X)
    if X.is_scalar:
        return flat_mul(simplify(adjoint), dX)
    left = simplify(E.Transpose(adjoint))
    return flat_mul(left, dX) if X.shape[1] == 1 else E.Trace(flat_mul(left, dX))


def flat_mul(*factors):
    """The product of the factors, products among them spliced in (xᵀ A dx, not (xᵀ A) dx)."""
    out = []
    for f in factors:
        out.extend(f.args if isinstance(f, E.Mul) else [f])
    return out[0] if len(out) == 1 else E.Mul(*out)


def _sum(terms):
    return terms[0] if len(terms) == 1 else E.Add(*terms) if terms else E.Const(0)


def _move_rule(X, tricks):
    """The trace-trick rules used, in the words a vector or a matrix calls for."""
    vector = X.shape[1] == 1
    names = [n for n in tricks if n != "linearity" and not (vector and n == "cyclic property of the trace")]
    words = {"transpose in a trace": "a scalar is its own transpose" if vector else "tr(Aᵀ) = tr(A)",
             "cyclic property of the trace": "cyclic property of the trace"}
    rule = ", ".join(dict.fromkeys(words.get(n, n) for n in names)) or "move the factors"
    eqs = [e for n, e in (("cyclic property of the trace", "16"), ("transpose in a trace", "13"))
           if n in names and not (vector and e == "13")]
    return rule, ", ".join(eqs) or None, [tricks[n] for n in tricks]


def gradient(f, X, steps):
    """∂f/∂X (unconstrained, same shape as X) and the chain of lines that leads there (SPEC §3).

    The lines between df and ⇒ ∂f/∂X (df simplified, the factors moved, collected) are written
    on first display (`later`); G is read off df as built, as they would read it.
    """
    df, used = differential(f, X)
    dX = E.Differential(X)
    if df is None:
        steps.append(Step(d_sym("f"), E.Const(0), f"f does not depend on {X.name}"))
        G = E.Const(0) if X.is_scalar else E.Zero(X.shape)
        steps.append(Step(partial_sym(X), G, "", implies=True))
        return G
    try:
        parts, tricks = contributions(df, dX)
    except DerivativeError:   # an operator the trace trick cannot see through (⊗) ...
        shown = differential_step(df, used, d_sym("f"), steps)
        try:                  # ... may be gone once simplified (tr(A ⊗ dX) = tr(A) tr(dX)); else vectorise
            parts, tricks = contributions(shown, dX)
        except DerivativeError:
            return _gradient_by_vec(df, X, steps)
        G = _collected(X, parts)
        steps.extend(_moved_lines(X, shown, parts, tricks, G))
    else:
        G = _collected(X, parts)
        steps.append(later(lambda: _chain_lines(df, used, X, parts, tricks, G)))
    dx = "d" + X.name
    form = f"df = g {dx}" if X.is_scalar else f"df = gᵀ {dx}" if X.shape[1] == 1 else f"df = tr(Gᵀ {dx})"
    steps.append(Step(partial_sym(X), G, form, implies=True))
    return G


def _collected(X, parts):
    """G: the adjoints of the occurrences of dX, simplified and summed (the zero of X's shape for none)."""
    G = simplify(_sum([simplify(p) for p in parts]))
    if G == E.Const(0) and not X.is_scalar:   # no terms (the differential cancelled): the zero of X's shape
        G = E.Zero(X.shape)
    return G


def _chain_lines(df, used, X, parts, tricks, G):
    """The lines 'df = …' (simplified) and the factors moved and collected (written on display)."""
    steps = []
    shown = differential_step(df, used, d_sym("f"), steps)
    return steps + _moved_lines(X, shown, parts, tricks, G)


def _moved_lines(X, shown, parts, tricks, G):
    """The line after 'df = …' (the factors of the df shown moved) and, for several terms, 'collect'."""
    dX = E.Differential(X)
    steps = []
    try:   # the line after 'df = …' moves the factors of the df shown, where the rules see through it
        shown_parts, shown_tricks = contributions(shown, dX)
    except (DerivativeError, InternalError):
        shown_parts, shown_tricks = parts, tricks
    if not shown_parts:   # the df shown simplified to 0 (y ./ y, X - X): move the unsimplified terms
        shown_parts, shown_tricks = parts, tricks
    moved_form = _sum([moved(X, p) for p in shown_parts])
    if moved_form != shown:
        rule, eq, identities = _move_rule(X, shown_tricks)
        steps.append(Step(None, moved_form, rule, eq, identities=identities))
    collected = moved(X, G)
    if len(shown_parts) > 1 and collected != moved_form:
        steps.append(Step(None, collected, "collect"))
    return steps


def later(make):
    """A `Later` for the lines `make()` writes, made in this derivation's context (its shared
    simplify memo and budget) without its deadline: they are written when first displayed."""
    return Later(in_context(make))


def in_context(make):
    """`make`, to be run later in this derivation's context (its shared simplify memo, its budget,
    the names as typed), without its deadline."""
    ctx = contextvars.copy_context()
    return lambda: ctx.run(_undated, make)


def _undated(make):
    DEADLINE.set(None)   # inside a copied context: the derivation's own deadline is left as it was
    return make()


def _gradient_by_vec(df, X, steps):
    """G = unvec(Jᵀ) with J = ∂f/∂vec(X) from the Jacobian rules (df = J vec(dX))."""
    J, used = jacobian_of(df, E.Differential(X))
    rule, eq, identities = annotation(used)
    steps.append(Step(None, E.Mul(J, E.Vec(E.Differential(X))), rule, eq, identities=identities))
    Jt = E.Transpose(J)
    G = simplify(Jt if X.shape[1] == 1 else E.Unvec(Jt, *X.shape))
    steps.append(Step(partial_sym(X), G, "df = J vec(dX) ⇒ ∂f/∂X = unvec(Jᵀ)", implies=True))
    return G


def absorb_signs(G, f):
    """-c A (y - p) = c A (p - y) when the sum is the derivation's own, not one written in f."""
    written = []   # the subtrees of f, listed when a candidate is first met (most G have none)

    def absorb(out):
        c, rest = split_coef(out)
        if c < 0 and isinstance(rest, E.Mul):
            sums = [i for i, a in enumerate(rest.args) if isinstance(a, E.Add)]
            if len(sums) == 1 and not written:
                written.append(set(f.walk()))
            if len(sums) == 1 and rest.args[sums[0]] not in written[0]:
                args = list(rest.args)
                args[sums[0]] = E.Add(*[scale(-k, r) for k, r in map(split_coef, args[sums[0]].args)])
                out = scale(-c, mk_mul(args))
        return out

    out = rebuild(G, absorb)
    return G if out == G else simplify(out)


def absorbed(G, f, steps):
    """absorb_signs, with the line '= …' when it changes G."""
    out = absorb_signs(G, f)
    if out != G:
        steps.append(Step(None, out, "the sign taken into the difference"))
    return out


def _unconstrained_named(X, steps):
    """The last line ∂f/∂X = G becomes G = …: the unconstrained gradient, before the constraint."""
    for s in reversed(steps):
        if s.lhs == partial_sym(X):
            s.lhs = value_sym("G")
            break


def symmetric_convention(G, X, convention, steps):
    """The gradient by a symmetric X in the convention asked (SPEC §2)."""
    _unconstrained_named(X, steps)
    if convention == "sym":
        raw = E.Mul(_half(), E.Add(G, E.Transpose(G)))
        out = simplify(raw)
        steps.append(Step(partial_sym(X), raw, f"{X.name} symmetric: the gradient in the space of symmetric "
                          "matrices, sym(G) = (G + Gᵀ)/2"))
    else:
        raw = E.Add(G, E.Transpose(G), E.Neg(E.Hadamard(G, E.Identity(X.shape[0]))))
        out = simplify(raw)
        steps.append(Step(partial_sym(X), raw, f"{X.name} symmetric: by each distinct entry, G + Gᵀ − G ⊙ I",
                          "141"))
    if out != raw:
        steps.append(Step(None, out, "simplify"))
    return out


def constrained(G, X, convention, steps):
    """The gradient by a structured X: its diagonal entries only, or a symmetric convention."""
    if X.is_scalar:
        return G
    if X.has("diagonal"):
        _unconstrained_named(X, steps)
        raw = E.Hadamard(G, E.Identity(X.shape[0]))
        G = simplify(raw)
        steps.append(Step(partial_sym(X), raw, f"{X.name} diagonal: only its diagonal varies"))
        if G != raw:
            steps.append(Step(None, G, "simplify"))
        return G
    if X.has("symmetric"):
        return symmetric_convention(G, X, convention, steps)
    return G


def _half():
    return E.Const(Fraction(1, 2))
