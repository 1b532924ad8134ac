"""The transposed layers' derivation documents (symconv.latex.transpose): they compile cleanly
with pdflatex, coexist with a forward layer's in one paper, every named sub-expression is the
expression it names, and every number of the worked examples equals the counting reference.

pdflatex and pdftotext: Debian texlive-latex-base, poppler-utils; the compile tests skip
where they are absent.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from _helpers import TRANSPOSED
import sympy as sp

from _tex import TAG_HOOKS, compile_tex, tags_off_their_line
from _tex import assert_clean as _assert_clean

from symconv import convtranspose as ct
from symconv.latex import transpose as tr
from symconv.latex.macros import render_macros as forward_macros
from symconv.latex.render import RenderOptions, render_derivation as forward_derivation
from symconv.reference_transpose import axis_landings, count_transpose_nd

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
LAYERS = tuple(tr.LAYERS)

#: Every per-layer test here runs for the registered transposed layers (the registry coverage
#: check compares the parametrization with layer_names(TRANSPOSED)).
pytestmark = pytest.mark.layers(where=TRANSPOSED, reason="the transposed layers' own artefacts")

_MISSING = [tool for tool in ("pdflatex", "pdftotext") if shutil.which(tool) is None]
needs_latex = pytest.mark.skipif(
    bool(_MISSING), reason=f"{' and '.join(_MISSING)} not installed (Debian: "
                           "texlive-latex-base, poppler-utils)")

def assert_clean(log: str) -> None:
    """As the forward documents' check, and no warning of any kind."""
    _assert_clean(log)
    assert not re.search(r"(?i)warning", log), re.findall(r".*[Ww]arning.*", log)


def with_tag_hooks(document: str) -> str:
    return document.replace("\\begin{document}", TAG_HOOKS + "\\begin{document}", 1)


# --- compiling ---------------------------------------------------------------------------

@needs_latex
@pytest.mark.parametrize("layer", LAYERS)
def test_committed_derivation_compiles_cleanly(tmp_path, layer):
    """The committed standalone article: no warning, no overfull box, every equation number on
    its formula's line, the sections and the worked example's result in the PDF."""
    text = (GENERATED / f"{layer}_derivation.tex").read_text(encoding="utf-8")
    assert text == tr.render_derivation(layer, "tex")
    log, out = compile_tex(tmp_path, layer, with_tag_hooks(text))
    assert_clean(log)
    tags, off = tags_off_their_line(tmp_path, layer)
    assert tags >= 20 and off == []
    flat = re.sub(r"\s+", " ", out)
    for needle in (f"Operation count of torch.nn.{tr.TITLES[layer]}", "Where the products land",
                   "Products that land", "Positions reached", "Cropping as a correction",
                   "T, no cropping", "R, no holes", "FlopCounterMode", "Worked example"):
        assert needle in flat, needle


@needs_latex
@pytest.mark.parametrize("layer", LAYERS)
def test_fragment_and_macros_compile_in_a_paper(tmp_path, layer):
    """The fragment \\input into a plain article with the macro file, every macro used."""
    (tmp_path / "derivation.tex").write_text(tr.render_derivation(layer, "fragment"),
                                             encoding="utf-8")
    (tmp_path / "macros.tex").write_text(
        (GENERATED / f"{layer}_macros.tex").read_text(encoding="utf-8"), encoding="utf-8")
    uses = "\n".join(f"\\noindent\\texttt{{{m.name}}}: \\[ \\{m.name} \\]"
                     for m in tr.macros(layer))
    paper = ("\\documentclass[11pt]{article}\n\\usepackage{amsmath}\n"
             "\\usepackage[margin=1in]{geometry}\n\\input{macros}\n\\begin{document}\n"
             f"See \\eqref{{eq:{layer}-products}} and \\eqref{{eq:{layer}-example-ops}}.\n"
             "\\input{derivation}\n\\clearpage\n" + uses + "\n\\end{document}\n")
    log, out = compile_tex(tmp_path, "paper", paper)
    assert_clean(log)
    assert "(??)" not in out


@needs_latex
def test_conv2d_and_conv_transpose2d_in_one_paper(tmp_path):
    """One document \\input-ing the Conv2d and ConvTranspose2d fragments and macros: no label
    defined twice, no macro defined twice, no warning; cross-references to both resolve."""
    files = {
        "conv2d_derivation.tex": forward_derivation("fragment", RenderOptions(), "conv2d"),
        "conv2d_macros.tex": forward_macros(layer="conv2d"),
        "conv_transpose2d_derivation.tex": tr.render_derivation("conv_transpose2d", "fragment"),
        "conv_transpose2d_macros.tex": tr.render_macros("conv_transpose2d"),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    paper = ("\\documentclass[11pt]{article}\n\\usepackage{amsmath}\n"
             "\\usepackage[margin=1in]{geometry}\n"
             "\\input{conv2d_macros}\n\\input{conv_transpose2d_macros}\n\\begin{document}\n"
             "Forward \\eqref{eq:conv2d-total}, transposed \\eqref{eq:conv_transpose2d-total}: "
             "\\[ \\symconvConvTwoDOps = \\symconvConvTwoDOpsBias \\] "
             "\\[ \\text{ops} = \\symconvConvTransposeTwoDOps \\]\n"
             "\\section{Conv2d}\n\\input{conv2d_derivation}\n"
             "\\section{ConvTranspose2d}\n\\input{conv_transpose2d_derivation}\n"
             "\\end{document}\n")
    log, out = compile_tex(tmp_path, "paper", paper)
    assert_clean(log)
    assert "multiply defined" not in log
    assert "(??)" not in out
    # the labels of the two layers are disjoint and each unique in its own fragment
    labels = [re.findall(r"\\label\{([^}]*)\}", files[f]) for f in
              ("conv2d_derivation.tex", "conv_transpose2d_derivation.tex")]
    assert labels[1] and all(x.startswith("eq:conv_transpose2d-") for x in labels[1])
    assert len(set(labels[1])) == len(labels[1]) and not set(labels[0]) & set(labels[1])


@needs_latex
def test_pdf_page_renders(tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not installed (Debian: poppler-utils)")
    compile_tex(tmp_path, "d", tr.render_derivation("conv_transpose1d", "tex"))
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", "d.pdf", "page"],
                   cwd=tmp_path, check=True)
    pngs = list(tmp_path.glob("page*.png"))
    assert pngs and pngs[0].stat().st_size > 5000


# --- the Markdown ---------------------------------------------------------------------------

@pytest.mark.parametrize("layer", LAYERS)
def test_markdown_math_blocks(layer):
    """Every $$ block is closed and tagged with consecutive numbers; no \\label in Markdown;
    the numbers equal the LaTeX article's equations."""
    md = (GENERATED / f"{layer}_derivation.md").read_text(encoding="utf-8")
    assert md == tr.render_derivation(layer, "md")
    assert md.count("$$") % 2 == 0 and "\\label" not in md
    tags = [int(t) for t in re.findall(r"\\tag\{(\d+)\}", md)]
    assert tags == list(range(1, len(tags) + 1))
    tex = tr.render_derivation(layer, "fragment")
    assert len(tags) == tex.count("\\begin{equation}")


# --- printed from the expressions -----------------------------------------------------------

def test_named_parts_are_the_expressions_they_name():
    """fold and abbreviate refuse a name that is not the sub-expression it stands for."""
    a = ct.axis_symbols("")
    with pytest.raises(ValueError, match="does not occur"):
        tr.abbreviate(ct.output_size(a), {ct.tap_low(a): sp.Symbol("lo")})
    S = tr.S_FN
    right = a.in_ * a.K - S(0, a.K, a.p, a.in_) - S(0, a.K, a.p - a.op, a.in_)
    meaning = {S(0, a.K, y, a.in_): ct.clipped_ceil_sum(a, 0, a.K, y, a.in_)
               for y in (a.p, a.p - a.op)}
    assert tr.fold(ct.products_log(a), right, meaning) == right
    with pytest.raises(ValueError, match="does not fold"):
        tr.fold(ct.products_log(a), right + 1, meaning)


def test_document_prints_the_expressions():
    """The output size and the tap range in the document are the printed expressions of
    convtranspose (nothing retyped)."""
    a = ct.axis_symbols("")
    dim = tr._dim("")
    printer = tr.TransposePrinter(dim.names)
    text = tr.render_derivation("conv_transpose1d", "fragment")
    for expr in (ct.output_size(a), ct.tap_low(a), ct.tap_high(a), ct.period(a)):
        assert printer.doprint(tr._display(expr)) in text


def test_ceiling_display_is_the_floor_form():
    """⌈a/b⌉ is shown for −⌊−a/b⌋ only: equal values at many points."""
    a = ct.axis_symbols("")
    expr = ct.tap_low(a)
    shown = tr._display(expr)
    assert shown.has(tr._Ceil) and not expr.has(tr._Ceil)
    back = shown.replace(lambda e: isinstance(e, tr._Ceil),
                         lambda e: sp.ceiling(e.args[0] / e.args[1]))
    for p_, k, d, s in ((0, 0, 1, 1), (5, 2, 3, 4), (7, 1, 2, 3), (1, 4, 1, 2)):
        values = {a.p: p_, a.k: k, a.d: d, a.s: s}
        assert int(expr.xreplace(values).doit()) == int(back.xreplace(values).doit())


def test_closed_form_claims_are_the_checks():
    """The number of domain points each form's proof statement gives is what check_form
    checks exhaustively, and the form holds there (the symbolic ones are proven)."""
    for form in ct.FORMS:
        if form.name not in ("T, no cropping", "R, no holes", "R, no collisions"):
            continue
        result = ct.check_form(form, random_points=20, large_points=20)
        assert result.holds
        assert f"exhaustive over {tr._domain_points(form.name)} points" in result.method
        assert f"{tr._domain_points(form.name):,} points" in tr._how(form)
    assert "symbolically" in tr._how(next(f for f in ct.FORMS if f.name == "R, no cropping"))


# --- the worked examples against the counting reference -------------------------------------

@pytest.mark.parametrize("layer", LAYERS)
def test_worked_example_equals_counting_reference(layer):
    """Every number of the worked example, computed from the expressions, equals the counting
    reference: output size, per-dimension T, R and landings, the counts with and without
    bias, the MACs, the bias additions and the scatter products."""
    ex = tr.EXAMPLES[layer]
    nums = tr.example_numbers(ex)
    args = (ex.batch_size, ex.in_channels, ex.out_channels, ex.input_size, ex.kernel_size,
            ex.stride, ex.padding, ex.output_padding, ex.dilation, ex.groups)
    counted = count_transpose_nd(*args, bias=ex.bias)
    no_bias = count_transpose_nd(*args, bias=False)
    assert tuple(counted.output_shape[2:]) == nums["output_size"]
    assert counted.total == nums["ops"]
    assert counted.multiplications == nums["macs"]
    assert no_bias.total == nums["ops_no_bias"]
    assert counted.total - no_bias.total == nums["bias_additions"]
    assert counted.scatter_products == nums["scatter_products"]
    assert 2 * counted.scatter_products == nums["flop_counter"]
    for d in nums["dims"]:
        out, T, R, t = axis_landings(*d["values"])
        assert (out, T, R) == (d["out"], d["T"], d["R"])
        landed = [0] * out
        for (i, k), j in d["lands"].items():
            if 0 <= j < out:
                landed[j] += 1
        assert landed == t
    # the example really shows holes, cropping and output padding
    assert any(0 in axis_landings(*d["values"])[3] for d in nums["dims"])
    assert any(d["values"][3] > 0 for d in nums["dims"])
    assert any(d["values"][4] > 0 for d in nums["dims"])


@pytest.mark.parametrize("layer", LAYERS)
def test_worked_example_numbers_are_in_the_documents(layer):
    """The counts and the per-position landings the reference counts appear in the text."""
    nums = tr.example_numbers(tr.EXAMPLES[layer])
    for fmt in ("tex", "md"):
        text = tr.render_derivation(layer, fmt)
        for key in ("ops", "macs", "bias_additions", "scatter_products", "flop_counter"):
            assert f"= {nums[key]:,}".replace(",", r"\,") in text, (fmt, key)
        for d in nums["dims"]:
            t = axis_landings(*d["values"])[3]
            assert f"{', '.join(map(str, t))}." in text


def test_the_first_example_is_the_brief_configuration():
    """ConvTranspose1d in=5, K=3, s=4 (holes), p=2 (cropping), op=1."""
    ex = tr.EXAMPLES["conv_transpose1d"]
    assert (ex.input_size, ex.kernel_size, ex.stride, ex.padding, ex.output_padding,
            ex.dilation) == ((5,), (3,), (4,), (2,), (1,), (1,))


def test_unknown_layer_and_format_are_refused():
    with pytest.raises(ValueError, match="layer must be one of"):
        tr.render_derivation("conv_transpose4d")
    with pytest.raises(ValueError, match="format must be one of"):
        tr.render_derivation("conv_transpose1d", "html")


# --- the command line ---------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["tex", "fragment", "md", "macros"])
def test_cli_prints_the_documents(capsys, fmt):
    from symconv.cli import main

    assert main(["latex", "conv_transpose2d", "--format", fmt]) == 0
    out = capsys.readouterr().out
    want = (tr.render_macros("conv_transpose2d") if fmt == "macros"
            else tr.render_derivation("conv_transpose2d", fmt))
    assert out.rstrip("\n") == want.rstrip("\n")


@pytest.mark.parametrize("argv", [["--short"], ["--batch-size", "2"], ["--stride", "2"],
                                  ["--format", "macros", "--line-width", "300"]])
def test_cli_refuses_forward_options(capsys, argv):
    from symconv.cli import main

    code = main(["latex", "conv_transpose1d", *argv])
    err = capsys.readouterr().err
    assert code == 2 and "symconv latex: error:" in err and argv[0 if argv[0] != "--format"
                                                               else 2] in err


def test_transposed_layer_list_is_the_renderers():
    from symconv.latex import TRANSPOSED_LAYERS

    assert tr.LAYERS == TRANSPOSED_LAYERS
    assert set(tr.GENERATED_FILES) <= {p.name for p in GENERATED.iterdir()}


def test_an_invalid_example_is_refused_naming_the_rule():
    with pytest.raises(ValueError, match="output_padding.*must be smaller than max"):
        tr.TransposeExample("conv_transpose1d", 1, 1, 1, (5,), (3,), (2,), (0,), (2,), (1,))
    with pytest.raises(ValueError, match="groups must divide in_channels"):
        tr.TransposeExample("conv_transpose2d", 1, 3, 2, (4, 3), (3, 2), (2, 3), (1, 0),
                            (1, 2), (1, 1), groups=2)


@needs_latex
@pytest.mark.parametrize("layer", LAYERS)
def test_fragment_fits_a_two_column_article(tmp_path, layer):
    """At 229.5 pt (one column of a two-column article) every equation and its number fit:
    the layout knows the widths of max, min, gcd and the ceiling brackets."""
    (tmp_path / "d.tex").write_text(tr.render_derivation(layer, "fragment", line_width=229.5),
                                    encoding="utf-8")
    doc = ("\\documentclass[twocolumn]{article}\n\\usepackage{amsmath}\n" + TAG_HOOKS
           + "\\begin{document}\n\\input{d}\n\\end{document}\n")
    log, _ = compile_tex(tmp_path, "twocolumn", doc)
    assert_clean(log)
    tags, off = tags_off_their_line(tmp_path, "twocolumn")
    assert tags >= 20 and off == []


def test_layout_knows_the_operator_names():
    """\\max, \\min, \\gcd are wider than an unknown glyph; \\lceil sizes like \\lfloor."""
    from symconv.latex.layout import math_width

    assert math_width(r"\max") > 18 and math_width(r"\min") > 16 and math_width(r"\gcd") > 14
    assert math_width(r"\left\lceil \frac{a}{b} \right\rceil") == pytest.approx(
        math_width(r"\left\lfloor \frac{a}{b} \right\rfloor"))
