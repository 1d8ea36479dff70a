"""Derivatives: the pipeline from text to a checked, simplified, explained result.

`derive(kind, f, wrt, …)` parses f, rewrites a few compound forms into ones
the rule tables handle best (‖r‖² = rᵀ r, log softmax(z) = z − logsumexp(z) 𝟏),
takes the differential (`differential`), reads the gradient off it with the
trace trick (`tracetrick`), simplifies (`simplify`), applies the layout and
the convention for symmetric matrices (SPEC §2), names shared
subexpressions for display (h = σ(W1 x + b1)), and records every step.

Before a result is returned it is checked numerically against central finite
differences at a small random instance (`selfcheck`); a result that fails is
never shown (InternalError).
"""

from . import expr as E
from .build import Limits
from .differential import differential
from .errors import DerivativeError
from .simplify import simplify
from .tracetrick import contributions, inner

LAYOUTS = ("mixed", "numerator", "denominator")
CONVENTIONS = ("sym", "entrywise")


class Step:
    """One step of a derivation: the rule used and a formula (text parts and Exprs)."""

    def __init__(self, rule, *parts):
        self.rule, self.parts = rule, parts

    def text(self, ascii=False):
        """The step as plain text."""
        from .printing.text import to_text
        body = "".join(p if isinstance(p, str) else to_text(p, ascii=ascii) for p in self.parts)
        return f"{self.rule}: {body}" if self.rule else body

    def latex(self):
        """The step as LaTeX (the formula; the rule goes in \\text{})."""
        from .printing.latex import to_latex
        body = "".join(_text_to_latex(p) if isinstance(p, str) else to_latex(p) for p in self.parts)
        return body + (f" \\quad \\text{{({self.rule})}}" if self.rule else "")

    def __repr__(self):
        return f"Step({self.rule!r}, {self.text()!r})"

    def renamed(self, names):
        """The step with named subexpressions (h = σ(…)) written by their names."""
        return Step(self.rule, *[p if isinstance(p, str) else _replace(p, names) for p in self.parts])


def _name_parts(bindings):
    parts = []
    for i, (n, v) in enumerate(bindings):
        parts += ([", "] if i else []) + [E.Var(n, v.shape), " = ", v]
    return parts


_LATEX_SYMBOLS = [("ᵀ", "^{\\top}"), ("⁻¹", "^{-1}"), ("⊙", "\\odot "), ("⊗", "\\otimes "),
                  ("∂", "\\partial "), ("⟨", "\\langle "), ("⟩", "\\rangle "), ("Σ", "\\sum "),
                  ("²", "^{2}"), ("𝟏", "\\mathbf{1}"), ("σ", "\\sigma"), ("‖", "\\|"),
                  ("⇒", "\\Rightarrow "), ("−", "-"), ("₁", "_1"), ("√", "\\sqrt")]


def _text_to_latex(s):
    for a, b in _LATEX_SYMBOLS:
        s = s.replace(a, b)
    return s.replace("tr(", "\\operatorname{tr}(").replace("det ", "\\det ")


class Derivative:
    """A derivative: the closed form, its layout and convention, its derivation."""

    def __init__(self, kind, f, wrt, result, layout, symmetric, steps, notes=()):
        self.kind, self.f, self.wrt, self.result = kind, f, wrt, result
        self.layout, self.symmetric, self.steps = layout, symmetric, steps
        self.notes = list(notes)
        self.bindings, self.body, names = name_shared(result, {v.name for v in f.variables()})
        if names:
            self.steps = [steps[0], Step("names", ", ".join(f"{n} = " for n, _ in self.bindings))]
            self.steps[1].parts = _name_parts(self.bindings)
            self.steps += [s.renamed(names) for s in steps[1:]]

    @property
    def shape(self):
        """The symbolic shape of the result."""
        return self.result.shape

    def __str__(self):
        return self.text()

    def text(self, ascii=False):
        """The result as text, with named subexpressions after `where`."""
        from .printing.text import to_text
        out = to_text(self.body, ascii=ascii)
        if self.bindings:
            out += " where " + ", ".join(f"{n} = {to_text(v, ascii=ascii)}" for n, v in self.bindings)
        return out

    def latex(self):
        """The result as LaTeX."""
        from .printing.latex import to_latex
        out = to_latex(self.body)
        if self.bindings:
            out += ", \\quad " + ", ".join(f"{to_latex(E.Var(n, v.shape))} = {to_latex(v)}"
                                         for n, v in self.bindings)
        return out

    def _repr_latex_(self):
        return f"$${self.latex()}$$"

    def _repr_markdown_(self):
        from .report import render_markdown
        return render_markdown(self, steps=True, fold=True)

    def to_sympy(self):
        """The closed form as a SymPy matrix expression (MatrixSymbol, Transpose, Inverse, …)."""
        from .to_sympy import to_sympy
        return to_sympy(self.result)

    def evaluate(self, values):
        """NumPy value of the result at `values` (sizes fixed by the function's variables too)."""
        from .evaluate import bind, evaluate
        sizes = bind(self.f, values).sizes
        return evaluate(self.result, {**sizes, **values})

    def to_numpy(self, name=None):
        """Python source of a NumPy function computing the result."""
        from .printing.numpy_src import to_numpy
        return to_numpy(self.result, name=name or f"d_{self.wrt.name}")

    def heading(self):
        """What this is: ∂f/∂X, the layout, the shape, the convention."""
        from .shapes import fmt_shape
        what = {"grad": "gradient", "jacobian": "Jacobian", "hessian": "Hessian",
                "derivative": "derivative"}[self.kind]
        head = f"{what} by {self.wrt.name}, {self.layout} layout, {fmt_shape(self.shape)}"
        if self.wrt.has("diagonal") and not self.wrt.is_scalar:
            head += f"; diagonal {self.wrt.name}: derivative by its diagonal entries (zero off the diagonal)"
        elif self.wrt.has("symmetric"):
            head += ("; symmetric " + self.wrt.name + ": gradient in the space of symmetric matrices"
                     if self.symmetric == "sym" else "; symmetric " + self.wrt.name +
                     ": derivative by each distinct entry")
        return head

    def __repr__(self):
        return f"<Derivative {self.heading()}: {self.text()}>"


# ----------------------------------------------------------------- preparation

def prepare(f, steps):
    """Rewrite squared norms and log-softmax into forms with simple differentials."""
    memo = {}

    def go(e):
        if e in memo:
            return memo[e]
        new = e.rebuild([go(a) for a in e.args])
        out = _prepare_node(new, steps)
        memo[e] = out
        return out

    return go(f)


def _prepare_node(e, steps):
    if isinstance(e, E.Power) and e.params[0] == 2 and isinstance(e.args[0], E.Norm) \
            and e.args[0].params[0] == "2":
        r = e.args[0].args[0]
        out = E.Mul(E.Transpose(r), r) if r.shape[1] == 1 else E.Trace(E.Mul(E.Transpose(r), r))
        steps.append(Step("squared norm", e, " = ", out))
        return out
    if isinstance(e, E.Apply) and e.fn == "log" and isinstance(e.args[0], E.Softmax):
        z = e.args[0].args[0]
        out = E.Add(z, E.Neg(E.Mul(E.LogSumExp(z), E.Ones(z.shape))))
        steps.append(Step("log of softmax", e, " = ", out))
        return out
    return e


# ----------------------------------------------------------------- gradients

def gradient(f, X, steps):
    """∂f/∂X (unconstrained, same shape as X) and the steps that lead there."""
    df, used = differential(f, X)
    dX = E.Differential(X)
    if df is None:
        steps.append(Step("constant", f"f does not change with {X.name}: df = 0"))
        return E.Const(0) if X.is_scalar else E.Zero(X.shape)
    for name, identity in used.items():
        steps.append(Step(name, identity))
    steps.append(Step("differential", "df = ", simplify(df)))
    try:
        parts, tricks = contributions(df, dX)
    except DerivativeError:   # an operator the trace trick cannot see through (⊗): vectorise
        return _gradient_by_vec(df, X, steps)
    for name, identity in tricks.items():
        steps.append(Step(name, identity))
    terms = [simplify(p) for p in parts]
    raw = terms[0] if len(terms) == 1 else E.Add(*terms)
    steps.append(Step("trace trick", "df = ", inner(raw, dX)))
    G = simplify(raw)
    steps.append(Step("gradient", f"∂f/∂{X.name} = ", G))
    return G


def _gradient_by_vec(df, X, steps):
    """G = unvec(Jᵀ) with J = ∂f/∂vec(X) from the Jacobian rules (df = J vec(dX))."""
    from .jacobians import jacobian_of
    J, used = jacobian_of(df, E.Differential(X))
    for name, identity in used.items():
        steps.append(Step(name, identity))
    Jt = E.Transpose(J)
    G = simplify(Jt if X.shape[1] == 1 else E.Unvec(Jt, *X.shape))
    steps.append(Step("gradient", f"df = J vec(d{X.name}), so ∂f/∂{X.name} = unvec(Jᵀ) = ", G))
    return G


def absorb_signs(G, f):
    """-c A (y - p) = c A (p - y) when the sum is the derivation's own, not one written in f."""
    from .simplify import split_coef, scale, mk_mul
    written = set(f.walk())
    memo = {}

    def go(e):
        if e in memo:
            return memo[e]
        out = e.rebuild([go(a) for a in e.args])
        c, rest = split_coef(out)
        if c < 0 and isinstance(rest, E.Mul):
            sums = [i for i, a in enumerate(rest.args) if isinstance(a, E.Add)]
            if len(sums) == 1 and rest.args[sums[0]] not in written:
                args = list(rest.args)
                args[sums[0]] = E.Add(*[scale(-k, r) for k, r in map(split_coef, args[sums[0]].args)])
                out = scale(-c, mk_mul(args))
        memo[e] = out
        return out

    out = go(G)
    return G if out == G else simplify(out)


def symmetric_convention(G, X, convention, steps):
    """The gradient by a symmetric X in the convention asked (SPEC §2)."""
    if convention == "sym":
        out = simplify(E.Mul(_half(), E.Add(G, E.Transpose(G))))
        steps.append(Step("symmetric gradient", f"{X.name} is symmetric: ∂f/∂{X.name} = sym(G) = (G + Gᵀ)/2 = ",
                          out))
        return out
    out = simplify(E.Add(G, E.Transpose(G), E.Neg(E.Hadamard(G, E.Identity(X.shape[0])))))
    steps.append(Step("entrywise convention", f"{X.name} is symmetric: ∂f/∂{X.name}_ij over distinct entries "
                      "= G + Gᵀ − G ⊙ I = ", out))
    return out


def constrained(G, X, convention, steps):
    """The gradient by a structured X: its diagonal entries only, or a symmetric convention."""
    if X.is_scalar:
        return G
    if X.has("diagonal"):
        G = simplify(E.Hadamard(G, E.Identity(X.shape[0])))
        steps.append(Step("diagonal variable", f"{X.name} is diagonal: only its diagonal varies, "
                          f"∂f/∂{X.name} = G ⊙ I = ", G))
        return G
    if X.has("symmetric"):
        return symmetric_convention(G, X, convention, steps)
    return G


def _half():
    from fractions import Fraction
    return E.Const(Fraction(1, 2))


# ----------------------------------------------------------------- naming shared parts

NAME_FOR = {"sigmoid": "h", "Softmax": "s", "tanh": "h", "relu": "h", "softplus": "h", "exp": "u"}


def name_shared(result, taken, min_size=4):
    """Name repeated subexpressions (innermost first): ([(name, expr)], body)."""
    from collections import Counter
    from .simplify import size
    counts = Counter()

    def count(e):
        counts[e] += 1
        if counts[e] == 1:
            for a in e.args:
                count(a)

    count(result)
    candidates = [e for e, c in counts.items() if c >= 2 and size(e) >= min_size
                  and isinstance(e, (E.Apply, E.Softmax))]
    candidates.sort(key=size)
    used, mapping, bindings = set(taken), {}, []
    for cand in candidates:
        base = NAME_FOR.get(_kind(cand), "u")
        name = _fresh(base, used, sum(1 for c in candidates if _kind(c) == _kind(cand)) > 1)
        used.add(name)
        bindings.append((name, _replace(cand, dict(mapping))))
        mapping[cand] = E.Var(name, cand.shape)
    return bindings, _replace(result, mapping), mapping


def _kind(e):
    return e.fn if isinstance(e, E.Apply) else type(e).__name__


def _fresh(base, used, numbered):
    if not numbered and base not in used:
        return base
    i = 1
    while f"{base}{i}" in used:
        i += 1
    return f"{base}{i}"


def _replace(e, mapping):
    """e with every occurrence of a key replaced by its value."""
    if not mapping:
        return e
    memo = {}

    def go(x):
        if x in mapping:
            return mapping[x]
        if x not in memo:
            memo[x] = x.rebuild([go(a) for a in x.args])
        return memo[x]

    return go(e)


# ----------------------------------------------------------------- the entry point

def find_var(f, name):
    """The variable `name` of f (spelled Greek accepted), or a clear error."""
    from .build import GREEK
    name = GREEK.get(name.strip(), name.strip())
    for v in f.variables():
        if v.name == name:
            return v
    names = ", ".join(v.name for v in f.variables()) or "none"
    raise DerivativeError(f"{name} does not occur in the expression (its variables: {names})")


def derive(kind, f, wrt, where=None, layout="mixed", symmetric="sym", limits=None, check=True):
    """The derivative of `f` by `wrt` (a name, or a list of names)."""
    from .api import parse
    if layout not in LAYOUTS:
        raise DerivativeError(f"unknown layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
    if symmetric not in CONVENTIONS:
        raise DerivativeError(f"unknown convention {symmetric!r}: choose sym or entrywise")
    limits = limits or Limits()
    fx = f if isinstance(f, E.Expr) else parse(f, where=where, limits=limits)
    names = _names(wrt)
    import time
    from .simplify import BUDGET, DEADLINE
    token = BUDGET.set(limits.max_rewrites)
    clock = DEADLINE.set((time.monotonic() + limits.derive_timeout, limits.derive_timeout))
    try:
        results = [_derive_one(kind, fx, find_var(fx, n), layout, symmetric, check) for n in names]
    finally:
        BUDGET.reset(token)
        DEADLINE.reset(clock)
    if isinstance(wrt, str) and len(names) == 1:
        return results[0]
    return DerivativeSet(results)


def _names(wrt):
    names = [w for w in wrt.split(",") if w.strip()] if isinstance(wrt, str) else list(wrt)
    if not names:
        raise DerivativeError("no variable to differentiate by: give one with --wrt (e.g. --wrt x)")
    return names


MAX_DERIVE_DEPTH = 1000   # the recursive stages (differential, simplify) need ~10 frames a level


def depth(e):
    """The nesting depth of a tree (iteratively: it may be deep)."""
    best, stack, seen = 0, [(e, 1)], set()
    while stack:
        x, d = stack.pop()
        best = max(best, d)
        if (x, d) not in seen:
            seen.add((x, d))
            stack.extend((a, d + 1) for a in x.args)
    return best


def _derive_one(kind, f, X, layout, symmetric, check):
    import sys
    from .errors import LimitError
    if depth(f) > MAX_DERIVE_DEPTH:
        raise LimitError(f"the expression is nested {depth(f)} levels deep; symmat differentiates "
                         f"expressions up to {MAX_DERIVE_DEPTH} levels (--max-depth does not raise this)")
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))
    if kind == "derivative" and f.is_scalar:
        kind = "grad"
    if kind != "grad":
        from .jacobians import derive_jacobian
        return derive_jacobian(kind, f, X, layout, symmetric, check)
    if not f.is_scalar:
        raise DerivativeError(_not_scalar(f))
    steps = [Step("", "f = ", f)]
    g = prepare(_multiplied_out(f, steps), steps)
    G = absorb_signs(gradient(g, X, steps), f)
    G = constrained(G, X, symmetric, steps)
    if layout == "numerator" and not X.is_scalar:
        G = simplify(E.Transpose(G))
        steps.append(Step("numerator layout", f"∂f/∂{X.name} is written as a row: ", G))
    result = Derivative("grad", f, X, G, layout, symmetric, steps)
    if check:
        from .selfcheck import selfcheck
        selfcheck(result)
    return result


def _multiplied_out(f, steps):
    """f with operators on explicit matrices carried out entry by entry (SPEC §1.3)."""
    if not any(isinstance(n, E.Matrix) for n in f.walk()):
        return f
    from .explicit import multiply_out
    g = simplify(multiply_out(f))
    if g != f:
        steps.append(Step("explicit matrices", "multiplied out entry by entry: f = ", g))
    return g


def _not_scalar(f):
    """Why f is no scalar, with the declaration that would make it one where there is one."""
    from .printing.text import to_text
    msg = f"the gradient needs a scalar function, and {to_text(f)} is {_fmt(f.shape)}"
    if 1 in f.shape:
        scalars = [v.name for v in f.variables() if v.is_scalar and not v.props]
        if isinstance(f, E.Mul) and isinstance(f.args[-1], E.Var) and f.args[-1].name in scalars:
            return f"{msg}, not a scalar: declare {f.args[-1].name}: vector?"
    return msg + ": use jacobian or derivative"


def _fmt(shape):
    from .shapes import fmt_shape
    return fmt_shape(shape)


class DerivativeSet(list):
    """Several derivatives of one function (one per variable)."""

    def text(self, ascii=False):
        """One line per variable, and the gradient vector when all are scalars."""
        lines = [f"∂f/∂{r.wrt.name} = {r.text(ascii=ascii)}" for r in self]
        if all(r.wrt.is_scalar for r in self) and len(self) > 1:
            from .printing.text import to_text
            lines.append("∇f = [" + ", ".join(to_text(r.body, ascii=ascii) for r in self) + "]")
        return "\n".join(lines)

    __str__ = text

    def latex(self):
        """The derivatives as LaTeX lines."""
        return " \\\\\n".join(f"\\frac{{\\partial f}}{{\\partial {r.wrt.name}}} = {r.latex()}" for r in self)
