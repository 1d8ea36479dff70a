"""The NumPy emitter: the spelling of every operation of a plan in NumPy.

Arguments are converted with ``np.asarray(…, dtype=float)`` (vectors
reshaped to 1-D), so lists and integer arrays are accepted as `evaluate`
accepts them; a scalar result is a Python float, a column vector a 1-D array,
anything else a 2-D array. Matrix temporaries are deleted after their last
use. The JAX and PyTorch emitters inherit these spellings (the three share
Python's operators, ``.T``, ``[:, None]``, ``.sum()``, ``.reshape``) and
override where their library differs.
"""

from .emit import ADD, ATOM, MUL, NEG, POW, Emitter, binop, number, wrap
from .values import Lit


def method(call):
    """An operation spelled as a method call on its one operand: ``x.sum(0)``."""
    def op(self, q, a):
        return f"{self.atom(a)}{call}", ATOM
    return op


class NumpyEmitter(Emitter):
    """NumPy source of a program."""

    backend = "numpy"
    header = "import numpy as np"
    ns = "np"

    def convert(self, x, kind):
        """The expression converting argument `x` on entry (to float, vectors 1-D)."""
        if kind == "scalar":
            return f"np.asarray({x}, dtype=float).item()"
        if kind in ("col", "row"):
            return f"np.asarray({x}, dtype=float).reshape(-1)"
        return f"np.asarray({x}, dtype=float)"

    def scalar_out(self, code, v):
        """A scalar result: a Python float, as evaluate returns it."""
        return f"float({code[0]})"

    def copy(self, text):
        """A copy of a result that would share memory with an argument."""
        return f"{text}.copy()"

    def call(self, fn, *args):
        return f"{fn}({', '.join(args)})", ATOM

    def op_add(self, q, a, b):
        return binop(self.arg(a), self.arg(b), "+", ADD)

    def op_sub(self, q, a, b):
        return binop(self.arg(a), self.arg(b), "-", ADD)

    def op_mul(self, q, a, b):
        return binop(self.arg(a), self.arg(b), "*", MUL)

    def op_div(self, q, a, b):
        return binop(self.arg(a), self.arg(b), "/", MUL)

    def op_neg(self, q, a):
        return f"-{wrap(self.arg(a), POW)}", NEG

    def op_pow(self, q, a, p):
        text, prec = number(p.value)
        return f"{self.atom(a)} ** {text if prec >= NEG else '(' + text + ')'}", POW

    def op_matmul(self, q, a, b):
        return binop(self.arg(a), self.arg(b), "@", MUL)

    op_dot = op_matmul

    def op_gram(self, q, a):
        return self.call("_gram", self.arg(a)[0])

    def op_outer(self, q, a, b):
        return self.call(f"{self.ns}.outer", self.arg(a)[0], self.arg(b)[0])

    def op_scale_rows(self, q, d, m):
        return binop((f"{self.atom(d)}[:, None]", ATOM), self.arg(m), "*", MUL)

    def op_scale_cols(self, q, m, d):
        return binop(self.arg(m), self.arg(d), "*", MUL)

    def op_T(self, q, a):
        return f"{self.atom(a)}.T", ATOM

    op_sum, op_sum0, op_sum1 = method(".sum()"), method(".sum(0)"), method(".sum(1)")
    op_mean, op_max, op_max0, op_prod = method(".mean()"), method(".max()"), method(".max(0)"), method(".prod()")

    def op_sumsq(self, q, a):
        x = self.atom(a)
        if a.kind in ("col", "row"):
            return f"{x} @ {x}", MUL
        return self.call(f"{self.ns}.vdot", x, x)

    FUNCTIONS = {"relu": "np.maximum({}, 0.0)", "softplus": "np.logaddexp(0.0, {})",
                 "step": "np.heaviside({}, 0.0)"}

    def op_fn(self, q, a):
        name = q.params[0]
        x = self.fn_arg(a)
        if name == "sigmoid":
            return self.sigmoid(x)
        if name in self.FUNCTIONS:
            return self.FUNCTIONS[name].format(x[0]), ATOM
        return self.call(f"{self.ns}.{name}", x[0])

    def fn_arg(self, a):
        """(text, precedence) of an element-wise function's argument."""
        return self.arg(a)

    def sigmoid(self, x):
        return f"1 / (1 + {self.ns}.exp(-{wrap(x, POW)}))", MUL

    def op_trace(self, q, a):
        return self.call(f"{self.ns}.trace", self.arg(a)[0])

    def op_det(self, q, a):
        return self.call(f"{self.ns}.linalg.det", self.arg(a)[0])

    def op_logdet(self, q, a):
        return f"{self.ns}.linalg.slogdet({self.arg(a)[0]})[1]", ATOM

    def op_inv(self, q, a):
        return self.call(f"{self.ns}.linalg.inv", self.arg(a)[0])

    def op_matpow(self, q, a):
        return self.call(f"{self.ns}.linalg.matrix_power", self.arg(a)[0], str(q.params[0]))

    def op_norm(self, q, a):
        return self.call(f"{self.ns}.linalg.norm", self.arg(a)[0])

    def op_diagonal(self, q, a):
        return self.call(f"{self.ns}.diagonal", self.arg(a)[0])

    def op_diag(self, q, a):
        return self.call(f"{self.ns}.diag", self.arg(a)[0])

    def op_eye(self, q):
        return self.creation("eye", self.dim(q.params[0])[0])

    def op_ones(self, q):
        return self.creation("ones", self.dims(q.params[0]))

    def op_zeros(self, q):
        return self.creation("zeros", self.dims(q.params[0]))

    def creation(self, fn, arg):
        """np.eye(n), np.ones(shape), … (PyTorch adds the dtype and device)."""
        return f"{self.ns}.{fn}({arg})", ATOM

    def op_basis(self, q):
        n, k = q.params
        index = str(k - 1) if isinstance(k, int) else binop(self.dim(k), ("1", ATOM), "-", ADD)[0]
        return f"{self.creation('eye', self.dim(n)[0])[0]}[{index}]", ATOM

    def op_kron(self, q, a, b):
        def two_d(v):
            x = self.atom(v)
            return {"col": f"{x}[:, None]", "row": f"{x}[None, :]"}.get(v.kind, self.arg(v)[0]
                                                                          if v.kind == "mat" else x)
        text = f"{self.ns}.kron({two_d(a)}, {two_d(b)})"
        return (text + ".reshape(-1)", ATOM) if q.out.kind in ("col", "row") else (text, ATOM)

    def op_ravel(self, q, a):
        return f"{self.atom(a)}.reshape(-1)", ATOM

    def op_vec(self, q, a):
        return f"{self.atom(a)}.T.reshape(-1)", ATOM

    def op_unvec(self, q, a):
        m, n = q.params
        return f"{self.atom(a)}.reshape({self.dim(n)[0]}, {self.dim(m)[0]}).T", ATOM

    def op_commute(self, q, a):
        m, n = (self.dim(d)[0] for d in q.params)
        x = self.atom(a)
        if a.kind in ("col", "row"):
            return f"{x}.reshape({n}, {m}).T.reshape(-1)", ATOM
        mn = binop(self.dim(q.params[0]), self.dim(q.params[1]), "*", MUL)[0]
        return f"{x}.reshape({n}, {m}, -1){self.swap01()}.reshape({mn}, -1)", ATOM

    def swap01(self):
        """Swapping the first two axes of a 3-D array."""
        return ".transpose(1, 0, 2)"

    def op_commutation(self, q):
        m, n = (self.dim(d)[0] for d in q.params)
        mn = binop(self.dim(q.params[0]), self.dim(q.params[1]), "*", MUL)[0]
        eye = self.creation("eye", mn)[0]
        return f"{eye}[{self.ns}.arange({mn}).reshape({n}, {m}).T.reshape(-1)]", ATOM

    def op_matrix(self, q, *entries):
        rows, cols = q.params
        texts = [self.entry(a) for a in entries]
        if q.out.kind in ("col", "row"):
            return self.array(f"[{', '.join(texts)}]")
        body = ", ".join("[" + ", ".join(texts[i * cols:(i + 1) * cols]) + "]" for i in range(rows))
        return self.array(f"[{body}]")

    def entry(self, a):
        """An entry of an explicit matrix."""
        if isinstance(a, Lit):
            return repr(float(a.value))
        return self.arg(a)[0]

    def array(self, nested):
        return f"np.array({nested}, dtype=float)", ATOM
