"""Reading text into a typed expression (SPEC §1).

`parser` runs the grammar (`grammar/symmat.lark`, the single source of the
syntax) and builds a raw tree; `build` gives every name its kind, splits
juxtaposed letters, unifies sizes and constructs the frozen nodes of `tree`.
"""

from .build import Limits  # noqa: F401
from .parser import parse_expression, parse_with_info  # noqa: F401
from .build import Decl, typecheck  # noqa: F401
from .parser import declarations, merge_declarations, split_postfix_names  # noqa: F401
from . import parser as _parser


def check_input(text, limits, what):
    """Refuse empty, over-long or too deeply bracketed input (`what` names it in the message)."""
    return _parser._check_input(text, limits, what)


def parse_raw(text, start="start", label=""):
    """One run of the grammar: (raw tree, declaration items) for `start` = "start", items for "decls"."""
    return _parser._parse(text, start, label)


def shift_spans(items, offset):
    """Move the source spans of the raw values in declaration items by `offset`."""
    return _parser._shift(items, offset)
