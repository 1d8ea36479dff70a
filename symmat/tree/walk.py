"""The one way to walk a tree and the one way to rebuild it.

Trees share equal subtrees (`expr`), so every walk is memoised on the node:
a subtree met twice is computed once, and a walk is linear in the number of
distinct nodes, not in the size of the printed expression.

* `fold(e, fn)`: a value per node from the values of its children,
  ``fn(node, child_values)`` (evaluation, expansion, measures).
* `rebuild(e, fn)`: the tree rebuilt bottom-up, ``fn`` applied to each node
  after its children were rebuilt (rewrites).
* `replace(e, mapping)`: every occurrence of a key replaced by its value.
"""


def fold(e, fn, memo=None):
    """fn(node, [values of its children]) at the root, children first, each distinct node once."""
    memo = {} if memo is None else memo

    def go(x):
        if x not in memo:
            memo[x] = fn(x, [go(a) for a in x.args])
        return memo[x]

    return go(e)


def rebuild(e, fn, memo=None):
    """The tree with each node replaced by fn(node rebuilt from its rebuilt children).

    `memo` (node → result) may be shared between calls, and `fn` may itself
    rebuild the nodes it makes with the same memo (a rewrite to a fixed point).
    """
    memo = {} if memo is None else memo

    def go(x):
        if x not in memo:
            memo[x] = fn(x.rebuild([go(a) for a in x.args]))
        return memo[x]

    return go(e)


def replace(e, mapping):
    """`e` with every occurrence of a key of `mapping` replaced by its value."""
    if not mapping:
        return e
    memo = {}

    def go(x):
        if x in mapping:
            return mapping[x]
        if x not in memo:
            memo[x] = x.rebuild([go(a) for a in x.args])
        return memo[x]

    return go(e)
