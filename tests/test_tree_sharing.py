"""Nodes built twice are shared: a rebuilt node is the one built before (issue 14, derivation speed).

Equal structures compare in O(arity) because children are the first node
built for their structure; a node rebuilt over equal children is that first
node itself, and a node built again takes its shape and hash from it.
"""

import pickle
from fractions import Fraction

import pytest

from symmat.errors import ShapeError
from symmat.tree import expr as E


def test_a_rebuilt_node_is_the_one_built_before():
    A, x = E.Var("A", ("n", "n")), E.Var("x", ("n", 1))
    first = E.Mul(E.Transpose(x), A, x)
    again = E.Mul(E.Transpose(E.Var("x", ("n", 1))), E.Var("A", ("n", "n")), E.Var("x", ("n", 1)))
    assert again == first and hash(again) == hash(first) and again.shape == first.shape == (1, 1)
    assert again.args[0] is first.args[0]   # children shared
    rebuilt = first.rebuild([E.Transpose(E.Var("x", ("n", 1))), A, E.Var("x", ("n", 1))])
    assert rebuilt is first
    other = first.rebuild([E.Transpose(x), E.Transpose(A), x])
    assert other != first and other.shape == (1, 1) and other.is_scalar
    assert pickle.loads(pickle.dumps(first)) is first


def test_is_scalar_and_shape_are_the_node_s_own():
    A, x = E.Var("A", ("m", "n")), E.Var("x", ("n", 1))
    assert E.Mul(A, x).shape == ("m", 1) and not E.Mul(A, x).is_scalar
    assert E.Mul(E.Transpose(x), x).is_scalar and E.Const(3).is_scalar
    assert E.Const(Fraction(1, 2)).value == Fraction(1, 2) and E.Const(2).params == (Fraction(2),)
    with pytest.raises(ShapeError):
        E.Mul(x, A)   # a bad shape is refused however often it is asked for
    with pytest.raises(ShapeError):
        E.Mul(x, A)


def test_a_node_outliving_its_first_copy_becomes_the_shared_one():
    # A node built while an equal one lived is not the shared copy; when that one dies, the node
    # must become the shared copy, or every tree over it and every equal tree built later hold
    # different children, and comparing them recurses to the leaves (the 32-layer network Hessian
    # spent 0.56 s in a million such __eq__ calls).
    import gc
    x = E.Var("x", ("n", 1))
    first = E.Hadamard(x, x)
    second = E.Hadamard(E.Var("x", ("n", 1)), x)   # equal, built while `first` lives
    del first
    gc.collect()
    over_second = E.Transpose(second)
    later = E.Transpose(E.Hadamard(x, x))           # built after `first` died
    assert over_second == later
    assert over_second.args[0] is later.args[0]     # one child object: equality is O(arity)
