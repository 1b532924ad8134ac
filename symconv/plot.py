"""Plots of a model's cost against its input size (matplotlib, the ``plot`` extra).

:func:`plot_cost` draws each layer's count of a :class:`symconv.symbolic.SymbolicCost`
(what ``layers.symbolic()`` returns) against the input size: a stacked area per layer
(the top edge is the model's total) or one line per layer, linear or log axes, and
writes PDF, PNG or PGF by the suffix of ``out``. ``symconv plot LAYERS.json --out
cost.pdf`` is the command-line form.

* **Exact values.** Every count is evaluated exactly (Python integers, floors and all:
  :func:`cost_series`); matplotlib receives the exact integers only when it draws.
* **Which size varies.** A 1-D model varies ``L_in``. For a 2-D/3-D model the default
  (``axis=None``) varies every spatial size together — a square (cubic) input,
  ``H_in = W_in = x`` — which is how image sizes are usually quoted; ``axis="W_in"``
  varies that size alone and takes the others from ``fixed`` (which must then name
  them). The batch size ``N`` is 1 unless ``fixed`` gives it. The axis labels say
  which sizes vary, the values of the fixed ones and the counting convention.
* **Colours.** A layer's colour comes from its name: a SHA-256 hash of the name picks
  one of :data:`PALETTE` (20 colours), so the same layer has the same colour in every
  figure, whatever the other layers; if two layers of one figure hash to the same
  colour, the later one (call order) takes the next free colour. ``colors={name:
  colour}`` sets colours explicitly (any matplotlib colour); the other layers keep
  their hashed colour.
* **Layer names** are text from the user: in PNG and PDF they are shown literally
  (``$`` is escaped, so a name never turns into mathtext; unprintable characters
  show as ``<U+XXXX>``), and in PGF they are LaTeX-escaped
  (:func:`symconv.printing.latex.latex_escape`), so ``_ % $ # & { } \\`` never break the
  paper that inputs the figure. Write PGF through ``out=`` or :func:`save_figure`
  (``Figure.savefig`` does not know the raw names).
* **PGF** needs a TeX engine to measure text: symconv uses ``pdflatex`` (matplotlib's
  default is ``xelatex``) unless ``matplotlib.rcParams["pgf.texsystem"]`` was changed,
  and says so clearly when none is installed. The ``.pgf`` file is ``\\input`` in a
  document that loads ``pgf`` (``\\usepackage{pgf}``).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import sympy as sp

from ._exact import check_sizes, exact_value, free_size_names

__all__ = ["plot_cost", "save_figure", "cost_series", "layer_colors", "PALETTE",
           "FORMATS", "MAX_POINTS"]

#: The colours a layer's name is hashed to: matplotlib's tab10, then tab20's light tones.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896",
           "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5")
#: The file formats :func:`save_figure` writes, by suffix.
FORMATS = ("pdf", "png", "pgf")
#: A ``(lo, hi)`` range with more integers than this is sampled at this many sizes.
MAX_POINTS = 400
_WORDS = {"L_in": "input length", "H_in": "input height", "W_in": "input width",
          "D_in": "input depth"}


def _matplotlib():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("symconv's plots need matplotlib: pip install 'symconv[plot]'"
                          ) from None
    return matplotlib


def _hash_index(name: str) -> int:
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % len(PALETTE)


def layer_colors(names: Iterable[str], colors: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Each layer's colour (see the module notes): ``colors`` first, else the colour its
    name hashes to, moved to the next free one on a clash within ``names``."""
    colors = dict(colors or {})
    out: dict[str, Any] = {}
    used = {c for c in colors.values() if isinstance(c, str)}
    for name in names:
        if name in colors:
            out[name] = colors[name]
            continue
        k = _hash_index(name)
        for step in range(len(PALETTE)):
            candidate = PALETTE[(k + step) % len(PALETTE)]
            if candidate not in used:
                break
        else:  # more layers than colours: the hashed one
            candidate = PALETTE[k]
        used.add(candidate)
        out[name] = candidate
    return out


def _axis_names(cost, axis) -> list[str]:
    spatial = free_size_names(cost)
    if axis is None:
        return spatial
    names = [axis] if isinstance(axis, str) else list(axis)
    for n in names:
        if n not in cost.symbols:
            raise ValueError(f"axis={n!r}: not an input size of this model "
                             f"(its sizes: {', '.join(cost.symbols)})")
    if not names:
        raise ValueError("axis: give at least one input size")
    return names


def _points(sizes, log: bool, lowest) -> list[int]:
    if sizes is None:
        lo = lowest()
        return _points((lo, max(16 * lo, lo + 63)), log, lowest)
    if isinstance(sizes, tuple) and len(sizes) == 2 and not isinstance(sizes, range):
        lo, hi = sizes
        for what, v in (("lowest size", lo), ("highest size", hi)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise TypeError(f"sizes: the {what} must be an integer, got {v!r}")
        if not 1 <= lo <= hi:
            raise ValueError(f"sizes=({lo}, {hi}): need 1 <= lowest <= highest")
        if hi - lo + 1 <= MAX_POINTS:
            return list(range(lo, hi + 1))
        if log:
            import math
            ratio = math.log(hi / lo)
            pts = {round(lo * math.exp(ratio * k / (MAX_POINTS - 1))) for k in range(MAX_POINTS)}
        else:
            pts = {lo + (hi - lo) * k // (MAX_POINTS - 1) for k in range(MAX_POINTS)}
        return sorted(pts | {lo, hi})
    pts = list(sizes)
    for v in pts:
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"sizes: every size must be an integer, got {v!r}")
        if v < 1:
            raise ValueError(f"sizes: every size must be >= 1, got {v}")
    if not pts:
        raise ValueError("sizes: no size given")
    return sorted(set(pts))


def cost_series(cost, sizes=None, *, axis: str | Sequence[str] | None = None,
                fixed: Mapping[str, int] | None = None,
                log: bool = False) -> tuple[list[int], dict[str, list[int]], dict[str, int]]:
    """``(xs, {layer: [exact count at each x]}, fixed values)``: what :func:`plot_cost` draws.

    ``sizes``: a ``range`` or list of sizes, or ``(lo, hi)`` (every integer, or
    :data:`MAX_POINTS` sizes spread evenly — geometrically with ``log``); ``None``: from
    the smallest valid size to 16 times it. Every size must satisfy ``cost.constraints``
    (:class:`ValueError` naming the size, its value and the rule).
    """
    if not cost.per_layer:
        raise ValueError("the model has no layers: there is nothing to plot")
    names = _axis_names(cost, axis)
    fixed = dict(fixed or {})
    for key, value in fixed.items():
        if key not in cost.symbols:
            raise ValueError(f"fixed: {key!r} is not an input size of this model "
                             f"(its sizes: {', '.join(cost.symbols)})")
        if key in names:
            raise ValueError(f"fixed: {key} is on the axis; it cannot be fixed too")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"fixed: {key} must be an integer >= 1, got {value!r}")
    if "N" in cost.symbols and "N" not in names:
        fixed.setdefault("N", 1)
    missing = [n for n in cost.symbols if n not in names and n not in fixed]
    if missing:
        raise ValueError(f"fixed: give {', '.join(missing)} (the axis varies "
                         f"{', '.join(names)} only)")

    def values_at(x: int) -> dict:
        vals = {cost.symbols[k]: v for k, v in fixed.items()}
        vals.update({cost.symbols[n]: x for n in names})
        return vals

    def valid(x: int) -> bool:
        try:
            check_sizes(cost, values_at(x))
        except ValueError:
            return False
        return True

    def lowest() -> int:  # the valid sizes of a convolution model are all sizes from some on
        hi = 1
        while not valid(hi):
            hi *= 2
            if hi > 2**40:
                raise ValueError("no valid input size up to 2**40 for this model")
        lo = hi // 2 + 1 if hi > 1 else 1
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if valid(mid) else (mid + 1, hi)
        return lo

    xs = _points(sizes, log, lowest)
    series: dict[str, list[int]] = {name: [] for name in cost.per_layer}
    for x in xs:
        vals = values_at(x)
        check_sizes(cost, vals)
        for name, expr in cost.per_layer.items():
            series[name].append(exact_value(expr, vals))
    return xs, series, fixed


def _math_name(name: str) -> str:
    return name.replace("_", r"_{\mathrm{") + "}}" if "_" in name else name


def _labels(cost, names: list[str], fixed: Mapping[str, int]) -> tuple[str, str]:
    """Axis labels, valid as matplotlib mathtext and as LaTeX (PGF)."""
    if len(names) == 1:
        xlabel = f"{_WORDS.get(names[0], 'input size')} ${_math_name(names[0])}$"
    else:
        xlabel = "input size $" + " = ".join(_math_name(n) for n in names) + "$"
    if fixed:
        xlabel += " (" + ", ".join(f"${_math_name(k)} = {v}$" for k, v in fixed.items()) + ")"
    convention = "".join(ch for ch in str(cost.convention) if ch.isalnum() or ch in " -.")
    ylabel = f"operations ({convention} convention)"
    return xlabel, ylabel


def _mathtext_safe(name: str) -> str:
    from .printing.latex import visible_text

    return visible_text(name).replace("$", r"\$")


def _latex_safe(name: str) -> str:
    from .printing.latex import latex_escape

    # matplotlib turns every "\\$" of a text into "$" before the PGF backend sees it
    return latex_escape(name).replace(r"\ensuremath{\$}", r"\ensuremath{\mathdollar}")


def plot_cost(cost, sizes=None, *, axis: str | Sequence[str] | None = None,
              fixed: Mapping[str, int] | None = None, stacked: bool = True,
              log: bool | str = False, colors: Mapping[str, Any] | None = None,
              out: str | Path | None = None, title: str | None = None, figsize=(6.4, 4.0)):
    """Each layer's count of ``cost`` against the input size; returns the matplotlib Figure.

    Args:
        cost: a :class:`symconv.symbolic.SymbolicCost` (``layers.symbolic()``).
        sizes: ``range``/list of sizes, ``(lo, hi)``, or ``None`` (see :func:`cost_series`).
        axis: the input size(s) that vary (default: every spatial size together).
        fixed: values of the other sizes (``N`` defaults to 1).
        stacked: stacked areas (top edge = total); ``False``: one line per layer.
        log: ``True`` or ``"xy"``: both axes logarithmic; ``"x"`` or ``"y"``: one.
        colors: explicit colours by layer name (else hashed from the name).
        out: write the figure there (suffix ``.pdf``, ``.png`` or ``.pgf``).
        title: a title (plain text, escaped like the layer names).
    """
    _matplotlib()
    from matplotlib.figure import Figure

    if log is True:
        log = "xy"
    if log not in (False, None, "", "x", "y", "xy"):
        raise ValueError(f"log must be True, False, 'x', 'y' or 'xy', got {log!r}")
    log = log or ""
    if out is not None:
        _suffix(out)  # refuse an unknown format before any work
    names = _axis_names(cost, axis)
    xs, series, fixed_used = cost_series(cost, sizes, axis=axis, fixed=fixed, log="x" in log)
    layer_names = list(series)
    palette = layer_colors(layer_names, colors)
    xlabel, ylabel = _labels(cost, names, fixed_used)

    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    shown = [_mathtext_safe(n) for n in layer_names]
    ys = [[_drawable(v, n, x) for v, x in zip(series[n], xs)] for n in layer_names]
    if stacked:
        artists = ax.stackplot(xs, *ys, colors=[palette[n] for n in layer_names],
                               labels=layer_names, linewidth=0.5, edgecolor="white")
    else:
        artists = [ax.plot(xs, y, color=palette[n], label=n, linewidth=1.4)[0]
                   for n, y in zip(layer_names, ys)]
    # explicit handles and labels: a name starting with "_" is still listed
    legend = ax.legend(artists[::-1] if stacked else artists,
                       shown[::-1] if stacked else shown, fontsize="small",
                       loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if "x" in log:
        ax.set_xscale("log")
    if "y" in log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if len(xs) > 1:
        ax.set_xlim(xs[0], xs[-1])
    if title:
        ax.set_title(_mathtext_safe(title))
    # what save_figure needs to write PGF, and what a test may read back
    fig.symconv = {"xs": xs, "series": series, "layers": layer_names, "artists": artists,
                   "legend": legend, "title": title, "colors": palette, "fixed": fixed_used,
                   "axis": names}
    if out is not None:
        save_figure(fig, out)
    return fig


def _drawable(value: int, layer: str, x: int) -> float:
    """The exact count as the float matplotlib draws (correctly rounded; exact below 2**53).
    NumPy cannot hold an int beyond 64 bits in a number array, so matplotlib gets floats."""
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"layer {layer!r} at size {x}: its count ({len(str(value))} digits) "
                         "is beyond what a plot can draw (a float, at most about 1.8e308)"
                         ) from None


def _suffix(out) -> str:
    suffix = Path(out).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(f"out={str(out)!r}: the suffix must be one of "
                         f"{', '.join('.' + f for f in FORMATS)}, got {suffix or 'none'!r}")
    return suffix


def save_figure(fig, out: str | Path) -> Path:
    """Write ``fig`` (from :func:`plot_cost`) as PDF, PNG or PGF, by the suffix of ``out``."""
    mpl = _matplotlib()
    out = Path(out)
    fmt = _suffix(out)
    if fmt != "pgf":
        fig.savefig(out, format=fmt, dpi=150 if fmt == "png" else "figure")
        return out
    meta = getattr(fig, "symconv", None)
    rc = {}
    if mpl.rcParams["pgf.texsystem"] == "xelatex" and shutil.which("xelatex") is None:
        rc["pgf.texsystem"] = "pdflatex"
    engine = rc.get("pgf.texsystem", mpl.rcParams["pgf.texsystem"])
    if shutil.which(engine) is None:
        raise RuntimeError(f"writing {out.name} (PGF) needs a TeX engine to measure the "
                           f"text: {engine} is not installed; write .pdf or .png instead")
    restore = []
    if meta is not None:  # LaTeX-escaped names (and title) for the PGF file
        for text, name in zip(meta["legend"].get_texts(),
                              meta["layers"][::-1] if _stacked(meta) else meta["layers"]):
            restore.append((text, text.get_text()))
            text.set_text(_latex_safe(name))
        if meta["title"]:
            title = fig.axes[0].title
            restore.append((title, title.get_text()))
            title.set_text(_latex_safe(meta["title"]))
    try:
        with mpl.rc_context(rc):
            fig.savefig(out, format="pgf")
    finally:
        for text, old in restore:
            text.set_text(old)
    return out


def _stacked(meta) -> bool:
    from matplotlib.collections import PolyCollection

    return bool(meta["artists"]) and isinstance(meta["artists"][0], PolyCollection)
