"""Every scalar row of seed_examples.md, checked three ways.

1. the printed result equals the form the notes print (a hand-written string);
2. its NumPy value equals central finite differences of an independent NumPy
   implementation of f (written here, not the engine's evaluator) at random
   non-square sizes;
3. `symmat.verify` confirms it by SymPy expansion at distinct concrete sizes.
"""

import numpy as np
import pytest

import symmat

rng = np.random.default_rng(1234)


def sig(u):
    return 1 / (1 + np.exp(-u))


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def sym(n):
    a = rng.uniform(-1, 1, (n, n))
    return (a + a.T) / 2 + n * np.eye(n)


def sq(n):
    return rng.uniform(-1, 1, (n, n)) + n * np.eye(n)


def vec(n, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, n)


def mat(m, n):
    return rng.uniform(-1, 1, (m, n))


def onehot(n, k=1):
    y = np.zeros(n)
    y[k] = 1.0
    return y


# (f, wrt, where, layout, expected text, numpy f, values factory)
SEEDS = [
    ("a^T x", "x", None, "mixed", "a", lambda v: v["a"] @ v["x"],
     lambda: {"a": vec(4), "x": vec(4)}),
    ("x^T a", "x", None, "numerator", "aᵀ", lambda v: v["x"] @ v["a"],
     lambda: {"a": vec(4), "x": vec(4)}),
    ("x^T x", "x", None, "mixed", "2 x", lambda v: v["x"] @ v["x"], lambda: {"x": vec(3)}),
    ("x^T A x", "x", None, "mixed", "(A + Aᵀ) x", lambda v: v["x"] @ v["A"] @ v["x"],
     lambda: {"x": vec(3), "A": mat(3, 3)}),
    ("x^T A x where A: symmetric", "x", None, "mixed", "2 A x",
     lambda v: v["x"] @ v["A"] @ v["x"], lambda: {"x": vec(3), "A": sym(3)}),
    ("x^T B x", "x", None, "numerator", "xᵀ (B + Bᵀ)", lambda v: v["x"] @ v["B"] @ v["x"],
     lambda: {"x": vec(3), "B": mat(3, 3)}),
    ("b^T x + x^T A x", "x", None, "mixed", "b + (A + Aᵀ) x",
     lambda v: v["b"] @ v["x"] + v["x"] @ v["A"] @ v["x"],
     lambda: {"b": vec(3), "x": vec(3), "A": mat(3, 3)}),
    ("||A x - b||^2", "x", None, "mixed", "2 Aᵀ (A x - b)",
     lambda v: np.sum((v["A"] @ v["x"] - v["b"]) ** 2),
     lambda: {"A": mat(3, 2), "x": vec(2), "b": vec(3)}),
    ("(A x + b)^T (A x + b)", "x", None, "mixed", "2 Aᵀ (A x + b)",
     lambda v: np.sum((v["A"] @ v["x"] + v["b"]) ** 2),
     lambda: {"A": mat(3, 2), "x": vec(2), "b": vec(3)}),
    ("1/2 ||X w - y||^2", "w", None, "mixed", "Xᵀ (X w - y)",
     lambda v: 0.5 * np.sum((v["X"] @ v["w"] - v["y"]) ** 2),
     lambda: {"X": mat(100, 3), "w": vec(3), "y": vec(100)}),
    ("||X w - y||^2", "w", None, "mixed", "2 Xᵀ (X w - y)",
     lambda v: np.sum((v["X"] @ v["w"] - v["y"]) ** 2),
     lambda: {"X": mat(5, 3), "w": vec(3), "y": vec(5)}),
    ("||X w - y||^2 + λ ||w||^2", "w", None, "mixed", "2 Xᵀ (X w - y) + 2 λ w",
     lambda v: np.sum((v["X"] @ v["w"] - v["y"]) ** 2) + v["λ"] * v["w"] @ v["w"],
     lambda: {"X": mat(5, 3), "w": vec(3), "y": vec(5), "λ": 0.7}),
    ("(X w - y)^T W (X w - y) where W: symmetric", "w", None, "mixed", "2 Xᵀ W (X w - y)",
     lambda v: (v["X"] @ v["w"] - v["y"]) @ v["W"] @ (v["X"] @ v["w"] - v["y"]),
     lambda: {"X": mat(5, 3), "w": vec(3), "y": vec(5), "W": sym(5)}),
    ("||x||_2", "x", None, "mixed", "x / ‖x‖", lambda v: np.linalg.norm(v["x"]),
     lambda: {"x": vec(4)}),
    ("x^T A^T A x", "x", None, "mixed", "2 Aᵀ A x",
     lambda v: np.sum((v["A"] @ v["x"]) ** 2), lambda: {"A": mat(4, 3), "x": vec(3)}),
    ("log(1 + exp(w^T x))", "w", None, "mixed", "σ(wᵀ x) x",
     lambda v: np.log1p(np.exp(v["w"] @ v["x"])), lambda: {"w": vec(3), "x": vec(3)}),
    ("-y^T log(softmax(z))", "z", None, "mixed", "(𝟏ᵀ y) softmax(z) - y",
     lambda v: -v["y"] @ np.log(softmax(v["z"])), lambda: {"y": vec(4, 0, 1), "z": vec(4)}),
    ("-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))", "w", None, "mixed",
     "1/m Xᵀ (σ(X w) - y)",
     lambda v: -1 / v["m"] * np.sum(v["y"] * np.log(sig(v["X"] @ v["w"]))
                                    + (1 - v["y"]) * np.log(1 - sig(v["X"] @ v["w"]))),
     lambda: {"X": mat(5, 3), "w": vec(3), "y": vec(5, 0, 1), "m": 5.0}),
    ("(x - A s)^T W (x - A s) where W: symmetric", "s", None, "mixed", "-2 Aᵀ W (x - A s)",
     lambda v: (v["x"] - v["A"] @ v["s"]) @ v["W"] @ (v["x"] - v["A"] @ v["s"]),
     lambda: {"x": vec(4), "A": mat(4, 3), "s": vec(3), "W": sym(4)}),
    ("(x - A s)^T W (x - A s) where W: symmetric", "x", None, "mixed", "2 W (x - A s)",
     lambda v: (v["x"] - v["A"] @ v["s"]) @ v["W"] @ (v["x"] - v["A"] @ v["s"]),
     lambda: {"x": vec(4), "A": mat(4, 3), "s": vec(3), "W": sym(4)}),
    ("f = x y z where x, y, z: scalar", "x", None, "mixed", "y z",
     lambda v: v["x"] * v["y"] * v["z"], lambda: {"x": 0.3, "y": 1.7, "z": -0.4}),
    ("f = x y z where x, y, z: scalar", "y", None, "mixed", "x z",
     lambda v: v["x"] * v["y"] * v["z"], lambda: {"x": 0.3, "y": 1.7, "z": -0.4}),
    ("f = x y z where x, y, z: scalar", "z", None, "mixed", "x y",
     lambda v: v["x"] * v["y"] * v["z"], lambda: {"x": 0.3, "y": 1.7, "z": -0.4}),
    # scalar by matrix
    ("tr(A X)", "A", None, "mixed", "Xᵀ", lambda v: np.trace(v["A"] @ v["X"]),
     lambda: {"A": mat(2, 4), "X": mat(4, 2)}),
    ("tr(A X) where A: 2x4, X: 4x2", "A", None, "mixed", "Xᵀ", lambda v: np.trace(v["A"] @ v["X"]),
     lambda: {"A": mat(2, 4), "X": mat(4, 2)}),
    ("tr(A)", "A", None, "mixed", "I", lambda v: np.trace(v["A"]), lambda: {"A": mat(3, 3)}),
    ("tr(A B)", "A", None, "mixed", "Bᵀ", lambda v: np.trace(v["A"] @ v["B"]),
     lambda: {"A": mat(2, 3), "B": mat(3, 2)}),
    ("tr(A^T B)", "A", None, "mixed", "B", lambda v: np.trace(v["A"].T @ v["B"]),
     lambda: {"A": mat(2, 3), "B": mat(2, 3)}),
    ("||A||_F^2", "A", None, "mixed", "2 A", lambda v: np.sum(v["A"] ** 2),
     lambda: {"A": mat(2, 3)}),
    ("tr(A B A^T)", "A", None, "mixed", "A (B + Bᵀ)", lambda v: np.trace(v["A"] @ v["B"] @ v["A"].T),
     lambda: {"A": mat(2, 3), "B": mat(3, 3)}),
    ("tr(A B A^T) where B: symmetric", "A", None, "mixed", "2 A B",
     lambda v: np.trace(v["A"] @ v["B"] @ v["A"].T), lambda: {"A": mat(2, 3), "B": sym(3)}),
    ("||A X - B||_F^2", "A", None, "mixed", "2 (A X - B) Xᵀ",
     lambda v: np.sum((v["A"] @ v["X"] - v["B"]) ** 2),
     lambda: {"A": mat(2, 3), "X": mat(3, 4), "B": mat(2, 4)}),
    ("||A X||_F^2", "A", None, "mixed", "2 A X Xᵀ", lambda v: np.sum((v["A"] @ v["X"]) ** 2),
     lambda: {"A": mat(2, 4), "X": mat(4, 2)}),
    ("||X W - Y||_F^2", "W", None, "mixed", "2 Xᵀ (X W - Y)",
     lambda v: np.sum((v["X"] @ v["W"] - v["Y"]) ** 2),
     lambda: {"X": mat(5, 3), "W": mat(3, 2), "Y": mat(5, 2)}),
    ("det(A)", "A", None, "mixed", "det(A) A⁻ᵀ", lambda v: np.linalg.det(v["A"]),
     lambda: {"A": sq(3)}),
    ("log|A|", "A", None, "mixed", "A⁻ᵀ", lambda v: np.log(abs(np.linalg.det(v["A"]))),
     lambda: {"A": sq(3)}),
    ("tr(X^T A X)", "X", None, "mixed", "(A + Aᵀ) X", lambda v: np.trace(v["X"].T @ v["A"] @ v["X"]),
     lambda: {"X": mat(3, 2), "A": mat(3, 3)}),
    ("tr(A X B)", "X", None, "mixed", "Aᵀ Bᵀ", lambda v: np.trace(v["A"] @ v["X"] @ v["B"]),
     lambda: {"A": mat(2, 3), "X": mat(3, 4), "B": mat(4, 2)}),
    ("a^T X b", "X", None, "mixed", "a bᵀ", lambda v: v["a"] @ v["X"] @ v["b"],
     lambda: {"a": vec(3), "X": mat(3, 4), "b": vec(4)}),
    ("a^T X^{-1} b", "X", None, "mixed", "-X⁻ᵀ a bᵀ X⁻ᵀ",
     lambda v: v["a"] @ np.linalg.solve(v["X"], v["b"]),
     lambda: {"a": vec(3), "X": sq(3), "b": vec(3)}),
    ("1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", "W2", None, "mixed",
     "(ŷ - y) hᵀ where h = σ(W1 x + b1), ŷ = W2 h + b2",
     lambda v: 0.5 * np.sum((v["W2"] @ sig(v["W1"] @ v["x"] + v["b1"]) + v["b2"] - v["y"]) ** 2),
     lambda: {"W1": mat(4, 3), "W2": mat(2, 4), "x": vec(3), "b1": vec(4), "b2": vec(2), "y": vec(2)}),
    ("1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", "W1", None, "mixed",
     "(W2ᵀ (ŷ - y) ⊙ h ⊙ (1 - h)) xᵀ where h = σ(W1 x + b1), ŷ = W2 h + b2",
     lambda v: 0.5 * np.sum((v["W2"] @ sig(v["W1"] @ v["x"] + v["b1"]) + v["b2"] - v["y"]) ** 2),
     lambda: {"W1": mat(4, 3), "W2": mat(2, 4), "x": vec(3), "b1": vec(4), "b2": vec(2), "y": vec(2)}),
]

IDS = [f"{s[0]}|{s[1]}|{s[3]}" for s in SEEDS]


def central_difference(fn, values, name, h=1e-6):
    """∂fn/∂values[name] by central differences, in the shape of the variable."""
    x0 = np.array(values[name], dtype=float)
    grad = np.zeros_like(x0)
    for idx in np.ndindex(*x0.shape) if x0.shape else [()]:
        step = np.zeros_like(x0)
        step[idx] = h
        hi = dict(values, **{name: x0 + step})
        lo = dict(values, **{name: x0 - step})
        grad[idx] = (fn(hi) - fn(lo)) / (2 * h)
    return grad


@pytest.mark.parametrize("f,wrt,where,layout,expected,fn,values", SEEDS, ids=IDS)
def test_expected_form(f, wrt, where, layout, expected, fn, values):
    assert symmat.grad(f, wrt=wrt, where=where, layout=layout).text() == expected


@pytest.mark.parametrize("f,wrt,where,layout,expected,fn,values", SEEDS, ids=IDS)
def test_finite_differences(f, wrt, where, layout, expected, fn, values):
    r = symmat.grad(f, wrt=wrt, where=where, layout=layout)
    v = values()
    want = central_difference(fn, v, wrt)
    got = np.asarray(r.evaluate(v), dtype=float)
    if layout == "numerator":
        got = got.T
    np.testing.assert_allclose(got.reshape(np.shape(want)), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f,wrt,where,layout,expected,fn,values", SEEDS, ids=IDS)
def test_sympy_expansion(f, wrt, where, layout, expected, fn, values):
    r = symmat.grad(f, wrt=wrt, where=where, layout=layout)
    report = symmat.verify(r)
    assert report.ok, str(report)


def test_several_variables_give_the_gradient_vector():
    rs = symmat.grad("f = x y z where x, y, z: scalar", wrt="x,y,z")
    assert [r.text() for r in rs] == ["y z", "x z", "x y"]
    assert rs.text().splitlines()[-1] == "∇f = [y z, x z, x y]"


def test_symmetric_default_and_entrywise_conventions():
    r = symmat.grad("log det(X) where X: symmetric", wrt="X")
    assert r.text() == "X⁻¹"
    assert "space of symmetric matrices" in r.heading()
    e = symmat.grad("log det(X) where X: symmetric", wrt="X", symmetric="entrywise")
    assert e.text() == "2 X⁻¹ - X⁻¹ ⊙ I"
    assert "distinct entry" in e.heading()
    assert symmat.verify(r).ok and symmat.verify(e).ok


def test_symmetric_gradient_of_a_linear_function():
    r = symmat.grad("tr(A X) where X: symmetric", wrt="X")
    assert r.text() == "1/2 (A + Aᵀ)"


def test_steps_name_their_rules():
    # issue 12: the steps are a chain of equalities on f itself, each annotated with its rule
    r = symmat.grad("a^T X^{-1} b", wrt="X")
    rules = [s.rule for s in r.steps]
    assert any("inverse" in x for x in rules) and "cyclic property of the trace" in rules
    inverse = next(s for s in r.steps if "inverse" in s.rule)
    assert inverse.lhs_text() == "df" and "X⁻¹ dX X⁻¹" in inverse.text() and inverse.eq == "37, 59"
    assert r.steps[-1].implies and r.steps[-1].lhs_text() == "∂f/∂X"
    assert all(s.latex() for s in r.steps)


def test_variable_that_does_not_occur():
    with pytest.raises(symmat.SymmatError, match="does not occur"):
        symmat.grad("x^T A x", wrt="y")


def test_gradient_of_non_scalar_is_refused():
    with pytest.raises(symmat.SymmatError, match="scalar"):
        symmat.grad("A x", wrt="x")
