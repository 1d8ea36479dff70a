"""The numeric self-check (issue 10 "False alarms", issue 14): right answers pass, wrong ones are
refused with a message that says what disagreed where, and the check stays inside the derivation's
deadline and memory. Each case runs through the API and the command line."""

import pytest

import gen
from symmat import api
from symmat.errors import InternalError, LimitError
from symmat.numeric import selfcheck as sc
from symmat.reading import Limits
from symmat.result import Derivative
from symmat.simplify import simplify
from symmat.tree import expr as E


def cli(*argv, timeout=30.0):
    status, out, err, seconds, hung = gen.run_cli(list(argv), timeout=timeout)
    assert not hung, f"no answer within {timeout} s"
    return status, out, err


def inconclusive(r):
    return [n for n in r.notes if "inconclusive" in n]


# (kind, f, wrt, where): right answers the self-check used to refuse with exit 3
FALSE_ALARMS = [
    ("grad", "||(I - X inv(X^T X) X^T) y||^2", "y", None),       # X 2×3 made XᵀX singular
    ("grad", "y^T X (X^T X)^{-1} X^T y", "y", None),
    ("grad", "sin(det(U)^3)", "U", "U: 3x3"),                      # det³ ~ 1e5: steps of 1e-6 too coarse
    ("hessian", "sum(softplus(cos(sigmoid(tanh(sin(exp(A x)))))))", "A", None),
    ("hessian", "tan(3 λ)", "λ", None),                            # near the pole at π/2
    ("derivative", "(Z^{-1})^{-1} - Z", "Z", "Z: 3x3"),           # exactly 0 after cancellation
    ("grad", "tr((X^{-1})^{-1}) - tr(X)", "X", None),             # 0, while f rounds at ~1e-16 |X|
    ("grad", "x^T (A + I) x - x^T A x - x^T x", "x", None),
]


@pytest.mark.parametrize("kind, f, wrt, where", FALSE_ALARMS)
def test_right_answers_pass_through_the_api(kind, f, wrt, where):
    r = getattr(api, kind)(f, wrt=wrt, where=where)
    assert not inconclusive(r), r.notes
    if kind == "grad":
        assert gen.check_derivative(gen.case_of(f, wrt, where=where), kind).status in ("ok", "domain")


@pytest.mark.parametrize("kind, f, wrt, where", FALSE_ALARMS)
def test_right_answers_pass_through_the_cli(kind, f, wrt, where):
    status, out, err = cli(kind, f, "--wrt", wrt, *(["--where", where] if where else []))
    assert status == 0, err
    assert "inconclusive" not in out and "bug" not in err


def test_gram_matrices_are_inverted_at_full_rank():
    """The sizes are permuted until X is tall: then XᵀX is invertible and the check judges."""
    r = api.grad("y^T X (X^T X)^{-1} X^T y", wrt="y", check=False)
    sizes = list(sc._size_choices(sc.Plan([r.f, r.result])))
    assert sizes[0]["m"] < sizes[0]["n"] or sizes[0]["n"] < sizes[0]["m"]
    assert any(s != sizes[0] for s in sizes[1:3])
    sc.selfcheck(r)
    assert not inconclusive(r)


# ----------------------------------------------------------------- wrong answers are still refused

def _tampered(r, result):
    return Derivative(r.kind, r.f, r.wrt, result, r.layout, r.symmetric, r.steps)


@pytest.mark.parametrize("kind, f, wrt, change", [
    ("grad", "x^T A x", "x", lambda G: E.Mul(E.Const(2), G)),
    ("grad", "x^T A x", "x", lambda G: simplify(E.Mul(E.Transpose(E.Var("A", ("n", "n"))), E.Var("x", ("n", 1))))),
    ("grad", "tr(A X B)", "X", lambda G: simplify(E.Neg(G))),
    ("hessian", "x^T A x", "x", lambda G: E.Var("A", ("n", "n"))),
    ("hessian", "sum(exp(A x))", "x", lambda G: simplify(E.Mul(E.Const(2), G))),
    ("jacobian", "A x", "x", lambda G: E.Mul(E.Const(3), G)),
])
def test_wrong_answers_are_refused_saying_what_disagreed(kind, f, wrt, change):
    r = getattr(api, kind)(f, wrt=wrt)
    with pytest.raises(InternalError) as info:
        sc.selfcheck(_tampered(r, change(r.result)))
    msg = str(info.value)
    assert "own check failed" in msg and "two random instances" in msg
    assert "at sizes" in msg and "from the closed form against" in msg
    assert "bug" not in msg


def _vars(r):
    return {v.name: v for v in r.f.variables()}


def _one_minus(h):
    return E.Add(E.Const(1), E.Neg(h))


def _gauss_newton(r):
    """The network Hessian without its residual term: right where W2 σ(W1 x) = y only."""
    v = _vars(r)
    h = E.Apply("sigmoid", E.Mul(v["W1"], v["x"]))
    residual = E.Mul(E.Transpose(v["W2"]), E.Add(E.Mul(v["W2"], h), E.Neg(v["y"])))
    d = E.Hadamard(E.Hadamard(E.Hadamard(residual, h), _one_minus(E.Mul(E.Const(2), h))), _one_minus(h))
    term = E.Kron(E.Mul(v["x"], E.Transpose(v["x"])), E.DiagMat(d))
    return E.Add(r.result, E.Neg(term))


LOGISTIC = "-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))"


# (kind, f, wrt, wrong result from the derived one): each differs from the right one in one way
PLANTED = [
    ("hessian", "1/2 ||W2 σ(W1 x) - y||^2", "W1", _gauss_newton),                   # a Hessian term missing
    ("hessian", "||A X - B||_F^2", "X",                                                # Kronecker factors swapped
     lambda r: E.Mul(E.Const(2), E.Kron(E.Mul(E.Transpose(_vars(r)["A"]), _vars(r)["A"]),
                                        E.Identity(_vars(r)["X"].shape[1])))),
    ("grad", "tr(X A X^T B)", "X",                                                     # one transpose missing
     lambda r: E.Add(E.Mul(E.Transpose(_vars(r)["B"]), _vars(r)["X"], _vars(r)["A"]),
                     E.Mul(_vars(r)["B"], _vars(r)["X"], _vars(r)["A"]))),
    ("grad", "x^T A x", "x", lambda r: E.Mul(E.Const(2), _vars(r)["A"], _vars(r)["x"])),  # A taken symmetric
    ("jacobian", "softmax(z)", "z",                                                    # the diagonal part missing
     lambda r: E.Neg(E.Mul(E.Softmax(_vars(r)["z"]), E.Transpose(E.Softmax(_vars(r)["z"]))))),
    ("hessian", LOGISTIC, "w", lambda r: E.Mul(E.Const("1001/1000"), r.result)),       # off by 1e-3 only
    ("grad", "1/2 ||W2 σ(W1 x + b1) + b2 - y||^2", "W1", lambda r: E.Mul(E.Const("9999/10000"), r.result)),
]


@pytest.mark.parametrize("kind, f, wrt, wrong", PLANTED)
def test_planted_wrong_results_are_refused(kind, f, wrt, wrong):
    r = getattr(api, kind)(f, wrt=wrt, check=False)
    sc.selfcheck(r)
    assert not inconclusive(r), r.notes
    with pytest.raises(InternalError, match="own check failed"):
        sc.selfcheck(_tampered(r, wrong(r)))


def test_a_right_result_is_confirmed_at_one_step():
    """Two evaluations of f at moved points (four for a Hessian) suffice when the result is right;
    a wrong one is looked at with smaller steps and a second instance before it is refused."""
    from symmat.numeric import differences
    moved = []
    real = differences.Differences.f_at

    def f_at(self, steps):
        moved.append(steps)
        return real(self, steps)

    differences.Differences.f_at = f_at
    try:
        for kind, expected in (("grad", 2), ("hessian", 4)):
            moved.clear()
            r = getattr(api, kind)("sum(exp(A x))", wrt="x", check=False)
            sc.selfcheck(r)
            assert len(moved) == expected and not inconclusive(r)
        moved.clear()
        with pytest.raises(InternalError):
            sc.selfcheck(_tampered(r, simplify(E.Mul(E.Const(2), r.result))))
        assert len(moved) > 8
    finally:
        differences.Differences.f_at = real


def test_every_check_of_a_result_draws_the_same_instances():
    """Drawn once per process, the random numbers are read from the start by every check."""
    r = api.grad("x^T A x", wrt="x", check=False)
    bad = _tampered(r, E.Mul(E.Const(3), r.result))
    messages = []
    for seed in (0, 0, 7):
        with pytest.raises(InternalError) as info:
            sc.selfcheck(bad, seed=seed)
        messages.append(str(info.value))
    assert messages[0] == messages[1] != messages[2]


def _sizes_judged(r):
    """The sizes of each instance the self-check of `r` judges, in order."""
    seen = []
    real = sc._judge

    def judge(result, program, sizes, *rest):
        seen.append(dict(sizes))
        return real(result, program, sizes, *rest)

    sc._judge = judge
    try:
        sc.selfcheck(r)
    finally:
        sc._judge = real
    return seen


def test_a_singular_instance_changes_the_sizes_at_once():
    """XᵀX with X wide is singular at every draw: the next instance is at other sizes."""
    r = api.grad("log det(X^T X)", wrt="X", check=False)
    seen = _sizes_judged(r)
    assert not inconclusive(r)
    assert len(seen) == 2 and seen[0] != seen[1]


def test_a_wrong_answer_by_a_symmetric_matrix_is_refused():
    r = api.grad("tr(A S)", wrt="S", where="S: symmetric")
    assert not inconclusive(r)
    with pytest.raises(InternalError):
        sc.selfcheck(_tampered(r, E.Var("A", r.result.shape)))   # the entrywise answer in the sym convention


def test_a_wrong_answer_by_a_diagonal_matrix_is_refused():
    """Off-diagonal entries must be 0: a random combination of columns sees them too."""
    r = api.grad("tr(A D)", wrt="D", where="D: diagonal")
    with pytest.raises(InternalError):
        sc.selfcheck(_tampered(r, E.Transpose(E.Var("A", r.result.shape))))


def test_a_small_wrong_gradient_is_refused():
    """Relative, not absolute: a gradient of size ~1e-10 that is wrong by a factor is seen."""
    r = api.grad("exp(-30 x^T x)", wrt="x")
    with pytest.raises(InternalError):
        sc.selfcheck(_tampered(r, simplify(E.Mul(E.Const(2), r.result))))


def test_one_disagreement_is_not_enough():
    """An instance that disagrees is confirmed at another before a refusal; two agreeing instances
    after it overrule it."""
    r = api.grad("x^T A x", wrt="x")
    calls = []
    real = sc._judge

    def judge(*a):
        calls.append(1)
        return "made up" if len(calls) == 1 else real(*a)

    sc._judge, old = judge, sc._judge
    try:
        sc.selfcheck(r)
    finally:
        sc._judge = old
    assert len(calls) == 3 and not inconclusive(r)


# ----------------------------------------------------------------- inside the derivation's limits

def kron_power(k):
    text = "A"
    for _ in range(k - 1):
        text = f"kron(A, {text})"
    return f"sum({text})"


def test_nested_kronecker_products_stay_within_memory():
    """6 copies once built 3.9 GB of intermediates and ended in MemoryError."""
    status, out, err = cli("grad", kron_power(6), "--wrt", "A")
    assert status == 0, err
    assert "gradient by A" in out


def test_the_check_honours_the_derivation_deadline():
    r = api.grad(kron_power(3), wrt="A", check=False)
    from symmat.simplify import DEADLINE
    token = DEADLINE.set((0.0, 0.5))   # a deadline already past
    try:
        with pytest.raises(LimitError, match="--derive-timeout"):
            sc.selfcheck(r)
    finally:
        DEADLINE.reset(token)


def test_too_large_to_check_says_so():
    r = api.grad("sum(X)", wrt="X", where="X: 1000x1000", check=False)
    sc.selfcheck(r)
    assert inconclusive(r) and "too large" in inconclusive(r)[0]


def test_declared_sizes_above_six_are_checked():
    """X: 100x3 was skipped (the size helper refused sizes above 6): now it is checked."""
    r = api.grad("1/2 ||X w - y||^2", wrt="w", where="X: 100x3")
    assert not inconclusive(r)
    with pytest.raises(InternalError):
        sc.selfcheck(_tampered(r, simplify(E.Neg(r.result))))


def test_limits_are_the_derivations():
    """--derive-timeout covers the check: a tiny limit ends in a LimitError, not a hang."""
    with pytest.raises(LimitError):
        api.hessian(kron_power(4), wrt="A", limits=Limits(derive_timeout=1e-6))


def test_verification_refuses_a_huge_expansion_at_once():
    """10 nested copies expanded 60M SymPy entries and ran past every limit (issue 10)."""
    r = api.grad(kron_power(10), wrt="A")
    with pytest.raises(LimitError, match="--size"):
        api.verify(r, timeout=5)
    status, out, err = cli("grad", kron_power(10), "--wrt", "A", "--verify")
    assert status == 2 and "--size" in err


def test_the_garbage_collector_is_left_as_it_was_found():
    """Paused during the check, resumed after it, also after a refusal; left off if it was off."""
    import gc
    r = api.grad("x^T A x", wrt="x", check=False)
    bad = _tampered(r, E.Mul(E.Const(2), r.result))
    assert gc.isenabled()
    sc.selfcheck(r)
    assert gc.isenabled()
    with pytest.raises(InternalError):
        sc.selfcheck(bad)
    assert gc.isenabled()
    gc.disable()
    try:
        sc.selfcheck(r)
        assert not gc.isenabled()
    finally:
        gc.enable()


LAYOUTS = [("grad", "x^T B x", "x", "numerator"), ("jacobian", "A x", "x", "denominator"),
           ("jacobian", "tanh(W x)", "W", "numerator"), ("derivative", "kron(A, X)", "X", "mixed"),
           ("derivative", "X^T", "X", "mixed"), ("jacobian", "λ a", "λ", "denominator")]


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_both_backends_judge_alike(backend, monkeypatch):
    """On NumPy (large instances) the result stays an array, its layout undone and its entries summed
    by NumPy: right results pass, planted wrong ones are refused, in every layout, as on plain floats."""
    from symmat.numeric import program
    for budget in ("PYTHON_BUDGET", "LOADED_BUDGET"):
        monkeypatch.setattr(program, budget, 0 if backend == "numpy" else 10**12)
    cases = [(k, f, w, None, wrong) for k, f, w, wrong in PLANTED]
    cases += [(k, f, w, layout, lambda r: E.Mul(E.Const(2), r.result)) for k, f, w, layout in LAYOUTS]
    cases += [(k, f, w, layout, lambda r: E.Transpose(r.result)) for k, f, w, layout in LAYOUTS[:2]]
    for kind, f, wrt, layout, wrong in cases:
        r = getattr(api, kind)(f, wrt=wrt, check=False, **({"layout": layout} if layout else {}))
        sc.selfcheck(r)
        assert not inconclusive(r), (f, r.notes)
        with pytest.raises(InternalError, match="own check failed"):
            sc.selfcheck(_tampered(r, wrong(r)))


def _deep_network(kind, layers):
    h = "x"
    for k in range(1, layers + 1):
        h = f"W{k} {h}" if k == layers else f"σ(W{k} {h})"
    return getattr(api, kind)(f"1/2 ||{h} - y||^2", wrt="W1", check=False)


def _deep_network_hessian(layers):
    return _deep_network("hessian", layers)


def test_a_deep_network_hessian_is_checked_at_distinct_sizes():
    """The sizes of the variable differentiated by come first (smallest): the Hessian by W1 of a
    24-layer network is 6×6 there, where W1's sizes coming last made it 650×650, too large, and
    the check fell back to every size 2 (squares everywhere, where a transpose can hide). (The
    first instance, every σ saturated, is no evidence: a better-scaled one follows at the same sizes.)"""
    r = _deep_network_hessian(24)
    seen = _sizes_judged(r)
    assert not inconclusive(r)
    assert len(seen) == 2 and seen[0] == seen[1]
    assert len(set(seen[0].values())) == len(seen[0]) > 20
    assert sorted(seen[0][d] for d in r.wrt.shape) == [2, 3]


def test_a_deep_network_hessian_off_by_one_percent_is_refused():
    """Entries in [0.5, 1.5] and layers of 10 to 25 units saturate every σ: the Hessian is ~1e-115
    against f ~ 1, and differences rounded at 1e-9 agreed with any closed form that small."""
    r = _deep_network_hessian(24)
    with pytest.raises(InternalError):
        sc.selfcheck(_tampered(r, E.Mul(E.Const("101/100"), r.result)))


def _missing_transpose(r):
    """The result by W1ᵀ reported as by W1: the gradient's entries read transposed, the Hessian
    with both its indices in the other vec order (K H Kᵀ)."""
    k, p = r.wrt.shape
    if r.kind == "grad":
        return E.Unvec(E.Vec(E.Transpose(r.result)), k, p)
    K = E.Commutation(k, p)
    return E.Mul(K, r.result, E.Transpose(K))


def _inner_transpose_missing(r):
    """Wᵀ of a middle layer read as W with its entries in the other order (shapes kept)."""
    from symmat.tree.walk import replace
    layers = len([v for v in r.f.variables() if v.name.startswith("W")])
    W = _vars(r)[f"W{layers // 2 + 1}"]
    m, n = W.shape
    return replace(r.result, {E.Transpose(W): E.Unvec(E.Vec(W), n, m)})


DEEP_WRONG = {"1% off": lambda r: E.Mul(E.Const("101/100"), r.result),
              "0.1% off": lambda r: E.Mul(E.Const("1001/1000"), r.result),
              "a transpose missing": _missing_transpose,
              "a middle layer's transpose missing": _inner_transpose_missing}


@pytest.mark.parametrize("kind", ["grad", "hessian"])
@pytest.mark.parametrize("layers", [8, 16, 24])
def test_deep_network_planted_wrong_results_are_refused(kind, layers):
    """Every σ of a deep network saturates at the usual instances: the check sees that the
    differences cannot tell its derivative from any other that small, and judges at instances
    scaled so that W h stays O(1). The right result is confirmed, each wrong one refused."""
    r = _deep_network(kind, layers)
    sc.selfcheck(r)
    assert not inconclusive(r), r.notes
    for name, wrong in DEEP_WRONG.items():
        bad = wrong(r)
        assert bad != r.result, name
        with pytest.raises(InternalError, match="own check failed"):
            sc.selfcheck(_tampered(r, bad))


def test_no_informative_instance_is_said_not_agreed(monkeypatch):
    """Where no instance leaves the derivative above the differences' rounding (here: the better-
    scaled draws withheld), a wrong result is neither confirmed nor refused: the check says so."""
    monkeypatch.setattr(sc, "scaled_value", lambda *a: None)
    r = _deep_network_hessian(24)
    bad = _tampered(r, E.Mul(E.Const("101/100"), r.result))
    sc.selfcheck(bad)
    assert inconclusive(bad) and "below the rounding level" in inconclusive(bad)[0]


def test_signs_change_only_where_f_allows():
    """Better-scaled draws give a matrix signed entries only where no log, root, divisor,
    fractional power, inverse or kink sits above it in f."""
    from symmat.numeric.scaling import positive_only
    r = api.grad("sum(exp(σ(W2 tanh(W1 x)))) + sum(sqrt(A z)) + 1 / (u^T B v) + ||C w||^2",
                 wrt="W1", check=False)
    assert positive_only(r.f) == {"A", "z", "B", "u", "v"}
    r = api.grad("log det(X^T X) + sum(relu(M q))", wrt="X", check=False)
    assert positive_only(r.f) == {"X", "M", "q"}


def test_better_scaled_draws_keep_the_domain():
    """A deep chain under a log: its matrices stay positive (scaled by 1/columns), f stays finite,
    and a wrong result is refused."""
    h = "x"
    for k in range(1, 9):
        h = f"σ(W{k} {h})"
    r = api.grad(f"-sum(log({h}))", wrt="W1", check=False)
    sc.selfcheck(r)
    assert not inconclusive(r), r.notes
    with pytest.raises(InternalError, match="own check failed"):
        sc.selfcheck(_tampered(r, E.Mul(E.Const("101/100"), r.result)))
