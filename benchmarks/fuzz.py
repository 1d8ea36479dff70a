"""Fuzz symmat at scale (issue 6): random derivatives against an oracle, hostile input to the CLI.

    python benchmarks/fuzz.py --n 10000 [--seed 0] [--hostile 2000] [--json out.json]

Part 1 draws `--n` random well-typed expressions over every operator of SPEC
§1.2 (tests/gen.py) and compares symmat's grad / jacobian / derivative /
hessian with central finite differences of an independent evaluator. It
prints how many were checked, wrong, crashed, unsupported, refused by
symmat's own self-check, and the median time per expression, then the
smallest example of each distinct failure.

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
CHECKED = ("ok", "wrong", "caught", "refused")


class Hang(BaseException):
    """Raised by SIGALRM when one case runs past the time limit."""


def _alarm(signum, frame):
    raise Hang()


def one_case(i, seed, timeout, kinds, engine):
    """Draw case i and check it; returns (kind, outcome)."""
    rnd = random.Random(f"{seed}-{i}")
    names = [k for k in kinds]
    kind = rnd.choices(names, weights=[KINDS[k][0] for k in names])[0]
    case = gen.random_case(rnd, KINDS[kind][1], max_depth=5 if kind == "grad" else 4)
    if kind == "derivative" and case.vars[case.wrt].shape == (1, 1):
        case.layout = "mixed" if case.layout == "denominator" else case.layout
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        out = gen.check_derivative(case, kind, engine=engine)
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
        kind, out = one_case(i, args.seed, args.timeout, args.kinds, engine)
        tally[out.status] += 1
        by_kind[kind][out.status] += 1
        ops_seen.update(out.case.ops)
        if out.status not in ("hang",):
            times.append(out.seconds)
        if out.status == "unsupported":
            unsupported[unsupported_operator(out.detail)] += 1
        if out.status not in ("ok", "domain", "unsupported", "limit"):
            key = (kind,) + signature(out)
            if key not in examples or size(out.case.expr) < size(examples[key][1].case.expr):
                examples[key] = (kind, out)
        if args.progress and (i + 1) % args.progress == 0:
            print(f"  … {i + 1} cases, {time.perf_counter() - t0:.0f} s, {dict(tally)}", file=sys.stderr)
    wall = time.perf_counter() - t0
    checked = sum(tally[s] for s in CHECKED)
    crashed = tally["crash"] + tally["rejected"] + tally["oracle-error"]
    print(f"random derivatives: {args.n} expressions in {wall:.1f} s (seed {args.seed}, "
          f"{'without' if args.unchecked else 'with'} symmat's self-check)")
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
    print(f"  limit        {tally['limit']:6d}")
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
