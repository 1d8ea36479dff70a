"""The Python API of SPEC §7: thin functions over the pipeline stages.

Each function imports its stage when first called, so that ``import symmat``
stays light (no lark tables, no NumPy, no SymPy until they are needed).
"""


def parse(text, where=None, limits=None):
    """Read `text` (SPEC §1) into a typed `Expr`; `where` adds declarations."""
    from .reading import Limits, parse_expression  # stage loaded on first use: import symmat stays light
    return parse_expression(text, where=where, limits=limits or Limits())


def grad(f, wrt, where=None, layout="mixed", symmetric="sym", limits=None, check=True):
    """The gradient of a scalar expression (SPEC §2) as a `Derivative`.

    `check=False` skips the numeric self-check (for benchmarks); results are
    otherwise compared with finite differences before they are returned.
    """
    from .pipeline import derive  # stage loaded on first use: import symmat stays light
    return derive("grad", f, wrt, where=where, layout=layout, symmetric=symmetric, limits=limits,
                  check=check)


def jacobian(f, wrt, where=None, layout="mixed", symmetric="sym", limits=None, check=True):
    """The Jacobian of a vector (or scalar) expression."""
    from .pipeline import derive  # stage loaded on first use: import symmat stays light
    return derive("jacobian", f, wrt, where=where, layout=layout, symmetric=symmetric, limits=limits,
                  check=check)


def hessian(f, wrt, where=None, layout="mixed", symmetric="sym", limits=None, check=True):
    """The Hessian of a scalar expression."""
    from .pipeline import derive  # stage loaded on first use: import symmat stays light
    return derive("hessian", f, wrt, where=where, layout=layout, symmetric=symmetric, limits=limits,
                  check=check)


def derivative(f, wrt, where=None, layout="mixed", symmetric="sym", limits=None, check=True):
    """grad for a scalar, jacobian for a vector, ∂vec(F)/∂vec(X) otherwise."""
    from .pipeline import derive  # stage loaded on first use: import symmat stays light
    return derive("derivative", f, wrt, where=where, layout=layout, symmetric=symmetric, limits=limits,
                  check=check)


def verify(result, sizes=None, elements=False, timeout=60.0, max_size=6):
    """Confirm a `Derivative` by SymPy element-wise expansion (SPEC §4)."""
    from .proof.verification import verify as _verify  # SymPy: loaded only to verify
    return _verify(result, sizes=sizes, elements=elements, timeout=timeout, max_size=max_size)


def check(f, wrt, claim, where=None, layout="mixed", symmetric="sym", limits=None,
          timeout=None, max_size=None):
    """Decide whether `claim` is the derivative of `f` by `wrt` (SPEC §5)."""
    from .checking import check as _check  # SymPy for the exact phase: loaded only to check
    return _check(f, wrt, claim, where=where, layout=layout, symmetric=symmetric,
                  limits=limits, timeout=timeout, max_size=max_size)
