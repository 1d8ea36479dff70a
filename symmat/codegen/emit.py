"""Printing a plan as Python source: what the three backends share.

An `Emitter` walks the equations of a `Program` in order. A temporary used
once is written into the expression that uses it (parenthesised by Python's
precedence), so that the source reads like hand-written code; one used more
than once, or whose expression would be long, is assigned to a name, and a
matrix held in a name is deleted after its last use (NumPy and PyTorch free
it then: the peak memory is that of the expression, not of every temporary).

Identifiers come from the variables' names only: Greek letters are spelled
(``λ`` → ``lambda_``), anything else outside ``[A-Za-z0-9_]`` becomes ``_``,
and a keyword, a module alias or a name already taken gets a trailing
underscore. Numbers are printed from exact rationals. Nothing of the user's
text reaches the source except through these identifiers (and an escaped
docstring).

A backend subclass names its module alias and overrides the spellings that
differ (`SPELL`); the layout of the function (arguments converted on entry,
sizes read off the arguments, the result returned in `evaluate`'s form) is
here.
"""

import keyword
from fractions import Fraction

from ..tree.names import GREEK_SPELLED
from .values import Dim, Lit, Ref, kind_of

ADD, MUL, NEG, POW, ATOM = 1, 2, 3, 4, 5
INLINE_LIMIT = 100          # longer expressions get a name of their own
RESERVED = {"np", "jnp", "jax", "torch", "math", "float", "_tensor", "_gram"}
GRAM = ("\n\ndef _gram(a):\n"
        '    """a^T a, the symmetric product (half the work of a general one; a is freed on return)."""\n'
        "    return a.T @ a\n")


def identifier(name, taken):
    """A Python identifier for `name`, not in `taken` (which it joins)."""
    text = "".join(GREEK_SPELLED.get(c, c) for c in name)
    text = "".join(c if (c.isascii() and (c.isalnum() or c == "_")) else "_" for c in text)
    if not text or text[0].isdigit() or text[0] == "_":    # (a leading _ could shadow a helper)
        text = "v" + text
    while keyword.iskeyword(text) or text in taken or text in RESERVED:
        text += "_"
    taken.add(text)
    return text


def number(v):
    """(text, precedence) of a number known at planning time."""
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return f"float({str(v)!r})", ATOM
        return repr(v), (ATOM if v >= 0 else NEG)
    v = Fraction(v)
    if v.denominator == 1:
        return str(v.numerator), (ATOM if v >= 0 else NEG)
    if 10 ** 12 % v.denominator == 0:
        return repr(float(v)), (ATOM if v >= 0 else NEG)
    return f"{v.numerator} / {v.denominator}", MUL


def wrap(code, prec):
    """The text, parenthesised when its precedence is below `prec`."""
    text, p = code
    return text if p >= prec else f"({text})"


def binop(a, b, sym, prec):
    """``a sym b``, left-associative: the right operand is parenthesised at equal precedence."""
    return f"{wrap(a, prec)} {sym} {wrap(b, prec + 1)}", prec


def _flat_dims(d):
    if isinstance(d, str):
        return [d]
    if isinstance(d, tuple):
        return _flat_dims(d[1]) + _flat_dims(d[2])
    return []


class Emitter:
    """Source of one function computing a program's outputs; a backend adds the spellings (``op_*``)."""

    backend = header = ns = None
    free_temps = True             # `del` a matrix after its last use
    repeats = ("sumsq",)          # ops whose spelling uses an argument twice: it needs a name

    def __init__(self, program, name, doc):
        self.prog, self.doc = program, doc
        self.taken = {p.ident for p in program.params}
        self.name = identifier(name, self.taken)

    # ------------------------------------------------------------ the whole function
    def source(self):
        """The module source: imports, helpers, the function."""
        prog = self.prog
        self.uses = self._uses()
        self.defs = {q.out.name: q for q in prog.eqns}
        self.used_params = self._used_params()
        self.size_text, self.size_lines, self.extra = self._sizes()
        order = {p.ident: i for i, p in enumerate(prog.params)}
        self.used_params.sort(key=lambda p: order[p.ident])
        arrays = [p for p in self.used_params if p.kind != "scalar"]
        self.like = arrays[0].ident if arrays else None
        body = self._body()
        args = [p.ident for p in prog.params] + self.extra
        lines = [f"def {self.name}({', '.join(args)}):", f'    """{self._docstring()}"""']
        lines += ["    " + line for line in self._prologue() + body]
        return self.header + "\n" + self.helpers() + "\n\n" + "\n".join(lines) + "\n"

    def helpers(self):
        """Module-level helpers the generated function needs (source text)."""
        return GRAM if any(q.op == "gram" for q in self.prog.eqns) else ""

    def _docstring(self):
        text = self.doc.replace("\\", "\\\\").replace('"""', "'''")
        return "\n    ".join(text.splitlines())

    def _uses(self):
        uses = {}
        for q in self.prog.eqns:
            for a in q.args:
                if isinstance(a, Ref):
                    uses[a.name] = uses.get(a.name, 0) + 1
        for v, _ in self.prog.outputs:
            if isinstance(v, Ref):
                uses[v.name] = uses.get(v.name, 0) + 1
        return uses

    def _used_params(self):
        used = {name for name in self.uses if isinstance(name, str)}
        return [p for p in self.prog.params if p.ident in used and p.known]

    # ------------------------------------------------------------ sizes
    def _dims_needed(self):
        out = {}
        for q in self.prog.eqns:
            for a in q.args:
                if isinstance(a, Dim):
                    for s in _flat_dims(a.dim):
                        out.setdefault(s, None)
            for d in _param_dims(q):
                for s in _flat_dims(d):
                    out.setdefault(s, None)
        for v, _ in self.prog.outputs:
            if isinstance(v, Dim):
                for s in _flat_dims(v.dim):
                    out.setdefault(s, None)
        return list(out)

    def _sizes(self):
        """Size name → identifier; the lines reading them off arguments; the sizes passed as arguments."""
        origin = {}
        for p in self.prog.params:
            if not p.known:
                continue
            kind = p.kind
            axes = {"col": [(0, 0)], "row": [(1, 0)], "mat": [(0, 0), (1, 1)]}.get(kind, [])
            for sym_axis, arr_axis in axes:
                d = p.shape[sym_axis]
                if isinstance(d, str):
                    origin.setdefault(d, (p, arr_axis))
        text, lines, extra = {}, [], []
        for s in self._dims_needed():
            ident = identifier(s, self.taken)
            text[s] = ident
            if s in origin:
                p, axis = origin[s]
                if p not in self.used_params:
                    self.used_params.append(p)
                lines.append(f"{ident} = {p.ident}.shape[{axis}]")
            else:
                extra.append(ident)
        return text, lines, extra

    def dim(self, d):
        """(text, precedence) of a dimension."""
        if isinstance(d, int):
            return str(d), ATOM
        if isinstance(d, tuple):
            return binop(self.dim(d[1]), self.dim(d[2]), "*", MUL)
        return self.size_text[d], ATOM

    def dims(self, shape):
        """A shape as the argument of ones/zeros: ``n`` for a vector, ``(n, m)`` for a matrix."""
        if kind_of(shape) in ("col", "row"):
            return self.dim(shape[0] if shape[1] == 1 else shape[1])[0]
        return f"({self.dim(shape[0])[0]}, {self.dim(shape[1])[0]})"

    # ------------------------------------------------------------ prologue
    def _prologue(self):
        out = [f"{p.ident} = {self.convert(p.ident, p.kind)}" for p in self.used_params]
        return out + self.size_lines

    # ------------------------------------------------------------ the body
    def _body(self):
        self.code = {}           # temp id -> (text, prec) when inlined, or its identifier
        self.names = {}          # temp id -> identifier
        stmts = []               # (text, [temp ids named in it], kind)
        self.returned = {v.name for v, _ in self.prog.outputs if isinstance(v, Ref)}
        hints = self.prog.hints
        for q in self.prog.eqns:
            self.refs = []
            if q.op in self.repeats or (q.op == "fn" and "fn:" + q.params[0] in self.repeats):
                for a in q.args:
                    self._name_arg(a, stmts)
            self.refs = []
            text = self.spell(q)
            refs = self.refs
            t = q.out.name
            always = q.op == "T" and text[1] == ATOM and text[0][:-2].isidentifier()
            inline = always or (self.uses.get(t, 0) == 1 and t not in hints
                                and (len(text[0]) <= INLINE_LIMIT or t in self.returned))
            if inline:
                self.code[t] = (text, refs)
            else:
                name = identifier(hints.get(t, f"t{len(self.names) + 1}"), self.taken)
                self.names[t] = name
                self.code[t] = ((name, ATOM), [t])
                stmts.append((f"{name} = {text[0]}", refs, q.out.kind))
        self.refs = []
        ret = self._return()
        stmts.append((ret, self.refs, None))
        return self._with_frees(stmts)

    def _name_arg(self, a, stmts):
        """Give an inlined argument a name (for a spelling that uses it twice)."""
        if isinstance(a, Ref) and isinstance(a.name, int) and a.name not in self.names:
            (text, refs) = self.code[a.name]
            name = identifier(self.prog.hints.get(a.name, f"t{len(self.names) + 1}"), self.taken)
            self.names[a.name] = name
            self.code[a.name] = ((name, ATOM), [a.name])
            stmts.append((f"{name} = {text[0]}", refs, a.kind))

    def _with_frees(self, stmts):
        """The statements, with ``del`` after the last use of each named matrix."""
        if not self.free_temps:
            return [s for s, _, _ in stmts]
        last = {}
        for i, (_, refs, _) in enumerate(stmts):
            for r in refs:
                last[r] = i
        kinds = {q.out.name: q.out.kind for q in self.prog.eqns}
        mats = {t for t in self.names if kinds.get(t) == "mat"}
        out = []
        for i, (text, _, _) in enumerate(stmts):
            out.append(text)
            done = [self.names[t] for t, j in last.items() if j == i and t in mats and i < len(stmts) - 1]
            if done:
                out.append("del " + ", ".join(sorted(done)))
        return out

    def arg(self, a):
        """(text, precedence) of an argument."""
        if isinstance(a, Lit):
            return number(a.value)
        if isinstance(a, Dim):
            return self.dim(a.dim)
        if isinstance(a.name, str):
            return a.name, ATOM
        text, refs = self.code[a.name]
        self.refs.extend(refs)
        return text

    def atom(self, a):
        return wrap(self.arg(a), ATOM)

    def _return(self):
        outs = [self.output(v, shape) for v, shape in self.prog.outputs]
        if len(outs) == 1:
            return f"return {outs[0]}"
        return "return " + ", ".join(outs)

    def output(self, v, shape):
        """The text of one result, in evaluate's form."""
        code = self.arg(v)
        kind = kind_of(shape)
        if kind == "scalar":
            return self.scalar_out(code, v)
        text = code[0]
        if kind == "row":
            text = f"{wrap(code, ATOM)}.reshape(1, -1)"
        if self.is_view(v):
            return self.copy(wrap((text, ATOM if kind == "row" else code[1]), ATOM))
        return text

    def is_view(self, v):
        """True when the result would share memory with an argument (it is copied)."""
        if not isinstance(v, Ref):
            return False
        seen = v
        while isinstance(seen, Ref):
            if isinstance(seen.name, str):
                return True
            q = self.defs[seen.name]
            if q.op not in ("T", "unvec", "vec", "ravel", "diagonal", "commute"):
                return False
            seen = q.args[0]
        return False

    # ------------------------------------------------------------ one equation
    def spell(self, q):
        """(text, precedence) of equation `q`: the backend's method ``op_<name>``."""
        method = getattr(self, "op_" + q.op)
        return method(q, *q.args)


def _param_dims(q):
    """The dimensions among an equation's static parameters."""
    op = q.op
    if op == "eye":
        return [q.params[0]]
    if op in ("ones", "zeros"):
        return list(q.params[0])
    if op in ("basis", "unvec", "commute", "commutation"):
        return list(q.params)
    return []
