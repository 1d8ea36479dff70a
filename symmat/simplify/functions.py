"""Rules for element-wise operations, powers and reductions.

`s ⊙ A = s A`, `𝟏 ⊙ A = A`, `(x^a)^b = x^(ab)`, `tr(c A) = c tr(A)`,
`det(Xᵀ) = det(X)`, `sum(c U) = c sum(U)`, `unvec(vec(X)) = X`,
`log(exp(x)) = x`. Pure functions, listed per node type in `strategy`.
"""

from ..tree import expr as E
from .terms import mk_mul, scalar_part, scale, split_coef


def hadamard_rules(e):
    """s ⊙ A = s A for a scalar s; 𝟏 ⊙ A = A; 0 ⊙ A = 0; (c A) ⊙ B = c (A ⊙ B)."""
    a, b = e.args
    if a.is_scalar or b.is_scalar:
        return E.Mul(a, b) if a.is_scalar else E.Mul(b, a)
    for x, y in ((a, b), (b, a)):
        if isinstance(x, E.Ones):
            return y
        if isinstance(x, E.Zero):
            return E.Zero(e.shape)
    for i, x in enumerate((a, b)):
        part = scalar_part(x)
        if part:
            c, scalars, core = part
            inner = E.Hadamard(core, b) if i == 0 else E.Hadamard(a, core)
            return scale(c, mk_mul(scalars + [inner]))
    return e


def hadamard_left(e):
    """A ⊙ (B ⊙ C) = (A ⊙ B) ⊙ C, printed A ⊙ B ⊙ C."""
    a, b = e.args
    if isinstance(b, E.Hadamard):
        return E.Hadamard(E.Hadamard(a, b.args[0]), b.args[1])
    return e


def hadamard_sums_last(e):
    """A ⊙ B = B ⊙ A: in a chain of ⊙, products first and sums last: W2ᵀ (ŷ - y) ⊙ h ⊙ (1 - h)."""
    factors = hadamard_factors(e)
    order = sorted(factors, key=lambda f: 0 if isinstance(f, E.Mul) else 2 if isinstance(f, E.Add) else 1)
    return e if order == factors else hadamard_of(order)


def hadamard_factors(x):
    """The factors of a chain of ⊙ (x itself when it is not one)."""
    out = []
    while isinstance(x, E.Hadamard):
        out.extend(reversed(hadamard_factors(x.args[1])))
        x = x.args[0]
    out.append(x)
    return out[::-1]


def hadamard_of(factors):
    """f1 ⊙ f2 ⊙ … (left-nested, as `hadamard_left` leaves it)."""
    out = factors[0]
    for f in factors[1:]:
        out = E.Hadamard(out, f)
    return out


def haddiv_rules(e):
    """A ./ 𝟏 = A; A ./ s = A / s; (c A) ./ B = c (A ./ B); 0 ./ B = 0."""
    a, b = e.args
    if isinstance(b, E.Ones):
        return a
    if b.is_scalar:
        return E.Div(a, b)
    if isinstance(a, E.Zero):
        return a
    c, rest = split_coef(a)
    if c != 1 and rest is not None:
        return scale(c, E.HadDiv(rest, b))
    return e


def hadpow_rules(e):
    """A.^1 = A; s.^p = s^p for a scalar."""
    x, p = e.args[0], e.params[0]
    if p == 1:
        return x
    if x.is_scalar:
        return E.Power(x, p)
    return e


def power_rules(e):
    """x^1 = x; x^0 = 1; (x^a)^b = x^(ab); constants folded."""
    x, k = e.args[0], e.params[0]
    if k == 1:
        return x
    if k == 0:
        return E.Const(1) if x.is_scalar else E.Identity(x.shape[0])
    if isinstance(x, E.Power) and (k.denominator == 1 and x.params[0].denominator == 1):
        return E.Power(x.args[0], x.params[0] * k)
    if isinstance(x, E.Const) and k.denominator == 1 and (x.value != 0 or k > 0) and abs(k) <= 64:
        return E.Const(x.value ** int(k))   # bounded: 2^1000000000 stays a power
    return e


def trace_rules(e):
    """tr(s) = s; tr(Aᵀ) = tr(A); tr(c A) = c tr(A); tr(A + B) = tr(A) + tr(B)."""
    x = e.args[0]
    if x.is_scalar:
        return x
    if isinstance(x, E.Transpose):
        return E.Trace(x.args[0])
    if isinstance(x, E.Add) and not any(a.is_scalar for a in x.args):
        return E.Add(*[E.Trace(a) for a in x.args])   # a 1×1 term is added to every entry: no split
    part = scalar_part(x)
    if part:
        c, scalars, core = part
        return scale(c, mk_mul(scalars + [E.Trace(core)]))
    return e


def det_rules(e):
    """det(Xᵀ) = det(X); det(s) = s; det(Xᵏ) = det(X)ᵏ; det(X⁻¹) = 1 / det(X)."""
    x = e.args[0]
    if isinstance(x, E.Transpose):
        return type(e)(x.args[0])
    if x.is_scalar:
        return x
    if isinstance(x, E.Power):
        return E.Power(E.Det(x.args[0]), x.params[0])
    if isinstance(x, E.Inverse):
        return E.Div(E.Const(1), E.Det(x.args[0]))
    return e


def logdet_rules(e):
    """log|det Xᵀ| = log|det X|; log|det Xᵏ| = k log|det X|; log|det X⁻¹| = -log|det X|."""
    x = e.args[0]
    if isinstance(x, E.Transpose):
        return E.LogDet(x.args[0])
    if isinstance(x, E.Power):
        return scale(x.params[0], E.LogDet(x.args[0]))
    if isinstance(x, E.Inverse):
        return E.Neg(E.LogDet(x.args[0]))
    return e


def trace_kron(e):
    """tr(A ⊗ B) = tr(A) tr(B) for square A and B."""
    x = e.args[0]
    if isinstance(x, E.Kron) and all(a.shape[0] == a.shape[1] for a in x.args):
        return E.Mul(E.Trace(x.args[0]), E.Trace(x.args[1]))
    return e


def sum_kron(e):
    """sum(A ⊗ B) = sum(A) sum(B): every product a_ij b_kl occurs once."""
    x = e.args[0]
    if isinstance(x, E.Kron):
        return E.Mul(E.Sum(x.args[0]), E.Sum(x.args[1]))
    return e


def sum_rules(e):
    """sum(s) = s; sum(c U) = c sum(U)."""
    x = e.args[0]
    if x.is_scalar:
        return x
    c, rest = split_coef(x)
    if c != 1 and rest is not None:
        return scale(c, E.Sum(rest))
    return e


def unvec_rules(e):
    """unvec(vec(X)) = X; unvec(c v) = c unvec(v); unvec(𝟏) = 𝟏."""
    x = e.args[0]
    if isinstance(x, E.Ones):
        return E.Ones(e.shape)
    if isinstance(x, E.Vec) and tuple(x.args[0].shape) == tuple(e.shape):
        return x.args[0]
    c, rest = split_coef(x)
    if c != 1 and rest is not None:
        return scale(c, E.Unvec(rest, *e.params))
    return e


def diag_rules(e):
    """diag(𝟏) = I."""
    if isinstance(e.args[0], E.Ones):
        return E.Identity(e.shape[0])
    return e


def apply_rules(e):
    """log(exp(x)) = x, exp(log(x)) = x."""
    x = e.args[0]
    if isinstance(x, E.Apply) and {e.fn, x.fn} == {"log", "exp"}:
        return x.args[0]
    return e
