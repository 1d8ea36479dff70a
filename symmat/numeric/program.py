"""An expression made concrete once and evaluated many times: the self-check's evaluator.

Why: a finite difference evaluates f at a dozen points that differ in one
variable only. Compiling the trees once into steps in dependency order (shared
subtrees once) lets each point recompute only the steps that depend on the
variable that moved, and fixes the concrete shape of every node before
anything is computed, so that the cost and the largest intermediate are known
up front: the self-check never starts what would not fit its time and memory.
Small instances run on plain floats (`numeric.tiny`, no NumPy to load);
larger ones on NumPy with `numeric.evaluate`'s rules (imported on first use).
Each inverse, determinant and negative power reports the condition number of
its argument (`Program.cond`), so that a caller can tell an instance next to
a singularity from a wrong formula.
"""

from ..tree import expr as E
from ..tree.sizes import concrete_shape
from . import tiny

PYTHON_BUDGET = 20_000   # multiply-adds per evaluation below which plain floats beat NumPy's overhead
_CONDITIONED = (E.Inverse, E.Det, E.LogDet)


class Program:
    """The nodes of `roots` in dependency order, with concrete shapes, at the given sizes."""

    def __init__(self, roots, sizes, backend=None, order=None):
        """Order the nodes (unless `order`, from `topological`, is given), fix their shapes, estimate the work."""
        self.sizes = dict(sizes)
        order = topological(roots) if order is None else order
        index = {n: i for i, n in enumerate(order)}
        self.nodes = order
        self.args = [tuple(index[a] for a in n.args) for n in order]
        self.roots = [index[r] for r in roots]
        known = {}
        self.shapes = [known.get(n.shape) or known.setdefault(n.shape, concrete_shape(n.shape, sizes))
                       for n in order]
        self.largest = max(m * n for m, n in self.shapes)
        self.cost = sum(self._cost(i) for i in range(len(order)))
        self.leaves = {}
        for i, n in enumerate(order):
            if isinstance(n, (E.Var, E.Differential)):
                self.leaves.setdefault(_leaf_name(n), []).append(i)
        self.backend = backend or ("python" if self.cost <= PYTHON_BUDGET else "numpy")
        self._leafset = {i for steps in self.leaves.values() for i in steps}
        self.variables = [order[steps[0]] for steps in self.leaves.values() if isinstance(order[steps[0]], E.Var)]
        self.cond = tiny.Conditioning()
        self._dependents = {}

    def _cost(self, i):
        """Multiply-adds of step i, roughly (matrix products and inverses dominate)."""
        node, (m, n) = self.nodes[i], self.shapes[i]
        shapes = [self.shapes[a] for a in self.args[i]]
        if isinstance(node, E.Mul):
            chain = [s for s in shapes if s != (1, 1)]
            return m * n + sum(chain[0][0] * b[0] * b[1] for b in chain[1:]) if chain else 1
        if isinstance(node, (E.Inverse, E.Det, E.LogDet, E.Power)):
            k = shapes[0][0]
            return k ** 3 * (2 + abs(int(node.params[0])).bit_length() if isinstance(node, E.Power) else 2)
        return m * n + sum(a * b for a, b in shapes)

    def dependents(self, name):
        """The steps that depend on the variable `name`, in order."""
        if name not in self._dependents:
            moved = set(self.leaves.get(name, ()))
            for i, args in enumerate(self.args):
                if i not in moved and any(a in moved for a in args):
                    moved.add(i)
            self._dependents[name] = sorted(moved)
        return self._dependents[name]

    def run(self, values, vals=None, only=None):
        """The value of every step at `values` (name → list of rows); with `vals` and `only`,
        a copy of `vals` with the steps `only` recomputed."""
        vals = [None] * len(self.nodes) if vals is None else list(vals)
        steps = range(len(self.nodes)) if only is None else only
        rules = tiny.RULES if self.backend == "python" else _numpy_rules()
        env = self.sizes if self.backend == "python" else _numpy_env(self.sizes)
        for i in steps:
            node = self.nodes[i]
            if i in self._leafset:
                vals[i] = self._leaf_value(values[_leaf_name(node)])
                continue
            args = [vals[a] for a in self.args[i]]
            if self.backend == "python":
                vals[i] = rules[type(node)](node, args, env, self.cond)
            else:
                vals[i] = _numpy_step(rules, node, args, env, self.cond)
        return vals

    def _leaf_value(self, rows):
        if self.backend == "python":
            return rows
        import numpy as np  # why: the NumPy backend only, for instances too large for plain floats
        return np.array(rows, dtype=float)

    def outputs(self, vals):
        """The values of the roots as lists of rows of floats."""
        out = []
        for r in self.roots:
            v = vals[r]
            out.append(v if self.backend == "python" else v.tolist())
        return out

    def evaluate(self, values):
        """The roots' values at `values` (lists of rows)."""
        return self.outputs(self.run(values))


def topological(roots):
    """The distinct nodes of `roots`, each after its arguments (iteratively: trees may be deep)."""
    order, index = [], set()
    for root in roots:
        stack = [(root, False)]
        while stack:
            node, ready = stack.pop()
            if node in index:
                continue
            if ready:
                index.add(node)
                order.append(node)
                continue
            stack.append((node, True))
            stack.extend((a, False) for a in reversed(node.args) if a not in index)
    return order


def dims_of(order):
    """(the size names of the nodes in order of appearance, the integer sizes variables declare)."""
    names, declared = {}, set()
    for node in order:
        dims = list(node.shape)
        if isinstance(node, (E.Identity, E.Commutation, E.Size)):
            dims.extend(node.params)
        elif isinstance(node, E.Basis):
            dims.append(node.params[0])
        elif isinstance(node, E.Unvec):
            dims.extend(node.params)
        for d in dims:
            _names(d, names)
        if isinstance(node, E.Var):
            declared.update(d for d in node.shape if isinstance(d, int) and d != 1)
    return list(names), declared


def _names(d, out):
    if isinstance(d, str):
        out.setdefault(d, None)
    elif isinstance(d, tuple):
        _names(d[1], out)
        _names(d[2], out)


def _leaf_name(node):
    return node.name if isinstance(node, E.Var) else "d" + node.name


# ----------------------------------------------------------------- the NumPy backend

def _numpy_rules():
    from .evaluate import RULES  # why: NumPy, loaded only for instances too large for plain floats
    return RULES


def _numpy_env(sizes):
    from .evaluate import Env  # why: NumPy, loaded only for instances too large for plain floats
    env = Env()
    env.sizes = dict(sizes)
    return env


def _numpy_step(rules, node, args, env, cond):
    """One step by `numeric.evaluate`'s rule, noting the condition of what it inverts."""
    import numpy as np  # why: the NumPy backend only, for instances too large for plain floats
    if isinstance(node, _CONDITIONED) or (isinstance(node, E.Power) and not node.is_scalar
                                          and node.params[0] < 0):
        try:
            cond.note(float(np.linalg.cond(args[0], 1)))
        except np.linalg.LinAlgError:
            cond.note(float("inf"))
        if not cond.worst < 1e300:
            raise tiny.Singular
    return rules[type(node)](node, args, env)


__all__ = ["Program", "PYTHON_BUDGET", "topological", "dims_of"]
