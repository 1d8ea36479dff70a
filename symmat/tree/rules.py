"""Rule tables keyed by node type: the one way a stage registers its rules.

A rule is a pure function of a node that returns its input unchanged when it
does not apply (SymPy's `strategies` style); combinators decide how rules run.
Two kinds of table, one module:

* `named_rules()`: one rule per operator, with the name its derivation steps
  show (the differential, the trace trick, the Jacobian, explicit matrices).
* `rule_tuples({cls: (rule, …)})`: several rules per operator, tried in order
  (simplification); `do_one` is the combinator that applies the first rule
  of a tuple that changes a node; `needs` marks a rule that only a node with a child of
  certain types can change, so that `do_one` dispatches on the children's types too.
* `node_table({cls: fn})`: one function per node type, for the walks that
  give every node a value (the printers, NumPy evaluation, SymPy expansion);
  checked when built, and complete (every node type has a rule) unless
  said otherwise, so a new node type cannot be forgotten by one of them.
"""

from .expr import NODE_TYPES


def named_rules():
    """(RULES, rule): an empty table and the decorator that fills it.

    ``@rule(E.Mul, name="product rule")`` registers a function for node
    classes; ``RULES[cls]`` is then ``(function, name)``. A table whose rules
    show no name in the steps registers them with ``name=None``.
    """
    table = {}

    def rule(*classes, name=None):
        def register(fn):
            for cls in classes:
                table[cls] = (fn, name)
            return fn
        return register

    return table, rule


def rule_tuples(mapping):
    """The table {node class: tuple of rules}, checked: every rule is a function of one node."""
    table = {}
    for cls, rules in mapping.items():
        rules = tuple(rules)
        for fn in rules:
            if not callable(fn):
                raise TypeError(f"rule {fn!r} for {cls.__name__} is not a function")
        table[cls] = table.get(cls, ()) + rules
    return table


def needs(*classes):
    """Mark a rule that can only change a node with a child of one of `classes` (checked by `do_one`).

    ``@needs(E.Identity)`` on ``A I = A``: `do_one` skips the rule for a node whose children are
    of none of these types, without calling it (most rules do not apply to most nodes, and a
    simplification tries every rule of a node's type on every node it settles).
    """
    def mark(fn):
        fn.needs = frozenset(classes)
        return fn
    return mark


_PLANS = {}   # id(table) → (table, {class: ((rule, needs or None), …)})


def _plan(table):
    """The table's rules with their `needs`, made once per table."""
    got = _PLANS.get(id(table))
    if got is None or got[0] is not table:
        got = _PLANS[id(table)] = (table, {cls: tuple((fn, getattr(fn, "needs", None)) for fn in rules)
                                           for cls, rules in table.items()})
    return got[1]


def do_one(table, on_change=None):
    """The strategy that applies to a node the first rule of its type that changes it.

    ``on_change(rule, old, new)`` is called on every change (budgets, checks). A rule marked
    with `needs` is tried only on a node with a child of one of its types.
    """
    plans = _plan(table)

    def step(e):
        kinds = None
        for fn, need in plans.get(type(e), ()):
            if need is not None:
                if kinds is None:
                    kinds = {type(a) for a in e.args}
                if kinds.isdisjoint(need):
                    continue
            out = fn(e)
            if out is not e and out != e:
                if on_change is not None:
                    on_change(fn, e, out)
                return out
        return e
    return step


def node_table(mapping, complete=True):
    """The table {node class: function}, checked: functions only and, if `complete`, every node type."""
    table = dict(mapping)
    for cls, fn in table.items():
        if not callable(fn):
            raise TypeError(f"rule {fn!r} for {cls.__name__} is not a function")
    missing = sorted(name for name, cls in NODE_TYPES.items() if cls not in table)
    if complete and missing:
        raise TypeError(f"no rule for {', '.join(missing)}")
    return table
