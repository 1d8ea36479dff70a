"""What one API request computes: a derivation, a check or a verification.

Each job takes the request's fields (already read and cleaned by the server,
see `clean`) and the server's limits, and returns (HTTP status, body). The
body of a plain request is exactly what ``symmat … --format json`` prints.
The page asks for more with ``"view": true`` and gets an envelope: that
same JSON under ``data``, the LaTeX and Markdown notes, generated code, and
the few things a page shows that the JSON leaves out (the heading, the
symbol ∂f/∂x in LaTeX, the check's sentences as Markdown).

A job never raises: bad input becomes 400 with the message and, where the
message names a column, the field and the position in it.
"""

import json
import re

import symmat

from . import adapter as A

TEXT_FIELDS = ("expr", "wrt", "where", "claim", "size")
DERIVE = {"grad": symmat.grad, "jacobian": symmat.jacobian, "hessian": symmat.hessian,
          "derivative": symmat.derivative}
DEFAULTS = {"kind": "grad", "layout": "mixed", "symmetric": "sym"}   # the API's (layout, symmetric: checked there)
BACKENDS = (("numpy", "to_numpy"), ("jax", "to_jax"), ("torch", "to_torch"))


class BadRequest(Exception):
    """A request whose fields are not what the API takes (answered 400)."""


def clean(raw):
    """The request's fields: text fields as strings, choices checked, `view` a bool."""
    if not isinstance(raw, dict):
        raise BadRequest("the request must be a JSON object of fields (expr, wrt, where, …)")
    out = {}
    for name in TEXT_FIELDS:
        value = raw.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise BadRequest(f"the field {name} must be text, not {type(value).__name__}")
        out[name] = value
    for name, default in DEFAULTS.items():
        value = raw.get(name) or default
        if not isinstance(value, str) or name == "kind" and value not in DERIVE:
            raise BadRequest(f"unknown {name} {str(value)[:40]!r}" +
                             (f": choose one of {', '.join(DERIVE)}" if name == "kind" else ""))
        out[name] = value
    out["view"] = raw.get("view") in (True, "1", "true", "on")
    return out


def settings_limits(settings):
    """The parser's and derivation's limits from the server's settings."""
    keys = ("max_chars", "max_depth", "max_power", "max_rewrites", "derive_timeout")
    return A.Limits(**{k: settings.get(k) for k in keys})


def run(endpoint, fields, settings):
    """(status, body) of one request; every error is answered, none raised."""
    try:
        return 200, ENDPOINTS[endpoint](fields, settings)
    except A.SymmatError as e:
        return 400, error_body(e, fields)
    except RecursionError:
        return 400, {"error": "the expression is nested too deeply (raise the limit with --max-depth)",
                     "type": "LimitError"}
    except A.InternalError as e:
        return 500, {"error": str(e), "type": "InternalError"}
    except Exception as e:  # a bug in symmat: say so, never a traceback
        return 500, {"error": f"internal error ({type(e).__name__}: {e}); please report it",
                     "type": "InternalError"}


# ----------------------------------------------------------------- the three endpoints

def derive(fields, settings):
    """POST /api/derive: the derivative of the kind asked."""
    result = _derive(fields, settings)
    return _answer(result, None, fields)


def verify(fields, settings):
    """POST /api/verify: the derivative, confirmed by element-wise expansion (with the table)."""
    result = _derive(fields, settings)
    sizes = _sizes(fields["size"])
    reports = [symmat.verify(r, sizes=sizes, elements=True, timeout=settings["verify_timeout"],
                             max_size=settings["max_size"]) for r in A.items(result)]
    return _answer(result, reports, fields)


def check(fields, settings):
    """POST /api/check: the verdict on a claimed derivative."""
    report = symmat.check(fields["expr"], wrt=fields["wrt"], claim=fields["claim"],
                          where=fields["where"] or None, layout=fields["layout"],
                          symmetric=fields["symmetric"], limits=settings_limits(settings),
                          timeout=settings["verify_timeout"], max_size=settings["max_size"], kind=fields["kind"])
    data = json.loads(A.render_check(report, "json"))
    if not fields["view"]:
        return data
    correct = report.correct
    return {"data": data,
            "notes": {"latex": A.render_check(report, "latex"), "markdown": A.render_check(report, "markdown")},
            "code": code(correct) if correct is not None else {},
            "view": check_view(report)}


ENDPOINTS = {"derive": derive, "verify": verify, "check": check}


def _derive(fields, settings):
    return DERIVE[fields["kind"]](fields["expr"], wrt=fields["wrt"], where=fields["where"] or None,
                                  layout=fields["layout"], symmetric=fields["symmetric"],
                                  limits=settings_limits(settings))


def _sizes(text):
    """'m=2, n=4' → {'m': 2, 'n': 4} (None when empty)."""
    if not text.strip():
        return None
    out = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        if not name.strip().isidentifier() or not value.strip().isdigit():
            raise A.SymmatError(f"sizes are name=number pairs like m=2, n=4, not {part.strip()[:40]!r}")
        out[name.strip()] = int(value)
    return out


# ----------------------------------------------------------------- what the page shows

def _answer(result, reports, fields):
    """The JSON of `--format json`, or the page's envelope around it."""
    data = json.loads(A.render_result(result, "json", report=reports))
    if not fields["view"]:
        return data
    return {"data": data,
            "notes": {"latex": A.render_result(result, "latex", report=reports),
                      "markdown": A.render_result(result, "markdown", report=reports)},
            "code": code(result),
            "view": [derivative_view(r) for r in A.items(result)]}


def derivative_view(r):
    """What a page shows of a derivative beyond its JSON."""
    return {"symbol_latex": A.symbol_latex(r), "heading": r.heading(), "notes": list(r.notes)}


def check_view(report):
    """A check report's sentences as Markdown (words, and formulas in $…$)."""
    return {"ok": report.ok, "headline": report.headline().markdown(), "method": report.method,
            "diagnoses": [{"code": d.code, "title": d.title, "markdown": d.sentence.markdown()}
                          for d in report.diagnoses],
            "answer": A.answer_markdown(report),
            "counterexample": report.counterexample.markdown() if report.counterexample else None,
            "assumed": list(report.assumed),
            "correct": derivative_view(report.correct) if report.correct is not None else None}


def code(result):
    """Source of a function per backend that the derivative can be printed for."""
    out = {}
    for backend, method in BACKENDS:
        sources = [_source(r, method) for r in A.items(result)]
        if sources and all(sources):
            out[backend] = "\n\n".join(sources)
    return out


def _source(r, method):
    """r.to_numpy() (or to_jax, to_torch) when it exists and gives source; None otherwise."""
    fn = getattr(r, method, None)
    if fn is None:
        return None
    try:
        src = fn()
    except Exception:  # a backend that cannot print this result: its button is not shown
        return None
    return src if isinstance(src, str) and src.strip() else None


# ----------------------------------------------------------------- errors

_COLUMN = re.compile(r" \(column (\d+)\)$")
_LABELS = {" in the claim": "claim", " in the where declarations": "where"}


def error_body(e, fields):
    """400's body: the message, and where a caret marks a place, the field and position in it.

    A positioned message reads "… (column N)" on its first line (or not, for
    shape errors) and then shows the line with a caret under the place:
    the field is the one the message names ("in the claim") or the one
    holding that line.
    """
    message = str(e)
    first, *rest = message.split("\n")
    body = {"error": first, "message": message, "type": type(e).__name__}
    if "does not occur in the expression" in first or "no variable to differentiate" in first:
        body["field"] = "wrt"
    if len(rest) < 2 or "^" not in rest[1]:
        return body
    shown, marks = rest[0][2:], rest[1][2:]
    m = _COLUMN.search(first)
    field = next((f for label, f in _LABELS.items() if first[:m.start() if m else None].endswith(label)), None)
    field = field or _field_showing(shown, fields)
    line_start = _line_start(fields.get(field, ""), shown)
    if m:
        column = int(m.group(1))
    elif line_start is not None:
        column = len(marks) - len(marks.lstrip(" ")) + 1
    else:
        return body
    if line_start is None:
        line_start = 0 if "\n" not in fields.get(field, "") else None
    body.update(field=field, column=column, width=max(marks.count("^"), 1))
    if line_start is not None:
        body["offset"] = min(line_start + column - 1, len(fields[field]))
    return body


def _field_showing(shown, fields):
    """The field whose text has the line the caret was drawn under (the expression by default)."""
    for name in ("expr", "claim", "where"):
        if _line_start(fields.get(name, ""), shown) is not None:
            return name
    return "expr"


def _line_start(text, shown):
    """Where the line shown in a message starts in `text` (None if no line of it is shown so)."""
    start = 0
    for line in text.split("\n"):
        if A.printable(line) == shown and line:
            return start
        start += len(line) + 1
    return None
