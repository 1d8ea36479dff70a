"""Derivations as chains of concrete equalities, and the index style (issue 12).

Each line of a chain is `lhs = rhs` on the user's own expression, with its
rule (and Matrix Cookbook equation); generic identities are annotations only.
Jacobians and Hessians end in d vec F = J d vec X and d(∇f) = H dx. The index
style writes f with explicit sums, differentiates by one entry and recognises
the sums as matrix products; other operators keep the differential style and
say so.
"""

import json

import pytest

import symmat
from symmat.cli import main
from symmat.printing.notes import render_json, render_latex


def formulas(r):
    return [s.formula() for s in r.steps]


def test_no_line_is_a_generic_identity():
    for f, wrt in [("x^T A x", "x"), ("a^T X^{-1} b", "X"), ("log det(X)", "X"), ("tr(A X B)", "X")]:
        r = symmat.grad(f, wrt=wrt)
        for s in r.steps:
            assert "U" not in s.formula() and "⟨" not in s.formula(), s.formula()
            assert s.lhs is not None or s is not r.steps[0]


def test_json_lines_have_lhs_rhs_rule():
    data = json.loads(render_json(symmat.grad("a^T X^{-1} b", wrt="X")))
    lines = data["steps"]
    assert [(d["lhs"], d["rule"]) for d in lines][1] == ("df", "product rule, inverse")
    assert lines[1]["eq"] == "37, 59" and any("X⁻¹" in i for i in lines[1]["identities"])
    assert lines[-1]["lhs"] == "∂f/∂X" and lines[-1]["rhs"] == "-X⁻ᵀ a bᵀ X⁻ᵀ"


def test_latex_is_one_align_block_of_the_chain():
    tex = render_latex(symmat.grad("x^T A x", wrt="x"))
    rows = tex.split("\\begin{align*}")[1].split("\\end{align*}")[0].strip().splitlines()
    assert rows[0].startswith("\\mathrm{d}f &= \\mathrm{d}x^{\\top} A x")
    assert rows[-1].strip().startswith("\\Rightarrow \\frac{\\partial f}{\\partial x} &= \\left(A + A^{\\top}\\right) x")


def test_hessian_chain_ends_in_d_grad():
    r = symmat.hessian("x^T A x", wrt="x")
    assert formulas(r)[-2:] == ["d(∇f) = (A + Aᵀ) dx", "⇒ ∂²f/∂x∂xᵀ = A + Aᵀ"]
    assert r.steps[-1].rule == "d(∇f) = H dx"


def test_jacobian_chain_ends_in_d_vec():
    r = symmat.derivative("X^{-1}", wrt="X")
    assert formulas(r)[1:] == ["dF = -X⁻¹ dX X⁻¹", "d vec(F) = -(X⁻ᵀ ⊗ X⁻¹) vec(dX)",
                               "⇒ ∂vec(F)/∂vec(X) = -(X⁻ᵀ ⊗ X⁻¹)"]


def test_layout_and_symmetry_relabel_the_line_before():
    r = symmat.grad("x^T B x", wrt="x", layout="numerator")
    assert formulas(r)[-2:] == ["⇒ ∇f = (B + Bᵀ) x", "∂f/∂x = xᵀ (B + Bᵀ)"]
    r = symmat.grad("tr(A X)", wrt="X", where="X: symmetric")
    assert formulas(r)[-3:] == ["⇒ G = Aᵀ", "∂f/∂X = 1/2 (Aᵀ + (Aᵀ)ᵀ)", "= 1/2 (A + Aᵀ)"]


# ----------------------------------------------------------------- the index style

def test_index_style_of_the_quadratic_form():
    r = symmat.grad("x^T A x", wrt="x", style="index")
    assert formulas(r)[1:] == ["f = Σ_ij x_i A_ij x_j", "∂f/∂x_k = Σ_j A_kj x_j + Σ_i x_i A_ik",
                               "= (A x)_k + (Aᵀ x)_k", "⇒ ∂f/∂x = A x + Aᵀ x", "= (A + Aᵀ) x"]
    assert str(r) == "(A + Aᵀ) x"


@pytest.mark.parametrize("f, wrt, entry, recognised", [
    ("tr(A X B)", "X", "∂f/∂X_kl = Σ_i A_ik B_li", "= (Aᵀ Bᵀ)_kl"),
    ("a^T X b", "X", "∂f/∂X_kl = a_k b_l", "= (a bᵀ)_kl"),
    ("tr(X)", "X", "∂f/∂X_kl = δ_kl", "= (I)_kl"),
    ("sum(σ(W x))", "x", "∂f/∂x_k = Σ_i (σ(W x) ⊙ (1 - σ(W x)))_i W_ik", "= (Wᵀ (σ(W x) ⊙ (1 - σ(W x))))_k"),
    ("a^T (x ⊙ x)", "x", "∂f/∂x_k = a_k x_k + a_k x_k", "= (a ⊙ x)_k + (a ⊙ x)_k"),
    ("||X w - y||^2", "w", "∂f/∂w_k = Σ_ip X_ik X_ip w_p + Σ_ij X_ij w_j X_ik - Σ_i X_ik y_i - Σ_i y_i X_ik",
     "= (Xᵀ X w)_k + (Xᵀ X w)_k - (Xᵀ y)_k - (Xᵀ y)_k"),
])
def test_index_style(f, wrt, entry, recognised):
    r = symmat.grad(f, wrt=wrt, style="index")
    lines = formulas(r)
    assert entry in lines and recognised in lines, lines
    assert lines[-1].startswith(("⇒ ∂f/∂", "= ")) and r.steps[-1].rhs == r.result


def test_index_style_says_when_it_is_not_available():
    r = symmat.grad("log det(X)", wrt="X", style="index")
    assert "the index style is not available for LogDet" in r.notes[-1]
    assert formulas(r)[1] == "df = tr(X⁻¹ dX)"


def test_cli_style_index(capsys):
    assert main(["grad", "x^T A x", "--wrt", "x", "--steps", "--style", "index"]) == 0
    out = capsys.readouterr().out
    assert "∂f/∂x_k = Σ_j A_kj x_j + Σ_i x_i A_ik" in out
    with pytest.raises(SystemExit) as e:
        main(["grad", "x^T A x", "--wrt", "x", "--style", "tensor"])
    assert e.value.code == 2
