"""Batch losses (issue 11): softmax and logsumexp of a matrix act column by column.

A matrix of logits Z = W X holds one example per column; softmax(Z) is the
column-wise softmax and logsumexp(Z) the row of the columns' logsumexp. The
batch cross-entropy -sum(Y ⊙ log(softmax(W X))) is then differentiable by W.
Each stage is checked: shapes, NumPy values, the derivative against central
finite differences of an independent NumPy loss, SymPy verification, SymPy
export, the NumPy printer and explicit matrices.
"""

import numpy as np
import pytest

import symmat
from symmat.tree import expr as E

CE = "-sum(Y ⊙ log(softmax(W X)))"


def softmax_cols(Z):
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def fd_grad(f, W, eps=1e-6):
    G = np.zeros_like(W)
    for idx in np.ndindex(*W.shape):
        Wp, Wm = W.copy(), W.copy()
        Wp[idx] += eps
        Wm[idx] -= eps
        G[idx] = (f(Wp) - f(Wm)) / (2 * eps)
    return G


@pytest.fixture
def batch():
    rng = np.random.default_rng(3)
    W, X = rng.standard_normal((4, 3)), rng.standard_normal((3, 5))
    Y = np.eye(4)[:, rng.integers(0, 4, 5)]     # one-hot columns
    return {"W": W, "X": X, "Y": Y}


def test_shapes():
    sizes = "W: 4x3, X: 3x5"
    assert symmat.parse("softmax(W X)", where=sizes).shape == (4, 5)
    assert symmat.parse("logsumexp(W X)", where=sizes).shape == (1, 5)
    assert symmat.parse("logsumexp(z)").is_scalar
    assert symmat.parse("softmax(z)").shape[1] == 1


def test_values_are_column_by_column(batch):
    Z = batch["W"] @ batch["X"]
    got = symmat.parse("softmax(W X)").evaluate(batch)
    assert np.allclose(got, softmax_cols(Z))
    lse = symmat.parse("logsumexp(W X)").evaluate(batch)
    assert np.allclose(np.reshape(lse, (1, -1)), np.log(np.exp(Z).sum(axis=0, keepdims=True)))


def test_batch_cross_entropy_by_W(batch):
    r = symmat.grad(CE, wrt="W")
    assert str(r) == "((𝟏 𝟏ᵀ) Y ⊙ softmax(W X) - Y) Xᵀ"
    X, Y = batch["X"], batch["Y"]
    loss = lambda W: -np.sum(Y * np.log(softmax_cols(W @ X)))   # noqa: E731
    assert np.allclose(r.evaluate(batch), fd_grad(loss, batch["W"]), atol=1e-6)
    # one-hot columns: 𝟏ᵀ Y = 𝟏ᵀ, so this is the textbook (softmax(W X) - Y) Xᵀ
    assert np.allclose(r.evaluate(batch), (softmax_cols(batch["W"] @ X) - Y) @ X.T)


def test_batch_cross_entropy_verifies_by_sympy():
    assert symmat.verify(symmat.grad(CE, wrt="W")).ok


def test_logsumexp_of_a_batch_by_W(batch):
    r = symmat.grad("sum(logsumexp(W X))", wrt="W")
    assert str(r) == "softmax(W X) Xᵀ"
    assert symmat.verify(r).ok


def test_softmax_of_a_batch_by_X(batch):
    B = np.random.default_rng(1).standard_normal((4, 5))
    r = symmat.grad("sum(softmax(W X) ⊙ B)", wrt="X")
    env = dict(batch, B=B)
    loss = lambda X: np.sum(softmax_cols(batch["W"] @ X) * B)   # noqa: E731
    assert np.allclose(r.evaluate(env), fd_grad(loss, batch["X"]), atol=1e-6)


def test_jacobian_of_a_batch_softmax_is_checked():
    r = symmat.derivative("softmax(W X)", wrt="W")
    assert "softmax(W X)" in str(r)
    assert symmat.verify(r).ok


def test_vector_forms_are_unchanged():
    assert str(symmat.jacobian("softmax(z)", wrt="z", layout="numerator")) == "diag(s) - s sᵀ where s = softmax(z)"
    assert str(symmat.grad("logsumexp(z)", wrt="z")) == "softmax(z)"


def test_to_sympy_and_the_numpy_printer(batch):
    r = symmat.grad(CE, wrt="W")
    assert r.to_sympy().free_symbols
    src = r.to_numpy()
    assert ".max(0)" in src and ".sum(0)" in src      # column by column (symmat.codegen)
    assert "np.ones(" not in src                       # (𝟏 𝟏ᵀ) Y ⊙ S is Y.sum(0) * S: broadcasting
    scope = {}
    exec(compile(src, "<generated>", "exec"), scope)   # our own generated source, not user text
    fn = next(v for k, v in scope.items() if callable(v) and k.startswith("d_"))
    assert np.allclose(fn(batch["Y"], batch["W"], batch["X"]), r.evaluate(batch))


def test_explicit_matrix_softmax_is_column_by_column():
    e = symmat.parse("softmax([a b; c d])", where="a, b, c, d: scalar")
    vals = {"a": 1.0, "b": -2.0, "c": 0.5, "d": 3.0}
    assert np.allclose(e.evaluate(vals), softmax_cols(np.array([[1.0, -2.0], [0.5, 3.0]])))
    r = symmat.grad("sum(logsumexp([a b; c d]))", wrt="a", where="a, b, c, d: scalar")
    assert np.isclose(float(np.ravel(r.evaluate(vals))[0]), softmax_cols(np.array([[1.0], [0.5]]))[0, 0])


def test_logsumexp_node_shape_rule():
    Z = E.Var("Z", (3, 4))
    assert E.LogSumExp(Z).shape == (1, 4)
    assert E.Softmax(Z).shape == (3, 4)
