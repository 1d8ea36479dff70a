"""Results in the forms a textbook prints (issue 11, SPEC §2).

Each case is labelled by its Matrix Cookbook equation (numbered as in the
November 2012 edition; the label also writes the identity, so a reader can
check it without the book) or by the course-notes example it comes from, and
asserts the printed form. Every result is checked numerically before it is
returned (symmat's self-check is on: a wrong closed form raises instead of
printing), and a sample is proved by SymPy's element-wise expansion
(`test_a_sample_verifies_by_sympy`).

Where a form differs from the book's by an identity, the case says so:
Cookbook (52) prints 2 X (Xᵀ X)⁻¹, which is 2 (X⁺)ᵀ for X of full column
rank; (63) prints ((X + A)²)⁻ᵀ for ((X + A)⁻¹ (X + A)⁻¹)ᵀ; (107) prints
Bᵀ Xᵀ + Xᵀ Bᵀ for (X B + B X)ᵀ.
"""

import pytest

import symmat

# (label, kind, f, wrt, where, layout, printed form)
CASES = [
    ('Cookbook (69) ∂xᵀa/∂x = a', 'grad', 'x^T a', 'x', None, 'mixed', 'a'),
    ('Cookbook (69) ∂aᵀx/∂x = a', 'grad', 'a^T x', 'x', None, 'mixed', 'a'),
    ('Cookbook (70) ∂aᵀXb/∂X = a bᵀ', 'grad', 'a^T X b', 'X', None, 'mixed', 'a bᵀ'),
    ('Cookbook (71) ∂aᵀXᵀb/∂X = b aᵀ', 'grad', 'a^T X^T b', 'X', None, 'mixed', 'b aᵀ'),
    ('Cookbook (72) ∂aᵀXa/∂X = a aᵀ', 'grad', 'a^T X a', 'X', None, 'mixed', 'a aᵀ'),
    ('Cookbook (77) ∂bᵀXᵀXc/∂X = X(b cᵀ + c bᵀ)', 'grad', 'b^T X^T X c', 'X', None, 'mixed', 'X (c bᵀ + b cᵀ)'),
    ('Cookbook (78) ∂(Bx+b)ᵀC(Dx+d)/∂x', 'grad', '(B x + b)^T C (D x + d)', 'x', None, 'mixed', 'Bᵀ C (D x + d) + Dᵀ Cᵀ (B x + b)'),
    ('Cookbook (81) ∂xᵀBx/∂x = (B + Bᵀ)x', 'grad', 'x^T B x', 'x', None, 'mixed', '(B + Bᵀ) x'),
    ('Cookbook (82) ∂bᵀXᵀDXc/∂X = DᵀXbcᵀ + DXcbᵀ', 'grad', 'b^T X^T D X c', 'X', None, 'mixed', 'D X c bᵀ + Dᵀ X b cᵀ'),
    ('Cookbook (83) ∂(Xb+c)ᵀD(Xb+c)/∂X = (D + Dᵀ)(Xb + c)bᵀ', 'grad', '(X b + c)^T D (X b + c)', 'X', None, 'mixed', '(D + Dᵀ) (X b + c) bᵀ'),
    ('Cookbook (84) ∂(x-s)ᵀW(x-s)/∂x = 2W(x-s)', 'grad', '(x - s)^T W (x - s)', 'x', 'W: symmetric', 'mixed', '2 W (x - s)'),
    ('Cookbook (85) ∂(x-s)ᵀW(x-s)/∂s = -2W(x-s)', 'grad', '(x - s)^T W (x - s)', 's', 'W: symmetric', 'mixed', '-2 W (x - s)'),
    ('Cookbook (86) ∂(x-As)ᵀW(x-As)/∂x = 2W(x-As)', 'grad', '(x - A s)^T W (x - A s)', 'x', 'W: symmetric', 'mixed', '2 W (x - A s)'),
    ('Cookbook (87) ∂(x-As)ᵀW(x-As)/∂s = -2AᵀW(x-As)', 'grad', '(x - A s)^T W (x - A s)', 's', 'W: symmetric', 'mixed', '-2 Aᵀ W (x - A s)'),
    ('Cookbook (88) ∂(x-As)ᵀW(x-As)/∂A = -2W(x-As)sᵀ', 'grad', '(x - A s)^T W (x - A s)', 'A', 'W: symmetric', 'mixed', '-2 W (x - A s) sᵀ'),
    ('Cookbook (49) ∂det(X)/∂X = det(X)X⁻ᵀ', 'grad', 'det(X)', 'X', None, 'mixed', 'det(X) X⁻ᵀ'),
    ('Cookbook (51) ∂det(AXB)/∂X = det(AXB)X⁻ᵀ', 'grad', 'det(A X B)', 'X', 'A: square, X: square, B: square', 'mixed', 'det(A X B) X⁻ᵀ'),
    ('Cookbook (52) ∂log det(XᵀX)/∂X = 2X(XᵀX)⁻¹ (= 2(X⁺)ᵀ)', 'grad', 'log det(X^T X)', 'X', None, 'mixed', '2 X (Xᵀ X)⁻¹'),
    ('Cookbook (54) ∂log|det X|/∂X = X⁻ᵀ', 'grad', 'log det(X)', 'X', None, 'mixed', 'X⁻ᵀ'),
    ('Cookbook (55) ∂det(X³)/∂X = 3 det(X³)X⁻ᵀ', 'grad', 'det(X^3)', 'X', None, 'mixed', '3 det(X)^3 X⁻ᵀ'),
    ('Cookbook (55) ∂det(X²)/∂X = 2 det(X²)X⁻ᵀ', 'grad', 'det(X^2)', 'X', None, 'mixed', '2 det(X)^2 X⁻ᵀ'),
    ('Cookbook (60) ∂aᵀX⁻¹b/∂X = -X⁻ᵀabᵀX⁻ᵀ', 'grad', 'a^T X^{-1} b', 'X', None, 'mixed', '-X⁻ᵀ a bᵀ X⁻ᵀ'),
    ('Cookbook (61) ∂det(X⁻¹)/∂X = -det(X⁻¹)X⁻ᵀ', 'grad', 'det(inv(X))', 'X', None, 'mixed', '-(X⁻ᵀ / det(X))'),
    ('Cookbook (62) ∂tr(AX⁻¹B)/∂X = -(X⁻¹BAX⁻¹)ᵀ', 'grad', 'tr(A X^{-1} B)', 'X', None, 'mixed', '-X⁻ᵀ Aᵀ Bᵀ X⁻ᵀ'),
    ('Cookbook (63) ∂tr((X+A)⁻¹)/∂X', 'grad', 'tr(inv(X + A))', 'X', None, 'mixed', '-((X + A)^2)⁻ᵀ'),
    ('Cookbook (99) ∂tr(X)/∂X = I', 'grad', 'tr(X)', 'X', None, 'mixed', 'I'),
    ('Cookbook (100) ∂tr(XA)/∂X = Aᵀ', 'grad', 'tr(X A)', 'X', None, 'mixed', 'Aᵀ'),
    ('Cookbook (101) ∂tr(AXB)/∂X = AᵀBᵀ', 'grad', 'tr(A X B)', 'X', None, 'mixed', 'Aᵀ Bᵀ'),
    ('Cookbook (102) ∂tr(AXᵀB)/∂X = BA', 'grad', 'tr(A X^T B)', 'X', None, 'mixed', 'B A'),
    ('Cookbook (103) ∂tr(XᵀA)/∂X = A', 'grad', 'tr(X^T A)', 'X', None, 'mixed', 'A'),
    ('Cookbook (104) ∂tr(AXᵀ)/∂X = A', 'grad', 'tr(A X^T)', 'X', None, 'mixed', 'A'),
    ('Cookbook (105) ∂tr(A⊗X)/∂X = tr(A)I', 'grad', 'tr(kron(A, X))', 'X', 'A: square, X: square', 'mixed', 'tr(A) I'),
    ('Cookbook (106) ∂tr(X²)/∂X = 2Xᵀ', 'grad', 'tr(X^2)', 'X', None, 'mixed', '2 Xᵀ'),
    ('Cookbook (107) ∂tr(X²B)/∂X = (XB + BX)ᵀ', 'grad', 'tr(X^2 B)', 'X', None, 'mixed', 'Bᵀ Xᵀ + Xᵀ Bᵀ'),
    ('Cookbook (108) ∂tr(XᵀBX)/∂X = BX + BᵀX', 'grad', 'tr(X^T B X)', 'X', None, 'mixed', '(B + Bᵀ) X'),
    ('Cookbook (109) ∂tr(BXXᵀ)/∂X = BX + BᵀX', 'grad', 'tr(B X X^T)', 'X', None, 'mixed', '(B + Bᵀ) X'),
    ('Cookbook (110) ∂tr(XXᵀB)/∂X = BX + BᵀX', 'grad', 'tr(X X^T B)', 'X', None, 'mixed', '(B + Bᵀ) X'),
    ('Cookbook (111) ∂tr(XBXᵀ)/∂X = XBᵀ + XB', 'grad', 'tr(X B X^T)', 'X', None, 'mixed', 'X (B + Bᵀ)'),
    ('Cookbook (112) ∂tr(BXᵀX)/∂X = XBᵀ + XB', 'grad', 'tr(B X^T X)', 'X', None, 'mixed', 'X (B + Bᵀ)'),
    ('Cookbook (113) ∂tr(XᵀXB)/∂X = XBᵀ + XB', 'grad', 'tr(X^T X B)', 'X', None, 'mixed', 'X (B + Bᵀ)'),
    ('Cookbook (114) ∂tr(AXBX)/∂X = AᵀXᵀBᵀ + BᵀXᵀAᵀ', 'grad', 'tr(A X B X)', 'X', None, 'mixed', 'Aᵀ Xᵀ Bᵀ + Bᵀ Xᵀ Aᵀ'),
    ('Cookbook (115) ∂tr(XᵀX)/∂X = 2X', 'grad', 'tr(X^T X)', 'X', None, 'mixed', '2 X'),
    ('Cookbook (115) ∂tr(XXᵀ)/∂X = 2X', 'grad', 'tr(X X^T)', 'X', None, 'mixed', '2 X'),
    ('Cookbook (116) ∂tr(BᵀXᵀCXB)/∂X = CᵀXBBᵀ + CXBBᵀ', 'grad', 'tr(B^T X^T C X B)', 'X', None, 'mixed', '(C + Cᵀ) X B Bᵀ'),
    ('Cookbook (117) ∂tr(XᵀBXC)/∂X = BXC + BᵀXCᵀ', 'grad', 'tr(X^T B X C)', 'X', None, 'mixed', 'B X C + Bᵀ X Cᵀ'),
    ('Cookbook (118) ∂tr(AXBXᵀC)/∂X = AᵀCᵀXBᵀ + CAXB', 'grad', 'tr(A X B X^T C)', 'X', None, 'mixed', 'Aᵀ Cᵀ X Bᵀ + C A X B'),
    ('Cookbook (119) ∂tr((AXB+C)(AXB+C)ᵀ)/∂X = 2Aᵀ(AXB+C)Bᵀ', 'grad', 'tr((A X B + C) (A X B + C)^T)', 'X', None, 'mixed', '2 Aᵀ (A X B + C) Bᵀ'),
    ('Cookbook (120) ∂tr(X⊗X)/∂X = 2tr(X)I', 'grad', 'tr(kron(X, X))', 'X', 'X: square', 'mixed', '2 tr(X) I'),
    ('Cookbook (121) ∂tr(X⁴)/∂X = 4(Xᵀ)³', 'grad', 'tr(X^4)', 'X', None, 'mixed', '4 (Xᵀ)^3'),
    ('Cookbook (121) ∂tr(X³)/∂X = 3(Xᵀ)²', 'grad', 'tr(X^3)', 'X', None, 'mixed', '3 (Xᵀ)^2'),
    ('Cookbook (125) ∂tr(AX⁻¹B)/∂X = -X⁻ᵀAᵀBᵀX⁻ᵀ', 'grad', 'tr(A inv(X) B)', 'X', None, 'mixed', '-X⁻ᵀ Aᵀ Bᵀ X⁻ᵀ'),
    ('Cookbook (129) ∂‖x - a‖₂/∂x = (x - a)/‖x - a‖₂', 'grad', '||x - a||_2', 'x', None, 'mixed', '(x - a) / ‖x - a‖'),
    ('Cookbook (131) ∂‖x‖²/∂x = 2x', 'grad', '||x||^2', 'x', None, 'mixed', '2 x'),
    ('Cookbook (132) ∂‖X‖²_F/∂X = 2X', 'grad', '||X||_F^2', 'X', None, 'mixed', '2 X'),
    ('Cookbook (54) with (61): ∂ log|det X⁻¹|/∂X = -X⁻ᵀ (issue 11)', 'grad', 'log(det(inv(X)))', 'X', None, 'mixed', '-X⁻ᵀ'),
    ('Cookbook (54) with Σ spd: ∂ log det Σ/∂Σ = Σ⁻¹', 'grad', 'log det(Sigma)', 'Sigma', 'Sigma: spd', 'mixed', 'Σ⁻¹'),
    ('Cookbook (62) with Σ spd: ∂tr(Σ⁻¹ S)/∂Σ = -Σ⁻¹ S Σ⁻¹', 'grad', 'tr(inv(Sigma) S)', 'Sigma', 'Sigma: spd, S: symmetric', 'mixed', '-Σ⁻¹ S Σ⁻¹'),
    ('Gaussian log-likelihood by Σ (issue 11)', 'grad', 'log det(Sigma) + (x - mu)^T Sigma^{-1} (x - mu)', 'Sigma', 'Sigma: spd, mu: vector', 'mixed', 'Σ⁻¹ - Σ⁻¹ (x - μ) (x - μ)ᵀ Σ⁻¹'),
    ('Gaussian log-likelihood by μ', 'grad', 'log det(Sigma) + (x - mu)^T Sigma^{-1} (x - mu)', 'mu', 'Sigma: spd, mu: vector', 'mixed', '-2 Σ⁻¹ (x - μ)'),
    ('Gaussian KL by S1 (issue 11)', 'grad', '1/2 (tr(inv(S1) S0) + (mu1 - mu0)^T inv(S1) (mu1 - mu0) - 3 + log det(S1) - log det(S0))', 'S1', 'S1: spd, S0: spd, mu1: vector, mu0: vector', 'mixed', '1/2 (S1⁻¹ - S1⁻¹ (S0 + (μ1 - μ0) (μ1 - μ0)ᵀ) S1⁻¹)'),
    ('Gaussian KL by μ1', 'grad', '1/2 (tr(inv(S1) S0) + (mu1 - mu0)^T inv(S1) (mu1 - mu0) - 3 + log det(S1) - log det(S0))', 'mu1', 'S1: spd, S0: spd, mu1: vector, mu0: vector', 'mixed', 'S1⁻¹ (μ1 - μ0)'),
    ('Mahalanobis distance by x (issue 11)', 'grad', 'sqrt((x - mu)^T S^{-1} (x - mu))', 'x', 'S: spd, mu: vector', 'mixed', 'S⁻¹ (x - μ) / sqrt((x - μ)ᵀ S⁻¹ (x - μ))'),
    ('issue 11: sum(A ⊗ B) = sum(A) sum(B), so ∂/∂A = sum(B) 𝟏 𝟏ᵀ', 'grad', 'sum(kron(A, B))', 'A', None, 'mixed', 'sum(B) (𝟏 𝟏ᵀ)'),
    ('notes: aᵀx by x', 'grad', 'a^T x', 'x', None, 'numerator', 'aᵀ'),
    ('notes: xᵀAx by x, A symmetric', 'grad', 'x^T A x', 'x', 'A: symmetric', 'mixed', '2 A x'),
    ('notes: least squares 1/2‖Xw - y‖²', 'grad', '1/2 ||X w - y||^2', 'w', None, 'mixed', 'Xᵀ (X w - y)'),
    ('notes: ridge ‖Xw - y‖² + λ‖w‖²', 'grad', '||X w - y||^2 + lambda ||w||^2', 'w', None, 'mixed', '2 Xᵀ (X w - y) + 2 λ w'),
    ('notes: weighted least squares', 'grad', '(X w - y)^T W (X w - y)', 'w', 'W: symmetric', 'mixed', '2 Xᵀ W (X w - y)'),
    ('notes: logistic log(1 + exp(wᵀx))', 'grad', 'log(1 + exp(w^T x))', 'w', None, 'mixed', 'σ(wᵀ x) x'),
    ('notes: logistic loss', 'grad', '-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))', 'w', None, 'mixed', '1/m Xᵀ (σ(X w) - y)'),
    ('notes: softmax cross-entropy', 'grad', '-y^T log(softmax(z))', 'z', None, 'mixed', '(𝟏ᵀ y) softmax(z) - y'),
    ('notes: batch softmax cross-entropy (issue 11)', 'grad', '-sum(Y ⊙ log(softmax(W X)))', 'W', None, 'mixed', '((𝟏 𝟏ᵀ) Y ⊙ softmax(W X) - Y) Xᵀ'),
    ('notes: two-layer network by W2', 'grad', '1/2 ||W2 σ(W1 x + b1) + b2 - y||^2', 'W2', None, 'mixed', '(ŷ - y) hᵀ where h = σ(W1 x + b1), ŷ = W2 h + b2'),
    ('notes: two-layer network by W1', 'grad', '1/2 ||W2 σ(W1 x + b1) + b2 - y||^2', 'W1', None, 'mixed', '(W2ᵀ (ŷ - y) ⊙ h ⊙ (1 - h)) xᵀ where h = σ(W1 x + b1), ŷ = W2 h + b2'),
    ('notes: two-layer network by b2', 'grad', '1/2 ||W2 σ(W1 x + b1) + b2 - y||^2', 'b2', None, 'mixed', 'W2 σ(W1 x + b1) + b2 - y'),
    ('notes: ‖AX - B‖²_F by A', 'grad', '||A X - B||_F^2', 'A', None, 'mixed', '2 (A X - B) Xᵀ'),
    ('notes: tr(ABAᵀ) by A', 'grad', 'tr(A B A^T)', 'A', None, 'mixed', 'A (B + Bᵀ)'),
    ('notes: tr(ABAᵀ) by A, B symmetric', 'grad', 'tr(A B A^T)', 'A', 'B: symmetric', 'mixed', '2 A B'),
    ('notes: two-layer network Hessian by x (issue 11)', 'hessian', '1/2 ||W2 σ(W1 x + b1) + b2 - y||^2', 'x', None, 'mixed', 'W1ᵀ (D W2ᵀ W2 D + diag(W2ᵀ (ŷ - y) ⊙ h ⊙ (1 - h) ⊙ (1 - 2 h))) W1 where h = σ(W1 x + b1), ŷ = W2 h + b2, D = diag(h ⊙ (1 - h))'),
    ('notes: logistic Hessian', 'hessian', '-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))', 'w', None, 'mixed', '1/m Xᵀ diag(h ⊙ (1 - h)) X where h = σ(X w)'),
    ('notes: least-squares Hessian', 'hessian', '||X w - y||^2', 'w', None, 'mixed', '2 Xᵀ X'),
    ('notes: quadratic form Hessian', 'hessian', 'x^T A x', 'x', None, 'mixed', 'A + Aᵀ'),
    ('notes: Jacobian of A x (numerator layout) = A', 'jacobian', 'A x', 'x', None, 'numerator', 'A'),
    ('notes: Jacobian of softmax', 'jacobian', 'softmax(z)', 'z', None, 'numerator', 'diag(s) - s sᵀ where s = softmax(z)'),
    ('notes: Jacobian of a sigmoid layer', 'jacobian', 'σ(W1 x + b1)', 'x', None, 'numerator', 'diag(h ⊙ (1 - h)) W1 where h = σ(W1 x + b1)'),
    ('Cookbook (520): vec(A X B) = (Bᵀ ⊗ A) vec(X)', 'derivative', 'A X B', 'X', None, 'mixed', 'Bᵀ ⊗ A'),
    ('notes: ∂vec(X⁻¹)/∂vec(X) = -(X⁻ᵀ ⊗ X⁻¹)', 'derivative', 'X^{-1}', 'X', None, 'mixed', '-(X⁻ᵀ ⊗ X⁻¹)'),
    ('notes: (x - μ)ᵀ form by x', 'grad', '(x - mu)^T A (x - mu)', 'x', 'mu: vector', 'mixed', '(A + Aᵀ) (x - μ)'),
    ('notes: numerator-layout quadratic', 'grad', '(x - A s)^T W (x - A s)', 'x', 'W: symmetric', 'numerator', '2 (x - A s)ᵀ W'),]

SAMPLE = [0, 5, 9, 15, 16, 17, 19, 31, 47, 56, 57, 59, 61, 62, 71]   # proved by SymPy as well (a few seconds)


def derive(kind, f, wrt, where, layout):
    return getattr(symmat, kind)(f, wrt=wrt, where=where, layout=layout)


@pytest.mark.parametrize("label, kind, f, wrt, where, layout, printed", CASES, ids=[c[0] for c in CASES])
def test_textbook_form(label, kind, f, wrt, where, layout, printed):
    assert str(derive(kind, f, wrt, where, layout)) == printed


@pytest.mark.parametrize("i", SAMPLE, ids=[CASES[i][0] for i in SAMPLE])
def test_a_sample_verifies_by_sympy(i):
    label, kind, f, wrt, where, layout, _ = CASES[i]
    assert symmat.verify(derive(kind, f, wrt, where, layout)).ok


def test_at_least_sixty_cases_each_labelled():
    assert len(CASES) >= 60
    assert all(c[0].startswith(("Cookbook", "notes", "Gaussian", "Mahalanobis", "issue")) for c in CASES)
    assert len({c[0] for c in CASES}) == len(CASES)


def test_the_issue_table():
    """The nine rows of issue 11's table, in the forms given there (or as short)."""
    table = {c[0]: c[6] for c in CASES}
    assert table["Gaussian log-likelihood by Σ (issue 11)"] == "Σ⁻¹ - Σ⁻¹ (x - μ) (x - μ)ᵀ Σ⁻¹"
    assert table["Gaussian KL by S1 (issue 11)"] == "1/2 (S1⁻¹ - S1⁻¹ (S0 + (μ1 - μ0) (μ1 - μ0)ᵀ) S1⁻¹)"
    assert "(x - μ)ᵀ" in table["Mahalanobis distance by x (issue 11)"]
    assert table["notes: two-layer network Hessian by x (issue 11)"].startswith(
        "W1ᵀ (D W2ᵀ W2 D + diag(W2ᵀ (ŷ - y) ⊙ h ⊙ (1 - h) ⊙ (1 - 2 h))) W1 where")


# ----------------------------------------------------------------- a Greek name beside a vector

NOTE = "μ is read as a scalar (Greek names are scalars) and added to every entry; declare μ: vector if it is one"


def test_a_greek_name_added_to_a_vector_is_noted():
    r = symmat.grad("(x - mu)^T Sigma^{-1} (x - mu)", wrt="x")
    assert NOTE in r.notes
    assert NOTE in symmat.grad("(x - mu)^T Sigma^{-1} (x - mu)", wrt="mu").notes


@pytest.mark.parametrize("f, where", [
    ("(x - mu)^T Sigma^{-1} (x - mu)", "mu: vector"),     # declared a vector: the Gaussian form
    ("(x - mu)^T Sigma^{-1} (x - mu)", "mu: scalar"),     # declared a scalar: meant as written
    ("||X w - y||^2 + lambda ||w||^2", None),             # a Greek scalar that scales, not added
])
def test_no_note_when_the_reading_is_declared_or_ordinary(f, where):
    wrt = "x" if "x -" in f else "w"
    assert not any("read as a scalar" in n for n in symmat.grad(f, wrt=wrt, where=where).notes)


# ----------------------------------------------------------------- the names of the back-propagation pieces

def test_network_pieces_are_named_in_every_format():
    r = symmat.hessian("1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", wrt="x")
    assert [n for n, _ in r.bindings] == ["h", "ŷ", "D"]
    assert "\\hat{y}" in r.latex() and "ŷ" not in r.latex()
    assert "y_hat = W2 h + b2" in r.text(ascii=True)
    assert str(r.body).count("D") == 2
