"""The transposed layers' closed-form checks and tap sums, built and checked fast, unchanged."""

import pytest
import sympy as sp

from symconv import convtranspose as ct


def test_tap_sums_of_every_axis_equal_their_direct_build():
    # products/reached of a named axis are the one-dimensional ones renamed (SymPy's costly
    # search for redundant Max/Min arguments is skipped): exactly what building them gives
    for name in ("", "H", "W", "D", "Z"):
        a = ct.axis_symbols(name)
        for fast, direct in ((ct.products(a), ct._products(a)), (ct.reached(a), ct._reached(a))):
            assert fast == direct and sp.srepr(fast) == sp.srepr(direct)


def test_an_axis_with_other_assumptions_is_built_directly():
    base = ct.axis_symbols("")
    odd = ct.Axis("V", sp.Symbol("V_in", integer=True), base.out, base.K, base.s, base.p,
                  base.op, base.d, base.k)  # V_in without positive=True
    assert ct.products(odd) == ct._products(odd)


def _all_forms():
    forms, wrong = ct._forms()
    return forms + wrong


def test_domain_columns_are_the_domain_with_enumerated_landings():
    for bound in (1, 3, 5):
        cols = ct._domain_columns(bound)
        points = list(ct._domain(bound))
        assert len(points) == len(cols["in"])
        for i, pt in enumerate(points):
            assert pt == {k: int(cols[k][i]) for k in ct._KEYS}
            out, T, R, _ = ct.axis_landings(*(pt[k] for k in ct._KEYS))
            assert (out, T, R) == (cols["out"][i], cols["T"][i], cols["R"][i])


def test_columns_check_equals_the_point_by_point_check(monkeypatch):
    # every form, claimed and wrong, at a bound where wrong forms fail late: the same verdict,
    # the same number of points, the same first counterexample and values
    bound = 5
    fast = [ct.check_form(f, bound=bound, random_points=40, large_points=40) for f in _all_forms()]
    monkeypatch.setattr(ct, "_domain_columns", lambda bound: None)
    monkeypatch.setattr(ct, "_batch", lambda expr, f, points: [f(*ct._args(pt)) for pt in points])
    ct._GENERAL.clear()
    slow = [ct.check_form(f, bound=bound, random_points=40, large_points=40) for f in _all_forms()]
    for a, b in zip(fast, slow):
        assert (a.holds, a.points, a.counterexample, a.values, a.method) == \
            (b.holds, b.points, b.counterexample, b.values, b.method), a.form.name


def test_a_wrong_form_is_refuted_on_columns_at_its_first_failing_point():
    # a form wrong at exactly one point of the domain, late in its order
    a = ct.axis_symbols("")
    from symconv.functions import FloorDiv
    trap = FloorDiv(a.in_, 8) * FloorDiv(a.K, 8) * FloorDiv(a.s, 7) * FloorDiv(a.d + 1, 8) \
        * FloorDiv(a.p + 2, 9) * FloorDiv(a.op + 1, 3)  # 1 only at in=K=8, s>=7, d>=7, p>=7, op>=2
    form = ct.Form("T with a trap", "T", ct.products(a) + trap, "always")
    r = ct.check_form(form, random_points=0, large_points=0)
    assert not r.holds
    pt = r.counterexample
    assert (pt["in"], pt["K"], pt["s"], pt["d"], pt["op"], pt["p"]) == (8, 8, 7, 7, 2, 7)
    want = ct.axis_landings(*(pt[k] for k in ct._KEYS))[1]
    assert r.values == (want + 1, want)
    points = list(ct._domain(ct.DEFAULT_BOUND))
    assert r.points == points.index(pt) + 1


def test_columns_never_wrap_int64():
    from symconv.exact_eval import Column, Overflow, evaluate_columns
    import numpy as np
    a = ct.axis_symbols("")
    big = Column.of(np.array([2 ** 40, 3]))
    with pytest.raises(Overflow):
        evaluate_columns(a.in_ * a.s * a.d, {a.in_: big, a.s: big, a.d: big})
    # and check_form then goes point by point, exact: the large tier has sizes up to 10**12
    forms, _ = ct._forms()
    assert all(ct.check_form(f, bound=2, random_points=5, large_points=30) for f in forms)


def test_batch_evaluation_equals_point_by_point_at_large_points():
    # int64 columns where every bound fits, columns of Python ints where one does not
    import random
    rng = random.Random(2)
    a = ct.axis_symbols("")
    forms, _ = ct._forms()
    points = []
    for _ in range(60):
        pt = {"in": rng.randint(1, 10 ** 12), "K": rng.randint(1, 30), "s": rng.randint(1, 10 ** 12),
              "d": rng.randint(1, 10 ** 12), "op": 0}
        M = (pt["in"] - 1) * pt["s"] + (pt["K"] - 1) * pt["d"]
        pt["p"] = rng.randint(0, M // 2)
        points.append(pt)
    for form in forms[:6] + forms[13:14]:
        f = ct._form_functions(form.expr)[0]
        assert ct._batch(form.expr, f, points) == [f(*ct._args(pt)) for pt in points], form.name


def test_random_points_are_drawn_as_with_randint():
    import random
    assert ct._same_draws()
    for form in _all_forms():
        a, b = random.Random(9), random.Random(9)
        for high in (40, 64):
            for _ in range(40):
                assert ct._random_point(a, form, high) == ct._random_point_randint(b, form, high)
        assert a.random() == b.random()


def test_floor_sum_over_columns_equals_floor_sum():
    import random
    from symconv.exact_eval import Column, Overflow, vfloor_sum
    from symconv.functions import floor_sum
    rng = random.Random(3)
    vals = [(rng.randint(0, 60), rng.randint(1, 60), rng.randint(0, 200), rng.randint(0, 200))
            for _ in range(3000)]
    cols = [Column.of([v[i] for v in vals]) for i in range(4)]
    assert list(vfloor_sum(*cols).v) == [floor_sum(*v) for v in vals]
    with pytest.raises(Overflow):  # beyond the proven int64 range: not computed
        vfloor_sum(Column.of([2 ** 20]), 1, 1, 1)


def test_forms_built_quickly_equal_the_forms_built_normally():
    quick_forms, quick_wrong = ct._forms()
    normal_forms, normal_wrong = ct._forms_normal()
    for q, n in zip(quick_forms + quick_wrong, normal_forms + normal_wrong):
        assert q.name == n.name and q.expr == n.expr and sp.srepr(q.expr) == sp.srepr(n.expr)
    a = ct.axis_symbols("")
    assert not ct._QUICK_MINMAX
    assert quick_forms[4].expr == ct.products_log(a) and quick_forms[5].expr == ct.reached_log(a)


def test_symbolic_no_cropping_proofs_decide_without_simplify(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("simplify called")

    monkeypatch.setattr(ct.sp, "simplify", refuse)
    assert ct.prove_no_cropping_products()[0] and ct.prove_no_cropping_reached()[0]


def test_is_zero_says_yes_only_when_zero():
    a = ct.axis_symbols("")
    x = sp.Symbol("x", integer=True, positive=True)
    right = (a.in_ - sp.Max(0, a.in_ - x) - sp.Min(a.in_, x)).rewrite(sp.Piecewise)
    assert ct._is_zero(right)
    for wrong in (a.in_ - sp.Max(0, a.in_ - x) - sp.Max(a.in_, x),
                  sp.Max(a.K, x) - sp.Min(a.K, x), sp.Min(a.K, x) - a.K):
        assert not ct._is_zero(wrong.rewrite(sp.Piecewise))
    # the cheap test cannot see that x <= 3 and x >= 5 exclude each other; simplify decides
    tricky = sp.Piecewise((x, (x <= 3) & (x >= 5)), (0, True))
    assert ct._is_zero(tricky) == (sp.simplify(tricky) == 0)
