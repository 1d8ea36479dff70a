"""The command line (SPEC §8): a thin layer over the API, no domain logic.

`main(argv)` parses options, calls the API and prints. Bad input (a
`SymmatError`) leaves as one line on stderr with exit status 2; a `check`
that finds the claim wrong exits 1; a result that failed symmat's own
consistency check is not printed and exits 3. A traceback is shown only
with --debug.
"""

import math
import os
import sys

from . import api
from .cli_quick import quick_parse
from .errors import InternalError, SymmatError, printable

FORMATS = ("text", "ascii", "latex", "markdown", "json", "numpy", "jax", "torch")


def _common(p, wrt=True):
    p.add_argument("expr", help="the expression, or - to read it from standard input")
    if wrt:
        p.add_argument("--wrt", required=True, help="variable(s), comma-separated")
    p.add_argument("--where", help='declarations, e.g. "A: symmetric, x: vector(n)"')
    p.add_argument("--layout", default="mixed", choices=("mixed", "numerator", "denominator"))
    p.add_argument("--symmetric", default="sym", choices=("sym", "entrywise"),
                   help="convention for a symmetric variable (default: sym)")
    p.add_argument("--format", default="text", choices=FORMATS)
    p.add_argument("--debug", action="store_true", help="show a traceback on errors")
    _limit_opts(p)


def _limit_opts(p):
    limits = p.add_argument_group("limits")
    limits.add_argument("--max-chars", type=int, help="longest input (default 10000)")
    limits.add_argument("--max-depth", type=int, help="deepest nesting (default 200)")
    limits.add_argument("--max-power", type=int, help="largest integer matrix power (default 64)")
    limits.add_argument("--max-rewrites", type=int, help="simplification budget (default 200000)")
    limits.add_argument("--derive-timeout", type=_seconds, help="seconds for one derivation (default 10)")


def _verify_opts(p):
    p.add_argument("--size", help='concrete sizes for verification, e.g. "m=2,n=4"')
    p.add_argument("--max-size", type=int, default=6, help="largest verification size (default 6)")
    p.add_argument("--verify-timeout", type=_seconds, default=60.0, help="seconds for one verification")
    p.add_argument("--elements", action="store_true", help="show the element-by-element table")


def _terminal_columns():
    """``shutil.get_terminal_size().columns``, found without importing shutil (zlib, bz2, lzma: ~2 ms)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def _derive_opts(p):
    _common(p)
    _verify_opts(p)
    p.add_argument("--steps", action="store_true", help="show the derivation")
    p.add_argument("--verify", action="store_true", help="confirm by element-wise expansion")
    p.add_argument("--style", default="differential", choices=("differential", "index"),
                   help="the derivation's style: differentials (default) or index notation")


def _check_opts(p):
    _common(p)
    _verify_opts(p)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--claim", help="the claimed derivative")
    what.add_argument("--derivation", help="a whole derivation, one step per line, in a FILE (- reads stdin)")
    p.add_argument("--kind", default=None, choices=("grad", "jacobian", "hessian", "derivative"),
                   help="what the claim is (default: the gradient of a scalar, else the derivative)")


def _verify_cmd_opts(p):
    _common(p)
    _verify_opts(p)
    p.add_argument("--kind", default="derivative", choices=("grad", "jacobian", "hessian", "derivative"))


def _serve_opts(p):
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--open", action="store_true", help="open the page in a browser")
    p.add_argument("--quiet", action="store_true", help="do not log requests")
    p.add_argument("--debug", action="store_true", help="show a traceback on errors")
    _limit_opts(p)
    p.add_argument("--max-size", type=int, help="largest verification size (default 6)")
    p.add_argument("--verify-timeout", type=_seconds, help="seconds for one verification or check (default 60)")


# (command, help, what adds its options), in the order `symmat --help` lists them
SUBCOMMANDS = ([(name, f"the {name} of an expression", _derive_opts)
                for name in ("grad", "jacobian", "hessian", "derivative")]
               + [("check", "check a hand derivation (exit 0 right, 1 wrong)", _check_opts),
                  ("verify", "derive and confirm by element-wise expansion", _verify_cmd_opts),
                  ("render", "print an expression as text, LaTeX or JSON", lambda p: _common(p, wrt=False)),
                  ("serve", "serve the page (and its JSON API) on this computer", _serve_opts)])


def _parser_class():
    """symmat's argparse parser class: one-line errors, help as wide as argparse makes it (made once)."""
    global _PARSER_CLASS
    if _PARSER_CLASS is not None:
        return _PARSER_CLASS
    import argparse  # why: only for a line that `quick_parse` leaves to argparse (help, errors, rarer options)

    class _Formatter(argparse.HelpFormatter):
        """argparse's help formatter, as wide as argparse makes it (the terminal's width less 2)."""

        def __init__(self, prog, *args, **kwargs):
            if len(args) < 3 and kwargs.get("width") is None:   # argparse's own default, found as shutil finds it
                kwargs["width"] = _terminal_columns() - 2
            super().__init__(prog, *args, **kwargs)

    class _Parser(argparse.ArgumentParser):
        """argparse with one-line errors, like every other rejection (exit status 2)."""

        def __init__(self, *args, **kwargs):
            kwargs.setdefault("formatter_class", _Formatter)
            super().__init__(*args, **kwargs)

        def error(self, message):
            self.exit(2, f"symmat: {message} (see {self.prog} --help)\n")

    _PARSER_CLASS = _Parser
    return _Parser


_PARSER_CLASS = None


def build_parser(command=None):
    """The argparse parser of every command; given `command`, of that command alone.

    A line that starts with a command is read by that command's subparser
    alone (its options, help and errors are its own), so the others need
    not be built: building them all is 8 parsers and ~100 ``add_argument``
    calls, a tenth of a cold ``symmat render``.
    """
    ap = _parser_class()(prog="symmat", description="Symbolic matrix calculus with "
                                            "derivations, proofs by expansion, and checking of hand derivations.")
    sub = ap.add_subparsers(dest="command", required=True)
    for name, text, add_options in SUBCOMMANDS:
        if command is None or command == name:
            add_options(sub.add_parser(name, help=text))
    return ap


def parse_args(argv):
    """The options of command line `argv`: read by `quick_parse` when it can, else by argparse."""
    args = quick_parse(argv, SUBCOMMANDS)
    if args is None:
        args = build_parser(argv[0] if argv and argv[0] in COMMANDS else None).parse_args(argv)
    return args


def _limits(args):
    from .reading import Limits  # why: the reading stage loaded by the command, under run's collector threshold
    return Limits(max_chars=args.max_chars, max_depth=args.max_depth, max_power=args.max_power,
                  max_rewrites=args.max_rewrites, derive_timeout=args.derive_timeout)


def _read(expr):
    """The expression, from standard input when it is `-` (bytes decoded strictly as UTF-8)."""
    if expr != "-":
        return expr
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise SymmatError(f"standard input is not valid UTF-8 (byte {e.start + 1})") from None
    return data.strip()


def _derivation(path):
    """The text of a derivation: a file (UTF-8), or standard input for -."""
    if path == "-":
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
        try:
            return data.decode("utf-8") if isinstance(data, bytes) else data
        except UnicodeDecodeError as e:
            raise SymmatError(f"standard input is not valid UTF-8 (byte {e.start + 1})") from None
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as e:
        raise SymmatError(f"cannot read the derivation {path}: {e}") from None


def _seconds(text):
    """A finite positive number of seconds (for --verify-timeout, --derive-timeout)."""
    import argparse  # why: called by argparse alone (quick_parse leaves typed options to it)
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0 or value > 86400:
        raise argparse.ArgumentTypeError(f"must be a number of seconds between 0 and 86400, not {text}")
    return value


def _sizes(text):
    """--size "m=2,n=4" as a dict; a size given twice with different values is an error."""
    return api.parse_sizes(text) if text else None


def main(argv=None):
    """Run the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if not _safe_stdout() and getattr(args, "format", None) == "text":
        args.format = "ascii"
    try:
        return COMMANDS[args.command](args)
    except SymmatError as e:
        _fail(args, f"symmat: {e}")
        return 2
    except InternalError as e:
        _fail(args, f"symmat: {e}")
        return 3
    except BrokenPipeError:   # `symmat … | head`: the reader left; nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except RecursionError:
        _fail(args, "symmat: the expression is nested too deeply (raise the limit with --max-depth)")
        return 2
    except Exception as e:  # a bug in symmat: say so in one line, never a traceback
        _fail(args, f"symmat: internal error ({type(e).__name__}: {e}); please report it "
                    f"(run with --debug for details)")
        return 3


def run():
    """The program (the ``symmat`` console script, ``python -m symmat``): `main`'s exit status.

    Before the interpreter shuts down, the objects made so far (the modules,
    the grammar's tables, the result) are frozen out of the collector's
    sight (``gc.freeze``): shutdown's collections would otherwise go through
    every one of them, ~15% of a cold ``symmat render``. Shutdown still
    flushes the streams, runs the exit handlers and joins threads. Only the
    program does this; a process that goes on (the tests, a notebook) calls
    `main` and keeps its collector as it was.

    While `main` runs, the collector's youngest generation is collected
    after `YOUNG` new objects rather than Python's 700: loading the
    grammar's tables and reading the line make ~20,000 objects that live
    to the end, and going through them some 30 times over cost ~2 ms of
    CPU, a tenth of a cold ``symmat render`` above ``python -c pass``.
    A large derivation is still collected, every `YOUNG` objects.
    """
    import gc   # why: only the program's first and last steps
    gc.set_threshold(YOUNG, *gc.get_threshold()[1:])
    status = main()
    gc.freeze()
    return status


YOUNG = 50_000   # the program's threshold for the youngest generation (see `run`)


def _fail(args, message):
    if getattr(args, "debug", False):
        import traceback  # why: only with --debug
        traceback.print_exc()
    print("\n".join(printable(line) for line in message.split("\n")), file=sys.stderr)


def _safe_stdout():
    """False on a terminal that cannot show ∂, ᵀ or 𝟏 (then it gets escapes, never a crash)."""
    ok = True
    for stream in (sys.stdout, sys.stderr):
        try:
            "∂ᵀ𝟏⊙".encode(stream.encoding or "ascii")
        except (UnicodeEncodeError, LookupError):
            ok = False
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(errors="backslashreplace")
    return ok


def cmd_render(args):
    """symmat render EXPR --format …"""
    e = api.parse(_read(args.expr), where=args.where, limits=_limits(args))
    if args.format == "json":
        import json  # why: only for --format json
        from .printing.tree_json import to_json  # why: the JSON printer only for --format json
        print(json.dumps(to_json(e), ensure_ascii=False, indent=2))
    elif args.format == "latex":
        print(e.latex())
    elif args.format in ("numpy", "jax", "torch"):
        from .codegen import to_source  # code generation (and its backends) only on request
        print(to_source(e, args.format))
    else:
        from .printing.text import to_text  # why: loaded by the command (reading has loaded it already)
        print(to_text(e, ascii=args.format == "ascii"))
    return 0


def cmd_derive(args):
    """symmat grad | jacobian | hessian | derivative EXPR --wrt X …"""
    fn = getattr(api, args.command)
    result = fn(_read(args.expr), wrt=args.wrt, where=args.where, layout=args.layout,
                symmetric=args.symmetric, limits=_limits(args), style=args.style)
    from .printing.notes import render_result  # why: the notes and derivation printers only for results
    report = None
    if args.verify:
        report = _verify_all(result, args)
    print(render_result(result, args.format, steps=args.steps, report=report))
    return 0 if report is None or all(r.ok for r in report) else 3


def _verify_all(result, args):
    items = result if isinstance(result, list) else [result]
    return [api.verify(r, sizes=_sizes(args.size), elements=args.elements,
                   timeout=args.verify_timeout, max_size=args.max_size) for r in items]


def cmd_verify(args):
    """symmat verify EXPR --wrt X [--size …] [--elements]"""
    fn = getattr(api, args.kind)
    result = fn(_read(args.expr), wrt=args.wrt, where=args.where, layout=args.layout,
                symmetric=args.symmetric, limits=_limits(args))
    report = _verify_all(result, args)
    from .printing.notes import render_result  # why: the notes and derivation printers only for results
    print(render_result(result, args.format, steps=False, report=report))
    return 0 if all(r.ok for r in report) else 3


def cmd_check(args):
    """symmat check EXPR --wrt X --claim C (or --derivation FILE): exit 0 right, 1 wrong."""
    from .printing.notes import render_check  # why: the notes printers only for results
    if args.derivation is not None:
        report = api.check_derivation(_read(args.expr), wrt=args.wrt, text=_derivation(args.derivation),
                                      where=args.where, layout=args.layout, kind=args.kind, limits=_limits(args))
        print(render_check(report, args.format))
        return 0 if report.ok else 1
    report = api.check(_read(args.expr), wrt=args.wrt, claim=args.claim, where=args.where,
                   layout=args.layout, symmetric=args.symmetric, limits=_limits(args),
                   timeout=args.verify_timeout, max_size=args.max_size, kind=args.kind)
    print(render_check(report, args.format))
    return 0 if report.ok else 1


def cmd_serve(args):
    """symmat serve [--host H] [--port P] [--open]: the page, until Ctrl+C."""
    from .web.server import command  # http.server and the page only when serving
    return command(args)


COMMANDS = {"serve": cmd_serve, "render": cmd_render, "grad": cmd_derive, "jacobian": cmd_derive,
            "hessian": cmd_derive, "derivative": cmd_derive, "verify": cmd_verify,
            "check": cmd_check}

