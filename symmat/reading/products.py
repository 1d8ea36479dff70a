"""Sizes that are products (of a Kronecker product, of vec) unified factor by factor.

What this module decides: when two sizes that are products must be equal
(``tr(A ⊗ X)`` needs A ⊗ X square: rows(A)·rows(X) = cols(A)·cols(X)), and
the plain unifier cannot make them so, they are equal factor by factor,
outer with outer and inner with inner, where the operator that made each
product says which factor is which:

* ``A ⊗ B`` has rows rows(A)·rows(B) (A's index outer, B's inner), columns alike;
* ``vec(X)`` has length cols(X)·rows(X) (the column index outer: vec stacks columns).

So ``tr(A ⊗ X)`` reads with A and X square, ``tr(X ⊗ X)`` with X square, and
``vec(X)ᵀ (B ⊗ A) vec(X)`` with A rows(X)×rows(X) and B cols(X)×cols(X): the
only readings under which the products agree for every size. A product whose
factors are not known this way (two origins that disagree) is left alone and
the shape error stands. Every product matched so is reported (`notes`), since
it is a reading of sizes the user did not write.
"""

from ..errors import ShapeError
from ..tree.shapes import Unifier


class FactorUnifier(Unifier):
    """The typing pass's unifier, which also matches products of sizes factor by factor."""

    def __init__(self):
        super().__init__()
        self.origins = {}    # a product size, as computed → [(outer, inner, raw node that made it)]
        self.matched = []    # the raw nodes whose products were matched, in order

    def record(self, size, outer, inner, raw):
        """Remember that `size` is ``outer · inner``, made by `raw` (a Kron or Vec node)."""
        if isinstance(size, tuple):
            self.origins.setdefault(size, []).append((outer, inner, raw))

    def _origin(self, size):
        """(outer, inner, raw) for a product size, or None when unknown or ambiguous."""
        found = self.origins.get(size, [])
        pairs = {(self.resolve(o), self.resolve(i)) for o, i, _ in found}
        return found[0] if len(pairs) == 1 else None

    def eq(self, a, b, message):
        """Make `a` and `b` one size; products with known factors are matched factor by factor."""
        try:
            return super().eq(a, b, message)
        except ShapeError:
            left, right = self._origin(a), self._origin(b)
            if left is None or right is None:
                raise
            saved = dict(self.parent)
            try:
                self.eq(left[0], right[0], message)
                self.eq(left[1], right[1], message)
                if self.resolve(a) != self.resolve(b):
                    raise ShapeError(message())
            except ShapeError:
                self.parent = saved
                raise
            for _, _, raw in (left, right):
                if all(raw is not m for m in self.matched):
                    self.matched.append(raw)


def notes(unifier, shape_text):
    """One sentence per product matched factor by factor, with the operands' sizes as read.

    `shape_text` turns a raw node's shape into text with the final size names.
    """
    out = []
    for raw in unifier.matched:
        if raw.op != "Kron":   # vec's factors are its own columns and rows: nothing assumed
            continue
        operands = ", ".join(dict.fromkeys(f"{x.source or '…'} {shape_text(x)}" for x in raw.args))
        out.append(f"the sizes of {raw.source or 'a Kronecker product'} were matched factor by factor: "
                   f"read with {operands}")
    return out

