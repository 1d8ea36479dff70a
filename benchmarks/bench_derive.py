"""Derivation speed against SymPy and tensorgrad, and how results grow with network depth (issue 14).

Prints, in one run:
1. over the corpus below (gradients, Hessians, Jacobians of the seed examples
   and the Matrix Cookbook), the median time to derive each case, with and
   without symmat's numeric self-check; the median and 90th percentile over
   cases;
2. SymPy's matrix-expression derivative (``MatrixSymbol`` expressions,
   ``expr.diff(X)``) on the cases it handles (it returns without error and
   without an unevaluated Derivative), timed the same way, and the ratios
   to symmat on exactly those cases;
3. tensorgrad (``f.grad(X).full_simplify()``) on the cases written for it,
   when it can be imported here or by the interpreter given with
   --tensorgrad-python (it needs torch, so it may live in its own venv);
4. for the n-layer network loss 1/2 ||W_n σ(… σ(W_1 x)…) - y||^2 by W_1: the
   gradient and the Hessian for n = 1 … 32, time and size (nodes shown: the
   body and the named parts' definitions; named parts; characters; nodes of
   the unshared tree), with ratios to the previous depth (about 2 per
   doubling is linear).

The other engines' results are timed, not checked for correctness here.
Times are CPU seconds of this process (time.process_time), medians.

Run: python benchmarks/bench_derive.py [--repeat 7] [--tensorgrad-python /path/to/python]
     [--only corpus|network] [--grad-depths 1,2,4,8,16,32] [--hessian-depths 1,2,4,8,16,32]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

LOGISTIC = "-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))"

# (kind, f, wrt, where, layout, SymPy: lambda M → expression or None, tensorgrad case name or None)
# M(name, rows, cols) makes a MatrixSymbol; n, m, k are the symbolic sizes it knows.
CORPUS = [
    ("grad", "a^T x", "x", None, "mixed", lambda M: M("a", "n", 1).T * M("x", "n", 1), "ax"),
    ("grad", "x^T a", "x", None, "numerator", lambda M: M("x", "n", 1).T * M("a", "n", 1), None),
    ("grad", "x^T x", "x", None, "mixed", lambda M: M("x", "n", 1).T * M("x", "n", 1), "xx"),
    ("grad", "x^T A x", "x", None, "mixed", lambda M: M("x", "n", 1).T * M("A", "n", "n") * M("x", "n", 1), "xAx"),
    ("grad", "x^T A x", "x", "A: symmetric", "mixed", None, None),
    ("grad", "x^T B x", "x", None, "numerator", lambda M: M("x", "n", 1).T * M("B", "n", "n") * M("x", "n", 1), None),
    ("grad", "b^T x + x^T A x", "x", None, "mixed",
     lambda M: M("b", "n", 1).T * M("x", "n", 1) + M("x", "n", 1).T * M("A", "n", "n") * M("x", "n", 1), None),
    ("grad", "||A x - b||^2", "x", None, "mixed", lambda M: _sq(M("A", "m", "n") * M("x", "n", 1) - M("b", "m", 1)), "lsq"),
    ("grad", "(A x + b)^T (A x + b)", "x", None, "mixed",
     lambda M: _sq(M("A", "m", "n") * M("x", "n", 1) + M("b", "m", 1)), None),
    ("grad", "1/2 ||X w - y||^2", "w", None, "mixed",
     lambda M: _sq(M("X", "m", "n") * M("w", "n", 1) - M("y", "m", 1)) / 2, "lsq_w"),
    ("grad", "||X w - y||^2 + λ ||w||^2", "w", None, "mixed",
     lambda M: _sq(M("X", "m", "n") * M("w", "n", 1) - M("y", "m", 1)) + M.lam * _sq(M("w", "n", 1)), None),
    ("grad", "(X w - y)^T W (X w - y)", "w", "W: symmetric", "mixed", None, None),
    ("grad", "x^T A^T A x", "x", None, "mixed",
     lambda M: M("x", "n", 1).T * M("A", "m", "n").T * M("A", "m", "n") * M("x", "n", 1), None),
    ("grad", "log(1 + exp(w^T x))", "w", None, "mixed", None, None),
    ("grad", "-y^T log(softmax(z))", "z", None, "mixed", None, "xent"),
    ("grad", LOGISTIC, "w", None, "mixed", None, None),
    ("grad", "(x - A s)^T W (x - A s)", "s", "W: symmetric", "mixed", None, None),
    ("grad", "tr(A X)", "X", None, "mixed", lambda M: _tr(M("A", "n", "m") * M("X", "m", "n")), "trAX"),
    ("grad", "tr(A X)", "A", None, "mixed", lambda M: _tr(M("A", "n", "m") * M("X", "m", "n")), None),
    ("grad", "tr(A B)", "A", None, "mixed", lambda M: _tr(M("A", "n", "m") * M("B", "m", "n")), None),
    ("grad", "tr(A^T B)", "A", None, "mixed", lambda M: _tr(M("A", "m", "n").T * M("B", "m", "n")), None),
    ("grad", "||A||_F^2", "A", None, "mixed", lambda M: _tr(M("A", "m", "n").T * M("A", "m", "n")), None),
    ("grad", "tr(A B A^T)", "A", None, "mixed",
     lambda M: _tr(M("A", "m", "n") * M("B", "n", "n") * M("A", "m", "n").T), None),
    ("grad", "||A X - B||_F^2", "A", None, "mixed",
     lambda M: _tr((M("A", "m", "n") * M("X", "n", "k") - M("B", "m", "k")).T
                   * (M("A", "m", "n") * M("X", "n", "k") - M("B", "m", "k"))), "frob_A"),
    ("grad", "||A X - B||_F^2", "X", None, "mixed",
     lambda M: _tr((M("A", "m", "n") * M("X", "n", "k") - M("B", "m", "k")).T
                   * (M("A", "m", "n") * M("X", "n", "k") - M("B", "m", "k"))), "frob_X"),
    ("grad", "||X W - Y||_F^2", "W", None, "mixed",
     lambda M: _tr((M("X", "m", "n") * M("W", "n", "k") - M("Y", "m", "k")).T
                   * (M("X", "m", "n") * M("W", "n", "k") - M("Y", "m", "k"))), None),
    ("grad", "det(A)", "A", None, "mixed", lambda M: _det(M("A", "n", "n")), "det"),
    ("grad", "log|A|", "A", None, "mixed", lambda M: _log(_det(M("A", "n", "n"))), "logdet"),
    ("grad", "tr(X^T A X)", "X", None, "mixed",
     lambda M: _tr(M("X", "n", "m").T * M("A", "n", "n") * M("X", "n", "m")), None),
    ("grad", "tr(A X B)", "X", None, "mixed",
     lambda M: _tr(M("A", "k", "m") * M("X", "m", "n") * M("B", "n", "k")), "trAXB"),
    ("grad", "a^T X b", "X", None, "mixed", lambda M: M("a", "m", 1).T * M("X", "m", "n") * M("b", "n", 1), "aXb"),
    ("grad", "a^T X^{-1} b", "X", None, "mixed",
     lambda M: M("a", "n", 1).T * M("X", "n", "n").I * M("b", "n", 1), None),
    ("grad", "tr(X^{-1})", "X", None, "mixed", lambda M: _tr(M("X", "n", "n").I), None),
    ("grad", "tr(X^2)", "X", None, "mixed", lambda M: _tr(M("X", "n", "n") * M("X", "n", "n")), None),
    ("grad", "tr(X^3)", "X", None, "mixed", lambda M: _tr(M("X", "n", "n") ** 3), None),
    ("grad", "tr(A X^{-1} B)", "X", None, "mixed",
     lambda M: _tr(M("A", "m", "n") * M("X", "n", "n").I * M("B", "n", "m")), None),
    ("grad", "tr(X A X^T B)", "X", None, "mixed",
     lambda M: _tr(M("X", "m", "n") * M("A", "n", "n") * M("X", "m", "n").T * M("B", "m", "m")), None),
    ("grad", "tr(X^T X)", "X", None, "mixed", lambda M: _tr(M("X", "m", "n").T * M("X", "m", "n")), None),
    ("grad", "a^T X X^T b", "X", None, "mixed",
     lambda M: M("a", "m", 1).T * M("X", "m", "n") * M("X", "m", "n").T * M("b", "m", 1), None),
    ("grad", "a^T X^T X b", "X", None, "mixed",
     lambda M: M("a", "n", 1).T * M("X", "m", "n").T * M("X", "m", "n") * M("b", "n", 1), None),
    ("grad", "log det(X^T X)", "X", None, "mixed",
     lambda M: _log(_det(M("X", "m", "n").T * M("X", "m", "n"))), None),
    ("grad", "x^T A^{-1} x", "x", None, "mixed",
     lambda M: M("x", "n", 1).T * M("A", "n", "n").I * M("x", "n", 1), None),
    ("grad", "1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", "W1", None, "mixed", None, "net2"),
    ("grad", "1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", "W2", None, "mixed", None, None),
    ("grad", "sum(exp(A x))", "x", None, "mixed", None, "sumexp"),
    ("grad", "sum(log(x))", "x", None, "mixed", None, None),
    ("grad", "||x||_2", "x", None, "mixed", None, None),
    ("grad", "f = x y z where x, y, z: scalar", "x", None, "mixed", None, None),
    ("grad", "logsumexp(W x)", "x", None, "mixed", None, None),
    ("grad", "sum(tanh(W x))", "W", None, "mixed", None, None),
    ("grad", "sum(relu(W x))", "x", None, "mixed", None, None),
    ("grad", "x^T diag(a) x", "x", None, "mixed", None, None),
    ("grad", "sum(x ⊙ y ⊙ x)", "x", None, "mixed", None, None),
    ("grad", "tr(kron(A, X))", "X", "A: 2x2, X: 3x3", "mixed", None, None),
    ("grad", "vec(X)^T kron(B, A) vec(X)", "X", "X: 2x3, A: 2x2, B: 3x3", "mixed", None, None),
    ("hessian", "x^T A x", "x", None, "mixed",
     lambda M: M("x", "n", 1).T * M("A", "n", "n") * M("x", "n", 1), "xAx"),
    ("hessian", "||X w - y||^2", "w", None, "mixed",
     lambda M: _sq(M("X", "m", "n") * M("w", "n", 1) - M("y", "m", 1)), "lsq_w"),
    ("hessian", LOGISTIC, "w", None, "mixed", None, None),
    ("hessian", "sum(exp(A x))", "x", None, "mixed", None, "sumexp"),
    ("hessian", "log(1 + exp(w^T x))", "w", None, "mixed", None, None),
    ("hessian", "-y^T log(softmax(z))", "z", None, "mixed", None, "xent"),
    ("hessian", "x^T A^{-1} x", "x", None, "mixed",
     lambda M: M("x", "n", 1).T * M("A", "n", "n").I * M("x", "n", 1), None),
    ("hessian", "tr(X^T A X)", "X", None, "mixed", None, None),
    ("hessian", "||A X - B||_F^2", "X", None, "mixed", None, None),
    ("hessian", "||A X - B||_F^2", "A", None, "mixed", None, None),
    ("hessian", "log|X|", "X", None, "mixed", None, None),
    ("hessian", "1/2 ||W2 σ(W1 x) - y||^2", "W1", None, "mixed", None, None),
    ("hessian", "tan(3 λ)", "λ", None, "mixed", None, None),
    ("jacobian", "A x", "x", None, "numerator", lambda M: M("A", "m", "n") * M("x", "n", 1), "Ax"),
    ("jacobian", "A x", "x", None, "denominator", lambda M: M("A", "m", "n") * M("x", "n", 1), None),
    ("jacobian", "x", "x", None, "numerator", None, None),
    ("jacobian", "x ⊙ y", "x", None, "numerator", None, None),
    ("jacobian", "softmax(z)", "z", None, "numerator", None, "softmax"),
    ("jacobian", "σ(W1 x + b1)", "x", None, "numerator", None, None),
    ("jacobian", "tanh(W x)", "W", None, "numerator", None, None),
    ("derivative", "A X B", "X", None, "mixed",
     lambda M: M("A", "m", "n") * M("X", "n", "k") * M("B", "k", "m"), "AXB"),
    ("derivative", "X^{-1}", "X", None, "mixed", lambda M: M("X", "n", "n").I, "inv"),
    ("derivative", "X^T", "X", None, "mixed", lambda M: M("X", "m", "n").T, None),
    ("derivative", "X^T X", "X", None, "mixed", lambda M: M("X", "m", "n").T * M("X", "m", "n"), None),
    ("derivative", "A diag(x) B", "x", "A: 4x3, B: 3x2", "mixed", None, None),
    ("derivative", "kron(A, X)", "X", None, "mixed", None, None),
    ("derivative", "X ⊙ Y", "X", None, "mixed", None, None),
]


def _sq(v):
    return v.T * v


def _tr(e):
    import sympy
    return sympy.Trace(e)


def _det(e):
    import sympy
    return sympy.Determinant(e)


def _log(e):
    import sympy
    return sympy.log(e)


# CPU time of this process: the machine this runs on is shared (2 cores, other jobs), and wall
# time there measures the neighbours as much as the code.
CLOCK = time.process_time


def timed(fn, repeat):
    """Median seconds of `repeat` calls of fn()."""
    times = []
    for _ in range(repeat):
        t = CLOCK()
        fn()
        times.append(CLOCK() - t)
    return statistics.median(times)


def p90(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]


def network(n):
    """The n-layer loss as text (layers W1 … Wn, σ between them)."""
    h = "x"
    for k in range(1, n + 1):
        h = f"W{k} {h}" if k == n else f"σ(W{k} {h})"
    return f"1/2 ||{h} - y||^2"


# ----------------------------------------------------------------- symmat

def symmat_times(repeat):
    """{case index: (seconds without check, seconds with check)}, the two interleaved per case."""
    from symmat import api
    api.grad("x^T A x", wrt="x")   # load the stages once
    out = {}
    for i, (kind, f, wrt, where, layout, _, _) in enumerate(CORPUS):
        fn = getattr(api, kind)
        plain, checked, tree = [], [], []
        try:
            e = api.parse(f, where=where)
            for _ in range(repeat):
                t = CLOCK()
                fn(f, wrt=wrt, where=where, layout=layout, check=False)
                plain.append(CLOCK() - t)
                t = CLOCK()
                fn(f, wrt=wrt, where=where, layout=layout)
                checked.append(CLOCK() - t)
                t = CLOCK()
                fn(e, wrt=wrt, layout=layout)
                tree.append(CLOCK() - t)
        except Exception as e:  # noqa: BLE001 - reported, and the case left out of every figure
            print(f"  left out: {kind} {f} by {wrt}: {type(e).__name__}: {str(e)[:120]}")
            continue
        out[i] = (statistics.median(plain), statistics.median(checked), statistics.median(tree))
    return out


# ----------------------------------------------------------------- SymPy

def sympy_times(repeat, mine):
    """{case index: seconds} for the cases SymPy's matrix-expression derivative handles."""
    import sympy
    sizes = {s: sympy.Symbol(s, integer=True, positive=True) for s in "nmk"}
    lam = sympy.Symbol("λ")

    class M:
        def __new__(cls, name, rows, cols):
            return sympy.MatrixSymbol(name, sizes.get(rows, rows), sizes.get(cols, cols))

    M.lam = lam
    out = {}
    for i, (kind, _, wrt, _, _, build, _) in enumerate(CORPUS):
        if build is None or i not in mine:
            continue
        try:
            expr = build(M)
            X = [s for s in expr.free_symbols if getattr(s, "name", None) == wrt][0]

            def go():
                d = expr.diff(X)
                return d.diff(X) if kind == "hessian" else d

            d = go()
            if d.has(sympy.Derivative):
                continue
            out[i] = timed(go, repeat)
        except Exception:  # noqa: BLE001 - a case SymPy does not handle is left out
            continue
    return out


# ----------------------------------------------------------------- tensorgrad

def _tensorgrad_cases():
    """{name: builder() → (f, X)}: the corpus cases written for tensorgrad (imported here only)."""
    import sympy as sp  # why: tensorgrad sizes are SymPy symbols; only where tensorgrad runs
    import tensorgrad as tg
    import tensorgrad.functions as F
    n, m, k, h = sp.symbols("n m k h")
    V = tg.Variable

    def ax():
        a = V("a", i=n); x = V("x", i=n); return a @ x, x
    def xx():
        x = V("x", i=n); return x @ x, x
    def xAx():
        x = V("x", i=n); A = V("A", i=n, j=n); return (A @ x) @ x.rename(i="j"), x
    def lsq():
        A = V("A", k=m, i=n); x = V("x", i=n); b = V("b", k=m); r = A @ x - b; return r @ r, x
    def lsq_w():
        X = V("X", k=m, i=n); w = V("w", i=n); y = V("y", k=m); r = X @ w - y; return r @ r, w
    def xent():
        z = V("z", i=n); y = V("y", i=n); return -(y @ F.log(F.softmax(z, "i"))), z
    def trAX():
        A = V("A", i=n, j=m); X = V("X", j=m, i=n); return A @ X, X
    def frob_A():
        A = V("A", i=m, j=n); X = V("X", j=n, k=k); B = V("B", i=m, k=k); r = A @ X - B; return r @ r, A
    def frob_X():
        A = V("A", i=m, j=n); X = V("X", j=n, k=k); B = V("B", i=m, k=k); r = A @ X - B; return r @ r, X
    def det():
        A = V("A", i=n, j=n); return F.det(A), A
    def logdet():
        A = V("A", i=n, j=n); return F.log(F.det(A)), A
    def trAXB():
        A = V("A", i=k, j=m); X = V("X", j=m, l=n); B = V("B", l=n, i=k); return A @ X @ B, X
    def aXb():
        a = V("a", i=m); X = V("X", i=m, j=n); b = V("b", j=n); return a @ X @ b, X
    def net2():
        W1 = V("W1", h=h, i=n); W2 = V("W2", o=k, h=h); x = V("x", i=n); y = V("y", o=k)
        b1 = V("b1", h=h); b2 = V("b2", o=k); r = W2 @ F.sigmoid(W1 @ x + b1) + b2 - y; return r @ r / 2, W1
    def sumexp():
        A = V("A", k=m, i=n); x = V("x", i=n); return F.sum(F.exp(A @ x)), x
    def Ax():
        A = V("A", k=m, i=n); x = V("x", i=n); return A @ x, x
    def softmax():
        z = V("z", i=n); return F.softmax(z, "i"), z
    def AXB():
        A = V("A", i=m, j=n); X = V("X", j=n, l=k); B = V("B", l=k, o=m); return A @ X @ B, X
    def inv():
        X = V("X", i=n, j=n); return F.inverse(X), X
    return {name: fn for name, fn in locals().items()
            if getattr(fn, "__qualname__", "").startswith("_tensorgrad_cases.")}


def tensorgrad_run(jobs, repeat):
    """{job index: seconds} for (kind, case name) jobs, in this interpreter (tensorgrad importable)."""
    ns = _tensorgrad_cases()
    out = {}
    for i, (kind, name) in enumerate(jobs):
        try:
            f, X = ns[name]()

            def go():
                g = f.grad(X)
                return (g.grad(X) if kind == "hessian" else g).full_simplify()

            go()
            out[i] = timed(go, repeat)
        except Exception:  # noqa: BLE001 - a case tensorgrad does not handle is left out
            continue
    return out


def tensorgrad_times(repeat, python):
    """{case index: seconds}, or a reason why tensorgrad could not be timed."""
    jobs = [(i, kind, name) for i, (kind, _, _, _, _, _, name) in enumerate(CORPUS) if name]
    payload = [(kind, name) for _, kind, name in jobs]
    try:
        import tensorgrad  # noqa: F401
        got = tensorgrad_run(payload, repeat)
    except ImportError:
        if not python:
            return "tensorgrad is not importable here (give --tensorgrad-python)"
        done = subprocess.run([python, os.path.abspath(__file__), "--tensorgrad-worker", str(repeat)],
                              input=json.dumps(payload), capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            return f"tensorgrad worker failed: {done.stderr.strip().splitlines()[-1:]}"
        got = {int(k): v for k, v in json.loads(done.stdout).items()}
    return {jobs[j][0]: t for j, t in got.items()}


# ----------------------------------------------------------------- report

def _ms(s):
    return f"{s * 1e3:8.2f}"


def compare(name, theirs, mine):
    """The median and 90th percentile of `theirs` and of symmat on the same cases, and the ratios."""
    if isinstance(theirs, str):
        print(f"{name}: not measured: {theirs}")
        return
    idx = sorted(theirs)
    if not idx:
        print(f"{name}: no case handled")
        return
    t = [theirs[i] for i in idx]
    plain = [mine[i][0] for i in idx]
    checked = [mine[i][1] for i in idx]
    tree = [mine[i][2] for i in idx]
    ratios = [theirs[i] / mine[i][1] for i in idx]
    print(f"{name} on the {len(idx)} cases it handles: median {_ms(statistics.median(t))} ms, "
          f"p90 {_ms(p90(t))} ms")
    print(f"  symmat on the same cases, from text: median {_ms(statistics.median(plain))} ms without check, "
          f"{_ms(statistics.median(checked))} ms with (p90 {_ms(p90(checked))} ms); from a parsed tree, "
          f"with check (as {name} is timed from a built expression): {_ms(statistics.median(tree))} ms")
    print(f"  ratio {name}/symmat with check, from text: of the medians "
          f"{statistics.median(t) / statistics.median(checked):.1f}×, per case median "
          f"{statistics.median(ratios):.1f}×; from a tree: of the medians "
          f"{statistics.median(t) / statistics.median(tree):.1f}×")
    low = sorted(idx, key=lambda i: theirs[i] / mine[i][1])[:3]
    print("  smallest ratios: " + "; ".join(f"{CORPUS[i][1]} by {CORPUS[i][2]} {theirs[i] / mine[i][1]:.1f}×"
                                           for i in low))


def network_series(depths, kind, repeat):
    """Time (median) and size of the network loss's gradient or Hessian by W1, depth by depth."""
    from symmat import api
    from symmat.errors import LimitError
    from symmat.simplify import size
    print(f"\n{kind} of the n-layer network loss by W1:")
    print(f"{'n':>3s} {'derive':>10s} {'+check':>10s} {'ratio':>6s} {'nodes shown':>12s} {'ratio':>6s} "
          f"{'named':>6s} {'chars':>7s} {'ratio':>6s} {'unshared':>9s}")
    prev = None
    for n in depths:
        f = network(n)
        fn = getattr(api, kind)
        try:
            fn(f, wrt="W1")   # first call excluded: at the depth where the self-check first needs NumPy, its import (~0.1 s)
            t = timed(lambda: fn(f, wrt="W1", check=False), repeat)
            tc = timed(lambda: fn(f, wrt="W1"), repeat)
        except LimitError as e:
            print(f"{n:3d} {e}")
            break
        r = fn(f, wrt="W1", check=False)
        shown = size(r.body) + sum(size(v) for _, v in r.bindings)
        chars = len(r.text())
        ratio, sratio, cratio = (f"{a / b:6.2f}" if prev else "      " for a, b in zip((t, shown, chars), prev or (1, 1, 1)))
        prev = (t, shown, chars)
        print(f"{n:3d} {_ms(t)}ms {_ms(tc)}ms {ratio} {shown:12d} {sratio} {len(r.bindings):6d} {chars:7d} {cratio} "
              f"{size(r.result):9d}")


def main():
    """Run every part (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--tensorgrad-python", help="an interpreter that can import tensorgrad")
    ap.add_argument("--tensorgrad-worker", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--grad-depths", default="1,2,4,8,16,32")
    ap.add_argument("--hessian-depths", default="1,2,4,8,16,32")
    ap.add_argument("--no-others", action="store_true", help="symmat only")
    ap.add_argument("--only", choices=("corpus", "network"), help="run only the corpus part (1-3) or the network part (4)")
    args = ap.parse_args()
    if args.tensorgrad_worker:
        print(json.dumps(tensorgrad_run(json.loads(sys.stdin.read()), args.tensorgrad_worker)))
        return
    if args.only != "network":
        corpus_part(args)
    if args.only != "corpus":
        network_series([int(d) for d in args.grad_depths.split(",")], "grad", max(1, args.repeat // 2))
        network_series([int(d) for d in args.hessian_depths.split(",")], "hessian", max(1, args.repeat // 3))


def corpus_part(args):
    """Parts 1-3: symmat over the corpus, then SymPy and tensorgrad on the same cases."""
    mine = symmat_times(args.repeat)
    plain = [p for p, _, _ in mine.values()]
    checked = [c for _, c, _ in mine.values()]
    print(f"symmat over {len(mine)} cases (median of {args.repeat} runs each):")
    print(f"  without self-check: median {_ms(statistics.median(plain))} ms, p90 {_ms(p90(plain))} ms")
    print(f"  with self-check:    median {_ms(statistics.median(checked))} ms, p90 {_ms(p90(checked))} ms")
    slow = sorted(mine, key=lambda i: -mine[i][1])[:5]
    print("  slowest with check: " + "; ".join(f"{CORPUS[i][0]} {CORPUS[i][1]} by {CORPUS[i][2]} "
                                               f"{mine[i][1] * 1e3:.1f} ms" for i in slow))
    if not args.no_others:
        compare("SymPy MatrixSymbol.diff", sympy_times(args.repeat, mine), mine)
        compare("tensorgrad", tensorgrad_times(args.repeat, args.tensorgrad_python), mine)


if __name__ == "__main__":
    main()
