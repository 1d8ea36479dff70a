"""Jacobian, matrix-derivative and Hessian derivation speed, and Hessian growth with depth.

Prints:
1. the time to derive each Jacobian, second-derivative and matrix example of
   seed_examples.md (median of repeats), without and with symmat's numeric
   self-check, and the time to verify it by SymPy expansion;
2. for the n-layer network loss 1/2 ||W_n σ(… σ(W_1 x)…) - y||^2 by W_1,
   n = 1, 2, 4, 8: the Hessian's derivation time (without and with the
   self-check) and its size (nodes of the tree, characters of its text).

Run: python benchmarks/bench_jacobian.py [--repeat 5] [--no-verify] [--depths 1,2,4,8]
"""

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

from symmat import api  # noqa: E402
from bench_derive import network, timed  # noqa: E402  (one definition of the network loss and the timer)
from symmat.simplify import size  # noqa: E402

LOGISTIC = "-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))"

# (kind, f, wrt, where, layout)
EXAMPLES = [
    ("jacobian", "A x", "x", "A: 3x2", "numerator"),
    ("jacobian", "A x", "x", "A: 3x2", "denominator"),
    ("jacobian", "x", "x", None, "numerator"),
    ("jacobian", "x ⊙ y", "x", None, "numerator"),
    ("jacobian", "softmax(z)", "z", None, "numerator"),
    ("jacobian", "σ(W1 x + b1)", "x", None, "numerator"),
    ("hessian", "x^T A x", "x", None, "mixed"),
    ("hessian", "||X w - y||^2", "w", None, "mixed"),
    ("hessian", LOGISTIC, "w", None, "mixed"),
    ("derivative", "A X B", "X", None, "mixed"),
    ("derivative", "X^{-1}", "X", None, "mixed"),
    ("derivative", "A diag(x) B", "x", "A: 4x3, B: 3x2", "mixed"),
]


def derive(kind, f, wrt, where, layout, check):
    """One derivation through the API."""
    return getattr(api, kind)(f, wrt=wrt, where=where, layout=layout, check=check)


def examples(repeat, verify):
    """Section 1: every example, timed."""
    print(f"{'example':44s} {'derive':>9s} {'+check':>9s} {'verify':>9s}  result")
    fast, checked = [], []
    for kind, f, wrt, where, layout in EXAMPLES:
        t0 = timed(lambda: derive(kind, f, wrt, where, layout, False), repeat)
        t1 = timed(lambda: derive(kind, f, wrt, where, layout, True), repeat)
        fast.append(t0)
        checked.append(t1)
        r = derive(kind, f, wrt, where, layout, True)
        tv = float("nan")
        if verify:
            t = time.perf_counter()
            ok = api.verify(r, max_size=8).ok
            tv = time.perf_counter() - t
            if not ok:
                print(f"  VERIFY FAILED: {kind} of {f} by {wrt}")
        label = f"{kind[:4]} {f} | {wrt} ({layout[:3]})"
        print(f"{label[:44]:44s} {t0 * 1e3:8.2f}ms {t1 * 1e3:8.2f}ms {tv * 1e3:8.1f}ms  {r.text()[:50]}")
    print(f"\nderivation (no self-check): median {statistics.median(fast) * 1e3:.2f} ms, "
          f"worst {max(fast) * 1e3:.2f} ms over {len(fast)} examples")
    print(f"derivation + self-check:    median {statistics.median(checked) * 1e3:.2f} ms, "
          f"worst {max(checked) * 1e3:.2f} ms")


def networks(depths, repeat):
    """Section 2: the Hessian of the n-layer loss by W1."""
    print(f"\n{'n':>3s} {'Hessian':>10s} {'+check':>10s} {'nodes':>8s} {'chars':>8s}  (by W1, mixed layout)")
    for n in depths:
        f = network(n)
        reps = max(1, repeat if n <= 4 else 1)
        t0 = timed(lambda: derive("hessian", f, "W1", None, "mixed", False), reps)
        t1 = timed(lambda: derive("hessian", f, "W1", None, "mixed", True), 1)
        r = derive("hessian", f, "W1", None, "mixed", False)
        print(f"{n:3d} {t0 * 1e3:9.1f}ms {t1 * 1e3:9.1f}ms {size(r.result):8d} {len(r.text()):8d}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-verify", action="store_true")
    ap.add_argument("--depths", default="1,2,4,8")
    args = ap.parse_args()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))
    api.hessian("x^T A x", wrt="x")  # warm the imports (NumPy for the self-check)
    examples(args.repeat, not args.no_verify)
    networks([int(d) for d in args.depths.split(",")], args.repeat)


if __name__ == "__main__":
    main()
