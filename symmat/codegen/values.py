"""The values and records of a plan (see `plan`): what an equation computes and holds.

A value is concrete (`Ref`: an array or scalar held in a parameter or a
temporary; `Lit`: a number known when planning; `Dim`: a size used as a
number) or lazy (`Diag`, `Eye`, `OnesV`, `KronV`, `Comm`: a structured matrix
kept symbolic while it is only multiplied or added to its kind, and
materialised by `algebra.Builder.concrete` where an array is needed).

How a concrete value is held follows from its symbolic shape alone
(`kind_of`): a 1×1 value is a scalar, an n×1 or 1×n value a 1-D array, any
other a 2-D array (a free size is never 1).
"""

from fractions import Fraction

N_FREE = 1000      # a free size, for the cost model of products


def kind_of(shape):
    """'scalar', 'col', 'row' or 'mat': how a value of this symbolic shape is held."""
    r, c = shape
    if r == 1 and c == 1:
        return "scalar"
    if c == 1:
        return "col"
    if r == 1:
        return "row"
    return "mat"


class Val:
    """A value of the program: concrete (Ref, Lit, Dim) or lazy (Diag, Eye, OnesV, KronV, Comm)."""

    __slots__ = ("shape",)
    lazy = False

    @property
    def kind(self):
        """How the value is held (see `kind_of`)."""
        return kind_of(self.shape)


class Ref(Val):
    """An array (or scalar) held in a parameter (name: str) or a temporary (name: int)."""

    __slots__ = ("name",)

    def __init__(self, name, shape):
        self.name, self.shape = name, tuple(shape)

    def key(self):
        return ("r", self.name)

    def as_shape(self, shape):
        """The same array seen with another symbolic shape (a vector as a row or a column)."""
        return Ref(self.name, shape)

    def __repr__(self):
        return f"Ref({self.name!r}, {self.shape})"


class Lit(Val):
    """A number known when the program is planned (a Fraction, or a float from folding)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value, self.shape = value, (1, 1)

    def key(self):
        return ("l", self.value)

    def __repr__(self):
        return f"Lit({self.value})"


class Dim(Val):
    """A dimension used as a number (the N of a mean, the n of tr(I))."""

    __slots__ = ("dim",)

    def __init__(self, dim):
        self.dim, self.shape = dim, (1, 1)

    def key(self):
        return ("d", self.dim)

    def __repr__(self):
        return f"Dim({self.dim!r})"


class Diag(Val):
    """diag(d), d a concrete vector (a 1-D array)."""

    __slots__ = ("d",)
    lazy = True

    def __init__(self, d, n):
        self.d, self.shape = d, (n, n)


class Eye(Val):
    """s·I (s None: the identity)."""

    __slots__ = ("scale",)
    lazy = True

    def __init__(self, scale, n):
        self.scale, self.shape = scale, (n, n)


class OnesV(Val):
    """The matrix (or vector) of ones of a shape."""

    __slots__ = ()
    lazy = True

    def __init__(self, shape):
        self.shape = tuple(shape)


class KronV(Val):
    """P ⊗ Q (P, Q values, maybe lazy themselves)."""

    __slots__ = ("p", "q")
    lazy = True

    def __init__(self, p, q, shape):
        self.p, self.q, self.shape = p, q, tuple(shape)


class Comm(Val):
    """The commutation matrix K_(m,n): K vec(A) = vec(Aᵀ) for A m×n."""

    __slots__ = ("m", "n")
    lazy = True

    def __init__(self, m, n, shape):
        self.m, self.n, self.shape = m, n, tuple(shape)


class Bcast(Val):
    """A matrix all of whose rows are the row v (axis 0: 𝟏 vᵀ) or all of whose columns are the column v
    (axis 1: v 𝟏ᵀ): NumPy's broadcasting of a 1-D array, kept so that ``(𝟏 𝟏ᵀ Y) ⊙ S`` is ``Y.sum(0) * S``."""

    __slots__ = ("v", "axis")
    lazy = True

    def __init__(self, v, axis, shape):
        self.v, self.axis, self.shape = v, axis, tuple(shape)


class Eqn:
    """One equation: ``out = op(args…)`` with static `params`."""

    __slots__ = ("out", "op", "args", "params")

    def __init__(self, out, op, args, params):
        self.out, self.op, self.args, self.params = out, op, tuple(args), tuple(params)

    def __repr__(self):
        args = ", ".join(_show(a) for a in self.args)
        extra = f"; {self.params}" if self.params else ""
        return f"t{self.out.name}: {self.out.kind} = {self.op}({args}{extra})"


def _show(v):
    if isinstance(v, Ref):
        return f"t{v.name}" if isinstance(v.name, int) else v.name
    if isinstance(v, Lit):
        return str(v.value)
    return repr(v)


class Param:
    """A parameter of the generated function: the variable's name, its identifier, its shape."""

    def __init__(self, name, ident, shape, known=True):
        self.name, self.ident, self.shape, self.known = name, ident, tuple(shape), known

    @property
    def kind(self):
        return kind_of(self.shape)

    def __repr__(self):
        return f"Param({self.name!r} as {self.ident}, {self.shape})"


class Program:
    """The plan: parameters, equations in order, outputs (with their symbolic shapes), names for temporaries.

    (Sizes are read off the parameters' shapes by the emitter, which knows the spelling.)
    """

    def __init__(self, params, eqns, outputs, hints):
        self.params = params          # [Param]
        self.eqns = eqns              # [Eqn], in order
        self.outputs = outputs        # [(Val concrete, symbolic shape)]
        self.hints = hints            # {temp id: preferred name}

    def __repr__(self):
        lines = [f"params: {', '.join(p.ident for p in self.params)}"]
        lines += [repr(q) for q in self.eqns]
        lines.append("out: " + ", ".join(_show(v) for v, _ in self.outputs))
        return "\n".join(lines)


# ----------------------------------------------------------------- shapes and costs

def _size(d):
    """A dimension as a number for the cost model (a free size counts N_FREE)."""
    if isinstance(d, int):
        return d
    if isinstance(d, tuple):
        return _size(d[1]) * _size(d[2])
    return N_FREE


def _t(shape):
    return (shape[1], shape[0])


# ----------------------------------------------------------------- scalar coefficients

class Coef:
    """c · Π mults / Π divs: the scalar factors of a product, applied once and last."""

    __slots__ = ("c", "mults", "divs")

    def __init__(self, c=Fraction(1), mults=(), divs=()):
        self.c, self.mults, self.divs = c, tuple(mults), tuple(divs)

    def times(self, other):
        return Coef(self.c * other.c, self.mults + other.mults, self.divs + other.divs)

    def negated(self):
        return Coef(-self.c, self.mults, self.divs)

    @property
    def is_one(self):
        return self.c == 1 and not self.mults and not self.divs

    def split_sign(self):
        """(sign, |coefficient|)."""
        return (-1, self.negated()) if self.c < 0 else (1, self)
