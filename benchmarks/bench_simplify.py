"""Simplification time on the n-layer network benchmark, and how it grows.

For the network loss 1/2 ||W_n σ(… σ(W_1 x)…) - y||^2 of bench_derive.py,
prints the time spent inside `simplify` while deriving the gradient by W_1
(n = 1 … 32) and the Hessian by x (n = 1 … 8), the size of the simplified
result, and the ratio to the previous depth: simplification must stay linear
in the size of the expression (issue 11).

Run: python benchmarks/bench_simplify.py [--repeat 3] [--depths 1,2,4,8,16,32]
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
    cls = S.Simplifier
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--depths", default="1,2,4,8,16,32")
    ap.add_argument("--hessian-depths", default="1,2,4,8")
    args = ap.parse_args()
    _timed_simplifier()
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
