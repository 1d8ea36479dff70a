"""Rules for transposes and inverses: pushed down onto names, gathered over a sum.

`(A B)ᵀ = Bᵀ Aᵀ`, `(Aᵀ)ᵀ = A`, `Sᵀ = S` for a symmetric S, `(Xᵀ)⁻¹ = X⁻ᵀ`,
`(X⁻¹)⁻¹ = X`. A sum is the one place a transpose stays on top: a textbook
writes `(x - μ)ᵀ`, not `xᵀ - μᵀ`, so a row that is a sum of transposes is gathered,
`xᵀ - μᵀ = (x - μ)ᵀ`, `wᵀ Xᵀ - yᵀ = (X w - y)ᵀ` (`add_transpose_out`), when
every matrix factor is a plain name; the same test keeps `(x - μ)ᵀ` from
being pushed back down. Any other transpose of a sum is pushed down as
before: `Aᵀ + Bᵀ`, `(2 Xᵀ r + λ w)ᵀ = 2 rᵀ X + λ wᵀ`. What counts as symmetric is decided
in `symmetry`.
"""

from ..tree import expr as E
from .symmetry import is_symmetric
from .terms import scale, split_coef


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
        if x.shape[1] == 1 and all(_plain(a) for a in x.args):
            return None
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
    if t is E.Inverse and is_symmetric(x.args[0]):
        return x
    return None


def untransposed(t):
    """u with t = uᵀ for a term of a row gathered under one transpose, else None.

    c xᵀ → c x and c wᵀ Xᵀ → c X w for plain names (`_plain`); (a - b)ᵀ → a - b.
    """
    c, rest = split_coef(t)
    if rest is None or rest.is_scalar:
        return None
    if isinstance(rest, E.Transpose) and isinstance(rest.args[0], E.Add):
        return scale(c, rest.args[0]) if all(_plain(a) for a in rest.args[0].args) else None
    chain = rest.chain if isinstance(rest, E.Mul) else [rest]
    if not all(isinstance(a, E.Transpose) and _name(a.args[0]) for a in chain):
        return None
    if isinstance(rest, E.Transpose):
        return scale(c, rest.args[0])
    return scale(c, E.Mul(*(rest.scalars + [a.args[0] for a in reversed(chain)])))


def _name(a):
    """A plain matrix or vector name, not symmetric: its transpose is written Aᵀ."""
    return isinstance(a, E.Var) and not a.is_scalar and not a.has("symmetric")


def _plain(t):
    """c · scalars · A B … x with plain names only: the terms of a column kept under a transpose."""
    c, rest = split_coef(t)
    if rest is None or rest.is_scalar:
        return False
    chain = rest.chain if isinstance(rest, E.Mul) else [rest]
    return all(_name(a) for a in chain)


def transpose_push(e):
    """(A B)ᵀ = Bᵀ Aᵀ, (Aᵀ)ᵀ = A, (A + Aᵀ)ᵀ = Aᵀ + A, Sᵀ = S for a symmetric S, sᵀ = s for a scalar."""
    out = _transpose_of(e.args[0])
    return e if out is None else out


def add_transpose_out(e):
    """aᵀ + bᵀ = (a + b)ᵀ for a row: xᵀ - μᵀ = (x - μ)ᵀ, wᵀ Xᵀ - yᵀ = (X w - y)ᵀ."""
    if e.is_scalar or e.shape[0] != 1:
        return e
    inner = [untransposed(t) for t in e.args]
    if any(u is None for u in inner):
        return e
    return E.Transpose(E.Add(*inner))


def inverse_rules(e):
    """(Xᵀ)⁻¹ = (X⁻¹)ᵀ, (X⁻¹)⁻¹ = X, (Xᵏ)⁻¹ = X⁻ᵏ for a variable X, I⁻¹ = I, Q⁻¹ = Qᵀ for an orthogonal Q, 1/s for a scalar."""
    x = e.args[0]
    if x.is_scalar:
        return E.Div(E.Const(1), x)
    if isinstance(x, E.Transpose):
        return E.Transpose(E.Inverse(x.args[0]))
    if isinstance(x, E.Inverse):
        return x.args[0]
    if isinstance(x, E.Power) and isinstance(x.args[0], E.Var) and x.params[0].denominator == 1 and x.params[0] > 1:
        return E.Power(x.args[0], -x.params[0])    # (X²)⁻¹ = X⁻²: one form, as typed, so like terms meet
    if isinstance(x, E.Identity):
        return x
    if isinstance(x, E.Var) and x.has("orthogonal"):
        return E.Transpose(x)
    return e
