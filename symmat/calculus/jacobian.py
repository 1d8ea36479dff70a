"""Jacobians, derivatives of matrices and Hessians (SPEC §2): d vec(F) = J d vec(X).

The Jacobian is read off the differential by the rules of `vec`. By a scalar
x, dF = F' dx, and the derivative is dF at dx = 1 (the shape of F). The
Hessian is the Jacobian of the gradient that `gradient` produces. Layouts
(SPEC §2): numerator and mixed give ∂vec(F)/∂vec(X) (rows follow F),
denominator its transpose; the Hessian is the same in all three. By a
symmetric X the columns for X_ij and X_ji are combined in the convention
asked. Each function appends its `Step`s and returns expressions; the
`Derivative` is assembled by `pipeline`.
"""

from fractions import Fraction

from ..errors import DerivativeError, InternalError
from ..result import Step, Sym
from ..simplify import simplify, size
from ..tree import expr as E
from ..tree.names import shown
from ..tree.shapes import fmt_shape
from .differential import differential
from .gradient import absorb_signs, absorbed, annotation, constrained, d_sym, flat_mul, gradient, partial_sym, prepare, value_sym
from .vec import jacobian_of, numel, substitute, vec_of


def is_matrix(e):
    """True for a value with more than one row and more than one column."""
    return e.shape[0] != 1 and e.shape[1] != 1


def jacobian(f, X, layout, symmetric, steps):
    """∂vec(F)/∂vec(X) of a non-scalar F (F's shape by a scalar X), in the layout asked.

    Returns (J, g, name): g is F as prepared, named F (a matrix) or f.
    """
    name = "F" if is_matrix(f) else "f"
    steps.append(Step(value_sym(name), f))
    g = prepare(f, steps, name)
    J = jacobian_steps(g, X, steps, name)
    J = by_symmetric(J, X, symmetric, steps)
    return in_layout(J, X, layout, steps), g, name


def answer_sym(g, X, name, hessian=False):
    """The symbol of the derivative: ∂f/∂x, ∂vec(F)/∂vec(X), dF/dx, ∂²f/∂x∂xᵀ."""
    vec_x = not X.is_scalar and is_matrix(X)
    if hessian:
        return Sym("hess", "f", X.name, vec_x=vec_x)
    return Sym("partial", name, X.name, vec_f=not X.is_scalar and (g.shape[1] != 1), vec_x=vec_x)


def jacobian_steps(g, X, steps, name, answer=None):
    """J = ∂vec(g)/∂vec(X) (dg/dx by a scalar), with the chain dG = …, d vec(G) = J d vec(X) ⇒ J."""
    df, used = piecewise_differential(g, X)
    dX = E.Differential(X)
    answer = answer or answer_sym(g, X, name)
    if df is None:
        steps.append(Step(d_sym(name), E.Const(0) if g.is_scalar else E.Zero(g.shape),
                          f"{name} does not depend on {X.name}"))
        J = zero_jacobian(g, X)
        steps.append(Step(answer, J, "", implies=True))
        return J
    rule, eq, identities = annotation(used)
    shown = simplify(df)
    steps.append(Step(d_sym(name), shown, rule, eq, identities=identities))
    if X.is_scalar:
        J = simplify(substitute(df, dX, E.Const(1)))
        by_dx = _by_dx(J, dX)
        if by_dx != shown:
            steps.append(Step(None, by_dx, "linear in d" + X.name))
        steps.append(Step(answer, J, f"d{name} = {name}' d{X.name}", implies=True))
        return J
    J, identities = shortest_jacobian(df, dX)
    J = absorb_signs(J, g)
    lhs, pairing = _pairing(g, X, J, name)
    if pairing != shown:
        steps.append(Step(lhs, pairing, "vectorise: " + ", ".join(identities) if identities else "vectorise",
                          _eqs(identities), identities=list(identities.values())))
    dx = "d vec(" + X.name + ")" if is_matrix(X) else "d" + X.name
    steps.append(Step(answer, J, f"{lhs.text()} = {'H' if answer.kind == 'hess' else 'J'} {dx}", implies=True))
    return J


def _eqs(identities):
    return annotation(identities)[1]


def relabel(steps, lhs):
    """The last line with a left-hand side gets `lhs` (∂f/∂x = G becomes ∇f = G before a new answer)."""
    for s in reversed(steps):
        if s.lhs is not None:
            old, s.lhs = s.lhs, lhs
            return old
    return None


# Above PLAIN_LIMIT nodes (counting repeats) the plain Jacobian of a differential may re-expand
# shared chains (a deep network's Hessian: each layer's ∂z_l/∂W1 inside every layer above it), and
# simplifying it, and the differential, costs the square of the depth. Then, if the anchored walk's
# reading is shorter by ANCHOR_GAIN, it is read instead and simplified once (for the network the
# same size of result; below the limit the forms printed so far are kept).
PLAIN_LIMIT = 2000
ANCHOR_GAIN = 0.8


def shortest_jacobian(df, dX):
    """(J, identities): J read off df as built and off df simplified, whichever is shorter
    (off df by anchors, once, when the plain reading is large and the anchored one shorter)."""
    raw, identities = jacobian_of(df, dX)
    if size(raw) > PLAIN_LIMIT:
        by_anchors, used = jacobian_of(df, dX, anchored=True)
        if size(by_anchors) < ANCHOR_GAIN * size(raw):
            return simplify(by_anchors), used
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
    """(lhs, rhs) of 'd vec(F) = J d vec(X)' (df = J dx for vectors)."""
    dX = E.Differential(X)
    lhs = Sym("d", name, vec_f=g.shape[1] != 1)
    return lhs, flat_mul(J, vec_of(dX) if X.shape[1] == 1 or X.shape[0] == 1 else E.Vec(dX))


def symbol(g, X, name="F"):
    """∂f/∂x for vectors, ∂vec(F)/∂vec(X) where more than two indices are flattened."""
    x = shown(X.name)   # as the user typed it (derive runs in the reading's spellings)
    if X.is_scalar:
        return f"∂{name}/∂{x}"
    lhs = name if g.shape[1] == 1 or g.shape[0] == 1 else f"vec({name})"
    rhs = x if X.shape[1] == 1 or X.shape[0] == 1 else f"vec({x})"
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
    answer = relabel(steps, value_sym("J"))
    if "diagonal" in X.props:
        S, rule = E.DiagMat(E.Vec(E.Identity(n))), f"{X.name} diagonal: only its diagonal entries vary"
    elif convention == "sym":
        S = E.Mul(E.Const(Fraction(1, 2)), E.Add(N, K))
        rule = f"{X.name} symmetric: the derivative in the space of symmetric matrices, J (I + K)/2"
    else:
        S = E.Add(N, K, E.Neg(E.DiagMat(E.Vec(E.Identity(n)))))
        rule = f"{X.name} symmetric: by each distinct entry, J (I + K − diag(vec I))"
    raw = E.Mul(J, S)
    out = simplify(raw)
    steps.append(Step(answer, raw, rule))
    if out != raw:
        steps.append(Step(None, out, "simplify"))
    return out


def in_layout(J, X, layout, steps):
    """J in the layout asked: the transpose in denominator layout."""
    if layout != "denominator":
        return J
    answer = relabel(steps, value_sym("J"))
    out = simplify(E.Transpose(J))
    steps.append(Step(answer, out, "denominator layout: the transpose of J"))
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
        J = jacobian_steps(g, X, steps, "f", answer=value_sym("J"))
        G = simplify(E.Transpose(J))
        steps.append(Step(partial_sym(X), G, "∂f/∂x = Jᵀ for a scalar f"))
    return constrained(absorbed(G, f, steps), X, symmetric, steps)


def scalar_jacobian(f, X, layout, symmetric, steps):
    """The Jacobian of a scalar: the one row vec(∂f/∂X)ᵀ (a column in denominator layout)."""
    steps.append(Step(value_sym(), f))
    G = scalar_gradient(f, X, symmetric, steps)
    if X.is_scalar:
        return G
    relabel(steps, Sym("grad"))
    J = simplify(vec_of(G) if layout == "denominator" else E.Transpose(vec_of(G)))
    steps.append(Step(answer_sym(f, X, "f"), J, "the Jacobian of a scalar: one row, ∂f/∂x_j"
                      if layout != "denominator" else "denominator layout: one column"))
    return J


def hessian(f, X, symmetric, steps):
    """∇²f: the Jacobian of the gradient, n×n by a vector, ∂²f/∂vec(X)∂vec(X)ᵀ by a matrix.

    Returns (H, G): G is the gradient that H is the Jacobian of.
    """
    if not f.is_scalar:
        raise DerivativeError(f"the Hessian needs a scalar function, and f is {fmt_shape(f.shape)}: "
                              "use derivative for the Jacobian")
    steps.append(Step(value_sym(), f))
    free = unconstrained(X)
    g = substitute(f, X, free) if free is not X else f
    G = scalar_gradient(g, free, symmetric, steps)
    name = "∇f" if X.is_scalar or X.shape[1] == 1 else "G"
    relabel(steps, Sym("grad") if name == "∇f" else value_sym("G"))
    H = jacobian_steps(G, free, steps, name, answer=answer_sym(G, X, name, hessian=True))
    return by_symmetric(substitute(H, free, X), X, symmetric, steps), G


def unconstrained(X):
    """X without `orthogonal`: Q⁻¹ = Qᵀ holds only on the manifold, so it must not enter a G to be differentiated."""
    if "orthogonal" not in X.props:
        return X
    return E.Var(X.name, X.shape, (X.props - {"orthogonal"}) | {"invertible"})
