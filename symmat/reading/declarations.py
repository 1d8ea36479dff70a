"""Declarations (``where x: vector, A: symmetric 3x3, X = [w x; y z]``) → one `Decl` per name.

What this module decides:

* what one declared property means (`prop_decl`: ``scalar``, ``vector(n)``,
  ``matrix(m, n)``, ``m x n``, ``symmetric``, ``spd`` / ``positive
  definite``, …) and what a size may be (a positive whole number or a name);
* how a list of declaration items combines (`declarations`): ``x, y, z:
  scalar`` gives the properties to every pending name; bare properties after
  a comma add to the names declared just before; a name left without a kind
  is an error that marks where it is written;
* that the two sources of declarations (the text's ``where`` clause and the
  ``where=`` string) merge into one, refusing contradictions
  (`merge_declarations`); an explicit value must agree with a declared size.

Names are filed under their canonical spelling (`tree.names.typed`, which also records
the spelling as typed; then spelled Greek → Unicode), the spelling the typing pass looks up.
"""

import re

from ..errors import DeclarationError, ParseError
from ..tree.names import GREEK, typed
from .messages import positioned


class Decl:
    """One name's declaration: kind, shape, properties, explicit value."""

    def __init__(self, kind=None, shape=None, props=(), value=None):
        self.kind, self.shape, self.props, self.value = kind, shape, set(props), value

    def merge(self, other, name):
        """Combine two declarations of one name, refusing contradictions."""
        for attr in ("kind", "shape", "value"):
            a, b = getattr(self, attr), getattr(other, attr)
            if a is not None and b is not None and a != b:
                raise DeclarationError(f"contradictory declarations of {name}: "
                                       f"{_fmt_decl(attr, a)} and {_fmt_decl(attr, b)}")
            if a is None:
                setattr(self, attr, b)
        self.props |= other.props
        self._check(name)

    def _check(self, name):
        """Refuse a kind that contradicts a property or a size (a scalar that is symmetric, …)."""
        if self.kind == "scalar" and self.props - {"invertible"}:
            raise DeclarationError(f"{name} is declared scalar and {', '.join(sorted(self.props))}")
        if self.kind == "vector" and self.props:
            raise DeclarationError(f"{name} is declared a vector and {', '.join(sorted(self.props))}")
        if self.shape and self.kind == "scalar" and self.shape != (1, 1):
            raise DeclarationError(f"{name} is declared scalar and of size {self.shape[0]}×{self.shape[1]}")


def _fmt_decl(attr, v):
    """One side of a contradiction, as the message shows it."""
    if attr == "shape":
        return f"{v[0]}×{v[1]}"
    if attr == "value":
        return "an explicit matrix"
    return str(v)


# ----------------------------------------------------------------- one property

def prop_decl(tok, dims):
    """One property token (SCALAR, VECTOR, MATRIX, SIZE, PROPERTY) with its sizes → a partial Decl."""
    word = tok.type
    if word == "SCALAR":
        return Decl(kind="scalar")
    if word == "VECTOR":
        return Decl(kind="vector", shape=(dims[0], 1) if dims else None)
    if word == "MATRIX":
        return Decl(kind="matrix", shape=tuple(dims) if dims else None)
    if word == "SIZE":
        a, b = re.split(r"\s*[x×]\s*", tok.value.strip(), maxsplit=1)
        return Decl(shape=(dim(a, tok), dim(b, tok)))
    value = " ".join(tok.value.split())
    return Decl(props={"spd" if value in ("SPD", "positive definite") else value})


def dim(text, tok):
    """A size: a positive integer, or a name such as ``n``."""
    if text[0].isdigit():
        if not text.isdigit() or int(text) < 1:
            raise positioned(ParseError, f"a size must be a whole number or a name, not {text}",
                             tok.start_pos, len(tok.value))
        return int(text)
    return text


def decl_key(tok):
    """The name a declaration is filed under (canonical spelling; spelled Greek → Unicode)."""
    name = typed(tok.value)   # canonical, and the spelling recorded (tree.names)
    return GREEK.get(name, name)


# ----------------------------------------------------------------- a list of items

def declarations(items):
    """Declaration items (from the raw-tree callbacks) → dict name → `Decl`.

    An item is ``(kind, name, payload, token)``: ``("name", …)`` waits for
    the properties that follow, ``("props", …)`` declares, ``("more", …)``
    adds to the names just declared, ``("value", …)`` gives an explicit value.
    """
    decls, pending, current = {}, [], []
    for kind, name, payload, *tok in items:
        if kind == "name":
            pending.append((name, tok[0] if tok else None))
            continue
        if kind == "more":
            if not current:
                raise DeclarationError("a property in the where clause names no variable "
                                       "(write it as  name: property)")
            names = current
        else:
            names = current = [n for n, _ in pending] + [name]
            pending = []
        parts = [Decl(value=payload)] if kind == "value" else payload
        for n in names:
            _declare(decls, n, parts)
    if pending:
        names = [n for n, _ in pending]
        tok = pending[0][1]
        message = (f"{', '.join(names)} in the where clause {'is' if len(names) == 1 else 'are'} "
                   f"declared without a kind or property (write e.g.  {names[0]}: scalar)")
        if tok is None:
            raise DeclarationError(message)
        raise positioned(DeclarationError, message, tok.start_pos, len(tok.value))
    return decls


def _declare(decls, name, parts):
    """Merge the partial declarations `parts` into ``decls[name]``."""
    decl = decls.setdefault(name, Decl())
    for part in parts:
        decl.merge(Decl(part.kind, part.shape, part.props, part.value), name)
    if decl.kind == "vector" and decl.shape and decl.shape[1] != 1:
        raise DeclarationError(f"{name} is declared a vector and of size {decl.shape[0]}×{decl.shape[1]}")
    value = decl.value
    if value is not None and value.op == "Matrix":
        rows, cols = value.params
        if decl.shape and decl.shape != (rows, cols) or decl.kind == "vector" and cols != 1 \
                or decl.kind == "scalar" and (rows, cols) != (1, 1):
            declared = f"{decl.shape[0]}×{decl.shape[1]}" if decl.shape else f"a {decl.kind}"
            raise DeclarationError(f"contradictory declarations of {name}: {declared} and "
                                   f"an explicit {rows}×{cols} matrix")


def merge_declarations(first, second):
    """The union of two declaration dicts; a contradiction is a DeclarationError."""
    out = dict(first)
    for name, decl in second.items():
        if name in out:
            merged = Decl(out[name].kind, out[name].shape, out[name].props, out[name].value)
            merged.merge(decl, name)
            out[name] = merged
        else:
            out[name] = decl
    return out


def shift_spans(items, offset):
    """Move the source spans of the values in declaration `items` by `offset`.

    Used when a second text (the ``where=`` string) is read after the first:
    error carets then point into the joined source ``text + "\\n" + where``.
    """
    stack = [item[2] for item in items if item[0] == "value"]
    while stack:
        r = stack.pop()
        r.start += offset
        r.end += offset
        stack.extend(r.args)
