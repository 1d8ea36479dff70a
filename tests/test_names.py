"""Names as typed (SPEC §1.1): every spelling is accepted wherever a name is taken,
and results print the name the way the user first wrote it."""

import json

import numpy as np
import pytest

import symmat
from symmat.cli import main
from symmat.printing.notes import render_result
from symmat.printing.text import to_text
from symmat.tree.names import canonical, display_spelling

RNG = np.random.default_rng(7)


def cli(capsys, *argv):
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("typed,canon,shown", [
    ("W_2", "W2", "W_2"), ("W_{2}", "W2", "W_2"), ("W₂", "W2", "W_2"), ("W2", "W2", "W2"),
    ("mu0", "μ0", "μ0"), ("mu_0", "μ0", "μ_0"), ("\\mu_0", "μ0", "μ_0"), ("lambda", "λ", "λ"),
    ("theta_1", "θ1", "θ_1"), ("X_{train}", "X_train", "X_train"), ("\\hat{y}", "y_hat", "y_hat"),
])
def test_display_spelling_reads_back_as_the_same_name(typed, canon, shown):
    assert canonical(typed) == canon
    assert display_spelling(typed) == shown
    assert canonical(shown) == canon


@pytest.mark.parametrize("wrt", ["W_2", "W_{2}", "W2", "W₂"])
def test_wrt_takes_every_spelling(wrt):
    r = symmat.grad("tr(W_2 X)", wrt=wrt)
    assert str(r) == "Xᵀ"
    assert r.heading().startswith("gradient by W_2,")


def test_result_prints_the_name_as_first_typed():
    r = symmat.grad("tr(W_2 X)", wrt="W_2")
    text = render_result(r, "text")
    assert text.splitlines()[:2] == ["f = tr(W_2 X)", "∂f/∂W_2 = Xᵀ"]
    assert "\\partial W_{2}" in render_result(r, "latex")
    data = json.loads(render_result(r, "json"))
    assert data["wrt"] == "W_2" and data["function"] == "tr(W_2 X)"
    assert "W_2" in render_result(r, "markdown")
    r2 = symmat.grad("tr(W2 X)", wrt="W_2")            # typed W2 first: W2 it stays
    assert render_result(r2, "text").splitlines()[:2] == ["f = tr(W2 X)", "∂f/∂W2 = Xᵀ"]


def test_the_result_mentions_the_name_in_the_derivative():
    r = symmat.grad("tr(W_2 X)", wrt="X")
    assert str(r) == "W_2ᵀ" and r.latex() == "W_{2}^{\\top}"
    assert r.text(ascii=True) == "W_2^T"


def test_the_parsed_expression_prints_as_typed_and_reads_back():
    e = symmat.parse("tr(W_2 X) + mu_0^T x + lambda theta_1", where="mu_0: vector")
    assert str(e) == "tr(W_2 X) + μ_0ᵀ x + λ θ_1"
    assert symmat.parse(str(e), where="mu0: vector") == e
    assert to_text(e, ascii=True) == "tr(W_2 X) + mu_0^T x + lambda theta_1"
    assert symmat.parse(to_text(e, ascii=True), where="mu0: vector") == e
    assert "W_{2}" in e.latex() and "\\mu_{0}" in e.latex()


def test_one_name_spelled_twice_is_one_variable():
    e = symmat.parse("tr(W_2 X) + tr(W2 X)")
    assert len(e.variables()) == 2
    assert str(e).count("W_2") == 2      # the first spelling wins throughout


@pytest.mark.parametrize("key", ["W_2", "W2", "W_{2}"])
def test_evaluate_takes_every_spelling(key):
    W, X = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 2))
    r = symmat.grad("tr(W_2 X)", wrt="X")
    assert np.allclose(r.evaluate({key: W, "X": X}), W.T)
    assert np.isclose(symmat.parse("tr(W_2 X)").evaluate({key: W, "X": X}), np.trace(W @ X))


def test_evaluate_refuses_one_name_given_twice():
    W = np.ones((2, 2))
    with pytest.raises(symmat.SymmatError, match="given twice"):
        symmat.parse("tr(W_2)").evaluate({"W_2": W, "W2": W + 1})


def test_a_missing_value_is_named_as_typed():
    r = symmat.grad("tr(W_2 X)", wrt="X")
    with pytest.raises(symmat.SymmatError, match="no value given for W_2"):
        r.evaluate({"X": np.ones((2, 2))})


def test_greek_names_with_digits_everywhere():
    r = symmat.grad("mu0^T x", wrt="mu0", where="mu0: vector")
    assert str(r) == "x" and r.heading().startswith("gradient by μ0")
    assert np.allclose(r.evaluate({"mu0": [1.0, 2.0], "x": [3.0, 4.0]}), [3.0, 4.0])
    assert np.allclose(r.evaluate({"μ0": [1.0, 2.0], "x": [3.0, 4.0]}), [3.0, 4.0])
    r = symmat.grad("mu_0^T x", wrt="\\mu_0", where="μ0: vector")
    assert render_result(r, "text").splitlines()[1] == "∂f/∂μ_0 = x"


def test_not_occurring_lists_the_names_as_typed():
    with pytest.raises(symmat.SymmatError, match=r"W_3 does not occur .*W_2, X"):
        symmat.grad("tr(W_2 X)", wrt="W_3")


def test_cli_names_as_typed(capsys):
    status, out, _ = cli(capsys, "grad", "tr(W_2 X)", "--wrt", "W_2")
    assert status == 0 and out.splitlines()[:2] == ["f = tr(W_2 X)", "∂f/∂W_2 = Xᵀ"]
    status, out, _ = cli(capsys, "grad", "mu0^T A mu0", "--where", "mu0: vector", "--wrt", "mu0")
    assert status == 0 and "∂f/∂μ0 = (A + Aᵀ) μ0" in out
    status, out, _ = cli(capsys, "verify", "tr(W_2 X)", "--wrt", "W_2", "--size", "m=2,n=3")
    assert status == 0 and "verified" in out


@pytest.mark.parametrize("argv,heading", [
    (["grad", "tr(Sigma X)", "--wrt", "Sigma"], "df/dSigma = X^T"),
    (["grad", "lambda x^T x", "--wrt", "lambda"], "df/dlambda = x^T x"),
    (["grad", "x^T Sigma x", "--wrt", "x", "--steps"], "df/dx = (Sigma + Sigma^T) x"),
])
def test_ascii_spells_greek_out_and_reads_back(argv, heading, capsys):
    status, out, _ = cli(capsys, *argv, "--format", "ascii")
    assert status == 0 and out.isascii()
    lines = out.splitlines()
    assert lines[1] == heading
    assert "sum" not in lines[1] and "\\u" not in out
    f = lines[0].removeprefix("f = ")
    assert symmat.parse(f) == symmat.parse(argv[1])
    r = symmat.grad(argv[1], wrt=argv[3])
    assert symmat.parse(heading.split(" = ", 1)[1]) == r.result


def test_fuzz_names_as_typed_finds_no_mismatch():
    """benchmarks/fuzz.py's typed-names layer: random cases, renamed to typed spellings
    (W_{3}, x_hat, \\theta_1, mu_0, Sigma_2 …), given as text: no name mismatch."""
    import importlib.util
    import pathlib
    import random
    import sys
    here = pathlib.Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    spec = importlib.util.spec_from_file_location("fuzz", here.parent / "benchmarks" / "fuzz.py")
    fuzz = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzz)
    statuses = []
    for i in range(40):
        case = fuzz.gen.random_case(random.Random(f"names-{i}"), "scalar", max_depth=3)
        out = fuzz.typed_case(i, 0, case, "grad", 10.0)
        assert out.status != "name-mismatch", out.detail
        statuses.append(out.status)
    assert statuses.count("ok") >= 30, statuses


def test_check_reports_names_as_typed(capsys):
    report = symmat.check("tr(W_2 X)", wrt="W_{2}", claim="X")
    assert not report.ok and report.wrt == "W_2"
    text = report.text()
    assert "∂f/∂W_2" in text and "W2" not in text
    assert json.loads(json.dumps(report.to_data(), ensure_ascii=False))["wrt"] == "W_2"
    assert "\\partial W_{2}" in report.latex()
    status, out, _ = cli(capsys, "check", "tr(W_2 X)", "--wrt", "W2", "--claim", "X^T")
    assert status == 0 and out.splitlines()[:2] == [
        "f = tr(W_2 X)", "✓ right: Xᵀ is ∂f/∂W_2 (mixed layout), decided symbolically (the difference simplifies to 0)"]


def test_spellings_stay_with_their_result():
    a, b = symmat.grad("tr(W_2 X)", wrt="X"), symmat.grad("tr(W2 X)", wrt="X")
    assert (str(a), str(b)) == ("W_2ᵀ", "W2ᵀ")


@pytest.mark.parametrize("kind,f,wrt,symbol", [
    ("hessian", "x_1^T A x_1", "x1", "∂²f/∂x_1∂x_1ᵀ = A + Aᵀ"),
    ("jacobian", "W_2 x", "x", "∂f/∂x = W_2"),
    ("derivative", "A X_{3} B", "X_3", "∂vec(F)/∂vec(X_3) = Bᵀ ⊗ A"),
])
def test_every_kind_names_the_variable_as_typed(kind, f, wrt, symbol):
    r = getattr(symmat, kind)(f, wrt=wrt)
    assert render_result(r, "text").splitlines()[1] == symbol
