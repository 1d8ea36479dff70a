"""Simplification time on the n-layer network benchmark, and how it grows.

For the network loss 1/2 ||W_n σ(… σ(W_1 x)…) - y||^2 of bench_derive.py,
prints the time spent inside `simplify` while deriving the gradient by W_1
(n = 1 … 32) and the Hessian by x (n = 1 … 8), the size of the simplified
result, and the ratio to the previous depth: simplification must stay linear
in the size of the expression (issue 11).

With --isolated, times `simplify` alone on the same inputs whatever the
pipeline records besides (the differential df of the loss by W_1 and the
trace trick's unsimplified gradient), n = 4 … 64: the simplifier's own cost,
comparable across versions of the derivation steps.

Run: python benchmarks/bench_simplify.py [--repeat 3] [--depths 1,2,4,8,16,32] [--isolated] [--no-shared]
"""

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

import symmat  # noqa: E402
from symmat import simplify as S  # noqa: E402
from symmat.simplify import size  # noqa: E402
from bench_derive import network  # noqa: E402  (one definition of the network loss)

SPENT = [0.0]


def _timed_simplifier():
    """Wrap Simplifier.__call__ so that only the outermost call of each simplify is timed."""
    cls = getattr(S, "Simplifier", None) or S.core.Simplifier   # (the layout before issue 11 had core.py)
    inner = cls.__call__
    depth = [0]

    def call(self, e):
        depth[0] += 1
        t = time.perf_counter()
        try:
            return inner(self, e)
        finally:
            depth[0] -= 1
            if depth[0] == 0:
                SPENT[0] += time.perf_counter() - t

    cls.__call__ = call


def measure(kind, f, wrt, repeat):
    """(median seconds inside simplify, median seconds in all, size of the result)."""
    simp, total = [], []
    for _ in range(repeat):
        SPENT[0] = 0.0
        t = time.perf_counter()
        r = getattr(symmat, kind)(f, wrt=wrt, check=False)
        total.append(time.perf_counter() - t)
        simp.append(SPENT[0])
    return statistics.median(simp), statistics.median(total), size(r.result)


def isolated(repeat, depths):
    """simplify(df) + simplify(G_raw) for the network loss by W1, without the rest of the pipeline."""
    from symmat.calculus.differential import differential
    from symmat.calculus.tracetrick import contributions
    from symmat.tree import expr as E
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))   # as pipeline.derive does
    print(f"{'n':>3s} {'simplify':>10s} {'ratio':>6s} {'df nodes':>9s} {'G nodes':>8s}")
    prev = None
    for n in depths:
        f = symmat.parse(network(n))
        X = next(v for v in f.variables() if v.name == "W1")
        df, _ = differential(f, X)
        parts, _ = contributions(df, E.Differential(X))
        raw = parts[0] if len(parts) == 1 else E.Add(*parts)
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            S.simplify(df)
            G = S.simplify(raw)
            times.append(time.perf_counter() - t)
        t = statistics.median(times)
        ratio = f"{t / prev:5.2f}" if prev else "     "
        prev = t
        print(f"{n:3d} {t * 1e3:8.2f}ms {ratio} {size(df):9d} {size(G):8d}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--depths", default="1,2,4,8,16,32")
    ap.add_argument("--hessian-depths", default="1,2,4,8")
    ap.add_argument("--isolated", action="store_true", help="time simplify alone on df and the raw gradient")
    ap.add_argument("--no-shared", action="store_true",
                    help="each simplify call starts from an empty memo (as before simplify.SHARED)")
    args = ap.parse_args()
    _timed_simplifier()
    if args.no_shared:
        import contextvars
        from symmat.simplify import strategy
        strategy.SHARED = contextvars.ContextVar("unshared", default=None)
    if args.isolated:
        isolated(max(args.repeat, 5), [4, 8, 16, 32, 64])
        return
    symmat.grad("x^T A x", wrt="x", check=False)
    for kind, wrt, depths in (("grad", "W1", args.depths), ("hessian", "x", args.hessian_depths)):
        print(f"{kind} by {wrt}")
        print(f"{'n':>3s} {'simplify':>10s} {'ratio':>6s} {'derive':>10s} {'result nodes':>13s}")
        prev = None
        for n in [int(d) for d in depths.split(",")]:
            t, total, nodes = measure(kind, network(n), wrt, args.repeat)
            ratio = f"{t / prev:5.2f}" if prev else "     "
            prev = t
            print(f"{n:3d} {t * 1e3:8.2f}ms {ratio} {total * 1e3:8.2f}ms {nodes:13d}")
        print()


if __name__ == "__main__":
    main()
