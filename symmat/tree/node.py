"""The base node: structure, shape and structural equality (`Expr`).

Every node holds `args` (its child expressions), `params` (the non-expression
data that distinguishes it: a name, a function, an exponent) and `shape`,
computed when the node is built by the class's `shape_of` rule. A node that
exists is well-shaped. Nodes compare and hash by structure (hash cached), and
the first node built for each structure is shared by every later equal one
(when it dies, an equal node still alive takes its place as soon as it is
used as a child), so equality is O(arity) however deep the trees.

`shape_of(ops, params, ck)` is the single shape rule of an operator. It is
used twice: by the parser's size inference with a `Unifier` checker, and by
the constructor with a `Strict` one (see `shapes`).

Nothing here imports NumPy or SymPy: parsing and deriving must start fast.
"""

import weakref
from fractions import Fraction

from ..errors import ShapeError
from .shapes import SCALAR, Strict, dim_mul, is_scalar

_STRICT = Strict()

# The first node built for each structure; children are replaced by these, so
# that equal trees share their subtrees and compare without deep recursion.
# Keyed by (class, ids of the children, params): the children are themselves the
# first nodes built (and kept alive by the node), so their ids say which they are,
# and a key hashes in C, without one Python __hash__ call per child.
_CANON = weakref.WeakValueDictionary()
_REFS = _CANON.data   # its own dict, key → weak reference: read and written directly (nodes are built often)
_GONE = _CANON._remove   # what drops a key when its node dies


def _shared(key, default):
    """The living node built first for `key`, or `default`."""
    ref = _REFS.get(key)
    if ref is None:
        return default
    node = ref()
    return default if node is None else node


def _canonical(node):
    """The living node built first with `node`'s structure; `node` itself becomes that node when
    none lives (the first one died): every node's children are then the one living copy of their
    structure, and equal trees compare in O(arity) (a child left uncanonical made every later
    comparison with an equal tree recurse to the leaves)."""
    key = node._key()
    ref = _REFS.get(key)
    if ref is not None:
        same = ref()
        if same is not None:
            return same
    object.__setattr__(node, "_canon", True)
    _REFS[key] = weakref.KeyedRef(node, _GONE, key)
    return node


def describe(op):
    """Short text naming an operand in a message (its source text or its print)."""
    text = getattr(op, "source", None)
    if text is None:
        from ..printing.text import to_text  # the printers load on first display (they import this module)
        text = to_text(op)
    return text if len(text) <= 40 else text[:37] + "…"


def _named(op, ck):
    return f"{describe(op)} ({ck.fmt(op.shape)})"


class Expr:
    """Base of all nodes: structure, shape, structural equality."""

    __slots__ = ("args", "params", "shape", "is_scalar", "_hash", "_canon", "__weakref__")
    arity = None  # number of args, None for any
    is_variable = False  # True for Var (so the base class need not know its subclasses)

    def __init__(self, args=(), params=()):
        params = tuple(params)
        for a in args:
            if not isinstance(a, Expr):
                raise TypeError(f"{type(self).__name__} argument {a!r} is not an Expr")
        args = tuple([a if a._canon else _canonical(a) for a in args])   # equality is O(arity)
        cls = type(self)
        key = (cls, tuple([id(a) for a in args]), params)
        same = _REFS.get(key)
        if same is not None:
            same = same()
        if same is not None:   # built before: its shape (checked then) and hash are this node's
            shape, h = same.shape, same._hash
        else:
            shape = tuple(self.shape_of(args, params, _STRICT))
            h = hash((cls.__name__, tuple([a._hash for a in args]), params))
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "is_scalar", is_scalar(shape))   # True when the value is 1×1
        object.__setattr__(self, "_hash", h)
        object.__setattr__(self, "_canon", same is None)
        if same is None:
            _REFS[key] = weakref.KeyedRef(self, _GONE, key)

    def _key(self):
        """Which node this is among those alive: type, children (by identity), parameters."""
        return (type(self), tuple([id(a) for a in self.args]), self.params)

    @classmethod
    def shape_of(cls, ops, params, ck):
        """The shape of this operator applied to `ops` (checked through `ck`)."""
        raise NotImplementedError(cls.__name__)

    def rebuild(self, args):
        """The same operator over new arguments (`self` if they are the same)."""
        args = tuple(args)
        if args == self.args:
            return self
        return type(self)._make(args, self.params)

    @classmethod
    def _make(cls, args, params):
        """The node of this class over args with params: the one built before, if it lives."""
        args = [a if a._canon else _canonical(a) for a in args]
        same = _shared((cls, tuple([id(a) for a in args]), tuple(params)), None)
        if same is not None:
            return same
        obj = cls.__new__(cls)
        Expr.__init__(obj, args, params)
        return obj

    def __setattr__(self, key, value):
        raise AttributeError("expressions are immutable")

    def __eq__(self, other):
        return self is other or (
            type(other) is type(self) and self._hash == other._hash
            and self.params == other.params and self.args == other.args)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return self._hash

    def __reduce__(self):
        return (type(self)._make, (self.args, self.params))

    def __repr__(self):
        inner = ", ".join([repr(p) for p in self.params] + [repr(a) for a in self.args])
        return f"{type(self).__name__}({inner})"

    def __str__(self):
        from ..printing.text import to_text  # the printers load on first display (they import this module)
        return to_text(self)

    def latex(self):
        """LaTeX source of the expression."""
        from ..printing.latex import to_latex  # the printers load on first display (they import this module)
        return to_latex(self)

    def _repr_latex_(self):
        return f"${self.latex()}$"

    def evaluate(self, values):
        """NumPy value of the expression at `values` (a dict name → array/number)."""
        from ..numeric.evaluate import evaluate  # NumPy: loaded only when a value is asked for
        return evaluate(self, values)

    def walk(self):
        """Every node of the tree, parents before children (shared nodes once)."""
        seen, stack = set(), [self]
        while stack:
            e = stack.pop()
            if e in seen:
                continue
            seen.add(e)
            yield e
            stack.extend(reversed(e.args))

    def variables(self):
        """The Var leaves, in order of first appearance."""
        out = {}
        for e in self.walk():
            if e.is_variable:
                out.setdefault(e.name, e)
        return list(out.values())
