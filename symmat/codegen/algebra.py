"""Emitting equations, and element-wise algebra over values (concrete or lazy).

`Builder.emit` appends an equation unless an equal one exists (common
subexpressions once, across routes: the key is the operation, its arguments
and how each is held). The arithmetic folds numbers, keeps diagonals
diagonal (``diag(a) ⊙ X``, ``diag(d) + c I``, ``c · diag(d)``), tracks which
values are provably non-negative or in [0, 1] (for the symmetric product of
`products`), and applies a product's scalar coefficient with one operation.
"""

import math
from fractions import Fraction

from .values import Bcast, Comm, Diag, Eqn, Eye, KronV, Lit, OnesV, Ref, kind_of, _t

_NONNEG_FNS = ("exp", "sigmoid", "softplus", "abs", "relu", "sqrt", "step")
_UNIT_FNS = ("sigmoid", "step")        # values in [0, 1]


class Builder:
    """Emits equations (each hash-consed: a value is computed once) and does element-wise algebra."""

    def __init__(self, params, hints=None):
        self.params = {p.name: p for p in params}
        self.eqns, self.table, self.defs = [], {}, {}
        self.memo, self.counter = {}, 0
        self.nonneg = {}              # temp id -> provably non-negative
        self.unit = set()             # temp ids of values provably in [0, 1]
        self.spread = 0               # sums distributed over products so far (see products.MAX_SPREAD)
        self.hint_exprs = hints or {}  # Expr -> preferred name
        self.hints = {}

    # -- equations
    def emit(self, op, args, params, shape, commutative=False):
        """The value of ``op(args)``: a fresh temporary, or the one that already holds it."""
        for a in args:
            if a.lazy:
                raise AssertionError(f"lazy argument to {op}")
        keys = [(a.key(), a.kind) for a in args]      # a vector as a row or a column: not the same
        if commutative:
            keys.sort(key=repr)
        key = (op, tuple(keys), tuple(params))
        if key in self.table:
            return self.table[key].as_shape(shape)
        self.counter += 1
        out = Ref(self.counter, shape)
        eqn = Eqn(out, op, args, params)
        self.eqns.append(eqn)
        self.table[key] = out
        self.defs[out.name] = eqn
        return out

    def defined_by(self, v, op):
        """The equation that made `v` if its op is `op`, else None."""
        if isinstance(v, Ref) and isinstance(v.name, int):
            eqn = self.defs[v.name]
            if eqn.op == op:
                return eqn
        return None

    # -- lazy values made concrete
    def concrete(self, v):
        """An array for `v` (materialises a lazy value)."""
        if not v.lazy:
            return v
        if isinstance(v, Diag):
            return self.emit("diag", [v.d], (), v.shape)
        if isinstance(v, Eye):
            n = v.shape[0]
            eye = self.emit("eye", [], (n,), v.shape)
            return eye if v.scale is None else self.mul(v.scale, eye)
        if isinstance(v, OnesV):
            if kind_of(v.shape) == "scalar":
                return Lit(Fraction(1))
            return self.emit("ones", [], (v.shape,), v.shape)
        if isinstance(v, KronV):
            p, q = self.concrete(v.p), self.concrete(v.q)
            if p.kind == "scalar" or q.kind == "scalar":
                return self.mul(p, q)
            return self.emit("kron", [p, q], (), v.shape)
        if isinstance(v, Comm):
            return self.emit("commutation", [], (v.m, v.n), v.shape)
        if isinstance(v, Bcast):
            n = v.shape[0] if v.axis == 0 else v.shape[1]
            ones = self.emit("ones", [], ((n, 1),), (n, 1))
            if v.axis == 0:
                return self.emit("outer", [ones, v.v.as_shape((n, 1))], (), v.shape)
            return self.emit("outer", [v.v, ones], (), v.shape)
        raise AssertionError(v)

    # -- element-wise arithmetic with folding
    def mul(self, a, b):
        """a ⊙ b (either may be a scalar): folds numbers, keeps diagonals diagonal."""
        if isinstance(a, Lit) and isinstance(b, Lit):
            return Lit(a.value * b.value)
        for x, y in ((a, b), (b, a)):
            if isinstance(x, Lit) and x.value == 1:
                return y
            if isinstance(x, Lit) and x.value == -1:
                return self.neg(y)
        if a.lazy or b.lazy:
            return self._mul_lazy(a, b)
        shape = a.shape if a.kind != "scalar" else b.shape
        out = self.emit("mul", [a, b], (), shape, commutative=True)
        if self._nonneg(a) and self._nonneg(b):
            self.nonneg[out.name] = True
        if self._unit(a) and self._unit(b):
            self.unit.add(out.name)
        return out

    def _mul_lazy(self, a, b):
        if b.lazy and not a.lazy:
            a, b = b, a
        if a.kind == "scalar" or b.kind == "scalar":   # never lazy scalars: a is the lazy one
            s = b
            if isinstance(a, Diag):
                return Diag(self.mul(s, a.d), a.shape[0])
            if isinstance(a, Eye):
                return Eye(s if a.scale is None else self.mul(a.scale, s), a.shape[0])
            if isinstance(a, Bcast):
                return Bcast(self.mul(s, a.v), a.axis, a.shape)
            return self.mul(self.concrete(a), s)
        if isinstance(a, OnesV):
            return b
        if isinstance(b, OnesV):
            return a
        if isinstance(b, Bcast) and not isinstance(a, Bcast) and not isinstance(a, (Diag, Eye)):
            a, b = b, a
        if isinstance(a, Bcast) and not isinstance(b, (Diag, Eye)):
            if isinstance(b, Bcast):
                if a.axis == b.axis:
                    return Bcast(self.mul(a.v, b.v), a.axis, a.shape)
                u, v = (a.v, b.v) if a.axis == 1 else (b.v, a.v)     # u 𝟏ᵀ ⊙ 𝟏 vᵀ = u vᵀ
                return self.emit("outer", [u, v], (), a.shape)
            b = self.concrete(b)
            if a.axis == 0:                                   # every row times v: broadcasting
                return self.emit("mul", [b, a.v], (), b.shape)
            return self.emit("scale_rows", [a.v, b], (), b.shape)
        if isinstance(a, Eye) and isinstance(b, Eye):
            if a.scale is None or b.scale is None:
                return a if b.scale is None else b
            return Eye(self.mul(a.scale, b.scale), a.shape[0])
        if isinstance(a, (Diag, Eye)):            # diag(d) ⊙ X: only X's diagonal survives
            other = self.diagonal_of(b)
            if isinstance(a, Diag):
                return Diag(self.mul(a.d, other), a.shape[0])
            return Diag(other if a.scale is None else self.mul(a.scale, other), a.shape[0])
        if isinstance(b, (Diag, Eye)):
            return self._mul_lazy(b, a)
        return self.mul(self.concrete(a), self.concrete(b))

    def diagonal_of(self, v):
        """The diagonal of a square value, as a vector."""
        n = v.shape[0]
        if isinstance(v, Diag):
            return v.d
        if isinstance(v, Bcast):
            return v.v.as_shape((n, 1))
        if isinstance(v, Eye):
            ones = self.emit("ones", [], ((n, 1),), (n, 1))
            return ones if v.scale is None else self.mul(v.scale, ones)
        v = self.concrete(v)
        if v.kind == "scalar":
            return v
        return self.emit("diagonal", [v], (), (n, 1))

    def neg(self, a):
        if isinstance(a, Lit):
            return Lit(-a.value)
        if isinstance(a, Diag):
            return Diag(self.neg(a.d), a.shape[0])
        if isinstance(a, Eye):
            return Eye(Lit(Fraction(-1)) if a.scale is None else self.neg(a.scale), a.shape[0])
        if isinstance(a, Bcast):
            return Bcast(self.neg(a.v), a.axis, a.shape)
        a = self.concrete(a)
        inner = self.defined_by(a, "neg")
        if inner is not None:
            return inner.args[0].as_shape(a.shape)
        return self.emit("neg", [a], (), a.shape)

    def add(self, a, b, sign=1):
        """a + b (or a - b), keeping diagonal sums diagonal."""
        if isinstance(a, Lit) and isinstance(b, Lit):
            return Lit(a.value + sign * b.value)
        shape = a.shape if a.kind != "scalar" else b.shape
        if isinstance(a, (Diag, Eye)) and isinstance(b, (Diag, Eye)) and kind_of(shape) != "scalar":
            n = shape[0]
            if isinstance(a, Eye) and isinstance(b, Eye):
                sa = a.scale or Lit(Fraction(1))
                sb = b.scale or Lit(Fraction(1))
                return Eye(self.add(sa, sb, sign), n)
            da = a.d if isinstance(a, Diag) else (a.scale or Lit(Fraction(1)))
            db = b.d if isinstance(b, Diag) else (b.scale or Lit(Fraction(1)))
            return Diag(self.add(da, db, sign), n)
        for x, y, first in ((a, b, True), (b, a, False)):   # M ± 𝟏 vᵀ: broadcasting the row v
            if isinstance(x, Bcast) and x.axis == 0 and not y.lazy and y.kind == "mat":
                if sign > 0:
                    return self.emit("add", [y, x.v], (), shape, commutative=True)
                return self.emit("sub", [x.v, y] if first else [y, x.v], (), shape)
        a, b = self.concrete(a), self.concrete(b)
        if isinstance(b, Lit) and b.value == 0 and a.shape == shape:
            return a
        if sign > 0:
            out = self.emit("add", [a, b], (), shape, commutative=True)
            if self._nonneg(a) and self._nonneg(b):
                self.nonneg[out.name] = True
            return out
        out = self.emit("sub", [a, b], (), shape)
        if isinstance(a, Lit) and a.value >= 1 and self._unit(b):    # 1 - σ(u) ≥ 0
            self.nonneg[out.name] = True
            if a.value == 1:
                self.unit.add(out.name)
        return out

    def div(self, a, b):
        """a / b, b a scalar or of a's shape."""
        if isinstance(a, Lit) and isinstance(b, Lit) and b.value != 0:
            return Lit(a.value / b.value)
        if isinstance(b, Lit) and b.value == 1:
            return a
        if isinstance(a, Diag) and b.kind == "scalar":
            return Diag(self.div(a.d, b), a.shape[0])
        if isinstance(a, Eye) and b.kind == "scalar":
            return Eye(self.div(a.scale or Lit(Fraction(1)), b), a.shape[0])
        a, b = self.concrete(a), self.concrete(b)
        shape = a.shape if a.kind != "scalar" else b.shape
        out = self.emit("div", [a, b], (), shape)
        if isinstance(out.name, int) and self._nonneg(a) and self._nonneg(b):
            self.nonneg[out.name] = True
        return out

    def fn(self, name, x):
        """An element-wise function (folded on a number; zero-preserving ones keep a diagonal)."""
        if isinstance(x, Lit):
            folded = _fold(name, float(x.value))
            if folded is not None:
                return Lit(folded)
        if isinstance(x, Diag) and name in ("sin", "tan", "tanh", "relu", "abs", "sign", "sqrt", "step"):
            return Diag(self.fn(name, x.d), x.shape[0])
        x = self.concrete(x)
        out = self.emit("fn", [x], (name,), x.shape)
        if name in _NONNEG_FNS:
            self.nonneg[out.name] = True
        if name in _UNIT_FNS:
            self.unit.add(out.name)
        return out

    def _nonneg(self, v):
        if isinstance(v, Lit):
            return v.value >= 0
        if isinstance(v, Ref) and isinstance(v.name, int):
            return self.nonneg.get(v.name, False)
        return False

    def _unit(self, v):
        if isinstance(v, Lit):
            return 0 <= v.value <= 1
        return isinstance(v, Ref) and isinstance(v.name, int) and v.name in self.unit

    def transpose(self, v):
        """vᵀ: free for scalars and vectors (a 1-D array either way) and for lazy values."""
        if isinstance(v, Diag) or isinstance(v, Eye) or v.kind == "scalar":
            return v
        if isinstance(v, OnesV):
            return OnesV(_t(v.shape))
        if isinstance(v, Bcast):
            return Bcast(self.transpose(v.v), 1 - v.axis, _t(v.shape))
        if isinstance(v, KronV):
            return KronV(self.transpose(v.p), self.transpose(v.q), _t(v.shape))
        if isinstance(v, Comm):
            return Comm(v.n, v.m, _t(v.shape))
        if v.kind in ("col", "row"):
            return v.as_shape(_t(v.shape))
        inner = self.defined_by(v, "T")
        if inner is not None:
            return inner.args[0].as_shape(_t(v.shape))
        return self.emit("T", [v], (), _t(v.shape))

    def vec(self, v, shape):
        """vec(V), column-major (of a vector: the same array)."""
        v = self.concrete(v)
        if v.kind != "mat":
            return v.as_shape(shape) if isinstance(v, Ref) else v
        inner = self.defined_by(v, "unvec")
        if inner is not None:
            return inner.args[0].as_shape(shape)
        inner = self.defined_by(v, "T")
        if inner is not None:                           # vec(Yᵀ): Y's rows, one after another
            return self.emit("ravel", [inner.args[0]], (), shape)
        return self.emit("vec", [v], (), shape)

    def unvec(self, v, m, n):
        """The m×n matrix whose vec is v."""
        shape = (m, n)
        v = self.concrete(v)
        if kind_of(shape) != "mat":
            return v.as_shape(shape) if isinstance(v, Ref) else v
        inner = self.defined_by(v, "vec")
        if inner is not None and inner.args[0].shape == shape:
            return inner.args[0]
        return self.emit("unvec", [v], (m, n), shape)

    # -- scalar coefficients
    def coef_value(self, coef):
        """The scalar c · Π mults / Π divs (None when it is 1)."""
        s = None if coef.c == 1 else Lit(coef.c)
        for m in coef.mults:
            s = m if s is None else self.mul(s, m)
        if coef.divs:
            d = coef.divs[0]
            for x in coef.divs[1:]:
                d = self.mul(d, x)
            s = self.div(s if s is not None else Lit(Fraction(1)), d)
        return s

    def apply(self, coef, v):
        """coef · v, with one operation on v."""
        if coef.is_one:
            return v
        if coef.c == -1 and not coef.mults and not coef.divs:
            return self.neg(v)
        if not coef.mults and coef.divs and abs(coef.c) == 1:   # v / m: as one writes it
            d = coef.divs[0]
            for x in coef.divs[1:]:
                d = self.mul(d, x)
            out = self.div(v, d)
            return out if coef.c == 1 else self.neg(out)
        return self.mul(self.coef_value(coef), v)


def _fold(name, x):
    """A function of a number, when it is defined there."""
    try:
        if name == "sigmoid":
            return 1 / (1 + math.exp(-x))
        if name == "relu":
            return max(x, 0.0)
        if name == "softplus":
            return math.log1p(math.exp(x)) if x < 30 else x + math.log1p(math.exp(-x))
        if name == "step":
            return 1.0 if x > 0 else 0.0
        if name == "sign":
            return float((x > 0) - (x < 0))
        if name == "abs":
            return abs(x)
        return getattr(math, name)(x)
    except (ValueError, OverflowError):
        return None
