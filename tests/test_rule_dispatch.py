"""Rules dispatched by the types of a node's children too (`tree.rules.needs`, issue 14).

A rule marked ``@needs(…)`` is skipped for a node with no child of those
types. The mark must be true: the rule would have returned such a node
unchanged. These tests call every marked rule on the nodes that real
derivations settle and that the mark would skip, and check that it leaves
them as they are; and that `do_one` skips exactly those nodes.
"""

import symmat
from symmat.simplify import strategy
from symmat.simplify.strategy import RULES, Simplifier
from symmat.tree import expr as E
from symmat.tree.rules import do_one, needs, rule_tuples

CASES = [("grad", "x^T A x", "x", None), ("grad", "||A X - B||_F^2", "X", None),
         ("grad", "a^T X^{-1} b", "X", None), ("grad", "tr(A X^{-1} B)", "X", None),
         ("grad", "log det(X^T X)", "X", None), ("grad", "x^T diag(a) x", "x", None),
         ("grad", "-y^T log(softmax(z))", "z", None), ("grad", "sum(x ⊙ y ⊙ x)", "x", None),
         ("grad", "vec(X)^T kron(B, A) vec(X)", "X", "X: 2x3, A: 2x2, B: 3x3"),
         ("derivative", "kron(A, X)", "X", None), ("derivative", "A diag(x) B", "x", "A: 4x3, B: 3x2"),
         ("hessian", "1/2 ||W2 σ(W1 x) - y||^2", "W1", None), ("hessian", "log|X|", "X", None),
         ("jacobian", "softmax(z)", "z", None), ("grad", "tr(X^3)", "X", None),
         ("grad", "f = x y z where x, y, z: scalar", "x", None)]


def _settled_nodes(monkeypatch):
    """Every node the simplifier settles while deriving CASES (derivation lines written too)."""
    seen = []
    settle = Simplifier._settle

    def recording(self, cur):
        seen.append(cur)
        return settle(self, cur)

    monkeypatch.setattr(strategy.Simplifier, "_settle", recording)
    for kind, f, wrt, where in CASES:
        r = getattr(symmat, kind)(f, wrt=wrt, where=where, check=False)
        r.steps
    return seen


def test_a_marked_rule_leaves_the_nodes_it_is_skipped_for(monkeypatch):
    nodes = _settled_nodes(monkeypatch)
    marked = {cls: [fn for fn in rules if getattr(fn, "needs", None)] for cls, rules in RULES.items()}
    assert sum(len(v) for v in marked.values()) >= 15
    skipped = applied = 0
    for e in set(nodes):
        kinds = {type(a) for a in e.args}
        for fn in marked.get(type(e), ()):
            if kinds.isdisjoint(fn.needs):
                skipped += 1
                assert fn(e) == e, f"{fn.__name__} changed {e!r} though it has no child of {fn.needs}"
            elif fn(e) != e:
                applied += 1
    assert skipped > 500 and applied > 10   # the check met many skipped nodes and marked rules that apply


def test_do_one_skips_a_rule_without_the_children_it_needs():
    calls = []

    @needs(E.Identity)
    def drop_identity(e):
        calls.append(e)
        return e.args[0] if isinstance(e.args[1], E.Identity) else e

    A, x = E.Var("A", ("n", "n")), E.Var("x", ("n", 1))
    step = do_one(rule_tuples({E.Mul: (drop_identity,)}))
    assert step(E.Mul(A, x)) == E.Mul(A, x) and calls == []
    assert step(E.Mul(A, E.Identity("n"))) == A and len(calls) == 1
