"""Rendering a result for a reader: text, LaTeX, Markdown notes, JSON, NumPy.

A result (a `Derivative` or several) is shown with what it is (kind,
variable, layout, shape, convention), optionally the derivation steps and
the verification verdict. Each format is one function; none computes
anything, they only arrange what the result already holds.

Notes formats (LaTeX, Markdown, JSON) always carry the whole derivation —
statement, every step with its rule, result, and the element table when a
verification with elements is given — so that they can be pasted into
notes as they are. A step's formula mixes prose and math ("…, for every
factor"); in LaTeX the runs of English words go in ``\\text{…}`` and the
rest is set as math (`prose_latex`).
"""

import contextvars
import functools
import re

from ..tree.names import GREEK_SPELLED, shown, speaking
from ..tree.shapes import fmt_dim
from .latex import name, text_to_latex, to_latex
from .text import to_text
from .steps import chain_data, chain_latex_rows, chain_markdown, chain_text, latex_words  # noqa: F401


def _items(result):
    """The derivatives of a result (one, or several)."""
    return list(result) if isinstance(result, list) else [result]


def _speaks(render):
    """A renderer that prints the names of `result` as the user typed them (tree.names)."""
    @functools.wraps(render)
    def wrapper(result, *a, **kw):
        with speaking(getattr(result, "spellings", None)):
            return render(result, *a, **kw)
    return wrapper


# ----------------------------------------------------------------- the function as read (SPEC §6)

def read_as(f, fmt="text"):
    """The function as symmat read it, with the parentheses that decide its meaning: ``f = tr((A B)ᵀ C)``.

    Every result begins with it, so that a misreading shows at a glance.
    """
    if fmt == "latex":
        return f"f = {to_latex(f)}"
    return f"f = {to_text(f, ascii=fmt == 'ascii')}"


_INSIDE_CHECK = contextvars.ContextVar("symmat_inside_check", default=False)


def _function(result):
    """The function all derivatives of a result share (None if there is none, or if a check
    report around this result has shown it already)."""
    items = _items(result)
    return getattr(items[0], "f", None) if items and not _INSIDE_CHECK.get() else None


def _symbol(r, latex=False):
    """∂f/∂x, ∂vec(F)/∂vec(X) or ∂²f/∂x∂xᵀ for a result, as text or LaTeX."""
    own = getattr(r, "symbol_latex" if latex else "symbol", None)   # set by jacobians
    if own:
        return own
    if latex:
        x = name(shown(r.wrt.name))
        return {"hessian": f"\\nabla^2_{{{x}}} f",
                "derivative": f"\\frac{{\\partial \\operatorname{{vec}}(F)}}{{\\partial \\operatorname{{vec}}({x})}}"
                }.get(r.kind, f"\\frac{{\\partial f}}{{\\partial {x}}}")
    if r.kind == "derivative" and not r.wrt.is_scalar and getattr(r, "vectorised", True):
        return f"∂vec(F)/∂vec({shown(r.wrt.name)})"
    return f"∇²f by {shown(r.wrt.name)}" if r.kind == "hessian" else f"∂f/∂{shown(r.wrt.name)}"


@_speaks
def render_text(result, steps=False, report=None, ascii=False):
    """Plain text: the function as read, then one block per variable."""
    f = _function(result)
    out = [read_as(f, "ascii" if ascii else "text")] if f is not None else []
    for i, r in enumerate(_items(result)):
        out.append(f"{_symbol(r)} = {r.text(ascii=ascii)}")
        out.append(f"  ({r.heading()})")
        for note in r.notes:
            out.append(f"  {note}")
        if steps:
            out.append("derivation:")
            out.extend(chain_text(r.steps, ascii=ascii))
        if report:
            out.append(report[i].text() if hasattr(report[i], "text") else str(report[i]))
    if isinstance(result, list) and len(result) > 1 and hasattr(result, "text"):
        lines = result.text(ascii=ascii).splitlines()
        if lines and lines[-1].startswith("∇f"):
            out.append(lines[-1])
    if ascii:
        out = [_ascii_words(line) for line in out]
    return "\n".join(out)


MATH_WORDS = {"tr", "det", "log", "exp", "sym", "diag", "vec", "sum", "sqrt", "softmax", "logsumexp",
              "sigmoid", "relu", "tanh", "sin", "cos", "tan", "mean", "inv", "logdet", "softplus", "abs",
              "sign", "step", "df", "dx", "dX", "dU", "dV", "dF"}
_SHORT_WORDS = {"a", "an", "as", "at", "be", "by", "if", "in", "is", "of", "on", "or", "to", "eq"}


def _is_word(w):
    """True for an English word of a step's prose (not a function name or a differential)."""
    if w in MATH_WORDS or not w.isalpha() or len(w) > 1 and not w[1:].islower():
        return False
    return len(w) >= 3 or w in _SHORT_WORDS


def prose_latex(s):
    """A step's text as LaTeX math: runs of words in \\text{…}, the rest as formulas."""
    toks = [t for t in re.split(r"(\s+|[()⟨⟩,;:.|])", s) if t]
    out, words = [], []
    for i, tok in enumerate(toks):
        nxt = next((t for t in toks[i + 1:] if not t.isspace()), "")
        word = _is_word(tok) and (tok != "a" or _is_word(nxt))
        if word or words and (tok.isspace() or tok.isdigit() or tok in ",.;:" and (_is_word(nxt) or nxt.isdigit())):
            words.append(tok)
            continue
        out.append(_flush(words))
        words = []
        out.append(_operator(tok) if tok in MATH_WORDS else text_to_latex(tok))
    out.append(_flush(words))
    return "".join(out)


def _operator(word):
    """A function name as an upright LaTeX operator (differentials stay as they are)."""
    if word in ("log", "exp", "det", "sin", "cos", "tan", "tanh"):
        return "\\" + word + " "
    return word if word.startswith("d") and len(word) == 2 else f"\\operatorname{{{word}}}"


def _flush(words):
    """Collected prose as \\text{ … } (spaced, since math mode drops the spaces around it)."""
    text = "".join(words)
    body = text.rstrip()
    if not body:
        return text
    return f"\\text{{ {latex_words(body)} }}"


def step_latex(step):
    """The equality of a step as LaTeX, without its rule."""
    return f"{step.lhs_latex()} = {step.rhs_latex()}".strip()


_ASCII = [("∂", "d"), ("∇²f", "Hessian of f"), ("∇f", "grad f"), ("×", " x "), ("⟨", "<"), ("⟩", ">"),
          ("⇒", "=>"), ("⁻ᵀ", "^-T"), ("⁻¹", "^-1"), ("ᵀ", "^T"), ("²", "^2"), ("⊙", ".*"),
          ("⊗", " kron "), ("𝟏", "ones"), ("‖", "||"), ("−", "-"),
          ("✓", "ok:"), ("✗", "wrong:")] + sorted(GREEK_SPELLED.items())


def _ascii_words(line):
    """A line of a text report in ASCII: symbols and Greek names spelled out (``Σ`` → ``Sigma``),
    so that the names read back as the same names; anything left escaped."""
    for a, b in _ASCII:
        line = line.replace(a, b)
    return line.encode("ascii", "backslashreplace").decode("ascii")


@_speaks
def render_latex(result, steps=True, report=None):
    """LaTeX notes: the function as read, every step with its rule, the result, the verification."""
    f = _function(result)
    out = [f"% symmat read: {read_as(f, 'ascii')}"] if f is not None else []
    for i, r in enumerate(_items(result)):
        out.append(f"% symmat: {r.heading()}")
        out.append(f"\\[ f = {r.f.latex()} \\]")
        out.append("\\begin{align*}")
        if steps and len(r.steps) > 1:
            rows = chain_latex_rows(r.steps[1:])
            out.extend(rows[:-1] + [rows[-1][:-3]])
        else:
            out.append(f"  {_symbol(r, latex=True)} &= {r.latex()}")
        out.append("\\end{align*}")
        if report:
            out.append(_verification_latex(report[i]))
    return "\n".join(out)


def _verification_latex(rep):
    """A verification verdict as LaTeX text, with its element table in an align* block."""
    if not hasattr(rep, "table_latex"):
        return rep.latex() if hasattr(rep, "latex") else latex_words(str(rep))
    out = latex_words(str(rep)) + "."
    if rep.table_latex:
        rows = " \\\\\n".join(f"  {a} &= {b}" for a, b in rep.table_latex)
        out += "\n\\begin{align*}\n" + rows + "\n\\end{align*}"
    return out


@_speaks
def render_markdown(result, steps=True, report=None, fold=False):
    """Markdown notes: the function as read, steps with their rules, result, verdict (`fold`: steps folded)."""
    f = _function(result)
    out = [f"Read as ${read_as(f, 'latex')}$\n"] if f is not None else []
    for i, r in enumerate(_items(result)):
        what = r.heading()
        out.append(f"**{what[0].upper() + what[1:]}** of $f = {r.f.latex()}$\n")
        if steps:
            block = chain_markdown(r.steps[1:])
            if fold:
                out.append("<details><summary>derivation</summary>\n\n" + block + "\n\n</details>\n")
            else:
                out.extend([block, ""])
        out.append(f"$$ {_symbol(r, latex=True)} = {r.latex()} $$")
        if report:
            out.append("")
            out.append(report[i].markdown() if hasattr(report[i], "markdown") else str(report[i]))
        out.append("")
    out += _gradient_vector_markdown(result)
    return "\n".join(out).rstrip() + "\n"


def _gradient_vector_markdown(result):
    """∇f = [∂f/∂x, ∂f/∂y, …] for several scalar variables (SPEC §2)."""
    items = _items(result)
    if len(items) < 2 or not all(r.wrt.is_scalar for r in items):
        return []
    entries = " \\\\ ".join(to_latex(r.body) for r in items)
    return [f"$$ \\nabla f = \\begin{{bmatrix}} {entries} \\end{{bmatrix}} $$", ""]


@_speaks
def to_data(r, steps=True, report=None):
    """A result as JSON-ready data, beginning with the function as read."""
    data = {"read_as": read_as(r.f), "read_as_latex": read_as(r.f, "latex"),
            "kind": r.kind, "function": to_text(r.f), "wrt": shown(r.wrt.name), "layout": r.layout,
            "shape": [fmt_dim(d) for d in r.shape], "result": r.text(), "latex": r.latex(),
            "ascii": r.text(ascii=True),
            "bindings": [{"name": n, "value": to_text(v)} for n, v in r.bindings]}
    if r.wrt.has("symmetric"):
        data["symmetric_convention"] = r.symmetric
    if steps:
        data["steps"] = chain_data(r.steps)
    if report is not None:
        data["verification"] = {"ok": report.ok, "method": report.method, "text": str(report),
                                "sizes": getattr(report, "sizes", None),
                                "expansion": getattr(report, "expansion", None),
                                "table": [{"entry": a, "value": b} for a, b in getattr(report, "table", None) or []],
                                "table_latex": [{"entry": a, "value": b}
                                                for a, b in getattr(report, "table_latex", None) or []]}
    return data


@_speaks
def render_json(result, steps=False, report=None):
    """JSON for programs."""
    import json  # why: only for --format json (a cold start of the text output skips it)
    items = [to_data(r, steps=True, report=report[i] if report else None)
             for i, r in enumerate(_items(result))]
    return json.dumps(items[0] if not isinstance(result, list) else items, ensure_ascii=False, indent=2)


def render_numpy(result, steps=False, report=None, backend="numpy"):
    """NumPy (or JAX, PyTorch) source of a function per variable."""
    return "\n\n".join(getattr(r, f"to_{backend}")() for r in _items(result))


NOTES = ("latex", "markdown", "json")   # formats for notes and programs: always the whole derivation


def render_result(result, fmt, steps=False, report=None):
    """The result in the format asked (LaTeX, Markdown and JSON always carry the derivation)."""
    if fmt in ("text", "ascii"):
        return render_text(result, steps, report, ascii=fmt == "ascii")
    if fmt in ("numpy", "jax", "torch"):
        return render_numpy(result, backend=fmt)
    return {"latex": render_latex, "markdown": render_markdown, "json": render_json}[fmt](
        result, steps or fmt in NOTES, report)


def render_check(report, fmt):
    """A check verdict in the format asked, after the function as read (JSON: under ``read_as``)."""
    f = getattr(report, "f", None)
    token = _INSIDE_CHECK.set(f is not None)
    try:
        with speaking(getattr(report, "spellings", None)):
            body = _check_body(report, fmt)
    finally:
        _INSIDE_CHECK.reset(token)
    with speaking(getattr(report, "spellings", None)):
        if f is None or fmt == "json":
            return body
        if fmt == "latex":
            return f"% symmat read: {read_as(f, 'ascii')}\n{body}"
        if fmt == "markdown":
            return f"Read as ${read_as(f, 'latex')}$\n\n{body}"
        return f"{read_as(f, 'ascii' if fmt == 'ascii' else 'text')}\n{body}"


def _check_body(report, fmt):
    """The verdict itself in the format asked."""
    if fmt == "json":
        import json  # why: only for --format json
        data = report.to_data()
        if getattr(report, "f", None) is not None:
            data = {"read_as": read_as(report.f), **data}
        return json.dumps(data, ensure_ascii=False, indent=2)
    if fmt == "markdown" and hasattr(report, "markdown"):
        return report.markdown()
    if fmt == "latex" and hasattr(report, "latex"):
        return report.latex()
    return report.text(ascii=fmt == "ascii") if hasattr(report, "text") else str(report)
