"""The input language (SPEC §1): seed examples, spellings, precedence, declarations."""

import importlib
import os
import subprocess
import sys
from fractions import Fraction

import pytest

import symmat
from symmat.tree import expr as E
from symmat.reading.build import FUNCTIONS, Limits

P = importlib.import_module("symmat.reading.parser")   # the module (symmat.parse is the API function)


def parse(text, where=None):
    """Parse with the default limits."""
    return symmat.parse(text, where=where)


def var(e, name):
    """The Var called `name` in `e`."""
    found = [v for v in e.variables() if v.name == name]
    assert found, f"{name} not in {e!r}"
    return found[0]


# ----------------------------------------------------------------- seed examples

SCALAR = (1, 1)

# (expression exactly as in shared/seed_examples.md, where=, expected shape or a check)
SEEDS = [
    ("a^T x", None, SCALAR), ("x^T a", None, SCALAR), ("x^T x", None, SCALAR),
    ("x^T A x", None, SCALAR), ("x^T A x where A: symmetric", None, SCALAR),
    ("x^T B x", None, SCALAR), ("b^T x + x^T A x", None, SCALAR),
    ("||A x - b||^2", "A: 3x2", SCALAR), ("(A x + b)^T (A x + b)", None, SCALAR),
    ("1/2 ||X w - y||^2", "X: 100x3", SCALAR), ("||X w - y||^2", None, SCALAR),
    ("||X w - y||^2 + λ ||w||^2", None, SCALAR),
    ("(X w - y)^T W (X w - y) where W: symmetric", None, SCALAR),
    ("||x||_2", None, SCALAR), ("x^T A^T A x", None, SCALAR),
    ("log(1 + exp(w^T x))", None, SCALAR), ("-y^T log(softmax(z))", None, SCALAR),
    ("-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))", None, SCALAR),
    ("(x - A s)^T W (x - A s) where W: symmetric", None, SCALAR),
    ("f = x y z where x, y, z: scalar", None, SCALAR),
    ("tr(A X)", "A: 2x2, X: 2x2", SCALAR), ("tr(A X)", "A: 2x4, X: 4x2", SCALAR),
    ("tr(A)", None, SCALAR), ("tr(A B)", None, SCALAR), ("tr(A^T B)", None, SCALAR),
    ("||A||_F^2", None, SCALAR), ("tr(A B A^T)", None, SCALAR),
    ("||A X - B||_F^2", None, SCALAR), ("||A X||_F^2", "A: 2x4, X: 4x2", SCALAR),
    ("||X W - Y||_F^2", None, SCALAR), ("det(A)", None, SCALAR), ("log|A|", None, SCALAR),
    ("tr(X^T A X)", None, SCALAR), ("tr(A X B)", None, SCALAR), ("a^T X b", None, SCALAR),
    ("a^T X^{-1} b", None, SCALAR),
    ("1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", "W1: 4x3, W2: 2x4", SCALAR),
    ("A x", "A: 3x2", (3, 1)), ("x", None, "vector"), ("x ⊙ y", None, "vector"),
    ("softmax(z)", None, "vector"), ("σ(W1 x + b1)", None, "vector"),
    ("A X B", None, "matrix"), ("X^{-1}", None, "square"),
    ("A diag(x) B", "A: 4x3, B: 3x2", (4, 2)),
    # the claims of the "mistakes" table
    ("tr(A X)", "X = [w x; y z]", SCALAR), ("[w z; y x]", None, (2, 2)), ("[w y; x z]", None, (2, 2)),
    ("A^T X B^T", None, "matrix"), ("A^T B^T", None, "matrix"),
    ("-2 (x - A s)^T W A", "W: symmetric", "row"), ("2 W (x - A s)", "W: symmetric", "vector"),
    ("2 (x - A s)^T W", "W: symmetric", "row"), ("2 A x", None, "vector"), ("(A + A^T) x", None, "vector"),
]


def _shape_ok(shape, want):
    """Whether `shape` is the expected one: a tuple, or a kind of symbolic shape."""
    if want == "vector":
        return isinstance(shape[0], str) and shape[1] == 1
    if want == "row":
        return shape[0] == 1 and isinstance(shape[1], str)
    if want == "square":
        return isinstance(shape[0], str) and shape[0] == shape[1]
    if want == "matrix":
        return all(isinstance(d, str) for d in shape)
    return shape == want


@pytest.mark.parametrize("text,where,want", SEEDS, ids=[f"{t} | {w}" for t, w, _ in SEEDS])
def test_seed_example_parses_with_its_shape(text, where, want):
    e = parse(text, where)
    assert isinstance(e, E.Expr)
    assert _shape_ok(e.shape, want), e.shape


@pytest.mark.parametrize("text", [
    "2 A^T (A x - b)", "x / ||x||_2", "σ(w^T x) x", "softmax(z) - y", "1/m X^T (σ(X w) - y)",
    "-2 A^T W (x - A s)", "det(A) A^{-T}", "-X^{-T} a b^T X^{-T}", "(ŷ - y) h^T",
    "(W2^T (ŷ - y) ⊙ h ⊙ (1 - h)) x^T", "diag(y)", "diag(s) - s s^T", "diag(h ⊙ (1 - h)) W1",
    "B^T ⊗ A", "-(X^{-T} ⊗ X^{-1})", "1/m X^T diag(σ(X w) ⊙ (1 - σ(X w))) X", "A + A^T",
    "2 X^T X", "A e_k e_k^T B", "A B^T + A B", "2 A B", "2 (A X - B) X^T", "a b^T",
    "x^T (B + B^T)", "b + (A + A^T) x", "2 X^T (X w - y) + 2 λ w", "A^{-T}", "I",
])
def test_seed_results_parse(text):
    assert isinstance(parse(text), E.Expr)


def test_concrete_sizes_from_declarations():
    e = parse("tr(A X) where A: 2x4, X: 4x2")
    assert var(e, "A").shape == (2, 4) and var(e, "X").shape == (4, 2)
    e = parse("1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", where="W1: 4x3, W2: 2x4")
    assert var(e, "x").shape == (3, 1) and var(e, "y").shape == (2, 1) and var(e, "b1").shape == (4, 1)


def test_seed_logistic_m_is_a_scalar():
    e = parse("-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))")
    assert var(e, "m").shape == SCALAR
    assert var(e, "w").shape[0] == var(e, "X").shape[1]


# ----------------------------------------------------------------- spellings

EQUIVALENT = [
    ["x^T A x", "x'*A*x", "xᵀAx", r"\mathbf{x}^\top A \mathbf{x}", "x^{T} A x", r"x^{\top} A x",
     "x^⊤ A x", r"\boldsymbol{x}^T A \bm{x}", "x^T @ A @ x", r"x^T \cdot A \cdot x", "$x^T A x$",
     r"x^\intercal A x", r"x^{\mathsf{T}} A x"],
    ["tr(A X)", r"\operatorname{tr}(AX)", "trace(A*X)", r"\mathrm{tr}(A X)", r"\text{tr}(AX)",
     "tr (A X)", "Tr(AX)", r"\operatorname{tr} AX", r"\operatorname{tr}\left(A X\right)"],
    ["||A x - b||_2^2", r"\|Ax-b\|_2^2", "norm2(A*x-b)^2", "‖A x − b‖^2", "||Ax-b||²",
     r"\left\| A x - b \right\|_2^2", r"\lVert A x - b \rVert^2", "||A x - b||^2", "‖A x − b‖_2^2"],
    ["log|A|", "log det(A)", "logdet(A)", r"\log|A|", r"\log\det A", "log det A",
     r"\log \left| A \right|", "log(det(A))", "ln|A|"],
    ["X^TA^TAX", "X^T A^T A X", r"X^\top A^\top A X", "X'A'AX", "XᵀAᵀAX", r"X^{\top}A^{\top}AX"],
    [r"\frac{1}{2} x", "1/2 x", "0.5 x", "(1/2) x", ".5 x", r"\tfrac{1}{2}\mathbf{x}", "1/2*x"],
    ["[a b; c d]", "[a, b; c, d]", r"\begin{bmatrix} a & b \\ c & d \end{bmatrix}",
     r"\begin{pmatrix} a & b \\ c & d \\ \end{pmatrix}", "[a b;c d]"],
    ["log(det(inv(X)))", r"\log \det X^{-1}", "log det(X^-1)", "log|X⁻¹|"],
    ["λ ||w||^2", "lambda ||w||^2", r"\lambda \|w\|^2", "λ‖w‖²", "λ * norm2(w)^2"],
    ["sum(log(exp(-y.*(X*w)) + vector(1)))", "sum(log(exp(-y ⊙ (X w)) + ones))",
     r"\operatorname{sum}(\log(\exp(-y \odot (X w)) + \mathbf{1}))", "sum(log(exp(-y∘(Xw)) + 𝟏))"],
    ["tr(A*X'*B*X*C)", "tr(A X^T B X C)", "tr(AXᵀBXC)"],
    ["A ⊗ B", "kron(A, B)", r"A \otimes B"],
    ["A .* B", "A ⊙ B", "A ∘ B", r"A \odot B", r"A \circ B"],
    ["A ./ B", "A ⊘ B"],
    ["A^{-T}", "A^-T", "A⁻ᵀ", "(A^{-1})^T", "inv(A)^T", "A^{-\\top}"],
    ["A^{-1}", "A^-1", "A⁻¹", "inv(A)", "A^(-1)"],
    ["A^2", "A²", "A^{2}", "A^(2)"],
    ["α^{-1/2}", "α^(-1/2)", "α^-0.5", "α^{-0.5}", r"\alpha^{-1/2}", "alpha^{-1/2}"],
    ["A.^2", "A .^ 2", "A.^{2}"],
    ["σ(z)", "sigmoid(z)", r"\sigma(z)", "sigma(z)", "σ (z)"],
    ["softmax(z)", r"\operatorname{softmax}(z)", r"\mathrm{softmax}(z)"],
    ["ones", "𝟏", r"\mathbf{1}", "vector(1)", r"\mathbb{1}"],
    ["I", "eye"],
    ["-(A + B)", "-(A+B)", "−(A + B)"],
    ["a - 2 x", "a-2x", "a − 2 x", "a + -2 x"],
    ["x y z where x, y, z: scalar", "f = x y z where x, y, z: scalar", "xyz where x, y, z: scalar",
     "x y z where x: scalar, y: scalar, z: scalar", "x*y*z where x, y and z: scalar"],
    ["||w||^2", "L(w) = ||w||^2", r"\mathcal{L}(w) = \|w\|^2", "J(θ) = ||w||^2", "f(w)=||w||^2"],
    ["‖A‖_F", "||A||_F", r"\|A\|_F", r"\lVert A \rVert_F", "||A||", "||A||_{F}", "norm2(A)"],
    ["‖x‖_1", "||x||_1", "norm1(x)"],
    ["W_{1} x", "W_1 x", "W1 x", "W₁ x", "W_{1}x"],
    ["X_{train} w", "X_train w"],
    ["θ^T x", "theta^T x", r"\theta^T x"],
    [r"\hat{y} - y", "y_hat - y"],
    [r"\sqrt{α}", "sqrt(α)", r"\sqrt α"],
    ["|α|", "abs(α)", r"\lvert α \rvert", r"\left|α\right|"],
    [r"\det X Y", "det(X) Y", "det X Y"],
    ["exp(X)", r"\exp(X)", r"\exp X", "exp X"],
]


@pytest.mark.parametrize("group", EQUIVALENT, ids=[g[0] for g in EQUIVALENT])
def test_spellings_give_the_same_tree(group):
    first = parse(group[0])
    for text in group[1:]:
        assert parse(text) == first, text


def test_where_in_text_equals_where_option():
    assert parse("x^T A x where A: symmetric") == parse("x^T A x", where="A: symmetric")
    assert parse("x^T A x", where="where A: symmetric") == parse("x^T A x", where="A: symmetric")
    assert parse("x^T θ where θ: vector") == parse("x^T θ", where="theta: vector")


def test_distinct_spellings_stay_distinct():
    assert parse("x^T A x") != parse("x^T A^T x")
    assert parse("tr(A X)") != parse("tr(X A)")
    assert parse("[a b; c d]") != parse("[a c; b d]")
    assert parse("W1 x") != parse("W2 x")
    assert parse("||x||_1") != parse("||x||_2")


# ----------------------------------------------------------------- precedence

def test_fraction_then_juxtaposition():
    e = parse("1/2 x")
    assert e == E.Mul(E.Const(Fraction(1, 2)), var(e, "x"))
    assert parse("1/2 x") == parse("(1/2) x")
    assert parse("1/2 x where x: scalar") != parse("1/(2 x) where x: scalar")
    assert parse("x/2 y where x, y: scalar") == parse("(x/2) y where x, y: scalar")


def test_unary_minus_binds_tighter_than_products():
    e = parse("-x^T y")
    assert e == parse("(-x^T) y") == parse("(-(x^T)) y")
    assert e.is_scalar
    assert parse("2 * -x") == parse("2 (-x)")


def test_function_without_parentheses_takes_one_factor():
    e = parse(r"\det X Y")
    assert isinstance(e, E.Mul) and isinstance(e.args[0], E.Det)
    assert e.args[0].args[0] == var(e, "X")
    assert parse("log det X") == parse("log(det(X))")
    assert parse(r"\det X^T") == parse("det(X^T)")


def test_single_letter_before_paren_multiplies():
    e = parse("A(x + b)")
    assert isinstance(e, E.Mul) and isinstance(e.args[1], E.Add)
    assert parse("x (-y) where x: scalar") == parse("x * (-y) where x: scalar")


def test_one_by_one_product_scales():
    e = parse("x^T y z")
    assert e.shape == var(e, "z").shape
    assert isinstance(e.args[0], E.Mul) and e.args[0].is_scalar


def test_difference_is_not_juxtaposition():
    e = parse("x - y")
    assert e == E.Add(var(e, "x"), E.Neg(var(e, "y")))
    assert parse("x -y") == e


def test_postfix_binds_tightest():
    e = parse("A B^T")
    assert e == E.Mul(var(e, "A"), E.Transpose(var(e, "B")))
    assert parse("-A^2") == E.Neg(E.Power(var(parse("A^2"), "A"), 2))
    assert parse("||x||^2") == E.Power(E.Norm(var(parse("x"), "x")), 2)


def test_products_are_one_level_left_to_right():
    assert parse("A ⊙ B C") == parse("(A ⊙ B) C")
    assert parse("A ⊗ B C") == parse("(A ⊗ B) C")


def test_transpose_token_wins_over_power_of_a_name():
    e = parse("X^TA")
    assert e == E.Mul(E.Transpose(var(e, "X")), var(e, "A"))


def test_juxtaposed_letters_split_but_names_with_digits_do_not():
    e = parse("Axx^T")
    assert [type(a).__name__ for a in e.args] == ["Var", "Var", "Transpose"]
    assert parse("AXᵀ") == parse("A X^T") and parse("AX^{-T}B") == parse("A X^{-T} B")
    declared = parse("AB^T where AB: matrix")
    assert isinstance(declared, E.Transpose) and declared.args[0].name == "AB"
    assert {v.name for v in parse("W1 x + W_2 x").variables()} == {"W1", "W2", "x"}
    assert {v.name for v in parse("Sigma x").variables()} == {"Σ", "x"}


def test_greek_letters_are_scalars_and_not_run_together():
    e = parse("λw")
    assert var(e, "λ").shape == SCALAR and var(e, "w").shape[1] == 1
    assert var(parse("theta_1 x"), "θ1").shape == SCALAR


def test_spelled_greek_before_paren_multiplies():
    e = parse("lambda(x + y)")
    assert isinstance(e, E.Mul) and var(e, "λ").shape == SCALAR


# ----------------------------------------------------------------- explicit matrices

def test_matrix_rows_and_columns():
    e = parse("[1; 2; 3]")
    assert isinstance(e, E.Matrix) and e.shape == (3, 1)
    assert parse("[1, 2, 3]").shape == (1, 3)
    e = parse("[a -b; c d]")
    assert e.rows()[0][1] == E.Neg(var(e, "b"))
    assert parse("[a - b c; d e]").shape == (2, 2)
    assert parse("[2a b; c d]").rows()[0][0] == E.Mul(E.Const(2), var(parse("[a]"), "a"))
    assert parse("[(a b) c; d e]").shape == (2, 2)
    assert parse("[a b, c; d e, f]").shape == (2, 2)   # with commas, a space multiplies


def test_explicit_value_in_where():
    e, decls = P.parse_with_info("tr(A X) where X = [w x; y z]")
    assert decls["X"].value.op == "Matrix" and var(e, "A").shape == (2, 2)
    assert parse("tr(A X)", where="X = [w x; y z]") == e


# ----------------------------------------------------------------- declarations

def test_declarations_dict():
    e, decls = P.parse_with_info("x^T A x where A: symmetric, 3x3", where="x: vector(3)")
    assert decls["A"].props == {"symmetric"} and decls["A"].shape == (3, 3)
    assert decls["x"].kind == "vector" and decls["x"].shape == (3, 1)
    assert var(e, "A").props == frozenset({"symmetric"})


@pytest.mark.parametrize("where,name,kind,shape,props", [
    ("A: symmetric", "A", None, None, {"symmetric"}),
    ("x, y, z: scalar", "y", "scalar", None, set()),
    ("θ: vector", "θ", "vector", None, set()),
    ("theta: vector", "θ", "vector", None, set()),
    ("x: vector(n)", "x", "vector", ("n", 1), set()),
    ("A: matrix", "A", "matrix", None, set()),
    ("A: matrix(m, n)", "A", "matrix", ("m", "n"), set()),
    ("A: m x n", "A", None, ("m", "n"), set()),
    ("A: 2x4", "A", None, (2, 4), set()),
    ("A: 2 × 4", "A", None, (2, 4), set()),
    ("A: square", "A", None, None, {"square"}),
    ("A: spd", "A", None, None, {"spd"}),
    ("A: positive definite", "A", None, None, {"spd"}),
    ("A: diagonal invertible", "A", None, None, {"diagonal", "invertible"}),
    ("A: orthogonal; B: symmetric", "A", None, None, {"orthogonal"}),
    ("A: symmetric and invertible", "A", None, None, {"symmetric", "invertible"}),
    ("W_1: 2x3", "W1", None, (2, 3), set()),
])
def test_declaration_forms(where, name, kind, shape, props):
    decls = P.declarations(P.parser().parse(where, start="decls"))
    d = decls[name]
    assert (d.kind, d.shape, d.props) == (kind, shape, props)


def test_declared_names_are_not_split():
    e = parse("AB x where AB: symmetric")
    assert var(e, "AB").props == frozenset({"symmetric"})


def test_text_and_option_declarations_merge():
    e = parse("x^T A x where A: symmetric", where="A: 3x3")
    assert var(e, "A").shape == (3, 3) and "symmetric" in var(e, "A").props


# ----------------------------------------------------------------- the printers' output reads back

@pytest.mark.parametrize("text", [
    "Aᵀ", "A⁻¹", "A⁻ᵀ", "A^2", "α^{-1/2}", "A.^2", "A ⊙ B", "A ./ B", "A ⊗ B", "‖x‖", "‖A‖_F",
    "‖x‖_1", "‖x‖^2", "tr(X)", "det(X)", "log det(X)", "σ(z)", "softmax(z)", "𝟏", "I",
    "[a b; c d]", "1/2 x", "a - 2 x", "-(A + B)", "A^T", "A^-1", "A^-T", "A .* B", "kron(A, B)",
    "||x||", "||A||_F", "sigmoid(z)", "lambda", "ones", "(1 / m) Xᵀ (σ(X w) - y)", "(A + Aᵀ) x",
    "x / ‖x‖", "log(1 + exp(wᵀ x))", "diag(σ(X w) ⊙ (𝟏 - σ(X w)))",
])
def test_printer_spellings_parse(text):
    assert isinstance(parse(text), E.Expr)


# ----------------------------------------------------------------- the grammar and the loader

def test_grammar_is_found_by_the_loader_a_wheel_uses():
    try:
        from importlib.resources import files
        resource = files("symmat.grammar") / "symmat.lark"
    except ModuleNotFoundError:
        pytest.skip("symmat is not installed (pip install -e .): symmat.grammar is not importable")
    assert resource.is_file()
    assert resource.read_text(encoding="utf-8") == P.grammar_text()


def test_grammar_knows_every_function_of_build():
    text = P.grammar_text()
    for name in FUNCTIONS:
        assert name in text, name


def test_import_is_light(tmp_path):
    """Once the parser is in the private cache, reading imports neither lark nor NumPy nor SymPy."""
    code = ("import sys, symmat; symmat.parse('x^T A x'); "
            "print(sorted(m for m in ('lark', 'numpy', 'sympy') if m in sys.modules))")
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "['lark']"   # the first use generates the parser with lark
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_canonical_names():
    assert P.canonical_name("W_{1}") == "W1"
    assert P.canonical_name("W_1") == "W1"
    assert P.canonical_name("X_{train}") == "X_train"
    assert P.canonical_name("\\lambda") == "lambda"
    assert P.canonical_name("\\hat{y}") == "y_hat"
    assert P.canonical_name("theta_1") == "θ1"
    assert P.canonical_name("y_hat") == "y_hat"


def test_limits_object_is_respected():
    assert parse("a" * 50 + " where a: scalar").is_scalar  # a long run of letters is a product
    with pytest.raises(symmat.LimitError):
        symmat.parse("x + y", limits=Limits(max_chars=3))
