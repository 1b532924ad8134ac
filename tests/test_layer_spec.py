"""The layer specification and registry (issue 9): every layer's claims are proved,
a wrong claim is refuted, and Conv2d/Conv3d reduce to Conv1d's expressions."""

import random

import pytest
import sympy as sp

from symconv import conv1d as c1
from symconv.convnd import BIAS, build
from symconv.proof import prove, prove_layer, run_check, sample_point
from symconv.registry import LAYERS, get
from symconv.symbols import C_in, C_out, G, K, L_in, L_out, N, d, p, s

from _helpers import LAYER_NAMES


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_claim_of_every_layer_holds(name):
    results = prove_layer(name, samples=40)
    spec = get(name)
    claims = len(spec.identities) + len(spec.integrality)
    checks = [r for check in spec.checks for r in run_check(check, 40, 0)]
    assert len(results) == claims + len(checks) and claims >= 19
    assert all(r.holds for r in results), [r.describe() for r in results if not r.holds]
    # identities and integrality under the layer's assumptions; a check states its own
    assert all(r.assumptions == spec.assumptions() for r in results[:claims])
    assert all(r.assumptions for r in results[claims:])


def test_a_wrong_nd_claim_is_refuted_with_a_counterexample():
    spec = get("conv2d")
    q = spec.quantities
    k_h, k_w = spec.parameter("kernel_size").symbols
    wrong = q["ops_bias"].xreplace({k_w: 1})  # forgets the second kernel dimension
    r = prove(q["ops_bias"], wrong, sampler=spec.sampler, samples=20)
    assert not r.holds and r.counterexample is not None
    point = {sp.Symbol(k, integer=True, positive=True): v for k, v in r.counterexample.items()}
    lhs, rhs = r.counterexample_values
    assert lhs != rhs


def test_sampler_respects_divisibility_and_padding():
    spec = get("conv3d")
    rng = random.Random(1)
    pads = spec.parameter("padding").symbols
    seen_zero = False
    for _ in range(300):
        pt = sample_point(spec.positive_symbols() + pads + (BIAS,), rng, sampler=spec.sampler)
        assert pt[C_in] % pt[G] == 0 and pt[C_out] % pt[G] == 0
        assert all(pt[x] >= 0 for x in pads) and pt[BIAS] in (0, 1)
        assert all(pt[x] >= 1 for x in spec.positive_symbols())
        seen_zero |= any(pt[x] == 0 for x in pads)
    assert seen_zero


def test_one_axis_reduces_to_conv1d():
    """build() over one axis states exactly Conv1d's expressions (after renaming)."""
    one = build("conv_l", "ConvL", "torch.nn.Conv1d", ("L",))
    from symconv.convnd import axis_symbols
    ax = axis_symbols("L")
    rename = {ax["in"]: L_in, ax["out"]: L_out, ax["kernel"]: K, ax["stride"]: s,
              ax["padding"]: p, ax["dilation"]: d}
    for key, ref in (("ops", c1.OPS), ("macs", c1.MACS), ("parameters", c1.PARAMETERS),
                     ("summary_bias", c1.SUMMARY_BIAS), ("summary_no_bias", c1.SUMMARY_NO_BIAS)):
        assert sp.cancel(one.quantities[key].xreplace(rename) - ref) == 0, key
    assert sp.simplify(one.output_size[0].xreplace(rename) - c1.L_OUT) == 0


def test_conv2d_documented_forms():
    """The two summary forms of the reference's Conv2d page, typed here independently."""
    spec = get("conv2d")
    h, w = spec.output_sizes
    k0, k1 = spec.parameter("kernel_size").symbols
    bias_form = N * (C_in * C_out * h * w * 2 * k0 * k1 / G)
    no_bias_form = N * (C_out * h * w * (C_in * 2 * k0 * k1 - G) / G)
    assert sp.cancel(spec.quantities["ops_bias"] - bias_form) == 0
    assert sp.cancel(spec.quantities["ops_no_bias"] - no_bias_form) == 0


def test_registry_refuses_unknown_layers():
    with pytest.raises(ValueError, match="layer must be one of conv1d, conv2d, conv3d"):
        get("conv4d")


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_cli_derives_and_proves_every_layer(name, capsys):
    from symconv.cli import main
    spec = get(name)
    assert main(["derive", name]) == 0
    out = capsys.readouterr().out
    assert f"Derivation of the {name} operation count" in out
    for axis in spec.axes:
        assert f"{axis}ₒᵤₜ =" in out  # one output-size step per dimension
    assert f"{spec.title}_ops" in out or f"{spec.title}ₒₚₛ" in out
    assert main(["prove", name, "--samples", "10", "--json"]) == 0
    import json
    data = json.loads(capsys.readouterr().out)
    assert data["layer"] == name and data["assumptions"] == list(spec.assumptions())
    checks = sum(len(run_check(check, 10, 0)) for check in spec.checks)
    assert len(data["results"]) == len(spec.identities) + len(spec.integrality) + checks
    assert all(r["holds"] for r in data["results"])


def test_cli_prove_exits_1_on_a_wrong_nd_identity(capsys, monkeypatch):
    import dataclasses
    from symconv import registry
    from symconv.cli import main
    from symconv.spec import Identity
    spec = get("conv2d")
    bad = Identity("wrong", "bias = MACs", spec.quantities["ops_bias"], spec.quantities["macs"])
    monkeypatch.setitem(registry.LAYERS, "conv2d",
                        dataclasses.replace(spec, identities=spec.identities + (bad,)))
    assert main(["prove", "conv2d", "--samples", "10"]) == 1
    out = capsys.readouterr().out
    assert "FAILS  wrong" in out and "counterexample" in out


def test_codegen_refuses_an_unknown_layer(capsys):
    from symconv.cli import main
    with pytest.raises(SystemExit) as exc:
        main(["codegen", "conv4d", "--lang", "python"])
    assert exc.value.code == 2
    assert "invalid choice: 'conv4d'" in capsys.readouterr().err
