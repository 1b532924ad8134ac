"""ConvTranspose1d/2d/3d as registered layers (issue 10): specification, proofs, conventions,
API, command line, from_torch and layer tables.

The counts are compared with the counting reference (``symconv.reference_transpose``, a
transposed convolution in pure Python counting each ``*`` and ``+``), with PyTorch's output
shapes and with ``torch.utils.flop_counter.FlopCounterMode``.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import random
import time

import pytest
from pathlib import Path
import sympy as sp
import torch

import symconv
from symconv import conventions as cv
from symconv import convtranspose as ct
from symconv.cli import main
from symconv.layers import Layer, LayerSpecError
from symconv.model import parse_layers
from symconv.proof import form_result, prove_layer
from symconv.reference_transpose import count_transpose_nd
from symconv.registry import LAYERS, get, names
from symconv.spec import Identity
from symconv.torch_interop import derive_layer

from _helpers import TRANSPOSED, layer_names

_T = dict(where=TRANSPOSED, reason="the transposed convolutions' own checks")


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def random_config(rng: random.Random, dims: int, small: bool = True) -> dict:
    """A random valid configuration with holes, cropping, output_padding, dilation, groups,
    unbatched input (API parameter names; ``input_size`` a tuple also for 1-d)."""
    while True:
        g = rng.choice([1, 1, 2, 3])
        top = 4 if small else 9
        size = tuple(rng.randint(1, top) for _ in range(dims))
        kernel = tuple(rng.randint(1, 4) for _ in range(dims))
        stride = tuple(rng.randint(1, 4) for _ in range(dims))
        dilation = tuple(rng.randint(1, 3) for _ in range(dims))
        output_padding = tuple(rng.randrange(max(s, d)) for s, d in zip(stride, dilation))
        padding = tuple(rng.randint(0, 3) for _ in range(dims))
        outs = [(i - 1) * s - 2 * p + d * (k - 1) + op + 1 for i, k, s, p, op, d in
                zip(size, kernel, stride, padding, output_padding, dilation)]
        if min(outs) >= 1:
            return dict(batch_size=rng.choice([None, 1, 2]), in_channels=g * rng.randint(1, 2),
                        out_channels=g * rng.randint(1, 2), input_size=size, kernel_size=kernel,
                        stride=stride, padding=padding, output_padding=output_padding,
                        dilation=dilation, groups=g, bias=rng.random() < 0.5)


def api(layer: str, cfg: dict) -> dict:
    """``cfg`` with the layer's own size parameter (``input_length`` for 1-d)."""
    cfg = dict(cfg)
    if get(layer).dims == 1:
        cfg["input_length"] = cfg.pop("input_size")[0]
        for key in ("kernel_size", "stride", "padding", "output_padding", "dilation"):
            cfg[key] = cfg[key][0]
    return cfg


# --- the specification -------------------------------------------------------------------

def test_registered_with_pytorch_s_names_and_order():
    assert names("transposed") == tuple(f"conv_transpose{d}d" for d in (1, 2, 3))
    assert names("convolution") == tuple(f"conv{d}d" for d in (1, 2, 3))
    for dims in (1, 2, 3):
        spec = get(f"conv_transpose{dims}d")
        assert spec is getattr(ct, f"CONV_TRANSPOSE{dims}D")
        assert spec.torch_class == f"torch.nn.ConvTranspose{dims}d"
        assert spec.title == f"ConvTranspose{dims}d" and spec.transposed and spec.dims == dims
        assert spec.output_size_same == ()
        # the API: the evaluator's signature is the specification's parameter list
        function = getattr(symconv, f"conv_transpose{dims}d_ops")
        assert tuple(inspect.signature(function).parameters) == spec.parameter_names
        defaults = {p.name: p.default for p in inspect.signature(function).parameters.values()
                    if p.default is not inspect.Parameter.empty}
        assert defaults == {p.name: p.default for p in spec.parameters
                            if p.default is not None}
        assert spec.parameter("output_padding").kind == "output_padding"
        for key in ("ops", "ops_bias", "ops_no_bias", "macs", "bias_additions", "products",
                    "reached", "scatter_products", "flop_counter", "parameters"):
            assert key in spec.quantities


def test_forward_layers_are_not_transposed():
    for name in names("convolution"):
        assert not get(name).transposed and get(name).output_size_same


def test_in_input_sizes_refuses_same_for_a_transposed_layer():
    with pytest.raises(ValueError, match="no padding='same'"):
        get("conv_transpose2d").in_input_sizes(get("conv_transpose2d").quantities["ops"],
                                               same=True)


@pytest.mark.layers(**_T)
def test_quantities_equal_the_counting_reference(layer):
    """Every quantity of the specification, its tap sums substituted (in_input_sizes) and
    evaluated by SymPy, equals the counts of the reference that computes the layer."""
    spec = get(layer)
    rng = random.Random(layer)
    q = {key: spec.in_input_sizes(spec.quantities[key]) for key in
         ("ops", "macs", "bias_additions", "scatter_products", "flop_counter", "products",
          "reached")}
    for _ in range(12):
        cfg = random_config(rng, spec.dims)
        counts = count_transpose_nd(**cfg, seed=rng.randrange(1000))
        point = {spec.parameter("batch_size").symbol: cfg["batch_size"] or 1,
                 spec.parameter("in_channels").symbol: cfg["in_channels"],
                 spec.parameter("out_channels").symbol: cfg["out_channels"],
                 spec.parameter("groups").symbol: cfg["groups"], spec.bias: int(cfg["bias"])}
        for key in ("kernel_size", "stride", "padding", "output_padding", "dilation"):
            point.update(zip(spec.parameter(key).symbols, cfg[key]))
        point.update(zip(spec.input_sizes, cfg["input_size"]))
        value = {k: int(e.xreplace({s: sp.Integer(v) for s, v in point.items()}).doit())
                 for k, e in q.items()}
        assert value["ops"] == counts.multiplications + counts.additions, cfg
        assert value["macs"] == counts.multiplications, cfg
        assert value["scatter_products"] == counts.scatter_products, cfg
        assert value["flop_counter"] == 2 * counts.scatter_products
        out = [int(e.xreplace({s: sp.Integer(v) for s, v in point.items()}))
               for e in spec.output_size]
        assert tuple(out) == ct.validate(spec.dims, **{**cfg, "input_size": cfg["input_size"]
                                                       if spec.dims > 1 else
                                                       cfg["input_size"][0]})["output_size"]


# --- proofs ---------------------------------------------------------------------------------

@pytest.mark.layers(**_T)
def test_prove_layer_decides_identities_integrality_and_forms(layer):
    spec = get(layer)
    results = prove_layer(layer, samples=30)
    assert all(results), [r.describe() for r in results if not r]
    names_ = [r.name for r in results]
    claims = len(spec.identities) + len(spec.integrality)
    # every form of FORMS holds, every wrong form is refuted (with its counterexample), and
    # the two symbolic no-cropping proofs
    assert sum(n.startswith("form: ") for n in names_) == len(ct.FORMS) + 2
    refuted = [r for r in results if r.name.startswith("refuted: ")]
    assert len(refuted) == len(ct.WRONG_FORMS)
    assert all(r.counterexample and r.counterexample_values[0] != r.counterexample_values[1]
               for r in refuted)
    assert len(results) == claims + len(ct.FORMS) + 2 + len(ct.WRONG_FORMS)
    # the stated totals identities are among the layer's
    assert {label for label, _, _ in ct.TOTAL_IDENTITIES if "1-d" not in label} <= \
        {i.name for i in spec.identities}


def test_a_wrong_identity_of_a_transposed_layer_is_refuted(capsys, monkeypatch):
    spec = get("conv_transpose2d")
    q = spec.quantities
    # moduleprofiler's mistake: the scatter products taken for the MACs even with cropping
    bad = Identity("macs = scatter", "wrong with padding", q["macs"], q["scatter_products"])
    monkeypatch.setitem(LAYERS, "conv_transpose2d",
                        dataclasses.replace(spec, identities=spec.identities + (bad,)))
    code, out, _ = run(capsys, "prove", "conv_transpose2d", "--samples", "20")
    assert code == 1
    assert "FAILS  macs = scatter" in out and "counterexample" in out


def test_a_wrong_form_in_a_layer_s_checks_fails_the_proof(monkeypatch):
    """A claimed form that is false makes prove_layer fail (the checks are not decoration)."""
    a = ct.axis_symbols("")
    wrong = ct.Form("T = out K (claimed)", "T", ct.output_size(a) * a.K, "always")

    def checks(samples, seed):
        return [form_result(ct.check_form(wrong, bound=4, random_points=samples,
                                              large_points=0, seed=seed))]

    spec = dataclasses.replace(get("conv_transpose1d"), checks=(checks,))
    (result,) = [r for r in prove_layer(spec, samples=10) if r.name.startswith("form: T = out")]
    assert not result.holds and result.counterexample is not None


def test_cli_prove_and_derive(capsys):
    code, out, _ = run(capsys, "prove", "conv_transpose1d", "--samples", "20")
    assert code == 0 and "FAILS" not in out
    assert "refuted: T = out·K, moduleprofiler's multiplication term (wrong)" in out
    assert "form: R, no cropping (symbolic)" in out
    spec = get("conv_transpose1d")
    checks = len(ct.FORMS) + 2 + len(ct.WRONG_FORMS)
    total = len(spec.identities) + len(spec.integrality) + checks
    assert f"{total}/{total} claims hold" in out and f"{checks} closed-form checks" in out
    assert "Assumptions: " + "; ".join(spec.assumptions()) + "." in out
    code, out, _ = run(capsys, "derive", "conv_transpose3d")
    assert code == 0
    for axis in ("D", "H", "W"):
        assert f"{axis}ₒᵤₜ =" in out and f"T_{axis} =" in out and f"R_{axis} =" in out
    assert "ConvTranspose3dₒₚₛ =" in out
    assert "cropped products not computed" in out and "Conv1d" not in out


# --- conventions ---------------------------------------------------------------------------

@pytest.mark.layers(**_T)
def test_relations_are_proven_per_layer(layer):
    results = cv.prove_relations(layer=layer, samples=50)
    rels = cv.relations(layer)
    assert len(results) == len(rels) >= 7 and all(results)
    texts = {(cv.relation_text(r), r.condition) for r in rels}
    zero = "p = 0" if get(layer).dims == 1 else "every p_a = 0"
    assert ("scatter = macs", zero) in texts and ("torch = 2·scatter", "") in texts


@pytest.mark.layers(**_T)
def test_a_wrong_relation_is_refuted(layer):
    macs, scatter = cv.get("macs").symbol, cv._value_symbol("scatter")
    # scatter = MACs holds only without cropping
    res = cv.prove_relation(cv.Relation("scatter = macs", "wrong with padding", scatter, macs,
                                        "", layer), samples=50)
    assert not res.holds and res.counterexample is not None
    own = cv.ops_symbol(layer)
    res = cv.prove_relation(cv.Relation("ops = 2 macs", "wrong without bias", own, 2 * macs,
                                        "no bias", layer), samples=50)
    assert not res.holds


@pytest.mark.layers(**_T)
def test_conventions_between_the_api_s_numbers(layer):
    """Each relation with every convention's number from symconv.count; scatter = MACs
    exactly when nothing is cropped (every padding 0) on these configurations."""
    spec = get(layer)
    rng = random.Random(f"rel-{layer}")
    zero_seen = cropped_seen = 0
    for _ in range(60):
        cfg = api(layer, random_config(rng, spec.dims, small=False))
        if rng.random() < 0.4:
            cfg["padding"] = 0
        c = {name: symconv.count(layer, convention=name, **cfg)
             for name in ("symconv", "macs", "scatter", "torch")}
        size = cfg.get("input_length", cfg.get("input_size"))
        q = ct.conv_transpose_quantities(spec.dims, input_size=size, **{
            k: v for k, v in cfg.items() if k not in ("input_length", "input_size")})
        n = 1 if cfg["batch_size"] is None else cfg["batch_size"]
        assert c["torch"] == 2 * c["scatter"] == q["flop_counter"]
        assert c["symconv"] == 2 * c["macs"] - (0 if cfg["bias"] else
                                                n * cfg["out_channels"] * q["reached"])
        pads = cfg["padding"] if isinstance(cfg["padding"], tuple) else (cfg["padding"],)
        nothing_cropped = all(p == 0 for p in pads)
        # a padding >= 1 crops the pair (0, 0) at least: scatter > MACs exactly then
        assert (c["scatter"] == c["macs"]) == nothing_cropped, cfg
        assert c["scatter"] >= c["macs"]
        zero_seen += nothing_cropped
        cropped_seen += not nothing_cropped
    assert zero_seen >= 10 and cropped_seen >= 10


@pytest.mark.parametrize("name", ["fvcore", "thop", "ptflops", "ptflops-sample", "deepspeed",
                                  "calflops"])
def test_undefined_conventions_are_refused(name, capsys):
    params = dict(batch_size=2, in_channels=4, out_channels=4, input_size=(5, 5), kernel_size=3)
    with pytest.raises(ValueError, match=f"convention '{name}' is not defined for "
                                         "conv_transpose2d.*defined: symconv, macs, scatter"):
        symconv.count("conv_transpose2d", convention=name, **params)
    code, _, err = run(capsys, "eval", "conv_transpose2d", "--batch-size", "2",
                       "--in-channels", "4", "--out-channels", "4", "--input-size", "5", "5",
                       "--kernel-size", "3", "--convention", name)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("symconv eval conv_transpose2d: error: --convention: ")


def test_scatter_is_refused_by_a_forward_convolution(capsys):
    with pytest.raises(ValueError, match="'scatter' is defined for the transposed"):
        symconv.count("conv2d", convention="scatter", batch_size=1, in_channels=1,
                      out_channels=1, input_size=(4, 4), kernel_size=3)
    code, _, err = run(capsys, "eval", "conv1d", "--batch-size", "1", "--in-channels", "1",
                       "--out-channels", "1", "--input-length", "4", "--kernel-size", "3",
                       "--convention", "scatter")
    assert code == 2 and err.startswith("symconv eval conv1d: error: ")


def test_cli_conventions_of_a_transposed_layer(capsys):
    code, out, _ = run(capsys, "conventions", "--layer", "conv_transpose2d", "--samples", "20")
    assert code == 0 and "FAILS" not in out
    assert out.startswith("ConvTranspose2d counting conventions")
    assert "scatter = macs   [every p_a = 0]" in out
    assert "ConvTranspose2d_ops = torch   [bias, every p_a = 0]" in out
    assert "Not defined for ConvTranspose2d" in out and "fvcore" in out
    code, js, _ = run(capsys, "conventions", "--layer", "conv_transpose1d", "--json",
                      "--samples", "10")
    data = json.loads(js)
    assert [c["name"] for c in data["conventions"]] == ["symconv", "macs", "scatter", "torch"]
    assert all(r["holds"] for r in data["relations"])


# --- API -----------------------------------------------------------------------------------

def test_top_level_api_is_lazy_and_exact():
    assert "conv_transpose2d_ops" in dir(symconv)
    assert symconv.conv_transpose1d_output_length(100, 4, 2, 1) == 200
    assert symconv.conv_transpose2d_output_size((10, 7), 3, (2, 1), 1, (1, 0)) == (20, 7)
    assert symconv.conv_transpose3d_output_size((2, 3, 4), 2) == (3, 4, 5)
    start = time.perf_counter()
    big = symconv.conv_transpose1d_ops(1, 1, 1, 10**15, 4, stride=2, padding=1)
    assert time.perf_counter() - start < 1
    # in = 10**15, K = 4, s = 2, p = 1: 4·10**15 pairs, one cropped at each end
    assert big == 2 * (4 * 10**15 - 2)
    assert symconv.count("conv_transpose1d", batch_size=None, in_channels=2, out_channels=4,
                         input_length=7, kernel_size=3) == \
        symconv.conv_transpose1d_ops(None, 2, 4, 7, 3)


@pytest.mark.parametrize("kwargs, needle", [
    (dict(output_padding=2), "output_padding=2 with stride=2 and dilation=1"),
    (dict(padding="same"), "no padding='same'"),
    (dict(padding=9), "output size"),
    (dict(groups=3), "in_channels=4 is not divisible by groups=3"),
    (dict(bias=2), "bias=2"),
])
def test_api_errors_name_the_parameter(kwargs, needle):
    params = dict(batch_size=1, in_channels=4, out_channels=4, input_length=5, kernel_size=3,
                  stride=2)
    with pytest.raises((TypeError, ValueError), match=needle.replace("(", r"\(")):
        symconv.count("conv_transpose1d", **{**params, **kwargs})


# --- command line --------------------------------------------------------------------------

@pytest.mark.layers(**_T)
def test_eval_equals_the_api_in_every_convention(layer, capsys):
    spec = get(layer)
    rng = random.Random(f"eval-{layer}")
    size_option = "--input-length" if spec.dims == 1 else "--input-size"
    for _ in range(25):
        cfg = random_config(rng, spec.dims, small=False)
        cfg["batch_size"] = cfg["batch_size"] or 1
        argv = ["eval", layer, "--batch-size", str(cfg["batch_size"]),
                "--in-channels", str(cfg["in_channels"]), "--out-channels",
                str(cfg["out_channels"]), size_option, *map(str, cfg["input_size"])]
        for key in ("kernel_size", "stride", "padding", "output_padding", "dilation"):
            argv += ["--" + key.replace("_", "-"), *map(str, cfg[key])]
        argv += ["--groups", str(cfg["groups"])] + ([] if cfg["bias"] else ["--no-bias"])
        code, out, err = run(capsys, *argv, "--json", "--convention", "all")
        assert code == 0, (argv, err)
        data = json.loads(out)
        params = api(layer, cfg)
        assert data["ops"] == symconv.count(layer, **params)
        assert [c["convention"]["name"] for c in data["counts"]] == \
            ["symconv", "macs", "scatter", "torch"]
        for entry in data["counts"]:
            assert entry["count"] == symconv.count(layer, convention=entry["convention"]["name"],
                                                   **params)
        assert symconv.count(layer, **data["parameters"]) == data["ops"]
        assert tuple(data["output_size"]) == ct.validate(
            spec.dims, **{**cfg, "input_size": cfg["input_size"] if spec.dims > 1
                          else cfg["input_size"][0]})["output_size"]
        code, out, _ = run(capsys, *argv)
        assert f"= {data['ops']:,}  (" in out and "cropped products not computed" in out


@pytest.mark.parametrize("argv, needle", [
    (["--output-padding", "2"], "--output-padding: output_padding=2 with stride=1"),
    (["--padding", "same"], "--padding: padding='same'"),
    (["--padding", "7"], "output size -8"),
    (["--convention", "thop"], "--convention: convention 'thop' is not defined"),
])
def test_eval_errors_are_one_line(argv, needle, capsys):
    base = ["eval", "conv_transpose1d", "--batch-size", "1", "--in-channels", "2",
            "--out-channels", "2", "--input-length", "4", "--kernel-size", "3"]
    code, out, err = run(capsys, *base, *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith("symconv eval conv_transpose1d: error: ") and needle in err, err


def test_eval_per_dimension_option_errors(capsys):
    base = ["eval", "conv_transpose3d", "--batch-size", "1", "--in-channels", "2",
            "--out-channels", "2", "--input-size", "4", "4", "4", "--kernel-size", "3"]
    code, _, err = run(capsys, *base, "--output-padding", "0", "1")
    assert code == 2 and "--output-padding 0 1: conv_transpose3d takes 1 value" in err
    code, _, err = run(capsys, *base, "--stride", "2", "1", "1", "--output-padding", "0", "1", "0")
    assert code == 2 and "--output-padding (dimension H): output_padding[1]=1" in err


@pytest.mark.parametrize("argv, files", [
    (["latex", "conv_transpose2d", "--format", "md"], ["conv_transpose2d_derivation.md"]),
    (["codegen", "conv_transpose1d", "--lang", "c"], None)])
def test_latex_and_codegen_write_what_generated_holds(argv, files, capsys, tmp_path):
    """`symconv latex` and `symconv codegen` take a transposed layer (they refused it while its
    documents and evaluators were pending): the files equal generated/'s byte for byte."""
    if files is None:
        from symconv.generate import layer_files

        files = list(layer_files(argv[1], argv[3]))
        assert "conv_transpose1d_ops.c" in files and "conv_transpose1d_ops.h" in files
    out = tmp_path / "x"
    if argv[0] == "latex":  # --out is the file
        out.mkdir()
        target = out / files[0]
    else:  # --out is the directory
        target = out
    code, _, err = run(capsys, *argv, "--out", str(target))
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == sorted(files)
    generated = Path(__file__).resolve().parents[1] / "generated"
    for name in files:
        assert (out / name).read_bytes() == (generated / name).read_bytes(), name


# --- from_torch ----------------------------------------------------------------------------

def _module(dims: int, cfg: dict):
    return getattr(torch.nn, f"ConvTranspose{dims}d")(
        cfg["in_channels"], cfg["out_channels"], cfg["kernel_size"], cfg["stride"],
        cfg["padding"], cfg["output_padding"], cfg["groups"], cfg["bias"], cfg["dilation"])


@pytest.mark.layers(**_T)
def test_from_torch_on_200_configurations(layer):
    """Real modules (batched and unbatched): the layer equals the configuration, its counts
    equal the closed form (and the counting reference on the small ones), and FlopCounterMode
    equals the torch convention."""
    from torch.utils.flop_counter import FlopCounterMode

    spec = get(layer)
    rng = random.Random(f"torch-{layer}")
    unbatched = cropped = 0
    for index in range(200):
        cfg = random_config(rng, spec.dims, small=index % 4 != 0)
        module = _module(spec.dims, cfg)
        n = cfg["batch_size"]
        shape = (cfg["in_channels"], *cfg["input_size"])
        x = torch.zeros(shape if n is None else (n, *shape))
        (got,) = symconv.from_torch(module, x)
        assert got.type == layer and got.input_size == cfg["input_size"]
        assert got.output_padding == cfg["output_padding"] and got.padding == cfg["padding"]
        assert got.out_channels == cfg["out_channels"] and got.groups == cfg["groups"]
        assert got.batch_size == (1 if n is None else n)
        params = api(layer, cfg)
        assert got.ops == symconv.count(layer, **params)
        with FlopCounterMode(display=False) as counter:
            y = module(x)
        assert tuple(y.shape[-spec.dims:]) == got.output_size
        assert counter.get_total_flops() == got.count("torch") == 2 * got.count("scatter")
        if index % 8 == 0:
            ref = count_transpose_nd(**cfg)
            assert got.ops == ref.multiplications + ref.additions
            assert got.count("macs") == ref.multiplications
        unbatched += n is None
        cropped += any(cfg["padding"])
    assert unbatched >= 30 and cropped >= 60


@pytest.mark.layers(**_T)
def test_from_torch_forward_with_output_size(layer):
    """forward(x, output_size=...) picks output_padding: the layer has the effective one."""
    spec = get(layer)
    dims = spec.dims
    module = getattr(torch.nn, f"ConvTranspose{dims}d")(3, 4, 3, stride=3, padding=1)
    x = torch.zeros(2, 3, *([5] * dims))
    base = (5 - 1) * 3 - 2 + 2 + 1
    sizes = [base + (i % 3) for i in range(dims)]

    class Up(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.up = module

        def forward(self, x):
            return self.up(x, output_size=sizes)

    (got,) = symconv.from_torch(Up(), x)
    assert got.output_padding == tuple(i % 3 for i in range(dims))
    assert got.output_size == tuple(sizes)
    (real,) = symconv.from_torch(Up(), x, meta=False)
    assert real == got
    derivation = derive_layer(got)
    assert derivation.ops == got.ops
    assert "output_padding=" in derivation.text(conventions=True)


def test_from_torch_sees_subclasses_and_mixed_models():
    class MyUp(torch.nn.ConvTranspose2d):
        pass

    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, stride=2, padding=1),
                                MyUp(8, 3, 4, stride=2, padding=1),
                                torch.nn.Flatten(2), torch.nn.ConvTranspose1d(3, 2, 2, 2))
    layers = symconv.from_torch(model, torch.zeros(1, 3, 16, 16))
    assert [ly.type for ly in layers] == ["conv2d", "conv_transpose2d", "conv_transpose1d"]
    assert layers.total() == sum(ly.ops for ly in layers)
    with pytest.raises(ValueError, match="not defined for conv_transpose2d"):
        layers.total("fvcore")
    text = layers.table("torch")
    assert "ConvTranspose2d" in text and "scatter form" in text


# --- layer files and tables ----------------------------------------------------------------

def test_layer_file_and_table_with_transposed_layers():
    layers = parse_layers({"batch_size": 2, "layers": [
        {"name": "enc", "type": "conv2d", "in_channels": 3, "out_channels": 8,
         "kernel_size": 3, "input_size": [32, 32], "stride": 2, "padding": 1},
        {"name": "dec", "type": "conv_transpose2d", "in_channels": 8, "out_channels": 3,
         "kernel_size": 4, "input_size": [16, 16], "stride": 2, "padding": 1,
         "output_padding": [1, 0]},
        {"name": "voc", "type": "conv_transpose1d", "in_channels": 8, "out_channels": 3,
         "kernel_size": 16, "input_length": 100, "stride": 8, "padding": 4}]})
    enc, dec, voc = layers
    assert "output_padding" not in enc.to_dict()
    assert dec.output_size == (33, 32) and dec.to_dict()["output_padding"] == [1, 0]
    assert voc.output_size == (800,) and voc.parameters == 8 * 3 * 16 + 3
    assert dec.ops == symconv.conv_transpose2d_ops(2, 8, 3, (16, 16), 4, 2, 1, (1, 0))
    assert parse_layers([dec.to_dict()]) == [dec]
    from symconv.latex import render_table
    md = render_table(layers, "md")
    assert "| output_padding |" in md and "| 1×0 |" in md
    csv = render_table(layers, "csv")
    assert csv.splitlines()[0].startswith(
        "name,type,batch_size,in_channels,out_channels,kernel_size,stride,padding,"
        "output_padding,dilation")


def test_forward_tables_have_no_output_padding_column():
    layers = parse_layers([{"name": "a", "type": "conv2d", "in_channels": 1,
                            "out_channels": 1, "kernel_size": 3, "input_size": [8, 8]}])
    from symconv.latex import render_table
    assert "output_padding" not in render_table(layers, "md") + render_table(layers, "csv")


@pytest.mark.parametrize("raw, needle", [
    ({"type": "conv2d", "output_padding": 1}, "unknown field 'output_padding' for conv2d"),
    ({"type": "conv_transpose2d", "output_padding": 5}, "output_padding[0]=5"),
    ({"type": "conv_transpose2d", "padding": "same"}, "padding='same'"),
])
def test_layer_file_errors_name_the_layer_and_field(raw, needle):
    entry = {"name": "x", "in_channels": 2, "out_channels": 2, "kernel_size": 3,
             "input_size": [4, 4], **raw}
    with pytest.raises(LayerSpecError, match=r"layer 1 \('x'\): .*" + needle.replace(
            "[", r"\[").replace("]", r"\]")):
        parse_layers([entry])


def test_a_forward_layer_refuses_output_padding():
    with pytest.raises(TypeError, match="conv2d has no output_padding"):
        Layer("a", "conv2d", 1, 1, 3, (8, 8), output_padding=1)


def test_every_transposed_layer_is_listed(layer):
    """The registry lists the transposed layers among every layer (a witness that the per-layer
    tests run for them)."""
    assert layer in layer_names()
