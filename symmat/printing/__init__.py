"""Printers: text (Unicode and ASCII), LaTeX and JSON of an expression tree.

Each printer is a table keyed by node type, one short rule per node; all of
them take their parentheses from the one table in `precedence`. Printers
only walk the tree: they never simplify.
"""

from .text import to_text

__all__ = ["to_text", "to_latex", "to_json"]


def __getattr__(name):
    """`to_latex` and `to_json`, imported on first use (a cold ``symmat render`` prints text only)."""
    if name == "to_latex":
        from .latex import to_latex  # why: the LaTeX printer only when asked for
        return to_latex
    if name == "to_json":
        from .tree_json import to_json  # why: the JSON printer only when asked for
        return to_json
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
