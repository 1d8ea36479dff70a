"""Every result begins with the function as symmat read it (SPEC §6, issue 10),
printed with the parentheses that decide its meaning, so a misreading shows."""

import json

import pytest

import symmat
from symmat.cli import main
from symmat.printing.notes import render_check, render_result

CASES = [   # (function, wrt, the read-as line)
    ("tr((A B)^T C)", "A", "f = tr((A B)ᵀ C)"),
    ("tr(A B^T C)", "A", "f = tr(A Bᵀ C)"),
    ("x^T (A + B) x", "x", "f = xᵀ (A + B) x"),
    ("(X^T X)^{-1}", "X", "f = (Xᵀ X)⁻¹"),
    ("sum(log(x + 1))", "x", "f = sum(log(x + 1))"),
    ("-1/m ||X w - y||^2", "w", "f = -1/m ‖X w - y‖^2"),
]


@pytest.mark.parametrize("f,wrt,line", CASES, ids=[c[0] for c in CASES])
def test_text_begins_with_the_function_as_read(f, wrt, line):
    r = symmat.derivative(f, wrt=wrt)
    first = render_result(r, "text").splitlines()[0]
    assert first == line
    assert symmat.parse(first.removeprefix("f = ")) == r.f      # the line reads back as the same tree


@pytest.mark.parametrize("f,wrt,line", CASES, ids=[c[0] for c in CASES])
def test_every_format_begins_with_it(f, wrt, line):
    r = symmat.derivative(f, wrt=wrt)
    ascii_line = render_result(r, "ascii").splitlines()[0]
    assert ascii_line.startswith("f = ") and ascii_line.isascii()
    assert symmat.parse(ascii_line.removeprefix("f = ")) == r.f
    assert render_result(r, "latex").splitlines()[0] == "% symmat read: " + ascii_line
    assert render_result(r, "markdown").splitlines()[0] == f"Read as $f = {r.f.latex()}$"
    data = json.loads(render_result(r, "json"))
    assert list(data)[:2] == ["read_as", "read_as_latex"] and data["read_as"] == line


def test_several_variables_show_the_function_once():
    text = render_result(symmat.grad("x y z", wrt="x,y,z", where="x, y, z: scalar"), "text")
    assert text.splitlines()[0] == "f = x y z" and text.count("f = x y z") == 1
    data = json.loads(render_result(symmat.grad("x y z", wrt="x,y", where="x, y, z: scalar"), "json"))
    assert all(d["read_as"] == "f = x y z" for d in data)


def test_a_check_verdict_begins_with_it_once():
    report = symmat.check("tr((A B)^T C)", wrt="A", claim="C B^T")
    assert render_check(report, "text").splitlines()[0] == "f = tr((A B)ᵀ C)"
    md = render_check(report, "markdown")
    assert md.startswith("Read as $f = ") and md.count("Read as") == 1
    tex = render_check(report, "latex")
    assert tex.startswith("% symmat read: f = tr((A B)^T C)") and tex.count("% symmat read") == 1
    assert json.loads(render_check(report, "json"))["read_as"] == "f = tr((A B)ᵀ C)"


def test_cli_shows_what_was_read(capsys):
    assert main(["grad", "tr((A B)^T C)", "--wrt", "A"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "f = tr((A B)ᵀ C)" and out[1] == "∂f/∂A = C Bᵀ"
    assert main(["check", "tr((A B)^T C)", "--wrt", "A", "--claim", "C B^T", "--format", "ascii"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "f = tr((A B)^T C)" and out[1].startswith("right:")
