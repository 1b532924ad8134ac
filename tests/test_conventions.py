"""Counting conventions of other tools: expressions, proven relations, refutation, CLI."""

import json
import random
import re

import pytest
import sympy as sp

import symconv
from symconv import conv1d as m
from symconv import conventions as cv
from symconv.cli import main
from symconv.symbols import C_out, L_out, N


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


EVAL = ("eval", "conv1d", "--batch-size", "8", "--in-channels", "16", "--out-channels", "32",
        "--input-length", "100", "--kernel-size", "3")


def test_expressions_are_built_from_the_core_model():
    assert cv.get("symconv").expr == m.OPS
    assert cv.get("macs").expr == m.MACS
    assert cv.get("torch").expr == 2 * m.MACS
    assert cv.get("fvcore").expr == m.MACS
    assert cv.get("thop").expr == m.MACS
    assert cv.get("ptflops").expr == m.MACS + m.BIAS * m.BIAS_ADDITIONS
    assert cv.get("deepspeed").expr == 2 * m.MACS + m.BIAS * m.BIAS_ADDITIONS
    assert cv.get("calflops") is cv.get("deepspeed")
    assert cv.get("moduleprofiler") is cv.get("symconv")


def test_every_convention_documents_itself():
    names = [c.name for c in cv.CONVENTIONS]
    assert len(set(names)) == len(names)
    assert names[0] == "symconv"
    for c in cv.CONVENTIONS:
        assert c.description and c.source and c.tool and c.unit
        assert c.bias in ("counted", "ignored")
        assert c.scope in ("batch", "sample")
        # free symbols: only the layer's own
        assert c.expr.free_symbols <= {N, m.C_in, C_out, L_out, m.K, m.G, m.BIAS}
        # bias ignored <=> the expression does not depend on b
        assert (m.BIAS in c.expr.free_symbols) == (c.bias == "counted")


def test_every_convention_is_an_integer():
    for c in cv.CONVENTIONS:
        assert symconv.prove_integer(c.expr, name=c.name), c.name


def test_unknown_convention_is_refused():
    with pytest.raises(ValueError, match="convention must be one of"):
        cv.get("flops")


def test_every_relation_is_proved():
    results = cv.prove_relations(samples=100)
    assert len(results) == len(cv.RELATIONS) >= 20
    for r, res in zip(cv.RELATIONS, results):
        assert res.holds, (r.name, res.describe())
        assert res.residual == 0
        assert "cancel" in res.method


def test_the_issue_relations_are_among_them():
    texts = {(cv.relation_text(r), r.condition) for r in cv.RELATIONS}
    assert ("Conv1d_ops = torch", "bias") in texts
    assert ("Conv1d_ops = torch - C_out·L_out·N", "no bias") in texts
    assert ("torch = 2·macs", "") in texts


@pytest.mark.parametrize("wrong", [
    # ops = torch only with bias: without the condition it must be refuted at b = 0
    cv.Relation("ops = torch (unconditional)", "wrong", cv.get("symconv").symbol,
                cv.get("torch").symbol),
    # thop is not half of torch's count plus the bias
    cv.Relation("thop = torch/2 + bias", "wrong", cv.get("thop").symbol,
                cv.get("torch").symbol / 2 + m.BIAS_ADDITIONS),
    # the per-sample count is not the batch count
    cv.Relation("ptflops-sample = ptflops", "wrong", cv.get("ptflops-sample").symbol,
                cv.get("ptflops").symbol),
    cv.Relation("ops = torch (no bias)", "wrong", cv.get("symconv").symbol,
                cv.get("torch").symbol, "no bias"),
])
def test_a_wrong_relation_is_refuted_with_a_counterexample(wrong):
    res = cv.prove_relation(wrong)
    assert not res.holds
    assert res.residual != 0
    assert res.counterexample is not None
    lhs, rhs = res.counterexample_values
    assert lhs != rhs


def test_the_unconditional_torch_relation_fails_exactly_without_bias():
    res = cv.prove_relation(cv.Relation("x", "", cv.get("symconv").symbol, cv.get("torch").symbol))
    assert res.counterexample["b"] == 0
    assert sp.expand(res.residual + (1 - m.BIAS) * m.BIAS_ADDITIONS) == 0


def test_counts_for_the_readme_layer():
    values = cv.counts(8, 16, 32, 100, 3)
    macs = 8 * 32 * 98 * 3 * 16
    assert values == {"symconv": 2 * macs, "macs": macs, "torch": 2 * macs, "fvcore": macs,
                      "thop": macs, "ptflops": macs + 8 * 32 * 98,
                      "ptflops-sample": (macs + 8 * 32 * 98) // 8,
                      "deepspeed": 2 * macs + 8 * 32 * 98}
    assert values["symconv"] == symconv.conv1d_ops(8, 16, 32, 100, 3)


def test_unbatched_counts_as_one():
    assert cv.counts(None, 4, 6, 50, 5, groups=2) == cv.counts(1, 4, 6, 50, 5, groups=2)


def test_invalid_layer_names_the_parameter():
    with pytest.raises(ValueError, match="groups"):
        cv.count("torch", 1, 3, 4, 10, 3, groups=2)


def _random_layer(rng):
    g = rng.randint(1, 4)
    return dict(batch_size=rng.choice([None, 1, 2, 7]), in_channels=g * rng.randint(1, 5),
                out_channels=g * rng.randint(1, 5), input_length=rng.randint(20, 200),
                kernel_size=rng.randint(1, 7), stride=rng.randint(1, 3),
                padding=rng.randint(0, 3), dilation=rng.randint(1, 3), groups=g,
                bias=rng.random() < 0.5)


def test_convert_between_every_pair_of_conventions():
    rng = random.Random(5)
    for _ in range(40):
        layer = _random_layer(rng)
        values = cv.counts(**layer)
        length = symconv.conv1d_output_length(layer["input_length"], layer["kernel_size"],
                                              layer["stride"], layer["padding"], layer["dilation"])
        for src in values:
            for dst in values:
                got = cv.convert(values[src], src, dst, batch_size=layer["batch_size"],
                                 out_channels=layer["out_channels"], output_length=length,
                                 bias=layer["bias"])
                assert got == values[dst], (src, dst, layer)


def test_to_ops_is_the_relation_to_symconv():
    assert cv.to_ops("torch") == cv.get("torch").symbol - (1 - m.BIAS) * m.BIAS_ADDITIONS


def test_text_uses_the_unicode_names():
    assert cv.text(cv.get("macs").expr) == "C_in·C_out·K·L_out·N/G"


# --- command line ------------------------------------------------------------------------

def test_cli_eval_all_conventions(capsys):
    code, out, _ = run(capsys, *EVAL, "--convention", "all")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "L_out = 98"
    values = cv.counts(8, 16, 32, 100, 3)
    for c, line in zip(cv.CONVENTIONS, lines[1:]):
        assert line.split()[0] == c.name
        assert f"{values[c.name]:,}" in line
        assert c.tool in line
    assert len(lines) == 1 + len(cv.CONVENTIONS)


def test_cli_eval_one_convention_by_alias(capsys):
    code, out, _ = run(capsys, *EVAL, "--convention", "calflops", "--no-bias")
    assert code == 0
    assert out.splitlines()[1].startswith("deepspeed")
    assert f"{cv.count('deepspeed', 8, 16, 32, 100, 3, bias=False):,}" in out


def test_cli_eval_convention_json(capsys):
    code, out, _ = run(capsys, *EVAL, "--convention", "all", "--json")
    data = json.loads(out)
    assert code == 0
    assert {c["convention"]["name"]: c["count"] for c in data["counts"]} == cv.counts(8, 16, 32, 100, 3)


def test_cli_eval_unknown_convention_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main([*EVAL, "--convention", "gflops"])
    assert exc.value.code == 2
    assert "convention must be 'all' or one of" in capsys.readouterr().err


def test_cli_eval_without_convention_is_unchanged(capsys):
    code, out, _ = run(capsys, *EVAL)
    assert out.splitlines()[1].startswith("ops   = 2,408,448")


def test_cli_conventions_table(capsys):
    code, out, _ = run(capsys, "conventions", "--samples", "20")
    assert code == 0
    for c in cv.CONVENTIONS:
        assert c.name in out and c.source in out
    assert "FAILS" not in out
    assert out.count("holds") == len(cv.RELATIONS)


def test_cli_conventions_markdown_and_json(capsys):
    code, md, _ = run(capsys, "conventions", "--markdown", "--samples", "20")
    assert code == 0 and md.startswith("| convention |")
    code, js, _ = run(capsys, "conventions", "--json", "--samples", "20")
    data = json.loads(js)
    assert [c["name"] for c in data["conventions"]] == [c.name for c in cv.CONVENTIONS]
    assert all(r["holds"] for r in data["relations"])


def test_readme_states_the_conventions_table_as_printed():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert cv.render_markdown(cv.prove_relations(samples=20)) in readme, \
        "README's conventions table is stale: paste `symconv conventions --markdown`"


def test_cli_conventions_exits_1_when_a_relation_fails(capsys, monkeypatch):
    wrong = cv.Relation("ops = torch (wrong)", "", cv.get("symconv").symbol, cv.get("torch").symbol)
    monkeypatch.setattr(cv, "RELATIONS", cv.RELATIONS + (wrong,))
    code, out, _ = run(capsys, "conventions", "--samples", "20")
    assert code == 1
    assert "FAILS" in out and "counterexample" in out


from hypothesis import given, settings, strategies as st  # noqa: E402


@st.composite
def layers(draw):
    g = draw(st.integers(1, 8))
    kernel, dilation = draw(st.integers(1, 9)), draw(st.integers(1, 4))
    length = draw(st.integers(dilation * (kernel - 1) + 1, 5000))
    same = draw(st.booleans())
    return dict(batch_size=draw(st.one_of(st.none(), st.integers(1, 64))),
                in_channels=g * draw(st.integers(1, 16)), out_channels=g * draw(st.integers(1, 16)),
                input_length=length, kernel_size=kernel,
                stride=1 if same else draw(st.integers(1, 5)),
                padding="same" if same else draw(st.integers(0, 4)),
                dilation=dilation, groups=g, bias=draw(st.booleans()))


@settings(max_examples=150, deadline=None)
@given(layers())
def test_property_every_convention_converts_to_every_other(layer):
    values = cv.counts(**layer)
    assert values["symconv"] == symconv.conv1d_ops(**layer)
    length = symconv.conv1d_output_length(layer["input_length"], layer["kernel_size"],
                                          layer["stride"], layer["padding"], layer["dilation"])
    for src in ("torch", "fvcore", "ptflops-sample", "deepspeed"):
        for dst in values:
            assert cv.convert(values[src], src, dst, batch_size=layer["batch_size"],
                              out_channels=layer["out_channels"], output_length=length,
                              bias=layer["bias"]) == values[dst]


# --- every registered layer ----------------------------------------------------------------

from symconv.registry import LAYERS, get as get_layer  # noqa: E402

from _helpers import FORWARD, api_params, layer_names, output_size  # noqa: E402

# The transposed convolutions have their own conventions and relations (scatter products,
# FlopCounterMode over the input): tests/test_convtranspose_layer.py.
_FORWARD_ONLY = "a transposed convolution's conventions: tests/test_convtranspose_layer.py"


@pytest.mark.layers(where=FORWARD, reason=_FORWARD_ONLY)
@pytest.mark.parametrize("layer", layer_names(FORWARD))
def test_relations_hold_for_every_layer(layer):
    spec = get_layer(layer)
    rels = cv.relations(layer)
    # the same relations, named in the layer's words (H_out W_out for L_out)
    words = " ".join(cv.layer_words(layer)["out"].split("·"))
    assert [(r.name, r.condition) for r in rels] == [(r.name.replace("L_out", words), r.condition)
                                                     for r in cv.RELATIONS]
    assert all(r.layer == layer for r in rels)
    results = cv.prove_relations(layer=layer, samples=60)
    assert len(results) == len(rels)
    allowed = set().union(*(sp.sympify(e).free_symbols for e in spec.quantities.values()))
    for r, res in zip(rels, results):
        assert res.holds, (layer, r.name, res.describe())
        assert res.residual == 0 and "cancel" in res.method
        lhs, rhs = r.expanded()
        # stated over the layer's own quantities: no other layer's symbol slips in
        assert (lhs.free_symbols | rhs.free_symbols) <= allowed, (layer, r.name)
    assert cv.relations(get_layer(layer)) is cv.relations(layer)


def test_layer_relations_read_in_the_layer_s_notation():
    texts = {(cv.relation_text(r), r.condition) for r in cv.relations("conv2d")}
    assert ("Conv2d_ops = torch", "bias") in texts
    assert ("Conv2d_ops = torch - C_out·H_out·N·W_out", "no bias") in texts
    assert ("deepspeed = torch + C_out·D_out·H_out·N·W_out·b", "") in \
        {(cv.relation_text(r), r.condition) for r in cv.relations("conv3d")}
    assert cv.ops_symbol("conv1d") == cv.get("symconv").symbol
    assert cv.ops_symbol("conv3d").name == "Conv3d_ops"


@pytest.mark.layers(where=lambda spec: spec.name != "conv1d" and FORWARD(spec),
                    reason="the third wrong relation is Conv1d's own, true there; "
                           + _FORWARD_ONLY)
def test_a_wrong_layer_relation_is_refuted(layer):
    spec = get_layer(layer)
    own, torch_ = cv.ops_symbol(layer), cv.get("torch").symbol
    ba = spec.quantities["bias_additions"]
    wrong = [
        cv.Relation("ops = torch", "wrong without bias", own, torch_, "", layer),
        cv.Relation("ops = torch (no bias)", "wrong", own, torch_, "no bias", layer),
        # Conv1d's bias additions are not this layer's
        cv.Relation("ops = torch - (1-b) N C_out L_out", "wrong", own,
                    cv.to_ops("torch"), "", layer),
        cv.Relation("thop = torch/2 + bias", "wrong", cv.get("thop").symbol, torch_ / 2 + ba,
                    "", layer),
    ]
    for relation in wrong:
        res = cv.prove_relation(relation, samples=60)
        assert not res.holds, relation.name
        assert res.counterexample is not None, relation.name
        lhs, rhs = res.counterexample_values
        assert lhs != rhs
    res = cv.prove_relation(wrong[0], samples=60)
    assert res.counterexample["b"] == 0


@pytest.mark.layers(where=FORWARD, reason=_FORWARD_ONLY)
def test_layer_relations_hold_between_the_api_s_numbers(layer):
    """Each relation, with every tool's number from symconv.count and the layer's values."""
    spec = get_layer(layer)
    rng = random.Random(layer)
    for _ in range(25):
        g = rng.randint(1, 3)
        params = dict(batch_size=rng.choice([None, 1, 3]), in_channels=g * rng.randint(1, 4),
                      out_channels=g * rng.randint(1, 4),
                      input_size=tuple(rng.randint(8, 30) for _ in spec.axes),
                      kernel_size=tuple(rng.randint(1, 3) for _ in spec.axes),
                      stride=rng.randint(1, 2), padding=rng.randint(0, 2), groups=g,
                      bias=rng.random() < 0.5)
        sizes = output_size(layer, **{k: params[k] for k in ("input_size", "kernel_size",
                                                             "stride", "padding")})
        params = api_params(spec, params)
        point = {cv.N: 1 if params["batch_size"] is None else params["batch_size"],
                 m.C_out: params["out_channels"], m.BIAS: int(params["bias"]),
                 cv.ops_symbol(layer): symconv.count(layer, **params)}
        point.update(zip(spec.output_sizes, sizes))
        point.update({c.symbol: symconv.count(layer, convention=c.name, **params)
                      for c in cv.CONVENTIONS[1:]})
        for r in cv.relations(layer):
            if r.condition and (r.condition == "bias") != params["bias"]:
                continue
            subs = {k: sp.Integer(v) for k, v in point.items()}
            assert r.lhs.xreplace(subs) == r.rhs.xreplace(subs), (layer, r.name, params)


def test_cli_conventions_for_one_layer(capsys):
    code, out, _ = run(capsys, "conventions", "--layer", "conv2d", "--samples", "20")
    assert code == 0
    assert out.startswith("Conv2d counting conventions")
    assert out.count("holds") == len(cv.relations("conv2d")) and "FAILS" not in out
    assert "Conv2d_ops = torch - C_out·H_out·N·W_out   [no bias]" in out
    assert "L_out" not in out.split("Relations")[1]
    code, md, _ = run(capsys, "conventions", "--layer", "conv3d", "--markdown", "--samples", "20")
    assert code == 0 and md == cv.render_markdown(cv.prove_relations(layer="conv3d", samples=20),
                                                  layer="conv3d")
    code, js, _ = run(capsys, "conventions", "--layer", "conv2d", "--json", "--samples", "20")
    data = json.loads(js)
    assert data["layer"] == "conv2d"
    assert [r["relation"] for r in data["relations"]] == \
        [cv.relation_text(r) for r in cv.relations("conv2d")]
    expr = {c["name"]: c["expression"] for c in data["conventions"]}
    assert expr["torch"] == str(cv.layer_expression("torch", "conv2d"))


def test_cli_conventions_default_is_conv1d_and_all_is_every_layer(capsys):
    _, default, _ = run(capsys, "conventions", "--samples", "10")
    _, conv1d, _ = run(capsys, "conventions", "--layer", "conv1d", "--samples", "10")
    assert default == conv1d == cv.render_table(cv.prove_relations(samples=10))
    code, out, _ = run(capsys, "conventions", "--layer", "all", "--samples", "10")
    assert code == 0
    assert [line for line in out.splitlines() if "counting conventions" in line] == \
        [f"{s.title} counting conventions (b = 1 with bias, 0 without; N = 1 for unbatched input)"
         for s in LAYERS.values()]
    assert out.count("holds") == sum(len(cv.relations(n)) for n in LAYERS)
    code, js, _ = run(capsys, "conventions", "--layer", "all", "--json", "--samples", "10")
    assert [obj["layer"] for obj in json.loads(js)["layers"]] == list(LAYERS)


def test_cli_conventions_bad_layer_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["conventions", "--layer", "conv4d"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and len(err.strip().splitlines()) == 1
    assert "--layer" in err and "conv4d" in err and "conv2d" in err


def test_cli_conventions_exits_1_when_a_layer_relation_fails(capsys, monkeypatch):
    own, torch_ = cv.ops_symbol("conv2d"), cv.get("torch").symbol
    wrong = cv.Relation("ops = torch (wrong)", "", own, torch_, "", "conv2d")
    monkeypatch.setitem(cv._RELATIONS_BY_LAYER, "conv2d", cv.relations("conv2d") + (wrong,))
    code, out, _ = run(capsys, "conventions", "--layer", "all", "--samples", "20")
    assert code == 1
    assert out.count("FAILS") == 1 and "counterexample" in out


# --- issue 9: every text of a layer's conventions is in that layer's words ---------------------

_CONV1D_ONLY = re.compile(r"\bL_in\b|\bL_out\b|input_length|L_{\\text|\bConv1d\b")


@pytest.mark.layers(where=lambda spec: spec.name != "conv1d" and FORWARD(spec),
                    reason="Conv1d's words are its own; " + _FORWARD_ONLY)
@pytest.mark.parametrize("layer", layer_names(lambda spec: spec.name != "conv1d"
                                              and FORWARD(spec)))
def test_conventions_of_a_layer_speak_of_that_layer_only(layer, capsys):
    """Regression: conv2d's descriptions and sources spoke of L_out and L_in (with a note
    saying how to read them)."""
    spec = get_layer(layer)
    assert main(["conventions", "--layer", layer, "--samples", "5"]) == 0
    table = capsys.readouterr().out
    assert main(["conventions", "--layer", layer, "--samples", "5", "--json"]) == 0
    data = capsys.readouterr().out
    assert main(["conventions", "--layer", layer, "--samples", "5", "--markdown"]) == 0
    markdown = capsys.readouterr().out
    args = ["eval", layer, "--batch-size", "2", "--in-channels", "4", "--out-channels", "4",
            "--input-size", *(["9"] * spec.dims), "--kernel-size", "3", "--json",
            "--convention", "all"]
    assert main(args) == 0
    evaluated = capsys.readouterr().out
    for text in (table, data, markdown, evaluated):
        assert not _CONV1D_ONLY.search(text), (layer, _CONV1D_ONLY.search(text).group())
    outs = "·".join(spec.notation[x].unicode for x in spec.output_sizes)
    for c in cv.CONVENTIONS:
        assert c.description_for(layer) in table and c.source_for(layer) in table
    assert f"N·C_out·{outs} outputs" in table and outs in cv.get("deepspeed").source_for(layer)
    # the relations shown are the layer's own, as proven for it
    shown = [line.split(None, 1)[1] for line in table.split("Relations")[1].splitlines()[1:]
             if line.strip()]
    rels = cv.relations(layer)
    assert shown == [cv.relation_text(r) + (f"   [{r.condition}]" if r.condition else "")
                     for r in rels]
    parsed = json.loads(data)["relations"]
    assert [r["relation"] for r in parsed] == [cv.relation_text(r) for r in rels]
    assert all(r["holds"] for r in parsed)
    symbols = {str(x) for x in spec.output_sizes}
    for r in rels:
        lhs, rhs = r.expanded()
        assert {str(x) for x in (lhs - rhs).free_symbols} & {"L_out", "L_in", "K"} == set()
        assert symbols <= {str(x) for x in (lhs.free_symbols | rhs.free_symbols)} or \
            r.name.startswith(("torch =", "fvcore =", "thop =", "ptflops = N"))


def test_conv1d_conventions_keep_their_words():
    """Conv1d's descriptions and sources are what they were (the Conv1d wording of each)."""
    for c in cv.CONVENTIONS:
        assert c.description_for("conv1d") == c.description
        assert c.source_for("conv1d") == c.source
    deepspeed = cv.get("deepspeed")
    assert ("calflops 0.3.2 computes L_out itself: with padding='same' and d·(K-1) odd it "
            "counts L_in - 1 output positions") in deepspeed.description
    assert cv.get("macs").source == ("definition: N·C_out·L_out outputs, each a sum of "
                                     "K·C_in/G products")
    assert [r.name for r in cv.RELATIONS if "ptflops = MACs" in r.name] == [
        "ptflops = MACs + b N C_out L_out"]
