"""The PyTorch emitter: the plan as ``torch`` source.

A tensor argument is used as it is (its dtype, device and autograd history
kept); anything else (a NumPy array, a list, a number) becomes a float64
tensor. Arrays that the function creates (``eye``, ``ones``) take the dtype
and device of the first tensor argument. A scalar result is a 0-d tensor.
"""

from .emit import ATOM, MUL, wrap
from .numpy import NumpyEmitter, method
from .values import Dim, Lit, Ref


class TorchEmitter(NumpyEmitter):
    """PyTorch source of a program (NumPy's spellings, ``torch`` for ``np``, where they differ)."""

    backend = "torch"
    header = "import torch"
    ns = "torch"
    repeats = ("sumsq", "fn:step")
    FUNCTIONS = {"relu": "torch.relu({})", "softplus": "torch.nn.functional.softplus({})"}

    def helpers(self):
        return super().helpers() + ("\n\ndef _tensor(a):\n"
                '    """A tensor as it is; anything else as a float64 tensor."""\n'
                "    return a if torch.is_tensor(a) else torch.as_tensor(a, dtype=torch.float64)\n")

    def convert(self, x, kind):
        if kind == "scalar":
            return f"_tensor({x}).reshape(())"
        if kind in ("col", "row"):
            return f"_tensor({x}).reshape(-1)"
        return f"_tensor({x})"

    def _like(self):
        """The dtype (and device) of the arrays the function creates: those of its first array argument."""
        if self.like is None:
            return "dtype=torch.float64"
        return f"dtype={self.like}.dtype, device={self.like}.device"

    def creation(self, fn, arg):
        return f"torch.{fn}({arg}, {self._like()})", ATOM

    def fn_arg(self, a):
        if isinstance(a, (Lit, Dim)):                   # torch functions take tensors only
            return f"torch.as_tensor({self.arg(a)[0]}, {self._like()})", ATOM
        return self.arg(a)

    def op_fn(self, q, a):
        if q.params[0] == "step":
            x = wrap(self.fn_arg(a), ATOM)
            return f"({x} > 0).to({x}.dtype)", ATOM
        return super().op_fn(q, a)

    def sigmoid(self, x):
        return f"torch.sigmoid({x[0]})", ATOM

    def op_sumsq(self, q, a):
        x = self.atom(a)
        if a.kind in ("col", "row"):
            return f"{x} @ {x}", MUL
        return f"({x} * {x}).sum()", ATOM

    def op_kron(self, q, a, b):
        # torch.kron fails on a transposed (non-contiguous) operand: make both contiguous
        def two_d(v):
            x = self.atom(v)
            return {"col": f"{x}[:, None]", "row": f"{x}[None, :]"}.get(v.kind, f"{x}.contiguous()")
        text = f"torch.kron({two_d(a)}, {two_d(b)})"
        return (text + ".reshape(-1)", ATOM) if q.out.kind in ("col", "row") else (text, ATOM)

    op_max0 = method(".amax(0)")       # (Tensor.max(0) returns values and indices)

    def swap01(self):
        return ".permute(1, 0, 2)"

    def scalar_out(self, code, v):
        return code[0] if isinstance(v, Ref) else f"torch.tensor({code[0]}, {self._like()})"

    def copy(self, text):
        return f"{text}.clone()"

    def entry(self, a):
        if isinstance(a, Lit):
            return f"torch.tensor({float(a.value)!r}, {self._like()})"
        return self.arg(a)[0]

    def op_matrix(self, q, *entries):
        rows, cols = q.params
        texts = [self.entry(a) for a in entries]
        if q.out.kind in ("col", "row"):
            return f"torch.stack([{', '.join(texts)}])", ATOM
        inner = ", ".join("torch.stack([" + ", ".join(texts[i * cols:(i + 1) * cols]) + "])"
                          for i in range(rows))
        return f"torch.stack([{inner}])", ATOM
