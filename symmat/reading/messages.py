"""Bad input → one clear `SymmatError` with the position marked (SPEC §1.4).

What this module decides:

* which input is refused before it is parsed (`check_input`: not a string,
  empty, longer than ``--max-chars``, brackets nested deeper than
  ``--max-depth``);
* how lark's syntax errors read: what was found, what the parser would have
  taken there in plain words (`describe_expected`), the column and a caret
  (`syntax_error`, `with_caret`);
* which terminals the parser would take in a state (`accepted_terminals`:
  the parse table walked with the reductions it would make, so that the
  message lists what could really follow, not every terminal of the state).
"""

import re

from ..errors import LimitError, ParseError, caret

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


def positioned(cls, message, pos, width=1):
    """An error whose message will get a caret at `pos` (added by `with_caret`)."""
    err = cls(message)
    err.pos, err.width = pos, max(width, 1)
    return err


def with_caret(err, text, label):
    """The error again, with `label`, the column and a caret under `text` in its message."""
    pos = getattr(err, "pos", None)
    if pos is None:
        return type(err)(f"{str(err)}{label}")
    line_start = text.rfind("\n", 0, pos) + 1
    return type(err)(f"{err}{label} (column {pos - line_start + 1})\n{caret(text, pos + 1, err.width)}")


# ----------------------------------------------------------------- lark's syntax errors

def accepted_terminals(parser_state):
    """The terminals that lark's parser, in `parser_state`, would shift (after the reductions)."""
    table = parser_state.parse_conf.parse_table
    states, ends = table.states, set(table.end_states.values())
    out = set()
    for sym in states[parser_state.state_stack[-1]]:
        if (sym.isupper() or sym == "$END") and _would_shift(list(parser_state.state_stack), sym, states, ends):
            out.add(sym)
    return out


def _would_shift(stack, sym, states, ends):
    """Whether `sym` is shifted (or accepted at the end) from `stack`, reducing as needed."""
    for _ in range(10_000):
        action = states[stack[-1]].get(sym)
        if action is None:
            return False
        rule = action[1]
        if not hasattr(rule, "origin"):   # a shift: its argument is the next state
            return True
        if rule.expansion:
            del stack[-len(rule.expansion):]
        goto = states[stack[-1]].get(rule.origin.name)
        if goto is None:
            return False
        stack.append(goto[1])
        if sym == "$END" and stack[-1] in ends:
            return True
    return False


def syntax_error(e, text, runtime):
    """lark's UnexpectedCharacters / UnexpectedToken `e` → a positioned ParseError saying what was expected."""
    state = getattr(e, "state", None)
    try:
        expected = accepted_terminals(state) if state is not None else None
    except (AttributeError, KeyError, IndexError):   # a parser state of another shape: lark's own list
        expected = None
    if isinstance(e, runtime.UnexpectedCharacters):
        pos = e.pos_in_stream
        command = re.match(r"\\[A-Za-z]+", text[pos:])
        if command:
            what, width = f"unknown LaTeX command {command.group(0)}", len(command.group(0))
        else:
            ch = text[pos]
            shown = ch if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"
            what, width = f"unexpected character {shown!r}", 1
        expected = expected if expected is not None else e.allowed
    elif e.token.type != "$END":
        tok = e.token
        pos, width = tok.start_pos, max(len(tok.value), 1)
        shown = tok.value.strip() or text[tok.start_pos:tok.end_pos]
        what = f"unexpected '{shown}'"
        expected = expected if expected is not None else e.expected
    else:
        pos, width = len(text.rstrip()), 1
        what = "unexpected end of input"
        expected = expected if expected is not None else e.expected
    return positioned(ParseError, f"syntax error: {what}; expected {describe_expected(expected)}", pos, width)


# ----------------------------------------------------------------- refused before parsing

def check_input(text, limits, what):
    """Refuse input that is not a string, empty, over-long or too deeply bracketed, before parsing it.

    `what` names the input in the message ("expression", "claim", "where
    declarations"); `limits` is a `Limits`.
    """
    if not isinstance(text, str):
        raise ParseError(f"the {what} must be a string, not {type(text).__name__}")
    if len(text) > limits.max_chars:
        raise LimitError(f"the {what} is {len(text):,} characters long, above the limit of "
                         f"{limits.max_chars:,} (raise it with --max-chars)")
    if not text.strip():
        raise ParseError(f"the {what} is empty: type an expression such as  x^T A x")
    depth = 0
    openers = text.count("(") + text.count("[") + text.count("{")
    for m in (re.finditer(r"[(\[{]|[)\]}]", text) if openers > limits.max_depth else ()):   # deeper only then
        depth += 1 if m.group(0) in "([{" else -1
        if depth > limits.max_depth:
            err = positioned(LimitError, f"the {what} is nested deeper than {limits.max_depth} "
                                         f"levels (raise the limit with --max-depth)", m.start())
            raise with_caret(err, text, "")
