"""The Python API raises only SymmatError (SPEC §1.4, issue 10).

The bad calls of issue 10 each get a SymmatError subclass with a message that
names the argument; then Hypothesis throws arguments of every type at every
API function and asserts that nothing but a SymmatError comes out (a call may
also succeed: a string is often a fine expression).
"""

import datetime
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symmat
from symmat import DerivativeError, LimitError, ShapeError, SymmatError
from symmat.reading import Limits

R = symmat.grad("tr(A X)", wrt="A")


@pytest.mark.parametrize("call,cls,words", [
    (lambda: symmat.grad("tr(A X)", wrt=None), DerivativeError, "wrt must be a name"),
    (lambda: symmat.grad("tr(A X)", wrt=5), DerivativeError, "not int 5"),
    (lambda: symmat.grad("tr(A X)", wrt=b"x"), DerivativeError, "not bytes"),
    (lambda: symmat.grad("tr(A X)", wrt=[1]), DerivativeError, "wrt must be a name"),
    (lambda: symmat.grad("x^T x", wrt="x", limits="big"), LimitError, "limits must be"),
    (lambda: symmat.grad("x^T x", wrt="x", limits={"max_depht": 3}), LimitError, "unknown limit max_depht"),
    (lambda: symmat.grad("x^T x", wrt="x", limits=Limits(max_depth="deep")), LimitError, "max_depth"),
    (lambda: symmat.grad("x^T x", wrt="x", check="no"), DerivativeError, "check must be True or False"),
    (lambda: symmat.parse("x", limits=5), LimitError, "limits must be"),
    (lambda: symmat.verify(None), DerivativeError, "verify takes a result"),
    (lambda: symmat.verify("tr(A X)"), DerivativeError, "not str"),
    (lambda: symmat.verify(R, sizes=[2, 3]), ShapeError, "sizes must be a dict"),
    (lambda: symmat.verify(R, sizes="n"), ShapeError, "name=number pairs"),
    (lambda: symmat.verify(R, sizes="m=2,n=4,m=3"), ShapeError, "m is given twice, as 2 and as 3"),
    (lambda: symmat.verify(R, sizes={"n": 2.5}), ShapeError, "whole number"),
    (lambda: symmat.verify(R, timeout=None), LimitError, "timeout must be a positive number"),
    (lambda: symmat.verify(R, timeout=math.nan), LimitError, "timeout"),
    (lambda: symmat.verify(R, max_size="6"), LimitError, "max_size"),
    (lambda: symmat.check("tr(A X)", wrt=5, claim="X^T"), DerivativeError, "wrt must be the name"),
    (lambda: symmat.check("tr(A X)", wrt="A", claim="X^T", timeout="x"), LimitError, "timeout"),
    (lambda: symmat.parse("lambda x").evaluate({"lambda": 10**400, "x": [1.0]}), SymmatError, "too large"),
    (lambda: symmat.parse("tr(I)").evaluate({"n": 10**9}), LimitError, "n = 1000000000"),
    (lambda: symmat.parse("tr(I)").evaluate({"n": 0}), ShapeError, "positive"),
    (lambda: symmat.parse("x^T x").evaluate({"x": np.array([1 + 1j, 2])}), SymmatError, "complex"),
    (lambda: symmat.parse("x^T x").evaluate({"x": np.array(["2020-01-01"], dtype="datetime64[D]")}),
     SymmatError, "datetime64"),
    (lambda: symmat.parse("x^T x").evaluate({"x": [datetime.date(2020, 1, 1)]}), SymmatError, "not a number"),
    (lambda: symmat.parse("lambda x").evaluate({"lambda": None, "x": [1.0]}), SymmatError, "None"),
    (lambda: symmat.parse("x^T x").evaluate({"x": [1.0, None]}), SymmatError, "None"),
    (lambda: symmat.parse("x^T x").evaluate({"x": "12"}), SymmatError, "not a number"),
    (lambda: symmat.parse("x^T x").evaluate({1: [1.0]}), SymmatError, "strings"),
    (lambda: R.evaluate(None), SymmatError, "dict"),
    (lambda: R.to_numpy(name=5), SymmatError, "identifier"),
])
def test_the_bad_calls_of_issue_10(call, cls, words):
    with pytest.raises(cls, match=words.replace("(", r"\(").replace("[", r"\[")):
        call()


def test_sizes_as_text_work_like_the_command_line():
    assert symmat.verify(R, sizes="m=2,n=3").ok
    assert symmat.verify(R, sizes={"m": np.int64(2), "n": 3}).ok


def test_limits_as_a_dict():
    assert symmat.grad("x^T x", wrt="x", limits={"max_depth": 400}).result is not None


# ----------------------------------------------------------------- Hypothesis: anything in, SymmatError out

ODD = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30), st.just(10**400),
    st.floats(allow_nan=True, allow_infinity=True), st.complex_numbers(max_magnitude=1e6),
    st.text(max_size=12), st.binary(max_size=6), st.just(""), st.just("x"), st.just("A"),
    st.lists(st.integers(-3, 3), max_size=3), st.tuples(st.integers(), st.text(max_size=2)),
    st.dictionaries(st.text(max_size=3), st.integers(-2, 7), max_size=3), st.just(object()),
    st.just(datetime.date(2020, 1, 1)), st.just(np.array([1 + 2j])), st.just(np.array(["a"])),
    st.just(np.datetime64("2020-01-01")), st.just(Limits()), st.just(Limits(max_depth=-1)),
    st.just(R), st.just(symmat.parse("x")),
)
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def only_symmat_errors(call):
    """Run `call`; it may succeed or raise a SymmatError, nothing else."""
    try:
        call()
    except SymmatError as e:
        assert str(e), "a SymmatError needs a message"
    except Exception as e:   # noqa: BLE001 - the point of the test
        pytest.fail(f"{type(e).__name__} leaked: {e}")


DERIVE_ARGS = {"f": "x^T A x", "wrt": "x", "where": None, "layout": "mixed", "symmetric": "sym",
               "limits": None, "check": False}


@pytest.mark.parametrize("fn", ["grad", "jacobian", "hessian", "derivative"])
@pytest.mark.parametrize("arg", list(DERIVE_ARGS))
@SETTINGS
@given(value=ODD)
def test_derive_functions(fn, arg, value):
    kw = {**DERIVE_ARGS, arg: value}
    only_symmat_errors(lambda: getattr(symmat, fn)(**kw))


@pytest.mark.parametrize("arg", ["text", "where", "limits"])
@SETTINGS
@given(value=ODD)
def test_parse(arg, value):
    kw = {"text": "tr(A X)", "where": None, "limits": None, arg: value}
    only_symmat_errors(lambda: symmat.parse(**kw))


@pytest.mark.parametrize("arg", ["result", "sizes", "elements", "timeout", "max_size"])
@SETTINGS
@given(value=ODD)
def test_verify(arg, value):
    kw = {"result": R, "sizes": None, "elements": False, "timeout": 20.0, "max_size": 3, arg: value}
    only_symmat_errors(lambda: symmat.verify(**kw))


CHECK_ARGS = {"f": "tr(A X)", "wrt": "A", "claim": "X^T", "where": None, "layout": "mixed",
              "symmetric": "sym", "limits": None, "timeout": 20.0, "max_size": 3}


@pytest.mark.parametrize("arg", list(CHECK_ARGS))
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(value=ODD)
def test_check(arg, value):
    kw = {**CHECK_ARGS, arg: value}
    only_symmat_errors(lambda: symmat.check(**kw))


@SETTINGS
@given(values=st.one_of(ODD, st.dictionaries(st.sampled_from(["A", "X", "n", "m", "W_2", "lambda"]), ODD,
                                             max_size=3)))
def test_evaluate(values):
    only_symmat_errors(lambda: symmat.parse("tr(A X)").evaluate(values))
    only_symmat_errors(lambda: R.evaluate(values))
    only_symmat_errors(lambda: symmat.parse("lambda tr(I)").evaluate(values))


@SETTINGS
@given(name=ODD)
def test_to_numpy(name):
    only_symmat_errors(lambda: R.to_numpy(name=name))


def test_cli_refuses_contradictory_sizes(capsys):
    from symmat.cli import main
    assert main(["verify", "tr(A X)", "--wrt", "A", "--size", "m=2,n=4,m=3"]) == 2
    err = capsys.readouterr().err
    assert "m is given twice, as 2 and as 3" in err and "Traceback" not in err
    assert main(["verify", "tr(A X)", "--wrt", "A", "--size", "m=2,n=4,m=2"]) == 0


@pytest.mark.parametrize("f,wrt", [("exp(mean(y ./ y))", "y"), ("||X - X||_1", "X"),
                                   ("tr(diag(z ./ z))", "z")])
def test_a_function_whose_differential_cancels_has_gradient_zero(f, wrt):
    """Found by the names-as-typed fuzz run: 55 of 10,000 valid inputs were refused with
    'a sum needs two terms' when the differential shown simplified to 0."""
    r = symmat.grad(f, wrt=wrt)
    assert str(r) == "0"


DERIVATION = "df = dx^T A x + x^T A dx\n= x^T (A + A^T) dx\n∂f/∂x = (A + A^T) x"
DERIVATION_ARGS = {"f": "x^T A x", "wrt": "x", "text": DERIVATION, "where": None, "layout": "mixed",
                   "kind": None, "limits": None}


@pytest.mark.parametrize("arg", list(DERIVATION_ARGS))
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(value=ODD)
def test_check_derivation(arg, value):
    from symmat import api
    kw = {**DERIVATION_ARGS, arg: value}
    only_symmat_errors(lambda: api.check_derivation(**kw))


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(value=ODD)
def test_check_kind(value):
    only_symmat_errors(lambda: symmat.check("x^T A x", wrt="x", claim="A + A^T", kind=value))


def test_canonical_keys_is_the_one_door_for_names():
    from symmat.tree.names import canonical_keys
    assert canonical_keys({"W_2": 1, "lambda": 2, "mu_0": 3}) == {"W2": 1, "λ": 2, "μ0": 3}
    with pytest.raises(SymmatError, match="W2 is given twice"):
        canonical_keys({"W_2": 1, "W_{2}": 2})
    with pytest.raises(SymmatError, match="must be strings"):
        canonical_keys({2: 1})


@pytest.mark.parametrize("f,wrt,shape", [("sum(softmax(‖diag(N)‖ ⊗ (D (w ./ w))))", "w", 1),
                                         ("-sum(-(Q ⊗ (L ./ L)))", "L", 2)])
def test_a_cancelled_gradient_has_the_variables_shape(f, wrt, shape):
    """The 10,000-case fuzz run: a differential with no terms left gave a 1×1 zero for a vector or
    matrix, which the self-check then refused as a bug (exit 3)."""
    r = symmat.grad(f, wrt=wrt)
    assert str(r) == "0" and len(r.shape) == 2 and r.shape == r.wrt.shape
