"""Code generation (issue 14): compiled functions against `evaluate`, and the shape of the plan.

1. Every seed example (tests/test_grad_seeds.py, test_hessian.py,
   test_jacobian.py, every layout) and random well-typed expressions from
   tests/gen.py (fixed seeds: the expression itself and a derivative of it):
   ``r.compile(backend)`` at a point equals ``r.evaluate`` there, in value and
   in form (a float / 0-d value for a scalar, 1-D for a column, 2-D otherwise),
   for NumPy always and for JAX and PyTorch where they are installed (else
   those cases skip, saying why). The generated JAX source jits.
2. What the plan promises, read off the emitted NumPy source: no ``np.diag(``
   where broadcasting does, no ``np.kron(`` or commutation matrix times a
   vector, scalars applied last, outer products and ``𝟏ᵀ y`` without a
   matrix product, ``- a`` for ``+ -1 a``, logsumexp by its maximum, each
   common subexpression once.
3. The API: one signature for the gradient and the Hessian of one f (every
   variable of f, in order of first appearance); value_and_grad equal to
   the value and the gradient computed apart (and what scipy's minimize
   takes); Greek names under every spelling; the command line's formats;
   hostile names stay identifiers; no NumPy at import.
"""

import importlib.util
import inspect
import random
import subprocess
import sys
import warnings

import numpy as np
import pytest

import gen
import symmat
from symmat.tree import expr as E
from symmat.api import derivative, grad, hessian, parse
from symmat.cli import main
from symmat.codegen import parameters, to_numpy, to_source
from symmat.errors import SymmatError

from test_grad_seeds import SEEDS, IDS
from test_hessian import LOGISTIC, SECOND
from test_evaluate import CASES as EVALUATE_CASES, values as evaluate_values
from test_jacobian import MATRIX_BY_MATRIX, VECTOR_BY_VECTOR, _well_conditioned, random_values, sizes_of

HAVE = {name: importlib.util.find_spec(name) is not None for name in ("jax", "torch")}
if HAVE["jax"]:
    import jax
    jax.config.update("jax_enable_x64", True)      # compare in float64, as evaluate computes
if HAVE["torch"]:
    import torch

BACKENDS = ["numpy"] + [
    pytest.param(b, marks=pytest.mark.skipif(not HAVE[b], reason=f"{b} is not installed "
                                             f"(pip install 'symmat[{b}]')"))
    for b in ("jax", "torch")]
LAYOUTS = ("mixed", "numerator", "denominator")


def as_array(out):
    """A backend's result as a NumPy array (float64)."""
    if HAVE["torch"] and isinstance(out, torch.Tensor):
        return out.detach().numpy()
    return np.asarray(out, dtype=float)


def assert_same(out, want, backend):
    """`out` (a compiled function's result) equals evaluate's `want`, in form and value."""
    got = as_array(out)
    assert got.shape == np.shape(want), (got.shape, np.shape(want))
    if backend == "numpy" and np.ndim(want) == 0:
        assert isinstance(out, float)
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10 * scale)


def compiled_matches(r, values, backend):
    """r.compile(backend) at `values` equals r.evaluate there."""
    want = r.evaluate({**values, **sizes_of(r.f, values)})
    fn = r.compile(backend)
    assert_same(fn(**values), want, backend)


# ----------------------------------------------------------------- 1. the seed examples

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("f,wrt,where,layout,expected,fn,values", SEEDS, ids=IDS)
def test_gradient_seeds(f, wrt, where, layout, expected, fn, values, backend):
    compiled_matches(grad(f, wrt=wrt, where=where, layout=layout), values(), backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", SECOND, ids=lambda c: c[0])
def test_hessian_seeds(case, layout, backend):
    _, f, wrt, _, _, shapes = case
    values = random_values(shapes, np.random.default_rng(3))
    compiled_matches(hessian(f, wrt=wrt, layout=layout), values, backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", VECTOR_BY_VECTOR + MATRIX_BY_MATRIX, ids=lambda c: c[0])
def test_jacobian_seeds(case, layout, backend):
    _, f, wrt, where, _, _, _, shapes = case
    values = _well_conditioned(random_values(shapes, np.random.default_rng(4)))
    compiled_matches(derivative(f, wrt=wrt, where=where, layout=layout), values, backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("f, wrt, where", [
    ("A diag(x) B", "x", "A: 4x3, B: 3x2"),          # ⊙ and ⊗ of ones and identities
    ("X^T", "X", None),                              # the commutation matrix itself
    ("log det(X)", "X", None),                       # K (X⁻ᵀ ⊗ X⁻¹): a permutation of rows
    ("tr(X^T A X)", "X", None),                      # I ⊗ (A + Aᵀ)
    ("1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", "W1", None),
    ("softmax(z)", "z", None),
])
def test_structured_results(f, wrt, where, backend):
    kind = "hessian" if f.startswith(("log det", "tr(", "1/2")) else "derivative"
    r = (hessian if kind == "hessian" else derivative)(f, wrt=wrt, where=where)
    shapes = {v.name: (_concrete(v.shape, r.f)) for v in r.f.variables()}
    values = _well_conditioned(random_values(shapes, np.random.default_rng(5)))
    compiled_matches(r, values, backend)


def _concrete(shape, f):
    """Concrete sizes for a variable's shape: 3, 4, 2, … by size name (distinct, non-square)."""
    names = sorted({d for v in f.variables() for d in v.shape if isinstance(d, str)})
    sizes = {n: 3 + i for i, n in enumerate(names)}
    dims = tuple(sizes.get(d, d) for d in shape)
    return () if dims == (1, 1) else (dims[0],) if dims[1] == 1 else dims


# ----------------------------------------------------------------- 1b. random expressions

def _random(seed):
    """A random case, the expression to compile (a derivative of it, or itself), values, sizes."""
    rnd = random.Random(seed)
    shape = ("scalar", "vector", "matrix", "any")[seed % 4]
    case = gen.random_case(rnd, shape, 4)
    kind = {"scalar": ("grad", "hessian")[seed // 4 % 2], "vector": "jacobian",
            "matrix": "derivative", "any": None}[shape]
    r = None
    if kind is not None:
        try:
            r = getattr(symmat, kind)(case.expr, wrt=case.wrt, layout=case.layout,
                                      symmetric=case.symmetric, check=False)
        except SymmatError:          # not every random expression has a derivative rule yet
            r = None
    return case, r


def _point(case, r, rng):
    """Values at which evaluate gives finite, moderate numbers (None if four draws fail)."""
    from symmat.numeric.evaluate import evaluate
    for _ in range(4):
        values = gen.point(case, rng)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                want = r.evaluate({**values, **case.sizes}) if r else evaluate(case.expr, {**values,
                                                                                     **case.sizes})
            except SymmatError:
                continue
        if np.all(np.isfinite(want)) and np.max(np.abs(want), initial=0) < 1e8:
            return values, want
    return None, None


RANDOM_SEEDS = range(80)


# Under JAX every case is a jit compilation (~0.1 s): a third of the seeds there.
RANDOM_PARAMS = [(seed, b) for b in BACKENDS for seed in RANDOM_SEEDS
                 if not (getattr(b, "values", [b])[0] == "jax" and seed % 3)]


@pytest.mark.parametrize("seed, backend", [
    pytest.param(seed, b.values[0], marks=b.marks) if hasattr(b, "values") else (seed, b)
    for seed, b in RANDOM_PARAMS])
def test_random_expressions(seed, backend):
    case, r = _random(seed)
    values, want = _point(case, r, np.random.default_rng(seed))
    if r is not None:
        fn = r.compile(backend)
    else:
        fn = symmat.compile(case.expr, what="value", backend=backend)
    sizes = {name: case.sizes[name] for name in fn.params if name in case.sizes}
    if values is None:
        values = gen.point(case, np.random.default_rng(seed))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        out = fn(**values, **sizes)
    if want is not None:
        assert_same(out, want, backend)


def test_random_expressions_cover_every_operator():
    """The fixed seeds above are not a handful of easy cases: they use most operators of SPEC §1.2."""
    ops = set()
    for seed in RANDOM_SEEDS:
        case, _ = _random(seed)
        ops |= case.ops
    assert len(ops) >= 30, sorted(set(gen.OPERATORS) - ops)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("label, e, hand", EVALUATE_CASES, ids=[c[0] for c in EVALUATE_CASES])
def test_every_node_type(label, e, hand, backend):
    """One expression per node type and element-wise function (test_evaluate's cases), in every backend."""
    fn = symmat.compile(e, what="value", backend=backend)
    v = evaluate_values(2)
    args = {p.ident: v[p.name] for p in parameters(e)}
    sizes = {name: {"n": 3, "m": 2}[name] for name in fn.params if name not in args}
    with np.errstate(all="ignore"):
        assert_same(fn(**args, **sizes), e.evaluate({**v, **sizes}), backend)


# ----------------------------------------------------------------- JAX: jittable source, and autodiff agrees

@pytest.mark.skipif(not HAVE["jax"], reason="jax is not installed (pip install 'symmat[jax]')")
def test_generated_jax_source_jits():
    r = hessian(LOGISTIC, wrt="w")
    src = r.to_jax()
    assert " np." not in src and "(np." not in src and ".item()" not in src and "float(" not in src
    ns = {}
    exec(compile(src, "<to_jax>", "exec"), ns)
    fn = jax.jit(ns["d_w"])
    values = random_values({"m": (), "y": (7,), "X": (7, 3), "w": (3,)}, np.random.default_rng(6))
    jv = {k: jax.numpy.asarray(v) for k, v in values.items()}
    assert_same(fn(**jv), r.evaluate(values), "jax")


@pytest.mark.skipif(not HAVE["jax"], reason="jax is not installed (pip install 'symmat[jax]')")
def test_jax_autodiff_of_the_compiled_value_is_the_compiled_gradient():
    f = "1/2 ||W2 σ(W1 x + b1) + b2 - y||^2"
    value = symmat.compile(f, what="value", backend="jax")
    g = symmat.compile(f, wrt="W1", what="grad", backend="jax")
    shapes = {"W2": (2, 4), "W1": (4, 3), "x": (3,), "b1": (4,), "b2": (2,), "y": (2,)}
    v = {k: jax.numpy.asarray(a) for k, a in random_values(shapes, np.random.default_rng(7)).items()}
    auto = jax.grad(lambda W1: value(**{**v, "W1": W1}))(v["W1"])
    np.testing.assert_allclose(as_array(g(**v)), as_array(auto), rtol=1e-10)


@pytest.mark.skipif(not HAVE["torch"], reason="torch is not installed (pip install 'symmat[torch]')")
def test_torch_keeps_tensors_and_their_history():
    r = grad("||X w - y||^2", wrt="w")
    fn = r.compile("torch")
    X = torch.randn(5, 3, dtype=torch.float64)
    y = torch.randn(5, dtype=torch.float64)
    w = torch.randn(3, dtype=torch.float64, requires_grad=True)
    g = fn(X=X, w=w, y=y)
    assert g.dtype == torch.float64 and g.shape == (3,)
    g.sum().backward()                              # the result is differentiable in torch
    np.testing.assert_allclose(w.grad.numpy(), (2 * X.T @ X).sum(0).numpy(), rtol=1e-12)


# ----------------------------------------------------------------- 2. what the plan promises

def src_of(f, wrt, kind="grad", where=None):
    return getattr(symmat, kind)(f, wrt=wrt, where=where).to_numpy()


def test_logistic_hessian_builds_no_diagonal_matrix():
    src = src_of(LOGISTIC, "w", "hessian")
    assert "np.diag(" not in src and "np.eye(" not in src
    assert src.count("np.exp(") == 1                      # σ(X w) once


def test_a_sandwich_with_a_nonnegative_diagonal_is_a_symmetric_product():
    src = src_of(LOGISTIC, "w", "hessian")
    assert "_gram(np.sqrt(h * (1 - h))[:, None] * X)" in src    # Yᵀ Y: NumPy's symmetric product
    assert "def _gram(a):" in src and "return a.T @ a" in src


def test_a_sandwich_with_a_diagonal_of_any_sign_is_broadcast():
    src = to_numpy(parse("X^T diag(d) X", where="d: vector"))
    assert "np.diag(" not in src and "np.sqrt(" not in src and "_gram" not in src
    assert "X.T * d" in src or "d[:, None] * X" in src


def test_jax_writes_a_transposed_product_with_a_vector_as_a_row_product():
    src = grad("||X w - y||^2", wrt="w").to_jax()
    assert "2 * ((X @ w - y) @ X)" in src and ".T @" not in src       # XLA would copy Xᵀ


def test_softmax_hessian_distributes_over_diagonal_and_outer_product():
    src = src_of("-y^T log(softmax(W x))", "x", "hessian")
    assert "np.diag(" not in src and "np.ones(" not in src
    assert "np.outer(" in src and "y.sum()" in src


def _bt_kron_a_vec_x():
    A, X, B = E.Var("A", ("n", "k")), E.Var("X", ("k", "p")), E.Var("B", ("p", "m"))
    return E.Mul(E.Kron(E.Transpose(B), A), E.Vec(X))       # (the parser does not unify mk with nm)


@pytest.mark.parametrize("make", [
    _bt_kron_a_vec_x,
    lambda: parse("(B ⊗ A) x", where="x: vector, B: 4x3, A: 2x5"),
    lambda: parse("x^T (B ⊗ A)", where="B: 4x3, A: 2x5, x: vector"),
], ids=["(Bᵀ⊗A)vec(X)", "(B⊗A)x", "xᵀ(B⊗A)"])
def test_kronecker_times_a_vector_is_never_built(make):
    e = make()
    src = to_numpy(e)
    assert "np.kron(" not in src and "np.eye(" not in src
    ns = {}
    exec(src, ns)
    rng = np.random.default_rng(8)
    shapes = {v.name: _concrete(v.shape, e) for v in e.variables()}
    values = random_values(shapes, rng)
    np.testing.assert_allclose(ns["f"](**values), e.evaluate(values), rtol=1e-12)


def test_commutation_matrix_times_a_vector_is_a_transpose():
    X = E.Var("X", ("m", "n"))
    e = E.Mul(E.Commutation("m", "n"), E.Vec(X))
    src = to_numpy(e)
    assert "np.eye(" not in src and "@" not in src
    ns = {}
    exec(src, ns)
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(ns["f"](a), a.T.reshape(-1, order="F"))


def test_scalars_are_applied_last():
    src = src_of("||X w - y||^2", "w")
    assert "2 * (X.T @ (X @ w - y))" in src and "2 * X.T" not in src
    hess = src_of("||X w - y||^2", "w", "hessian")
    assert "2 * (X.T @ X)" in hess                         # NumPy's symmetric product stays


def test_outer_products_and_ones_are_not_matrix_products():
    src = src_of("a^T X b", "X")
    assert "np.outer(a, b)" in src and "@" not in src.split('"""')[-1]
    src = src_of("-y^T log(softmax(z))", "z")
    assert "y.sum()" in src and "np.ones(" not in src


def test_diag_times_a_matrix_is_broadcasting():
    src = derivative("σ(W1 x + b1)", wrt="x").to_numpy()
    assert "np.diag(" not in src and "[:, None] * W1" in src


def test_no_plus_minus_and_stable_logsumexp():
    for f, wrt, where, layout, *_ in SEEDS:
        src = grad(f, wrt=wrt, where=where, layout=layout).to_numpy()
        assert "+ -" not in src and "* -1" not in src and "-1 *" not in src, src
    src = to_numpy(parse("logsumexp(z) + sum(softmax(z))"))
    assert ".max()" in src and "logaddexp.reduce" not in src


def test_common_subexpressions_once_across_value_and_gradient():
    fg = symmat.compile(LOGISTIC, wrt="w", what="value_and_grad")
    assert fg.source.count("np.exp(") == 1 and fg.source.count("X @ w") == 1


# ----------------------------------------------------------------- 3. the API

def test_gradient_and_hessian_take_the_same_arguments():
    for f, wrt in [(LOGISTIC, "w"), ("x^T A x", "x"), ("1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", "W1")]:
        g, h = grad(f, wrt=wrt), hessian(f, wrt=wrt)
        order = [v.name for v in g.f.variables()]
        assert g.compile().params == h.compile().params == order
        heads = {src.split(f"def d_{wrt}(")[1].split(")")[0]
                 for src in (g.to_numpy(), h.to_numpy(), g.to_jax(), h.to_jax(), g.to_torch(), h.to_torch())}
        assert heads == {", ".join(order)}
    assert grad("x^T A x", wrt="x").compile().params == ["x", "A"]


def test_value_and_grad_is_value_and_grad():
    rng = np.random.default_rng(9)
    values = {"X": rng.normal(size=(30, 4)), "w": rng.normal(size=4), "y": rng.uniform(0, 1, 30), "m": 30.0}
    fg = symmat.compile(LOGISTIC, wrt="w", what="value_and_grad")
    f, g = fg(**values)
    assert isinstance(f, float) and g.shape == (4,)
    assert f == pytest.approx(parse(LOGISTIC).evaluate(values), rel=1e-12)
    np.testing.assert_allclose(g, grad(LOGISTIC, wrt="w").evaluate(values), rtol=1e-12)
    assert symmat.compile(LOGISTIC, what="value")(**values) == pytest.approx(f, rel=1e-12)


def test_value_and_grad_is_what_minimize_wants():
    optimize = pytest.importorskip("scipy.optimize", reason="scipy is not installed")
    rng = np.random.default_rng(10)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    fg = symmat.compile("||X w - y||^2 + lambda ||w||^2", wrt="w")
    res = optimize.minimize(lambda w: fg(X=X, y=y, w=w, λ=0.5), np.zeros(3), jac=True, method="BFGS")
    np.testing.assert_allclose(res.x, np.linalg.solve(X.T @ X + 0.5 * np.eye(3), X.T @ y), rtol=1e-5)


def test_several_variables_give_a_tuple_of_gradients():
    fg = symmat.compile("x^T A y", wrt="x,y")
    rng = np.random.default_rng(11)
    x, A, y = rng.normal(size=3), rng.normal(size=(3, 2)), rng.normal(size=2)
    f, (gx, gy) = fg(x=x, A=A, y=y)
    assert f == pytest.approx(x @ A @ y)
    np.testing.assert_allclose(gx, A @ y)
    np.testing.assert_allclose(gy, A.T @ x)


@pytest.mark.parametrize("key", ["λ", "lambda", "lambda_"])
def test_greek_names_under_every_spelling(key):
    fn = grad("||X w - y||^2 + λ ||w||^2", wrt="w").compile()
    rng = np.random.default_rng(12)
    X, w, y = rng.normal(size=(5, 2)), rng.normal(size=2), rng.normal(size=5)
    np.testing.assert_allclose(fn(X=X, w=w, y=y, **{key: 0.3}), 2 * X.T @ (X @ w - y) + 0.6 * w)


def test_vectors_given_as_columns_and_scalars_as_arrays():
    fn = grad("x^T A x + lambda x^T x", wrt="x").compile()
    A, x = np.arange(4.0).reshape(2, 2), np.array([1.0, -2.0])
    flat = fn(x=x, A=A, λ=2.0)
    np.testing.assert_allclose(fn(x=x.reshape(2, 1), A=A, λ=np.array([[2.0]])), flat)
    assert flat.shape == (2,)


def test_results_never_alias_the_arguments():
    fn = grad("a^T x", wrt="x").compile()                # the gradient is a itself
    a = np.array([1.0, 2.0])
    out = fn(a=a, x=np.zeros(2))
    out[0] = 99.0
    assert a[0] == 1.0


def test_a_row_result_is_two_dimensional():
    out = grad("x^T B x", wrt="x", layout="numerator").compile()(x=np.ones(2), B=np.eye(2))
    assert out.shape == (1, 2)


def test_a_size_no_variable_fixes_is_an_argument():
    src = to_numpy(E.Mul(E.Const(2), E.Identity("k")))
    ns = {}
    exec(src, ns)
    np.testing.assert_array_equal(ns["f"](3), 2 * np.eye(3))


def test_unknown_backend_and_what_are_refused():
    r = grad("x^T x", wrt="x")
    with pytest.raises(SymmatError, match="backend"):
        r.compile("tensorflow")
    with pytest.raises(SymmatError, match="what"):
        symmat.compile("x^T x", wrt="x", what="third derivative")
    with pytest.raises(SymmatError, match="wrt"):
        symmat.compile("x^T x", what="grad")


def test_a_missing_backend_says_how_to_install_it(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jax" else real(name, *a))
    with pytest.raises(SymmatError, match=r"pip install \"symmat\[jax\]\""):
        grad("x^T x", wrt="x").compile("jax")


def test_source_does_not_need_the_backend_installed():
    r = grad("x^T A x", wrt="x")
    assert "import jax.numpy as jnp" in r.to_jax() and "import torch" in r.to_torch()


def test_hostile_names_stay_identifiers():
    n = "n"
    e = E.Add(E.Mul(E.Var("np", (n, n)), E.Var("class", (n, 1))), E.Var("x y", (n, 1)), E.Var("∂∂", (n, 1)),
              E.Var("_gram", (n, 1)), E.Var("1x", (n, 1)))
    params = parameters(e)
    assert [p.ident for p in params] == ["np_", "class_", "x_y", "v__", "v_gram", "v1x"]
    ns = {}
    exec(to_numpy(e), ns)
    np.testing.assert_allclose(ns["f"](np.eye(2), *[np.ones(2)] * 5), [5.0, 5.0])


def test_import_symmat_does_not_import_numpy():
    code = ("import sys, symmat; symmat.compile; "
            "print(sorted(m for m in ('numpy', 'jax', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("fmt, marker", [("numpy", "import numpy as np"), ("jax", "import jax.numpy as jnp"),
                                         ("torch", "import torch")])
def test_command_line_formats(fmt, marker, capsys):
    assert main(["hessian", "x^T A x", "--wrt", "x", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert marker in out and "def d_x(x, A):" in out
    assert main(["render", "x^T A x", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert marker in out and "def f(x, A):" in out


def test_to_source_signature_follows_params():
    e = parse("lambda x^T A x")
    src = to_source(e, "numpy", name="g", params=["A", "x", "lambda", "unused"])
    assert "def g(A, x, lambda_, unused):" in src
    with pytest.raises(SymmatError):
        to_source(e, params=["A"])
    assert inspect.isfunction(symmat.api.compile)
