"""Jacobians, derivatives of matrices and Hessians (SPEC §2): d vec(F) = J d vec(X).

Design decision: a Jacobian is read off the same differential dF that
`differential` builds for gradients. A second small rule table, one rule per
linear operator, maps each node of dF that holds dX to its Jacobian
∂vec(node)/∂vec(X), built from the Jacobian of the child that holds dX
(vec(L dU R) = (Rᵀ ⊗ L) vec(dU), vec(H ⊙ dU) = diag(vec H) vec(dU),
vec(dUᵀ) = K vec(dU), …); the leaf dX has the identity. The result is then
simplified (the Kronecker / vec rules at the end of `simplify`). By a scalar
x, dF = F' dx, and the derivative is dF at dx = 1 (the shape of F).

The Hessian is the Jacobian of the gradient that `derivative.gradient`
produces. Layouts (SPEC §2): numerator and mixed give ∂vec(F)/∂vec(X) (rows
follow F), denominator its transpose; the Hessian is the same in all three.
By a symmetric X the columns for X_ij and X_ji are combined in the
convention asked. Results with more than two indices also carry an index
formula (∂F_ij/∂X_kl = A_ik B_lj) or slices (∂F/∂x_k = A e_k e_kᵀ B).
"""

from fractions import Fraction

from . import expr as E
from .derivation import (Derivative, Step, absorb_signs, gradient, name_shared, prepare,
                         constrained)
from .differential import differential
from .errors import DerivativeError, InternalError, SymmatError
from .shapes import dim_mul, fmt_shape
from .simplify import mk_mul, simplify, split_coef
from .rules import named_rules

RULES, rule = named_rules()   # one rule per operator: RULES[cls] = (function, name)


# ----------------------------------------------------------------- small builders

def mul(*factors):
    """The product of the factors that exist (None if there are none)."""
    factors = [f for f in factors if f is not None]
    return None if not factors else factors[0] if len(factors) == 1 else E.Mul(*factors)


def vec_of(m):
    """vec(M), written M for a column and Mᵀ for a row."""
    if m.shape[1] == 1:
        return m
    if m.shape[0] == 1:
        return E.Transpose(m)
    return E.Vec(m)


def numel(shape):
    """The number of entries of a shape, as a dimension."""
    return dim_mul(shape[0], shape[1])


def ones(n):
    """The column 𝟏 of length n."""
    return E.Ones((n, 1))


from .tracetrick import size_expr  # noqa: E402  (one definition of a size as a scalar)


# ----------------------------------------------------------------- linear operators

@rule(E.Add, name="linearity")
def j_add(e, w):
    """vec(dU + dV) = vec(dU) + vec(dV); a 1×1 term added to every entry gives 𝟏 J."""
    terms = [w.of(a) if a.is_scalar == e.is_scalar else E.Mul(ones(numel(e.shape)), w.of(a))
             for a in e.args if w.holds(a)]
    return terms[0] if len(terms) == 1 else E.Add(*terms)


@rule(E.Neg, name="linearity")
def j_neg(e, w):
    """vec(-dU) = -vec(dU)."""
    return E.Neg(w.of(e.args[0]))


@rule(E.Div, name="linearity")
def j_div(e, w):
    """vec(dU / s) = vec(dU) / s."""
    _first_only(e, w)
    return E.Div(w.of(e.args[0]), e.args[1])


@rule(E.Unvec, name="vec")
def j_unvec(e, w):
    """vec(unvec(du)) = du."""
    return w.of(e.args[0])


@rule(E.Vec, name="vec")
def j_vec(e, w):
    """vec(vec(dU)) = vec(dU)."""
    return w.of(e.args[0])


@rule(E.Transpose, name="commutation matrix")
def j_transpose(e, w):
    """vec(dUᵀ) = K vec(dU) (K_(m,n) vec(A) = vec(Aᵀ) for A m×n; K = I for a vector)."""
    r, c = e.args[0].shape
    J = w.of(e.args[0])
    return J if r == 1 or c == 1 else E.Mul(E.Commutation(r, c), J)


@rule(E.Mul, name="vec of a product")
def j_mul(e, w):
    """vec(L dU R) = (Rᵀ ⊗ L) vec(dU) (Magnus–Neudecker); vec(ds M) = vec(M) ds for a 1×1 ds."""
    i = w.holder(e)
    f, others = e.args[i], e.args[:i] + e.args[i + 1:]
    if f.is_scalar:
        return mul(vec_of(mk_mul(others)), w.of(f))
    scalars = [a for a in others if a.is_scalar]
    L, R = _sides(e, i)
    if isinstance(f, E.DiagMat):
        w.use("diagonal in a product", "vec(L diag(du) R) = ((Rᵀ ⊗ 𝟏) ⊙ (𝟏 ⊗ L)) du "
              "(the Khatri–Rao product of Rᵀ and L)")
        return mul(*scalars, khatri_rao(L, R, f.shape[0]), w.of(f.args[0]))
    return mul(*scalars, sandwich(L, R, f.shape), w.of(f))


def _sides(e, i):
    """(L, R): the matrix factors of product `e` left and right of factor i (None if none)."""
    chain = [k for k, a in enumerate(e.args) if not a.is_scalar]
    j = chain.index(i)
    left = [e.args[k] for k in chain[:j]]
    right = [e.args[k] for k in chain[j + 1:]]
    return mul(*left), mul(*right)


def sandwich(L, R, shape):
    """The matrix of dU ↦ vec(L dU R): Rᵀ ⊗ L, with the missing side an identity (or nothing)."""
    r, c = shape
    if R is None:
        return L if c == 1 or L is None else E.Kron(E.Identity(c), L)
    if L is None:
        return E.Transpose(R) if r == 1 else E.Kron(E.Transpose(R), E.Identity(r))
    return E.Kron(E.Transpose(R), L)


def khatri_rao(L, R, n):
    """The matrix of du ↦ vec(L diag(du) R): entry ((i, j), k) is L_ik R_kj."""
    if R is not None and R.shape[1] == 1:
        return mul(L, E.DiagMat(R))
    if L is not None and L.shape[0] == 1:
        return mul(E.Transpose(R) if R is not None else None, E.DiagMat(E.Transpose(L)))
    Rt = E.Transpose(R) if R is not None else E.Identity(n)
    L = L if L is not None else E.Identity(n)
    return E.Hadamard(E.Kron(Rt, ones(L.shape[0])), E.Kron(ones(Rt.shape[0]), L))


@rule(E.Hadamard, name="Hadamard product")
def j_hadamard(e, w):
    """vec(H ⊙ dU) = diag(vec H) vec(dU); a 1×1 dU spread over H gives vec(H) J."""
    i = w.holder(e)
    u, h = e.args[i], e.args[1 - i]
    J = w.of(u)
    if h.is_scalar:
        return E.Mul(h, J)
    if u.is_scalar:
        return E.Mul(vec_of(h), J)
    return E.Mul(E.DiagMat(vec_of(h)), J)


@rule(E.HadDiv, name="element-wise division")
def j_haddiv(e, w):
    """vec(dU ./ V) = diag(vec V)⁻¹ vec(dU); by a 1×1 V it is a division."""
    _first_only(e, w)
    u, v = e.args
    J = w.of(u)
    if v.is_scalar:
        return E.Div(J, v)
    if u.is_scalar:
        return E.Mul(vec_of(E.HadDiv(E.Ones(v.shape), v)), J)
    return E.Mul(E.Inverse(E.DiagMat(vec_of(v))), J)


@rule(E.Trace, name="trace")
def j_trace(e, w):
    """tr(L dU R) = vec(Lᵀ Rᵀ)ᵀ vec(dU) (cyclic property); tr(dU) = vec(I)ᵀ vec(dU)."""
    u = e.args[0]
    if isinstance(u, E.Mul):
        i = w.holder(u)
        f = u.args[i]
        if not f.is_scalar and not isinstance(f, E.DiagMat):
            L, R = _sides(u, i)
            M = mul(R, L)
            row = E.Transpose(vec_of(E.Transpose(M))) if M is not None else \
                E.Transpose(E.Vec(E.Identity(f.shape[0])))
            return mul(*[a for a in u.args if a.is_scalar], row, w.of(f))
    return E.Mul(E.Transpose(E.Vec(E.Identity(u.shape[0]))), w.of(u))


@rule(E.Sum, name="sum of entries")
def j_sum(e, w):
    """sum(dU) = 𝟏ᵀ vec(dU)."""
    u = e.args[0]
    return E.Mul(E.Transpose(ones(numel(u.shape))), w.of(u))


@rule(E.Mean, name="mean of entries")
def j_mean(e, w):
    """mean(dU) = 𝟏ᵀ vec(dU) / N, N the number of entries."""
    u = e.args[0]
    return E.Div(E.Mul(E.Transpose(ones(numel(u.shape))), w.of(u)), size_expr(numel(u.shape)))


@rule(E.DiagMat, name="diagonal")
def j_diagmat(e, w):
    """vec(diag(du)) = ((I ⊗ 𝟏) ⊙ (𝟏 ⊗ I)) du."""
    return E.Mul(khatri_rao(None, None, e.shape[0]), w.of(e.args[0]))


@rule(E.DiagVec, name="diagonal")
def j_diagvec(e, w):
    """diag(dU) = ((𝟏ᵀ ⊗ I) ⊙ (I ⊗ 𝟏ᵀ)) vec(dU)."""
    n = e.shape[0]
    one_t, ident = E.Transpose(ones(n)), E.Identity(n)
    return E.Mul(E.Hadamard(E.Kron(one_t, ident), E.Kron(ident, one_t)), w.of(e.args[0]))


@rule(E.Kron, name="vec of a Kronecker product")
def j_kron(e, w):
    """vec(U ⊗ V) = (I_n ⊗ K_(q,m) ⊗ I_p) (vec U ⊗ vec V) for U m×n, V p×q (Magnus–Neudecker 3.10)."""
    u, v = e.args
    (m, n), (p, q) = u.shape, v.shape
    perm = E.Kron(E.Kron(E.Identity(n), E.Commutation(q, m)), E.Identity(p))
    if w.holder(e) == 0:
        return mul(perm, E.Kron(E.Identity(numel(u.shape)), vec_of(v)), w.of(u))
    return mul(perm, E.Kron(vec_of(u), E.Identity(numel(v.shape))), w.of(v))


@rule(E.Matrix, name="explicit matrix")
def j_matrix(e, w):
    """vec([du_ij]) = Σ e_(i,j) du_ij, one unit vector per entry in column-major order."""
    m, n = e.params
    N = m * n
    terms = [E.Mul(E.Basis(N, j * m + i + 1), w.of(e.args[i * n + j]))
             for j in range(n) for i in range(m) if w.holds(e.args[i * n + j])]
    return terms[0] if len(terms) == 1 else E.Add(*terms)


def _first_only(e, w):
    if w.holder(e) != 0:
        raise InternalError(f"{type(e).__name__}: the differential is not linear")


# ----------------------------------------------------------------- the walk

class _Walk:
    """Memoised Jacobians of the subtrees of a differential that hold the leaf dX."""

    def __init__(self, leaf):
        self.leaf, self.memo, self.has, self.used = leaf, {}, {}, {}

    def holds(self, e):
        """True if `e` contains dX."""
        if e not in self.has:
            self.has[e] = e == self.leaf or any(self.holds(a) for a in e.args)
        return self.has[e]

    def holder(self, e):
        """The index of the one child of `e` that holds dX."""
        idx = [i for i, a in enumerate(e.args) if self.holds(a)]
        if len(idx) != 1:
            raise InternalError(f"{type(e).__name__}: the differential is not linear in the variable")
        return idx[0]

    def use(self, name, identity):
        """Record an identity used, for the steps."""
        self.used.setdefault(name, identity)

    def of(self, e):
        """∂vec(e)/∂vec(X)."""
        if e == self.leaf:
            return E.Identity(numel(e.shape))
        if e not in self.memo:
            fn, name = _lookup(e)
            self.use(name, fn.__doc__.strip().rstrip("."))
            self.memo[e] = fn(e, self)
        return self.memo[e]


def _lookup(e):
    try:
        return RULES[type(e)]
    except KeyError:
        raise DerivativeError(f"no Jacobian rule for {type(e).__name__} around the differential") from None


def jacobian_of(df, leaf):
    """(J, identities used): J = ∂vec(df)/∂vec(X) for df linear in the leaf dX."""
    w = _Walk(leaf)
    return w.of(df), w.used


def substitute(e, old, new):
    """`e` with every occurrence of `old` replaced by `new`."""
    memo = {}

    def go(x):
        if x == old:
            return new
        if x not in memo:
            memo[x] = x.rebuild([go(a) for a in x.args])
        return memo[x]

    return go(e)


# ----------------------------------------------------------------- entry point

def derive_jacobian(kind, f, X, layout, symmetric, check):
    """The `kind` ('jacobian', 'hessian', 'derivative') of f by X as a checked `Derivative`."""
    if kind == "hessian":
        result = hessian(f, X, layout, symmetric)
    elif kind in ("jacobian", "derivative"):
        result = scalar_jacobian(f, X, layout, symmetric) if f.is_scalar else jacobian(kind, f, X, layout, symmetric)
    else:
        raise DerivativeError(f"unknown kind of derivative {kind!r}")
    if check:
        from .selfcheck import selfcheck
        selfcheck(result)
    return result


def jacobian(kind, f, X, layout, symmetric):
    """∂vec(F)/∂vec(X) of a non-scalar F (F's shape by a scalar X), in the layout asked."""
    name = "F" if _matrix(f) else "f"
    steps = [Step("", f"{name} = ", f)]
    g = prepare(f, steps)
    J = jacobian_steps(g, X, steps, name)
    J = by_symmetric(J, X, symmetric, steps)
    J = in_layout(J, X, layout, steps)
    result = Derivative(kind, f, X, J, layout, symmetric, steps)
    describe(result, g, name)
    return result


def jacobian_steps(g, X, steps, name):
    """J = ∂vec(g)/∂vec(X) (dg/dx by a scalar), with the differential-style steps."""
    df, used = piecewise_differential(g, X)
    dX = E.Differential(X)
    if df is None:
        steps.append(Step("constant", f"{name} does not change with {X.name}: d{name} = 0"))
        return zero_jacobian(g, X)
    for rule_name, identity in used.items():
        steps.append(Step(rule_name, identity))
    steps.append(Step("differential", f"d{name} = ", simplify(df)))
    if X.is_scalar:
        J = simplify(substitute(df, dX, E.Const(1)))
        steps.append(Step("derivative", f"d{name} = ", _by_dx(J, dX), f" ⇒ d{name}/d{X.name} = ", J))
        return J
    J, identities = shortest_jacobian(df, dX)
    for rule_name, identity in identities.items():
        steps.append(Step(rule_name, identity))
    J = absorb_signs(J, g)
    steps.append(Step("vectorise", *_pairing(g, X, J, name)))
    steps.append(Step("Jacobian", f"{symbol(g, X, name)} = ", J))
    return J


def shortest_jacobian(df, dX):
    """(J, identities): J read off df as built and off df simplified, whichever is shorter."""
    from .simplify import size
    raw, identities = jacobian_of(df, dX)
    best = (simplify(raw), identities)
    try:
        raw, identities = jacobian_of(simplify(df), dX)
    except (DerivativeError, InternalError):  # simplified away (dU - dU), or a form without a rule
        return best
    J = simplify(raw)
    return (J, identities) if size(J) < size(best[0]) else best


def piecewise_differential(g, X):
    """differential(g, X), with step(u) and sign(u) (derivative 0 almost everywhere) held constant."""
    frozen = {e: E.Var(f"_{e.fn}{k}", e.shape) for k, e in enumerate(
        x for x in g.walk() if isinstance(x, E.Apply) and x.fn in ("step", "sign"))}
    for e, v in frozen.items():
        g = substitute(g, e, v)
    df, used = differential(g, X)
    for e, v in frozen.items():
        df = substitute(df, v, e) if df is not None else None
    return df, used


def _by_dx(J, dx):
    return E.Mul(dx, J) if J.is_scalar else E.Mul(J, dx)


def _pairing(g, X, J, name):
    """The parts of 'd vec(F) = J d vec(X)' for the steps."""
    dX = E.Differential(X)
    left = f"d{name} = " if g.shape[1] == 1 else f"d{name}ᵀ = " if g.shape[0] == 1 else f"d vec({name}) = "
    return left, E.Mul(J, vec_of(dX) if X.shape[1] == 1 or X.shape[0] == 1 else E.Vec(dX))


def symbol(g, X, name="F"):
    """∂f/∂x for vectors, ∂vec(F)/∂vec(X) where more than two indices are flattened."""
    if X.is_scalar:
        return f"∂{name}/∂{X.name}"
    lhs = name if g.shape[1] == 1 or g.shape[0] == 1 else f"vec({name})"
    rhs = X.name if X.shape[1] == 1 or X.shape[0] == 1 else f"vec({X.name})"
    return f"∂{lhs}/∂{rhs}"


def zero_jacobian(g, X):
    """The zero derivative of a constant g."""
    if X.is_scalar:
        return E.Const(0) if g.is_scalar else E.Zero(g.shape)
    return E.Zero((numel(g.shape), numel(X.shape)))


def by_symmetric(J, X, convention, steps):
    """Columns of J for X_ij and X_ji combined when X is symmetric (SPEC §2 conventions)."""
    if X.is_scalar or not X.has("symmetric"):
        return J
    n = X.shape[0]
    N, K = E.Identity(numel(X.shape)), E.Commutation(n, n)
    if "diagonal" in X.props:
        out = simplify(E.Mul(J, E.DiagMat(E.Vec(E.Identity(n)))))
        steps.append(Step("diagonal " + X.name, f"{X.name} is diagonal: only its diagonal entries vary, "
                          "J diag(vec I): ", out))
        return out
    if convention == "sym":
        S = E.Mul(E.Const(Fraction(1, 2)), E.Add(N, K))
        text = f"{X.name} is symmetric: J (I + K)/2, the derivative in the space of symmetric matrices: "
    else:
        S = E.Add(N, K, E.Neg(E.DiagMat(E.Vec(E.Identity(n)))))
        text = f"{X.name} is symmetric: J (I + K − diag(vec I)), the derivative by each distinct entry: "
    out = simplify(E.Mul(J, S))
    steps.append(Step("symmetric " + convention, text, out))
    return out


def in_layout(J, X, layout, steps):
    """J in the layout asked: the transpose in denominator layout."""
    if layout != "denominator":
        return J
    out = simplify(E.Transpose(J))
    steps.append(Step("denominator layout", "the transpose: ", out))
    return out


def scalar_gradient(f, X, symmetric, steps):
    """∂f/∂X in the convention asked (the trace trick; by a vector, the Jacobian rules if it has none)."""
    g = prepare(f, steps)
    mark = len(steps)
    try:
        G = gradient(g, X, steps)
    except DerivativeError:
        if X.shape[1] != 1:
            raise
        del steps[mark:]
        J = jacobian_steps(g, X, steps, "f")
        G = simplify(E.Transpose(J))
        steps.append(Step("gradient", f"∂f/∂{X.name} = Jᵀ = ", G))
    return constrained(absorb_signs(G, f), X, symmetric, steps)


def scalar_jacobian(f, X, layout, symmetric):
    """The Jacobian of a scalar: the one row vec(∂f/∂X)ᵀ (a column in denominator layout)."""
    steps = [Step("", "f = ", f)]
    G = scalar_gradient(f, X, symmetric, steps)
    J = G if X.is_scalar else simplify(vec_of(G) if layout == "denominator" else E.Transpose(vec_of(G)))
    steps.append(Step("Jacobian of a scalar", "one row, ∂f/∂x_j: " if layout != "denominator"
                      else "denominator layout, one column: ", J))
    result = Derivative("jacobian", f, X, J, layout, symmetric, steps)
    result.symbol, result.symbol_latex = symbols(result, f, "f")
    result.vectorised = False
    return result


def hessian(f, X, layout, symmetric):
    """∇²f: the Jacobian of the gradient, n×n by a vector, ∂²f/∂vec(X)∂vec(X)ᵀ by a matrix."""
    if not f.is_scalar:
        raise DerivativeError(f"the Hessian needs a scalar function, and f is {fmt_shape(f.shape)}: "
                              "use derivative for the Jacobian")
    steps = [Step("", "f = ", f)]
    free = unconstrained(X)
    g = substitute(f, X, free) if free is not X else f
    G = scalar_gradient(g, free, symmetric, steps)
    steps.append(Step("Hessian", "the Jacobian of the gradient G = ∂f/∂" + X.name))
    H = jacobian_steps(G, free, steps, "G")
    H = by_symmetric(substitute(H, free, X), X, symmetric, steps)
    result = Derivative("hessian", f, X, H, layout, symmetric, steps)
    result.notes.append("the Hessian is the same in every layout")
    describe(result, G, name="G")
    return result


def unconstrained(X):
    """X without `orthogonal`: Q⁻¹ = Qᵀ holds only on the manifold, so it must not enter a G to be differentiated."""
    if "orthogonal" not in X.props:
        return X
    return E.Var(X.name, X.shape, (X.props - {"orthogonal"}) | {"invertible"})


# ----------------------------------------------------------------- index formulas and slices

def describe(result, g, name="F"):
    """Attach the symbol, the index formula and the slices of a derivative with >2 indices."""
    X = result.wrt
    name_small_parts(result)
    result.symbol, result.symbol_latex = symbols(result, g, name)
    result.vectorised = "vec" in result.symbol
    result.index_formula = result.slices = None
    if X.is_scalar or g.is_scalar or not (_matrix(g) or _matrix(X)) or X.has("symmetric"):
        return
    df, _ = piecewise_differential(g, X)
    if df is None:
        return
    df = simplify(df)
    if _matrix(g) and _matrix(X):
        lhs = f"∂²f/∂{X.name}_ij∂{X.name}_kl" if result.kind == "hessian" else f"∂{name}_ij/∂{X.name}_kl"
        result.index_formula = index_formula(df, E.Differential(X), lhs)
        if result.index_formula:
            result.notes.append("index form: " + result.index_formula)
    result.slices = slices(df, X, name)
    if result.slices is not None:
        label, S = result.slices
        from .printing.text import to_text
        result.notes.append(f"slices: {label} = {to_text(S)}")


def name_small_parts(result):
    """Name repeated small parts too (s = softmax(z) in diag(s) - s sᵀ), as the notes do."""
    out = name_shared(result.result, {v.name for v in result.f.variables()}, min_size=2)
    if len(out[0]) > len(result.bindings):
        result.bindings, result.body = out[0], out[1]


def symbols(result, g, name):
    """(text, LaTeX) of what the result is: ∂f/∂x, ∂vec(F)/∂vec(X), ∂²f/∂x∂xᵀ."""
    X = result.wrt
    if result.kind == "hessian":
        x = X.name if X.shape[1] == 1 else f"vec({X.name})"
        lx = X.name if X.shape[1] == 1 else f"\\operatorname{{vec}}({X.name})"
        return f"∂²f/∂{x}∂{x}ᵀ", f"\\frac{{\\partial^2 f}}{{\\partial {lx}\\,\\partial {lx}^{{\\top}}}}"
    text = symbol(g, X, name)
    latex = text.replace("vec(", "\\operatorname{vec}(").replace("∂", "\\partial ")
    top, bottom = latex.split("/")
    return text, f"\\frac{{{top}}}{{{bottom}}}"


def _matrix(e):
    """True for a value with more than one row and more than one column."""
    return e.shape[0] != 1 and e.shape[1] != 1


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
    from .printing.text import to_text
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
    from .printing.text import to_text
    if M is None or isinstance(M, E.Identity):
        return f"δ_{i}{j}"
    if isinstance(M, E.Transpose) and isinstance(M.args[0], E.Var):
        return f"{to_text(M.args[0])}_{j}{i}"
    if isinstance(M, E.Var):
        return f"{to_text(M)}_{i}{j}"
    return f"({to_text(M)})_{i}{j}"
