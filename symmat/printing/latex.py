r"""LaTeX of an expression: ``\left(A + A^{\top}\right) x`` (SPEC §7).

The layout is the text printer's — same precedence table, same subtraction
rule — with LaTeX tokens: ``\frac`` for division by a scalar (a block that
needs no parentheses), ``\odot``, ``\oslash``, ``\otimes``, ``A^{\circ 2}``
for element-wise powers, ``\|x\|_2`` and ``\|A\|_F`` for norms, and names
with subscripts the grammar reads back (``W1`` → ``W_{1}``, ``X_train`` →
``X_{train}``, ``λ`` → ``\lambda``). A number after another factor is set
off with ``\cdot`` so that ``2 \cdot 3`` does not read as 23.
"""

import re
from fractions import Fraction

from ..tree import expr as E
from ..tree.rules import node_table
from ..tree.names import GREEK_SPELLED, shown, speaking_for
from ..tree.shapes import fmt_dim
from . import precedence as P
from .text import Printer, deep, norm_subscript


_LATEX_SYMBOLS = [("ᵀ", "^{\\top}"), ("⁻¹", "^{-1}"), ("⊙", "\\odot "), ("⊗", "\\otimes "),
                  ("∂", "\\partial "), ("⟨", "\\langle "), ("⟩", "\\rangle "), ("Σ", "\\sum "),
                  ("²", "^{2}"), ("𝟏", "\\mathbf{1}"), ("σ", "\\sigma"), ("‖", "\\|"),
                  ("⇒", "\\Rightarrow "), ("−", "-"), ("₁", "_1"), ("√", "\\sqrt")]


def text_to_latex(s):
    """Unicode math in a derivation's text parts, written as LaTeX."""
    for a, b in _LATEX_SYMBOLS:
        s = s.replace(a, b)
    return s.replace("tr(", "\\operatorname{tr}(").replace("det ", "\\det ")


def to_latex(expr):
    """The expression as LaTeX math (without surrounding ``$``)."""
    with speaking_for(expr):   # names as the user typed them (tree.names)
        return deep(LatexPrinter(), expr)


class LatexPrinter(Printer):
    """Prints nodes as LaTeX: the text printer's layout with LaTeX tokens."""

    style = "latex"
    lpar, rpar = r"\left(", r"\right)"
    bar_starts = (r"\|", "|", r"\left|", r"\left\|")

    def __init__(self):
        super().__init__()
        self.rules = RULES

    def call(self, command, e):
        r"""A function applied to `e`: ``\det\left(X\right)``."""
        return rf"{command}\left({self(e)}\right)"


def operator(name):
    r"""The command of an upright operator name: ``\operatorname{tr}``."""
    return rf"\operatorname{{{name}}}"


def number(v):
    r"""An exact number: ``2``, ``-3``, ``\frac{1}{2}``."""
    v = Fraction(v)
    if v.denominator == 1:
        return str(v)
    sign = "-" if v < 0 else ""
    return rf"{sign}\frac{{{abs(v.numerator)}}}{{{v.denominator}}}"


# ----------------------------------------------------------------- leaves

def name(text):
    r"""A name: ``λ`` → ``\lambda``, ``W1`` → ``W_{1}``, ``X_train`` → ``X_{train}``, ``ŷ`` → ``\hat{y}``."""
    if text == "ŷ":   # the network output named by explain.name_backprop
        return r"\hat{y}"
    base, sub = _split_name(text)
    return _letters(base) + (f"_{{{_letters(sub)}}}" if sub else "")


def _split_name(text):
    """A name as (base, subscript): ``X_train`` → (X, train), ``W12`` → (W, 12)."""
    if "_" in text.strip("_"):
        base, sub = text.split("_", 1)
        return base, sub
    m = re.fullmatch(r"(\D+?)(\d+)", text)
    return (m.group(1), m.group(2)) if m else (text, "")


def _letters(text):
    r"""Letters with Greek ones as commands (braced inside longer names: ``{\theta}x``)."""
    if len(text) == 1 and text in GREEK_SPELLED:
        return "\\" + GREEK_SPELLED[text]
    return "".join("{\\" + GREEK_SPELLED[c] + "}" if c in GREEK_SPELLED else c for c in text)


def _var(e, p):
    """A variable."""
    return name(shown(e.name))


def _differential(e, p):
    r"""The differential ``\mathrm{d}X``."""
    return r"\mathrm{d}" + name(shown(e.name))


def _const(e, p):
    """A number."""
    return number(e.value)


def _size(e, p):
    """A dimension used as a number: ``n``, ``mn``."""
    return fmt_dim(e.params[0])


def _identity(e, p):
    """The identity ``I``."""
    return "I"


def _ones(e, p):
    r"""The vector of ones ``\mathbf{1}``; a row ``\mathbf{1}^{\top}``, a matrix ``\mathbf{1} \mathbf{1}^{\top}``."""
    rows, cols = e.shape
    if cols == 1:
        return r"\mathbf{1}"
    return r"\mathbf{1}^{\top}" if rows == 1 else r"\mathbf{1} \mathbf{1}^{\top}"


def _zero(e, p):
    """The zero matrix ``0``."""
    return "0"


def _basis(e, p):
    """The unit vector ``e_{k}``."""
    return f"e_{{{fmt_dim(e.params[1])}}}"


def _commutation(e, p):
    """The commutation matrix ``K_{m,n}``."""
    m, n = e.params
    return f"K_{{{fmt_dim(m)},{fmt_dim(n)}}}"


def _matrix(e, p):
    r"""``\begin{bmatrix} a & b \\ c & d \end{bmatrix}``."""
    rows = r" \\ ".join(" & ".join(p(a) for a in row) for row in e.rows())
    return rf"\begin{{bmatrix}} {rows} \end{{bmatrix}}"


# ----------------------------------------------------------------- sums and products

def _add(e, p):
    """``a + b``, ``a - b``, ``a - 2 x`` (see `Printer.terms`)."""
    return p.terms(e)


def _neg(e, p):
    r"""``-x``, ``-\left(A + B\right)``."""
    return "-" + p.paren(e.args[0], P.wrap_negated(e.args[0], p.style))


_NUMERIC = re.compile(r"\d|\\frac\{\d")


def _mul(e, p):
    r"""Factors by juxtaposition (``2 A x``, ``-A x``), ``\cdot`` before a later number."""
    rest = P.negated_product(e)
    if rest is not None and not isinstance(rest.args[0], E.Mul):
        return "-" + p(rest)
    args, texts = p.factors(e)
    out = texts[0]
    for prev, text in zip(args, texts[1:]):
        explicit = _NUMERIC.match(text) or (P.reads_as_call(prev) and text.startswith(p.lpar))
        out += (r" \cdot " if explicit else " ") + text
    return out


def _div(e, p):
    r"""``\frac{x}{\|x\|_2}``."""
    return rf"\frac{{{p(e.args[0])}}}{{{p(e.args[1])}}}"


def _binary(command):
    r"""The rule of a left-associative product-level operator such as ``\odot``."""
    def rule(e, p):
        a, b = e.args
        left = p.paren(a, P.wrap_left(a, e, p.style))
        return f"{left} {command} {p.paren(b, P.wrap_right(b, p.style))}"
    rule.__doc__ = f"``a {command} b``."
    return rule


# ----------------------------------------------------------------- postfix

def _sup(e, p, body):
    """The operand of `e`, wrapped if compound, with the superscript `body`."""
    return f"{p.paren(e.args[0], P.wrap_postfix(e.args[0], p.style))}^{{{body}}}"


def _transpose(e, p):
    r"""``A^{\top}``; the transpose of an inverse is ``A^{-\top}``."""
    x = e.args[0]
    if isinstance(x, E.Inverse):
        return _sup(x, p, r"-\top")
    return _sup(e, p, r"\top")


def _inverse(e, p):
    """``A^{-1}``."""
    return _sup(e, p, "-1")


def _power(e, p):
    """``A^{2}``, ``x^{-1/2}``."""
    return _sup(e, p, str(e.params[0]))


def _hadpow(e, p):
    r"""The element-wise power ``A^{\circ 2}``."""
    return _sup(e, p, r"\circ " + str(e.params[0]))


# ----------------------------------------------------------------- functions

def _function(command):
    r"""The rule of a one-argument function ``command\left(x\right)``."""
    def rule(e, p):
        return p.call(command, e.args[0])
    rule.__doc__ = f"``{command}(x)``."
    return rule


def _norm(e, p):
    r"""``\|x\|_2``, ``\|A\|_F``, ``\|x\|_1``."""
    return rf"\|{p.inside_bars(e.args[0])}\|{norm_subscript(e) or '_2'}"


APPLY = {"exp": r"\exp", "log": r"\log", "sin": r"\sin", "cos": r"\cos", "tan": r"\tan",
         "tanh": r"\tanh", "sigmoid": r"\sigma"}


def _apply(e, p):
    r"""``\exp\left(x\right)``, ``\sigma\left(z\right)``, ``\sqrt{x}``, ``\left|x\right|``."""
    x = e.args[0]
    if e.fn == "sqrt":
        return rf"\sqrt{{{p(x)}}}"
    if e.fn == "abs" and x.shape[1] == 1:
        return rf"\left|{p.inside_bars(x)}\right|"
    return p.call(APPLY.get(e.fn) or operator(e.fn), x)


RULES = node_table({
    E.Var: _var, E.Differential: _differential, E.Const: _const, E.Size: _size,
    E.Identity: _identity, E.Ones: _ones, E.Zero: _zero, E.Basis: _basis,
    E.Commutation: _commutation, E.Matrix: _matrix,
    E.Add: _add, E.Neg: _neg, E.Mul: _mul, E.Div: _div, E.Hadamard: _binary(r"\odot"),
    E.HadDiv: _binary(r"\oslash"), E.HadPow: _hadpow, E.Kron: _binary(r"\otimes"),
    E.Transpose: _transpose, E.Inverse: _inverse, E.Power: _power,
    E.Trace: _function(operator("tr")), E.Det: _function(r"\det"),
    E.LogDet: _function(r"\log\det"), E.Norm: _norm,
    E.Sum: _function(operator("sum")), E.Mean: _function(operator("mean")),
    E.DiagMat: _function(operator("diag")), E.DiagVec: _function(operator("diag")),
    E.Vec: _function(operator("vec")), E.Unvec: _function(operator("unvec")), E.Apply: _apply,
    E.Softmax: _function(operator("softmax")), E.LogSumExp: _function(operator("logsumexp")),
})
