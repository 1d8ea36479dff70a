"""The typing pass over the raw tree: every name's kind, every node's class and shape.

What this module decides (pass 1 of `build.typecheck`):

* a name's kind: from its declaration, else from its spelling (SPEC §1.1:
  upper case a matrix, lower case a vector, Greek lower case a scalar) or
  its place (an entry of an explicit matrix, a name inside a divisor, both
  scalars); a run of undeclared letters is a product of single letters
  (``AX`` is ``A X``; `juxtapose.one_name` says which runs are one name);
* which function a name before ``(`` is (the one table of function names:
  `ELEMENTWISE_NAMES`, `ONE_ARG`), with "did you mean …?" for a near miss;
* each node's class (``^{-1}`` of a matrix is its inverse, ``|X|`` of a
  matrix its determinant, …) and its shape, by the class's own `shape_of`
  rule run with one `Unifier`, so that free sizes are unified (``A x``
  makes A's columns x's length);
* which limits apply while typing (``--max-depth``, ``--max-power``, numbers
  of more than 1000 digits).
"""

import math
from fractions import Fraction

from ..errors import DeclarationError, LimitError, ParseError, ShapeError, UnknownFunctionError, caret
from ..tree import expr as E
from ..tree.names import GREEK, GREEK_SPELLED
from ..tree.shapes import SCALAR, is_scalar
from .juxtapose import one_name
from .products import FactorUnifier
from .rawtree import Raw

ELEMENTWISE_NAMES = {
    "exp": "exp", "log": "log", "ln": "log", "sqrt": "sqrt", "sin": "sin", "cos": "cos",
    "tan": "tan", "tanh": "tanh", "sigmoid": "sigmoid", "σ": "sigmoid", "relu": "relu",
    "softplus": "softplus", "abs": "abs", "step": "step", "sign": "sign",
}
ONE_ARG = {"tr": "Trace", "trace": "Trace", "det": "Det", "logdet": "LogDet", "inv": "Inverse",
           "sum": "Sum", "mean": "Mean", "vec": "Vec", "softmax": "Softmax",
           "logsumexp": "LogSumExp", "diag": "diag", "norm2": "norm2", "norm1": "norm1",
           "norm": "norm2", "eye": "eye", "vector": "vector"}
_PRODUCT_LEVEL = {"product", "div", "Hadamard", "HadDiv", "Kron"}   # one precedence level, left to right
_ARITHMETIC = {"name", "number", "product", "div", "add", "sub", "neg", "power"}
FUNCTIONS = sorted(set(ELEMENTWISE_NAMES) | set(ONE_ARG) | {"kron"})


class Typer:
    """Infers kinds and sizes of a raw tree, then constructs the Expr."""

    def __init__(self, text, decls, limits):
        self.text, self.decls, self.limits = text, decls, limits
        self.uni = FactorUnifier()
        self.fresh = 0
        self.vars = {}       # name -> (shape, props) as inferred, or "explicit"
        self.explicit = {}   # name -> the raw explicit matrix declared for it
        self.user_sizes = set()
        for d in decls.values():
            if d.shape:
                self.user_sizes |= {s for s in d.shape if isinstance(s, str)}

    # -- helpers
    def new_dim(self):
        """A fresh free size (``_1``, ``_2``, …; named n, m, … in pass 2)."""
        self.fresh += 1
        return f"_{self.fresh}"

    def where(self, raw):
        """Error suffix pointing at the raw node's source."""
        if self.text is None or raw is None or raw.end <= raw.start:
            return ""
        return "\n" + caret(self.text, raw.start + 1, raw.end - raw.start)

    def fail(self, cls, msg, raw):
        """Raise `cls` with `msg` and a caret under `raw`'s source."""
        raise cls(msg + self.where(raw))

    # -- pass 1
    def infer(self, raw, in_matrix=False, depth=0):
        """Resolve `raw` in place (op becomes a node class name) and give it a shape."""
        if depth > self.limits.max_depth:
            raise LimitError(f"expression nested deeper than {self.limits.max_depth} levels "
                             f"(raise the limit with --max-depth)")
        if self.text is not None and raw.source is None:
            raw.source = self.text[raw.start:raw.end].strip() or None
        handler = getattr(self, "op_" + raw.op, None)
        try:
            if handler is not None:
                return handler(raw, in_matrix, depth)
            for a in raw.args:
                self.infer(a, in_matrix or raw.op == "Matrix", depth + 1)
            return self.settle(raw)
        except ShapeError as e:
            if "\n" in str(e):
                raise
            raise type(e)(str(e) + self.where(raw)) from None

    def settle(self, raw, op=None, args=None, params=None):
        """Fix the node class of `raw` and compute its shape with the unifier."""
        if op is not None:
            raw.op = op
        if args is not None:
            raw.args = list(args)
        if params is not None:
            raw.params = tuple(params)
        cls = E.NODE_TYPES[raw.op]
        raw.shape = tuple(cls.shape_of(raw.args, raw.params, self.uni))
        if raw.op == "Kron":   # which factor of each product size is which (`products`)
            a, b = raw.args
            self.uni.record(raw.shape[0], a.shape[0], b.shape[0], raw)
            self.uni.record(raw.shape[1], a.shape[1], b.shape[1], raw)
        elif raw.op == "Vec":
            x = raw.args[0]
            self.uni.record(raw.shape[0], x.shape[1], x.shape[0], raw)
        return raw

    def kids(self, raw, in_matrix, depth):
        """Infer every child of `raw`."""
        for a in raw.args:
            self.infer(a, in_matrix, depth + 1)

    def op_name(self, raw, in_matrix, depth):
        """A name: a variable, or (a run of undeclared letters) a product of single letters."""
        name = raw.params[0]
        name = GREEK.get(name, name)
        if name in self.decls or name in self.vars or one_name(name):
            return self.var(raw, name, in_matrix)
        if depth + len(raw.params[0]) > self.limits.max_depth:
            # Fix (parse task): a run of n letters is a chain of n products; like a chain of
            # juxtaposed names it is bounded by --max-depth (splitting 9,000 letters took 8 s).
            self.fail(LimitError, f"{raw.params[0][:12]}… is a product of {len(raw.params[0])} letters, above "
                                  f"the limit of {self.limits.max_depth} factors (raise it with --max-depth)", raw)
        letters = [Raw("identity" if c == "I" and c not in self.decls else "name", (),
                       () if c == "I" and c not in self.decls else (c,), raw.start + i, raw.start + i + 1)
                   for i, c in enumerate(raw.params[0])]   # the I of AI is the identity
        for r in letters:
            self.infer(r, in_matrix, depth + 1)
        node = letters[0]
        for r in letters[1:]:
            joined = Raw("product", [node, r], (), raw.start, r.end)
            joined.source = self.text[raw.start:r.end] if self.text else None
            node = self.op_product(joined, in_matrix, depth, inferred=True)
        raw.op, raw.args, raw.params, raw.shape = node.op, node.args, node.params, node.shape
        return raw

    def var(self, raw, name, in_matrix):
        """A variable (or the explicit matrix declared for it) with its shape and properties."""
        decl = self.decls.get(name)
        if decl is not None and decl.value is not None:
            if self.vars.get(name) == "explicit" and name not in self.explicit:
                self.fail(DeclarationError, f"{name} is defined in terms of itself", raw)
            if name not in self.vars:
                self.vars[name] = "explicit"
                self.infer(decl.value, True, 0)
                self.explicit[name] = decl.value
            value = self.explicit[name]
            raw.op, raw.args, raw.params, raw.shape = value.op, value.args, value.params, value.shape
            return raw
        if name not in self.vars:
            self.vars[name] = self._new_var(name, decl, in_matrix, raw)
        shape, props = self.vars[name]
        if in_matrix and shape != SCALAR:
            self.fail(ShapeError, f"entries of an explicit matrix must be scalars; {name} is not", raw)
        raw.op, raw.args, raw.params, raw.shape = "Var", [], (name, shape, frozenset(props)), shape
        return raw

    def _new_var(self, name, decl, in_matrix, raw):
        """(shape, properties) of a name met for the first time: declared, else by its kind."""
        kind = decl.kind if decl else None
        props = set(decl.props) if decl else set()
        if decl and decl.shape:
            shape = decl.shape
        else:
            if kind is None:
                kind = self._default_kind(name, in_matrix, props)
            if kind == "scalar":
                shape = SCALAR
            elif kind == "vector":
                shape = (self.new_dim(), 1)
            else:
                n = self.new_dim()
                square = props & {"square", "symmetric", "spd", "diagonal", "invertible", "orthogonal"}
                shape = (n, n if square else self.new_dim())
        if props & {"square", "symmetric", "spd", "diagonal", "invertible", "orthogonal"}:
            self.uni.eq(shape[0], shape[1], lambda: f"{name} is declared square but is {self.uni.fmt(shape)}")
        return shape, props

    @staticmethod
    def _default_kind(name, in_matrix, props):
        """The kind of an undeclared name by its spelling (SPEC §1.1) or place (a matrix entry)."""
        if in_matrix:
            return "scalar"
        first = name[0]
        if props:
            return "matrix"
        if first in GREEK_SPELLED:
            return "matrix" if GREEK_SPELLED[first][0].isupper() else "scalar"
        if first.isupper():
            return "matrix"
        return "vector"

    def op_product(self, raw, in_matrix, depth, inferred=False):
        """``a b`` → Mul (flattened: ``a b c`` is one product of three factors)."""
        if not inferred:
            self._chain_limit(raw)
            self.kids(raw, in_matrix, depth)
        a, b = raw.args
        if a.op == "Neg":   # -x y is -1 · x y, the form the printer writes
            factors = [_const_raw(-1)] + self._factors(a.args[0]) + self._factors(b)
        else:
            factors = self._factors(a) + self._factors(b)
        try:
            return self.settle(raw, "Mul", factors, ())
        except ShapeError as e:
            hint = self._call_hint(a, b)
            if hint and "\n" not in str(e):
                raise type(e)(f"{e}; {hint}") from None
            raise

    def _call_hint(self, a, b):
        """"did you mean trace?" when ``trace2(X)`` (a name then ``(``) is one edit from a function."""
        if a.op != "Var" or self.text is None or not b.grouped or self.text[b.start:b.start + 1] != "(" \
                or not a.source or a.end != b.start:
            return None
        near = [f for f in FUNCTIONS if _one_edit(a.source, f)]
        return f"did you mean {near[0]}? ({a.source} before '(' is a name, multiplied)" if near else None

    def _chain_limit(self, raw):
        """Refuse a flat product of more factors than ``--max-depth`` (typing recurses along it)."""
        count, r = 1, raw
        while r.op in _PRODUCT_LEVEL and r.args and not r.grouped and count <= self.limits.max_depth:
            count, r = count + 1, r.args[0]
        if count > self.limits.max_depth:
            self.fail(LimitError, f"a product of more than {self.limits.max_depth} factors is above the "
                                  f"limit of {self.limits.max_depth} (raise it with --max-depth)", raw)

    @staticmethod
    def _factors(r):
        """The factors `r` contributes to an enclosing product (a scalar-valued chain stays one)."""
        if r.op == "Mul" and not (is_scalar(r.shape) and any(not is_scalar(x.shape) for x in r.args)):
            return list(r.args)
        return [r]

    def op_neg(self, raw, in_matrix, depth):
        """``-x``, folded as `build.negate` folds it (so printing round-trips)."""
        self.kids(raw, in_matrix, depth)
        x = raw.args[0]
        if x.op == "Const":
            return self.settle(raw, "Const", [], (-x.params[0],))
        if x.op == "Neg":
            return self._become(raw, x.args[0])
        if x.op == "Mul" and x.args[0].op == "Const":
            c = -x.args[0].params[0]
            rest = x.args[1:]
            if c == 1:
                if len(rest) == 1:
                    return self._become(raw, rest[0])
                return self.settle(raw, "Mul", rest, ())
            return self.settle(raw, "Mul", [_const_raw(c)] + rest, ())
        if x.op == "Mul":
            return self.settle(raw, "Mul", [_const_raw(-1)] + x.args, ())
        return self.settle(raw, "Neg")

    @staticmethod
    def _become(raw, other):
        """Make `raw` the node `other` (in place: parents keep their reference)."""
        raw.op, raw.args, raw.params, raw.shape = other.op, other.args, other.params, other.shape
        return raw

    def op_sub(self, raw, in_matrix, depth):
        """``a - b`` → ``a + (-b)``."""
        a, b = raw.args
        neg = Raw("neg", [b], (), b.start, b.end)
        raw.args = [a, neg]
        return self.op_add(raw, in_matrix, depth)

    def op_add(self, raw, in_matrix, depth):
        """A sum, flattened."""
        self.kids(raw, in_matrix, depth)
        terms = []
        for t in raw.args:
            terms.extend(t.args if t.op == "Add" else [t])
        return self.settle(raw, "Add", terms, ())

    def op_div(self, raw, in_matrix, depth):
        """``a / b``: b must be a scalar; an undeclared lower-case name in it is one (`_divisor_kinds`)."""
        self._divisor_kinds(raw.args[1])
        self.kids(raw, in_matrix, depth)
        a, b = raw.args
        if b.op == "Const" and b.params[0] == 0:
            self.fail(ShapeError, "division by zero", raw)
        if a.op == "Const" and b.op == "Const":
            return self.settle(raw, "Const", [], (Fraction(a.params[0]) / b.params[0],))
        return self.settle(raw, "Div")

    def _divisor_kinds(self, den):
        """Kinds of the names first met in a divisor of numbers and letters (``1/(2 m)``, ``1/(n - 1)``).

        When the whole divisor is numbers and names under + - · / ^ (and
        element-wise functions of those), a lower-case name in it is a scalar
        (the m of ``1/m``: a count, SPEC §1.1) and an undeclared upper-case one
        is refused, since a matrix divisor would silently be taken to be 1×1.
        Any other divisor (``1/(w^T w)``, ``1/(1 + exp(-w^T x))``) leaves every
        name to its spelling.
        """
        names, stack = [], [den]
        while stack:
            r = stack.pop()
            if not (r.op in _ARITHMETIC or r.op == "call" and r.params[0] in ELEMENTWISE_NAMES):
                return
            if r.op == "name":
                names.append(r)
            stack.extend(r.args)
        for r in names:
            name = GREEK.get(r.params[0], r.params[0])
            letters = [name] if one_name(name) or name in self.decls else list(name)
            for letter in letters:
                if letter in self.decls or letter in self.vars or letter == "I":
                    continue
                if self._default_kind(letter, False, ()) == "matrix":
                    self.fail(ShapeError, f"cannot divide by {letter}: an undeclared upper-case name is a "
                                          f"matrix, and a matrix divisor has no meaning here (declare "
                                          f"{letter}: scalar to divide by a number, or write {letter}^{{-1}} "
                                          f"for the inverse)", r)
                self.vars[letter] = (SCALAR, set())

    def op_number(self, raw, in_matrix, depth):
        """A literal (``2``, ``0.5``, ``1e-8``, ``2.5E3``) → an exact rational constant."""
        text = raw.params[0]
        mantissa, _, exponent = text.lower().partition("e")
        if len(mantissa) > 1000 or exponent and abs(int(exponent)) > 1000:
            self.fail(LimitError, f"the number {text[:20]}{'…' if len(text) > 20 else ''} has more than "
                                  f"1000 digits, longer than symmat reads", raw)
        return self.settle(raw, "Const", [], (Fraction(text),))

    def op_identity(self, raw, in_matrix, depth):
        """``I`` (of the size its context needs) or ``I_n``."""
        n = raw.params[0] if raw.params else self.new_dim()
        return self.settle(raw, "Identity", [], (n,))

    def op_ones(self, raw, in_matrix, depth):
        """The vector of ones, of the size its context needs."""
        n = raw.params[0] if raw.params else self.new_dim()
        return self.settle(raw, "Ones", [], ((n, 1),))

    def op_power(self, raw, in_matrix, depth):
        """``x^k``: a power, or the inverse for ``^{-1}`` of a matrix; limits on big powers."""
        self.kids(raw, in_matrix, depth)
        k = Fraction(raw.params[0])
        x = raw.args[0]
        if x.op == "Const" and x.params[0] == 0 and k < 0:
            self.fail(ShapeError, f"division by zero: 0 to the power {k}", raw)
        if x.op == "Const" and _digits(x.params[0], k) > 1000:
            self.fail(LimitError, f"{x.params[0]}^{k} has more than 1000 digits, longer than symmat "
                                  f"computes with", raw)
        if not is_scalar(x.shape) and abs(k) > self.limits.max_power:
            self.fail(LimitError, f"matrix power {k} is above the limit of {self.limits.max_power} "
                                  f"(raise it with --max-power)", raw)
        if k == -1 and not is_scalar(x.shape):
            return self.settle(raw, "Inverse", params=())
        return self.settle(raw, "Power", params=(k,))

    def op_bars(self, raw, in_matrix, depth):
        """|X|: determinant of a matrix, absolute value of a scalar or vector."""
        self.kids(raw, in_matrix, depth)
        x = raw.args[0]
        if is_scalar(x.shape) or self.uni.resolve(x.shape[1]) == 1:
            return self.settle(raw, "Apply", params=("abs",))
        return self.settle(raw, "Det", params=())

    def op_norm(self, raw, in_matrix, depth):
        """‖x‖ with subscript params[0] in {None, '2', 'F', '1'}."""
        self.kids(raw, in_matrix, depth)
        p = raw.params[0] if raw.params else None
        x = raw.args[0]
        is_matrix = not is_scalar(x.shape) and self.uni.resolve(x.shape[1]) != 1 and self.uni.resolve(x.shape[0]) != 1
        if p == "2" and is_matrix:
            self.fail(ShapeError, f"||{x.source or 'A'}||_2 of a matrix is the spectral norm, which symmat "
                                  f"does not differentiate; use ||{x.source or 'A'}||_F for the Frobenius norm", raw)
        if p == "1":
            return self.settle(raw, "Norm", params=("1",))
        return self.settle(raw, "Norm", params=("2",))

    def op_call(self, raw, in_matrix, depth):
        """A function applied by name: resolved here, the one table of function names."""
        name = raw.params[0]
        name = {"\\sigma": "σ", "sigma": "σ", "operatorname": name}.get(name, name)
        if name in ELEMENTWISE_NAMES:
            self._arity(raw, name, 1)
            self.kids(raw, in_matrix, depth)
            x = raw.args[0]
            if ELEMENTWISE_NAMES[name] == "log" and x.op == "Det":
                return self.settle(raw, "LogDet", x.args, ())
            return self.settle(raw, "Apply", params=(ELEMENTWISE_NAMES[name],))
        if name == "kron":
            self._arity(raw, name, 2)
            self.kids(raw, in_matrix, depth)
            return self.settle(raw, "Kron", params=())
        if name in ONE_ARG:
            target = ONE_ARG[name]
            if target in ("eye", "vector"):
                return self._sized(raw, target, in_matrix, depth)
            self._arity(raw, name, 1)
            self.kids(raw, in_matrix, depth)
            x = raw.args[0]
            if target == "diag":
                is_vec = self.uni.resolve(x.shape[1]) == 1 and not is_scalar(x.shape)
                return self.settle(raw, "DiagMat" if is_vec else "DiagVec", params=())
            if target in ("norm2", "norm1"):
                return self.settle(raw, "Norm", params=(target[-1],))
            return self.settle(raw, target, params=())
        import difflib  # why: suggestions only for an unknown function (not on every cold start)
        near = difflib.get_close_matches(name, FUNCTIONS, n=1, cutoff=0.5)
        hint = f": did you mean {near[0]}?" if near else f"; known functions: {', '.join(FUNCTIONS)}"
        self.fail(UnknownFunctionError, f"unknown function {name}{hint}", raw)

    def _sized(self, raw, target, in_matrix, depth):
        """eye / eye(n) and vector(1) / ones: an identity or ones of a size from context."""
        if not raw.args:
            if target == "eye":
                return self.settle(raw, "Identity", [], (self.new_dim(),))
            return self.settle(raw, "Ones", [], ((self.new_dim(), 1),))
        arg = raw.args[0]
        if len(raw.args) != 1 or arg.op != "number" or Fraction(arg.params[0]).denominator != 1:
            self.fail(ParseError, f"{target}(…) takes one whole number", raw)
        k = int(Fraction(arg.params[0]))
        if target == "vector":
            if k != 1:
                self.fail(ParseError, "vector(1) is the vector of ones; other vector(k) are not constants", raw)
            return self.settle(raw, "Ones", [], ((self.new_dim(), 1),))
        return self.settle(raw, "Identity", [], (k,))

    def _arity(self, raw, name, n):
        """Refuse a call with the wrong number of arguments."""
        if len(raw.args) != n:
            self.fail(ParseError, f"{name} takes {n} argument{'s' if n > 1 else ''}, "
                                  f"not {len(raw.args)}", raw)

    # -- pass 2


def _one_edit(a, b):
    """Whether `a` becomes `b` by one insertion, deletion, substitution or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return (a[i + 1:] == b[i:] or a[i:] == b[i + 1:] or a[i + 1:] == b[i + 1:]
            or a[i:i + 2] == b[i:i + 2][::-1] and a[i + 2:] == b[i + 2:])


def _digits(base, k):
    """About how many decimal digits base^k has (numerator or denominator)."""
    base = Fraction(base)
    big = max(abs(base.numerator), base.denominator, 1)
    return abs(float(k)) * math.log10(big) if big > 1 else 0


def _const_raw(c):
    """A typed raw constant."""
    k = Raw("Const", (), (Fraction(c),))
    k.shape = SCALAR
    return k
