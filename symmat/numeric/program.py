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
(imported on first use). The line between them is lower once NumPy is loaded
anyway: the higher one is there to save its import (~70 ms), not its speed. Each inverse, determinant and negative power reports
the condition number of its argument (`Program.cond`), so that a caller can
tell an instance next to a singularity from a wrong formula.
"""

import sys

from ..tree import expr as E
from ..tree.sizes import concrete_shape
from . import tiny

PYTHON_BUDGET = 20_000   # multiply-adds per evaluation below which plain floats beat loading NumPy
LOADED_BUDGET = 5_000    # the same once NumPy is loaded: below it plain floats beat NumPy's per-call overhead
_CONDITIONED = (E.Inverse, E.Det, E.LogDet)
_CUBIC = (E.Inverse, E.Det, E.LogDet, E.Power)
_LEAVES = (E.Var, E.Differential)
_SIZE_PARAMS = (E.Identity, E.Commutation, E.Size, E.Unvec)


def _no_rule(node, args, sizes, cond):
    raise KeyError(type(node).__name__)   # an evaluation error: the instance is no evidence


class Plan:
    """The structure of `roots`, worked out once for every choice of sizes.

    The distinct nodes in dependency order (shared subtrees once, also
    between roots: f and its derivative share most of theirs), each node's
    argument indices, the leaves by name, the distinct symbolic shapes (few:
    most nodes share one), the size names in order of appearance, the steps
    for plain floats, and what the work estimate needs: how often each shape
    is read or written by an entry-by-entry step, and the steps whose cost is
    a product's or an inverse's.
    """

    def __init__(self, roots):
        """Walk `roots` once (keyed by id, as equal nodes are shared), then every node once."""
        self.nodes, self.args, index = [], [], {}
        for root in roots:
            try:
                _visit(root, index, self.nodes, self.args)
            except RecursionError:     # a tree deeper than the interpreter's stack: the same order, iteratively
                self._walk(root, index)
        self.roots = [index[id(r)] for r in roots]
        shape_ids, ids, self.leaves, self.steps = {}, [], {}, []
        reads, self.special, names, declared = {}, [], {}, set()
        rules, kinds, steps, leaves = tiny.RULES, _KINDS, self.steps, self.leaves
        for i, (n, args) in enumerate(zip(self.nodes, self.args)):
            cls = type(n)
            kind = kinds.get(cls) or _kind(cls)
            shape = n.shape
            sid = shape_ids.get(shape)
            if sid is None:
                sid = shape_ids[shape] = len(shape_ids)
                for d in shape:
                    _names(d, names)
            ids.append(sid)
            if kind is _LEAF:
                leaves.setdefault(_leaf_name(n), []).append(i)
                reads[sid] = reads.get(sid, 0) + 1
                if n.is_variable:
                    declared.update(d for d in shape if isinstance(d, int) and d != 1)
                continue
            steps.append((i, rules.get(cls, _no_rule), n, args))
            if kind is _SIZED:
                for d in (n.params[:1] if cls is E.Basis else n.params):
                    _names(d, names)
            if kind is _COSTLY:
                self.special.append(i)
                continue
            reads[sid] = reads.get(sid, 0) + 1
            for a in args:
                a = ids[a]
                reads[a] = reads.get(a, 0) + 1
        self.shape_ids, self.shapes, self.reads = ids, list(shape_ids), reads
        order = self.nodes
        self.variables = [order[at[0]] for at in leaves.values() if order[at[0]].is_variable]
        self.size_names, self.declared = list(names), declared

    def _walk(self, root, index):
        stack = [root]
        while stack:
            node = stack[-1]
            pending = [a for a in node.args if id(a) not in index]
            if pending:
                stack.extend(reversed(pending))
                continue
            stack.pop()
            if id(node) not in index:
                index[id(node)] = len(self.nodes)
                self.nodes.append(node)
                self.args.append(tuple([index[id(a)] for a in node.args]))


def _visit(node, index, nodes, args):
    """Append the nodes under `node` not yet in `index` to `nodes`, each after its arguments."""
    for a in node.args:
        if id(a) not in index:
            _visit(a, index, nodes, args)
    if id(node) not in index:
        index[id(node)] = len(nodes)
        nodes.append(node)
        args.append(tuple([index[id(a)] for a in node.args]))


_LEAF, _SIZED, _COSTLY, _PLAIN = "leaf", "sized", "costly", "plain"
_KINDS = {}


def _kind(cls):
    """What a node type is to the plan (worked out once per type)."""
    if issubclass(cls, _LEAVES):
        kind = _LEAF
    elif issubclass(cls, _SIZE_PARAMS + (E.Basis,)):
        kind = _SIZED
    elif issubclass(cls, (E.Mul,) + _CUBIC):
        kind = _COSTLY
    else:
        kind = _PLAIN
    _KINDS[cls] = kind
    return kind


class Program:
    """The nodes of `roots` in dependency order, with concrete shapes, at the given sizes."""

    def __init__(self, roots, sizes, backend=None, plan=None):
        """Fix the shapes of `plan` (made from `roots` unless given), estimate the work."""
        plan = self.plan = plan or Plan(roots)
        self.sizes = dict(sizes)
        self.nodes, self.args, self.roots, self.leaves = plan.nodes, plan.args, plan.roots, plan.leaves
        self.variables = plan.variables
        self._concrete = concrete = [concrete_shape(s, sizes) for s in plan.shapes]
        self.largest = max(m * n for m, n in concrete)
        self.cost = (sum(concrete[k][0] * concrete[k][1] * times for k, times in plan.reads.items())
                     + sum(self._cost(i) for i in plan.special))
        budget = LOADED_BUDGET if "numpy" in sys.modules else PYTHON_BUDGET
        self.backend = backend or ("python" if self.cost <= budget else "numpy")
        self.cond = tiny.Conditioning()
        self._all = plan.steps
        self._dependents = {}
        self._reruns = {}

    @property
    def shapes(self):
        """The concrete shape of every step."""
        return [self._concrete[k] for k in self.plan.shape_ids]

    def _cost(self, i):
        """Multiply-adds of a product's or an inverse's step i, roughly (they dominate)."""
        node, ids = self.nodes[i], self.plan.shape_ids
        m, n = self._concrete[ids[i]]
        shapes = [self._concrete[ids[a]] for a in self.args[i]]
        if isinstance(node, E.Mul):
            chain = [s for s in shapes if s != (1, 1)]
            return m * n + sum(chain[0][0] * b[0] * b[1] for b in chain[1:]) if chain else 1
        k = shapes[0][0]
        return k ** 3 * (2 + abs(int(node.params[0])).bit_length() if isinstance(node, E.Power) else 2)

    def needed(self, root):
        """The steps that root number `root` needs, as a set."""
        key = ("needed", root)
        if key not in self._dependents:
            keep = {self.roots[root]}
            for i in range(self.roots[root], -1, -1):
                if i in keep:
                    keep.update(self.args[i])
            self._dependents[key] = keep
        return self._dependents[key]

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
            steps = self._by_index()
            for i in only:
                if i in steps:
                    todo.append(steps[i])
                else:
                    vals[i] = leaf(values[_leaf_name(self.nodes[i])])
        self._execute(vals, todo)
        return vals

    def rerun(self, values, vals, name, root=0):
        """A copy of `vals` (from `run`) with the variable `name` at its value in `values`
        and every step that depends on it and that root number `root` needs recomputed
        (the other roots' values are then stale)."""
        key = (name, root)
        if key not in self._reruns:
            steps, needed = self._by_index(), self.needed(root)
            self._reruns[key] = [steps[i] for i in self.dependents(name) if i in steps and i in needed]
        vals = list(vals)
        value = self._leaf_value(values[name])
        for i in self.leaves.get(name, ()):
            vals[i] = value
        self._execute(vals, self._reruns[key])
        return vals

    def _by_index(self):
        return {step[0]: step for step in self._all}

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
        return [self.output(vals, k) for k in range(len(self.roots))]

    def output(self, vals, k):
        """The value of root number k as a list of rows of floats."""
        v = vals[self.roots[k]]
        return v if self.backend == "python" else v.tolist()

    def evaluate(self, values):
        """The roots' values at `values` (lists of rows)."""
        return self.outputs(self.run(values))


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


__all__ = ["Plan", "Program", "PYTHON_BUDGET", "LOADED_BUDGET"]
