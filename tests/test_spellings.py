"""Every spelling the grammar accepts reads back to the same tree (issue 10, "Keeping it so").

Random trees from tests/gen.py are written out by `spell` below — its own
printer, independent of symmat's, with every compound operand in brackets — in
each style of the README's table: juxtaposition with and without spaces, `*`,
`@`, `\\cdot`, LaTeX, Unicode, matrixcalculus.org's syntax; bracketed runs of
letters followed by every postfix operator (``(AB)^T``, ``(AB)'``, ``(AB)ᵀ``,
``(AB)^{-1}``, ``(Ax).^2``); numbers in every notation (``1/2``, ``0.5``,
``5e-1``, ``\\frac{1}{2}``, ``.5``); Greek names spelled ``θ``, ``theta`` and
``\\theta``. Each must read back (with the generator's declarations) as the
tree that the plain spelling reads as.
"""

import random
import re
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings

import gen
import symmat
from symmat.tree import expr as E
from symmat.tree.names import GREEK_SPELLED

STYLES = ("plain", "tight", "star", "at", "cdot", "latex", "unicode", "mc")
SETTINGS = dict(max_examples=50, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

_FN_LATEX = {"exp": r"\exp", "log": r"\log", "sin": r"\sin", "cos": r"\cos", "tan": r"\tan",
             "tanh": r"\tanh", "sigmoid": r"\sigma", "sqrt": None}
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def number(value, style, rnd):
    """A constant in one of the notations of `style` (wrapped so that it stays one operand)."""
    value = Fraction(value)
    sign, value = ("-" if value < 0 else ""), abs(value)
    forms = [f"{value.numerator}/{value.denominator}" if value.denominator != 1 else str(value.numerator)]
    if value.denominator == 1:
        forms += [f"{value.numerator}.0", f"{value.numerator}e0", f"{value.numerator * 10}E-1"]
    if 10**6 % value.denominator == 0:   # a finite decimal
        decimal = f"{float(value):.6f}".rstrip("0").rstrip(".")
        mantissa = str(value * 10).replace("/", "")
        forms += [decimal]
        if decimal.startswith("0."):
            forms += [decimal[1:]]                                          # .5
        if (value * 10).denominator == 1:
            forms += [f"{mantissa}e-1", f"{mantissa}E-1"]                   # 5e-1
    if style == "latex" and value.denominator != 1:
        forms = [rf"\frac{{{value.numerator}}}{{{value.denominator}}}"]
        if value.numerator < 10 and value.denominator < 10:
            forms.append(rf"\frac{value.numerator}{value.denominator}")     # \frac12
    return f"({sign}{rnd.choice(forms)})"


def name(v, style):
    """A variable's name in the style (Greek: θ, theta or \\theta)."""
    n = v.name
    if n in GREEK_SPELLED:
        return {"latex": "\\" + GREEK_SPELLED[n], "mc": GREEK_SPELLED[n], "plain": GREEK_SPELLED[n]}.get(style, n)
    return n


def exponent(k, style):
    """``^k`` for a rational k."""
    k = Fraction(k)
    if style == "unicode" and k.denominator == 1 and k > 0:
        return str(k.numerator).translate(_SUPERSCRIPT)
    if style == "latex" and k.denominator != 1:
        return rf"^{{{'-' if k < 0 else ''}\frac{{{abs(k.numerator)}}}{{{k.denominator}}}}}"
    return f"^{{{k}}}" if (k.denominator != 1 or k < 0) else f"^{k}"


class Speller:
    """`spell(e)`: the text of `e` in one style, every compound operand in brackets."""

    def __init__(self, style, rnd):
        self.style, self.rnd = style, rnd

    def op(self, e):
        """An operand: atoms as they are, anything else in brackets."""
        text = self.spell(e)
        if isinstance(e, (E.Var, E.Identity, E.Ones)):
            return text
        return self.paren(text)

    def paren(self, text):
        """( … ), \\left( … \\right) in LaTeX."""
        return rf"\left({text}\right)" if self.style == "latex" else f"({text})"

    def call(self, fn, *args):
        """fn(a, b): by name, \\operatorname in LaTeX."""
        inner = ", ".join(self.spell(a) for a in args)
        if self.style == "latex":
            head = _FN_LATEX.get(fn, "") or rf"\operatorname{{{fn}}}"
            return rf"{head}\left({inner}\right)"
        if self.style == "unicode" and fn == "sigmoid":
            return f"σ({inner})"
        return f"{fn}({inner})"

    def mul(self, parts):
        """A product in the style's notation."""
        sep = {"star": "*", "at": " @ ", "cdot": r" \cdot ", "mc": "*", "latex": " ", "unicode": " · "}.get(self.style, " ")
        if self.style != "tight":
            return sep.join(parts)
        out = parts[0]
        for p in parts[1:]:   # no space, unless letters would run into a function name or a number
            glue = " " if (out[-1].isalnum() and (p[0] == "(" or p[0].isdigit() or re.match(r"[A-Za-z]{2}", p))
                            or out[-1].isdigit()) else ""
            out += glue + p
        return out

    def postfix(self, e, text):
        """x^T, x', xᵀ, x^\\top."""
        forms = {"latex": [r"^\top", r"^{\top}", r"^{\mathsf{T}}"], "unicode": ["ᵀ"], "mc": ["'"]}
        return text + self.rnd.choice(forms.get(self.style, ["^T", "'", "^{T}"]))

    def spell(self, e):
        """The text of `e`; see the module docstring for the styles."""
        s, a = self.style, e.args
        if isinstance(e, E.Var):
            return name(e, s)
        if isinstance(e, E.Const):
            return number(e.value, s, self.rnd)
        if isinstance(e, E.Identity):
            return "I"
        if isinstance(e, E.Ones):
            return {"mc": "vector(1)", "unicode": "𝟏", "latex": r"\mathbf{1}"}.get(s, "ones")
        if isinstance(e, E.Add):
            return " + ".join(self.op(t) for t in a)
        if isinstance(e, E.Neg):
            return ("−" if s == "unicode" else "-") + self.op(a[0])
        if isinstance(e, E.Mul):
            return self.mul([self.op(f) for f in a])
        if isinstance(e, E.Div):
            if s == "latex":
                return rf"\frac{{{self.spell(a[0])}}}{{{self.spell(a[1])}}}"
            return f"{self.op(a[0])} / {self.op(a[1])}"
        binary = {E.Hadamard: {"unicode": "⊙", "latex": r"\odot", "mc": ".*"},
                  E.HadDiv: {"unicode": "⊘", "latex": r"\oslash", "mc": "./"},
                  E.Kron: {"unicode": "⊗", "latex": r"\otimes"}}
        if type(e) in binary:
            if isinstance(e, E.Kron) and s not in ("unicode", "latex"):
                return self.call("kron", *a)
            default = {E.Hadamard: ".*", E.HadDiv: "./"}[type(e)]
            return f"{self.op(a[0])} {binary[type(e)].get(s, default)} {self.op(a[1])}"
        if isinstance(e, E.Transpose):
            return self.postfix(e, self.op(a[0]))
        if isinstance(e, E.Inverse):
            if s == "mc":
                return self.call("inv", a[0])
            return self.op(a[0]) + {"unicode": "⁻¹"}.get(s, self.rnd.choice(["^{-1}", "^-1"]))
        if isinstance(e, E.Power):
            return self.op(a[0]) + exponent(e.params[0], s)
        if isinstance(e, E.HadPow):
            k = Fraction(e.params[0])
            return self.op(a[0]) + (f".^{k}" if k.denominator == 1 and k > 0 else f".^{{{k}}}")
        if isinstance(e, E.Norm):
            x, p = a[0], e.params[0]
            bars = {"unicode": ("‖", "‖"), "latex": (r"\|", r"\|"), "mc": None}.get(s, ("||", "||"))
            if bars is None:
                return self.call("norm1" if p == "1" else "norm2", x)
            return f"{bars[0]}{self.spell(x)}{bars[1]}" + ("_1" if p == "1" else "")
        if isinstance(e, E.Apply):
            return self.call(e.params[0], a[0])
        if isinstance(e, E.LogDet):
            return self.call("log", E.Det(a[0])) if s != "mc" else self.call("logdet", a[0])
        calls = {E.Trace: "tr", E.Det: "det", E.Sum: "sum", E.Mean: "mean", E.DiagMat: "diag",
                 E.DiagVec: "diag", E.Vec: "vec", E.Softmax: "softmax", E.LogSumExp: "logsumexp"}
        if type(e) in calls:
            fn = calls[type(e)]
            if fn == "tr" and s == "plain":
                fn = "trace"
            return self.call(fn, *a)
        raise NotImplementedError(type(e).__name__)


def _readable(case):
    """Whether a case's text can name every size (an I or 𝟏 alone leaves its size free)."""
    return not any(isinstance(n, (E.Identity, E.Ones, E.Zero)) for n in case.expr.walk())


@settings(**SETTINGS)
@given(gen.cases(shape="any", max_depth=4))
def test_every_spelling_reads_back_as_the_same_tree(case):
    if not _readable(case):
        return
    where = gen.declarations(case)
    rnd = random.Random(case.seed)
    reference = symmat.parse(Speller("plain", rnd).spell(case.expr), where=where)
    for style in STYLES:
        text = Speller(style, rnd).spell(case.expr)
        try:
            back = symmat.parse(text, where=where)
        except symmat.SymmatError as exc:
            pytest.fail(f"{style}: {text!r} where {where!r} does not read: {exc}", pytrace=False)
        assert back == reference, f"{style}: {text!r} where {where!r} reads as {back}, not {reference}"


POSTFIXES = ["^T", "'", "ᵀ", r"^\top", "^{-1}", "⁻¹", "^{-T}", "⁻ᵀ", "^2", "²", "^{3}"]


@pytest.mark.parametrize("postfix", POSTFIXES)
@pytest.mark.parametrize("run,spaced", [("AB", "A B"), ("ABC", "A B C"), ("XY", "X Y")])
def test_a_bracketed_run_followed_by_any_postfix_keeps_its_brackets(run, spaced, postfix):
    where = "A, B, C, X, Y: square"
    assert symmat.parse(f"({run}){postfix}", where=where) == symmat.parse(f"({spaced}){postfix}", where=where)


@pytest.mark.parametrize("run,spaced", [("Ax", "A x"), ("Xw", "X w"), ("ABx", "A B x")])
@pytest.mark.parametrize("postfix", [".^2", ".^{3}", r".^{\frac{1}{2}}"])
def test_a_bracketed_run_followed_by_an_elementwise_power(run, spaced, postfix):
    assert symmat.parse(f"({run}){postfix}") == symmat.parse(f"({spaced}){postfix}")


@pytest.mark.parametrize("postfix", ["^{1/2}", r"^{\frac{1}{2}}", "^{-2}", "^3", "^(1/2)"])
def test_a_bracketed_run_of_scalars_followed_by_a_power(postfix):
    where = "a, b: scalar"
    assert symmat.parse(f"(ab){postfix}", where=where) == symmat.parse(f"(a b){postfix}", where=where)


@pytest.mark.parametrize("text", ["theta", r"\theta", "θ"])
def test_every_spelling_of_a_greek_name_is_one_variable(text):
    assert symmat.parse(f"{text} x^T x") == symmat.parse("θ x^T x")


@pytest.mark.parametrize("text,value", [("1/2", "0.5"), ("0.5", ".5"), (".5", "5e-1"), ("5e-1", "5E-1"),
                                        ("5E-1", r"\frac{1}{2}"), ("1000", "1e3"), ("1e3", "1.0E3"),
                                        ("0.001", "1e-3"), ("2.5E3", "2500"),
                                        (r"\frac12", "1/2"), (r"\tfrac{3}{4}", "0.75")])
def test_numbers_in_every_notation_are_one_constant(text, value):
    assert symmat.parse(f"{text} x^T x") == symmat.parse(f"{value} x^T x")


@pytest.mark.parametrize("spellings", [("W_2", "W_{2}", "W₂", "W2"), ("mu0", "mu_0", r"\mu_0", "μ0", "μ_0"),
                                       ("X_train", "X_{train}"), ("y_hat", r"\hat{y}")])
def test_every_spelling_of_a_name_is_one_variable(spellings):
    trees = {symmat.parse(f"tr({n}^T {n})") for n in spellings}
    assert len(trees) == 1
