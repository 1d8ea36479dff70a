"""Reading the inputs of a check once: f, the claim and the where declarations.

f and the claim are read by the grammar once each (`Texts` keeps their raw
trees) and typed together under one declaration set and one unifier, so a
name in the claim means what it means in f and the claim's sizes unify with
f's. Typing consumes a raw tree, so each typing works on a copy. The sizes
helpers fit a claim's own sizes to the derivative's shape and pick the two
assignments of concrete sizes that the verdict is decided at.
"""

import copy

from ..errors import DeclarationError
from ..reading import check_input, declarations, merge_declarations, parse_raw, shift_spans, \
    split_postfix_names, typecheck, Decl
from ..tree import expr as E
from ..tree.names import recording, remember
from ..tree.shapes import dim_mul
from ..tree.sizes import size_order


# ----------------------------------------------------------------- reading f and the claim together

class Texts:
    """The inputs of one check, as text (f, the claim, the where declarations), each read once.

    The grammar runs once per text (`raw`); every typing gets a copy of the
    raw tree, since typing consumes it.
    """

    def __init__(self, f, claim, where, limits):
        self.f, self.claim, self.where, self.limits = f, claim, where, limits
        self._raw = {}

    def raw(self, text, start="start", label="", what=None):
        """(root, items) of `text` as the grammar read it (first call), a fresh copy every call."""
        key = (text, start)
        if key not in self._raw:
            if what:
                check_input(text, self.limits, what)
            self._raw[key] = parse_raw(text, start, label)
        return copy.deepcopy(self._raw[key])

    def general(self):
        """f alone, typed under the where declarations (what `reading.parse_expression` gives)."""
        with recording() as table:   # the names as typed, kept beside the tree (tree.names)
            root, items = self.raw(self.f, "start", what="expression")
            decls, source = declarations(items), self.f
            if self.where and self.where.strip():
                where_items = self.raw(self.where, "decls", " in the where declarations", "where declarations")
                shift_spans(where_items, len(self.f) + 1)
                source += "\n" + self.where
                decls = merge_declarations(decls, declarations(where_items))
            (expr,) = typecheck([split_postfix_names(root, decls)], source, decls, self.limits)
        return remember(expr, table)


def move_spans(root, offset):
    """Shift the source spans of a raw tree by `offset` (the claim sits after f in the source)."""
    stack, seen = [root], set()
    while stack:
        r = stack.pop()
        if id(r) in seen:
            continue
        seen.add(id(r))
        r.start += offset
        r.end += offset
        stack.extend(r.args)


def read(texts, extra=None):
    """Fresh raw trees of f and the claim, their merged declarations and the joint source.

    The same steps as `parser.parse_with_info`, for two texts that share one
    declaration set (the raw trees are consumed by typing: each reading is fresh).
    """
    f_root, f_items = texts.raw(texts.f, "start")
    c_root, c_items = texts.raw(texts.claim, "start", " in the claim")
    if c_items:
        raise DeclarationError("the claim cannot declare anything: put declarations in where (--where)")
    move_spans(c_root, len(texts.f) + 1)
    decls, source = declarations(f_items), texts.f + "\n" + texts.claim
    for w in (texts.where, extra):
        if w and w.strip():
            items = texts.raw(w, "decls", " in the where declarations")
            shift_spans(items, len(source) + 1)
            source += "\n" + w
            decls = merge_declarations(decls, declarations(items))
    return split_postfix_names(f_root, decls), split_postfix_names(c_root, decls), decls, source


def type_claim(texts):
    """Type the claim on its own under f's declarations: bad input raises here."""
    check_input(texts.claim, texts.limits, "claim")
    _, c_root, decls, source = read(texts)
    return typecheck([c_root], source, decls, texts.limits)[0]


def type_together(texts, extra=None):
    """(f, claim) typed under one declaration set and one unifier (ShapeError if they do not fit)."""
    f_root, c_root, decls, source = read(texts, extra)
    return typecheck([f_root, c_root], source, decls, texts.limits)


def explicit_free(texts, wrt):
    """f with its explicit matrices (X = [w x; y z]) read as plain matrix variables, or None."""
    f_root, _, decls, source = read(texts)
    plain = {n: d for n, d in decls.items()}
    changed = False
    for n, d in decls.items():
        if d.value is not None and d.value.op == "Matrix":
            plain[n] = Decl(kind="matrix", shape=tuple(d.value.params), props=d.props)
            changed = True
    if not changed:
        return None
    return typecheck([f_root], source, plain, texts.limits)[0]


# ----------------------------------------------------------------- sizes

_DIM_PARAMS = {E.Var: "shape1", E.Differential: "shape1", E.Identity: "dim0", E.Ones: "shape0",
               E.Zero: "shape0", E.Basis: "dim0", E.Commutation: "dims"}


def _sub_dim(d, mapping):
    """One dimension renamed."""
    if isinstance(d, tuple):
        return dim_mul(_sub_dim(d[1], mapping), _sub_dim(d[2], mapping))
    return mapping.get(d, d) if isinstance(d, str) else d


def _sub_params(e, mapping):
    """The params of a node with the dimensions in them renamed."""
    how, p = _DIM_PARAMS.get(type(e)), list(e.params)
    if how == "shape1":
        p[1] = tuple(_sub_dim(d, mapping) for d in p[1])
    elif how == "shape0":
        p[0] = tuple(_sub_dim(d, mapping) for d in p[0])
    elif how == "dim0":
        p[0] = _sub_dim(p[0], mapping)
    elif how == "dims":
        p = [_sub_dim(d, mapping) for d in p]
    return tuple(p)


def substitute_sizes(e, mapping):
    """`e` with its symbolic sizes renamed by `mapping` (name → dimension)."""
    memo = {}

    def go(x):
        """Rename inside x (memoised: shared subtrees once)."""
        if x not in memo:
            memo[x] = type(x)._make([go(a) for a in x.args], _sub_params(x, mapping))
        return memo[x]

    return go(e)


def size_names(*exprs):
    """The symbolic size names of expressions, in order of appearance."""
    return size_order(list(exprs))


def fit(claim, shape, known):
    """The claim with the sizes only it has (not in `known`) set to those of `shape`."""
    mapping = {}
    for c, t in zip(claim.shape, shape):
        if isinstance(c, str) and c not in known and t != 1:
            if mapping.setdefault(c, t) != t:
                return claim
    return substitute_sizes(claim, mapping) if mapping else claim


def expected_shape(f, X, layout, kind=None):
    """The shape of the derivative of f by X in a layout (SPEC §2), of the kind asked."""
    if kind == "hessian":
        n = dim_mul(*X.shape)
        return (n, n)
    if kind == "jacobian" and f.is_scalar and not X.is_scalar:
        n = dim_mul(*X.shape)
        return (n, 1) if layout == "denominator" else (1, n)
    if f.is_scalar:
        shape = X.shape
        return (shape[1], shape[0]) if layout == "numerator" and not X.is_scalar else shape
    if X.is_scalar:
        shape = f.shape
    else:
        shape = (dim_mul(*f.shape), dim_mul(*X.shape))
    return (shape[1], shape[0]) if layout == "denominator" else shape


def forced_sizes(general, joint):
    """The equalities among f's sizes that reading the claim imposed ('m = n'), as text."""
    mine = {v.name: v for v in general.variables()}
    groups = {}
    for v in joint.variables():
        g = mine.get(v.name)
        for a, b in zip(g.shape if g else (), v.shape):
            if isinstance(a, str):
                groups.setdefault(b, set()).add(a)
    out = []
    for b, names in groups.items():
        names = sorted(names)
        if isinstance(b, int):
            out.append(" = ".join(names + [str(b)]))
        elif len(names) > 1:
            out.append(" = ".join(names))
    return out


def second_sizes(first, max_size):
    """Another assignment of the same sizes: values reversed, or one more for a single size."""
    names = list(first)
    if not names:
        return None
    if len(names) == 1:
        v = first[names[0]]
        other = v + 1 if v + 1 <= max_size else v - 1
        return {names[0]: other} if other >= 2 and other != v else None
    values = [first[n] for n in names][::-1]
    second = dict(zip(names, values))
    return second if second != first else None
