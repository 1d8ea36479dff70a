"""The page in a real browser: headless Chromium (Debian's) driven by Playwright.

One browser for the module, a fresh context (its own storage) per test, the
server in a thread of this process on a free port. Every request the page
makes is recorded, and each test ends by asserting that none left
127.0.0.1. Locally these tests are skipped, with the reason, where Chromium
or Playwright is missing; in CI (CI=true) they never are: `.ci/run`
installs Chromium, and a missing browser fails.

Set SYMMAT_SCREENSHOTS=folder to keep a screenshot of each test's page.
"""

import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import symmat
from symmat.web.server import Server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:       # pragma: no cover - the test extra brings it
    sync_playwright = None

_MISSING = ("Playwright is not installed (pip install -e '.[test]')" if sync_playwright is None else
            f"Chromium is not at {CHROMIUM} (apt-get install chromium)" if not os.path.exists(CHROMIUM) else None)
if _MISSING and not IN_CI:
    pytest.skip(f"browser tests need a browser: {_MISSING}", allow_module_level=True)


@pytest.fixture(scope="module")
def server():
    s = Server("127.0.0.1", 0, quiet=True, workers=2)
    threading.Thread(target=s.serve_forever, daemon=True).start()
    s.pool.warm()
    yield s
    s.shutdown()
    s.server_close()


@pytest.fixture(scope="module")
def browser():
    if _MISSING:
        pytest.fail(f"CI must run the browser tests, but {_MISSING}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server, request):
    """A page of a fresh context; afterwards, every request it made went to this server."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.requests, page.errors, page.dialogs = [], [], []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.base = server.url
    yield page
    folder = os.environ.get("SYMMAT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{request.node.name}.png"), full_page=True)
    context.close()
    origin = urlsplit(server.url).netloc
    assert [u for u in page.requests if urlsplit(u).netloc != origin and not u.startswith("data:")] == []
    assert page.errors == [] and page.dialogs == []


def derive(page, expr, wrt, **fields):
    page.fill("[name=expr]", expr)
    page.fill("[name=wrt]", wrt)
    for name, value in fields.items():
        if name in ("kind", "layout", "symmetric"):
            page.select_option(f"[name={name}]", value)
        else:
            page.fill(f"[name={name}]", value)
    page.click("#submit")


def tex(locator):
    """The LaTeX KaTeX rendered (its MathML annotation)."""
    return locator.locator("annotation").first.text_content()


# ----------------------------------------------------------------- deriving

def test_typing_an_expression_renders_its_gradient(page):
    page.goto(page.base)
    page.fill("[name=expr]", "x^T A x")
    page.fill("[name=wrt]", "x")
    page.press("[name=expr]", "Enter")
    page.wait_for_selector("#result .math.display .katex")
    result = page.locator("#result")
    assert result.locator(".heading").text_content() == "Gradient by x, mixed layout, n×1"
    assert tex(result.locator(".math.display")) == "\\frac{\\partial f}{\\partial x} = \\left(A + A^{\\top}\\right) x"
    assert tex(result.locator(".read")) == "f = x^{\\top} A x"
    steps = result.locator(".chain .step")      # df = … = … ⇒ ∂f/∂x = …, aligned at "="
    assert steps.count() == 4
    assert tex(steps.nth(0).locator(".lhs")) == "\\mathrm{d}f"
    assert steps.nth(0).locator(".rule").text_content() == "product rule, transpose; Matrix Cookbook eq. 37"
    assert steps.nth(1).locator(".lhs").text_content() == ""
    assert tex(steps.nth(3).locator(".rhs")) == "{}= \\left(A + A^{\\top}\\right) x"
    assert "def d_x(x, A):" in page.locator("#code").text_content()   # f's variables, in order
    assert "expr=x%5ET%20A%20x" in page.url and "wrt=x" in page.url


def test_code_buttons_are_the_backends_the_result_can_print(page):
    page.goto(page.base + "?expr=tr(A%20X)&wrt=A")
    page.wait_for_selector("#result .katex")
    backends = page.locator("#code-box [data-backend]").evaluate_all("bs => bs.map(b => b.dataset.backend)")
    derivative = type(symmat.grad("tr(A X)", wrt="A"))
    assert backends == [b for b in ("numpy", "jax", "torch") if hasattr(derivative, f"to_{b}")]


def test_copy_buttons_copy_the_notes(page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(page.base + "?expr=x%5ET%20x&wrt=x")
    page.wait_for_selector("#result .katex")
    page.click("button[data-copy=markdown]")
    page.wait_for_selector("button[data-copy=markdown]:text('Copied')")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Read as $f = x^{\\top} x$\n\n**Gradient by x, mixed layout, n×1** of $f = x^{\\top} x$")
    page.click("button[data-copy=code]")
    assert page.evaluate("navigator.clipboard.readText()").startswith("import numpy as np")


def test_a_shared_url_loads_derives_and_proves(page):
    page.goto(page.base + "?expr=tr(A%20X)&wrt=A&where=A%3A%202x3&proof=1")
    page.wait_for_selector("#proof .table .katex")
    assert page.input_value("[name=expr]") == "tr(A X)" and page.input_value("[name=where]") == "A: 2x3"
    assert tex(page.locator("#result .math.display")) == "\\frac{\\partial f}{\\partial A} = X^{\\top}"
    assert page.locator("#proof .verified").text_content().startswith("✓ verified exactly")
    cells = page.locator("#proof .cell")
    assert cells.count() == 6 and tex(cells.nth(1)) == "\\frac{\\partial f}{\\partial a_{12}} = x_{21}"


def test_several_variables_and_a_jacobian(page):
    page.goto(page.base)
    derive(page, "softmax(z)", "z", kind="jacobian")
    page.wait_for_selector("#result .katex")
    assert "\\operatorname{diag}" in tex(page.locator("#result .math.display"))
    derive(page, "x y z", "x, y, z", where="x, y, z: scalar", kind="grad")
    expect(page.locator("#result article")).to_have_count(3)
    assert page.locator("#result .heading").all_text_contents()[2].startswith("Gradient by z")


# ----------------------------------------------------------------- checking

def test_a_check_answers_with_the_verdict_and_the_right_derivation(page):
    page.goto(page.base)
    page.check("[name=mode][value=check]")
    assert page.is_visible("[name=claim]") and page.is_visible("[name=kind]")
    derive(page, "x^T A x", "x", claim="2 A x")
    page.wait_for_selector("#verdict .headline .katex")
    verdict = page.locator("#verdict")
    assert verdict.locator(".headline").text_content().startswith("✗ Wrong: ")
    assert verdict.locator(".diagnosis").text_content().startswith("Diagnosis (right only if symmetric): right only for symmetric A")
    assert tex(verdict.locator(".answer")) == "\\frac{\\partial f}{\\partial x} = \\left(A + A^{\\top}\\right) x"
    assert "counterexample" in verdict.locator(".counterexample").text_content().lower()
    assert page.locator("#result .heading").text_content() == "Gradient by x, mixed layout, n×1"
    assert "mode=check" in page.url and "claim=2%20A%20x" in page.url


def test_a_worked_example_is_one_click(page):
    page.goto(page.base)
    page.click("#examples summary:text('Mistakes in the notes')")
    page.click("#examples details[open] a:has-text('tr(A X B)')")
    page.wait_for_selector("#verdict .diagnosis")
    assert page.locator("#verdict .diagnosis").get_attribute("data-code") == "dependence"
    assert page.input_value("[name=claim]") == "A^T X B^T"
    page.go_back()
    expect(page.locator("[name=expr]")).to_have_value("")


# ----------------------------------------------------------------- errors and injection

def test_an_error_shows_its_message_and_marks_the_place(page):
    page.goto(page.base)
    derive(page, "x^T A x)", "x")
    page.wait_for_selector("#error:not([hidden]) mark")
    error = page.locator("#error")
    assert error.locator(".message").text_content().startswith("syntax error: unexpected ')'")
    assert "column 8" in error.text_content()
    assert error.locator("pre.marked").text_content() == "x^T A x)" and error.locator("mark").text_content() == ")"
    expr = page.locator("[name=expr]")
    assert expr.get_attribute("aria-invalid") == "true"
    assert page.evaluate("[document.activeElement.name, document.activeElement.selectionStart]") == ["expr", 7]
    assert page.is_hidden("#result")


def test_an_error_after_wide_characters_is_marked_in_the_right_place(page):
    page.goto(page.base)
    page.check("[name=mode][value=check]")
    derive(page, "xᵀ A x", "x", claim="𝟏ᵀ A x )")
    page.wait_for_selector("#error:not([hidden]) mark")
    assert page.locator("#error mark").text_content() == ")"
    start = page.evaluate("document.querySelector('[name=claim]').selectionStart")
    assert start == len("𝟏ᵀ A x ".encode("utf-16-le")) // 2


@pytest.mark.parametrize("field", ["expr", "where", "claim"])
def test_html_and_script_in_the_input_stay_text(page, field):
    attack = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    page.goto(page.base)
    page.check("[name=mode][value=check]")
    fields = {"expr": "x^T x", "wrt": "x", "claim": "2 x"}
    fields[field] = attack
    derive(page, fields.pop("expr"), fields.pop("wrt"), **fields)
    page.wait_for_selector("#error:not([hidden])")
    assert attack[:8] in page.locator("#error").text_content()
    assert page.locator("#error img, #error script, main img").count() == 0
    assert page.evaluate("window.pwned") is None


def test_a_shared_url_with_markup_and_tex_commands_stays_text(page):
    page.goto(page.base + "?expr=%5Chref%7Bjavascript%3Aalert(1)%7D%7Bx%7D%20%3Cb%3Ebold%3C%2Fb%3E&wrt=x")
    page.wait_for_selector("#error:not([hidden])")
    assert "\\href" in page.locator("#error").text_content()
    assert page.locator("#error b, a[href^=javascript]").count() == 0
    assert page.input_value("[name=expr]") == "\\href{javascript:alert(1)}{x} <b>bold</b>"


# ----------------------------------------------------------------- offline, and narrow

def test_nothing_is_fetched_from_elsewhere(page):
    page.goto(page.base + "?expr=%7C%7CX%20w%20-%20y%7C%7C%5E2&wrt=w&proof=1")
    page.wait_for_selector("#proof .table .katex")
    page.wait_for_load_state("networkidle")
    paths = {urlsplit(u).path for u in page.requests}
    assert {"/", "/static/app.js", "/static/katex/katex.min.js", "/static/examples.json",
            "/api/derive", "/api/verify"} <= paths
    assert any(p.startswith("/static/katex/fonts/") for p in paths)
    assert page.evaluate("document.fonts.check('16px KaTeX_Main')")
    # (the fixture asserts that every one of them went to this server)


def test_a_narrow_window_scrolls_only_inside_long_formulas(page):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(page.base + "?expr=-1%2Fm%20sum(y%20.*%20log(sigmoid(X%20w))%20%2B%20(1%20-%20y)%20.*%20log(1%20-%20sigmoid(X%20w)))&wrt=w&kind=hessian")
    page.wait_for_selector("#result .katex")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.locator("#examples").bounding_box()["y"] > page.locator("#result").bounding_box()["y"]
