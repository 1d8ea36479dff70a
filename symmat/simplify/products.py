"""Rules for products and quotients: the order a textbook writes factors in.

Constants multiplied into one coefficient in front (`-X`, never `-1 X`),
scalar factors before matrix factors, equal scalar factors as a power,
identities and inverse pairs cancelled, a division by a scalar outside the
product. Each rule is a pure function that returns its input when it does
not apply; `strategy` lists them per node type, in the order they are tried.
"""

from fractions import Fraction

from ..tree import expr as E
from ..tree.rules import needs
from .symmetry import flip
from .terms import ONE, is_reciprocal, mk_mul, scale, split_coef


@needs(E.Mul)
def mul_flatten(e):
    """(A B) C = A B C; a 1×1 matrix product stays a single scalar factor."""
    if not any(isinstance(a, E.Mul) and not (a.is_scalar and a.chain) for a in e.args):
        return e
    out = []
    for a in e.args:
        out.extend(a.args if isinstance(a, E.Mul) and not (a.is_scalar and a.chain) else [a])
    return E.Mul(*out)


_COEFFICIENTS = (E.Const, E.Neg, E.Zero)


@needs(E.Const, E.Neg, E.Zero)
def mul_constants(e):
    """Constants (and signs) multiplied into one coefficient in front; 0 · X = 0."""
    if not any(isinstance(a, _COEFFICIENTS) for a in e.args):
        return e
    c, rest, changed = ONE, [], False
    for a in e.args:
        if isinstance(a, E.Const):
            c *= a.value
            changed = True
        elif isinstance(a, E.Neg):
            c, changed = -c, True
            rest.append(a.args[0])
        elif isinstance(a, E.Zero):
            return E.Zero(e.shape) if not e.is_scalar else E.Const(0)
        else:
            rest.append(a)
    if c == 0:
        return E.Const(0) if e.is_scalar else E.Zero(e.shape)
    if not changed or (isinstance(e.args[0], E.Const) and c == e.args[0].value != 1 and len(rest) > 1
                       and sum(isinstance(a, (E.Const, E.Neg)) for a in e.args) == 1):
        return e
    return scale(c, mk_mul(rest))


@needs(E.Identity)
def mul_identity(e):
    """A I = A: identities dropped from a chain that has other factors."""
    chain = e.chain
    if len(chain) < 2 or not any(isinstance(a, E.Identity) for a in chain):
        return e
    keep = [a for a in e.args if not isinstance(a, E.Identity)]
    if not any(not a.is_scalar for a in keep):
        keep.append(next(a for a in chain if isinstance(a, E.Identity)))
    return mk_mul(keep)


def mul_scalars_first(e):
    """Scalar factors stand in front of the matrix factors, the coefficient first."""
    consts = [a for a in e.args if isinstance(a, E.Const)]
    scalars = [a for a in e.args if a.is_scalar and not isinstance(a, E.Const)]
    chain = e.chain
    order = consts + scalars + chain
    return e if tuple(order) == e.args else E.Mul(*order)


def mul_powers(e):
    """Equal scalar factors become a power: λ λ = λ², x x^k = x^(k+1)."""
    scalars = [a for a in e.args if a.is_scalar and not isinstance(a, E.Const)]
    bases = [_base_exp(a)[0] for a in scalars]
    if len(set(bases)) == len(bases):
        return e
    powers = {}
    for a in scalars:
        b, k = _base_exp(a)
        powers[b] = powers.get(b, 0) + k
    merged = [b if k == 1 else E.Power(b, k) for b, k in powers.items() if k != 0]
    consts = [a for a in e.args if isinstance(a, E.Const)]
    return mk_mul(consts + merged + e.chain) if consts + merged + e.chain else E.Const(1)


def _base_exp(a):
    """(base, exponent) of a scalar factor."""
    if isinstance(a, E.Power) and a.args[0].is_scalar:
        return a.args[0], a.params[0]
    return a, ONE


@needs(E.Div)
def mul_div_out(e):
    """A (B / s) = (A B) / s: a division by a scalar moves outside the product."""
    k = next((i for i, a in enumerate(e.args) if isinstance(a, E.Div) and not is_reciprocal(a)), None)
    if k is None:
        return e
    others = e.args[:k] + e.args[k + 1:]
    if all(isinstance(a, E.Const) for a in others):
        return e
    num, den = e.args[k].args
    return E.Div(E.Mul(*e.args[:k], num, *e.args[k + 1:]), den)


@needs(E.Inverse, E.Transpose)
def mul_inverse_cancel(e):
    """X X⁻¹ = X⁻¹ X = I."""
    chain = e.chain
    for j in range(len(chain) - 1):
        a, b = chain[j], chain[j + 1]
        if _inverse_pair(a, b) or _inverse_pair(b, a):
            ident = E.Identity(a.shape[0])
            args = list(e.args)
            i = args.index(a) if args.count(a) == 1 else _nth(args, a, j, chain)
            args[i:i + 2] = [ident]
            return mk_mul(args)
    return e


def _nth(args, a, j, chain):
    seen = -1
    for i, x in enumerate(args):
        if not x.is_scalar:
            seen += 1
            if seen == j:
                return i
    return args.index(a)


def _inverse_pair(a, b):
    return isinstance(b, E.Inverse) and b.args[0] == a or \
        isinstance(b, E.Transpose) and isinstance(b.args[0], E.Inverse) and a == E.Transpose(b.args[0].args[0])


@needs(E.DiagMat)
def mul_diag_vector(e):
    """diag(a) v = a ⊙ v for a vector v."""
    args = list(e.args)
    for i in range(len(args) - 1):
        a, b = args[i], args[i + 1]
        if isinstance(a, E.DiagMat) and b.shape[1] == 1 and not b.is_scalar:
            args[i:i + 2] = [E.Hadamard(a.args[0], b)]
            return mk_mul(args)
    return e


@needs(E.Ones)
def mul_ones_first(e):
    """xᵀ 𝟏 = 𝟏ᵀ x: an inner product with the ones vector puts 𝟏 first."""
    if len(e.args) == 2 and isinstance(e.args[1], E.Ones) and isinstance(e.args[0], E.Transpose) \
            and e.is_scalar:
        return E.Mul(E.Transpose(e.args[1]), e.args[0].args[0])
    return e


def neg_canonical(e):
    """-x is the coefficient -1 (folded into a product's); -(a + b) = -a - b."""
    c, rest = split_coef(e)
    if isinstance(rest, E.Add):
        return E.Add(*[scale(c * k, r) for k, r in map(split_coef, rest.args)])
    return scale(c, rest)


def div_rules(e):
    """U / c = (1/c) U; (U / s) / t = U / (s t); (c U) / s = c (U / s); U / (c s) = (1/c) (U / s);
    s U / s = U; sign(u) U / |u| = U / u."""
    num, den = e.args
    if isinstance(den, E.Const):
        return scale(1 / den.value, num)
    if isinstance(num, E.Div):
        return E.Div(num.args[0], E.Mul(num.args[1], den))
    if isinstance(num, (E.Zero,)) or isinstance(num, E.Const) and num.value == 0:
        return num
    if num == den:
        return E.Const(1)
    c, rest = split_coef(num)
    if c != 1 and rest is not None:
        return scale(c, E.Div(rest, den))
    k, core = split_coef(den)
    if k != 1 and core is not None:   # U / (2 s) = 1/2 (U / s)
        return scale(1 / k, E.Div(num, core))
    if isinstance(den, E.Var) and num != E.Const(1):
        return E.Mul(E.Div(E.Const(1), den), num)
    if isinstance(num, E.Mul) and den in num.args:
        args = list(num.args)
        args.remove(den)
        return mk_mul(args)
    if isinstance(den, E.Apply) and den.fn == "abs" and isinstance(num, E.Mul) \
            and E.Apply("sign", den.args[0]) in num.args:   # sign(u) / |u| = 1 / u
        args = list(num.args)
        args.remove(E.Apply("sign", den.args[0]))
        return E.Div(mk_mul(args), den.args[0])
    return e


def sigmoid_recognised(e):
    """exp(s) / (1 + exp(s)) = σ(s)."""
    num, den = e.args
    if isinstance(num, E.Apply) and num.fn == "exp" and isinstance(den, E.Add) and len(den.args) == 2:
        if set(den.args) == {E.Const(1), num} or set(den.args) == {E.Ones(den.shape), num}:
            return E.Apply("sigmoid", num.args[0])
    return e


@needs(E.Add)
def mul_sum_coefficient(e):
    """c (2 A - 2 B) = 2c (A - B) and (-A - B) C = -(A + B) C: a common coefficient of a sum factor goes in front."""
    for i, a in enumerate(e.args):
        if isinstance(a, E.Add):
            g = _common_coefficient(a.args)
            if g != 1:
                args = list(e.args)
                args[i] = E.Add(*[scale(c / g, r) for c, r in map(split_coef, a.args)])
                return E.Mul(E.Const(g), *args)
    return e


def _common_coefficient(terms):
    """|c| when every term's coefficient is ±c (negative when all are negative), -1 when all are negative, else 1."""
    coefs = [split_coef(t)[0] for t in terms]
    sign = -1 if all(c < 0 for c in coefs) else 1
    size = abs(coefs[0])
    if size != 0 and all(abs(c) == size for c in coefs):
        return sign * size
    return Fraction(sign)


def _matrix_power(x):
    """(core, transposed, k) with x = (core or coreᵀ)^k, k < 0 for an inverse: (X³)⁻ᵀ = (X⁻ᵀ)³ = (X, True, -3)."""
    transposed, k = False, 1
    if isinstance(x, E.Transpose):
        x, transposed = x.args[0], True
    if isinstance(x, E.Inverse):
        x, k = x.args[0], -1
    if isinstance(x, E.Power) and x.params[0].denominator == 1:
        x, k = x.args[0], k * int(x.params[0])
    if isinstance(x, E.Transpose):
        x, transposed = x.args[0], not transposed
    if isinstance(x, E.Inverse) and abs(k) > 1:   # (X⁻ᵀ)³ = (X, True, -3), as (X³)⁻ᵀ is
        x, k = x.args[0], -k
    return x, transposed, k


def _from_power(core, transposed, k):
    """The factor (core or coreᵀ)^k, the transpose on top of an inverse (X⁻ᵀ) and inside a power ((Xᵀ)³, (Xᵀ)⁻²)."""
    if k == 0:
        return E.Identity(core.shape[0])
    if k > 0 or k == -1 or isinstance(core, E.Var):
        out = core if k == 1 else E.Inverse(core) if k == -1 else E.Power(core, k)
    else:   # ((X + A)²)⁻¹, as the Cookbook writes it: X⁻ᵏ only for a variable (inverse_rules)
        out = E.Inverse(E.Power(core, -k))
    return E.Transpose(out) if transposed else out


def mul_matrix_powers(e):
    """Xᵏ Xʲ = Xᵏ⁺ʲ for adjacent factors of one base: Xᵀ (Xᵀ)² = (Xᵀ)³, (X³)⁻ᵀ (Xᵀ)² = X⁻ᵀ."""
    args = list(e.args)
    pos = [i for i, a in enumerate(args) if not a.is_scalar]
    for i, j in zip(pos, pos[1:]):
        p, q = _matrix_power(args[i]), _matrix_power(args[j])
        if p[:2] == q[:2] and p[0].shape[0] == p[0].shape[1]:
            args[i] = _from_power(p[0], p[1], p[2] + q[2])
            del args[j]
            return mk_mul(args)
    return e


@needs(E.DiagMat)
def mul_diag_distribute(e):
    """diag(a) (M + diag(c)) = diag(a) M + diag(a ⊙ c): a diagonal scaling goes into a sum where it merges.

    (And on the right.) The back-propagation form of a network Hessian,
    D W2ᵀ W2 D + diag(…), is reached this way.
    """
    args = list(e.args)
    for i in range(len(args) - 1):
        p, q = args[i], args[i + 1]
        if any(isinstance(s, E.Add) and not s.is_scalar and any(t.is_scalar for t in s.args) for s in (p, q)):
            continue   # 1 + diag(c) adds 1 to every entry: diag(a) 1 would not be diag(a) 𝟏 𝟏ᵀ
        if isinstance(p, E.DiagMat) and isinstance(q, E.Add) and any(_end_is_diag(t, 0) for t in q.args):
            args[i:i + 2] = [E.Add(*[E.Mul(p, t) for t in q.args])]
            return mk_mul(args)
        if isinstance(q, E.DiagMat) and isinstance(p, E.Add) and any(_end_is_diag(t, -1) for t in p.args):
            args[i:i + 2] = [E.Add(*[E.Mul(t, q) for t in p.args])]
            return mk_mul(args)
    return e


def _end_is_diag(t, side):
    _, rest = split_coef(t)
    if isinstance(rest, E.DiagMat):
        return True
    return isinstance(rest, E.Mul) and bool(rest.chain) and isinstance(rest.chain[side], E.DiagMat)


@needs(E.Ones)
def mul_ones_outer(e):
    """𝟏_m 𝟏_nᵀ = 𝟏_(m×n): the outer product of ones vectors is the matrix of ones."""
    args = list(e.args)
    for i in range(len(args) - 1):
        p, q = args[i], args[i + 1]
        if isinstance(p, E.Ones) and p.shape[1] == 1 and _ones_row(q):
            args[i:i + 2] = [E.Ones((p.shape[0], q.shape[1]))]
            return mk_mul(args)
    return e


def _ones_row(x):
    return isinstance(x, E.Ones) and x.shape[0] == 1 or isinstance(x, E.Transpose) and isinstance(x.args[0], E.Ones)


@needs(E.Inverse, E.Transpose)
def mul_inverse_product_cancel(e):
    """H₁ᵀ (H₁ R)⁻ᵀ = R⁻ᵀ, (L Hₖ)⁻ᵀ Hₖᵀ = L⁻ᵀ, (H₁ R)⁻¹ H₁ = R⁻¹, Hₖ (L Hₖ)⁻¹ = L⁻¹ for a square H:
    a factor cancels against its inverse inside an inverted product (det(A X B) by X: det(A X B) X⁻ᵀ)."""
    args = list(e.args)
    pos = [i for i, a in enumerate(args) if not a.is_scalar]
    for i, j in zip(pos, pos[1:]):
        out = _cancelled(args[i], args[j])
        if out is not None:
            args[i:j + 1] = [out] + [a for a in args[i + 1:j]]
            return mk_mul(args)
    return e


def _inverted_chain(x):
    """(chain, transposed) for x = (H₁ … Hₖ)⁻¹ or its transpose, else None."""
    transposed = isinstance(x, E.Transpose)
    core = x.args[0] if transposed else x
    if isinstance(core, E.Inverse) and isinstance(core.args[0], E.Mul) and not core.args[0].scalars:
        return core.args[0].chain, transposed
    return None


def _rest_inverse(chain, transposed):
    out = E.Inverse(mk_mul(chain))
    return E.Transpose(out) if transposed else out


def _cancelled(p, q):
    """The product p q with one factor cancelled against an inverted product, or None."""
    for inv, other, inv_right in ((q, p, True), (p, q, False)):
        found = _inverted_chain(inv)
        if found is None:
            continue
        chain, transposed = found
        # (H₁…Hₖ)⁻ᵀ = H₁⁻ᵀ … Hₖ⁻ᵀ and (H₁…Hₖ)⁻¹ = Hₖ⁻¹ … H₁⁻¹: which end meets `other`
        k = 0 if inv_right == transposed else -1
        end = chain[k]
        if end.shape[0] == end.shape[1] and other == (flip(end) if transposed else end):
            return _rest_inverse(chain[1:] if k == 0 else chain[:-1], transposed)
    return None
