"""Rules for transposes and inverses: pushed down onto names.

`(A B)ᵀ = Bᵀ Aᵀ`, `(Aᵀ)ᵀ = A`, `Sᵀ = S` for a symmetric S, `(Xᵀ)⁻¹ = X⁻ᵀ`,
`(X⁻¹)⁻¹ = X`. What counts as symmetric is decided in `symmetry`.
"""

from ..tree import expr as E


def _transpose_of(x):
    """xᵀ with the transpose pushed one level down (None if it stays on x)."""
    if x.is_scalar:
        return x
    t = type(x)
    if t is E.Transpose:
        return x.args[0]
    if t is E.Var:
        return x if x.has("symmetric") else None
    if t in (E.Identity, E.DiagMat):
        return x
    if t is E.Zero:
        return E.Zero((x.shape[1], x.shape[0]))
    if t is E.Ones and x.shape[1] != 1:
        return E.Ones((x.shape[1], x.shape[0]))
    if t is E.Add:
        return E.Add(*[E.Transpose(a) for a in x.args])
    if t is E.Neg:
        return E.Neg(E.Transpose(x.args[0]))
    if t is E.Mul:
        return E.Mul(*(x.scalars + [E.Transpose(a) for a in reversed(x.chain)]))
    if t is E.Div:
        return E.Div(E.Transpose(x.args[0]), x.args[1])
    if t is E.Kron:
        return t(E.Transpose(x.args[0]), E.Transpose(x.args[1]))
    if t is E.Power:
        return E.Power(E.Transpose(x.args[0]), x.params[0])
    if t is E.Matrix:
        return E.Matrix([list(col) for col in zip(*x.rows())])
    if t is E.Inverse and _symmetric(x.args[0]):
        return x
    return None


def _symmetric(x):
    return isinstance(x, E.Var) and x.has("symmetric") or isinstance(x, (E.Identity, E.DiagMat))


def transpose_push(e):
    """(A B)ᵀ = Bᵀ Aᵀ, (Aᵀ)ᵀ = A, (A + B)ᵀ = Aᵀ + Bᵀ, Sᵀ = S for a symmetric S, sᵀ = s for a scalar."""
    out = _transpose_of(e.args[0])
    return e if out is None else out


def inverse_rules(e):
    """(Xᵀ)⁻¹ = (X⁻¹)ᵀ, (X⁻¹)⁻¹ = X, I⁻¹ = I, Q⁻¹ = Qᵀ for an orthogonal Q, 1/s for a scalar."""
    x = e.args[0]
    if x.is_scalar:
        return E.Div(E.Const(1), x)
    if isinstance(x, E.Transpose):
        return E.Transpose(E.Inverse(x.args[0]))
    if isinstance(x, E.Inverse):
        return x.args[0]
    if isinstance(x, E.Identity):
        return x
    if isinstance(x, E.Var) and x.has("orthogonal"):
        return E.Transpose(x)
    return e
