"""The n-layer network loss 1/2 ||W_n σ(… σ(W_1 x)…) - y||² by W1 (issue 14).

The Hessian is checked three ways at depths 1–4 and at a depth where the
anchored Jacobian walk runs by itself (`calculus.vec._Walk`): against a
hand-written form (printed at depths 1–3, and as NumPy at every depth:
H = x xᵀ ⊗ M1 with M_l = D_l W_(l+1)ᵀ M_(l+1) W_(l+1) D_l + diag(g_l ⊙ σ''(z_l))),
against central second differences of a NumPy forward pass written here,
at random non-square sizes, and by SymPy (`symmat.verify`) on a small
instance. Each depth runs through the plain Jacobian walk (the default
below `PLAIN_LIMIT`) and through the anchored one (forced).
The size of the printed result is checked to grow linearly with the depth
(structure, not time: the times live in benchmarks/bench_derive.py).
"""

import contextlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import gen
import symmat
from symmat import api
from symmat.calculus import jacobian as jac
from symmat.calculus.vec import jacobian_of
from symmat.simplify import size
from symmat.tree import expr as E


def network(n):
    """The n-layer loss as text (layers W1 … Wn, σ between them)."""
    h = "x"
    for k in range(1, n + 1):
        h = f"W{k} {h}" if k == n else f"σ(W{k} {h})"
    return f"1/2 ||{h} - y||^2"


WIDTHS = [3, 4, 2, 5, 3, 2, 4, 3, 2]   # x has 3 entries; layer k maps WIDTHS[k-1] to WIDTHS[k]


def where(n):
    return ", ".join(f"W{k}: {WIDTHS[k]}x{WIDTHS[k - 1]}" for k in range(1, n + 1))


@contextlib.contextmanager
def anchored(on=True):
    """Every Jacobian read by anchors (on) or the default choice (off)."""
    saved = jac.PLAIN_LIMIT, jac.ANCHOR_GAIN
    if on:
        jac.PLAIN_LIMIT, jac.ANCHOR_GAIN = -1, float("inf")
    try:
        yield
    finally:
        jac.PLAIN_LIMIT, jac.ANCHOR_GAIN = saved


def values(n, seed):
    rng = np.random.default_rng(seed)
    v = {f"W{k}": rng.normal(0, 0.8, (WIDTHS[k], WIDTHS[k - 1])) for k in range(1, n + 1)}
    v["x"] = rng.normal(0, 1, WIDTHS[0])
    v["y"] = rng.normal(0, 1, WIDTHS[n])
    return v


def sig(t):
    return 1 / (1 + np.exp(-t))


def loss(v, n, k=1, Wk=None):
    """The loss, written here in NumPy (no symmat code), with W_k replaced by Wk if given."""
    h = v["x"]
    for j in range(1, n + 1):
        z = (Wk if j == k and Wk is not None else v[f"W{j}"]) @ h
        h = z if j == n else sig(z)
    return 0.5 * float(np.sum((h - v["y"]) ** 2))


def fd_hessian(v, n, k=1, step=1e-4):
    """∂²f/∂vec(W_k)∂vec(W_k)ᵀ by central second differences (vec column-major)."""
    W = v[f"W{k}"]
    N = W.size
    units = [np.zeros(N) for _ in range(N)]
    for i in range(N):
        units[i][i] = step
    f = lambda d: loss(v, n, k, W + d.reshape(W.shape, order="F"))   # noqa: E731
    H = np.zeros((N, N))
    for a in range(N):
        for b in range(a, N):
            da, db = units[a], units[b]
            H[a, b] = H[b, a] = (f(da + db) - f(da - db) - f(db - da) + f(-da - db)) / (4 * step * step)
    return H


def backprop_hessian(v, n, k=1):
    """The hand-written form by W_k: H = h_(k-1) h_(k-1)ᵀ ⊗ M_k (h_0 = x),
    M_l = D_l W_(l+1)ᵀ M_(l+1) W_(l+1) D_l + diag(g_l ⊙ σ''(z_l)), M_n = I (the output layer is
    linear), g_l = ∂f/∂h_l, D_l = diag(σ'(z_l))."""
    hs, h = [v["x"]], v["x"]
    for j in range(1, n):
        h = sig(v[f"W{j}"] @ h)
        hs.append(h)
    g = v[f"W{n}"] @ h - v["y"]           # ∂f/∂z_n
    M = np.eye(len(g))
    for l in range(n - 1, k - 1, -1):     # layer l's activation h_l = hs[l]
        W, hl = v[f"W{l + 1}"], hs[l]
        gl = W.T @ g                      # ∂f/∂h_l
        D = np.diag(hl * (1 - hl))
        M = D @ W.T @ M @ W @ D + np.diag(gl * hl * (1 - hl) * (1 - 2 * hl))
        g = gl * hl * (1 - hl)            # ∂f/∂z_l
    a = hs[k - 1].reshape(-1, 1)
    return np.kron(a @ a.T, M)


# ----------------------------------------------------------------- three ways at depths 1–4 (and 6)

@pytest.mark.parametrize("walk", ["default", "anchored"])
@pytest.mark.parametrize("n", [1, 2, 3, 4, 6])
def test_network_hessian_is_the_hand_written_form_and_the_second_differences(n, walk):
    with anchored(walk == "anchored"):
        r = api.hessian(network(n), wrt="W1", where=where(n))   # also passes symmat's own self-check
    for seed in (1, 2):
        v = values(n, seed)
        got = np.asarray(r.result.evaluate(v), dtype=float)
        want = backprop_hessian(v, n)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=r.text())
        fd = fd_hessian(v, n)
        np.testing.assert_allclose(got, fd, rtol=1e-5, atol=1e-6 * max(1.0, np.abs(fd).max()))


@pytest.mark.parametrize("walk", ["default", "anchored"])
def test_network_hessian_by_an_inner_layer(walk):
    """By W2 of four layers: h1 h1ᵀ ⊗ M2, and the names follow the layers (D2 = diag(h2 ⊙ (1 - h2)))."""
    with anchored(walk == "anchored"):
        r = api.hessian(network(4), wrt="W2", where=where(4))
    v = values(4, 5)
    got = np.asarray(r.result.evaluate(v), dtype=float)
    np.testing.assert_allclose(got, backprop_hessian(v, 4, k=2), rtol=1e-9, atol=1e-12, err_msg=r.text())
    np.testing.assert_allclose(got, fd_hessian(v, 4, k=2), rtol=1e-5, atol=1e-6)
    named = dict(r.bindings)
    assert str(named["D2"]) == "diag(h2 ⊙ (1 - h2))" and str(named["D3"]) == "diag(h3 ⊙ (1 - h3))"
    assert "D1" not in named and str(named["g3"]) == "W4ᵀ (ŷ - y)"


PRINTED = {
    1: "x xᵀ ⊗ I",
    2: "x xᵀ ⊗ (D W2ᵀ W2 D + diag(W2ᵀ (ŷ - y) ⊙ h ⊙ (1 - 2 h) ⊙ (1 - h))) "
       "where h = σ(W1 x), ŷ = W2 h, D = diag(h ⊙ (1 - h))",
    # each layer's slopes D_l and the error carried back to it (g2 = ∂f/∂h2), used twice, are named
    3: "x xᵀ ⊗ (D1 W2ᵀ (D2 W3ᵀ W3 D2 + diag(g2 ⊙ h2 ⊙ (1 - h2) ⊙ (1 - 2 h2))) W2 D1 "
       "+ diag(W2ᵀ (g2 ⊙ h2 ⊙ (1 - h2)) ⊙ h1 ⊙ (1 - 2 h1) ⊙ (1 - h1))) "
       "where h1 = σ(W1 x), h2 = σ(W2 h1), ŷ = W3 h2, D1 = diag(h1 ⊙ (1 - h1)), D2 = diag(h2 ⊙ (1 - h2)), "
       "g2 = W3ᵀ (ŷ - y)",
}


@pytest.mark.parametrize("n", sorted(PRINTED))
def test_small_network_hessians_print_as_written(n):
    assert api.hessian(network(n), wrt="W1", check=False).text() == PRINTED[n]


def test_network_hessian_verified_by_sympy():
    """Three layers read by anchors, at a small non-square instance (SymPy is slow on more)."""
    with anchored():
        r = api.hessian(network(3), wrt="W1", where="W1: 1x2, W2: 2x1, W3: 1x2")
    assert symmat.verify(r).ok


def test_the_anchored_walk_builds_each_layer_once():
    """∂vec(dG)/∂vec(dW1) read by anchors has as many distinct nodes as the plain reading, about,
    and far fewer repeated ones: each layer's ∂z_l/∂W1 is not re-expanded inside every layer above."""
    from symmat.calculus.differential import differential
    f = api.parse(network(8))
    W1 = next(v for v in f.variables() if v.name == "W1")
    G = api.grad(network(8), wrt="W1", check=False).result
    dG, _ = differential(G, W1)
    dX = E.Differential(W1)
    plain, _ = jacobian_of(dG, dX)
    by_anchor, _ = jacobian_of(dG, dX, anchored=True)
    assert size(by_anchor) < 0.7 * size(plain)
    assert len(set(by_anchor.walk())) < 1.5 * len(set(plain.walk()))


# ----------------------------------------------------------------- the anchored walk on random functions

def _right_by_anchors(case, kind):
    """The `kind` derivative of a random case, through the anchored walk, agrees with finite differences."""
    with anchored():
        outcome = gen.check_derivative(case, kind)
    assert outcome.status not in {"wrong", "crash", "rejected", "caught", "refused"}, \
        f"{outcome.status}: {case!r}\n{outcome.result_text}\n{outcome.detail}"


@settings(max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(gen.cases(shape="scalar", max_depth=4))
def test_hessians_read_by_anchors_match_second_differences(case):
    _right_by_anchors(case, "hessian")


@settings(max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(gen.cases(shape="matrix", max_depth=4))
def test_jacobians_read_by_anchors_match_finite_differences(case):
    if case.vars[case.wrt].shape == (1, 1) and case.layout == "denominator":
        case.layout = "mixed"
    _right_by_anchors(case, "derivative")


@settings(max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(gen.cases(shape="vector", max_depth=4))
def test_vector_jacobians_read_by_anchors_match_finite_differences(case):
    _right_by_anchors(case, "jacobian")


@pytest.mark.parametrize("text, wrt, kind", [
    ("exp((1 1^T + diag(a))^2)", "a", "derivative"),   # the product rule looks through diag(da), shared
    ("tr(A X) tr(X B X)", "X", "hessian"),              # the trace rule looks through the product under it
    ("exp(tr(diag(x) A diag(x)))", "x", "hessian"),
])
def test_rules_that_look_through_a_shared_part_read_by_anchors(text, wrt, kind):
    case = gen.case_of(text, wrt)
    with anchored():
        outcome = gen.check_derivative(case, kind)
    assert outcome.status == "ok", f"{outcome.status}: {outcome.result_text}\n{outcome.detail}"


# ----------------------------------------------------------------- output linear in depth

def shown(r):
    """Nodes a reader reads: the body and the definitions of the named parts."""
    return size(r.body) + sum(size(v) for _, v in r.bindings)


def sizes(kind, depths):
    out = []
    for n in depths:
        r = getattr(api, kind)(network(n), wrt="W1", check=False)
        out.append((shown(r), len(r.bindings), len(r.text()), len(set(r.result.walk()))))
    return out


def test_network_hessian_output_grows_linearly_with_depth():
    (s4, k4, c4, d4), (s8, k8, c8, d8), (s16, k16, c16, d16) = sizes("hessian", [4, 8, 16])
    # each layer adds the same printed nodes and names: the growth from 8 to 16 is twice that from 4 to 8
    assert s16 - s8 <= 2 * (s8 - s4) + 4, (s4, s8, s16)
    assert k16 - k8 == 2 * (k8 - k4), (k4, k8, k16)
    assert k16 >= 2 * 16                      # h_l, D_l and g_l of every layer are named
    assert c16 <= 2.4 * c8 and c8 <= 2.4 * c4, (c4, c8, c16)     # characters (names get a digit longer)
    assert d16 - d8 <= 2 * (d8 - d4) + 8, (d4, d8, d16)           # distinct nodes of the result


def test_network_gradient_output_grows_linearly_to_32_layers():
    (s8, k8, c8, _), (s16, k16, c16, _), (s32, k32, c32, _) = sizes("grad", [8, 16, 32])
    assert s32 - s16 <= 2 * (s16 - s8) + 4, (s8, s16, s32)
    assert c32 <= 2.3 * c16 and c16 <= 2.3 * c8, (c8, c16, c32)


def test_32_layer_hessian_stays_linear():
    (s16, _, c16, _), (s32, _, c32, _) = sizes("hessian", [16, 32])
    assert s32 <= 2.1 * s16 and c32 <= 2.3 * c16, (s16, s32, c16, c32)


def test_a_long_slice_is_left_out():
    """The slice note of a deep network's Hessian would write each layer's tangent out in every
    layer above it; a short one (two layers) is still given."""
    assert api.hessian(network(2), wrt="W1", check=False).slices is not None
    r = api.hessian(network(8), wrt="W1", check=False)
    assert r.slices is None and not any(n.startswith("slices") for n in r.notes)
