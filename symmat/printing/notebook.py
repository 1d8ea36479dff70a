"""How symmat's objects show in Jupyter: as rendered math, the derivation folded.

One function per object and MIME type; the classes' ``_repr_latex_`` and
``_repr_markdown_`` are one line calling these. A frontend shows the richest
type it renders — Markdown (with ``$…$`` math, read by JupyterLab, Notebook,
VS Code and Colab alike) where an object offers it, LaTeX otherwise — and
both say the same thing:

- an `Expr`: its formula (its own ``_repr_latex_``, which needs nothing of
  this module: the tree imports no printer but text and LaTeX);
- a derivative: ∂f/∂x = … as a display equation; the Markdown adds what it
  is (kind, layout, shape) and the derivation, folded under a *derivation*
  toggle;
- several derivatives (one per variable): each, and ∇f for scalars;
- a check report: the verdict, the diagnosis, the right answer and the
  counterexample, with the right derivation folded;
- a verification report: the verdict and the element-by-element table.

No HTML bundle: a frontend prefers HTML to Markdown, and not every frontend
typesets math inside HTML output (VS Code's does not).
"""

from .notes import _items, _symbol, render_markdown


def derivative_latex(r):
    """∂f/∂x = … as display math (one line per variable for several)."""
    lines = [f"{_symbol(d, latex=True)} = {d.latex()}" for d in _items(r)]
    if len(lines) == 1:
        return f"$${lines[0]}$$"
    return "$$\\begin{gathered}" + " \\\\ ".join(lines) + "\\end{gathered}$$"


def derivative_markdown(r):
    """What the derivative is, its derivation folded, and the result."""
    return render_markdown(r, steps=True, fold=True)


def check_markdown(report):
    """The verdict on a claim, with the right derivation folded under it."""
    out = report.markdown(steps=False)
    if report.correct is not None and not report.ok:
        body = render_markdown(report.correct, steps=True).strip()
        out += f"\n\n<details><summary>derivation of the right answer</summary>\n\n{body}\n\n</details>\n"
    return out


def verification_markdown(rep):
    """The verification's verdict and its element table."""
    return rep.markdown()


def verification_latex(rep):
    """The verification's verdict and its element table as display math."""
    return f"$${rep.latex()}$$"
