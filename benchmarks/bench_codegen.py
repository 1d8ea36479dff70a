"""Generated code against hand-written NumPy and autodiff (issue 14), one thread, float64.

For each case of the issue's table, in one run, interleaved (one sample of
every implementation in turn, in a shuffled order, so that a slow moment of
the machine hits all of them; each sample after one untimed call, so that it
does not pay for the memory the implementation before it left behind),
medians, the first call of each implementation excluded:

* symmat's compiled NumPy code (``r.compile("numpy")``; before the codegen
  stage existed, the function that ``r.to_numpy()`` printed);
* hand-written NumPy, written here the way one writes it by hand;
* ``jax.jit(jax.grad(f))`` / ``jax.jit(jax.hessian(f))`` of the loss;
* symmat's JAX code, jitted (``r.compile("jax")``);
* ``torch.func.grad`` / ``torch.func.hessian`` of the loss, and symmat's
  PyTorch code (``r.compile("torch")``), both eager.

It prints median milliseconds per call, the ratios the issue's targets are
stated in (symmat NumPy / hand-written NumPy in time and in peak memory;
symmat NumPy / jitted jax.hessian on Hessians; symmat JAX jitted / jitted
jax.grad on gradients) and the peak memory of the NumPy implementations
(tracemalloc, which NumPy reports its buffers to; the output included).
Every implementation's result is compared with the hand-written one first.

Run: python benchmarks/bench_codegen.py [--quick] [--samples 7] [--only softmax]
(JAX and PyTorch columns are left out, with a note, where they are not installed.)
"""

import os

# One thread everywhere, before NumPy, JAX or PyTorch is imported.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
             "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                           " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import argparse  # noqa: E402
import inspect  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

import symmat  # noqa: E402

try:
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
except ImportError:  # pragma: no cover - optional
    jax = jnp = None
try:
    import torch
    import torch.func
    torch.set_num_threads(1)
except ImportError:  # pragma: no cover - optional
    torch = None

LOGISTIC = "-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))"
SOFTMAX_CE = "-y^T log(softmax(W x))"
LSQ = "||X w - y||^2"
NET = "1/2 ||W2 σ(W1 x + b1) + b2 - y||^2"
QUAD = "x^T A x"


def sig(u):
    return 1 / (1 + np.exp(-u))


# ----------------------------------------------------------------- hand-written NumPy

def hand_logistic_hessian(m, y, X, w):
    p = sig(X @ w)
    return (X.T * (p * (1 - p) / m)) @ X


def hand_softmax_hessian(y, W, x):
    z = W @ x
    e = np.exp(z - z.max())
    s = e / e.sum()
    g = W.T @ s
    return y.sum() * ((W.T * s) @ W - np.outer(g, g))


def hand_lsq_grad(X, w, y):
    return 2 * (X.T @ (X @ w - y))


def hand_net_grad(W2, W1, x, b1, b2, y):
    h = sig(W1 @ x + b1)
    g = (W2.T @ (W2 @ h + b2 - y)) * h * (1 - h)
    return np.outer(g, x)


def hand_quad_hessian(x, A):
    return A + A.T


# ----------------------------------------------------------------- the losses, for autodiff

def losses(lib):
    """The five losses written with `lib` (jax.numpy or torch), keyword arguments as symmat names them."""
    if lib is None:
        return {}
    if lib is jnp:
        sigmoid, log_softmax = jax.nn.sigmoid, jax.nn.log_softmax
    else:
        sigmoid, log_softmax = torch.sigmoid, lambda z: torch.log_softmax(z, 0)
    return {
        "logistic": lambda w, m, y, X: -(y * lib.log(sigmoid(X @ w))
                                         + (1 - y) * lib.log(1 - sigmoid(X @ w))).sum() / m,
        "softmax": lambda x, y, W: -(y @ log_softmax(W @ x)),
        "lsq": lambda w, X, y: ((X @ w - y) ** 2).sum(),
        "net": lambda W1, W2, x, b1, b2, y: 0.5 * ((W2 @ sigmoid(W1 @ x + b1) + b2 - y) ** 2).sum(),
        "quad": lambda x, A: x @ (A @ x),
    }


# ----------------------------------------------------------------- the cases

class Case:
    """One row of the table: f, the variable, the kind, sizes, the hand-written code."""

    def __init__(self, key, title, kind, f, wrt, hand, shapes, label):
        self.key, self.title, self.kind, self.f, self.wrt = key, title, kind, f, wrt
        self.hand, self.shapes, self.label = hand, shapes, label

    def values(self, rng):
        """Random float64 values; y in (0, 1) where it is a label."""
        out = {}
        for name, shape in self.shapes.items():
            if name == "m":
                out[name] = float(self.shapes["y"][0])
            elif name == "y" and self.key in ("logistic", "softmax"):
                out[name] = rng.uniform(0, 1, shape)
            else:
                out[name] = rng.standard_normal(shape) / np.sqrt(shape[-1] if len(shape) == 2 else 1)
        return out


def cases(quick):
    """The issue's table (small sizes with --quick)."""
    big, small = (2000, 1000) if quick else (10000, 1000)
    n_sm = 300 if quick else 1000
    n_lsq, k_lsq = (1000, 200) if quick else (5000, 1000)
    n_net = 300 if quick else 1000
    n_quad = 500 if quick else 3000
    out = []
    for n in (big, small):
        k = 100
        out.append(Case("logistic", "logistic loss, Hessian by w", "hessian", LOGISTIC, "w",
                        hand_logistic_hessian, {"m": (), "y": (n,), "X": (n, k), "w": (k,)}, f"X {n}×{k}"))
    out.append(Case("softmax", "softmax cross-entropy, Hessian by x", "hessian", SOFTMAX_CE, "x",
                    hand_softmax_hessian, {"y": (n_sm,), "W": (n_sm, n_sm), "x": (n_sm,)},
                    f"W {n_sm}×{n_sm}"))
    out.append(Case("lsq", "least squares, gradient by w", "grad", LSQ, "w", hand_lsq_grad,
                    {"X": (n_lsq, k_lsq), "w": (k_lsq,), "y": (n_lsq,)}, f"X {n_lsq}×{k_lsq}"))
    out.append(Case("net", "two-layer net, gradient by W1", "grad", NET, "W1", hand_net_grad,
                    {"W2": (10, n_net), "W1": (n_net, n_net), "x": (n_net,), "b1": (n_net,), "b2": (10,),
                     "y": (10,)}, f"W1 {n_net}×{n_net}, W2 10×{n_net}"))
    out.append(Case("quad", "x^T A x, Hessian by x", "hessian", QUAD, "x", hand_quad_hessian,
                    {"x": (n_quad,), "A": (n_quad, n_quad)}, f"n = {n_quad}"))
    return out


# ----------------------------------------------------------------- symmat's functions

def symmat_function(r, backend):
    """symmat's compiled function for `backend`, or None where this checkout cannot make one."""
    if hasattr(r, "compile"):
        return r.compile(backend=backend)
    if backend != "numpy":
        return None
    ns = {}                    # the printer before the codegen stage: exec its source
    exec(r.to_numpy(), ns)
    fn = ns[next(k for k in ns if k.startswith("d_"))]
    accepted = set(inspect.signature(fn).parameters)
    return lambda **kw: fn(**{k: v for k, v in kw.items() if k in accepted})


def implementations(case, values):
    """name -> zero-argument callable computing the case's result."""
    r = getattr(symmat, case.kind)(case.f, wrt=case.wrt)
    impl = {}
    fn = symmat_function(r, "numpy")
    impl["symmat numpy"] = lambda: fn(**values)
    impl["hand numpy"] = lambda: case.hand(**values)
    if jax is not None:
        jv = {k: jnp.asarray(v) for k, v in values.items()}
        loss = losses(jnp)[case.key]
        auto = jax.jit((jax.hessian if case.kind == "hessian" else jax.grad)(loss))
        first = jv[case.wrt]                    # the losses take the variable first (argnums=0)
        rest = {k: v for k, v in jv.items() if k != case.wrt}
        impl["jax." + case.kind] = lambda: jax.block_until_ready(auto(first, **rest))
        sj = symmat_function(r, "jax") if hasattr(r, "compile") else None
        if sj is not None:
            impl["symmat jax"] = lambda: jax.block_until_ready(sj(**jv))
    if torch is not None:
        tv = {k: torch.as_tensor(v, dtype=torch.float64) for k, v in values.items()}
        loss = losses(torch)[case.key]
        transform = torch.func.hessian if case.kind == "hessian" else torch.func.grad
        wrt = case.wrt

        def by_wrt(v, loss=loss):
            return loss(**{**tv, wrt: v})

        auto_t = transform(by_wrt)
        impl["torch.func"] = lambda: auto_t(tv[wrt])
        st = symmat_function(r, "torch") if hasattr(r, "compile") else None
        if st is not None:
            impl["symmat torch"] = lambda: st(**tv)
    return impl


def as_numpy(v):
    if torch is not None and isinstance(v, torch.Tensor):
        return v.detach().numpy()
    return np.asarray(v)


def check_agreement(impl, case):
    """The first call of every implementation (excluded from the timings), against the hand-written
    result: a wrong fast result is no result."""
    want = np.asarray(impl["hand numpy"]())
    for name, fn in impl.items():
        got = as_numpy(fn())
        if got.shape != want.shape and got.size == want.size:
            got = got.reshape(want.shape)
        scale = max(1.0, float(np.max(np.abs(want))))
        if got.shape != want.shape or not np.allclose(got, want, rtol=1e-6, atol=1e-9 * scale):
            raise SystemExit(f"{case.title}: {name} disagrees with the hand-written result")


def peak_mb(fn):
    """Peak traced memory of one call, in MB (NumPy's buffers; the result included)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    out = fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    del out
    return peak / 1e6


def timings(impl, samples, min_sample, slow=5.0):
    """Median seconds per call of each implementation: interleaved samples, the first call excluded.

    An implementation whose second call takes more than `slow` seconds (jax.hessian and
    torch.func on x^T A x at n = 3000) is timed by that one call only, marked with '*'.
    """
    reps, once = {}, {}
    for name, fn in impl.items():             # (the first call was check_agreement's)
        t = time.perf_counter()
        fn()
        one = time.perf_counter() - t
        if one > slow:
            once[name] = one
        reps[name] = max(1, int(min_sample / max(one, 1e-7)))
    times = {name: [] for name in impl if name not in once}
    order = random.Random(0)
    for _ in range(samples):
        names = list(times)
        order.shuffle(names)          # a fresh order each round: no one always runs after jax.hessian
        for name in names:
            fn, k = impl[name], reps[name]
            fn()                      # untimed: each sample starts from this implementation's own state
            t = time.perf_counter()
            for _ in range(k):
                fn()
            times[name].append((time.perf_counter() - t) / k)
    out = {name: statistics.median(v) for name, v in times.items()}
    out.update(once)
    return out, set(once)


def fmt_ms(t):
    return f"{t * 1e3:9.3f}" if t < 0.1 else f"{t * 1e3:9.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a minute in all)")
    ap.add_argument("--samples", type=int, default=7, help="interleaved samples per implementation")
    ap.add_argument("--min-sample", type=float, default=0.02, help="seconds of calls per sample")
    ap.add_argument("--only", help="run the cases whose key contains this (logistic, softmax, lsq, net, quad)")
    args = ap.parse_args()
    print(f"numpy {np.__version__}" + (f", jax {jax.__version__}" if jax else ", jax not installed")
          + (f", torch {torch.__version__}" if torch else ", torch not installed")
          + "; one thread, float64; median ms per call")
    rng = np.random.default_rng(0)
    rows = []
    for case in cases(args.quick):
        if args.only and args.only not in case.key:
            continue
        values = case.values(rng)
        impl = implementations(case, values)
        check_agreement(impl, case)
        mem = {name: peak_mb(impl[name]) for name in ("symmat numpy", "hand numpy")}
        t, once = timings(impl, args.samples, args.min_sample)
        rows.append((case, t, mem))
        print(f"\n{case.title} ({case.label})")
        for name in impl:
            extra = f"  peak {mem[name]:9.3f} MB" if name in mem else ""
            mark = "*" if name in once else " "
            print(f"  {name:14s} {fmt_ms(t[name])} ms{mark}{extra}")
    print("\n(* one call: too slow to sample)")
    print("ratios (target): numpy/hand time (≤ 1.3), numpy/hand memory (≤ 1.3), "
          "numpy/jax.hessian (< 1 on Hessians), symmat jax jit/jax.grad jit (≤ 1.1 on gradients)")
    print(f"{'case':40s} {'size':24s} {'t/hand':>7s} {'mem/hand':>8s} {'np/jax.H':>8s} {'jax/jax.g':>9s}")
    for case, t, mem in rows:
        r_time = t["symmat numpy"] / t["hand numpy"]
        r_mem = mem["symmat numpy"] / max(mem["hand numpy"], 1e-9)
        hess = t.get("jax.hessian")
        r_hess = f"{t['symmat numpy'] / hess:8.2f}" if hess else f"{'-':>8s}"
        g, sj = t.get("jax.grad"), t.get("symmat jax")
        r_grad = f"{sj / g:9.2f}" if g and sj else f"{'-':>9s}"
        print(f"{case.title:40s} {case.label:24s} {r_time:7.2f} {r_mem:8.2f} {r_hess} {r_grad}")


if __name__ == "__main__":
    main()
