"""Derivation and verification speed, and how results grow with network depth.

Prints:
1. the time to derive every scalar example of seed_examples.md (median of
   repeats per example; the median and worst over examples), with and
   without symmat's numeric self-check;
2. the time to verify each by SymPy expansion at default sizes;
3. derivation time and result size for the n-layer network loss
   1/2 ||W_n σ(… σ(W_1 x)…) - y||^2 by W_1, n = 1, 2, 4, …, 32.

Run: python benchmarks/bench_derive.py [--repeat 5] [--no-verify]
"""

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

import symmat  # noqa: E402
from symmat.simplify import size  # noqa: E402
from test_grad_seeds import SEEDS  # noqa: E402  (the one list of seed examples)


def timed(fn, repeat):
    """Median seconds of `repeat` calls of fn()."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def network(n):
    """The n-layer loss as text (layers W1 … Wn, σ between them)."""
    h = "x"
    for k in range(1, n + 1):
        h = f"W{k} {h}" if k == n else f"σ(W{k} {h})"
    return f"1/2 ||{h} - y||^2"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-verify", action="store_true")
    ap.add_argument("--depths", default="1,2,4,8,16,32")
    args = ap.parse_args()
    rows = {(f, w, l, wh) for f, w, wh, l, *_ in SEEDS}
    rows = sorted(rows)
    symmat.grad("x^T A x", wrt="x")  # warm imports (NumPy for the self-check)

    fast, checked, verify_times = [], [], []
    print(f"{'example':55s} {'derive':>9s} {'+check':>9s} {'verify':>9s}")
    for f, wrt, layout, where in rows:
        t0 = timed(lambda: symmat.grad(f, wrt=wrt, where=where, layout=layout, check=False), args.repeat)
        t1 = timed(lambda: symmat.grad(f, wrt=wrt, where=where, layout=layout), args.repeat)
        fast.append(t0)
        checked.append(t1)
        tv = float("nan")
        if not args.no_verify:
            r = symmat.grad(f, wrt=wrt, where=where, layout=layout)
            t = time.perf_counter()
            ok = symmat.verify(r).ok
            tv = time.perf_counter() - t
            verify_times.append(tv)
            if not ok:
                print(f"  VERIFY FAILED: {f} by {wrt}")
        print(f"{(f + ' | ' + wrt)[:55]:55s} {t0 * 1e3:8.2f}ms {t1 * 1e3:8.2f}ms {tv * 1e3:8.1f}ms")
    print()
    print(f"derivation (no self-check): median {statistics.median(fast) * 1e3:.2f} ms, "
          f"worst {max(fast) * 1e3:.2f} ms over {len(fast)} examples")
    print(f"derivation + self-check:    median {statistics.median(checked) * 1e3:.2f} ms, "
          f"worst {max(checked) * 1e3:.2f} ms")
    if verify_times:
        print(f"verification by expansion:  median {statistics.median(verify_times) * 1e3:.1f} ms, "
              f"worst {max(verify_times) * 1e3:.1f} ms, total {sum(verify_times):.2f} s")
    print()
    print(f"{'n':>3s} {'derive':>10s} {'ratio':>6s} {'nodes shown':>12s} {'chars':>6s} {'nodes unshared':>15s}")
    prev = None
    for n in [int(d) for d in args.depths.split(",")]:
        f = network(n)
        t = timed(lambda: symmat.grad(f, wrt="W1", check=False), max(1, args.repeat // 2))
        r = symmat.grad(f, wrt="W1", check=n <= 8)
        shown = size(r.body) + sum(size(v) for _, v in r.bindings)
        ratio = f"{t / prev:5.2f}" if prev else "     "
        prev = t
        print(f"{n:3d} {t * 1e3:8.2f}ms {ratio} {shown:12d} {len(r.text()):6d} {size(r.result):15d}")


if __name__ == "__main__":
    main()
