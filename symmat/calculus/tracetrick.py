"""The trace trick: read the gradient G off a differential df = tr(Gᵀ dX).

df is linear in dX. Walking it from the top, each linear operator moves
what surrounds dX to the other side of the inner product ⟨·, ·⟩, one rule
per operator (cyclic property of the trace, transpose of a scalar,
⟨G, H ⊙ dU⟩ = ⟨G ⊙ H, dU⟩, …). The adjoint that reaches a dX leaf is that
occurrence's contribution; their sum is G. Each rule receives the node, the
adjoint `bar` (the shape of the node) and the index of the child that holds
dX, and returns that child's adjoint.
"""

from ..tree import expr as E
from ..errors import DerivativeError, InternalError
from ..tree.shapes import dim_mul
from ..tree.rules import named_rules
from ..simplify.symmetry import flip

RULES, rule = named_rules()   # one rule per operator: RULES[cls] = (function, name)


def inner(a, b):
    """⟨a, b⟩ as a scalar expression: aᵀ b for vectors, tr(aᵀ b) for matrices."""
    if a.is_scalar:
        return E.Mul(a, b)
    if a.shape[1] == 1:
        return E.Mul(E.Transpose(a), b)
    return E.Trace(E.Mul(E.Transpose(a), b))


@rule(E.Add, name="linearity")
def t_add(e, bar, i):
    """⟨G, U + V⟩ = ⟨G, U⟩ + ⟨G, V⟩ (a scalar term added to every entry gets sum(G))."""
    if e.args[i].is_scalar and not e.is_scalar:
        return E.Sum(bar)
    return bar


@rule(E.Neg, name="linearity")
def t_neg(e, bar, i):
    """⟨G, -U⟩ = ⟨-G, U⟩."""
    return E.Neg(bar)


@rule(E.Mul, name="cyclic property of the trace")
def t_mul(e, bar, i):
    """⟨G, L dU R⟩ = ⟨Lᵀ G Rᵀ, dU⟩ (tr(ABC) = tr(CAB)); a scalar factor gets ⟨G, rest⟩."""
    f = e.args[i]
    others = e.args[:i] + e.args[i + 1:]
    if f.is_scalar:
        rest = others[0] if len(others) == 1 else E.Mul(*others)
        return E.Mul(bar, rest) if e.is_scalar else inner(bar, rest)
    scalars = [a for a in others if a.is_scalar]
    chain = [a for a in e.args if not a.is_scalar]
    j = _position(e, i)
    left, right = chain[:j], chain[j + 1:]
    one = isinstance(bar, E.Const) and bar.value == 1 and (left or right or scalars)
    parts = scalars + _t(left) + ([] if one else [bar]) + _t(right)
    return parts[0] if len(parts) == 1 else E.Mul(*parts)


def _position(e, i):
    return sum(1 for a in e.args[:i] if not a.is_scalar)


def _t(factors):
    """(F1 … Fk)ᵀ as the factors Fkᵀ … F1ᵀ (transposes pushed onto them, as simplify would)."""
    return [flip(f) for f in reversed(factors)]


@rule(E.Div, name="linearity")
def t_div(e, bar, i):
    """⟨G, dU / s⟩ = ⟨G / s, dU⟩."""
    _constant(e, 1, i)
    return E.Div(bar, e.args[1])


@rule(E.Hadamard, name="Hadamard product in a trace")
def t_hadamard(e, bar, i):
    """⟨G, H ⊙ dU⟩ = ⟨G ⊙ H, dU⟩ (a scalar dU gets ⟨G, H⟩)."""
    other = e.args[1 - i]
    if e.args[i].is_scalar and not e.is_scalar:
        return inner(bar, other)
    return E.Hadamard(bar, other)


@rule(E.HadDiv, name="Hadamard product in a trace")
def t_haddiv(e, bar, i):
    """⟨G, dU ./ V⟩ = ⟨G ./ V, dU⟩."""
    _constant(e, 1, i)
    if e.args[0].is_scalar and not e.is_scalar:
        return inner(bar, E.HadDiv(E.Ones(e.shape), e.args[1]))
    return E.HadDiv(bar, e.args[1])


@rule(E.Transpose, name="transpose in a trace")
def t_transpose(e, bar, i):
    """⟨G, dUᵀ⟩ = ⟨Gᵀ, dU⟩."""
    return E.Transpose(bar)


@rule(E.Trace, name="trace of a product")
def t_trace(e, bar, i):
    """g tr(dU) = ⟨g I, dU⟩."""
    return E.Mul(bar, E.Identity(e.args[0].shape[0]))


@rule(E.Sum, name="sum of entries")
def t_sum(e, bar, i):
    """g sum(dU) = ⟨g 𝟏, dU⟩."""
    return E.Mul(bar, E.Ones(e.args[0].shape))


@rule(E.Mean, name="mean of entries")
def t_mean(e, bar, i):
    """g mean(dU) = ⟨g 𝟏 / N, dU⟩ with N the number of entries."""
    rows, cols = e.args[0].shape
    return E.Div(E.Mul(bar, E.Ones(e.args[0].shape)), size_expr(dim_mul(rows, cols)))


def size_expr(d):
    """A dimension as a scalar expression: a number, or the Size node of a symbolic size."""
    return E.Const(d) if isinstance(d, int) else E.Size(d)


@rule(E.Vec, name="vec in an inner product")
def t_vec(e, bar, i):
    """⟨g, vec(dU)⟩ = ⟨unvec(g), dU⟩."""
    u = e.args[0]
    return bar if u.shape[1] == 1 else E.Unvec(bar, *u.shape)


@rule(E.Unvec, name="vec in an inner product")
def t_unvec(e, bar, i):
    """⟨G, unvec(du)⟩ = ⟨vec(G), du⟩."""
    return E.Vec(bar)


@rule(E.DiagMat, name="diagonal")
def t_diagmat(e, bar, i):
    """⟨G, diag(du)⟩ = ⟨diag(G), du⟩."""
    return E.DiagVec(bar)


@rule(E.DiagVec, name="diagonal")
def t_diagvec(e, bar, i):
    """⟨g, diag(dU)⟩ = ⟨diag(g), dU⟩."""
    return E.DiagMat(bar)


def _constant(e, k, i):
    if i == k:
        raise InternalError(f"{type(e).__name__}: the differential is not linear")


def contributions(df, leaf):
    """The adjoint reaching each occurrence of `leaf` in df, in order, and the rules used."""
    out, used = [], {}
    memo = {}

    def holds(e):
        if e not in memo:
            memo[e] = e == leaf or any(holds(a) for a in e.args)
        return memo[e]

    def walk(e, bar):
        if e == leaf:
            out.append(bar)
            return
        try:
            fn, name = RULES[type(e)]
        except KeyError:
            raise DerivativeError(f"the trace trick has no rule for {type(e).__name__} "
                                  f"around the differential") from None
        used.setdefault(name, fn.__doc__.strip().rstrip("."))
        for i, a in enumerate(e.args):
            if holds(a):
                walk(a, fn(e, bar, i))

    walk(df, E.Const(1))
    return out, used
