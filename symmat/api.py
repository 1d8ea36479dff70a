"""The Python API of SPEC §7: thin functions over the pipeline stages.

Each function imports its stage when first called, so that ``import symmat``
stays light (no lark tables, no NumPy, no SymPy until they are needed).

The API raises only `SymmatError` subclasses (SPEC §1.4): the arguments that
the stages take on trust (limits, sizes, timeouts, flags, the result given to
`verify`) are checked here, at the door, with a message that names the
argument and what it takes.
"""

import math
import numbers

from .errors import DerivativeError, LimitError, ParseError, ShapeError


def parse(text, where=None, limits=None):
    """Read `text` (SPEC §1) into a typed `Expr`; `where` adds declarations."""
    from .reading import parse_expression  # stage loaded on first use: import symmat stays light
    return parse_expression(text, where=where, limits=_limits(limits))


def grad(f, wrt, where=None, layout="mixed", symmetric="sym", limits=None, check=True, style="differential"):
    """The gradient of a scalar expression (SPEC §2) as a `Derivative`.

    `check=False` skips the numeric self-check (for benchmarks); results are
    otherwise compared with finite differences before they are returned.
    """
    return _derive("grad", f, wrt, where, layout, symmetric, limits, check, style)


def jacobian(f, wrt, where=None, layout="mixed", symmetric="sym", limits=None, check=True, style="differential"):
    """The Jacobian of a vector (or scalar) expression."""
    return _derive("jacobian", f, wrt, where, layout, symmetric, limits, check, style)


def hessian(f, wrt, where=None, layout="mixed", symmetric="sym", limits=None, check=True, style="differential"):
    """The Hessian of a scalar expression."""
    return _derive("hessian", f, wrt, where, layout, symmetric, limits, check, style)


def derivative(f, wrt, where=None, layout="mixed", symmetric="sym", limits=None, check=True, style="differential"):
    """grad for a scalar, jacobian for a vector, ∂vec(F)/∂vec(X) otherwise."""
    return _derive("derivative", f, wrt, where, layout, symmetric, limits, check, style)


def _derive(kind, f, wrt, where, layout, symmetric, limits, check, style="differential"):
    """`pipeline.derive` with its arguments checked."""
    from .pipeline import derive  # stage loaded on first use: import symmat stays light
    return derive(kind, f, wrt, where=where, layout=layout, symmetric=symmetric, limits=_limits(limits),
                  check=_flag("check", check), style=style)


def verify(result, sizes=None, elements=False, timeout=60.0, max_size=6):
    """Confirm a `Derivative` by SymPy element-wise expansion (SPEC §4).

    `sizes` is a dict (``{"m": 2, "n": 4}``) or the text the command line's
    ``--size`` takes (``"m=2,n=4"``); a result with several variables gives a
    list of reports.
    """
    from .proof.verification import verify as _verify  # SymPy: loaded only to verify
    from .result import Derivative  # the result records: loaded with the verifier they serve
    sizes, elements = parse_sizes(sizes), _flag("elements", elements)
    timeout, max_size = _seconds("timeout", timeout), _count("max_size", max_size)
    if isinstance(result, list) and result and all(isinstance(r, Derivative) for r in result):
        return [_verify(r, sizes=sizes, elements=elements, timeout=timeout, max_size=max_size) for r in result]
    if not isinstance(result, Derivative):
        raise DerivativeError(f"verify takes a result of grad, jacobian, hessian or derivative, not "
                              f"{_what(result)}: e.g. symmat.verify(symmat.grad('tr(A X)', wrt='A'))")
    if getattr(result, "by_entry", None):   # A = [a b; c d]: each partial derivative is verified
        reports = [_verify(r, sizes=sizes, elements=elements, timeout=timeout, max_size=max_size)
                   for r in result.by_entry]
        report = next((r for r in reports if not r.ok), reports[0])
        report.wrt = result.wrt.name
        if elements and report.ok:
            report.table = [row for r in reports for row in r.table or []]
            report.table_latex = [row for r in reports for row in r.table_latex or []]
        return report
    return _verify(result, sizes=sizes, elements=elements, timeout=timeout, max_size=max_size)


def check(f, wrt, claim, where=None, layout="mixed", symmetric="sym", limits=None,
          timeout=None, max_size=None, kind=None):
    """Decide whether `claim` is the derivative of `f` by `wrt` (SPEC §5); `kind` "hessian"/"jacobian"."""
    from .checking import check as _check  # SymPy for the exact phase: loaded only to check
    _one_name_and_where(wrt, where)
    timeout = None if timeout is None else _seconds("timeout", timeout)
    max_size = None if max_size is None else _count("max_size", max_size)
    limits = _limits(limits)
    if _by_explicit_matrix(f, wrt, where, limits):
        from .checking.by_entries import check_by_entries  # the checker's stage: loaded only to check
        return check_by_entries(f, wrt, claim, where, layout, symmetric, limits)
    report = _check(f, wrt, claim, where=where, layout=layout, symmetric=symmetric,
                    limits=limits, timeout=timeout, max_size=max_size, kind=kind)
    return _speaking_as_typed(report)


def check_derivation(f, wrt, text, where=None, layout="mixed", kind=None, limits=None):
    """Decide a whole derivation, line by line (SPEC §5) → report with .ok, .first_wrong, .lines, .diagnosis."""
    from .checking.derivation import check_derivation as _check  # NumPy: loaded only to check
    _one_name_and_where(wrt, where)
    if not isinstance(text, str):
        raise ParseError(f"the derivation must be text, one step per line, not {type(text).__name__}")
    return _check(f, wrt, text, where=where, layout=layout, kind=kind, limits=_limits(limits))


def _one_name_and_where(wrt, where):
    """`wrt` is one name and `where` is text (or None), or a clear error."""
    if not isinstance(wrt, str) or not wrt.strip():
        raise DerivativeError(f"wrt must be the name of a variable, not {_what(wrt)}")
    if where is not None and not isinstance(where, str):
        raise ParseError(f"the where declarations must be a string, not {type(where).__name__}")


def _speaking_as_typed(report):
    """The report, printing names as the user first typed them in f (SPEC §1.1)."""
    from .tree.names import canonical, spellings_of  # with the stages: names as typed
    f = getattr(report, "f", None)
    if f is not None and getattr(report, "spellings", None) is None and isinstance(report.wrt, str):
        report.spellings = spellings_of(f)
        report.wrt = report.spellings.get(canonical(report.wrt), report.wrt)
    return report


def compile(f, wrt=None, what="value_and_grad", backend="numpy", where=None, layout="mixed",  # noqa: A001
            symmetric="sym", limits=None, check=True):
    """A callable computing f's value, a derivative, or the value and the gradient from one pass.

    what: "value", "grad", "jacobian", "hessian", "derivative" or "value_and_grad"
    (``(f, g)``, what ``scipy.optimize.minimize(jac=True)`` takes; with several
    variables ``(f, (g1, g2, …))``); backend: "numpy", "jax" (jitted) or "torch".
    The callable takes every variable of f, in order of first appearance, by
    position or keyword (see `symmat.codegen`).
    """
    from .codegen import WHATS, compile_function, choice  # code generation: loaded only to compile
    what = choice("what", what, WHATS)
    if what == "value":
        from .tree.node import Expr  # the tree: loaded with any reading anyway
        fx = f if isinstance(f, Expr) else parse(f, where=where, limits=limits)
        return compile_function(fx, [], what, backend)
    if wrt is None:
        raise DerivativeError(f"what={what!r} needs wrt, the variable(s) to differentiate by")
    kind = "grad" if what == "value_and_grad" else what
    results = _derive(kind, f, wrt, where, layout, symmetric, limits, check)
    many = isinstance(results, list)
    results = list(results) if many else [results]
    return compile_function(results[0].f, results, what, backend, many)


def _by_explicit_matrix(f, wrt, where, limits):
    """True when `wrt` is declared as an explicit matrix (``A = [a b; c d]``) and is no variable of f."""
    from .pipeline import explicit_entries  # stage loaded on first use: import symmat stays light
    from .reading import parse_with_info  # stage loaded on first use: import symmat stays light
    from .tree.names import canonical  # with the stages: the one canonical spelling of a name
    if not isinstance(f, str) or "=" not in f + (where if isinstance(where, str) else ""):
        return False
    fx, decls = parse_with_info(f, where=where, limits=limits)
    return explicit_entries(decls, wrt) is not None and all(v.name != canonical(wrt) for v in fx.variables())


# ----------------------------------------------------------------- checking arguments at the door

LIMIT_NAMES = ("max_chars", "max_depth", "max_power", "max_rewrites", "derive_timeout")


def _limits(limits):
    """A `Limits` from None, a `Limits` or a dict of limit names; anything else is a LimitError."""
    from .reading import Limits  # the reading stage owns the limits: loaded with it
    if limits is None:
        return Limits()
    if isinstance(limits, dict):
        unknown = sorted(str(k) for k in limits if k not in LIMIT_NAMES)
        if unknown:
            raise LimitError(f"unknown limit {', '.join(unknown)}: the limits are {', '.join(LIMIT_NAMES)}")
        limits = Limits(**limits)
    if not isinstance(limits, Limits):
        raise LimitError(f"limits must be a symmat.reading.Limits or a dict such as {{'max_depth': 400}}, "
                         f"not {_what(limits)}")
    for name in LIMIT_NAMES:
        value = getattr(limits, name)
        if name == "derive_timeout":
            _seconds("derive_timeout", value)
        else:
            _count(name, value)
    return limits


def parse_sizes(sizes):
    """Concrete sizes for verification: None, a dict name → whole number, or ``"m=2,n=4"``.

    A size given twice with different values is an error (``m=2,n=4,m=3``).
    """
    if sizes is None:
        return None
    pairs = _size_pairs(sizes) if isinstance(sizes, str) else sizes
    if isinstance(pairs, dict):
        pairs = list(pairs.items())
    elif not isinstance(sizes, str):
        raise ShapeError(f"sizes must be a dict such as {{'m': 2, 'n': 4}} or text such as 'm=2,n=4', "
                         f"not {_what(sizes)}")
    out = {}
    for name, value in pairs:
        if not isinstance(name, str):
            raise ShapeError(f"a size is named by a string, not {_what(name)}")
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ShapeError(f"size {name}={value!r} must be a whole number of at least 1")
        name = name.strip()
        if out.get(name, value) != value:
            raise ShapeError(f"size {name} is given twice, as {out[name]} and as {value}")
        out[name] = int(value)
    return out


def _size_pairs(text):
    """``"m=2,n=4"`` → [("m", 2), ("n", 4)]."""
    pairs = []
    for part in text.split(","):
        if not part.strip():
            continue
        name, eq, value = part.partition("=")
        if not eq or not name.strip() or not value.strip().isdigit():
            raise ShapeError(f"sizes are name=number pairs like m=2,n=4, not {part.strip()!r}")
        pairs.append((name.strip(), int(value)))
    return pairs


def _flag(name, value):
    """A True/False argument."""
    if not isinstance(value, bool):
        raise DerivativeError(f"{name} must be True or False, not {_what(value)}")
    return value


MAX_SECONDS = 86400   # a day, as the command line's --verify-timeout


def _seconds(name, value):
    """A positive, finite number of seconds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value <= MAX_SECONDS \
            or not math.isfinite(float(value)):
        raise LimitError(f"{name} must be a positive number of seconds up to {MAX_SECONDS}, not {_what(value)}")
    return float(value)


def _count(name, value):
    """A whole number of at least 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise LimitError(f"{name} must be a whole number of at least 1, not {_what(value)}")
    return int(value)


def _what(value):
    """A bad argument for a message: its type and a shortened repr."""
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '…'}"
