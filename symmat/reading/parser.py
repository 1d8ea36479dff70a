"""Reading text into a typed expression (SPEC §1): grammar, raw tree, errors.

What this module decides:

* where the grammar file is found (next to the package in a wheel, at the
  repository root in a checkout) and where its compiled LALR tables are
  cached, so that a cold ``symmat render`` does not rebuild them;
* how lark's parse maps to `build.Raw` nodes: one callback per rule alias
  of ``grammar/symmat.lark`` (the table `RawBuilder`), called by the LALR
  parser as it reduces, so no parse tree is built and nothing recurses;
* how a name is spelled canonically (`canonical_name`: ``W_{1}`` → ``W1``,
  ``X_{train}`` → ``X_train``, ``\\lambda`` → ``lambda``, ``\\hat{y}`` →
  ``y_hat``, ``theta_1`` → ``θ1``);
* which bar opens and which closes (`BarPostLex`);
* that a postfix after a run of letters binds the last letter (``Axx^T`` is
  ``A x x^T``) unless the run is one name (`split_postfix_names`);
* how a comma-free matrix row splits into entries (at spaces: ``[a b; c d]``);
* how ``where`` declarations become `build.Decl` and how the two sources of
  declarations (the text and the ``where=`` string) are merged;
* how a syntax error becomes one clear `ParseError` with a caret.

Kinds, sizes and function names are decided later, by `build.typecheck`.
lark compiles the grammar into LALR tables once (`compile_tables`); they are
cached on disk and run by the small driver `Parser`, so a cold start imports
neither lark nor anything heavy (SPEC: ``symmat render`` must start fast).
"""

import os
import re
from fractions import Fraction

from .build import Decl, Limits, Raw, Typer, typecheck
from ..tree.names import GREEK, canonical_name, recording, remember, typed  # noqa: F401 (canonical_name: re-exported)
from ..errors import DeclarationError, LimitError, ParseError, SymmatError, caret

GRAMMAR_NAME = "symmat.lark"
START_RULES = ["start", "decls"]


# ----------------------------------------------------------------- the grammar and its cache

def grammar_path():
    """The path of ``symmat.lark``: in the installed package, else at the repository root."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # the symmat package
    for candidate in (os.path.join(here, "grammar", GRAMMAR_NAME),
                      os.path.join(os.path.dirname(here), "grammar", GRAMMAR_NAME)):
        if os.path.isfile(candidate):
            return candidate
    from importlib.resources import files  # the loader a wheel install relies on
    return str(files("symmat.grammar") / GRAMMAR_NAME)


def grammar_text():
    """The text of the grammar (SPEC §1: the single source of the syntax)."""
    with open(grammar_path(), encoding="utf-8") as f:
        return f.read()


def cache_path():
    """A writable file for the compiled tables.

    In a source checkout: next to the code (git ignores it). In an installed
    package: the user's cache folder (never site-packages), else the temp folder.
    """
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # the symmat package
    name = "_grammar_cache.pickle"
    if not os.path.isfile(os.path.join(here, "grammar", GRAMMAR_NAME)) and os.access(here, os.W_OK):
        return os.path.join(here, name)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "symmat")
    try:
        os.makedirs(folder, exist_ok=True)
        if os.access(folder, os.W_OK):
            return os.path.join(folder, name)
    except OSError:
        pass
    import tempfile
    user = os.getuid() if hasattr(os, "getuid") else ""
    return os.path.join(tempfile.gettempdir(), f"symmat{user}{name}")


TABLES_FORMAT = 2   # bump when the layout of `compile_tables`' result changes


def compile_tables(text):
    """Compile the grammar with lark (LALR(1), contextual lexer) into plain tables.

    The result holds only strings, ints, tuples and dicts: the rules (origin,
    length, callback name, whether to inline a single child or splice a
    helper rule), lark's LALR action table, and for every parser state the
    terminals its contextual lexer tries, in lark's order. `Parser` runs them
    with nothing but `re`, so a cold start does not import lark.
    """
    from lark import Lark
    inst = Lark(text, parser="lalr", lexer="contextual", start=START_RULES, keep_all_tokens=True,
                maybe_placeholders=False, postlex=BarPostLex())
    frontend = inst.parser
    table = frontend.parser._parse_table
    rule_index, rules = {}, []
    for state in table.states.values():
        for action, arg in state.values():
            if action.name == "Reduce" and arg not in rule_index:
                rule_index[arg] = len(rules)
                expand1 = bool(arg.options.expand1) and not arg.alias
                origin = str(arg.origin.name)
                rules.append((origin, len(arg.expansion), str(arg.alias or origin), expand1,
                              origin.startswith("_")))
    states = {int(s): {str(sym): (0, int(arg)) if action.name == "Shift" else (1, rule_index[arg])
                       for sym, (action, arg) in acts.items()}
              for s, acts in table.states.items()}
    contextual = frontend.lexer.lexer
    patterns, lexers = {}, {}
    for s, lexer in list(contextual.lexers.items()) + [(None, contextual.root_lexer)]:
        scanner = lexer.scanner
        if lexer.callback:
            raise RuntimeError(f"lexer callbacks are not supported: {sorted(lexer.callback)}")
        for t in scanner.terminals:
            patterns[str(t.name)] = str(t.pattern.to_regexp())
        lexers[s] = (tuple(str(t.name) for t in scanner.terminals),
                     tuple(sorted(str(n) for n in lexer.ignore_types)))
    start = {str(k): int(v) for k, v in table.start_states.items()}
    end = {str(k): int(v) for k, v in table.end_states.items()}
    first = {name: first_chars(regexp) for name, regexp in patterns.items()}
    return {"format": TABLES_FORMAT, "grammar": text, "rules": rules, "states": states,
            "start": start, "end": end, "patterns": patterns, "first": first, "lexers": lexers}


class _AnyChar(Exception):
    """A regex whose first character cannot be narrowed down."""


def first_chars(regexp):
    """The characters a match of `regexp` can start with, as a string; None if any may."""
    try:
        from re import _constants as sc, _parser as sp
    except ImportError:  # Python < 3.11
        import sre_constants as sc
        import sre_parse as sp
    try:
        parsed = sp.parse(regexp)
        if parsed.state.flags & sc.SRE_FLAG_IGNORECASE:
            return None
        chars, nullable = _first_of(parsed, sc)
    except _AnyChar:
        return None
    return None if nullable else "".join(sorted(chars))


def _first_of(seq, sc):
    """(first characters, can match empty) of a parsed regex sequence."""
    chars = set()
    for op, av in seq:
        more, nullable = _first_item(op, av, sc)
        chars |= more
        if not nullable:
            return chars, False
    return chars, True


def _first_item(op, av, sc):
    """(first characters, can match empty) of one parsed regex item."""
    if op is sc.LITERAL:
        return {chr(av)}, False
    if op is sc.IN:
        chars = set()
        for kind, arg in av:
            if kind is sc.LITERAL:
                chars.add(chr(arg))
            elif kind is sc.RANGE and arg[1] - arg[0] < 5000:
                chars.update(chr(c) for c in range(arg[0], arg[1] + 1))
            else:
                raise _AnyChar
        return chars, False
    if op is sc.BRANCH:
        chars, nullable = set(), False
        for branch in av[1]:
            more, empty = _first_of(branch, sc)
            chars |= more
            nullable = nullable or empty
        return chars, nullable
    if op is sc.SUBPATTERN:
        if av[1] & sc.SRE_FLAG_IGNORECASE:
            raise _AnyChar
        return _first_of(av[3], sc)
    if op in (sc.MAX_REPEAT, sc.MIN_REPEAT) or op.name == "POSSESSIVE_REPEAT":
        chars, nullable = _first_of(av[2], sc)
        return chars, nullable or av[0] == 0
    if op in (sc.AT, sc.ASSERT, sc.ASSERT_NOT):
        return set(), True
    raise _AnyChar


def load_tables():
    """The compiled tables: from the cache when it matches the grammar, else compiled (and cached)."""
    import pickle
    text = grammar_text()
    path = cache_path()
    try:
        with open(path, "rb") as f:
            tables = pickle.load(f)
        if tables.get("format") == TABLES_FORMAT and tables.get("grammar") == text:
            return tables
    except Exception:  # missing, unreadable or from another version: compile afresh
        pass
    tables = compile_tables(text)
    try:
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            pickle.dump(tables, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only place: compile again next time
    return tables


_PARSER = None


def parser():
    """The parser, built once per process."""
    global _PARSER
    if _PARSER is None:
        _PARSER = Parser(load_tables(), RawBuilder(), BarPostLex())
    return _PARSER


class Token:
    """A token: terminal name, text, and its span in the source."""

    __slots__ = ("type", "value", "start_pos", "end_pos")

    def __init__(self, type_, value, start_pos, end_pos):
        self.type, self.value, self.start_pos, self.end_pos = type_, value, start_pos, end_pos

    def __repr__(self):
        return f"Token({self.type!r}, {self.value!r})"


class UnexpectedCharacters(Exception):
    """No terminal matches at `pos` (`allowed`: what the state would have taken)."""

    def __init__(self, pos, allowed):
        super().__init__(pos)
        self.pos, self.allowed = pos, allowed


class UnexpectedToken(Exception):
    """The parser cannot take `token` here (`expected`: the terminals it would take)."""

    def __init__(self, token, expected):
        super().__init__(token)
        self.token, self.expected = token, expected


class _Splice(list):
    """The children of a helper rule (``(COMMA expr)*``), spliced into its parent."""

    __slots__ = ()


class Parser:
    """An LALR(1) driver with a contextual lexer over lark's compiled tables.

    It does what lark's own LALR runtime does for this grammar (callbacks
    called as rules reduce; ``?rule`` with one child inlined; helper rules
    spliced; all tokens kept), in a loop, without recursion.
    """

    def __init__(self, tables, callbacks, postlex):
        self.rules = tables["rules"]
        self.states = tables["states"]
        self.starts, self.ends = tables["start"], tables["end"]
        self.patterns, self.lexers = tables["patterns"], tables["lexers"]
        self.callbacks, self.postlex = callbacks, postlex
        self._ignore = frozenset(self.lexers[None][1])
        self.first = tables["first"]
        self._single, self._candidates = {}, {}

    def _regex(self, name):
        """The compiled pattern of one terminal (compiled on first use)."""
        regex = self._single.get(name)
        if regex is None:
            regex = self._single[name] = re.compile(self.patterns[name])
        return regex

    def _for_char(self, state, ch):
        """The terminals of `state`'s lexer that can start with `ch`, in lark's order."""
        key = (state, ch)
        found = self._candidates.get(key)
        if found is None:
            first = self.first
            found = tuple(n for n in self.lexers[state][0] if first[n] is None or ch in first[n])
            self._candidates[key] = found
        return found

    def _match(self, text, pos, state):
        """(terminal, end) of the token at `pos` for the lexer of `state`, or (None, None)."""
        for name in self._for_char(state, text[pos]):
            m = self._regex(name).match(text, pos)
            if m:
                return name, m.end()
        return None, None

    def _tokens(self, text, stack):
        """Lex `text`, each token with the lexer of the parser state on top of `stack`."""
        pos, n = 0, len(text)
        while pos < n:
            name, end = self._match(text, pos, stack[-1])
            if name is None:
                other, end = self._match(text, pos, None)   # the whole grammar's lexer
                if other is None:
                    raise UnexpectedCharacters(pos, self.accepts(stack))
                raise UnexpectedToken(Token(other, text[pos:end], pos, end), self.accepts(stack))
            if name not in self._ignore:
                yield Token(name, text[pos:end], pos, end)
            pos = end

    def parse(self, text, start="start"):
        """Parse `text` from the start rule `start`; return what the callbacks built."""
        stack, values = [self.starts[start]], []
        end_state = self.ends[start]
        for tok in self.postlex.process(self._tokens(text, stack)):
            self._feed(stack, values, tok, end_state)
        eof = Token("$END", "", len(text), len(text))
        return self._feed(stack, values, eof, end_state)

    def _feed(self, stack, values, tok, end_state):
        """Reduce as `tok` asks, then shift it (or, at the end, return the result)."""
        while True:
            action = self.states[stack[-1]].get(tok.type)
            if action is None:
                raise UnexpectedToken(tok, self.accepts(stack))
            kind, arg = action
            if kind == 0:
                stack.append(arg)
                values.append(tok)
                return None
            origin, size, name, expand1, splice = self.rules[arg]
            children = values[-size:] if size else []
            if size:
                del stack[-size:]
                del values[-size:]
            values.append(self._reduce(children, name, expand1, splice))
            stack.append(self.states[stack[-1]][origin][1])
            if tok.type == "$END" and stack[-1] == end_state:
                return values[-1]

    def _reduce(self, children, name, expand1, splice):
        """The value of a reduced rule from its children's values."""
        flat = []
        for c in children:
            if type(c) is _Splice:
                flat.extend(c)
            else:
                flat.append(c)
        if splice:
            return _Splice(flat)
        if expand1 and len(flat) == 1:
            return flat[0]
        return getattr(self.callbacks, name)(flat)

    def accepts(self, stack):
        """The terminals that the parser, in the state `stack`, would shift (after reductions)."""
        out = set()
        for sym in self.states[stack[-1]]:
            if sym.isupper() or sym == "$END":
                if self._would_shift(list(stack), sym):
                    out.add(sym)
        return out

    def _would_shift(self, stack, sym):
        """Whether `sym` is shifted (or accepted at the end) from `stack`, reducing as needed."""
        ends = set(self.ends.values())
        for _ in range(10_000):
            action = self.states[stack[-1]].get(sym)
            if action is None:
                return False
            kind, arg = action
            if kind == 0:
                return True
            origin, size = self.rules[arg][:2]
            if size:
                del stack[-size:]
            goto = self.states[stack[-1]].get(origin)
            if goto is None:
                return False
            stack.append(goto[1])
            if sym == "$END" and stack[-1] in ends:
                return True
        return False


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
                    tok = Token(closer, tok.value, tok.start_pos, tok.end_pos)
                else:
                    stack.append(opener)
                    tok = Token(opener, tok.value, tok.start_pos, tok.end_pos)
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


def _exponent(tok):
    """The rational exponent written in a POWER, SUPERSCRIPT or HADPOW token."""
    text = tok.value.lstrip(".").translate(_EXPONENT_CHARS)
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise _positioned(ParseError, f"cannot read the exponent {tok.value.strip()!r}",
                          tok.start_pos, len(tok.value)) from None


# ----------------------------------------------------------------- the raw tree

def _raws(children):
    """The Raw children (tokens left out)."""
    return [c for c in children if isinstance(c, Raw)]


def _grouped(r):
    """True when `r` was written in brackets (its span is wider than its operands')."""
    return bool(r.args) and (r.start < r.args[0].start or r.end > r.args[-1].end)


class Juxtaposed(Raw):
    """A product written by juxtaposition (``a b``): in a matrix row, a space splits it."""

    __slots__ = ()


class TightNeg(Raw):
    """The negation of ``a -b`` (space before the minus, none after): in a matrix row, a new entry."""

    __slots__ = ()


def _unary(op, params=()):
    """A callback for ``operand TOKEN`` postfix rules."""
    def callback(self, c):
        x, tok = c
        return Raw(op, [x], params, x.start, tok.end_pos)
    callback.__doc__ = f"``x {op}`` → Raw({op!r}, [x])."
    return callback


def _binary(op):
    """A callback for ``a TOKEN b`` rules."""
    def callback(self, c):
        a, _, b = c
        return Raw(op, [a, b], (), a.start, b.end)
    callback.__doc__ = f"``a op b`` → Raw({op!r}, [a, b])."
    return callback


class RawBuilder:
    """Grammar rule aliases → `build.Raw` nodes (the callbacks of the LALR parser).

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
        raise _positioned(ParseError, f"the exponent in {tok.value.strip()!r} is not a number: symmat "
                                      "reads ^T, ^{-1}, ^{-T} and numeric powers such as ^2 or ^{1/2}",
                          tok.start_pos, len(tok.value))

    # -- atoms
    def name(self, c):
        """A name; ``I`` is the identity, ``eye`` the identity of the size its context needs."""
        tok = c[0]
        text = tok.value
        m = re.fullmatch(r"I_\{?(\d+)\}?", text)
        if text == "I" or m:
            return Raw("identity", (), (int(m.group(1)),) if m else (), tok.start_pos, tok.end_pos)
        if text == "eye":
            return Raw("call", (), ("eye",), tok.start_pos, tok.end_pos)
        return Raw("name", (), (typed(text),), tok.start_pos, tok.end_pos)

    def number(self, c):
        """A numeric literal."""
        tok = c[0]
        return Raw("number", (), (tok.value,), tok.start_pos, tok.end_pos)

    def ones(self, c):
        """``ones``, ``𝟏``, ``\\mathbf{1}``: the vector of ones."""
        tok = c[0]
        return Raw("ones", (), (), tok.start_pos, tok.end_pos)

    def group(self, c):
        """``( x )`` or ``{ x }``: x, its span widened to the brackets."""
        left, x, right = c
        x.start, x.end = left.start_pos, right.end_pos
        return x

    def call(self, c):
        """``f(a, b)`` → call; a spelled Greek name before ``(`` multiplies (``lambda(x)``)."""
        tok, left, right = c[0], c[1], c[-1]
        args = c[2] if len(c) == 4 else []
        word = tok.value.strip()
        if word in GREEK and word != "sigma":
            if len(args) != 1:
                raise _positioned(ParseError, f"{word} is a Greek name, not a function",
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

    # -- declarations
    def decl_list(self, c):
        """Declaration items, separators dropped."""
        return [x for x in c if isinstance(x, tuple)]

    def decl_name(self, c):
        """A name waiting for the properties that follow (``x, y, z: scalar``)."""
        return ("name", _decl_key(c[0]), c[0])

    def decl_props(self, c):
        """``name: prop prop …``."""
        return ("props", _decl_key(c[0]), [p for p in c[2:] if isinstance(p, Decl)], c[0])

    def decl_more(self, c):
        """Bare properties after a comma: they add to the names declared just before."""
        return ("more", None, [p for p in c if isinstance(p, Decl)])

    def decl_value(self, c):
        """``X = [w x; y z]``: an explicit value."""
        return ("value", _decl_key(c[0]), c[2], c[0])

    def prop(self, c):
        """One property → a partial Decl."""
        tok = c[0]
        dims = [x for x in c[1:] if not hasattr(x, "type")]
        word = tok.type
        if word == "SCALAR":
            return Decl(kind="scalar")
        if word == "VECTOR":
            return Decl(kind="vector", shape=(dims[0], 1) if dims else None)
        if word == "MATRIX":
            return Decl(kind="matrix", shape=tuple(dims) if dims else None)
        if word == "SIZE":
            a, b = re.split(r"\s*[x×]\s*", tok.value.strip(), maxsplit=1)
            return Decl(shape=(_dim(a, tok), _dim(b, tok)))
        value = " ".join(tok.value.split())
        return Decl(props={"spd" if value in ("SPD", "positive definite") else value})

    def dim(self, c):
        """A size in a declaration: a number or a size name."""
        return _dim(c[0].value, c[0])


def _dim(text, tok):
    """A size: a positive integer, or a name such as ``n``."""
    if text[0].isdigit():
        if not text.isdigit() or int(text) < 1:
            raise _positioned(ParseError, f"a size must be a whole number or a name, not {text}",
                              tok.start_pos, len(tok.value))
        return int(text)
    return text


def _decl_key(tok):
    """The name a declaration is filed under (spelled Greek → Unicode)."""
    name = typed(tok.value)
    return GREEK.get(name, name)


def _matrix(rows, start, end):
    """A Matrix Raw from rows of entries; ragged rows are a ParseError."""
    width = len(rows[0])
    for i, entries in enumerate(rows[1:], start=2):
        if len(entries) != width:
            raise _positioned(ParseError, "the rows of an explicit matrix must have equal numbers of "
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


# ----------------------------------------------------------------- postfix on juxtaposed letters

_POSTFIX = {"Transpose", "power", "HadPow"}


def split_postfix_names(root, decls):
    """``Axx^T`` is ``A x x^T``: a postfix written after a run of letters binds the last one.

    The lexer reads ``Axx`` as one name (build splits it, unless it is declared
    or is one name by its spelling); so, once the declarations are known, a
    chain of postfix operators over such a name is moved onto its last letter.
    """
    stack = [root]
    while stack:
        r = stack.pop()
        for i, a in enumerate(r.args):
            if a.op in _POSTFIX:
                r.args[i] = _push_postfix(a, decls)
        stack.extend(r.args)
    return _push_postfix(root, decls) if root.op in _POSTFIX else root


def _push_postfix(top, decls):
    """`top` (a postfix chain) with its base name split off all but its last letter."""
    chain, base = [top], top.args[0]
    while base.op in _POSTFIX:
        chain.append(base)
        base = base.args[0]
    if base.op != "name" or not _splits(base.params[0], decls):
        return top
    text = base.params[0]
    head = Raw("name", (), (text[:-1],), base.start, base.end - 1)
    chain[-1].args[0] = Raw("name", (), (text[-1],), base.end - 1, base.end)
    for node in chain:
        node.start = base.end - 1
    return Juxtaposed("product", [head, top], (), head.start, top.end)


def _splits(name, decls):
    """Whether `build` will read `name` as juxtaposed single letters."""
    name = GREEK.get(name, name)
    return not (name in decls or Typer._one_name(name))


# ----------------------------------------------------------------- declarations

def declarations(items):
    """Declaration items (from `RawBuilder`) → dict name → `build.Decl`."""
    decls, pending, current = {}, [], []
    for kind, name, payload, *_ in items:
        if kind == "name":
            pending.append(name)
            continue
        if kind == "more":
            if not current:
                raise DeclarationError("a property in the where clause names no variable "
                                       "(write it as  name: property)")
            names = current
        else:
            names = current = pending + [name]
            pending = []
        parts = [Decl(value=payload)] if kind == "value" else payload
        for n in names:
            _declare(decls, n, parts)
    if pending:
        raise DeclarationError(f"{', '.join(pending)} in the where clause "
                               f"{'is' if len(pending) == 1 else 'are'} declared without a kind or property "
                               "(write e.g.  x: scalar)")
    return decls


def _declare(decls, name, parts):
    """Merge the partial declarations `parts` into ``decls[name]``."""
    decl = decls.setdefault(name, Decl())
    for part in parts:
        decl.merge(Decl(part.kind, part.shape, part.props, part.value), name)
    if decl.kind == "vector" and decl.shape and decl.shape[1] != 1:
        raise DeclarationError(f"{name} is declared a vector and of size {decl.shape[0]}×{decl.shape[1]}")
    value = decl.value
    if value is not None and value.op == "Matrix":
        rows, cols = value.params
        if decl.shape and decl.shape != (rows, cols) or decl.kind == "vector" and cols != 1 \
                or decl.kind == "scalar" and (rows, cols) != (1, 1):
            declared = f"{decl.shape[0]}×{decl.shape[1]}" if decl.shape else f"a {decl.kind}"
            raise DeclarationError(f"contradictory declarations of {name}: {declared} and "
                                   f"an explicit {rows}×{cols} matrix")


def merge_declarations(first, second):
    """The union of two declaration dicts; a contradiction is a DeclarationError."""
    out = dict(first)
    for name, decl in second.items():
        if name in out:
            merged = Decl(out[name].kind, out[name].shape, out[name].props, out[name].value)
            merged.merge(decl, name)
            out[name] = merged
        else:
            out[name] = decl
    return out


# ----------------------------------------------------------------- errors

_WORDS = {
    "RPAR": "')'", "RSQB": "']'", "RBRACE": "'}'", "RBAR": "a closing '|'", "RNORM": "a closing '‖'",
    "END": "\\end{…matrix}", "COMMA": "','", "SEMI": "';'", "AMP": "'&'", "ROWSEP": "'\\\\'",
    "COLON": "':'", "EQUAL": "'='", "WHERE": "'where'", "AND": "'and'", "LPAR": "'('", "LBRACE": "'{'",
    "$END": "the end of the input",
}
_OPERAND_START = {"NAME", "GREEK", "GREEK_CMD", "ACCENT", "NUMBER", "ONES", "LPAR", "LBRACE", "CALL",
                  "SQRT", "FRAC", "LBAR", "LNORM", "LSQB", "BEGIN", "FUNC", "MINUS", "BAR", "DBAR"}
_NAME_TOKENS = {"NAME", "GREEK", "GREEK_CMD", "ACCENT"}
_OPERATORS = {"PLUS", "MINUS", "MUL", "DIV", "HAD", "HADDIV", "KRON"}
_DECL_WORDS = {"SCALAR", "VECTOR", "MATRIX", "SIZE", "PROPERTY"}
_CLOSERS = ["RPAR", "RSQB", "RBRACE", "RBAR", "RNORM", "END"]


def describe_expected(names):
    """Terminal names → what was expected there, in plain words."""
    names = set(names)
    starts = names & _OPERAND_START - _NAME_TOKENS
    words = [_WORDS[n] for n in _CLOSERS if n in names]
    if names & _OPERATORS - {"MINUS", "PLUS"}:
        words.append("an operator")
    if len(starts) >= 2:
        words.append("an expression (a name, a number, '(' …)")
    elif names & _NAME_TOKENS:
        words.append("a name")
    if names & _DECL_WORDS:
        words.append("a kind or property (scalar, vector, matrix, m x n, symmetric, …)")
    if "NUMBER" in names and len(starts) < 2:
        words.append("a number")
    words += [_WORDS[n] for n in ("COLON", "EQUAL", "COMMA", "SEMI", "AMP", "ROWSEP", "WHERE", "$END")
              if n in names and (n != "COMMA" or len(words) < 3)]
    if not words:
        words = sorted(_WORDS[n] for n in names if n in _WORDS) or ["something else"]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _positioned(cls, message, pos, width=1):
    """An error whose message will get a caret at `pos` (added by `_with_caret`)."""
    err = cls(message)
    err.pos, err.width = pos, max(width, 1)
    return err


def _with_caret(err, text, label):
    """Re-raise a positioned error with the column and caret in its message."""
    pos = getattr(err, "pos", None)
    if pos is None:
        return type(err)(f"{str(err)}{label}")
    line_start = text.rfind("\n", 0, pos) + 1
    return type(err)(f"{err}{label} (column {pos - line_start + 1})\n{caret(text, pos + 1, err.width)}")


def _describe_token(tok, text):
    """A token as a user would name it."""
    value = tok.value.strip() or text[tok.start_pos:tok.end_pos]
    return f"'{value}'"


def _syntax_error(e, text):
    """An UnexpectedCharacters / UnexpectedToken → a positioned ParseError saying what was expected."""
    if isinstance(e, UnexpectedCharacters):
        pos = e.pos
        command = re.match(r"\\[A-Za-z]+", text[pos:])
        if command:
            what, width = f"unknown LaTeX command {command.group(0)}", len(command.group(0))
        else:
            ch = text[pos]
            shown = ch if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"
            what, width = f"unexpected character {shown!r}", 1
        expected = describe_expected(e.allowed)
    elif e.token.type != "$END":
        pos, width = e.token.start_pos, max(len(e.token.value), 1)
        what = f"unexpected {_describe_token(e.token, text)}"
        expected = describe_expected(e.expected)
    else:
        pos, width = len(text.rstrip()), 1
        what = "unexpected end of input"
        expected = describe_expected(e.expected)
    return _positioned(ParseError, f"syntax error: {what}; expected {expected}", pos, width)


# ----------------------------------------------------------------- entry points

def _check_input(text, limits, what):
    """Refuse empty, over-long or too deeply bracketed input before parsing it."""
    if not isinstance(text, str):
        raise ParseError(f"the {what} must be a string, not {type(text).__name__}")
    if len(text) > limits.max_chars:
        raise LimitError(f"the {what} is {len(text):,} characters long, above the limit of "
                         f"{limits.max_chars:,} (raise it with --max-chars)")
    if not text.strip():
        raise ParseError(f"the {what} is empty: type an expression such as  x^T A x")
    depth = 0
    for m in re.finditer(r"[(\[{]|[)\]}]", text):
        depth += 1 if m.group(0) in "([{" else -1
        if depth > limits.max_depth:
            err = _positioned(LimitError, f"the {what} is nested deeper than {limits.max_depth} "
                                          f"levels (raise the limit with --max-depth)", m.start())
            raise _with_caret(err, text, "")


def _parse(text, start, label=""):
    """Run the parser; every failure becomes a SymmatError with a caret."""
    try:
        return parser().parse(text, start=start)
    except SymmatError as e:
        raise _with_caret(e, text, label) from None
    except (UnexpectedCharacters, UnexpectedToken) as e:
        raise _with_caret(_syntax_error(e, text), text, label) from None
    except RecursionError:
        raise LimitError("the expression is nested too deeply (raise the limit with --max-depth)") from None


def _shift(items, offset):
    """Move the spans of the Raw values in declaration items by `offset`."""
    stack = [item[2] for item in items if item[0] == "value"]
    while stack:
        r = stack.pop()
        r.start += offset
        r.end += offset
        stack.extend(r.args)


def parse_with_info(text, where=None, limits=None):
    """Read `text` (and the `where` declarations) into (typed Expr, dict name → Decl)."""
    with recording() as table:   # the names as typed, kept beside the tree (tree.names)
        expr, decls = _read(text, where, limits)
    return remember(expr, table), decls


def _read(text, where, limits):
    """The reading itself (see `parse_with_info`)."""
    limits = limits or Limits()
    _check_input(text, limits, "expression")
    root, items = _parse(text, "start")
    decls = declarations(items)
    source = text
    if where is not None and (not isinstance(where, str) or where.strip()):
        _check_input(where, limits, "where declarations")
        where_items = _parse(where, "decls", " in the where declarations")
        source = text + "\n" + where
        _shift(where_items, len(text) + 1)
        decls = merge_declarations(decls, declarations(where_items))
    root = split_postfix_names(root, decls)
    try:
        (expr,) = typecheck([root], source, decls, limits)
    except RecursionError:
        raise LimitError(f"the expression is nested too deeply for the limit of {limits.max_depth} "
                         f"levels (raise the limit with --max-depth)") from None
    return expr, decls


def parse_expression(text, where=None, limits=None):
    """Read `text` (SPEC §1) into a typed `Expr`; `where` adds declarations."""
    return parse_with_info(text, where=where, limits=limits)[0]
