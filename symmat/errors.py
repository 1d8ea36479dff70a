"""The exceptions symmat raises for bad input.

Every rejection of user input is a `SymmatError` (a `ValueError`) carrying one
clear message; the command line prints that message and exits with status 2.
Anything else escaping the API is a bug in symmat, not in the input.
"""


class SymmatError(ValueError):
    """Bad input: the message says what and where."""


class ParseError(SymmatError):
    """Text that the grammar cannot read (with a caret under the column)."""


class ShapeError(SymmatError):
    """Operands whose shapes do not fit the operation."""


class DeclarationError(SymmatError):
    """A `where` declaration that is malformed or contradicts another."""


class UnknownFunctionError(ParseError):
    """A call of a function symmat does not know (names the nearest one)."""


class LimitError(SymmatError):
    """Input that would take unbounded time or memory; names the limit and its option."""


class DerivativeError(SymmatError):
    """A derivative that cannot be taken as asked (variable absent, non-scalar grad, …)."""


class InternalError(RuntimeError):
    """A result failed symmat's own consistency check: it is not printed."""


def printable(text):
    """`text` with control characters shown as escapes (never echoed to a terminal)."""
    return "".join(c if c.isprintable() or c == " " else ascii(c)[1:-1] for c in text)


def caret(text, column, width=1):
    """Return `text` (one line around `column`, 1-based) with a caret line under it."""
    line_start = text.rfind("\n", 0, max(column - 1, 0)) + 1
    line_end = text.find("\n", line_start)
    line = text[line_start: line_end if line_end >= 0 else len(text)]
    col = column - 1 - line_start
    if len(line) > 70:
        lo = max(0, col - 35)
        line, col = ("…" if lo else "") + line[lo:lo + 70], col - lo + (1 if lo else 0)
    shown = printable(line[:col])
    width = max(1, min(width, len(printable(line)) - len(shown)))
    return f"  {printable(line)}\n  {' ' * len(shown)}{'^' * width}"
