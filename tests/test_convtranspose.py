"""The transposed-convolution count (symconv.convtranspose): forms and their conditions, the
totals' identities, size-independent exact evaluation and PyTorch's rules.

Ground truth for T (pairs that land) and R (positions reached) is the one-by-one enumeration
of (input position, tap) pairs (:func:`symconv.reference_transpose.axis_landings`).
"""

from __future__ import annotations

import math
import random
import time

import pytest
import sympy as sp

from symconv import convtranspose as ct
from symconv.proof import prove_transposed_totals
from symconv.reference_transpose import axis_landings

# the general tap sums are checked over the full domain (in, K, s, d <= 8); every other
# form over in, K, s, d <= 6 (plus random points beyond, in both cases)
_FULL = {"T, the tap sum", "R, the tap sum"}


@pytest.mark.parametrize("form", ct.FORMS, ids=[f.name for f in ct.FORMS])
def test_claimed_form_holds(form):
    bound = 8 if form.name in _FULL else 6
    result = ct.check_form(form, bound=bound, random_points=200, large_points=200)
    assert result.holds, (result.counterexample, result.values, result.method)
    assert result.points > 200


@pytest.mark.parametrize("form", ct.WRONG_FORMS, ids=[f.name for f in ct.WRONG_FORMS])
def test_wrong_form_is_refuted_with_a_counterexample(form):
    result = ct.check_form(form, bound=6)
    assert not result.holds
    pt = result.counterexample
    assert pt is not None and form.holds_at(pt)
    got, want = result.values
    # the counterexample is real: the form's value differs from the enumerated count there
    out, T, R, _ = axis_landings(pt["in"], pt["K"], pt["s"], pt["p"], pt["op"], pt["d"])
    assert out >= 1 and pt["op"] < max(pt["s"], pt["d"])
    assert want == (T if form.quantity == "T" else R)
    assert got == form.function(pt["in"], pt["K"], pt["s"], pt["p"], pt["op"], pt["d"])
    assert got != want


def test_gcd_is_needed_in_the_no_cropping_reach():
    # s = d = 2: positions i*2 + k*2 for i, k in {0, 1} are {0, 2, 2, 4}: 3 reached. With
    # g = 2, q = 1 every tap after the first adds min(in, d/g) = 1 position; forgetting the
    # gcd (q = s = 2) takes both taps as reaching disjoint positions: 4.
    a = (2, 2, 2, 0, 0, 2)  # in, K, s, p, op, d
    assert axis_landings(*a)[2] == 3
    form = {f.name: f for f in ct.FORMS}["R, no cropping"]
    assert form.function(*a) == 3
    assert ct.WRONG_FORMS[0].function(*a) == 4


def test_no_cropping_products_symbolic():
    holds, steps = ct.prove_no_cropping_products()
    assert holds, steps
    assert any("L1, L2" in s for s in steps)


def test_no_cropping_reached_symbolic():
    holds, steps = ct.prove_no_cropping_reached()
    assert holds, steps


def test_floor_lemmas_fresh_symbols_are_distinct():
    a = ct.axis_symbols("")
    # two different floors must not become the same symbol (they would cancel)
    one, _ = ct.apply_floor_lemmas(ct.FloorDiv(a.d * a.k, a.s))
    two, _ = ct.apply_floor_lemmas(ct.FloorDiv(a.op, a.s))
    assert one != two and one - two != 0


def test_floor_lemmas_do_not_overclaim():
    a = ct.axis_symbols("")
    # with p > 0 the low end's numerator k*d - p has no sign: L2 must not apply
    expr, notes = ct.apply_floor_lemmas(ct.tap_low(a))
    assert any(isinstance(x, ct.FloorDiv) for x in sp.preorder_traversal(expr))
    assert notes == []
    # and a multiple of the divisor leaves the floor (L1) while the rest stays inside
    x = sp.Symbol("x", integer=True)
    expr, notes = ct.apply_floor_lemmas(ct.FloorDiv(3 * a.s + x, a.s))
    assert expr == 3 + ct.FloorDiv(x, a.s) and notes


def test_total_identities_proven():
    results = prove_transposed_totals(samples=50)
    assert all(results), [r.describe() for r in results if not r]
    assert len(results) == len(ct.TOTAL_IDENTITIES) + len(ct.QUANTITIES)


def test_wrong_total_identity_refuted():
    from symconv.proof import prove

    q = ct.totals()
    # without bias the correction is per *reached* position (R), not per landing pair (T)
    r = prove(q["ops_no_bias"], 2 * q["macs"] - ct.N * ct.C_out * ct.T_SYM, samples=50)
    assert not r.holds and r.counterexample is not None
    a, b = r.counterexample_values
    assert a != b


def test_forward_convolution_limit():
    # a 1x1 kernel, stride 1, no padding: each output position is hit by exactly one pair,
    # and the count is that of a 1x1 forward convolution: N*C_out*L*(2*C_in/G - 1 + b)
    for bias in (True, False):
        got = ct.conv_transpose1d_ops(3, 4, 6, 10, 1, groups=2, bias=bias)
        assert got == 3 * 6 * 10 * (2 * 2 - 1 + bias)


def _brute_ops_1d(N, cin, cout, in_, K, s, p, op, d, G, bias):
    out, T, R, t = axis_landings(in_, K, s, p, op, d)
    c = cin // G
    return N * cout * sum(2 * c * x - 1 + bias for x in t if x)


def test_1d_ops_against_enumeration_random():
    rng = random.Random(5)
    for _ in range(500):
        G = rng.randint(1, 3)
        cin, cout = G * rng.randint(1, 3), G * rng.randint(1, 3)
        in_, K, s, d = (rng.randint(1, 30) for _ in range(4))
        op = rng.randrange(max(s, d))
        p = rng.randint(0, ((in_ - 1) * s + (K - 1) * d + op) // 2)
        N, bias = rng.randint(1, 4), rng.random() < 0.5
        got = ct.conv_transpose1d_ops(N, cin, cout, in_, K, s, p, op, d, G, bias)
        assert got == _brute_ops_1d(N, cin, cout, in_, K, s, p, op, d, G, bias)


def test_huge_sizes_return_at_once_and_exact():
    ct.conv_transpose1d_ops(1, 1, 1, 1, 1)  # compile the evaluators outside the timing
    start = time.perf_counter()
    got = ct.conv_transpose1d_ops(2, 16, 32, 10 ** 18, 4, stride=2, padding=1)
    q = ct.conv_transpose_quantities(3, 1, 2, 2, (10 ** 15, 10 ** 12, 10 ** 9), (5, 3, 2),
                                     stride=(3, 2, 7), padding=(2, 1, 0),
                                     output_padding=(1, 0, 6), dilation=(1, 4, 1))
    assert time.perf_counter() - start < 0.5
    assert isinstance(got, int) and got > 2 ** 64  # exact beyond int64
    # with bias the count is 2 MACs = 2*N*C_out*(C_in/G)*T; T = in*K - 1 - 1 for (K=4, s=2, p=1)
    # (one pair cropped on each side), by enumeration of the small analogue's crop:
    small = axis_landings(10, 4, 2, 1, 0, 1)[1]
    assert small == 10 * 4 - 2
    assert got == 2 * 2 * 32 * 16 * (10 ** 18 * 4 - 2)
    assert q["products"] == math.prod(q["products_per_dim"])


def test_huge_kernel_returns_at_once():
    # the floor-sum forms: O(log) whatever the sizes, the kernel's included
    ct.conv_transpose1d_ops(1, 1, 1, 1, 1)  # compile the evaluators outside the timing
    start = time.perf_counter()
    a = ct.axis_counts(3, 10 ** 15, 7, 5, 1, 2)
    b = ct.axis_counts(10 ** 15, 3, 2, 5, 1, 7)
    c = ct.axis_counts(10 ** 15, 10 ** 14, 7, 10 ** 13, 3, 5)
    ops = ct.conv_transpose3d_ops(2, 16, 32, (10 ** 15,) * 3, 10 ** 12, stride=3, padding=10 ** 9)
    assert time.perf_counter() - start < 0.5
    assert a == b == ct.axis_counts_by_tap_sums(3, 10 ** 15, 7, 5, 1, 2)
    assert c[1] > 10 ** 28 and isinstance(ops, int)
    small = [ct.axis_counts(3, K, 7, 5, 1, 2) for K in range(4, 12)]
    assert small == [axis_landings(3, K, 7, 5, 1, 2)[:3] for K in range(4, 12)]


def test_floor_sum_forms_equal_tap_sums_at_large_sizes():
    rng = random.Random(8)
    for _ in range(300):
        in_, K = rng.randint(1, 10 ** 5), rng.randint(1, 300)
        if rng.random() < 0.5:
            in_, K = K, in_
        s, d = rng.randint(1, 10 ** 4), rng.randint(1, 50)
        op = rng.randrange(max(s, d))
        p = rng.randint(0, ((in_ - 1) * s + (K - 1) * d + op) // 2)
        assert ct.axis_counts(in_, K, s, p, op, d) == \
            ct.axis_counts_by_tap_sums(in_, K, s, p, op, d)


def test_floor_sum():
    from symconv.functions import FloorSum, floor_sum

    rng = random.Random(3)
    for _ in range(3000):
        n, m, a, b = rng.randint(0, 40), rng.randint(1, 30), rng.randint(0, 50), rng.randint(0, 90)
        assert floor_sum(n, m, a, b) == sum((a * i + b) // m for i in range(n))
    assert floor_sum(0, 3, 1, -5) == 0  # the empty sum, whatever b
    with pytest.raises(ValueError, match="floor_sum needs"):
        floor_sum(2, 3, 1, -5)
    assert FloorSum(4, 3, 2, 1) == sum((2 * i + 1) // 3 for i in range(4))
    x = sp.Symbol("x", integer=True, nonnegative=True)
    assert FloorSum(4, 3, 2, x).rewrite(sp.Sum).doit().xreplace({x: 5}) == FloorSum(4, 3, 2, 5)


def test_quantities_relations():
    rng = random.Random(2)
    for _ in range(300):
        dims = rng.randint(1, 3)
        G = rng.randint(1, 3)
        sizes = tuple(rng.randint(1, 9) for _ in range(dims))
        K = tuple(rng.randint(1, 5) for _ in range(dims))
        s = tuple(rng.randint(1, 4) for _ in range(dims))
        d = tuple(rng.randint(1, 3) for _ in range(dims))
        op = tuple(rng.randrange(max(a, b)) for a, b in zip(s, d))
        p = tuple(rng.randint(0, ((i - 1) * a + (k - 1) * b + o) // 2)
                  for i, k, a, b, o in zip(sizes, K, s, d, op))
        args = (rng.choice([None, 2]), G * rng.randint(1, 2), G * rng.randint(1, 2),
                sizes if dims > 1 else sizes[0], K, s, p, op, d, G)
        q = ct.conv_transpose_quantities(dims, *args, bias=True)
        assert q["ops_bias"] == 2 * q["macs"] == q["ops"]
        assert q["ops_no_bias"] == 2 * q["macs"] - q["bias_additions"]
        assert q["flop_counter"] == 2 * q["scatter_products"]
        assert q["macs"] <= q["scatter_products"]
        assert (q["macs"] == q["scatter_products"]) == all(x == 0 for x in p)
        assert ct.conv_transpose_quantities(dims, *args, bias=False)["ops"] == q["ops_no_bias"]


# --- PyTorch's rules ------------------------------------------------------------------

@pytest.mark.parametrize("call, exc, rule, words", [
    (lambda: ct.conv_transpose1d_ops(1, 2, 2, 5, 3, stride=2, output_padding=2), ValueError,
     "output_padding_too_large", ["output_padding=2", "stride=2", "dilation=1"]),
    (lambda: ct.conv_transpose1d_output_length(3, 3, padding=3), ValueError, "output_too_small",
     ["output size -1", "padding=3"]),
    (lambda: ct.conv_transpose1d_ops(1, 3, 4, 5, 3, groups=2), ValueError, "groups_in",
     ["in_channels=3", "groups=2"]),
    (lambda: ct.conv_transpose1d_ops(1, 4, 3, 5, 3, groups=2), ValueError, "groups_out",
     ["out_channels=3", "groups=2"]),
    (lambda: ct.conv_transpose1d_ops(1, 2, 2, 5, 3, padding="same"), ValueError,
     "padding_string", ["padding='same'"]),
    (lambda: ct.conv_transpose2d_ops(1, 2, 2, (5, 5), 3, padding="valid"), ValueError,
     "padding_string", ["padding='valid'"]),
    (lambda: ct.conv_transpose1d_ops(1, 2, 2, 5, 3, padding=-1), ValueError,
     "padding_negative", ["padding=-1"]),
    (lambda: ct.conv_transpose1d_ops(1, 2, 2, 5, 3, output_padding=-1), ValueError,
     "output_padding_negative", ["output_padding=-1"]),
    (lambda: ct.conv_transpose2d_ops(1, 2, 2, (5, 5, 5), 3), TypeError, "tuple_length",
     ["input_size=(5, 5, 5)", "2 spatial"]),
    (lambda: ct.conv_transpose2d_ops(1, 2, 2, 5, 3), TypeError, "tuple_length",
     ["input_size=5", "tuple of 2"]),
    (lambda: ct.conv_transpose3d_output_size((5, 5, 5), (3, 3)), TypeError, "tuple_length",
     ["kernel_size=(3, 3)"]),
    (lambda: ct.conv_transpose2d_ops(1, 2, 2, (5, 5), (3,)), TypeError, "tuple_length",
     ["kernel_size=(3,)"]),
    (lambda: ct.conv_transpose2d_ops(1, 2, 2, (5, 5), 3, stride=(1, 2, 3)), TypeError,
     "tuple_length", ["stride=(1, 2, 3)"]),
    (lambda: ct.conv_transpose1d_ops(1, 2, 2, (5,), 3), TypeError, "type",
     ["input_length=(5,)"]),
    (lambda: ct.conv_transpose1d_ops(1, 2, 2, 5.0, 3), TypeError, "type", ["input_length=5.0"]),
    (lambda: ct.conv_transpose1d_ops(1, 2, 2, 5, True), TypeError, "type", ["kernel_size=True"]),
    (lambda: ct.conv_transpose1d_ops(1, 2, 2, 5, 0), ValueError, "positive", ["kernel_size=0"]),
    (lambda: ct.conv_transpose1d_ops(1, 2, 2, 5, 3, bias="yes"), TypeError, "bias_type",
     ["bias='yes'"]),
    (lambda: ct.conv_transpose2d_output_size((4, 4), 3, stride=(1, 3), output_padding=(0, 3)),
     ValueError, "output_padding_too_large", ["output_padding[1]=3", "stride[1]=3"]),
])
def test_rules_refused_with_parameter_value_and_rule(call, exc, rule, words):
    with pytest.raises(exc) as info:
        call()
    assert info.value.rule == rule
    message = str(info.value)
    assert ct.RULES[rule] in message
    for word in words:
        assert word in message


def test_integer_like_values_accepted():
    import numpy as np

    base = ct.conv_transpose1d_ops(2, 2, 2, 5, 3, stride=2, output_padding=1)
    assert ct.conv_transpose1d_ops(np.int64(2), 2, 2, np.int32(5), (3,), stride=(2,),
                                   output_padding=(1,), bias=np.bool_(True)) == base
    assert ct.conv_transpose2d_ops(2, 2, 2, [5, 4], [3, 2], stride=2) == \
        ct.conv_transpose2d_ops(2, 2, 2, (5, 4), (3, 2), stride=(2, 2))


def test_output_padding_below_dilation_is_allowed():
    # PyTorch: output_padding < max(stride, dilation), so dilation 3 allows 2 with stride 1
    assert ct.conv_transpose1d_output_length(3, 3, stride=1, output_padding=2, dilation=3) == 11


def test_rules_agree_with_torch():
    torch = pytest.importorskip("torch")
    rng = random.Random(9)
    refused = accepted = 0
    for _ in range(400):
        dims = rng.randint(1, 3)
        sizes = [rng.randint(1, 4) for _ in range(dims)]
        K = [rng.randint(1, 3) for _ in range(dims)]
        s = [rng.randint(1, 3) for _ in range(dims)]
        d = [rng.randint(1, 3) for _ in range(dims)]
        op = [rng.randint(0, 3) for _ in range(dims)]
        p = [rng.randint(0, 4) for _ in range(dims)]
        G = rng.choice([1, 2])
        cin, cout = rng.choice([2, 3, 4]), rng.choice([2, 3, 4])
        try:
            mine = ct.validate(dims, 1, cin, cout, tuple(sizes) if dims > 1 else sizes[0],
                               tuple(K), tuple(s), tuple(p), tuple(op), tuple(d), G)
        except ValueError:
            mine = None
        fn = getattr(torch.nn.functional, f"conv_transpose{dims}d")
        # PyTorch refuses where either its shape function (meta tensors) or its CPU kernel
        # does: on CPU, groups > 1 lets an output size of 0 through as an empty tensor, and
        # the meta function does not check output_padding; symconv refuses both
        theirs = None
        try:
            for device in ("meta", "cpu"):
                y = fn(torch.zeros(1, cin, *sizes, device=device),
                       torch.zeros(cin, max(cout // G, 1), *K, device=device), None, s, p, op,
                       G, d)
            theirs = tuple(y.shape[2:])
            if cout % G:
                theirs = None  # the module refuses groups not dividing out_channels
        except RuntimeError:
            theirs = None
        assert (mine is None) == (theirs is None), repr((dims, sizes, K, s, p, op, d, G, cin, cout))
        if mine is not None:
            assert mine["output_size"] == theirs
            accepted += 1
        else:
            refused += 1
    assert accepted > 50 and refused > 50
