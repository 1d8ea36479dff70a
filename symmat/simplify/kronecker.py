"""Kronecker products, vec and commutation matrices: the forms that Jacobians
of vectorised matrices print in (vec(A X B) = (Bᵀ ⊗ A) vec(X), the
mixed-product rule, K vec(X) = vec(Xᵀ), …). Listed after the core rules in `strategy`.
"""

from ..tree import expr as E
from ..tree.rules import needs
from .terms import mk_mul, scale, split_coef

# ================================================================= Kronecker products, vec, commutation
# (issue 4: the forms Jacobians of vectorised matrices are printed in)

def _pull_scalars(x):
    """(c, scalar factors, core) with x = c · scalars · core, core free of 1×1 factors."""
    c, rest = split_coef(x)
    if isinstance(rest, E.Mul) and rest.chain and not rest.is_scalar:
        return c, rest.scalars, mk_mul(rest.chain)
    return c, [], rest


def kron_scalar(e):
    """s ⊗ A = A ⊗ s = s A for a 1×1 s (so 1 ⊗ A = A ⊗ 1 = A)."""
    a, b = e.args
    for s, other in ((a, b), (b, a)):
        if s.is_scalar:
            return other if isinstance(s, E.Identity) or s == E.Const(1) else E.Mul(s, other)
    return e


def kron_coefficients(e):
    """(c A) ⊗ B = A ⊗ (c B) = c (A ⊗ B): coefficients and scalar factors stand in front."""
    (ca, sa, a), (cb, sb, b) = _pull_scalars(e.args[0]), _pull_scalars(e.args[1])
    if ca * cb == 1 and not sa and not sb and (a, b) == e.args:
        return e
    return scale(ca * cb, mk_mul(sa + sb + [E.Kron(a, b)]))


def kron_identities(e):
    """I_m ⊗ I_n = I_mn."""
    a, b = e.args
    if isinstance(a, E.Identity) and isinstance(b, E.Identity):
        return E.Identity(e.shape[0])
    return e


@needs(E.Kron)
def mul_kron_mixed(e):
    """(A ⊗ B)(C ⊗ D) = (A C) ⊗ (B D) when the products are defined (mixed-product property)."""
    args = list(e.args)
    for i in range(len(args) - 1):
        p, q = args[i], args[i + 1]
        if isinstance(p, E.Kron) and isinstance(q, E.Kron):
            (a, b), (c, d) = p.args, q.args
            if a.shape[1] == c.shape[0] and b.shape[1] == d.shape[0]:
                args[i:i + 2] = [E.Kron(mk_mul([a, c]), mk_mul([b, d]))]
                return mk_mul(args)
    return e


@needs(E.Kron)
def mul_kron_vec(e):
    """(Rᵀ ⊗ L) vec(M) = vec(L M R) (Magnus–Neudecker)."""
    args = list(e.args)
    for i in range(len(args) - 1):
        p, q = args[i], args[i + 1]
        if isinstance(p, E.Kron) and isinstance(q, E.Vec):
            rt, left = p.args
            if left.shape[1] == q.args[0].shape[0] and rt.shape[1] == q.args[0].shape[1]:
                args[i:i + 2] = [E.Vec(mk_mul([left, q.args[0], E.Transpose(rt)]))]
                return mk_mul(args)
    return e


def vec_rules(e):
    """vec(x) = x for a column, vec(xᵀ) = x for a row, vec(c U) = c vec(U), vec(A + B) = vec A + vec B."""
    x = e.args[0]
    if x.shape[1] == 1:
        return x
    if x.shape[0] == 1:
        return E.Transpose(x)
    c, scalars, core = _pull_scalars(x)
    if c != 1 or scalars:
        return scale(c, mk_mul(scalars + [E.Vec(core)]))
    if isinstance(x, E.Add) and all(not a.is_scalar for a in x.args):
        return E.Add(*[E.Vec(a) for a in x.args])
    return e


def commutation_trivial(e):
    """K_(m,1) = K_(1,n) = I: a vector's transpose has the same vec."""
    m, n = e.params
    return E.Identity(e.shape[0]) if m == 1 or n == 1 else e


@needs(E.Commutation)
def commutation_transpose(e):
    """K_(m,n)ᵀ = K_(n,m)."""
    x = e.args[0]
    return E.Commutation(x.params[1], x.params[0]) if isinstance(x, E.Commutation) else e


@needs(E.Commutation)
def mul_commutation_square(e):
    """K_(n,m) K_(m,n) = I."""
    args = list(e.args)
    for i in range(len(args) - 1):
        p, q = args[i], args[i + 1]
        if isinstance(p, E.Commutation) and isinstance(q, E.Commutation) and p.params == q.params[::-1]:
            args[i:i + 2] = [E.Identity(p.shape[0])]
            return mk_mul(args)
    return e


def diag_unit(e):
    """diag(e_k) = e_k e_kᵀ."""
    x = e.args[0]
    return E.Mul(x, E.Transpose(x)) if isinstance(x, E.Basis) else e


def diag_scalars(e):
    """diag(c u) = c diag(u)."""
    c, scalars, core = _pull_scalars(e.args[0])
    if c == 1 and not scalars:
        return e
    return scale(c, mk_mul(scalars + [E.DiagMat(core)]))


@needs(E.Hadamard)
def transpose_hadamard(e):
    """(A ⊙ B)ᵀ = Aᵀ ⊙ Bᵀ."""
    x = e.args[0]
    return E.Hadamard(E.Transpose(x.args[0]), E.Transpose(x.args[1])) if isinstance(x, E.Hadamard) else e


@needs(E.Kron)
def mul_kron_absorb(e):
    """(a ⊗ I) M = a ⊗ M for a column a, M (bᵀ ⊗ I) = bᵀ ⊗ M for a row bᵀ (mixed product with 1 ⊗ M)."""
    args = list(e.args)
    for i in range(len(args) - 1):
        p, q = args[i], args[i + 1]
        if _kron_with_identity(p, 1) and not isinstance(q, E.Kron) and not q.is_scalar:
            args[i:i + 2] = [E.Kron(p.args[0], q)]
            return mk_mul(args)
        if _kron_with_identity(q, 0) and not isinstance(p, E.Kron) and not p.is_scalar:
            args[i:i + 2] = [E.Kron(q.args[0], p)]
            return mk_mul(args)
    return e


def _kron_with_identity(x, axis):
    """True for a ⊗ I where a is a column (axis 1) or a row (axis 0)."""
    return isinstance(x, E.Kron) and isinstance(x.args[1], E.Identity) and x.args[0].shape[axis] == 1


@needs(E.DiagMat)
def mul_diag_diag(e):
    """diag(a) diag(b) = diag(a ⊙ b)."""
    args = list(e.args)
    for i in range(len(args) - 1):
        p, q = args[i], args[i + 1]
        if isinstance(p, E.DiagMat) and isinstance(q, E.DiagMat):
            args[i:i + 2] = [E.DiagMat(E.Hadamard(p.args[0], q.args[0]))]
            return mk_mul(args)
    return e


def kron_zero(e):
    """0 ⊗ A = A ⊗ 0 = 0."""
    return E.Zero(e.shape) if any(isinstance(a, E.Zero) for a in e.args) else e
