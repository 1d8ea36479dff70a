"""Code generation as a compiler (SPEC §6, §7): a plan, then NumPy, JAX or PyTorch source.

`plan` lowers expression trees to a flat program of equations over named
temporaries (common subexpressions once, diagonals and Kronecker products
never built where broadcasting or a reshape does, scalars applied last);
`numpy`, `jax` and `torch` each print that same program. This module is the
API over them:

* `derivative_source(r, backend)` / `to_source(expr, backend)`: the source of
  a function computing a derivative / an expression;
* `compile_derivative(r, backend)` and `compile_function` (behind
  ``symmat.compile``): a callable, made by executing that source in a fresh
  namespace. The source is printed from the tree by the emitters, with
  sanitised identifiers; no user text is evaluated.

The signature. A generated function takes every variable of f, in the order
in which they first appear in f (``x^T A x`` → ``(x, A)``; for a derivative,
the variables of f, used or not, so that the gradient and the Hessian of one
f take the same arguments), by position or by keyword; then any size that no
variable fixes (rare: ``n`` when only an ``I`` carries it). Greek names are
spelled (``λ`` → ``lambda_``); a compiled callable also takes a variable under
any spelling `evaluate` takes (``λ``, ``lambda``, ``W_2`` for ``W2``). Vectors
may be given as ``(n,)`` or ``(n, 1)``. The result has `evaluate`'s form: a
scalar (a float with NumPy, a 0-d array or tensor with JAX and PyTorch), a
1-D array for a column vector, a 2-D array otherwise. Compiled functions do
not check shapes (`evaluate` does).

NumPy, JAX and PyTorch are imported only when a function for them is
compiled (JAX and PyTorch are optional extras); generating source imports none.
"""

import importlib.util
import linecache

from ..errors import SymmatError
from ..printing.text import to_text
from ..tree import expr as E
from ..tree.names import GREEK, canonical, speaking
from ..tree.shapes import fmt_dim
from ..tree.walk import replace
from .emit import identifier
from .jax import JaxEmitter
from .numpy import NumpyEmitter
from .plan import plan
from .torch import TorchEmitter
from .values import Param

BACKENDS = ("numpy", "jax", "torch")
WHATS = ("value", "grad", "jacobian", "hessian", "derivative", "value_and_grad")
EMITTERS = {"numpy": NumpyEmitter, "jax": JaxEmitter, "torch": TorchEmitter}
EXTRAS = {"jax": ("JAX", "symmat[jax]"), "torch": ("PyTorch", "symmat[torch]")}
LIBRARY = {"numpy": "NumPy", "jax": "JAX", "torch": "PyTorch"}


def choice(name, value, options):
    """`value` if it is one of `options`, else a SymmatError naming the argument."""
    if not isinstance(value, str) or value not in options:
        text = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "…"
        raise SymmatError(f"{name} must be one of {', '.join(options)}, not {text}")
    return value


def _function_name(name, default):
    if name is None:
        return default
    if not (isinstance(name, str) and name.isidentifier()):
        raise SymmatError(f"the function's name must be a Python identifier, not {name!r}"[:200])
    return name


# ----------------------------------------------------------------- parameters

def parameters(f, names=None):
    """[Param]: the variables of f in order of first appearance (or in the order of `names`)."""
    found = {v.name: v for v in f.variables()}
    for node in f.walk():
        if isinstance(node, E.Differential):
            found.setdefault("d" + node.name, E.Var("d" + node.name, node.shape))
    taken = set()
    if names is None:
        return [Param(v.name, identifier(v.name, taken), v.shape) for v in found.values()]
    out = []
    for p in names:
        if isinstance(p, E.Var):
            out.append(Param(p.name, identifier(p.name, taken), p.shape))
            continue
        name = GREEK.get(p, p)
        v = found.get(name)
        out.append(Param(name, identifier(name, taken), v.shape if v else (1, 1), known=v is not None))
    missing = set(found) - {p.name for p in out}
    if missing:
        raise SymmatError(f"params lacks {', '.join(sorted(missing))}, which the expression uses")
    return out


def hints(r):
    """Names for the shared parts of a derivative, as its printed form names them (h = σ(W1 x + b1))."""
    out, full = {}, {}
    for name, value in getattr(r, "bindings", None) or []:
        expanded = replace(value, full)          # a binding may use the names bound before it
        full[E.Var(name, value.shape)] = expanded
        out[expanded] = name
    return out


# ----------------------------------------------------------------- source

def source(outputs, params, backend="numpy", name="f", doc="", names=None):
    """Source of a function of `params` returning the value of each expression of `outputs`."""
    cls = EMITTERS[choice("backend", backend, BACKENDS)]
    return cls(plan(outputs, params, names), name, doc).source()


def to_source(expr, backend="numpy", name="f", params=None):
    """Source of a function computing the expression `expr` (its variables in order of appearance)."""
    choice("backend", backend, BACKENDS)
    params = parameters(expr, params)
    doc = f"{to_text(expr, ascii=True)}, computed with {LIBRARY[backend]}.\n\n{_arguments(params, expr.shape)}"
    return source([expr], params, backend, _function_name(name, "f"), doc)


def to_numpy(expr, name="f", params=None):
    """NumPy source of a function computing `expr` (`params`: names or Vars giving the order)."""
    return to_source(expr, "numpy", name, params)


def _shape(shape):
    r, c = shape
    if (r, c) == (1, 1):
        return "scalar"
    if c == 1:
        return f"vector ({fmt_dim(r)})"
    return f"{fmt_dim(r)} x {fmt_dim(c)}"


def _arguments(params, *shapes):
    args = ", ".join(f"{p.ident} ({_shape(p.shape) if p.known else 'unused'})" for p in params)
    return f"Arguments: {args or 'none'}. Returns: {'; '.join(_shape(s) for s in shapes)}."


def _derivative_doc(r, backend):
    with speaking(getattr(r, "spellings", None)):       # names as the user typed them
        head = r.heading().replace("×", "x")
        return (f"{head[0].upper()}{head[1:]} of f = {to_text(r.f, ascii=True)}, with {LIBRARY[backend]}:\n"
                f"{r.text(ascii=True)}\n\n{_arguments(parameters(r.f), r.shape)}")


def derivative_source(r, backend="numpy", name=None):
    """Source of a function computing the derivative `r` (every variable of r.f as an argument)."""
    choice("backend", backend, BACKENDS)
    name = _function_name(name, f"d_{r.wrt.name}")
    return source([r.result], parameters(r.f), backend, name, _derivative_doc(r, backend), hints(r))


# ----------------------------------------------------------------- callables

class Compiled:
    """A compiled function: call it with the variables (by keyword, or by position in `params` order).

    `source` is the generated source, `params` the argument names, `backend`
    the library it computes with.
    """

    def __init__(self, fn, source, backend, params, structure=None):
        self.fn, self.source, self.backend = fn, source, backend
        self.params, self._structure = [p.ident for p in params], structure
        self._idents = set(self.params)
        self._by_name = {p.name: p.ident for p in params if isinstance(p, Param)}
        self.__doc__ = getattr(fn, "__doc__", None)

    def __call__(self, *args, **kwargs):
        if not self._idents.issuperset(kwargs):        # λ, lambda, W_2: the spellings evaluate takes
            kwargs = {self._ident(k): v for k, v in kwargs.items()}
        out = self.fn(*args, **kwargs)
        return out if self._structure is None else self._structure(out)

    def _ident(self, key):
        if key in self._idents or not isinstance(key, str):
            return key
        return self._by_name.get(canonical(key), key)

    def __repr__(self):
        return f"<symmat compiled {self.backend} function ({', '.join(self.params)})>"


class _Size:
    """A size that no variable fixes, as an argument of a compiled function."""

    def __init__(self, ident):
        self.ident = self.name = ident


def _require(backend):
    if backend in EXTRAS and importlib.util.find_spec(backend) is None:
        label, extra = EXTRAS[backend]
        raise SymmatError(f"the {backend} backend needs {label}, which is not installed: pip install \"{extra}\"")


def _load(src, name, backend):
    """Execute generated source in a fresh namespace; return the function `name`."""
    filename = f"<symmat {backend} {name}>"
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)   # tracebacks show it
    namespace = {"__name__": f"symmat_generated_{backend}"}
    exec(compile(src, filename, "exec"), namespace)
    return namespace[name]


def _compiled(outputs, params, backend, name, doc, names, structure=None):
    choice("backend", backend, BACKENDS)
    _require(backend)
    em = EMITTERS[backend](plan(outputs, params, names), name, doc)
    src = em.source()
    fn = _load(src, em.name, backend)
    if backend == "jax":
        import jax  # the optional backend: loaded only to compile for it
        fn = jax.jit(fn, static_argnames=tuple(em.extra) or None)
    return Compiled(fn, src, backend, list(params) + [_Size(s) for s in em.extra], structure)


def compile_derivative(r, backend="numpy"):
    """A callable computing the derivative `r` (see the module docstring for its signature)."""
    choice("backend", backend, BACKENDS)
    return _compiled([r.result], parameters(r.f), backend, f"d_{r.wrt.name}", _derivative_doc(r, backend),
                     hints(r))


def compile_function(f, results, what, backend="numpy", many=False):
    """``symmat.compile``: f's value (what="value"), the derivatives `results`, or f and its gradients.

    With several variables (`many`) the derivatives come as a tuple:
    ``(f, (g1, g2))`` for value_and_grad.
    """
    choice("what", what, WHATS)
    choice("backend", backend, BACKENDS)
    params = parameters(f)
    names = {}
    for r in results:
        names.update(hints(r))
    outputs = [r.result for r in results]
    shapes = [r.shape for r in results]
    with speaking(getattr(results[0], "spellings", None) if results else None):
        lines = [f"d{r.wrt.name}: {r.text(ascii=True)}" for r in results]
        doc = "; ".join([f"f = {to_text(f, ascii=True)}"] + lines)
    wrt = "_".join(r.wrt.name for r in results)
    structure = None
    if what == "value":
        outputs, shapes, name = [f], [f.shape], "f"
    elif what == "value_and_grad":
        outputs, shapes, name = [f] + outputs, [f.shape] + shapes, f"f_and_d_{wrt}"
        structure = (lambda out: (out[0], tuple(out[1:]))) if many else None
    else:
        name = f"d_{wrt}"
        structure = tuple if many else None
    doc += f"\n\n{_arguments(params, *shapes)}"
    return _compiled(outputs, params, backend, name, doc, names, structure)
