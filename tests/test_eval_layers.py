"""`symconv eval LAYER` for every registered layer: options generated from the layer's
specification, counts equal to the API's, one-line errors naming the option."""

import json
import random
import subprocess
import sys

import pytest

import symconv
from symconv import conventions as cv
from symconv.cli import main
from symconv.registry import LAYERS, get

from _helpers import FORWARD, LAYER_NAMES, api_params, output_size

ND = [name for name in LAYER_NAMES if get(name).dims > 1]



def _option(name):
    return "--" + name.replace("_", "-")


def _argv(spec, params):
    """Command-line options of ``params`` (API keyword arguments; per-dimension values a tuple
    or one int for every dimension)."""
    argv = []
    for param in spec.parameters:
        value = params.get(param.name, param.default)
        if param.name == "bias":
            argv += [] if value else ["--no-bias"]
        elif value is not None:
            argv += [_option(param.name), *map(str, value if isinstance(value, tuple) else [value])]
    return argv


def _base(layer):
    """A small valid configuration of any registered layer: (API keyword arguments, options)."""
    spec = get(layer)
    params = api_params(spec, dict(batch_size=2, in_channels=3, out_channels=6,
                                   input_size=(16,) * spec.dims, kernel_size=3))
    return params, _argv(spec, params)


#: Every registered layer's base command line.
BASE = {layer: _base(layer)[1] for layer in LAYER_NAMES}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def error(capsys, *argv):
    """Exit status and stderr of a refused command line (argparse exits, CliError returns)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert out == ""
    return code, err


def _random_config(spec, rng):
    """A valid configuration as (API keyword arguments, command-line options)."""
    g = rng.choice([1, 1, 2, 4])
    params = {"batch_size": rng.randint(1, 9), "in_channels": g * rng.randint(1, 6),
              "out_channels": g * rng.randint(1, 6), "groups": g,
              "bias": rng.random() < 0.5}
    dims = spec.dims
    per = {k: [rng.randint(1, 4) for _ in range(dims)] for k in ("kernel_size", "dilation")}
    same = rng.random() < 0.2
    stride = [1] * dims if same else [rng.randint(1, 3) for _ in range(dims)]
    padding = "same" if same else ("valid" if rng.random() < 0.15
                                   else [rng.randint(0, 3) for _ in range(dims)])
    sizes = [d * (k - 1) + 1 + rng.randint(0, 30) for k, d in zip(per["kernel_size"],
                                                                    per["dilation"])]
    params.update(per, stride=stride, padding=padding, input_size=sizes)
    if dims == 1:  # Conv1d's options and API take one integer each, and input_length
        params = {k: v[0] if isinstance(v, list) else v for k, v in params.items()}
    size = params["input_size"]
    params = api_params(spec, {**params,
                               "input_size": tuple(size if isinstance(size, list) else [size])})
    params = {k: list(v) if isinstance(v, tuple) and dims > 1 else v for k, v in params.items()}
    argv = []
    for param in spec.parameters:
        value = params[param.name]
        if param.name == "bias":
            argv += [] if value else ["--no-bias"]
            continue
        if isinstance(value, list):
            # one value for every dimension when they are equal (half the time), else one each
            if len(set(value)) == 1 and rng.random() < 0.5 and param.name != "input_size":
                value, shown = value[0], [str(value[0])]
            else:
                value, shown = tuple(value), [str(v) for v in value]
            params[param.name] = value
        else:
            shown = [str(value)]
        argv += [_option(param.name), *shown]
    return params, argv


@pytest.mark.layers(where=FORWARD, reason="a transposed layer's eval (output_padding, its "
                                           "conventions): tests/test_convtranspose_layer.py")
def test_eval_equals_the_api_in_every_convention(layer, capsys):
    spec = get(layer)
    rng = random.Random(layer)
    for _ in range(60):
        params, argv = _random_config(spec, rng)
        code, out, err = run(capsys, "eval", layer, *argv, "--json", "--convention", "all")
        assert code == 0, (argv, err)
        data = json.loads(out)
        sizes = output_size(layer, input_size=params.get("input_size", (params.get(
            "input_length"),)), **{k: params[k] for k in ("kernel_size", "stride", "padding",
                                                          "dilation")})
        assert data["output_size"] == list(sizes)
        assert data["ops"] == symconv.count(layer, **params)
        assert [c["convention"]["name"] for c in data["counts"]] == [c.name for c in cv.CONVENTIONS]
        for entry in data["counts"]:
            name = entry["convention"]["name"]
            assert entry["count"] == symconv.count(layer, convention=name, **params), (name, argv)
        # the parameters as printed go back into the API
        assert symconv.count(layer, **data["parameters"]) == data["ops"]
        # the text output states the same numbers
        code, out, _ = run(capsys, "eval", layer, *argv)
        lines = out.splitlines()
        assert lines[0] == (" × ".join(f"{a}_out" for a in spec.axes) + " = "
                            + " × ".join(map(str, sizes)))
        assert f"= {data['ops']:,}  (" in lines[1]
        assert symconv.conv1d.convention_text(bool(params["bias"])) in lines[1]


@pytest.mark.layers(where=FORWARD, reason="a transposed layer defines symconv, macs, scatter "
                                           "and torch: tests/test_convtranspose_layer.py")
@pytest.mark.parametrize("convention", cv.NAMES)
def test_eval_one_convention(layer, convention, capsys):
    dims = get(layer).dims
    params, argv = _base(layer)
    params.update(stride=(2,) + (1,) * (dims - 1) if dims > 1 else 2, padding=1, bias=False)
    argv = ["eval", layer, *_argv(get(layer), params), "--convention", convention]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    value = symconv.count(layer, convention=convention, **params)
    line = out.splitlines()[1]
    assert line.split()[0] == cv.get(convention).name
    assert f" {value:,} " in line


def test_readme_conv2d_numbers(capsys):
    code, out, _ = run(capsys, "eval", "conv2d", "--batch-size", "8", "--in-channels", "3",
                       "--out-channels", "64", "--input-size", "224", "224", "--kernel-size", "3",
                       "--stride", "2", "--padding", "1")
    assert code == 0
    assert out.splitlines()[0] == "H_out × W_out = 112 × 112"
    ops = symconv.conv2d_ops(8, 3, 64, (224, 224), 3, stride=2, padding=1)
    assert out.splitlines()[1].startswith(f"ops           = {ops:,}  (moduleprofiler ops")


def test_json_schema_is_conv1d_s_plus_the_output_size(capsys):
    keys = {}
    for layer in LAYERS:
        for extra in ([], ["--no-bias"], ["--convention", "torch"], ["--convention", "all"]):
            code, out, _ = run(capsys, "eval", layer, *BASE[layer], *extra, "--json")
            data = json.loads(out)
            keys.setdefault(layer, set(data)).intersection_update(set(data))
            assert set(data) == keys[layer], (layer, extra)
            assert set(data["parameters"]) == set(get(layer).parameter_names)
            assert set(data["convention"]) == {"name", "tool", "counts", "bias", "per", "text"}
            assert all(set(c) == {"convention", "count"} for c in data["counts"])
            assert data["output_size"] and all(isinstance(v, int) for v in data["output_size"])
            assert len(data["output_size"]) == get(layer).dims
            if layer == "conv1d":
                assert data["output_size"] == [data["output_length"]]
    conv1d = keys["conv1d"]
    assert conv1d == {"layer", "parameters", "output_length", "output_size", "ops", "convention",
                      "counts"}
    for layer in ND:
        # Conv1d's keys, its output_length (one dimension) replaced by output_size
        assert keys[layer] == conv1d - {"output_length"}


@pytest.mark.parametrize("layer, extra, needles", [
    ("conv2d", ["--kernel-size", "3", "3", "3"], ["--kernel-size 3 3 3", "takes 1 value",
                                                  "or 2 (H W), got 3"]),
    ("conv3d", ["--kernel-size", "3", "3"], ["--kernel-size 3 3", "or 3 (D H W), got 2"]),
    ("conv2d", ["--stride", "1", "2", "3"], ["--stride 1 2 3", "got 3"]),
    ("conv3d", ["--dilation", "1", "1", "1", "1"], ["--dilation", "got 4"]),
    ("conv2d", ["--input-size", "224"], ["--input-size", "expected 2 arguments"]),
    ("conv3d", ["--input-size", "16", "32"], ["--input-size", "expected 3 arguments"]),
    ("conv2d", ["--stride", "1", "2", "--padding", "same"],
     ["--stride (dimension W)", "stride[1] must be 1 with padding='same'", "(PyTorch rule)"]),
    ("conv3d", ["--stride", "2", "--padding", "same"], ["--stride (dimension D)", "stride[0]"]),
    ("conv2d", ["--padding", "same", "1"], ["--padding same 1", "stands alone"]),
    ("conv2d", ["--padding", "1", "valid"], ["--padding 1 valid", "stands alone"]),
    ("conv2d", ["--padding", "full"], ["--padding", "'full'"]),
    ("conv2d", ["--padding", "0", "-1"], ["--padding (dimension W)", "padding[1] must be >= 0"]),
    ("conv2d", ["--kernel-size", "3", "0"], ["--kernel-size (dimension W)", "kernel_size[1]",
                                             "positive integer"]),
    ("conv3d", ["--kernel-size", "3", "3", "40"],
     ["--kernel-size (dimension W)", "kernel_size[2]=40", "must fit in the padded input"]),
    ("conv2d", ["--groups", "2"], ["--groups:", "groups=2", "groups must divide in_channels"]),
    ("conv2d", ["--batch-size", "0"], ["--batch-size:", "batch_size", "positive integer"]),
    ("conv2d", ["--stride", "x"], ["--stride", "must be an integer, got 'x'"]),
])
@pytest.mark.layers(examples=True, reason="messages of Conv2d and Conv3d options, as examples")
def test_per_dimension_errors_are_one_line_naming_the_option(layer, extra, needles, capsys):
    """Conv2d and Conv3d as examples of the per-dimension options (each message is built from
    the layer's specification)."""
    code, err = error(capsys, "eval", layer, *BASE[layer], *extra)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)


def test_errors_in_a_subprocess_are_one_line():
    proc = subprocess.run([sys.executable, "-m", "symconv", "eval", "conv2d", *BASE["conv2d"],
                           "--kernel-size", "3", "3", "3"], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "--kernel-size" in proc.stderr


def test_conv1d_keeps_its_options(capsys):
    code, err = error(capsys, "eval", "conv1d", *BASE["conv1d"], "--stride", "1", "2")
    assert code == 2 and "unrecognized arguments: 2" in err
    code, err = error(capsys, "eval", "conv1d", "--batch-size", "1", "--in-channels", "1",
                      "--out-channels", "1", "--input-size", "10", "--kernel-size", "3")
    assert code == 2 and "--input-length" in err


@pytest.mark.parametrize("layer", list(LAYERS))
def test_each_layer_s_eval_help_lists_its_options(layer, capsys):
    spec = get(layer)
    with pytest.raises(SystemExit) as info:
        main(["eval", layer, "--help"])
    out, _ = capsys.readouterr()
    assert info.value.code == 0
    assert spec.torch_class in out
    for param in spec.parameters:
        option = "--no-bias" if param.kind == "bias" else _option(param.name)
        assert option in out, option
    for option in ("--json", "--convention"):
        assert option in out
    for axis in spec.axes if spec.dims > 1 else ():
        assert f"{spec.dims} values ({' '.join(spec.axes)})" in out
    assert "\nexamples:\n" in out
    # every example of the layer's help runs
    for line in out.split("\nexamples:\n")[1].splitlines():
        argv = line.split()[1:]
        assert main(argv) == 0, line
        capsys.readouterr()


def test_eval_help_lists_every_layer(capsys):
    with pytest.raises(SystemExit):
        main(["eval", "--help"])
    out, _ = capsys.readouterr()
    for layer, spec in LAYERS.items():
        assert layer in out and spec.torch_class in out
    code, err = error(capsys, "eval")
    assert code == 2 and "LAYER" in err and len(err.strip().splitlines()) == 1
    code, err = error(capsys, "eval", "conv4d")
    assert code == 2 and "conv4d" in err and "conv2d" in err


def test_json_with_padding_words_and_single_values(capsys):
    code, out, _ = run(capsys, "eval", "conv3d", "--batch-size", "2", "--in-channels", "4",
                       "--out-channels", "8", "--input-size", "16", "32", "32",
                       "--kernel-size", "3", "--padding", "valid",
                       "--stride", "2", "--json")
    data = json.loads(out)
    assert data["parameters"]["padding"] == "valid"
    assert data["parameters"]["stride"] == [2, 2, 2]
    assert data["parameters"]["kernel_size"] == [3, 3, 3]
    assert data["output_size"] == list(symconv.conv3d_output_size((16, 32, 32), 3, stride=2))


def test_readme_conv2d_eval_example_is_the_real_output(capsys):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```\n\$ symconv eval conv2d (.*?)\n(.*?)```", readme, re.S)
    assert block, "README lost its Conv2d eval example"
    assert main(["eval", "conv2d", *block.group(1).split()]) == 0
    assert capsys.readouterr().out == block.group(2)
