"""Element-wise cancellation over rational functions of atoms (simplify.rational), issue 14.

The algebra keeps whole coefficients as ints (exact, and fast) and others as
Fractions; factors are normalised once. These tests pin what it produces, and
check each simplified tree against the original by value.
"""

from fractions import Fraction

import numpy as np

from symmat.simplify import simplify
from symmat.simplify.rational import Algebra, Poly, Rat
from symmat.tree import expr as E

N = 3
p, y, a, b = (E.Var(n, (N, 1)) for n in "pyab")
ONE = E.Ones((N, 1))
HALF, TWO_THIRDS = E.Const(Fraction(1, 2)), E.Const(Fraction(2, 3))


def minus(u, v):
    return E.Add(u, E.Neg(v))


def same_value(before, after):
    rng = np.random.default_rng(3)
    env = {"p": rng.uniform(0.2, 0.8, (N, 1)), "y": rng.uniform(0, 1, (N, 1)),
           "a": rng.uniform(1, 2, (N, 1)), "b": rng.uniform(1, 2, (N, 1))}
    return np.allclose(np.asarray(before.evaluate(env), float), np.asarray(after.evaluate(env), float))


def check(e, text):
    out = simplify(e)
    assert str(out) == text
    assert same_value(e, out)


def test_the_logistic_gradient_cancels_to_p_minus_y():
    check(E.Hadamard(E.Hadamard(minus(E.HadDiv(minus(ONE, y), minus(ONE, p)), E.HadDiv(y, p)), p), minus(ONE, p)),
          "p - y")


def test_fractional_coefficients_stay_exact():
    check(E.HadDiv(E.Add(E.Mul(HALF, E.Hadamard(a, b)), E.Mul(TWO_THIRDS, E.Hadamard(a, y))), a), "1/2 b + 2/3 y")
    check(E.Add(E.HadDiv(E.Mul(HALF, a), b), E.HadDiv(E.Mul(TWO_THIRDS, a), b)), "7/6 (a ./ b)")
    check(minus(E.HadDiv(a, b), E.HadDiv(a, b)), "0")


def test_whole_coefficients_are_ints_and_factors_normalised_once():
    alg = Algebra((N, 1))
    r = alg.of(E.HadDiv(E.Mul(E.Const(-3), minus(a, b)), minus(b, a)))
    assert r.coef == 3 and type(r.coef) is Fraction and not r.num and not r.den   # (-3 (a - b)) ./ (b - a) = 3
    q = Poly.const(Fraction(4, 2)) * Poly.atom(0) + Poly.const(Fraction(1, 3))
    assert q.terms == {((0, 1),): 2, (): Fraction(1, 3)} and type(q.terms[((0, 1),)]) is int
    neg = Poly({((0, 1),): 2, (): -1})   # 2 a - 1: its first term (the constant) negative
    r = Rat(1, [neg])
    assert r.coef == -1 and r.num[0].terms == {((0, 1),): -2, (): 1} and r.num[0].normal
    assert r.num[0].key() is r.num[0].key()
