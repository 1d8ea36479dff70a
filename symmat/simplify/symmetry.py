"""Symmetry facts about compound expressions, and the rules that use them.

A declared symmetric (or spd, or diagonal) name is symmetric; so are I,
diag(v), and the compounds built from symmetric parts:

* `Xᵀ X`, `X Xᵀ`, and every product that reads the same backwards under
  transposition, `Aᵀ B A` with B symmetric among them;
* `A + Aᵀ`, and every sum whose terms are closed under transposition;
* the inverse, integer powers and transpose of a symmetric matrix; scalar
  multiples, Hadamard and Kronecker products of symmetric matrices.

`Sᵀ = S` for such an S (`transpose_symmetric`), so `(Xᵀ X)⁻ᵀ` is `(Xᵀ X)⁻¹`
and the symmetric convention's `(G + Gᵀ)/2` of a symmetric G is G.
"""

from functools import lru_cache

from ..tree import expr as E
from .terms import split_coef


def flip(x):
    """xᵀ in the form the simplifier leaves it (Aᵀ for A, A for Aᵀ, Bᵀ Aᵀ for A B, S for a symmetric S).

    Only ever used to compare: a form it does not know stays `Transpose(x)`,
    which compares unequal, so a symmetry it cannot see is never claimed.
    """
    t = type(x)
    if x.is_scalar:
        return x
    if t is E.Transpose:
        return x.args[0]
    if is_symmetric(x):
        return x
    if t is E.Mul:
        return E.Mul(*(x.scalars + [flip(a) for a in reversed(x.chain)]))
    if t is E.Neg:
        return E.Neg(flip(x.args[0]))
    if t is E.Power:
        return E.Power(flip(x.args[0]), x.params[0])
    return E.Transpose(x)


@lru_cache(maxsize=1 << 16)
def is_symmetric(x):
    """True when x = xᵀ follows from the structure of x (memoised per node)."""
    t = type(x)
    if x.shape[0] != x.shape[1]:
        return False
    if x.is_scalar or t in (E.Identity, E.DiagMat, E.Ones, E.Zero):
        return True
    if t is E.Var:
        return x.has("symmetric")
    if t in (E.Inverse, E.Power, E.Transpose, E.Neg, E.HadPow, E.Apply):
        return is_symmetric(x.args[0])
    if t is E.Div:
        return is_symmetric(x.args[0])
    if t in (E.Hadamard, E.Kron):
        return all(is_symmetric(a) for a in x.args)
    if t is E.Mul:
        return _palindrome(x.chain)
    if t is E.Add:
        return _closed_under_transpose(x.args)
    return False


def _palindrome(chain):
    """c1 … ck with c_i = c_(k+1-i)ᵀ, the middle factor (if any) symmetric."""
    k = len(chain)
    for i in range(k // 2):
        if flip(chain[i]) != chain[k - 1 - i]:
            return False
    return k % 2 == 0 or is_symmetric(chain[k // 2])


def _closed_under_transpose(terms):
    """Every term symmetric, or paired with its transpose at the same coefficient."""
    pool = [split_coef(t) for t in terms]
    rest = [(c, r) for c, r in pool if r is not None and not r.is_scalar and not is_symmetric(r)]
    keys = {}
    for c, r in rest:
        keys[(c, r)] = keys.get((c, r), 0) + 1
    for (c, r), n in keys.items():
        if keys.get((c, flip(r)), 0) != n:
            return False
    return True


def transpose_symmetric(e):
    """Sᵀ = S for an S symmetric by its structure: (Xᵀ X)ᵀ = Xᵀ X, (A + Aᵀ)ᵀ = A + Aᵀ, (S⁻¹)ᵀ = S⁻¹."""
    x = e.args[0]
    return x if not x.is_scalar and is_symmetric(x) else e
