"""Bad input (SPEC §1.4): one clear SymmatError that says what and where, never a traceback."""

import importlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symmat
from symmat import (DeclarationError, LimitError, ParseError, ShapeError, SymmatError,
                    UnknownFunctionError)
from symmat.reading.build import Limits

P = importlib.import_module("symmat.reading.parser")


def error_of(text, where=None, limits=None):
    """The SymmatError that parsing `text` raises (fails the test if none is raised)."""
    with pytest.raises(SymmatError) as info:
        symmat.parse(text, where=where, limits=limits)
    assert isinstance(info.value, ValueError)
    return info.value


def caret_column(message):
    """The 0-based column of the first caret in the text line shown above it."""
    lines = message.splitlines()
    carets = [i for i, line in enumerate(lines) if line.strip() and set(line.strip()) == {"^"}]
    assert carets, message
    return lines[carets[0]].index("^") - 2   # caret() indents by two spaces


# ----------------------------------------------------------------- syntax errors

@pytest.mark.parametrize("text,column,words", [
    ("x + * y", 4, "expected an expression"),
    ("(x + y", 6, "expected ')'"),
    ("x + y)", 5, "unexpected ')'"),
    ("tr(A X", 6, "expected ')'"),
    ("[a b; c d", 9, "expected ']'"),
    ("||x", 3, "a closing '‖'"),
    ("|x", 2, "a closing '|'"),
    ("x^T A x where A:", 16, "a kind or property"),
    ("x^T A x where A: blue", 17, "unexpected 'blue'"),
    ("x # y", 2, "unexpected character '#'"),
    (r"x \foo y", 2, r"unknown LaTeX command \foo"),
    ("x^k", 1, "is not a number"),
    ("x^{n+1}", 1, "is not a number"),
    ("A^", 1, "is not a number"),
    ("x ++", 4, "unexpected end of input"),
])
def test_syntax_error_points_at_the_column(text, column, words):
    err = error_of(text)
    assert isinstance(err, ParseError)
    assert words in str(err)
    assert f"(column {column + 1})" in str(err)
    assert caret_column(str(err)) == column
    assert text.splitlines()[0] in str(err)


def test_syntax_error_says_what_was_expected_in_words():
    msg = str(error_of("x + * y"))
    assert "syntax error" in msg and "NAME" not in msg and "LPAR" not in msg


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_input(text):
    err = error_of(text)
    assert isinstance(err, ParseError) and "empty" in str(err)


def test_error_in_where_option_says_so():
    msg = str(error_of("x^T A x", where="A: blue"))
    assert "where declarations" in msg and caret_column(msg) == 3


def test_ragged_matrix_rows():
    msg = str(error_of("[a b; c]"))
    assert "row 2 has 1, row 1 has 2" in msg and caret_column(msg) == 6


def test_bad_call_arity_and_sizes():
    assert "takes 2 arguments" in str(error_of("kron(A)"))
    assert "takes 1 argument" in str(error_of("tr(A, B)"))
    assert isinstance(error_of("x: vector(2.5)"), ParseError)
    assert "whole number" in str(error_of("x", where="x: vector(2.5)"))


# ----------------------------------------------------------------- shape errors

def test_shape_error_names_operation_and_both_shapes():
    msg = str(error_of("x + A"))
    assert "cannot add x" in msg and "A (" in msg and "×1)" in msg and "_" not in msg.splitlines()[0]
    msg = str(error_of("tr(x)"))
    assert "tr needs a square matrix" in msg and "x (" in msg and "×1)" in msg
    msg = str(error_of("A x where A: 2x3, x: vector(4)"))
    assert "cannot multiply A (2×3) by x (4×1)" in msg


def test_vector_times_greek_scalar_is_a_row():
    """`x^T θ` parses (θ is a scalar unless declared) as a 1×n row, not a scalar.

    The suggestion `declare θ: vector?` belongs to the step that needs a
    scalar (grad); the parse itself is not an error.
    """
    assert not symmat.parse("x^T θ").is_scalar
    assert symmat.parse("x^T θ where θ: vector").is_scalar
    assert symmat.parse("x^T θ", where="theta: vector").is_scalar


def test_unknown_function_suggests_the_nearest():
    err = error_of("sigmod(x)")
    assert isinstance(err, UnknownFunctionError) and "did you mean sigmoid" in str(err)
    assert "did you mean" in str(error_of("trcae(X)"))


def test_spectral_norm_is_refused_pointing_to_frobenius():
    msg = str(error_of("||A||_2"))
    assert "||A||_F" in msg and "spectral" in msg
    assert symmat.parse("||x||_2").is_scalar   # of a vector it is the Euclidean norm


# ----------------------------------------------------------------- declarations

def test_contradictory_declarations_in_text():
    assert isinstance(error_of("x where x: scalar vector"), DeclarationError)
    assert isinstance(error_of("x where x: scalar, x: vector"), DeclarationError)
    assert isinstance(error_of("A x where A: 2x3, A: 3x3"), DeclarationError)


def test_contradictory_declarations_between_text_and_option():
    err = error_of("x^T x where x: scalar", where="x: vector")
    assert isinstance(err, DeclarationError) and "contradictory" in str(err)
    assert isinstance(error_of("tr(X)", where="X = [w x; y z], X: 3x3"), DeclarationError)


def test_declaration_without_property():
    assert "without a kind" in str(error_of("x", where="x, y"))


# ----------------------------------------------------------------- division and limits

@pytest.mark.parametrize("text", ["x/0", r"\frac{x}{0}", "1/0", "x/0.0", "α/(0)"])
def test_division_by_literal_zero(text):
    assert "division by zero" in str(error_of(text))


def test_power_limit():
    err = error_of("X^1000000")
    assert isinstance(err, LimitError) and "--max-power" in str(err)
    assert symmat.parse("X^1000000", limits=Limits(max_power=10**7)).shape


def test_length_limit():
    text = "+".join(["x"] * 5000)          # 9,999 characters: fine
    assert len(text) == 9999 and symmat.parse(text).shape
    err = error_of("x" * 10_001)
    assert isinstance(err, LimitError) and "--max-chars" in str(err)
    err = error_of("x", where="x: scalar" + " " * 10_001)
    assert isinstance(err, LimitError) and "--max-chars" in str(err)


def test_deep_nesting_fails_fast():
    text = "(" * 100_000 + "x" + ")" * 100_000
    t = time.perf_counter()
    err = error_of(text, limits=Limits(max_chars=10**6))
    assert time.perf_counter() - t < 1.0
    assert isinstance(err, LimitError) and "--max-depth" in str(err)
    assert "--max-depth" in str(error_of("(" * 201 + "x" + ")" * 201))
    assert symmat.parse("(" * 150 + "x" + ")" * 150).shape


@pytest.mark.parametrize("text", ["-" * 3000 + "x", "x" + "^T" * 3000, "log " * 1000 + "x",
                                  "a" * 9000 + " where a: scalar",
                                  "|" * 500 + "x" + "|" * 500, " ".join(["a"] * 2000)])
def test_deep_chains_are_limited(text):
    assert "--max-depth" in str(error_of(text))


def test_raised_depth_limit_never_overflows_the_stack():
    err = error_of("-" * 9000 + "x", limits=Limits(max_depth=100_000))
    assert isinstance(err, LimitError)


# ----------------------------------------------------------------- every failure is a SymmatError

BAD = ["x +", "+", "*x", "(", ")", "[", "]", "[;]", "[a;;b]", "||", "|", "‖‖", "x^", "x^{", "x^{}",
       "x.^k", "f(", "tr()", "where", "x where", "x where x", "x where :", "x where x: 0x3",
       "x where x = ", "x,", "x, y", "\\", "\\begin{bmatrix}", "\\frac{x}", "\\sqrt", "𝟏𝟏(", "☃",
       "x\x00y", "1e5", "2..3", "x''''^", "A^-", "A^{-1/0}", "vector(2)", "eye(x)", "[x; A]",
       "\\left(", "f = ", "L(w) =", "x = y = z", "x where A: symmetric, , B: spd", "x ⊗", "@", "..."]


@pytest.mark.parametrize("text", BAD)
def test_bad_input_is_one_symmat_error(text):
    try:
        symmat.parse(text)
    except SymmatError as e:
        assert isinstance(e, ValueError) and str(e)
    # some of these are legal after all (e.g. `x, y` in a where-free reading); no other exception


ALPHABET = list("xyAB12 +-*/^T'()[]{};,|.=:_") + ["^T", "^{-1}", "||", "\\frac", "\\left",
                                                   "tr", "log", "det", "where", "σ", "⊙", "ᵀ", "−"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=25).map("".join))
def test_fuzz_never_raises_anything_but_symmat_errors(text):
    try:
        symmat.parse(text)
    except SymmatError as e:
        assert str(e)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_fuzz_arbitrary_unicode(text):
    try:
        symmat.parse(text)
    except SymmatError as e:
        assert str(e)
