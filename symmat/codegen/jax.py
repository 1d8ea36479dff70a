"""The JAX emitter: the plan as ``jax.numpy`` source that `jax.jit` can trace.

Arguments are taken with ``jnp.asarray`` (no dtype forced: JAX computes in
float32 unless ``jax_enable_x64`` is set), vectors reshaped to 1-D, and
nothing leaves the traced world (no ``.item()``, no ``float()``): a scalar
result is a 0-d array. Sizes are read off the arguments' shapes, which are
static under `jax.jit`; a size that no argument fixes is an argument of its
own and must be static (`compile` marks it so). XLA plans the memory, so no
temporary is deleted.
"""

from .emit import ATOM, MUL, binop
from .numpy import NumpyEmitter
from .values import Ref


class JaxEmitter(NumpyEmitter):
    """JAX source of a program (NumPy's spellings, ``jnp`` for ``np``, where they differ)."""

    backend = "jax"
    header = "import jax\nimport jax.numpy as jnp"
    ns = "jnp"
    free_temps = False
    FUNCTIONS = {"relu": "jnp.maximum({}, 0.0)", "softplus": "jax.nn.softplus({})",
                 "step": "jnp.heaviside({}, 0.0)"}

    def op_matmul(self, q, a, b):
        # Aᵀ v as v @ A: XLA copies a transposed matrix before a matrix-vector product
        t = self.defs.get(a.name) if isinstance(a, Ref) else None
        if t is not None and t.op == "T" and b.kind in ("col", "row"):
            return binop(self.arg(b), self.arg(t.args[0]), "@", MUL)
        return super().op_matmul(q, a, b)

    def convert(self, x, kind):
        if kind == "scalar":
            return f"jnp.asarray({x}).reshape(())"
        if kind in ("col", "row"):
            return f"jnp.asarray({x}).reshape(-1)"
        return f"jnp.asarray({x})"

    def sigmoid(self, x):
        return f"jax.nn.sigmoid({x[0]})", ATOM

    def scalar_out(self, code, v):
        return code[0] if isinstance(v, Ref) else f"jnp.asarray({code[0]}, dtype=float)"

    def is_view(self, v):
        return False                   # JAX arrays are immutable: nothing to copy

    def array(self, nested):
        return f"jnp.array({nested})", ATOM
