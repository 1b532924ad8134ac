"""symconv.plot and `symconv plot`: each layer's exact count against the input size.

The SymbolicCost objects come from tests/_symcost.py (the layer specifications' count
expressions chained through a model with pooling); every plotted value is compared with
the numeric count of symconv.layers at that size (an independent route)."""

import shutil
import sys

import pytest

pytest.importorskip("matplotlib")

from _symcost import AUDIO_1D, CNN_2D, build_cost, numeric_counts  # noqa: E402

from symconv.cli import main  # noqa: E402
from symconv.plot import PALETTE, cost_series, layer_colors, plot_cost  # noqa: E402
from symconv.printing.latex import latex_escape  # noqa: E402

HOSTILE = {"encoder.block2.conv": "_a$b%#&{x}_y \\input ~^ 50% $x$ \u202e",
           "head.proj": "$$\\frac{1}{0}$$ \\end{document}"}
MAGIC = {"pdf": b"%PDF-", "png": b"\x89PNG\r\n\x1a\n", "pgf": b"%% Creator: Matplotlib, PGF backend"}
needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None and shutil.which("xelatex") is None,
                               reason="PGF output needs a TeX engine (pdflatex) to measure text")


@pytest.fixture(scope="module")
def audio():
    return build_cost(AUDIO_1D, 1)


@pytest.fixture(scope="module")
def hostile():
    return build_cost(AUDIO_1D, 1, rename=HOSTILE)


def _shown(text):
    """What matplotlib draws for a Text (after its own $ processing) and whether as math."""
    return text._preprocess_math(text.get_text())


@pytest.mark.parametrize("fmt", ["pdf", "png", pytest.param("pgf", marks=needs_tex)])
def test_files_start_with_their_magic_bytes(hostile, fmt, tmp_path):
    out = tmp_path / f"cost.{fmt}"
    fig = plot_cost(hostile, (89, 400), out=out, log=fmt == "png")
    assert out.read_bytes().startswith(MAGIC[fmt])
    assert len(fig.symconv["artists"]) == len(hostile.per_layer)


@needs_tex
def test_pgf_holds_latex_escaped_names(hostile, tmp_path):
    out = tmp_path / "cost.pgf"
    plot_cost(hostile, (89, 200), out=out, stacked=False)
    text = out.read_text(encoding="utf-8")
    for name in hostile.per_layer:
        want = latex_escape(name).replace(r"\ensuremath{\$}", r"\ensuremath{\mathdollar}")
        assert want in text, name
    # matplotlib turns "\$" into "$" before writing: no bare "$" from a name reaches LaTeX
    assert r"\ensuremath{$}" not in text
    # the figure's own texts are back to the PNG/PDF form after writing PGF
    fig = plot_cost(hostile, (89, 200), stacked=False)
    before = [t.get_text() for t in fig.symconv["legend"].get_texts()]
    from symconv.plot import save_figure
    save_figure(fig, tmp_path / "again.pgf")
    assert [t.get_text() for t in fig.symconv["legend"].get_texts()] == before


@pytest.mark.parametrize("stacked", [True, False])
def test_one_artist_per_layer_and_legend_shows_the_names(hostile, stacked):
    fig = plot_cost(hostile, (89, 300), stacked=stacked)
    ax = fig.axes[0]
    names = list(hostile.per_layer)
    artists = fig.symconv["artists"]
    assert len(artists) == len(names)
    drawn = ax.collections if stacked else ax.lines
    assert len(drawn) == len(names)
    texts = fig.symconv["legend"].get_texts()
    shown = [_shown(t) for t in texts]
    order = names[::-1] if stacked else names  # stacked: legend top to bottom as the areas
    from symconv.printing.latex import visible_text
    assert shown == [(visible_text(n), False) for n in order]  # literal, never mathtext
    assert any(n.startswith("_") for n in names)  # matplotlib would hide such a label


def test_axis_labels_name_the_size_and_the_convention(audio):
    fig = plot_cost(audio, (89, 150))
    ax = fig.axes[0]
    assert "input length" in ax.get_xlabel() and r"L_{\mathrm{in}}" in ax.get_xlabel()
    assert "$N = 1$" in ax.get_xlabel()
    assert "symconv convention" in ax.get_ylabel()
    other = type(audio)(audio.per_layer, audio.symbols, audio.constraints, convention="torch")
    assert "torch convention" in plot_cost(other, (89, 150)).axes[0].get_ylabel()


def test_log_scale_when_asked(audio):
    assert plot_cost(audio, (89, 150)).axes[0].get_yscale() == "linear"
    ax = plot_cost(audio, (89, 150), log=True).axes[0]
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    ax = plot_cost(audio, (89, 150), log="y").axes[0]
    assert (ax.get_xscale(), ax.get_yscale()) == ("linear", "log")
    with pytest.raises(ValueError, match="log must be"):
        plot_cost(audio, (89, 150), log="z")


def test_a_layer_keeps_its_colour_across_figures(audio):
    from matplotlib.colors import to_hex
    cnn = build_cost(CNN_2D, 2, rename={"features.0": "encoder.block1.conv_pw"})
    one = plot_cost(audio, (89, 150))
    two = plot_cost(cnn, (64, 90), stacked=False)

    def colour(fig, name):
        artist = fig.symconv["artists"][fig.symconv["layers"].index(name)]
        c = artist.get_facecolor()[0] if hasattr(artist, "get_facecolors") else artist.get_color()
        return to_hex(c)

    assert colour(one, "encoder.block1.conv_pw") == colour(two, "encoder.block1.conv_pw")
    # distinct within one figure (the model has fewer layers than the palette)
    assert len({colour(one, n) for n in audio.per_layer}) == len(audio.per_layer)
    # an explicit mapping wins
    three = plot_cost(audio, (89, 150), colors={"head.proj": "#000000"})
    assert colour(three, "head.proj") == "#000000"


def test_layer_colors_are_stable_and_distinct():
    names = [f"layer{k}" for k in range(len(PALETTE))]
    first = layer_colors(names)
    assert len(set(first.values())) == len(PALETTE)
    assert layer_colors(names) == first  # deterministic (no salted hash)


def test_values_are_the_exact_counts_at_every_size(audio):
    xs, series, fixed = cost_series(audio, (89, 2000), fixed={"N": 3})
    assert fixed == {"N": 3} and xs[0] == 89 and xs[-1] == 2000
    assert all(isinstance(v, int) for vals in series.values() for v in vals)
    for k, x in enumerate(xs):
        want = numeric_counts(AUDIO_1D, 1, x, batch=3)
        assert [series[n][k] for n in series] == want, x
    # lines: the drawn y values are those integers
    fig = plot_cost(audio, (89, 2000), fixed={"N": 3}, stacked=False)
    for line, name in zip(fig.axes[0].lines, series):
        assert list(line.get_xdata()) == xs
        assert list(line.get_ydata()) == [float(v) for v in series[name]]


def test_stacked_top_edges_are_the_cumulative_counts(audio):
    fig = plot_cost(audio, (89, 140))
    xs, series = fig.symconv["xs"], fig.symconv["series"]
    running = [0] * len(xs)
    for poly, name in zip(fig.symconv["artists"], series):
        running = [r + v for r, v in zip(running, series[name])]
        tops = {}
        for x, y in poly.get_paths()[0].vertices:
            tops[x] = max(tops.get(x, y), y)
        assert [tops[float(x)] for x in xs] == [float(r) for r in running]


def test_counts_beyond_float_precision_stay_exact(audio):
    xs, series, _ = cost_series(audio, [10**15 + 1], fixed={"N": 10**6})
    got = [series[n][0] for n in series]
    assert got == numeric_counts(AUDIO_1D, 1, 10**15 + 1, batch=10**6)
    assert sum(got) > 2**64 and float(sum(got)) != sum(got)  # a float would have lost it


@pytest.mark.parametrize("stacked", [True, False])
def test_counts_beyond_64_bits_are_drawn(audio, stacked):
    """NumPy cannot hold such an int in a number array: matplotlib gets correctly rounded
    floats, the series keep the exact ints."""
    fig = plot_cost(audio, [10**15, 10**16], fixed={"N": 10**6}, stacked=stacked, log=True)
    series = fig.symconv["series"]
    assert max(max(v) for v in series.values()) > 2**64
    if not stacked:
        for line, name in zip(fig.axes[0].lines, series):
            assert list(line.get_ydata()) == [float(v) for v in series[name]]
    with pytest.raises(ValueError, match=r"beyond what a plot can draw"):
        plot_cost(audio, [10**305], fixed={"N": 10**6}, stacked=stacked)


def test_two_dimensional_square_and_one_axis():
    cnn = build_cost(CNN_2D, 2)
    fig = plot_cost(cnn, (39, 80))
    assert r"H_{\mathrm{in}} = W_{\mathrm{in}}" in fig.axes[0].get_xlabel()
    xs, series = fig.symconv["xs"], fig.symconv["series"]
    for k, x in enumerate(xs):
        assert [series[n][k] for n in series] == numeric_counts(CNN_2D, 2, (x, x))
    fig = plot_cost(cnn, (39, 80), axis="W_in", fixed={"H_in": 23, "N": 2})
    label = fig.axes[0].get_xlabel()
    assert "input width" in label and r"H_{\mathrm{in}} = 23" in label
    xs, series = fig.symconv["xs"], fig.symconv["series"]
    for k, x in enumerate(xs):
        assert [series[n][k] for n in series] == numeric_counts(CNN_2D, 2, (23, x), batch=2)
    with pytest.raises(ValueError, match="give H_in"):
        plot_cost(cnn, (39, 80), axis="W_in")
    with pytest.raises(ValueError, match="not an input size"):
        plot_cost(cnn, (39, 80), axis="L_in")


def test_default_range_starts_at_the_smallest_valid_size(audio):
    xs, _, _ = cost_series(audio)
    assert xs[0] == 89 and xs[-1] == 16 * 89
    with pytest.raises(ValueError):  # 88 is one too small: the model's last layer is empty
        numeric_counts(AUDIO_1D, 1, 88)


def test_sizes_outside_the_constraints_are_refused(audio):
    with pytest.raises(ValueError, match=r"L_in = 5: outside the sizes the formula holds for "
                                         r"\(L_in >= 89\)"):
        plot_cost(audio, (5, 100))
    with pytest.raises(ValueError, match="lowest <= highest"):
        plot_cost(audio, (100, 90))
    with pytest.raises(TypeError, match="integer"):
        plot_cost(audio, [100, 120.5])
    with pytest.raises(ValueError, match="fixed: N must be an integer >= 1"):
        plot_cost(audio, (89, 100), fixed={"N": 0})


def test_a_model_without_layers_is_refused(audio):
    empty = type(audio)({}, audio.symbols, audio.constraints)
    with pytest.raises(ValueError, match="no layers"):
        plot_cost(empty, (89, 100))


def test_large_ranges_are_sampled(audio):
    from symconv.plot import MAX_POINTS
    xs, _, _ = cost_series(audio, (100, 10**6), log=True)
    assert xs[0] == 100 and xs[-1] == 10**6 and len(xs) <= MAX_POINTS + 2
    assert xs == sorted(set(xs))


def test_unknown_suffix_is_refused_before_drawing(audio, tmp_path):
    with pytest.raises(ValueError, match=r"suffix must be one of \.pdf, \.png, \.pgf, got 'svg'"):
        plot_cost(audio, (89, 100), out=tmp_path / "cost.svg")
    assert not (tmp_path / "cost.svg").exists()


def test_pgf_without_a_tex_engine_says_so(audio, monkeypatch, tmp_path):
    monkeypatch.setattr("symconv.plot.shutil.which", lambda name: None)
    with pytest.raises(RuntimeError, match=r"needs a TeX engine.*not installed; write \.pdf or \.png"):
        plot_cost(audio, (89, 100), out=tmp_path / "cost.pgf")
    assert not (tmp_path / "cost.pgf").exists()


def test_missing_matplotlib_names_the_extra(audio, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"symconv\[plot\]"):
        plot_cost(audio, (89, 100))


# --- symconv plot ------------------------------------------------------------------------

@pytest.fixture
def patched(monkeypatch, hostile):
    """`symconv plot` with the symbolic cost of tests/_symcost.py in place of
    LayerList.symbolic (the CLI's only source of it)."""
    seen = []

    def fake(layers, convention="symconv"):
        seen.append((len(layers), convention))
        return type(hostile)(hostile.per_layer, hostile.symbols, hostile.constraints,
                             convention=convention)
    monkeypatch.setattr("symconv.model.LayerList.symbolic", fake)
    return seen


LAYERS = "tests/data/layers_small.json"


@pytest.mark.parametrize("fmt", ["pdf", "png", pytest.param("pgf", marks=needs_tex)])
def test_cli_writes_each_format(patched, fmt, tmp_path, capsys):
    out = tmp_path / f"cost.{fmt}"
    assert main(["plot", LAYERS, "--out", str(out), "--range", "100", "300"]) == 0
    assert out.read_bytes().startswith(MAGIC[fmt])
    assert capsys.readouterr().out == f"wrote {out}\n"
    assert patched == [(4, "symconv")]


def test_cli_options_reach_the_figure(patched, tmp_path, monkeypatch):
    import symconv.plot as plot
    figs = []
    real = plot.plot_cost

    def spy(*args, **kwargs):
        figs.append(real(*args, **kwargs))
        return figs[-1]
    monkeypatch.setattr(plot, "plot_cost", spy)
    out = tmp_path / "cost.png"
    assert main(["plot", LAYERS, "--out", str(out), "--log", "--lines", "--range", "100", "5000",
                 "--fixed", "N=8", "--convention", "torch"]) == 0
    ax = figs[0].axes[0]
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert len(ax.lines) == len(figs[0].symconv["layers"]) and not ax.collections
    assert figs[0].symconv["xs"][0] == 100 and figs[0].symconv["xs"][-1] == 5000
    assert "$N = 8$" in ax.get_xlabel() and "torch convention" in ax.get_ylabel()
    assert patched == [(4, "torch")]


@pytest.mark.parametrize("argv, message", [
    (["--out", "{tmp}/cost.svg"], "suffix must be one of .pdf, .png, .pgf"),
    (["--out", "{tmp}/no/such/cost.pdf"], "does not exist"),
    (["--out", "{tmp}/cost.pdf", "--range", "300", "100"], "must not exceed"),
    (["--out", "{tmp}/cost.pdf", "--range", "5", "100"], "L_in = 5: outside the sizes"),
    (["--out", "{tmp}/cost.pdf", "--axis", "H_in"], "not an input size of this model"),
    (["--out", "{tmp}/cost.pdf", "--fixed", "W_in=3"], "'W_in' is not an input size"),
])
def test_cli_errors_are_one_line(patched, argv, message, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(["plot", LAYERS, *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symconv plot: error: ") and message in err and err.count("\n") == 1


def test_cli_bad_fixed_and_missing_file(tmp_path, capsys):
    assert main(["plot", str(tmp_path / "none.json"), "--out", str(tmp_path / "c.pdf")]) == 2
    assert "none.json: no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["plot", LAYERS, "--out", str(tmp_path / "c.pdf"), "--fixed", "N"])
    assert info.value.code == 2
    assert "must be NAME=VALUE" in capsys.readouterr().err


def test_cli_without_symbolic_cost_says_what_is_missing(monkeypatch, tmp_path, capsys):
    def missing(layers, convention="symconv"):
        raise NotImplementedError("symbolic cost: not implemented yet")
    monkeypatch.setattr("symconv.model.LayerList.symbolic", missing)
    assert main(["plot", LAYERS, "--out", str(tmp_path / "c.pdf")]) == 2
    err = capsys.readouterr().err
    assert "the cost as a formula of the input size is not available" in err
