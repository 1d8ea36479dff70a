"""What a cold start loads (issue 14): SymPy only to verify, check or convert; NumPy only where a
number is computed on an instance too large for plain floats. The figures themselves live in
benchmarks/bench_startup.py; these tests keep the heavy imports from creeping back."""

import json
import os
import subprocess
import sys

import pytest

import symmat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(symmat.__file__)))
HEAVY = ("numpy", "sympy", "lark")


def imported(code):
    """The top-level packages among HEAVY that a fresh interpreter running `code` has loaded."""
    probe = code + ("\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules}"
                    f" & set({list(HEAVY)!r}))))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def importtime(*argv):
    """The modules `python -X importtime -m symmat ARGV` imports (the console script's path)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "symmat", *argv],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
             if line.startswith("import time:")}
    return {n.split(".")[0] for n in names}, done.stdout


def test_import_and_parse_load_neither_numpy_nor_sympy():
    loaded = imported("import symmat\nsymmat.parse('x^T A x')\nsymmat.parse('tr(X^{-1} A) + log|X|')")
    assert "numpy" not in loaded and "sympy" not in loaded, loaded


def test_grad_from_the_command_line_loads_no_sympy_and_no_numpy():
    """The self-check runs (it is not switched off) on plain floats: the result is printed."""
    modules, out = importtime("grad", "x^T A x", "--wrt", "x")
    assert "(A + Aᵀ) x" in out or "(A + A^T) x" in out
    assert "sympy" not in modules, "grad imported SymPy"
    assert "numpy" not in modules, "the self-check of a tiny instance imported NumPy"


@pytest.mark.parametrize("argv", [("hessian", "sum(exp(A x))", "--wrt", "x"),
                                  ("grad", "log|X| + tr(A X^{-1})", "--wrt", "X"),
                                  ("jacobian", "softmax(W x)", "--wrt", "W")])
def test_other_derivatives_load_no_sympy(argv):
    modules, _ = importtime(*argv)
    assert "sympy" not in modules and "numpy" not in modules


def test_render_loads_no_numpy_or_sympy():
    modules, out = importtime("render", "x^T A x")
    assert out.strip()
    assert "sympy" not in modules and "numpy" not in modules


def test_the_self_check_really_ran_on_plain_floats():
    """No NumPy and still checked: a tampered result is refused without NumPy being loaded."""
    code = ("from symmat import api\nfrom symmat.result import Derivative\n"
            "from symmat.numeric.selfcheck import selfcheck\nfrom symmat.tree import expr as E\n"
            "r = api.grad('x^T A x', wrt='x')\n"
            "bad = Derivative(r.kind, r.f, r.wrt, E.Mul(E.Const(2), r.result), r.layout, r.symmetric, r.steps)\n"
            "try:\n    selfcheck(bad)\n    print('accepted')\nexcept Exception as e:\n    print(type(e).__name__)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    probe = code + "\nimport sys\nprint('numpy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)
    assert done.stdout.split() == ["InternalError", "False"], done.stdout + done.stderr


def test_verify_loads_sympy_when_asked():
    """The converse, so that the probes above can fail: verification does load SymPy."""
    modules, _ = importtime("grad", "x^T A x", "--wrt", "x", "--verify")
    assert "sympy" in modules
