"""The symbolic layer table (symconv.latex.tables.render_symbolic_table), the equation
document (symconv.latex.model_doc) and `symconv table --symbolic`.

Models: tests/_symcost.py (a 1-D encoder of 7 layers with pooling and a 2-D CNN, genuine
floors); every number is compared with symconv.layers' numeric count at that size."""

import csv
import io
import random
import shutil
import subprocess

import pytest
import sympy as sp
from _symcost import AUDIO_1D, CNN_2D, CNN_3D, build_cost, numeric_counts
from _tex import assert_clean, compile_tex, squash

from symconv._exact import collapse_floors, display_floors, exact_value
from symconv.cli import main
from symconv.latex.model_doc import equation_sides, render_symbolic_document
from symconv.latex.tables import (SymbolicTableOptions, display_expr, render_symbolic_table,
                                  symbolic_names)
from symconv.printing.latex import latex_escape

HOSTILE = {"encoder.block2.conv": "a_b & 50% #1 $x$ {y} ~z^2 \\w \u202e",
           "head.proj": "=cmd|pipe averyveryverylongmodulenamewithoutbreaks.final_projection"}
needs_tex = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("pdflatex", "pdftotext"))
    or subprocess.run(["kpsewhich", "booktabs.sty"], capture_output=True).returncode != 0,
    reason="needs pdflatex, pdftotext and booktabs")


@pytest.fixture(scope="module")
def audio():
    return build_cost(AUDIO_1D, 1, rename=HOSTILE)


@pytest.fixture(scope="module")
def cnn():
    return build_cost(CNN_2D, 2, rename={"classifier": "classifier_{out} 100%"})


def _values(cost, **sizes):
    return {cost.symbols[k]: v for k, v in sizes.items()}


def test_display_form_has_the_same_value_at_every_size(audio, cnn):
    """The merged floors are an exact rewrite: >= 200 sizes, most not multiples of the strides."""
    for L in list(range(89, 300)) + [10**6 + 7, 2**40 + 3]:
        vals = _values(audio, N=3, L_in=L)
        for expr in audio.per_layer.values():
            assert exact_value(display_expr(expr), vals) == exact_value(expr, vals)
    for H, W in [(23 + k, 39 + 3 * k) for k in range(60)] + [(224, 224), (1001, 333)]:
        vals = _values(cnn, N=2, H_in=H, W_in=W)
        for expr in cnn.per_layer.values():
            assert exact_value(display_expr(expr), vals) == exact_value(expr, vals)


def test_collapse_floors_is_exact_and_refuses_what_is_not_an_identity():
    x = sp.Symbol("x", integer=True)
    rng = random.Random(11)
    for _ in range(300):
        a, n = rng.randint(1, 9), rng.randint(1, 9)
        m = rng.randint(-20, 20)
        e = sp.floor((sp.floor((x + m) / a) + rng.randint(-9, 9)) / n)
        merged = collapse_floors(e)
        assert len(merged.atoms(sp.floor)) <= 1
        for v in range(-60, 60):
            assert exact_value(merged, {x: v}) == exact_value(e, {x: v})
    # 2*floor(x/2) is not floor(2x/2): a coefficient other than 1/n is left alone
    kept = sp.floor(2 * sp.floor(x / 2) / 3)
    assert collapse_floors(kept) == kept
    # and the refused rewrite would be wrong: a counterexample
    wrong = sp.floor(2 * x / 6)
    assert any(exact_value(kept, {x: v}) != exact_value(wrong, {x: v}) for v in range(10))
    # display_floors: one fraction, same value
    e = sp.floor(x / 4 - sp.Rational(3, 4))
    assert exact_value(display_floors(e), {x: 5}) == exact_value(e, {x: 5}) == 0


def test_tex_table_rows_formulas_and_values(audio):
    text = render_symbolic_table(audio, "tex", SymbolicTableOptions(at={"L_in": 16001}))
    want = numeric_counts(AUDIO_1D, 1, 16001)
    body = text.split(r"\midrule")[1]
    assert body.count(r"\\[2pt]") == len(audio.per_layer)
    from symconv.printing.latex import latex_number
    for v in want:  # digit groups with break points between them
        assert f"${latex_number(v)}$" in text.replace(r"\allowbreak ", "")
    bold = r"\,\allowbreak ".join(rf"\mathbf{{{g}}}" for g in latex_number(sum(want)).split(r"\,"))
    assert f"${bold}$" in text
    assert r"\left\lfloor \frac{L_{\text{in}} - 1}{2} \right\rfloor" in text
    assert r"\mathrm{ops}(N, L_{\text{in}})" in text
    assert "Counting convention: symconv" in text
    assert r"L_{\text{in}} = 16\,\allowbreak 001" in text
    # hostile names: escaped (the long one with break points), never raw
    joined = text.replace(r"\allowbreak{}", "")
    for name in HOSTILE.values():
        assert latex_escape(name) in joined
    assert "$x$" not in text and "\u202e" not in text
    # a long run of letters gets break points (the name column is narrow)
    assert "averyveryverylong" in joined and "averyveryverylong" not in text


def test_values_with_batch_and_square_size(cnn):
    md = render_symbolic_table(cnn, "md", SymbolicTableOptions(at={"size": 225, "N": 4}))
    want = numeric_counts(CNN_2D, 2, (225, 225), batch=4)
    rows = [line for line in md.splitlines() if line.startswith("| ")][1:]
    assert len(rows) == len(cnn.per_layer) + 1
    assert [r.rsplit("|", 2)[1].strip() for r in rows[:-1]] == [f"{v:,}" for v in want]
    assert rows[-1].rsplit("|", 2)[1].strip() == f"**{sum(want):,}**"
    from symconv.latex.render import markdown_escape
    assert f"| {markdown_escape('classifier_{out} 100%')} |" in md
    for row in rows:  # a formula never adds a column
        assert row.count("|") == 4


def test_csv_formula_and_injection(audio):
    text = render_symbolic_table(audio, "csv", SymbolicTableOptions(at={"L_in": 100, "N": 2}))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["name", "formula", "latex", "value", "convention"]
    assert rows[-1][0] == "total"
    want = numeric_counts(AUDIO_1D, 1, 100, batch=2)
    assert [int(r[3]) for r in rows[1:-1]] == want and int(rows[-1][3]) == sum(want)
    names = [r[0] for r in rows[1:-1]]
    assert "'=cmd|pipe averyveryverylongmodulenamewithoutbreaks.final_projection" in names
    # the text formula evaluates to the same numbers (floor written ⌊ ⌋)
    plain = rows[1][1].replace("⌊", "floor(").replace("⌋", ")").replace("·", "*")
    expr = sp.sympify(plain, locals={"L_in": audio.symbols["L_in"], "N": audio.symbols["N"]})
    assert exact_value(expr, _values(audio, N=2, L_in=100)) == want[0]


def test_sizes_are_checked(audio):
    with pytest.raises(ValueError, match=r"L_in = 50: outside the sizes the formula holds for "
                                         r"\(L_in >= 89\)"):
        render_symbolic_table(audio, "tex", SymbolicTableOptions(at={"L_in": 50}))
    with pytest.raises(ValueError, match="'H_in' is not an input size"):
        render_symbolic_table(audio, "tex", SymbolicTableOptions(at={"H_in": 50}))
    with pytest.raises(ValueError, match="L_in must be an integer >= 1"):
        render_symbolic_table(audio, "tex", SymbolicTableOptions(at={"L_in": 0}))
    with pytest.raises(ValueError, match="format must be one of"):
        render_symbolic_table(audio, "html")


def test_equation_uses_the_costs_own_latex_when_it_has_one(audio):
    lhs, rhs = equation_sides(audio)
    assert lhs == r"\mathrm{ops}(N, L_{\text{in}})"
    # the right-hand side is the total (same value), like terms combined
    total = sp.Add(*audio.per_layer.values())
    assert r"\left\lfloor" in rhs

    class WithLatex(type(audio)):
        def latex(self):
            return r"\mathrm{ops}(N, L_{\text{in}}) = 42 \cdot N"
    own = WithLatex(audio.per_layer, audio.symbols, audio.constraints)
    assert equation_sides(own) == (r"\mathrm{ops}(N, L_{\text{in}})", r"42 \cdot N")
    del total


@needs_tex
@pytest.mark.parametrize("which", ["audio", "cnn", "cnn3d", "huge"])
def test_document_compiles_without_overfull_boxes(which, audio, cnn, tmp_path):
    """A 7-layer 1-D encoder, a 2-D CNN, a 3-D CNN (a total too long for the table's totals
    row) and 40-digit values (broken between digit groups, in the table and the caption)."""
    cost = {"audio": audio, "cnn": cnn, "huge": audio,
            "cnn3d": build_cost(CNN_3D, 3) if which == "cnn3d" else None}[which]
    at = {"audio": {"L_in": 16000}, "cnn": {"size": 224, "N": 8},
          "cnn3d": {"size": 160, "N": 2}, "huge": {"L_in": 10**40, "N": 10**6}}[which]
    tex = render_symbolic_document(cost, at=at)
    log, text = compile_tex(tmp_path, which, tex)
    assert_clean(log)
    assert "Float too large" not in log
    words = squash(text)
    assert "Table 1 gives each layer" in words and "(1)" in words
    assert "Counting convention: symconv" in words
    want = {"audio": lambda: numeric_counts(AUDIO_1D, 1, 16000),
            "cnn": lambda: numeric_counts(CNN_2D, 2, (224, 224), batch=8),
            "cnn3d": lambda: numeric_counts(CNN_3D, 3, (160, 160, 160), batch=2),
            "huge": lambda: numeric_counts(AUDIO_1D, 1, 10**40, batch=10**6)}[which]()
    if which != "huge":  # a huge value is broken over lines
        assert f"{sum(want):,}".replace(",", " ") in words
    else:  # broken over lines of the value column: check the source
        from symconv.printing.latex import latex_number
        bold = r"\,\allowbreak ".join(rf"\mathbf{{{g}}}" for g in latex_number(sum(want)).split(r"\,"))
        assert bold in tex


@needs_tex
def test_table_alone_compiles_in_a_minimal_article(cnn, tmp_path):
    table = render_symbolic_table(cnn, "tex")
    doc = ("\\documentclass{article}\n\\usepackage{amsmath,booktabs,array}\n\\begin{document}\n"
           + table + "\\end{document}\n")
    log, _ = compile_tex(tmp_path, "t", doc)
    assert_clean(log)


# --- symconv table --symbolic --------------------------------------------------------------

LAYERS = "tests/data/layers_small.json"


@pytest.fixture
def patched(monkeypatch, audio):
    def fake(layers, convention="symconv"):
        return audio
    monkeypatch.setattr("symconv.model.LayerList.symbolic", fake)


def test_cli_symbolic_formats(patched, audio, capsys):
    assert main(["table", LAYERS, "--symbolic", "--format", "md", "--at", "L_in=16000"]) == 0
    out = capsys.readouterr().out
    assert out == render_symbolic_table(audio, "md", SymbolicTableOptions(at={"L_in": 16000}))
    assert main(["table", LAYERS, "--symbolic", "--format", "csv", "--at", "200"]) == 0
    assert capsys.readouterr().out == render_symbolic_table(
        audio, "csv", SymbolicTableOptions(at={"size": 200}))
    assert main(["table", LAYERS, "--symbolic"]) == 0
    assert r"\label{tab:layers-small-symbolic}" in capsys.readouterr().out


@needs_tex
def test_cli_document_compiles(patched, tmp_path):
    out = tmp_path / "cost.tex"
    assert main(["table", LAYERS, "--symbolic", "--document", "--at", "L_in=16000",
                 "--out", str(out)]) == 0
    log, _ = compile_tex(tmp_path, "cost", out.read_text(encoding="utf-8"))
    assert_clean(log)


@pytest.mark.parametrize("argv, message", [
    (["--symbolic", "--si"], "--si applies to the numeric table"),
    (["--symbolic", "--document", "--format", "md"], "--document writes a LaTeX article"),
    (["--document"], "--document goes with --symbolic"),
    (["--at", "100"], "--at goes with --symbolic"),
    (["--symbolic", "--at", "L_in=10"], "L_in = 10: outside the sizes"),
    (["--symbolic", "--at", "Q=10"], "'Q' is not an input size"),
])
def test_cli_symbolic_errors(patched, argv, message, capsys):
    assert main(["table", LAYERS, *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symconv table: error: ") and message in err and err.count("\n") == 1


def test_real_symbolic_cost_end_to_end(tmp_path):
    """With LayerList.symbolic() itself (issue 11 items 1-2): the table's values and the
    plotted values are the cost's own expressions evaluated exactly."""
    from symconv.model import load_layers
    try:
        cost = load_layers(LAYERS).symbolic()
    except NotImplementedError:
        pytest.skip("LayerList.symbolic() is not implemented yet (issue 11, items 1-2)")
    from symconv._exact import free_size_names
    lo = min(int(r.rhs) for r in cost.constraints if getattr(r, "rhs", None) is not None
             and r.rhs.is_Integer) if cost.constraints else 1
    at = {name: max(lo, 1) + 1000 for name in free_size_names(cost)}
    text = render_symbolic_table(cost, "csv", SymbolicTableOptions(at=at))
    values = {cost.symbols[k]: v for k, v in at.items()}
    if "N" in cost.symbols:
        values.setdefault(cost.symbols["N"], 1)
    rows = list(csv.reader(io.StringIO(text)))[1:-1]
    assert [int(r[3]) for r in rows] == [exact_value(e, values) for e in cost.per_layer.values()]
    pytest.importorskip("matplotlib")
    from symconv.plot import cost_series
    xs, series, _ = cost_series(cost, [at[free_size_names(cost)[0]]])
    assert [s[0] for s in series.values()] == [int(r[3]) for r in rows]
