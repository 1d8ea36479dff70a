"""Checking hand derivations: the slips in real course notes, and what symmat says.

Each line of the table in seed_examples.md ("Mistakes in the notes that
check must catch") is checked here. A wrong answer gets the right one, a
diagnosis and (where the shapes agree) a counterexample at concrete sizes.

Run:  python examples/check_mistakes.py
"""

from symmat import check

MISTAKES = [
    ("∂ tr(A X)/∂A for X = [w x; y z]",
     dict(f="tr(A X)", wrt="A", claim="[w z; y x]", where="X = [w x; y z]")),
    ("∂ tr(A X B)/∂X", dict(f="tr(A X B)", wrt="X", claim="A^T X B^T")),
    ("∂/∂x (x - A s)ᵀ W (x - A s), W symmetric",
     dict(f="(x - A s)^T W (x - A s)", wrt="x", claim="-2 (x - A s)^T W A", where="W: symmetric")),
    ("∂(A x)/∂x in denominator layout", dict(f="A x", wrt="x", claim="A", layout="denominator")),
    ("∂ xᵀ A x/∂x, A not symmetric", dict(f="x^T A x", wrt="x", claim="2 A x")),
]

for title, case in MISTAKES:
    report = check(**case)
    print(f"## {title}: is it {case['claim']}?")
    print(report.text())
    print()

print("## and a right answer, written differently from symmat's")
print(check("x^T A x", wrt="x", claim="A^T x + A x").text())
