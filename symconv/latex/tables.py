"""Layer tables: a model's convolution layers (a layer file) as a LaTeX, Markdown or CSV table.

Per layer: the configuration, the output size, the parameter count and the
operation count, then a totals row; the convention is stated with the table (and
in a CSV column).

A table of Conv1d layers only has the columns it always had (K, L_in, L_out; CSV
``kernel_size``, ``input_length``, ``output_length``). A table that mixes layer types
(Conv1d, Conv2d, Conv3d) has a ``Type`` column, and per-dimension values are written
with ``×`` between the dimensions: kernel ``3×3``, input and output size ``224×224``
(always one number per dimension), stride, padding and dilation ``2×1`` — or one
number when it is the same in every dimension, as PyTorch's int form. Its CSV has the
columns ``type``, ``kernel_size``, ``input_size`` and ``output_size``, and writes every
per-dimension value in full with an ASCII ``x`` (``3x3``, stride ``1x1``; a Conv1d row
``3``): split on ``x`` to get one integer per dimension. Every integer is digit-grouped (``16\\,000`` in LaTeX,
``16,000`` in Markdown); ``si=True`` writes the counts with SI prefixes (k, M,
G, T) in LaTeX and Markdown; CSV always holds exact integers.

Layer names and the caption are text from the user, so no format takes them raw:

* every format shows an unprintable character (control characters such as
  NUL, tab and newline, bidi overrides such as U+202E, zero-width and other
  format characters, line separators) as its code point ``<U+202E>``, so a
  name can neither break a row nor reorder what a reader sees;
* LaTeX escapes ``_ & % # $ { } ~ ^ \\ < > | "``, keeps ligature pairs apart
  and writes beyond-ASCII characters with LaTeX's commands where the default
  fonts have them, else as ``<U+XXXX>`` (:func:`symconv.printing.latex.latex_escape`):
  no name stops pdflatex;
* Markdown backslash-escapes its markup characters (``|`` included), and the
  caption is a bold title line above the table;
* CSV cells that a spreadsheet would run as a formula — starting with ``=``,
  ``+``, ``-``, ``@``, tab or carriage return (also after leading spaces, and
  their full-width forms) — get a leading ``'``, as OWASP's CSV-injection
  guidance recommends.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Sequence

from ..conv1d import CONVENTION
from ..layers import AnyLayer, Conv1dLayer, format_dims, read_layer_file
from ..printing.latex import SHORT, latex_escape, latex_number, visible_text
from ..symbols import C_in, C_out, G, K, L_in, L_out, N, d, p, s
from .render import environment, markdown_escape

__all__ = ["TableOptions", "TABLE_FORMATS", "render_table", "render_table_file", "si_format",
           "csv_cell", "label_for", "TOTAL_LABEL", "reads_as_total", "DEFAULT_LABEL",
           "DEFAULT_CAPTION", "DEFAULT_CAPTION_MIXED", "SymbolicTableOptions",
           "render_symbolic_table", "formula_latex", "symbol_latex", "display_expr", "resolve_at"]

TABLE_FORMATS = ("tex", "md", "csv")
#: ``\\label`` of a table rendered from layers with no file name and no ``label``.
DEFAULT_LABEL = "tab:conv1d-layers"
_LABEL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._-]*")
#: first characters that make a spreadsheet treat a cell as a formula (OWASP), and
#: their full-width forms
_FORMULA_START = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"
_PREFIXES = ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k"))


@dataclass(frozen=True)
class TableOptions:
    """How a layer table is rendered.

    Attributes:
        si: counts with SI prefixes, 3 significant digits (LaTeX and Markdown only).
        caption: LaTeX caption / Markdown title above the table; in LaTeX the
            convention follows it, in Markdown a note below the table states it.
            ``None``: :data:`DEFAULT_CAPTION` (Conv1d layers) or
            :data:`DEFAULT_CAPTION_MIXED` (several layer types); ``""``: none.
        label: LaTeX ``\\label`` of the table (letters, digits and ``: . _ -``);
            ``None``: derived from the layer file's name (:func:`label_for`), or
            :data:`DEFAULT_LABEL` without one.
    """

    si: bool = False
    caption: str | None = None
    label: str | None = None


#: The default caption of a table of Conv1d layers, and of one that mixes layer types.
DEFAULT_CAPTION = "Conv1d layers: output length, parameters and operation count"
DEFAULT_CAPTION_MIXED = "Convolution layers: output size, parameters and operation count"


def label_for(path: str | Path) -> str:
    """The default label of a layer file's table: ``tab:`` and the file name without
    ``.json`` (``model.json`` -> ``tab:model``, ``enc v2.json`` -> ``tab:enc-v2``).

    Two tables of different files in one document so get different labels.
    """
    slug = re.sub(r"[^A-Za-z0-9]+", "-", Path(path).stem).strip("-").lower()
    return f"tab:{slug}" if slug else DEFAULT_LABEL


def _check_label(label: str) -> str:
    if not isinstance(label, str) or not _LABEL_RE.fullmatch(label):
        raise ValueError(f"label must be letters, digits and ': . _ -' (starting with a letter "
                         f"or digit), got {label!r}")
    return label


def csv_cell(text: str) -> str:
    """A text cell safe to open in a spreadsheet (OWASP CSV injection).

    Unprintable characters become ``<U+XXXX>``; a cell that starts (after
    spaces) with ``= + - @``, tab or carriage return, or their full-width
    forms, gets a leading ``'`` so that it is read as text, not run as a formula.
    """
    text = visible_text(text)
    if text.lstrip(" ")[:1] in tuple(_FORMULA_START):
        return "'" + text
    return text


#: The name cell of the totals row (CSV ``total``; LaTeX and Markdown a bold ``Total``).
TOTAL_LABEL = "total"


def reads_as_total(name: str) -> bool:
    """Whether a layer name would read as the totals row's label (``total``, ``Total``,
    `` TOTAL ``, full-width ``ｔｏｔａｌ``: the label up to case, compatibility forms and
    surrounding spaces)."""
    return unicodedata.normalize("NFKC", visible_text(name)).strip().casefold() == TOTAL_LABEL


def _csv_name(name: str) -> str:
    """A layer's name cell: :func:`csv_cell`, and a leading ``'`` on a name that reads as
    the totals label, so that the totals row is the only row named ``total``."""
    cell = csv_cell(name)
    return "'" + cell if reads_as_total(name) else cell


def si_format(value: int, digits: int = 3) -> tuple[str, str]:
    """``(mantissa, prefix)``: 2408448 -> ``("2.41", "M")``; below 1000 -> ``("999", "")``.

    Exact decimal rounding (half to even) of the integer; never a float.
    """
    value = int(value)
    for scale, prefix in _PREFIXES:
        if abs(value) >= scale:
            q = Decimal(value) / Decimal(scale)
            exp = q.adjusted()  # power of ten of the leading digit
            quantum = Decimal(1).scaleb(exp - digits + 1)
            text = f"{q.quantize(quantum, rounding=ROUND_HALF_EVEN):f}"
            if Decimal(text) >= 1000 and prefix != "T":  # 999.96k rounds to 1000k: next prefix
                return si_format(int(Decimal(text)) * scale, digits)
            return text, prefix
    return str(value), ""


def _transposed(layers: Sequence[AnyLayer]) -> bool:
    """True when a layer is a transposed convolution (the table shows output_padding)."""
    return any(layer.spec.family == "transposed" for layer in layers)


def _mixed(layers: Sequence[AnyLayer]) -> bool:
    """True when the table needs the layout of several layer types (not Conv1d only)."""
    return any(layer.type != "conv1d" for layer in layers)


def _batch_note(layers: Sequence[AnyLayer]) -> str:
    sizes = sorted({layer.batch_size for layer in layers})
    if len(sizes) == 1:
        return f"batch of {sizes[0]}"
    return "per layer for its batch size N"


def _conv1d_value(layer: AnyLayer, field: str):
    """A Conv1d layer's field as the Conv1d table has always shown it."""
    if isinstance(layer, Conv1dLayer):
        return getattr(layer, {"input_size": "input_length"}.get(field, field))
    value = layer.per_dim(field)
    return value if isinstance(value, str) else value[0]


def render_table(layers: Sequence[AnyLayer], fmt: str = "tex",
                 options: TableOptions = TableOptions()) -> str:
    """The table of ``layers`` (:class:`~symconv.layers.Conv1dLayer` and
    :class:`~symconv.layers.Layer` of any type) as ``tex`` (booktabs), ``md`` or ``csv``."""
    if fmt not in TABLE_FORMATS:
        raise ValueError(f"format must be one of {', '.join(TABLE_FORMATS)}, got {fmt!r}")
    if not layers:
        raise ValueError("the layer file holds no layers")
    label = _check_label(DEFAULT_LABEL if options.label is None else options.label)
    mixed = _mixed(layers)
    caption = options.caption
    if caption is None:
        caption = DEFAULT_CAPTION_MIXED if mixed else DEFAULT_CAPTION
    if not isinstance(caption, str):
        raise TypeError(f"caption must be a string, got {type(caption).__name__}")
    params = [layer.parameters for layer in layers]
    ops = [layer.ops for layer in layers]
    mixed_batch = len({layer.batch_size for layer in layers}) > 1
    if fmt == "csv":
        return _csv(layers, params, ops, mixed)
    tex = fmt == "tex"

    def integer(v: int) -> str:
        return latex_number(v) if tex else f"{v:,}"

    def count(v: int) -> str:
        if options.si:
            mant, prefix = si_format(v)
            if tex:
                return f"{mant}\\,{prefix}" if prefix else mant
            return f"{mant} {prefix}".strip()
        return integer(v)

    def text(value: str) -> str:  # user text: names, caption
        return latex_escape(value) if tex else markdown_escape(visible_text(value))

    def sizes(value, collapse: bool = False) -> str:  # per-dimension: 3×3, or 'same'
        if isinstance(value, str):
            return value
        if collapse and len(set(value)) == 1:
            value = value[:1]
        return (r"$\times$" if tex else "×").join(integer(v) for v in value)

    names = SHORT.names()  # compact column heads: K, s, p, d, G
    math = (lambda sym: f"${names[sym]}$") if tex else (lambda sym: str(sym))
    md_heads = {C_in: "C_in", C_out: "C_out", K: "K", L_in: "L_in", L_out: "L_out", N: "N"}
    word = {"s": "stride", "p": "padding", "d": "dilation", "G": "groups"}

    def head(sym) -> str:
        if tex:
            return math(sym)
        return md_heads.get(sym) or word[str(sym)]

    # columns: (head, alignment, cell of a layer)
    columns: list[tuple[str, str, object]] = [("Layer", "l", lambda ly: text(ly.name))]
    if mixed:
        columns.append(("Type", "l", lambda ly: ly.spec.title))
    if mixed_batch:
        columns.append((head(N), "r", lambda ly: integer(ly.batch_size)))
    columns += [(head(C_in), "r", lambda ly: integer(ly.in_channels)),
                (head(C_out), "r", lambda ly: integer(ly.out_channels))]
    if mixed:
        columns += [
            (head(K), "r", lambda ly: sizes(ly.per_dim("kernel_size"))),
            (head(s), "r", lambda ly: sizes(ly.per_dim("stride"), True)),
            (head(p), "r", lambda ly: sizes(ly.per_dim("padding"), True)),
        ]
        if _transposed(layers):  # a transposed layer's output_padding; '-' for the others
            columns.append((r"$\mathrm{op}$" if tex else "output_padding", "r",
                            lambda ly: sizes(ly.per_dim("output_padding"), True)
                            if ly.spec.family == "transposed" else ("--" if tex else "-")))
        columns += [
            (head(d), "r", lambda ly: sizes(ly.per_dim("dilation"), True)),
        ]
    else:
        def one(field):
            def cell(ly):
                value = _conv1d_value(ly, field)
                return value if isinstance(value, str) else integer(value)  # 'same', 'valid'
            return cell
        columns += [(head(sym), "r", one(field)) for sym, field in (
            (K, "kernel_size"), (s, "stride"), (p, "padding"), (d, "dilation"))]
    columns += [(head(G), "r", lambda ly: integer(ly.groups)),
                ("bias", "l", lambda ly: "yes" if ly.bias else "no")]
    if mixed:
        columns += [("Input", "r", lambda ly: sizes(ly.input_size)),
                    ("Output", "r", lambda ly: sizes(ly.output_size))]
    else:
        columns += [(head(L_in), "r", lambda ly: integer(_conv1d_value(ly, "input_size"))),
                    (head(L_out), "r", lambda ly: integer(ly.output_size[0]))]
    columns += [("Parameters" if tex else "parameters", "r", None),
                ("Operations" if tex else "ops", "r", None)]
    rows = []
    for layer, n_params, n_ops in zip(layers, params, ops):
        rows.append([cell(layer) for _, _, cell in columns[:-2]] + [count(n_params), count(n_ops)])
    # the totals row is marked so that no layer row can look like it: bold, which an
    # escaped layer name cannot be (a layer named "Total" stays plain text)
    total_label = r"\textbf{Total}" if tex else "**Total**"
    totals = [count(sum(params)), count(sum(ops))]
    if not tex:
        totals = [f"**{t}**" for t in totals]
    total = [total_label] + [""] * (len(columns) - 3) + totals
    md_align = {"l": ":---", "r": "---:"}
    caption = caption.strip()
    ctx = dict(heads=[h for h, _, _ in columns], rows=rows, total=total,
               colspec="".join(a for _, a, _ in columns),
               aligns=[md_align[a] for _, a, _ in columns],
               convention=CONVENTION, batch=_batch_note(layers),
               # several layer types: more columns, so smaller type and less space
               font_size="footnotesize" if mixed else "small",
               tabcolsep="2pt" if mixed else "4pt",
               caption=text(caption), caption_stop="" if caption.endswith(".") or not caption
               else ".", label=label, si=options.si, template=f"table.{fmt}.jinja")
    return environment().get_template(f"table.{fmt}.jinja").render(**ctx)


_CSV_FIELDS = ("name", "batch_size", "in_channels", "out_channels", "kernel_size", "stride",
               "padding", "dilation", "groups", "bias", "input_length", "output_length",
               "parameters", "ops", "convention")
#: The CSV columns of a table that mixes layer types.
_CSV_FIELDS_MIXED = ("name", "type", "batch_size", "in_channels", "out_channels", "kernel_size",
                     "stride", "padding", "dilation", "groups", "bias", "input_size",
                     "output_size", "parameters", "ops", "convention")


def _csv(layers: Sequence[AnyLayer], params: list[int], ops: list[int], mixed: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    fields = _CSV_FIELDS_MIXED if mixed else _CSV_FIELDS
    transposed = _transposed(layers)
    if transposed:  # output_padding after padding ('' for a layer that has none)
        at = fields.index("padding") + 1
        fields = fields[:at] + ("output_padding",) + fields[at:]
    writer.writerow(fields)
    for layer, n_params, n_ops in zip(layers, params, ops):
        bias = "true" if layer.bias else "false"
        if mixed:
            per = [format_dims(layer.per_dim(f), sep="x") for f in ("kernel_size", "stride",
                                                                    "padding", "dilation")]
            if transposed:
                per.insert(3, format_dims(layer.per_dim("output_padding"), sep="x")
                           if layer.spec.family == "transposed" else "")
            writer.writerow([_csv_name(layer.name), layer.type, layer.batch_size,
                             layer.in_channels, layer.out_channels, *per, layer.groups, bias,
                             format_dims(layer.input_size, sep="x"),
                             format_dims(layer.output_size, sep="x"), n_params, n_ops,
                             CONVENTION])
        else:
            writer.writerow([_csv_name(layer.name), layer.batch_size, layer.in_channels,
                             layer.out_channels,
                             *(_conv1d_value(layer, f) for f in ("kernel_size", "stride",
                                                                 "padding", "dilation")),
                             layer.groups, bias, _conv1d_value(layer, "input_size"),
                             layer.output_size[0], n_params, n_ops, CONVENTION])
    writer.writerow([TOTAL_LABEL] + [""] * (len(fields) - 4) + [sum(params), sum(ops), CONVENTION])
    return out.getvalue()


def render_table_file(path: str | Path, fmt: str = "tex",
                      options: TableOptions = TableOptions()) -> str:
    """Read a layer file (:func:`symconv.layers.read_layer_file`) and render its table.

    Without ``options.label`` the table's label comes from the file name (:func:`label_for`).
    """
    if options.label is None:
        options = replace(options, label=label_for(path))
    return render_table(read_layer_file(path), fmt, options)


# --- the symbolic table: each layer's count as a formula of the model's input size ----------

#: Symbolic table: width of the layer-name column (points, 10 pt article).
SYMBOLIC_NAME_WIDTH = 80.0
#: Symbolic table: default caption.
#: Symbolic table: widest value column (points); a wider value is broken between digit groups.
SYMBOLIC_VALUE_WIDTH = 80.0
#: Symbolic table: the totals row shows the total's formula when it takes at most this many
#: rows (else "the sum of the rows above").
SYMBOLIC_TOTAL_ROWS = 4
DEFAULT_SYMBOLIC_CAPTION = "Operation count of each layer as a formula of the input size"
DEFAULT_SYMBOLIC_LABEL = "tab:symbolic-cost"


@dataclass(frozen=True)
class SymbolicTableOptions:
    """How :func:`render_symbolic_table` renders.

    Attributes:
        at: also give each count at these sizes (``{"L_in": 16000}``; ``N`` is 1 unless
            given; one size of a 2-D/3-D model may stand for all: ``{"size": 224}``).
        caption / label: as :class:`TableOptions` (``None``: the defaults above).
        line_width: the width in points the LaTeX table must fit (default: a one-column
            article, :data:`symconv.latex.layout.ONE_COLUMN`); long formulas are broken
            into rows.
    """

    at: dict | None = None
    caption: str | None = None
    label: str | None = None
    line_width: float | None = None


def symbol_latex(name: str) -> str:
    """LaTeX of a model size symbol: ``L_in`` -> ``L_{\\text{in}}``, ``N`` -> ``N``."""
    base, sep, sub = name.partition("_")
    return f"{base}_{{\\text{{{sub}}}}}" if sep else name


def symbolic_names(cost) -> dict:
    """``symbol_names`` for the project's LaTeX printer: each of ``cost.symbols``."""
    return {sym: symbol_latex(name) for name, sym in cost.symbols.items()}


def display_expr(expr):
    """A count expression in its display form: nested floors merged, each floor one
    fraction (:func:`symconv._exact.collapse_floors`, :func:`symconv._exact.display_floors`);
    the same value at every size."""
    from .._exact import collapse_floors, display_floors, symbols_first

    return symbols_first(display_floors(collapse_floors(expr)))


def formula_latex(cost, expr) -> str:
    """``expr`` (one of ``cost``'s expressions) in LaTeX, printed by the project's printer in
    the short notation (``\\cdot``) in its display form (:func:`display_expr`)."""
    from ..printing.latex import SHORT, latex

    return latex(display_expr(expr), SHORT, symbolic_names(cost))


def resolve_at(cost, at) -> dict:
    """``at`` as ``{symbol: int}`` for every symbol of ``cost`` (``N`` 1 by default; key
    ``"size"`` for every spatial size), checked against ``cost.constraints``."""
    from .._exact import check_sizes, free_size_names

    values: dict = {}
    for key, value in dict(at).items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"at: {key} must be an integer >= 1, got {value!r}")
        if key == "size":
            for name in free_size_names(cost):
                values.setdefault(name, value)
        elif key in cost.symbols:
            values[key] = value
        else:
            raise ValueError(f"at: {key!r} is not an input size of this model "
                             f"(its sizes: {', '.join(cost.symbols)})")
    if "N" in cost.symbols:
        values.setdefault("N", 1)
    missing = [n for n in cost.symbols if n not in values]
    if missing:
        raise ValueError(f"at: give {', '.join(missing)}")
    out = {cost.symbols[n]: values[n] for n in cost.symbols}
    check_sizes(cost, out)
    return out


def _breakable(name: str) -> str:
    """A layer name, LaTeX-escaped, with break points after ``. _ - / :`` and every 8
    characters of a longer run (dotted module paths fit a narrow column)."""
    chunks, run = [], ""
    for ch in visible_text(name):
        run += ch
        if ch in "._-/:" or len(run) >= 8:
            chunks.append(run)
            run = ""
    if run:
        chunks.append(run)
    return r"\allowbreak{}".join(latex_escape(c) for c in chunks)


def render_symbolic_table(cost, fmt: str = "tex",
                          options: SymbolicTableOptions = SymbolicTableOptions()) -> str:
    """A table of ``cost`` (:class:`symconv.symbolic.SymbolicCost`): per layer its count as a
    formula of the input size, and its value at ``options.at``; a totals row.

    ``tex``: a booktabs ``table`` (needs ``amsmath``, ``booktabs`` and ``array``) that fits
    ``options.line_width`` (long formulas broken into rows by
    :func:`symconv.latex.layout.break_rows`); ``md``: formulas as ``$…$``; ``csv``: the
    formula as text (``name,formula,latex[,value]``). Layer names are escaped as in
    :func:`render_table`.
    """
    import sympy as sp

    from ..printing.text import one_line
    from .layout import ONE_COLUMN, WIDTH_MARGIN, break_rows, math_width, text_width

    if fmt not in TABLE_FORMATS:
        raise ValueError(f"format must be one of {', '.join(TABLE_FORMATS)}, got {fmt!r}")
    if not cost.per_layer:
        raise ValueError("the model has no layers: there is no table to render")
    label = _check_label(DEFAULT_SYMBOLIC_LABEL if options.label is None else options.label)
    caption = DEFAULT_SYMBOLIC_CAPTION if options.caption is None else options.caption
    if not isinstance(caption, str):
        raise TypeError(f"caption must be a string, got {type(caption).__name__}")
    caption = caption.strip()
    at = resolve_at(cost, options.at) if options.at is not None else None
    values = None
    if at is not None:
        from .._exact import exact_value

        values = [exact_value(e, at) for e in cost.per_layer.values()]
    names = list(cost.per_layer)
    n_sym = cost.symbols.get("N")
    total_expr = display_expr(cost.expr)
    total_expr = display_expr(sp.collect(sp.expand(_floors(total_expr)), n_sym)
                              if n_sym is not None else sp.expand(_floors(total_expr)))
    convention = str(cost.convention)
    sizes = ", ".join(symbol_latex(n) for n in cost.symbols)
    at_text = (", ".join(f"{symbol_latex(str(s))} = {latex_number(v)}" for s, v in at.items())
               if at else "")

    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["name", "formula", "latex"] + (["value"] if at else []) + ["convention"])
        plain = {sym: name for name, sym in cost.symbols.items()}
        for k, (name, expr) in enumerate(cost.per_layer.items()):
            shown = display_expr(expr)
            row = [_csv_name(name), csv_cell(one_line(shown, plain)),
                   csv_cell(formula_latex(cost, expr))]
            writer.writerow(row + ([values[k]] if at else []) + [convention])
        writer.writerow([TOTAL_LABEL, csv_cell(one_line(total_expr, plain)),
                         csv_cell(_print(cost, total_expr))]
                        + ([sum(values)] if at else []) + [convention])
        return out.getvalue()

    if fmt == "md":
        head = ["Layer", f"Operations $\\mathrm{{ops}}({sizes})$"]
        if at:
            head.append(f"At ${at_text}$")
        lines = ["| " + " | ".join(head) + " |",
                 "|" + "|".join([":---", ":---"] + (["---:"] if at else [])) + "|"]
        rows = [(markdown_escape(visible_text(n)), _print(cost, display_expr(e)))
                for n, e in cost.per_layer.items()]
        rows.append(("**Total**", _print(cost, total_expr)))
        for k, (name, tex) in enumerate(rows):
            cells = [name, "$" + tex.replace("|", r"\vert ") + "$"]
            if at:
                v = values[k] if k < len(values) else sum(values)
                cells.append(f"{v:,}" if k < len(values) else f"**{v:,}**")
            lines.append("| " + " | ".join(cells) + " |")
        title = f"**{markdown_escape(visible_text(caption))}**\n\n" if caption else ""
        note = f"\n\nCounting convention: {markdown_escape(convention)}"
        if at:
            note += "; values at " + ", ".join(f"{s} = {v:,}" for s, v in at.items())
        return title + "\n".join(lines) + note + ".\n"

    # LaTeX
    width = ONE_COLUMN if options.line_width is None else float(options.line_width)
    gap = 2 * 6.0  # \tabcolsep on both sides of an inner column edge
    # a value wider than SYMBOLIC_VALUE_WIDTH goes in a column of that width, broken
    # between digit groups
    def number(v: int, bold: bool = False) -> str:
        groups = latex_number(v).split(r"\,")  # breaks only at the formula's top level
        if bold:
            groups = [f"\\mathbf{{{g}}}" for g in groups]
        return "$" + r"\,\allowbreak ".join(groups) + "$"

    numbers = [number(v) for v in values] + [number(sum(values), True)] if at else []
    num_head = "Value" if at else ""
    num_width = max([math_width(latex_number(v)) for v in values + [sum(values)]]
                    + [text_width(num_head)]) if at else 0.0
    wrap_numbers = num_width > SYMBOLIC_VALUE_WIDTH
    num_width = min(num_width, SYMBOLIC_VALUE_WIDTH)
    budget = (width - SYMBOLIC_NAME_WIDTH - num_width - gap * (2 if at else 1)) \
        * (1 - WIDTH_MARGIN) - 6.0
    indent = math_width(r"\quad")

    def rows_of(expr) -> list[str]:
        return break_rows(_print(cost, expr), budget, budget - indent)

    def cell(rows: list[str]) -> str:
        if len(rows) == 1:
            return f"$\\displaystyle {rows[0]}$"
        body = " \\\\ ".join([f"& {rows[0]}"] + [f"&\\quad {r}" for r in rows[1:]])
        return f"$\\displaystyle\\begin{{aligned}}[t] {body} \\end{{aligned}}$"

    value_col = (f">{{\\raggedleft\\arraybackslash}}p{{{num_width:.1f}pt}}" if wrap_numbers
                 else "r") if at else ""
    colspec = f"@{{}}>{{\\raggedright\\arraybackslash}}p{{{SYMBOLIC_NAME_WIDTH:g}pt}}l" + \
        value_col + "@{}"
    head = ["Layer", f"$\\mathrm{{ops}}({sizes})$"] + ([num_head] if at else [])
    body = []
    for k, (name, expr) in enumerate(cost.per_layer.items()):
        body.append(" & ".join([_breakable(name), cell(rows_of(display_expr(expr)))]
                               + ([numbers[k]] if at else [])) + r" \\[2pt]")
    # the total's formula when it is short; else the sum of the rows (the equation holds it)
    total_rows = rows_of(total_expr)
    total_cell = (cell(total_rows) if len(total_rows) <= SYMBOLIC_TOTAL_ROWS
                  else "the sum of the rows above")
    total = " & ".join([r"\textbf{Total}", total_cell] + ([numbers[-1]] if at else []))
    stop = "" if caption.endswith(".") or not caption else "."
    note = f"Counting convention: {latex_escape(convention)}"
    if at:
        # one inline formula per size, digit groups breakable: a long value never overflows
        note += "; values at " + ", ".join(
            f"${symbol_latex(str(sym))} = "
            + latex_number(v).replace(r"\,", r"\,\allowbreak ") + "$" for sym, v in at.items())
    cap = (latex_escape(caption) + stop + " " if caption else "") + note + "."
    return "\n".join([
        r"\begin{table}[htbp]",
        r"\centering",
        f"\\begin{{tabular}}{{{colspec}}}",
        r"\toprule",
        " & ".join(head) + r" \\",
        r"\midrule",
        *body,
        r"\midrule",
        total + r" \\",
        r"\bottomrule",
        r"\end{tabular}",
        f"\\caption{{{cap}}}",
        f"\\label{{{label}}}",
        r"\end{table}",
    ]) + "\n"


def _floors(expr):
    """:class:`~symconv.functions.FloorDiv` as ``floor`` (so that SymPy combines like terms)."""
    import sympy as sp

    from ..functions import FloorDiv

    return expr.replace(lambda e: isinstance(e, FloorDiv),
                        lambda e: sp.floor(e.args[0] / e.args[1]))


def _print(cost, expr) -> str:
    from ..printing.latex import SHORT, latex

    return latex(expr, SHORT, symbolic_names(cost))
