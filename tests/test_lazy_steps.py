"""Lines of a derivation written on first display (issue 14, derivation speed).

The lines between df and ⇒ ∂f/∂X are held back (`result.Later`) until the
steps are first read. Written late they must be the lines written at once:
the same after other derivations have run, after the derivation's deadline
has passed, renamed with the named parts (h = σ(…)), and in every format.
"""

import time

import symmat
from symmat.printing.notes import render_json, render_text
from symmat.reading import Limits
from symmat.result import Later, Step, written


def chain(r):
    return [s.text() for s in r.steps]


def test_steps_read_at_once_are_the_textbook_chain():
    r = symmat.grad("x^T A x", wrt="x", check=False)
    assert chain(r) == ["f = xᵀ A x",
                        "df = dxᵀ A x + xᵀ A dx   (product rule, transpose; Matrix Cookbook eq. 37)",
                        "= xᵀ Aᵀ dx + xᵀ A dx   (a scalar is its own transpose)",
                        "= xᵀ (A + Aᵀ) dx   (collect)",
                        "⇒ ∂f/∂x = (A + Aᵀ) x   (df = gᵀ dx)"]
    assert all(isinstance(s, Step) for s in r.steps)


def test_steps_written_late_are_those_written_at_once():
    cases = [("grad", "||A X - B||_F^2", "X"), ("grad", "1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", "W1"),
             ("hessian", "-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))", "w"),
             ("grad", "a^T X^{-1} b", "X"), ("jacobian", "tanh(W x)", "W")]
    at_once = []
    for kind, f, wrt in cases:
        at_once.append(render_text(getattr(symmat, kind)(f, wrt=wrt, check=False), steps=True))
    held = [getattr(symmat, kind)(f, wrt=wrt, check=False) for kind, f, wrt in cases]
    for kind, f, wrt in reversed(cases):   # other derivations run between deriving and printing
        getattr(symmat, kind)(f, wrt=wrt, layout="numerator" if kind == "grad" else "mixed")
    assert [render_text(r, steps=True) for r in held] == at_once
    assert "h = σ(W1 x + b1)" in at_once[1]   # the held-back lines are written with the named part


def test_steps_written_after_the_deadline(monkeypatch):
    r = symmat.grad("(x - A s)^T W (x - A s)", wrt="s", where="W: symmetric",
                    limits=Limits(derive_timeout=5.0), check=False)
    assert any(isinstance(s, Later) for s in r._steps)
    expected = render_json(symmat.grad("(x - A s)^T W (x - A s)", wrt="s", where="W: symmetric"))
    later = time.monotonic() + 3600
    monkeypatch.setattr(time, "monotonic", lambda: later)   # the derivation's deadline is long past
    assert render_json(r) == expected
    assert not any(isinstance(s, Later) for s in r._steps)


def test_later_writes_once_and_renames_on_writing():
    calls = []

    def make():
        calls.append(1)
        return [Step(None, symmat.parse("x"), "a line")]

    held = Later(make)
    renamed = held.renamed({})
    assert calls == []
    assert [s.rule for s in written([Step(None, symmat.parse("y")), renamed, held])] == ["", "a line", "a line"]
    assert held.lines() is held.lines() and calls == [1]
    plain = [Step(None, symmat.parse("y"))]
    assert written(plain) is plain


def test_index_form_and_slices_written_on_first_reading(monkeypatch):
    cases = [("derivative", "A X B", "X"), ("hessian", "||A X - B||_F^2", "X"), ("jacobian", "tanh(W x)", "W"),
             ("derivative", "X^{-1}", "X")]
    at_once = []
    for kind, f, wrt in cases:
        r = getattr(symmat, kind)(f, wrt=wrt)
        at_once.append((list(r.notes), r.index_formula, r.slices, render_json(r)))
    held = [getattr(symmat, kind)(f, wrt=wrt) for kind, f, wrt in cases]
    assert all(r._held for r in held)   # nothing said yet
    later = time.monotonic() + 3600
    monkeypatch.setattr(time, "monotonic", lambda: later)   # past every derivation's deadline
    assert [(r.slices, r.index_formula, list(r.notes), render_json(r)) for r in held] == \
        [(s, i, n, j) for n, i, s, j in at_once]
    assert at_once[0][0] == ["index form: ∂F_ij/∂X_kl = A_ik B_lj", "slices: ∂F/∂X_kl = A e_k e_lᵀ B"]
    r = symmat.derivative("A X B", wrt="X")
    r.notes.append("a note added afterwards")   # it comes after those held back, as when they were written at once
    assert r.notes == at_once[0][0] + ["a note added afterwards"]


def test_threads_reading_held_notes_all_see_them_whole():
    import threading
    expected = list(symmat.derivative("A X B", wrt="X").notes)
    for _ in range(5):
        r = symmat.derivative("A X B", wrt="X")
        seen, start = [], threading.Barrier(4)

        def read():
            start.wait()
            seen.append(list(r.notes))

        threads = [threading.Thread(target=read) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert seen == [expected] * 4
