"""LaTeX and Markdown output: exact strings in both notations, structure, Markdown parsing.

Compilation with real pdflatex is in tests/test_latex_compile.py.
"""

import re

import pytest

from _helpers import FORWARD, PENDING_LATEX, layer_names
import sympy as sp

import symconv.conv1d as m
from symconv.cli import main
from symconv.latex import GENERATED_FILES, artifacts
from symconv.latex.example import Example, render_example
from symconv.latex.macros import _parameters_display, macros, render_macros
from symconv.latex.render import (MACS_SYMBOL, RenderOptions, derivation_sections,
                                  display_monomial, equation_width, legend, markdown_escape,
                                  render_derivation, side_facts)
from symconv.latex.layout import body_width, break_rows, math_width
from symconv.printing.latex import (DOCUMENTED, SHORT, drop_unit_divisors, for_layer, latex,
                                    latex_escape, latex_number, prose_to_latex)
from symconv.symbols import C_out, L_out, N


def step(name):
    for s in m.DERIVATION.definitions:
        if s.name == name:
            return s
    for chain in m.DERIVATION.chains:
        for s in chain:
            if s.name == name:
                return s
    raise KeyError(name)


# --- the printer: exact strings, both notations ----------------------------------------------

def test_summary_bias_documented():
    # a \frac is never parenthesised: N × \frac{…}{groups}, not N × (\frac{…}{groups})
    assert latex(m.SUMMARY_BIAS_DISPLAY) == (
        r"N \times \frac{C_{\text{in}} \times C_{\text{out}} \times L_{\text{out}} "
        r"\times 2 \times \text{kernel\_size}}{\text{groups}}")


def test_summary_no_bias_documented():
    assert latex(m.SUMMARY_NO_BIAS_DISPLAY) == (
        r"N \times \frac{C_{\text{out}} \times L_{\text{out}} \times \left(C_{\text{in}} "
        r"\times 2 \times \text{kernel\_size} - \text{groups}\right)}{\text{groups}}")


def test_summary_forms_short():
    assert latex(m.SUMMARY_BIAS_DISPLAY, SHORT) == (
        r"N \cdot \frac{C_{\text{in}} \cdot C_{\text{out}} \cdot L_{\text{out}} \cdot 2 "
        r"\cdot K}{G}")
    assert latex(m.SUMMARY_NO_BIAS_DISPLAY, SHORT) == (
        r"N \cdot \frac{C_{\text{out}} \cdot L_{\text{out}} \cdot \left(C_{\text{in}} "
        r"\cdot 2 \cdot K - G\right)}{G}")


def test_no_parentheses_around_a_fraction_anywhere():
    """Regression: ((C_in × C_out)/groups) — a \\frac was wrapped in parentheses."""
    every = [s.expr for s in m.DERIVATION.definitions] + [
        s.expr for c in m.DERIVATION.chains for s in c]
    every += [m.SUMMARY_BIAS_DISPLAY, m.SUMMARY_NO_BIAS_DISPLAY, display_monomial(m.MACS)]
    for notation in (None, SHORT):
        for expr in every:
            tex = latex(expr) if notation is None else latex(expr, notation)
            assert not re.search(r"\\left\(\\frac\{(?:[^{}]|\{[^{}]*\})*\}\{[^{}]*\}\\right\)",
                                 tex), tex
    assert not re.search(r"\\left\(\\frac\{(?:[^{}]|\{[^{}]*\})*\}\{[^{}]*\}\\right\)",
                         render_derivation("tex"))


def test_ops_subscript_is_upright():
    """Regression: \\text{Conv1d}_{ops} set "ops" in math italic."""
    from symconv.symbols import ops
    for notation in (None, SHORT):
        tex = latex(ops) if notation is None else latex(ops, notation)
        assert tex == r"\text{Conv1d}_{\text{ops}}"
    for text in (render_derivation("tex"), render_derivation("md"), render_macros(),
                 render_example(Example(1, 2, 2, 9, 3), "md")):
        assert "_{ops}" not in text


def test_nested_sums_keep_their_parentheses():
    assert latex(step("per_filter_terms").expr) == (
        r"L_{\text{out}} \times \left(\text{kernel\_size} + \left(\text{kernel\_size} - 1\right)"
        r"\right)")
    assert latex(step("per_filter_terms").expr, SHORT) == (
        r"L_{\text{out}} \cdot \left(K + \left(K - 1\right)\right)")
    assert latex(step("aggregation_terms").expr, SHORT) == (
        r"C_{\text{out}} \cdot L_{\text{out}} \cdot \left(\left(\frac{C_{\text{in}}}{G} - 1\right)"
        r" + 1\right)")


def test_output_length_floor_both_notations():
    assert latex(step("output_length").expr) == (
        r"\left\lfloor \frac{L_{\text{in}} + 2 \times \text{padding} - \text{dilation} \times "
        r"\left(\text{kernel\_size} - 1\right) - 1}{\text{stride}} \right\rfloor + 1")
    assert latex(step("output_length").expr, SHORT) == (
        r"\left\lfloor \frac{L_{\text{in}} + 2 \cdot p - d \cdot \left(K - 1\right) - 1}{s} "
        r"\right\rfloor + 1")


def test_substituted_product_keeps_lambda_grouped():
    assert latex(step("expanded_bias").expr, SHORT) == (
        r"N \cdot \left(\frac{C_{\text{in}} \cdot C_{\text{out}}}{G} \cdot "
        r"\left(L_{\text{out}} \cdot \left(2 \cdot K - 1\right)\right) + C_{\text{out}} \cdot "
        r"L_{\text{out}} \cdot \frac{C_{\text{in}}}{G}\right)")


def test_simple_fractions_are_not_parenthesised():
    assert latex(step("filters_per_group").expr, SHORT) == (
        r"\frac{C_{\text{in}}}{G} \cdot \frac{C_{\text{out}}}{G} \cdot G")


def test_evaluated_expressions_fall_back_to_sympy_layout():
    assert latex(m.OPS_BIAS.subs(L_out, 5), SHORT).count(r"\frac") >= 1
    assert latex(sp.Integer(7)) == "7"


def test_display_monomials_equal_the_canonical_expressions():
    for expr in (m.MACS, m.BIAS_ADDITIONS, 2 * m.MACS, N * C_out):
        shown = display_monomial(expr)
        assert sp.simplify(shown.doit() - expr) == 0
    assert latex(display_monomial(m.MACS), SHORT) == (
        r"N \cdot \frac{C_{\text{in}} \cdot C_{\text{out}} \cdot L_{\text{out}} \cdot K}{G}")
    assert latex(display_monomial(m.BIAS_ADDITIONS)) == (
        r"N \times C_{\text{out}} \times L_{\text{out}}")
    assert sp.simplify(_parameters_display().doit() - m.PARAMETERS) == 0


def test_numbers_and_escaping():
    assert latex_number(2408448) == r"2\,408\,448"
    assert latex_number(999) == "999"
    assert latex_escape(r"a_b & 50% #1 $x$ {y} ~z^2 \w") == (
        r"a\_b \& 50\% \#1 \ensuremath{\$}x\ensuremath{\$} \{y\} \~{}z\^{}2 "
        r"\ensuremath{\backslash}w")
    assert markdown_escape("a_b | *c* $x$") == r"a\_b \| \*c\* \$x\$"


# --- prose from the justifications --------------------------------------------------------------

def test_prose_turns_symbols_and_formulas_into_inline_math():
    text = "At each of the L_out kernel positions: K multiplications and K - 1 additions."
    assert prose_to_latex(text) == (
        r"At each of the \(L_{\text{out}}\) kernel positions: \(\text{kernel\_size}\) "
        r"multiplications and \(\text{kernel\_size} - 1\) additions.")
    assert prose_to_latex(text, SHORT, ("$", "$")) == (
        "At each of the $L_{\\text{out}}$ kernel positions: $K$ multiplications and $K - 1$ "
        "additions.")
    assert prose_to_latex("C_in (2K - 1) + C_in = C_in 2K: done", SHORT) == (
        r"\(C_{\text{in}} (2 K - 1) + C_{\text{in}} = C_{\text{in}} \cdot 2 K\): done")
    assert prose_to_latex("One 1-D kernel per (input channel, output channel) pair.") == (
        "One 1-D kernel per (input channel, output channel) pair.")
    assert prose_to_latex("Substitute psi, lambda and gamma.") == (
        r"Substitute \(\psi\), \(\lambda\) and \(\gamma\).")
    assert prose_to_latex("the group's 50% & more_x") == r"the group's 50\% \& more\_x"


def test_every_justification_renders_with_balanced_math():
    for s in list(m.DERIVATION.definitions) + [s for c in m.DERIVATION.chains for s in c]:
        tex = prose_to_latex(s.justification)
        assert tex.count(r"\(") == tex.count(r"\)")
        assert "_" not in re.sub(r"\\\(.*?\\\)", "", tex).replace(r"\_", "")


# --- the derivation document ----------------------------------------------------------------------

EXPECTED_LABELS = [
    "eq:conv1d-output-length", "eq:conv1d-filters", "eq:conv1d-per-filter",
    "eq:conv1d-aggregation-terms", "eq:conv1d-aggregation", "eq:conv1d-total",
    "eq:conv1d-summary-bias", "eq:conv1d-summary-no-bias",
]


def test_sections_follow_the_reference_order():
    sections = derivation_sections(m.DERIVATION)
    assert [s.equation.label for s in sections] == EXPECTED_LABELS
    assert [s.equation.label for s in side_facts()] == ["eq:conv1d-bias-difference",
                                                        "eq:conv1d-macs"]
    shown = {name for s in sections for name in s.equation.steps}
    every = {s.name for s in m.DERIVATION.definitions} | {
        s.name for c in m.DERIVATION.chains for s in c}
    assert shown == every
    for s in sections:  # prose is the steps' own justifications
        for name in s.equation.steps:
            if s.equation.label != "eq:conv1d-total":
                assert step(name).justification in s.prose


def test_gamma_is_printed_as_cases():
    body = [s for s in derivation_sections(m.DERIVATION)
            if s.equation.label == "eq:conv1d-aggregation"][0].equation.body
    assert body == (
        "\\gamma =\n\\begin{cases}\n"
        "  \\displaystyle C_{\\text{out}} \\times L_{\\text{out}} \\times "
        "\\frac{C_{\\text{in}}}{\\text{groups}} & \\text{with bias} \\\\[2ex]\n"
        "  \\displaystyle C_{\\text{out}} \\times L_{\\text{out}} \\times "
        "\\left(\\frac{C_{\\text{in}}}{\\text{groups}} - 1\\right) & \\text{without bias}\n"
        "\\end{cases}")


@pytest.mark.parametrize("short", [False, True], ids=["documented", "short"])
def test_every_equation_fits_its_width_with_balanced_rows(short):
    notation = SHORT if short else DOCUMENTED
    width = equation_width(None, notation)
    sections = derivation_sections(m.DERIVATION, notation) + side_facts(notation)
    for s in sections:
        body = s.equation.body
        if r"\begin{cases}" not in body:
            assert body_width(body) <= width, (s.equation.label, body_width(body), width)
        for row in body.split(" \\\\\n"):
            assert row.count(r"\left") == row.count(r"\right"), row
            assert row.count("{") == row.count("}"), row
    broken = [s for s in sections if s.equation.label == "eq:conv1d-summary-bias"][0].equation.body
    assert broken.count(" \\\\\n") >= 3  # the expanded form takes more than one row
    if not short:  # one column: everything but the broken rows beside "Conv1d_ops ="
        assert broken.startswith("\\begin{aligned}\n  \\text{Conv1d}_{\\text{ops}} &= ")


def test_a_narrower_line_breaks_more_rows_and_still_fits():
    rows = {}
    for line_width in (469.0, 345.0, 229.5, 180.0):
        options = RenderOptions(notation=SHORT, line_width=line_width)
        sections = derivation_sections(m.DERIVATION, SHORT, options.width)
        for s in sections:
            if r"\begin{cases}" not in s.equation.body:
                assert body_width(s.equation.body) <= options.width
        rows[line_width] = sum(s.equation.body.count("\\\\") for s in sections)
    assert rows[469.0] <= rows[345.0] <= rows[229.5] <= rows[180.0]
    assert rows[469.0] < rows[180.0]
    with pytest.raises(ValueError, match="line_width"):
        RenderOptions(line_width=-5).width


def test_break_rows_splits_at_the_outermost_loosest_operator():
    tex = latex(step("expanded_bias").expr, SHORT)
    full = math_width(tex)
    rows = break_rows(tex, full * 0.75)
    assert len(rows) == 2
    # broken before the "+" that joins the two terms, not inside a parenthesis
    assert rows[1].startswith(r"\left.\vphantom") and "{} + C_{\\text{out}}" in rows[1]
    assert rows[0].endswith(r"\right.")
    # a fraction too wide for any row is written with a solidus, then broken
    frac = latex(step("rearranged_no_bias").expr, SHORT)
    rows = break_rows(frac, math_width(frac) * 0.6)
    assert len(rows) >= 2 and r"\frac{C_{\text{out}}" not in "".join(rows) and "/ G" in rows[-1]
    assert break_rows("a + b", 1000) == ["a + b"]


def test_side_facts_print_the_conv1d_expressions():
    (diff, macs) = side_facts(SHORT, width=1000)  # wide enough for one row each
    assert re.search(r"= N \\cdot C_\{\\text\{out\}\} \\cdot L_\{\\text\{out\}\}$",
                     diff.equation.body.replace("\n\\end{aligned}", ""))
    assert r"\text{MACs} &= N \cdot \frac{C_{\text{in}} \cdot C_{\text{out}} \cdot " \
        r"L_{\text{out}} \cdot K}{G}" in macs.equation.body
    assert r"&= 2 \cdot \text{MACs} - N \cdot C_{\text{out}} \cdot L_{\text{out}}" in \
        macs.equation.body
    # the printed relations hold for the expressions they come from
    assert sp.simplify((2 * MACS_SYMBOL).subs(MACS_SYMBOL, m.MACS) - m.OPS_BIAS) == 0
    assert sp.simplify(m.OPS_BIAS - m.OPS_NO_BIAS - m.BIAS_ADDITIONS) == 0


def test_fragment_has_one_labelled_equation_per_section():
    tex = render_derivation("fragment")
    labels = re.findall(r"\\label\{([^}]*)\}", tex)
    assert labels == EXPECTED_LABELS + ["eq:conv1d-bias-difference", "eq:conv1d-macs",
                                        "eq:conv1d-loop-nest"]
    assert tex.count(r"\begin{equation}") == len(labels)
    assert r"\documentclass" not in tex and "align*" not in tex
    assert m.CONVENTION in tex
    assert r"\paragraph{Number of filters.}" in tex


def test_standalone_uses_only_base_packages():
    tex = render_derivation("tex")
    assert tex.startswith("% generated by symconv")
    packages = re.findall(r"\\usepackage(?:\[[^]]*\])?\{([^}]*)\}", tex)
    assert packages == ["amsmath", "geometry"]  # both in texlive-latex-base
    assert render_derivation("fragment") in tex


def test_short_option_changes_every_symbol():
    tex = render_derivation("fragment", RenderOptions.short())
    assert r"\text{kernel\_size} " not in tex.split("Symbols:")[0]
    assert r"\times" not in tex and r"\cdot" in tex


def test_markdown_parses_with_one_math_block_per_equation():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = render_derivation("md")
    tokens = MarkdownIt("commonmark").use(dollarmath_plugin).parse(md)
    blocks = [t for t in tokens if t.type == "math_block"]
    # and the loop nest, and the worked example's output length and count
    n = len(derivation_sections(m.DERIVATION)) + len(side_facts()) + 1 + 2
    assert len(blocks) == n
    for i, block in enumerate(blocks, start=1):
        assert block.content.rstrip().endswith(r"\tag{%d}" % i)
        assert "align*" not in block.content and r"\label" not in block.content
        assert "\n\n" not in block.content.strip()
    assert any(r"\begin{cases}" in b.content for b in blocks)
    assert any(r"\begin{aligned}" in b.content for b in blocks)
    inline = [c for t in tokens if t.children for c in t.children if c.type == "math_inline"]
    assert inline, "prose symbols should be inline math"
    assert m.CONVENTION in md


def test_artifacts_are_the_generated_files():
    files = artifacts()
    assert tuple(files) == GENERATED_FILES
    assert files["conv1d_derivation.tex"] == render_derivation("tex")
    assert files["conv1d_macros.tex"] == render_macros()


# --- macros -------------------------------------------------------------------------------------

def test_macros_are_unique_letters_only_and_cover_the_summary_forms():
    names = [mac.name for mac in macros()]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"symconv[A-Za-z]+", n) for n in names)
    text = render_macros()
    defined = re.findall(r"\\newcommand\{\\([A-Za-z]+)\}", text)
    assert defined == names + ["symconvConvention"]
    assert ("\\newcommand{\\symconvOpsBias}{\\ensuremath{" + latex(m.SUMMARY_BIAS_DISPLAY)
            + "}}") in text
    assert ("\\newcommand{\\symconvOpsNoBias}{\\ensuremath{" + latex(m.SUMMARY_NO_BIAS_DISPLAY)
            + "}}") in text
    short = render_macros(SHORT)
    assert "\\newcommand{\\symconvOpsBias}{\\ensuremath{" + latex(
        m.SUMMARY_BIAS_DISPLAY, SHORT) + "}}" in short


# --- worked example ------------------------------------------------------------------------------

def test_worked_example_substitutes_the_numbers():
    from symconv import conv1d_ops
    ex = Example(8, 16, 32, 100, 3)
    tex = render_example(ex, "fragment")
    # groups = 1 and stride = 1: no division by 1 is printed (regression: "/1")
    assert (r"\text{Conv1d}_{\text{ops}} = 8 \times 16 \times 32 \times 98 \times 2 \times 3 "
            r"= 2\,408\,448") in tex
    assert (r"L_{\text{out}} = 100 + 2 \times 0 - 1 \times \left(3 - 1\right) - 1 + 1 = 98") in tex
    assert "{1}" not in tex and r"\frac" not in tex and r"\lfloor" not in tex
    assert m.convention_text(True) in tex and "batch of 8" in tex
    assert ex.ops == conv1d_ops(8, 16, 32, 100, 3) == 2408448


def test_worked_example_divides_by_groups_and_stride_when_not_1():
    tex = render_example(Example(8, 16, 32, 100, 3, stride=2, groups=4), "fragment")
    assert r"\frac{16 \times 32 \times 49 \times 2 \times 3}{4}" in tex
    assert r"\right\rfloor + 1" in tex and r"}{2} \right\rfloor" in tex


@pytest.mark.parametrize("groups, stride, bias", [(1, 1, True), (1, 1, False), (1, 3, True),
                                                  (4, 1, False), (2, 2, True)])
def test_dropping_unit_divisors_keeps_the_value(groups, stride, bias):
    ex = Example(3, 8, 12, 40, 3, stride=stride, padding=1, groups=groups, bias=bias)
    values = {k: sp.Integer(v) for k, v in ex.values().items()}
    ones = {k for k, v in values.items() if v == 1}
    for expr in (m.SUMMARY_BIAS_DISPLAY if bias else m.SUMMARY_NO_BIAS_DISPLAY,
                 m.DERIVATION.definition("output_length").expr):
        shown = drop_unit_divisors(expr, ones)
        assert shown.xreplace(values).doit() == expr.xreplace(values).doit()
        if groups == 1 and stride == 1:
            assert "frac" not in latex(shown) and "lfloor" not in latex(shown)
    assert ex.ops == (m.SUMMARY_BIAS_DISPLAY if bias else m.SUMMARY_NO_BIAS_DISPLAY
                      ).xreplace(values).doit()


def test_worked_example_without_bias_uses_the_second_summary_form():
    ex = Example(2, 8, 8, 50, 5, stride=2, padding=2, dilation=1, groups=4, bias=False)
    md = render_example(ex, "md", SHORT, line_width=345)
    assert (r"\text{Conv1d}_{\text{ops}} = 2 \cdot \frac{8 \cdot 25 \cdot \left(8 \cdot 2 \cdot 5 "
            r"- 4\right)}{4} = " + latex_number(ex.ops)) in md
    assert "second summary form" in md and "without bias" in md
    assert md.count("$$") == 4


def test_worked_example_with_huge_numbers_is_broken_to_fit():
    ex = Example(2**20, 2**12, 2**12, 10**9, 7, groups=2**6)
    for notation in (DOCUMENTED, SHORT):
        tex = render_example(ex, "fragment", notation)
        bodies = re.findall(r"\\label\{[^}]*\}\n(.*?)\n\\end\{equation\}", tex, re.S)
        assert len(bodies) == 2
        for body in bodies:
            assert body_width(body) <= equation_width(None, notation), body
        assert latex_number(ex.ops) in tex


def test_worked_example_same_padding_and_unbatched():
    ex = Example(None, 4, 4, 10, 3, padding="same")
    tex = render_example(ex, "fragment")
    assert r"L_{\text{out}} = L_{\text{in}} = 10" in tex
    assert "unbatched" in tex


def test_worked_example_rejects_invalid_configurations():
    with pytest.raises(ValueError, match="groups"):
        Example(1, 3, 4, 10, 3, groups=2)


# --- command line ----------------------------------------------------------------------------------

def test_cli_latex_formats(capsys, tmp_path):
    for fmt, needle in (("tex", r"\documentclass"), ("fragment", r"\label{eq:conv1d-total}"),
                        ("md", "$$"), ("macros", r"\newcommand{\symconvOpsBias}")):
        assert main(["latex", "conv1d", "--format", fmt]) == 0
        assert needle in capsys.readouterr().out
    out = tmp_path / "d.tex"
    assert main(["latex", "conv1d", "--short", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render_derivation("tex", RenderOptions.short())


def test_cli_worked_example(capsys):
    code = main(["latex", "conv1d", "--format", "md", "--batch-size", "8", "--in-channels", "16",
                 "--out-channels", "32", "--input-length", "100", "--kernel-size", "3"])
    out = capsys.readouterr().out
    assert code == 0 and r"2\,408\,448" in out and "moduleprofiler" in out


def test_cli_latex_errors_are_one_line(capsys):
    assert main(["latex", "conv1d", "--batch-size", "8"]) == 2
    err = capsys.readouterr().err
    assert "--in-channels" in err and err.count("\n") == 1
    assert main(["latex", "conv1d", "--format", "macros", "--batch-size", "1", "--in-channels",
                 "1", "--out-channels", "1", "--input-length", "5", "--kernel-size", "3"]) == 2
    assert "macros" in capsys.readouterr().err
    assert main(["latex", "conv1d", "--batch-size", "1", "--in-channels", "3", "--out-channels",
                 "4", "--input-length", "5", "--kernel-size", "3", "--groups", "2"]) == 2
    assert "groups" in capsys.readouterr().err


def test_worked_example_markdown_and_valid_padding():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    ex = Example(2, 4, 4, 10, 3, padding="valid")
    md = render_example(ex, "md")
    tokens = MarkdownIt("commonmark").use(dollarmath_plugin).parse(md)
    blocks = [t.content for t in tokens if t.type == "math_block"]
    assert len(blocks) == 2 and blocks[1].rstrip().endswith(r"= 1\,536 \tag{2}")
    assert "since `padding='valid'` is padding 0," in md
    tex = render_example(ex, "fragment")
    assert r"since \texttt{padding='valid'} is padding 0," in tex


@pytest.mark.parametrize("notation", [DOCUMENTED, SHORT], ids=["documented", "short"])
def test_symbols_list_names_every_parameter_and_b(notation):
    """Regression: the documented symbols list left out stride, dilation, groups and b."""
    from symconv.symbols import SYMBOLS
    rows = legend(notation)
    shown = [row["symbol"] for row in rows]
    assert shown == [notation.names()[sym] for sym in SYMBOLS] + ["b"]
    text = render_derivation("tex", RenderOptions(notation=notation)).split("Symbols:")[1]
    for symbol, meaning in (("stride", "step between kernel positions"),
                            ("dilation", "spacing between kernel taps"),
                            ("groups", "number of channel groups")):
        assert meaning in text
        if notation is DOCUMENTED:
            assert r"$\text{%s}$" % symbol in text
    assert r"$b$ (\texttt{bias}): 1 with a bias vector, 0 without." in text


def test_cli_line_width(capsys):
    assert main(["latex", "conv1d", "--format", "fragment", "--line-width", "252"]) == 0
    assert capsys.readouterr().out == render_derivation("fragment", RenderOptions(line_width=252))
    for bad in ("50", "nan", "wide", "1e9"):
        with pytest.raises(SystemExit):
            main(["latex", "conv1d", "--line-width", bad])
        assert "--line-width" in capsys.readouterr().err
    assert main(["latex", "conv1d", "--format", "macros", "--line-width", "300"]) == 2
    assert "macros" in capsys.readouterr().err


def test_narrow_cases_put_each_condition_below_its_expression():
    from symconv.latex.layout import layout_cases
    cases = [(latex(step("aggregation_bias").expr, SHORT), "with bias"),
             (latex(step("aggregation_no_bias").expr, SHORT), "without bias")]
    wide = layout_cases(r"\gamma", cases, 300)
    assert wide.count(r"\\") == 1 and "& \\text{with bias}" in wide
    narrow = layout_cases(r"\gamma", cases, 150)
    assert body_width(narrow) <= 150 and "&" not in narrow
    assert "\\qquad \\text{with bias} \\\\[2ex]" in narrow


# --- issue 9 item 5: every registered layer -----------------------------------------------------

from symconv.registry import LAYERS  # noqa: E402


def _labels(tex):
    return re.findall(r"\\label\{([^}]*)\}", tex)


def test_labels_are_prefixed_per_layer_and_never_collide():
    seen = set()
    for name in layer_names(FORWARD):  # PENDING_LATEX: transposed layers
        labels = _labels(render_derivation("fragment", RenderOptions(), name))
        assert labels and all(label.startswith(f"eq:{name}-") for label in labels)
        assert len(set(labels)) == len(labels)
        assert {f"eq:{name}-summary-bias", f"eq:{name}-loop-nest", f"eq:{name}-macs"} <= set(labels)
        assert not seen & set(labels)
        seen |= set(labels)
    assert "eq:conv2d-output-height" in seen and "eq:conv3d-output-depth" in seen


def test_macro_names_per_layer_are_letters_and_never_collide():
    from symconv.latex.macros import prefix
    assert [prefix(n) for n in ("conv1d", "conv2d", "conv3d")] == [
        "symconv", "symconvConvTwoD", "symconvConvThreeD"]
    everywhere = []
    for name in layer_names(FORWARD):  # PENDING_LATEX: transposed layers
        names = [mac.name for mac in macros(layer=name)] + [prefix(name) + "Convention"]
        text = render_macros(layer=name)
        assert re.findall(r"\\newcommand\{\\([A-Za-z]+)\}", text) == names
        assert all(re.fullmatch(r"symconv[A-Za-z]+", n) for n in names)
        everywhere += names
    assert len(everywhere) == len(set(everywhere))
    conv2d = {mac.name: mac.body for mac in macros(layer="conv2d")}
    spec = LAYERS["conv2d"]
    assert conv2d["symconvConvTwoDOpsBias"] == latex(
        spec.expression("summary_bias_display"), for_layer(DOCUMENTED, spec))
    assert conv2d["symconvConvTwoDKHSym"] == r"\text{kernel\_size}[0]"
    assert conv2d["symconvConvTwoDHoutSame"] == r"H_{\text{in}}"
    assert render_macros(SHORT, "conv2d").count(r"\symconvConvTwoDKWSym}{\ensuremath{K_{W}}}") == 1


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_parameter_count_display_is_the_specs(name):
    spec = LAYERS[name]
    assert sp.simplify(_parameters_display(name).doit() - spec.expression("parameters")) == 0


@pytest.mark.layers(where=FORWARD, reason=PENDING_LATEX)
@pytest.mark.parametrize("name", layer_names(FORWARD))
def test_loop_nest_step_is_printed_from_the_spec(name):
    """The derivation shows loopnest.chain(spec): each step's expression as the printer
    writes it (unbroken at a wide line), in the document, labelled, after the side facts."""
    from symconv.latex.render import loop_nest_sections
    from symconv.loopnest import chain, loop_nest

    spec = LAYERS[name]
    notation = for_layer(DOCUMENTED, spec)
    steps = chain(spec).steps
    (wide,) = loop_nest_sections(DOCUMENTED, 10_000, name)
    body = wide.equation.body.replace("\\end{aligned}", "")
    rows = [r.split("&= ", 1)[1].strip() for r in body.split("\\\\") if "&= " in r]
    assert rows == [latex(step.expr, notation) for step in steps]
    assert wide.equation.steps == tuple(step.name for step in steps)
    assert rows[0].startswith(r"\sum_{n=1}^{N} \sum_{j=1}^{C_{\text{out}}} ")
    # the printed nest sums to the stated count
    assert sp.expand(steps[0].expr.doit() - spec.expression("ops")) == 0
    (section,) = loop_nest_sections(DOCUMENTED, None, name)
    tex = render_derivation("fragment", RenderOptions(), name)
    assert tex.count(section.equation.body) == 1
    assert _labels(tex)[-3:] == [f"eq:{name}-bias-difference", f"eq:{name}-macs",
                                 f"eq:{name}-loop-nest"]
    for loop in loop_nest(spec).loops:  # the prose names every loop index in math
        assert r"\(%s\) " % latex(loop.index) in tex or r"\(%s\)," % latex(loop.index) in tex


@pytest.mark.layers(where=FORWARD, reason=PENDING_LATEX)
@pytest.mark.parametrize("name", layer_names(FORWARD))
def test_side_facts_and_legend_come_from_the_spec(name):
    from symconv.latex.render import display_order

    spec = LAYERS[name]
    notation = for_layer(SHORT, spec)
    order = display_order(name)
    for key in ("macs", "bias_additions"):
        assert sp.expand(display_monomial(spec.expression(key), order).doit()
                         - spec.expression(key)) == 0
    diff, macs = side_facts(SHORT, 1000, name)
    assert diff.equation.body.endswith(
        latex(display_monomial(spec.expression("bias_additions"), order), notation))
    assert latex(display_monomial(spec.expression("macs"), order), notation) in macs.equation.body
    stated = {i.name: i for i in spec.identities}
    assert set(diff.equation.steps + macs.equation.steps) <= set(stated)
    for ident in (stated[n] for n in diff.equation.steps + macs.equation.steps):
        assert sp.simplify(ident.lhs - ident.rhs) == 0
    rows = legend(SHORT, name)
    names = notation.names()
    assert [row["symbol"] for row in rows] == [names[s] for s in order] + ["b"]
    assert [row["meaning"] for row in rows[:-1]] == [spec.notation[s].meaning for s in order]
    every = {s for p in spec.parameters if p.kind != "bias" for s in p.symbols}
    assert set(order) == every | set(spec.output_sizes) and len(order) == len(set(order))


def test_conv1d_display_order_is_the_reference_order():
    from symconv.latex.render import display_order
    from symconv.symbols import SYMBOLS
    assert display_order("conv1d") == SYMBOLS


def test_conv2d_document_is_in_the_documented_notation():
    tex = render_derivation("fragment", RenderOptions(), "conv2d")
    assert r"H_{\text{out}}" in tex and r"\text{kernel\_size}[1]" in tex
    assert r"\text{Conv2d}_{\text{ops}}" in tex and "L_{" not in tex
    assert "K\\_prod" not in tex and "H\\_out" not in tex  # prose identifiers are math
    short = render_derivation("fragment", RenderOptions.short(), "conv2d")
    assert r"K_{H}" in short and r"\text{kernel" not in short.split("Symbols:")[0]
    md = render_derivation("md", RenderOptions(), "conv3d")
    assert md.startswith("<!-- generated") and "# Operation count of torch.nn.Conv3d" in md


def test_cli_latex_takes_every_layer(capsys):
    for name in layer_names(FORWARD):  # PENDING_LATEX: transposed layers
        for fmt in ("tex", "fragment", "md"):
            assert main(["latex", name, "--format", fmt]) == 0
            assert capsys.readouterr().out == render_derivation(fmt, RenderOptions(), name)
        assert main(["latex", name, "--format", "macros", "--short"]) == 0
        assert capsys.readouterr().out == render_macros(SHORT, name)
    assert main(["latex", "conv2d", "--batch-size", "8"]) == 2
    err = capsys.readouterr().err  # every layer has a worked example; this one lacks options
    assert "needs --in-channels" in err and "--input-size" in err and err.count("\n") == 1


def test_artifacts_hold_every_layer():
    files = artifacts()
    for name in layer_names(FORWARD):  # PENDING_LATEX: transposed layers
        assert files[f"{name}_derivation.tex"] == render_derivation("tex", RenderOptions(), name)
        assert files[f"{name}_derivation.md"] == render_derivation("md", RenderOptions(), name)
        assert files[f"{name}_macros.tex"] == render_macros(layer=name)


# --- issue 9: a worked example for every layer ------------------------------------------------

from symconv.latex.example import TYPICAL, LayerExample, typical_example  # noqa: E402


def _brute_output_size(ex):
    """Output positions counted by sliding the dilated kernel over the padded input
    (independent of the formulas; PyTorch's definition)."""
    sizes = []
    for i, n in enumerate(ex.input_size):
        k, st, dl = ex.kernel_size[i], ex.stride[i], ex.dilation[i]
        if ex.padding == "same":
            sizes.append(n)
            continue
        pad = 0 if ex.padding == "valid" else ex.padding[i]
        span = dl * (k - 1) + 1
        sizes.append(len(range(0, n + 2 * pad - span + 1, st)))
    return tuple(sizes)


@pytest.mark.layers(where=FORWARD, reason=PENDING_LATEX)
@pytest.mark.parametrize("layer", sorted(TYPICAL))
def test_typical_example_numbers_come_from_the_expressions(layer):
    """Every number of the example is the substitution into the printed expressions, and
    equals the evaluator and an independent count of the output positions."""
    import symconv

    ex = typical_example(layer)
    spec = ex.spec
    assert ex.output_size == _brute_output_size(ex)
    values = {k: sp.Integer(v) for k, v in ex.values().items()}
    assert ex.ops == spec.in_input_sizes(spec.expression("ops")).xreplace(values) \
        .subs(spec.bias, int(ex.bias))
    params = dict(TYPICAL[layer])
    if layer == "conv1d":
        params["input_length"] = params.pop("input_size")[0]
    assert ex.ops == symconv.count(layer, **params)
    tex = render_example(ex, "fragment")
    md = render_example(ex, "md")
    for text in (tex, md):
        assert latex_number(ex.ops) in text and spec.torch_class in text
        for value in ex.output_size:
            assert f"= {latex_number(value)}" in text
    labels = re.findall(r"\\label\{([^}]*)\}", tex)
    assert labels == [f"eq:{layer}-example-{s}" for s in
                      [st.name.replace("_", "-") for st in spec.derivation.definitions
                       if st.lhs in spec.output_sizes]] + [f"eq:{layer}-example-ops"]


def test_conv2d_resnet_stem_by_hand():
    # 3 -> 64, 224 x 224, K = 7, s = 2, p = 3, no bias: out = floor((224 + 6 - 6 - 1)/2) + 1 = 112;
    # ops = N * C_out * H_out * W_out * (C_in * 2 * 49 - 1) = 8 * 64 * 112 * 112 * 293
    ex = LayerExample("conv2d", 8, 3, 64, (224, 224), 7, stride=2, padding=3, bias=False)
    assert ex.output_size == (112, 112) and ex.ops == 8 * 64 * 112 * 112 * 293
    tex = render_example(ex, "fragment")
    assert (r"H_{\text{out}} = \left\lfloor \frac{224 + 2 \times 3 - 1 \times \left(7 - 1\right)"
            r" - 1}{2} \right\rfloor + 1 = 112") in tex
    assert (r"\text{Conv2d}_{\text{ops}} = 8 \times 64 \times 112 \times 112 \times "
            r"\left(3 \times 2 \times 7 \times 7 - 1\right) = 1\,881\,800\,704") in tex
    assert "output height and width are" in tex and "second summary form" in tex


@pytest.mark.layers(examples=True, reason="worked examples of the layers with several dimensions")
@pytest.mark.parametrize("layer, kwargs", [
    ("conv2d", dict(batch_size=None, in_channels=4, out_channels=8, input_size=(10, 12),
                    kernel_size=(3, 5), padding="same", groups=4)),
    ("conv2d", dict(batch_size=2, in_channels=6, out_channels=4, input_size=(9, 7),
                    kernel_size=(2, 3), stride=(2, 1), padding="valid", dilation=(1, 2),
                    groups=2, bias=False)),
    ("conv3d", dict(batch_size=3, in_channels=2, out_channels=2, input_size=(5, 6, 7),
                    kernel_size=(1, 2, 3), stride=(1, 2, 3), padding=(0, 1, 2),
                    dilation=(2, 1, 1))),
])
@pytest.mark.layers(examples=True, reason="Conv2d and Conv3d examples of the n-d example forms")
def test_layer_examples_in_every_form(layer, kwargs):
    import symconv

    ex = LayerExample(layer, **kwargs)
    assert ex.output_size == _brute_output_size(ex)
    assert ex.ops == symconv.count(layer, **kwargs)
    for notation in (DOCUMENTED, SHORT):
        tex = render_example(ex, "fragment", notation)
        bodies = re.findall(r"\\label\{[^}]*\}\n(.*?)\n\\end\{equation\}", tex, re.S)
        assert len(bodies) == ex.spec.dims + 1
        for body in bodies:
            assert body_width(body) <= equation_width(None, notation), body
    if kwargs.get("padding") == "same":
        assert "keeps the size" in tex and r"H_{\text{out}} = H_{\text{in}} = 10" in tex
        assert "unbatched" in tex and r"\text{padding} = \text{same}" in tex


def test_layer_example_refuses_bad_input_naming_the_parameter():
    with pytest.raises(ValueError, match=r"stride\[1\]"):
        LayerExample("conv2d", 1, 3, 8, (32, 32), 3, stride=(1, 2), padding="same")
    with pytest.raises(TypeError, match="input_size"):
        LayerExample("conv3d", 1, 3, 8, (32, 32), 3)
    with pytest.raises(ValueError, match="layer must be one of"):
        LayerExample("conv4d", 1, 3, 8, (32, 32), 3)


@pytest.mark.layers(where=lambda spec: spec.family == "transposed",
                    reason="LayerExample refuses the transposed layers")
def test_layer_example_refuses_a_transposed_layer_naming_its_example_class(layer):
    """Not a deep error from the forward expressions (a non-integer output size, a parameter
    the layer lacks) but a refusal naming the layer and the class of its worked example."""
    dims = LAYERS[layer].dims
    with pytest.raises(ValueError, match=f"layer '{layer}'.*TransposeExample"):
        LayerExample(layer, 1, 2, 2, (5,) * dims, 3)


@pytest.mark.layers(where=FORWARD, reason=PENDING_LATEX)
@pytest.mark.parametrize("layer", sorted(TYPICAL))
def test_every_derivation_document_ends_with_its_worked_example(layer):
    """The standalone article and the Markdown end with the layer's typical example, numbered
    after the derivation; the fragment (to \\input into a paper) has none."""
    ex = typical_example(layer)
    tex = render_derivation("tex", RenderOptions(), layer)
    md = render_derivation("md", RenderOptions(), layer)
    frag = render_derivation("fragment", RenderOptions(), layer)
    assert "Worked example." in tex and "Worked example." in md and "Worked example." not in frag
    assert f"eq:{layer}-example-ops" in tex and latex_number(ex.ops) in md
    equations = frag.count("\\begin{equation}")
    assert tex.count("\\begin{equation}") == equations + ex.spec.dims + 1
    assert md.rstrip().count("\\tag{") == equations + ex.spec.dims + 1
    assert f"\\tag{{{equations + ex.spec.dims + 1}}}" in md
    assert render_derivation("tex", RenderOptions(example=None), layer).count(
        "\\begin{equation}") == equations
    other = "conv1d" if layer != "conv1d" else "conv2d"
    with pytest.raises(ValueError, match="worked example"):
        render_derivation("tex", RenderOptions(example=typical_example(other)), layer)


def test_cli_worked_example_of_every_layer(capsys):
    """Regression: `symconv latex conv2d` with the layer options was refused (conv1d only)."""
    argv = ["latex", "conv2d", "--format", "fragment", "--batch-size", "8", "--in-channels", "3",
            "--out-channels", "64", "--input-size", "224", "224", "--kernel-size", "7",
            "--stride", "2", "--padding", "3", "--no-bias"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    ex = LayerExample("conv2d", 8, 3, 64, (224, 224), 7, stride=2, padding=3, bias=False)
    assert out == render_example(ex, "fragment")
    assert main(["latex", "conv3d", "--format", "md", "--batch-size", "2", "--in-channels", "3",
                 "--out-channels", "64", "--input-size", "16", "112", "112", "--kernel-size",
                 "3", "7", "7", "--stride", "1", "2", "2", "--padding", "1", "3", "3"]) == 0
    out = capsys.readouterr().out
    assert "(16)" not in out and "D_{\\text{out}}" in out
    assert latex_number(LayerExample("conv3d", 2, 3, 64, (16, 112, 112), (3, 7, 7),
                                     stride=(1, 2, 2), padding=(1, 3, 3)).ops) in out


@pytest.mark.parametrize("argv, words", [
    (["conv2d", "--input-length", "5", "--kernel-size", "3"], ["--input-length", "--input-size"]),
    (["conv2d", "--input-size", "5", "--kernel-size", "3"], ["--input-size 5", "2 values"]),
    (["conv3d", "--input-size", "5", "5", "5", "--kernel-size", "3", "3"],
     ["--kernel-size 3 3", "D H W"]),
    (["conv1d", "--input-length", "5", "--kernel-size", "3", "3"], ["--kernel-size 3 3"]),
    (["conv2d", "--input-size", "9", "9", "--kernel-size", "3", "--padding", "same", "1"],
     ["stand alone"]),
    (["conv2d", "--input-size", "9", "9", "--kernel-size", "3", "--stride", "1", "2",
      "--padding", "same"], ["stride[1]", "same"]),
])
def test_cli_worked_example_errors_are_one_line(capsys, argv, words):
    base = ["--batch-size", "1", "--in-channels", "2", "--out-channels", "2"]
    assert main(["latex", argv[0], *base, *argv[1:]]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    for word in words:
        assert word in err
