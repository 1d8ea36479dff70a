"""Derivation chains for a reader: the symbols of a chain (∂f/∂x, d vec(F)) and
the chain itself as aligned text, LaTeX `align*` rows, Markdown and JSON.

A chain is a list of `Step`s, each an equality `lhs = rhs` with its rule
(SPEC §3). A line whose left-hand side is the one of the line before is
written `= …` under it, as the notes write a chain; the rule goes to the
right, in parentheses. Nothing here computes: the lines come from `calculus`.
"""

import re

from ..tree.names import shown
from .latex import name as latex_name
from .latex import to_latex
from .text import to_text

_LATEX_WORDS = {"\\": "\\textbackslash{}", "_": "\\_", "{": "\\{", "}": "\\}", "&": "\\&", "%": "\\%",
                "#": "\\#", "$": "\\$", "×": "$\\times$", "ᵀ": "$^{\\top}$", "−": "-", "⊙": "$\\odot$",
                "σ": "$\\sigma$", "∂": "$\\partial$", "⁻¹": "$^{-1}$", "²": "$^{2}$"}


def latex_words(s):
    """Words made safe for LaTeX text mode (one pass, so no replacement is replaced again)."""
    pattern = "|".join(re.escape(k) for k in sorted(_LATEX_WORDS, key=len, reverse=True))
    return re.sub(pattern, lambda m: _LATEX_WORDS[m.group(0)], s)


MAX_PAD = 60   # the annotation column stops moving right after this many characters


def _x(name, vec, ascii=False):
    """x, or vec(X) (the name as the user typed it)."""
    name = shown(name)
    return f"vec({name})" if vec else name


def sym_text(s, ascii=False):
    """A Sym as text: f, df, d vec(F), d(∇f), ∂f/∂x, ∂vec(F)/∂vec(X), ∇f, ∂²f/∂x∂xᵀ."""
    nabla, partial, top = ("grad ", "d", "^T") if ascii else ("∇", "∂", "ᵀ")
    f = _x(s.f, s.vec_f)
    if s.kind == "value":
        return s.f
    if s.kind == "d":
        if s.f.startswith("∇"):
            return f"d({nabla}{s.f[1:]})" if not ascii else f"d(grad {s.f[1:]})"
        return f"d {f}" if s.vec_f else f"d{f}"
    if s.kind == "grad":
        return f"{nabla}{s.f}" if not ascii else f"grad {s.f}"
    if s.kind == "entry":
        return f"{partial}{s.f}/{partial}{s.x}"
    x = _x(s.x, s.vec_x)
    if s.kind == "hess":
        return f"{partial}^2{s.f}/{partial}{x}{partial}{x}{top}" if ascii else f"∂²{s.f}/∂{x}∂{x}ᵀ"
    return f"{partial}{f}/{partial}{x}"


def _lx(name, vec):
    name = shown(name)   # as the user typed it
    return f"\\operatorname{{vec}}({latex_name(name)})" if vec else latex_name(name)


def sym_latex(s):
    """A Sym as LaTeX."""
    if s.kind == "value":
        return latex_name(s.f)
    if s.kind == "d":
        if s.f.startswith("∇"):
            return f"\\mathrm{{d}}(\\nabla {latex_name(s.f[1:])})"
        return f"\\mathrm{{d}}{_lx(s.f, s.vec_f)}" if not s.vec_f else f"\\mathrm{{d}}\\,{_lx(s.f, True)}"
    if s.kind == "grad":
        return f"\\nabla {latex_name(s.f)}"
    if s.kind == "entry":
        base, sub = s.x.rsplit("_", 1)
        return f"\\frac{{\\partial {latex_name(s.f)}}}{{\\partial {latex_name(base)}_{{{sub}}}}}"
    x = _lx(s.x, s.vec_x)
    if s.kind == "hess":
        return f"\\frac{{\\partial^2 {latex_name(s.f)}}}{{\\partial {x}\\,\\partial {x}^{{\\top}}}}"
    return f"\\frac{{\\partial {_lx(s.f, s.vec_f)}}}{{\\partial {x}}}"


def _continued(steps):
    """For each line, whether it continues the line before (same left-hand side, not read off it)."""
    out, last = [], None
    for s in steps:
        same = s.lhs is None or (last is not None and s.lhs == last and not s.implies)
        out.append(same)
        if s.lhs is not None:
            last = s.lhs
    return out


def chain_rows(steps, ascii=False):
    """(left, formula, annotation) text rows of a chain: 'df', '= dxᵀ A x + …', 'product rule'."""
    rows = []
    for s, cont in zip(steps, _continued(steps)):
        arrow = ("=> " if ascii else "⇒ ") if s.implies else ""
        left = "" if cont else arrow + s.lhs_text(ascii)
        rows.append((left, "= " + s.rhs_text(ascii), s.annotation()))
    return rows


def chain_text(steps, ascii=False, indent="  "):
    """The chain as aligned text lines, rules in parentheses in a column on the right."""
    rows = chain_rows(steps, ascii)
    width = max((len(a) for a, _, _ in rows), default=0)
    body = [f"{a.rjust(width)} {b}" for a, b, _ in rows]
    pad = min(max((len(b) for b in body), default=0), MAX_PAD)
    return [indent + (f"{b.ljust(pad)}   ({n})" if n else b).rstrip() for b, (_, _, n) in zip(body, rows)]


def chain_latex_rows(steps):
    """The chain as rows of an align* block: 'df &= … && \\text{(rule)} \\\\'."""
    out = []
    for s, cont in zip(steps, _continued(steps)):
        left = "" if cont else ("\\Rightarrow " if s.implies else "") + s.lhs_latex()
        note = s.annotation()
        rule = f" && \\text{{({latex_words(note)})}}" if note else ""
        out.append(f"  {left} &= {s.rhs_latex()}{rule} \\\\")
    return out


def chain_markdown(steps):
    """The chain as a Markdown block: one $$ align* $$ display."""
    rows = chain_latex_rows(steps)
    if rows:
        rows[-1] = rows[-1][:-3]
    return "$$\n\\begin{aligned}\n" + "\n".join(rows) + "\n\\end{aligned}\n$$"


def chain_data(steps):
    """The chain as JSON-ready lines: lhs, rhs, rule (and their LaTeX, the Cookbook equation)."""
    out = []
    for s, cont in zip(steps, _continued(steps)):
        d = s.to_data()
        d["continued"] = cont
        out.append(d)
    return out


__all__ = ["sym_text", "sym_latex", "chain_text", "chain_latex_rows", "chain_markdown", "chain_data",
           "latex_words", "to_text", "to_latex"]
