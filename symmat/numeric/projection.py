"""The closed form along the self-check's random directions, on plain floats or on NumPy.

The self-check compares the derivative along a random direction c (a Hessian
on a pair d, c) with differences of f. This module turns the result's value
into that number per entry of f, with the layout undone (SPEC §2), and the sum
of the absolute values of its terms, the scale the tolerance is relative to.
A result is a list of rows on plain floats, and an array on NumPy, where its
entries (90 000 for the Hessian by the first layer of a 16-layer network) are
summed by NumPy rather than one by one. Either way nothing here imports NumPy:
an array exists only once NumPy is loaded.
"""

import math
from itertools import chain, repeat
from operator import mul

from . import tiny
from .differences import flat


def as_jacobian(result, got, xshape):
    """The result's value as N×p rows (columns in vec(X) order), undoing its layout (SPEC §2)."""
    X = result.wrt
    if result.kind == "grad":
        G = tiny.transpose(got) if result.layout == "numerator" and not X.is_scalar else got
        return [flat(G)]
    if result.kind != "hessian" and X.is_scalar and not result.f.is_scalar:
        return [[v] for v in flat(tiny.transpose(got) if result.layout == "denominator" else got)]
    return tiny.transpose(got) if result.kind != "hessian" and result.layout == "denominator" else got


def as_jacobian_array(result, G):
    """`as_jacobian` for a NumPy array."""
    X, kind, layout = result.wrt, result.kind, result.layout
    if kind == "grad":
        return (G.T if layout == "numerator" and not X.is_scalar else G).flatten(order="F")[None, :]
    if kind != "hessian" and X.is_scalar and not result.f.is_scalar:
        return (G.T if layout == "denominator" else G).flatten(order="F")[:, None]
    return G.T if kind != "hessian" and layout == "denominator" else G


def result_value(p, vals):
    """The result's value (the program's second root): rows of floats, or an array on NumPy."""
    return vals[p.roots[1]] if p.backend == "numpy" else p.output(vals, 1)


def finite(got):
    """True if every entry of the result's value is finite."""
    if isinstance(got, list):
        return all(map(math.isfinite, chain.from_iterable(got)))     # map and chain: no Python frame per entry
    import numpy as np  # why: the result is a NumPy array only when NumPy is already loaded
    return bool(np.isfinite(got).all())


def projected(result, got, xshape, c, d):
    """(the closed form along c, or along d and c for a Hessian, per entry of f; the sums of the
    absolute values of the terms, the scale the tolerance is relative to)."""
    if not isinstance(got, list):
        return _projected_array(as_jacobian_array(result, got), c, d)
    J = as_jacobian(result, got, xshape)
    if d is not None:
        terms = list(chain.from_iterable(map(mul, map(mul, repeat(di), row), c) for di, row in zip(d, J)))
        return [sum(terms)], [sum(map(abs, terms))]
    return [sum(map(mul, row, c)) for row in J], [sum(map(abs, map(mul, row, c))) for row in J]


def _projected_array(J, c, d):
    """`projected` for a NumPy array J (the layout undone)."""
    import numpy as np  # why: the result is a NumPy array only when NumPy is already loaded
    c = np.array(c)
    if d is not None:
        terms = np.array(d)[:, None] * J * c[None, :]
        return [float(terms.sum())], [float(abs(terms).sum())]
    return (J @ c).tolist(), (abs(J) @ abs(c)).tolist()


def closed_form_noise(result, got, got2, xshape, c, d):
    """How much the closed form along the directions moved between `got` and `got2`."""
    if not isinstance(got, list):
        moved = _projected_array(as_jacobian_array(result, got2 - got), c, d)[0]
        return [abs(v) for v in moved]
    if d is not None:
        return [abs(sum(di * (a - b) * cj for di, r1, r2 in zip(d, got2, got)
                        for a, b, cj in zip(r1, r2, c)))]
    J, J2 = as_jacobian(result, got, xshape), as_jacobian(result, got2, xshape)
    return [abs(sum((a - b) * cb for a, b, cb in zip(r2, r1, c))) for r1, r2 in zip(J, J2)]
