"""The formula against real arithmetic: :mod:`symconv.reference` counts every
``*`` and ``+`` of a direct Conv1d, and the count must equal
:func:`symconv.conv1d_ops` — over a deterministic sweep, in a property test,
and (where torch is installed) with the numbers matching
``torch.nn.functional.conv1d``.
"""

from __future__ import annotations

import itertools
import re
from fractions import Fraction
from typing import Any, NamedTuple

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv import conv1d as model
from symconv.reference import OpCounts, conv1d, count_conv1d_ops, random_operands
from symconv.symbols import C_in, C_out, G, K, L_out, N


class Config(NamedTuple):
    """One Conv1d configuration, in the parameter order of ``symconv.conv1d_ops``."""

    batch_size: int | None
    in_channels: int
    out_channels: int
    input_length: int
    kernel_size: int
    stride: int = 1
    padding: int | str = 0
    dilation: int = 1
    groups: int = 1
    bias: bool = True

    def kwargs(self) -> dict[str, Any]:
        return self._asdict()


def _fits(cfg: Config) -> bool:
    """True when the dilated kernel fits in the padded input (or padding is 'same')."""
    if cfg.padding == "same":
        return True
    pad = 0 if cfg.padding == "valid" else cfg.padding
    return cfg.dilation * (cfg.kernel_size - 1) + 1 <= cfg.input_length + 2 * pad


# (C_in, C_out, G): ordinary, G = C_in = C_out (depthwise), depthwise with a
# channel multiplier (G = C_in, C_out = 2 C_in), grouped, single channel.
_CHANNELS = ((1, 1, 1), (2, 3, 1), (3, 2, 1), (2, 2, 2), (4, 4, 4), (3, 6, 3),
             (4, 6, 2), (6, 4, 2))
_KERNELS = (1, 2, 3, 4)
_DILATIONS = (1, 2, 3)
_PADDINGS: tuple[int | str, ...] = (0, 1, 3, "valid", "same")
_STRIDES = (1, 2, 5)          # 5 > every kernel size and most dilated spans
_LENGTHS = (1, 4, 7, 10)
_BATCHES = (None, 1, 2, 3)    # None: unbatched input


def _sweep() -> tuple[Config, ...]:
    """Deterministic sweep: the full product of channels × K × d × padding × stride,
    with input length, batch size and bias cycled through with co-prime periods.

    An input length too short for the dilated kernel is raised to the smallest
    valid one (the kernel then exactly fits — an edge case worth having).
    'same' is only kept with stride 1 (PyTorch's rule).
    """
    configs = []
    product = itertools.product(_CHANNELS, _KERNELS, _DILATIONS, _PADDINGS, _STRIDES)
    for i, ((cin, cout, g), k, d, pad, s) in enumerate(product):
        if pad == "same" and s != 1:
            continue
        length = _LENGTHS[i % len(_LENGTHS)]
        if pad != "same":
            numeric = 0 if pad == "valid" else pad
            length = max(length, d * (k - 1) + 1 - 2 * numeric)
        cfg = Config(_BATCHES[(i // 3) % len(_BATCHES)], cin, cout, length, k, s, pad, d, g,
                     bias=(i % 7) not in (0, 3, 5))
        assert _fits(cfg), cfg
        configs.append(cfg)
    return tuple(configs)


#: Every configuration the sweep checks.
SWEEP: tuple[Config, ...] = _sweep()
#: How many configurations the sweep checks (reported; must stay >= 500).
SWEEP_SIZE = len(SWEEP)

#: Examples the hypothesis property test runs.
HYPOTHESIS_EXAMPLES = 500


def _formula_macs(cfg: Config) -> int:
    """MACs from :data:`symconv.conv1d.MACS`, evaluated exactly with SymPy Integers."""
    length = symconv.conv1d_output_length(cfg.input_length, cfg.kernel_size, cfg.stride,
                                          cfg.padding, cfg.dilation)
    value = model.MACS.xreplace({
        N: sp.Integer(1 if cfg.batch_size is None else cfg.batch_size),
        C_in: sp.Integer(cfg.in_channels), C_out: sp.Integer(cfg.out_channels),
        L_out: sp.Integer(length), K: sp.Integer(cfg.kernel_size), G: sp.Integer(cfg.groups),
    })
    assert value.is_Integer, (cfg, value)
    return int(value)


def _run(cfg: Config, seed: int = 0) -> tuple[list[Any], OpCounts, tuple]:
    """Run the reference on random integer operands for ``cfg``."""
    x, w, b = random_operands(cfg.batch_size, cfg.in_channels, cfg.out_channels,
                              cfg.input_length, cfg.kernel_size, cfg.groups, cfg.bias, seed)
    out, counts = conv1d(x, w, b, cfg.stride, cfg.padding, cfg.dilation, cfg.groups)
    return out, counts, (x, w, b)


def _out_shape(out: list[Any], batched: bool) -> tuple[int, ...]:
    if batched:
        return (len(out), len(out[0]), len(out[0][0]))
    return (len(out), len(out[0]))


# --- the sweep ----------------------------------------------------------------------

def test_sweep_is_large_and_covers_the_edge_cases() -> None:
    assert SWEEP_SIZE >= 500, SWEEP_SIZE
    assert len(set(SWEEP)) == SWEEP_SIZE
    has = {
        "depthwise G = C_in": any(c.groups == c.in_channels > 1 for c in SWEEP),
        "G = C_in = C_out": any(c.groups == c.in_channels == c.out_channels > 1 for c in SWEEP),
        "grouped 1 < G < C_in": any(1 < c.groups < c.in_channels for c in SWEEP),
        "K = 1": any(c.kernel_size == 1 for c in SWEEP),
        "stride > K": any(c.stride > c.kernel_size for c in SWEEP),
        "stride > dilated span": any(c.stride > c.dilation * (c.kernel_size - 1) + 1 for c in SWEEP),
        "padding > 0": any(isinstance(c.padding, int) and c.padding > 0 for c in SWEEP),
        "padding > dilated span": any(isinstance(c.padding, int)
                                      and c.padding > c.dilation * (c.kernel_size - 1) for c in SWEEP),
        "'valid'": any(c.padding == "valid" for c in SWEEP),
        "'same', d(K-1) even > 0": any(c.padding == "same" and c.dilation * (c.kernel_size - 1) % 2 == 0
                                       and c.kernel_size > 1 for c in SWEEP),
        "'same', d(K-1) odd": any(c.padding == "same" and c.dilation * (c.kernel_size - 1) % 2
                                  for c in SWEEP),
        "'same', odd d(K-1) with d > 1": any(c.padding == "same" and c.dilation > 1
                                             and c.dilation * (c.kernel_size - 1) % 2 for c in SWEEP),
        "'same' shorter than the kernel": any(c.padding == "same"
                                              and c.input_length < c.dilation * (c.kernel_size - 1) + 1
                                              for c in SWEEP),
        "dilation > 1": any(c.dilation > 1 for c in SWEEP),
        "kernel exactly fits": any(c.padding != "same" and c.dilation * (c.kernel_size - 1) + 1
                                   == c.input_length + 2 * (0 if c.padding == "valid" else c.padding)
                                   and c.kernel_size > 1 for c in SWEEP),
        "bias": any(c.bias for c in SWEEP),
        "no bias": any(not c.bias for c in SWEEP),
        "unbatched": any(c.batch_size is None for c in SWEEP),
        "batch > 1": any((c.batch_size or 1) > 1 for c in SWEEP),
        "L_in = 1": any(c.input_length == 1 for c in SWEEP),
    }
    missing = [name for name, present in has.items() if not present]
    assert not missing, f"sweep misses: {missing}"


def test_sweep_count_equals_formula() -> None:
    """Counted ``*`` + ``+`` equal ``conv1d_ops`` for every sweep configuration;
    multiplications equal MACs and additions equal ops − MACs."""
    for cfg in SWEEP:
        out, counts, _ = _run(cfg)
        formula = symconv.conv1d_ops(**cfg.kwargs())
        macs = _formula_macs(cfg)
        assert counts.total == formula, (
            f"{cfg}: counted {counts.total} ({counts}) but conv1d_ops = {formula}")
        assert counts.multiplications == macs, (
            f"{cfg}: counted {counts.multiplications} multiplications but MACs = {macs}")
        assert counts.additions == formula - macs, (
            f"{cfg}: counted {counts.additions} additions but ops - MACs = {formula - macs}")
        length = symconv.conv1d_output_length(cfg.input_length, cfg.kernel_size, cfg.stride,
                                              cfg.padding, cfg.dilation)
        batched = cfg.batch_size is not None
        expected = ((cfg.batch_size,) if batched else ()) + (cfg.out_channels, length)
        assert _out_shape(out, batched) == expected, f"{cfg}: output shape"


def test_count_conv1d_ops_matches_formula_on_the_sweep_sample() -> None:
    for cfg in SWEEP[::25]:
        assert count_conv1d_ops(**cfg.kwargs(), seed=7) == symconv.conv1d_ops(**cfg.kwargs()), cfg


# --- property test --------------------------------------------------------------------

@st.composite
def configs(draw: st.DrawFn) -> Config:
    """Valid configurations: G divides both channel counts, the dilated kernel fits."""
    groups = draw(st.integers(1, 3))
    cin = groups * draw(st.integers(1, 3))
    cout = groups * draw(st.integers(1, 3))
    k = draw(st.integers(1, 5))
    d = draw(st.integers(1, 3))
    padding = draw(st.one_of(st.integers(0, 4), st.sampled_from(["valid", "same"])))
    stride = 1 if padding == "same" else draw(st.integers(1, 6))
    span = d * (k - 1) + 1
    numeric = 0 if padding in ("valid", "same") else padding
    lowest = 1 if padding == "same" else max(1, span - 2 * numeric)
    length = draw(st.integers(lowest, lowest + 8))
    batch = draw(st.one_of(st.none(), st.integers(1, 3)))
    return Config(batch, cin, cout, length, k, stride, padding, d, groups, draw(st.booleans()))


@settings(max_examples=HYPOTHESIS_EXAMPLES, deadline=None)
@given(cfg=configs(), seed=st.integers(0, 2**16))
def test_property_count_and_length_equal_formula(cfg: Config, seed: int) -> None:
    out, counts, _ = _run(cfg, seed)
    assert counts.total == symconv.conv1d_ops(**cfg.kwargs()), (cfg, counts)
    length = symconv.conv1d_output_length(cfg.input_length, cfg.kernel_size, cfg.stride,
                                          cfg.padding, cfg.dilation)
    if cfg.padding == "same":
        assert length == cfg.input_length
    batched = cfg.batch_size is not None
    got = _out_shape(out, batched)
    assert got[-1] == length, (cfg, got)
    assert got[:-1] == (((cfg.batch_size,) if batched else ()) + (cfg.out_channels,)), (cfg, got)


# --- the count reflects the arithmetic: a case checked by hand ------------------------

def test_hand_checked_case() -> None:
    # C_in = C_out = N = 1, L_in = 3, K = 2, bias: L_out = 2 output elements, each
    # 2 products (2 *), 1 addition joining them, 1 bias addition → 4 * and 4 +.
    out, counts = conv1d([[[1, 2, 3]]], [[[1, 10]]], [100])
    assert out == [[[1 * 1 + 2 * 10 + 100, 2 * 1 + 3 * 10 + 100]]] == [[[121, 132]]]
    assert counts == OpCounts(multiplications=4, additions=4)
    assert counts.total == 8 == symconv.conv1d_ops(1, 1, 1, 3, 2)
    # Without bias: one addition per output element fewer.
    out, counts = conv1d([[[1, 2, 3]]], [[[1, 10]]])
    assert out == [[[21, 32]]]
    assert counts == OpCounts(multiplications=4, additions=2)
    assert counts.total == symconv.conv1d_ops(1, 1, 1, 3, 2, bias=False)


def test_padding_products_are_performed_and_counted() -> None:
    # L_in = 1, K = 3, padding = 1: the single output sees [0, x, 0]; all three
    # products happen (two with the padding zeros): 3 *, 2 +, no bias.
    out, counts = conv1d([[5]], [[[2, 3, 4]]], padding=1)
    assert out == [[15]]
    assert counts == OpCounts(multiplications=3, additions=2)
    # 'same' with d(K-1) = 1 odd: the extra zero goes on the right.
    out, counts = conv1d([[1, 2, 3]], [[[10, 1]]], padding="same")
    assert out == [[12, 23, 30]]
    assert counts == OpCounts(multiplications=6, additions=3)


def test_exact_arithmetic_with_fractions() -> None:
    x = [[Fraction(1, 3), Fraction(1, 2), Fraction(-2, 5)]]
    out, counts = conv1d(x, [[[Fraction(3), Fraction(2)]]], [Fraction(1, 7)], dilation=2)
    assert out == [[Fraction(1) + Fraction(-4, 5) + Fraction(1, 7)]]
    assert counts == OpCounts(multiplications=2, additions=2)


# --- bad input raises what the validation raises --------------------------------------

@pytest.mark.parametrize("overrides", [
    dict(stride=0),
    dict(stride=2, padding="same"),
    dict(padding=-1),
    dict(padding="full"),
    dict(dilation=1.0),
    dict(groups=True),
    dict(dilation=5),          # dilated kernel longer than the padded input
], ids=lambda o: ",".join(f"{k}={v!r}" for k, v in o.items()))
def test_bad_parameters_raise_the_validation_error(overrides: dict[str, Any]) -> None:
    params = dict(stride=1, padding=0, dilation=1, groups=1)
    params.update(overrides)
    with pytest.raises((TypeError, ValueError)) as expected:
        symconv.conv1d_ops(2, 2, 2, 5, 2, bias=True, **params)
    x, w, b = random_operands(2, 2, 2, 5, 2)
    with pytest.raises(expected.type, match=f"^{re.escape(str(expected.value))}$"):
        conv1d(x, w, b, **params)
    with pytest.raises(expected.type, match=f"^{re.escape(str(expected.value))}$"):
        count_conv1d_ops(2, 2, 2, 5, 2, **params)


def test_bad_groups_and_shapes_raise_clear_errors() -> None:
    x, w, b = random_operands(1, 4, 6, 5, 3, groups=1)
    with pytest.raises(ValueError) as expected:
        symconv.conv1d_ops(1, 4, 6, 5, 3, groups=4)
    with pytest.raises(ValueError, match=re.escape(str(expected.value))):
        conv1d(x, w, b, groups=4)
    with pytest.raises(ValueError, match="groups=2 expects input with 8 channels"):
        conv1d(x, w, b, groups=2)
    with pytest.raises(ValueError, match="bias must be 1-D of length out_channels=6"):
        conv1d(x, w, b[:5])
    with pytest.raises(ValueError, match="input is not rectangular"):
        conv1d([[[1, 2, 3], [1, 2]]], [[[1], [1]]])
    with pytest.raises(ValueError, match="input must be 2-D"):
        conv1d([1, 2, 3], [[[1]]])
    with pytest.raises(ValueError, match="input_length must be a positive integer, got 0"):
        conv1d([[]], [[[1]]])


# --- numbers match torch ------------------------------------------------------------

#: Configurations compared with ``torch.nn.functional.conv1d``.
TORCH_CONFIGS: tuple[Config, ...] = (
    Config(2, 3, 4, 9, 3),
    Config(2, 3, 4, 9, 3, bias=False),
    Config(None, 3, 4, 9, 3),
    Config(None, 2, 2, 6, 2, padding="same", bias=False),
    Config(1, 2, 3, 7, 4, padding="same"),                 # d(K-1) = 3 odd
    Config(1, 2, 3, 7, 3, padding="same"),                 # d(K-1) = 2 even
    Config(2, 2, 2, 8, 2, padding="same", dilation=3),     # d(K-1) = 3 odd, d > 1
    Config(2, 2, 2, 8, 3, padding="same", dilation=2),     # d(K-1) = 4 even, d > 1
    Config(1, 4, 4, 5, 5, padding="same", dilation=2, groups=4),  # shorter than the kernel
    Config(None, 1, 1, 1, 4, padding="same", dilation=3),
    Config(2, 4, 4, 10, 3, groups=4),                      # depthwise
    Config(2, 3, 6, 10, 3, groups=3, bias=False),          # depthwise, multiplier 2
    Config(2, 4, 6, 10, 3, groups=2),
    Config(1, 6, 4, 11, 2, stride=2, groups=2),
    Config(2, 3, 2, 12, 2, stride=5),                      # stride > K
    Config(2, 3, 2, 12, 3, stride=3, dilation=2, padding=2),
    Config(1, 2, 2, 7, 3, padding=4),                      # padding > dilated span
    Config(1, 2, 2, 3, 4, padding=1),                      # kernel exactly fits
    Config(1, 2, 2, 1, 3, padding=1, dilation=1),
    Config(3, 2, 5, 9, 1),                                 # K = 1
    Config(3, 2, 5, 9, 1, stride=4, bias=False),
    Config(2, 2, 3, 9, 3, padding="valid", dilation=4),
    Config(None, 4, 2, 8, 2, stride=3, padding=2, dilation=2, groups=2, bias=False),
    Config(None, 4, 8, 6, 3, padding="same", groups=4),
    Config(2, 1, 1, 16, 5, stride=2, padding=3, dilation=3),
    Config(1, 6, 6, 13, 4, stride=2, padding=1, dilation=2, groups=3),
    Config(1, 6, 6, 13, 4, padding="same", dilation=1, groups=6),
    Config(2, 5, 5, 11, 2, padding="same", dilation=5, groups=5, bias=False),
    Config(None, 3, 3, 4, 2, stride=6, padding=0),
    Config(1, 2, 4, 20, 3, stride=4, padding=1, dilation=2, groups=2),
    Config(4, 2, 2, 5, 5),
    Config(2, 8, 4, 7, 2, padding="valid", groups=4, bias=False),
) + SWEEP[::80]


def _torch_case(cfg: Config, seed: int):
    """Reference output and torch output (float64, from the same small integers)."""
    torch = pytest.importorskip("torch", reason="torch is needed to compare numbers")
    out, counts, (x, w, b) = _run(cfg, seed)
    tx = torch.tensor(x, dtype=torch.float64)
    tw = torch.tensor(w, dtype=torch.float64)
    tb = None if b is None else torch.tensor(b, dtype=torch.float64)
    expected = torch.nn.functional.conv1d(tx, tw, tb, stride=cfg.stride, padding=cfg.padding,
                                          dilation=cfg.dilation, groups=cfg.groups)
    return torch, torch.tensor(out, dtype=torch.float64), expected, counts


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")
@pytest.mark.parametrize("cfg", TORCH_CONFIGS, ids=[str(i) for i in range(len(TORCH_CONFIGS))])
def test_numbers_match_torch(cfg: Config) -> None:
    for seed in (0, 1):
        torch, got, expected, counts = _torch_case(cfg, seed)
        assert tuple(got.shape) == tuple(expected.shape), (cfg, got.shape, expected.shape)
        # Small integers: every sum is an exactly representable integer in float64.
        assert torch.equal(got, expected), f"{cfg}: reference {got} != torch {expected}"
        assert counts.total == symconv.conv1d_ops(**cfg.kwargs())


def test_torch_comparison_count() -> None:
    assert len(TORCH_CONFIGS) >= 36
