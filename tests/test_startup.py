"""What a cold start loads (issue 14): SymPy only to verify, check or convert; NumPy only where a
number is computed on an instance too large for plain floats. The figures themselves live in
benchmarks/bench_startup.py; these tests keep the heavy imports from creeping back."""

import json
import os
import subprocess
import sys

import pytest

import symmat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(symmat.__file__)))
HEAVY = ("numpy", "sympy", "lark")


def imported(code):
    """The top-level packages among HEAVY that a fresh interpreter running `code` has loaded."""
    probe = code + ("\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules}"
                    f" & set({list(HEAVY)!r}))))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def importtime(*argv):
    """The modules `python -X importtime -m symmat ARGV` imports (the console script's path)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "symmat", *argv],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
             if line.startswith("import time:")}
    return {n.split(".")[0] for n in names}, done.stdout


def test_import_and_parse_load_neither_numpy_nor_sympy():
    loaded = imported("import symmat\nsymmat.parse('x^T A x')\nsymmat.parse('tr(X^{-1} A) + log|X|')")
    assert "numpy" not in loaded and "sympy" not in loaded, loaded


def test_grad_from_the_command_line_loads_no_sympy_and_no_numpy():
    """The self-check runs (it is not switched off) on plain floats: the result is printed."""
    modules, out = importtime("grad", "x^T A x", "--wrt", "x")
    assert "(A + Aᵀ) x" in out or "(A + A^T) x" in out
    assert "sympy" not in modules, "grad imported SymPy"
    assert "numpy" not in modules, "the self-check of a tiny instance imported NumPy"


@pytest.mark.parametrize("argv", [("hessian", "sum(exp(A x))", "--wrt", "x"),
                                  ("grad", "log|X| + tr(A X^{-1})", "--wrt", "X"),
                                  ("jacobian", "softmax(W x)", "--wrt", "W")])
def test_other_derivatives_load_no_sympy(argv):
    modules, _ = importtime(*argv)
    assert "sympy" not in modules and "numpy" not in modules


def test_render_loads_no_numpy_or_sympy():
    modules, out = importtime("render", "x^T A x")
    assert out.strip()
    assert "sympy" not in modules and "numpy" not in modules


def test_the_self_check_really_ran_on_plain_floats():
    """No NumPy and still checked: a tampered result is refused without NumPy being loaded."""
    code = ("from symmat import api\nfrom symmat.result import Derivative\n"
            "from symmat.numeric.selfcheck import selfcheck\nfrom symmat.tree import expr as E\n"
            "r = api.grad('x^T A x', wrt='x')\n"
            "bad = Derivative(r.kind, r.f, r.wrt, E.Mul(E.Const(2), r.result), r.layout, r.symmetric, r.steps)\n"
            "try:\n    selfcheck(bad)\n    print('accepted')\nexcept Exception as e:\n    print(type(e).__name__)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    probe = code + "\nimport sys\nprint('numpy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)
    assert done.stdout.split() == ["InternalError", "False"], done.stdout + done.stderr


def test_verify_loads_sympy_when_asked():
    """The converse, so that the probes above can fail: verification does load SymPy."""
    modules, _ = importtime("grad", "x^T A x", "--wrt", "x", "--verify")
    assert "sympy" in modules


# ---------------------------------------------------------------- what the start-up figures rely on

# What lark's generated runtime imported before symmat.reading.standalone trimmed it (~20 ms of CPU).
TRIMMED = ("typing", "logging", "dataclasses", "inspect")


def loaded_beyond_the_interpreter(*argv):
    """The top-level modules that `python -m symmat ARGV` imports and `python -c pass` does not."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "pass"], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)
    baseline = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    modules, out = importtime(*argv)
    return modules - baseline, out


def test_render_and_grad_load_none_of_what_the_lark_runtime_was_trimmed_of():
    for argv in (("render", "x^T A x"), ("grad", "x^T A x", "--wrt", "x")):
        modules, out = loaded_beyond_the_interpreter(*argv)
        assert out.strip()
        assert not modules & set(TRIMMED), (argv, sorted(modules & set(TRIMMED)))
        assert "json" not in modules, argv   # only for --format json
        assert "symmat" in modules   # the probe sees the package's own imports


def test_the_trim_applies_to_the_installed_lark(tmp_path):
    """Every replacement finds lark's text: the cached runtime is the trimmed one (else it would be slow)."""
    from symmat.reading import grammar as G
    from symmat.reading import parser as P
    os.chmod(tmp_path, 0o700)
    rt = P.Reader(folder=str(tmp_path)).runtime
    assert not isinstance(rt, G._InMemory)
    with open(rt.__file__, encoding="utf-8") as f:
        head = f.readline()
    assert head.startswith("from __future__ import annotations")
    assert type(rt.logger).__name__ == "_Quiet" and not hasattr(rt, "dataclass")


def test_the_trim_is_all_or_nothing():
    from symmat.reading import standalone as S
    source = "".join(old for old, _ in S.REPLACEMENTS)
    assert S.trim(source) != source
    for i in range(len(S.REPLACEMENTS)):   # one piece missing: lark's text is kept as it is
        partial = "".join(old for j, (old, _) in enumerate(S.REPLACEMENTS) if j != i)
        assert S.trim(partial) == partial


def test_the_written_out_text_slice_behaves_as_larks_dataclass(tmp_path):
    from lark.utils import TextSlice as Lark
    from symmat.reading import parser as P
    os.chmod(tmp_path, 0o700)
    Ours = P.Reader(folder=str(tmp_path)).runtime.TextSlice
    for args in (("abcdef", 0, 6), ("abcdef", -2, None), ("abcdef", 1, -1), (b"xy", 0, None)):
        a, b = Lark(*args), Ours(*args)
        assert (a.text, a.start, a.end, len(a), a.is_complete_text()) == \
            (b.text, b.start, b.end, len(b), b.is_complete_text())
        assert b == Ours(*args) and hash(b) == hash(Ours(*args)) and repr(b) == repr(a)
        with pytest.raises(AttributeError):
            b.start = 3
    with pytest.raises(TypeError):
        Ours(["not", "text"], 0, 2)
    assert Ours.cast_from("abc") == Ours("abc", 0, 3)


def test_render_loads_only_what_printing_text_needs():
    """Plain render prints text: no JSON, LaTeX, notes or derivation printers, no traceback, shutil or
    difflib (loaded for --format json, e.latex(), results, --debug, --help and unknown functions)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    probe = ("import sys\nfrom symmat.cli import main\nmain(['render', 'x^T A x'])\n"
             "print(sorted(m for m in sys.modules if m in {mods!r}))")
    unwanted = {"json", "traceback", "shutil", "difflib", "threading", "symmat.printing.latex",
                "symmat.printing.tree_json", "symmat.printing.notes", "symmat.printing.steps",
                "symmat.reading.standalone"}
    done = subprocess.run([sys.executable, "-c", probe.format(mods=unwanted)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "xᵀ A x"
    assert lines[-1] == "[]", lines[-1]
    # the converse, so that the probe can fail: --format json loads the JSON printer
    done = subprocess.run([sys.executable, "-c", probe.replace("'x^T A x'", "'x^T A x', '--format', 'json'")
                           .format(mods=unwanted)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert "symmat.printing.tree_json" in done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("argv", [["render", "x"], ["render", "-", "--where", "A: symmetric", "--format", "latex"],
                                  ["grad", "x", "--wrt", "x", "--steps", "--max-depth", "9"],
                                  ["check", "f", "--wrt", "x", "--claim", "c", "--kind", "grad"],
                                  ["verify", "f", "--wrt", "x", "--size", "n=2"], ["serve", "--port", "0"],
                                  ["render", "--help"], ["hessian", "--help"], ["check", "f", "--wrt", "x"],
                                  ["jacobian", "f", "--wrt", "x", "--bogus"], ["render", "x", "--derive-timeout", "0"],
                                  ["render", "x", "grad"], ["serve", "extra"], ["derivative", "x", "--wrt"]])
def test_one_commands_parser_reads_its_line_as_the_full_parser_does(argv, capsys):
    """The CLI builds only the named command's options (~100 add_argument calls fewer on a cold start)."""
    from symmat import cli

    def outcome(parser):
        try:
            result = vars(parser.parse_args(argv))
        except SystemExit as e:
            result = ("exit", e.code)
        return result, capsys.readouterr()

    assert argv[0] in cli.COMMANDS
    assert outcome(cli.build_parser(argv[0])) == outcome(cli.build_parser())


@pytest.mark.parametrize("columns", [None, "30", "132", "0", "wide"])
def test_the_help_is_as_wide_as_argparse_makes_it(columns, monkeypatch):
    """The formatter finds the width without shutil, and finds argparse's (shutil's) width."""
    import argparse
    import shutil
    from symmat import cli
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert cli._terminal_columns() == shutil.get_terminal_size().columns

    def helps(parser):
        subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return [parser.format_help(), subs.choices["grad"].format_help()]

    ours, theirs = cli.build_parser("grad"), cli.build_parser("grad")
    subs = next(a for a in theirs._actions if isinstance(a, argparse._SubParsersAction))
    for p in [theirs, *subs.choices.values()]:
        p.formatter_class = argparse.HelpFormatter
    assert helps(ours) == helps(theirs)


def test_the_program_freezes_its_objects_before_shutdown_and_main_does_not():
    """`run` (the console script and python -m symmat) spares shutdown's collections; `main` leaves the
    collector alone, for the processes that go on after it (tests, notebooks)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    probe = ("import gc, sys\nfrom symmat import cli\nsys.argv = ['symmat', 'render', 'x^T A x']\n"
             "status = cli.{}()\nprint(status, gc.get_freeze_count() > 0)")
    outs = []
    for entry in ("main", "run"):
        done = subprocess.run([sys.executable, "-c", probe.format(entry)], capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=120)
        outs.append(done.stdout.split()[-2:])
    assert outs == [["0", "False"], ["0", "True"]], outs
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        assert 'symmat = "symmat.cli:run"' in f.read()   # the console script
    with open(os.path.join(ROOT, "symmat", "__main__.py"), encoding="utf-8") as f:
        assert "sys.exit(run())" in f.read()


@pytest.mark.parametrize("regexp, chars", [("a=", "=a"), ("(?:a|b)=(?!=)", "="), (r"x(?=\()", "(x"),
                                           (r"x(?<=\()", "x"), ("(?i:ab)c", "c"), ("(?i)abc", ""), ("a?b", "b"),
                                           ("a*b", "b"), ("a+b", "ab"), ("(?:ab|ac)", "a"), ("[(]x", "(x"),
                                           ("[()]x", "x"), (r"\s+", ""), ("a{0,3}b", "b"), ("a{2,3}b", "ab"),
                                           ("[^=]=", "="), ("(?:a(?=b)|c)", "")])
def test_required_characters_are_only_the_sure_ones(regexp, chars):
    from symmat.reading.standalone import required_chars
    assert required_chars(regexp) == chars


def test_passing_over_terminals_by_their_required_characters_reads_as_lark_does(tmp_path):
    """The cached reader skips a terminal whose required character (the = of a definition, the ( after a
    function name) is missing from the rest of the text; lark in memory tries every terminal."""
    from symmat.errors import SymmatError
    from symmat.reading import parser as P
    os.chmod(tmp_path, 0o700)
    cached, lark = P.Reader(folder=str(tmp_path)), P.Reader(folder=False)
    assert cached.runtime.REQUIRED["PREFIX"] == "=" and cached.runtime.REQUIRED["CALL"] == "("

    def shape(r):
        if isinstance(r, tuple):
            return tuple(shape(x) for x in r)
        if isinstance(r, list):
            return [shape(x) for x in r]
        if isinstance(r, P.Raw):
            return (r.op, r.params, r.start, r.end, r.grouped, tuple(shape(a) for a in r.args))
        if type(r).__name__ == "Decl":
            return (r.kind, r.shape, r.props)
        return (type(r).__name__, str(r), getattr(r, "type", None), getattr(r, "start_pos", None))

    def read(reader, text):
        saved, P._READER = P._READER, reader
        try:
            return shape(P.parse_raw(text))
        except SymmatError as e:
            return str(e)
        finally:
            P._READER = saved

    texts = ["f(x) = x^T x", "L = ||w||^2", "f = x y z where x, y, z: scalar", "tr A", "tr(A) + log x",
             r"\log \det X", r"\operatorname{tr}\left(X\right)", "sigma x", "σ(x) + sin x", "sum x + sum(x)",
             "x == y", "f(x) = ", "= x", "g(a, b) = a b", "exp(x", "exp x)", "log|X| + 1.2.3", "x^T A x",
             r"\mathbf{x}^T x", r"\mathbf x", "a ⊙ b where a: vector", "1/2 ||X w - y||^2 + λ ||w||^2",
             r"\frac{1}{2} x^T x", r"\sqrt{x^T x}", "softmax(z)_1", "f(x) = g(x) = x"]
    for text in texts:
        assert read(cached, text) == read(lark, text), text


def test_reading_imports_nothing_beyond_a_bare_interpreter_that_it_can_do_without():
    """In an interpreter that starts bare (python -S: no site, so nothing preloaded, as in a plain install),
    reading loads neither what lark's runtime was trimmed of, nor contextlib or importlib.util."""
    import site
    paths = [ROOT] + site.getsitepackages()
    probe = (f"import sys\nsys.path[:0] = {paths!r}\nfrom symmat.reading import parser as P\n"
             "P.parse_raw('x^T A x')\n"
             f"print(sorted(m for m in sys.modules if m.split('.')[0] in {list(TRIMMED)!r}"
             " or m in ('contextlib', 'importlib.util', 'lark')))")
    done = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout
