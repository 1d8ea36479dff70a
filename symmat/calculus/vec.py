"""The Jacobian rules: d vec(F) = J d vec(X), one rule per linear operator.

Design decision: a Jacobian is read off the same differential dF that
`differential` builds for gradients. This small rule table, one rule per
linear operator, maps each node of dF that holds dX to its Jacobian
∂vec(node)/∂vec(X), built from the Jacobian of the child that holds dX
(vec(L dU R) = (Rᵀ ⊗ L) vec(dU), vec(H ⊙ dU) = diag(vec H) vec(dU),
vec(dUᵀ) = K vec(dU), …); the leaf dX has the identity. `jacobian` turns
these into derivatives in a layout; `gradient` falls back on them where the
trace trick cannot see through an operator (⊗).
"""

from ..tree import expr as E
from ..errors import DerivativeError, InternalError
from ..tree.rules import named_rules
from ..tree.shapes import dim_mul
from ..simplify import mk_mul
from ..tree.walk import replace
from .tracetrick import size_expr

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
    """Memoised Jacobians of the subtrees of a differential that hold the leaf dX.

    Design decision (issue 14, the network Hessian): a subtree's Jacobian is
    taken relative to its *anchor*, the nearest subtree below it through which
    every path to dX passes and which more than one parent uses (or dX
    itself), not relative to dX. In a differential whose parts are shared,
    such as dδ_l and dz_l of a deep network, the Jacobian of z_l by W1 is then
    built once, as the chain J_(z_l) = W_l D_(l-1) J_(z_(l-1)) through its
    anchors, and the Jacobian of δ_l is M_l J_(z_l) with M_l = ∂δ_l/∂z_l
    (the recursion M_l = D_l W_(l+1)ᵀ M_(l+1) W_(l+1) D_l + diag(…)) instead
    of a sum of chains each re-expanded down to dX, which the simplifier had
    to flatten and factor again at every layer. In a tree without shared
    parts every anchor is dX and the Jacobians are those of plain forward
    accumulation.
    """

    def __init__(self, leaf):
        self.leaf, self.memo, self.has, self.used = leaf, {}, {}, {}
        self.target, self.anchor, self.chain = leaf, {}, {}

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

    def reached(self, e):
        """The subtrees holding dX whose Jacobians the rule of `e` asks for (the trace rule looks
        through the product under it, the product rule through a diagonal factor)."""
        kids = [a for a in e.args if self.holds(a)]
        if isinstance(e, E.Trace) and isinstance(e.args[0], E.Mul):
            kids += [a for a in e.args[0].args if self.holds(a)]
        if isinstance(e, E.Mul):
            kids += [a.args[0] for a in e.args if isinstance(a, E.DiagMat) and self.holds(a)]
        return list(dict.fromkeys(kids))

    def find_anchors(self, root):
        """Post-dominators (toward dX) of every subtree of `root` holding dX, and from them the anchors."""
        order, parents, stack, seen = [], {}, [(root, False)], set()
        while stack:   # children before parents, iteratively (a differential may be deep)
            e, done = stack.pop()
            if done:
                order.append(e)
                continue
            if e in seen:
                continue
            seen.add(e)
            stack.append((e, True))
            if e != self.leaf:
                kids = self.reached(e)
                for a in kids:
                    parents[a] = parents.get(a, 0) + 1
                stack.extend((a, False) for a in reversed(kids))
        ipdom, depth = {self.leaf: None}, {self.leaf: 0}
        for e in order:
            if e == self.leaf:
                continue
            kids = self.reached(e) or [self.leaf]   # none: a differential without dX (its rule says so)
            d = kids[0]
            for k in kids[1:]:
                a = k
                while a != d:
                    if depth[a] >= depth[d]:
                        a = ipdom[a]
                    else:
                        d = ipdom[d]
            ipdom[e], depth[e] = d, depth[d] + 1
        for e in order:
            if e != self.leaf:
                a = ipdom[e]
                while a != self.leaf and parents.get(a, 0) < 2:
                    a = ipdom[a]
                self.anchor[e] = a

    def of(self, e):
        """∂vec(e)/∂vec(T), T the anchor of the subtree whose rule asks (dX at the root)."""
        t = self.target
        if e == t:   # a 1×1 anchor (a trace, a norm) is a number: 1, not a 1×1 identity
            return E.Const(1) if e.is_scalar and e != self.leaf else E.Identity(numel(e.shape))
        if e == self.leaf:   # a rule looked below its anchor (one `reached` does not know)
            raise _OffChain
        a = self.anchor.get(e, self.leaf)   # no anchors found: every subtree's anchor is dX
        if a == t:
            return self.relative(e)
        if (e, t) not in self.chain:
            self.chain[e, t] = E.Mul(self.relative(e), self.of(a))
        return self.chain[e, t]

    def relative(self, e):
        """∂vec(e)/∂vec(anchor of e), by the rule of e's operator."""
        if e not in self.memo:
            fn, name = _lookup(e)
            self.use(name, fn.__doc__.strip().rstrip("."))
            saved, self.target = self.target, self.anchor.get(e, self.leaf)
            try:
                self.memo[e] = fn(e, self)
            finally:
                self.target = saved
        return self.memo[e]


def _lookup(e):
    try:
        return RULES[type(e)]
    except KeyError:
        raise DerivativeError(f"no Jacobian rule for {type(e).__name__} around the differential") from None


def jacobian_of(df, leaf, anchored=False):
    """(J, identities used): J = ∂vec(df)/∂vec(X) for df linear in the leaf dX.

    anchored: each shared part's Jacobian relative to its anchor (see `_Walk`);
    otherwise by plain forward accumulation down to dX.
    """
    if anchored:
        w = _Walk(leaf)
        w.find_anchors(df)
        try:
            return w.of(df), w.used
        except _OffChain:
            pass   # read plainly below
    w = _Walk(leaf)
    return w.of(df), w.used


class _OffChain(Exception):
    """A rule asked for the Jacobian of a subtree that its anchor does not post-dominate."""


def substitute(e, old, new):
    """`e` with every occurrence of `old` replaced by `new`."""
    return replace(e, {old: new})
