"""Products: the chain of matrix factors in the cheapest order, the scalars applied once.

`Planner.product` distributes a sum of diagonal and rank-one terms over the
factors around it, `chain` drops identities, recognises ``Aᵀ diag(d) A``
with d ≥ 0 (the symmetric product ``Yᵀ Y``), finds the cheapest order by
dynamic programming (a free size counted as `N_FREE`, a lazy factor at the
cost of its broadcast) and applies the scalar coefficient to the smallest
value of the product tree. `_combine` multiplies two values of any kind:
broadcasting for diagonals, sums for ones, reshapes for Kronecker products
and commutation matrices times vectors, a dot or an outer product for vectors.
"""

from fractions import Fraction

from ..tree import expr as E
from .algebra import Builder
from .values import Bcast, Coef, Comm, Diag, Dim, Eye, KronV, Lit, OnesV, Ref, Val, _size, _t, kind_of

MAX_SPREAD = 64    # sums distributed over products in one plan (each may multiply the terms that follow)


class Planner(Builder):
    """Builder + products; `plan.Planner` adds the rule of each node type."""

    def scalar_factor(self, e):
        """The Coef of one scalar factor of a product."""
        if isinstance(e, E.Const):
            return Coef(e.value)
        if isinstance(e, E.Neg):
            return self.scalar_factor(e.args[0]).negated()
        if isinstance(e, E.Div) and isinstance(e.args[0], E.Const) and e.args[0].value != 0:
            return Coef(e.args[0].value, (), (self.value(e.args[1]),))
        v = self.value(e)
        if isinstance(v, Lit):
            return Coef(v.value)
        return Coef(Fraction(1), (v,))

    def factors(self, e):
        """(Coef, [Expr of the matrix chain]) of a product; any other expression is one factor.

        The chain is empty for a product of scalars (and for a constant).
        """
        if isinstance(e, E.Neg):
            coef, chain = self.factors(e.args[0])
            return coef.negated(), chain
        if isinstance(e, E.Const):
            return Coef(e.value), []
        if isinstance(e, E.Mul):
            coef = Coef()
            for a in e.args:
                if a.is_scalar:
                    coef = coef.times(self.scalar_factor(a))
            return coef, [a for a in e.args if not a.is_scalar]
        return Coef(), [e]

    # -- products
    def product(self, coef, items, shape):
        """coef · Π items (items: Exprs or Vals), distributing cheap sums, in the cheapest order."""
        items = list(items)
        if len(items) > 1 and self.spread < MAX_SPREAD:
            for i, it in enumerate(items):
                if isinstance(it, E.Add) and kind_of(it.shape) == "mat":
                    terms = self._distributable(it)
                    if terms is not None:
                        self.spread += 1
                        return self._distribute(coef, items[:i], terms, items[i + 1:], shape)
        ops = [it if isinstance(it, Val) else self.lower(it) for it in items]
        return self.chain(coef, ops, shape)

    def _distributable(self, e):
        """[(sign, Coef, items)] for a sum of diagonal and rank-one terms, else None."""
        diag, terms = None, []
        for t in e.args:
            coef, chain = self.factors(t)
            vals = [self.lower(x) for x in chain]
            if not vals:
                return None                         # a scalar added to every entry
            if all(isinstance(v, (Diag, Eye)) for v in vals):
                d = vals[0]
                for v in vals[1:]:
                    d = self._combine(d, v, (d.shape[0], v.shape[1]))
                d = self._apply_lazy(coef, d)
                diag = d if diag is None else self.add(diag, d)
            elif any(v.kind in ("col", "row") for v in vals) and not any(v.lazy for v in vals if
                                                                          not isinstance(v, (Diag, Eye))):
                sign, mag = coef.split_sign()
                terms.append((sign, mag, vals))
            else:
                return None
        if diag is not None:
            terms.insert(0, (1, Coef(), [diag]))
        return terms if len(terms) <= 4 else None

    def _apply_lazy(self, coef, v):
        if coef.is_one:
            return v
        s = self.coef_value(coef)
        return self.mul(s, v)

    def _distribute(self, coef, left, terms, right, shape):
        out = None
        for sign, tcoef, vals in terms:
            v = self.product(coef.times(tcoef), left + vals + right, shape)
            if out is None:
                out = v if sign > 0 else self.neg(v)
            else:
                out = self.add(out, v, sign)
        return out

    def chain(self, coef, ops, shape):
        """coef · ops[0] ops[1] … (values), multiplied in the cheapest order, coef applied once.

        The scalar goes where it costs least: onto the smallest value of the
        product tree (a vector or a diagonal when the result is a matrix), the
        one computed last among equals (``2 (Xᵀ r)``, ``outer(c Wᵀs, Wᵀs)``).
        """
        kept = []
        for v in self._unfolded(ops):
            if isinstance(v, Eye):
                if v.scale is not None:
                    coef = coef.times(Coef(v.scale.value) if isinstance(v.scale, Lit)
                                      else Coef(Fraction(1), (v.scale,)))
                continue
            kept.append(v)
        if not kept:                                    # a product of identities
            return self._apply_lazy(coef, Eye(None, shape[0]))
        sym = self._sandwich(kept)
        if sym is not None:
            a, d = sym
            if not coef.mults and not coef.divs and coef.c > 0 and coef.c != 1:
                d, coef = self.mul(Lit(coef.c), d), Coef()
            return self.apply(coef, self.symmetric_product(a, d, shape))
        tree = self._tree(kept)
        target = None if coef.is_one else self._cheapest(tree, kept)
        out = self._build(tree, kept, coef, target)
        if isinstance(out, Ref) and out.shape != shape and out.kind == kind_of(shape):
            out = out.as_shape(shape)
        return out

    def _unfolded(self, ops):
        """The factors with a matrix of ones as 𝟏 𝟏ᵀ and a broadcast as 𝟏 vᵀ or u 𝟏ᵀ (rank one)."""
        for v in ops:
            if isinstance(v, OnesV) and v.kind == "mat":
                yield OnesV((v.shape[0], 1))
                yield OnesV((1, v.shape[1]))
            elif isinstance(v, Bcast) and v.axis == 0:
                yield OnesV((v.shape[0], 1))
                yield v.v
            elif isinstance(v, Bcast):
                yield v.v
                yield OnesV((1, v.shape[1]))
            else:
                yield v

    def _sandwich(self, ops):
        """(A, d) when ops are Aᵀ, diag(d), A with d provably non-negative, else None."""
        if len(ops) != 3 or not isinstance(ops[1], Diag) or not self._nonneg(ops[1].d):
            return None
        at, a = ops[0], ops[2]
        if at.lazy or a.lazy or a.kind != "mat":
            return None
        t = self.defined_by(at, "T")
        same = t is not None and t.args[0].key() == a.key()
        return (a, ops[1].d) if same else None

    def _tree(self, ops):
        """The cheapest multiplication order: a leaf index, or (left, right, i, j)."""
        k = len(ops)
        best = {(i, i): (0, None) for i in range(k)}
        for length in range(2, k + 1):
            for i in range(0, k - length + 1):
                j = i + length - 1
                choice = None
                for s in range(i, j):
                    cost = best[i, s][0] + best[s + 1, j][0] + self._cost(ops, i, s, j)
                    if choice is None or cost < choice[0]:
                        choice = (cost, s)
                best[i, j] = choice

        def build(i, j):
            if i == j:
                return i
            s = best[i, j][1]
            return (build(i, s), build(s + 1, j), i, j)

        return build(0, k - 1)

    def _cheapest(self, tree, ops):
        """The node of a product tree with the fewest entries; among equals, the nearest the root."""
        found = []

        def visit(node, depth):
            if isinstance(node, int):
                i = j = node
            else:
                i, j = node[2], node[3]
                visit(node[0], depth + 1)
                visit(node[1], depth + 1)
            if all(isinstance(v, Diag) for v in ops[i:j + 1]):
                size = _size(ops[i].shape[0])
            else:
                size = _size(ops[i].shape[0]) * _size(ops[j].shape[1])
            lazy = any(v.lazy and not isinstance(v, Diag) for v in ops[i:j + 1])
            found.append((size, lazy, depth, -j, node))

        visit(tree, 0)
        return min(found, key=lambda f: f[:4])[4]

    def _build(self, node, ops, coef, target):
        """Emit the product tree; `coef` is applied at the node `target` (None: nowhere)."""
        if isinstance(node, int):
            v = ops[node]
        else:
            left, right, i, j = node
            a = self._build(left, ops, coef, target)
            b = self._build(right, ops, coef, target)
            v = self._combine(a, b, (ops[i].shape[0], ops[j].shape[1]))
        if target is not None and node is target:
            if isinstance(v, Diag):
                return Diag(self.apply(coef, v.d), v.shape[0])
            return self.apply(coef, self.concrete(v))
        return v

    def _cost(self, ops, i, s, j):
        """The cost of multiplying the product of ops[i..s] by that of ops[s+1..j]."""
        r, k, c = _size(ops[i].shape[0]), _size(ops[s].shape[1]), _size(ops[j].shape[1])
        left_diag = all(isinstance(v, Diag) for v in ops[i:s + 1])
        right_diag = all(isinstance(v, Diag) for v in ops[s + 1:j + 1])
        if left_diag and right_diag:
            return r
        if left_diag:
            return k * c
        if right_diag:
            return r * k
        if s == i and isinstance(ops[i], Comm):
            return k * c
        if s + 1 == j and isinstance(ops[j], Comm):
            return r * k
        if s == i and isinstance(ops[i], KronV) and c == 1:
            p, q = ops[i].p.shape, ops[i].q.shape
            return _size(q[0]) * _size(q[1]) * _size(p[1]) + _size(q[0]) * _size(p[1]) * _size(p[0])
        if s + 1 == j and isinstance(ops[j], KronV) and r == 1:
            p, q = ops[j].p.shape, ops[j].q.shape
            return _size(q[0]) * _size(q[1]) * _size(p[0]) + _size(q[1]) * _size(p[0]) * _size(p[1])
        return r * k * c

    def _combine(self, a, b, shape):
        """a b for two values (either may be lazy)."""
        # diagonals: broadcasting
        if isinstance(a, Diag) and isinstance(b, Diag):
            return Diag(self.mul(a.d, b.d), shape[0])
        if isinstance(a, Diag):
            if isinstance(b, OnesV) and b.kind == "col":
                return a.d.as_shape(shape)
            b = self.concrete(b)
            if b.kind == "col":
                return self.mul(a.d, b).as_shape(shape)
            return self._scale_rows(a.d, b, shape)
        if isinstance(b, Diag):
            if isinstance(a, OnesV) and a.kind == "row":
                return b.d.as_shape(shape)
            a = self.concrete(a)
            if a.kind == "row":
                return self.mul(a, b.d.as_shape(a.shape)).as_shape(shape)
            return self._scale_cols(a, b.d, shape)
        # Kronecker products times vectors: vec(Q V Pᵀ)
        if isinstance(a, KronV) and b.kind == "col" and not b.lazy:
            return self._kron_vec(a, b, shape)
        if isinstance(b, KronV) and a.kind == "row" and not a.lazy:
            kt = KronV(self.transpose(b.p), self.transpose(b.q), _t(b.shape))
            return self._kron_vec(kt, a.as_shape(_t(a.shape)), _t(shape)).as_shape(shape)
        # commutation matrices: a permutation of rows or columns
        if isinstance(a, Comm) and not isinstance(b, Comm):
            return self.emit("commute", [self.concrete(b)], (a.m, a.n), shape)
        if isinstance(b, Comm) and not isinstance(a, Comm):
            at = self.transpose(self.concrete(a))
            return self.transpose(self.emit("commute", [at], (b.n, b.m), _t(shape)))
        # ones: sums
        if isinstance(a, OnesV) and isinstance(b, OnesV) and a.kind == "col" and b.kind == "row":
            return OnesV(shape)
        if isinstance(a, OnesV) and a.kind == "col" and not b.lazy and b.kind == "row":
            return Bcast(b, 0, shape)                      # 𝟏 vᵀ: every row is v
        if isinstance(b, OnesV) and b.kind == "row" and not a.lazy and a.kind == "col":
            return Bcast(a, 1, shape)                      # u 𝟏ᵀ: every column is u
        if isinstance(a, OnesV) and a.kind == "row":
            if isinstance(b, OnesV) and b.kind == "col":
                return Dim(a.shape[1])
            b = self.concrete(b)
            if b.kind == "col":
                return self.emit("sum", [b], (), shape)
            if b.kind == "mat":
                return self.emit("sum0", [b], (), shape)
        if isinstance(b, OnesV) and b.kind == "col":
            a = self.concrete(a)
            if a.kind == "row":
                return self.emit("sum", [a], (), shape)
            if a.kind == "mat":
                return self.emit("sum1", [a], (), shape)
        a, b = self.concrete(a), self.concrete(b)
        ka, kb = a.kind, b.kind
        if ka == "scalar" or kb == "scalar":            # a 1×1 factor inside a chain (u (vᵀ w)) scales
            out = self.mul(a, b)
            return out.as_shape(shape) if isinstance(out, Ref) else out
        if ka == "row" and kb == "col":
            return self.emit("dot", [a, b], (), shape, commutative=True)
        if ka == "col" and kb == "row":
            return self.emit("outer", [a, b], (), shape)
        if ka == "row":                                 # uᵀ B = (Bᵀ u)ᵀ: one spelling of B's products
            return self.emit("matmul", [self.transpose(b), a.as_shape(_t(a.shape))], (),
                             _t(shape)).as_shape(shape)
        return self.emit("matmul", [a, b], (), shape)

    def _scale_rows(self, d, m, shape):
        """diag(d) M."""
        return self.emit("scale_rows", [d, m], (), shape)

    def _scale_cols(self, m, d, shape):
        """M diag(d)."""
        return self.emit("scale_cols", [m, d], (), shape)

    def _kron_vec(self, k, v, shape):
        """(P ⊗ Q) v = vec(Q unvec(v) Pᵀ)."""
        p, q = k.p, k.q
        V = self.unvec(v, q.shape[1], p.shape[1])
        M = self.chain(Coef(), [q, V, self.transpose(p)], (q.shape[0], p.shape[0]))
        return self.vec(M, shape)

    def symmetric_product(self, a, d, shape):
        """Aᵀ diag(d) A with d ≥ 0 as the Gram matrix Yᵀ Y, Y = √d ⊙ A (a symmetric product: half the work)."""
        return self.emit("gram", [self._scale_rows(self.fn("sqrt", d), a, a.shape)], (), shape)
