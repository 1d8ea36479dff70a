"""symmat in Jupyter: a real kernel (nbclient) runs cells, and their outputs carry rendered math.

The assertions are on the MIME data a frontend receives: `text/latex` and
`text/markdown` with the formulas in $…$, the derivation folded. The cells
run at the end of the example notebook (examples/symmat.ipynb), which must
run without error: one kernel for both.
"""

import os
from pathlib import Path

import pytest

if os.environ.get("CI"):     # in CI the test extra is installed: a missing package fails, never skips
    import ipykernel  # noqa: F401
    import nbclient
    import nbformat
else:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parent.parent

CELLS = [
    'import symmat\nsymmat.parse("x^T A x", where="A: symmetric")',
    'symmat.grad("x^T A x", wrt="x")',
    'symmat.check("x^T A x", wrt="x", claim="2 A x")',
    'symmat.verify(symmat.grad("tr(A X)", wrt="A", where="A: 2x2"), elements=True)',
    'symmat.grad("x y z", wrt="x, y, z", where="x, y, z: scalar")',
]


def execute(nb):
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    return nb


@pytest.fixture(scope="module")
def notebook():
    """The example notebook with the cells above appended, run once by one kernel."""
    nb = nbformat.read(os.fspath(ROOT / "examples" / "symmat.ipynb"), as_version=4)
    shipped = len(nb.cells)
    nb.cells += [nbformat.v4.new_code_cell(src) for src in CELLS]
    execute(nb)
    return nb, shipped


@pytest.fixture(scope="module")
def outputs(notebook):
    nb, shipped = notebook
    out = []
    for cell in nb.cells[shipped:]:
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        assert len(results) == 1, cell.outputs
        out.append(results[0]["data"])
    return out


def test_an_expression_shows_as_math(outputs):
    data = outputs[0]
    assert data["text/latex"] == "$x^{\\top} A x$"
    assert "text/html" not in data


def test_a_derivative_shows_its_result_and_folds_its_derivation(outputs):
    data = outputs[1]
    assert data["text/latex"] == "$$\\frac{\\partial f}{\\partial x} = \\left(A + A^{\\top}\\right) x$$"
    md = data["text/markdown"]
    assert md.startswith("Read as $f = x^{\\top} A x$\n\n**Gradient by x, mixed layout, n×1**")
    assert "<details><summary>derivation</summary>\n\n$$\n\\begin{aligned}" in md
    assert "  \\mathrm{d}f &= \\mathrm{d}x^{\\top} A x + x^{\\top} A \\mathrm{d}x && \\text{(product rule" in md
    assert "$$ \\frac{\\partial f}{\\partial x} = \\left(A + A^{\\top}\\right) x $$" in md


def test_a_check_report_shows_its_verdict(outputs):
    md = outputs[2]["text/markdown"]
    assert md.startswith("**✗ Wrong:** $2 A x$ is not $\\frac{\\partial f}{\\partial x}$ (mixed layout).")
    assert "*Diagnosis (symmetric):*" in md
    assert "The right answer: $\\frac{\\partial f}{\\partial x} = \\left(A + A^{\\top}\\right) x$" in md
    assert "<details><summary>derivation of the right answer</summary>" in md


def test_a_verification_report_shows_its_table(outputs):
    data = outputs[3]
    assert data["text/markdown"].startswith("**✓ verified exactly")
    assert "| $\\frac{\\partial f}{\\partial a_{12}}$ | $x_{21}$ |" in data["text/markdown"]
    assert "\\frac{\\partial f}{\\partial a_{21}} &= x_{12}" in data["text/latex"]


def test_several_variables_show_each_and_the_gradient_vector(outputs):
    data = outputs[4]
    assert data["text/latex"].startswith("$$\\begin{gathered}\\frac{\\partial f}{\\partial x} = y z \\\\ ")
    assert "\\nabla f = \\begin{bmatrix} y z \\\\ x z \\\\ x y \\end{bmatrix}" in data["text/markdown"]


def test_the_example_notebook_runs(notebook):
    nb, shipped = notebook
    code = [c for c in nb.cells[:shipped] if c.cell_type == "code"]
    assert code and not [o for c in code for o in c.outputs if o.output_type == "error"]
    shown = [o["data"] for c in code for o in c.outputs if o.output_type == "execute_result"]
    assert any("text/markdown" in d and "<details>" in d["text/markdown"] for d in shown)
