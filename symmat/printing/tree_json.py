"""The tree as JSON-ready data, for programs (``--format json``).

``to_json(e)`` is a dict with:

* ``tree``: nested ``{"op", "params", "shape", "args"}`` dicts, ``op`` being
  the node class name of `symmat.expr`;
* ``variables``: ``{name: {"kind", "shape", "props"}}`` in order of first
  appearance, kind ``scalar`` (1×1), ``vector`` (n×1) or ``matrix``;
* ``sizes``: the symbolic size letters used, in order of first appearance;
* ``text`` and ``latex``: the printed forms.

Values are plain JSON: a dimension is an int, a size letter, or ``"m*n"`` for
a product of sizes (read left to right); a number is an int, or the string
``"p/q"`` when it is not whole (exact, as SPEC §2 asks); a property set is a
sorted list.
"""

from fractions import Fraction

from ..tree import expr as E
from ..tree.shapes import dims_of
from .latex import to_latex
from .text import deep, to_text


def to_json(expr):
    """The expression as a JSON-serialisable dict (see the module docstring)."""
    return {"tree": deep(tree, expr), "variables": variables(expr), "sizes": sizes(expr),
            "text": to_text(expr), "latex": to_latex(expr)}


def tree(e):
    """One node and its subtree as nested dicts."""
    return {"op": type(e).__name__, "params": [_value(p) for p in PARAMS.get(type(e), _plain)(e)],
            "shape": shape(e.shape), "args": [tree(a) for a in e.args]}


def _plain(e):
    """The params of a node as they are stored."""
    return e.params


def _shape_params(e):
    """A node whose params hold dimensions: each dimension in JSON form."""
    return [shape(p) if isinstance(p, tuple) and p[:1] != ("*",) else dim(p) for p in e.params]


def _differential_params(e):
    """A differential's params: the variable's name and shape."""
    return [e.name, shape(e.params[1])]


def _var_params(e):
    """A variable's params: name, shape, sorted properties."""
    return [e.name, shape(e.params[1]), sorted(e.props)]


PARAMS = {E.Var: _var_params, E.Differential: _differential_params, E.Identity: _shape_params,
          E.Ones: _shape_params, E.Zero: _shape_params, E.Basis: _shape_params,
          E.Commutation: _shape_params, E.Size: _shape_params,
          E.Unvec: _shape_params}


def _value(p):
    """A parameter as a JSON value."""
    if isinstance(p, Fraction):
        return int(p) if p.denominator == 1 else str(p)
    if isinstance(p, (tuple, frozenset, set)):
        return [_value(x) for x in (sorted(p) if not isinstance(p, tuple) else p)]
    return p


def dim(d):
    """A dimension: ``3``, ``"n"``, ``"m*n"`` (``"m*(n*k)"`` when nested on the right)."""
    if not isinstance(d, tuple):
        return d
    right = dim(d[2])
    return f"{dim(d[1])}*" + (f"({right})" if isinstance(d[2], tuple) else str(right))


def shape(s):
    """A shape as a two-element list."""
    return [dim(d) for d in s]


def kind(s):
    """``scalar``, ``vector`` or ``matrix`` for a shape."""
    if tuple(s) == (1, 1):
        return "scalar"
    return "vector" if s[1] == 1 else "matrix"


def variables(e):
    """Each variable's kind, shape and properties, in order of first appearance."""
    return {v.name: {"kind": kind(v.shape), "shape": shape(v.shape), "props": sorted(v.props)}
            for v in e.variables()}


def sizes(e):
    """The symbolic size letters in the tree, in order of first appearance (root first)."""
    out = {}
    for node in e.walk():
        for d in dims_of(node.shape) + (dims_of(node.params) if isinstance(node, E.Size) else []):
            out.setdefault(d, None)
    return list(out)
