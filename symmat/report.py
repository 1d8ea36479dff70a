"""Rendering a result for a reader: text, LaTeX, Markdown notes, JSON, NumPy.

A result (a `Derivative` or several) is shown with what it is (kind,
variable, layout, shape, convention), optionally the derivation steps and
the verification verdict. Each format is one function; none computes
anything, they only arrange what the result already holds.
"""

import json


def _items(result):
    return list(result) if isinstance(result, list) else [result]


def _symbol(r, latex=False):
    kind = {"grad": "∂f/∂", "jacobian": "∂f/∂", "hessian": "∇²f by ", "derivative": "∂vec(F)/∂vec("}
    if latex:
        return {"hessian": f"\\nabla^2_{{{r.wrt.name}}} f",
                "derivative": f"\\frac{{\\partial \\operatorname{{vec}}(F)}}{{\\partial \\operatorname{{vec}}({r.wrt.name})}}"
                }.get(r.kind, f"\\frac{{\\partial f}}{{\\partial {r.wrt.name}}}")
    if r.kind == "derivative" and not r.wrt.is_scalar and getattr(r, "vectorised", True):
        return f"∂vec(F)/∂vec({r.wrt.name})"
    return kind.get(r.kind, "∂f/∂") + r.wrt.name if r.kind != "hessian" else f"∇²f by {r.wrt.name}"


def render_text(result, steps=False, report=None, ascii=False):
    """Plain text: one block per variable."""
    out = []
    for i, r in enumerate(_items(result)):
        out.append(f"{_symbol(r)} = {r.text(ascii=ascii)}")
        out.append(f"  ({r.heading()})")
        for note in r.notes:
            out.append(f"  {note}")
        if steps:
            out.append("derivation:")
            out.extend(f"  {k + 1}. {s.text(ascii=ascii)}" for k, s in enumerate(r.steps))
        if report:
            out.append(str(report[i]))
    if isinstance(result, list) and len(result) > 1 and hasattr(result, "text"):
        lines = result.text(ascii=ascii).splitlines()
        if lines and lines[-1].startswith("∇f"):
            out.append(lines[-1])
    return "\n".join(out)


def render_latex(result, steps=False, report=None):
    """LaTeX: an align* block with the derivation and the result."""
    out = []
    for i, r in enumerate(_items(result)):
        out.append("\\begin{align*}")
        if steps:
            out.extend(f"  & {s.latex()} \\\\" for s in r.steps)
        out.append(f"  {_symbol(r, latex=True)} &= {r.latex()}")
        out.append("\\end{align*}")
        if report:
            out.append(report[i].latex() if hasattr(report[i], "latex") else str(report[i]))
    return "\n".join(out)


def render_markdown(result, steps=False, report=None):
    """Markdown notes: statement, steps with their rules, result, verdict."""
    out = []
    for i, r in enumerate(_items(result)):
        out.append(f"**{r.kind.capitalize()} of** ${r.f.latex()}$ **by** ${r.wrt.name}$ "
                   f"({r.heading()})\n")
        if steps:
            for k, s in enumerate(r.steps):
                rule = f" *({s.rule})*" if s.rule else ""
                out.append(f"{k + 1}. ${s.latex().split(' \\quad')[0]}${rule}")
            out.append("")
        out.append(f"$$ {_symbol(r, latex=True)} = {r.latex()} $$")
        if report:
            out.append("")
            out.append(report[i].markdown() if hasattr(report[i], "markdown") else str(report[i]))
    return "\n".join(out)


def to_data(r, steps=True, report=None):
    """A result as JSON-ready data."""
    from .printing.text import to_text
    from .shapes import fmt_dim
    data = {"kind": r.kind, "function": to_text(r.f), "wrt": r.wrt.name, "layout": r.layout,
            "shape": [fmt_dim(d) for d in r.shape], "result": r.text(), "latex": r.latex(),
            "ascii": r.text(ascii=True),
            "bindings": [{"name": n, "value": to_text(v)} for n, v in r.bindings]}
    if r.wrt.has("symmetric"):
        data["symmetric_convention"] = r.symmetric
    if steps:
        data["steps"] = [{"rule": s.rule, "text": s.text(), "latex": s.latex()} for s in r.steps]
    if report is not None:
        data["verification"] = {"ok": report.ok, "method": report.method, "text": str(report)}
    return data


def render_json(result, steps=False, report=None):
    """JSON for programs."""
    items = [to_data(r, steps=True, report=report[i] if report else None)
             for i, r in enumerate(_items(result))]
    return json.dumps(items[0] if not isinstance(result, list) else items, ensure_ascii=False, indent=2)


def render_numpy(result, steps=False, report=None):
    """NumPy source of a function per variable."""
    return "\n\n".join(r.to_numpy() for r in _items(result))


def render_result(result, fmt, steps=False, report=None):
    """The result in the format asked."""
    if fmt in ("text", "ascii"):
        return render_text(result, steps, report, ascii=fmt == "ascii")
    return {"latex": render_latex, "markdown": render_markdown, "json": render_json,
            "numpy": render_numpy}[fmt](result, steps, report)


def render_check(report, fmt):
    """A check verdict in the format asked."""
    if fmt == "json":
        return json.dumps(report.to_data(), ensure_ascii=False, indent=2)
    if fmt == "markdown" and hasattr(report, "markdown"):
        return report.markdown()
    if fmt == "latex" and hasattr(report, "latex"):
        return report.latex()
    return report.text(ascii=fmt == "ascii") if hasattr(report, "text") else str(report)
