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


# --- the random tiers on NumPy columns: bulk draws, enumerated landings, exact sums -------------

def _valid(pt, high=None):
    M = (pt["in"] - 1) * pt["s"] + (pt["K"] - 1) * pt["d"]
    ok = (min(pt["in"], pt["K"], pt["s"], pt["d"]) >= 1 and 0 <= pt["op"] < max(pt["s"], pt["d"])
          and 0 <= pt["p"] and M - 2 * pt["p"] + pt["op"] + 1 >= 1)
    if high is not None:
        ok = ok and max(pt["in"], pt["K"], pt["s"], pt["d"]) <= high
    return ok


@pytest.mark.parametrize("form", _all_forms(), ids=lambda f: f.name)
def test_bulk_draws_give_every_requested_point_valid_and_under_the_condition(form):
    gen = ct._generator(5)
    small = ct._draw_columns(gen, form, 40, 300)
    large = ct._draw_large_columns(gen, form, 300)
    for cols, high in ((small, 40), (large, 10 ** 12)):
        assert all(len(cols[k]) == 300 for k in ct._KEYS)
        for j in range(300):
            pt = ct._point(cols, j)
            assert _valid(pt, high) and bool(form.holds_at(pt)), pt
            assert all(pt[k] == v for k, v in form.fixed.items())
    assert max(large["K"]) <= 64
    if form.large and not set(form.large) <= set(form.fixed):  # some sizes beyond int64 products
        assert max(max(large[k]) for k in form.large if k not in form.fixed) > 10 ** 9


def test_bulk_draws_are_deterministic_per_seed_and_take_any_integer_seed():
    form = _all_forms()[10]  # R, no holes: most draws rejected
    def draw(seed):
        gen = ct._generator(seed)
        return ct._point(ct._draw_columns(gen, form, 40, 50), 49), \
            ct._point(ct._draw_large_columns(gen, form, 50), 49)
    assert draw(3) == draw(3) and draw(-3) == draw(-3)
    assert len({str(draw(s)) for s in (0, 1, -1, 2 ** 70)}) == 4


def test_an_impossible_condition_is_an_error_not_a_hang(monkeypatch):
    monkeypatch.setattr(ct, "_MAX_CANDIDATES", 10_000)
    never = ct.Form("never", "T", ct.products(ct.axis_symbols("")), "never",
                    lambda pt: pt["in"] > 40)
    with pytest.raises(RuntimeError, match="never"):
        ct._draw_columns(ct._generator(0), never, 40, 10)


def test_landings_of_all_points_at_once_equal_the_pairs_counted_one_by_one():
    gen = ct._generator(11)
    for form in _all_forms()[:13]:
        cols = ct._draw_columns(gen, form, 40, 60)
        T, R = ct._landings(cols, 1), ct._landings(cols, 2)
        for j in range(60):
            pt = ct._point(cols, j)
            _, t, r, _ = ct.axis_landings(*(pt[k] for k in ct._KEYS))
            assert (T[j], R[j]) == (t, r), pt


def test_every_form_checks_its_full_count_of_points():
    # exhaustive tier + every requested random point + every requested large point (the large
    # tier no longer drops the points its condition rejects: it draws until it has them all)
    for form in ct._forms()[0]:
        r = ct.check_form(form, bound=3, random_points=40, large_points=30)
        exhaustive = int(r.method.split("exhaustive over ")[1].split(" ")[0])
        assert r.holds and r.points == exhaustive + 40 + 30, form.name
        assert "30 random points with sizes up to 10**12" in r.method


def _trap_form(divisor):
    # the tap sum plus floor(in / divisor): right wherever in < divisor, wrong beyond
    from symconv.functions import FloorDiv
    a = ct.axis_symbols("")
    return ct.Form(f"T, wrong from in = {divisor}", "T", ct.products(a) + FloorDiv(a.in_, divisor),
                   "always", claimed=False)


def test_a_form_wrong_only_beyond_the_domain_is_refuted_at_a_random_point():
    r = ct.check_form(_trap_form(20), random_points=300, large_points=300)
    assert not r.holds and r.method == "random point, sizes <= 40"
    pt = r.counterexample
    want = ct.axis_landings(*(pt[k] for k in ct._KEYS))[1]
    assert pt["in"] >= 20 and r.values == (want + pt["in"] // 20, want)
    assert _valid(pt, 40)


def test_a_form_wrong_only_at_large_sizes_is_refuted_against_the_general_tap_sum():
    r = ct.check_form(_trap_form(10 ** 6), random_points=300, large_points=300)
    assert not r.holds and r.method == "large random point, against the general tap sum"
    pt = r.counterexample
    want = ct._form_function(ct.products(ct.axis_symbols("")))(*ct._args(pt))
    assert pt["in"] >= 10 ** 6 and r.values == (want + pt["in"] // 10 ** 6, want)
    assert _valid(pt) and r.points > len(ct._domain_columns(ct.DEFAULT_BOUND)["in"]) + 300


def test_columns_and_point_by_point_reach_the_same_verdicts(monkeypatch):
    # the NumPy path (bulk draws) against the path without NumPy (random.Random, one point at
    # a time): other points, the same verdicts; each wrong form refuted by both
    import symconv.exact_eval as ee
    forms = _all_forms() + (_trap_form(20),)
    fast = [ct.check_form(f, bound=4, random_points=60, large_points=40) for f in forms]
    monkeypatch.setattr(ee, "_numpy", lambda: None)
    monkeypatch.setattr(ct, "_domain_columns", lambda bound: None)
    slow = [ct.check_form(f, bound=4, random_points=60, large_points=40) for f in forms]
    for f, a, b in zip(forms, fast, slow):
        assert a.holds == b.holds == f.claimed, f.name
        if not f.claimed:
            for r in (a, b):
                pt = r.counterexample
                key = 1 if f.quantity == "T" else 2
                want = ct.axis_landings(*(pt[k] for k in ct._KEYS))[key]
                assert r.values == (f.function(*ct._args(pt)), want) and r.values[0] != want


def test_check_forms_shares_values_between_forms_without_changing_a_verdict():
    shared_run = ct.check_forms(bound=4, random_points=50, large_points=30)
    alone = [ct.check_form(f, bound=4, random_points=50, large_points=30)
             for f in ct._forms()[0] + ct._forms()[1]]
    assert [(r.holds, r.points, r.counterexample, r.values) for r in shared_run] == \
        [(r.holds, r.points, r.counterexample, r.values) for r in alone]


def _sum_cases():
    import numpy as np
    from symconv.functions import FloorDiv
    a = ct.axis_symbols("")
    rng = np.random.default_rng(4)
    n = 200
    cols = {"in": rng.integers(1, 30, n), "K": rng.integers(1, 30, n), "s": rng.integers(1, 9, n),
            "d": rng.integers(1, 9, n), "op": rng.integers(0, 3, n), "p": rng.integers(0, 50, n)}
    exprs = [ct.products(a), ct.reached(a), ct.cropped_before(a, a.p - a.op),
             sp.Sum(FloorDiv(a.k * a.d + a.p, a.s) - a.in_, (a.k, a.K - 5, a.in_ - 3)),  # some empty
             sp.Sum(a.k * a.s, (a.k, 2, 9))]
    return a, cols, exprs


def test_sums_over_flat_points_grids_and_index_by_index_agree_with_point_by_point(monkeypatch):
    import numpy as np
    import symconv.exact_eval as ee
    from symconv.exact_eval import Column, evaluate_columns
    a, cols, exprs = _sum_cases()
    n = len(cols["in"])
    for expr in exprs:
        scalar = ee.compile_source(ee.vector_source(expr, a.parameters), ee.SCALAR_NAMESPACE)
        want = [scalar(*(int(cols[k][j]) for k in ct._KEYS)) for j in range(n)]
        flat = {s: Column.of(cols[k]) for s, k in zip(a.parameters, ct._KEYS)}
        exact = {s: Column.exact(list(cols[k])) for s, k in zip(a.parameters, ct._KEYS)}
        # the same points as a (n, 1) grid: the index as an axis, not per (point, index) pair
        grid = {s: Column.of(np.asarray(cols[k]).reshape(n, 1)) for s, k in zip(a.parameters, ct._KEYS)}
        for entries in (1, 7, 1 << 18):  # index by index, chunks, all at once
            monkeypatch.setattr(ee, "AXIS_ENTRIES", entries)
            for env in (flat, exact, grid):
                got = evaluate_columns(expr, env)
                got = np.broadcast_to(np.asarray(got.v if isinstance(got, Column) else got), (n, 1)
                                      if env is grid else (n,)).reshape(-1)
                assert [int(v) for v in got] == want, (expr, entries)


def test_a_ragged_sum_whose_total_leaves_int64_is_summed_exactly():
    import numpy as np
    from symconv.exact_eval import Column, evaluate_columns
    k, x = sp.Symbol("k", integer=True), sp.Symbol("x", integer=True)
    big = 2 ** 62
    got = evaluate_columns(sp.Sum(x, (k, 1, 4)), {x: Column.of(np.array([big, 1, -big]))})
    assert got.m is None and list(got.v) == [4 * big, 4, -4 * big]


def test_sliced_floor_division_equals_numpy_floor_division():
    import numpy as np
    from symconv.exact_eval import _floor_divide
    rng = np.random.default_rng(8)
    a = rng.integers(-10 ** 12, 10 ** 12, size=(6, 7, 40, 50))
    for b in (rng.integers(1, 9, size=(1, 7, 1, 1)), -rng.integers(1, 9, size=(6, 1, 1, 1)),
              rng.integers(1, 5, size=(7, 1, 1)), np.array(3), rng.integers(1, 9, size=(6, 7, 40, 50))):
        assert np.array_equal(_floor_divide(a, b), a // b)


def test_floor_sum_over_columns_of_python_ints():
    import random
    from symconv.exact_eval import Column, vfloor_sum
    from symconv.functions import floor_sum
    rng = random.Random(6)
    vals = [(rng.randint(0, 10 ** 13), rng.randint(1, 10 ** 12), rng.randint(0, 10 ** 13),
             rng.randint(0, 10 ** 25)) for _ in range(300)]
    got = vfloor_sum(*(Column.exact([v[i] for v in vals]) for i in range(4)))
    assert got.m is None and list(got.v) == [floor_sum(*v) for v in vals]


def test_satisfiable_by_truth_table_agrees_with_sympy():
    import itertools
    x, y, z = sp.symbols("x y z")
    formulas = [sp.And(x, sp.Not(x)), sp.Or(x, y), sp.And(x, sp.Not(y)), sp.true, sp.false,
                sp.And(sp.Or(x, y), sp.Not(x), sp.Not(y)), sp.Or(sp.And(x, y, z), sp.Not(z)),
                sp.And(sp.Or(x, z), sp.Or(sp.Not(x), y), sp.Not(y), sp.Not(z))]
    for f in formulas:
        assert ct._satisfiable(f) == (sp.satisfiable(f) is not False), f


def test_a_mirrored_form_takes_the_values_of_its_mirror_with_the_axes_exchanged():
    # on the grid (in, K, s, d over the same range) the form that is another with (in, s) and
    # (K, d) exchanged is evaluated by exchanging axes; the same values as evaluating it
    import numpy as np
    from symconv.exact_eval import Column, evaluate_columns
    cols = ct._domain_columns(4)
    axes, keep, shape = cols["grid"]
    a = ct.axis_symbols("")
    env = {sym: Column.of(axes[n]) for sym, n in zip(a.parameters, ct._KEYS)}
    forms = ct._forms()[0]
    shared: dict = {}
    mirrored = 0
    for form in forms:  # the run fills the table of grid values; each form as check_forms does
        key = 1 if form.quantity == "T" else 2
        before = set(shared.get(("grid values", 4), {}))
        ct._exhaustive_columns(form, None, 4, key, shared)
        swap = ct._rename(form.expr, {a.in_: a.K, a.K: a.in_, a.s: a.d, a.d: a.s})
        mirrored += swap in before
        got = evaluate_columns(form.expr, env)
        direct = np.broadcast_to(np.asarray(got.v if isinstance(got, Column) else got), shape)
        table = shared[("grid values", 4)]
        used = (np.transpose(table[swap], (1, 0, 3, 2, 4, 5)) if swap in before
                else table[form.expr])
        assert np.array_equal(used, direct), form.name
    assert mirrored >= 3  # the stride-1 form and the two symmetric ones at least
    # and the verdicts and points of a run with the mirrors equal those without
    run = ct.check_forms(bound=4, random_points=20, large_points=10)
    alone = [ct.check_form(f, bound=4, random_points=20, large_points=10) for f in forms]
    assert [(r.holds, r.points) for r in run[:len(forms)]] == [(r.holds, r.points) for r in alone]


def test_widened_columns_compute_in_python_ints_only_what_leaves_int64():
    import numpy as np
    from symconv.exact_eval import Column, Overflow, evaluate_columns
    from symconv.functions import FloorDiv, FloorSum
    a = ct.axis_symbols("")
    big = Column.of(np.array([2 ** 40, 3, 5]))
    small = Column.of(np.array([2, 3, 4]))
    expr = a.in_ * a.s * a.d + FloorDiv(a.K * a.d, a.s) + FloorSum(a.K, a.d, a.s, a.s)
    env = {a.in_: big, a.s: big, a.d: small, a.K: small}
    with pytest.raises(Overflow):
        evaluate_columns(expr, env)
    got = evaluate_columns(expr, env, widen=True)
    f = ct._form_function(expr)
    want = [f(*(int(env[s].v[j]) if s in env else 0 for s in a.parameters)) for j in range(3)]
    assert got.m is None and list(got.v) == want
    assert evaluate_columns(a.K * a.d, env, widen=True).v.dtype == np.int64  # fits: stays int64


def test_no_random_points_is_the_exhaustive_tier_alone():
    form = ct._forms()[0][0]
    exhaustive = ct.check_form(form, bound=2, random_points=0, large_points=0)
    assert exhaustive.holds and exhaustive.points == len(ct._domain_columns(2)["in"])
    assert ct.check_form(form, bound=2, random_points=0, large_points=5).points == \
        exhaustive.points + 5
    assert ct.check_form(form, bound=2, random_points=4, large_points=0).points == \
        exhaustive.points + 4
    # a form wrong only beyond the domain passes the exhaustive tier alone: the random
    # points are what refute it
    assert ct.check_form(_trap_form(20), bound=2, random_points=0, large_points=0).holds
    assert not ct.check_form(_trap_form(20), bound=2, random_points=300, large_points=0).holds


def test_the_shape_test_finds_every_mirror_that_building_each_image_finds(monkeypatch):
    # the image of a form with (in, s) and (K, d) exchanged is built only when its shape
    # (node counts) matches a form already evaluated: the same forms take their mirror's
    # values as when the image of every form is built, and the same verdicts follow
    forms = ct._forms()[0] + ct._forms()[1]
    a = ct.axis_symbols("")
    swap = {a.in_: a.K, a.K: a.in_, a.s: a.d, a.d: a.s}

    def mirrors(use_shapes: bool) -> list[str]:
        found: list[str] = []
        built = ct._rename

        def every_image(expr, done, shapes):  # the former path: every image built
            if done is None:
                return None
            image = built(expr, swap)
            return image if image in done else None

        chosen = ct._mirror if use_shapes else every_image

        def recording(expr, done, shapes):
            image = chosen(expr, done, shapes)
            if image is not None:
                found.append(str(expr))
            return image

        with monkeypatch.context() as m:
            m.setattr(ct, "_mirror", recording)
            shared: dict = {}
            for form in forms:
                ct._exhaustive_columns(form, None, 4, 1 if form.quantity == "T" else 2, shared)
        return found

    with_shapes, every = mirrors(True), mirrors(False)
    assert with_shapes == every and len(every) >= 3
    assert all(ct._shape(ct._rename(f.expr, swap)) == ct._shape(f.expr) for f in forms)


def test_no_cropping_proofs_without_the_max_min_search_equal_sympys_own():
    # the default path (ends built and substituted without SymPy's Max/Min redundancy search,
    # dominated arguments dropped by sign decisions) gives the same verdicts and the same
    # steps, expression by expression, as SymPy's constructors and xreplace
    for prover in (ct.prove_no_cropping_products, ct.prove_no_cropping_reached):
        fast, sympys = prover(), prover(ct._xreplace)
        assert fast[0] and fast == sympys


def test_substitute_equals_xreplace_on_the_proofs_substitutions():
    a = ct.axis_symbols("")
    u = sp.Symbol("u", integer=True, nonnegative=True)
    q = sp.Symbol("q", integer=True, positive=True)
    x = sp.Symbol("x", integer=True, positive=True)
    summand = ct.reached(a).function
    at_zero = summand.xreplace({a.p: 0})
    for expr, mapping in ((summand, {a.p: 0}), (at_zero, {ct.period(a): q, ct.shift(a): x}),
                          (ct.tap_low(a), {a.p: 0}), (ct.tap_high(a, a.K - 1 - u), {a.p: 0}),
                          (ct.products(a).function, {a.p: 0, a.op: 0})):
        assert ct._substitute(expr, mapping) == expr.xreplace(mapping)


def test_dominance_pruning_drops_only_arguments_that_never_win():
    n = sp.Symbol("n", integer=True, nonnegative=True)
    y, z = sp.symbols("y z", integer=True)
    assert ct._dominance_pruned(sp.Max, (0, -n)) == 0
    assert ct._dominance_pruned(sp.Min, (y, y + 1, y + n)) == y
    assert ct._dominance_pruned(sp.Max, (y, z)) == sp.Max(y, z)      # undecided: both stay
    assert ct._dominance_pruned(sp.Max, (y, y + n, z)) == sp.Max(y + n, z)
    assert ct._dominance_pruned(sp.Min, (y - n, z, y)) == sp.Min(y - n, z)
    # the value never changes: at integer points, against SymPy's own Max/Min
    import itertools
    for cls in (sp.Max, sp.Min):
        args = (0, -n, y, y + n, z - 1, z + n, y - z)
        pruned = ct._dominance_pruned(cls, args)
        for vn, vy, vz in itertools.product(range(0, 3), range(-2, 3), range(-2, 3)):
            at = {n: vn, y: vy, z: vz}
            assert pruned.xreplace(at) == cls(*(sp.sympify(v).xreplace(at) for v in args))


def test_no_cropping_proofs_fall_back_to_sympy_when_the_quick_path_does_not_conclude(
        monkeypatch):
    calls = []

    def useless(expr, mapping):  # substitutes nothing: the quick path cannot conclude
        calls.append(1)
        return expr

    monkeypatch.setattr(ct, "_substitute", useless)
    assert ct.prove_no_cropping_products()[0] and ct.prove_no_cropping_reached()[0]
    assert calls
