"""Element-wise algebra as commutative rational functions, for cancellation.

Sums, ⊙, ./, scalar scaling and integer powers commute entry by entry, so a
subtree made of them is a rational function of its *atoms* (the subtrees that
are not element-wise: σ(X w), y, λ, …). Written as a coefficient times lists
of polynomial factors over the atoms, identical factors cancel between
numerator and denominator, and sums are brought over a common denominator.
This is what turns the logistic-loss gradient

    (1/m) ((1 - y) ./ (1 - p) - y ./ p) ⊙ p ⊙ (1 - p)   into   (1/m) (p - y).

The rewrite is adopted only when the result is strictly smaller, so forms a
textbook keeps factored (h ⊙ (1 - h)) stay as they are.
"""

from fractions import Fraction
from functools import lru_cache

from ..tree import expr as E
from .terms import mk_add, mk_mul, resimplify, scale, size

MAX_TERMS = 64


def _exact(c):
    """c as an int when it is one (int arithmetic runs in C; a Fraction's in Python), else a Fraction."""
    if type(c) is int:
        return c
    c = Fraction(c)
    return c.numerator if c.denominator == 1 else c


class Poly:
    """A polynomial over atom indices: {monomial: coefficient}, monomial = ((atom, power), …).

    Coefficients are ints where they are whole, Fractions otherwise. A Poly is not changed once
    built: its sorted items (`key`) are kept, and `normal` marks one whose first coefficient is
    positive (see `_normal`).
    """

    __slots__ = ("terms", "_key", "normal")

    def __init__(self, terms):
        self.terms = {m: c for m, c in terms.items() if c != 0}
        if len(self.terms) > MAX_TERMS:
            raise _TooBig()
        self._key, self.normal = None, False

    @staticmethod
    def const(c):
        return Poly({(): _exact(c)})

    @staticmethod
    def atom(i):
        return Poly({((i, 1),): 1})

    def __add__(self, o):
        out = dict(self.terms)
        for m, c in o.terms.items():
            out[m] = out.get(m, 0) + c
        return Poly(out)

    def __mul__(self, o):
        out = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in o.terms.items():
                m = _mono_mul(m1, m2)
                out[m] = out.get(m, 0) + c1 * c2
        return Poly(out)

    def scaled(self, c):
        return Poly({m: c * v for m, v in self.terms.items()})

    def key(self):
        if self._key is None:
            self._key = tuple(sorted(self.terms.items()))
        return self._key

    def is_const(self):
        t = self.terms
        return not t or len(t) == 1 and () in t


class _TooBig(Exception):
    pass


def _mono_mul(a, b):
    d = dict(a)
    for i, k in b:
        d[i] = d.get(i, 0) + k
    return tuple(sorted((i, k) for i, k in d.items() if k != 0))


def _normal(p):
    """(sign, p') with p' the factor normalised so that its first coefficient is positive (-1 or 1)."""
    items = p.key()
    if items and items[0][1] < 0:
        p = p.scaled(-1)
        p.normal = True
        return -1, p
    p.normal = True
    return 1, p


class Rat:
    """coef · Π num / Π den, each factor a Poly."""

    def __init__(self, coef, num=(), den=()):
        self.coef = coef if type(coef) is Fraction else Fraction(coef)
        self.num, self.den = list(num), list(den)
        self._tidy()

    def _tidy(self):
        for lst in (self.num, self.den):
            for i, f in enumerate(lst):
                if f.normal:   # normalised when it entered another Rat
                    continue
                if f.is_const():
                    c = f.terms.get((), 0)
                    self.coef = self.coef * c if lst is self.num else self.coef / c
                    lst[i] = None
                else:
                    s, lst[i] = _normal(f)
                    if s < 0:
                        self.coef = -self.coef
            if None in lst:
                lst[:] = [f for f in lst if f is not None]
        for f in list(self.den):
            k = f.key()
            hit = next((j for j, g in enumerate(self.num) if g.key() == k), None)
            if hit is not None:
                del self.num[hit]
                self.den.remove(f)

    def __mul__(self, o):
        return Rat(self.coef * o.coef, self.num + o.num, self.den + o.den)

    def inverse(self):
        if self.coef == 0:
            raise ZeroDivisionError
        return Rat(1 / self.coef, self.den, self.num)

    def numerator(self):
        out = Poly.const(self.coef)
        for f in self.num:
            out = out * f
        return out

    def __add__(self, o):
        common = list(self.den)
        pool = [g.key() for g in common]
        for g in o.den:
            if g.key() in pool:
                pool.remove(g.key())
            else:
                common.append(g)
        total = Poly.const(0)
        for r in (self, o):
            missing = list(common)
            for g in r.den:
                missing.remove(next(m for m in missing if m.key() == g.key()))
            part = r.numerator()
            for m in missing:
                part = part * m
            total = total + part
        return Rat(1, [total], common)


class Algebra:
    """Converts an element-wise subtree to a `Rat` over atoms, and back."""

    def __init__(self, shape):
        self.shape, self.atoms, self.index = shape, [], {}

    def atom(self, e):
        if e not in self.index:
            self.index[e] = len(self.atoms)
            self.atoms.append(e)
        return Rat(1, [Poly.atom(self.index[e])])

    def of(self, e):
        """The rational function of `e`."""
        t = type(e)
        if t is E.Const:
            return Rat(e.value)
        if t is E.Ones:
            return Rat(1)
        if t is E.Add:
            out = self.of(e.args[0])
            for a in e.args[1:]:
                out = out + self.of(a)
            return out
        if t is E.Neg:
            return Rat(-1) * self.of(e.args[0])
        if t is E.Hadamard:
            return self.of(e.args[0]) * self.of(e.args[1])
        if t is E.HadDiv or t is E.Div:
            return self.of(e.args[0]) * self.of(e.args[1]).inverse()
        if t is E.Mul and len(e.chain) <= 1:
            out = Rat(1)
            for a in e.args:
                out = out * self.of(a)
            return out
        if t in (E.HadPow, E.Power) and e.params[0].denominator == 1 and (t is E.HadPow or e.is_scalar):
            base, k = self.of(e.args[0]), int(e.params[0])
            out = Rat(1)
            for _ in range(abs(k)):
                out = out * base
            return out if k >= 0 else out.inverse()
        return self.atom(e)

    def poly_expr(self, p):
        """A Poly back to an expression: a sum of monomials, in first-appearance order."""
        terms = []
        for mono, c in sorted(p.terms.items(), key=lambda mc: [i for i, _ in mc[0]] or [-1]):
            terms.append(scale(c, self.mono_expr(mono)) if mono else E.Const(c))
        shape = self.shape if any(not t.is_scalar for t in terms) else (1, 1)
        return mk_add(terms, shape)

    def mono_expr(self, mono):
        scal, big = [], []
        for i, k in mono:
            a = self.atoms[i]
            if a.is_scalar:
                scal.append(a if k == 1 else E.Power(a, k))
            else:
                big.append(a if k == 1 else E.HadPow(a, k))
        if not big:
            return mk_mul(scal)
        core = big[0]
        for b in big[1:]:
            core = E.Hadamard(core, b)
        return mk_mul(scal + [core])

    def expr(self, r):
        """A Rat back to an expression: c (num factors) ./ (den factors)."""
        num = self._product([self.poly_expr(f) for f in r.num])
        den = self._product([self.poly_expr(f) for f in r.den])
        out = num if den is None else (E.Div if den.is_scalar else E.HadDiv)(num or E.Const(1), den)
        out = scale(r.coef, out if out is not None else None)
        if tuple(out.shape) != tuple(self.shape):
            out = E.Mul(out, E.Ones(self.shape)) if out.is_scalar else out
        return out

    @staticmethod
    def _product(parts):
        if not parts:
            return None
        out = parts[0]
        for p in parts[1:]:
            out = E.Hadamard(out, p) if not (out.is_scalar or p.is_scalar) else E.Mul(out, p)
        return out


@lru_cache(maxsize=1 << 16)
def _has_division(e):
    """True if an element-wise or scalar division occurs in e (memoised per node)."""
    return isinstance(e, (E.HadDiv, E.Div)) or any(_has_division(a) for a in e.args)


@lru_cache(maxsize=1 << 16)
def _has_hadamard(e):
    """True if a Hadamard product occurs in e (memoised per node)."""
    return isinstance(e, E.Hadamard) or any(_has_hadamard(a) for a in e.args)


def elementwise_cancel(e):
    """Element-wise terms brought over a common denominator and cancelled, if that is shorter."""
    if not _has_division(e) and not (isinstance(e, E.Add) and _has_hadamard(e)):
        return e
    if _ACTIVE:
        return e
    _ACTIVE.append(e)
    try:
        alg = Algebra(e.shape)
        out = alg.expr(alg.of(e))
        out = resimplify(out)
    except (_TooBig, ZeroDivisionError):
        return e
    finally:
        _ACTIVE.pop()
    return out if size(out) < size(e) else e


_ACTIVE = []  # the rule does not run inside its own simplification of a candidate
