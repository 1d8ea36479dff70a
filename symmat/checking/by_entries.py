"""Checking a derivative by a matrix written out as scalars (``where A = [a b; c d]``, SPEC §1.3).

Such a derivative is the explicit matrix of the partial derivatives by the
entries (`pipeline` derives it entry by entry), so a claim for it is judged
entry by entry too: the claim, read under the same declarations and carried
out entry by entry, must be an explicit matrix of the same size whose every
entry equals the partial derivative — exactly (the difference simplifies to
0) or, failing that, at random points. A wrong claim gets the first entry
that differs and, where its entries are the right ones in other places, the
"misplaced" diagnosis (the notes' own mistake, ``[w z; y x]`` for ``Xᵀ``).
"""

import random

from ..calculus.explicit import multiply_out
from ..pipeline import derive
from ..simplify import simplify
from ..tree import expr as E
from .checker import CheckReport, Diagnosis, Sentence, Texts, _text_of, _where, type_claim

POINTS = 3   # random points at which entries that do not simplify to one another are compared


def check_by_entries(f, wrt, claim, where, layout, symmetric, limits):
    """The CheckReport for a claimed ∂f/∂A where A is declared as an explicit matrix of names."""
    correct = derive("grad", f, wrt, where=where, layout=layout, symmetric=symmetric, limits=limits)
    texts = Texts(_text_of(f, "function"), _text_of(claim, "claim"), _where(f, where), limits)
    c = type_claim(texts)
    c = simplify(multiply_out(c)) if any(isinstance(n, E.Matrix) for n in c.walk()) else c
    G = correct.result
    name = wrt.strip()

    def report(ok, diagnoses, method=""):
        r = CheckReport(ok, diagnoses, correct, None, c, correct.f, name, layout, symmetric, method)
        r.spellings = correct.spellings
        return r

    if c.shape != G.shape:
        return report(False, [Diagnosis("shape", Sentence(
            f"the claim is {_fmt(c.shape)}, but the derivative by {name} has the shape of {name}, "
            f"{_fmt(G.shape)}; the right answer is ", G))])
    claimed, right = _entries(c), _entries(G)
    exact = all(simplify(E.Add(a, E.Neg(b))) == E.Const(0) for a, b in zip(claimed, right))
    if exact or all(_close(a, b) for a, b in zip(claimed, right)):
        how = "symbolically, entry by entry" if exact else f"numerically, entry by entry at {POINTS} random points"
        return report(True, [Diagnosis("right", Sentence("the claim is the matrix of the partial derivatives "
                                                        f"by the entries of {name}"))], how)
    n = G.shape[1]
    k = next(i for i, (a, b) in enumerate(zip(claimed, right)) if not _same(a, b))
    where_wrong = Sentence(f"entry ({k // n + 1}, {k % n + 1}): the claim gives ", claimed[k],
                           ", the derivative is ", right[k])
    if sorted(map(str, claimed)) == sorted(map(str, right)):
        return report(False, [Diagnosis("misplaced", Sentence(
            "the entries are those of the right answer, in the wrong places; the right answer is ", G,
            "; ", *where_wrong.parts))])
    return report(False, [Diagnosis("wrong", Sentence("the claim is not the matrix of the partial derivatives; ",
                                                      *where_wrong.parts, "; the right answer is ", G))])


def _entries(x):
    """The entries of an explicit matrix (a 1×1 value as one entry), row by row."""
    if isinstance(x, E.Matrix):
        return list(x.args)
    return [x]


def _same(a, b):
    """True when two scalar entries are equal (exactly, or at random points)."""
    return simplify(E.Add(a, E.Neg(b))) == E.Const(0) or _close(a, b)


def _close(a, b):
    """True when a and b agree at `POINTS` random points of their (scalar) variables."""
    variables = {v.name for v in a.variables()} | {v.name for v in b.variables()}
    rng = random.Random(7)
    try:
        for _ in range(POINTS):
            values = {v: rng.uniform(0.5, 1.5) for v in variables}
            x, y = a.evaluate(values), b.evaluate(values)
            if not abs(x - y) <= 1e-9 * (1 + abs(x) + abs(y)):
                return False
    except Exception:   # noqa: BLE001 - an entry that cannot be evaluated is judged by simplification alone
        return False
    return True


def _fmt(shape):
    """2×2."""
    return "×".join(str(d) for d in shape)
