"""One test per simplification rule of issue 11 (the identity in its docstring),
and the rule-table machinery of tree/rules.py.

Each rule test builds a small tree with concrete sizes, simplifies it, asserts
the printed form, and checks that the value did not change (`same_value`:
both sides evaluated by NumPy at a random point), so a rule that printed the
right text for the wrong reason would still fail.
"""

from fractions import Fraction

import numpy as np
import pytest

from symmat.simplify import simplify
from symmat.simplify import functions as F, products as P, sums as S, symmetry as Y, transposes as T
from symmat.tree import expr as E
from symmat.tree.rules import do_one, named_rules, rule_tuples

N = 3


def V(name, shape=(N, N), *props):
    return E.Var(name, shape, frozenset(props))


A, B, X = V("A"), V("B"), V("X")
Sym = V("S", (N, N), "symmetric")
Spd = V("P", (N, N), "spd")
x, mu, w, y = V("x", (N, 1)), V("μ", (N, 1)), V("w", (N, 1)), V("y", (N, 1))
h, u = V("h", (N, 1)), V("u", (N, 1))
Xr = V("R", (4, N))   # a non-square matrix


def value(e, env):
    return np.asarray(e.evaluate(env), dtype=float)


def same_value(before, after, seed=0):
    """True when both trees have the same value at a random point (spd for spd names)."""
    rng = np.random.default_rng(seed)
    env = {}
    for v in before.variables() + after.variables():
        m, n = v.shape
        a = rng.standard_normal((m, n))
        if v.has("symmetric"):
            a = a @ a.T + m * np.eye(m) if v.has("spd") else a + a.T
        elif m == n and m > 1:
            a = a + m * np.eye(m)   # invertible
        env[v.name] = a if n > 1 or m == 1 else a[:, 0]
    return np.allclose(value(before, env), value(after, env), rtol=1e-8, atol=1e-10)


def check(before, text):
    after = simplify(before)
    assert str(after) == text
    assert same_value(before, after)
    return after


# ----------------------------------------------------------------- symmetry facts

@pytest.mark.parametrize("e", [
    E.Mul(E.Transpose(Xr), Xr),                                  # Xᵀ X
    E.Mul(Xr, E.Transpose(Xr)),                                  # X Xᵀ
    E.Add(A, E.Transpose(A)),                                    # A + Aᵀ
    E.Mul(E.Transpose(A), Sym, A),                               # Aᵀ B A, B symmetric
    E.Inverse(Sym), E.Power(Spd, 3), E.Inverse(E.Mul(E.Transpose(Xr), Xr)),
    E.Mul(E.Inverse(Sym), x, E.Transpose(x), E.Inverse(Sym)),    # Σ⁻¹ x xᵀ Σ⁻¹
    E.Add(E.Const(2), Sym),                                      # a constant added to every entry
])
def test_symmetric_compounds(e):
    assert Y.is_symmetric(e)
    env = {"R": np.arange(12.0).reshape(4, 3) / 7, "A": np.arange(9.0).reshape(3, 3) ** 1.5,
           "S": np.array([[2.0, 1, 0], [1, 3, 1], [0, 1, 4]]), "P": np.array([[2.0, 1, 0], [1, 3, 1], [0, 1, 4]]),
           "x": np.array([1.0, -2, 0.5])}
    val = value(e, env)
    assert np.allclose(val, val.T)


@pytest.mark.parametrize("e", [E.Mul(E.Transpose(A), B), E.Add(A, E.Transpose(B)), E.Mul(A, Sym, A),
                               E.Add(A, E.Const(2), E.Mul(E.Const(2), E.Transpose(A)))])
def test_not_symmetric(e):
    assert not Y.is_symmetric(e)


def test_transpose_of_a_derived_symmetric_matrix_is_itself():
    """(Xᵀ X)⁻ᵀ = (Xᵀ X)⁻¹: so log det(XᵀX) by X is 2 X (XᵀX)⁻¹."""
    XtX = E.Mul(E.Transpose(Xr), Xr)
    assert Y.transpose_symmetric(E.Transpose(E.Inverse(XtX))) == E.Inverse(XtX)
    check(E.Mul(Xr, E.Add(E.Inverse(XtX), E.Transpose(E.Inverse(XtX)))), "2 R (Rᵀ R)⁻¹")


def test_sym_convention_of_a_symmetric_gradient_is_the_gradient():
    """sym(G) = (G + Gᵀ)/2 = G for G = Σ⁻¹ - Σ⁻¹ x xᵀ Σ⁻¹: the halves cancel."""
    G = E.Add(E.Inverse(Spd), E.Neg(E.Mul(E.Inverse(Spd), x, E.Transpose(x), E.Inverse(Spd))))
    check(E.Mul(E.Const(Fraction(1, 2)), E.Add(G, E.Transpose(G))),
          "P⁻¹ - P⁻¹ x xᵀ P⁻¹")


# ----------------------------------------------------------------- transposes

def test_row_of_transposes_is_gathered():
    """xᵀ - μᵀ = (x - μ)ᵀ."""
    e = E.Add(E.Transpose(x), E.Neg(E.Transpose(mu)))
    assert str(T.add_transpose_out(e)) == "(x - μ)ᵀ"
    check(e, "(x - μ)ᵀ")


def test_transpose_of_a_plain_column_stays_on_top():
    """(X w - y)ᵀ is kept (wᵀ Xᵀ - yᵀ is gathered into it)."""
    check(E.Transpose(E.Add(E.Mul(X, w), E.Neg(y))), "(X w - y)ᵀ")
    check(E.Add(E.Mul(E.Transpose(w), E.Transpose(X)), E.Neg(E.Transpose(y))), "(X w - y)ᵀ")


def test_transpose_of_other_sums_is_pushed_down():
    check(E.Transpose(E.Add(E.Mul(E.Transpose(X), w), y)), "wᵀ X + yᵀ")
    check(E.Transpose(E.Add(A, B)), "Aᵀ + Bᵀ")


def test_difference_of_the_two_spellings_cancels():
    d = E.Add(E.Transpose(E.Add(x, E.Neg(mu))), E.Neg(E.Transpose(x)), E.Transpose(mu))
    assert simplify(d) == E.Zero((1, N))


# ----------------------------------------------------------------- products

def test_matrix_powers_collect():
    """Xᵀ (Xᵀ)² = (Xᵀ)³ and (X³)⁻ᵀ (Xᵀ)² = X⁻ᵀ."""
    Xt = E.Transpose(X)
    assert P.mul_matrix_powers(E.Mul(Xt, E.Power(Xt, 2))) == E.Transpose(E.Power(X, 3))
    check(E.Mul(Xt, E.Power(Xt, 2)), "(Xᵀ)^3")
    check(E.Mul(E.Transpose(E.Inverse(E.Power(X, 3))), E.Power(Xt, 2)), "X⁻ᵀ")
    check(E.Mul(X, E.Inverse(X), A), "A")


def test_repeated_terms_collect_into_one_power():
    """tr(X⁴) by X: 2 (Xᵀ)³ + Xᵀ (Xᵀ)² + (Xᵀ)² Xᵀ = 4 (Xᵀ)³."""
    Xt = E.Transpose(X)
    check(E.Add(E.Mul(E.Const(2), E.Power(Xt, 3)), E.Mul(Xt, E.Power(Xt, 2)), E.Mul(E.Power(Xt, 2), Xt)),
          "4 (Xᵀ)^3")


def test_one_sign():
    """-X, never -1 X."""
    e = E.Mul(E.Const(-1), E.Transpose(E.Inverse(X)))
    assert isinstance(P.mul_constants(e), E.Neg)
    check(e, "-X⁻ᵀ")


def test_common_coefficient_of_a_sum_goes_in_front():
    """1/2 (2 A - 2 B) = A - B; (-A - B) C = -(A + B) C."""
    half = E.Const(Fraction(1, 2))
    check(E.Mul(half, E.Add(E.Mul(E.Const(2), A), E.Mul(E.Const(-2), B))), "A - B")
    check(E.Mul(E.Add(E.Neg(A), E.Neg(B)), X), "-(A + B) X")
    check(E.Mul(E.Add(E.Mul(E.Const(2), A), B), X), "(2 A + B) X")   # no common coefficient: unchanged


def test_constant_in_a_denominator_comes_out():
    """2 (U / (2 s)) = U / s (1/s U for a plain name s)."""
    s = V("s", (1, 1))
    check(E.Mul(E.Const(2), E.Div(x, E.Mul(E.Const(2), s))), "1/s x")
    check(E.Mul(E.Const(2), E.Div(x, E.Mul(E.Const(2), E.Apply("sqrt", s)))), "x / sqrt(s)")


def test_diagonal_scaling_goes_into_a_sum_where_it_merges():
    """diag(a) (M + diag(c)) = diag(a) M + diag(a ⊙ c)."""
    e = E.Mul(E.DiagMat(h), E.Add(A, E.DiagMat(u)))
    out = P.mul_diag_distribute(e)
    assert isinstance(out, E.Add)
    check(e, "diag(h) A + diag(h ⊙ u)")


def test_ones_outer_product_is_the_matrix_of_ones():
    """𝟏 𝟏ᵀ = the matrix of ones: 𝟏 𝟏ᵀ ⊙ S = S."""
    ones = E.Ones((N, 1))
    assert P.mul_ones_outer(E.Mul(ones, E.Transpose(ones))) == E.Ones((N, N))
    check(E.Hadamard(E.Mul(ones, E.Transpose(ones)), A), "A")


# ----------------------------------------------------------------- sums

def test_diagonals_add():
    """diag(a) + diag(b) - diag(c) = diag(a + b - c)."""
    check(E.Add(E.DiagMat(h), E.DiagMat(u), E.Neg(E.DiagMat(w))), "diag(h + u - w)")


def test_common_hadamard_factors_come_out():
    """u ⊙ h ⊙ (1 - h) ⊙ (1 - h) - u ⊙ h ⊙ h ⊙ (1 - h) = u ⊙ h ⊙ (1 - h) ⊙ (1 - 2 h)."""
    one_h = E.Add(E.Const(1), E.Neg(h))
    e = E.Add(E.Hadamard(E.Hadamard(E.Hadamard(u, h), one_h), one_h),
              E.Neg(E.Hadamard(E.Hadamard(E.Hadamard(u, h), h), one_h)))
    check(e, "u ⊙ h ⊙ (1 - h) ⊙ (1 - 2 h)")


def test_a_term_that_would_leave_only_a_constant_is_not_factored():
    """2 X⁻¹ - X⁻¹ ⊙ I stays (X⁻¹ ⊙ (2 - I) reads worse)."""
    Xi = E.Inverse(X)
    e = E.Add(E.Mul(E.Const(2), Xi), E.Neg(E.Hadamard(Xi, E.Identity(N))))
    assert S.add_hadamard_common(e) is e


# ----------------------------------------------------------------- functions and reductions

def test_det_of_a_power_and_of_an_inverse():
    """det(X³) = det(X)³, det(X⁻¹) = 1/det(X), log|det X³| = 3 log|det X|, log|det X⁻¹| = -log|det X|."""
    check(E.Det(E.Power(X, 3)), "det(X)^3")
    check(E.Det(E.Inverse(X)), "1 / det(X)")
    assert str(simplify(E.LogDet(E.Power(X, 3)))) == "3 log det(X)"
    assert str(simplify(E.LogDet(E.Inverse(X)))) == "-log det(X)"


def test_hadamard_products_first_sums_last():
    """(1 - h) ⊙ h = h ⊙ (1 - h); W2ᵀ r ⊙ h ⊙ (1 - h) keeps the product first."""
    one_h = E.Add(E.Const(1), E.Neg(h))
    check(E.Hadamard(one_h, h), "h ⊙ (1 - h)")
    assert F.hadamard_sums_last(E.Hadamard(E.Hadamard(E.Mul(A, u), h), one_h)) is not None


# ----------------------------------------------------------------- Kronecker and vec

def test_trace_of_a_kronecker_product():
    """tr(A ⊗ B) = tr(A) tr(B)."""
    check(E.Trace(E.Kron(A, V("C", (2, 2)))), "tr(A) tr(C)")
    assert F.trace_kron(E.Trace(E.Kron(V("D", (2, 3)), V("G", (3, 2))))).__class__ is E.Trace


def test_sum_of_a_kronecker_product():
    """sum(A ⊗ B) = sum(A) sum(B)."""
    check(E.Sum(E.Kron(Xr, V("C", (2, 5)))), "sum(R) sum(C)")


def test_vec_of_a_product():
    """(Bᵀ ⊗ A) vec(X) = vec(A X B)."""
    check(E.Mul(E.Kron(E.Transpose(B), A), E.Vec(X)), "vec(A X B)")


def test_mixed_product():
    """(A ⊗ B)(C ⊗ D) = (A C) ⊗ (B D)."""
    C, D = V("C", (2, 2)), V("D", (2, 2))
    check(E.Mul(E.Kron(A, C), E.Kron(B, D)), "A B ⊗ (C D)")


# ----------------------------------------------------------------- the rule tables

def test_rule_tuples_refuse_a_non_function():
    with pytest.raises(TypeError, match="not a function"):
        rule_tuples({E.Mul: ("mul_flatten",)})


def test_do_one_applies_the_first_rule_that_changes_the_node():
    seen = []
    table = rule_tuples({E.Neg: (lambda e: e, lambda e: e.args[0], lambda e: E.Const(7))})
    step = do_one(table, lambda fn, old, new: seen.append(new))
    assert step(E.Neg(x)) == x and seen == [x]
    assert step(x) is x   # no rules for Var


def test_named_rules_without_a_name():
    table, rule = named_rules()

    @rule(E.Add, E.Mul)
    def r(e, args):
        return e

    assert table[E.Add] == (r, None) and table[E.Mul] == (r, None)


def test_a_factor_cancels_inside_an_inverted_product():
    """Aᵀ (A X B)⁻ᵀ Bᵀ = X⁻ᵀ for square A, B; (A X)⁻¹ A = X⁻¹; a non-square end factor does not cancel."""
    AXB = E.Mul(A, X, B)
    check(E.Mul(E.Transpose(A), E.Transpose(E.Inverse(AXB)), E.Transpose(B)), "X⁻ᵀ")
    check(E.Mul(E.Inverse(E.Mul(A, X)), A), "X⁻¹")
    RtR = E.Mul(E.Transpose(Xr), Xr)
    e = E.Mul(Xr, E.Inverse(RtR))
    assert P.mul_inverse_product_cancel(e) is e
