"""Canonical building blocks shared by every rule: products, sums, coefficients.

A rule never builds `Mul(Const(-1), X)` or a one-term `Add` by hand: it calls
`scale`, `mk_mul` or `mk_add`, which return the canonical node (one sign,
`-X`; the coefficient in front; a product of one factor is the factor). The
helpers that take a term apart (`split_coef`, `scalar_part`) are the inverse
of these. `resimplify` lets a rule simplify a candidate with the simplifier
that is running (the strategy sets it), without importing the strategy.
"""

import contextvars
from fractions import Fraction
from functools import lru_cache

from ..tree import expr as E

ONE = Fraction(1)   # Fractions are immutable: one shared 1 (building one costs a microsecond)


def mk_mul(factors):
    """The product of factors (one factor is itself, none is 1)."""
    factors = list(factors)
    if not factors:
        return E.Const(1)
    return factors[0] if len(factors) == 1 else E.Mul(*factors)


def mk_add(terms, shape):
    """The sum of terms (none is the zero of `shape`)."""
    terms = list(terms)
    if not terms:
        return E.Const(0) if shape == (1, 1) else E.Zero(shape)
    if tuple(shape) != (1, 1) and all(t.is_scalar for t in terms):
        s = terms[0] if len(terms) == 1 else E.Add(*terms)
        return E.Mul(s, E.Ones(shape))   # 1×1 terms of a larger sum: added to every entry
    return terms[0] if len(terms) == 1 else E.Add(*terms)


def split_coef(t):
    """(c, rest) with t = c · rest, c a Fraction, rest None for a pure constant."""
    if isinstance(t, E.Const):
        return t.value, None
    if isinstance(t, E.Neg):
        c, rest = split_coef(t.args[0])
        return -c, rest
    if isinstance(t, E.Mul) and isinstance(t.args[0], E.Const):
        rest = t.args[1:]
        return t.args[0].value, rest[0] if len(rest) == 1 else E.Mul(*rest)
    return ONE, t


def scale(c, rest):
    """c · rest as a canonical node (-X, never -1 X)."""
    c = c if type(c) is Fraction else Fraction(c)
    if rest is None:
        return E.Const(c)
    if c == 0:
        return E.Const(0) if rest.is_scalar else E.Zero(rest.shape)
    if c == 1:
        return rest
    if c == -1 and not isinstance(rest, E.Mul):
        return E.Neg(rest)
    if isinstance(rest, E.Mul) and not (rest.is_scalar and rest.chain):
        return E.Mul(E.Const(c), *rest.args)
    return E.Mul(E.Const(c), rest)


def scalar_part(x):
    """(c, scalars, core) with x = c · Π scalars · core, or None when x has no scalar part."""
    if not isinstance(x, (E.Mul, E.Neg)):
        return None
    c, rest = split_coef(x)
    factors = list(rest.args) if isinstance(rest, E.Mul) and not (rest.is_scalar and rest.chain) else [rest]
    scalars = [f for f in factors if f.is_scalar]
    if c == 1 and not scalars or len(scalars) == len(factors):
        return None
    return c, scalars, mk_mul([f for f in factors if not f.is_scalar])


def is_negative(t):
    """True for a term that prints with a minus sign."""
    return split_coef(t)[0] < 0


def is_reciprocal(a):
    """1/m for a plain scalar name m: kept in front as a factor, as textbooks write it."""
    return isinstance(a, E.Div) and a.args[0] == E.Const(1) and isinstance(a.args[1], E.Var)


@lru_cache(maxsize=1 << 16)
def size(e):
    """Number of nodes, counting repeats (what a reader has to read); memoised per node."""
    return 1 + sum(size(a) for a in e.args)


# The simplifier running now (set by the strategy): rules that must simplify a
# candidate before deciding (rational cancellation) call `resimplify`.
RUNNING = contextvars.ContextVar("simplifier", default=None)


def resimplify(e):
    """`e` simplified by the running simplifier (as it is when none runs)."""
    run = RUNNING.get()
    return e if run is None else run.fresh()(e)
