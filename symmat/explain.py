"""What is said about a derivative beside its closed form.

Presentation decisions made once the mathematics is done (`pipeline` calls
these on a finished `Derivative`): repeated subexpressions get names as the
notes write them (h = σ(W1 x + b1), s = softmax(z)) and the steps are
rewritten with those names; a derivative with more than two indices gets its
symbol (∂vec(F)/∂vec(X), ∂²f/∂x∂xᵀ), an index formula (∂F_ij/∂X_kl =
A_ik B_lj) and slices (∂F/∂x_k = A e_k e_kᵀ B).
"""

from collections import Counter

from .calculus.jacobian import is_matrix, piecewise_differential, symbol
from .calculus.vec import mul, substitute
from .errors import SymmatError
from .printing.latex import name as latex_name
from .printing.text import to_text
from .result import Step
from .simplify import simplify, size, split_coef
from .tree import expr as E
from .tree.names import shown
from .tree.walk import replace


# ----------------------------------------------------------------- naming shared parts

def name_parts(result):
    """Name the result's repeated subexpressions and write the steps with those names."""
    bindings, body, names = name_shared(result.result, {v.name for v in result.f.variables()})
    if bindings:
        result.bindings, result.body = bindings, body
        steps = result.steps
        named = [Step(E.Var(n, v.shape), v, "a name for a part that recurs") for n, v in bindings]
        result.steps = [steps[0]] + named + [s.renamed(names) for s in steps[1:]]


def name_small_parts(result):
    """Name repeated small parts too (s = softmax(z) in diag(s) - s sᵀ), as the notes do."""
    out = name_shared(result.result, {v.name for v in result.f.variables()}, min_size=2)
    if len(out[0]) > len(result.bindings):
        result.bindings, result.body = out[0], out[1]


NAME_FOR = {"sigmoid": "h", "Softmax": "s", "tanh": "h", "relu": "h", "softplus": "h", "exp": "u"}


def name_shared(result, taken, min_size=4):
    """Name repeated subexpressions (innermost first): ([(name, expr)], body)."""
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
        bindings.append((name, replace(cand, dict(mapping))))
        mapping[cand] = E.Var(name, cand.shape)
    return bindings, replace(result, mapping), mapping


def _kind(e):
    return e.fn if isinstance(e, E.Apply) else type(e).__name__


def _fresh(base, used, numbered):
    if not numbered and base not in used:
        return base
    i = 1
    while f"{base}{i}" in used:
        i += 1
    return f"{base}{i}"





# ----------------------------------------------------------------- index formulas and slices

def describe(result, g, name="F"):
    """Attach the symbol, the index formula and the slices of a derivative with >2 indices."""
    X = result.wrt
    name_small_parts(result)
    result.symbol, result.symbol_latex = symbols(result, g, name)
    result.vectorised = "vec" in result.symbol
    result.index_formula = result.slices = None
    if X.is_scalar or g.is_scalar or not (is_matrix(g) or is_matrix(X)) or X.has("symmetric"):
        return
    df, _ = piecewise_differential(g, X)
    if df is None:
        return
    df = simplify(df)
    if is_matrix(g) and is_matrix(X):
        lhs = f"∂²f/∂{X.name}_ij∂{X.name}_kl" if result.kind == "hessian" else f"∂{name}_ij/∂{X.name}_kl"
        result.index_formula = index_formula(df, E.Differential(X), lhs)
        if result.index_formula:
            result.notes.append("index form: " + result.index_formula)
    result.slices = slices(df, X, name)
    if result.slices is not None:
        label, S = result.slices
        result.notes.append(f"slices: {label} = {to_text(S)}")


def symbols(result, g, name):
    """(text, LaTeX) of what the result is: ∂f/∂x, ∂vec(F)/∂vec(X), ∂²f/∂x∂xᵀ."""
    X, xname = result.wrt, shown(result.wrt.name)   # the name as typed (derive runs in its spellings)
    if result.kind == "hessian":
        x = xname if X.shape[1] == 1 else f"vec({xname})"
        lx = latex_name(xname) if X.shape[1] == 1 else f"\\operatorname{{vec}}({latex_name(xname)})"
        return f"∂²f/∂{x}∂{x}ᵀ", f"\\frac{{\\partial^2 f}}{{\\partial {lx}\\,\\partial {lx}^{{\\top}}}}"
    text = symbol(g, X, name)
    latex = text.replace("vec(", "\\operatorname{vec}(").replace("∂", "\\partial ")
    top, bottom = latex.split("/")
    return text, f"\\frac{{{top}}}{{{bottom}}}"


def slices(df, X, name="F"):
    """(label, ∂F/∂x_k) with dx = e_k (∂F/∂X_kl with dX = e_k e_lᵀ for a matrix X)."""
    dX = E.Differential(X)
    if X.shape[1] == 1:
        unit, label = E.Basis(X.shape[0], "k"), f"∂{name}/∂{X.name}_k"
    else:
        unit = E.Mul(E.Basis(X.shape[0], "k"), E.Transpose(E.Basis(X.shape[1], "l")))
        label = f"∂{name}/∂{X.name}_kl"
    try:
        return label, simplify(substitute(df, dX, unit))
    except SymmatError:  # a slice is an extra (a limit hit while simplifying it leaves it out)
        return None


def index_formula(df, dX, lhs):
    """'∂F_ij/∂X_kl = A_ik B_lj' for df a sum of c L dX R and c L dXᵀ R terms, else None."""
    terms = df.args if isinstance(df, E.Add) else (df,)
    parts = [_index_term(t, dX) for t in terms]
    if any(p is None for p in parts):
        return None
    body = parts[0]
    for p in parts[1:]:
        body += " - " + p[1:] if p.startswith("-") else " + " + p
    return f"{lhs} = {body}"


def _index_term(t, dX):
    """One term c L dX R as 'c L_ik R_lj' (c L dXᵀ R as 'c L_il R_kj'), or None."""
    c, rest = split_coef(t)
    factors = list(rest.args) if isinstance(rest, E.Mul) else [rest]
    hits = [k for k, a in enumerate(factors) if a in (dX, E.Transpose(dX))]
    if len(hits) != 1 or any(dX in set(a.walk()) for k, a in enumerate(factors) if k != hits[0]):
        return None
    k = hits[0]
    scal = [to_text(a) for a in factors if a.is_scalar]
    chain = [a for a in factors if not a.is_scalar]
    j = chain.index(factors[k])
    L, R = mul(*chain[:j]), mul(*chain[j + 1:])
    a, b = ("k", "l") if factors[k] == dX else ("l", "k")
    sign = "-" if c < 0 else ""
    coef = "" if abs(c) == 1 else f"{abs(c)} "
    words = scal + [_entry(L, "i", a), _entry(R, b, "j")]
    return sign + coef + " ".join(words)


def _entry(M, i, j):
    """The entry (i, j) of M as text: A_ik, (A X⁻¹)_ik, A_ki for Aᵀ, δ_ik for I."""
    if M is None or isinstance(M, E.Identity):
        return f"δ_{i}{j}"
    if isinstance(M, E.Transpose) and isinstance(M.args[0], E.Var):
        return f"{to_text(M.args[0])}_{j}{i}"
    if isinstance(M, E.Var):
        return f"{to_text(M)}_{i}{j}"
    return f"({to_text(M)})_{i}{j}"
