"""Names and juxtaposed letters: when ``AB`` is one name and when it is ``A B``.

What this module decides:

* which run of letters is one name by its spelling alone (`one_name`: a
  single letter, a name with digits or underscores, spelled Greek such as
  ``lambda``, non-ASCII letters, ``ones`` / ``eye``); any other undeclared
  run is a product of single letters (SPEC §1.1), split by `build`;
* that a postfix written after such a run binds its last letter (``Axx^T``
  is ``A x xᵀ``: `split_postfix_names`), as in the notes this is read from;
* that it does not when the run is in brackets: ``(AB)^T`` is ``(A B)ᵀ``,
  ``(Ax).^2`` is ``(A x).^2``, ``(HH)'`` is ``(H H)ᵀ``. The brackets decide.
"""

from ..tree.names import GREEK, GREEK_SPELLED
from .rawtree import Juxtaposed, Raw

_POSTFIX = {"Transpose", "power", "HadPow"}


def one_name(name):
    """Whether an undeclared run of letters is one name by its spelling (else letters juxtaposed)."""
    return (len(name) == 1 or not name.isalpha() or name in GREEK_SPELLED
            or not name.isascii() or name in {"ones", "eye"})


def split_postfix_names(root, decls):
    """``Axx^T`` is ``A x x^T``: a postfix written after a run of letters binds the last one.

    The lexer reads ``Axx`` as one name (`build` splits it, unless it is
    declared or is one name by its spelling); so, once the declarations are
    known, a chain of postfix operators over such a name is moved onto its
    last letter, unless the name was written in brackets. `root` is changed
    in place; the new root is returned.
    """
    stack = [root]
    while stack:
        r = stack.pop()
        for i, a in enumerate(r.args):
            if a.op in _POSTFIX:
                r.args[i] = _push_postfix(a, decls)
        stack.extend(r.args)
    return _push_postfix(root, decls) if root.op in _POSTFIX else root


def _push_postfix(top, decls):
    """`top` (a postfix chain) with its base name split off all but its last letter."""
    chain, base = [top], top.args[0]
    while base.op in _POSTFIX and not base.grouped:
        chain.append(base)
        base = base.args[0]
    if base.op != "name" or base.grouped or not _splits(base.params[0], decls):
        return top
    text = base.params[0]
    head = Raw("name", (), (text[:-1],), base.start, base.end - 1)
    chain[-1].args[0] = Raw("name", (), (text[-1],), base.end - 1, base.end)
    for node in chain:
        node.start = base.end - 1
    return Juxtaposed("product", [head, top], (), head.start, top.end)


def _splits(name, decls):
    """Whether `build` will read `name` as juxtaposed single letters."""
    name = GREEK.get(name, name)
    return not (name in decls or one_name(name))
