"""Issue 9 inside checking/: a check reads each of its inputs once.

The grammar's entry point (`reading.parser._parse`, which `reading.parse_raw`
and `parse_expression` both go through) is wrapped to count its runs. Before
the checker kept the raw trees, one right check of `x^T A x` ran the grammar 8
times; now f and the claim are read once each (and the where text once).
"""

import symmat
from symmat.reading import parser


def counted(monkeypatch):
    runs = []
    real = parser._parse

    def counting(text, start, label=""):
        runs.append((text, start))
        return real(text, start, label)

    monkeypatch.setattr(parser, "_parse", counting)
    return runs


def test_a_right_check_reads_f_and_the_claim_once(monkeypatch):
    runs = counted(monkeypatch)
    assert symmat.check("x^T A x", wrt="x", claim="A^T x + A x").ok
    assert sorted(runs) == [("A^T x + A x", "start"), ("x^T A x", "start")]


def test_a_wrong_check_reads_each_input_once(monkeypatch):
    runs = counted(monkeypatch)
    r = symmat.check("x^T A x", wrt="x", claim="2 A x", where="x: vector")
    assert not r.ok and r.diagnosis.code == "symmetric"
    assert len(runs) == len(set(runs))          # no text read twice
    assert {("x^T A x", "start"), ("2 A x", "start"), ("x: vector", "decls")} <= set(runs)
