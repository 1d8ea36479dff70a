"""--format ascii prints only ASCII, headings, notes and steps included."""

import pytest

from symmat.cli import main

COMMANDS = [   # (argv, the first line of the output)
    (["grad", "x^T A x", "--wrt", "x", "--steps"], "df/dx = (A + A^T) x"),
    (["grad", "1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", "--wrt", "W1", "--steps"],
     "df/dW1 = (W2^T (y_hat - y) .* h .* (1 - h)) x^T where h = sigmoid(W1 x + b1), y_hat = W2 h + b2"),
    (["derivative", "A X B", "--wrt", "X", "--steps"], "dvec(F)/dvec(X) = kron(B^T, A)"),
    (["hessian", "x^T A x", "--wrt", "x"], "d^2f/dxdx^T = A + A^T"),
    (["jacobian", "softmax(z)", "--wrt", "z"], "df/dz = diag(s) - s s^T where s = softmax(z)"),
    (["grad", "f = x y z where x, y, z: scalar", "--wrt", "x,y,z"], "df/dx = y z"),
]


@pytest.mark.parametrize("argv,first", COMMANDS, ids=[" ".join(c[0][:2]) for c in COMMANDS])
def test_ascii_format_is_ascii(argv, first, capsys):
    assert main(argv + ["--format", "ascii"]) == 0
    out = capsys.readouterr().out
    assert out.isascii(), [line for line in out.splitlines() if not line.isascii()]
    lines = out.splitlines()
    assert lines[0].startswith("f = ") and lines[1] == first   # the function as read comes first
