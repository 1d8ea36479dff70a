"""The Python API of SPEC §7: thin functions over the pipeline stages."""

import importlib

from .build import Limits


def _stage(name):
    """The pipeline module symmat.<name>, imported lazily.

    Importing a submodule sets it as an attribute of the package, which would
    replace the API function of the same name (`symmat.verify`, `symmat.check`);
    the function is put back.
    """
    import symmat
    kept = symmat.__dict__.get(name)
    module = importlib.import_module(f"symmat.{name}")
    if kept is not None and kept is not module:
        setattr(symmat, name, kept)
    return module


def parse(text, where=None, limits=None):
    """Read `text` (SPEC §1) into a typed `Expr`; `where` adds declarations."""
    return _stage("parser").parse_expression(text, where=where, limits=limits or Limits())


def grad(f, wrt, where=None, layout="mixed", symmetric="sym", limits=None, check=True):
    """The gradient of a scalar expression (SPEC §2) as a `Derivative`.

    `check=False` skips the numeric self-check (for benchmarks); results are
    otherwise compared with finite differences before they are returned.
    """
    from .derivative import derive
    return derive("grad", f, wrt, where=where, layout=layout, symmetric=symmetric, limits=limits,
                  check=check)


def jacobian(f, wrt, where=None, layout="mixed", symmetric="sym", limits=None, check=True):
    """The Jacobian of a vector (or scalar) expression."""
    from .derivative import derive
    return derive("jacobian", f, wrt, where=where, layout=layout, symmetric=symmetric, limits=limits,
                  check=check)


def hessian(f, wrt, where=None, layout="mixed", symmetric="sym", limits=None, check=True):
    """The Hessian of a scalar expression."""
    from .derivative import derive
    return derive("hessian", f, wrt, where=where, layout=layout, symmetric=symmetric, limits=limits,
                  check=check)


def derivative(f, wrt, where=None, layout="mixed", symmetric="sym", limits=None, check=True):
    """grad for a scalar, jacobian for a vector, ∂vec(F)/∂vec(X) otherwise."""
    from .derivative import derive
    return derive("derivative", f, wrt, where=where, layout=layout, symmetric=symmetric, limits=limits,
                  check=check)


def verify(result, sizes=None, elements=False, timeout=60.0, max_size=6):
    """Confirm a `Derivative` by SymPy element-wise expansion (SPEC §4)."""
    return _stage("verify").verify(result, sizes=sizes, elements=elements, timeout=timeout, max_size=max_size)


def check(f, wrt, claim, where=None, layout="mixed", symmetric="sym", limits=None,
          timeout=None, max_size=None):
    """Decide whether `claim` is the derivative of `f` by `wrt` (SPEC §5)."""
    return _stage("check").check(f, wrt, claim, where=where, layout=layout, symmetric=symmetric,
                                 limits=limits, timeout=timeout, max_size=max_size)
