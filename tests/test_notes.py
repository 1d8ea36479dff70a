"""Notes for a course: Markdown / LaTeX / JSON derivations, Jupyter reprs, `Derivative.to_sympy`.

The notes formats carry the whole derivation (statement, every step with its
rule, result, the verification table when asked); `to_sympy` is checked
against symmat's own NumPy evaluation at random values.
"""

import json
import re

import numpy as np
import pytest
import sympy
from sympy.matrices.expressions import OneMatrix

from symmat.api import check, derivative, grad, jacobian, verify
from symmat.cli import main
from symmat.proof.expand import concrete_shape, concrete_sizes
from symmat.printing.notes import prose_latex, render_latex, render_markdown, render_result, step_latex


def cli(capsys, *argv):
    status = main(list(argv))
    return status, capsys.readouterr().out


# ----------------------------------------------------------------- Markdown

def test_markdown_has_statement_steps_rules_result():
    r = grad("x^T A x", wrt="x")
    md = render_markdown(r)
    assert md.startswith("Read as $f = x^{\\top} A x$\n\n**Gradient by x, mixed layout, n×1** of $f = x^{\\top} A x$")
    # issue 12: the chain of equalities in one aligned display, each line with its rule
    rows = [line for line in md.splitlines() if line.endswith("\\\\") or "&&" in line]
    assert len(rows) == len(r.steps) - 1
    assert "\\text{(product rule, transpose; Matrix Cookbook eq. 37)}" in md
    assert "\\text{(a scalar is its own transpose)}" in md
    assert "$$ \\frac{\\partial f}{\\partial x} = \\left(A + A^{\\top}\\right) x $$" in md


def test_markdown_with_the_verification_table():
    r = grad("tr(A X)", wrt="A", where="A: 2x4")
    md = render_markdown(r, report=[verify(r, elements=True)])
    assert "**✓ verified exactly" in md
    assert "| $\\frac{\\partial f}{\\partial a_{23}}$ | $x_{32}$ |" in md


def test_markdown_gradient_vector_for_scalars():
    md = render_markdown(grad("x y z", wrt="x,y,z", where="x, y, z: scalar"))
    assert "\\nabla f = \\begin{bmatrix} y z \\\\ x z \\\\ x y \\end{bmatrix}" in md


def test_cli_markdown_is_the_whole_derivation(capsys):
    status, out = cli(capsys, "grad", "x^T A x", "--wrt", "x", "--format", "markdown")
    assert status == 0 and "\\text{(collect)}" in out and "$$" in out


# ----------------------------------------------------------------- LaTeX

def test_latex_notes():
    r = grad("1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", wrt="W1")
    tex = render_latex(r)
    assert tex.startswith("% symmat read: f = 1/2 ||W2 sigmoid(W1 x + b1) + b2 - y||^2\n% symmat: gradient by W1")
    assert tex.count("\\begin{align*}") == tex.count("\\end{align*}") == 1
    assert "chain rule (element-wise)" in tex and "\\Rightarrow \\frac{\\partial f}{\\partial W_{1}} &=" in tex
    assert "h &= \\sigma\\left(W_{1} x + b_{1}\\right)" in tex  # issue 12: a line of the chain
    assert tex.count("{") == tex.count("}")


def test_latex_verification_table(capsys):
    status, out = cli(capsys, "grad", "tr(A X)", "--wrt", "A", "--where", "A: 2x2",
                      "--format", "latex", "--verify", "--elements")
    assert status == 0
    assert "\\frac{\\partial f}{\\partial a_{12}} &= x_{21}" in out


def test_prose_in_steps_is_text():
    assert prose_latex("d(U V) = dU V + U dV (Matrix Cookbook eq. 37), for every factor") == \
        "d(U V) = dU V + U dV (\\text{ Matrix Cookbook eq. 37 }), \\text{ for every factor }"
    assert "\\operatorname{tr}(ABC)" in prose_latex("(tr(ABC) = tr(CAB))")
    for s in grad("log det(X)", wrt="X").steps:
        latex = step_latex(s)
        assert latex.count("{") == latex.count("}") and "$" not in latex


# ----------------------------------------------------------------- JSON

def test_json_carries_steps_and_table(capsys):
    status, out = cli(capsys, "grad", "x^T A x", "--wrt", "x", "--format", "json", "--verify", "--elements")
    data = json.loads(out)
    assert status == 0 and data["result"] == "(A + Aᵀ) x"
    assert (data["steps"][-1]["lhs"], data["steps"][-1]["rhs"]) == ("∂f/∂x", "(A + Aᵀ) x")
    assert all({"lhs", "rhs", "rule"} <= set(s) for s in data["steps"])
    assert data["verification"]["ok"] and data["verification"]["table"][0]["entry"] == "∂f/∂x_1"


def test_json_is_the_default_structure_without_flags(capsys):
    status, out = cli(capsys, "grad", "a^T x", "--wrt", "x", "--format", "json")
    assert "steps" in json.loads(out)


def test_text_is_unchanged():
    assert render_result(grad("x^T A x", wrt="x"), "text").splitlines()[1] == "∂f/∂x = (A + Aᵀ) x"


# ----------------------------------------------------------------- Jupyter

def test_repr_markdown_of_a_derivative():
    md = grad("x^T A x", wrt="x")._repr_markdown_()
    assert "<details><summary>derivation</summary>" in md and "$$" in md


def test_repr_markdown_of_a_check():
    md = check("x^T A x", wrt="x", claim="2 A x")._repr_markdown_()
    assert md.startswith("**✗ Wrong:**") and "Derivation" not in md


def test_check_notes_have_the_derivation():
    r = check("x^T A x", wrt="x", claim="2 A x")
    assert "**Derivation**" in r.markdown()
    assert "\\begin{align*}" in r.latex()


# ----------------------------------------------------------------- to_sympy

def _explicit(e, sizes):
    dims = {sympy.Symbol(k, integer=True, positive=True): v for k, v in sizes.items()}
    e = e.xreplace(dims)
    e = e.replace(lambda a: isinstance(a, OneMatrix), lambda a: sympy.ImmutableMatrix(a.as_explicit()))
    e = e.doit()
    return e.as_explicit() if hasattr(e, "as_explicit") else e


def sympy_value(r, values, sizes):
    """to_sympy(r) at numbers (sizes substituted, MatrixSymbols replaced, evaluated)."""
    s = r.to_sympy()
    rep = {a: sympy.ImmutableMatrix(np.atleast_2d(values[a.name])) for a in s.atoms(sympy.MatrixSymbol)}
    rep.update({a: values[a.name] for a in s.free_symbols
                if isinstance(a, sympy.Symbol) and a.name in values and not isinstance(values[a.name], np.ndarray)})
    return np.array(sympy.N(_explicit(s.xreplace(rep), sizes)), dtype=float)


def random_values(r, seed=0):
    rng = np.random.default_rng(seed)
    sizes = concrete_sizes([r.f, r.result])
    values = {}
    for v in r.f.variables():
        m, n = concrete_shape(v.shape, sizes)
        a = rng.uniform(0.5, 1.5, (m, n)) + (m * np.eye(m) if m == n and m > 1 else 0)
        values[v.name] = float(a[0, 0]) if (m, n) == (1, 1) else a
        if v.name in sizes and v.is_scalar:   # a scalar named after a size (1/m) is that size
            values[v.name] = float(sizes[v.name])
    return values, sizes


@pytest.mark.parametrize("f, wrt, kw", [
    ("x^T A x", "x", {}), ("tr(A X B)", "X", {}), ("log det(X)", "X", {}), ("a^T X^{-1} b", "X", {}),
    ("1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", "W1", {}), ("A X B", "X", {}), ("||x||_2", "x", {}),
    ("softmax(z)", "z", {}), ("x^T y z", "z", {}), ("det(A)", "A", {}),
    ("-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))", "w", {}),
])
def test_to_sympy_agrees_with_evaluate(f, wrt, kw):
    r = derivative(f, wrt=wrt, **kw)
    values, sizes = random_values(r)
    want = np.asarray(r.evaluate(values), dtype=float)
    got = sympy_value(r, values, sizes).reshape(want.shape)
    assert np.allclose(got, want)


def test_to_sympy_classes():
    from sympy.matrices.expressions import (HadamardProduct, Inverse, KroneckerProduct, MatrixSymbol,
                                            Transpose)
    s = grad("x^T A x", wrt="x").to_sympy()
    n = sympy.Symbol("n", integer=True, positive=True)
    A, x = MatrixSymbol("A", n, n), MatrixSymbol("x", n, 1)
    assert s == (A + A.T) * x and s.shape == (n, 1)
    assert derivative("A X B", wrt="X").to_sympy().has(KroneckerProduct)
    assert grad("a^T X^{-1} b", wrt="X").to_sympy().has(Inverse)
    assert grad("tr(A X)", wrt="A").to_sympy().has(Transpose)
    assert grad("1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", wrt="W1").to_sympy().has(HadamardProduct)
    assert jacobian("A x", wrt="x").to_sympy() == MatrixSymbol("A", sympy.Symbol("m", integer=True, positive=True), n) \
        or jacobian("A x", wrt="x").to_sympy().is_MatrixExpr


def test_json_steps_are_the_rows_of_the_markdown_and_latex_notes(capsys):
    # a page renders the JSON's LaTeX: it is what the notes print, words only inside \text{…}
    for args in [("grad", "x^T A x", "--wrt", "x"), ("jacobian", "softmax(z)", "--wrt", "z"),
                 ("derivative", "A X B", "--wrt", "X")]:
        data = json.loads(cli(capsys, *args, "--format", "json")[1])
        notes = [cli(capsys, *args, "--format", fmt)[1].splitlines() for fmt in ("markdown", "latex")]
        for s in data["steps"][1:]:
            left = "" if s["continued"] else ("\\Rightarrow " if s["implies"] else "") + s["lhs_latex"]
            note = re.search(r"\\text\{\(.*\)\}$", s["latex"])
            row = f"  {left} &= {s['rhs_latex']}" + (f" && {note.group(0)}" if note else "")
            for lines in notes:
                assert row in lines or row + " \\\\" in lines, (args, row)
            math = re.sub(r"\\(text|operatorname|mathrm)\{[^}]*\}|\\[a-zA-Z]+", "", s["latex"])
            assert not re.search(r"[a-z]{3,}", math), s["latex"]
