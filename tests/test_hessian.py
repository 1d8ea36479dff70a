"""Hessians (issue 4, SPEC §2): the Jacobian of the gradient, n×n or ∂²f/∂vec(X)∂vec(X)ᵀ.

The "Second derivatives" rows of seed_examples.md in every layout: (a) the
expected form (simplified parse of the expected text, and the printed
string), (b) four-point second differences of a NumPy implementation written
here at random non-square sizes, (c) `verify`. Then Hessians by matrices
(with their index formulas), by symmetric, diagonal and orthogonal matrices,
corner cases, and a Hypothesis test that `hessian` is numerically the
Jacobian of `grad`.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symmat.tree import expr as E
from symmat.api import hessian, parse, verify
from symmat.reading.build import product
from symmat.pipeline import derive
from symmat.errors import SymmatError
from symmat.tree.shapes import dim_mul
from symmat.simplify import simplify

from test_jacobian import canon, decls, fd_jacobian, random_values, sigmoid, value

LAYOUTS = ("mixed", "numerator", "denominator")


def fd_hessian(fn, values, wrt, h=1e-4):
    """∂²f/∂vec(X)∂vec(X)ᵀ of a NumPy scalar function by four-point second differences."""
    x0 = np.asarray(values[wrt], dtype=float)
    p = x0.size

    def at(d):
        return float(fn({**values, wrt: x0 + d.reshape(x0.shape, order="F")}))

    H = np.zeros((p, p))
    for a in range(p):
        for b in range(p):
            ea, eb = np.eye(p)[a] * h, np.eye(p)[b] * h
            H[a, b] = (at(ea + eb) - at(ea - eb) - at(eb - ea) + at(-ea - eb)) / (4 * h * h)
    return H


def logistic(v):
    p = sigmoid(v["X"] @ v["w"])
    return -np.sum(v["y"] * np.log(p) + (1 - v["y"]) * np.log(1 - p)) / v["m"]


LOGISTIC = "-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))"

# (id, f, wrt, expected, NumPy f, shapes)
SECOND = [
    ("xAx", "x^T A x", "x", "A + A^T", lambda v: v["x"] @ v["A"] @ v["x"], {"A": (3, 3), "x": (3,)}),
    ("lsq", "||X w - y||^2", "w", "2 X^T X", lambda v: np.sum((v["X"] @ v["w"] - v["y"]) ** 2),
     {"X": (5, 3), "w": (3,), "y": (5,)}),
    ("logistic", LOGISTIC, "w", "1/m X^T diag(σ(X w) ⊙ (1 - σ(X w))) X", logistic,
     {"X": (5, 3), "w": (3,), "y": (5,), "m": ()}),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", SECOND, ids=lambda c: c[0])
def test_seed_expected_form(case, layout):
    _, f, wrt, expected, _, _ = case
    r = hessian(f, wrt=wrt, layout=layout)
    want = simplify(parse(expected, where=decls(r.f)))
    assert canon(want) == canon(r.result), r.text()
    assert r.kind == "hessian" and "Hessian" in r.heading()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", SECOND, ids=lambda c: c[0])
def test_seed_second_differences(case, layout):
    _, f, wrt, _, fn, shapes = case
    # Concrete sizes declared, as the notes' instances are (X 5×3, …).
    where = ", ".join(f"{k}: {s[0]}x{s[1]}" for k, s in shapes.items() if len(s) == 2)
    r = hessian(f, wrt=wrt, layout=layout, where=where or None)
    rng = np.random.default_rng(11)
    for _ in range(2):
        values = random_values(shapes, rng)
        want = fd_hessian(fn, values, wrt)
        got = value(r, values)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got, got.T, rtol=1e-12, atol=1e-12)   # symmetric, as printed


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", SECOND, ids=lambda c: c[0])
def test_seed_verified_by_sympy(case, layout):
    report = verify(hessian(case[1], wrt=case[2], layout=layout))
    assert report.ok, str(report)


@pytest.mark.parametrize("f, wrt, text", [
    ("x^T A x", "x", "A + Aᵀ"),
    ("||X w - y||^2", "w", "2 Xᵀ X"),
    (LOGISTIC, "w", "1/m Xᵀ diag(h ⊙ (1 - h)) X where h = σ(X w)"),
    ("log(1 + exp(w^T x))", "w", "h (1 - h) x xᵀ where h = σ(wᵀ x)"),
    ("||x||^2", "x", "2 I"),
])
def test_printed(f, wrt, text):
    assert hessian(f, wrt=wrt).text() == text


# ----------------------------------------------------------------- by a matrix

@pytest.mark.parametrize("f, where, expected, formula", [
    ("tr(X^T A X)", None, "I ⊗ (A + A^T)", "∂²f/∂X_ij∂X_kl = (A + Aᵀ)_ik δ_lj"),
    ("||A X - B||_F^2", None, "2 (I ⊗ (A^T A))", "∂²f/∂X_ij∂X_kl = 2 (Aᵀ A)_ik δ_lj"),
    ("log det(X)", None, None, "∂²f/∂X_ij∂X_kl = -(X⁻ᵀ)_il (X⁻ᵀ)_kj"),
])
def test_hessian_by_a_matrix(f, where, expected, formula):
    r = hessian(f, wrt="X", where=where)
    p = dim_mul(*r.wrt.shape)
    assert r.shape == (p, p)
    if expected:
        assert canon(simplify(parse(expected, where=decls(r.f)))) == canon(r.result)
    assert r.index_formula == formula
    assert r.symbol == "∂²f/∂vec(X)∂vec(X)ᵀ"
    assert verify(r).ok


def test_hessian_of_log_det_numerically():
    """∂²log det X = -K (X⁻ᵀ ⊗ X⁻¹), against second differences of NumPy's slogdet."""
    r = hessian("log det(X)", wrt="X")
    rng = np.random.default_rng(12)
    values = {"X": rng.uniform(-1, 1, (3, 3)) + 3 * np.eye(3)}
    want = fd_hessian(lambda v: np.linalg.slogdet(v["X"])[1], values, "X")
    np.testing.assert_allclose(value(r, values), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("convention", ["sym", "entrywise"])
def test_hessian_by_a_symmetric_matrix(convention):
    r = hessian("tr(X^T A X)", wrt="X", where="X: symmetric", symmetric=convention)
    assert verify(r).ok


def test_hessian_by_a_diagonal_matrix():
    assert verify(hessian("log det(X)", wrt="X", where="X: diagonal")).ok


def test_hessian_by_an_orthogonal_matrix_is_not_taken_on_the_manifold():
    """Q⁻¹ = Qᵀ holds only for orthogonal Q: G must not use it before it is differentiated."""
    r = hessian("det(Q)", wrt="Q", where="Q: 3x3 orthogonal")
    rng = np.random.default_rng(13)
    values = {"Q": np.linalg.qr(rng.normal(size=(3, 3)))[0]}
    want = fd_hessian(lambda v: np.linalg.det(v["Q"]), values, "Q")
    np.testing.assert_allclose(value(r, values), want, rtol=1e-5, atol=1e-6)
    assert r.wrt.has("orthogonal") and all(v.has("orthogonal") for v in r.result.variables() if v.name == "Q")


def test_hessian_by_a_scalar():
    r = hessian("λ^3 + λ x^T x", wrt="λ")
    assert r.shape == (1, 1) and verify(r).ok


def test_piecewise_functions_have_zero_second_derivative():
    r = hessian("||x||_1 + x^T x", wrt="x")
    assert str(r) == "2 I"


def test_hessian_of_a_vector_is_refused():
    with pytest.raises(SymmatError, match="scalar"):
        hessian("A x", wrt="x")


def test_hessian_steps_go_through_the_gradient():
    r = hessian("x^T A x", wrt="x")
    # issue 12: a chain of equalities, df = … ⇒ ∇f = …, d(∇f) = H dx ⇒ ∂²f/∂x∂xᵀ = H
    lhs = [s.lhs_text() for s in r.steps]
    assert lhs.index("df") < lhs.index("∇f") < lhs.index("d(∇f)") < lhs.index("∂²f/∂x∂xᵀ")
    assert "d(∇f) = (A + Aᵀ) dx" in [s.formula() for s in r.steps]


def test_network_hessian_by_the_first_layer():
    """1/2 ||W2 σ(W1 x) - y||² by W1: checked by the self-check and by SymPy."""
    r = hessian("1/2 ||W2 σ(W1 x) - y||^2", wrt="W1", where="W1: 3x2, W2: 2x3")
    assert r.shape == (6, 6)
    assert verify(r).ok


# ----------------------------------------------------------------- the Hessian is the Jacobian of the gradient

VEC = E.Var("x", ("n", 1))
MAT = E.Var("X", ("n", "m"))
a, b = E.Var("a", ("n", 1)), E.Var("b", ("m", 1))
C, G, Hm = E.Var("C", ("n", "n")), E.Var("G", ("m", "n")), E.Var("H", ("m", "m"))
FUNCS = ["tanh", "sin", "sigmoid", "exp", None]


def _phi(fn, u):
    return u if fn is None else E.Apply(fn, u)


@st.composite
def scalar_functions(draw):
    """A random scalar f of x (n) or X (n×m): a sum of two or three smooth terms."""
    wrt = draw(st.sampled_from([VEC, MAT]))
    u = product(C, wrt)                                  # C x or C X
    fn = lambda: draw(st.sampled_from(FUNCS))            # noqa: E731
    if wrt is VEC:
        terms = [product(E.Transpose(a), _phi(fn(), u)), _phi(fn(), product(E.Transpose(a), wrt)),
                 product(product(E.Transpose(wrt), C), wrt), E.Sum(E.Hadamard(_phi(fn(), wrt), wrt)),
                 E.LogSumExp(u), E.Power(E.Norm(E.Add(u, E.Neg(a))), 2)]
    else:
        terms = [E.Trace(product(G, _phi(fn(), u))), product(product(E.Transpose(a), _phi(fn(), wrt)), b),
                 E.Power(E.Norm(u), 2), E.Trace(product(product(E.Transpose(wrt), C), product(wrt, Hm)))]
    chosen = draw(st.lists(st.sampled_from(terms), min_size=1, max_size=3, unique=True))
    return (chosen[0] if len(chosen) == 1 else E.Add(*chosen)), wrt


@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(scalar_functions())
def test_hessian_is_the_jacobian_of_the_gradient(case):
    f, X = case
    H = derive("hessian", f, X.name, check=False)
    g = derive("grad", f, X.name, check=False)
    rng = np.random.default_rng(14)
    values = {"n": 3, "m": 2}
    for v in f.variables():
        r, c = (values.get(d, d) for d in v.shape)
        values[v.name] = rng.uniform(-0.8, 0.8, size=(r, c))
    want = fd_jacobian(lambda v: g.result.evaluate(v), values, X.name)
    got = np.asarray(H.result.evaluate(values), dtype=float).reshape(want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=f"{f}: {H.text()}")
    np.testing.assert_allclose(got, got.T, rtol=1e-8, atol=1e-8)
