"""Concrete sizes for symbolic ones: the instance that checks are made at.

Shared by the numeric self-check (NumPy) and the proof (SymPy), so neither
has to import the other. Each symbolic size gets a distinct concrete value,
2, 3, 4, … in order of first appearance, skipping values the user gave or
declared, so that a missing transpose cannot hide in a square instance. A
size above ``max_size``, given or declared, is refused (`LimitError`).
"""

from . import expr as E
from ..errors import LimitError, SymmatError



def size_order(exprs):
    """The symbolic size names of `exprs`, in order of first appearance."""
    seen = {}
    for root in exprs:
        for node in root.walk():
            for d in _node_dims(node):
                for name in _names(d):
                    seen.setdefault(name, None)
    return list(seen)


def _node_dims(node):
    """The dimensions a node mentions (its shape and size parameters)."""
    dims = list(node.shape)
    if isinstance(node, (E.Identity, E.Commutation, E.Size)):
        dims.extend(node.params)
    elif isinstance(node, E.Basis):
        dims.append(node.params[0])
    return dims


def _names(d):
    """The size names inside a dimension."""
    if isinstance(d, str):
        return [d]
    if isinstance(d, tuple):
        return _names(d[1]) + _names(d[2])
    return []


def _declared_ints(exprs):
    """The integer sizes the variables declare (not products such as a Kronecker's 4·2)."""
    return {d for root in exprs for v in root.variables() for d in v.shape
            if isinstance(d, int) and d != 1}


def concrete_sizes(exprs, sizes=None, max_size=6):
    """A concrete value for every symbolic size of `exprs` (dict name → int)."""
    exprs = [exprs] if isinstance(exprs, E.Expr) else list(exprs)
    order = size_order(exprs)
    given = dict(sizes or {})
    for name, value in given.items():
        _check_size(name, value, max_size, known=order)
    for d in _declared_ints(exprs):
        _check_size(None, d, max_size)
    out = {name: int(given[name]) for name in order if name in given}
    used = set(out.values()) | _declared_ints(exprs)
    free = [v for v in range(2, max(max_size, 1) + 1) if v not in used]
    pool = free or list(range(2, max(max_size, 2) + 1))
    i = 0
    for name in order:
        if name not in out:
            out[name] = pool[i % len(pool)] if max_size >= 2 else 1
            i += 1
    return {name: out[name] for name in order}


def _check_size(name, value, max_size, known=None):
    """Refuse a size that is not a whole number, unknown, or above the limit."""
    label = f"size {name}={value}" if name else f"declared size {value}"
    if known is not None and name not in known:
        have = ", ".join(known) or "none"
        raise SymmatError(f"there is no size named {name} (the sizes are: {have})")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SymmatError(f"{label} must be a whole number of at least 1")
    if value > max_size:
        raise LimitError(f"verification {label} is above the limit of {max_size} "
                         f"(raise it with --max-size)")


def dim(d, sizes):
    """The concrete value of a dimension (int, size name or product)."""
    if isinstance(d, int):
        return d
    if isinstance(d, tuple):
        return dim(d[1], sizes) * dim(d[2], sizes)
    if d not in sizes:
        raise SymmatError(f"no concrete value for the size {d}")
    return sizes[d]


def concrete_shape(shape, sizes):
    """A symbolic shape made concrete."""
    return dim(shape[0], sizes), dim(shape[1], sizes)
