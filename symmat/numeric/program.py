"""An expression made concrete once and evaluated many times: the self-check's evaluator.

Why: a finite difference evaluates f at a few points that differ in one
variable only. Compiling the trees once into a flat list of steps in
dependency order (shared subtrees once, each step its rule, its node and the
indices of its arguments) lets each point recompute only the steps that
depend on the variable that moved (`rerun`), and fixes the concrete shape of
every node before anything is computed, so that the cost and the largest
intermediate are known up front: the self-check never starts what would not
fit its time and memory. Small instances run on plain floats (`numeric.tiny`,
no NumPy to load); larger ones on NumPy with `numeric.evaluate`'s rules
(imported on first use). Each inverse, determinant and negative power reports
the condition number of its argument (`Program.cond`), so that a caller can
tell an instance next to a singularity from a wrong formula.
"""

from ..tree import expr as E
from ..tree.sizes import concrete_shape
from . import tiny

PYTHON_BUDGET = 20_000   # multiply-adds per evaluation below which plain floats beat NumPy's overhead
_CONDITIONED = (E.Inverse, E.Det, E.LogDet)
_CUBIC = (E.Inverse, E.Det, E.LogDet, E.Power)
_LEAVES = (E.Var, E.Differential)


def _no_rule(node, args, sizes, cond):
    raise KeyError(type(node).__name__)   # an evaluation error: the instance is no evidence


class Plan:
    """The structure of `roots`, worked out once for every choice of sizes.

    The distinct nodes in dependency order (shared subtrees once), each
    node's argument indices, the leaves by name, the distinct symbolic shapes
    (few: most nodes share one) and the size names in order of appearance.
    """

    def __init__(self, roots):
        """Walk `roots` once (iteratively: trees may be deep)."""
        order, index, args = [], {}, []
        for root in roots:
            stack = [(root, False)]
            while stack:
                node, ready = stack.pop()
                if node in index:
                    continue
                if ready:
                    index[node] = len(order)
                    order.append(node)
                    args.append(tuple(index[a] for a in node.args))
                    continue
                stack.append((node, True))
                stack.extend((a, False) for a in reversed(node.args) if a not in index)
        self.roots, self.nodes, self.args = [index[r] for r in roots], order, args
        shape_ids, self.shape_ids = {}, []
        self.leaves = {}
        for i, n in enumerate(order):
            self.shape_ids.append(shape_ids.setdefault(n.shape, len(shape_ids)))
            if isinstance(n, _LEAVES):
                self.leaves.setdefault(_leaf_name(n), []).append(i)
        self.shapes = list(shape_ids)
        self.size_names, self.declared = dims_of(order)


class Program:
    """The nodes of `roots` in dependency order, with concrete shapes, at the given sizes."""

    def __init__(self, roots, sizes, backend=None, plan=None):
        """Fix the shapes of `plan` (made from `roots` unless given), estimate the work."""
        plan = plan or Plan(roots)
        self.sizes = dict(sizes)
        order = self.nodes = plan.nodes
        self.args, self.roots, self.leaves = plan.args, plan.roots, plan.leaves
        concrete = [concrete_shape(s, sizes) for s in plan.shapes]
        self.shapes = [concrete[k] for k in plan.shape_ids]
        self.largest = max(m * n for m, n in concrete)
        self.cost = sum(self._cost(i) for i in range(len(order)))
        self.backend = backend or ("python" if self.cost <= PYTHON_BUDGET else "numpy")
        self.variables = [order[steps[0]] for steps in self.leaves.values() if isinstance(order[steps[0]], E.Var)]
        self.cond = tiny.Conditioning()
        rules = tiny.RULES if self.backend == "python" else {}
        self._steps = [None if isinstance(n, _LEAVES) else (i, rules.get(type(n), _no_rule), n, self.args[i])
                       for i, n in enumerate(order)]
        self._all = [s for s in self._steps if s is not None]
        self._dependents = {}
        self._reruns = {}

    def _cost(self, i):
        """Multiply-adds of step i, roughly (matrix products and inverses dominate)."""
        node, (m, n) = self.nodes[i], self.shapes[i]
        args = self.args[i]
        if not args:
            return m * n
        shapes = [self.shapes[a] for a in args]
        if isinstance(node, E.Mul):
            chain = [s for s in shapes if s != (1, 1)]
            return m * n + sum(chain[0][0] * b[0] * b[1] for b in chain[1:]) if chain else 1
        if isinstance(node, _CUBIC):
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
        leaf, todo = self._leaf_value, []
        if only is None:
            for name, where in self.leaves.items():
                value = leaf(values[name])
                for i in where:
                    vals[i] = value
            todo = self._all
        else:
            for i in only:
                step = self._steps[i]
                if step is None:
                    vals[i] = leaf(values[_leaf_name(self.nodes[i])])
                else:
                    todo.append(step)
        self._execute(vals, todo)
        return vals

    def rerun(self, values, vals, name):
        """A copy of `vals` (from `run`) with the variable `name` at its value in `values`
        and every step that depends on it recomputed."""
        if name not in self._reruns:
            self._reruns[name] = [s for s in map(self._steps.__getitem__, self.dependents(name)) if s is not None]
        vals = list(vals)
        value = self._leaf_value(values[name])
        for i in self.leaves.get(name, ()):
            vals[i] = value
        self._execute(vals, self._reruns[name])
        return vals

    def _execute(self, vals, steps):
        """Compute `steps` ((index, rule, node, argument indices)) in order into `vals`."""
        sizes, cond = self.sizes, self.cond
        if self.backend == "python":
            for i, rule, node, args in steps:
                vals[i] = rule(node, [vals[a] for a in args], sizes, cond)
            return
        rules, env = _numpy_rules(), _numpy_env(sizes)
        for i, _, node, args in steps:
            vals[i] = _numpy_step(rules, node, [vals[a] for a in args], env, cond)

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


_SIZE_PARAMS = (E.Identity, E.Commutation, E.Size, E.Unvec)


def dims_of(order):
    """(the size names of the nodes in order of appearance, the integer sizes variables declare)."""
    names, declared, seen = {}, set(), set()
    for node in order:
        dims = node.shape
        if isinstance(node, _SIZE_PARAMS):
            dims = dims + tuple(node.params)
        elif isinstance(node, E.Basis):
            dims = dims + (node.params[0],)
        for d in dims:
            if d not in seen:
                seen.add(d)
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


__all__ = ["Plan", "Program", "PYTHON_BUDGET", "topological", "dims_of"]
