"""The differential of an expression: one rule per operator, in one table.

`differential(f, X)` returns df, an expression linear in the leaf dX
(`Differential`), or None when f does not depend on X. Each rule receives the
node and `d`, which gives the differential of a child (None for a constant
child), and builds the differential of the node from the identity in its
docstring. Rules never simplify: that is `simplify`'s job; the trace trick
(`tracetrick`) then reads the gradient off df.
"""

from ..tree import expr as E
from ..errors import DerivativeError
from ..tree.rules import named_rules
from .tracetrick import inner

RULES, rule = named_rules()   # one rule per operator: RULES[cls] = (function, name)


# ----------------------------------------------------------------- small builders

def add(*terms):
    """Sum of the terms that exist."""
    terms = [t for t in terms if t is not None]
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else E.Add(*terms)


def mul(*factors):
    """Product of factors (one factor is itself)."""
    return factors[0] if len(factors) == 1 else E.Mul(*factors)


def neg(x):
    """-x."""
    return E.Neg(x)


def had(a, b):
    """a ⊙ b."""
    return E.Hadamard(a, b)


def fit(dx, shape):
    """A scalar differential added into a larger sum applies to every entry."""
    if dx is None or tuple(dx.shape) == tuple(shape) or not dx.is_scalar:
        return dx
    return E.Mul(dx, E.Ones(shape))


# ----------------------------------------------------------------- leaves

@rule(E.Const, E.Identity, E.Ones, E.Zero, E.Size, E.Basis, E.Commutation, name="constant")
def d_const(e, d):
    """d(constant) = 0."""
    return None


@rule(E.Matrix, name="explicit matrix")
def d_matrix(e, d):
    """d[a b; c d] = [da db; dc dd] (entry by entry)."""
    parts = [d(i) for i in range(len(e.args))]
    if all(p is None for p in parts):
        return None
    m, n = e.params
    parts = [p if p is not None else E.Const(0) for p in parts]
    return E.Matrix([parts[i * n:(i + 1) * n] for i in range(m)])


# ----------------------------------------------------------------- linear operators

@rule(E.Add, name="sum rule")
def d_add(e, d):
    """d(U + V) = dU + dV."""
    return add(*[fit(d(i), e.shape) for i in range(len(e.args))])


@rule(E.Neg, name="sum rule")
def d_neg(e, d):
    """d(-U) = -dU."""
    return neg(d(0))


@rule(E.Transpose, name="transpose")
def d_transpose(e, d):
    """d(Uᵀ) = (dU)ᵀ."""
    return E.Transpose(d(0))


@rule(E.Trace, name="trace")
def d_trace(e, d):
    """d tr(U) = tr(dU)."""
    return E.Trace(d(0))


@rule(E.Sum, E.Mean, E.DiagMat, E.DiagVec, E.Vec, name="linear map")
def d_linear(e, d):
    """d L(U) = L(dU) for the linear maps sum, mean, diag, vec."""
    return type(e)(d(0))


# ----------------------------------------------------------------- products

@rule(E.Unvec, name="linear map")
def d_unvec(e, d):
    """d unvec(u) = unvec(du)."""
    return E.Unvec(d(0), *e.params)


@rule(E.Mul, name="product rule")
def d_mul(e, d):
    """d(U V) = dU V + U dV (Matrix Cookbook eq. 37), for every factor."""
    terms = []
    for i, f in enumerate(e.args):
        di = d(i)
        if di is not None:
            terms.append(E.Mul(*e.args[:i], di, *e.args[i + 1:]))
    return add(*terms)


@rule(E.Hadamard, name="product rule (Hadamard)")
def d_hadamard(e, d):
    """d(U ⊙ V) = dU ⊙ V + U ⊙ dV (eq. 38)."""
    a, b = e.args
    return add(had(d(0), b) if d(0) is not None else None,
               had(a, d(1)) if d(1) is not None else None)


@rule(E.Kron, name="product rule (Kronecker)")
def d_kron(e, d):
    """d(U ⊗ V) = dU ⊗ V + U ⊗ dV (eq. 39)."""
    a, b = e.args
    return add(E.Kron(d(0), b) if d(0) is not None else None,
               E.Kron(a, d(1)) if d(1) is not None else None)


@rule(E.Div, name="quotient rule")
def d_div(e, d):
    """d(U / s) = dU / s - (ds / s²) U."""
    u, s = e.args
    return add(E.Div(d(0), s) if d(0) is not None else None,
               neg(E.Div(E.Mul(d(1), u), E.Power(s, 2))) if d(1) is not None else None)


@rule(E.HadDiv, name="quotient rule (element-wise)")
def d_haddiv(e, d):
    """d(U ./ V) = dU ./ V - (U ⊙ dV) ./ V.^2."""
    u, v = e.args
    return add(E.HadDiv(d(0), v) if d(0) is not None else None,
               neg(E.HadDiv(had(u, d(1)), E.HadPow(v, 2))) if d(1) is not None else None)


@rule(E.HadPow, name="power rule (element-wise)")
def d_hadpow(e, d):
    """d(U.^p) = p U.^(p-1) ⊙ dU."""
    p = e.params[0]
    return had(E.Mul(E.Const(p), E.HadPow(e.args[0], p - 1)), d(0))


# ----------------------------------------------------------------- matrix functions

@rule(E.Inverse, name="inverse")
def d_inverse(e, d):
    """dX⁻¹ = -X⁻¹ dX X⁻¹ (eq. 59); for a scalar, d(1/x) = -dx / x²."""
    x = e.args[0]
    if x.is_scalar:
        return neg(E.Div(d(0), E.Power(x, 2)))
    return neg(E.Mul(e, d(0), e))


@rule(E.Power, name="power rule")
def d_power(e, d):
    """d(x^k) = k x^(k-1) dx for a scalar; d(X^k) = Σ X^i dX X^(k-1-i) for a matrix."""
    x, k = e.args[0], e.params[0]
    if x.is_scalar:
        return E.Mul(E.Const(k), E.Power(x, k - 1), d(0)) if k != 1 else d(0)
    if k == 0:
        return None
    base, dbase = (x, d(0)) if k > 0 else (E.Inverse(x), neg(E.Mul(E.Inverse(x), d(0), E.Inverse(x))))
    n = int(abs(k))
    terms = [mul(*[f for f in (_pow(base, i), dbase, _pow(base, n - 1 - i)) if f is not None])
             for i in range(n)]
    return add(*terms)


def _pow(x, i):
    return None if i == 0 else x if i == 1 else E.Power(x, i)


@rule(E.Det, name="determinant")
def d_det(e, d):
    """d det X = det X tr(X⁻¹ dX) (Jacobi's formula, eq. 46)."""
    x = e.args[0]
    if x.is_scalar:
        return d(0)
    return E.Mul(e, E.Trace(E.Mul(E.Inverse(x), d(0))))


@rule(E.LogDet, name="log-determinant")
def d_logdet(e, d):
    """d log|det X| = tr(X⁻¹ dX) (eq. 51)."""
    x = e.args[0]
    if x.is_scalar:
        return E.Div(d(0), x)
    return E.Trace(E.Mul(E.Inverse(x), d(0)))


@rule(E.Norm, name="norm")
def d_norm(e, d):
    """d‖U‖ = ⟨U, dU⟩ / ‖U‖; d‖U‖₁ = ⟨sign(U), dU⟩."""
    u = e.args[0]
    if e.params[0] == "1":
        return inner(E.Apply("sign", u), d(0))
    return E.Div(inner(u, d(0)), e)


# ----------------------------------------------------------------- element-wise functions

def _dfn(fn, u, f):
    """f'(u) for the element-wise function `fn` (f is the node f(u) itself)."""
    one = E.Const(1)
    table = {
        "exp": lambda: f,
        "sin": lambda: E.Apply("cos", u),
        "cos": lambda: E.Neg(E.Apply("sin", u)),
        "tanh": lambda: E.Add(one, E.Neg(E.HadPow(f, 2))),
        "sigmoid": lambda: had(f, E.Add(one, E.Neg(f))),
        "relu": lambda: E.Apply("step", u),
        "softplus": lambda: E.Apply("sigmoid", u),
        "abs": lambda: E.Apply("sign", u),
    }
    return table[fn]()


@rule(E.Apply, name="chain rule (element-wise)")
def d_apply(e, d):
    """d f(U) = f'(U) ⊙ dU, with f' from the table of derivatives."""
    fn, u, du = e.fn, e.args[0], d(0)
    if fn in ("step", "sign"):
        return None
    if fn == "log":
        return E.HadDiv(du, u)
    if fn == "sqrt":
        return E.HadDiv(du, E.Mul(E.Const(2), e))
    if fn == "tan":
        return E.HadDiv(du, E.HadPow(E.Apply("cos", u), 2))
    return had(_dfn(fn, u, e), du)


@rule(E.Softmax, name="softmax")
def d_softmax(e, d):
    """d softmax(z) = (diag(s) - s sᵀ) dz with s = softmax(z), column by column: dS = S ⊙ dZ - S ⊙ (𝟏 𝟏ᵀ (S ⊙ dZ))"""
    if e.shape[1] != 1:
        m = e.shape[0]
        had = E.Hadamard(e, d(0))
        return E.Add(had, E.Neg(E.Hadamard(e, E.Mul(E.Ones((m, m)), had))))
    return E.Mul(E.Add(E.DiagMat(e), E.Neg(E.Mul(e, E.Transpose(e)))), d(0))


@rule(E.LogSumExp, name="log-sum-exp")
def d_logsumexp(e, d):
    """d logsumexp(z) = softmax(z)ᵀ dz, column by column: d logsumexp(Z) = 𝟏ᵀ (softmax(Z) ⊙ dZ)"""
    z = e.args[0]
    if z.shape[1] != 1:
        return E.Mul(E.Transpose(E.Ones((z.shape[0], 1))), E.Hadamard(E.Softmax(z), d(0)))
    return E.Mul(E.Transpose(E.Softmax(z)), d(0))


# ----------------------------------------------------------------- the walk

class _D:
    """Memoised differentials of the subtrees of one expression by one variable."""

    def __init__(self, wrt, used):
        self.wrt, self.memo, self.used = wrt, {}, used

    def of(self, e):
        """The differential of `e` (None if constant)."""
        if e in self.memo:
            return self.memo[e]
        if not self.depends(e):
            self.memo[e] = None
            return None
        if isinstance(e, E.Var):
            return E.Differential(e)
        fn, name = _lookup(e)
        out = fn(e, lambda i: self.of(e.args[i]))
        if out is not None and name not in ("variable", "constant"):
            self.used.setdefault(name, fn.__doc__.strip().rstrip("."))
        self.memo[e] = out
        return out

    def depends(self, e):
        """True if `e` varies with the variable (step and sign are constant almost everywhere)."""
        key = ("dep", e)
        if key not in self.memo:
            piecewise_constant = isinstance(e, E.Apply) and e.fn in ("step", "sign")
            self.memo[key] = e == self.wrt or not piecewise_constant and any(self.depends(a) for a in e.args)
        return self.memo[key]


def _lookup(e):
    try:
        return RULES[type(e)]
    except KeyError:
        raise DerivativeError(f"no differential rule for {type(e).__name__}") from None


def differential(f, wrt):
    """(df, rules_used): df linear in d(wrt), rules_used an ordered dict name → identity."""
    used = {}
    return _D(wrt, used).of(f), used


__all__ = ["differential", "RULES"]
