"""Random well-typed expressions, an independent NumPy evaluator, and the oracles.

Three things live here, shared by the property tests and `benchmarks/fuzz.py`:

* `cases()`: a Hypothesis strategy of random expressions over every operator
  of SPEC §1.2, built directly with the node constructors of `symmat.tree.expr`
  and the smart constructors of `symmat.reading.build`, generated *by target shape*
  (so every tree is well-typed by construction), with random concrete or
  symbolic sizes and declared properties on the variables. Each sub-tree is
  generated knowing whether its value must be positive (argument of log,
  sqrt, a denominator, a fractional power) or a well-conditioned square
  matrix (argument of an inverse, det, logdet, negative power), so that a
  random point is almost always inside the function's domain.
* `evaluate(expr, values, sizes)`: an evaluator written from the definitions
  in SPEC §1.2 and §2, independent of `symmat.numeric.evaluate`. In its checked mode
  it raises `OutOfDomain` near a kink (abs, relu, norms at 0), a pole (tan,
  a denominator near 0), an ill-conditioned inverse, or a huge value: such a
  point is not a fair test of a derivative and another is drawn.
* `check_derivative(case, kind)`: the property: symmat's closed form against
  central finite differences of the independent evaluator, in the layout and
  the symmetric convention asked, with the vec column-major layout of SPEC §2
  for Jacobians; an outcome string ("ok", "wrong", "crash", "unsupported",
  "selfcheck", "limit", "rejected", "domain") and details.

Nothing here uses `symmat.numeric.evaluate`, `symmat.numeric.selfcheck` or `symmat.verify`.
"""

import math
import random
import time
import traceback
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from hypothesis import strategies as st

from symmat.tree import expr as E
from symmat.reading.build import add, divide, negate, product

ELEMENTWISE = ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "softplus", "abs")
POSITIVE_FNS = ("exp", "sigmoid", "softplus", "sqrt", "abs")   # positive output (sqrt of a positive)
NEEDS_POSITIVE = ("log", "sqrt")

# Every operator of SPEC §1.2, by the name the generator records it under.
OPERATORS = (
    "add", "sub", "neg", "matmul", "scale", "div", "transpose", "inverse", "matpow", "scalarpow",
    "hadamard", "haddiv", "hadpow", "kron", "trace", "det", "logdet", "norm2", "normF", "norm1",
    "norm2sq", "normFsq", "sum", "mean", "diagmat", "diagvec", "vec",
    *(f"fn:{f}" for f in ELEMENTWISE), "softmax", "logsumexp")

MATRIX_NAMES = "ABCDFGHJKLMNPQRSUVWXYZ"        # not E (looks like e) nor I (identity) nor O, T
VECTOR_NAMES = "abcuvwxyz"                      # not the size letters n m k p
SCALAR_NAMES = "αβγθλμ"
SYMBOLIC_DIMS = ("n", "m", "k", "p")
PROPS = (None, None, None, "symmetric", "spd", "diagonal", "orthogonal", "invertible")


class OutOfDomain(Exception):
    """The point is not a fair place to compare derivatives (kink, pole, overflow…)."""


# ======================================================================== generation

class Builder:
    """Draws one random expression; remembers its variables, sizes and operators."""

    def __init__(self, rnd, symbolic, max_kron=1):
        self.rnd = rnd
        self.symbolic = symbolic
        self.vars = {}            # name -> Var
        self.positive = set()     # names whose values must be positive entries
        self.ops = set()          # operators used
        self.kron_left = max_kron
        if symbolic:
            n = rnd.randint(1, 3)
            vals = rnd.sample([2, 3, 4], 3)
            self.dims = list(SYMBOLIC_DIMS[:n])
            self.sizes = {d: v for d, v in zip(self.dims, vals)}
        else:
            self.dims = sorted(set(rnd.choice([2, 3, 4]) for _ in range(rnd.randint(1, 3))))
            self.sizes = {}

    # -- helpers
    def pick(self, options):
        return self.rnd.choice(list(options))

    def coin(self, p=0.5):
        return self.rnd.random() < p

    def atom(self, allow_one=False):
        """A dimension: a size of the pool (1 sometimes, for outer products)."""
        pool = list(self.dims) + ([1] if allow_one else [])
        return self.pick(pool)

    def size_of(self, d):
        if isinstance(d, int):
            return d
        if isinstance(d, tuple):
            return self.size_of(d[1]) * self.size_of(d[2])
        return self.sizes[d]

    def factorizations(self, d):
        """Ways to write a dimension as a product a·b for a Kronecker product or vec."""
        if isinstance(d, tuple):
            return [(d[1], d[2])]
        if isinstance(d, int):
            return [(a, d // a) for a in (1, 2, 3, 4) if d % a == 0 and d // a <= 4]
        return [(1, d), (d, 1)]

    # -- leaves
    def var(self, shape, pos=False, cond=False):
        """A variable of `shape` (an old one of that shape sometimes, so names repeat)."""
        same = [v for v in self.vars.values() if v.shape == tuple(shape)
                and not (pos and (v.has("orthogonal") or v.has("diagonal")))]
        if same and self.coin(0.5):
            v = self.pick(same)
        else:
            if shape == (1, 1):
                names, props = SCALAR_NAMES, frozenset()
            elif shape[1] == 1:
                names, props = VECTOR_NAMES, frozenset()
            else:
                names = MATRIX_NAMES
                prop = self.pick(PROPS) if shape[0] == shape[1] else None
                if pos and prop in ("orthogonal", "diagonal"):
                    prop = None
                props = frozenset([prop]) if prop else frozenset()
            free = [c for c in names if c not in self.vars]
            if not free:
                same = same or [v for v in self.vars.values() if v.shape == tuple(shape)]
                if same:
                    return self.pick(same)
                raise OutOfDomain("ran out of names")
            v = E.Var(self.pick(free), shape, props)
            self.vars[v.name] = v
        if pos:
            self.positive.add(v.name)
        return v

    def leaf(self, shape, pos=False):
        r, c = shape
        if (r, c) == (1, 1):
            if self.coin(0.3):
                return E.Const(self.pick([2, 3, Fraction(1, 2), Fraction(3, 2)] +
                                         ([] if pos else [-1, -2, Fraction(-1, 3)])))
            return self.var(shape, pos)
        if r == 1:
            return E.Transpose(self.leaf((c, 1), pos))
        if isinstance(r, tuple) or isinstance(c, tuple):
            return self.kron_or_vec(shape, 0, pos)
        if self.coin(0.12):
            if c == 1:
                return E.Ones(shape)
            # A matrix of ones is written 𝟏 𝟏ᵀ: the text printer prints Ones((m, n)) as 𝟏,
            # which reads back as a vector (see test_regressions.py::test_ones_matrix_reads_back).
            return product(E.Ones((r, 1)), E.Transpose(E.Ones((c, 1))))
        if r == c and not pos and self.coin(0.1):
            return E.Identity(r)
        return self.var(shape, pos)

    def kron_or_vec(self, shape, depth, pos):
        r, c = shape
        if c == 1:
            a, b = self.pick(self.factorizations(r))
            if self.coin(0.5) and not (a == 1 and b == 1):
                self.ops.add("vec")
                return E.Vec(self.gen((a, b), depth - 1, pos))
            self.ops.add("kron")
            return E.Kron(self.gen((a, 1), depth - 1, pos), self.gen((b, 1), depth - 1, pos))
        a, b = self.pick(self.factorizations(r))
        p, q = self.pick(self.factorizations(c))
        self.ops.add("kron")
        return E.Kron(self.gen((a, p), depth - 1, pos), self.gen((b, q), depth - 1, pos))

    # -- the recursive generator
    def gen(self, shape, depth, pos=False):
        """A random expression of `shape` (all entries positive at the point when pos)."""
        shape = tuple(shape)
        r, c = shape
        if depth <= 0 or self.coin(0.08 if depth > 2 else 0.25):
            return self.leaf(shape, pos)
        if isinstance(r, tuple) or isinstance(c, tuple):
            if r == 1 or c == 1 or self.coin(0.6):
                if r == 1:
                    return self.op_transpose(shape, depth, pos)
                return self.kron_or_vec(shape, depth, pos)
        options = self.options(shape, pos)
        name = self.pick(options)
        return getattr(self, "op_" + name)(shape, depth, pos)

    def options(self, shape, pos):
        r, c = shape
        scalar = (r, c) == (1, 1)
        opts = ["add", "hadamard", "fn", "matmul", "div", "haddiv", "hadpow", "scale"]
        if not pos:
            opts += ["sub", "neg"]
        if not scalar:
            opts += ["transpose", "scalar_add"]
            if self.kron_left > 0 and (len(self.factorizations(r)) > 1 or len(self.factorizations(c)) > 1):
                opts += ["kron"]
        if c == 1 and r != 1:
            opts += ["softmax", "diagvec"]
            if self.kron_left > 0 and not isinstance(r, str):
                opts += ["vec"]
        if r == c and not scalar:
            opts += ["inverse", "matpow"]
            if not pos:
                opts += ["diagmat"]
        if scalar:
            opts += ["trace", "sum", "mean", "norm", "norm", "normsq", "scalarpow", "logsumexp", "logdet"]
            if not pos:
                opts += ["det"]
        return opts

    # -- operators (each records what it used)
    def op_add(self, shape, depth, pos):
        self.ops.add("add")
        return add(self.gen(shape, depth - 1, pos), self.gen(shape, depth - 1, pos))

    def op_scalar_add(self, shape, depth, pos):
        self.ops.add("add")
        s = self.gen((1, 1), depth - 1, pos)
        x = self.gen(shape, depth - 1, pos)
        return add(s, x) if self.coin() else add(x, s)

    def op_sub(self, shape, depth, pos):
        self.ops.add("sub")
        return add(self.gen(shape, depth - 1), negate(self.gen(shape, depth - 1)))

    def op_neg(self, shape, depth, pos):
        self.ops.add("neg")
        return negate(self.gen(shape, depth - 1))

    def op_scale(self, shape, depth, pos):
        self.ops.add("scale")
        s = self.gen((1, 1), depth - 1, pos)
        x = self.gen(shape, depth - 1, pos)
        return product(s, x) if self.coin(0.7) else product(x, s)

    def op_matmul(self, shape, depth, pos):
        r, c = shape
        k = self.atom(allow_one=(r, c) != (1, 1))
        self.ops.add("matmul")
        return product(self.gen((r, k), depth - 1, pos), self.gen((k, c), depth - 1, pos))

    def op_div(self, shape, depth, pos):
        self.ops.add("div")
        return divide(self.gen(shape, depth - 1, pos), self.gen((1, 1), depth - 1, True))

    def op_hadamard(self, shape, depth, pos):
        self.ops.add("hadamard")
        if shape != (1, 1) and self.coin(0.15):
            return E.Hadamard(self.gen((1, 1), depth - 1, pos), self.gen(shape, depth - 1, pos))
        return E.Hadamard(self.gen(shape, depth - 1, pos), self.gen(shape, depth - 1, pos))

    def op_haddiv(self, shape, depth, pos):
        self.ops.add("haddiv")
        return E.HadDiv(self.gen(shape, depth - 1, pos), self.gen(shape, depth - 1, True))

    def op_hadpow(self, shape, depth, pos):
        p = self.pick([2, 3, -1, Fraction(1, 2), Fraction(3, 2), Fraction(-1, 2)])
        self.ops.add("hadpow")
        need = pos or p.denominator != 1 if isinstance(p, Fraction) else pos or p < 0
        return E.HadPow(self.gen(shape, depth - 1, need or p == -1), p)

    def op_fn(self, shape, depth, pos):
        fn = self.pick(POSITIVE_FNS if pos else ELEMENTWISE)
        self.ops.add(f"fn:{fn}")
        return E.Apply(fn, self.gen(shape, depth - 1, fn in NEEDS_POSITIVE))

    def op_transpose(self, shape, depth, pos):
        self.ops.add("transpose")
        return E.Transpose(self.gen((shape[1], shape[0]), depth - 1, pos))

    def op_kron(self, shape, depth, pos):
        self.kron_left -= 1
        return self.kron_or_vec(shape, depth, pos)

    def op_vec(self, shape, depth, pos):
        self.kron_left -= 1
        a, b = self.pick([f for f in self.factorizations(shape[0]) if f != (1, 1)])
        self.ops.add("vec")
        return E.Vec(self.gen((a, b), depth - 1, pos))

    def op_softmax(self, shape, depth, pos):
        self.ops.add("softmax")
        return E.Softmax(self.gen(shape, depth - 1))

    def op_diagvec(self, shape, depth, pos):
        self.ops.add("diagvec")
        return E.DiagVec(self.gen((shape[0], shape[0]), depth - 1, pos))

    def op_diagmat(self, shape, depth, pos):
        self.ops.add("diagmat")
        return E.DiagMat(self.gen((shape[0], 1), depth - 1))

    def op_inverse(self, shape, depth, pos):
        self.ops.add("inverse")
        return E.Inverse(self.cond(shape[0], depth - 1))

    def op_matpow(self, shape, depth, pos):
        k = self.pick([2, 3, 2, -1, -2])
        self.ops.add("matpow" if k != -1 else "inverse")
        base = self.cond(shape[0], depth - 1) if k < 0 else self.gen(shape, depth - 1, pos)
        return E.Power(base, k) if k != -1 else E.Inverse(base)

    def op_trace(self, shape, depth, pos):
        n = self.atom()
        self.ops.add("trace")
        return E.Trace(self.gen((n, n), depth - 1, pos))

    def op_det(self, shape, depth, pos):
        self.ops.add("det")
        return E.Det(self.cond(self.atom(), depth - 1))

    def op_logdet(self, shape, depth, pos):
        self.ops.add("logdet")
        x = self.cond(self.atom(), depth - 1)
        return E.LogDet(x)

    def any_shape(self):
        kind = self.pick(["vector", "vector", "matrix", "square", "kron"])
        if kind == "kron" and self.kron_left > 0:
            from symmat.tree.shapes import dim_mul
            self.kron_left -= 1
            a, b = self.atom(), self.atom()
            return (dim_mul(a, b), 1) if self.coin() else (dim_mul(a, b), dim_mul(self.atom(), self.atom()))
        if kind in ("vector", "kron"):
            return (self.atom(), 1)
        n = self.atom()
        return (n, n) if kind == "square" else (n, self.atom())

    def op_sum(self, shape, depth, pos):
        self.ops.add("sum")
        return E.Sum(self.gen(self.any_shape(), depth - 1, pos))

    def op_mean(self, shape, depth, pos):
        self.ops.add("mean")
        return E.Mean(self.gen(self.any_shape(), depth - 1, pos))

    def op_norm(self, shape, depth, pos):
        s = self.any_shape()
        p = self.pick(["2", "2", "1"])
        self.ops.add("norm1" if p == "1" else "norm2" if s[1] == 1 else "normF")
        return E.Norm(self.gen(s, depth - 1), p)

    def op_normsq(self, shape, depth, pos):
        s = self.any_shape()
        self.ops.add("norm2sq" if s[1] == 1 else "normFsq")
        return E.Power(E.Norm(self.gen(s, depth - 1), "2"), 2)

    def op_scalarpow(self, shape, depth, pos):
        k = self.pick([2, 3, -1, -2, Fraction(1, 2), Fraction(-1, 2), Fraction(3, 2)])
        self.ops.add("scalarpow")
        base = self.gen((1, 1), depth - 1, pos or k < 0 or Fraction(k).denominator != 1)
        return E.Power(base, k)

    def op_logsumexp(self, shape, depth, pos):
        self.ops.add("logsumexp")
        return E.LogSumExp(self.gen((self.atom(), 1), depth - 1))

    def cond(self, n, depth):
        """A square n×n expression that is well conditioned at the point (usually)."""
        if isinstance(n, tuple):
            self.ops.add("kron")
            return E.Kron(self.cond(n[1], depth - 1), self.cond(n[2], depth - 1))
        choice = self.pick(["var", "var", "shift", "gram", "transpose", "product", "inverse", "diag"])
        if depth <= 0 or choice == "var":
            v = self.var((n, n), cond=True)
            return v if v.shape[0] == v.shape[1] else E.Identity(n)
        if choice == "shift":
            self.ops.add("add")
            return add(E.Mul(E.Const(4), E.Identity(n)), self.gen((n, n), min(depth - 1, 1)))
        if choice == "gram":
            k = self.atom()
            g = self.gen((k, n), depth - 1)
            self.ops.update({"matmul", "add", "transpose"})
            return add(product(E.Transpose(g), g), E.Identity(n))
        if choice == "transpose":
            self.ops.add("transpose")
            return E.Transpose(self.cond(n, depth - 1))
        if choice == "product":
            self.ops.add("matmul")
            return product(self.cond(n, depth - 1), self.cond(n, depth - 1))
        if choice == "inverse":
            self.ops.add("inverse")
            return E.Inverse(self.cond(n, depth - 1))
        self.ops.add("diagmat")
        return E.DiagMat(self.gen((n, 1), depth - 1, True))


@dataclass
class Case:
    """A random expression with what is needed to evaluate and differentiate it."""

    expr: E.Expr
    vars: dict
    positive: set
    sizes: dict          # symbolic size -> concrete value
    ops: set
    seed: int
    layout: str = "mixed"
    symmetric: str = "sym"
    wrt: str = None
    extra: dict = field(default_factory=dict)

    def __repr__(self):
        return (f"Case({text_of(self.expr)!r}, wrt={self.wrt!r}, layout={self.layout!r}, "
                f"symmetric={self.symmetric!r}, where={declarations(self)!r}, seed={self.seed})")


def random_case(rnd, shape="scalar", max_depth=5):
    """A random `Case` drawn with `rnd` (a random.Random) whose value has the kind `shape`.

    shape: "scalar", "vector", "matrix" or "any".
    """
    b = Builder(rnd, rnd.random() < 0.5)
    depth = rnd.choice([d for d in (1, 2, 3, 4, 5, 5, 5) if d <= max_depth])
    if shape == "scalar":
        target = (1, 1)
    elif shape == "vector":
        target = (b.atom(), 1)
    elif shape == "matrix":
        target = (b.atom(), b.atom())
    else:
        target = rnd.choice([(1, 1), (b.atom(), 1), (b.atom(), b.atom())])
    try:
        e = b.gen(target, depth)
    except OutOfDomain:
        e = b.leaf(target)
    if not e.variables():
        e = add(e, b.var(target))
    vars_ = {v.name: v for v in e.variables()}
    return Case(e, vars_, b.positive & set(vars_), dict(b.sizes), b.ops, rnd.randrange(2**31),
                layout=rnd.choice(["mixed", "numerator", "denominator"]),
                symmetric=rnd.choice(["sym", "entrywise"]), wrt=rnd.choice(sorted(vars_)))


@st.composite
def cases(draw, shape="scalar", max_depth=5):
    """Hypothesis strategy of random `Case`s (see `random_case`)."""
    return random_case(draw(st.randoms(use_true_random=False)), shape, max_depth)


# ======================================================================== text form

def text_of(e, ascii=False):
    """The printed text of an expression (symmat's text printer)."""
    from symmat.printing.text import to_text
    return to_text(e, ascii=ascii)


def _fmt_dim(d):
    from symmat.tree.shapes import fmt_dim
    return fmt_dim(d)


def declarations(case, name=lambda v: v.name, times="×"):
    """A `where` string that gives every variable its shape and properties (`name(v)` spells each)."""
    parts = []
    for v in case.vars.values():
        r, c = v.shape
        n = name(v)
        if (r, c) == (1, 1):
            parts.append(f"{n}: scalar")
        elif c == 1:
            parts.append(f"{n}: vector({_fmt_dim(r)})")
        else:
            props = " ".join(sorted(v.props))
            parts.append(f"{n}: {_fmt_dim(r)}{times}{_fmt_dim(c)}" + (f" {props}" if props else ""))
    return ", ".join(parts)


# ======================================================================== the point

def point(case, rng):
    """Random values for the variables, in the domain their use and properties need."""
    values = {}
    for name, v in case.vars.items():
        r, c = (size_of(d, case.sizes) for d in v.shape)
        if name in case.positive:
            a = rng.uniform(0.5, 1.5, size=(r, c))
        else:
            a = rng.uniform(0.5, 1.5, size=(r, c)) * rng.choice([-1.0, 1.0], size=(r, c))
        if r == c and r > 1:
            if v.has("orthogonal"):
                a = np.linalg.qr(rng.normal(size=(r, r)))[0]
            elif v.has("diagonal"):
                a = np.diag(np.abs(np.diag(a)) + 0.5)
            elif v.has("spd"):
                a = a @ a.T + r * np.eye(r)
            elif v.has("symmetric"):
                a = (a + a.T) / 2 + r * np.eye(r)
            else:
                a = a + r * np.eye(r)
        values[name] = a
    return values


def size_of(d, sizes):
    """The concrete value of a dimension."""
    if isinstance(d, int):
        return d
    if isinstance(d, tuple):
        return size_of(d[1], sizes) * size_of(d[2], sizes)
    return sizes[d]


# ======================================================================== the evaluator

def _sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


FUNCTIONS = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "tanh": np.tanh, "sigmoid": _sigmoid, "relu": lambda x: np.maximum(x, 0.0),
    "softplus": lambda x: np.logaddexp(0.0, x), "abs": np.abs,
    "step": lambda x: (x > 0).astype(float), "sign": np.sign,
}

KINK_MARGIN = 1e-3
BIG = 1e8
MAX_COND = 1e6


class Evaluator:
    """Values of expression trees from the definitions; `checked` adds domain guards."""

    def __init__(self, values, sizes, checked=False):
        self.values, self.sizes, self.checked = values, sizes, checked
        self.memo = {}

    def __call__(self, e):
        hit = self.memo.get(e)
        if hit is not None:
            return hit
        args = [self(a) for a in e.args]
        out = np.asarray(getattr(self, "v_" + type(e).__name__)(e, args), dtype=float)
        if out.ndim != 2:
            raise AssertionError(f"{type(e).__name__} gave a value of shape {out.shape}")
        want = tuple(self.dim(d) for d in e.shape)
        if out.shape != want:
            raise AssertionError(f"{type(e).__name__}: value {out.shape}, symbolic shape {want}")
        if self.checked and (not np.all(np.isfinite(out)) or np.max(np.abs(out), initial=0) > BIG):
            raise OutOfDomain(f"{type(e).__name__} is not finite or too large here")
        self.memo[e] = out
        return out

    def dim(self, d):
        return size_of(d, self.sizes)

    def guard(self, ok, why):
        if self.checked and not ok:
            raise OutOfDomain(why)

    def away(self, x, what, margin=KINK_MARGIN):
        self.guard(np.min(np.abs(x), initial=np.inf) > margin, f"{what} near 0")

    def conditioned(self, x, what):
        if self.checked:
            c = np.linalg.cond(x)
            self.guard(np.isfinite(c) and c < MAX_COND, f"{what} of an ill-conditioned matrix")

    # leaves
    def v_Var(self, e, a):
        if e.name in self.values:
            x = np.asarray(self.values[e.name], dtype=float)
            return x.reshape(-1, 1) if x.ndim == 1 else x.reshape(1, 1) if x.ndim == 0 else x
        if e.shape == (1, 1) and e.name in self.sizes:       # a size used as a number
            return np.array([[float(self.sizes[e.name])]])
        raise KeyError(f"no value for {e.name}")

    def v_Const(self, e, a):
        return np.array([[float(e.value)]])

    def v_Identity(self, e, a):
        return np.eye(self.dim(e.params[0]))

    def v_Ones(self, e, a):
        return np.ones(tuple(self.dim(d) for d in e.shape))

    def v_Zero(self, e, a):
        return np.zeros(tuple(self.dim(d) for d in e.shape))

    def v_Size(self, e, a):
        return np.array([[float(self.dim(e.params[0]))]])

    def v_Basis(self, e, a):
        n, k = self.dim(e.params[0]), e.params[1]
        k = k if isinstance(k, int) else self.sizes[k]
        out = np.zeros((n, 1))
        out[k - 1, 0] = 1.0
        return out

    def v_Commutation(self, e, a):
        m, n = self.dim(e.params[0]), self.dim(e.params[1])
        K = np.zeros((m * n, m * n))
        for i in range(m):
            for j in range(n):
                # vec(A)[i + j m] = A[i, j];  vec(Aᵀ)[j + i n] = A[i, j]
                K[j + i * n, i + j * m] = 1.0
        return K

    def v_Matrix(self, e, a):
        m, n = e.params
        return np.array([x[0, 0] for x in a]).reshape(m, n)

    # sums and products
    def v_Add(self, e, a):
        out = a[0]
        for x in a[1:]:
            out = out + x
        return out * np.ones(tuple(self.dim(d) for d in e.shape))

    def v_Neg(self, e, a):
        return -a[0]

    def v_Mul(self, e, a):
        s, chain = 1.0, None
        for node, x in zip(e.args, a):
            if node.shape == (1, 1):
                s = s * x[0, 0]
            else:
                chain = x if chain is None else chain @ x
        return np.array([[s]]) if chain is None else s * chain

    def v_Div(self, e, a):
        self.away(a[1], "a denominator")
        return a[0] / a[1][0, 0]

    def v_Hadamard(self, e, a):
        return a[0] * a[1]

    def v_HadDiv(self, e, a):
        self.away(a[1], "an element-wise denominator")
        return a[0] / a[1]

    def v_HadPow(self, e, a):
        p = e.params[0]
        if p.denominator != 1:
            self.guard(np.min(a[0]) > KINK_MARGIN, "a fractional power of a non-positive number")
            return np.power(a[0], float(p))
        if p < 0:
            self.away(a[0], "a negative power")
        return np.power(a[0], float(p)) if p < 0 else np.power(a[0], int(p))

    def v_Kron(self, e, a):
        return np.kron(a[0], a[1])

    # matrix operators
    def v_Transpose(self, e, a):
        return a[0].T

    def v_Inverse(self, e, a):
        if e.shape == (1, 1):
            self.away(a[0], "the reciprocal")
            return 1.0 / a[0]
        self.conditioned(a[0], "the inverse")
        return np.linalg.inv(a[0])

    def v_Power(self, e, a):
        k, x = e.params[0], a[0]
        if e.shape == (1, 1):
            if k.denominator != 1:
                self.guard(x[0, 0] > KINK_MARGIN, "a fractional power of a non-positive number")
                return np.power(x, float(k))
            if k < 0:
                self.away(x, "a negative power")
            return np.power(x, float(k))
        if k < 0:
            self.conditioned(x, "a negative matrix power")
            x = np.linalg.inv(x)
        return np.linalg.matrix_power(x, int(abs(k)))

    def v_Trace(self, e, a):
        return np.array([[np.trace(a[0])]])

    def v_Det(self, e, a):
        if e.args[0].shape != (1, 1):
            self.conditioned(a[0], "det")
        return np.array([[np.linalg.det(a[0])]])

    def v_LogDet(self, e, a):
        if e.args[0].shape == (1, 1):
            self.away(a[0], "log|x|")
            return np.log(np.abs(a[0]))
        self.conditioned(a[0], "logdet")
        return np.array([[np.linalg.slogdet(a[0])[1]]])

    def v_Norm(self, e, a):
        x = a[0]
        if e.params[0] == "1":
            self.away(x, "an entry inside a 1-norm")
            return np.array([[np.sum(np.abs(x))]])
        nrm = math.sqrt(float(np.sum(x * x)))
        self.guard(nrm > KINK_MARGIN, "a norm near 0")
        return np.array([[nrm]])

    def v_Sum(self, e, a):
        return np.array([[np.sum(a[0])]])

    def v_Mean(self, e, a):
        return np.array([[np.mean(a[0])]])

    def v_DiagMat(self, e, a):
        return np.diag(a[0][:, 0])

    def v_DiagVec(self, e, a):
        return np.diag(a[0]).reshape(-1, 1).copy()

    def v_Vec(self, e, a):
        return a[0].reshape(-1, 1, order="F")

    def v_Unvec(self, e, a):
        return a[0].reshape(self.dim(e.params[0]), self.dim(e.params[1]), order="F")

    def v_Apply(self, e, a):
        x, fn = a[0], e.fn
        if fn in ("abs", "relu", "step", "sign"):
            self.away(x, f"the kink of {fn}")
        elif fn in ("log", "sqrt"):
            self.guard(np.min(x) > KINK_MARGIN, f"{fn} of a non-positive number")
        elif fn == "tan":
            self.away(np.cos(x), "a pole of tan", 0.2)
        with np.errstate(all="ignore"):
            return FUNCTIONS[fn](x)

    def v_Softmax(self, e, a):
        z = np.exp(a[0] - np.max(a[0]))
        return z / np.sum(z)

    def v_LogSumExp(self, e, a):
        z = a[0]
        top = np.max(z)
        return np.array([[top + math.log(float(np.sum(np.exp(z - top))))]])


def evaluate(e, values, sizes, checked=False):
    """The value of `e` as a 2-D array (independent of symmat.numeric.evaluate)."""
    with np.errstate(all="ignore"):
        return Evaluator(values, sizes, checked)(e)


# ======================================================================== finite differences

def directions(X, values, sizes, symmetric):
    """(index, perturbation) pairs of X: unit entries, or symmetric pairs for a symmetric X."""
    r, c = (size_of(d, sizes) for d in X.shape)
    out = []
    for j in range(c):                     # column-major: the order of vec(X)
        for i in range(r):
            D = np.zeros((r, c))
            D[i, j] = 1.0
            if symmetric:
                if i < j:
                    continue
                D[j, i] = 1.0
            out.append(((i, j), D))
    return out


def fd_jacobian(f, X, values, sizes, symmetric=False, h=1e-6):
    """∂vec(f)/∂vec(X) by central differences: rows follow vec(f), one column per direction.

    For a symmetric X the column of entry (i, j), i ≥ j, is the derivative
    along E_ij + E_ji (the derivative by the distinct entry), copied to (j, i).
    """
    x0 = np.asarray(values[X.name], dtype=float)
    x0 = x0.reshape(-1, 1) if x0.ndim == 1 else x0
    r, c = x0.shape
    cols = {}
    for (i, j), D in directions(X, values, sizes, symmetric):
        step = h * max(1.0, abs(x0[i, j]))
        plus = evaluate(f, dict(values, **{X.name: x0 + step * D}), sizes)
        minus = evaluate(f, dict(values, **{X.name: x0 - step * D}), sizes)
        col = ((plus - minus) / (2 * step)).reshape(-1, order="F")
        cols[(i, j)] = col
        if symmetric:
            cols[(j, i)] = col
    return np.stack([cols[(i, j)] for j in range(c) for i in range(r)], axis=1)


def fd_hessian(f, X, values, sizes, h=1e-4, symmetric=False):
    """∂²f/∂vec(X)∂vec(X)ᵀ by second-order central differences.

    For a symmetric X the direction of entry (i, j) is E_ij + E_ji (the same for (j, i)).
    """
    x0 = np.asarray(values[X.name], dtype=float)
    x0 = x0.reshape(-1, 1) if x0.ndim == 1 else x0
    r, c = x0.shape
    n = r * c
    if n > 64:
        raise OutOfDomain(f"a {n}×{n} Hessian is too big for the finite-difference oracle")
    dirs = []
    for a in range(n):
        i, j = a % r, a // r
        D = np.zeros((r, c))
        D[i, j] = 1.0
        if symmetric:
            D[j, i] = 1.0
        dirs.append(D * h)

    def f_at(delta):
        return evaluate(f, dict(values, **{X.name: x0 + delta}), sizes)[0, 0]

    H = np.zeros((n, n))
    for a in range(n):
        for b in range(a, n):
            da, db = dirs[a], dirs[b]
            H[a, b] = H[b, a] = (f_at(da + db) - f_at(da - db) - f_at(-da + db) + f_at(-da - db)) / (4 * h * h)
    return H


def rel_err(got, want):
    """Largest entry-wise error, relative to the scale of the expected value."""
    scale = 1.0 + np.max(np.abs(want), initial=0.0)
    return float(np.max(np.abs(got - want), initial=0.0) / scale)


# ======================================================================== the property

TOL = 1e-4


@dataclass
class Outcome:
    """The result of checking one case."""

    status: str                  # ok wrong crash unsupported caught refused limit rejected domain hang
    detail: str = ""
    seconds: float = 0.0
    case: Case = None
    result_text: str = ""
    scale: float = None          # largest entry of the expected derivative (when it was compared)
    kind: str = None

    def __repr__(self):
        return f"Outcome({self.status}: {self.detail[:300]})"


def expected(kind, case, X, values, h=1e-6):
    """What symmat's result should equal at `values`, from finite differences of f."""
    f = case.expr
    diagonal = X.has("diagonal") and X.shape != (1, 1)
    symmetric = X.has("symmetric") and X.shape != (1, 1) and not diagonal
    fx = evaluate(f, values, case.sizes)
    # A diagonal X: only its diagonal entries are free, in both conventions (derivative zero off it).
    mask = _diag_mask(X, case.sizes) if diagonal else None
    if kind == "hessian":
        H = fd_hessian(f, X, values, case.sizes, h=1e-4 if h == 1e-6 else h, symmetric=symmetric)
        if diagonal:
            H = H * np.outer(mask, mask)
        if symmetric and case.symmetric == "sym":
            s = _sym_scale(X, case.sizes)
            H = H * np.outer(s, s)
        return H
    J = fd_jacobian(f, X, values, case.sizes, symmetric, h)         # (|f|, |X|)
    xr, xc = (size_of(d, case.sizes) for d in X.shape)
    fr, fc = fx.shape
    if kind == "derivative" and (fr, fc) == (1, 1):
        kind = "grad"                                # derivative of a scalar is its gradient
    if kind == "grad":
        if symmetric:
            G = J.reshape((xr, xc), order="F")
            if case.symmetric == "sym":
                G = np.where(np.eye(xr) == 1, G, G / 2)
        else:
            G = J.reshape((xr, xc), order="F")
        if diagonal:
            G = G * np.eye(xr)
        if case.layout == "numerator" and (xr, xc) != (1, 1):
            G = G.T
        return G
    # Jacobians: numerator and mixed rows follow vec(F); denominator is the transpose.
    if (xr, xc) == (1, 1):
        # By a scalar: the shape of F (its transpose in denominator layout, where a
        # vector by a scalar is a 1×m row; SPEC §2 says no more for a matrix F).
        D = J.reshape((fr, fc), order="F")
        return D.T if case.layout == "denominator" else D
    if symmetric and case.symmetric == "sym":
        J = J * _sym_scale(X, case.sizes)[None, :]     # the derivative in the space of symmetric matrices
    if diagonal:
        J = J * mask[None, :]
    return J.T if case.layout == "denominator" else J


def _diag_mask(X, sizes):
    """1 for the diagonal entries of vec(X), 0 off it."""
    n = size_of(X.shape[0], sizes)
    return np.eye(n).reshape(-1, order="F")


def _sym_scale(X, sizes):
    """1 for the diagonal entries of vec(X), 1/2 off it: the 'sym' convention of SPEC §2."""
    n = size_of(X.shape[0], sizes)
    return np.where(np.eye(n).reshape(-1, order="F") == 1, 1.0, 0.5)


def classify_error(exc):
    """Outcome status for an exception raised by symmat on valid input."""
    from symmat.errors import DerivativeError, InternalError, LimitError, SymmatError
    text = str(exc)
    if isinstance(exc, InternalError):
        return "selfcheck" if "own check failed" in text else "crash"
    if isinstance(exc, DerivativeError) and ("not supported" in text or "no rule" in text
                                             or "no differential rule" in text):
        return "unsupported"
    if isinstance(exc, LimitError):
        return "limit"
    if isinstance(exc, SymmatError) and "division by zero" in text:
        return "domain"          # f divides by something identically zero (‖a - a‖²): undefined
    if isinstance(exc, SymmatError):
        return "rejected"
    return "crash"


def _api(kind):
    # symmat.api, the stable entry points (the package attributes were once rebound to submodules).
    from symmat import api
    return getattr(api, kind)


def check_derivative(case, kind="grad", points=4, engine=None):
    """Compare symmat's `kind` of case.expr by case.wrt with finite differences.

    `engine(expr, wrt, layout, symmetric)` overrides the call into symmat
    (the benchmarks use it to run without the built-in self-check).
    """
    X = case.vars[case.wrt]
    rng = np.random.default_rng(case.seed)
    t0 = time.perf_counter()
    try:
        if engine is not None:
            res = engine(kind, case.expr, case.wrt, case.layout, case.symmetric)
        else:
            res = _api(kind)(case.expr, wrt=case.wrt, layout=case.layout, symmetric=case.symmetric)
    except RecursionError as exc:
        return Outcome("crash", f"RecursionError: {exc}", time.perf_counter() - t0, case)
    except Exception as exc:  # noqa: BLE001 - classified below
        status = classify_error(exc)
        detail = f"{type(exc).__name__}: {exc}"
        if status == "crash":
            detail += "\n" + "".join(traceback.format_exception(exc)[-6:])
        if status == "selfcheck" and engine is None:
            # Was the formula that symmat's own check stopped really wrong?
            again = check_derivative(case, kind, points, engine=unchecked)
            status = {"ok": "refused", "wrong": "caught"}.get(again.status, "refused?" + again.status)
            detail += f"\nwithout the self-check: {again.result_text}  [{again.status}] {again.detail[:400]}"
            out = Outcome(status, detail, time.perf_counter() - t0, case, again.result_text)
            out.scale = getattr(again, "scale", None)
            return out
        return Outcome(status, detail, time.perf_counter() - t0, case)
    seconds = time.perf_counter() - t0
    case.extra["engine_seconds"] = seconds        # a time-out after this is the oracle's, not symmat's
    G = res.result
    try:
        shown = text_of(G)
    except Exception as exc:  # noqa: BLE001 - a printer crash is a crash
        return Outcome("crash", f"printing the result: {type(exc).__name__}: {exc}", seconds, case)
    nonfinite = 0
    for _ in range(points):
        values = point(case, rng)
        try:
            evaluate(case.expr, values, case.sizes, checked=True)
            want = expected(kind, case, X, values)
        except OutOfDomain:
            continue
        except (np.linalg.LinAlgError, ZeroDivisionError, OverflowError, ValueError):
            continue
        if not np.all(np.isfinite(want)):
            continue
        try:
            got = evaluate(G, values, case.sizes)
        except KeyError as exc:
            return Outcome("wrong", f"the result names something that is not a variable: {exc}",
                           seconds, case, shown)
        except AssertionError as exc:
            return Outcome("wrong", f"ill-shaped result: {exc}", seconds, case, shown)
        except (np.linalg.LinAlgError, ValueError):
            continue
        if got.shape != want.shape:
            return Outcome("wrong", f"value of shape {got.shape}, expected {want.shape}", seconds, case, shown)
        if not np.all(np.isfinite(got)):
            nonfinite += 1
            continue
        # Relative to the size of the derivative itself (a tiny gradient is no excuse), with
        # the finite differences' own error estimated from a second step size.
        coarse = expected(kind, case, X, values, h=1e-4 if kind != "hessian" else 1e-3)
        fd_noise = float(np.max(np.abs(coarse - want), initial=0.0))
        fval = float(np.max(np.abs(evaluate(case.expr, values, case.sizes)), initial=0.0))
        scale = float(np.max(np.abs(want), initial=0.0))
        slack = TOL * scale + 10 * fd_noise + 1e-12 + 1e-9 * fval
        miss = float(np.max(np.abs(got - want), initial=0.0))
        err = miss / max(scale, 1e-300)
        if miss <= slack:
            out = Outcome("ok", "", seconds, case, shown)
            out.scale = scale
            return out
        if fd_noise > 0.1 * scale:
            continue                                  # finite differences unreliable here
        return Outcome("wrong", f"relative error {err:.3g} at {_fmt_values(values)}\n"
                                f"got\n{np.array2string(got, precision=5)}\n"
                                f"expected\n{np.array2string(want, precision=5)}",
                       seconds, case, shown)
    if nonfinite:
        return Outcome("wrong", "the result is not finite where f and its finite differences are",
                       seconds, case, shown)
    return Outcome("domain", "no point in the domain", seconds, case, shown)


def _fmt_values(values):
    return "{" + ", ".join(f"{k}: {np.array2string(np.asarray(v), precision=3)}"
                           for k, v in values.items()) + "}"


def unchecked(kind, expr, wrt, layout, symmetric):
    """symmat's derivative without its built-in numeric self-check."""
    return _api(kind)(expr, wrt=wrt, layout=layout, symmetric=symmetric, check=False)


def jacobian_available():
    """True once symmat.jacobian (and hessian, derivative) can run."""
    try:
        import symmat.calculus.jacobian  # noqa: F401
    except ImportError:
        return False
    return True


# ======================================================================== hostile input

SEED_FILE_CANDIDATES = ("/work/shared/seed_examples.md",)

# The seed examples of seed_examples.md, as (expression, wrt); used when the file is absent.
SEEDS = [
    ("a^T x", "x"), ("x^T A x", "x"), ("x^T A x where A: symmetric", "x"),
    ("||A x - b||^2", "x"), ("1/2 ||X w - y||^2", "w"), ("||X w - y||^2 + λ ||w||^2", "w"),
    ("(X w - y)^T W (X w - y) where W: symmetric", "w"), ("||x||_2", "x"),
    ("log(1 + exp(w^T x))", "w"), ("-y^T log(softmax(z))", "z"),
    ("-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))", "w"),
    ("f = x y z where x, y, z: scalar", "x"), ("tr(A X)", "A"), ("||A X - B||_F^2", "A"),
    ("det(A)", "A"), ("log|A|", "A"), ("a^T X^{-1} b", "X"),
    ("1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", "W2"), ("A x", "x"), ("softmax(z)", "z"),
    ("σ(W1 x + b1)", "x"), ("A X B", "X"), ("X^{-1}", "X"),
    ("\\frac{1}{2} \\left\\| X w - y \\right\\|_2^2", "w"), ("x'*A*x", "x"),
    ("tr(A*X'*B*X*C)", "X"), ("\\begin{bmatrix} a & b \\\\ c & d \\end{bmatrix}", "a"),
    ("tr(A X) where X = [w x; y z]", "A"),
]


def seed_examples():
    """(expression, wrt) pairs from seed_examples.md (the notes' examples), else SEEDS."""
    import os
    import re
    for path in SEED_FILE_CANDIDATES:
        if os.path.exists(path):
            out = []
            for line in open(path, encoding="utf-8"):
                if not line.startswith("| `"):
                    continue
                cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
                m = re.match(r"`(.*?)`", cells[0])
                if m and len(cells) > 1 and "`" not in cells[1]:
                    out.append((m.group(1).replace("\\|", "|"), cells[1].split(",")[0].strip() or "x"))
            if out:
                return out + SEEDS
    return list(SEEDS)


TOKENS = ["(", ")", "[", "]", "{", "}", "|", "||", "‖", "^", "^T", "^{-1}", "^{-T}", "'", ",", ";",
          " where ", ":", "=", "\\frac", "\\left(", "\\right)", "⊙", "⊗", "./", ".^", ".*", "-", "+",
          "*", "/", "@", "0", "1/0", "2", "^2", "^-1", "tr(", "det ", "log ", "exp(", "𝟏", "I", "ones",
          "vector(1)", "\\begin{bmatrix}", "\\end{bmatrix}", "&", "\\\\", " ", "x", "A", "λ", "\\lambda",
          "_", "_F", "_1", "_2", "σ", "ᵀ", "⁻¹", "symmetric", "3x3", "scalar", "\\", "$", "\\sqrt{",
          "kron(", "diag(", "vec(", "softmax(", "logsumexp(", "norm2(", "eye(0)", "vector(0)", "sigmod(",
          "\u200b", "\ufeff", "\u202e", "\x00", "\t", "\n", "\r", "\x1b[31m", "٣", "Ⅸ", "ﬁ", "é", "∂", "∞",
          "1e5", "0.5.5", "00", "1.", ".5", "9" * 30]

INJECTIONS = [
    "__import__('os').system('touch /tmp/pwned')",
    "__import__(\"os\").system(\"touch /tmp/pwned\")",
    "eval(\"__import__('os').system('touch /tmp/pwned')\")",
    "exec('import os; os.system(\"touch /tmp/pwned\")')",
    "x.__class__.__mro__[1].__subclasses__()",
    "{{7*7}}", "${7*7}", "#{7*7}", "<%= 7*7 %>", "$(rm -rf /)", "$(touch /tmp/pwned)",
    "`touch /tmp/pwned`", "; touch /tmp/pwned", "x; touch /tmp/pwned", "x && touch /tmp/pwned",
    "\\input{/etc/passwd}", "\\immediate\\write18{touch /tmp/pwned}", "\\def\\x{\\x}\\x",
    "%s%s%s%n%n", "'; DROP TABLE users; --", "<script>alert(1)</script>", "lambda: 0",
    "[x for x in ().__class__.__base__.__subclasses__()]", "os.system('touch /tmp/pwned')",
    "open('/tmp/pwned', 'w')", "globals()", "import os", "x^T A x where A = __import__('os')",
    "tr(A) where A: __import__('os')", "../../../../etc/passwd", "file:///etc/passwd",
    "\\x00\\x01", "A\x00x", "x^T\x1b[2J x",
]


def deep(kind, n):
    """A text nested n levels deep in one of several ways."""
    return {
        "parens": "(" * n + "x" + ")" * n,
        "braces": "{" * n + "x" + "}" * n,
        "neg": "-" * n + "x",
        "transpose": "x" + "^T" * n,
        "prime": "x" + "'" * n,
        "calls": "exp(" * n + "x" + ")" * n,
        "prefix": "exp " * n + "x",
        "bars": "|" * n + "x" + "|" * n,
        "brackets": "[" * n + "x" + "]" * n,
        "frac": "\\frac{" * n + "x" + "}{2}" * n,
        "sum": " + ".join(["x"] * n),
        "product": " ".join(["x^T x"] * n),
        "unclosed": "(" * n + "x",
    }[kind]


DEEP_KINDS = ("parens", "braces", "neg", "transpose", "prime", "calls", "prefix", "bars", "brackets",
              "frac", "sum", "product", "unclosed")

HUGE = [
    "X^1000000", "X^{1000000}", "X^-1000000", "X^{-1000000}", "X^99999999999999999999999",
    "A^65", "A^{64} x", "(A B)^1000", "x.^1000000000", "λ^1000000000",
    "2^1000000000 x^T x", "(2^1000000000)^1000000000 λ", "10^100000 λ", "λ^(10^9)",
    "x^T x " + "9" * 5000, "x^T x / 0", "x^T x / (1 - 1)", "x / (2 - 2) + x", "x ./ 0",
    "λ^{-1} where λ: scalar", "0^-1 λ", "(0)^{-1} λ", "x^T x^{1/0}", "x^{0.5.5}",
    "tr(A) where A: 1000000x1000000", "x^T x where x: vector(1000000000000)",
    "tr(A^T A) where A: 2000x2000", "x^T A x where A: 100000x100000",
    "kron(kron(kron(A, B), C), D)", "tr(A ⊗ A ⊗ A ⊗ A ⊗ A ⊗ A)",
]


def random_unicode(rnd, n):
    """A string of n random code points from many blocks (no surrogates)."""
    blocks = [(0x20, 0x7E), (0x00, 0x1F), (0xA0, 0x24F), (0x370, 0x3FF), (0x2000, 0x206F),
              (0x2190, 0x22FF), (0x2300, 0x23FF), (0x1D400, 0x1D7FF), (0x1F300, 0x1F64F),
              (0x300, 0x36F), (0x590, 0x6FF), (0xFF00, 0xFFEF), (0x4E00, 0x4E80), (0xE000, 0xE0FF)]
    out = []
    for _ in range(n):
        lo, hi = rnd.choice(blocks)
        out.append(chr(rnd.randint(lo, hi)))
    return "".join(out)


def mutate(rnd, text, k):
    """text with k random insertions, deletions and replacements of syntax pieces."""
    s = text
    for _ in range(k):
        i = rnd.randint(0, len(s))
        op = rnd.choice(["insert", "delete", "replace", "swap"])
        if op == "insert":
            s = s[:i] + rnd.choice(TOKENS) + s[i:]
        elif op == "delete" and s:
            j = min(len(s), i + rnd.randint(1, 3))
            s = s[:i] + s[j:]
        elif op == "replace" and s:
            j = min(len(s), i + 1)
            s = s[:i] + rnd.choice(TOKENS) + s[j:]
        elif s:
            j = rnd.randint(0, len(s))
            a, b = sorted((i, j))
            s = s[:a] + s[b:] + s[a:b]
    return s


def hostile_text(rnd):
    """(category, text, wrt): one piece of hostile or malformed input."""
    seeds = seed_examples()
    kind = rnd.choice(["bytes", "unicode", "truncated", "mutated", "mutated", "mutated", "deep",
                       "huge", "control", "injection"])
    expr, wrt = rnd.choice(seeds)
    if kind == "bytes":
        raw = bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 120)))
        return kind, raw.decode("utf-8", "surrogateescape"), wrt
    if kind == "unicode":
        return kind, random_unicode(rnd, rnd.randint(1, 80)), wrt
    if kind == "truncated":
        return kind, expr[:rnd.randint(0, max(0, len(expr) - 1))], wrt
    if kind == "mutated":
        return kind, mutate(rnd, expr, rnd.randint(1, 4)), wrt
    if kind == "deep":
        return kind, deep(rnd.choice(DEEP_KINDS), rnd.choice([201, 1000, 4000])), "x"
    if kind == "huge":
        return kind, rnd.choice(HUGE), rnd.choice(["X", "x", "A", "λ"])
    if kind == "control":
        i = rnd.randint(0, len(expr))
        junk = "".join(chr(rnd.choice(list(range(0, 32)) + [127, 0x85, 0x2028, 0x2029, 0xFEFF, 0x202E]))
                       for _ in range(rnd.randint(1, 4)))
        return kind, expr[:i] + junk + expr[i:], wrt
    return kind, rnd.choice(INJECTIONS), rnd.choice(["x", "A", "os"])


def run_cli(argv, stdin_text=None, timeout=5.0):
    """Run symmat.cli.main(argv) in-process: (status, stdout, stderr, seconds, hung).

    A run longer than `timeout` is interrupted by SIGALRM (main thread, POSIX) and
    reported as hung. argparse errors leave through SystemExit: their code is the status.
    """
    import contextlib
    import io
    import signal
    import sys
    from symmat import cli

    class _Hang(BaseException):
        pass

    def on_alarm(signum, frame):
        raise _Hang()

    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin_text or "")      # `-` reads this, never the real stdin
    can_alarm = hasattr(signal, "setitimer")
    if can_alarm:
        old_handler = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    t0 = time.perf_counter()
    hung = False
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = cli.main(argv)
            except SystemExit as exc:
                status = exc.code if isinstance(exc.code, int) else 2
    except _Hang:
        status, hung = None, True
    finally:
        if can_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
        sys.stdin = old_stdin
    return status, out.getvalue(), err.getvalue(), time.perf_counter() - t0, hung


def clean_rejection(status, stderr):
    """Exit 2 with a 'symmat: …' message of at most a reason line, a source line and a caret."""
    lines = [ln for ln in stderr.split("\n") if ln.strip()]   # not splitlines: \r, \x0c… echo the input
    return (status == 2 and bool(lines) and (lines[0].startswith("symmat: ") or lines[0].startswith("usage:"))
            and "Traceback" not in stderr and len(lines) <= (20 if lines[0].startswith("usage:") else 4))


def judge_cli(status, stdout, stderr, hung):
    """Classify one CLI run: clean / accepted / traceback / internal / hang / messy."""
    if hung:
        return "hang"
    if "Traceback (most recent call last)" in stderr or "Traceback (most recent call last)" in stdout:
        return "traceback"
    if status == 3:
        return "internal"
    if status in (0, 1):
        return "accepted"
    if clean_rejection(status, stderr):
        return "clean"
    return "messy"


# ======================================================================== cases from text

def case_of(text, wrt, where=None, layout="mixed", symmetric="sym", seed=0, positive=None):
    """A `Case` for a written expression (regression tests): sizes 2, 3, 4, … in order.

    `positive`: names whose values must be positive (default: every variable).
    """
    import symmat
    from symmat import api
    e = api.parse(text, where=where) if isinstance(text, str) else text
    vars_ = {v.name: v for v in e.variables()}
    sizes, nxt = {}, 2
    for node in e.walk():
        for d in node.shape:
            for s in _free_sizes(d):
                if s not in sizes:
                    sizes[s], nxt = nxt, nxt + 1
    pos = set(vars_) if positive is None else set(positive)
    return Case(e, vars_, pos, sizes, set(), seed, layout, symmetric, symmat.tree.names.GREEK.get(wrt, wrt))


def _free_sizes(d):
    if isinstance(d, str):
        return [d]
    if isinstance(d, tuple) and d and d[0] == "*":
        return _free_sizes(d[1]) + _free_sizes(d[2])
    return []
