"""Rules for sums: flattened, like terms collected, common factors pulled out.

`2 A x + 3 A x = 5 A x`, `A x + B x = (A + B) x`, positive terms first and a
matrix before its transpose (`A + Aᵀ`). Pure functions, listed per node type
in `strategy`.
"""

from collections import defaultdict
from fractions import Fraction

from ..tree import expr as E
from ..tree.rules import needs
from .functions import hadamard_factors, hadamard_of
from .terms import is_negative, mk_add, mk_mul, scale, split_coef


@needs(E.Add)
def add_flatten(e):
    """(A + B) + C = A + B + C."""
    if not any(isinstance(a, E.Add) for a in e.args):
        return e
    out = []
    for a in e.args:
        out.extend(a.args if isinstance(a, E.Add) else [a])
    return E.Add(*out)


def add_like_terms(e):
    """2 A x + 3 A x = 5 A x; terms that cancel go; A + 0 = A."""
    coefs, order = {}, []
    for t in e.args:
        if isinstance(t, E.Zero):
            continue
        c, rest = split_coef(t)
        if rest not in coefs:
            order.append(rest)
            coefs[rest] = Fraction(0)
        coefs[rest] += c
    if len(order) == len(e.args) and all(coefs[r] == split_coef(t)[0] for r, t in zip(order, e.args)):
        return e
    terms = [scale(coefs[r], r) for r in order if coefs[r] != 0]
    return mk_add(terms, e.shape)


def add_common_factor(e):
    """A x + B x = (A + B) x and X a + X b = X (a + b): common matrix factors pulled out."""
    for side in (-1, 0):
        groups = defaultdict(list)
        for i, t in enumerate(e.args):
            key = _end_factor(t, side) if tuple(t.shape) == tuple(e.shape) else None
            if key is not None:
                groups[key].append(i)
        for key, idx in groups.items():
            if len(idx) >= 2:
                inner = [_without_end(e.args[i], side) for i in idx]
                merged = E.Mul(E.Add(*inner), key) if side == -1 else E.Mul(key, E.Add(*inner))
                terms = [merged if i == idx[0] else t for i, t in enumerate(e.args) if i not in idx[1:]]
                return mk_add(terms, e.shape)
    return e


def _end_factor(t, side):
    c, rest = split_coef(t)
    if not isinstance(rest, E.Mul):
        return None
    chain = rest.chain
    return chain[side] if len(chain) >= 2 else None


def _without_end(t, side):
    c, rest = split_coef(t)
    args = list(rest.args)
    chain_pos = [i for i, a in enumerate(args) if not a.is_scalar]
    del args[chain_pos[side]]
    return scale(c, mk_mul(args))


@needs(E.Unvec)
def add_unvec(e):
    """unvec(a) + unvec(b) = unvec(a + b)."""
    if len(e.args) < 2 or not all(isinstance(t, E.Unvec) and t.params == e.args[0].params for t in e.args):
        return e
    return E.Unvec(E.Add(*[t.args[0] for t in e.args]), *e.args[0].params)


@needs(E.Matrix)
def add_explicit(e):
    """[a b] + [c d] = [a + c, b + d]: explicit matrices add entry by entry."""
    if len(e.args) < 2 or not all(isinstance(t, E.Matrix) for t in e.args):
        return e
    rows = [t.rows() for t in e.args]
    m, n = e.args[0].params
    return E.Matrix([[E.Add(*[r[i][j] for r in rows]) for j in range(n)] for i in range(m)])


def add_order(e):
    """Positive terms first; a matrix before its transpose (A + Aᵀ, not Aᵀ + A)."""
    terms = list(e.args)
    for i, t in enumerate(terms):
        if isinstance(t, E.Transpose) and t.args[0] in terms[i + 1:]:
            j = terms.index(t.args[0], i + 1)
            terms[i], terms[j] = terms[j], terms[i]
    terms = [t for t in terms if not is_negative(t)] + [t for t in terms if is_negative(t)]
    return e if tuple(terms) == e.args else E.Add(*terms)


def add_diag(e):
    """diag(a) + c diag(b) = diag(a + c b): the diagonal matrices of a sum add their diagonals."""
    idx = [i for i, t in enumerate(e.args) if isinstance(split_coef(t)[1], E.DiagMat)]
    if len(idx) < 2:
        return e
    inner = E.Add(*[scale(c, r.args[0]) for c, r in (split_coef(e.args[i]) for i in idx)])
    terms = [E.DiagMat(inner) if i == idx[0] else t for i, t in enumerate(e.args) if i not in idx[1:]]
    return mk_add(terms, e.shape)


def add_hadamard_common(e):
    """A ⊙ B ⊙ C - A ⊙ B ⊙ D = A ⊙ B ⊙ (C - D): factors common to every term of an element-wise sum pulled out."""
    if e.is_scalar:
        return e
    parts = []
    for t in e.args:
        c, rest = split_coef(t)
        if rest is None or rest.is_scalar:
            return e
        parts.append((c, hadamard_factors(rest)))
    if all(len(fs) == 1 for _, fs in parts):
        return e
    common = parts[0][1]
    for _, fs in parts[1:]:
        pool = list(fs)
        common = [f for f in common if f in pool and not pool.remove(f)]
    if not common:
        return e
    rests = []
    for c, fs in parts:
        pool = list(fs)
        for f in common:
            pool.remove(f)
        if not pool:
            return e   # A - A ⊙ I stays: A ⊙ (1 - I) reads worse
        rests.append(scale(c, hadamard_of(pool)))
    return E.Hadamard(hadamard_of(common), E.Add(*rests))

