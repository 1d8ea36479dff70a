"""Random expressions against an independent oracle (issue 6: no wrong answer).

For random well-typed expressions over every operator of SPEC §1.2 (see
`tests/gen.py`), symmat's closed-form `grad` / `jacobian` / `derivative` /
`hessian` is compared with central finite differences of an evaluator that
shares no code with symmat, at random points inside the function's domain,
in the layout and symmetric convention drawn with the case (SPEC §2; vec is
column-major).

Outcomes (gen.Outcome.status) and what this file does with them:
  ok, domain (no fair point found), limit ............ pass
  unsupported (DerivativeError: no rule yet) ......... pass, tallied and
      printed at the end of the session (pytest -s) so it is reported, not hidden
  wrong (a result printed that is not the derivative),
  crash (anything but a SymmatError), rejected (a SymmatError on valid input),
  caught / refused (symmat's own self-check stopped a wrong / a right formula)
      ............................................... fail, unless the case
      matches an entry of KNOWN (each names its regression test and reason;
      remove the entry when the fix lands).

Hypothesis runs derandomized so that CI is deterministic; the scale run is
`python benchmarks/fuzz.py --n 10000`.
"""

import collections

import pytest
from hypothesis import HealthCheck, given, settings

import gen
from symmat.tree import expr as E

SETTINGS = dict(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

FAIL = {"wrong", "crash", "rejected", "caught", "refused"}

UNSUPPORTED = collections.Counter()


# (predicate(case, outcome), reason): known defects, each with a strict xfail in test_regressions.py.
# Remove an entry when its regression test is flipped.
KNOWN = []   # the Hessian self-check near poles (tan) was fixed with test_selfcheck_second_differences_near_a_pole


def known(case, outcome):
    """The reason a failing outcome is a known defect, or None."""
    for pred, reason in KNOWN:
        try:
            if pred(case, outcome):
                return reason
        except Exception:  # noqa: BLE001 - a predicate never hides a failure
            continue
    return None


def judge(case, kind):
    """Run the property for one case and fail on an unknown defect."""
    outcome = gen.check_derivative(case, kind)
    outcome.kind = kind
    if outcome.status == "unsupported":
        UNSUPPORTED[outcome.detail.split(":", 1)[-1].strip()[:90]] += 1
    if outcome.status in FAIL and not known(case, outcome):
        pytest.fail(f"{outcome.status}: {kind} of {case!r}\nresult: {outcome.result_text}\n"
                    f"{outcome.detail}", pytrace=False)


@pytest.fixture(scope="module", autouse=True)
def _report_unsupported():
    yield
    if UNSUPPORTED:
        print("\nunsupported (DerivativeError), by message:")
        for msg, n in UNSUPPORTED.most_common():
            print(f"  {n:4d}  {msg}")


def _needs_jacobian():
    if not gen.jacobian_available():
        pytest.skip("symmat/jacobians.py has not landed: jacobian, derivative and hessian raise")


# ----------------------------------------------------------------- gradients of scalars

@settings(**SETTINGS)
@given(gen.cases(shape="scalar"))
def test_grad_matches_finite_differences(case):
    judge(case, "grad")


@settings(**dict(SETTINGS, max_examples=30))
@given(gen.cases(shape="scalar", max_depth=3))
def test_grad_of_shallow_expressions(case):
    """Small trees, where a wrong rule is not diluted by the rest of the expression."""
    judge(case, "grad")


# ----------------------------------------------------------------- Jacobians and beyond

@settings(**SETTINGS)
@given(gen.cases(shape="vector"))
def test_jacobian_of_vectors(case):
    _needs_jacobian()
    judge(case, "jacobian")


@settings(**SETTINGS)
@given(gen.cases(shape="matrix", max_depth=4))
def test_derivative_of_matrices_is_vec_jacobian(case):
    _needs_jacobian()
    if case.vars[case.wrt].shape == (1, 1) and case.layout == "denominator":
        case.layout = "mixed"      # matrix by scalar in denominator layout: SPEC §2 is silent
    judge(case, "derivative")


@settings(**dict(SETTINGS, max_examples=40))
@given(gen.cases(shape="scalar", max_depth=4))
def test_hessian_matches_second_differences(case):
    _needs_jacobian()
    judge(case, "hessian")


# ----------------------------------------------------------------- the text form

@settings(**dict(SETTINGS, max_examples=40))
@given(gen.cases(shape="any", max_depth=4))
def test_printed_text_parses_back_to_the_same_function(case):
    """str(expr) with the declarations reads back as a function with the same values."""
    import numpy as np
    import symmat
    text = gen.text_of(case.expr)
    where = gen.declarations(case)
    try:
        back = symmat.parse(text, where=where)
    except symmat.ShapeError as exc:
        if case.sizes and any(isinstance(n, (E.Ones, E.Identity)) for n in case.expr.walk()):
            return   # known: test_regressions.py::test_declared_size_unifies_with_identity_and_ones
        pytest.fail(f"printed text does not parse back: {text!r} where {where!r}\n{exc}", pytrace=False)
    except symmat.SymmatError as exc:
        pytest.fail(f"printed text does not parse back: {text!r} where {where!r}\n{exc}", pytrace=False)
    fixed = {d for v in back.variables() for d in gen._free_sizes(v.shape[0]) + gen._free_sizes(v.shape[1])}
    if any(d not in fixed for node in back.walk() for x in node.shape for d in gen._free_sizes(x)):
        return      # a size only an I or 𝟏 carries (𝟏ᵀ 𝟏, tr(I)): the text leaves it free
    rng = np.random.default_rng(case.seed)
    for _ in range(4):
        values = gen.point(case, rng)
        try:
            want = gen.evaluate(case.expr, values, case.sizes, checked=True)
        except gen.OutOfDomain:
            continue
        sizes = dict(case.sizes)
        sizes.update(_sizes_from(back, values))
        try:
            got = gen.evaluate(back, values, sizes)
        except KeyError:
            return      # a size that only an I or 𝟏 carries (tr(I)): the text does not fix it
        except ValueError as exc:
            pytest.fail(f"{text!r} where {where!r} reads back with other shapes: {exc}", pytrace=False)
        assert got.shape == want.shape, (text, got.shape, want.shape)
        assert np.allclose(got, want, rtol=1e-9, atol=1e-9), (text, where, got, want)
        return


def _sizes_from(e, values):
    """Concrete values of the sizes the parser named, read off the variables' values."""
    import numpy as np
    out = {}
    for v in e.variables():
        val = np.asarray(values[v.name])
        val = val.reshape(-1, 1) if val.ndim == 1 else val.reshape(1, 1) if val.ndim == 0 else val
        for d, n in zip(v.shape, val.shape):
            if isinstance(d, str):
                out[d] = n
    return out
