"""Rich display: print(layers), repr, and what a notebook shows (HTML, Markdown, LaTeX).

Layer names are hostile: HTML, TeX, Markdown and MathJax syntax, control and bidi characters.
Every representation is parsed (html.parser, markdown-it with the dollar-math plugin), the
LaTeX ones are checked balanced and compiled with pdflatex, and IPython's display formatter
says which representations Jupyter gets.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import pytest
import sympy as sp

import symconv
from symconv.model import LayerList, parse_layers
from symconv.printing.latex import visible_text
from symconv.proof import ProofReport, ProofResult

HOSTILE = [
    "<script>alert(1)</script>",
    'a & b "quoted" \'single\' &amp; &#x202E;',
    r"$x^2$ \(y\) $$z$$ \[w\]",
    "**bold** _it_ `code` | pipe # h [l](javascript:x) <!-- c -->",
    r"\end{aligned}}{\input{/etc/passwd}%",
    "tab\there\nnew\x00nul\u202eRTL\u200b",
    "total",
    "plain",
]


def _records(names):
    """One Conv1d per name (alternating shapes), a Conv2d and a ConvTranspose1d."""
    out = [{"name": name, "in_channels": 2 + k % 3, "out_channels": 4, "input_length": 50 + k,
            "kernel_size": 3, "stride": 1 + k % 2, "batch_size": 2} for k, name in enumerate(names)]
    return out


def _mixed(names):
    recs = _records(names)
    recs.append({"type": "conv2d", "name": names[0] + " 2d", "in_channels": 4,
                 "out_channels": 8, "input_size": [10, 12], "kernel_size": [3, 3],
                 "batch_size": 2, "groups": 2})
    recs.append({"type": "conv_transpose1d", "name": names[1] + " t", "in_channels": 4,
                 "out_channels": 8, "input_size": [10], "kernel_size": [3], "stride": [2],
                 "batch_size": 2})
    return recs


@pytest.fixture(params=["one-type", "mixed"])
def layers(request) -> LayerList:
    """A list of Conv1d layers only (its own table columns), or of several layer types."""
    return parse_layers(_records(HOSTILE) if request.param == "one-type" else _mixed(HOSTILE))


# --- print(layers), repr ---------------------------------------------------------------------

def test_print_shows_each_layer_count_and_the_total(layers, capsys):
    print(layers)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split()[0] == "layer"
    for layer in layers:  # one line per layer: its visible name and its count
        row = [ln for ln in lines if ln.startswith(visible_text(layer.name) + " ")]
        assert row, layer.name
        assert f"{layer.count():,}" in row[0]
    assert re.search(r"^total\s+%s$" % re.escape(f"{sum(ly.count() for ly in layers):,}"),
                     out, re.M)
    assert "symconv: moduleprofiler ops" in out
    assert "\x00" not in out and "\u202e" not in out and "\t" not in out
    assert len(lines) == len(layers) + 5  # head, rule, layers, rule, total, convention
    assert str(layers) == layers.table()


def test_print_of_an_empty_list():
    empty = parse_layers([])
    assert str(empty) == ("LayerList: no convolution layer (Conv1d, Conv2d, Conv3d, "
                          "ConvTranspose1d/2d/3d); total 0")
    assert repr(empty) == "LayerList([0 layers])"
    assert "no convolution layer" in empty._repr_html_()


def test_repr_is_short_and_equality_stays_that_of_a_list(layers):
    text = repr(layers)
    assert text.startswith(f"LayerList([{len(layers)} layers: Conv1d ")
    assert text.endswith(", …])") and len(text) < 250
    assert "\n" not in text and "\x00" not in text and "\u202e" not in text
    one = parse_layers(_records(["x" * 100]))
    assert repr(one) == "LayerList([1 layer: Conv1d '" + "x" * 39 + "…'])"
    assert parse_layers(_records(HOSTILE)) == list(parse_layers(_records(HOSTILE)))
    assert layers == list(layers) and list(layers) == layers


def test_torch_layers_print_and_repr(tmp_path):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (symconv[torch])")
    from symconv.model import load_layers

    model = torch.nn.Sequential(torch.nn.Conv1d(1, 4, 5, stride=2), torch.nn.ReLU(),
                                torch.nn.MaxPool1d(2), torch.nn.Conv1d(4, 8, 3))
    layers = symconv.from_torch(model, torch.zeros(2, 1, 100))
    assert repr(layers) == "TorchLayers([2 layers: Conv1d '0', Conv1d '3'], method='meta')"
    text = str(layers)
    assert text == layers.table()
    assert f"{layers.total():,}" in text.splitlines()[-2]
    path = layers.save(tmp_path / "m.json")
    assert load_layers(path) == list(layers)


# --- HTML ------------------------------------------------------------------------------------

class _Table(HTMLParser):
    """Rows of the tables (cells' text), every tag, and whether the tags nest properly."""

    ALLOWED = {"table", "thead", "tbody", "tfoot", "tr", "th", "td", "code", "p", "small",
               "caption"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows, self.tags, self.stack, self.classes = [], [], [], []
        self.section = None
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.stack.append(tag)
        attrs = dict(attrs)
        self.classes.append((tag, attrs.get("class", "")))
        if tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        elif tag == "tr":
            self.rows.append((self.section, []))
        elif tag in ("td", "th"):
            self.rows[-1][1].append("")

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"</{tag}> closes {self.stack}"

    def handle_data(self, data):
        self.text.append(data)
        if self.stack and self.stack[-1] in ("td", "th", "code") and self.rows:
            self.rows[-1][1][-1] += data


def _parse(html_text: str) -> _Table:
    parser = _Table()
    parser.feed(html_text)
    parser.close()
    assert not parser.stack, parser.stack
    assert set(parser.tags) <= _Table.ALLOWED, set(parser.tags) - _Table.ALLOWED
    return parser


def test_html_table_one_row_per_layer_and_the_total(layers):
    page = layers._repr_html_()
    parsed = _parse(page)
    body = [cells for section, cells in parsed.rows if section == "tbody"]
    foot = [cells for section, cells in parsed.rows if section == "tfoot"]
    head = [cells for section, cells in parsed.rows if section == "thead"]
    assert len(body) == len(layers) and len(foot) == 1 and len(head) == 1
    for cells, layer in zip(body, layers):
        assert cells[0] == visible_text(layer.name)  # the name, shown as written
        assert cells[-1] == f"{layer.count():,}"
        assert len(cells) == len(head[0])
    assert foot[0][0] == "total" and foot[0][-1] == f"{layers.total():,}"
    # no user text unescaped: the only tags are the table's; MathJax is kept off the text
    assert "<script" not in page and "<!--" not in page and "\x00" not in page
    assert all("mathjax_ignore" in cls and "tex2jax_ignore" in cls
               for tag, cls in parsed.classes if tag in ("table", "p"))


def _failing_report() -> ProofReport:
    x, y = sp.symbols("C_in K", positive=True, integer=True)
    good = symconv.prove(x * y, y * x, name="<b>commutes</b> $x$", statement="a & b", samples=5)
    bad = symconv.prove(x * y, x * y + 1, name=HOSTILE[0], statement=HOSTILE[2], samples=5)
    return ProofReport([good, bad])


def test_proof_report_html_table_with_marks_and_counterexample():
    report = _failing_report()
    parsed = _parse(report._repr_html_())
    body = [cells for section, cells in parsed.rows if section == "tbody"]
    assert [cells[0] for cells in body] == ["✓", "✗"]
    assert body[0][1] == "<b>commutes</b> $x$" and body[0][2] == "a & b"
    assert body[1][1] == HOSTILE[0] and body[1][2] == HOSTILE[2]
    bad = report[1]
    assert bad.counterexample  # the refuted claim's point and both sides' values
    point = ", ".join(f"{k} = {v}" for k, v in bad.counterexample.items())
    values = bad.counterexample_values
    assert body[1][4] == f"{point}: {values[0]} ≠ {values[1]}"
    assert body[0][4] == ""
    assert "1/2 claims hold" in "".join(parsed.text)
    # one result alone is a one-row table
    single = [c for s, c in _parse(bad._repr_html_()).rows if s == "tbody"]
    assert len(single) == 1 and single[0][0] == "✗"


def test_proof_report_stays_a_list():
    report = symconv.prove_conv1d(samples=3)
    assert isinstance(report, ProofReport) and isinstance(report, list)
    assert all(isinstance(r, ProofResult) for r in report) and report.all_hold
    assert bool(ProofReport([report[0]])) and not ProofReport([])  # list truth
    failing = _failing_report()
    assert failing and not failing.all_hold and failing.failed == [failing[1]]
    assert str(failing).splitlines()[-1] == "1/2 claims hold"
    assert "counterexample:" in str(failing)
    assert repr(report) == f"ProofReport([{len(report)}/{len(report)} claims hold])"
    from symconv.proof import prove_layer

    assert isinstance(prove_layer("conv2d", samples=2), ProofReport)


# --- Markdown and LaTeX ----------------------------------------------------------------------

def _balanced(tex: str) -> None:
    """Braces balanced (escaped ones aside), \\begin/\\end and \\left/\\right paired, no
    blank line inside display math."""
    depth = 0
    for m in re.finditer(r"\\[{}]|[{}]", tex):
        if m.group() == "{":
            depth += 1
        elif m.group() == "}":
            depth -= 1
        assert depth >= 0, tex
    assert depth == 0, tex
    envs = []
    for m in re.finditer(r"\\(begin|end)\{(\w+\*?)\}", tex):
        if m.group(1) == "begin":
            envs.append(m.group(2))
        else:
            assert envs and envs.pop() == m.group(2), tex
    assert not envs
    assert len(re.findall(r"\\left\b", tex)) == len(re.findall(r"\\right\b", tex))


def _markdown_tokens(md: str):
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py (test extras)")
    dollarmath = pytest.importorskip("mdit_py_plugins.dollarmath",
                                     reason="mdit-py-plugins (test extras)")
    tokens = markdown_it.MarkdownIt("commonmark").use(dollarmath.dollarmath_plugin).parse(md)
    flat = []
    for t in tokens:
        flat.append(t)
        flat.extend(t.children or [])
    return flat


def test_layer_derivation_markdown_and_latex(layers):
    for layer, derivation in zip(layers, layers.derivations()):
        md, tex = derivation._repr_markdown_(), derivation._repr_latex_()
        tokens = _markdown_tokens(md)
        math = [t.content for t in tokens if t.type == "math_block"]
        assert len(math) == 1 and tex.strip("$\n") == math[0].strip()
        # the name: a code span, shown as written; no raw HTML, no math from user text
        codes = [t.content for t in tokens if t.type == "code_inline"]
        assert codes[0] == visible_text(layer.name)
        assert not [t for t in tokens if t.type in ("html_inline", "html_block", "math_inline")]
        _balanced(tex)
        assert tex.startswith("$$\n\\begin{aligned}") and tex.endswith("\\end{aligned}\n$$")
        # every step's value, from the step; the count last
        for step in derivation.steps:
            assert symconv.printing.latex.latex_number(step.value) in tex
        assert tex.rstrip("$\n").rstrip().endswith(
            "= " + symconv.printing.latex.latex_number(layer.count()) + "\n\\end{aligned}")
        assert visible_text(layer.name) not in tex or layer.name == "plain"
        # a division by 1 (groups = 1) is not shown as a product with 1^{-1}; same value
        from symconv.printing.display import _unit_inverses_dropped

        assert "^{-1}" not in tex
        for step in derivation.steps:
            assert sp.sympify(_unit_inverses_dropped(step.substituted)).doit() == step.value


def test_general_derivation_markdown_and_latex():
    from symconv.printing.display import symbol_names
    from symconv.printing.latex import DOCUMENTED, latex
    from symconv.registry import get, names

    for name in names():
        derivation = get(name).derivation
        steps = list(derivation.definitions) + [st for ch in derivation.chains for st in ch]
        md, tex = derivation._repr_markdown_(), derivation._repr_latex_()
        math = [t.content for t in _markdown_tokens(md) if t.type == "math_block"]
        assert len(math) == len(steps)
        names_ = symbol_names(derivation.notation)
        for step, block in zip(steps, math):  # printed from the step's own expression
            assert latex(step.expr, DOCUMENTED, names_) in block
            assert latex(step.lhs, DOCUMENTED, names_) in block
        _balanced(tex)
        assert tex.count(" \\\\\n") == len(steps) - 1  # one row per step
    assert r"H_{\text{out}}" in get("conv2d").derivation._repr_latex_()


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_latex_representations_compile(tmp_path):
    from _helpers import LAYER_NAMES
    from _tex import compile_tex
    from symconv.registry import get

    layers = parse_layers(_mixed(HOSTILE))
    bodies = [d._repr_latex_() for d in layers.derivations()]
    bodies += [get(n).derivation._repr_latex_() for n in LAYER_NAMES]  # every registered layer
    from symconv.printing.display import symbolic_latex

    bodies.append(symbolic_latex(_cost()))
    document = ("\\documentclass{article}\n\\usepackage{amsmath}\n"
                "\\usepackage[paperwidth=120cm,paperheight=60cm,margin=1cm]{geometry}\n"
                "\\begin{document}\n" + "\n\n".join(bodies) + "\n\\end{document}\n")
    log, text = compile_tex(tmp_path, "display", document)
    assert "Error" not in log


# --- what Jupyter picks ----------------------------------------------------------------------

def _formats(obj) -> set[str]:
    formatters = pytest.importorskip("IPython.core.formatters",
                                     reason="IPython is not installed (test extras)")
    data, _ = formatters.DisplayFormatter().format(obj)
    return data


def test_jupyter_gets_the_intended_representations(layers):
    data = _formats(layers)
    assert set(data) == {"text/plain", "text/html"}
    assert data["text/plain"] == str(layers)  # the table, as print shows it
    assert data["text/html"] == layers._repr_html_()

    derivation = layers.derivations()[0]
    data = _formats(derivation)  # Markdown first (frontends rank it above LaTeX)
    assert set(data) == {"text/plain", "text/markdown", "text/latex"}

    data = _formats(symconv.DERIVATION)
    assert set(data) == {"text/plain", "text/markdown", "text/latex"}

    report = _failing_report()
    data = _formats(report)
    assert set(data) == {"text/plain", "text/html"} and data["text/plain"] == str(report)
    data = _formats(report[1])
    assert set(data) == {"text/plain", "text/html"} and data["text/plain"] == report[1].describe()

    data = _formats(parse_layers([]))
    assert "no convolution layer" in data["text/plain"] and "text/html" in data


# --- a model's cost as a formula -------------------------------------------------------------

def _cost():
    """A SymbolicCost built by hand (floors nested as pooling makes them), hostile names."""
    from symconv.symbolic import SymbolicCost

    n, length = sp.symbols("N L_in", positive=True, integer=True)
    per_layer = {name: n * (k + 3) * (sp.floor((length - 1 - k) / (2 + k)) + 1)
                 for k, name in enumerate(HOSTILE)}
    return SymbolicCost(per_layer, {"N": n, "L_in": length},
                        (sp.Ge(n, 1, evaluate=False), sp.Ge(length, 9, evaluate=False)))


def test_symbolic_cost_markdown_and_latex():
    from symconv.printing.display import size_latex, symbolic_latex, symbolic_markdown
    from symconv.printing.latex import DOCUMENTED, latex

    cost = _cost()
    names = {sym: size_latex(name) for name, sym in cost.symbols.items()}
    md, tex = symbolic_markdown(cost), symbolic_latex(cost)
    tokens = _markdown_tokens_tables(md)
    blocks = [t.content for t in tokens if t.type == "math_block"]
    assert len(blocks) == 1
    assert blocks[0].strip() == cost.latex()  # the cost's own equation, as the tables print it
    assert cost.latex().startswith(r"\mathrm{ops}(N, L_{\text{in}}) = ")
    rows = [t for t in tokens if t.type == "tr_open"]
    assert len(rows) == 1 + len(cost.per_layer)  # head and one row per layer
    codes = [t.content for t in tokens if t.type == "code_inline"]
    assert codes == [visible_text(name) for name in cost.per_layer]
    inline = [t.content for t in tokens if t.type == "math_inline"]
    assert inline[1:] == [cost.latex(e).partition(" = ")[2] for e in cost.per_layer.values()]
    assert not [t for t in tokens if t.type in ("html_inline", "html_block")]
    _balanced(tex)
    assert tex.startswith("$$" + blocks[0].strip()) and r"L_{\text{in}} \geq 9" in tex
    for name in HOSTILE[:-1]:
        assert visible_text(name) not in tex


def _markdown_tokens_tables(md: str):
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py (test extras)")
    dollarmath = pytest.importorskip("mdit_py_plugins.dollarmath",
                                     reason="mdit-py-plugins (test extras)")
    parser = markdown_it.MarkdownIt("commonmark").enable("table")
    tokens = parser.use(dollarmath.dollarmath_plugin).parse(md)
    flat = []
    for t in tokens:
        flat.append(t)
        flat.extend(t.children or [])
    return flat
