"""Jacobians and derivatives of matrices (issue 4, SPEC §2): seeds, rules, layouts, oracles.

Every row of the "Vector by vector" and "Matrices by matrices" tables of
seed_examples.md is checked in every layout three ways: (a) against the
expected form (structural equality with the simplified parse of the expected
text, and the printed string), (b) against central finite differences of a
NumPy implementation written here, at random non-square sizes, with vec
column-major, and (c) by `verify` (SymPy, element by element). Then one test
per Jacobian rule and per Kronecker/vec simplification rule, the
self-check, the steps and the rendering, and a Hypothesis test over random
vector- and matrix-valued expressions against finite differences.

The API functions are imported from `symmat.api`: the package attributes
`symmat.derivative` and `symmat.verify` are rebound to the submodules of
those names once they are imported.
"""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symmat.tree import expr as E
from symmat.api import derivative, jacobian, parse, verify
from symmat.reading.build import product
from symmat.pipeline import derive
from symmat.result import Derivative
from symmat.errors import InternalError
from symmat.calculus.vec import RULES
from symmat.printing.notes import render_latex, render_text
from symmat.numeric.selfcheck import selfcheck
from symmat.tree.shapes import dim_mul, fmt_dim
from symmat.simplify import simplify

LAYOUTS = ("mixed", "numerator", "denominator")
RNG_SEED = 20240601


# ----------------------------------------------------------------- independent helpers

def vec(a):
    """Column-major vec of a NumPy value (a number, a 1-D vector or a 2-D matrix)."""
    a = np.asarray(a, dtype=float)
    return a.reshape(-1, order="F") if a.ndim == 2 else a.reshape(-1)


def fd_jacobian(fn, values, wrt, h=1e-6):
    """∂vec(fn)/∂vec(wrt) by central differences (one column per entry of wrt, column-major)."""
    x0 = np.asarray(values[wrt], dtype=float)
    cols = []
    for k in range(x0.size):
        step = np.zeros(x0.size)
        step[k] = h
        d = step.reshape(x0.shape, order="F")
        cols.append((vec(fn({**values, wrt: x0 + d})) - vec(fn({**values, wrt: x0 - d}))) / (2 * h))
    return np.column_stack(cols)


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def sigmoid(t):
    return 1 / (1 + np.exp(-t))


def decls(f):
    """A `where` string giving every variable of f the shape it has (so sizes keep their names)."""
    out = []
    for v in f.variables():
        r, c = v.shape
        if (r, c) == (1, 1):
            out.append(f"{v.name}: scalar")
        elif c == 1:
            out.append(f"{v.name}: vector({fmt_dim(r)})")
        else:
            out.append(f"{v.name}: {fmt_dim(r)} x {fmt_dim(c)}" + (" symmetric" if v.has("symmetric") else ""))
    return ", ".join(out)


def canon(e):
    """`e` with its size names renamed in order of first appearance (for I, whose size a parse cannot know)."""
    names = {}

    def dim(d):
        if isinstance(d, str):
            return names.setdefault(d, f"s{len(names)}")
        if isinstance(d, tuple):
            return (d[0],) + tuple(dim(x) for x in d[1:])
        return d

    def go(x):
        args = [go(a) for a in x.args]
        p = x.params
        if isinstance(x, (E.Var, E.Differential)):
            p = (p[0], tuple(dim(d) for d in p[1])) + p[2:]
        elif isinstance(x, (E.Identity, E.Commutation)):
            p = tuple(dim(d) for d in p)
        elif isinstance(x, (E.Ones, E.Zero)):
            p = (tuple(dim(d) for d in p[0]),)
        return type(x)._make(args, p)

    return go(e)


def same_form(result, text):
    """True if `result` is the simplified parse of `text` (variables shaped as in result.f)."""
    want = simplify(parse(text, where=decls(result.f)))
    return canon(want) == canon(result.result)


def sizes_of(f, values):
    """Concrete values of the size names of f's variables (sizes that are not variable names)."""
    names = {v.name for v in f.variables()}
    out = {}
    for v in f.variables():
        shape = np.shape(values[v.name])
        shape = shape + (1,) * (2 - len(shape)) if shape else (1, 1)
        for d, n in zip(v.shape, shape):
            if isinstance(d, str) and d not in names:
                out[d] = n
    return out


def value(result, values):
    """The result evaluated as a 2-D array of its symbolic shape."""
    got = np.asarray(result.evaluate({**values, **sizes_of(result.f, values)}), dtype=float)
    rows, cols = result.shape
    return got.reshape(-1, 1) if got.ndim == 1 and cols == 1 else got.reshape(got.shape or (1, 1))


def random_values(shapes, rng):
    """Random values in (0.5, 1.5) for the given shapes (() for a scalar)."""
    return {k: (rng.uniform(0.5, 1.5, s) if s != () else float(rng.uniform(0.5, 1.5)))
            for k, s in shapes.items()}


# ----------------------------------------------------------------- the seed tables

# (id, f, wrt, where, expected in numerator/mixed, expected in denominator, NumPy f, shapes)
VECTOR_BY_VECTOR = [
    ("Ax", "A x", "x", None, "A", "A^T", lambda v: v["A"] @ v["x"], {"A": (3, 2), "x": (2,)}),
    ("x", "x", "x", None, "I", "I", lambda v: v["x"], {"x": (3,)}),
    ("x*y", "x ⊙ y", "x", None, "diag(y)", "diag(y)", lambda v: v["x"] * v["y"], {"x": (3,), "y": (3,)}),
    ("softmax", "softmax(z)", "z", None, "diag(softmax(z)) - softmax(z) softmax(z)^T",
     "diag(softmax(z)) - softmax(z) softmax(z)^T", lambda v: softmax(v["z"]), {"z": (4,)}),
    ("layer", "σ(W1 x + b1)", "x", None, "diag(σ(W1 x + b1) ⊙ (1 - σ(W1 x + b1))) W1",
     "W1^T diag(σ(W1 x + b1) ⊙ (1 - σ(W1 x + b1)))",
     lambda v: sigmoid(v["W1"] @ v["x"] + v["b1"]), {"W1": (4, 3), "x": (3,), "b1": (4,)}),
]

MATRIX_BY_MATRIX = [
    ("AXB", "A X B", "X", None, "B^T ⊗ A", "B ⊗ A^T", lambda v: v["A"] @ v["X"] @ v["B"],
     {"A": (2, 3), "X": (3, 4), "B": (4, 5)}),
    ("inv", "X^{-1}", "X", None, "-(X^{-T} ⊗ X^{-1})", "-(X^{-1} ⊗ X^{-T})",
     lambda v: np.linalg.inv(v["X"]), {"X": (3, 3)}),
]

# Printed results in numerator/mixed layout, as the seed table writes them.
PRINTED = [
    ("A x", "x", None, "A"),
    ("x", "x", None, "I"),
    ("x ⊙ y", "x", None, "diag(y)"),
    ("softmax(z)", "z", None, "diag(s) - s sᵀ where s = softmax(z)"),
    ("σ(W1 x + b1)", "x", None, "diag(h ⊙ (1 - h)) W1 where h = σ(W1 x + b1)"),
    ("A X B", "X", None, "Bᵀ ⊗ A"),
    ("X^{-1}", "X", None, "-(X⁻ᵀ ⊗ X⁻¹)"),
    ("A diag(x) B", "x", "A: 4x3, B: 3x2", "(Bᵀ ⊗ 𝟏) ⊙ (𝟏 ⊗ A)"),
    ("X^T", "X", None, "K_(m,n)"),
]


def _well_conditioned(values):
    if "X" in values and np.shape(values["X"])[0] == np.shape(values["X"])[1]:
        values["X"] = values["X"] + 3 * np.eye(len(values["X"]))
    return values


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", VECTOR_BY_VECTOR + MATRIX_BY_MATRIX, ids=lambda c: c[0])
def test_seed_expected_form(case, layout):
    """(a) the result is the simplified parse of the form the notes print."""
    _, f, wrt, where, num, den, _, _ = case
    kind = "jacobian" if case in VECTOR_BY_VECTOR else "derivative"
    r = (jacobian if kind == "jacobian" else derivative)(f, wrt=wrt, where=where, layout=layout)
    assert same_form(r, den if layout == "denominator" else num), r.text()
    assert r.kind == kind and r.layout == layout


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", VECTOR_BY_VECTOR + MATRIX_BY_MATRIX, ids=lambda c: c[0])
def test_seed_finite_differences(case, layout):
    """(b) against central differences of a NumPy implementation, at non-square sizes."""
    _, f, wrt, where, _, _, fn, shapes = case
    r = derivative(f, wrt=wrt, where=where, layout=layout)
    rng = np.random.default_rng(RNG_SEED)
    for _ in range(2):
        values = _well_conditioned(random_values(shapes, rng))
        want = fd_jacobian(fn, values, wrt)
        want = want.T if layout == "denominator" else want
        got = value(r, values)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", VECTOR_BY_VECTOR + MATRIX_BY_MATRIX, ids=lambda c: c[0])
def test_seed_verified_by_sympy(case, layout):
    """(c) SymPy's element-by-element expansion confirms the closed form."""
    _, f, wrt, where, _, _, _, _ = case
    report = verify(jacobian(f, wrt=wrt, where=where, layout=layout))
    assert report.ok, str(report)


@pytest.mark.parametrize("f, wrt, where, text", PRINTED)
def test_seed_printed(f, wrt, where, text):
    assert derivative(f, wrt=wrt, where=where).text() == text


# ----------------------------------------------------------------- a matrix by a vector: A diag(x) B

@pytest.mark.parametrize("layout", LAYOUTS)
def test_matrix_by_vector_is_an_8x3_jacobian(layout):
    r = derivative("A diag(x) B", wrt="x", where="A: 4x3, B: 3x2", layout=layout)
    assert r.shape == ((3, 8) if layout == "denominator" else (8, 3))
    label, S = r.slices
    assert label == "∂F/∂x_k" and str(S) == "A e_k e_kᵀ B"
    rng = np.random.default_rng(1)
    values = random_values({"A": (4, 3), "x": (3,), "B": (3, 2)}, rng)
    want = fd_jacobian(lambda v: v["A"] @ np.diag(v["x"]) @ v["B"], values, "x")
    np.testing.assert_allclose(value(r, values), want.T if layout == "denominator" else want, rtol=1e-6)
    assert verify(r, max_size=8).ok


def test_matrix_by_vector_slices_evaluate_to_the_tensor():
    """∂F/∂x_k = A e_k e_kᵀ B, evaluated at k = 1…3, are the slices of the 4×2×3 tensor."""
    r = derivative("A diag(x) B", wrt="x", where="A: 4x3, B: 3x2")
    rng = np.random.default_rng(2)
    values = random_values({"A": (4, 3), "x": (3,), "B": (3, 2)}, rng)
    J = value(r, values)
    _, S = r.slices
    for k in range(1, 4):
        sk = np.asarray(S.evaluate({**values, "k": k}))
        np.testing.assert_allclose(vec(sk), J[:, k - 1])


# ----------------------------------------------------------------- settled cases of SPEC §2

@pytest.mark.parametrize("layout, expected", [("mixed", "A^T"), ("numerator", "A^T"), ("denominator", "A")])
def test_row_vector_valued_is_the_vector_of_its_entries(layout, expected):
    r = jacobian("x^T A", wrt="x", layout=layout)
    assert same_form(r, expected)
    assert verify(r).ok


@pytest.mark.parametrize("layout", LAYOUTS)
def test_jacobian_of_a_scalar_is_one_row(layout):
    r = jacobian("x^T A x", wrt="x", layout=layout)
    assert same_form(r, "(A + A^T) x" if layout == "denominator" else "x^T (A + A^T)")
    assert verify(r).ok


def test_jacobian_of_a_scalar_by_a_matrix_is_a_row_of_length_mn():
    r = jacobian("tr(A X)", wrt="X")
    assert r.shape[0] == 1 and same_form(r, "vec(A^T)^T")
    assert verify(r).ok


def test_derivative_of_a_scalar_is_the_gradient():
    r = derivative("x^T A x", wrt="x")
    assert r.kind == "grad" and same_form(r, "(A + A^T) x")


@pytest.mark.parametrize("f, layout, expected, shape", [
    ("α A", "mixed", "A", ("n", "m")), ("α A", "denominator", "A^T", ("m", "n")),
    ("α x", "numerator", "x", ("n", 1)), ("α x", "denominator", "x^T", (1, "n")),
])
def test_by_a_scalar(f, layout, expected, shape):
    """By a scalar: F's shape; in denominator layout a vector-by-scalar derivative is a row."""
    r = derivative(f, wrt="α", layout=layout)
    assert same_form(r, expected) and r.shape == shape
    assert verify(r).ok


@pytest.mark.parametrize("layout", LAYOUTS)
def test_vector_by_matrix(layout):
    r = derivative("X a", wrt="X", layout=layout)
    assert same_form(r, "a ⊗ I" if layout == "denominator" else "a^T ⊗ I")
    assert verify(r).ok


def test_transpose_is_the_commutation_matrix():
    r = derivative("X^T", wrt="X")
    assert isinstance(r.result, E.Commutation)
    rng = np.random.default_rng(3)
    values = random_values({"X": (2, 3)}, rng)
    np.testing.assert_allclose(value(r, values), fd_jacobian(lambda v: v["X"].T, values, "X"))
    assert verify(r).ok


@pytest.mark.parametrize("convention", ["sym", "entrywise"])
def test_by_a_symmetric_matrix_uses_the_convention(convention):
    r = derivative("A X", wrt="X", where="X: symmetric", symmetric=convention)
    assert "symmetric" in r.heading()
    assert verify(r).ok


def test_by_a_diagonal_matrix_only_the_diagonal_varies():
    r = derivative("A X", wrt="X", where="X: diagonal")
    assert verify(r).ok


# ----------------------------------------------------------------- index formulas, slices, steps, rendering

@pytest.mark.parametrize("f, formula", [
    ("A X B", "∂F_ij/∂X_kl = A_ik B_lj"),
    ("X", "∂F_ij/∂X_kl = δ_ik δ_lj"),
    ("X^T", "∂F_ij/∂X_kl = δ_il δ_kj"),
    ("A X^T B", "∂F_ij/∂X_kl = A_il B_kj"),
    ("X^{-1}", "∂F_ij/∂X_kl = -(X⁻¹)_ik (X⁻¹)_lj"),
    ("A X^{-1} B", "∂F_ij/∂X_kl = -(A X⁻¹)_ik (X⁻¹ B)_lj"),
    ("X^T X", "∂F_ij/∂X_kl = δ_il X_kj + X_ki δ_lj"),
])
def test_index_formula(f, formula):
    r = derivative(f, wrt="X")
    assert r.index_formula == formula
    assert "index form: " + formula in render_text(r)


def test_index_formula_agrees_with_the_jacobian():
    """∂F_ij/∂X_kl = A_ik B_lj entry by entry against the vectorised Jacobian."""
    r = derivative("A X B", wrt="X")
    rng = np.random.default_rng(4)
    v = random_values({"A": (2, 3), "X": (3, 4), "B": (4, 5)}, rng)
    J = value(r, v)
    for i, j, k, l in [(0, 0, 0, 0), (1, 4, 2, 3), (0, 3, 1, 2)]:
        assert np.isclose(J[j * 2 + i, l * 3 + k], v["A"][i, k] * v["B"][l, j])


def test_steps_are_in_the_differential_style():
    r = derivative("A X B", wrt="X")
    # issue 12: d vec F = J d vec X as a line of the chain, the identity as an annotation
    texts = [s.formula() for s in r.steps]
    assert texts[1:] == ["dF = A dX B", "d vec(F) = (Bᵀ ⊗ A) vec(dX)", "⇒ ∂vec(F)/∂vec(X) = Bᵀ ⊗ A"]
    assert "vec of a product" in r.steps[2].rule
    assert any("vec(L dU R) = (Rᵀ ⊗ L) vec(dU)" in i for i in r.steps[2].identities)
    assert all(s.latex() for s in r.steps)


@pytest.mark.parametrize("kind, f, wrt, where, layout, words", [
    ("jacobian", "A x", "x", "A: 3x2", "mixed", ["Jacobian", "by x", "mixed layout", "3×2"]),
    ("derivative", "A X B", "X", "A: 2x3, X: 3x4, B: 4x5", "denominator",
     ["derivative", "by X", "denominator layout", "12×10"]),
    ("hessian", "x^T A x", "x", "A: 3x3", "numerator", ["Hessian", "by x", "numerator layout", "3×3"]),
])
def test_heading_states_kind_layout_and_shape(kind, f, wrt, where, layout, words):
    head = derive(kind, f, wrt, where=where, layout=layout).heading()
    assert all(w in head for w in words), head


def test_rendered_symbols():
    assert render_text(derivative("A X B", wrt="X")).startswith("f = A X B\n∂vec(F)/∂vec(X) = Bᵀ ⊗ A")
    assert render_text(jacobian("A x", wrt="x")).startswith("f = A x\n∂f/∂x = A")
    assert "\\operatorname{vec}(F)" in render_latex(derivative("A X B", wrt="X"))


def test_numpy_source_of_a_kronecker_result():
    r = derivative("A X B", wrt="X")
    ns = {}
    exec(r.to_numpy(), ns)
    rng = np.random.default_rng(5)
    A, X, B = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(4, 5))
    # every variable of f is an argument (issue 14), X too, though the result does not use it
    np.testing.assert_allclose(ns["d_X"](A=A, X=X, B=B), np.kron(B.T, A))


# ----------------------------------------------------------------- the self-check

def _tampered(r, result):
    """The derivative r with another closed form."""
    return Derivative(r.kind, r.f, r.wrt, result, r.layout, r.symmetric, r.steps)


@pytest.mark.parametrize("f, wrt, kind", [("A x", "x", "jacobian"), ("A X B", "X", "derivative"),
                                          ("α A", "α", "derivative")])
def test_selfcheck_rejects_a_transposed_result(f, wrt, kind):
    r = derive(kind, f, wrt)
    with pytest.raises(InternalError):
        selfcheck(_tampered(r, simplify(E.Transpose(r.result))))


def test_selfcheck_rejects_a_wrong_factor():
    r = derive("derivative", "X^{-1}", "X")
    with pytest.raises(InternalError):
        selfcheck(_tampered(r, simplify(E.Neg(r.result))))


def test_selfcheck_rejects_the_layout_mixed_up():
    r = derive("jacobian", "A x", "x", layout="denominator")
    with pytest.raises(InternalError):
        selfcheck(_tampered(r, r.f.args[0]))


# ----------------------------------------------------------------- one test per Jacobian rule

x, y = E.Var("x", ("n", 1)), E.Var("y", ("n", 1))
a = E.Var("a", ("m", 1))
A, Bm = E.Var("A", ("m", "n")), E.Var("B", ("n", "n"))
X, Y, S = E.Var("X", ("n", "m")), E.Var("Y", ("n", "m")), E.Var("S", ("n", "n"))
lam = E.Var("λ", (1, 1))
T = E.Transpose

RULE_CASES = {
    E.Add: (E.Add(E.Mul(A, x), E.Mul(A, E.Hadamard(x, y))), x),
    E.Neg: (E.Neg(E.Mul(A, x)), x),
    E.Div: (E.Div(E.Mul(A, x), lam), x),
    E.Vec: (E.Vec(E.Mul(A, X)), X),
    E.Unvec: (E.Unvec(E.Mul(E.Kron(E.Var("P", ("m", "m")), S), E.Vec(X)), "n", "m"), X),
    E.Transpose: (E.Mul(A, T(E.Mul(X, A))), X),
    E.Mul: (product(product(T(X), Bm), X), X),
    E.Hadamard: (E.Hadamard(X, Y), X),
    E.HadDiv: (E.HadDiv(X, Y), X),
    E.Trace: (E.Mul(E.Trace(E.Mul(Bm, X, A)), a), X),
    E.Sum: (E.Mul(E.Sum(X), a), X),
    E.Mean: (E.Mul(E.Mean(E.Var("u", (3, 1))), a), E.Var("u", (3, 1))),  # N symbolic: see the report
    E.DiagMat: (E.DiagMat(E.Mul(Bm, x)), x),
    E.DiagVec: (E.DiagVec(E.Mul(S, S)), S),
    E.Kron: (E.Add(E.Kron(X, A), E.Kron(A, X)), X),
    E.Matrix: (E.Mul(E.Matrix([[E.Mul(T(x), y), E.Const(2)], [E.Sum(x), E.Mul(T(y), x, T(x), y)]]),
                     E.Var("c", (2, 1))), x),
}


def test_every_jacobian_rule_has_a_case():
    assert set(RULES) <= set(RULE_CASES)


@pytest.mark.parametrize("cls", list(RULE_CASES), ids=lambda c: c.__name__)
def test_jacobian_rule(cls):
    """The rule's result against central differences of f (symmat.numeric.evaluate), in two layouts."""
    f, X_ = RULE_CASES[cls]
    rng = np.random.default_rng(6)
    sizes = {"n": 3, "m": 2}
    shapes = {v.name: tuple(sizes.get(d, d) for d in v.shape) for v in f.variables()}
    values = random_values({k: (s[0],) if s[1] == 1 and s[0] != 1 else (() if s == (1, 1) else s)
                            for k, s in shapes.items()}, rng)
    for layout in ("mixed", "denominator"):
        r = derive("derivative", f, X_.name, layout=layout, check=False)
        want = fd_jacobian(lambda v: f.evaluate(v), values, X_.name)
        want = want.T if layout == "denominator" else want
        np.testing.assert_allclose(value(r, values), want, rtol=1e-6, atol=1e-8)


def test_a_differential_that_cancels_gives_a_zero_jacobian():
    r = derivative("‖(Y - Y) ⊗ (I + β)‖_F^2 u", wrt="Y", where="Y: 3x2, β: scalar, u: vector(2)")
    assert isinstance(r.result, E.Zero) and r.shape == (2, 6)


def test_unlinear_node_around_the_differential_is_an_internal_error():
    from symmat.calculus.vec import jacobian_of
    dx = E.Differential(x)
    with pytest.raises(InternalError):
        jacobian_of(E.Hadamard(dx, dx), dx)


# ----------------------------------------------------------------- Kronecker / vec simplification rules

n, m, k = "n", "m", "k"
P, Q = E.Var("P", (n, m)), E.Var("Q", (m, k))
U, V = E.Var("U", (k, n)), E.Var("V", (m, n))

SIMPLIFY_CASES = [
    ("kron_scalar 1", E.Kron(E.Const(1), P), P),
    ("kron_scalar I1", E.Kron(P, E.Identity(1)), P),
    ("kron_scalar s", E.Kron(lam, P), E.Mul(lam, P)),
    ("kron_coefficients", E.Kron(E.Neg(P), E.Mul(E.Const(2), Q)), E.Mul(E.Const(-2), E.Kron(P, Q))),
    ("kron_zero", E.Kron(E.Zero((n, m)), Q), E.Zero((dim_mul(n, m), dim_mul(m, k)))),
    ("kron_identities", E.Kron(E.Identity(n), E.Identity(m)), E.Identity(dim_mul(n, m))),
    ("mul_kron_mixed", E.Mul(E.Kron(P, U), E.Kron(Q, P)), E.Kron(E.Mul(P, Q), E.Mul(U, P))),
    ("mul_kron_vec", E.Mul(E.Kron(T(Q), P), E.Vec(E.Var("Z", (m, m)))),
     E.Vec(E.Mul(P, E.Var("Z", (m, m)), Q))),
    ("vec_rules column", E.Vec(x), x),
    ("vec_rules row", E.Vec(T(x)), x),
    ("vec_rules scale", E.Vec(E.Mul(E.Const(3), P)), E.Mul(E.Const(3), E.Vec(P))),
    ("commutation_trivial", E.Commutation(n, 1), E.Identity(n)),
    ("commutation_transpose", T(E.Commutation(n, m)), E.Commutation(m, n)),
    ("mul_commutation_square", E.Mul(E.Commutation(m, n), E.Commutation(n, m), E.Vec(P)), E.Vec(P)),
    ("diag_unit", E.DiagMat(E.Basis(n, "k")), E.Mul(E.Basis(n, "k"), T(E.Basis(n, "k")))),
    ("diag_scalars", E.DiagMat(E.Mul(E.Const(2), lam, x)), E.Mul(E.Const(2), lam, E.DiagMat(x))),
    ("mul_kron_absorb", E.Mul(E.Kron(x, E.Identity(m)), E.Var("M", (m, k)), E.Kron(T(E.Var("c", (k, 1))),
                                                                                 E.Identity(k))),
     E.Kron(E.Mul(x, T(E.Var("c", (k, 1)))), E.Var("M", (m, k)))),
    ("mul_diag_diag", E.Mul(E.DiagMat(x), E.DiagMat(y), P), E.Mul(E.DiagMat(E.Hadamard(x, y)), P)),
    ("transpose_hadamard", T(E.Hadamard(P, E.Var("R", (n, m)))), E.Hadamard(T(P), T(E.Var("R", (n, m))))),
]


@pytest.mark.parametrize("name, before, after", SIMPLIFY_CASES, ids=[c[0] for c in SIMPLIFY_CASES])
def test_simplify_rule(name, before, after):
    out = simplify(before)
    assert out == simplify(after), (str(out), str(simplify(after)))
    rng = np.random.default_rng(7)
    values = {"n": 3, "m": 2, "k": 2}
    for v in before.variables():
        r, c = (values.get(d, d) for d in v.shape)
        values[v.name] = rng.normal(size=(r, c)) if (r, c) != (1, 1) else 1.3
    np.testing.assert_allclose(np.asarray(before.evaluate(values)), np.asarray(out.evaluate(values)))


def test_products_of_sizes_are_canonical():
    """mn is nm: the rows of Bᵀ ⊗ A and of vec(X) must be one size."""
    assert dim_mul("n", "m") == dim_mul("m", "n")
    assert dim_mul(dim_mul("p", "n"), "m") == dim_mul("n", dim_mul("m", "p"))
    assert dim_mul(2, dim_mul(3, "n")) == dim_mul("n", 6)


# ----------------------------------------------------------------- random expressions (Hypothesis)

SHAPES = {"n1": ("n", 1), "m1": ("m", 1), "nn": ("n", "n"), "nm": ("n", "m"), "mn": ("m", "n"),
          "mm": ("m", "m"), "11": (1, 1), "1n": (1, "n"), "1m": (1, "m")}
KEY = {v: k for k, v in SHAPES.items()}
CONSTS = {"n1": "a", "m1": "b", "nn": "C", "nm": "D", "mn": "G", "mm": "H", "11": "λ"}
VARIABLES = {"n1": E.Var("x", ("n", 1)), "nm": E.Var("X", ("n", "m"))}


def _const(shape):
    """The constant variable of a shape (a row is the transpose of a constant column)."""
    if shape[0] == 1 and shape[1] != 1:
        return E.Transpose(_const((shape[1], 1)))
    return E.Var(CONSTS[KEY[shape]], shape)


def _leaf(draw, key, wrt):
    options = [_const(SHAPES[key]), _path(key, wrt), _path(key, wrt)]
    if wrt.shape == SHAPES[key]:
        options += [wrt, wrt]
    if key in ("nn", "mm"):
        options.append(E.Identity(SHAPES[key][0]))
    return draw(st.sampled_from(options))


def _expr(draw, key, depth, wrt):
    """A random well-shaped expression of shape SHAPES[key] (the variable wrt among the leaves)."""
    if depth == 0 or draw(st.integers(0, 5)) == 0:
        return _leaf(draw, key, wrt)
    r, c = SHAPES[key]
    op = draw(st.sampled_from(["add", "neg", "scale", "had", "fn", "t", "mul", "mul", "diag", "kron"]))
    sub = lambda k: _expr(draw, k, depth - 1, wrt)  # noqa: E731
    if op == "add":
        return E.Add(sub(key), sub(key))
    if op == "neg":
        return E.Neg(sub(key))
    if op == "scale":
        return product(draw(st.sampled_from([E.Const(2), E.Const(Fraction(-1, 2)), sub("11")])), sub(key))
    if op == "had" and key != "11":
        return E.Hadamard(sub(key), sub(key))
    if op == "fn":
        return E.Apply(draw(st.sampled_from(["tanh", "sin", "sigmoid"])), sub(key))
    if op == "t" and key != "11":
        return E.Transpose(sub(KEY[(c, r)]))
    if op == "diag" and c == r and key != "11":
        return E.DiagMat(sub(KEY[(r, 1)]))
    if op == "kron" and key == "nm":
        return E.Kron(sub("n1"), E.Transpose(sub("m1")))
    if op == "kron":
        return E.Kron(sub("11"), sub(key))
    inner = draw(st.sampled_from(["n", "m"]))
    return product(sub(KEY[(r, inner)]), sub(KEY[(inner, c)]))


@st.composite
def vector_or_matrix_valued(draw):
    wrt = VARIABLES[draw(st.sampled_from(sorted(VARIABLES)))]
    key = draw(st.sampled_from(["n1", "nm", "mn", "nn"]))
    f = _expr(draw, key, draw(st.integers(1, 4)), wrt)
    if wrt not in set(f.walk()):
        f = E.Add(f, _path(key, wrt))
    return f, wrt, draw(st.sampled_from(LAYOUTS))


def _path(key, wrt):
    """A term of shape SHAPES[key] that holds the variable."""
    r, c = SHAPES[key]
    out = product(_const((r, wrt.shape[0])), wrt)
    return out if wrt.shape[1] == c else product(out, _const((wrt.shape[1], c)))


def _random_point(f, rng):
    sizes = {"n": 3, "m": 2}
    values = dict(sizes)
    for v in f.variables():
        r, c = (sizes.get(d, d) for d in v.shape)
        values[v.name] = rng.uniform(-1, 1, size=(r, c)) if (r, c) != (1, 1) else float(rng.uniform(-1, 1))
    return values


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(vector_or_matrix_valued(), st.sampled_from(["jacobian", "derivative"]))
def test_random_jacobians_match_finite_differences(case, kind):
    f, wrt, layout = case
    r = derive(kind, f, wrt.name, layout=layout, check=False)
    values = _random_point(f, np.random.default_rng(8))
    want = fd_jacobian(lambda v: f.evaluate(v), values, wrt.name)
    want = want.T if layout == "denominator" else want
    got = np.asarray(r.evaluate(values), dtype=float).reshape(want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=f"{f} by {wrt.name}: {r.text()}")
