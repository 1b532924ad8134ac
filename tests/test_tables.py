"""Layer tables: counts, totals, convention, SI formatting, escaping, errors."""

import csv
import io
import json
from pathlib import Path

import pytest

from symconv import conv1d_ops
from symconv.cli import main
from symconv.conv1d import CONVENTION
from symconv.latex.tables import TableOptions, render_table, render_table_file, si_format
from symconv.layers import LayerSpecError, load_layers

LAYERS = Path(__file__).resolve().parent / "data" / "layers_small.json"


def test_csv_holds_exact_counts_and_totals():
    layers = load_layers(LAYERS)
    rows = list(csv.DictReader(io.StringIO(render_table(layers, "csv"))))
    assert [r["name"] for r in rows] == [layer.name for layer in layers] + ["total"]
    for row, layer in zip(rows, layers):
        assert int(row["ops"]) == layer.ops == conv1d_ops(
            layer.batch_size, layer.in_channels, layer.out_channels, layer.input_length,
            layer.kernel_size, layer.stride, layer.padding, layer.dilation, layer.groups,
            layer.bias)
        assert int(row["parameters"]) == layer.parameters
        assert int(row["output_length"]) == layer.output_length
        assert row["convention"] == CONVENTION
    assert int(rows[-1]["ops"]) == sum(layer.ops for layer in layers) == 281403392
    assert int(rows[-1]["parameters"]) == sum(layer.parameters for layer in layers) == 2288
    # csv keeps exact integers even with --si
    assert render_table(layers, "csv", TableOptions(si=True)) == render_table(layers, "csv")


def test_first_layer_by_hand():
    # conv_in: N=8, 1 -> 16 channels, K=7, stride 2, padding 3, L_in 16000 -> L_out 8000;
    # bias: N * C_in*C_out*L_out*2K/G = 8 * 1*16*8000*14 = 14,336,000; params 16*1*7 + 16.
    first = load_layers(LAYERS)[0]
    assert (first.output_length, first.ops, first.parameters) == (8000, 14336000, 128)


def test_tex_table_exact_rows():
    tex = render_table_file(LAYERS, "tex")
    assert r"\toprule" in tex and r"\midrule" in tex and r"\bottomrule" in tex
    assert (r"conv\_in & 1 & 16 & 7 & 2 & 3 & 1 & 1 & yes & 16000 & 8000 & $128$ & "
            r"$14\,336\,000$ \\") in tex
    assert (r"depthwise \#1 \& 50\% \{dw\} & 16 & 16 & 3 & 1 & same & 1 & 16 & no & 8000 & 8000 "
            r"& $48$ & $5\,120\,000$ \\") in tex
    assert (r"point\~{}wise\^{}2 \ensuremath{\$}x\ensuremath{\$} \ensuremath{\backslash} proj"
            in tex)
    assert r"Total & & & & & & & & & & & $2\,288$ & $281\,403\,392$ \\" in tex
    assert CONVENTION in tex and "batch of 8" in tex and r"\label{tab:conv1d-layers}" in tex


def test_tex_table_si():
    tex = render_table_file(LAYERS, "tex", TableOptions(si=True))
    assert r"& 128 & 14.3\,M \\" in tex
    assert r"& 2.29\,k & 281\,M \\" in tex
    assert "3 significant digits" in tex


def test_markdown_table_parses():
    from markdown_it import MarkdownIt

    md = render_table_file(LAYERS, "md", TableOptions(si=True, caption="My model"))
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    rows = [t for t in tokens if t.type == "tr_open"]
    assert len(rows) == 1 + 4 + 1  # header, layers, total
    cells = [t.content for t in tokens if t.type == "inline"]
    assert "depthwise #1 & 50% {dw}" in cells and "14.3 M" in cells
    assert r"point~wise^2 \$x\$ \\ proj" in md  # $ and \ escaped for Markdown
    assert "My model." in md and CONVENTION in md
    assert "**281 M**" in md


def test_mixed_batch_sizes_get_a_column():
    data = {"layers": [
        {"name": "a", "in_channels": 2, "out_channels": 2, "kernel_size": 3, "input_length": 10,
         "batch_size": 1},
        {"name": "b", "in_channels": 2, "out_channels": 2, "kernel_size": 3, "input_length": 10,
         "batch_size": 4}]}
    from symconv.layers import parse_layers
    layers = parse_layers(data)
    tex = render_table(layers, "tex")
    assert "& $N$ &" in tex and "per layer for its batch size N" in tex
    md = render_table(layers, "md")
    assert "| N |" in md


@pytest.mark.parametrize("value, expected", [
    (0, ("0", "")), (999, ("999", "")), (1000, ("1.00", "k")), (2408448, ("2.41", "M")),
    (999_500, ("1.00", "M")), (999_499, ("999", "k")), (12_345_678_901, ("12.3", "G")),
    (5 * 10**15, ("5000", "T")), (10**6 + 5000, ("1.00", "M")), (1_015_000, ("1.02", "M")),
])
def test_si_format(value, expected):
    assert si_format(value) == expected


def write(tmp_path, data):
    path = tmp_path / "layers.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


@pytest.mark.parametrize("data, words", [
    ([{"name": "enc_1", "in_channels": 4}], ["enc_1", "out_channels", "missing"]),
    ([{"name": "enc_1", "in_channels": 4, "out_channels": 4, "kernel_size": 3,
       "input_length": "long"}], ["enc_1", "input_length"]),
    ([{"name": "x", "in_channels": 3, "out_channels": 4, "kernel_size": 3, "input_length": 9,
       "groups": 2}], ["'x'", "groups"]),
    ([{"name": "x", "in_channels": 3, "out_channels": 4, "kernel_size": 3, "input_length": 9,
       "biass": True}], ["'x'", "biass"]),
    ({"layer": []}, ["layers"]),
    ("{not json", ["not valid JSON"]),
])
def test_malformed_files_name_layer_and_field(tmp_path, capsys, data, words):
    path = write(tmp_path, data)
    with pytest.raises(LayerSpecError) as info:
        render_table_file(path, "tex")
    for word in words:
        assert word in str(info.value)
    assert main(["table", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symconv table: error: ") and err.count("\n") == 1
    for word in words:
        assert word in err


def test_cli_table(tmp_path, capsys):
    assert main(["table", str(LAYERS), "--format", "md", "--si"]) == 0
    assert "281 M" in capsys.readouterr().out
    out = tmp_path / "t.tex"
    assert main(["table", str(LAYERS), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render_table_file(LAYERS, "tex")
    assert main(["table", str(tmp_path / "missing.json")]) == 2
    assert "no such file" in capsys.readouterr().err
    empty = write(tmp_path, [])
    assert main(["table", str(empty)]) == 2
    assert "no layers" in capsys.readouterr().err
