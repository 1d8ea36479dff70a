"""The plan: an expression tree lowered to a flat program, like a jaxpr.

`plan(outputs, params)` turns one or more expression trees into a `Program`:
the parameters (every variable, in the order given), a list of equations
``t = op(args…)`` over named temporaries, each computed once, and the
outputs. The emitters (`numpy`, `jax`, `torch`) print the same program;
nothing here knows a backend's spelling. This module holds one rule per node
type; `algebra` the emission and element-wise arithmetic, `products` the
matrix products, `values` the records.

Values (`values`). A 1×1 value is a scalar, an n×1 or 1×n value a 1-D array
(so a transpose of a vector costs nothing and ``xᵀ A x`` is ``x @ (A @ x)``),
any other a 2-D array; which one is decided by the symbolic shape alone (a
free size is never 1). Some values are kept *lazy* while they are only
multiplied or added to their kind, and are materialised only where an array
is needed:

* ``Diag(d)``: diag(d) — times a matrix it is broadcasting (``d[:, None] * X``,
  ``X * d``), times a vector an element-wise product; ``diag(a) diag(b)``,
  ``diag(d) + c I``, ``diag(d) ⊙ X``, its inverse and powers stay diagonal;
* ``Eye(s)``: s·I — dropped from products (its scale joins the scalars);
* ``OnesV``: 𝟏 — ``𝟏ᵀ y`` is a sum, ``𝟏ᵀ X`` and ``X 𝟏`` are sums over an axis;
* ``Bcast``: 𝟏 vᵀ or u 𝟏ᵀ — NumPy's broadcasting (``(𝟏 𝟏ᵀ Y) ⊙ S`` is ``Y.sum(0) * S``);
* ``KronV(P, Q)``: P ⊗ Q — times a vector it is ``vec(Q unvec(v) Pᵀ)``, so
  ``(Bᵀ ⊗ A) vec(X)`` is ``vec(A X B)``;
* ``Comm(m, n)``: the commutation matrix — times anything a reshape and a
  transpose of axes.

Products (`products`). The matrix factors of a product are multiplied in the
order that costs least (dynamic programming over the chain, a free size
counted as 1000, a lazy factor at the cost of its broadcast), so ``Aᵀ A x`` is
``Aᵀ (A x)`` and ``x xᵀ A`` is ``x (Aᵀ x)ᵀ``. Scalar factors are multiplied
together first and applied once, to the smallest value of the product tree
(``2 (Xᵀ r)``, ``(Xᵀ ⊙ d/m) X``, never ``(2 Xᵀ) r``, and never ``2 Xᵀ X``, which
would cost NumPy its symmetric product). A sum of diagonal and rank-one terms
inside a product is distributed over it (``Wᵀ (diag(s) − s sᵀ) W`` is
``Wᵀ diag(s) W − (Wᵀ s)(Wᵀ s)ᵀ``). ``Aᵀ diag(d) A`` with d provably
non-negative (a softmax, ``σ(u) ⊙ (1 − σ(u))``, an exp, a square…) is the Gram
matrix ``Yᵀ Y`` of ``Y = √d ⊙ A``: the symmetric product, half the work.
``tr(P Q)`` is ``sum(Pᵀ ⊙ Q)``, ``diag(P Q)`` the row sums of ``P ⊙ Qᵀ``,
``sum(P Q)`` is ``(𝟏ᵀ P)(Q 𝟏)``.

Sums. A term with a negative coefficient is subtracted (``a - b``, never
``a + -1 * b``); diagonal terms are summed as vectors.

Common subexpressions. Equal subtrees are lowered once (the trees are
hash-consed), and every equation is hash-consed too, so that two routes to
one array (``sᵀ W`` and ``Wᵀ s``) meet in one temporary.

Stable forms: softmax is ``e / sum(e)`` with ``e = exp(z − max z)`` (of a
matrix, column by column), logsumexp ``max z + log(sum(exp(z − max z)))``,
``‖r‖²`` the dot product.
"""

from fractions import Fraction

from ..errors import SymmatError
from ..tree import expr as E
from ..tree.rules import node_table
from ..tree.shapes import dim_mul
from . import products
from .values import Coef, Diag, Dim, Eye, KronV, Comm, Lit, OnesV, Program, Ref, kind_of


class Planner(products.Planner):
    """Lowers expression trees to equations, one rule per node type (memoised per subtree)."""

    def lower(self, e):
        """The value of expression `e` (maybe lazy)."""
        if e in self.memo:
            return self.memo[e]
        rule = RULES.get(type(e))
        if rule is None:
            raise SymmatError(f"no code for a {type(e).__name__} node")
        v = rule(self, e)
        self.memo[e] = v
        if e in self.hint_exprs and isinstance(v, Ref) and isinstance(v.name, int):
            self.hints.setdefault(v.name, self.hint_exprs[e])
        return v

    def value(self, e):
        """The concrete value of `e`."""
        return self.concrete(self.lower(e))


# ----------------------------------------------------------------- one rule per node type

def _var(p, e):
    param = p.params.get(e.name)
    if param is None:
        raise SymmatError(f"the parameters lack {e.name}, which the expression uses")
    return Ref(param.ident, e.shape)


def _differential(p, e):
    return _var(p, E.Var("d" + e.name, e.shape))


def _const(p, e):
    return Lit(e.value)


def _size_node(p, e):
    return Dim(e.params[0])


def _identity(p, e):
    return Lit(Fraction(1)) if e.is_scalar else Eye(None, e.params[0])


def _ones(p, e):
    return Lit(Fraction(1)) if e.is_scalar else OnesV(e.shape)


def _zero(p, e):
    return Lit(Fraction(0)) if e.is_scalar else p.emit("zeros", [], (e.shape,), e.shape)


def _basis(p, e):
    n, k = e.params
    return p.emit("basis", [], (n, k), e.shape)


def _commutation(p, e):
    return Comm(e.params[0], e.params[1], e.shape)


def _matrix(p, e):
    if e.is_scalar:
        return p.lower(e.args[0])
    return p.emit("matrix", [p.value(a) for a in e.args], e.params, e.shape)


def _add(p, e):
    terms = []
    for t in e.args:
        coef, chain = p.factors(t)
        sign, mag = coef.split_sign()
        v = p.product(mag, chain, t.shape) if chain else (p.coef_value(mag) or Lit(Fraction(1)))
        if isinstance(v, Lit) and v.value < 0:
            sign, v = -sign, Lit(-v.value)
        terms.append((sign, v))
    # diagonal terms are summed among themselves first, as vectors
    lazy = [(s, v) for s, v in terms if isinstance(v, (Diag, Eye))]
    if lazy and len(lazy) < len(terms):
        rest = [(s, v) for s, v in terms if not isinstance(v, (Diag, Eye))]
        d = lazy[0][1] if lazy[0][0] > 0 else p.neg(lazy[0][1])
        for s, v in lazy[1:]:
            d = p.add(d, v, s)
        terms = rest + [(1, d)]
    terms.sort(key=lambda sv: sv[0] < 0)                 # start with a positive term if there is one
    sign, out = terms[0]
    if sign < 0:
        out = p.neg(out)
    for s, v in terms[1:]:
        out = p.add(out, v, s)
    if isinstance(out, Ref) and out.shape != e.shape and out.kind == kind_of(e.shape):
        out = out.as_shape(e.shape)
    return out


def _neg(p, e):
    return p.neg(p.lower(e.args[0]))


def _mul(p, e):
    coef, chain = p.factors(e)
    if not chain:
        return p.coef_value(coef) or Lit(Fraction(1))
    return p.product(coef, chain, e.shape)


def _div(p, e):
    a, b = e.args
    return p.div(p.lower(a), p.value(b))


def _hadamard(p, e):
    a, b = e.args
    if a.is_scalar or b.is_scalar:
        s, m = (a, b) if a.is_scalar else (b, a)
        return p.mul(p.value(s), p.lower(m))
    return p.mul(p.lower(a), p.lower(b))


def _haddiv(p, e):
    a, b = e.args
    return p.div(p.value(a), p.value(b))


def _hadpow(p, e):
    x, k = e.args[0], e.params[0]
    v = p.lower(x)
    if k == 1:
        return v
    if k == Fraction(1, 2):
        return p.fn("sqrt", v)
    if k == -1:
        return p.div(Lit(Fraction(1)), p.concrete(v))
    if isinstance(v, Diag) and k > 0:
        return Diag(_pow(p, v.d, k), v.shape[0])
    return _pow(p, p.concrete(v), k)


def _pow(p, v, k):
    if isinstance(v, Lit) and isinstance(v.value, Fraction) and k.denominator == 1 and \
            (v.value != 0 or k > 0) and abs(k) <= 64:
        return Lit(v.value ** int(k))
    if isinstance(v, Lit) and v.value > 0:
        try:
            return Lit(float(v.value) ** float(k))
        except OverflowError:
            pass
    if k == 2:                                           # x * x: exact and fast in every backend
        return p.emit("mul", [v, v], (), v.shape)
    out = p.emit("pow", [v, Lit(k)], (), v.shape)
    if k.denominator == 1 and k.numerator % 2 == 0 or p._nonneg(v):
        p.nonneg[out.name] = True
    return out


def _kron(p, e):
    a, b = e.args
    if a.is_scalar or b.is_scalar:
        s, m = (a, b) if a.is_scalar else (b, a)
        return p.mul(p.value(s), p.lower(m))
    return KronV(p.lower(a), p.lower(b), e.shape)


def _transpose(p, e):
    return p.transpose(p.lower(e.args[0]))


def _inverse(p, e):
    x = e.args[0]
    v = p.lower(x)
    if x.is_scalar:
        return p.div(Lit(Fraction(1)), p.concrete(v))
    if isinstance(v, Diag):
        return Diag(p.div(Lit(Fraction(1)), v.d), v.shape[0])
    if isinstance(v, Eye):
        return Eye(None if v.scale is None else p.div(Lit(Fraction(1)), v.scale), v.shape[0])
    return p.emit("inv", [p.concrete(v)], (), e.shape)


def _power(p, e):
    x, k = e.args[0], e.params[0]
    if x.is_scalar:
        if isinstance(x, E.Norm) and x.params[0] == "2" and k == 2:      # ‖r‖² = r·r
            r = p.value(x.args[0])
            return p.mul(r, r) if r.kind == "scalar" else p.emit("sumsq", [r], (), (1, 1))
        return _pow(p, p.value(x), k)
    v = p.lower(x)
    if k == 1:
        return v
    if isinstance(v, Diag):
        return Diag(_pow(p, v.d, k), v.shape[0])
    if isinstance(v, Eye):
        return Eye(None if v.scale is None else _pow(p, v.scale, k), v.shape[0])
    if k == 0:
        return Eye(None, e.shape[0])
    v = p.concrete(v)
    if k == -1:
        return p.emit("inv", [v], (), e.shape)
    if k == 2:
        return p.emit("matmul", [v, v], (), e.shape)
    return p.emit("matpow", [v], (int(k),), e.shape)


def _trace(p, e):
    x = e.args[0]
    if x.is_scalar:
        return p.lower(x)
    if isinstance(x, E.Mul):
        coef, chain = p.factors(x)
        ops = [p.lower(a) for a in chain]
        return p.apply(coef, _trace_of_product(p, ops))
    return _trace_of(p, p.lower(x))


def _trace_of(p, v):
    if isinstance(v, Diag):
        return p.emit("sum", [v.d], (), (1, 1))
    if isinstance(v, Eye):
        n = Dim(v.shape[0])
        return n if v.scale is None else p.mul(v.scale, n)
    if isinstance(v, KronV) and v.p.shape[0] == v.p.shape[1] and v.q.shape[0] == v.q.shape[1]:
        return p.mul(_trace_of(p, v.p), _trace_of(p, v.q))
    return p.emit("trace", [p.concrete(v)], (), (1, 1))


def _trace_of_product(p, ops):
    """tr(ops[0] ops[1] …): a 1×1 chain when a vector is in it; sum(Pᵀ ⊙ Q) otherwise."""
    ops = [v for v in ops if not isinstance(v, Eye) or v.scale is not None]
    for i, v in enumerate(ops):
        if not v.lazy and v.kind == "col" and len(ops) > 1:
            rotated = ops[i + 1:] + ops[:i + 1]
            return p.chain(Coef(), rotated, (1, 1))
    if len(ops) == 1:
        return _trace_of(p, ops[0])
    for i, v in enumerate(ops):                   # start from a concrete factor
        if not v.lazy:
            ops = ops[i:] + ops[:i]
            break
    first, rest = ops[0], ops[1:]
    q = p.chain(Coef(), rest, (first.shape[1], first.shape[0]))
    if first.lazy or q.lazy:
        return _trace_of(p, p._combine(first, q, (first.shape[0], first.shape[0])))
    return p.emit("sum", [p.mul(p.transpose(first), q)], (), (1, 1))


def _det(p, e):
    x = e.args[0]
    v = p.lower(x)
    if x.is_scalar:
        return v
    if isinstance(v, Diag):
        return p.emit("prod", [v.d], (), (1, 1))
    return p.emit("det", [p.concrete(v)], (), (1, 1))


def _logdet(p, e):
    x = e.args[0]
    v = p.lower(x)
    if x.is_scalar:
        return p.fn("log", p.fn("abs", v))
    if isinstance(v, Diag):
        return p.emit("sum", [p.fn("log", p.fn("abs", v.d))], (), (1, 1))
    return p.emit("logdet", [p.concrete(v)], (), (1, 1))


def _norm(p, e):
    x = e.args[0]
    v = p.value(x)
    if x.is_scalar:
        return p.fn("abs", v)
    if e.params[0] == "1":
        return p.emit("sum", [p.fn("abs", v)], (), (1, 1))
    out = p.emit("norm", [v], (), (1, 1))
    p.nonneg[out.name] = True
    return out


def _sum(p, e):
    x = e.args[0]
    if x.is_scalar:
        return p.lower(x)
    if isinstance(x, E.Mul):                        # 𝟏ᵀ (P Q) 𝟏 = (𝟏ᵀ P)(Q 𝟏)
        coef, chain = p.factors(x)
        items = list(chain)
        if x.shape[0] != 1:
            items.insert(0, OnesV((1, x.shape[0])))
        if x.shape[1] != 1:
            items.append(OnesV((x.shape[1], 1)))
        return p.product(coef, items, (1, 1))
    v = p.lower(x)
    if isinstance(v, OnesV):
        return Dim(_dim_product(v.shape))
    if isinstance(v, (Diag, Eye)):
        return _trace_of(p, v)
    return p.emit("sum", [p.concrete(v)], (), (1, 1))


def _dim_product(shape):
    return dim_mul(shape[0], shape[1])


def _mean(p, e):
    x = e.args[0]
    if x.is_scalar:
        return p.lower(x)
    return p.emit("mean", [p.value(x)], (), (1, 1))


def _diagmat(p, e):
    x = e.args[0]
    if x.is_scalar:
        return p.lower(x)
    return Diag(p.value(x), e.shape[0])


def _diagvec(p, e):
    x = e.args[0]
    if x.is_scalar:
        return p.lower(x)
    if isinstance(x, E.Mul):
        coef, chain = p.factors(x)
        ops = [p.lower(a) for a in chain]
        if len(ops) >= 2 and not ops[0].lazy and ops[0].kind == "mat":
            first = ops[0]
            q = p.chain(Coef(), ops[1:], (first.shape[1], first.shape[0]))
            if isinstance(q, Diag):
                d = p.mul(p.diagonal_of(first), q.d)
            elif not q.lazy and q.kind == "mat":
                d = p.emit("sum1", [p.mul(first, p.transpose(q))], (), e.shape)
            else:
                d = p.diagonal_of(p._combine(first, q, x.shape))
            return p.apply(coef, d.as_shape(e.shape) if isinstance(d, Ref) else d)
    v = p.lower(x)
    d = p.diagonal_of(v)
    return d.as_shape(e.shape) if isinstance(d, Ref) else d


def _vec(p, e):
    x = e.args[0]
    if x.is_scalar:
        return p.lower(x)
    return p.vec(p.lower(x), e.shape)


def _unvec(p, e):
    m, n = e.params
    return p.unvec(p.lower(e.args[0]), m, n)


def _apply(p, e):
    return p.fn(e.fn, p.lower(e.args[0]))


def _softmax(p, e):
    """exp(z − max z) / sum: of a vector, or of each column of a matrix (a row: each entry alone, 1)."""
    x = e.args[0]
    if x.shape[0] == 1:
        return p.concrete(OnesV(e.shape)) if not x.is_scalar else Lit(Fraction(1))
    z = p.value(x)
    by_column = z.kind == "mat"
    top = p.emit("max0" if by_column else "max", [z], (), (1, x.shape[1]))
    ex = p.fn("exp", p.add(z, top, -1))
    out = p.div(ex, p.emit("sum0" if by_column else "sum", [ex], (), (1, x.shape[1])))
    p.nonneg[out.name] = True
    p.unit.add(out.name)
    return out


def _logsumexp(p, e):
    """max z + log(sum(exp(z − max z))): of a vector, or of each column of a matrix (a row)."""
    x = e.args[0]
    if x.shape[0] == 1:
        return p.lower(x)
    z = p.value(x)
    by_column = z.kind == "mat"
    top = p.emit("max0" if by_column else "max", [z], (), e.shape)
    s = p.emit("sum0" if by_column else "sum", [p.fn("exp", p.add(z, top, -1))], (), e.shape)
    return p.add(top, p.fn("log", s))


RULES = node_table({
    E.Var: _var, E.Differential: _differential, E.Const: _const, E.Size: _size_node,
    E.Identity: _identity, E.Ones: _ones, E.Zero: _zero, E.Basis: _basis,
    E.Commutation: _commutation, E.Matrix: _matrix, E.Add: _add, E.Neg: _neg, E.Mul: _mul,
    E.Div: _div, E.Hadamard: _hadamard, E.HadDiv: _haddiv, E.HadPow: _hadpow, E.Kron: _kron,
    E.Transpose: _transpose, E.Inverse: _inverse, E.Power: _power, E.Trace: _trace,
    E.Det: _det, E.LogDet: _logdet, E.Norm: _norm, E.Sum: _sum, E.Mean: _mean,
    E.DiagMat: _diagmat, E.DiagVec: _diagvec, E.Vec: _vec, E.Unvec: _unvec, E.Apply: _apply,
    E.Softmax: _softmax, E.LogSumExp: _logsumexp,
})


# ----------------------------------------------------------------- the program

def plan(outputs, params, hints=None):
    """The `Program` computing each expression of `outputs` from `params` ([Param])."""
    p = Planner(params, hints)
    outs = []
    for e in outputs:
        v = p.concrete(p.lower(e))
        if isinstance(v, Ref) and v.kind == kind_of(e.shape):
            v = v.as_shape(e.shape)
        outs.append((v, e.shape))
    eqns = _live(p.eqns, [v for v, _ in outs])
    return Program(list(params), eqns, outs, p.hints)


def _live(eqns, outs):
    """The equations the outputs need, in order (dead code removed)."""
    need = {v.name for v in outs if isinstance(v, Ref)}
    keep = []
    for q in reversed(eqns):
        if q.out.name in need:
            keep.append(q)
            need.update(a.name for a in q.args if isinstance(a, Ref))
    return keep[::-1]
