"""Every import of a non-public symmat module that the page needs, in one place.

The page is built on the public API (`symmat.grad`, `check`, `verify`, …)
and on the notes renderers that `symmat … --format json|latex|markdown`
prints through. Those renderers, `Limits` and a few report helpers live in
modules that may move; when they do, this file is the only one to change.

Nothing here loads the pipeline (the server process imports this file and
should start fast; the stages load in the workers).
"""

from ..errors import InternalError, LimitError, SymmatError, printable   # noqa: F401
from ..printing.notes import render_check, render_result, _symbol        # noqa: F401
from ..reading import Limits                                             # noqa: F401


def symbol_latex(r):
    """∂f/∂x, ∇²f or ∂vec(F)/∂vec(X) of a derivative, as LaTeX."""
    return _symbol(r, latex=True)


def answer_markdown(report):
    """The right answer of a check report, as words and $math$."""
    return report._answer().markdown()


def items(result):
    """The derivatives of a result: one, or one per variable."""
    return list(result) if isinstance(result, list) else [result]
