"""Fuzz symmat at scale (issue 6): random derivatives against an oracle, hostile input to the CLI.

    python benchmarks/fuzz.py --n 10000 [--seed 0] [--hostile 2000] [--json out.json]

Part 1 draws `--n` random well-typed expressions over every operator of SPEC
§1.2 (tests/gen.py) and compares symmat's grad / jacobian / derivative /
hessian with central finite differences of an independent evaluator. It
prints how many were checked, wrong, crashed, unsupported, refused by
symmat's own self-check, and the median time per expression, then the
smallest example of each distinct failure.

Names are passed as a person types them (SPEC §1.1): each variable of a
case is renamed to a random spelling (``A_2``, ``W_{3}``, ``x_hat``,
``alpha``, ``\\theta_1``, ``mu_0``, ``Sigma_1`` …), the expression goes to
symmat as *text* in that spelling, the declarations (``where``) and ``wrt``
in other spellings of the same names. A result whose read-as line, heading or
symbol does not show the names as first typed, or whose function does not
have the case's variables, or whose value cannot be evaluated under the typed
names, is a name mismatch and counts as a failure. ``--canonical`` passes the
tree itself, as before.

Part 2 feeds `--hostile` pieces of hostile or malformed text to the command
line in-process and prints how many were tried, rejected cleanly (exit 2, a
one-line reason), accepted (valid by chance), ended in a traceback, an
internal error (exit 3), or a hang (over --timeout seconds).

Not a pytest file: the same properties run in CI with small counts from
tests/test_random_derivatives.py and tests/test_hostile_input.py.
"""

import argparse
import collections
import json
import os
import random
import re
import signal
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
sys.path.insert(0, os.path.join(HERE, ".."))

import gen  # noqa: E402

# kind of derivative → (weight, shape of f)
KINDS = {"grad": (70, "scalar"), "jacobian": (10, "vector"), "derivative": (10, "matrix"),
         "hessian": (10, "scalar")}
CHECKED = ("ok", "wrong", "caught", "refused", "name-mismatch")
FAILURES = ("wrong", "crash", "rejected", "oracle-error", "hang", "refused", "name-mismatch")


# ----------------------------------------------------------------- names as typed

def spellings(name, shape, rnd):
    """Several spellings of one new name for a variable of `shape` (all one canonical name)."""
    d = rnd.randrange(0, 13)
    if shape == (1, 1):
        greek = rnd.choice(["alpha", "beta", "gamma", "theta", "lambda", "mu", "sigma_", "rho", "tau", "eta"])
        greek = greek.rstrip("_")
        if rnd.random() < 0.5:
            return [greek, "\\" + greek] if greek != "sigma" else [f"sigma_{d}", f"\\sigma_{{{d}}}"]
        return [f"{greek}_{d}", f"\\{greek}_{{{d}}}", f"{greek}{d}"]
    if shape[1] == 1:
        base = rnd.choice([name, name, "mu", "xi"])
        if base == name and rnd.random() < 0.3:
            return [f"{name}_hat", f"\\hat{{{name}}}"]
        return [f"{base}_{d}", f"{base}_{{{d}}}", f"{base}{d}"] + ([f"\\{base}_{d}"] if base != name else [])
    base = rnd.choice([name, name, name, "Sigma", "Lambda", "Omega"])
    return [f"{base}_{d}", f"{base}_{{{d}}}", f"{base}{d}"] + ([f"\\{base}_{d}"] if base != name else [])


class Typed:
    """A case with its variables renamed to typed spellings: the text, where and wrt to give symmat."""

    def __init__(self, case, rnd):
        from symmat.tree import expr as E
        from symmat.tree.names import canonical, display_spelling
        from symmat.tree.walk import replace
        self.original = case
        mapping, self.typed, used = {}, {}, set()
        for old, v in sorted(case.vars.items()):
            for _ in range(20):
                forms = spellings(old, v.shape if v.shape == (1, 1) else (2, v.shape[1]), rnd)
                if canonical(forms[0]) not in used:
                    break
            new = canonical(forms[0])
            used.add(new)
            mapping[v] = E.Var(new, v.shape, v.props)
            self.typed[new] = forms
        self.rename = {old: mapping[v].name for old, v in case.vars.items()}
        expr = replace(case.expr, mapping)
        self.case = gen.Case(expr, {mapping[v].name: mapping[v] for v in case.vars.values()},
                             {self.rename[n] for n in case.positive}, case.sizes, case.ops, case.seed,
                             case.layout, case.symmetric, self.rename[case.wrt], case.extra)
        self.first = {n: rnd.choice(forms) for n, forms in self.typed.items()}      # in the expression
        self.shown = {n: display_spelling(t) for n, t in self.first.items()}       # what results must show
        self.text = self._text(expr)
        self.where = self._where(rnd)
        self.wrt = rnd.choice(self.typed[self.case.wrt])
        self.keys = {n: rnd.choice(forms) for n, forms in self.typed.items()}       # for evaluate

    def _text(self, expr):
        from symmat.printing.text import to_text
        from symmat.tree.names import speaking
        with speaking(self.first):
            return to_text(expr)

    def _where(self, rnd):
        """The declarations, each name in one of its typed spellings."""
        return gen.declarations(self.case, name=lambda v: rnd.choice(self.typed[v.name]), times="x")

    def engine(self, checked):
        """An engine for gen.check_derivative: symmat called on the typed text."""
        from symmat import api

        def run(kind, expr, wrt, layout, symmetric):
            res = getattr(api, kind)(self.text, wrt=self.wrt, where=self.where, layout=layout,
                                     symmetric=symmetric, check=checked)
            self.case.extra["name_mismatch"] = self.mismatch(res)
            self.case.extra["free_sizes"] = _free_sizes(res.f)
            return res
        return run

    def mismatch(self, res):
        """Why the result does not show or take the names as typed ('' if it does)."""
        import numpy as np
        from symmat.printing.notes import render_result
        got = {v.name for v in res.f.variables()}
        if got != set(self.case.vars):
            return f"the text was read with variables {sorted(got)}, not {sorted(self.case.vars)}"
        text = render_result(res, "text").splitlines()
        shown_wrt = self.shown[self.case.wrt]
        if not text[0].startswith("f = ") or any(_absent(s, text[0]) for s in self.shown.values()):
            return f"the read-as line {text[0]!r} does not show the names as typed {sorted(self.shown.values())}"
        if shown_wrt not in text[1] or shown_wrt not in res.heading():
            return f"the result line {text[1]!r} does not name {shown_wrt}"
        rng = np.random.default_rng(0)
        values = gen.point(self.case, rng)
        try:
            got_value = res.evaluate({self.keys[n]: v for n, v in values.items()})
        except Exception as exc:  # noqa: BLE001 - any failure under typed keys is a mismatch
            if "not fixed by any given variable" in str(exc):
                return ""
            return f"evaluate with keys {sorted(self.keys.values())}: {type(exc).__name__}: {exc}"
        if np.ndim(got_value) and not np.all(np.isfinite(got_value)):
            return ""
        return ""


def _absent(name, line):
    """True when `name` does not occur in `line` as a whole name."""
    return re.search(r"(?<![\\w])" + re.escape(name) + r"(?![\\w])", line) is None


def typed_case(i, seed, case, kind, timeout):
    """Check `case` through its typed text; a name mismatch is a failure of its own."""
    typed = Typed(case, random.Random(f"{seed}-names-{i}"))
    out = gen.check_derivative(typed.case, kind, engine=typed.engine(checked=True))
    if out.status == "selfcheck":      # was the formula that symmat's own check stopped really wrong?
        again = gen.check_derivative(typed.case, kind, engine=typed.engine(checked=False))
        out.status = {"ok": "refused", "wrong": "caught"}.get(again.status, "refused?" + again.status)
    elif out.status in ("ok", "wrong") and typed.case.extra.get("name_mismatch"):
        out.detail = typed.case.extra["name_mismatch"] + ("\n" + out.detail if out.detail else "")
        out.status = "name-mismatch"
    if out.status in ("rejected", "wrong", "name-mismatch") and (
            typed.case.extra.get("free_sizes") or _unfixed_size(out.detail, typed.case)):
        out.status = "unfixed"
    out.detail = f"text {typed.text!r} where {typed.where!r} wrt {typed.wrt!r}\n" + out.detail
    return out


def _free_sizes(f):
    """Sizes of f that no variable fixes (only an I or 𝟏 carries them)."""
    fixed = {d for v in f.variables() for x in v.shape for d in gen._free_sizes(x)}
    return {d for node in f.walk() for x in node.shape for d in gen._free_sizes(x)} - fixed


def _unfixed_size(detail, case):
    """True for a size the text leaves free (only an I or 𝟏 carries it: tr(I), 𝟏ᵀ 𝟏), a known limit
    of the text form (tests/test_random_derivatives.py), not a misreading."""
    from symmat.tree import expr as E
    only_constants = any(isinstance(n, (E.Ones, E.Identity)) for n in case.expr.walk())
    return only_constants and ("not a variable" in detail or "ShapeError" in detail)


class Hang(BaseException):
    """Raised by SIGALRM when one case runs past the time limit."""


def _alarm(signum, frame):
    raise Hang()


def one_case(i, seed, timeout, kinds, engine, canonical=False):
    """Draw case i and check it; returns (kind, outcome)."""
    rnd = random.Random(f"{seed}-{i}")
    names = [k for k in kinds]
    kind = rnd.choices(names, weights=[KINDS[k][0] for k in names])[0]
    case = gen.random_case(rnd, KINDS[kind][1], max_depth=5 if kind == "grad" else 4)
    if kind == "derivative" and case.vars[case.wrt].shape == (1, 1):
        case.layout = "mixed" if case.layout == "denominator" else case.layout
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        if canonical or engine is not None:
            out = gen.check_derivative(case, kind, engine=engine)
        else:
            out = typed_case(i, seed, case, kind, timeout)
    except Hang:
        if "engine_seconds" in case.extra:       # symmat answered; the oracle was slow
            out = gen.Outcome("domain", "the oracle ran out of time", case.extra["engine_seconds"], case)
        else:
            out = gen.Outcome("hang", f"no answer within {timeout} s", timeout, case)
    except Exception as exc:  # noqa: BLE001 - the oracle itself failed: report, do not stop
        out = gen.Outcome("oracle-error", f"{type(exc).__name__}: {exc}", 0.0, case)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return kind, out


def signature(out):
    """What makes two failures the same defect (for grouping)."""
    d = out.detail.split("\n")[0]
    d = re.sub(r"[-+]?\d[\d.e+-]*", "#", d)
    d = re.sub(r"\{.*", "", d)
    return (out.status, d[:90])


def size(e):
    return sum(1 for _ in e.walk())


def unsupported_operator(detail):
    m = re.search(r"no rule for (\w+)|no differential rule for (\w+)|(mean of a matrix)", detail)
    return next((g for g in m.groups() if g), "?") if m else detail[:60]


def run_derivatives(args):
    engine = gen.unchecked if args.unchecked else None
    tally, by_kind = collections.Counter(), collections.defaultdict(collections.Counter)
    times, examples, unsupported = [], {}, collections.Counter()
    ops_seen = collections.Counter()
    t0 = time.perf_counter()
    for i in range(args.n):
        kind, out = one_case(i, args.seed, args.timeout, args.kinds, engine, args.canonical)
        tally[out.status] += 1
        by_kind[kind][out.status] += 1
        ops_seen.update(out.case.ops)
        if out.status not in ("hang",):
            times.append(out.seconds)
        if out.status == "unsupported":
            unsupported[unsupported_operator(out.detail)] += 1
        if out.status not in ("ok", "domain", "unsupported", "limit", "unfixed"):
            key = (kind,) + signature(out)
            if key not in examples or size(out.case.expr) < size(examples[key][1].case.expr):
                examples[key] = (kind, out)
        if args.progress and (i + 1) % args.progress == 0:
            print(f"  … {i + 1} cases, {time.perf_counter() - t0:.0f} s, {dict(tally)}", file=sys.stderr)
    wall = time.perf_counter() - t0
    checked = sum(tally[s] for s in CHECKED)
    crashed = tally["crash"] + tally["rejected"] + tally["oracle-error"]
    print(f"random derivatives: {args.n} expressions in {wall:.1f} s (seed {args.seed}, "
          f"{'without' if args.unchecked else 'with'} symmat's self-check, "
          f"{'trees' if args.canonical or args.unchecked else 'text with names as typed'})")
    print(f"  checked      {checked:6d}   (compared with finite differences)")
    print(f"  ok           {tally['ok']:6d}")
    print(f"  wrong        {tally['wrong']:6d}   (a result that is not the derivative)")
    print(f"  crashed      {crashed:6d}   (non-SymmatError {tally['crash']}, SymmatError on valid input "
          f"{tally['rejected']}, oracle {tally['oracle-error']})")
    print(f"  hung         {tally['hang']:6d}   (over {args.timeout} s)")
    print(f"  unsupported  {tally['unsupported']:6d}   (DerivativeError: no rule yet)")
    print(f"  self-check   {tally['caught'] + tally['refused'] + sum(v for k, v in tally.items() if k.startswith('refused?')):6d}"
          f"   (exit 3: stopped a wrong formula {tally['caught']}, refused a right one {tally['refused']}, "
          f"undecided {sum(v for k, v in tally.items() if k.startswith('refused?'))})")
    print(f"  name mismatch {tally['name-mismatch']:5d}   (a result that does not show or take the names as typed)")
    print(f"  limit        {tally['limit']:6d}")
    print(f"  size unfixed {tally['unfixed']:6d}   (a size only an I or 𝟏 carries: the text leaves it free)")
    print(f"  no domain    {tally['domain']:6d}   (no fair point found: kinks, poles, overflow)")
    if times:
        print(f"  time per expression: median {1000 * statistics.median(times):.1f} ms, "
              f"90th pct {1000 * sorted(times)[int(0.9 * len(times))]:.1f} ms, max {max(times):.2f} s")
    print("  by kind: " + "; ".join(f"{k}: {dict(v)}" for k, v in by_kind.items()))
    if unsupported:
        print("  unsupported, by operator: " + ", ".join(f"{k} {v}" for k, v in unsupported.most_common()))
    missing = [o for o in gen.OPERATORS if o not in ops_seen]
    print(f"  operators exercised: {len(gen.OPERATORS) - len(missing)}/{len(gen.OPERATORS)}"
          + (f" (missing {missing})" if missing else ""))
    if examples:
        print(f"\n  distinct failures ({len(examples)}), smallest example of each:")
        for key, (kind, out) in sorted(examples.items(), key=lambda kv: kv[0][1]):
            print(f"  - [{out.status}] {kind} of {out.case!r}")
            if out.result_text:
                print(f"      result: {out.result_text[:300]}")
            print("      " + out.detail[:600].replace("\n", "\n      "))
    return tally, times, examples


def run_hostile(args):
    tally, by_kind, bad = collections.Counter(), collections.defaultdict(collections.Counter), {}
    rnd = random.Random(f"hostile-{args.seed}")
    commands = ("grad", "grad", "render", "check", "jacobian", "hessian", "derivative", "verify")
    t0 = time.perf_counter()
    for i in range(args.hostile):
        kind, text, wrt = gen.hostile_text(rnd)
        command = rnd.choice(commands)
        argv = [command, text] + (["--wrt", wrt] if command != "render" else [])
        argv += ["--claim", "x"] if command == "check" else []
        use_stdin = rnd.random() < 0.1
        if use_stdin:
            argv[1] = "-"
        status, out, err, seconds, hung = gen.run_cli(argv, stdin_text=text if use_stdin else None,
                                                      timeout=args.timeout)
        verdict = gen.judge_cli(status, out, err, hung)
        tally[verdict] += 1
        by_kind[kind][verdict] += 1
        if verdict not in ("clean", "accepted"):
            key = (verdict, (err.strip().splitlines() or [""])[0][:70])
            if key not in bad or len(text) < len(bad[key][1]):
                bad[key] = (command, text, wrt, err.strip()[-300:])
    wall = time.perf_counter() - t0
    print(f"\nhostile input: {args.hostile} pieces in {wall:.1f} s")
    print(f"  tried              {args.hostile:6d}")
    print(f"  clean rejections   {tally['clean']:6d}   (exit 2, 'symmat: …' reason, no traceback)")
    print(f"  accepted           {tally['accepted']:6d}   (valid by chance: exit 0/1)")
    print(f"  tracebacks         {tally['traceback']:6d}")
    print(f"  internal errors    {tally['internal']:6d}   (exit 3 on bad input)")
    print(f"  hangs              {tally['hang']:6d}   (over {args.timeout} s)")
    print(f"  messy rejections   {tally['messy']:6d}   (exit 2 but not one clear message)")
    print("  by kind: " + "; ".join(f"{k}: {dict(v)}" for k, v in sorted(by_kind.items())))
    if bad:
        print(f"\n  distinct problems ({len(bad)}):")
        for (verdict, first), (command, text, wrt, err) in sorted(bad.items()):
            print(f"  - [{verdict}] symmat {command} {text[:120]!r} --wrt {wrt}")
            print("      " + err.replace("\n", "\n      ")[:400])
    return tally


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="random expressions (default 10000)")
    ap.add_argument("--hostile", type=int, default=None, help="hostile inputs (default n/5)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds before a case counts as a hang")
    ap.add_argument("--kinds", default="grad,jacobian,derivative,hessian",
                    help="comma-separated: grad, jacobian, derivative, hessian")
    ap.add_argument("--unchecked", action="store_true", help="call symmat without its own self-check")
    ap.add_argument("--canonical", action="store_true",
                    help="pass the generated trees themselves instead of their text with names as typed")
    ap.add_argument("--progress", type=int, default=0, help="print a progress line every N cases")
    ap.add_argument("--json", help="write the tallies here")
    args = ap.parse_args(argv)
    args.kinds = [k for k in args.kinds.split(",") if k]
    if not gen.jacobian_available():
        args.kinds = [k for k in args.kinds if k == "grad"]
    if args.hostile is None:
        args.hostile = max(100, args.n // 5)
    signal.signal(signal.SIGALRM, _alarm)
    import warnings
    warnings.simplefilter("ignore")
    tally, times, examples = run_derivatives(args) if args.n else (collections.Counter(), [], {})
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    hostile = run_hostile(args) if args.hostile else collections.Counter()
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"derivatives": dict(tally), "median_seconds": statistics.median(times) if times else None,
                       "hostile": dict(hostile),
                       "failures": [{"status": o.status, "kind": k, "case": repr(o.case), "result": o.result_text,
                                     "detail": o.detail[:2000]} for k, o in examples.values()]},
                      fh, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
