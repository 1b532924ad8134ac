"""Every registered forward convolution: the counting reference (real arithmetic, every
`*` and `+` counted), the generated exact evaluators and the SymPy expressions of the
layer's specification agree — on output sizes, multiplications (= MACs), additions and
the total, with and without bias."""

import random

import pytest
import sympy as sp

import symconv
from symconv import reference
from symconv.registry import get

from _helpers import api_params, output_size
from _helpers import FORWARD, FORWARD_ONLY, layer_names


def _config(rng: random.Random, dims: int) -> dict:
    groups = rng.choice([1, 1, 2, 3])
    cfg = dict(batch_size=rng.choice([None, 1, 2]), in_channels=groups * rng.randint(1, 2),
               out_channels=groups * rng.randint(1, 2), groups=groups,
               bias=rng.random() < 0.5)
    kernel = tuple(rng.randint(1, 3) for _ in range(dims))
    dilation = tuple(rng.randint(1, 2) for _ in range(dims))
    padding = rng.choice(["same", "valid", 0, 1, tuple(rng.randint(0, 2) for _ in range(dims))])
    stride = 1 if padding == "same" else tuple(rng.randint(1, 3) for _ in range(dims))
    span = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    size = tuple(sp + rng.randint(0, 4) for sp in span)
    cfg.update(input_size=size, kernel_size=kernel, stride=stride, padding=padding,
               dilation=dilation)
    return cfg


def _spec_value(spec, cfg: dict, quantity: str) -> int:
    """The spec's expression evaluated exactly (SymPy Integers) at a configuration."""
    n = spec.dims
    per = lambda v: (v,) * n if isinstance(v, int) else tuple(v)  # noqa: E731
    same = cfg["padding"] == "same"
    padding = (0,) * n if cfg["padding"] in ("same", "valid") else per(cfg["padding"])
    values = {}
    for name, value in (("input_size", per(cfg["input_size"])), ("kernel_size", per(cfg["kernel_size"])),
                        ("stride", per(cfg["stride"])), ("padding", padding),
                        ("dilation", per(cfg["dilation"]))):
        name = "input_length" if name == "input_size" and spec.name == "conv1d" else name
        values.update(zip(spec.parameter(name).symbols, value))
    values.update({spec.parameter("batch_size").symbol: cfg["batch_size"] or 1,
                   spec.parameter("in_channels").symbol: cfg["in_channels"],
                   spec.parameter("out_channels").symbol: cfg["out_channels"],
                   spec.parameter("groups").symbol: cfg["groups"], spec.bias: int(cfg["bias"])})
    expr = spec.in_input_sizes(spec.expression(quantity), same=same)
    value = expr.xreplace({k: sp.Integer(v) for k, v in values.items()})
    assert value.is_Integer, (quantity, value)
    return int(value)


#: Configurations per layer, by number of spatial dimensions (the reference's run time grows
#: with the kernel and output volume).
CONFIGS = {1: 250, 2: 150, 3: 80}


@pytest.mark.layers(where=FORWARD, reason=FORWARD_ONLY)
@pytest.mark.parametrize("name", layer_names(FORWARD))
def test_reference_evaluators_and_expressions_agree(name):
    spec = get(name)
    dims = spec.dims
    configs = CONFIGS.get(dims, 60)
    rng = random.Random(dims)
    seen = set()
    checked = 0
    for _ in range(configs):
        cfg = _config(rng, dims)
        ref = reference.count_nd(**cfg)
        params = api_params(spec, cfg)  # Conv1d's API names the length input_length
        count = symconv.count(name, **params)
        macs = symconv.count(name, convention="macs", **params)
        assert ref.total == count == _spec_value(spec, cfg, "ops"), cfg
        assert ref.multiplications == macs == _spec_value(spec, cfg, "macs"), cfg
        assert ref.additions == count - macs, cfg
        out = output_size(name, **{k: cfg[k] for k in ("input_size", "kernel_size", "stride",
                                                       "padding", "dilation")})
        assert tuple(ref.output_shape[-dims:]) == out, cfg
        checked += 1
        seen.add((cfg["padding"] if isinstance(cfg["padding"], str) else "int", cfg["bias"],
                  cfg["groups"] > 1))
    assert checked == configs >= 80
    assert len(seen) >= 10  # padding forms x bias x grouped were all exercised
