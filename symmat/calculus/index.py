"""The derivation in index notation (SPEC §3, `style="index"`), as the course notes write it.

f is written with explicit sums (`f = Σ_ij x_i A_ij x_j`), differentiated by
one entry of the variable (∂x_i/∂x_k = δ_ik, and the δ contracts a sum), and
each resulting sum is recognised as an entry of a matrix expression
(`Σ_j A_kj x_j = (A x)_k`): a chain of factors from the free index k (to l for
a matrix variable) is a matrix product, a vector met on the way a diag(v),
several vectors on one index a Hadamard product. The style exists for sums,
products, transposes, traces, sum(·), Hadamard products, element-wise
functions and quadratic forms; any other operator raises `NoIndexStyle`
naming it (the pipeline then keeps the differential style and says so). The
recognised sum is compared with the differential style's result: a
recognition that does not simplify to it is replaced by (G)_k, so every
line holds.
"""

from fractions import Fraction
from itertools import product as cartesian

from ..result import Formula, Step, Sym
from ..simplify import simplify
from ..simplify.functions import hadamard_of
from ..tree import expr as E
from .gradient import prepare

LETTERS = "ijpqrstuvmn"
DERIVATIVES = {   # f'(u) for the element-wise functions of the style, as an expression of u and f(u)
    "exp": lambda u, fu: fu,
    "log": lambda u, fu: E.HadDiv(E.Ones(u.shape), u),
    "sigmoid": lambda u, fu: E.Hadamard(fu, E.Add(E.Const(1), E.Neg(fu))),
    "tanh": lambda u, fu: E.Add(E.Const(1), E.Neg(E.HadPow(fu, 2))),
    "sin": lambda u, fu: E.Apply("cos", u),
    "cos": lambda u, fu: E.Neg(E.Apply("sin", u)),
}


class NoIndexStyle(Exception):
    """The expression has an operator the index style does not cover."""


class Factor:
    """One factor of a term: a variable's entry, a δ, or an entry of a compound matrix M (f(u), f'(u))."""

    def __init__(self, kind, ix, name=None, expr=None):
        self.kind, self.ix, self.name, self.expr = kind, tuple(ix), name, expr

    def renamed(self, old, new):
        return Factor(self.kind, [new if i == old else i for i in self.ix], self.name, self.expr)

    def parts(self):
        sub = "".join(i for i in self.ix if i)
        if self.kind == "delta":
            return [f"δ_{sub}"]
        if self.kind == "var":
            return [f"{self.name}_{sub}" if sub else self.name]
        return ["(", self.expr, f")_{sub}" if sub else ")"]


class Term:
    """coef · Σ_sums Π factors."""

    def __init__(self, coef, factors, sums):
        self.coef, self.factors, self.sums = Fraction(coef), list(factors), list(sums)

    def times(self, other):
        return Term(self.coef * other.coef, self.factors + other.factors, self.sums + other.sums)

    def parts(self):
        out = []
        c = abs(self.coef)
        if c != 1:
            out.append(f"{c} ")
        sums = [s for s in self.sums if any(s in f.ix for f in self.factors)]
        if sums:
            out.append("Σ_" + "".join(sums) + " ")
        for k, f in enumerate(self.factors):
            out += ([" "] if k else []) + f.parts()
        return out or ["1"]


def join(terms):
    """Terms as formula parts: a + b - c."""
    out = []
    for k, t in enumerate(terms):
        sign = "-" if t.coef < 0 else "+"
        out += ([f" {sign} "] if k else (["-"] if sign == "-" else [])) + t.parts()
    return out or ["0"]


class Writer:
    """Writes an expression's entries with explicit sums (fresh summation letters)."""

    def __init__(self, taken):
        self.taken, self.count = set(taken), 0

    def fresh(self):
        for c in LETTERS + "abcdefgh":
            if c not in self.taken:
                self.taken.add(c)
                return c
        raise NoIndexStyle("too many nested sums")

    def idx(self, d):
        """A fresh summation index for a dimension (None for a dimension of 1)."""
        return None if d == 1 else self.fresh()

    def entry(self, e, a, b):
        """Terms of e_ab (a, b None for a dimension of 1)."""
        if isinstance(e, E.Var):
            return [Term(1, [Factor("var", [a, b], name=e.name)], [])]
        if isinstance(e, E.Const):
            return [Term(e.value, [], [])]
        if isinstance(e, E.Neg):
            return [Term(-t.coef, t.factors, t.sums) for t in self.entry(e.args[0], a, b)]
        if isinstance(e, E.Add):
            if any(x.shape != e.shape for x in e.args):
                raise NoIndexStyle("a scalar added to every entry")
            return [t for x in e.args for t in self.entry(x, a, b)]
        if isinstance(e, E.Transpose):
            return self.entry(e.args[0], b, a)
        if isinstance(e, E.Mul):
            return self.product(e, a, b)
        if isinstance(e, E.Hadamard):
            return self.combine([self.entry(x, a, b) for x in e.args], [])
        if isinstance(e, E.Trace):
            i = self.idx(e.args[0].shape[0])
            return [Term(t.coef, t.factors, t.sums + [i]) for t in self.entry(e.args[0], i, i)]
        if isinstance(e, E.Sum):
            i, j = self.idx(e.args[0].shape[0]), self.idx(e.args[0].shape[1])
            return [Term(t.coef, t.factors, t.sums + [x for x in (i, j) if x])
                    for t in self.entry(e.args[0], i, j)]
        if isinstance(e, E.Div) and isinstance(e.args[1], E.Const):
            return [Term(t.coef / e.args[1].value, t.factors, t.sums) for t in self.entry(e.args[0], a, b)]
        if isinstance(e, E.Apply) and e.fn in DERIVATIVES:
            return [Term(1, [Factor("fn", [a, b], expr=e)], [])]
        raise NoIndexStyle(_operator(e))

    def product(self, e, a, b):
        """(U1 U2 … Un)_ab = Σ U1_a m1 U2_m1 m2 … Un_mn-1 b, scalar factors in front."""
        scalars = [x for x in e.args if x.is_scalar]
        chain = [x for x in e.args if not x.is_scalar]
        parts = [self.entry(s, None, None) for s in scalars]
        sums = []
        left = a
        for k, x in enumerate(chain):
            right = b if k == len(chain) - 1 else self.idx(x.shape[1])
            if k < len(chain) - 1 and right:
                sums.append(right)
            parts.append(self.entry(x, left if x.shape[0] != 1 else None, right if x.shape[1] != 1 else None))
            left = right
        return self.combine(parts, sums)

    @staticmethod
    def combine(parts, sums):
        out = []
        for combo in cartesian(*parts):
            t = Term(1, [], list(sums))
            for c in combo:
                t = t.times(c)
            out.append(t)
        return out


def _operator(e):
    """The operator's name for the message."""
    return e.fn if isinstance(e, E.Apply) else type(e).__name__


# ----------------------------------------------------------------- differentiating by one entry

def differentiate(terms, X, free, writer):
    """∂/∂X_free of a sum of terms, with the δs contracted."""
    out = []
    for t in terms:
        for k, f in enumerate(t.factors):
            rest = t.factors[:k] + t.factors[k + 1:]
            for d in _d_factor(f, X, free, writer):
                out.append(contract(Term(t.coef * d.coef, rest + d.factors, t.sums + d.sums)))
    return [t for t in out if t is not None]


def _d_factor(f, X, free, writer):
    """∂f/∂X_free as terms (none when f does not depend on X)."""
    if f.kind == "var" and f.name == X.name:
        deltas = [Factor("delta", [i, k]) for i, k in zip(f.ix, free) if i or k]
        return [Term(1, deltas, [])]
    if f.kind == "fn" and X in set(f.expr.walk()):
        u = f.expr.args[0]
        a, b = f.ix
        inner = differentiate(writer.entry(u, a, b), X, free, writer)
        fprime = simplify(DERIVATIVES[f.expr.fn](u, f.expr))
        return [Term(t.coef, [Factor("fn", [a, b], expr=fprime)] + t.factors, t.sums) for t in inner]
    return []


def contract(t):
    """Σ_i … δ_ik … = … (i → k); δ between two free indices stays."""
    factors, sums = list(t.factors), list(t.sums)
    changed = True
    while changed:
        changed = False
        for f in factors:
            if f.kind != "delta":
                continue
            i, k = f.ix
            if i is None or k is None:
                factors.remove(f)
                changed = True
                break
            if i in sums or k in sums:
                old, new = (i, k) if i in sums else (k, i)
                factors = [g.renamed(old, new) for g in factors if g is not f]
                sums.remove(old)
                changed = True
                break
    return Term(t.coef, factors, sums)


# ----------------------------------------------------------------- recognising a sum as a matrix entry

def recognise(t, free):
    """The matrix expression whose `free` entry the term is, or None."""
    factors = list(t.factors)
    scalars = [f for f in factors if not any(f.ix)]
    rest = [f for f in factors if any(f.ix)]
    k = free[0]
    l = free[1] if len(free) > 1 else None
    left, rest = _walk(k, rest, to=l)
    if left is None:
        return None
    if l is not None and not _reached(left):
        right, rest = _walk(l, rest, to=None)
        if right is None:
            return None
        body = E.Mul(left[0], E.Transpose(right[0]))
    else:
        body = left[0]
    if rest:
        return None
    coef = E.Const(abs(t.coef)) if abs(t.coef) != 1 else None
    extra = [_value(f) for f in scalars]
    out = [x for x in [coef] + extra + [body] if x is not None]
    out = out[0] if len(out) == 1 else E.Mul(*out)
    return E.Neg(out) if t.coef < 0 else out


def _reached(walked):
    return walked[1]


def _value(f):
    """A factor as an expression of its own (a scalar, a vector, a matrix)."""
    if f.kind == "var":
        return None if f.name is None else _var_of(f)
    return f.expr


_VARS = {}
_X = []


def _var_of(f):
    return _VARS[f.name]


def _walk(start, factors, to):
    """From index `start` along matrices (diag(v) for vectors met) to `to` or to a vector end.

    Returns ((expr, reached `to`), factors left); a chain that ends on a summed index with
    nothing attached sums its columns (times 𝟏)."""
    node, chain, rest = start, [], list(factors)
    while True:
        vecs = [f for f in rest if len(_ix(f)) == 1 and _ix(f)[0] == node]
        edges = [f for f in rest if len(_ix(f)) == 2 and node in _ix(f)]
        rest = [f for f in rest if f not in vecs]
        if node == to and not edges:
            if vecs:
                chain.append(E.DiagMat(hadamard_of([_vector(v) for v in vecs])))
            return (_mul(chain), True), rest
        if not edges:
            if vecs:
                return (_mul(chain + [hadamard_of([_vector(v) for v in vecs])]), False), rest
            if not chain:
                return (None, False), rest
            m = _mul(chain)
            return (E.Mul(m, E.Ones((m.shape[1], 1))), False), rest
        if vecs:
            chain.append(E.DiagMat(hadamard_of([_vector(v) for v in vecs])))
        e = edges[0]
        rest.remove(e)
        p, q = _ix(e)
        M = _matrix(e)
        if p == node:
            chain.append(M)
            node = q
        else:
            chain.append(E.Transpose(M))
            node = p


def _ix(f):
    return tuple(i for i in f.ix if i)


def _vector(f):
    """A one-index factor as a column vector."""
    v = _value(f) if f.kind != "delta" else None
    if v is None:
        raise NoIndexStyle("a δ left over")
    return v if v.shape[1] == 1 else E.Transpose(v)


def _matrix(f):
    """A two-index factor as a matrix (rows: its first index); δ is the identity."""
    if f.kind == "delta":
        return E.Identity(_X[0].shape[0])
    return _value(f)


def _mul(chain):
    chain = [c for c in chain if c is not None]
    if not chain:
        return None
    return chain[0] if len(chain) == 1 else E.Mul(*chain)


# ----------------------------------------------------------------- the steps

def index_steps(f, X, G):
    """The index-notation derivation of ∂f/∂X = G (G: the differential style's result)."""
    if not f.is_scalar:
        raise NoIndexStyle("a function that is not a scalar")
    if X.is_scalar or (X.shape[1] != 1 and X.shape[0] == 1):
        raise NoIndexStyle("a derivative by a scalar or a row")
    _VARS.clear()
    _VARS.update({v.name: v for v in f.variables()})
    _X[:] = [X]
    free = ["k"] if X.shape[1] == 1 else ["k", "l"]
    writer = Writer(free)
    terms = writer.entry(f, None, None)
    steps = [Step(Sym("value"), Formula(join(terms)), "f with explicit sums")]
    d = differentiate(terms, X, free, writer)
    entry = f"{X.name}_{''.join(free)}"
    lhs = Sym("entry", "f", entry)
    rule = f"∂{X.name}_i/∂{X.name}_k = δ_ik" if len(free) == 1 else f"∂{X.name}_ij/∂{X.name}_kl = δ_ik δ_jl"
    steps.append(Step(lhs, Formula(join(d)), f"differentiate by one entry, {rule}"))
    pieces = [_recognised(t, free) for t in d]
    sub = "".join(free)
    if pieces and all(p is not None for p in pieces):
        whole = pieces[0] if len(pieces) == 1 else E.Add(*pieces)
        same = _zero(simplify(E.Add(whole, E.Neg(G))))
    else:
        same = False
    if same:
        parts = []
        for k, p in enumerate(pieces):
            neg = isinstance(p, E.Neg)
            sign = (" - " if k else "-") if neg else (" + " if k else "")
            parts += [sign, "(", simplify(p.args[0] if neg else p), f")_{sub}"]
        steps.append(Step(None, Formula(parts), "recognise each sum as a matrix product"))
        steps.append(Step(Sym("partial", "f", X.name), whole, "entry (" + ", ".join(free) + ") for every "
                          + " and ".join(free), implies=True))
        if simplify(whole) != whole:
            steps.append(Step(None, G, "collect"))
    else:
        steps.append(Step(None, Formula(["(", G, f")_{sub}"]), "the sums are the entries of the gradient"))
        steps.append(Step(Sym("partial", "f", X.name), G, "entry (" + ", ".join(free) + ")", implies=True))
    return steps


def _recognised(t, free):
    try:
        return recognise(t, free)
    except (NoIndexStyle, AttributeError, TypeError, ValueError, IndexError):
        return None


def _zero(e):
    return isinstance(e, E.Zero) or isinstance(e, E.Const) and e.value == 0


def index_style(result):
    """The index-notation steps for `result`, or its differential steps and a note saying why not."""
    try:
        if result.kind != "grad" or result.layout == "numerator" or result.wrt.props:
            raise NoIndexStyle("this kind of derivative (the index style covers gradients in mixed or "
                               "denominator layout by an unconstrained variable)")
        prepared = []
        g = prepare(result.f, prepared)
        result.steps = [result.steps[0]] + prepared + index_steps(g, result.wrt, result.result)
        result.style = "index"
    except NoIndexStyle as e:
        result.notes.append(f"the index style is not available for {e}: the derivation is in the "
                            "differential style")
