"""Layer tables: counts, totals, convention, SI formatting, escaping, errors."""

import csv
import io
import json
import re
import unicodedata
from pathlib import Path

import pytest

from symconv import conv1d_ops
from symconv.cli import main
from symconv.conv1d import CONVENTION
from symconv.latex.tables import TableOptions, render_table, render_table_file, si_format
from symconv.layers import LayerSpecError
from symconv.model import load_layers

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
    # every integer digit-grouped, L_in included (regression: L_in was "16000")
    assert (r"conv\_in & 1 & 16 & 7 & 2 & 3 & 1 & 1 & yes & 16\,000 & 8\,000 & 128 & "
            r"14\,336\,000 \\") in tex
    assert (r"depthwise \#1 \& 50\% \{dw\} & 16 & 16 & 3 & 1 & same & 1 & 16 & no & 8\,000 & "
            r"8\,000 & 48 & 5\,120\,000 \\") in tex
    assert (r"point\~{}wise\^{}2 \ensuremath{\$}x\ensuremath{\$} \ensuremath{\backslash} proj"
            in tex)
    assert r"\textbf{Total} & & & & & & & & & & & 2\,288 & 281\,403\,392 \\" in tex
    assert CONVENTION in tex and "batch of 8" in tex
    assert r"\label{tab:layers-small}" in tex  # from the file name


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
    assert r"depthwise #1 \& 50% {dw}" in cells and "14.3 M" in cells
    assert r"point\~wise^2 \$x\$ \\ proj" in md  # ~ $ and \ escaped for Markdown
    assert CONVENTION in md
    assert "**281 M**" in md
    assert "| 16,000 | 8,000 |" in md  # L_in and L_out digit-grouped like the counts


def test_markdown_caption_is_a_title_above_the_table():
    """Regression: the help says title, but --caption landed under the table."""
    from markdown_it import MarkdownIt

    md = render_table_file(LAYERS, "md", TableOptions(caption="My model"))
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert html.index("<strong>My model</strong>") < html.index("<table>")
    assert html.index("<table>") < html.index(CONVENTION)
    assert main(["table", str(LAYERS), "--format", "md", "--caption", "Encoder"]) == 0


def test_mixed_batch_sizes_get_a_column():
    data = {"layers": [
        {"name": "a", "in_channels": 2, "out_channels": 2, "kernel_size": 3, "input_length": 10,
         "batch_size": 1},
        {"name": "b", "in_channels": 2, "out_channels": 2, "kernel_size": 3, "input_length": 10,
         "batch_size": 4}]}
    from symconv.model import parse_layers
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


def test_labels_default_to_the_file_name_and_can_be_given(tmp_path, capsys):
    """Regression: every table was labelled tab:conv1d-layers, so two collided in one document."""
    other = tmp_path / "Encoder v2.json"
    other.write_text(LAYERS.read_text(encoding="utf-8"), encoding="utf-8")
    assert r"\label{tab:layers-small}" in render_table_file(LAYERS, "tex")
    assert r"\label{tab:encoder-v2}" in render_table_file(other, "tex")
    assert r"\label{tab:mine}" in render_table_file(LAYERS, "tex", TableOptions(label="tab:mine"))
    assert r"\label{tab:conv1d-layers}" in render_table(load_layers(LAYERS), "tex")
    assert r"\label{fig:x_1}" in render_table(load_layers(LAYERS), "tex",
                                              TableOptions(label="fig:x_1"))
    for bad in ("a}b", "tab: x", "", "\\x", "tab:x\n"):
        with pytest.raises(ValueError, match="label"):
            render_table(load_layers(LAYERS), "tex", TableOptions(label=bad))
    assert main(["table", str(LAYERS), "--label", "tab:enc"]) == 0
    assert r"\label{tab:enc}" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main(["table", str(LAYERS), "--label", "a}b"])
    assert info.value.code == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("symconv table: error: argument --label") and "a}b" in err


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


# --- hostile layer names and captions (issue 8, item 10) -------------------------------------

HOSTILE = Path(__file__).resolve().parent / "data" / "layers_hostile.json"
_FORMULA = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def visible(text):
    """What a reader should see: every unprintable character as <U+XXXX>."""
    return "".join(f"<U+{ord(c):04X}>" if unicodedata.category(c) in
                   ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") else c for c in text)


def assert_no_raw_controls(text):
    bad = [c for c in text if c != "\n" and unicodedata.category(c) in
           ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")]
    assert not bad, [f"U+{ord(c):04X}" for c in bad]


def test_hostile_names_in_markdown_one_row_each_and_shown_as_written():
    """Regression: names with blank lines split the table (9 of 26 rows); | broke cells."""
    from html.parser import HTMLParser

    from markdown_it import MarkdownIt

    layers = load_layers(HOSTILE)
    caption = "x\n# injected\n\nmore | cells"
    md = render_table(layers, "md", TableOptions(caption=caption))
    assert_no_raw_controls(md)
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert "<h1>" not in html and "<h2>" not in html  # the caption made no heading

    class Cells(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.cell, self.strong, self.tags = [], None, [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            if tag == "tr":
                self.rows.append([])
            elif tag in ("td", "th"):
                self.cell = ""
            elif tag == "strong" and not self.rows:
                self.strong.append("")

        def handle_endtag(self, tag):
            if tag in ("td", "th"):
                self.rows[-1].append(self.cell)
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data
            elif self.strong and not self.rows:
                self.strong[-1] += data

    parser = Cells()
    parser.feed(html)
    assert len(parser.rows) == 1 + len(layers) + 1  # header, one per layer, total
    assert all(len(row) == 13 for row in parser.rows)
    # as written (a table cell drops leading and trailing spaces)
    assert [row[0] for row in parser.rows[1:-1]] == [visible(layer.name).strip(" ")
                                                     for layer in layers]
    assert [t.strip() for t in parser.strong] == [visible(caption)]  # all on the title line
    assert [t for t in parser.tags if t in ("table", "ul", "ol", "pre", "code", "a", "img",
                                           "blockquote", "hr", "em")] == ["table"]


def test_hostile_names_in_csv_are_neutralised():
    """Regression: names starting with = + - @ were written verbatim (spreadsheet formulas)."""
    layers = load_layers(HOSTILE)
    text = render_table(layers, "csv")
    assert_no_raw_controls(text)
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + len(layers) + 1
    for row, layer in zip(rows[1:-1], layers):
        expected = visible(layer.name)
        if expected.lstrip(" ").startswith(_FORMULA):
            expected = "'" + expected
        assert row[0] == expected
        assert not row[0].lstrip(" ").startswith(_FORMULA)
        assert int(row[13]) == layer.ops
    assert rows[1 + 16][0] == "'=1+1" and rows[1 + 19][0] == "'@SUM(A1)"
    assert rows[1 + 22][0] == "'  =spaced" and rows[1 + 23][0] == "'\uff1dfullwidth"
    assert rows[1 + 20][0] == "<U+0009>=tab"  # tab made visible: no longer a formula start
    assert rows[1 + 0][0] == layers[0].name  # harmless names unchanged


def test_hostile_names_in_latex_are_escaped():
    layers = load_layers(HOSTILE)
    caption = "x\n\n# injected } \\end{table} \u202e"
    tex = render_table(layers, "tex", TableOptions(caption=caption))
    assert_no_raw_controls(tex)
    assert not re.search(r"[^\x00-\x7f]", tex)  # pure ASCII: no glyph pdflatex may lack
    assert r"\textless{}tag\textgreater{}\textbar{}pipe\textgreater{}" in tex
    assert r"-{}-a-{}-{}-b '{}'q'{}' !{}`?{}` ,{}," in tex
    assert r"\ensuremath{\backslash}input\{/etc/passwd\}" in tex
    assert r"rtl a\textless{}U+202E\textgreater{}b" in tex
    assert r"\textless{}U+6F22\textgreater{}\textless{}U+5B57\textgreater{}" in tex
    assert r"Stra\ss{}e caf\'{e}" in tex
    caption_line = [line for line in tex.splitlines() if line.startswith(r"\caption{")][0]
    assert r"\textless{}U+000A\textgreater{}\textless{}U+000A\textgreater{}\#" in caption_line
    assert r"\} \ensuremath{\backslash}end\{table\}" in caption_line


# --- issue 9: the totals row is unambiguous; one field check for both layer formats ------------

def _named(name, typed=False):
    if typed:
        return {"name": name, "type": "conv2d", "in_channels": 2, "out_channels": 4,
                "kernel_size": 3, "input_size": [8, 8]}
    return {"name": name, "in_channels": 2, "out_channels": 4, "kernel_size": 3,
            "input_length": 10}


@pytest.mark.parametrize("typed", [False, True], ids=["conv1d-only", "mixed"])
@pytest.mark.parametrize("name", ["total", "Total", " TOTAL ", "\uff34otal"])
def test_a_layer_named_total_is_not_the_totals_row(name, typed):
    """Regression: a layer named "total" gave two CSV rows named "total" (and in LaTeX a row
    "Total" like the totals row's)."""
    from symconv.model import parse_layers
    from symconv.latex.tables import TOTAL_LABEL, reads_as_total

    layers = parse_layers([_named("a"), _named(name, typed), _named("b")])
    assert reads_as_total(name)
    rows = list(csv.reader(io.StringIO(render_table(layers, "csv"))))
    names = [row[0] for row in rows[1:]]
    assert names.count(TOTAL_LABEL) == 1 and names[-1] == TOTAL_LABEL  # the totals row alone
    assert names[1] == "'" + name  # the layer, marked as text (as a formula-like name is)
    assert int(rows[-1][-2]) == sum(layer.ops for layer in layers)
    tex = render_table(layers, "tex")
    assert tex.count(r"\textbf{Total}") == 1  # the totals row is bold; a layer name cannot be
    assert r"\textbf{Total} &" in tex.splitlines()[-4]
    md = render_table(layers, "md")
    table_rows = [line for line in md.splitlines() if line.startswith("|")]
    assert md.count("**Total**") == 1 and table_rows[-1].startswith("| **Total** |")


def test_names_that_only_resemble_total_are_unchanged():
    from symconv.latex.tables import reads_as_total

    for name in ("totals", "total_1", "subtotal", "Tota\u200bl"):
        assert not reads_as_total(name), name


_BAD_FIELDS = [
    ("name", "", "field 'name' must be a non-empty string, got ''"),
    ("name", [1, 2], "field 'name' must be a non-empty string, got a list"),
    ("in_channels", None, None),  # removed: "field 'in_channels' is missing"
    ("kernel_size", [int("9" * 1001)], "field 'kernel_size' has too many digits (1001 digits"),
    ("stride", int("9" * 1001), "field 'stride' has too many digits (1001 digits"),
    ("batch_size", int("9" * 1001), "field 'batch_size' has too many digits (1001 digits"),
]


@pytest.mark.parametrize("field, value, message", _BAD_FIELDS,
                         ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(_BAD_FIELDS)])
def test_both_layer_formats_check_a_field_with_the_same_function(tmp_path, field, value,
                                                                 message):
    """Regression: the Conv1d format and the typed format had two copies of the field checks;
    a Conv1d kernel_size of [10**1001] reached the evaluator unchecked."""
    conv1d = _named("x")
    typed = dict(_named("x"), type="conv1d", input_size=[10])
    del typed["input_length"]
    errors = []
    for raw in (conv1d, typed):
        raw = dict(raw)
        if message is None:
            del raw[field]
        else:
            raw[field] = value
        path = write(tmp_path, [raw])  # through the file reader: big integers stay unread
        with pytest.raises(LayerSpecError) as info:
            load_layers(path)
        errors.append(str(info.value))
    expected = message or f"field {field!r} is missing"
    assert errors[0] == errors[1], errors
    assert expected in errors[0] and errors[0].count("\n") == 0 and len(errors[0]) < 300
