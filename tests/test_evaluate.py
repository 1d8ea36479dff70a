"""`evaluate` against hand-written NumPy, and generated NumPy source against `evaluate`.

One case per node type (several for the element-wise functions), built with
the expression constructors at distinct sizes (n = 3, m = 2) so that a
missing transpose cannot hide.
"""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symmat.tree import expr as E
from symmat.errors import ShapeError, SymmatError
from symmat.numeric.evaluate import RULES, commutation, evaluate
from symmat.codegen import to_numpy
from symmat.codegen.plan import RULES as NUMPY_RULES

N, M = 3, 2
A = E.Var("A", ("n", "n"))
B = E.Var("B", ("n", "m"))
X = E.Var("X", ("m", "n"))
S = E.Var("S", ("n", "n"), {"symmetric"})
x = E.Var("x", ("n", 1))
y = E.Var("y", ("n", 1))
p = E.Var("p", ("n", 1))
z2 = E.Var("z", (2, 1))
lam = E.Var("λ", (1, 1))
c = E.Const


def values(seed=0):
    """A consistent set of values: A well conditioned, p positive, x of mixed signs."""
    rng = np.random.default_rng(seed)
    s = rng.uniform(-1, 1, (N, N))
    return {
        "A": rng.uniform(-1, 1, (N, N)) + 3 * np.eye(N),
        "B": rng.uniform(-1, 1, (N, M)),
        "X": rng.uniform(-1, 1, (M, N)),
        "S": s + s.T + 4 * np.eye(N),
        "x": np.array([0.7, -1.2, 1.3]),
        "y": rng.uniform(0.5, 1.5, N) * np.array([1, -1, 1]),
        "p": rng.uniform(0.5, 1.5, N),
        "z": rng.uniform(-1, 1, 2),
        "λ": 1.7,
    }


def K(m, n):
    """The commutation matrix by its definition, entry by entry."""
    k = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            k[i * n + j, j * m + i] = 1.0
    return k


def col(v):
    return np.asarray(v, dtype=float).reshape(-1, 1)


def vec(a):
    return a.reshape(-1, order="F")


def sig(t):
    return 1 / (1 + np.exp(-t))


# (label, expression, hand NumPy of the values dict v)
CASES = [
    ("var", A, lambda v: v["A"]),
    ("const", E.Mul(c(Fraction(3, 2)), A), lambda v: 1.5 * v["A"]),
    ("identity", E.Add(A, E.Identity("n")), lambda v: v["A"] + np.eye(N)),
    ("ones", E.Mul(E.Transpose(E.Ones(("n", 1))), x), lambda v: np.sum(v["x"])),
    ("zero", E.Add(B, E.Zero(("n", "m"))), lambda v: v["B"]),
    ("basis", E.Mul(A, E.Basis("n", 2)), lambda v: v["A"][:, 1]),
    ("commutation", E.Mul(E.Commutation("n", "m"), E.Vec(B)), lambda v: vec(v["B"].T)),
    ("matrix", E.Mul(E.Matrix([[lam, c(2)], [c(1), E.Neg(lam)]]), z2),
     lambda v: np.array([[1.7, 2], [1, -1.7]]) @ v["z"]),
    ("add scalar to vector", E.Add(x, lam, c(-1)), lambda v: v["x"] + 0.7),
    ("neg", E.Neg(B), lambda v: -v["B"]),
    ("mul chain and scalars", E.Mul(lam, E.Transpose(x), A, y), lambda v: 1.7 * v["x"] @ v["A"] @ v["y"]),
    ("mul nested scalar", E.Mul(E.Mul(E.Transpose(x), y), p), lambda v: (v["x"] @ v["y"]) * v["p"]),
    ("div", E.Div(A, lam), lambda v: v["A"] / 1.7),
    ("hadamard", E.Hadamard(x, y), lambda v: v["x"] * v["y"]),
    ("hadamard scalar", E.Hadamard(lam, B), lambda v: 1.7 * v["B"]),
    ("haddiv", E.HadDiv(x, p), lambda v: v["x"] / v["p"]),
    ("haddiv scalar", E.HadDiv(c(1), p), lambda v: 1 / v["p"]),
    ("hadpow int", E.HadPow(x, 3), lambda v: v["x"] ** 3),
    ("hadpow half", E.HadPow(p, Fraction(1, 2)), lambda v: np.sqrt(v["p"])),
    ("kron", E.Kron(B, X), lambda v: np.kron(v["B"], v["X"])),
    ("transpose", E.Transpose(B), lambda v: v["B"].T),
    ("inverse", E.Inverse(A), lambda v: np.linalg.inv(v["A"])),
    ("inverse scalar", E.Inverse(lam), lambda v: 1 / 1.7),
    ("power", E.Power(A, 3), lambda v: v["A"] @ v["A"] @ v["A"]),
    ("power negative", E.Power(A, -2), lambda v: np.linalg.inv(v["A"] @ v["A"])),
    ("power scalar", E.Power(lam, Fraction(1, 2)), lambda v: np.sqrt(1.7)),
    ("trace", E.Trace(E.Mul(B, X)), lambda v: np.trace(v["B"] @ v["X"])),
    ("det", E.Det(A), lambda v: np.linalg.det(v["A"])),
    ("logdet", E.LogDet(E.Neg(A)), lambda v: np.log(abs(np.linalg.det(-v["A"])))),
    ("norm 2 vector", E.Norm(x), lambda v: np.linalg.norm(v["x"])),
    ("norm 2 matrix", E.Norm(B), lambda v: np.sqrt(np.sum(v["B"] ** 2))),
    ("norm 1", E.Norm(x, "1"), lambda v: np.sum(np.abs(v["x"]))),
    ("sum", E.Sum(B), lambda v: np.sum(v["B"])),
    ("mean", E.Mean(B), lambda v: np.mean(v["B"])),
    ("diag of vector", E.DiagMat(x), lambda v: np.diag(v["x"])),
    ("diag of matrix", E.DiagVec(A), lambda v: np.diag(v["A"])),
    ("vec", E.Vec(B), lambda v: vec(v["B"])),
    ("exp", E.Apply("exp", x), lambda v: np.exp(v["x"])),
    ("log", E.Apply("log", p), lambda v: np.log(v["p"])),
    ("sqrt", E.Apply("sqrt", p), lambda v: np.sqrt(v["p"])),
    ("sin", E.Apply("sin", x), lambda v: np.sin(v["x"])),
    ("cos", E.Apply("cos", x), lambda v: np.cos(v["x"])),
    ("tan", E.Apply("tan", x), lambda v: np.tan(v["x"])),
    ("tanh", E.Apply("tanh", x), lambda v: np.tanh(v["x"])),
    ("sigmoid", E.Apply("sigmoid", x), lambda v: sig(v["x"])),
    ("relu", E.Apply("relu", x), lambda v: np.maximum(v["x"], 0)),
    ("softplus", E.Apply("softplus", x), lambda v: np.log(1 + np.exp(v["x"]))),
    ("abs", E.Apply("abs", x), lambda v: np.abs(v["x"])),
    ("step", E.Apply("step", x), lambda v: (v["x"] > 0).astype(float)),
    ("sign", E.Apply("sign", x), lambda v: np.sign(v["x"])),
    ("scalar function", E.Apply("exp", lam), lambda v: np.exp(1.7)),
    ("size", E.Mul(E.Size("n"), x), lambda v: 3 * v["x"]),
    ("softmax", E.Softmax(x), lambda v: np.exp(v["x"]) / np.sum(np.exp(v["x"]))),
    ("logsumexp", E.LogSumExp(x), lambda v: np.log(np.sum(np.exp(v["x"])))),
    ("symmetric", E.Mul(E.Transpose(x), S, x), lambda v: v["x"] @ v["S"] @ v["x"]),
    ("shared subtree", E.Add(E.Mul(A, x), E.Apply("exp", E.Mul(A, x))),
     lambda v: v["A"] @ v["x"] + np.exp(v["A"] @ v["x"])),
]


@pytest.mark.parametrize("label, e, hand", CASES, ids=[case[0] for case in CASES])
def test_evaluate_matches_hand_numpy(label, e, hand):
    v = values()
    got = evaluate(e, v)
    want = hand(v)
    assert np.shape(got) == np.shape(want)
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("label, e, hand", CASES, ids=[case[0] for case in CASES])
def test_generated_numpy_agrees_with_evaluate(label, e, hand):
    src = to_numpy(e)
    namespace = {}
    exec(compile(src, "<to_numpy>", "exec"), namespace)
    v = values(1)
    args = [v[var.name] for var in e.variables()]
    got = namespace["f"](*args)
    want = evaluate(e, v)
    assert type(got) is type(want) or np.ndim(got) == np.ndim(want)
    assert np.shape(got) == np.shape(want)
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12)


def test_every_node_type_has_a_rule():
    assert set(RULES) == set(E.NODE_TYPES.values())
    assert set(NUMPY_RULES) == set(E.NODE_TYPES.values())


def test_commutation_matrix_definition():
    for m, n in [(2, 3), (3, 2), (1, 4), (2, 2)]:
        assert np.array_equal(commutation(m, n), K(m, n))
        a = np.arange(m * n, dtype=float).reshape(m, n)
        assert np.array_equal(commutation(m, n) @ vec(a), vec(a.T))


# ----------------------------------------------------------------- output forms

def test_outputs_float_vector_matrix():
    v = values()
    assert isinstance(evaluate(E.Trace(A), v), float)
    assert evaluate(E.Mul(A, x), v).shape == (N,)
    assert evaluate(B, v).shape == (N, M)


def test_vector_given_as_column_or_flat():
    v = values()
    v2 = dict(v, x=col(v["x"]))
    assert np.allclose(evaluate(E.Mul(A, x), v), evaluate(E.Mul(A, x), v2))


def test_greek_under_either_spelling():
    e = E.Mul(lam, x)
    v = values()
    del v["λ"]
    assert np.allclose(evaluate(e, dict(v, **{"lambda": 2.0})), 2 * v["x"])
    assert np.allclose(evaluate(e, dict(v, **{"λ": 2.0})), 2 * v["x"])


def test_size_given_by_name_for_a_lone_identity():
    assert evaluate(E.Trace(E.Identity("k")), {"k": 4}) == 4.0


def test_differential_is_bound_as_dX():
    e = E.Mul(A, E.Differential(B))
    v = dict(values(), dB=np.ones((N, M)))
    assert np.allclose(evaluate(e, v), v["A"] @ np.ones((N, M)))


# ----------------------------------------------------------------- errors

def _err(e, v):
    with pytest.raises(SymmatError) as info:
        evaluate(e, v)
    return str(info.value)


def test_missing_variable_is_named():
    msg = _err(E.Mul(A, x), {"A": np.eye(3)})
    assert "x" in msg and "no value" in msg


def test_missing_greek_names_both_spellings():
    msg = _err(E.Mul(lam, x), {"x": np.ones(3)})
    assert "λ" in msg and "lambda" in msg


def test_inconsistent_sizes_name_the_variables():
    with pytest.raises(ShapeError) as info:
        evaluate(E.Mul(A, x), {"A": np.eye(3), "x": np.ones(4)})
    assert "A" in str(info.value) and "x" in str(info.value) and "size n" in str(info.value)


def test_declared_size_must_match():
    W = E.Var("W", (2, 4))
    with pytest.raises(ShapeError) as info:
        evaluate(W, {"W": np.ones((2, 3))})
    assert "W" in str(info.value) and "4" in str(info.value)


def test_row_for_a_column_vector_is_refused():
    msg = _err(x, {"x": np.ones((1, 3))})
    assert "x" in msg and "(1, 3)" in msg


def test_scalar_given_an_array():
    msg = _err(E.Mul(lam, x), {"x": np.ones(3), "λ": np.ones(2)})
    assert "λ" in msg and "scalar" in msg


def test_non_numeric_value():
    msg = _err(A, {"A": "hello"})
    assert "A" in msg


def test_singular_inverse_is_a_symmat_error():
    msg = _err(E.Inverse(A), {"A": np.zeros((2, 2))})
    assert "singular" in msg


def test_unfixed_size_says_how_to_give_it():
    msg = _err(E.Trace(E.Identity("k")), {})
    assert "k" in msg


def test_values_must_be_a_dict():
    with pytest.raises(SymmatError):
        evaluate(A, [np.eye(2)])


# ----------------------------------------------------------------- generated source

def test_source_is_readable_and_ordered():
    src = to_numpy(E.Mul(E.Transpose(x), A, x))
    assert "def f(x, A):" in src
    assert "x @ (A @ x)" in src            # vectors are 1-D: xᵀ A x is two dot products
    assert "np." in src


def test_source_parameter_order_and_greek_names():
    src = to_numpy(E.Mul(lam, A, x), name="grad", params=["A", "x", "lambda"])
    assert "def grad(A, x, lambda_):" in src


def test_source_params_must_cover_the_variables():
    with pytest.raises(SymmatError):
        to_numpy(E.Mul(A, x), params=["A"])


def test_source_extra_size_parameter():
    src = to_numpy(E.Identity("n"), params=[])
    namespace = {}
    exec(src, namespace)
    assert np.array_equal(namespace["f"](3), np.eye(3))


def test_source_unused_parameter_accepted():
    src = to_numpy(E.Mul(c(2), x), params=["A", "x"])
    namespace = {}
    exec(src, namespace)
    assert np.allclose(namespace["f"](np.eye(2), [1.0, 2.0]), [2.0, 4.0])


def test_source_shares_common_subexpressions():
    e = E.Add(E.Mul(A, x), E.Apply("exp", E.Mul(A, x)))
    src = to_numpy(e)
    assert src.count("A @ x") == 1


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_generated_source_agrees_on_random_points(seed):
    e = E.Add(E.Mul(E.Inverse(A), B, E.Transpose(B), x),
              E.Mul(E.Trace(E.Mul(B, X)), E.Softmax(E.Hadamard(x, y))))
    src = to_numpy(e)
    namespace = {}
    exec(src, namespace)
    v = values(seed)
    got = namespace["f"](*[v[var.name] for var in e.variables()])
    assert np.allclose(got, evaluate(e, v), rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------- a size used as a number

def test_size_node_is_the_bound_size():
    e = E.Div(E.Ones(("n", 1)), E.Size("n"))      # ∂ mean(x)/∂x = 𝟏/n
    assert np.allclose(evaluate(E.Add(e, x), {"x": np.zeros(4)}), 0.25)


def test_source_reads_a_size_off_a_parameter_or_takes_it():
    e = E.Div(E.Ones(("n", 1)), E.Size("n"))
    src = to_numpy(e, params=[x])
    assert "def f(x):" in src and "n = x.shape[0]" in src
    namespace = {}
    exec(src, namespace)
    assert np.allclose(namespace["f"](np.ones(4)), 0.25)
    namespace = {}
    exec(to_numpy(e), namespace)
    assert np.allclose(namespace["f"](4), 0.25)
