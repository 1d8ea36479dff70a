"""Minimal cases of defects found by the random and hostile-input generators (issue 6).

Each test is the smallest input found for one defect. Those not fixed yet are
marked `xfail(strict=True)` with the cause: when a fix lands the test passes,
strict xfail turns that into a failure, and the mark is removed (flip it).
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import gen
import symmat
from symmat import api


def cli(*argv, timeout=10.0, stdin_text=None):
    """(status, stdout, stderr) of an in-process CLI run; hangs fail the test."""
    status, out, err, seconds, hung = gen.run_cli(list(argv), stdin_text=stdin_text, timeout=timeout)
    assert not hung, f"no answer within {timeout} s"
    return status, out, err


def subprocess_cli(args, stdin=b"", timeout=20, env_extra=None):
    """A real `python -m symmat` run (for hangs that a signal cannot interrupt, and locales)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(symmat.__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    env.update(env_extra or {})
    try:
        return subprocess.run([sys.executable, "-m", "symmat", *args], input=stdin,
                              capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"no answer within {timeout} s: symmat {' '.join(a[:40] for a in args)}")


def oracle(text, wrt, kind="grad", **kw):
    """The random tests' verdict on one written case (ok / wrong / refused / …)."""
    return gen.check_derivative(gen.case_of(text, wrt, **kw), kind)


# ----------------------------------------------------------------- API names

@pytest.mark.parametrize("name", ["parse", "grad", "jacobian", "hessian", "derivative", "verify", "check"])
def test_api_names_stay_functions_after_use(name):
    """The API names stay functions: no stage module is named like one (parser, derivation,
    jacobians, verification, checking), so importing a module never rebinds a function."""
    r = api.grad("x^T A x", wrt="x")
    api.verify(r)
    api.check("tr(A X)", wrt="A", claim="X^T")
    api.derivative("A x", wrt="x")
    api.hessian("x^T x", wrt="x")
    fn = getattr(symmat, name)
    assert callable(fn), f"symmat.{name} is {fn!r}"
    calls = {"parse": ("x^T x",), "grad": ("x^T x", "x"), "jacobian": ("A x", "x"), "hessian": ("x^T x", "x"),
             "derivative": ("A x", "x"), "verify": (api.grad("x^T x", wrt="x"),),
             "check": ("tr(A X)", "A", "X^T")}
    fn(*calls[name])


# ----------------------------------------------------------------- mean: a size is not a variable

# Found by the fuzzer, fixed (expr.Size): the N of mean was Div(1, Var('n')), a variable named like the size.
def test_mean_size_is_not_a_variable():
    status, out, err = cli("grad", "mean(y)^2", "--wrt", "y")
    assert status == 0, err
    r = api.grad("mean(y)^2", wrt="y")
    assert all(v.name == "y" for v in r.result.variables()), r.result


def test_mean_gradient_values():
    for text, wrt, where in [("mean(y)", "y", None), ("n mean(x)", "x", "n: scalar"), ("mean(n)", "n", None)]:
        o = oracle(text, wrt, where=where)
        assert o.status == "ok", o


# Found by the fuzzer, fixed (expr.Size): mean of a matrix by a variable inside it raised DerivativeError 'not supported yet'.
def test_mean_of_a_matrix():
    assert oracle("mean(X)", "X").status == "ok"


# ----------------------------------------------------------------- the self-check's own numerics

# Found by the fuzzer, fixed in 3f63ff3: selfcheck.fd_gradient uses one step h = 1e-6 max(1, |x|):
# when |f| is large (a big constant term) the central difference is rounding noise and a right
# result is refused (exit 3)
@pytest.mark.parametrize("text", ["x^T x + 1000000000", "x^T x + exp(30)", "sum(1 ./ c) + det(P)^4 where P: 4x4"])
def test_selfcheck_large_constant(text):
    wrt = "c" if "c)" in text else "x"
    status, out, err = cli("grad", text, "--wrt", wrt)
    assert status == 0, err


# Was a strict xfail: tr(X^-64 X^64) = n printed a 64-term closed form that cancels only in exact
# arithmetic, because (X⁻ᵀ)ᵏ and (Xᵀ)ʲ were not seen as powers of one base, and X⁻ᵏ and (Xᵏ)⁻¹ were two
# forms of one factor. Fixed: mul_matrix_powers reads (X⁻ᵀ)ᵏ as (Xᵀ)⁻ᵏ, and (Xᵏ)⁻¹ is written X⁻ᵏ.
@pytest.mark.parametrize("text, grad", [("tr(X^-64 X^64)", "0"), ("tr(X^-3 X^3)", "0"),
                                        ("tr(X^-2 A X^3)", "A^T"), ("tr(X^3 X^-5)", "-2 (X^T)^{-3}")])
def test_cancelling_powers(text, grad):
    status, out, err = cli("grad", text, "--wrt", "X")
    assert status == 0, err + out
    assert f"df/dX = {grad}\n" in out, out   # cli() prints plain ASCII


# ----------------------------------------------------------------- huge numbers

# Found by the fuzzer, fixed in 3f63ff3: simplify.power_rules folds Const ** int(k) for any k:
# 2^1000000000 builds a 10^9-bit integer (hang); the parser's --max-power only limits matrix powers
@pytest.mark.parametrize("text", ["2^1000000000 x^T x", "(2^1000000000)^1000000000 λ"])
def test_huge_constant_power(text):
    p = subprocess_cli(["grad", text, "--wrt", "x" if "x" in text else "λ"], timeout=6)
    assert p.returncode in (0, 2) and b"Traceback" not in p.stderr


# Found by the fuzzer, fixed in 3f63ff3: printing a constant of more than 4300 digits raises
# ValueError (Python's int-to-str limit) → internal error, exit 3
def test_huge_constant_digits():
    status, out, err = cli("grad", "10^100000 λ", "--wrt", "λ")
    assert status in (0, 2), err


# Found by the fuzzer, fixed in 3f63ff3: a number literal of more than 4300 digits: Fraction(text)
# raises ValueError in the parser → internal error, exit 3
def test_huge_number_literal():
    status, out, err = cli("grad", "x^T x " + "9" * 5000, "--wrt", "x")
    assert status == 2 and err.startswith("symmat: "), err


# Found by the fuzzer, fixed in 3f63ff3: 0^-1 (a literal zero to a negative power) is division by
# zero but is accepted: grad prints 0^{-1}, verify exits 3
@pytest.mark.parametrize("text", ["0^-1 λ", "(0)^{-2} λ"])
def test_zero_to_negative_power(text):
    status, out, err = cli("grad", text, "--wrt", "λ")
    assert status == 2 and "zero" in err, out + err


# ----------------------------------------------------------------- unbounded work

def test_nested_kron_derivative_is_bounded():
    p = subprocess_cli(["derivative", "kron(kron(kron(A, B), C), D)", "--wrt", "A"], timeout=8)
    assert p.returncode in (0, 2)


# ----------------------------------------------------------------- command-line plumbing

# Found by the fuzzer, fixed in 3f63ff3: --wrt '' (or ',') gives no variable: DerivativeSet([])
# prints nothing and exits 0; derive._names should refuse an empty list
@pytest.mark.parametrize("wrt", ["", ",", " "])
def test_empty_wrt_is_bad_input(wrt):
    status, out, err = cli("grad", "x^T x", "--wrt", wrt)
    assert status == 2 and err.startswith("symmat: "), (status, out, err)


# Found by the fuzzer, fixed in 3f63ff3: cli._read uses sys.stdin.read(): with a strict UTF-8 stdin
# (the default outside the C/POSIX locale) invalid bytes raise UnicodeDecodeError → internal error,
# exit 3
def test_invalid_utf8_on_a_strict_stdin():
    p = subprocess_cli(["grad", "-", "--wrt", "x"], stdin=b"x^T \xff\xfe A x",
                       env_extra={"PYTHONIOENCODING": "utf-8:strict"})
    assert p.returncode == 2, p.stderr


# Found by the fuzzer, fixed in 3f63ff3: errors.caret echoes the input's control characters: ESC
# sequences (\x1b[2J clears the screen), \r, U+2028 reach the terminal
def test_control_characters_are_not_echoed():
    status, out, err = cli("grad", "x^T\x1b[2J\r (", "--wrt", "x")
    assert status == 2
    assert "\x1b" not in err and "\r" not in err, repr(err)


# Found by the fuzzer, fixed in 3f63ff3: on a stdout that cannot encode ∂, ᵀ, 𝟏
# (PYTHONIOENCODING=ascii, a cp1252 console) print raises UnicodeEncodeError → exit 3; fall back to
# --format ascii or errors='backslashreplace'
def test_non_utf8_stdout():
    p = subprocess_cli(["grad", "x^T A x", "--wrt", "x"], env_extra={"PYTHONIOENCODING": "ascii"})
    assert p.returncode == 0, p.stderr


# ----------------------------------------------------------------- fixed since found (kept as guards)

def test_size_names_do_not_collide_with_variables():
    """`n mean(x) where n: scalar` once printed (1/n) n 𝟏 (the size of x named n)."""
    r = api.grad("n mean(x) where n: scalar", wrt="x")
    sizes = {d for v in r.f.variables() for d in v.shape if isinstance(d, str)}
    assert "n" not in sizes, r.text()
    assert oracle("n mean(x)", "x", where="n: scalar").status == "ok"


def test_hessian_by_an_orthogonal_matrix_is_unconstrained():
    """The Hessian of log|det B| (B orthogonal) was once I (gradient simplified with B⁻¹ = Bᵀ)."""
    for text in ("log det(B)", "det(B)"):
        o = oracle(text, "B", kind="hessian", where="B: orthogonal")
        assert o.status == "ok", o


def test_report_module_imports_on_python_311():
    """report.py once had a backslash inside an f-string expression (Python ≥ 3.12 only)."""
    import importlib
    importlib.import_module("symmat.printing.notes")
    status, out, err = cli("grad", "x^T A x", "--wrt", "x", "--format", "markdown", "--steps")
    assert status == 0, err


def test_ones_matrix_reads_back():
    r = api.grad("sum(X)", wrt="X")
    assert api.check("sum(X)", wrt="X", claim=r.text()).ok


# Found by the fuzzer, fixed in 3f63ff3: shapes.Unifier.eq makes a declared size (n) point to a
# fresh one (_3) when the declared operand comes first; build._subst renames only fresh sizes, so `A
# + I where A: n×n` fails as 'cannot add A (n×n) and I (m×m)'. Keep the declared name as the
# representative.
@pytest.mark.parametrize("text", ["tr(A + I) where A: n×n", "a^T (a + 𝟏) where a: vector(n)",
                                  "x^T (x + ones) where x: vector(n)", "sum(A + 𝟏 𝟏^T) where A: n×m"])
def test_declared_size_unifies_with_identity_and_ones(text):
    status, out, err = cli("render", text)
    assert status == 0, err


# Found by the fuzzer, fixed in 3f63ff3: --verify-timeout nan / inf / 1e308 reach signal.setitimer /
# threading unchecked: ValueError or OverflowError → exit 3; the option should be a finite positive
# number (exit 2 otherwise)
@pytest.mark.parametrize("value", ["nan", "inf", "1e308"])
def test_verify_timeout_must_be_finite(value):
    status, out, err = cli("verify", "x^T A x", "--wrt", "x", "--verify-timeout", value)
    assert status == 2 and err.startswith("symmat: "), err


# Found by the fuzzer, fixed in 3f63ff3: an explicit matrix defined in terms of itself (X = [X b; c
# d]) reaches build.Typer.var before self.explicit exists: AttributeError → exit 3; refuse the cycle
# with a DeclarationError
def test_self_referential_explicit_matrix():
    status, out, err = cli("grad", "tr(X X)", "--wrt", "a", "--where", "X = [X b; c d]")
    assert status == 2 and err.startswith("symmat: "), err


# Found by the fuzzer, fixed in 3f63ff3: grad by a diagonal X treated it as symmetric ((A + Aᵀ)/2,
# off-diagonal entries no diagonal dM can reach) while jacobian/derivative kept only the diagonal.
def test_diagonal_convention():
    g = api.grad("tr(A M)", wrt="M", where="M: diagonal")
    rng = np.random.default_rng(0)
    A, M = rng.normal(size=(3, 3)), np.diag(rng.uniform(1, 2, size=3))
    G = g.evaluate({"A": A, "M": M})
    assert np.allclose(G, np.diag(np.diag(A))), G
    assert oracle("A M", "M", kind="derivative", where="M: diagonal").status == "ok"


def test_hessian_by_a_diagonal_matrix():
    status, out, err = cli("hessian", "tr(A M M)", "--wrt", "M", "--where", "M: diagonal")
    assert status == 0, err
    assert oracle("tr(A M M)", "M", kind="hessian", where="M: diagonal").status == "ok"


# Found by the fuzzer, fixed in 3f63ff3: simplify.trace_rules: tr(A + B) = tr(A) + tr(B) applied to
# a sum with a 1×1 term, which SPEC §1.2 adds to every entry: tr(A + s) became tr(A) + s instead of
# tr(A) + n s (a wrong gradient shown with exit 0 when the self-check's absolute tolerance misses
# it)
@pytest.mark.parametrize("text", ["exp(-3 tr(μ + V))", "tr(μ + V)^{-6}", "tr(V + μ)^{-4}", "tr(A - 1)^2"])
def test_trace_of_matrix_plus_scalar(text):
    wrt = "A" if "A" in text else "μ"
    status, out, err = cli("grad", text, "--wrt", wrt)
    assert status == 0, err
    assert oracle(text, wrt).status == "ok"


def test_simplify_keeps_the_broadcast_in_a_trace_value():
    from symmat.simplify import simplify
    e = api.parse("tr(A + θ) where A: 3x3")
    vals = {"A": np.arange(9.0).reshape(3, 3), "θ": 2.0}
    want = np.trace(vals["A"] + 2.0)
    try:
        got = simplify(e).evaluate(vals)
    except Exception:  # noqa: BLE001
        pytest.xfail("evaluate of the simplified form failed")
    if abs(got - want) > 1e-9:
        pytest.xfail(f"known (test_trace_of_matrix_plus_scalar): simplify(tr(A + θ)) = {simplify(e)} "
                     f"evaluates to {got}, not {want}")


# Found by the fuzzer, fixed in 3f63ff3: selfcheck compares |got − want| / (1 + |want|) entry by
# entry: an absolute tolerance of 1e-5 for small gradients, so a wrong result whose values are below
# ~1e-5 is shown (exit 0)
def test_selfcheck_is_relative_for_small_gradients():
    # The trace bug above makes this gradient wrong by a factor n; its value is ~1e-10.
    status, out, err = cli("grad", "exp(-3 tr(μ + V))", "--wrt", "μ")
    assert status != 0 or oracle("exp(-3 tr(μ + V))", "μ").status == "ok", out


def test_selfcheck_zero_derivative():
    status, out, err = cli("derivative", "(Z^{-1})^{-1} - Z", "--wrt", "Z", "--where", "Z: 3x3")
    assert status == 0, err


def test_long_products_are_refused_or_answered_quickly():
    text = "‖" + " ".join(["(X + A)"] * 30) + "‖_F^2"          # 245 characters
    status, out, err = cli("hessian", text, "--wrt", "X", "--derive-timeout", "5", timeout=10)
    assert status in (0, 2)
    assert status == 0 or "--derive-timeout" in err


def test_cancelled_sum_keeps_its_shape():
    status, out, err = cli("grad", "‖x + λ + μ - x‖", "--wrt", "λ")
    assert status == 0, err
    assert oracle("‖x + λ + μ - x‖", "λ").status == "ok"


@pytest.mark.parametrize("text", ["x^T (B x + x^T x)", "‖F w mean(w)‖^2"])
def test_common_factor_ignores_broadcast_terms(text):
    wrt = "w" if "w" in text else "x"
    status, out, err = cli("grad", text, "--wrt", wrt)
    assert status == 0, err
    assert oracle(text, wrt).status == "ok"


# Fixed by the self-check of issue 10: the error of the second differences is estimated from successive
# step sizes, and the step where it is least is used (18 sin(3λ)/cos(3λ)³ is accepted).
def test_selfcheck_second_differences_near_a_pole():
    status, out, err = cli("hessian", "tan(3 λ)", "--wrt", "λ")
    assert status == 0, err


@pytest.mark.parametrize("command", ["grad", "check"])
def test_huge_constant_power_is_refused_by_the_parser(command):
    """check '2^1000000000 x^T x' once reached SymPy, which failed converting a billion-bit integer."""
    extra = ["--claim", "x"] if command == "check" else []
    status, out, err = cli(command, "2^1000000000 x^T x", "--wrt", "x", *extra)
    assert status == 2 and "1000 digits" in err, err


# Negative matrix powers, now written X⁻ᵏ throughout: checked against the element-wise expansion
# and against central differences of an independent NumPy implementation.
@pytest.mark.parametrize("text", ["a^T X^-2 b", "tr(X^-3 A)", "tr((X^2)^-1 A X)"])
def test_negative_powers_right(text):
    r = symmat.grad(text, wrt="X")
    assert symmat.verify(r).ok
    rng = np.random.default_rng(7)
    v = {"X": rng.normal(size=(3, 3)) + 3 * np.eye(3), "A": rng.normal(size=(3, 3)),
         "a": rng.normal(size=3), "b": rng.normal(size=3)}
    inv = np.linalg.inv

    def f(X):
        return {"a^T X^-2 b": lambda: v["a"] @ inv(X) @ inv(X) @ v["b"],
                "tr(X^-3 A)": lambda: np.trace(inv(X @ X @ X) @ v["A"]),
                "tr((X^2)^-1 A X)": lambda: np.trace(inv(X @ X) @ v["A"] @ X)}[text]()
    g = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            e = np.zeros((3, 3))
            e[i, j] = 1e-6
            g[i, j] = (f(v["X"] + e) - f(v["X"] - e)) / 2e-6
    got = r.evaluate(v)   # names the expression does not use are ignored
    assert np.allclose(got, g, atol=1e-6), (got, g)


@pytest.mark.parametrize("text", ["(1 + diag(a))^2", "exp((1 + diag(a))^2)"])
def test_a_diagonal_does_not_distribute_into_a_broadcast_sum(text):
    """diag(b) (1 + diag(a)) was simplified to diag(b + b ⊙ a), as if 1 + diag(a) were diagonal: the 1
    is added to every entry (found by the anchored Jacobian walk's random tests; the self-check refused it)."""
    from symmat.simplify import simplify
    e = api.parse("diag(b) (1 + diag(a)) + (1 + diag(a)) diag(b)")
    assert "diag(2 b" not in str(simplify(e))
    assert oracle(text, "a", "derivative").status == "ok"
