"""One table of precedence levels: where every printer puts parentheses.

The levels follow the grammar (SPEC §1.2), loosest first: sums, products
(juxtaposition, ``/``, ``⊙``, ``./``, ``⊗`` — one level, left to right),
unary minus, ``log det`` (a function written without parentheses), postfix
(``ᵀ``, ``⁻¹``, ``^k``, ``.^k``), atoms (names, numbers, calls, norms,
brackets). In LaTeX a call such as ``\\exp\\left(x\\right)`` is at the level
of ``log det``: the grammar applies ``\\exp`` to the one factor that follows,
so ``\\exp\\left(x\\right)^{2}`` would be exp(x²).

A child is parenthesized exactly when the parser would otherwise group it
differently, plus one rule for the reader: a ``/``, ``⊙``, ``./`` or ``⊗``
node on the left of a *different* product-level operator is wrapped
(``(a ⊙ b) c``, not ``a ⊙ b c``), although the grammar would not need it. A
juxtaposition product on the left needs nothing (``2 x / ‖x‖``,
``Wᵀ d ⊙ h``), except inside another product, where it is a nested 1×1
factor and always wrapped (``(xᵀ y) z``).

The table has one row per node type; where the styles differ (ASCII prints
``kron(A, B)``, LaTeX prints ``\\frac{a}{b}`` as a block) the row holds one
level per style, and a row may be a function of the node.
"""

from ..tree import expr as E

SUM, PRODUCT, UNARY, PREFIX, POSTFIX, ATOM = 10, 20, 30, 35, 40, 50
STYLES = ("text", "ascii", "latex")


def _const(e, style):
    """A number: ``2`` is an atom, ``-3`` a negation, ``1/2`` a quotient (``\\frac`` a block)."""
    v = e.value
    if v.denominator != 1 and style != "latex":
        return PRODUCT
    if v < 0:
        return UNARY
    return PREFIX if v.denominator != 1 else ATOM


def _inverse(e, style):
    """A matrix inverse is postfix; a scalar one prints as the call ``inv(s)``."""
    return ATOM if e.is_scalar and style != "latex" else POSTFIX


def _call(e, style):
    r"""A function call is an atom, except in LaTeX: ``\exp\left(x\right)^{2}`` reads exp(x²)."""
    if style != "latex":
        return ATOM
    if isinstance(e, E.Apply) and (e.fn == "sqrt" or e.fn == "abs" and e.args[0].shape[1] == 1):
        return ATOM   # \sqrt{x} and \left|x\right| are closed
    return PREFIX


def _ones(e, style):
    """𝟏 is an atom; a row 𝟏ᵀ is postfix; a matrix of ones 𝟏 𝟏ᵀ is a product."""
    rows, cols = e.shape
    return ATOM if cols == 1 else POSTFIX if rows == 1 else PRODUCT


TABLE = {
    E.Ones: _ones,
    E.Add: SUM,
    E.Mul: PRODUCT,
    E.Div: (PRODUCT, PRODUCT, PREFIX),
    E.Hadamard: PRODUCT,
    E.HadDiv: PRODUCT,
    E.Kron: (PRODUCT, ATOM, PRODUCT),
    E.Neg: UNARY,
    E.LogDet: PREFIX,
    E.Transpose: POSTFIX,
    E.Inverse: _inverse,
    E.Power: POSTFIX,
    E.HadPow: POSTFIX,
    E.Const: _const,
    E.Trace: _call, E.Det: _call, E.Sum: _call, E.Mean: _call, E.DiagMat: _call,
    E.DiagVec: _call, E.Vec: _call, E.Apply: _call, E.Softmax: _call, E.LogSumExp: _call,
}


def level(e, style="text"):
    """The precedence level of `e` as printed in `style`."""
    row = TABLE.get(type(e), ATOM)
    if callable(row):
        return row(e, style)
    if isinstance(row, tuple):
        return row[STYLES.index(style)]
    return row


def wrap_left(child, parent, style="text"):
    """True if `child`, the first operand of the product-level `parent`, needs parentheses."""
    lv = level(child, style)
    if lv != PRODUCT:
        return lv < PRODUCT
    if isinstance(child, E.Mul):
        return isinstance(parent, E.Mul)
    if is_fraction(child):
        return not isinstance(parent, E.Mul)
    return type(child) is not type(parent)


def is_fraction(e):
    """True for a number ``1/2`` or a quotient of a whole number by a name, ``1/m``.

    Printed without spaces, it leads a product as the notes write it: ``1/m Xᵀ r``.
    """
    if isinstance(e, E.Const):
        return e.value.denominator != 1
    return (isinstance(e, E.Div) and isinstance(e.args[0], E.Const)
            and e.args[0].value.denominator == 1 and isinstance(e.args[1], E.Var))


def wrap_right(child, style="text"):
    """True if `child`, a later operand of a product-level node, needs parentheses."""
    return level(child, style) <= UNARY


def wrap_negated(child, style="text"):
    """True if `child` under a unary minus needs parentheses."""
    return level(child, style) <= UNARY


def wrap_postfix(child, style="text"):
    """True if `child` under ᵀ, ⁻¹, ^k or .^k needs parentheses."""
    return level(child, style) < ATOM


def wrap_term(child, style="text"):
    """True if `child`, a term of a sum, needs parentheses."""
    return level(child, style) <= SUM


def subtracted(term):
    """The `t` printed after `` - `` for a sum term, or None to print ``+ term``.

    The parser reads ``a - t`` as ``a + negate(t)`` (`build.negate`), so a
    `Neg`, a negative number and a product led by a negative number are
    written as subtractions: ``a - b``, ``a - 3``, ``a - 2 x``, ``a - A x``.
    """
    if isinstance(term, E.Neg):
        return term.args[0]
    if isinstance(term, E.Const) and term.value < 0:
        return E.Const(-term.value)
    rest = negated_product(term)
    if rest is not None:
        return rest
    if isinstance(term, E.Mul) and isinstance(term.args[0], E.Const) and term.args[0].value < 0:
        return E.Mul(E.Const(-term.args[0].value), *term.args[1:])
    return None


def negated_product(e):
    """For a product ``-1 f g …`` that the parser writes as ``-f g …``, the product ``f g …``.

    Not when f is a number or a negation, which the parser would fold into the -1.
    """
    if (isinstance(e, E.Mul) and len(e.args) > 2 and e.args[0] == MINUS_ONE
            and not isinstance(e.args[1], (E.Const, E.Neg))):
        return E.Mul(*e.args[1:])
    return None


MINUS_ONE = E.Const(-1)


def regrouped(e):
    """The factors of the product `e` as the parser must meet them to rebuild `e`.

    The parser folds a product from the left and keeps a 1×1 product of
    matrices whole (``xᵀ y z`` is ``(xᵀ y) z``, see `build.product`). So when
    a leading run of a flat product closes to 1×1 before the end, the rest is
    grouped from a factor at or before the one that closes it: the flat
    ``Mul(xᵀ, y, λ)`` prints ``xᵀ (y λ)``. The group may not start with a
    negation (``(-y) λ`` reads as ``-1 y λ``) nor be 1×1 itself.
    """
    args = e.args
    close = _closing(args)
    if close is None:
        return args
    for j in range(close, 0, -1):
        group = E.Mul(*args[j:])
        if not isinstance(args[j], E.Neg) and not (group.is_scalar and group.chain):
            return args[:j] + (group,)
    return args[:close] + (E.Mul(*args[close:]),)   # no text reads back as `e`


def _closing(args):
    """The index of the factor that closes a leading run of `args` to 1×1, if before the last."""
    rows = cols = None
    for i, f in enumerate(args[:-1]):
        if not f.is_scalar:
            rows = f.shape[0] if rows is None else rows
            cols = f.shape[1]
        if i and rows == 1 and cols == 1:
            return i
    return None


def reads_as_call(factor):
    """True for a factor read as a function when ``(`` follows it: the name σ (sigmoid)."""
    return isinstance(factor, E.Var) and factor.name == "σ"
