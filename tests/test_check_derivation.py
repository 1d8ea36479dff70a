r"""check_derivation (issue 12): a student's derivation decided line by line.

* Every derivation symmat prints (text and LaTeX) over the worked examples of
  ../shared/seed_examples.md passes the checker.
* Hand-written derivations, each with one planted slip (transpose, sign,
  factor, dropped term, wrong rule, layout, another variable): the first wrong
  line is named, with a diagnosis that fits the slip.
* The report renders to text, Markdown, LaTeX and JSON; the command line reads
  a file or standard input and exits 0 / 1 / 2.
"""

import json

import pytest

import symmat
from symmat.cli import main
from symmat.printing.notes import render_latex
from symmat.printing.steps import chain_text

# (kind, f, wrt, where, layout): every worked example of seed_examples.md
SEEDS = [
    ("grad", "a^T x", "x", None, "mixed"),
    ("grad", "x^T a", "x", None, "numerator"),
    ("grad", "x^T x", "x", None, "mixed"),
    ("grad", "x^T A x", "x", None, "mixed"),
    ("grad", "x^T A x", "x", "A: symmetric", "mixed"),
    ("grad", "x^T B x", "x", None, "numerator"),
    ("grad", "b^T x + x^T A x", "x", None, "mixed"),
    ("grad", "||A x - b||^2", "x", "A: 3x2", "mixed"),
    ("grad", "(A x + b)^T (A x + b)", "x", None, "mixed"),
    ("grad", "1/2 ||X w - y||^2", "w", "X: 100x3", "mixed"),
    ("grad", "||X w - y||^2", "w", None, "mixed"),
    ("grad", "||X w - y||^2 + λ ||w||^2", "w", None, "mixed"),
    ("grad", "(X w - y)^T W (X w - y)", "w", "W: symmetric", "mixed"),
    ("grad", "||x||_2", "x", None, "mixed"),
    ("grad", "x^T A^T A x", "x", None, "mixed"),
    ("grad", "log(1 + exp(w^T x))", "w", None, "mixed"),
    ("grad", "-y^T log(softmax(z))", "z", None, "mixed"),
    ("grad", "-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))", "w", None, "mixed"),
    ("grad", "(x - A s)^T W (x - A s)", "s", "W: symmetric", "mixed"),
    ("grad", "(x - A s)^T W (x - A s)", "x", "W: symmetric", "mixed"),
    ("grad", "x y z", "x", "x, y, z: scalar", "mixed"),
    ("grad", "tr(A X)", "A", None, "mixed"),
    ("grad", "tr(A X)", "A", "A: 2x4", "mixed"),
    ("grad", "tr(A)", "A", None, "mixed"),
    ("grad", "tr(A B)", "A", None, "mixed"),
    ("grad", "tr(A^T B)", "A", None, "mixed"),
    ("grad", "||A||_F^2", "A", None, "mixed"),
    ("grad", "tr(A B A^T)", "A", None, "mixed"),
    ("grad", "tr(A B A^T)", "A", "B: symmetric", "mixed"),
    ("grad", "||A X - B||_F^2", "A", None, "mixed"),
    ("grad", "||A X||_F^2", "A", "A: 2x4", "mixed"),
    ("grad", "||X W - Y||_F^2", "W", None, "mixed"),
    ("grad", "det(A)", "A", None, "mixed"),
    ("grad", "log|A|", "A", None, "mixed"),
    ("grad", "tr(X^T A X)", "X", None, "mixed"),
    ("grad", "tr(A X B)", "X", None, "mixed"),
    ("grad", "a^T X b", "X", None, "mixed"),
    ("grad", "a^T X^{-1} b", "X", None, "mixed"),
    ("grad", "1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", "W2", "W1: 4x3, W2: 2x4", "mixed"),
    ("grad", "1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", "W1", "W1: 4x3, W2: 2x4", "mixed"),
    ("jacobian", "A x", "x", "A: 3x2", "numerator"),
    ("jacobian", "A x", "x", "A: 3x2", "denominator"),
    ("jacobian", "x", "x", None, "numerator"),
    ("jacobian", "x ⊙ y", "x", None, "numerator"),
    ("jacobian", "softmax(z)", "z", None, "numerator"),
    ("jacobian", "σ(W1 x + b1)", "x", None, "numerator"),
    ("hessian", "x^T A x", "x", None, "mixed"),
    ("hessian", "||X w - y||^2", "w", None, "mixed"),
    ("hessian", "-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))", "w", None, "mixed"),
    ("derivative", "A X B", "X", None, "mixed"),
    ("derivative", "X^{-1}", "X", None, "mixed"),
    # Left out: A diag(x) B by x. Its Jacobian prints as (Bᵀ ⊗ 𝟏) ⊙ (𝟏 ⊗ A), and a 𝟏 read back has no
    # size of its own, so the printed line does not type again (a printing matter, noted in the report).
]


@pytest.mark.parametrize("kind, f, wrt, where, layout", SEEDS, ids=[f"{s[0]} {s[1]} by {s[2]}" for s in SEEDS])
def test_every_printed_derivation_passes(kind, f, wrt, where, layout):
    r = getattr(symmat, kind)(f, wrt=wrt, where=where, layout=layout)
    as_kind = None if kind == "derivative" else kind
    for text in ("\n".join(chain_text(r.steps)), render_latex(r)):
        rep = symmat.check_derivation(f, wrt, text, where=where, layout=layout, kind=as_kind)
        assert rep.ok and rep.first_wrong is None, rep.text()
        assert all(v.ok for v in rep.lines)


# ----------------------------------------------------------------- the issue's example

ISSUE = """\
df = dxᵀ A x + xᵀ A dx          (product rule)
   = xᵀ Aᵀ dx + xᵀ A dx         (a scalar is its own transpose)
   = xᵀ (A + Aᵀ) dx             (collect)
⇒ ∂f/∂x = (A + Aᵀ) x            (df = gᵀ dx)
"""


def test_the_issue_example_is_right():
    rep = symmat.check_derivation("x^T A x", "x", ISSUE)
    assert rep.ok and rep.first_wrong is None and rep.diagnosis is None
    assert [v.number for v in rep.lines] == [1, 2, 3, 4]


def test_the_chain_symmat_prints_for_the_issue_example():
    r = symmat.grad("x^T A x", wrt="x")
    assert [s.formula() for s in r.steps] == [
        "f = xᵀ A x", "df = dxᵀ A x + xᵀ A dx", "= xᵀ Aᵀ dx + xᵀ A dx", "= xᵀ (A + Aᵀ) dx",
        "⇒ ∂f/∂x = (A + Aᵀ) x"]
    assert [s.rule for s in r.steps][1:] == ["product rule, transpose", "a scalar is its own transpose", "collect",
                                            "df = gᵀ dx"]
    assert [(d["lhs"], d["rhs"]) for d in json.loads(_json(r))["steps"]][-1] == \
        ("∂f/∂x", "(A + Aᵀ) x")


def _json(r):
    from symmat.printing.notes import render_json
    return render_json(r)


def test_latex_spellings_are_read():
    text = r"""
    \begin{align*}
      \mathrm{d}f &= \mathrm{d}x^{\top} A x + x^{\top} A\, d(x) \\
        &= x^{\top} A^{\top} \mathrm{d}x + x^{\top} A \,d x && \text{(a scalar is its own transpose)} \\
      \frac{\partial f}{\partial x} &= \left(A + A^{\top}\right) x
    \end{align*}
    """
    rep = symmat.check_derivation("x^T A x", "x", text)
    assert rep.ok, rep.text()
    assert [v.number for v in rep.lines] == [3, 4, 5]


@pytest.mark.parametrize("answer", ["∂f/∂x", r"\partial f/\partial x", r"\frac{\partial f}{\partial x}", "∇f",
                                    "grad", r"$\nabla f$"])
def test_answer_spellings(answer):
    rep = symmat.check_derivation("x^T A x", "x", f"$df = 2 x^T A dx$\n{answer} = 2 A x", where="A: symmetric")
    assert rep.ok, rep.text()


# ----------------------------------------------------------------- planted slips

# (f, wrt, where, layout, derivation, first wrong line, diagnoses that fit the slip)
SLIPS = [
    # transpose slips
    ("x^T A x", "x", None, "mixed",
     "df = dx^T A x + x^T A dx\n= x^T A dx + x^T A dx\n= 2 x^T A dx\n∂f/∂x = 2 A^T x", 2, {"symmetric"}),
    ("x^T A x", "x", None, "mixed",
     "df = dx^T A x + x^T A dx\n= x^T A^T dx + x^T A dx\n= x^T (A + A^T) dx\n∂f/∂x = x^T (A + A^T)", 4, {"layout"}),
    ("tr(A X B)", "X", None, "mixed",
     "df = tr(A dX B)\n= tr(B A dX)\n∂f/∂X = B A", 3, {"layout", "transpose"}),
    ("a^T X b", "X", None, "mixed",
     "df = a^T dX b\n= tr(b a^T dX)\n∂f/∂X = b a^T", 3, {"layout", "transpose"}),
    ("tr(A X)", "A", None, "mixed", "df = tr(dA X)\n= tr(X dA)\n∂f/∂A = X", 3, {"layout", "transpose"}),
    ("tr(X^T A X)", "X", None, "mixed",
     "df = tr(dX^T A X + X^T A dX)\n= tr(X^T A dX) + tr(X^T A dX)\n= 2 tr(X^T A dX)\n∂f/∂X = 2 A X", 2,
     {"symmetric"}),
    ("x^T B x", "x", None, "numerator",
     "df = dx^T B x + x^T B dx\n= x^T (B + B^T) dx\n∂f/∂x = (B + B^T) x", 3, {"layout", "transpose"}),
    ("(A x + b)^T (A x + b)", "x", None, "mixed",
     "df = (A dx)^T (A x + b) + (A x + b)^T A dx\n= 2 (A x + b)^T A dx\n∂f/∂x = 2 A (A x + b)", 3,
     {"shape"}),
    # sign slips
    ("a^T X^{-1} b", "X", None, "mixed",
     "df = a^T (X^{-1} dX X^{-1}) b\n= tr(X^{-1} b a^T X^{-1} dX)\n∂f/∂X = X^{-T} a b^T X^{-T}", 1, {"sign"}),
    ("||X w - y||^2", "w", None, "mixed",
     "f = (X w - y)^T (X w - y)\ndf = 2 (X w - y)^T X dw\n∂f/∂w = -2 X^T (X w - y)", 3, {"sign"}),
    ("(x - A s)^T (x - A s)", "s", None, "mixed",
     "df = 2 (x - A s)^T A ds\n∂f/∂s = 2 A^T (x - A s)", 1, {"sign"}),
    ("b^T x - x^T x", "x", None, "mixed", "df = b^T dx - 2 x^T dx\n= (b + 2 x)^T dx\n∂f/∂x = b + 2 x", 2,
     {"sign"}),
    ("log(1 + exp(w^T x))", "w", None, "mixed",
     "df = exp(w^T x) / (1 + exp(w^T x)) x^T dw\n= σ(-w^T x) x^T dw\n∂f/∂w = σ(-w^T x) x", 2, {"wrong"}),
    # factor slips
    ("x^T x", "x", None, "mixed", "df = dx^T x + x^T dx\n= x^T dx\n∂f/∂x = x", 2, {"factor"}),
    ("1/2 ||X w - y||^2", "w", None, "mixed",
     "df = (X w - y)^T X dw\n∂f/∂w = 2 X^T (X w - y)", 2, {"factor"}),
    ("||A||_F^2", "A", None, "mixed", "f = tr(A^T A)\ndf = 2 tr(A^T dA)\n= tr(A^T dA)\n∂f/∂A = A", 3,
     {"factor"}),
    ("x^T A^T A x", "x", None, "mixed", "df = 2 x^T A^T A dx\n∂f/∂x = 4 A^T A x", 2, {"factor"}),
    ("||x||^2 + λ ||x||^2", "x", None, "mixed", "df = 2 x^T dx + 2 λ x^T dx\n= 2 (1 + λ) x^T dx\n"
     "∂f/∂x = (1 + λ) x", 3, {"factor"}),
    # dropped or extra terms
    ("b^T x + x^T A x", "x", None, "mixed",
     "df = b^T dx + dx^T A x + x^T A dx\n= x^T A^T dx + x^T A dx\n= x^T (A + A^T) dx\n∂f/∂x = (A + A^T) x", 2,
     {"term"}),
    ("||X w - y||^2 + λ ||w||^2", "w", None, "mixed",
     "df = 2 (X w - y)^T X dw + 2 λ w^T dw\n= 2 (X w - y)^T X dw\n∂f/∂w = 2 X^T (X w - y)", 2, {"term"}),
    ("x^T A x", "x", None, "mixed", "df = x^T A dx\n∂f/∂x = A^T x", 1, {"term"}),
    ("tr(A B A^T)", "A", None, "mixed",
     "df = tr(dA B A^T) + tr(A B dA^T)\n= tr(B A^T dA) + tr(B^T A^T dA) + tr(A^T dA)\n∂f/∂A = A B^T + A B", 2,
     {"term"}),
    # wrong rules
    ("log det(X)", "X", None, "mixed", "df = tr(X dX)\n∂f/∂X = X^T", 1, {"wrong"}),
    ("det(X)", "X", None, "mixed", "df = tr(X^{-1} dX)\n∂f/∂X = X^{-T}", 1, {"factor", "wrong"}),
    ("a^T X^{-1} b", "X", None, "mixed", "df = -a^T X^{-2} dX b\n∂f/∂X = -X^{-T} X^{-T} a b^T", 1, {"wrong"}),
    ("sum(exp(x))", "x", None, "mixed", "df = sum(exp(x) ⊙ dx)\n= exp(x)^T dx\n∂f/∂x = x ⊙ exp(x)", 3,
     {"wrong"}),
    ("tr(X X)", "X", None, "mixed", "df = tr(dX X + X dX)\n= 2 tr(X dX)\n∂f/∂X = 2 X", 3, {"layout", "transpose"}),
    ("σ(w^T x)", "w", "σ: scalar", "mixed", "df = σ(w^T x) x^T dw\n∂f/∂w = σ(w^T x) x", 1, {"wrong"}),
    # layout
    ("a^T x", "x", None, "numerator", "df = a^T dx\n∂f/∂x = a", 2, {"layout", "transpose"}),
    ("A x", "x", None, "denominator", "df = A dx\n∂f/∂x = A", 2, {"layout", "transpose"}),
    # another variable
    ("(x - A s)^T W (x - A s)", "x", "W: symmetric", "mixed",
     "df = 2 (x - A s)^T W dx\n∂f/∂x = -2 A^T W (x - A s)", 2, {"other_variable"}),
    ("tr(A X)", "X", None, "mixed", "df = tr(A dX)\n∂f/∂X = X^T", 2, {"other_variable", "wrong"}),
    # a slip in a middle line, the rest consistent
    ("x^T A x + b^T x", "x", None, "mixed",
     "df = dx^T A x + x^T A dx + b^T dx\n= x^T A^T dx + x^T A dx + b^T dx\n= (x^T A^T + x^T A - b^T) dx\n"
     "∂f/∂x = A x + A^T x - b", 3, {"sign", "term", "wrong"}),
]


def _ids():
    return [f"{i}: {s[0]} by {s[1]}" for i, s in enumerate(SLIPS)]


@pytest.mark.parametrize("f, wrt, where, layout, text, line, codes", SLIPS, ids=_ids())
def test_a_planted_slip_is_found(f, wrt, where, layout, text, line, codes):
    rep = symmat.check_derivation(f, wrt, text, where=where, layout=layout)
    assert not rep.ok
    assert rep.first_wrong == line, rep.text()
    assert rep.diagnosis.code in codes, rep.text()
    wrong = next(v for v in rep.lines if not v.ok)
    assert wrong.counterexample is not None or wrong.diagnosis.code == "shape"


def test_at_least_thirty_planted_slips():
    assert len(SLIPS) >= 30


# ----------------------------------------------------------------- the report and the command line

SLIPPED = "df = dx^T A x + x^T A dx\n= x^T A dx + x^T A dx\n= 2 x^T A dx\n∂f/∂x = 2 A^T x"


def test_the_report_renders_everywhere():
    rep = symmat.check_derivation("x^T A x", "x", SLIPPED)
    assert (rep.ok, rep.first_wrong, rep.diagnosis.code) == (False, 2, "symmetric")
    assert [v.ok for v in rep.lines] == [True, False, True, True]   # after the slip, judged against each other
    assert "first wrong line 2" in rep.text() and rep.text(ascii=True).isascii()
    assert "| 2 |" in rep.markdown() and "\\begin{align*}" in rep.latex()
    data = json.loads(rep.json())
    assert data["first_wrong"] == 2 and data["lines"][1]["diagnosis"]["code"] == "symmetric"
    assert data["lines"][1]["counterexample"]["sizes"] == {"n": 2}
    assert set(data["lines"][1]["counterexample"]["values"]) == {"x", "A", "dx"}
    assert data["answer"]["ok"] is False and data["answer"]["correct"] == "(A + Aᵀ) x"


def cli(capsys, monkeypatch, *argv, stdin=None):
    if stdin is not None:
        import io
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8"))
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_cli_reads_a_file_and_stdin(capsys, monkeypatch, tmp_path):
    path = tmp_path / "hw.txt"
    path.write_text(ISSUE, encoding="utf-8")
    status, out, _ = cli(capsys, monkeypatch, "check", "x^T A x", "--wrt", "x", "--derivation", str(path))
    assert status == 0 and "right: every line follows" in out
    status, out, _ = cli(capsys, monkeypatch, "check", "x^T A x", "--wrt", "x", "--derivation", "-",
                         "--format", "json", stdin=SLIPPED)
    assert status == 1 and json.loads(out)["first_wrong"] == 2


@pytest.mark.parametrize("text", ["df = dx^T A x +\n", "df = dx^T A x + x^T A dx\nsome words", "", "df = (x"])
def test_cli_unreadable_derivations_exit_2(capsys, monkeypatch, text):
    status, _, err = cli(capsys, monkeypatch, "check", "x^T A x", "--wrt", "x", "--derivation", "-", stdin=text)
    assert status == 2 and err.startswith("symmat:")


def test_a_derivation_without_an_answer_is_not_ok():
    rep = symmat.check_derivation("x^T A x", "x", "df = dx^T A x + x^T A dx")
    assert not rep.ok and rep.first_wrong is None and rep.diagnosis.code == "incomplete"


def test_check_derivation_is_exported_lazily():
    import subprocess
    import sys
    code = "import symmat, sys; symmat.check_derivation; print('numpy' in sys.modules, 'sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out.split() == ["False", "False"]


# ----------------------------------------------------------------- check of Jacobians and Hessians

def test_a_hessian_claim_right_only_for_symmetric():
    r = symmat.check("x^T A x", wrt="x", claim="2 A", kind="hessian")
    assert not r.ok and r.diagnosis.code == "symmetric" and "∂²f/∂x∂xᵀ" in r.text()
    assert symmat.check("x^T A x", wrt="x", claim="A^T + A", kind="hessian").ok


def test_a_jacobian_claim_in_the_wrong_layout():
    r = symmat.check("A x", wrt="x", claim="A^T", kind="jacobian")
    assert not r.ok and r.diagnosis.code == "layout" and "denominator" in r.diagnosis.text()
    assert symmat.check("x^T A x", wrt="x", claim="x^T (A + A^T)", kind="jacobian").ok


def test_cli_check_kind(capsys, monkeypatch):
    status, out, _ = cli(capsys, monkeypatch, "check", "x^T A x", "--wrt", "x", "--kind", "hessian", "--claim", "2 A")
    assert status == 1 and "right only for symmetric A" in out
