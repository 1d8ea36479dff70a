"""Explicit matrices multiplied out, entry by entry (SPEC §1.3).

When every matrix operand of an operator is an explicit matrix such as
``[a b; c d]``, the operator is carried out on the entries: the result is an
explicit matrix (or a scalar) whose entries are scalar expressions. An
expression built of explicit matrices then becomes an ordinary function of
its scalar entries, which the scalar rules differentiate. Operators that
meet a symbolic matrix are left as they are. One rule per operator, in a
table; each rule gets the node and its (already multiplied out) arguments.
"""

from fractions import Fraction
from itertools import permutations

from ..tree import expr as E
from ..tree.rules import named_rules

RULES, rule = named_rules()   # one entry-by-entry rule per operator: RULES[cls] = (function, None)
MAX_DET = 6   # Leibniz expansion of a determinant: n! terms


def rows(x):
    """The entries of an explicit matrix (or a scalar, as 1×1) as a list of rows."""
    return x.rows() if isinstance(x, E.Matrix) else [[x]]


def matrix(entries):
    """An explicit matrix of the entries, or the single entry of a 1×1."""
    if len(entries) == 1 and len(entries[0]) == 1:
        return entries[0][0]
    return E.Matrix(entries)


def total(terms):
    """The sum of scalar terms."""
    terms = list(terms)
    return terms[0] if len(terms) == 1 else E.Add(*terms)


def at(x, i, j):
    """Entry (i, j) of an explicit matrix, or the scalar itself (broadcast)."""
    return x if x.is_scalar else x.rows()[i][j]


def entrywise(shape, fn):
    """The explicit matrix of shape `shape` with entries fn(i, j)."""
    m, n = shape
    return matrix([[fn(i, j) for j in range(n)] for i in range(m)])


@rule(E.Add)
def x_add(e, args):
    """(U + V)_ij = U_ij + V_ij (a scalar term is added to every entry)."""
    return entrywise(e.shape, lambda i, j: E.Add(*[at(a, i, j) for a in args]))


@rule(E.Neg)
def x_neg(e, args):
    """(-U)_ij = -U_ij."""
    return entrywise(e.shape, lambda i, j: E.Neg(at(args[0], i, j)))


def product(a, b):
    """The matrix product of two explicit matrices."""
    ra, rb = rows(a), rows(b)
    return matrix([[total(E.Mul(ra[i][k], rb[k][j]) for k in range(len(rb)))
                    for j in range(len(rb[0]))] for i in range(len(ra))])


@rule(E.Mul)
def x_mul(e, args):
    """(U V)_ij = Σ_k U_ik V_kj; scalar factors scale every entry."""
    scalars = [a for a in args if a.is_scalar]
    chain = [a for a in args if not a.is_scalar]
    out = chain[0] if chain else None
    for b in chain[1:]:
        out = product(out, b)
    if out is None:
        return E.Mul(*scalars)
    if not scalars:
        return out
    return entrywise(out.shape, lambda i, j: E.Mul(*scalars, at(out, i, j)))


@rule(E.Div)
def x_div(e, args):
    """(U / s)_ij = U_ij / s."""
    return entrywise(e.shape, lambda i, j: E.Div(at(args[0], i, j), args[1]))


@rule(E.Hadamard, E.HadDiv)
def x_hadamard(e, args):
    """(U ⊙ V)_ij = U_ij V_ij, (U ./ V)_ij = U_ij / V_ij."""
    op = E.Mul if isinstance(e, E.Hadamard) else E.Div
    return entrywise(e.shape, lambda i, j: op(at(args[0], i, j), at(args[1], i, j)))


@rule(E.HadPow)
def x_hadpow(e, args):
    """(U.^p)_ij = U_ij^p."""
    return entrywise(e.shape, lambda i, j: E.Power(at(args[0], i, j), e.params[0]))


@rule(E.Apply)
def x_apply(e, args):
    """f(U)_ij = f(U_ij)."""
    return entrywise(e.shape, lambda i, j: E.Apply(e.fn, at(args[0], i, j)))


@rule(E.Transpose)
def x_transpose(e, args):
    """(Uᵀ)_ij = U_ji."""
    r = rows(args[0])
    return matrix([list(c) for c in zip(*r)])


def det(r):
    """The determinant of a square list of rows (Leibniz's formula)."""
    n = len(r)
    terms = []
    for p in permutations(range(n)):
        sign = -1 if sum(1 for i in range(n) for j in range(i) if p[j] > p[i]) % 2 else 1
        prod = E.Mul(*[r[i][p[i]] for i in range(n)]) if n > 1 else r[0][p[0]]
        terms.append(prod if sign > 0 else E.Neg(prod))
    return total(terms)


@rule(E.Det)
def x_det(e, args):
    """det U by Leibniz's formula (explicit matrices up to 6×6)."""
    return det(rows(args[0])) if len(rows(args[0])) <= MAX_DET else e.rebuild(args)


@rule(E.LogDet)
def x_logdet(e, args):
    """log|det U|."""
    return E.Apply("log", E.Apply("abs", x_det(E.Det(args[0]), args)))


@rule(E.Inverse)
def x_inverse(e, args):
    """U⁻¹ = adj(U) / det U."""
    r = rows(args[0])
    n = len(r)
    if n > MAX_DET:
        return e.rebuild(args)
    d = det(r)
    if n == 1:
        return E.Div(E.Const(1), d)

    def cofactor(i, j):
        minor = [[r[a][b] for b in range(n) if b != j] for a in range(n) if a != i]
        c = det(minor)
        return E.Div(c if (i + j) % 2 == 0 else E.Neg(c), d)

    return matrix([[cofactor(j, i) for j in range(n)] for i in range(n)])


@rule(E.Power)
def x_power(e, args):
    """U^k as a repeated product (of the inverse for k < 0); a scalar power stays."""
    x, k = args[0], e.params[0]
    if x.is_scalar or k.denominator != 1 or k == 0:
        return e.rebuild(args)
    base = x if k > 0 else x_inverse(E.Inverse(x), [x])
    out = base
    for _ in range(int(abs(k)) - 1):
        out = product(out, base)
    return out


@rule(E.Trace)
def x_trace(e, args):
    """tr U = Σ U_ii."""
    r = rows(args[0])
    return total(r[i][i] for i in range(len(r)))


@rule(E.Sum, E.Mean)
def x_sum(e, args):
    """sum U = Σ U_ij; mean U = sum U / (number of entries)."""
    entries = [v for row in rows(args[0]) for v in row]
    s = total(entries)
    return s if isinstance(e, E.Sum) else E.Div(s, E.Const(len(entries)))


@rule(E.Norm)
def x_norm(e, args):
    """‖U‖ = (Σ U_ij²)^(1/2); ‖U‖₁ = Σ |U_ij|."""
    entries = [v for row in rows(args[0]) for v in row]
    if e.params[0] == "1":
        return total(E.Apply("abs", v) for v in entries)
    return E.Power(total(E.Power(v, 2) for v in entries), Fraction(1, 2))


@rule(E.DiagMat)
def x_diagmat(e, args):
    """diag(u): u on the diagonal."""
    u = [row[0] for row in rows(args[0])]
    return matrix([[u[i] if i == j else E.Const(0) for j in range(len(u))] for i in range(len(u))])


@rule(E.DiagVec)
def x_diagvec(e, args):
    """diag(U): the diagonal as a column."""
    r = rows(args[0])
    return matrix([[r[i][i]] for i in range(len(r))])


@rule(E.Vec)
def x_vec(e, args):
    """vec(U): the columns stacked."""
    r = rows(args[0])
    return matrix([[r[i][j]] for j in range(len(r[0])) for i in range(len(r))])


@rule(E.Softmax)
def x_softmax(e, args):
    """softmax(Z)_ij = exp(Z_ij) / Σ_k exp(Z_kj) (column by column)."""
    cols = list(zip(*rows(args[0])))
    sums = [total(E.Apply("exp", v) for v in col) for col in cols]
    return matrix([[E.Div(E.Apply("exp", v), sums[j]) for j, v in enumerate(row)] for row in rows(args[0])])


@rule(E.LogSumExp)
def x_logsumexp(e, args):
    """logsumexp(Z)_j = log Σ_k exp(Z_kj) (a row: one entry per column)."""
    cols = list(zip(*rows(args[0])))
    return matrix([[E.Apply("log", total(E.Apply("exp", v) for v in col)) for col in cols]])


@rule(E.Kron)
def x_kron(e, args):
    """(U ⊗ V)_(ip+k, jq+l) = U_ij V_kl."""
    a, b = rows(args[0]), rows(args[1])
    p, q = len(b), len(b[0])
    return matrix([[E.Mul(a[i // p][j // q], b[i % p][j % q]) for j in range(len(a[0]) * q)]
                   for i in range(len(a) * p)])


def _all_explicit(args):
    return any(isinstance(a, E.Matrix) for a in args) and all(
        isinstance(a, E.Matrix) or a.is_scalar for a in args)


def multiply_out(e):
    """`e` with every operator on explicit matrices carried out entry by entry."""
    memo = {}

    def go(x):
        if x in memo:
            return memo[x]
        args = [go(a) for a in x.args]
        fn, _ = RULES.get(type(x), (None, None))
        out = fn(x, args) if fn is not None and _all_explicit(args) else x.rebuild(args)
        memo[x] = out
        return out

    return go(e)
