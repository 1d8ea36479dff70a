"""NumPy source of a function that computes an expression (SPEC §6, `to_numpy`).

Design decisions:

* The generated function takes the variables as positional parameters in
  order of first appearance (or the order of `params`), then any size that
  no parameter fixes (``n`` for an ``I`` alone) and any symbolic unit-vector
  index. Greek names are spelled (``λ`` → ``lambda_``, a keyword gets a
  trailing underscore), other non-identifiers are sanitised.
* Inside, a 1×1 node is a Python/NumPy scalar and every other node a 2-D
  array: vectors are reshaped to columns on entry (so ``(n,)`` and
  ``(n, 1)`` are both accepted), ``xᵀ A x`` is ``(x.T @ A @ x)[0, 0]``, and
  the result leaves as a float, a 1-D array (column vector) or a 2-D array,
  as `evaluate` returns it. Every NumPy call is spelled out with ``np.``.
* A subtree used more than once is computed once into a temporary
  (``t1 = …``); everything else is one nested expression, parenthesised by
  Python precedence.
* Stable forms where they cost nothing in readability: ``softplus`` is
  ``np.logaddexp(0, x)``, ``logsumexp`` is ``np.logaddexp.reduce``.
"""

import keyword
from fractions import Fraction

from ..tree import expr as E
from ..tree.names import GREEK, GREEK_SPELLED
from ..errors import SymmatError
from ..tree.shapes import is_scalar
from .text import to_text

ADD, MUL, NEG, POW, ATOM = 1, 2, 3, 4, 5


def to_numpy(expr, name="f", params=None):
    """Python source of ``def name(…)`` computing `expr` with NumPy."""
    return _Generator(expr, params).source(_identifier(name, set()))


# ----------------------------------------------------------------- names

def _identifier(name, taken):
    """A Python identifier for `name`, not in `taken` (which it joins)."""
    text = "".join(GREEK_SPELLED.get(c, c) for c in name)
    text = "".join(c if (c.isascii() and (c.isalnum() or c == "_")) else "_" for c in text)
    if not text or text[0].isdigit():
        text = "v" + text
    while keyword.iskeyword(text) or text in taken or text in ("np", "float"):
        text += "_"
    taken.add(text)
    return text


def _size_names(expr):
    """Symbolic size names and symbolic unit-vector indices, first appearance first."""
    out = {}
    for node in expr.walk():
        dims = list(node.shape)
        if isinstance(node, (E.Identity, E.Commutation, E.Basis, E.Size)):
            dims.extend(node.params)
        for d in dims:
            for s in _flat(d):
                out.setdefault(s, None)
    return list(out)


def _flat(d):
    """The size names inside a dimension."""
    if isinstance(d, str):
        return [d]
    if isinstance(d, tuple):
        return _flat(d[1]) + _flat(d[2])
    return []


# ----------------------------------------------------------------- generator

class _Generator:
    """Turns one expression into the lines of a function body."""

    def __init__(self, expr, params):
        """Collect parameters, sizes and shared subtrees."""
        self.expr = expr
        self.taken = set()
        self.unused = set()
        self.vars = self._parameters(expr, params)
        self.ident = {v.name: _identifier(v.name, self.taken) for v in self.vars}
        self.size_src, self.size_lines, self.extra = {}, {}, []
        self._sizes()
        self.used_sizes = set()
        self.uses = _count_uses(expr)
        self.temps, self.lines, self.counter = {}, [], 0

    def _parameters(self, expr, params):
        """The parameters in order: `params` (names or Vars) or first appearance."""
        found = {v.name: v for v in expr.variables()}
        for node in expr.walk():
            if isinstance(node, E.Differential):
                found.setdefault("d" + node.name, E.Var("d" + node.name, node.shape))
        if params is None:
            return list(found.values())
        order = []
        for p in params:
            name = p.name if isinstance(p, E.Var) else _greek(p)
            if name not in found and not isinstance(p, E.Var):
                self.unused.add(name)  # shape unknown: passed through untouched
            order.append(found.get(name) or (p if isinstance(p, E.Var) else E.Var(name, (1, 1))))
        missing = set(found) - {v.name for v in order}
        if missing:
            raise SymmatError(f"params lacks {', '.join(sorted(missing))}, which the expression uses")
        return order

    def _sizes(self):
        """Name each symbolic size: read off a parameter's shape, or a parameter of its own."""
        origin = {}
        for v in self.vars:
            if v.name in self.unused:
                continue
            for axis, d in enumerate(v.shape):
                if isinstance(d, str):
                    origin.setdefault(d, f"{self.ident[v.name]}.shape[{axis}]")
        for s in _size_names(self.expr):
            name = _identifier(s, self.taken)
            self.size_src[s] = name
            if s in origin:
                self.size_lines[s] = f"{name} = {origin[s]}"
            else:
                self.extra.append(name)

    # -- output
    def source(self, name):
        """The complete function source."""
        body = self.code(self.expr)
        ret = self._return(body)
        args = [self.ident[v.name] for v in self.vars] + self.extra
        lines = [f"def {name}({', '.join(args)}):", f'    """{self._doc()}"""']
        lines += ["    " + line for line in self._prologue() + self.lines + [ret]]
        return "import numpy as np\n\n\n" + "\n".join(lines) + "\n"

    def _doc(self):
        """The generated function's docstring."""
        try:
            what = to_text(self.expr, ascii=True)
        except Exception:  # the text printer is optional here
            what = "the expression"
        what = what.replace("\\", "\\\\").replace('"""', "'''")
        return f"Compute {what} with NumPy (vectors as (n,) or (n, 1))."

    def _prologue(self):
        """Lines that convert the arguments and read off the sizes."""
        out = []
        for v in self.vars:
            x = self.ident[v.name]
            rows, cols = v.shape
            if v.name in self.unused:
                continue
            if is_scalar(v.shape):
                out.append(f"{x} = np.asarray({x}, dtype=float).item()")
            elif cols == 1:
                out.append(f"{x} = np.asarray({x}, dtype=float).reshape(-1, 1)")
            elif rows == 1:
                out.append(f"{x} = np.asarray({x}, dtype=float).reshape(1, -1)")
            else:
                out.append(f"{x} = np.asarray({x}, dtype=float)")
        out += [line for s, line in self.size_lines.items() if s in self.used_sizes]
        return out

    def _return(self, body):
        """The return line, in evaluate's output form."""
        text, prec = body
        if is_scalar(self.expr.shape):
            return f"return float({text})"
        if self.expr.shape[1] == 1:
            return f"return {_wrap(body, ATOM)}[:, 0]"
        return f"return {text}"

    # -- expressions
    def code(self, e):
        """(text, precedence) of node `e`, via a temporary when it is shared."""
        if e in self.temps:
            return self.temps[e], ATOM
        out = RULES[type(e)](e, self) if type(e) in RULES else _unsupported(e)
        if self.uses.get(e, 0) > 1 and e.args:
            return self.temp(e, out)
        return out

    def temp(self, e, out):
        """Bind `out` to a fresh temporary (remembered for node `e`)."""
        self.counter += 1
        name = _identifier(f"t{self.counter}", self.taken)
        self.lines.append(f"{name} = {out[0]}")
        if e is not None:
            self.temps[e] = name
        return name, ATOM

    def atom(self, e):
        """Node `e` as a name or other atom (a temporary if need be), for reuse in a template."""
        text, prec = self.code(e)
        if prec == ATOM and text.isidentifier():
            return text
        return self.temp(e, (text, prec))[0]

    def dim(self, d):
        """Source text of a dimension."""
        if isinstance(d, int):
            return str(d)
        if isinstance(d, tuple):
            return f"{self.dim(d[1])} * {self.dim(d[2])}"
        self.used_sizes.add(d)
        return self.size_src[d]


def _greek(name):
    """A spelled Greek name as its letter."""
    return GREEK.get(name, name)


def _count_uses(expr):
    """How many parents use each node."""
    uses = {}
    for node in expr.walk():
        for a in node.args:
            uses[a] = uses.get(a, 0) + 1
    return uses


def _unsupported(e):
    """Refuse a node type without a rule."""
    raise SymmatError(f"no NumPy code for a {type(e).__name__} node")


def _wrap(code, prec):
    """The text, parenthesised when its precedence is below `prec`."""
    text, p = code
    return text if p >= prec else f"({text})"


def _dims(g, shape):
    """A shape tuple as source text."""
    return f"({g.dim(shape[0])}, {g.dim(shape[1])})"


# ----------------------------------------------------------------- rules, one per node type

def _var(e, g):
    """A parameter."""
    return g.ident[e.name], ATOM


def _differential(e, g):
    """dX: a parameter named dX."""
    return g.ident["d" + e.name], ATOM


def _number(v):
    """A rational constant as Python source."""
    v = Fraction(v)
    if v.denominator == 1:
        return (str(v.numerator), ATOM if v >= 0 else NEG)
    if 10 ** 12 % v.denominator == 0:
        return (repr(float(v)), ATOM if v >= 0 else NEG)
    return (f"{v.numerator} / {v.denominator}", MUL)


def _const(e, g):
    """A rational constant."""
    return _number(e.value)


def _size(e, g):
    """A dimension used as a number."""
    return (f"float({g.dim(e.params[0])})", ATOM)


def _identity(e, g):
    """np.eye(n)."""
    return ("1.0", ATOM) if e.is_scalar else (f"np.eye({g.dim(e.params[0])})", ATOM)


def _ones(e, g):
    """np.ones(shape)."""
    return ("1.0", ATOM) if e.is_scalar else (f"np.ones({_dims(g, e.shape)})", ATOM)


def _zero(e, g):
    """np.zeros(shape)."""
    return ("0.0", ATOM) if e.is_scalar else (f"np.zeros({_dims(g, e.shape)})", ATOM)


def _basis(e, g):
    """e_k as a column of np.eye(n)."""
    n, k = e.params
    index = f"{k - 1}" if isinstance(k, int) else f"{g.dim(k)} - 1"
    return f"np.eye({g.dim(n)})[:, [{index}]]", ATOM


def _commutation(e, g):
    """K_(m,n) as permuted rows of np.eye(mn)."""
    m, n = g.dim(e.params[0]), g.dim(e.params[1])
    mn = f"{m} * {n}" if not (m.isdigit() and n.isdigit()) else str(int(m) * int(n))
    return f"np.eye({mn})[np.arange({mn}).reshape({n}, {m}).T.ravel()]", ATOM


def _matrix(e, g):
    """np.array of the entries."""
    if e.is_scalar:
        return g.code(e.args[0])
    rows = ", ".join("[" + ", ".join(g.code(x)[0] for x in row) + "]" for row in e.rows())
    return f"np.array([{rows}], dtype=float)", ATOM


def _add(e, g):
    """A sum; a 1×1 term is added to every entry."""
    parts = []
    for k, t in enumerate(e.args):
        if isinstance(t, E.Neg):
            parts.append(("-" if k == 0 else " - ") + _wrap(g.code(t.args[0]), MUL if k else NEG))
        else:
            parts.append(("" if k == 0 else " + ") + _wrap(g.code(t), ADD + (k > 0)))
    return "".join(parts), ADD


def _neg(e, g):
    """Negation."""
    return "-" + _wrap(g.code(e.args[0]), NEG), NEG


def _mul(e, g):
    """Scalars with *, matrices with @; a 1×1 chain indexed [0, 0]."""
    scal = [_wrap(g.code(a), NEG) for a in e.args if a.is_scalar]
    chain = [_wrap(g.code(a), NEG) for a in e.args if not a.is_scalar]
    parts = list(scal)
    if chain:
        prod = " @ ".join(chain)
        parts.append(f"({prod})[0, 0]" if e.is_scalar else prod)
    if len(parts) == 1:
        return parts[0], ATOM if e.is_scalar else MUL
    return " * ".join(parts), MUL


def _div(e, g):
    """Division by a scalar."""
    a, b = e.args
    return f"{_wrap(g.code(a), MUL)} / {_wrap(g.code(b), NEG)}", MUL


def _hadamard(e, g):
    """Element-wise product (a 1×1 operand scales)."""
    a, b = e.args
    return f"{_wrap(g.code(a), MUL)} * {_wrap(g.code(b), NEG)}", MUL


def _haddiv(e, g):
    """Element-wise division."""
    a, b = e.args
    return f"{_wrap(g.code(a), MUL)} / {_wrap(g.code(b), NEG)}", MUL


def _exponent(p):
    """An exponent after **."""
    text, prec = _number(p)
    return text if prec == ATOM or prec == NEG else f"({text})"


def _hadpow(e, g):
    """Element-wise power."""
    return f"{_wrap(g.code(e.args[0]), ATOM)} ** {_exponent(e.params[0])}", POW


def _kron(e, g):
    """np.kron (a scalar operand just scales)."""
    a, b = e.args
    if a.is_scalar or b.is_scalar:
        return f"{_wrap(g.code(a), MUL)} * {_wrap(g.code(b), NEG)}", MUL
    return f"np.kron({g.code(a)[0]}, {g.code(b)[0]})", ATOM


def _transpose(e, g):
    """.T (of a scalar: itself)."""
    x = e.args[0]
    return g.code(x) if x.is_scalar else (f"{_wrap(g.code(x), ATOM)}.T", ATOM)


def _inverse(e, g):
    """Matrix inverse (of a scalar: its reciprocal)."""
    x = e.args[0]
    if x.is_scalar:
        return f"1 / {_wrap(g.code(x), NEG)}", MUL
    return f"np.linalg.inv({g.code(x)[0]})", ATOM


def _power(e, g):
    """Integer power of a matrix, rational power of a scalar."""
    x, k = e.args[0], e.params[0]
    if x.is_scalar:
        return f"{_wrap(g.code(x), ATOM)} ** {_exponent(k)}", POW
    return f"np.linalg.matrix_power({g.code(x)[0]}, {int(k)})", ATOM


def _reduce(call):
    """The rule ``call(x)`` for a reduction to a scalar (of a scalar: x itself)."""
    def rule(e, g):
        """Reduce a matrix with the NumPy call; a scalar is its own reduction."""
        x = e.args[0]
        return g.code(x) if x.is_scalar else (f"{call}({g.code(x)[0]})", ATOM)
    return rule


def _norm(e, g):
    """Euclidean/Frobenius norm, or the 1-norm."""
    x = g.code(e.args[0])[0]
    if e.args[0].is_scalar:
        return f"np.abs({x})", ATOM
    if e.params[0] == "1":
        return f"np.sum(np.abs({x}))", ATOM
    return f"np.linalg.norm({x})", ATOM


def _logdet(e, g):
    """slogdet's log |det|."""
    x = g.code(e.args[0])[0]
    if e.args[0].is_scalar:
        return f"np.log(np.abs({x}))", ATOM
    return f"np.linalg.slogdet({x})[1]", ATOM


def _diagmat(e, g):
    """diag(x): a diagonal matrix."""
    x = e.args[0]
    return g.code(x) if x.is_scalar else (f"np.diag({_wrap(g.code(x), ATOM)}[:, 0])", ATOM)


def _diagvec(e, g):
    """diag(X): the vector of the diagonal."""
    x = e.args[0]
    return g.code(x) if x.is_scalar else (f"np.diag({g.code(x)[0]})[:, None]", ATOM)


def _unvec(e, g):
    """unvec(v): a column-major reshape."""
    m, n = (g.dim(d) for d in e.params)
    return (f'{_wrap(g.code(e.args[0]), ATOM)}.reshape({m}, {n}, order="F")', ATOM)


def _vec(e, g):
    """vec(X), column-major."""
    x = e.args[0]
    return g.code(x) if x.is_scalar else (f'{_wrap(g.code(x), ATOM)}.reshape(-1, 1, order="F")', ATOM)


FUNCTIONS = {
    "exp": "np.exp({})", "log": "np.log({})", "sqrt": "np.sqrt({})", "sin": "np.sin({})",
    "cos": "np.cos({})", "tan": "np.tan({})", "tanh": "np.tanh({})", "abs": "np.abs({})",
    "sign": "np.sign({})", "relu": "np.maximum({}, 0.0)", "softplus": "np.logaddexp(0.0, {})",
    "step": "np.heaviside({}, 0.0)",
}


def _apply(e, g):
    """An element-wise function."""
    x = g.code(e.args[0])
    if e.fn == "sigmoid":
        return f"1 / (1 + np.exp(-{_wrap(x, NEG)}))", MUL
    return FUNCTIONS[e.fn].format(x[0]), ATOM


def _softmax(e, g):
    """exp(z - logsumexp(z)): stable, one line."""
    z = g.atom(e.args[0])
    if e.shape[1] != 1:   # a batch: column by column
        return f"np.exp({z} - np.logaddexp.reduce({z}, axis=0, keepdims=True))", ATOM
    return f"np.exp({z} - np.logaddexp.reduce({z}, axis=None))", ATOM


def _logsumexp(e, g):
    """np.logaddexp.reduce: stable (over each column of a matrix: a row)."""
    if e.args[0].shape[1] != 1:
        return f"np.logaddexp.reduce({g.code(e.args[0])[0]}, axis=0, keepdims=True)", ATOM
    return f"np.logaddexp.reduce({g.code(e.args[0])[0]}, axis=None)", ATOM


RULES = {
    E.Var: _var, E.Differential: _differential, E.Const: _const, E.Size: _size, E.Identity: _identity,
    E.Ones: _ones, E.Zero: _zero, E.Basis: _basis, E.Commutation: _commutation,
    E.Matrix: _matrix, E.Add: _add, E.Neg: _neg, E.Mul: _mul, E.Div: _div,
    E.Hadamard: _hadamard, E.HadDiv: _haddiv, E.HadPow: _hadpow, E.Kron: _kron,
    E.Transpose: _transpose, E.Inverse: _inverse, E.Power: _power,
    E.Trace: _reduce("np.trace"), E.Det: _reduce("np.linalg.det"),
    E.LogDet: _logdet, E.Norm: _norm,
    E.Sum: _reduce("np.sum"), E.Mean: _reduce("np.mean"), E.DiagMat: _diagmat,
    E.DiagVec: _diagvec, E.Vec: _vec, E.Unvec: _unvec, E.Apply: _apply, E.Softmax: _softmax,
    E.LogSumExp: _logsumexp,
}
