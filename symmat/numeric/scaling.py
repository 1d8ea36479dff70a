"""Better-scaled instances, drawn when the usual ones leave the derivative below rounding.

Why: the usual draws (entries in [0.5, 1.5]) make W h of size ~n/2 for an m×n
matrix W, so a chain like σ(W_k … σ(W_1 x)) saturates after a few layers:
the 24-layer network's Hessian by W_1 is ~1e-115 while f ~ 1, and differences
of f, rounded in f's last digit, then agree with any closed form that small.
The self-check notices such an instance (its error bars are larger than a
fraction of the values it compares) and draws the next ones here instead:
matrices that are neither square nor declared anything get entries of mean
zero and size ~1/√n (so that W h stays O(1) and signs keep the signal alive
through the layers), or, where f needs their entries positive, entries in
[0.5, 1.5]/n. Vectors, scalars and square or declared matrices are drawn as
usual: their domain guarantees (invertibility, symmetry, definiteness,
orthogonality) are the usual draws'.
"""

from ..tree import expr as E

CENTRED = 0.9   # the part of each row's mean taken away: W 𝟏 small (σ's offset ½ cancels), never exactly 0
GAIN = 4.0      # entries of a signed draw are uniform in ±GAIN·√(3/n): W h has entries of size ~GAIN/2

# Nodes through which a sign change of a variable keeps f defined and smooth; under any
# other node (log, sqrt, division, fractional powers, inverses, determinants, kinks, …)
# the variable's entries stay positive.
_SIGNED_OK = (E.Add, E.Neg, E.Mul, E.Transpose, E.Hadamard, E.Kron, E.Trace, E.Sum, E.Mean, E.Vec,
              E.Norm, E.Softmax, E.LogSumExp, E.DiagMat, E.DiagVec)
_SMOOTH = {"exp", "sin", "cos", "tanh", "sigmoid", "softplus"}


def _passes_signs(node):
    """Per argument of `node`: True where a sign change in it keeps `node` defined and smooth."""
    n = len(node.args)
    if isinstance(node, _SIGNED_OK):
        return (True,) * n
    if isinstance(node, (E.Div, E.HadDiv)):
        return (True,) + (False,) * (n - 1)          # a divisor stays positive
    if isinstance(node, E.Apply):
        return (node.fn in _SMOOTH,) * n
    if isinstance(node, (E.HadPow, E.Power)):
        p = node.params[0]
        return (getattr(p, "denominator", 1) == 1 and p > 0,) * n
    return (False,) * n


def positive_only(f):
    """The names of the variables of f that occur under a node needing their entries positive."""
    out, seen, stack = set(), set(), [(f, False)]
    while stack:
        node, restricted = stack.pop()
        key = (id(node), restricted)
        if key in seen:
            continue
        seen.add(key)
        if isinstance(node, E.Var):
            if restricted:
                out.add(node.name)
            continue
        stack.extend((a, restricted or not ok) for a, ok in zip(node.args, _passes_signs(node)))
    return out


def scaled_value(var, shape, rng, positive, uniforms):
    """A value for `var` (list of rows) scaled so that its products with O(1) vectors stay O(1),
    or None where the usual draw is kept (vectors, scalars, square or declared matrices).
    `uniforms(rng, a, b, n)` draws a row."""
    m, n = shape
    if m == 1 or n == 1 or m == n or var.props:
        return None
    if positive:
        return [uniforms(rng, 0.5 / n, 1.5 / n, n) for _ in range(m)]
    g = GAIN * (3.0 / n) ** 0.5
    rows = [uniforms(rng, -g, g, n) for _ in range(m)]
    return [[v - c for v in row] for row, c in ((row, CENTRED * sum(row) / n) for row in rows)]
