"""The count derived by summation over the loop nest of the direct algorithm (issue 9, item 3).

For every registered layer the loop-nest identities are proved; the summed
closed form equals a brute-force count in plain Python loops (no SymPy) on a
sweep of small configurations in 1, 2 and 3 dimensions; a wrong loop nest is
refuted with a counterexample; the nest prints (Unicode and LaTeX).
"""

import dataclasses
import itertools
import random

import pytest

from _helpers import FORWARD, FORWARD_ONLY, layer_names
import sympy as sp

from symconv import loopnest
from symconv.printing.latex import latex
from symconv.printing.text import pretty, render_step
from symconv.proof import prove, prove_layer
from symconv.registry import LAYERS, get

NAMES = list(LAYERS)


def _symbols(spec):
    param = spec.parameter
    return dict(N=param("batch_size").symbol, C_in=param("in_channels").symbol,
                C_out=param("out_channels").symbol, G=param("groups").symbol,
                K=param("kernel_size").symbols, out=spec.output_sizes, b=spec.bias)


# --- the identities -----------------------------------------------------------------------

@pytest.mark.layers(where=FORWARD, reason=FORWARD_ONLY)
@pytest.mark.parametrize("name", layer_names(FORWARD))
def test_every_layer_proves_its_loop_nest_identities(name):
    spec = get(name)
    claims = loopnest.identities(spec)
    assert len(claims) == 7
    # wired into the registered spec, so `symconv prove <layer>` proves them
    assert {c.name for c in claims} <= {i.name for i in spec.identities}
    results = {r.name: r for r in prove_layer(name, samples=40)}
    for claim in claims:
        assert results[claim.name].holds, results[claim.name].describe()


@pytest.mark.parametrize("name", NAMES)
def test_the_nest_is_built_from_the_spec_and_summed_by_sympy(name):
    spec = get(name)
    s = _symbols(spec)
    nest = loopnest.loop_nest(spec)
    assert [loop.upper for loop in nest.outer] == [s["N"], s["C_out"], *s["out"]]
    assert [loop.upper for loop in nest.inner] == [s["C_in"] / s["G"], *s["K"]]
    assert [loop.role for loop in nest.loops] == (
        ["batch", "output channel"] + ["output position"] * spec.dims
        + ["input channel of the group"] + ["kernel tap"] * spec.dims)
    outer = [loop.limit for loop in reversed(nest.outer)]   # SymPy lists the innermost first
    every = [loop.limit for loop in reversed(nest.loops)]
    for unevaluated, closed, limits in ((nest.multiplications, nest.multiplications_closed, every),
                                        (nest.additions, nest.additions_closed, outer),
                                        (nest.total, nest.total_closed, outer)):
        assert isinstance(unevaluated, sp.Sum)              # a real summation, not a stated product
        assert list(unevaluated.limits) == limits
        assert sp.expand(unevaluated.doit() - closed) == 0
        # the dummy indices are bound: only the spec's symbols remain
        assert closed.free_symbols <= {s["N"], s["C_in"], s["C_out"], s["G"], s["b"],
                                       *s["K"], *s["out"]}
    assert sp.expand(nest.total_closed - nest.multiplications_closed - nest.additions_closed) == 0


def test_an_index_that_would_capture_a_layer_symbol_is_refused():
    spec = get("conv2d")
    clash = sp.Symbol("i", integer=True, positive=True)
    bad = dataclasses.replace(spec, notation={**spec.notation, clash: None})
    with pytest.raises(ValueError, match="loop index 'i'"):
        loopnest.loop_nest(bad)


# --- brute force: plain Python loops, independent of SymPy ----------------------------------

def brute_force(batch, in_channels, out_channels, groups, out_sizes, kernel, bias):
    """Multiplications and additions of a direct convolution, counted as they happen."""
    per_group_out = out_channels // groups
    per_group_in = in_channels // groups
    mults = adds = 0
    for _n in range(batch):
        for j in range(out_channels):
            group = j // per_group_out
            channels = range(group * per_group_in, (group + 1) * per_group_in)
            for _position in itertools.product(*(range(o) for o in out_sizes)):
                first = True
                for _ci in channels:
                    for _tap in itertools.product(*(range(k) for k in kernel)):
                        mults += 1              # x * w
                        if first:
                            first = False       # the accumulator starts at the first product
                        else:
                            adds += 1           # acc + x * w
                if bias:
                    adds += 1                   # acc + bias[j], after the tap loops
    return mults, adds


def _configurations(dims, count, seed):
    rng = random.Random(seed)
    channel_sets = [(1, 1, 1), (1, 2, 3), (2, 2, 4), (2, 4, 2), (3, 6, 3), (4, 4, 4), (1, 3, 1)]
    seen = set()
    while len(seen) < count:
        groups, c_in, c_out = rng.choice(channel_sets)
        config = (rng.randint(1, 2), c_in, c_out, groups,
                  tuple(rng.randint(1, 3) for _ in range(dims)),
                  tuple(rng.randint(1, 3) for _ in range(dims)), rng.randint(0, 1))
        seen.add(config)
    return sorted(seen)


@pytest.mark.layers(where=FORWARD, reason=FORWARD_ONLY)
@pytest.mark.parametrize("name", layer_names(FORWARD))
def test_the_summed_nest_equals_a_brute_force_count(name):
    spec = get(name)
    s = _symbols(spec)
    nest = loopnest.loop_nest(spec)
    configs = _configurations(spec.dims, {1: 120, 2: 80, 3: 50}[spec.dims], seed=spec.dims)
    assert len({c[4] for c in configs}) > 1 and {c[6] for c in configs} == {0, 1}
    for batch, c_in, c_out, groups, outs, kernel, bias in configs:
        point = {s["N"]: batch, s["C_in"]: c_in, s["C_out"]: c_out, s["G"]: groups, s["b"]: bias,
                 **dict(zip(s["out"], outs)), **dict(zip(s["K"], kernel))}
        point = {k: sp.Integer(v) for k, v in point.items()}
        mults, adds = brute_force(batch, c_in, c_out, groups, outs, kernel, bias)
        where = (name, batch, c_in, c_out, groups, outs, kernel, bias)
        assert nest.multiplications_closed.xreplace(point) == mults, where
        assert nest.additions_closed.xreplace(point) == adds, where
        assert nest.total_closed.xreplace(point) == mults + adds, where
        assert spec.quantities["ops"].xreplace(point) == mults + adds, where


# --- a wrong loop nest is refuted --------------------------------------------------------------

def _wrong_nests(nest):
    b = nest.bias
    terms = nest.over_terms(sp.S.One)
    # the input-channel loop over every C_in channels instead of the group's C_in/G
    all_channels = dataclasses.replace(nest, inner=tuple(
        dataclasses.replace(loop, upper=loop.upper * sp.denom(loop.upper))
        if loop.role == "input channel of the group" else loop for loop in nest.inner))
    every = all_channels.over_terms(sp.S.One)
    return {
        # every term followed by an addition: count instead of count - 1
        "additions = terms": nest.over_outputs(terms + terms + b),
        # the bias added inside the tap loops: once per term instead of once per element
        "bias inside the tap loop": nest.over_outputs(terms + terms - 1 + nest.over_terms(b)),
        # the bias forgotten
        "no bias": nest.over_outputs(terms + terms - 1),
        "all input channels": nest.over_outputs(every + every - 1 + b),
    }


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("mistake", ["additions = terms", "bias inside the tap loop", "no bias",
                                     "all input channels"])
def test_a_wrong_loop_nest_is_refuted_with_a_counterexample(name, mistake):
    spec = get(name)
    nest = loopnest.loop_nest(spec)
    wrong = _wrong_nests(nest)[mistake]
    assert isinstance(wrong, sp.Sum)
    result = prove(wrong.doit(), spec.quantities["ops"], name=mistake, sampler=spec.sampler,
                   samples=40)
    assert not result.holds
    assert result.counterexample is not None
    lhs, rhs = result.counterexample_values
    assert lhs != rhs and "counterexample" in result.describe()
    # the counterexample is a real configuration: the stated count is the brute-force one there
    point = {sym: sp.Integer(result.counterexample[sym.name])
             for sym in spec.quantities["ops"].free_symbols}
    assert spec.quantities["ops"].xreplace(point) == rhs


# --- the display form ----------------------------------------------------------------------

@pytest.mark.layers(where=FORWARD, reason=FORWARD_ONLY)
@pytest.mark.parametrize("name", layer_names(FORWARD))
def test_the_loop_nest_prints(name):
    spec = get(name)
    nest = loopnest.loop_nest(spec)
    ch = loopnest.chain(spec)
    assert [step.name for step in ch] == ["loop_nest", "loop_nest_summed", "loop_nest_total"]
    assert ch[0].expr == nest.total                          # the unevaluated nested sum itself
    text = "\n".join(render_step(step, k) for k, step in enumerate(ch, 1))
    for loop in nest.loops:
        assert f"{pretty(loop.index)} = 1" in text          # every loop's index and lower bound
    assert "ψ⋅λ + γ" in text
    tex = latex(ch[0].expr)
    # one \sum per loop, outermost first: batch, output channel, positions; then the terms twice
    assert tex.count(r"\sum_{") == len(nest.outer) + 2 * len(nest.inner)
    assert tex.startswith(r"\sum_{n=1}^{N} \sum_{j=1}^{")
    # the stock SymPy printers take it as well
    assert r"\sum" in sp.latex(nest.total) and "n = 1" in sp.pretty(nest.total, use_unicode=True)
    # consecutive steps are equal
    for a, b in ch.pairs():
        assert prove(ch.expanded(a), ch.expanded(b), sampler=spec.sampler, samples=20).holds
