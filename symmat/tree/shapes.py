"""Sizes and shapes: what a dimension is, how two are unified, how one prints.

A dimension is an `int` (a declared or concrete size), a `str` (a symbolic
size such as ``"n"``), or a product ``("*", d1, d2)`` (the rows of a Kronecker
product or of ``vec(X)``). A free symbolic size is never 1: that is why a 1×1
shape is always known when a node is built, and why ``x + A`` is an error.

Shape rules (on each node class in `expr`) talk to a *checker*: `Strict`
when a node is built (sizes must already be equal), `Unifier` while the
parser infers sizes (two free sizes are made one).
"""

from ..errors import ShapeError

SCALAR = (1, 1)


def is_scalar(shape):
    """True for the 1×1 shape."""
    return shape == SCALAR


def dim_mul(a, b):
    """The product of two dimensions, folded where both are numbers."""
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    if a == 1:
        return b
    if b == 1:
        return a
    # Fix (issue 4): products are canonical (numbers folded in front, names sorted,
    # nested to the left), so that the rows of B^T ⊗ A (mn) equal those of vec(X) (nm).
    factors = _dim_factors(a) + _dim_factors(b)
    number = 1
    for f in factors:
        number *= f if isinstance(f, int) else 1
    names = sorted(f for f in factors if not isinstance(f, int))
    out = names[0] if number == 1 else ("*", number, names[0])
    for f in names[1:]:
        out = ("*", out, f)
    return out


def _dim_factors(d):
    """The factors of a dimension (a product flattened)."""
    return _dim_factors(d[1]) + _dim_factors(d[2]) if isinstance(d, tuple) else [d]


def fmt_dim(d):
    """A dimension as text: ``n``, ``3``, ``mn``."""
    if isinstance(d, tuple):
        return "".join(fmt_dim(x) if not isinstance(x, tuple) else f"({fmt_dim(x)})" for x in d[1:])
    return str(d)


def fmt_shape(shape):
    """A shape as ``m×n``."""
    return f"{fmt_dim(shape[0])}×{fmt_dim(shape[1])}"


def dims_of(shape):
    """The symbolic size names occurring in a shape."""
    out = []
    for d in shape:
        if isinstance(d, str):
            out.append(d)
        elif isinstance(d, tuple):
            out.extend(dims_of(d[1:]))
    return out


class Strict:
    """Checker used when a node is built: sizes must be equal already."""

    def resolve(self, d):
        """A dimension as it stands."""
        return d

    def eq(self, a, b, message):
        """Require `a == b`; otherwise raise ShapeError(message())."""
        if a != b:
            raise ShapeError(message())

    def fmt(self, shape):
        """Text of a shape for a message."""
        return fmt_shape(shape)


class Unifier(Strict):
    """Union-find over symbolic sizes, used while inferring the sizes of a parse."""

    def __init__(self):
        self.parent = {}

    def resolve(self, d):
        """The representative of a dimension (products resolved inside)."""
        if isinstance(d, tuple):
            return dim_mul(self.resolve(d[1]), self.resolve(d[2]))
        while isinstance(d, str) and d in self.parent:
            d = self.parent[d]
        return d

    def eq(self, a, b, message):
        """Make `a` and `b` one size, or raise ShapeError(message()) if they cannot be."""
        a, b = self.resolve(a), self.resolve(b)
        if a == b:
            return
        if isinstance(a, str) and isinstance(b, str) and not a.startswith("_") and b.startswith("_"):
            a, b = b, a   # a declared size (n) stays the representative of a fresh one
        if isinstance(a, str) and not isinstance(b, int) or isinstance(a, str) and isinstance(b, int) and b != 1:
            self.parent[a] = b
        elif isinstance(b, str) and (not isinstance(a, int) or a != 1):
            self.parent[b] = a
        else:
            raise ShapeError(message())

    def fmt(self, shape):
        """Text of a shape with sizes resolved, fresh sizes shown as letters."""
        # Fix (parse task): fresh sizes `_k` were printed as `_k`; show them as letters.
        return fmt_shape(tuple(_letter(self.resolve(d)) for d in shape))


def _letter(d):
    """A fresh size ``_k`` shown as a letter (``_1`` → n, ``_2`` → m, …) in a message."""
    letters = "nmkpqrstuvwabcdefghijl"
    if isinstance(d, str) and d.startswith("_") and d[1:].isdigit():
        k = int(d[1:]) - 1
        return letters[k] if k < len(letters) else f"n{k}"
    if isinstance(d, tuple):
        return (d[0],) + tuple(_letter(x) for x in d[1:])
    return d
