"""From the parser's raw tree to typed, well-shaped `Expr` nodes: the two passes and their shared parts.

What this module decides:

* the order of the two passes (`typecheck`): pass 1 (`typer.Typer.infer`)
  gives every name its kind and every node its class and shape, unifying
  free sizes; pass 2 names the unified sizes (n, m, k, … in order of first
  appearance, skipping letters the user already uses: `size_names`) and
  builds the frozen nodes, whose constructors check their shapes strictly
  (`construct`);
* the default limits of SPEC §1.4 (`Limits`);
* the smart constructors `negate`, `product`, `divide`, `add`: the products
  and negations the parser's rules mean, also what random-tree generators
  should use so that printing reads back.
"""

import itertools
import weakref

from ..errors import ShapeError
from ..tree import expr as E
from ..tree.shapes import dim_mul, fmt_shape
from .products import notes
from .rawtree import Raw  # noqa: F401  (re-exported: checking.derivation builds raw trees)
from .typer import FUNCTIONS, Typer  # noqa: F401  (FUNCTIONS: the names the grammar must know)

SIZE_LETTERS = "nmkpqrstuvwabcdefghijl"

class Limits:
    """The default limits of SPEC §1.4; each has a command-line option."""

    max_chars = 10_000        # --max-chars
    max_depth = 200           # --max-depth
    max_power = 64            # --max-power
    max_rewrites = 200_000    # --max-rewrites (simplification)
    derive_timeout = 10.0     # --derive-timeout (seconds for one derivation)

    def __init__(self, **kw):
        for k, v in kw.items():
            if v is not None:
                setattr(self, k, v)


# ----------------------------------------------------------------- smart constructors
def negate(x):
    """-x, folded the way the parser folds it (so printing round-trips)."""
    if isinstance(x, E.Const):
        return E.Const(-x.value)
    if isinstance(x, E.Neg):
        return x.args[0]
    if isinstance(x, E.Mul) and isinstance(x.args[0], E.Const):
        c = -x.args[0].value
        rest = x.args[1:]
        return E.Mul(E.Const(c), *rest) if c != 1 else (rest[0] if len(rest) == 1 else E.Mul(*rest))
    if isinstance(x, E.Mul):
        return E.Mul(E.Const(-1), *x.args)
    return E.Neg(x)


def _factors(x):
    """The factors x contributes to an enclosing product."""
    if isinstance(x, E.Mul) and not (x.is_scalar and x.chain):
        return list(x.args)
    return [x]


def product(a, b):
    """a b: a matrix product, or a scaling when either side is 1×1 (-x y is -1 · x y)."""
    if isinstance(a, E.Neg):
        return E.Mul(E.Const(-1), *_factors(a.args[0]), *_factors(b))
    return E.Mul(*_factors(a), *_factors(b))


def divide(a, b):
    """a / b, folding a quotient of two constants."""
    if isinstance(a, E.Const) and isinstance(b, E.Const):
        if b.value == 0:
            raise ShapeError("division by zero")
        return E.Const(a.value / b.value)
    return E.Div(a, b)


def add(a, b):
    """a + b, flattening sums."""
    terms = (list(a.args) if isinstance(a, E.Add) else [a]) + (list(b.args) if isinstance(b, E.Add) else [b])
    return E.Add(*terms)


# ----------------------------------------------------------------- the typing pass
# ----------------------------------------------------------------- pass 2: sizes named, nodes built

def size_names(typer, roots):
    """Map each unified free size of `typer` to a letter, in order of first appearance.

    Letters used by declared sizes or by variables (the m of 1/m) are skipped.
    """
    names, used = {}, set(typer.user_sizes) | set(typer.vars)
    # a generator: the 999 spare names were built on every parse (a third of reading x^T A x)
    letters = itertools.chain((c for c in SIZE_LETTERS if c not in used), (f"n{i}" for i in range(1, 1000)))
    stack = list(reversed(roots))
    order = []
    while stack:
        r = stack.pop()
        if r.shape:
            order.extend(r.shape)
        if r.op in ("Identity", "Ones", "Var", "Basis", "Commutation", "Zero"):
            order.extend(_param_dims(r.params))
        stack.extend(reversed(r.args))
    for d in order:
        d = typer.uni.resolve(d)
        for s in _free(d):
            if s.startswith("_") and s not in names:
                names[s] = next(letters)
    return names

def construct(typer, raw, names, memo):
    """The Expr for a resolved raw tree (`memo`: id(raw) → node, so shared subtrees stay shared)."""
    key = id(raw)
    if key in memo:
        return memo[key]
    args = [construct(typer, a, names, memo) for a in raw.args]
    params = tuple(_subst(p, typer.uni, names) for p in raw.params)
    cls = E.NODE_TYPES[raw.op]
    try:
        node = cls._make(args, params)
    except ShapeError as e:
        raise ShapeError(str(e) + typer.where(raw)) from None
    memo[key] = node
    return node


def _param_dims(params):
    """The sizes inside node parameters (shape tuples, size names)."""
    out = []
    for p in params:
        if isinstance(p, tuple):
            out.extend(p)
        elif isinstance(p, (str, int)) and not isinstance(p, bool):
            out.append(p)
    return out


def _free(d):
    """The free size names in a dimension (a name, or a product of them)."""
    if isinstance(d, str):
        return [d]
    if isinstance(d, tuple):
        return _free(d[1]) + _free(d[2])
    return []


def _subst(p, uni, names):
    """Replace unified sizes inside a parameter (shape tuples, size names)."""
    if isinstance(p, frozenset):
        return p
    if isinstance(p, tuple) and p and p[0] == "*":
        return _subst_dim(p, uni, names)
    if isinstance(p, tuple):
        return tuple(_subst(x, uni, names) for x in p)
    if isinstance(p, str) and p.startswith("_"):
        return _subst_dim(p, uni, names)
    return p


def _subst_dim(d, uni, names):
    """A dimension with its unified representative named (``_3`` → ``n``)."""
    d = uni.resolve(d)
    if isinstance(d, tuple):
        return dim_mul(_subst_dim(d[1], uni, names), _subst_dim(d[2], uni, names))
    return names.get(d, d)


def typecheck(raw_roots, text, decls, limits):
    """Type the raw roots together (one unifier) and build them: a list of `Expr`, one per root.

    What the reading assumed beyond what was written (sizes of a Kronecker
    product matched factor by factor) is kept beside each tree: `reading_notes`.
    """
    typer = Typer(text, decls, limits)
    for r in raw_roots:
        typer.infer(r)
    names = size_names(typer, raw_roots)
    memo = {}
    exprs = [construct(typer, r, names, memo) for r in raw_roots]
    said = notes(typer.uni, lambda raw: fmt_shape(tuple(_subst_dim(d, typer.uni, names) for d in raw.shape)))
    for e in exprs:
        _remember_notes(e, said)
    return exprs


_NOTES = weakref.WeakKeyDictionary()   # a typed tree → the notes of the reading that made it


def _remember_notes(expr, said):
    """Keep `said` beside `expr` (the latest reading of an equal tree wins)."""
    try:
        if said:
            _NOTES[expr] = list(said)
        else:
            _NOTES.pop(expr, None)
    except TypeError:   # a tree that cannot be weakly referenced: no notes
        pass


def reading_notes(expr):
    """What reading `expr` assumed that its text does not say, as sentences (empty if nothing).

    Today: products of sizes matched factor by factor (``tr(A ⊗ X)`` is read
    with A and X square). A result's report can show these under the function.
    """
    try:
        return list(_NOTES.get(expr, ()))
    except TypeError:
        return []
