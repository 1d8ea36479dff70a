"""Checking a student's derivation line by line (issue 12).

The derivation in homework_derivation.txt has one slip: in line 3, dxᵀ A x
is rewritten as xᵀ A dx, which holds only for a symmetric A (a scalar is its
own transpose, so dxᵀ A x = xᵀ Aᵀ dx). The checker names line 3, says why,
gives a counterexample at that line, and judges the lines after it against
each other: the student's later work is consistent, only the answer inherits
the slip. symmat's own derivation of the same function is shown after it,
and passes the same checker.

Run:  python examples/homework_check.py
"""

from pathlib import Path

import symmat

HERE = Path(__file__).resolve().parent
f = "x^T A x + b^T x"
text = (HERE / "homework_derivation.txt").read_text(encoding="utf-8")

print("The student's derivation:")
print(text)
report = symmat.check_derivation(f, wrt="x", text=text)
print(report.text())
print()
print(f"ok: {report.ok}, first wrong line: {report.first_wrong}, diagnosis: {report.diagnosis.code}")
print()

r = symmat.grad(f, wrt="x")
from symmat.printing.steps import chain_text  # noqa: E402  (the chain as symmat prints it)
mine = "\n".join(chain_text(r.steps))
print("symmat's derivation:")
print(mine)
print(f"passes the checker: {symmat.check_derivation(f, wrt='x', text=mine).ok}")
