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
from ..result import Step
from ..simplify import simplify, size
from ..tree import expr as E
from ..tree.shapes import fmt_shape
from .differential import differential
from .gradient import absorb_signs, constrained, gradient, prepare
from .vec import jacobian_of, numel, substitute, vec_of


def is_matrix(e):
    """True for a value with more than one row and more than one column."""
    return e.shape[0] != 1 and e.shape[1] != 1


def jacobian(f, X, layout, symmetric, steps):
    """∂vec(F)/∂vec(X) of a non-scalar F (F's shape by a scalar X), in the layout asked.

    Returns (J, g, name): g is F as prepared, named F (a matrix) or f.
    """
    name = "F" if is_matrix(f) else "f"
    steps.append(Step("", f"{name} = ", f))
    g = prepare(f, steps)
    J = jacobian_steps(g, X, steps, name)
    J = by_symmetric(J, X, symmetric, steps)
    return in_layout(J, X, layout, steps), g, name


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


def scalar_jacobian(f, X, layout, symmetric, steps):
    """The Jacobian of a scalar: the one row vec(∂f/∂X)ᵀ (a column in denominator layout)."""
    steps.append(Step("", "f = ", f))
    G = scalar_gradient(f, X, symmetric, steps)
    J = G if X.is_scalar else simplify(vec_of(G) if layout == "denominator" else E.Transpose(vec_of(G)))
    steps.append(Step("Jacobian of a scalar", "one row, ∂f/∂x_j: " if layout != "denominator"
                      else "denominator layout, one column: ", J))
    return J


def hessian(f, X, symmetric, steps):
    """∇²f: the Jacobian of the gradient, n×n by a vector, ∂²f/∂vec(X)∂vec(X)ᵀ by a matrix.

    Returns (H, G): G is the gradient that H is the Jacobian of.
    """
    if not f.is_scalar:
        raise DerivativeError(f"the Hessian needs a scalar function, and f is {fmt_shape(f.shape)}: "
                              "use derivative for the Jacobian")
    steps.append(Step("", "f = ", f))
    free = unconstrained(X)
    g = substitute(f, X, free) if free is not X else f
    G = scalar_gradient(g, free, symmetric, steps)
    steps.append(Step("Hessian", "the Jacobian of the gradient G = ∂f/∂" + X.name))
    H = jacobian_steps(G, free, steps, "G")
    return by_symmetric(substitute(H, free, X), X, symmetric, steps), G


def unconstrained(X):
    """X without `orthogonal`: Q⁻¹ = Qᵀ holds only on the manifold, so it must not enter a G to be differentiated."""
    if "orthogonal" not in X.props:
        return X
    return E.Var(X.name, X.shape, (X.props - {"orthogonal"}) | {"invertible"})
