"""Layer records and layer tables for every registered layer: Conv2d and Conv3d beside Conv1d.

Counts are checked against the generated evaluators (symconv.conv2d_ops, conv3d_ops), the
n-d counting reference (a direct convolution that counts its own * and +) and, for the
parameter count, the product written out by hand; tables are parsed back (CSV, Markdown)
and compiled with pdflatex.
"""

import csv
import io
import json
import math
import re
import shutil
import subprocess
import unicodedata

import pytest

import symconv
from symconv.cli import main
from symconv.conv1d import CONVENTION
from symconv.latex.tables import (DEFAULT_CAPTION, DEFAULT_CAPTION_MIXED, TableOptions,
                                  render_table, render_table_file)
from symconv.layers import MAX_DIGITS, Conv1dLayer, Layer, LayerSpecError, format_dims
from symconv.model import load_layers, parse_layers
from symconv.reference import count_nd

MIXED = {"batch_size": 8, "layers": [
    {"name": "stem", "type": "conv2d", "in_channels": 3, "out_channels": 64, "kernel_size": 7,
     "input_size": [224, 224], "stride": 2, "padding": 3, "bias": False},
    {"name": "layer1.0.conv1", "type": "conv2d", "in_channels": 64, "out_channels": 64,
     "kernel_size": [3, 3], "input_size": [56, 56], "padding": "same", "bias": False},
    {"name": "layer2.0.dw", "type": "conv2d", "in_channels": 128, "out_channels": 128,
     "kernel_size": [3, 1], "input_size": [56, 56], "stride": [2, 1], "padding": [1, 0],
     "groups": 128},
    {"name": "video", "type": "conv3d", "in_channels": 3, "out_channels": 64,
     "kernel_size": [3, 7, 7], "input_size": [16, 112, 112], "stride": [1, 2, 2],
     "padding": [1, 3, 3], "batch_size": 2},
    {"name": "audio", "in_channels": 1, "out_channels": 16, "kernel_size": 7,
     "input_length": 16000, "stride": 2, "padding": 3},
]}


def _evaluator(layer):
    """The layer's count from the public evaluator of its type, called directly."""
    if layer.type == "conv1d":
        return symconv.conv1d_ops(layer.batch_size, layer.in_channels, layer.out_channels,
                                  layer.input_size[0], layer.kernel_size, layer.stride,
                                  layer.padding, layer.dilation, layer.groups, layer.bias)
    fn = getattr(symconv, f"{layer.type}_ops")
    return fn(layer.batch_size, layer.in_channels, layer.out_channels, layer.input_size,
              layer.kernel_size, layer.stride, layer.padding, layer.dilation, layer.groups,
              layer.bias)


def _parameters_by_hand(layer):
    kernel = layer.per_dim("kernel_size")
    return (layer.out_channels * (layer.in_channels // layer.groups) * math.prod(kernel)
            + (layer.out_channels if layer.bias else 0))


# --- the layer record ---------------------------------------------------------------------

def test_a_mixed_layer_file_loads_with_the_right_record_per_type(tmp_path):
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(MIXED), encoding="utf-8")
    layers = load_layers(path)
    assert [type(ly) for ly in layers] == [Layer, Layer, Layer, Layer, Conv1dLayer]
    assert [ly.type for ly in layers] == ["conv2d", "conv2d", "conv2d", "conv3d", "conv1d"]
    stem, same, dw, video, audio = layers
    # int forms are stored as one value per dimension, strings kept
    assert (stem.kernel_size, stem.stride, stem.padding, stem.dilation) == \
        ((7, 7), (2, 2), (3, 3), (1, 1))
    assert same.padding == "same" and dw.stride == (2, 1) and video.batch_size == 2
    assert [ly.batch_size for ly in layers] == [8, 8, 8, 2, 8]  # the file's batch size
    assert stem.output_size == symconv.conv2d_output_size((224, 224), 7, 2, 3) == (112, 112)
    assert video.output_size == (16, 56, 56) and audio.output_size == (8000,)
    for layer in layers:
        assert layer.ops == _evaluator(layer)
        assert layer.parameters == _parameters_by_hand(layer)
        assert layer.count("torch") == symconv.count(
            layer.type, convention="torch", batch_size=layer.batch_size,
            in_channels=layer.in_channels, out_channels=layer.out_channels,
            kernel_size=layer.kernel_size, stride=layer.stride, padding=layer.padding,
            dilation=layer.dilation, groups=layer.groups, bias=layer.bias,
            **({"input_length": layer.input_size[0]} if layer.type == "conv1d"
               else {"input_size": layer.input_size}))
    # the README's Conv2d example
    assert stem.ops == 1881800704 and stem.count("torch") == 1888223232


@pytest.mark.parametrize("config", [
    dict(type="conv2d", in_channels=4, out_channels=6, kernel_size=(3, 2), input_size=(7, 5),
         stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2, bias=True, batch_size=2),
    dict(type="conv2d", in_channels=3, out_channels=3, kernel_size=(2, 3), input_size=(6, 6),
         padding="same", groups=3, bias=False, batch_size=1),
    dict(type="conv3d", in_channels=2, out_channels=4, kernel_size=(2, 1, 3),
         input_size=(3, 4, 5), stride=(1, 2, 1), padding=(0, 1, 1), bias=True, batch_size=2),
    dict(type="conv3d", in_channels=2, out_channels=2, kernel_size=2, input_size=(3, 3, 4),
         padding="valid", dilation=(1, 2, 1), bias=False, batch_size=1),
])
def test_counts_equal_the_counting_reference(config):
    layer = Layer("x", **config)
    ref = count_nd(config["batch_size"], layer.in_channels, layer.out_channels,
                   layer.input_size, layer.kernel_size, layer.stride, layer.padding,
                   layer.dilation, layer.groups, layer.bias)
    assert layer.ops == ref.multiplications + ref.additions
    assert layer.output_size == tuple(ref.output_shape[2:])
    assert layer.count("macs") == ref.multiplications


def test_layer_to_dict_round_trips_through_a_layer_file(tmp_path):
    layers = parse_layers(MIXED)
    path = tmp_path / "again.json"
    path.write_text(json.dumps({"layers": [ly.to_dict() for ly in layers]}), encoding="utf-8")
    assert load_layers(path) == layers
    d = layers[0].to_dict()
    assert d["type"] == "conv2d" and d["kernel_size"] == [7, 7] and d["input_size"] == [224, 224]
    assert "type" not in layers[-1].to_dict()  # Conv1d keeps its format
    # a Conv1d in the general form is a Layer with the same count as the Conv1d record
    general = parse_layers([{"name": "a", "type": "conv1d", "in_channels": 2, "out_channels": 4,
                             "kernel_size": [3], "input_size": [50], "stride": 2}])[0]
    classic = parse_layers([{"name": "a", "type": "conv1d", "in_channels": 2,
                             "out_channels": 4, "kernel_size": 3, "input_length": 50,
                             "stride": 2}])[0]
    assert isinstance(general, Layer) and isinstance(classic, Conv1dLayer)
    assert (general.ops, general.parameters, general.output_size) == \
        (classic.ops, classic.parameters, classic.output_size)


def test_an_empty_batch_counts_zero_and_still_checks_the_layer():
    layer = Layer("e", "conv2d", 2, 4, 3, (8, 8), batch_size=0)
    assert layer.ops == 0 and layer.count("torch") == 0
    assert layer.count("ptflops-sample") == symconv.count(
        "conv2d", convention="ptflops-sample", batch_size=1, in_channels=2, out_channels=4,
        input_size=(8, 8), kernel_size=3)
    with pytest.raises(ValueError, match=r"kernel_size\[1\]"):
        Layer("e", "conv2d", 2, 4, (3, 30), (8, 8), batch_size=0)
    for bad in (-1, False, 0.0):
        with pytest.raises((TypeError, ValueError), match="batch_size"):
            Layer("e", "conv2d", 2, 4, 3, (8, 8), batch_size=bad)


def _write(tmp_path, layers):
    path = tmp_path / "layers.json"
    path.write_text(json.dumps(layers) if not isinstance(layers, str) else layers,
                    encoding="utf-8")
    return path


BASE = {"name": "enc_2", "type": "conv2d", "in_channels": 4, "out_channels": 4,
        "kernel_size": 3, "input_size": [9, 9]}


@pytest.mark.parametrize("change, words", [
    ({"input_size": [9]}, ["enc_2", "'input_size'", "list of 2", "(H, W)"]),
    ({"input_size": 9}, ["enc_2", "'input_size'", "list of 2"]),
    ({"input_size": [9, 9, 9]}, ["'input_size'", "3 value"]),
    ({"kernel_size": [3, 3, 3]}, ["'kernel_size'", "2 integer"]),
    ({"stride": [1, [2]]}, ["'stride'"]),
    ({"padding": {"h": 1}}, ["'padding'", "object"]),
    ({"type": "conv4d"}, ["'type'", "conv1d, conv2d, conv3d", "conv4d"]),
    ({"type": ["conv2d"]}, ["'type'", "a list"]),
    ({"input_length": 9}, ["enc_2", "unknown field 'input_length'", "conv2d"]),
    ({"kernel_size": [3, 30]}, ["enc_2", "kernel_size[1]", "fit"]),
    ({"stride": [1, 2], "padding": "same"}, ["stride[1]", "'same'"]),
    ({"groups": 3}, ["groups", "in_channels"]),
    ({"input_size": [9, 9.0]}, ["input_size[1]", "float"]),
    ({"input_size": [9, True]}, ["input_size[1]", "bool"]),
    ({"padding": [1, -1]}, ["padding[1]", ">= 0"]),
    ({"name": ""}, ["'name'", "non-empty"]),
])
def test_malformed_nd_layers_name_the_layer_and_the_field(tmp_path, capsys, change, words):
    raw = {**BASE, **change}
    if "input_length" in change:
        del raw["input_size"]
    path = _write(tmp_path, [raw])
    with pytest.raises(LayerSpecError) as info:
        load_layers(path)
    for word in words:
        assert word in str(info.value)
    assert "Traceback" not in str(info.value)
    assert main(["table", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "layer 1" in err


def test_missing_nd_fields_are_named(tmp_path):
    for key in ("in_channels", "out_channels", "kernel_size", "input_size"):
        raw = {k: v for k, v in BASE.items() if k != key}
        with pytest.raises(LayerSpecError, match=f"field '{key}' is missing"):
            parse_layers([raw])


def test_hostile_sizes_in_lists_are_refused_briefly(tmp_path):
    # an integer of too many digits inside a per-dimension list
    big = "9" * (MAX_DIGITS + 1)
    path = _write(tmp_path, '[{"name": "x", "type": "conv2d", "in_channels": 1, '
                            '"out_channels": 1, "kernel_size": 1, "input_size": [3, '
                            + big + "]}]")
    with pytest.raises(LayerSpecError, match=r"'input_size' has too many digits \(1001"):
        load_layers(path)
    # a huge list: a short message, not the list
    path = _write(tmp_path, [{**BASE, "kernel_size": list(range(100_000))}])
    with pytest.raises(LayerSpecError) as info:
        load_layers(path)
    assert len(str(info.value)) < 300 and "100000 value(s)" in str(info.value)
    # a deeply nested list
    path = _write(tmp_path, '[{"name": "x", "type": "conv2d", "in_channels": 1, '
                            '"out_channels": 1, "kernel_size": 1, "input_size": '
                            + "[" * 5000 + "]" * 5000 + "}]")
    with pytest.raises(LayerSpecError, match="nested too deeply"):
        load_layers(path)
    path = _write(tmp_path, [{**BASE, "input_size": [[[[[9]]]], 9]}])
    with pytest.raises(LayerSpecError, match="'input_size'"):
        load_layers(path)


def test_format_dims():
    assert format_dims((3, 3)) == "3×3" and format_dims((7,)) == "7"
    assert format_dims((1, 1), collapse=True) == "1" and format_dims((2, 1), collapse=True) == "2×1"
    assert format_dims((3, 7, 7), sep="x") == "3x7x7" and format_dims("same") == "same"


# --- tables mixing layer types --------------------------------------------------------------

def test_mixed_csv_holds_exact_integers_one_column_per_field():
    layers = parse_layers(MIXED)
    rows = list(csv.DictReader(io.StringIO(render_table(layers, "csv"))))
    assert list(rows[0]) == ["name", "type", "batch_size", "in_channels", "out_channels",
                             "kernel_size", "stride", "padding", "dilation", "groups", "bias",
                             "input_size", "output_size", "parameters", "ops", "convention"]
    assert [r["name"] for r in rows] == [ly.name for ly in layers] + ["total"]
    for row, layer in zip(rows, layers):
        assert row["type"] == layer.type
        assert int(row["ops"]) == _evaluator(layer)
        assert int(row["parameters"]) == _parameters_by_hand(layer)
        # every per-dimension value in full: split on x, one int per dimension
        for field in ("kernel_size", "stride", "dilation", "input_size", "output_size"):
            values = tuple(int(v) for v in row[field].split("x"))
            assert values == (layer.per_dim(field) if field != "output_size"
                              else layer.output_size)
        assert row["padding"] == ("same" if layer.padding == "same" else
                                  "x".join(map(str, layer.per_dim("padding"))))
        assert row["convention"] == CONVENTION
    assert int(rows[-1]["ops"]) == sum(_evaluator(ly) for ly in layers)
    assert int(rows[-1]["parameters"]) == sum(_parameters_by_hand(ly) for ly in layers)
    assert rows[0]["kernel_size"] == "7x7" and rows[0]["stride"] == "2x2"
    assert rows[3]["input_size"] == "16x112x112" and rows[4]["kernel_size"] == "7"
    assert render_table(layers, "csv", TableOptions(si=True)) == render_table(layers, "csv")


def test_mixed_markdown_table_parses_with_sizes_as_written():
    from markdown_it import MarkdownIt

    layers = parse_layers(MIXED)
    md = render_table(layers, "md")
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    rows = [t for t in tokens if t.type == "tr_open"]
    assert len(rows) == 1 + len(layers) + 1
    cells = [t.content for t in tokens if t.type == "inline"]
    width = len(cells[1:]) // (len(layers) + 2)
    table = [cells[1 + i * width:1 + (i + 1) * width] for i in range(len(layers) + 2)]
    head = table[0]
    assert head[:3] == ["Layer", "Type", "N"] and head[-4:] == ["Input", "Output", "parameters",
                                                                  "ops"]
    stem = dict(zip(head, table[1]))
    assert (stem["Type"], stem["K"], stem["stride"], stem["Input"], stem["Output"]) == \
        ("Conv2d", "7×7", "2", "224×224", "112×112")
    dw = dict(zip(head, table[3]))
    assert (dw["K"], dw["stride"], dw["padding"]) == ("3×1", "2×1", "1×0")
    audio = dict(zip(head, table[5]))
    assert (audio["Type"], audio["K"], audio["Input"]) == ("Conv1d", "7", "16,000")
    assert [int(dict(zip(head, r))["ops"].replace(",", "")) for r in table[1:-1]] == \
        [_evaluator(ly) for ly in layers]
    assert DEFAULT_CAPTION_MIXED in md


def test_conv1d_only_tables_keep_their_columns_and_caption(tmp_path):
    from pathlib import Path

    small = Path(__file__).resolve().parent / "data" / "layers_small.json"
    csv_head = render_table_file(small, "csv").splitlines()[0]
    assert csv_head == ("name,batch_size,in_channels,out_channels,kernel_size,stride,padding,"
                        "dilation,groups,bias,input_length,output_length,parameters,ops,"
                        "convention")
    tex = render_table_file(small, "tex")
    assert DEFAULT_CAPTION in tex and "Type" not in tex and r"\small" in tex
    assert r"$L_{\text{in}}$" in tex


def test_hostile_names_in_a_mixed_table_stay_harmless():
    names = ["=1+1", "a\nb | c", "x\u202ey", "\\input{/etc/passwd} $ & % #"]
    layers = [Layer(name, "conv2d", 2, 2, 3, (8, 8)) for name in names] + \
        [Conv1dLayer("@SUM(A1)", 2, 2, 3, 10)]
    text = render_table(layers, "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows[1:-1]] == ["'=1+1", "a<U+000A>b | c", "x<U+202E>y",
                                          "\\input{/etc/passwd} $ & % #", "'@SUM(A1)"]
    md = render_table(layers, "md")
    assert len([line for line in md.splitlines() if line.startswith("|")]) == 2 + 5 + 1
    assert r"a\<U+000A\>b \| c" in md
    tex = render_table(layers, "tex")
    assert not re.search(r"[^\x00-\x7f]", tex)
    assert r"\ensuremath{\backslash}input\{/etc/passwd\} \ensuremath{\$} \& \% \#" in tex
    for out in (text, md, tex):
        assert not [c for c in out if c != "\n" and unicodedata.category(c) in ("Cc", "Cf")]


def test_symconv_table_reads_a_mixed_file(tmp_path, capsys):
    path = _write(tmp_path, MIXED)
    assert main(["table", str(path), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out == render_table(parse_layers(MIXED), "csv")
    assert main(["table", str(path), "--format", "md", "--si"]) == 0
    assert "| Conv3d |" in capsys.readouterr().out


_TEX_MISSING = [t for t in ("pdflatex", "pdftotext") if shutil.which(t) is None]


@pytest.mark.skipif(bool(_TEX_MISSING), reason=f"{_TEX_MISSING} not installed "
                    "(Debian: texlive-latex-base, poppler-utils)")
def test_mixed_table_compiles_with_no_overfull_box(tmp_path):
    if subprocess.run(["kpsewhich", "booktabs.sty"], capture_output=True).returncode != 0:
        pytest.skip("booktabs.sty not installed (Debian: texlive-latex-recommended)")
    path = _write(tmp_path, MIXED)
    for si in (False, True):
        doc = ("\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{booktabs}\n"
               "\\usepackage[margin=1in]{geometry}\n\\begin{document}\n"
               + render_table_file(path, "tex", TableOptions(si=si)) + "\\end{document}\n")
        name = f"mixed{int(si)}"
        (tmp_path / f"{name}.tex").write_text(doc, encoding="utf-8")
        for _ in range(2):  # the second run has the label's reference
            proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                                   "-no-shell-escape", f"{name}.tex"], cwd=tmp_path,
                                  capture_output=True, text=True, timeout=120)
        log = (tmp_path / f"{name}.log").read_text(encoding="latin-1")
        assert proc.returncode == 0, log[-2000:]
        assert "Overfull" not in log and "Underfull" not in log
        assert not re.search(r"^(LaTeX|Package) \w* ?Warning", log, re.M)
        text = subprocess.run(["pdftotext", "-layout", f"{name}.pdf", "-"], cwd=tmp_path,
                              capture_output=True, text=True, check=True).stdout
        flat = re.sub(r"\s+", " ", text)
        assert "Conv2d" in flat and "Conv3d" in flat and "Conv1d" in flat
        assert "224×224" in flat and "3×7×7" in flat
        assert ("9.42 G" in flat) if si else re.search(r"9\s?418\s?522\s?624", flat)
