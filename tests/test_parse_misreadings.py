"""Issue 10, the reading stage: what is typed is what is differentiated.

Each example of the issue through the API (`symmat.parse`, `symmat.grad`) and the
command line (`symmat.cli.main`: exit 2 and one clear line for bad input).
"""

from fractions import Fraction

import numpy as np
import pytest

import symmat
from symmat.cli import main
from symmat.reading import reading_notes
from symmat.tree import expr as E


def cli(capsys, *argv):
    """(exit status, stdout, stderr) of one command line."""
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def same(a, b):
    """Two texts read as the same tree."""
    return symmat.parse(a) == symmat.parse(b)


# ----------------------------------------------------------------- brackets around juxtaposed letters

@pytest.mark.parametrize("text,means,not_this", [
    ("(AB)^T", "(A B)^T", "A B^T"),
    ("(AB)^{-1}", "(A B)^{-1}", "A B^{-1}"),
    ("(Ax).^2", "(A x).^2", "A x.^2"),
    ("(HH)'", "(H H)^T", "H H^T"),
    ("(AB)^2", "(A B)^2", "A B^2"),
    ("(AB)^{-T}", "(A B)^{-T}", "A B^{-T}"),
])
def test_brackets_around_a_run_of_letters_are_kept(text, means, not_this):
    assert same(text, means)
    assert not same(text, not_this)


def test_a_postfix_on_an_unbracketed_run_still_binds_its_last_letter():
    assert same("Axx^T", "A x x^T")
    assert same("X^TA^TAX", "X^T A^T A X")


def test_trace_of_a_bracketed_transpose_by_A():
    r = symmat.grad("tr((AB)^T C)", wrt="A")
    assert str(r.result) == "C Bᵀ"


def test_check_accepts_the_right_answer_for_a_bracketed_run():
    assert symmat.check("tr((HH)')", wrt="H", claim="2 H^T").ok


def test_cli_prints_the_right_gradient(capsys):
    status, out, _ = cli(capsys, "grad", "tr((AB)^T C)", "--wrt", "A")
    assert status == 0
    assert "C Bᵀ" in out and "Cᵀ B" not in out


# ----------------------------------------------------------------- numbers

@pytest.mark.parametrize("text,value", [
    ("1e-8", Fraction(1, 10**8)), ("2.5E3", Fraction(2500)), ("1e5", Fraction(10**5)),
    ("1e+2", Fraction(100)), (".5e1", Fraction(5)), ("3", Fraction(3)), ("0.25", Fraction(1, 4)),
])
def test_scientific_notation_is_a_number(text, value):
    e = symmat.parse(text)
    assert isinstance(e, E.Const) and e.value == value


def test_a_small_constant_inside_log_is_not_a_vector_e():
    r = symmat.grad("sum(log(x + 1e-8))", wrt="x")
    assert {v.name for v in r.f.variables()} == {"x"}
    x = np.array([0.5, 2.0, 3.0])
    assert np.allclose(r.evaluate({"x": x}), 1 / (x + 1e-8))


@pytest.mark.parametrize("text", ["1.2.3", "x + 1.2.3", "0.5.5 x"])
def test_two_decimal_points_are_a_syntax_error(text):
    with pytest.raises(symmat.ParseError) as info:
        symmat.parse(text)
    assert "1.2.3" in str(info.value) or "0.5.5" in str(info.value)
    assert "^" in str(info.value).splitlines()[-1]    # the caret line


def test_cli_refuses_two_decimal_points_with_exit_2(capsys):
    status, out, err = cli(capsys, "grad", "x + 1.2.3", "--wrt", "x")
    assert status == 2 and out == ""
    assert err.startswith("symmat: ") and "not a number" in err.splitlines()[0]


@pytest.mark.parametrize("text,k", [(r"x^{\frac{1}{2}}", Fraction(1, 2)), (r"x^{-\frac{3}{2}}", Fraction(-3, 2)),
                                    (r"x^{\frac12}", Fraction(1, 2)), (r"x^\tfrac{2}{3}", Fraction(2, 3)),
                                    (r"x^\frac{1}{3}", Fraction(1, 3)), (r"x.^{\frac{1}{2}}", Fraction(1, 2))])
def test_a_fraction_exponent_is_a_number(text, k):
    e = symmat.parse(text + " where x: scalar")
    assert e.params[-1] == k or getattr(e, "k", None) == k or Fraction(e.params[0]) == k


@pytest.mark.parametrize("text", [r"\frac12", r"\frac 1 2", r"\tfrac{1}{2}", r"\dfrac12", "(1/2)", "0.5"])
def test_the_tex_shorthand_frac12_is_one_half(text):
    assert symmat.parse(f"{text} x^T x") == symmat.parse("1/2 x^T x")


def test_gradient_with_a_fraction_exponent(capsys):
    r = symmat.grad(r"(x^T x)^{\frac{1}{2}}", wrt="x")
    x = np.array([3.0, 4.0])
    assert np.allclose(r.evaluate({"x": x}), x / 5)
    status, out, _ = cli(capsys, "grad", r"(x^T x)^{\frac{1}{2}}", "--wrt", "x")
    assert status == 0


# ----------------------------------------------------------------- divisors

@pytest.mark.parametrize("text,wrt", [
    ("1/(2 m) ||x||^2", "x"), (r"\frac{1}{2m} ||x||^2", "x"), (r"\frac{1}{2n}\|Xw-y\|^2", "w"),
    ("x^T x / (n - 1)", "x"), ("1/(m n) sum(x)", "x"),
])
def test_a_lower_case_letter_in_a_divisor_is_a_scalar(text, wrt):
    r = symmat.grad(text, wrt=wrt)
    scalars = {v.name for v in r.f.variables() if v.is_scalar}
    assert scalars & {"m", "n"}


def test_the_divisor_rule_gives_the_right_gradient():
    r = symmat.grad(r"\frac{1}{2n}\|Xw-y\|^2", wrt="w")
    X, w, y = np.arange(6.0).reshape(3, 2), np.array([1.0, -1.0]), np.array([1.0, 2.0, 0.0])
    assert np.allclose(r.evaluate({"X": X, "w": w, "y": y, "n": 3}), X.T @ (X @ w - y) / 3)


@pytest.mark.parametrize("text", ["x / (x^T x)", "1/(1 + exp(-w^T x)) + sum(x)", "1/(w^T w) x",
                                  "(x^T A x) / (x^T x) + sum(x)"])
def test_a_divisor_that_is_not_numbers_and_letters_leaves_names_to_their_spelling(text):
    e = symmat.parse(text)
    assert all(not v.is_scalar for v in e.variables())


@pytest.mark.parametrize("text", ["x^T x / A", "tr(X / Y)", "1/N sum(x)"])
def test_an_undeclared_upper_case_divisor_is_refused(text):
    with pytest.raises(symmat.ShapeError) as info:
        symmat.parse(text)
    assert "cannot divide by" in str(info.value) and ": scalar" in str(info.value)


def test_a_declared_scalar_upper_case_divisor_is_fine():
    assert symmat.parse("1/N sum(x) where N: scalar").is_scalar


def test_cli_refuses_an_upper_case_divisor(capsys):
    status, out, err = cli(capsys, "grad", "x^T x / A", "--wrt", "x")
    assert status == 2 and out == ""
    assert err.splitlines()[0].startswith("symmat: cannot divide by A")


# ----------------------------------------------------------------- hints

def test_a_constant_added_to_a_scalar_suggests_declaring_it_scalar(capsys):
    with pytest.raises(symmat.SymmatError) as info:
        symmat.grad("x^T A x + b^T x + c", wrt="x")
    assert "declare c: scalar" in str(info.value)
    status, _, err = cli(capsys, "grad", "x^T A x + b^T x + c", "--wrt", "x")
    assert status == 2 and "declare c: scalar" in err
    assert symmat.grad("x^T A x + b^T x + c", wrt="x", where="c: scalar").result.shape[1] == 1


@pytest.mark.parametrize("text,where", [("x^T A y", "A: 2x3, x: vector(3)"),
                                        ("vec(X)^T kron(B, A) vec(Y)", "X: 2x3, Y: 3x3, A: 2x2, B: 2x2")])
def test_no_vector_hint_for_what_cannot_be_declared_a_vector(text, where):
    with pytest.raises(symmat.ShapeError) as info:
        symmat.parse(text, where=where)
    assert "vector?" not in str(info.value)


@pytest.mark.parametrize("text,near", [("trace2(X)", "trace"), ("nrom2(x)", "norm2"), ("tr2(X)", "tr")])
def test_a_near_function_name_before_a_bracket_says_did_you_mean(text, near, capsys):
    with pytest.raises(symmat.ShapeError) as info:
        symmat.parse(text)
    assert f"did you mean {near}?" in str(info.value)
    status, _, err = cli(capsys, "grad", text, "--wrt", "X" if "X" in text else "x")
    assert status == 2 and f"did you mean {near}?" in err.splitlines()[0]


def test_a_declaration_without_a_kind_is_marked(capsys):
    with pytest.raises(symmat.DeclarationError) as info:
        symmat.parse("x^T x where A")
    lines = str(info.value).splitlines()
    assert "A" in lines[0] and "column 13" in lines[0]
    assert lines[-1].index("^") == lines[-2].index("where A") + len("where ")
    status, _, err = cli(capsys, "grad", "x^T x", "--wrt", "x", "--where", "x: vector, A")
    assert status == 2 and "declared without a kind" in err


def test_a_long_flat_product_names_the_limit_it_hits(capsys):
    text = " ".join(["x^T"] + ["A"] * 250 + ["x"])
    with pytest.raises(symmat.LimitError) as info:
        symmat.parse(text)
    assert "product of more than 200 factors" in str(info.value) and "--max-depth" in str(info.value)
    assert "nested" not in str(info.value)
    assert symmat.parse(" ".join(["x^T"] + ["A"] * 150 + ["x"])).is_scalar
    status, _, err = cli(capsys, "grad", text, "--wrt", "x")
    assert status == 2 and "factors" in err.splitlines()[0]


# ----------------------------------------------------------------- products of sizes

@pytest.mark.parametrize("text,wrt,expected", [
    ("tr(kron(A, X))", "X", "tr(A) I"),
    ("tr(X ⊗ X)", "X", "2 tr(X) I"),
    ("vec(X)^T kron(B, A) vec(X)", "X", "A X B^T + A^T X B"),
])
def test_product_sizes_are_unified_factor_by_factor(text, wrt, expected):
    r = symmat.grad(text, wrt=wrt)
    assert str(r.result) == str(symmat.parse(expected))
    notes = reading_notes(r.f) or reading_notes(symmat.parse(text))
    assert notes and "factor by factor" in notes[0]


def test_the_kronecker_reading_is_right_numerically():
    r = symmat.grad("vec(X)^T kron(B, A) vec(X)", wrt="X")
    rng = np.random.default_rng(1)
    A, B, X = rng.normal(size=(2, 2)), rng.normal(size=(3, 3)), rng.normal(size=(2, 3))
    want = A @ X @ B.T + A.T @ X @ B
    assert np.allclose(r.evaluate({"A": A, "B": B, "X": X}), want)


def test_products_whose_factors_cannot_match_stay_an_error():
    with pytest.raises(symmat.ShapeError):
        symmat.parse("tr(kron(A, X))", where="A: 2x3, X: 2x2")
    assert reading_notes(symmat.parse("tr(A X)")) == []
