"""Start-up and parse-time benchmark of symmat's front end.

Measures, as medians over N runs (default 15):
  * the cold start of ``python -c pass`` (the baseline),
  * ``python -c "import symmat; symmat.parse('x^T A x')"``,
  * ``python -m symmat render "x^T A x"`` and ``grad "x^T A x" --wrt x`` (with
    its self-check, as every printed result has it), and a Hessian,
  * the ``symmat`` console script (when it is on PATH) for render and grad,
  * for reference, what ``import lark``, ``import numpy`` and ``import sympy``
    cost alone (none of them is loaded by render or grad),
and prints each as a ratio to the baseline (issue 14's targets: grad within
5×, aim 4×; render within 3×). Then it parses every expression of
shared/seed_examples.md in-process and prints the median and the worst parse
time.

Child processes run without PYTHONDONTWRITEBYTECODE (an installed package has
its bytecode compiled; pass --as-is to keep the environment as it is), after
one warm-up run that also writes lark's grammar cache. --no-bytecode measures
a checkout run under PYTHONDONTWRITEBYTECODE=1 that has never written
bytecode: symmat's source is copied to a fresh folder without __pycache__
and every module of it is compiled on every start (the standard library and
the cached parser keep their bytecode).

    python benchmarks/bench_startup.py [--runs 15] [--as-is | --no-bytecode]
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Every expression of shared/seed_examples.md, with its declarations (None: none).
SEED_EXPRESSIONS = [
    ("a^T x", None), ("x^T a", None), ("x^T x", None), ("x^T A x", None),
    ("x^T A x where A: symmetric", None), ("x^T B x", None), ("b^T x + x^T A x", None),
    ("||A x - b||^2", "A: 3x2"), ("(A x + b)^T (A x + b)", None),
    ("1/2 ||X w - y||^2", "X: 100x3"), ("||X w - y||^2", None),
    ("||X w - y||^2 + λ ||w||^2", None), ("(X w - y)^T W (X w - y) where W: symmetric", None),
    ("||x||_2", None), ("x^T A^T A x", None), ("log(1 + exp(w^T x))", None),
    ("-y^T log(softmax(z))", None),
    ("-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))", None),
    ("(x - A s)^T W (x - A s) where W: symmetric", None),
    ("f = x y z where x, y, z: scalar", None),
    ("tr(A X)", "A: 2x2, X: 2x2"), ("tr(A X)", "A: 2x4, X: 4x2"), ("tr(A)", None),
    ("tr(A B)", None), ("tr(A^T B)", None), ("||A||_F^2", None), ("tr(A B A^T)", None),
    ("||A X - B||_F^2", None), ("||A X||_F^2", "A: 2x4, X: 4x2"), ("||X W - Y||_F^2", None),
    ("det(A)", None), ("log|A|", None), ("tr(X^T A X)", None), ("tr(A X B)", None),
    ("a^T X b", None), ("a^T X^{-1} b", None),
    ("1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", "W1: 4x3, W2: 2x4"),
    ("A x", "A: 3x2"), ("x", None), ("x ⊙ y", None), ("softmax(z)", None),
    ("σ(W1 x + b1)", None), ("A X B", None), ("X^{-1}", None),
    ("A diag(x) B", "A: 4x3, B: 3x2"),
    ("tr(A X)", "X = [w x; y z]"), ("[w z; y x]", None), ("[w y; x z]", None),
    ("A^T X B^T", None), ("A^T B^T", None), ("-2 (x - A s)^T W A", "W: symmetric"),
    ("2 W (x - A s)", "W: symmetric"), ("2 A x", None), ("(A + A^T) x", None),
]


def _run(cmd, env, cwd=ROOT):
    """Run `cmd`; return (wall seconds, CPU seconds of the child, return code, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, env=env, cwd=cwd)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, done.returncode, done.stderr.decode(errors="replace")


def _source_only_copy():
    """A fresh folder holding symmat/ and grammar/ without bytecode (removed by the caller)."""
    folder = tempfile.mkdtemp(prefix="symmat-src-")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "static")   # static: the web page's files
    for name in ("symmat", "grammar"):
        shutil.copytree(os.path.join(ROOT, name), os.path.join(folder, name), ignore=ignore)
    return folder


def cold_start(runs, as_is, no_bytecode=False):
    """Print the cold-start medians (wall and CPU) and their ratios to `python -c pass`.

    The commands are interleaved run by run, so that a change of machine load
    affects them alike; CPU time is the steadier figure on a busy machine.
    """
    env = dict(os.environ)
    source = _source_only_copy() if no_bytecode else None
    try:
        if no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        elif not as_is:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPATH"] = (source or ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        cwd = source or ROOT   # the current folder comes first on sys.path
        found = subprocess.run([sys.executable, "-c", "import symmat; print(symmat.__file__)"], env=env, cwd=cwd,
                               capture_output=True, text=True).stdout.strip()
        assert found.startswith(cwd), f"symmat imported from {found}, not from {cwd}"
        _cold_start(runs, env, cwd, "no bytecode for symmat" if no_bytecode
                    else "environment as is" if as_is else "bytecode written")
    finally:
        if source:
            shutil.rmtree(source, ignore_errors=True)


def _cold_start(runs, env, cwd, condition):
    """`cold_start`'s measurement in environment `env`, in folder `cwd`."""
    py = sys.executable
    cases = [("python -c pass", [py, "-c", "pass"]),
             ("import symmat; parse('x^T A x')", [py, "-c", "import symmat; symmat.parse('x^T A x')"]),
             ("python -m symmat render 'x^T A x'", [py, "-m", "symmat", "render", "x^T A x"]),
             ("python -m symmat grad 'x^T A x' --wrt x", [py, "-m", "symmat", "grad", "x^T A x", "--wrt", "x"]),
             ("python -m symmat hessian 'sum(exp(A x))' --wrt x",
              [py, "-m", "symmat", "hessian", "sum(exp(A x))", "--wrt", "x"])]
    script = shutil.which("symmat", path=os.path.dirname(py) + os.pathsep + os.environ.get("PATH", ""))
    if script:
        cases.append(("symmat render 'x^T A x' (console script)", [script, "render", "x^T A x"]))
        cases.append(("symmat grad 'x^T A x' --wrt x (console script)", [script, "grad", "x^T A x", "--wrt", "x"]))
    for lib in ("lark", "numpy", "sympy"):
        cases.append((f"for reference: import {lib}", [py, "-c", f"import {lib}"]))
    working = []
    for label, cmd in cases:          # warm-up: writes bytecode and the grammar cache
        _, _, code, err = _run(cmd, env, cwd)
        if code == 0:
            working.append((label, cmd))
        else:
            print(f"  {label}: unavailable ({(err.strip().splitlines() or [''])[-1]})")
    walls = {label: [] for label, _ in working}
    cpus = {label: [] for label, _ in working}
    for _ in range(runs):
        for label, cmd in working:
            wall, cpu, _, _ = _run(cmd, env, cwd)
            walls[label].append(wall)
            cpus[label].append(cpu)
    print(f"cold start, median of {runs} runs ({condition}):")
    base_wall = statistics.median(walls[working[0][0]])
    base_cpu = statistics.median(cpus[working[0][0]])
    for label, _ in working:
        wall, cpu = statistics.median(walls[label]), statistics.median(cpus[label])
        print(f"  {label:50s} wall {wall * 1000:7.1f} ms {wall / base_wall:5.2f}×   "
              f"cpu {cpu * 1000:7.1f} ms {cpu / base_cpu:5.2f}×")


def parse_times(repeats=20):
    """Print the median and worst in-process parse time over the seed expressions."""
    sys.path.insert(0, ROOT)
    import symmat
    symmat.parse("x")  # load the parser once
    per_expr = []
    for text, where in SEED_EXPRESSIONS:
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            symmat.parse(text, where=where)
            times.append(time.perf_counter() - t)
        per_expr.append((statistics.median(times), text))
    medians = sorted(per_expr)
    print(f"parse time over {len(per_expr)} seed expressions (median of {repeats} each):")
    print(f"  median {statistics.median(m for m, _ in medians) * 1000:.3f} ms, "
          f"worst {medians[-1][0] * 1000:.3f} ms ({medians[-1][1]})")


def main(argv=None):
    """Run both measurements."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--as-is", action="store_true", help="keep PYTHONDONTWRITEBYTECODE if set")
    ap.add_argument("--no-bytecode", action="store_true",
                    help="symmat's modules compiled from source on every start (PYTHONDONTWRITEBYTECODE=1)")
    args = ap.parse_args(argv)
    cold_start(args.runs, args.as_is, args.no_bytecode)
    parse_times()


if __name__ == "__main__":
    main()
