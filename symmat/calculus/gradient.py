"""The gradient of a scalar: df by the table of differentials, then the trace
trick reads G off df = tr(Gᵀ dX) (SPEC §2, §3).

What this stage decides: which compound forms are rewritten before
differentiating (‖r‖² = rᵀ r, log softmax(z) = z − logsumexp(z) 𝟏, `prepare`);
when the trace trick cannot see through an operator (⊗), the gradient is
read off the vectorised Jacobian instead (`vec.jacobian_of`); which signs are
absorbed into a difference (-A (y − p) = A (p − y)); and how a structured
variable (diagonal, symmetric) constrains the gradient, in the convention asked.
Every identity used is recorded as a `Step`.
"""

from fractions import Fraction

from ..result import Step
from ..simplify import mk_mul, scale, simplify, split_coef
from ..tree import expr as E
from ..tree.walk import rebuild
from .differential import differential
from .tracetrick import contributions, inner
from .vec import jacobian_of
from ..errors import DerivativeError


def prepare(f, steps):
    """Rewrite squared norms and log-softmax into forms with simple differentials."""
    return rebuild(f, lambda e: _prepare_node(e, steps))


def _prepare_node(e, steps):
    if isinstance(e, E.Power) and e.params[0] == 2 and isinstance(e.args[0], E.Norm) \
            and e.args[0].params[0] == "2":
        r = e.args[0].args[0]
        out = E.Mul(E.Transpose(r), r) if r.shape[1] == 1 else E.Trace(E.Mul(E.Transpose(r), r))
        steps.append(Step("squared norm", e, " = ", out))
        return out
    if isinstance(e, E.Apply) and e.fn == "log" and isinstance(e.args[0], E.Softmax):
        z = e.args[0].args[0]
        out = E.Add(z, E.Neg(E.Mul(E.LogSumExp(z), E.Ones(z.shape))))
        steps.append(Step("log of softmax", e, " = ", out))
        return out
    return e


def gradient(f, X, steps):
    """∂f/∂X (unconstrained, same shape as X) and the steps that lead there."""
    df, used = differential(f, X)
    dX = E.Differential(X)
    if df is None:
        steps.append(Step("constant", f"f does not change with {X.name}: df = 0"))
        return E.Const(0) if X.is_scalar else E.Zero(X.shape)
    for name, identity in used.items():
        steps.append(Step(name, identity))
    steps.append(Step("differential", "df = ", simplify(df)))
    try:
        parts, tricks = contributions(df, dX)
    except DerivativeError:   # an operator the trace trick cannot see through (⊗): vectorise
        return _gradient_by_vec(df, X, steps)
    for name, identity in tricks.items():
        steps.append(Step(name, identity))
    terms = [simplify(p) for p in parts]
    raw = terms[0] if len(terms) == 1 else E.Add(*terms)
    steps.append(Step("trace trick", "df = ", inner(raw, dX)))
    G = simplify(raw)
    steps.append(Step("gradient", f"∂f/∂{X.name} = ", G))
    return G


def _gradient_by_vec(df, X, steps):
    """G = unvec(Jᵀ) with J = ∂f/∂vec(X) from the Jacobian rules (df = J vec(dX))."""
    J, used = jacobian_of(df, E.Differential(X))
    for name, identity in used.items():
        steps.append(Step(name, identity))
    Jt = E.Transpose(J)
    G = simplify(Jt if X.shape[1] == 1 else E.Unvec(Jt, *X.shape))
    steps.append(Step("gradient", f"df = J vec(d{X.name}), so ∂f/∂{X.name} = unvec(Jᵀ) = ", G))
    return G


def absorb_signs(G, f):
    """-c A (y - p) = c A (p - y) when the sum is the derivation's own, not one written in f."""
    written = set(f.walk())

    def absorb(out):
        c, rest = split_coef(out)
        if c < 0 and isinstance(rest, E.Mul):
            sums = [i for i, a in enumerate(rest.args) if isinstance(a, E.Add)]
            if len(sums) == 1 and rest.args[sums[0]] not in written:
                args = list(rest.args)
                args[sums[0]] = E.Add(*[scale(-k, r) for k, r in map(split_coef, args[sums[0]].args)])
                out = scale(-c, mk_mul(args))
        return out

    out = rebuild(G, absorb)
    return G if out == G else simplify(out)


def symmetric_convention(G, X, convention, steps):
    """The gradient by a symmetric X in the convention asked (SPEC §2)."""
    if convention == "sym":
        out = simplify(E.Mul(_half(), E.Add(G, E.Transpose(G))))
        steps.append(Step("symmetric gradient", f"{X.name} is symmetric: ∂f/∂{X.name} = sym(G) = (G + Gᵀ)/2 = ",
                          out))
        return out
    out = simplify(E.Add(G, E.Transpose(G), E.Neg(E.Hadamard(G, E.Identity(X.shape[0])))))
    steps.append(Step("entrywise convention", f"{X.name} is symmetric: ∂f/∂{X.name}_ij over distinct entries "
                      "= G + Gᵀ − G ⊙ I = ", out))
    return out


def constrained(G, X, convention, steps):
    """The gradient by a structured X: its diagonal entries only, or a symmetric convention."""
    if X.is_scalar:
        return G
    if X.has("diagonal"):
        G = simplify(E.Hadamard(G, E.Identity(X.shape[0])))
        steps.append(Step("diagonal variable", f"{X.name} is diagonal: only its diagonal varies, "
                          f"∂f/∂{X.name} = G ⊙ I = ", G))
        return G
    if X.has("symmetric"):
        return symmetric_convention(G, X, convention, steps)
    return G


def _half():
    return E.Const(Fraction(1, 2))
