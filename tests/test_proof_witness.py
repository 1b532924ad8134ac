"""The compiled witness: every claim's expressions compiled once to exact Python (ints and
Fractions), equal to SymPy substitution at random points, and refuting a wrong claim with the
same counterexample as the SymPy substitution it replaces."""

import random
from fractions import Fraction

import pytest
import sympy as sp

from symconv import proof
from symconv.conv1d import integer_form
from symconv.exact_eval import compile_exact, div, exact_source
from symconv.functions import FloorDiv
from symconv.registry import LAYERS
from symconv.symbols import C_in, C_out, G, K, N


def _claim_expressions(spec):
    """(name, expression, symbols a witness point draws) of every side of every claim."""
    out = []
    for i in spec.identities:
        free = tuple(sorted(sp.sympify(i.lhs).free_symbols | sp.sympify(i.rhs).free_symbols,
                            key=lambda s: s.name))
        out += [(f"{i.name} (lhs)", sp.sympify(i.lhs), free),
                (f"{i.name} (rhs)", sp.sympify(i.rhs), free)]
    for i in spec.integrality:
        form = integer_form(sp.sympify(i.expr))
        free = tuple(sorted(form.free_symbols | {G}, key=lambda s: s.name))
        out.append((f"{i.name} (integer form)", form, free))
    return out


def _sympy_witness(lhs, rhs, samples, seed, sampler):
    """The witness as it was: SymPy points (sample_point) and xreplace at each."""
    rng = random.Random(seed)
    free = sp.sympify(lhs).free_symbols | sp.sympify(rhs).free_symbols
    for _ in range(samples):
        point = proof.sample_point(free, rng, sampler=sampler)
        a, b = sp.sympify(lhs).xreplace(point), sp.sympify(rhs).xreplace(point)
        if a != b:
            return {s: int(v) for s, v in point.items()}, (a, b)
    return None


def test_compiled_equals_sympy_substitution_for_every_claim(layer):
    spec = LAYERS[layer]
    rng = random.Random(5)
    for name, expr, free in _claim_expressions(spec):
        function = compile_exact(expr, free)
        assert function is not None, f"{layer}: {name} does not compile: {expr}"
        assert "/" not in exact_source(expr, free).replace("//", ""), name  # never float division
        draw = proof._point_drawer(free, spec.sampler)
        for _ in range(25):
            point = draw(rng)
            got = function(*(point[s] for s in free))
            assert type(got) in (int, Fraction), (name, got)
            want = expr.xreplace({s: sp.Integer(v) for s, v in point.items()})
            assert want.is_Rational and got == want, (layer, name, point, got, want)


def test_point_drawer_draws_what_sample_point_draws():
    spec = LAYERS["conv2d"]
    symbols = set(spec.positive_symbols()) | {spec.bias}
    a, b = random.Random(3), random.Random(3)
    draw = proof._point_drawer(symbols, spec.sampler)
    for _ in range(200):
        ints = draw(a)
        sym = proof.sample_point(symbols, b, sampler=spec.sampler)
        assert list(ints) == list(sym) and ints == {k: int(v) for k, v in sym.items()}


def _wrong(expr, layer_rng):
    """A wrong variant of ``expr``: off where N >= 7, by a factor where K + G >= 9, or off
    where C_out/G >= 3 (with a rational term that is 0 at every valid point)."""
    kind = layer_rng.randrange(3)
    if kind == 0:
        return expr + FloorDiv(N, 7)
    if kind == 1:
        return expr * (1 + FloorDiv(K + G, 9))
    return expr + (C_in / G - FloorDiv(C_in, G)) + FloorDiv(C_out, 3 * G)  # o >= 3


def test_compiled_witness_refutes_like_sympy_substitution(layer):
    spec = LAYERS[layer]
    rng = random.Random(11)
    identities = spec.identities[:6]
    checked = 0
    for seed, identity in enumerate(identities):
        lhs = sp.sympify(identity.lhs)
        wrong = _wrong(sp.sympify(identity.rhs), rng)
        for rhs in (wrong, sp.sympify(identity.rhs)):
            got = proof._witness(lhs, rhs, 60, seed, spec.sampler)
            want = _sympy_witness(lhs, rhs, 60, seed, spec.sampler)
            if want is None:
                assert got is None
                continue
            assert got is not None, (identity.name, want)
            point, values = got
            assert point == want[0] and values == want[1]
            assert all(isinstance(v, sp.Basic) for v in values)
            checked += 1
    assert checked >= 3  # most wrong variants are refuted


def test_wrong_claim_refuted_with_the_same_counterexample_by_prove():
    # prove() reports the compiled witness's point: it is the SymPy path's first failing point
    lhs, rhs = N * C_in * C_out / G, N * C_in * C_out / G + FloorDiv(N * K, 50)
    r = proof.prove(lhs, rhs, samples=200, seed=4)
    want = _sympy_witness(lhs, rhs, 200, 4, None)
    assert not r.holds and want is not None
    assert r.counterexample == proof._named(want[0])
    assert r.counterexample_values == want[1]


def test_registered_layers_never_fall_back_to_substitution(monkeypatch):
    """Every claim of the registered layers is witnessed by compiled code: SymPy substitution
    is only the fallback (before, every point was an xreplace)."""
    def refuse(expr, point):
        raise AssertionError(f"SymPy substitution used for {expr}")

    monkeypatch.setattr(proof, "_evaluate", refuse)
    proof._compiled.cache_clear()
    results = proof.prove_layer("conv1d", samples=30)
    assert results and all(results)


def test_fallback_when_an_expression_cannot_be_compiled():
    x = sp.Symbol("x", integer=True, positive=True)
    expr = sp.factorial(x) + sp.Abs(x - 3)  # factorial is not compiled: SymPy substitution
    assert compile_exact(expr, (x,)) is None
    assert compile_exact(sp.sin(x), (x,)) is None and compile_exact(sp.Float(0.5) * x, (x,)) is None
    evaluate = proof.exact_evaluator(expr, (x,))
    assert [evaluate({x: v}) for v in (1, 3, 5)] == [3, 6, 122]
    r = proof.prove(expr, sp.factorial(x) + sp.Abs(3 - x), samples=20)
    assert r.holds and r.witness_points == 20
    r = proof.prove(expr, sp.factorial(x) + x - 3, samples=20)
    assert not r.holds and r.counterexample == {"x": 1} and r.counterexample_values == (3, -1)


def test_abs_mod_floor_ceiling_compile_exactly():
    x, y = sp.symbols("x y", integer=True, positive=True)
    expr = sp.Abs(x - 7) + sp.Mod(x, y) + sp.floor(x / 3) - sp.ceiling(sp.Rational(5, 2) * y)
    f = compile_exact(expr, (x, y))
    assert f is not None
    for a in range(1, 12):
        for b in range(1, 5):
            assert f(a, b) == expr.xreplace({x: a, y: b})


def test_division_is_exact():
    assert div(6, 3) == 2 and type(div(6, 3)) is int
    assert div(1, 3) == Fraction(1, 3) and type(div(1, 3)) is Fraction
    assert div(Fraction(1, 2), Fraction(1, 4)) == 2 and type(div(Fraction(1, 2), Fraction(1, 4))) is int
    x = sp.Symbol("x", integer=True, positive=True)
    f = compile_exact(sp.Rational(10**30 + 1, 3) * x - x / 3, (x,))
    assert f(3) == 10**30 and type(f(3)) is int  # no float would get this
    with pytest.raises(ZeroDivisionError):
        div(1, 0)


def test_integrality_counterexample_from_compiled_witness():
    r = proof.prove_integer(N * C_in * K / (2 * G), name="half")
    assert not r.holds and r.counterexample is not None
    value, floor = r.counterexample_values
    assert isinstance(value, sp.Rational) and not value.is_Integer and floor == sp.floor(value)
    # the point is valid and really gives that value
    pt = r.counterexample
    assert sp.Rational(pt["N"] * pt["C_in"] * pt["K"], 2 * pt["G"]) == value


def test_prove_layer_decides_a_repeated_claim_once(monkeypatch):
    calls = []
    original = proof.prove

    def counting(lhs, rhs, **kw):
        calls.append((sp.sympify(lhs), sp.sympify(rhs)))
        return original(lhs, rhs, **kw)

    monkeypatch.setattr(proof, "prove", counting)
    spec = LAYERS["conv1d"]
    results = proof.prove_layer(spec, samples=20)
    assert len(calls) == len(set(calls)) < len(spec.identities)
    assert [r.name for r in results[:len(spec.identities)]] == [i.name for i in spec.identities]
    assert all(results)


def test_fast_point_drawer_draws_what_randint_draws(monkeypatch):
    # the drawer without randint's calls (the same numbers from the same generator state)
    # against the drawer with them, for every registered layer's sampler
    from symconv import _draws
    assert _draws.same_draws()
    for name in LAYERS:
        spec = LAYERS[name]
        symbols = set(spec.positive_symbols()) | {spec.bias}
        fast = proof._point_drawer(symbols, spec.sampler)
        monkeypatch.setattr(proof, "same_draws", lambda: False)
        slow = proof._point_drawer(symbols, spec.sampler)
        monkeypatch.undo()
        a, b = random.Random(17), random.Random(17)
        for _ in range(100):
            assert fast(a) == slow(b)
        assert a.random() == b.random()
