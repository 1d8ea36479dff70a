"""Printers: text (Unicode and ASCII), LaTeX and JSON of an expression tree.

Each printer is a table keyed by node type, one short rule per node; all of
them take their parentheses from the one table in `precedence`. Printers
only walk the tree: they never simplify.
"""

from .latex import to_latex
from .text import to_text
from .tree_json import to_json

__all__ = ["to_text", "to_latex", "to_json"]
