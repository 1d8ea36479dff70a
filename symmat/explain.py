"""What is said about a derivative beside its closed form.

Presentation decisions made once the mathematics is done (`pipeline` calls
these on a finished `Derivative`): repeated subexpressions get names as the
notes write them (h = σ(W1 x + b1), s = softmax(z)) and the steps are
rewritten with those names; a derivative with more than two indices gets its
symbol (∂vec(F)/∂vec(X), ∂²f/∂x∂xᵀ), an index formula (∂F_ij/∂X_kl =
A_ik B_lj) and slices (∂F/∂x_k = A e_k e_kᵀ B).
"""

from collections import Counter

from .calculus.gradient import in_context
from .calculus.jacobian import is_matrix, piecewise_differential, symbol
from .calculus.vec import mul, substitute
from .errors import SymmatError
from .printing.latex import name as latex_name
from .printing.text import to_text
from .result import Step
from .simplify import simplify, size, split_coef
from .tree import expr as E
from .tree.names import GREEK_SPELLED, shown
from .tree.walk import replace


# ----------------------------------------------------------------- naming shared parts

def name_parts(result):
    """Name the result's repeated subexpressions and write the steps with those names."""
    bindings, body, names = name_shared(result.result, {v.name for v in result.f.variables()})
    bindings, body, names = name_backprop(result.result, bindings, body, names)
    if bindings:
        result.bindings, result.body = bindings, body
        named = [Step(E.Var(n, v.shape), v, "a name for a part that recurs") for n, v in bindings]
        result.rename_steps(named, names)   # the held-back lines renamed when written


def name_small_parts(result):
    """Name repeated small parts too (s = softmax(z) in diag(s) - s sᵀ), as the notes do."""
    out = name_shared(result.result, {v.name for v in result.f.variables()}, min_size=2)
    if len(out[0]) > len(result.bindings):
        result.bindings, result.body = out[0], out[1]


NAME_FOR = {"sigmoid": "h", "Softmax": "s", "tanh": "h", "relu": "h", "softplus": "h", "exp": "u"}


def occurrences(result):
    """How often each distinct subtree is used in `result` (a shared subtree's parts counted once)."""
    counts = Counter()

    def count(e):
        counts[e] += 1
        if counts[e] == 1:
            for a in e.args:
                count(a)

    count(result)
    return counts


def name_shared(result, taken, min_size=4):
    """Name repeated subexpressions (innermost first): ([(name, expr)], body)."""
    counts = occurrences(result)
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
    result.hold(in_context(lambda: _index_notes(result, g, X, name)))   # written when first read


def _index_notes(result, g, X, name):
    """The index formula and the slices of `describe`, with their notes."""
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


# A slice longer than this many nodes (counting repeats) is left out: it is meant as a simpler view
# of the derivative, and a deep network's slice (each layer's tangent written out in every layer
# above it) grows with the square of the depth, unnamed, where the Hessian itself grows linearly.
SLICE_LIMIT = 500


def slices(df, X, name="F"):
    """(label, ∂F/∂x_k) with dx = e_k (∂F/∂X_kl with dX = e_k e_lᵀ for a matrix X); None if too long."""
    if size(df) > SLICE_LIMIT:
        return None
    dX = E.Differential(X)
    if X.shape[1] == 1:
        unit, label = E.Basis(X.shape[0], "k"), f"∂{name}/∂{X.name}_k"
    else:
        unit = E.Mul(E.Basis(X.shape[0], "k"), E.Transpose(E.Basis(X.shape[1], "l")))
        label = f"∂{name}/∂{X.name}_kl"
    try:
        S = simplify(substitute(df, dX, unit))
    except SymmatError:  # a slice is an extra (a limit hit while simplifying it leaves it out)
        return None
    return (label, S) if size(S) <= SLICE_LIMIT else None


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


# ----------------------------------------------------------------- a Greek name read as a scalar (issue 11)

def read_as_scalar(f, declared):
    """Notes on undeclared lower-case Greek names read as scalars but added to a vector or matrix.

    In ``(x - mu)^T Sigma^{-1} (x - mu)`` μ is a scalar by the default kinds
    (SPEC §1.1), added to every entry of x: legal, and rarely what was meant.
    symmat keeps the reading (a default never changes silently) and says so.
    """
    notes = []
    for e in f.walk():
        if not isinstance(e, E.Add) or e.is_scalar:
            continue
        for t in e.args:
            rest = split_coef(t)[1]
            if isinstance(rest, E.Var) and rest.is_scalar and rest.name not in declared \
                    and rest.name[0] in GREEK_SPELLED and GREEK_SPELLED[rest.name[0]][0].islower():
                kind = "vector" if e.shape[1] == 1 else "matrix"
                note = (f"{rest.name} is read as a scalar (Greek names are scalars) and added to every entry; "
                        f"declare {rest.name}: {kind} if it is one")
                if note not in notes:
                    notes.append(note)
    return notes


# ----------------------------------------------------------------- the back-propagation pieces (issue 11)

def name_backprop(result, bindings, body, names):
    """Name the pieces of a network's derivative as the notes do, once an activation h is named.

    ŷ = W2 h + b2 for the output in ``W2 h + b2 - y`` (so the error reads
    ŷ - y); D = diag(h ⊙ (1 - h)) for a diagonal of activation slopes used
    twice (the Hessian D W2ᵀ W2 D + diag(…)), D1, D2, … after their layers'
    h1, h2, … when several are; and g2 = W3ᵀ (ŷ - y), g1 = W2ᵀ (g2 ⊙ h2 ⊙
    (1 - h2)), … for the error carried back to a layer where it is used
    twice (a deep network's Hessian uses each in its layer's σ'' term and in
    the layer below: unnamed, the printed Hessian grows with the square of
    the depth). Returns the extended (bindings, body, names); nothing changes
    without a named activation.
    """
    if not names:
        return bindings, body, names
    taken = {n for n, _ in bindings} | {v.name for v in result.variables()}
    mapping, extra = dict(names), []
    output = _network_output(result, names)
    if output is not None and "ŷ" not in taken:
        node, positive, target = output
        yhat = E.Var("ŷ", node.shape)
        extra.append(("ŷ", replace(positive, names)))
        mapping[node] = E.Add(yhat, E.Neg(target))
        taken.add("ŷ")
    for name, part in _slope_diagonals(occurrences(result), names, taken):
        extra.append((name, replace(part, mapping)))
        mapping[part] = E.Var(name, part.shape)
        taken.add(name)
    extra += _carried_errors(result, mapping, taken)
    if not extra:
        return bindings, body, names
    return bindings + extra, replace(result, mapping), mapping


def _network_output(result, names):
    """(node, ŷ, y) for a sum ŷ - y in `result` whose positive part holds a named activation."""
    for e in result.walk():
        if not isinstance(e, E.Add) or e.shape[1] != 1:
            continue
        negative = [t for t in e.args if isinstance(t, E.Neg) and isinstance(t.args[0], E.Var)]
        positive = [t for t in e.args if not isinstance(t, E.Neg)]
        if len(negative) == 1 and len(positive) == len(e.args) - 1 and negative[0].args[0].name == "y" \
                and any(a in names for p in positive for a in p.walk()):
            return e, positive[0] if len(positive) == 1 else E.Add(*positive), negative[0].args[0]
    return None


def _slope_diagonals(counts, names, taken):
    """[(name, diag(…))]: the diagonals of named activations used at least twice; one is D, several
    are D1, D2, … after the activation each holds (h1, h2, …)."""
    found = [e for e, c in counts.items() if c >= 2 and isinstance(e, E.DiagMat)
             and any(a in names for a in e.args[0].walk())]
    if "D" in taken or not found:
        return []
    if len(found) == 1:
        return [("D", found[0])]
    out, used = [], set(taken)
    for part in found:
        acts = _outermost_named(part, names)
        name = _after_layer("D", names[acts[0]].name if len(acts) == 1 else "", used)
        used.add(name)
        out.append((name, part))
    return out


def _carried_errors(result, mapping, taken):
    """[(name, Wᵀ(…))], `mapping` extended: the errors carried back through a layer (vector
    products holding a named part) that the printed result would show at least twice, innermost
    first, each named after the activation it multiplies (g2 in g2 ⊙ h2 ⊙ (1 - h2))."""
    paths = printed_counts(result, mapping)
    named = fold_named(result, mapping)
    found = sorted((e for e, c in paths.items() if c >= 2 and isinstance(e, E.Mul) and e.shape[1] == 1
                    and not e.is_scalar and named[e]), key=size)
    if not found or "g" in taken:
        return []
    partner = {}   # the named activation each error multiplies
    for e in paths:
        if isinstance(e, E.Hadamard):
            acts = [a for a in e.args if a in mapping and isinstance(mapping[a], E.Var)]
            for a in e.args:
                if len(acts) == 1 and a not in mapping:
                    partner.setdefault(a, mapping[acts[0]].name)
    out, used = [], set(taken)
    for part in found:
        value = replace(part, mapping)
        if size(value) < 5:
            continue
        name = _after_layer("g", partner.get(part, ""), used)
        used.add(name)
        out.append((name, value))
        mapping[part] = E.Var(name, part.shape)
    return out


def printed_counts(result, names):
    """How often each subtree is printed in `result` with the parts in `names` written by their names
    (the number of its paths from the root; named parts are not entered)."""
    order, seen, stack = [], set(), [(result, False)]
    while stack:   # children after parents, iteratively
        e, done = stack.pop()
        if done:
            order.append(e)
        elif e not in seen:
            seen.add(e)
            stack.append((e, True))
            if e not in names or e is result:
                stack.extend((a, False) for a in e.args)
    paths = {result: 1}
    for e in reversed(order):
        if e not in names or e is result:
            for a in e.args:
                paths[a] = paths.get(a, 0) + paths[e]
    return paths


def fold_named(result, names):
    """For each subtree: does it hold a part of `names`?"""
    memo = {}

    def go(e):
        if e not in memo:
            memo[e] = e in names or any([go(a) for a in e.args])
        return memo[e]

    go(result)
    return memo


def _outermost_named(e, names):
    """The parts of `names` (named by a Var) in `e`, not looking inside them (h2 = σ(W2 σ(W1 x)), not h1)."""
    found, stack, seen = [], [e], set()
    while stack:
        x = stack.pop()
        if x in seen:
            continue
        seen.add(x)
        if x in names and isinstance(names[x], E.Var):
            found.append(x)
        else:
            stack.extend(x.args)
    return found


def _after_layer(base, activation, used):
    """base + the digits of the activation's name (D2 for h2) if free, else base1, base2, …"""
    digits = activation[len(activation.rstrip("0123456789")):]
    name = base + digits
    return name if digits and name not in used else _fresh(base, used, True)
