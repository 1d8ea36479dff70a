"""Reading text into a typed expression (SPEC §1): the entry points of the reading stage.

What this module decides: the order of the steps, and which of them every
caller (the API, the pipeline, the homework checker) shares:

1. `check_input` refuses what is not worth parsing (`messages`);
2. `parse_raw` runs lark's parser (`grammar`) over the text, with the
   callbacks of `rawtree` building the raw tree as rules reduce; every
   failure becomes one `SymmatError` with a caret;
3. `declarations` / `merge_declarations` combine the ``where`` clause and
   the ``where=`` string (`declarations`);
4. `split_postfix_names` lets a postfix bind the last of juxtaposed letters
   (`juxtapose`);
5. `build.typecheck` gives kinds and sizes and builds the frozen nodes.

`parse_with_info` runs them for one text; the checker runs steps 2-5 itself
for two texts that share their declarations.
"""

import _thread   # threading's lock, without importing threading on a cold start

from .build import Limits, typecheck
from .declarations import declarations, merge_declarations, shift_spans
from .grammar import START_RULES, build, grammar_text  # noqa: F401  (re-exported for tests/tools)
from .juxtapose import split_postfix_names
from .messages import check_input, syntax_error, with_caret
from .rawtree import BarPostLex, Raw, RawBuilder  # noqa: F401
from ..errors import LimitError, SymmatError
from ..tree.names import canonical_name, recording, remember  # noqa: F401 (canonical_name: re-exported)


class Reader:
    """lark's parser for the grammar, built once per process, with its runtime's error types."""

    def __init__(self, text=None, folder=None):
        self.lark, self.runtime = build(RawBuilder(), BarPostLex(), text, folder)

    def parse(self, text, start="start"):
        """What the callbacks built for `text` from start rule `start` (lark's errors pass through)."""
        return self.lark.parse(text, start=start)


_READER = None
_BUILDING = _thread.allocate_lock()   # one build per process, even when the first readings come at once


def parser():
    """The reader, built on first use (from the private cache when there is one)."""
    global _READER
    if _READER is None:
        with _BUILDING:
            if _READER is None:
                _READER = Reader()
    return _READER


def parse_raw(text, start="start", label=""):
    """Parse `text` from start rule ``"start"`` (→ (raw tree, declaration items)) or ``"decls"`` (→ items).

    Every failure becomes a SymmatError whose message ends with `label` (e.g.
    " in the claim"), the column and a caret. The raw tree is fresh each call:
    typing consumes it.
    """
    return _parse(text, start, label)


def _parse(text, start, label=""):
    """The one run of the grammar that every reading goes through (tests count its calls)."""
    reader = parser()
    try:
        return reader.parse(text, start=start)
    except SymmatError as e:
        raise with_caret(e, text, label) from None
    except reader.runtime.UnexpectedInput as e:
        raise with_caret(syntax_error(e, text, reader.runtime), text, label) from None
    except RecursionError:
        raise LimitError("the expression is nested too deeply (raise the limit with --max-depth)") from None


def read_declarations(items, text, label=""):
    """`declarations(items)`, a positioned error marked in `text` (the text the items came from)."""
    try:
        return declarations(items)
    except SymmatError as e:
        raise with_caret(e, text, label) from None


def parse_with_info(text, where=None, limits=None):
    """Read `text` (and the `where` declarations) into (typed Expr, dict name → Decl)."""
    with recording() as table:   # the names as typed, kept beside the tree (tree.names)
        expr, decls = _read(text, where, limits)
    return remember(expr, table), decls


def _read(text, where, limits):
    """The reading itself (see `parse_with_info`)."""
    limits = limits or Limits()
    check_input(text, limits, "expression")
    root, items = _parse(text, "start")
    decls = read_declarations(items, text)
    source = text
    if where is not None and (not isinstance(where, str) or where.strip()):
        check_input(where, limits, "where declarations")
        label = " in the where declarations"
        where_items = _parse(where, "decls", label)
        more = read_declarations(where_items, where, label)
        source = text + "\n" + where
        shift_spans(where_items, len(text) + 1)
        decls = merge_declarations(decls, more)
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
