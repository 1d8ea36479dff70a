"""Explicit matrices (SPEC §1.3): differentiated entry by entry, shown as explicit matrices.

Each result is checked against the hand-written form, against central finite
differences of an independent NumPy implementation, and by SymPy expansion.
"""

import numpy as np
import pytest

import symmat
from symmat.tree import expr as E
from symmat.calculus.explicit import multiply_out

CASES = [
    # f, wrt, expected, NumPy f of the scalars (a, b, c, d, …)
    ("det([a b; c d])", "a", "d", lambda v: np.linalg.det([[v["a"], v["b"]], [v["c"], v["d"]]])),
    ("det([a b; c d])", "b", "-c", lambda v: np.linalg.det([[v["a"], v["b"]], [v["c"], v["d"]]])),
    ("log|[a b; c d]|", "d", "a / (a d - b c)",
     lambda v: np.log(abs(np.linalg.det([[v["a"], v["b"]], [v["c"], v["d"]]])))),
    ("tr(X X) where X = [w x; y z]", "w", "2 w", lambda v: v["w"] ** 2 + 2 * v["x"] * v["y"] + v["z"] ** 2),
    ("tr(X X) where X = [w x; y z]", "x", "2 y", lambda v: v["w"] ** 2 + 2 * v["x"] * v["y"] + v["z"] ** 2),
    ("[a b] [c; d]", "a", "c", lambda v: v["a"] * v["c"] + v["b"] * v["d"]),
    ("sum([a b; c d]^{-1})", "a", None,
     lambda v: np.sum(np.linalg.inv([[v["a"], v["b"]], [v["c"], v["d"]]]))),
]


@pytest.mark.parametrize("f,wrt,expected,fn", CASES, ids=[f"{c[0]}|{c[1]}" for c in CASES])
def test_explicit_scalar_gradients(f, wrt, expected, fn):
    r = symmat.grad(f, wrt=wrt)
    if expected is not None:
        assert r.text() == expected
    rng = np.random.default_rng(7)
    values = {n: float(rng.uniform(0.5, 1.5)) for n in "abcdwxyz"}
    values["d"] += 2.0   # keep the 2×2 matrices well conditioned
    names = {v.name for v in r.f.variables()}
    values = {k: v for k, v in values.items() if k in names}
    h = 1e-6
    want = (fn({**values, wrt: values[wrt] + h}) - fn({**values, wrt: values[wrt] - h})) / (2 * h)
    assert abs(r.evaluate(values) - want) < 1e-6 * (1 + abs(want))
    assert symmat.verify(r).ok


def test_gradient_by_a_matrix_shows_an_explicit_matrix():
    r = symmat.grad("tr(A X) where X = [w x; y z]", wrt="A")
    assert r.text() == "[w y; x z]"
    assert symmat.verify(r).ok


def test_explicit_matrices_add_entry_by_entry():
    r = symmat.grad("x^T [p q; r s] x", wrt="x")
    assert r.text() == "[2 p, q + r; r + q, 2 s] x"
    assert symmat.verify(r).ok


def test_multiplying_out_leaves_symbolic_matrices_alone():
    e = symmat.parse("tr(A X) where X = [w x; y z]")
    assert multiply_out(e) == e
    m = multiply_out(symmat.parse("tr([a b; c d] [w x; y z])"))
    assert m.is_scalar and not any(isinstance(n, E.Matrix) for n in m.walk())


def test_steps_say_the_matrices_were_multiplied_out():
    r = symmat.grad("det([a b; c d])", wrt="a")
    assert any(s.rule == "explicit matrices" for s in r.steps)


def test_identity_inside_a_juxtaposed_run():
    assert symmat.parse("AI") == symmat.parse("A I")
    assert isinstance(symmat.parse("AI").args[1], E.Identity)


# ----------------------------------------------------------------- vec (⟨g, vec(dU)⟩ = ⟨unvec(g), dU⟩)

VEC_CASES = [
    ("vec(X)^T vec(X)", "X", "2 X", lambda v: np.sum(v["X"] ** 2), {"X": (3, 2)}),
    ("sum(vec(A X))", "X", "Aᵀ (𝟏 𝟏ᵀ)", lambda v: np.sum(v["A"] @ v["X"]), {"A": (4, 3), "X": (3, 2)}),
    ("vec(X)^T W vec(X)", "X", "unvec((W + Wᵀ) vec(X))",
     lambda v: v["X"].reshape(-1, order="F") @ v["W"] @ v["X"].reshape(-1, order="F"), {"X": (3, 2), "W": (6, 6)}),
]


@pytest.mark.parametrize("f,wrt,expected,fn,shapes", VEC_CASES, ids=[c[0] for c in VEC_CASES])
def test_gradient_through_vec(f, wrt, expected, fn, shapes):
    r = symmat.grad(f, wrt=wrt)
    assert r.text() == expected
    rng = np.random.default_rng(3)
    values = {k: rng.uniform(-1, 1, s) for k, s in shapes.items()}
    want = np.zeros(shapes[wrt])
    for idx in np.ndindex(*shapes[wrt]):
        step = np.zeros(shapes[wrt])
        step[idx] = 1e-6
        want[idx] = (fn({**values, wrt: values[wrt] + step}) - fn({**values, wrt: values[wrt] - step})) / 2e-6
    np.testing.assert_allclose(r.evaluate(values), want, rtol=1e-5, atol=1e-7)
    assert symmat.verify(r).ok
