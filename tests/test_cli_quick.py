"""The command line read without argparse (symmat.cli_quick): the same namespace as argparse's, or left to
argparse; and the cold-start path that relies on it loads neither argparse nor what argparse loads."""

import os
import subprocess
import sys

import pytest

import symmat
from symmat import cli
from symmat.cli_quick import quick_parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(symmat.__file__)))

LINES = [
    ["render", "x^T A x"], ["render", "x"], ["render", "-"], ["render", ""], ["render", "x", "--format", "latex"],
    ["render", "x", "--format=json"], ["render", "x", "--format", "bogus"], ["render", "x", "--format=bogus"],
    ["render", "--where", "A: symmetric", "x^T A x"], ["render", "x", "--where=A: symmetric"],
    ["render", "x", "--where", "-A"], ["render", "x", "--where=-A"], ["render", "x", "--where", ""],
    ["render", "x", "--where"], ["render", "x", "--debug"], ["render", "x", "--debug=1"],
    ["render", "x", "--deb"], ["render", "x", "--form", "latex"], ["render", "x", "y"], ["render"],
    ["render", "--", "x"], ["render", "-x"], ["render", "-1"], ["render", "x", "-h"], ["render", "--help"],
    ["render", "x", "--max-depth", "9"], ["render", "x", "--derive-timeout", "0"],
    ["render", "x", "--format", "latex", "--format", "json"], ["render", "x", "--wrt", "x"],
    ["grad", "x^T A x", "--wrt", "x"], ["grad", "x^T A x", "--wrt=x"], ["grad", "--wrt", "x", "x^T A x"],
    ["grad", "x^T A x"], ["grad", "x^T A x", "--wrt"], ["grad", "x^T A x", "--wrt", "-x"],
    ["grad", "f", "--wrt", "x", "--steps", "--verify", "--elements", "--layout", "numerator"],
    ["grad", "f", "--wrt", "x", "--style", "index", "--symmetric", "entrywise", "--format", "markdown"],
    ["grad", "f", "--wrt", "x", "--size", "n=2"], ["grad", "f", "--wrt", "x", "--max-size", "3"],
    ["grad", "f", "--wrt", "x", "--layout", "sideways"], ["hessian", "sum(exp(A x))", "--wrt", "x"],
    ["jacobian", "softmax(W x)", "--wrt", "W", "--format", "ascii"], ["derivative", "X^2", "--wrt", "X"],
    ["check", "f", "--wrt", "x", "--claim", "c"], ["check", "f", "--wrt", "x", "--claim", "c", "--kind", "grad"],
    ["check", "f", "--wrt", "x", "--derivation", "-"], ["check", "f", "--wrt", "x", "--derivation", "d.txt"],
    ["check", "f", "--wrt", "x"], ["check", "f", "--wrt", "x", "--claim", "c", "--derivation", "d"],
    ["verify", "f", "--wrt", "x"], ["verify", "f", "--wrt", "x", "--kind", "hessian", "--size", "n=2"],
    ["serve"], ["serve", "--port", "0"], ["bogus", "x"], [], ["--help"],
]


def argparse_outcome(argv, capsys):
    """What argparse makes of `argv`: its namespace as a dict, or its exit status and what it printed."""
    try:
        result = vars(cli.build_parser(argv[0] if argv and argv[0] in cli.COMMANDS else None).parse_args(argv))
    except SystemExit as e:
        result = ("exit", e.code, capsys.readouterr())
    return result


@pytest.mark.parametrize("argv", LINES)
def test_a_line_read_quickly_reads_as_argparse_reads_it(argv, capsys):
    quick = quick_parse(list(argv), cli.SUBCOMMANDS)
    if quick is not None:
        assert vars(quick) == argparse_outcome(argv, capsys)


def test_the_ordinary_lines_are_read_quickly_and_the_others_left_to_argparse(capsys):
    """So that the test above compares something: most lines are read here; each refusal goes to argparse."""
    quick = [argv for argv in LINES if quick_parse(list(argv), cli.SUBCOMMANDS) is not None]
    assert ["render", "x^T A x"] in quick and ["grad", "x^T A x", "--wrt", "x"] in quick
    assert ["check", "f", "--wrt", "x", "--claim", "c", "--kind", "grad"] in quick
    assert len(quick) >= 25, quick
    for argv in (["render", "--help"], ["render", "x", "--deb"], ["grad", "x^T A x"], ["serve"],
                 ["render", "x", "--max-depth", "9"], ["render", "x", "--format", "bogus"]):
        assert argv not in quick
    refused = [argv for argv in LINES if argv not in quick]
    assert sum(isinstance(argparse_outcome(argv, capsys), tuple) for argv in refused) >= 15


def test_main_reads_a_line_left_to_argparse_with_argparses_message(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["render", "x", "--format", "bogus"])
    assert e.value.code == 2
    assert "invalid choice: 'bogus'" in capsys.readouterr().err


def loaded(*argv):
    """Which of argparse, gettext and locale `python -m symmat ARGV` has loaded when it ends."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    probe = ("import sys\nfrom symmat.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in ('argparse', 'gettext', 'locale') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def test_render_and_grad_read_their_line_without_argparse():
    out = loaded("render", "x^T A x")
    assert out[0] == "xᵀ A x" and out[-1] == "[]", out
    out = loaded("grad", "x^T A x", "--wrt", "x")
    assert "(A + Aᵀ) x" in "\n".join(out) and out[-1] == "[]", out
    # the converse, so that the probe can fail: help is argparse's
    assert "argparse" in loaded("render", "--help")[-1]


def test_a_plain_render_or_grad_loads_no_module_it_can_do_without():
    """In an interpreter that starts bare (python -S: nothing preloaded, as in a wheel's plain venv), a render
    and a grad load neither argparse (nor gettext, locale) nor importlib (nor, for a render, warnings, which
    importlib imports; the self-check's random loads it for a grad), nor threading (results lock with _thread)."""
    import site
    paths = [ROOT] + site.getsitepackages()
    for argv in (["render", "x^T A x"], ["grad", "x^T A x", "--wrt", "x"]):
        unwanted = ("argparse", "gettext", "locale", "importlib", "importlib.util", "importlib.machinery",
                    "threading")
        unwanted += ("warnings",) if argv[0] == "render" else ()
        probe = (f"import sys\nsys.path[:0] = {paths!r}\nfrom symmat.cli import main\nmain({argv!r})\n"
                 f"print(sorted(m for m in {unwanted!r} if m in sys.modules))")
        done = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True, cwd=ROOT,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == "[]", (argv, done.stdout)


def test_rendering_compiles_no_regular_expression_of_symmats_own():
    """A render compiles only the lexer's terminals it meets: the patterns for LaTeX accents, \\frac exponents,
    I_n, subscript digits and bracket depth are compiled only for a text that has them."""
    code = ("import re, sys\nfrom symmat.cli import main\nmain(sys.argv[1:])\n"
            "cache = list(getattr(re, '_cache', {})) + list(getattr(re, '_cache2', {}))\n"
            "print(sorted({k[1] for k in cache if isinstance(k, tuple) and isinstance(k[1], str)}))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))

    def compiled(*argv):
        done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, env=env,
                              cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr
        return eval(done.stdout.strip().splitlines()[-1], {})   # a list of strings printed by the probe

    from symmat.reading import rawtree
    from symmat.tree import names
    ours = {names._ACCENT_RE, rawtree._FRAC, r"I_\{?(\d+)\}?", r"([₀-₉]+)", r"[(\[{]|[)\]}]"}
    found = compiled("render", "x^T A x")
    assert found, "the probe sees the lexer's patterns"
    assert not ours & set(found), sorted(ours & set(found))
    # the converse, so that the probe can fail: a text with them compiles them
    deep = "(" * 3 + r"\hat{y}^{\frac{1}{2}} + I_2 x₁" + ")" * 3
    found = compiled("render", deep, "--max-depth", "2")
    assert r"[(\[{]|[)\]}]" in found
    found = compiled("render", r"\hat{y}^{\frac{1}{2}} + x₁ + I_2 y")
    assert ours - {r"[(\[{]|[)\]}]"} <= set(found), sorted(ours - set(found))


def test_the_cached_runtime_builds_each_classs_namespace_once(tmp_path):
    """standalone.trim: lark's Serialize.deserialize keeps the namespace it builds on the class."""
    from symmat.reading import parser as P
    os.chmod(tmp_path, 0o700)
    reader = P.Reader(folder=str(tmp_path))
    assert reader.parse("x^T A x") is not None
    rt = reader.runtime
    assert "_symmat_namespace" in rt.TerminalDef.__dict__ and "_symmat_namespace" in rt.Rule.__dict__


def test_the_program_collects_young_objects_less_often_and_main_leaves_the_collector_alone():
    """run raises the youngest generation's threshold before the reading stage and the printers are loaded
    (importing symmat.cli loads neither), so that their tables are not gone through again and again."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    probe = ("import gc, sys\nfrom symmat import cli\n"
             "print([m in sys.modules for m in ('symmat.reading', 'symmat.printing.text', 'symmat.tree')])\n"
             "before = gc.get_threshold()\nsys.argv = ['symmat', 'render', 'x^T A x']\nstatus = cli.{}()\n"
             "now = gc.get_threshold()\nprint(status, before[1:] == now[1:], now[0] == before[0], now[0])")
    outs = []
    for entry in ("main", "run"):
        done = subprocess.run([sys.executable, "-c", probe.format(entry)], capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr
        outs.append(done.stdout.strip().splitlines())
    assert outs[0][0] == outs[1][0] == "[False, False, False]", outs
    assert outs[0][-1].split()[:3] == ["0", "True", "True"], outs
    assert outs[1][-1] == f"0 True False {cli.YOUNG}", outs


def test_the_trimmed_runtime_loads_the_same_tables_as_larks_own_text(monkeypatch):
    """standalone.trim's faster loading (memo references looked up directly, plain fields set as they are,
    namespaces kept per class) builds the same rules, terminals and parse table as lark's generated text."""
    import types
    from symmat.reading import grammar as G
    from symmat.reading import standalone as S
    from symmat.reading.rawtree import BarPostLex

    trim = S.trim
    monkeypatch.setattr(S, "trim", lambda text: text)   # lark's text, generated once for both
    larks_text = S.source(G.grammar_text(), "k", G.OPTIONS, BarPostLex.always_accept)
    head, tail = larks_text.rsplit("\nFIRST = ", 1)
    trimmed_text = trim(head) + "\nFIRST = " + tail
    assert trimmed_text.startswith("from __future__") and not larks_text.startswith("from __future__")

    def tables(text):
        module = types.ModuleType("symmat_grammar_probe")
        exec(compile(text, "<probe>", "exec"), module.__dict__)
        parser = module.Lark_StandAlone(postlex=BarPostLex())
        table = parser.parser.parser.parser.parse_table
        reduce = module.Reduce
        states = {s: {t: (a, repr(arg) if a == reduce else arg) for t, (a, arg) in acts.items()}
                  for s, acts in table.states.items()}
        terms = [(t.name, type(t.pattern).__name__, t.pattern.value, list(t.pattern.flags), t.pattern.raw,
                  t.priority, getattr(t.pattern, "_width", None)) for t in parser.terminals]
        return ([repr(r) for r in parser.rules], [hash(r) for r in parser.rules], terms, states,
                table.start_states, table.end_states)

    trimmed, larks = tables(trimmed_text), tables(larks_text)
    assert trimmed == larks
    assert len(trimmed[3]) > 100 and any(isinstance(r, str) for s in trimmed[3].values() for _, r in s.values())
