"""The raw tree: what each rule of the grammar builds, as lark's parser reduces it.

What this module decides:

* the raw node (`Raw`: operator, children, parameters, source span, and
  whether it was written in brackets) that the typing pass (`build`) turns
  into frozen nodes;
* one callback per rule alias of ``grammar/symmat.lark`` (`RawBuilder`,
  embedded in lark's LALR parser as its transformer): every callback gets
  all the children of its rule, tokens included, so that each node's span
  runs from its first to its last character; sums stay flat, so that long
  sums do not nest;
* which bar opens and which closes (`BarPostLex`, lark's post-lexer);
* how a comma-free matrix row splits into entries (at spaces: ``[a b; c d]``,
  as in MATLAB);
* how an exponent token reads as a number (``^2``, ``^{-1/2}``, ``²``,
  ``^{\\frac{1}{2}}``).

Function names are only spelled plainly here (``\\operatorname{tr}`` → ``tr``);
which function a name is, and every kind and size, is decided by `build`.
"""

import re
from fractions import Fraction

from ..errors import ParseError
from ..tree.names import GREEK, typed
from .declarations import Decl, decl_key, dim, prop_decl
from .messages import positioned


class Raw:
    """A node of the parser's tree: operator, children, parameters, source span."""

    __slots__ = ("op", "args", "params", "start", "end", "source", "shape", "node", "grouped")

    def __init__(self, op, args=(), params=(), start=0, end=0):
        self.op, self.args, self.params = op, list(args), tuple(params)
        self.start, self.end = start, end
        self.source = None
        self.shape = None
        self.grouped = False   # written in brackets: ( … ) or { … }

    def __repr__(self):
        return f"Raw({self.op!r}, {self.args!r}, {self.params!r})"


# ----------------------------------------------------------------- bars

_ENDS_OPERAND = {"NAME", "GREEK", "GREEK_CMD", "ACCENT", "NUMBER", "ONES", "RPAR", "RSQB",
                 "RBRACE", "END", "RBAR", "RNORM", "NORM_SUB", "TRANSPOSE", "INV_T", "POWER",
                 "SUPERSCRIPT", "HADPOW", "BAD_POWER"}
_CLOSES = {"RPAR": "LPAR", "RSQB": "LSQB", "RBRACE": "LBRACE", "END": "BEGIN",
           "RBAR": "LBAR", "RNORM": "LNORM"}
_OPENS = set(_CLOSES.values())


class BarPostLex:
    """Turns each ``|`` / ``||`` into an opening or a closing bar.

    A bar closes when it follows a complete operand and the innermost open
    bracket is a bar of the same kind; otherwise it opens (``|a| |b|``,
    ``λ ||w||^2``, ``|| |x| ||``).
    """

    always_accept = ("BAR", "DBAR")

    def process(self, stream):
        """Yield the tokens of `stream` with BAR/DBAR resolved."""
        stack, prev = [], None
        for tok in stream:
            kind = tok.type
            if kind in ("BAR", "DBAR"):
                opener, closer = ("LBAR", "RBAR") if kind == "BAR" else ("LNORM", "RNORM")
                if prev in _ENDS_OPERAND and stack and stack[-1] == opener:
                    stack.pop()
                    tok = tok.update(closer)
                else:
                    stack.append(opener)
                    tok = tok.update(opener)
            elif kind in _OPENS:
                stack.append(kind)
            elif kind in _CLOSES and stack and stack[-1] == _CLOSES[kind]:
                stack.pop()
            prev = tok.type
            yield tok


# ----------------------------------------------------------------- names

def _function_name(text):
    """The plain name of a function token (``\\operatorname{tr}`` → ``tr``, ``\\sigma`` → ``σ``)."""
    t = text.strip()
    m = re.fullmatch(r"\\[A-Za-z]+\*?\s*\{\s*([A-Za-z]+)\s*\}", t)
    if m:
        t = m.group(1)
    t = t.lstrip("\\")
    return {"Tr": "tr", "Trace": "trace", "sigma": "σ"}.get(t, t)


_EXPONENT_CHARS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻−", "0123456789--", "^{}() \t\n")
_FRAC = r"\\[dt]?frac\s*(?:\{([^{}]*)\}|(\d))\s*(?:\{([^{}]*)\}|(\d))"   # compiled when a \frac is met


def _exponent(tok):
    """The rational exponent written in a POWER, SUPERSCRIPT or HADPOW token (``\\frac{a}{b}`` is a/b)."""
    text = tok.value.lstrip(".")
    if "frac" in text:
        text = re.sub(_FRAC, lambda m: f"{(m.group(1) or m.group(2)).strip()}/{(m.group(3) or m.group(4)).strip()}",
                      text)
    text = text.translate(_EXPONENT_CHARS)
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise positioned(ParseError, f"cannot read the exponent {tok.value.strip()!r}",
                         tok.start_pos, len(tok.value)) from None


# ----------------------------------------------------------------- the raw tree

def _raws(children):
    """The Raw children (tokens left out)."""
    return [c for c in children if isinstance(c, Raw)]


def _grouped(r):
    """True when `r` was written in brackets."""
    return r.grouped or bool(r.args) and (r.start < r.args[0].start or r.end > r.args[-1].end)


class Juxtaposed(Raw):
    """A product written by juxtaposition (``a b``): in a matrix row, a space splits it."""

    __slots__ = ()


class TightNeg(Raw):
    """The negation of ``a -b`` (space before the minus, none after): in a matrix row, a new entry."""

    __slots__ = ()


def _unary(op, params=()):
    """A callback for ``operand TOKEN`` postfix rules."""
    def callback(self, c):
        """The postfix node over the operand."""
        x, tok = c
        return Raw(op, [x], params, x.start, tok.end_pos)
    callback.__doc__ = f"``x {op}`` → Raw({op!r}, [x])."
    return callback


def _binary(op):
    """A callback for ``a TOKEN b`` rules."""
    def callback(self, c):
        """The binary node over both operands."""
        a, _, b = c
        return Raw(op, [a, b], (), a.start, b.end)
    callback.__doc__ = f"``a op b`` → Raw({op!r}, [a, b])."
    return callback


class RawBuilder:
    """Grammar rule aliases → `Raw` nodes (lark's transformer, called as the LALR parser reduces).

    Every callback gets all the children of its rule, tokens included, so
    that each node's span runs from its first to its last character.
    """

    product = _binary("product")
    div = _binary("div")
    hadamard = _binary("Hadamard")
    haddiv = _binary("HadDiv")
    kron = _binary("Kron")
    transpose = _unary("Transpose")

    # -- the two start rules
    def start(self, c):
        """``[prefix] expr [where decls]`` → (Raw, declaration items)."""
        items = [x for x in c if isinstance(x, list)]
        return _raws(c)[0], (items[0] if items else [])

    def decls(self, c):
        """``[where] decls`` → declaration items."""
        return [x for x in c if isinstance(x, list)][0]

    # -- sums and products
    def add(self, c):
        """``a + b`` → a flat `add` (so that long sums do not nest)."""
        a, _, b = c
        return self._sum(a, b)

    def sub(self, c):
        """``a - b`` → ``add(a, neg(b))``, as `build` reads a difference."""
        a, minus, b = c
        tight = minus.start_pos > a.end and b.start == minus.end_pos
        neg = (TightNeg if tight else Raw)("neg", [b], (), b.start, b.end)
        return self._sum(a, neg)

    @staticmethod
    def _sum(a, b):
        """Append `b` to the sum `a` (in place, so a long sum costs linear time), unless
        `a` was bracketed."""
        if a.op == "add" and not _grouped(a):
            a.args.append(b)
            a.end = b.end
            return a
        return Raw("add", [a, b], (), a.start, b.end)

    def juxt(self, c):
        """``a b`` → a product."""
        a, b = c
        return Juxtaposed("product", [a, b], (), a.start, b.end)

    def neg(self, c):
        """``-x`` → neg."""
        minus, x = c
        return Raw("neg", [x], (), minus.start_pos, x.end)

    def pos(self, c):
        """``+x`` → x."""
        return c[1]

    # -- postfix
    def inverse_transpose(self, c):
        """``X^{-T}`` → transpose of the inverse."""
        x, tok = c
        inv = Raw("power", [x], (Fraction(-1),), x.start, tok.end_pos)
        return Raw("Transpose", [inv], (), x.start, tok.end_pos)

    def power(self, c):
        """``x^k``, ``x²`` → power (``^{-1}`` of a matrix becomes its inverse in `build`)."""
        x, tok = c
        return Raw("power", [x], (_exponent(tok),), x.start, tok.end_pos)

    def hadpow(self, c):
        """``x.^k`` → element-wise power."""
        x, tok = c
        return Raw("HadPow", [x], (_exponent(tok),), x.start, tok.end_pos)

    def bad_power(self, c):
        """An exponent that is not T, -1, -T or a number: a clear error."""
        x, tok = c
        raise positioned(ParseError, f"the exponent in {tok.value.strip()!r} is not a number: symmat "
                                      "reads ^T, ^{-1}, ^{-T} and numeric powers such as ^2 or ^{1/2}",
                          tok.start_pos, len(tok.value))

    # -- atoms
    def name(self, c):
        """A name; ``I`` is the identity, ``eye`` the identity of the size its context needs."""
        tok = c[0]
        text = tok.value
        m = re.fullmatch(r"I_\{?(\d+)\}?", text) if text[:2] == "I_" else None
        if text == "I" or m:
            return Raw("identity", (), (int(m.group(1)),) if m else (), tok.start_pos, tok.end_pos)
        if text == "eye":
            return Raw("call", (), ("eye",), tok.start_pos, tok.end_pos)
        return Raw("name", (), (typed(text),), tok.start_pos, tok.end_pos)

    def number(self, c):
        """A numeric literal (``1e−8`` with a Unicode minus is ``1e-8``)."""
        tok = c[0]
        return Raw("number", (), (tok.value.replace("−", "-"),), tok.start_pos, tok.end_pos)

    def bad_number(self, c):
        """``1.2.3``: a number with two decimal points, an error."""
        tok = c[0]
        raise positioned(ParseError, f"{tok.value} is not a number (two decimal points)",
                         tok.start_pos, len(tok.value))

    def ones(self, c):
        """``ones``, ``𝟏``, ``\\mathbf{1}``: the vector of ones."""
        tok = c[0]
        return Raw("ones", (), (), tok.start_pos, tok.end_pos)

    def group(self, c):
        """``( x )`` or ``{ x }``: x, its span widened to the brackets."""
        left, x, right = c
        x.start, x.end = left.start_pos, right.end_pos
        x.grouped = True
        return x

    def call(self, c):
        """``f(a, b)`` → call; a spelled Greek name before ``(`` multiplies (``lambda(x)``)."""
        tok, left, right = c[0], c[1], c[-1]
        args = c[2] if len(c) == 4 else []
        word = tok.value.strip()
        if word in GREEK and word != "sigma":
            if len(args) != 1:
                raise positioned(ParseError, f"{word} is a Greek name, not a function",
                                  tok.start_pos, len(word))
            x = args[0]
            x.start, x.end = left.start_pos, right.end_pos
            name = Raw("name", (), (word,), tok.start_pos, tok.start_pos + len(word))
            return Raw("product", [name, x], (), tok.start_pos, right.end_pos)
        return Raw("call", args, (_function_name(word),), tok.start_pos, right.end_pos)

    def args(self, c):
        """Call arguments → a list of Raw."""
        return _raws(c)

    def prefix_call(self, c):
        """``\\det X``, ``log det X``: a function applied to the one factor that follows."""
        tok, x = c
        return Raw("call", [x], (_function_name(tok.value),), tok.start_pos, x.end)

    def sqrt(self, c):
        """``\\sqrt{x}`` → call sqrt."""
        return Raw("call", [c[2]], ("sqrt",), c[0].start_pos, c[-1].end_pos)

    def frac(self, c):
        """``\\frac{a}{b}`` → div."""
        return Raw("div", [c[2], c[5]], (), c[0].start_pos, c[-1].end_pos)

    def frac_digits(self, c):
        """``\\frac12`` → div of the two digits."""
        tok = c[0]
        numerator, denominator = [d for d in tok.value if d.isdigit()]
        num = Raw("number", (), (numerator,), tok.start_pos, tok.end_pos)
        den = Raw("number", (), (denominator,), tok.start_pos, tok.end_pos)
        return Raw("div", [num, den], (), tok.start_pos, tok.end_pos)

    def bars(self, c):
        """``|x|`` → bars (determinant or absolute value, decided by `build`)."""
        left, x, right = c
        return Raw("bars", [x], (), left.start_pos, right.end_pos)

    def norm(self, c):
        """``||x||``, ``‖x‖_2``, ``||A||_F``, ``||x||_1`` → norm with p in None, '2', 'F', '1'."""
        p = c[3].value.strip("_{} \t") if len(c) == 4 else None
        return Raw("norm", [c[1]], (p,), c[0].start_pos, c[-1].end_pos)

    # -- explicit matrices
    def mrow(self, c):
        """A row of ``[…]`` → (entries, written with commas?)."""
        return _raws(c), any(getattr(t, "type", None) == "COMMA" for t in c)

    erow = mrow

    def mrows(self, c):
        """The rows of ``[…]``."""
        return [x for x in c if isinstance(x, tuple)]

    erows = mrows

    def matrix(self, c):
        """``[a b; c d]``, ``[a, b; c, d]``, ``[1; 2; 3]`` → Matrix (rows, cols)."""
        left, rows, right = c
        if not any(comma for _, comma in rows):
            rows = [(_split(entries[0]) if len(entries) == 1 else entries, False) for entries, _ in rows]
        return _matrix([entries for entries, _ in rows], left.start_pos, right.end_pos)

    def env_matrix(self, c):
        """``\\begin{bmatrix} a & b \\\\ c & d \\end{bmatrix}`` → Matrix."""
        begin, rows, end = c
        return _matrix([entries for entries, _ in rows], begin.start_pos, end.end_pos)

    # -- declarations (items: see `declarations.declarations`)
    def decl_list(self, c):
        """Declaration items, separators dropped."""
        return [x for x in c if isinstance(x, tuple)]

    def decl_name(self, c):
        """A name waiting for the properties that follow (``x, y, z: scalar``)."""
        return ("name", decl_key(c[0]), None, c[0])

    def decl_props(self, c):
        """``name: prop prop …``."""
        return ("props", decl_key(c[0]), [p for p in c[2:] if isinstance(p, Decl)], c[0])

    def decl_more(self, c):
        """Bare properties after a comma: they add to the names declared just before."""
        return ("more", None, [p for p in c if isinstance(p, Decl)], None)

    def decl_value(self, c):
        """``X = [w x; y z]``: an explicit value."""
        return ("value", decl_key(c[0]), c[2], c[0])

    def prop(self, c):
        """One property → a partial Decl."""
        return prop_decl(c[0], [x for x in c[1:] if not hasattr(x, "type")])

    def dim(self, c):
        """A size in a declaration: a number or a size name."""
        return dim(c[0].value, c[0])


def _matrix(rows, start, end):
    """A Matrix Raw from rows of entries; ragged rows are a ParseError."""
    width = len(rows[0])
    for i, entries in enumerate(rows[1:], start=2):
        if len(entries) != width:
            raise positioned(ParseError, "the rows of an explicit matrix must have equal numbers of "
                                          f"entries: row {i} has {len(entries)}, row 1 has {width}",
                              entries[0].start, entries[-1].end - entries[0].start)
    return Raw("Matrix", [e for entries in rows for e in entries], (len(rows), width), start, end)


_SPLIT_THROUGH = {"product", "div", "Hadamard", "HadDiv", "Kron"}


def _split(r):
    """The entries that a comma-free matrix row stands for: spaces separate them.

    ``a b`` is two entries, ``a -b`` two (``a``, ``-b``), ``a - b c`` two
    (``a - b``, ``c``), ``(a b)`` one; as in MATLAB.
    """
    if not r.args or _grouped(r) and r.op != "neg":
        return [r]
    if isinstance(r, Juxtaposed) and r.args[1].start > r.args[0].end:
        return _split(r.args[0]) + _split(r.args[1])
    if r.op == "neg":
        parts = _split(r.args[0])
        if len(parts) == 1:
            return [r]
        return [Raw("neg", [parts[0]], (), r.start, parts[0].end)] + parts[1:]
    if r.op == "add":
        out = _split(r.args[0])
        for term in r.args[1:]:
            parts = _split(term)
            if isinstance(term, TightNeg):
                out += parts
            else:
                out[-1] = RawBuilder._sum(out[-1], parts[0])
                out += parts[1:]
        return out
    if r.op in _SPLIT_THROUGH and len(r.args) == 2:
        left, right = _split(r.args[0]), _split(r.args[1])
        if len(left) == 1 and len(right) == 1:
            return [r]
        joined = type(r)(r.op, [left[-1], right[0]], r.params, left[-1].start, right[0].end)
        return left[:-1] + [joined] + right[1:]
    return [r]


