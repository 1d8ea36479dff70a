"""The printers: golden strings for every node type in text, ASCII and LaTeX,
the parentheses of the precedence table, the JSON structure, and round trips
through the parser (print, parse, compare trees) on a list of expressions and
on random well-shaped trees built with the smart constructors of `build`.

Round trips declare every variable's shape in `where=`, so the parser has no
freedom in naming sizes and the comparison is exact `==`; an `I` or a `𝟏`
(whose size the parser takes from context) only appears next to a variable
that fixes that size. Random trees are built with the smart constructors of
`build` (the parser's meaning), so that every tree has a text.
"""

import importlib.util
import json
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symmat.tree import expr as E
from symmat.reading.build import add, divide, negate, product
from symmat.tree.expr import (Add, Apply, Basis, Commutation, Const, Det, DiagMat, DiagVec, Div, HadDiv,
                         HadPow, Hadamard, Identity, Inverse, Kron, LogDet, LogSumExp, Matrix, Mean,
                         Mul, Neg, Norm, Ones, Power, Softmax, Sum, Trace, Transpose, Var, Vec, Zero)
from symmat.printing import to_json, to_latex, to_text
from symmat.printing import precedence as P
from symmat.printing.tree_json import dim

HAS_PARSER = importlib.util.find_spec("symmat.reading.parser") is not None
if HAS_PARSER:
    from symmat.api import parse   # the function (the attribute symmat.parse may be the module)

needs_parser = pytest.mark.skipif(not HAS_PARSER, reason="symmat/parser.py (the parser) does not exist yet")

F = Fraction
n, m = "n", "m"
x, y, z = Var("x", (n, 1)), Var("y", (n, 1)), Var("z", (n, 1))
a, b = Var("a", (m, 1)), Var("b", (m, 1))
A, B, C = Var("A", (n, n)), Var("B", (n, n)), Var("C", (n, n))
X, Y = Var("X", (n, m)), Var("Y", (m, n))
S = Var("S", (m, m))
lam, alpha, sigma = Var("λ", (1, 1)), Var("α", (1, 1)), Var("σ", (1, 1))
Sigma = Var("Σ", (n, n))
W1, Xtrain, yhat = Var("W1", (n, m)), Var("X_train", (n, m)), Var("y_hat", (n, 1))
T = Transpose


# ----------------------------------------------------------------- golden strings
# (expression, Unicode text, ASCII text, LaTeX)
GOLDEN = [
    # leaves
    (x, "x", "x", "x"),
    (lam, "λ", "lambda", r"\lambda"),
    (Sigma, "Σ", "Sigma", r"\Sigma"),
    (W1, "W1", "W1", "W_{1}"),
    (Xtrain, "X_train", "X_train", r"X_{train}"),
    (E.Differential(W1), "dW1", "dW1", r"\mathrm{d}W_{1}"),
    (Mul(Const(2), Trace(Mul(T(A), E.Differential(A)))), "2 tr(Aᵀ dA)", "2 tr(A^T dA)",
     r"2 \operatorname{tr}\left(A^{\top} \mathrm{d}A\right)"),
    (E.Differential(lam), "dλ", "dlambda", r"\mathrm{d}\lambda"),
    (Const(2), "2", "2", "2"),
    (Const(-3), "-3", "-3", "-3"),
    (Const(F(1, 2)), "1/2", "1/2", r"\frac{1}{2}"),
    (Const(F(-1, 2)), "-1/2", "-1/2", r"-\frac{1}{2}"),
    (Identity(n), "I", "I", "I"),
    (E.Div(E.Sum(x), E.Size(n)), "sum(x) / n", "sum(x) / n", r"\frac{\operatorname{sum}\left(x\right)}{n}"),
    (E.Unvec(E.Vec(A), n, n), "unvec(vec(A))", "unvec(vec(A))",
     r"\operatorname{unvec}\left(\operatorname{vec}\left(A\right)\right)"),
    (Ones((n, 1)), "𝟏", "ones", r"\mathbf{1}"),
    (Zero((n, n)), "0", "0", "0"),
    (Basis(n, "k"), "e_k", "e_k", "e_{k}"),
    (Commutation(m, n), "K_(m,n)", "K_(m,n)", "K_{m,n}"),
    (Matrix([[lam, alpha], [Const(2), lam]]), "[λ α; 2 λ]", "[lambda alpha; 2 lambda]",
     r"\begin{bmatrix} \lambda & \alpha \\ 2 & \lambda \end{bmatrix}"),
    (Matrix([[Const(1)], [Const(2)], [Const(3)]]), "[1; 2; 3]", "[1; 2; 3]",
     r"\begin{bmatrix} 1 \\ 2 \\ 3 \end{bmatrix}"),
    (Matrix([[Mul(Const(2), lam), Const(-1)]]), "[2 λ, -1]", "[2 lambda, -1]",
     r"\begin{bmatrix} 2 \lambda & -1 \end{bmatrix}"),
    # sums
    (Add(A, B), "A + B", "A + B", "A + B"),
    (Add(x, Neg(y)), "x - y", "x - y", "x - y"),
    (Add(x, Mul(Const(-2), y)), "x - 2 y", "x - 2 y", "x - 2 y"),
    (Add(x, Const(-3)), "x - 3", "x - 3", "x - 3"),
    (Add(Neg(x), y, Const(1)), "-x + y + 1", "-x + y + 1", "-x + y + 1"),
    (Add(x, Mul(Const(F(-1, 2)), y)), "x - 1/2 y", "x - 1/2 y", r"x - \frac{1}{2} y"),
    (Add(x, Neg(Add(y, z))), "x - (y + z)", "x - (y + z)", r"x - \left(y + z\right)"),
    (Add(x, Mul(Neg(A), y)), "x + (-A y)", "x + (-A y)", r"x + \left(-A y\right)"),
    (Add(x, Mul(Const(-1), A, y)), "x - A y", "x - A y", "x - A y"),
    (Add(x, Mul(Const(-1), y)), "x - 1 y", "x - 1 y", "x - 1 y"),
    (Add(x, Mul(Const(-1), Mul(T(x), y), z)), "x - (xᵀ y) z", "x - (x^T y) z", r"x - \left(x^{\top} y\right) z"),
    (Add(x, Mul(Const(-1), Neg(A), y)), "x - 1 (-A) y", "x - 1 (-A) y", r"x - 1 \left(-A\right) y"),
    (Add(A, Add(B, C)), "A + (B + C)", "A + (B + C)", r"A + \left(B + C\right)"),
    (Neg(x), "-x", "-x", "-x"),
    (Neg(Add(A, B)), "-(A + B)", "-(A + B)", r"-\left(A + B\right)"),
    (Neg(Mul(A, B)), "-(A B)", "-(A B)", r"-\left(A B\right)"),
    (Neg(T(A)), "-Aᵀ", "-A^T", r"-A^{\top}"),
    (Neg(Const(-2)), "-(-2)", "-(-2)", "-\\left(-2\\right)"),
    # products
    (Mul(A, x), "A x", "A x", "A x"),
    (Mul(Const(2), A, x), "2 A x", "2 A x", "2 A x"),
    (Mul(T(x), y), "xᵀ y", "x^T y", r"x^{\top} y"),
    (Mul(Add(A, T(A)), x), "(A + Aᵀ) x", "(A + A^T) x", r"\left(A + A^{\top}\right) x"),
    (Mul(A, Add(B, C)), "A (B + C)", "A (B + C)", r"A \left(B + C\right)"),
    (Mul(Mul(T(x), y), z), "(xᵀ y) z", "(x^T y) z", r"\left(x^{\top} y\right) z"),
    (Mul(z, Mul(T(x), y)), "z (xᵀ y)", "z (x^T y)", r"z \left(x^{\top} y\right)"),
    # a flat product whose leading factors close to 1×1 early: the parser would nest `xᵀ y`
    (Mul(T(x), y, lam), "xᵀ (y λ)", "x^T (y lambda)", r"x^{\top} \left(y \lambda\right)"),
    (Mul(T(x), y, T(z), A), "xᵀ (y zᵀ A)", "x^T (y z^T A)", r"x^{\top} \left(y z^{\top} A\right)"),
    (Mul(lam, T(x), y, T(z)), "λ xᵀ (y zᵀ)", "lambda x^T (y z^T)", r"\lambda x^{\top} \left(y z^{\top}\right)"),
    (Mul(T(x), A, y), "xᵀ A y", "x^T A y", r"x^{\top} A y"),
    (Mul(T(x), lam, Neg(y), T(z)), "xᵀ (λ (-y) zᵀ)", "x^T (lambda (-y) z^T)",
     r"x^{\top} \left(\lambda \left(-y\right) z^{\top}\right)"),
    (Mul(Const(F(1, 2)), x), "1/2 x", "1/2 x", r"\frac{1}{2} x"),
    (Mul(Const(F(-1, 2)), x), "-1/2 x", "-1/2 x", r"-\frac{1}{2} x"),
    (Mul(x, Const(F(1, 2))), "x (1/2)", "x (1/2)", r"x \cdot \frac{1}{2}"),
    (Mul(Const(2), Const(3)), "2 3", "2 3", r"2 \cdot 3"),
    (Mul(Neg(A), x), "-A x", "-A x", "-A x"),
    (Mul(Const(-1), A, x), "-A x", "-A x", "-A x"),      # what the parser makes of -A x
    (Mul(Const(-1), T(x), y, T(z)), "-xᵀ (y zᵀ)", "-x^T (y z^T)", r"-x^{\top} \left(y z^{\top}\right)"),
    (Mul(Const(-1), x), "-1 x", "-1 x", "-1 x"),
    (Mul(Const(-1), Mul(T(x), y), z), "-1 (xᵀ y) z", "-1 (x^T y) z", r"-1 \left(x^{\top} y\right) z"),
    (Mul(Const(-1), Neg(A), x), "-1 (-A) x", "-1 (-A) x", r"-1 \left(-A\right) x"),
    (Mul(A, Neg(x)), "A (-x)", "A (-x)", r"A \left(-x\right)"),
    (Mul(x, Const(-2)), "x (-2)", "x (-2)", r"x \left(-2\right)"),
    (Mul(Div(x, lam), T(y)), "(x / λ) yᵀ", "(x / lambda) y^T", r"\frac{x}{\lambda} y^{\top}"),
    (Mul(Hadamard(x, y), T(z)), "(x ⊙ y) zᵀ", "(x .* y) z^T", r"\left(x \odot y\right) z^{\top}"),
    (Mul(LogDet(A), x), "log det(A) x", "log det(A) x", r"\log\det\left(A\right) x"),
    (Mul(lam, Xtrain, T(W1)), "λ X_train W1ᵀ", "lambda X_train W1^T",
     r"\lambda X_{train} W_{1}^{\top}"),
    (Div(x, Norm(x)), "x / ‖x‖", "x / ||x||", r"\frac{x}{\|x\|_2}"),
    (Div(x, Mul(lam, alpha)), "x / (λ α)", "x / (lambda alpha)", r"\frac{x}{\lambda \alpha}"),
    (Div(Mul(Const(2), x), lam), "2 x / λ", "2 x / lambda", r"\frac{2 x}{\lambda}"),
    (Div(Div(x, lam), alpha), "x / λ / α", "x / lambda / alpha", r"\frac{\frac{x}{\lambda}}{\alpha}"),
    (Div(Neg(x), lam), "-x / λ", "-x / lambda", r"\frac{-x}{\lambda}"),
    (Mul(Div(Const(1), lam), T(X), Add(x, Neg(y))), "1/λ Xᵀ (x - y)", "1/lambda X^T (x - y)",
     r"\frac{1}{\lambda} X^{\top} \left(x - y\right)"),
    (Mul(Div(Const(-1), lam), x), "-1/λ x", "-1/lambda x", r"\frac{-1}{\lambda} x"),
    (Mul(x, Div(Const(1), lam)), "x (1/λ)", "x (1/lambda)", r"x \cdot \frac{1}{\lambda}"),
    (Hadamard(Div(Const(1), lam), x), "(1/λ) ⊙ x", "(1/lambda) .* x", r"\frac{1}{\lambda} \odot x"),
    (Power(Div(Const(1), lam), 2), "(1/λ)^2", "(1/lambda)^2", r"\left(\frac{1}{\lambda}\right)^{2}"),
    (Hadamard(x, y), "x ⊙ y", "x .* y", r"x \odot y"),
    (Hadamard(x, Mul(A, y)), "x ⊙ (A y)", "x .* (A y)", r"x \odot \left(A y\right)"),
    (Hadamard(Mul(A, y), x), "A y ⊙ x", "A y .* x", r"A y \odot x"),
    (Hadamard(Hadamard(x, y), z), "x ⊙ y ⊙ z", "x .* y .* z", r"x \odot y \odot z"),
    (Hadamard(x, Hadamard(y, z)), "x ⊙ (y ⊙ z)", "x .* (y .* z)", r"x \odot \left(y \odot z\right)"),
    (Hadamard(Div(x, lam), y), "(x / λ) ⊙ y", "(x / lambda) .* y", r"\frac{x}{\lambda} \odot y"),
    (Hadamard(x, Add(Const(1), Neg(y))), "x ⊙ (1 - y)", "x .* (1 - y)", r"x \odot \left(1 - y\right)"),
    (HadDiv(x, y), "x ./ y", "x ./ y", r"x \oslash y"),
    (HadDiv(Hadamard(x, y), z), "(x ⊙ y) ./ z", "(x .* y) ./ z", r"\left(x \odot y\right) \oslash z"),
    (Kron(A, B), "A ⊗ B", "kron(A, B)", r"A \otimes B"),
    (Mul(Kron(A, B), Vec(C)), "(A ⊗ B) vec(C)", "kron(A, B) vec(C)",
     r"\left(A \otimes B\right) \operatorname{vec}\left(C\right)"),
    (Kron(T(X), Add(A, B)), "Xᵀ ⊗ (A + B)", "kron(X^T, A + B)", r"X^{\top} \otimes \left(A + B\right)"),
    # postfix
    (T(A), "Aᵀ", "A^T", r"A^{\top}"),
    (T(Mul(A, B)), "(A B)ᵀ", "(A B)^T", r"\left(A B\right)^{\top}"),
    (T(T(A)), "(Aᵀ)ᵀ", "(A^T)^T", r"\left(A^{\top}\right)^{\top}"),
    (T(Neg(A)), "(-A)ᵀ", "(-A)^T", r"\left(-A\right)^{\top}"),
    (Inverse(A), "A⁻¹", "A^-1", r"A^{-1}"),
    (T(Inverse(A)), "A⁻ᵀ", "A^-T", r"A^{-\top}"),
    (Inverse(T(A)), "(Aᵀ)⁻¹", "(A^T)^-1", r"\left(A^{\top}\right)^{-1}"),
    (T(Inverse(Mul(A, B))), "(A B)⁻ᵀ", "(A B)^-T", r"\left(A B\right)^{-\top}"),
    (Inverse(Mul(T(x), y)), "inv(xᵀ y)", "inv(x^T y)", r"\left(x^{\top} y\right)^{-1}"),
    (Power(A, 2), "A^2", "A^2", "A^{2}"),
    (Power(A, 12), "A^{12}", "A^{12}", "A^{12}"),
    (Power(A, -2), "A^{-2}", "A^{-2}", "A^{-2}"),
    (Power(lam, F(-1, 2)), "λ^{-1/2}", "lambda^{-1/2}", r"\lambda^{-1/2}"),
    (Power(lam, F(1, 2)), "λ^{1/2}", "lambda^{1/2}", r"\lambda^{1/2}"),
    (Power(Const(-2), 2), "(-2)^2", "(-2)^2", r"\left(-2\right)^{2}"),
    (Power(Norm(x), 2), "‖x‖^2", "||x||^2", r"\|x\|_2^{2}"),
    (Power(Norm(Add(Mul(X, b), Neg(y))), 2), "‖X b - y‖^2", "||X b - y||^2", r"\|X b - y\|_2^{2}"),
    (Power(Norm(A), 2), "‖A‖_F^2", "||A||_F^2", r"\|A\|_F^{2}"),
    (Power(LogDet(A), 2), "(log det(A))^2", "(log det(A))^2", r"\left(\log\det\left(A\right)\right)^{2}"),
    (HadPow(A, 2), "A.^2", "A.^2", r"A^{\circ 2}"),
    (HadPow(x, F(-1, 2)), "x.^{-1/2}", "x.^{-1/2}", r"x^{\circ -1/2}"),
    (HadPow(Const(2), 2), "(2).^2", "(2).^2", r"2^{\circ 2}"),
    (HadPow(Add(x, y), 2), "(x + y).^2", "(x + y).^2", r"\left(x + y\right)^{\circ 2}"),
    # functions
    (Trace(Mul(A, X, Y)), "tr(A X Y)", "tr(A X Y)", r"\operatorname{tr}\left(A X Y\right)"),
    (Det(A), "det(A)", "det(A)", r"\det\left(A\right)"),
    (LogDet(A), "log det(A)", "log det(A)", r"\log\det\left(A\right)"),
    (Neg(LogDet(A)), "-log det(A)", "-log det(A)", r"-\log\det\left(A\right)"),
    (Norm(x), "‖x‖", "||x||", r"\|x\|_2"),
    (Norm(T(x)), "‖xᵀ‖", "||x^T||", r"\|x^{\top}\|_2"),
    (Norm(A), "‖A‖_F", "||A||_F", r"\|A\|_F"),
    (Norm(x, "1"), "‖x‖_1", "||x||_1", r"\|x\|_1"),
    (Sum(A), "sum(A)", "sum(A)", r"\operatorname{sum}\left(A\right)"),
    (Mean(x), "mean(x)", "mean(x)", r"\operatorname{mean}\left(x\right)"),
    (DiagMat(x), "diag(x)", "diag(x)", r"\operatorname{diag}\left(x\right)"),
    (DiagVec(A), "diag(A)", "diag(A)", r"\operatorname{diag}\left(A\right)"),
    (Vec(X), "vec(X)", "vec(X)", r"\operatorname{vec}\left(X\right)"),
    (Apply("exp", x), "exp(x)", "exp(x)", r"\exp\left(x\right)"),
    (Apply("log", Add(Const(1), x)), "log(1 + x)", "log(1 + x)", r"\log\left(1 + x\right)"),
    (Apply("sigmoid", Mul(X, b)), "σ(X b)", "sigmoid(X b)", r"\sigma\left(X b\right)"),
    (Apply("sqrt", x), "sqrt(x)", "sqrt(x)", r"\sqrt{x}"),
    (Apply("relu", x), "relu(x)", "relu(x)", r"\operatorname{relu}\left(x\right)"),
    (Apply("step", x), "step(x)", "step(x)", r"\operatorname{step}\left(x\right)"),
    (Apply("sign", x), "sign(x)", "sign(x)", r"\operatorname{sign}\left(x\right)"),
    (Apply("tanh", A), "tanh(A)", "tanh(A)", r"\tanh\left(A\right)"),
    (Apply("abs", x), "abs(x)", "abs(x)", r"\left|x\right|"),
    (Apply("abs", A), "abs(A)", "abs(A)", r"\operatorname{abs}\left(A\right)"),
    (Softmax(x), "softmax(x)", "softmax(x)", r"\operatorname{softmax}\left(x\right)"),
    (LogSumExp(x), "logsumexp(x)", "logsumexp(x)", r"\operatorname{logsumexp}\left(x\right)"),
    # a bar right after an operand closes the pair it is in; σ before ( is the sigmoid
    (Norm(Mul(x, Norm(y))), "‖x (‖y‖)‖", "||x (||y||)||", r"\|x \left(\|y\|_2\right)\|_2"),
    (Mul(x, Norm(y)), "x ‖y‖", "x ||y||", r"x \|y\|_2"),
    (Norm(Mul(Norm(y), x)), "‖‖y‖ x‖", "||||y|| x||", r"\|\|y\|_2 x\|_2"),
    (Mul(Var("σ", (1, 1)), Add(x, y)), "σ * (x + y)", "sigma * (x + y)", r"\sigma \cdot \left(x + y\right)"),
    (Mul(Var("σ", (1, 1)), x), "σ x", "sigma x", r"\sigma x"),
    (Mul(Apply("sigmoid", Mul(T(yhat), x)), x), "σ(y_hatᵀ x) x", "sigmoid(y_hat^T x) x",
     r"\sigma\left(y_{hat}^{\top} x\right) x"),
]


@pytest.mark.parametrize("e, text, ascii_text, latex", GOLDEN, ids=[g[1] for g in GOLDEN])
def test_golden(e, text, ascii_text, latex):
    assert to_text(e) == text
    assert to_text(e, ascii=True) == ascii_text
    assert to_latex(e) == latex


def test_golden_covers_every_node_type():
    covered = {type(node) for g in GOLDEN for node in g[0].walk()}
    assert covered == set(E.NODE_TYPES.values())


def test_ascii_output_is_ascii():
    for e, *_ in GOLDEN:
        assert to_text(e, ascii=True).isascii(), to_text(e, ascii=True)


def test_expr_methods_use_the_printers():
    e = Mul(Add(A, T(A)), x)
    assert str(e) == "(A + Aᵀ) x"
    assert e.latex() == r"\left(A + A^{\top}\right) x"
    assert e._repr_latex_() == r"$\left(A + A^{\top}\right) x$"


def test_spec_section_7_latex():
    assert to_latex(Mul(Add(A, T(A)), x)) == r"\left(A + A^{\top}\right) x"


# ----------------------------------------------------------------- the precedence table

def test_levels_are_ordered():
    assert P.SUM < P.PRODUCT < P.UNARY < P.PREFIX < P.POSTFIX < P.ATOM


@pytest.mark.parametrize("e, style, lv", [
    (Add(x, y), "text", P.SUM), (Mul(A, x), "text", P.PRODUCT), (Div(x, lam), "text", P.PRODUCT),
    (Div(x, lam), "latex", P.PREFIX), (Kron(A, B), "text", P.PRODUCT), (Kron(A, B), "ascii", P.ATOM),
    (Neg(x), "text", P.UNARY), (Const(-2), "text", P.UNARY), (Const(F(1, 2)), "text", P.PRODUCT),
    (Const(F(1, 2)), "latex", P.PREFIX), (Const(F(-1, 2)), "latex", P.UNARY), (Const(3), "text", P.ATOM),
    (LogDet(A), "text", P.PREFIX), (T(A), "text", P.POSTFIX), (Inverse(A), "text", P.POSTFIX),
    (Inverse(lam), "text", P.ATOM), (Inverse(lam), "latex", P.POSTFIX), (HadPow(x, 2), "ascii", P.POSTFIX),
    (Trace(A), "text", P.ATOM), (Norm(x), "latex", P.ATOM),
])
def test_level(e, style, lv):
    assert P.level(e, style) == lv


def test_subtracted_mirrors_build_negate():
    for t in [y, Mul(Const(2), y), Const(3), Mul(Const(F(1, 2)), A, y), Mul(Const(1), y)]:
        assert P.subtracted(negate(t)) == t
    assert P.subtracted(Mul(A, y)) is None
    assert P.subtracted(Const(2)) is None


# ----------------------------------------------------------------- JSON

def _dim_back(d):
    """A JSON dimension back to the tuple form: ``"n*m*(k*l)"`` → nested ``("*", …)``."""
    if not isinstance(d, str):
        return d
    if d.isdigit():
        return int(d)
    parts, depth, cur = [], 0, ""
    for ch in d:
        depth += (ch == "(") - (ch == ")")
        if ch == "*" and depth == 0:
            parts, cur = parts + [cur], ""
        else:
            cur += ch
    if not parts:
        return d[1:-1] if d.startswith("(") else d
    out = None
    for p in parts + [cur]:
        p = _dim_back(p[1:-1] if p.startswith("(") else p)
        out = p if out is None else ("*", out, p)
    return out


def _shape_back(s):
    return tuple(_dim_back(d) for d in s)


def _params_back(op, params):
    if op == "Var":
        return (params[0], _shape_back(params[1]), frozenset(params[2]))
    if op in ("Const", "Power", "HadPow"):
        return (Fraction(params[0]),)
    if op in ("Ones", "Zero"):
        return (_shape_back(params[0]),)
    if op == "Differential":
        return (params[0], _shape_back(params[1]))
    if op in ("Identity", "Basis", "Commutation"):
        return tuple(_dim_back(p) for p in params)
    return tuple(params)


def from_json(d):
    """Rebuild a tree from its JSON form (the test's independent reader)."""
    args = [from_json(a) for a in d["args"]]
    return E.NODE_TYPES[d["op"]]._make(args, _params_back(d["op"], d["params"]))


def test_json_structure():
    sym = Var("A", (n, n), {"symmetric"})
    e = Mul(lam, Add(sym, Identity(n)), Power(Norm(Kron(x, a)), F(1, 2)), y)
    out = to_json(e)
    assert set(out) == {"tree", "variables", "sizes", "text", "latex"}
    t = out["tree"]
    assert t["op"] == "Mul" and t["params"] == [] and t["shape"] == ["n", 1]
    assert [c["op"] for c in t["args"]] == ["Var", "Add", "Power", "Var"]
    assert t["args"][0] == {"op": "Var", "params": ["λ", [1, 1], []], "shape": [1, 1], "args": []}
    assert t["args"][1]["args"][1] == {"op": "Identity", "params": ["n"], "shape": ["n", "n"], "args": []}
    power = t["args"][2]
    assert power["params"] == ["1/2"]
    assert power["args"][0]["args"][0]["shape"] == ["m*n", 1]   # shapes.dim_mul sorts the names
    assert out["variables"] == {
        "λ": {"kind": "scalar", "shape": [1, 1], "props": []},
        "A": {"kind": "matrix", "shape": ["n", "n"], "props": ["symmetric"]},
        "x": {"kind": "vector", "shape": ["n", 1], "props": []},
        "a": {"kind": "vector", "shape": ["m", 1], "props": []},
        "y": {"kind": "vector", "shape": ["n", 1], "props": []},
    }
    assert out["sizes"] == ["n", "m"]
    assert out["text"] == "λ (A + I) ‖x ⊗ a‖^{1/2} y"
    assert out["latex"] == to_latex(e)


def test_json_is_serialisable_and_reads_back():
    for e, *_ in GOLDEN:
        out = to_json(e)
        assert json.loads(json.dumps(out)) == out
        assert from_json(out["tree"]) == e


def test_json_numbers_and_dimensions():
    assert to_json(Const(2))["tree"]["params"] == [2]
    assert to_json(Const(F(-3, 4)))["tree"]["params"] == ["-3/4"]
    assert to_json(Norm(x, "1"))["tree"]["params"] == ["1"]
    assert to_json(Apply("exp", x))["tree"]["params"] == ["exp"]
    assert to_json(Matrix([[lam, alpha]]))["tree"]["params"] == [1, 2]
    assert to_json(Commutation(m, n))["tree"]["shape"] == ["m*n", "m*n"]
    nested = Kron(Kron(A, X), Kron(S, a))
    assert to_json(nested)["tree"]["shape"] == ["m*m*n*n", "m*m*n"]
    assert [dim(d) for d in [("*", "a", ("*", "b", "c")), ("*", ("*", 2, "b"), "c")]] == ["a*(b*c)", "2*b*c"]
    assert [_dim_back(d) for d in ["a*(b*c)", "2*b*c"]] == [("*", "a", ("*", "b", "c")), ("*", ("*", 2, "b"), "c")]
    assert from_json(to_json(nested)["tree"]) == nested
    assert to_json(T(x))["variables"]["x"]["kind"] == "vector"
    assert to_json(Mul(T(x), y))["sizes"] == ["n"]
    assert to_json(Mul(E.Size(m), x))["sizes"] == ["n", "m"]


# ----------------------------------------------------------------- round trips through the parser

def declarations(e):
    """A `where` clause fixing the shape of every variable of `e`."""
    out = []
    for v in e.variables():
        r, c = v.shape
        if (r, c) == (1, 1):
            out.append(f"{v.name}: scalar")
        elif c == 1:
            out.append(f"{v.name}: vector({r})")
        else:
            out.append(f"{v.name}: matrix({r}, {c})")
    return ", ".join(out) or None


def round_trip(e):
    """Assert that the Unicode and the ASCII text of `e` parse back to `e`."""
    for text in (to_text(e), to_text(e, ascii=True)):
        back = parse(text, where=declarations(e))
        assert back == e, f"{text!r} parsed as {back!r}\n  (printed back: {to_text(back)!r}), expected {e!r}"


NOT_PARSED = (Zero, Basis, Commutation, E.Differential, E.Size, E.Unvec)   # made by the deriver only; no input syntax
# trees the parser never builds, so they cannot come back: it flattens nested sums, folds -(-2)
NON_CANONICAL = {Add(A, Add(B, C)), Neg(Const(-2)),
                 # -A x is Mul(-1, A, x) to the parser (build.product), and -(A B) is too
                 Mul(Neg(A), x), Add(x, Mul(Neg(A), y)), Neg(Mul(A, B))}


@needs_parser
@pytest.mark.parametrize("e", [g[0] for g in GOLDEN
                               if not any(isinstance(nd, NOT_PARSED) for nd in g[0].walk())
                               and g[0] not in NON_CANONICAL], ids=lambda e: to_text(e))
def test_round_trip_golden(e):
    round_trip(e)


SOURCES = [
    "x^T A x", "(A + A^T) x", "x^T (A + A^T)", "b^T x + x^T A x", "||A x - b||^2",
    "(A x + b)^T (A x + b)", "1/2 ||X w - y||^2", "||X w - y||^2 + lambda ||w||^2",
    "x / ||x||_2", "log(1 + exp(w^T x))", "-y^T log(softmax(z))",
    "-1/m sum(y .* log(sigmoid(X w)) + (1 - y) .* log(1 - sigmoid(X w)))",
    "(x - A s)^T W (x - A s)", "tr(A X)", "tr(A B A^T)", "||A X - B||_F^2", "det(A)", "log det(A)",
    "tr(X^T A X)", "a^T X^{-1} b", "A X B", "X^{-1}", "kron(A, B)", "A diag(x) B",
    "diag(h .* (1 - h)) W1", "W2^T (y_hat - y) .* h .* (1 - h)", "x^T y z", "2 A x - b",
    "sigma(z) .* (1 - sigma(z))", "x ./ y", "X.^2", "A^{-T} x", "(A^T)^{-1} x", "x^T x x",
    "vec(X)", "mean(x)", "logsumexp(z)", "[a b; c d]", "[1; 2; 3]", "I + A", "ones^T x",
    "x - 2 y", "A^2 x", "||x||_1", "lambda^{1/2} x", "-(A + B) x", "A (-x)", "exp(X) ./ sum(exp(X))",
]


@needs_parser
@pytest.mark.parametrize("source", SOURCES)
def test_print_of_a_parse_parses_back(source):
    e = parse(source)
    for text in (to_text(e), to_text(e, ascii=True)):
        assert parse(text) == e, f"{source!r} printed as {text!r} parses as {to_text(parse(text))!r}"


LATEX_ROUND_TRIP = [
    Mul(Add(A, T(A)), x), Div(x, Norm(x)), Mul(Const(F(1, 2)), Power(Norm(Add(Mul(X, b), Neg(y))), 2)),
    Trace(Mul(A, X, Y)), Det(A), LogDet(A), Mul(LogDet(A), x), T(Inverse(A)), Inverse(A), Power(A, 2),
    Hadamard(x, Add(Const(1), Neg(y))), Kron(A, B), HadDiv(x, y), Apply("exp", x), Apply("log", A),
    Apply("sqrt", x), Apply("tanh", A), Apply("relu", x), Apply("abs", x),
    Softmax(x), Sum(A), Vec(X), DiagMat(x), DiagVec(A), Mean(x), LogSumExp(x), Norm(A), Norm(x, "1"),
    Matrix([[lam, alpha], [Const(2), lam]]), Mul(lam, W1, T(Xtrain)), Mul(T(Ones((n, 1))), x),
    Mul(Const(2), Const(3)), Power(lam, F(-1, 2)), Mul(Mul(T(x), y), z), Mul(sigma, Add(x, y)),
    Add(x, Mul(Const(F(-1, 2)), y)), Div(Div(x, lam), alpha),
]


@needs_parser
@pytest.mark.parametrize("e", LATEX_ROUND_TRIP, ids=to_latex)
def test_latex_round_trip(e):
    text = to_latex(e)
    back = parse(text, where=declarations(e))
    assert back == e, f"{text!r} parsed as {to_text(back)!r}"


def test_very_deep_trees_print():
    e = A
    for i in range(1000):
        e = T(e) if i % 2 else Mul(Add(e, B), C)
    assert to_text(e).count("ᵀ") == 500
    assert to_latex(e).count(r"\top") == 500
    assert to_json(e)["sizes"] == ["n"]


# Known parser bugs, each with the exact text that fails (strict: a fix makes the test fail,
# so that the entry is taken out).
FIXED_PARSER_BUGS = [
    (Apply("sigmoid", x), r"\sigma\left(x\right)", "x: vector(n)"),   # was read as σ times x
]


@needs_parser
@pytest.mark.parametrize("e, text, where", FIXED_PARSER_BUGS, ids=[b[1] for b in FIXED_PARSER_BUGS])
def test_fixed_parser_bugs(e, text, where):
    assert declarations(e) == where
    assert text in (to_text(e), to_latex(e))
    assert parse(text, where=where) == e


# -- random well-shaped trees

SHAPES = [(1, 1), (n, 1), (m, 1), (n, n), (m, m), (n, m), (m, n), (1, n), (1, m)]
POOL = {
    (1, 1): [lam, alpha, sigma],
    (n, 1): [x, y, yhat], (m, 1): [a, b],
    (n, n): [A, B, Sigma], (m, m): [S],
    (n, m): [X, W1, Xtrain], (m, n): [Y],
}
CONSTS = [Const(c) for c in (1, 2, 3, -1, -2, F(1, 2), F(-1, 3))]
FUNCTIONS = list(E.ELEMENTWISE)


def _leaf(draw, shape):
    """A variable of `shape` (a row is a transposed column), or a constant for 1×1."""
    if shape == (1, 1) and draw(st.booleans()):
        return draw(st.sampled_from(CONSTS))
    if shape[0] == 1:
        return T(draw(st.sampled_from(POOL[(shape[1], 1)])))
    return draw(st.sampled_from(POOL[shape]))


def _builders(shape):
    """The constructions that give a node of `shape`, each `f(draw, gen) -> Expr`."""
    r, c = shape
    out = [
        lambda d, g: add(g(shape), g(shape)),
        lambda d, g: add(g(shape), _negate(g(shape))),
        lambda d, g: _negate(g(shape)),
        lambda d, g: product(g((1, 1)), g(shape)),
        lambda d, g: product(g(shape), g((1, 1))),
        lambda d, g: divide(g(shape), g((1, 1))),   # no constant is 0
        lambda d, g: Hadamard(g(shape), g(shape)),
        lambda d, g: HadDiv(g(shape), g(shape)),
        lambda d, g: HadPow(g(shape), d(st.sampled_from([2, 3, -1, F(1, 2), F(-1, 2)]))),
        lambda d, g: T(g((c, r))),
        lambda d, g: _apply(d(st.sampled_from(FUNCTIONS)), g(shape)),
        lambda d, g: _chain(d, g, shape),
    ]
    if shape != (1, 1):
        out.append(lambda d, g: add(g(shape), g((1, 1))))
        out.append(lambda d, g: Hadamard(g((1, 1)), g(shape)))
    if r == c and r != 1:
        out += [
            lambda d, g: Inverse(g(shape)),
            lambda d, g: T(Inverse(g(shape))),
            lambda d, g: Power(g(shape), d(st.sampled_from([0, 2, 3, -2]))),
            lambda d, g: add(d(st.sampled_from(POOL[shape])), Identity(r)),
            lambda d, g: product(Identity(r), g(shape)),
            lambda d, g: product(g(shape), Identity(r)),
            lambda d, g: DiagMat(g((r, 1))),
        ]
    if c == 1 and r != 1:
        out += [
            lambda d, g: Softmax(g(shape)),
            lambda d, g: DiagVec(g((r, r))),
            lambda d, g: add(Ones(shape), d(st.sampled_from(POOL[shape]))),
            lambda d, g: add(d(st.sampled_from(POOL[shape])), Ones(shape)),
        ]
    if shape == (1, 1):
        out += SCALAR_BUILDERS
    return out


def _square(d):
    return d(st.sampled_from([(n, n), (m, m)]))


def _any(d):
    return d(st.sampled_from(SHAPES[1:]))


def _column(d):
    return d(st.sampled_from([(n, 1), (m, 1)]))


SCALAR_BUILDERS = [   # constructions of 1×1 nodes from bigger ones
    lambda d, g: Trace(g(_square(d))),
    lambda d, g: Det(g(_square(d))),
    lambda d, g: LogDet(g(_square(d))),
    lambda d, g: Norm(g(_any(d)), d(st.sampled_from(["1", "2"]))),
    lambda d, g: Sum(g(_any(d))),
    lambda d, g: Mean(g(_any(d))),
    lambda d, g: LogSumExp(g(_column(d))),
    lambda d, g: Power(g((1, 1)), d(st.sampled_from([2, 3, -1, F(1, 2), F(-1, 2)]))),
    lambda d, g: Inverse(g((1, 1))),
    lambda d, g: Trace(Kron(g(_square(d)), g(_square(d)))),
    lambda d, g: Sum(Vec(g(_any(d)))),
    lambda d, g: _vec_inner(d, g, _any(d)),
    lambda d, g: _ones_dot(d, _column(d)),
    lambda d, g: Trace(_explicit(d)),
    lambda d, g: Det(_explicit(d)),
]


def _apply(fn, x):
    """fn(x), as the parser builds it: log(det(X)) is one node, LogDet(X)."""
    return LogDet(x.args[0]) if fn == "log" and isinstance(x, Det) else Apply(fn, x)


def _negate(x):
    """negate(x), or x where that makes a product led by a negation, which has no text.

    negate(Mul(-1, Neg(a), b)) is Mul(Neg(a), b), and `-a b` reads as Mul(-1, a, b).
    """
    r = negate(x)
    return x if isinstance(r, Mul) and isinstance(r.args[0], Neg) else r


def _chain(d, g, shape):
    """A matrix product giving `shape` through an inner size (1 makes an outer product)."""
    r, c = shape
    inner = d(st.sampled_from([n, m] + ([1] if (r, c) != (1, 1) else [])))
    return product(g((r, inner)), g((inner, c)))


def _vec_inner(d, g, shape):
    """vec(X)ᵀ vec(Y): a scalar from two matrices of one shape."""
    return product(T(Vec(g(shape))), Vec(g(shape)))


def _ones_dot(d, shape):
    """𝟏ᵀ v, the size of 𝟏 fixed by the variable v."""
    return product(T(Ones(shape)), d(st.sampled_from(POOL[shape])))


def _explicit(d):
    """A 2×2 explicit matrix of scalar names and numbers."""
    entry = st.sampled_from([lam, alpha] + CONSTS)
    return Matrix([[d(entry), d(entry)], [d(entry), d(entry)]])


@st.composite
def trees(draw, size=8):
    """A random well-shaped tree of at most `size` operators, built the way the parser builds trees."""
    budget = size

    def gen(shape):
        nonlocal budget
        if budget <= 0 or draw(st.integers(0, 3)) == 0:
            return _leaf(draw, shape)
        budget -= 1
        return draw(st.sampled_from(_builders(shape)))(draw, gen)
    return gen(draw(st.sampled_from(SHAPES)))


@needs_parser
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_round_trip_random(e):
    round_trip(e)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_random_trees_print(e):
    """Without the parser: every printer handles every tree, and ASCII is ASCII."""
    assert to_text(e) and to_latex(e)
    assert to_text(e, ascii=True).isascii()
    out = to_json(e)
    assert from_json(json.loads(json.dumps(out))["tree"]) == e


def latex_readable(e):
    """`e` with what LaTeX cannot say back replaced by a node of the same shape (see the report).

    ``A^{\\circ 2}`` (HadPow) does not parse back, and
    ``s^{-1}`` of a scalar reads as a power, not an inverse.
    """
    args = [latex_readable(a) for a in e.args]
    if isinstance(e, HadPow):
        return Apply("exp", args[0])
    if isinstance(e, Apply) and e.fn == "sigmoid":
        return Apply("tanh", args[0])
    if isinstance(e, Inverse) and e.is_scalar:
        return Power(args[0], -1)
    return e.rebuild(args)


@needs_parser
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_latex_round_trip_random(e):
    e = latex_readable(e)
    text = to_latex(e)
    assert parse(text, where=declarations(e)) == e, text
