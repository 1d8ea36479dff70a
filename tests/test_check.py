"""check(): verdicts and diagnoses on hand derivations (SPEC §5, seed_examples.md).

Five kinds of tests: the seed table of mistakes, each with its verdict and
diagnosis; right answers in three equivalent forms; one test per diagnosis;
bad input and the command line; random perturbations of right answers
(hypothesis), each rejected with a diagnosis that fits the perturbation.
"""

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import symmat
from symmat.tree import expr as E
from symmat.api import check
from symmat.checking import checker as checking
from symmat.cli import main
from symmat.errors import DeclarationError, DerivativeError, ParseError, ShapeError, SymmatError
from symmat.printing.text import to_text


CHECK = checking                 # the module (named apart from the function symmat.check)
ORDER = CHECK.ORDER


def code(report):
    """The main diagnosis code of a report."""
    return report.diagnosis.code


# ----------------------------------------------------------------- the seed table of mistakes

def test_seed_misplaced_entries_of_explicit_matrix():
    """∂ tr(A X)/∂A = [w z; y x] for X = [w x; y z]: wrong, the answer is Xᵀ = [w y; x z]."""
    r = check("tr(A X)", wrt="A", claim="[w z; y x]", where="X = [w x; y z]")
    assert not r.ok
    assert code(r) == "misplaced"
    assert "Xᵀ = [w y; x z]" in r.text()
    assert r.counterexample.entry == (1, 2)
    assert (r.counterexample.claimed, r.counterexample.true) == ("z", "y")


def test_seed_cannot_contain_x():
    """∂ tr(A X B)/∂X = Aᵀ X Bᵀ: wrong, Aᵀ Bᵀ; f is linear in X so the result cannot contain X."""
    r = check("tr(A X B)", wrt="X", claim="A^T X B^T")
    assert not r.ok
    assert code(r) == "dependence"
    assert r.diagnosis.data["variable"] == "X"
    assert "linear in X" in r.diagnosis.text()
    assert str(r.correct) == "Aᵀ Bᵀ"
    assert r.assumed, "the claim only types when the matrices are square"


def test_seed_derivative_by_the_other_variable():
    """-2 (x - A s)ᵀ W A is ∂/∂s in numerator layout, not ∂/∂x."""
    r = check("(x - A s)^T W (x - A s)", wrt="x", claim="-2 (x - A s)^T W A", where="W: symmetric")
    assert not r.ok
    assert code(r) == "other_variable"
    assert r.diagnosis.data == {"variable": "s", "layouts": ["numerator"]}
    assert "with respect to s, in numerator layout" in r.diagnosis.text()
    assert "2 W (x - A s)" in to_text(r.correct.result).replace("- 1 ", "- ")


def test_seed_layout_denominator():
    """∂(A x)/∂x = A asked in denominator layout: wrong there (Aᵀ), right in numerator layout."""
    r = check("A x", wrt="x", claim="A", layout="denominator")
    assert not r.ok
    assert code(r) == "layout"
    assert "numerator" in r.diagnosis.data["layouts"]
    assert str(r.correct) == "Aᵀ"
    assert check("A x", wrt="x", claim="A", layout="numerator").ok


def test_seed_right_only_for_symmetric():
    """∂ xᵀ A x/∂x = 2 A x: right only for symmetric A; in general (A + Aᵀ) x."""
    r = check("x^T A x", wrt="x", claim="2 A x")
    assert not r.ok
    assert code(r) == "symmetric"
    assert r.diagnosis.data["matrices"] == ["A"]
    assert str(r.correct) == "(A + Aᵀ) x"
    assert check("x^T A x", wrt="x", claim="2 A x", where="A: symmetric").ok


# ----------------------------------------------------------------- right answers, three forms each

RIGHT = [
    ("a^T x", "x", {}, ["a", "(a^T)^T", "I a"]),
    ("x^T a", "x", {"layout": "numerator"}, ["a^T", "(I a)^T", "a^T I"]),
    ("x^T x", "x", {}, ["2 x", "x + x", "2 I x"]),
    ("x^T A x", "x", {}, ["(A + A^T) x", "A^T x + A x", "A x + (x^T A)^T"]),
    ("x^T A x", "x", {"where": "A: symmetric"}, ["2 A x", "A x + A^T x", "(A + A^T) x"]),
    ("x^T B x", "x", {"layout": "numerator"}, ["x^T (B + B^T)", "x^T B^T + x^T B", "((B + B^T) x)^T"]),
    ("||A x - b||^2", "x", {}, ["2 A^T (A x - b)", "2 A^T A x - 2 A^T b", "2 (x^T A^T A - b^T A)^T"]),
    ("||X w - y||^2 + λ ||w||^2", "w", {},
     ["2 X^T (X w - y) + 2 λ w", "2 (X^T X + λ I) w - 2 X^T y", "2 X^T X w - 2 X^T y + 2 lambda w"]),
    ("tr(A X)", "A", {}, ["X^T", "(X)^T", "I X^T"]),
    ("tr(X^T A X)", "X", {}, ["(A + A^T) X", "A X + A^T X", "(X^T A + X^T A^T)^T"]),
    ("tr(A X B)", "X", {}, ["A^T B^T", "(B A)^T", "A^T I B^T"]),
    ("log|A|", "A", {}, ["A^{-T}", "(A^{-1})^T", "inv(A^T)"]),
    ("a^T X^{-1} b", "X", {}, ["-X^{-T} a b^T X^{-T}", "-(X^{-1} b a^T X^{-1})^T", "-(X^T)^{-1} a (X^{-1} b)^T"]),
    ("-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))", "w", {},
     ["1/m X^T (σ(X w) - y)", "X^T (σ(X w) - y) / m", "1/m X^T σ(X w) - 1/m X^T y"]),
    ("A x", "x", {}, ["A", "(A^T)^T", "A I"]),
    ("tr(A X)", "A", {"where": "X = [w x; y z]"}, ["[w y; x z]", "X^T", "[w, y; x, z]"]),
]


@pytest.mark.parametrize("f, wrt, kw, forms", RIGHT, ids=[f"{r[0]}-{r[1]}" for r in RIGHT])
def test_right_answers_in_three_forms(f, wrt, kw, forms):
    for claim in forms:
        r = check(f, wrt=wrt, claim=claim, **kw)
        assert r.ok, f"{claim}: {r.text()}"
        assert code(r) == "right" and r.counterexample is None


def test_right_by_expansion_says_so(monkeypatch):
    """Where simplification does not reach 0, two size assignments of exact expansion decide."""
    monkeypatch.setattr(CHECK.Checker, "_simplifies", lambda self, s: False)
    r = check("softmax(z)", wrt="z", claim="diag(softmax(z)) - softmax(z) softmax(z)^T")
    assert r.ok
    assert r.method == "by exact expansion at sizes n=2 and n=3"
    r = check("||X w - y||^2", wrt="w", claim="2 X^T X w - 2 X^T y")
    assert r.ok and r.method == "by exact expansion at sizes n=2, m=3 and n=3, m=2"


def test_expr_inputs_keep_their_declarations():
    f = symmat.parse("x^T A x", where="A: symmetric")
    assert check(f, wrt="x", claim="2 A x").ok
    assert check(symmat.parse("tr(A X)", where="A: 2x4"), wrt="A", claim="X^T").ok


# ----------------------------------------------------------------- one test per diagnosis

def test_layout_for_a_gradient_by_a_matrix():
    r = check("tr(A X)", wrt="A", claim="X")
    assert code(r) == "layout" and r.diagnosis.data["layouts"] == ["numerator"]
    assert all(d.code != "shape" for d in r.diagnoses), "the layout accounts for the shape"


def test_layout_names_every_layout_that_fits():
    r = check("A x", wrt="x", claim="A^T")
    assert code(r) == "layout" and r.diagnosis.data["layouts"] == ["denominator"]


def test_convention_for_a_symmetric_variable():
    r = check("log det(X)", wrt="X", claim="2 X^{-1} - X^{-1} ⊙ I", where="X: symmetric")
    assert code(r) == "convention" and r.diagnosis.data["convention"] == "entrywise"
    assert check("log det(X)", wrt="X", claim="2 X^{-1} - X^{-1} ⊙ I", where="X: symmetric",
                 symmetric="entrywise").ok


@pytest.mark.parametrize("c", ["2", "1/2", "3"])
def test_constant_factor(c):
    r = check("x^T A x", wrt="x", claim=f"{c} (A + A^T) x")
    assert code(r) == "factor" and r.diagnosis.data["factor"] == str(Fraction(c))


def test_sign():
    r = check("||A x - b||^2", wrt="x", claim="2 A^T (b - A x)")
    assert code(r) == "sign"
    assert "minus" in r.diagnosis.text()


def test_shape():
    r = check("1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", wrt="W2", claim="(W2 σ(W1 x + b1) + b2 - y) x^T")
    assert code(r) == "shape"
    assert r.diagnosis.data["shape"] == "n×m" and r.counterexample is None


def test_shape_when_the_claim_does_not_fit_f():
    r = check("tr(A [1 2; 3 4])", wrt="A", claim="A [1; 2; 3]")
    assert not r.ok and code(r) == "shape"
    assert "does not fit the sizes of f" in r.diagnosis.text()


def test_dependence_on_a_variable_not_in_f():
    r = check("x^T A x", wrt="x", claim="B x")
    assert code(r) == "dependence" and "does not occur in f" in r.diagnosis.text()


def test_dependence_on_another_variable_of_f():
    r = check("a^T x + b^T x", wrt="x", claim="a + b + x")
    assert any(d.code == "dependence" and d.data["variable"] == "x" for d in r.diagnoses)


def test_other_variable_in_the_same_layout():
    r = check("tr(A X)", wrt="A", claim="A^T")
    assert code(r) == "other_variable" and r.diagnosis.data["variable"] == "X"


def test_generic_wrong_has_a_counterexample():
    r = check("x^T A x", wrt="x", claim="A x")
    assert not r.ok and code(r) == "wrong"
    ce = r.counterexample
    assert ce.sizes == {"n": 2} and ce.entry == (1, 1)
    assert ce.claimed != ce.true


def test_right_only_at_sizes_the_claim_forces():
    r = check("tr(A X B)", wrt="X", claim="(B A)^T + X - X")
    assert not r.ok or not r.assumed


def test_diagnoses_are_ordered():
    r = check("log det(X)", wrt="X", claim="X^{-1}")
    codes = [d.code for d in r.diagnoses]
    assert codes == sorted(codes, key=ORDER.index)
    assert codes[0] == "layout" and "symmetric" in codes


# ----------------------------------------------------------------- bad input

@pytest.mark.parametrize("claim, error", [
    ("2 A x +", ParseError), ("x + A", ShapeError), ("2 A x where A: symmetric", DeclarationError),
])
def test_bad_claims_are_bad_input(claim, error):
    with pytest.raises(error):
        check("x^T A x", wrt="x", claim=claim)


def test_bad_variable():
    with pytest.raises(DerivativeError):
        check("x^T A x", wrt="y", claim="y")
    with pytest.raises(DerivativeError):
        check("x^T A x", wrt="x,A", claim="x")


def test_bad_layout():
    with pytest.raises(SymmatError):
        check("x^T A x", wrt="x", claim="x", layout="sideways")


# ----------------------------------------------------------------- renderings

def test_renderings():
    r = check("x^T A x", wrt="x", claim="2 A x")
    text = r.text()
    assert text.startswith("✗ wrong: 2 A x is not ∂f/∂x (mixed layout)")
    assert "diagnosis (symmetric)" in text
    ascii_text = r.text(ascii=True)
    assert ascii_text.isascii() and "(A + A^T) x" in ascii_text
    md = r.markdown()
    assert md.startswith("**✗ Wrong:**") and "$\\left(A + A^{\\top}\\right) x$" in md
    assert r._repr_markdown_().startswith("**✗ Wrong:**")
    latex = r.latex()
    assert latex.startswith("\\textbf{Wrong.}") and "\\begin{align*}" in latex
    data = json.loads(json.dumps(r.to_data(), ensure_ascii=False))
    assert data["ok"] is False and data["diagnosis"]["code"] == "symmetric"
    assert data["counterexample"]["entry"] == [1, 1]
    assert data["correct"]["result"] == "(A + Aᵀ) x"


def test_right_rendering():
    r = check("tr(A X)", wrt="A", claim="X^T")
    assert str(r).startswith("✓ right: Xᵀ is ∂f/∂A (mixed layout), decided symbolically")
    assert bool(r) is True and r.to_data()["verdict"] == "right"


# ----------------------------------------------------------------- command line

def run_cli(capsys, *argv):
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_cli_exit_codes(capsys):
    assert run_cli(capsys, "check", "tr(A X)", "--wrt", "A", "--claim", "X^T")[0] == 0
    status, out, _ = run_cli(capsys, "check", "x^T A x", "--wrt", "x", "--claim", "2 A x")
    assert status == 1 and "right only for symmetric A" in out
    status, _, err = run_cli(capsys, "check", "x^T A x", "--wrt", "x", "--claim", "2 A x +")
    assert status == 2 and err.startswith("symmat:")
    status, out, _ = run_cli(capsys, "check", "A x", "--wrt", "x", "--claim", "A", "--layout", "denominator")
    assert status == 1 and "numerator" in out


def test_cli_formats(capsys):
    status, out, _ = run_cli(capsys, "check", "tr(A X B)", "--wrt", "X", "--claim", "A^T X B^T", "--format", "json")
    assert status == 1 and json.loads(out)["diagnosis"]["code"] == "dependence"
    status, out, _ = run_cli(capsys, "check", "tr(A X)", "--wrt", "A", "--claim", "X", "--format", "markdown")
    assert status == 1 and out.startswith("Read as $f = \\operatorname{tr}\\left(A X\\right)$\n\n**✗ Wrong:**")


def test_api_check_twice():
    """symmat.check stays the function after the module symmat.check is loaded."""
    assert symmat.check("tr(A X)", wrt="A", claim="X^T").ok
    assert symmat.check("tr(A X)", wrt="A", claim="X^T").ok
    assert callable(symmat.check)


# ----------------------------------------------------------------- perturbed right answers (hypothesis)

CASES = [
    ("x^T A x", "x", {}, "(A + A^T) x"),
    ("x^T B x", "x", {"layout": "numerator"}, "x^T (B + B^T)"),
    ("b^T x + x^T A x", "x", {}, "b + (A + A^T) x"),
    ("||X w - y||^2 + λ ||w||^2", "w", {}, "2 X^T (X w - y) + 2 λ w"),
    ("(X w - y)^T W (X w - y)", "w", {"where": "W: symmetric"}, "2 X^T W (X w - y)"),
    ("||A X - B||_F^2", "A", {}, "2 (A X - B) X^T"),
    ("tr(A B A^T)", "A", {}, "A B^T + A B"),
    ("tr(A X B)", "X", {}, "A^T B^T"),
    ("a^T X b", "X", {}, "a b^T"),
    ("a^T X^{-1} b", "X", {}, "-X^{-T} a b^T X^{-T}"),
    ("(x - A s)^T W (x - A s)", "s", {"where": "W: symmetric"}, "-2 A^T W (x - A s)"),
    ("tr(A X B)", "X", {"where": "A: square, B: square, X: square"}, "A^T B^T"),
    ("a^T X b", "X", {"where": "X: square"}, "a b^T"),
    ("||A X - B||_F^2", "A", {"where": "A: square, X: square"}, "2 (A X - B) X^T"),
]
ANY_WRONG = set(ORDER) - {"right", "undecided"}
FITTING = {"transpose": {"layout", "transpose"}, "negate": {"sign"}, "drop": ANY_WRONG - {"layout", "transpose"},
           "swap": ANY_WRONG, "scale": {"factor", "sign"}}


def _adds(e):
    return [n for n in e.walk() if isinstance(n, E.Add)]


def _muls(e):
    return [n for n in e.walk() if isinstance(n, E.Mul) and len(n.chain) >= 2]


def _replace(e, old, new):
    if e is old or e == old:
        return new
    return e.rebuild([_replace(a, old, new) for a in e.args])


def perturb(kind, answer, draw):
    """The answer changed in one way (None when the change cannot be made)."""
    if kind == "transpose":
        return E.Transpose(answer)
    if kind == "negate":
        return E.Neg(answer)
    if kind == "scale":
        return E.Mul(E.Const(draw(st.sampled_from([Fraction(2), Fraction(1, 2), Fraction(3), Fraction(-2)]))), answer)
    nodes = _adds(answer) if kind == "drop" else _muls(answer)
    if not nodes:
        return None
    node = draw(st.sampled_from(nodes))
    i = draw(st.integers(0, len(node.args) - 1 if kind == "drop" else len(node.chain) - 2))
    try:
        if kind == "drop":
            rest = node.args[:i] + node.args[i + 1:]
            return _replace(answer, node, rest[0] if len(rest) == 1 else E.Add(*rest))
        chain = [k for k, a in enumerate(node.args) if not a.is_scalar]
        args = list(node.args)
        args[chain[i]], args[chain[i + 1]] = args[chain[i + 1]], args[chain[i]]
        return _replace(answer, node, E.Mul(*args))
    except ShapeError:
        return None


def _values(exprs):
    from symmat.proof.expand import concrete_shape, concrete_sizes
    sizes = concrete_sizes(exprs)
    rng = np.random.default_rng(1)
    out = {}
    for e in exprs:
        for v in e.variables():
            m, n = concrete_shape(v.shape, sizes)
            a = rng.uniform(0.5, 1.5, (m, n)) + (3 * np.eye(m) if m == n and m > 1 else 0)
            out[v.name] = (a + a.T) / 2 if v.has("symmetric") else (float(a[0, 0]) if (m, n) == (1, 1) else a)
    return out


def differs(a, b):
    """True when two expressions differ numerically (an oracle independent of check)."""
    if a.shape != b.shape:
        return True
    values = _values([a, b])
    return not np.allclose(np.asarray(a.evaluate(values)), np.asarray(b.evaluate(values)))


@st.composite
def perturbed(draw):
    f, wrt, kw, answer_text = draw(st.sampled_from(CASES))
    _, answer = CHECK.type_together(CHECK.Texts(f, answer_text, kw.get("where"), symmat.reading.build.Limits()))
    kind = draw(st.sampled_from(sorted(FITTING)))
    new = perturb(kind, answer, draw)
    assume(new is not None and differs(new, answer))
    return f, wrt, kw, answer_text, kind, new


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(perturbed())
def test_perturbed_answers_are_rejected_with_a_fitting_diagnosis(case):
    f, wrt, kw, answer_text, kind, new = case
    assert check(f, wrt=wrt, claim=answer_text, **kw).ok
    r = check(f, wrt=wrt, claim=to_text(new), **kw)
    assert not r.ok, f"{kind}: {to_text(new)} accepted"
    assert code(r) in FITTING[kind], f"{kind}: {to_text(new)} → {r.text()}"
    if kind == "scale":
        c = new.args[0].value
        assert r.diagnosis.data["factor"] == str(c)
