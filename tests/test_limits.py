"""The limits of SPEC §1.4: each refuses with a message naming the limit and its option,
and raising it through that option lets the same input through.

| limit                         | default   | option             | API                          |
| ----------------------------- | --------- | ------------------ | ---------------------------- |
| characters of input           | 10,000    | --max-chars        | Limits(max_chars=…)          |
| nesting depth                 | 200       | --max-depth        | Limits(max_depth=…)          |
| integer matrix power          | 64        | --max-power        | Limits(max_power=…)          |
| verification size / dimension | 6         | --max-size         | verify(…, max_size=…)        |
| one verification              | 60 s      | --verify-timeout   | verify(…, timeout=…)         |
| simplification rewrites       | 200,000   | --max-rewrites     | simplify(…, max_rewrites=…)  |
"""

import pytest

import gen
import symmat
from symmat import api
from symmat.reading.build import Limits


def run(*argv, timeout=60.0):
    status, out, err, seconds, hung = gen.run_cli(list(argv), timeout=timeout)
    assert not hung, f"hang: {argv!r}"
    assert "Traceback" not in err, err
    return status, out, err


def refused(argv, limit_text, option):
    status, out, err = run(*argv)
    assert status == 2, f"exit {status} for {argv!r}: {out}{err}"
    first = err.splitlines()[0]
    assert first.startswith("symmat: "), err
    assert limit_text in err, f"the message does not name the limit {limit_text!r}: {err}"
    assert option in err, f"the message does not name the option {option}: {err}"
    return err


def accepted(argv):
    status, out, err = run(*argv)
    assert status == 0, f"exit {status} for {argv!r}: {err}"
    return out


# ----------------------------------------------------------------- --max-chars (10,000)

LONG = " + ".join(["x^T x"] * 1300)          # 10,397 characters


def test_defaults():
    lim = Limits()
    assert (lim.max_chars, lim.max_depth, lim.max_power) == (10_000, 200, 64)


def test_max_chars_refuses_and_names_the_option():
    assert len(LONG) > 10_000
    refused(["grad", LONG, "--wrt", "x"], "10,000", "--max-chars")


def test_max_chars_at_the_limit_is_accepted():
    text = "x^T x" + " " * (10_000 - 5)
    assert len(text) == 10_000
    accepted(["grad", text, "--wrt", "x"])


def test_max_chars_raised():
    out = accepted(["grad", LONG, "--wrt", "x", "--max-chars", "20000"])
    assert "x" in out


def test_max_chars_in_the_api():
    with pytest.raises(symmat.LimitError, match="max-chars"):
        api.grad(LONG, wrt="x")
    assert api.grad(LONG, wrt="x", limits=Limits(max_chars=20_000)).result is not None


def test_max_chars_counts_the_where_option_too():
    where = ", ".join(f"A{i}: symmetric" for i in range(800))
    assert len(where) > 10_000
    status, out, err = run("grad", "x^T A0 x", "--wrt", "x", "--where", where)
    assert status in (0, 2), err
    if status == 2:
        assert "--max-chars" in err, err


# ----------------------------------------------------------------- --max-depth (200)

def nested(n):
    return "(" * n + "x^T x" + ")" * n


def calls(n):
    return "exp(" * n + "x^T x" + ")" * n


@pytest.mark.parametrize("make", [nested, calls])
def test_max_depth_refuses_and_names_the_option(make):
    refused(["grad", make(400), "--wrt", "x"], "200", "--max-depth")


def test_max_depth_raised():
    accepted(["grad", calls(400), "--wrt", "x", "--max-depth", "1000"])


def test_max_depth_in_the_api():
    with pytest.raises(symmat.LimitError, match="max-depth"):
        api.grad(calls(400), wrt="x")
    api.grad(calls(400), wrt="x", limits=Limits(max_depth=1000))


def test_depth_far_beyond_the_recursion_limit_is_refused_cleanly():
    """With the limit raised absurdly, Python's own recursion limit still ends in exit 2."""
    status, out, err = run("grad", calls(3000), "--wrt", "x", "--max-depth", "100000",
                           "--max-chars", "100000")
    assert status in (0, 2), err
    if status == 2:
        assert "--max-depth" in err, err


# ----------------------------------------------------------------- --max-power (64)

@pytest.mark.parametrize("text", ["tr(X^65)", "tr(X^{-65})", "tr(X^1000000)"])
def test_max_power_refuses_and_names_the_option(text):
    refused(["grad", text, "--wrt", "X"], "64", "--max-power")


def test_max_power_at_the_limit_is_accepted():
    accepted(["grad", "tr(X^64)", "--wrt", "X"])


def test_max_power_raised():
    out = accepted(["grad", "tr(X^65)", "--wrt", "X", "--max-power", "65"])
    assert "64" in out


def test_max_power_in_the_api():
    with pytest.raises(symmat.LimitError, match="max-power"):
        api.grad("tr(X^65)", wrt="X")
    api.grad("tr(X^65)", wrt="X", limits=Limits(max_power=65))


def test_scalar_powers_are_not_matrix_powers():
    accepted(["grad", "λ^1000", "--wrt", "λ"])


# ----------------------------------------------------------------- --max-size (6 per dimension)

def test_max_size_refuses_a_requested_size():
    refused(["verify", "tr(A X)", "--wrt", "A", "--size", "n=7"], "6", "--max-size")


def test_max_size_refuses_a_declared_size():
    refused(["verify", "tr(A) where A: 7x7", "--wrt", "A"], "6", "--max-size")


def test_max_size_raised():
    accepted(["verify", "tr(A X)", "--wrt", "A", "--size", "n=7", "--max-size", "7"])


def test_max_size_with_grad_verify():
    refused(["grad", "tr(A) where A: 7x7", "--wrt", "A", "--verify"], "6", "--max-size")
    accepted(["grad", "tr(A) where A: 7x7", "--wrt", "A", "--verify", "--max-size", "7"])


def test_max_size_in_the_api():
    r = api.grad("tr(A) where A: 7x7", wrt="A")
    with pytest.raises(symmat.LimitError, match="max-size"):
        api.verify(r)
    assert api.verify(r, max_size=7).ok


# ----------------------------------------------------------------- --verify-timeout (60 s)

SLOW = "det(X^3) tr(X^4)"   # about half a second of SymPy at the default sizes


def test_verify_timeout_refuses_and_names_the_option():
    refused(["verify", SLOW, "--wrt", "X", "--verify-timeout", "0.05"], "0.05", "--verify-timeout")


def test_verify_timeout_raised():
    accepted(["verify", SLOW, "--wrt", "X", "--verify-timeout", "60"])


def test_verify_timeout_in_the_api():
    r = api.grad(SLOW, wrt="X")
    with pytest.raises(symmat.LimitError, match="verify-timeout"):
        api.verify(r, timeout=0.05)
    assert api.verify(r, timeout=60).ok


def test_verify_default_timeout_is_60_seconds():
    import inspect
    assert inspect.signature(api.verify).parameters["timeout"].default == 60.0


# ----------------------------------------------------------------- --max-rewrites (200,000)

def test_simplifier_budget_names_the_option():
    from symmat.simplify import simplify
    e = api.parse("(A + A^T) x + (B + B^T) x + 2 A x - 2 A x")
    with pytest.raises(symmat.LimitError, match="--max-rewrites"):
        simplify(e, max_rewrites=1)


def test_max_rewrites_option_is_used():
    refused(["grad", "x^T A x + x^T B x + x^T A x", "--wrt", "x", "--max-rewrites", "1"],
            "1 rewrites", "--max-rewrites")


def test_max_rewrites_in_the_limits():
    assert Limits().max_rewrites == 200_000
    with pytest.raises(symmat.LimitError, match="max-rewrites"):
        api.grad("x^T A x + x^T B x", wrt="x", limits=Limits(max_rewrites=1))


def test_derive_timeout_refuses_a_long_derivation_and_the_option_raises_it():
    text = "1/2 ||W4 σ(W3 σ(W2 σ(W1 x))) - y||^2"
    status, out, err = run("hessian", text, "--wrt", "W1", "--derive-timeout", "0.001")
    assert status == 2 and "--derive-timeout" in err and "Traceback" not in err, err
    status, out, err = run("hessian", text, "--wrt", "W1", "--derive-timeout", "60")
    assert status == 0, err
