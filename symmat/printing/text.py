"""Plain text of an expression, in Unicode (``(A + Aᵀ) x``) or ASCII (``(A + A^T) x``).

The text is written in the input language (SPEC §1), so that parsing it
gives back the same tree: products by juxtaposition with one space, the
parenthesization of `precedence`, a subtraction wherever the parser would
fold one (``a - 2 x`` is ``Add(a, Mul(-2, x))``). A scalar inverse prints as
``inv(s)``, because the parser reads ``s^{-1}`` of a scalar as a power.
Printers only walk the tree; they never simplify.
"""

import sys
from fractions import Fraction

from ..tree import expr as E
from ..tree.rules import node_table
from ..tree.names import GREEK_SPELLED, shown, speaking_for
from ..tree.shapes import fmt_dim
from . import precedence as P


def to_text(expr, ascii=False):
    """The expression as text: Unicode by default, plain ASCII with `ascii=True`."""
    with speaking_for(expr):   # names as the user typed them (tree.names)
        return deep(TextPrinter(ascii), expr)


def deep(walk, expr):
    """`walk(expr)` for a recursive printer, given more stack if the tree is very deep."""
    try:
        return walk(expr)
    except RecursionError:
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, DEEP_LIMIT))
        try:
            return walk(expr)
        finally:
            sys.setrecursionlimit(old)


DEEP_LIMIT = 20_000   # frames; about 4 per level of a tree


def rule_for(rules, e):
    """The rule of a printer's table for the node `e` (a clear error if there is none)."""
    rule = rules.get(type(e))
    if rule is None:
        raise NotImplementedError(f"no printing rule for {type(e).__name__} nodes")
    return rule


class Printer:
    """What the text and LaTeX printers share: dispatch, parentheses, bar depth."""

    style = "text"
    lpar, rpar = "(", ")"
    bar_starts = ("‖", "|")

    def __init__(self):
        self.bars = 0   # how many norm (or |…|) pairs enclose the node being printed

    def __call__(self, e):
        return rule_for(self.rules, e)(e, self)

    def paren(self, e, wrap):
        """The text of `e`, in parentheses when `wrap`."""
        return self.wrapped(self(e), wrap)

    def wrapped(self, text, wrap=True):
        """`text` in parentheses when `wrap`."""
        return self.lpar + text + self.rpar if wrap else text

    def inside_bars(self, e):
        """The text of `e` written between a pair of bars."""
        self.bars += 1
        try:
            return self(e)
        finally:
            self.bars -= 1

    def factors(self, e):
        """The factors of a product (regrouped as `precedence.regrouped` says) and their texts.

        Each factor is parenthesized as the table says; inside bars, a later
        factor that starts with a bar is wrapped too, because the parser reads
        a bar right after an operand as the closing one.
        """
        args = P.regrouped(e)
        texts = [self.paren(args[0], P.wrap_left(args[0], e, self.style))]
        for a in args[1:]:
            text = self(a)
            texts.append(self.wrapped(text, P.wrap_right(a, self.style)
                                      or (self.bars and text.startswith(self.bar_starts))))
        return args, texts

    def terms(self, e):
        """A sum: terms joined by `` + ``, or by `` - `` where the parser folds a subtraction."""
        out = self.paren(e.args[0], P.wrap_term(e.args[0], self.style))
        for t in e.args[1:]:
            sub = P.subtracted(t)
            sign, t = (" - ", sub) if sub is not None else (" + ", t)
            text = self(t)
            out += sign + self.wrapped(text, P.wrap_term(t, self.style) or text.startswith("-"))
        return out


class TextPrinter(Printer):
    """Prints nodes as Unicode or ASCII text."""

    def __init__(self, ascii):
        super().__init__()
        self.ascii = ascii
        self.style = "ascii" if ascii else "text"
        self.rules = RULES

    def sym(self, unicode, ascii):
        """The Unicode or the ASCII spelling of a symbol."""
        return ascii if self.ascii else unicode

    def call(self, name, e):
        """A function call ``name(e)``."""
        return f"{name}({self(e)})"


def exponent(k):
    """An exponent after ``^``: ``2``, or braced ``{-1/2}``, ``{10}``."""
    k = Fraction(k)
    return str(k) if k.denominator == 1 and 0 <= k < 10 else f"{{{k}}}"


# ----------------------------------------------------------------- leaves

def _var(e, p):
    """A name; Greek letters are spelled out in ASCII (``λ`` → ``lambda``, ``ŷ`` → ``y_hat``)."""
    name = shown(e.name)
    return "".join(GREEK_SPELLED.get(c, "y_hat" if c == "ŷ" else c) for c in name) if p.ascii else name


def _differential(e, p):
    """The differential ``dX`` of a variable."""
    return "d" + _var(e, p)


def _const(e, p):
    """An exact number: ``2``, ``-3``, ``1/2``."""
    return str(e.value)


def _size(e, p):
    """A dimension used as a number: ``n``, ``mn``."""
    return fmt_dim(e.params[0])


def _identity(e, p):
    """The identity matrix ``I`` (its size comes from context)."""
    return "I"


def _ones(e, p):
    """The vector of ones ``𝟏`` (ASCII ``ones``); a row ``𝟏ᵀ``, a matrix ``𝟏 𝟏ᵀ`` (reads back)."""
    one, t = p.sym("𝟏", "ones"), p.sym("ᵀ", "^T")
    rows, cols = e.shape
    if cols == 1:
        return one
    return one + t if rows == 1 else f"{one} {one}{t}"


def _zero(e, p):
    """The zero matrix ``0``."""
    return "0"


def _basis(e, p):
    """The unit vector ``e_k``."""
    return f"e_{fmt_dim(e.params[1])}"


def _commutation(e, p):
    """The commutation matrix ``K_(m,n)``."""
    m, n = e.params
    return f"K_({fmt_dim(m)},{fmt_dim(n)})"


def _matrix(e, p):
    """``[a b; c d]``, with commas between entries that are not atoms (or start with a bar)."""
    texts = [p(a) for a in e.args]
    spaced = all(P.level(a, p.style) >= P.POSTFIX and not t.startswith(p.bar_starts)
                 for a, t in zip(e.args, texts))
    rows, cols = e.params
    sep = " " if spaced else ", "
    return "[" + "; ".join(sep.join(texts[i * cols:(i + 1) * cols]) for i in range(rows)) + "]"


# ----------------------------------------------------------------- sums and products

def _add(e, p):
    """``a + b``, ``a - b``, ``a - 2 x`` (see `Printer.terms`)."""
    return p.terms(e)


def _neg(e, p):
    """``-x``, ``-(A + B)``."""
    return "-" + p.paren(e.args[0], P.wrap_negated(e.args[0], p.style))


def _mul(e, p):
    """Juxtaposed factors: ``2 A x``, ``-A x``, ``(xᵀ y) z``, ``A (B + C)``, ``σ * (x + y)``."""
    rest = P.negated_product(e)
    if rest is not None and not isinstance(rest.args[0], E.Mul):
        return "-" + p(rest)
    args, texts = p.factors(e)
    out = texts[0]
    for prev, text in zip(args, texts[1:]):
        out += (" * " if P.reads_as_call(prev) and text.startswith("(") else " ") + text
    return out


def _binary(unicode, ascii=None):
    """The printing rule of a left-associative product-level operator."""
    def rule(e, p):
        a, b = e.args
        left = p.paren(a, P.wrap_left(a, e, p.style))
        return f"{left} {p.sym(unicode, ascii or unicode)} {p.paren(b, P.wrap_right(b, p.style))}"
    rule.__doc__ = f"``a {unicode} b``" + (f" (ASCII ``a {ascii} b``)." if ascii else ".")
    return rule


_KRON, _QUOTIENT = _binary("⊗"), _binary("/")


def _div(e, p):
    """``x / ‖x‖``; a whole number over a name is written close, ``1/m``."""
    if P.is_fraction(e):
        return f"{p(e.args[0])}/{p(e.args[1])}"
    return _QUOTIENT(e, p)


def _kron(e, p):
    """``A ⊗ B`` (ASCII ``kron(A, B)``)."""
    if p.ascii:
        return f"kron({p(e.args[0])}, {p(e.args[1])})"
    return _KRON(e, p)


def _hadpow(e, p):
    """``A.^2`` (a number base is wrapped: ``(2).^2``)."""
    x = e.args[0]
    wrap = P.wrap_postfix(x, p.style) or isinstance(x, E.Const)
    return f"{p.paren(x, wrap)}.^{exponent(e.params[0])}"


# ----------------------------------------------------------------- postfix

def _postfix(e, p, suffix):
    """The operand of `e`, wrapped if compound, followed by `suffix`."""
    return p.paren(e.args[0], P.wrap_postfix(e.args[0], p.style)) + suffix


def _transpose(e, p):
    """``Aᵀ``; the transpose of an inverse is ``A⁻ᵀ`` (ASCII ``A^T``, ``A^-T``)."""
    x = e.args[0]
    if isinstance(x, E.Inverse) and not x.is_scalar:
        return _postfix(x, p, p.sym("⁻ᵀ", "^-T"))
    return _postfix(e, p, p.sym("ᵀ", "^T"))


def _inverse(e, p):
    """``A⁻¹`` (ASCII ``A^-1``); a scalar's is ``inv(s)``."""
    if e.is_scalar:
        return p.call("inv", e.args[0])
    return _postfix(e, p, p.sym("⁻¹", "^-1"))


def _power(e, p):
    """``A^2``, ``x^{-1/2}``, ``‖x‖^2``."""
    return _postfix(e, p, "^" + exponent(e.params[0]))


# ----------------------------------------------------------------- functions

def _function(name):
    """The printing rule of a one-argument function ``name(x)``."""
    def rule(e, p):
        return p.call(name, e.args[0])
    rule.__doc__ = f"``{name}(x)``."
    return rule


def _logdet(e, p):
    """``log det(X)``."""
    return "log " + p.call("det", e.args[0])


def _norm(e, p):
    """``‖x‖``, ``‖A‖_F`` (a matrix), ``‖x‖_1`` (ASCII ``||x||``)."""
    bar = p.sym("‖", "||")
    return f"{bar}{p.inside_bars(e.args[0])}{bar}{norm_subscript(e)}"


def norm_subscript(e):
    """``_1`` for the 1-norm, ``_F`` for the Frobenius norm, nothing for a vector's."""
    if e.params[0] == "1":
        return "_1"
    rows, cols = e.args[0].shape
    return "_F" if rows != 1 and cols != 1 else ""


def _apply(e, p):
    """An element-wise function: ``exp(x)``, ``σ(x)`` (ASCII ``sigmoid(x)``)."""
    name = e.fn
    if name == "sigmoid":
        name = p.sym("σ", "sigmoid")
    return p.call(name, e.args[0])


RULES = node_table({
    E.Var: _var, E.Differential: _differential, E.Const: _const, E.Size: _size,
    E.Identity: _identity, E.Ones: _ones, E.Zero: _zero, E.Basis: _basis,
    E.Commutation: _commutation, E.Matrix: _matrix,
    E.Add: _add, E.Neg: _neg, E.Mul: _mul, E.Div: _div, E.Hadamard: _binary("⊙", ".*"),
    E.HadDiv: _binary("./"), E.HadPow: _hadpow, E.Kron: _kron,
    E.Transpose: _transpose, E.Inverse: _inverse, E.Power: _power,
    E.Trace: _function("tr"), E.Det: _function("det"), E.LogDet: _logdet, E.Norm: _norm,
    E.Sum: _function("sum"), E.Mean: _function("mean"), E.DiagMat: _function("diag"),
    E.DiagVec: _function("diag"), E.Vec: _function("vec"), E.Unvec: _function("unvec"), E.Apply: _apply,
    E.Softmax: _function("softmax"), E.LogSumExp: _function("logsumexp"),
})
