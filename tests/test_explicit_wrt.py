"""Differentiating by a matrix written out as scalars (SPEC §1.3, issue 10):
with ``A = [a b; c d]`` declared, ∂f/∂A is the explicit matrix of ∂f/∂a, ∂f/∂b, …"""

import numpy as np
import pytest

import symmat
from symmat.cli import main

BOTH = "A = [a b; c d], X = [w x; y z]"


def cli(capsys, *argv):
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_the_notes_first_example():
    r = symmat.grad("tr(A X)", wrt="A", where=BOTH)
    assert str(r) == "[w y; x z]" and r.shape == (2, 2)
    assert r.heading().startswith("gradient by A, mixed layout, 2×2")
    assert "partial derivatives by its entries" in r.notes[0]
    partials = [s for s in r.steps if s.rule == "partial derivative"]
    assert [(s.lhs_text(), str(s.rhs)) for s in partials] == [
        ("∂f/∂a", "w"), ("∂f/∂b", "y"), ("∂f/∂c", "x"), ("∂f/∂d", "z")]


def test_entries_that_occur_elsewhere_count_too():
    r = symmat.grad("tr(A^T A) + a", wrt="A", where="A = [a b; c d]")
    assert str(r) == "[2 a + 1, 2 b; 2 c, 2 d]"


def test_numerator_layout_transposes():
    assert str(symmat.grad("tr(A X)", wrt="A", where=BOTH, layout="numerator")) == "[w x; y z]"


def test_value_matches_finite_differences():
    r = symmat.grad("tr(A X) + a b", wrt="A", where=BOTH)
    rng = np.random.default_rng(3)
    vals = {k: float(v) for k, v in zip("abcdwxyz", rng.standard_normal(8))}
    f = symmat.parse("tr(A X) + a b", where=BOTH)
    h, numeric = 1e-6, []
    for k in "abcd":
        up, down = dict(vals), dict(vals)
        up[k] += h
        down[k] -= h
        numeric.append((f.evaluate(up) - f.evaluate(down)) / (2 * h))
    assert np.allclose(r.evaluate(vals), np.array(numeric).reshape(2, 2), atol=1e-6)


def test_verification_expands_each_entry():
    r = symmat.grad("tr(A X)", wrt="A", where=BOTH)
    rep = symmat.verify(r, elements=True)
    assert rep.ok and len(rep.table) == 4 and rep.wrt == "A"


@pytest.mark.parametrize("where,message", [
    ("A = [a 1; c d]", "not a name"),
    ("A = [a a; c d]", "not distinct"),
])
def test_entries_must_be_distinct_names(where, message):
    with pytest.raises(symmat.DerivativeError, match=message):
        symmat.grad("tr(A X)", wrt="A", where=where)


def test_only_a_scalar_function():
    with pytest.raises(symmat.DerivativeError, match="use grad"):
        symmat.jacobian("A x", wrt="A", where="A = [a b; c d]")


@pytest.mark.parametrize("claim,ok,code", [
    ("[w y; x z]", True, "right"),
    ("X^T", True, "right"),
    ("[w z; y x]", False, "misplaced"),
    ("[w x; y z]", False, "misplaced"),
    ("[w, y; x, 2 z]", False, "wrong"),
    ("[w y]", False, "shape"),
])
def test_check_by_entries(claim, ok, code):
    report = symmat.check("tr(A X)", wrt="A", claim=claim, where=BOTH)
    assert report.ok is ok and report.diagnosis.code == code


def test_cli(capsys):
    status, out, _ = cli(capsys, "grad", "tr(A X)", "--wrt", "A", "--where", BOTH)
    assert status == 0 and out.splitlines()[1] == "∂f/∂A = [w y; x z]"
    status, out, _ = cli(capsys, "check", "tr(A X)", "--wrt", "A", "--where", "X = [w x; y z]",
                         "--claim", "[w y; x z]")
    assert status == 0
    status, out, _ = cli(capsys, "check", "tr(A X)", "--wrt", "A", "--where", "X = [w x; y z]",
                         "--claim", "[w z; y x]")
    assert status == 1 and "misplaced" in out
    status, out, _ = cli(capsys, "check", "tr(A X)", "--wrt", "A", "--where", BOTH, "--claim", "[w y; x z]")
    assert status == 0
    status, out, _ = cli(capsys, "check", "tr(A X)", "--wrt", "A", "--where", BOTH, "--claim", "[w z; y x]")
    assert status == 1 and "entry (1, 2): the claim gives z, the derivative is y" in out
    status, out, _ = cli(capsys, "grad", "tr(A X)", "--wrt", "A", "--where", BOTH, "--verify")
    assert status == 0 and "verified exactly" in out
