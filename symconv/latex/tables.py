"""Layer tables: a model's Conv1d layers (a layer file) as a LaTeX, Markdown or CSV table.

Per layer: the configuration, L_out, the parameter count and the operation
count, then a totals row; the convention is stated with the table (and in a
CSV column). Every integer is digit-grouped (``16\\,000`` in LaTeX,
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
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Sequence

from ..conv1d import CONVENTION
from ..layers import Conv1dLayer, load_layers
from ..printing.latex import SHORT, latex_escape, latex_number, visible_text
from ..symbols import C_in, C_out, G, K, L_in, L_out, N, d, p, s
from .render import environment, markdown_escape

__all__ = ["TableOptions", "TABLE_FORMATS", "render_table", "render_table_file", "si_format",
           "csv_cell", "label_for", "DEFAULT_LABEL"]

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
        label: LaTeX ``\\label`` of the table (letters, digits and ``: . _ -``);
            ``None``: derived from the layer file's name (:func:`label_for`), or
            :data:`DEFAULT_LABEL` without one.
    """

    si: bool = False
    caption: str = "Conv1d layers: output length, parameters and operation count"
    label: str | None = None


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


def _rows(layers: Sequence[Conv1dLayer]) -> list[dict]:
    return [dict(layer=layer, name=layer.name, c_in=layer.in_channels, c_out=layer.out_channels,
                 k=layer.kernel_size, s=layer.stride, p=layer.padding, d=layer.dilation,
                 g=layer.groups, bias="yes" if layer.bias else "no", n=layer.batch_size,
                 l_in=layer.input_length, l_out=layer.output_length,
                 params=layer.parameters, ops=layer.ops) for layer in layers]


def _batch_note(layers: Sequence[Conv1dLayer]) -> str:
    sizes = sorted({layer.batch_size for layer in layers})
    if len(sizes) == 1:
        return f"batch of {sizes[0]}"
    return "per layer for its batch size N"


def render_table(layers: Sequence[Conv1dLayer], fmt: str = "tex",
                 options: TableOptions = TableOptions()) -> str:
    """The table of ``layers`` as ``tex`` (booktabs), ``md`` or ``csv``."""
    if fmt not in TABLE_FORMATS:
        raise ValueError(f"format must be one of {', '.join(TABLE_FORMATS)}, got {fmt!r}")
    if not layers:
        raise ValueError("the layer file holds no layers")
    label = _check_label(DEFAULT_LABEL if options.label is None else options.label)
    if not isinstance(options.caption, str):
        raise TypeError(f"caption must be a string, got {type(options.caption).__name__}")
    rows = _rows(layers)
    total_params = sum(r["params"] for r in rows)
    total_ops = sum(r["ops"] for r in rows)
    mixed_batch = len({layer.batch_size for layer in layers}) > 1
    if fmt == "csv":
        return _csv(rows, total_params, total_ops)
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

    for r in rows:
        r["name_out"] = text(r["name"])
        r["params_out"] = count(r["params"])
        r["ops_out"] = count(r["ops"])
        for key in ("n", "c_in", "c_out", "k", "s", "d", "g", "l_in", "l_out"):
            r[key] = integer(r[key])
        r["p"] = integer(r["p"]) if isinstance(r["p"], int) else r["p"]  # 'same', 'valid'
    caption = options.caption.strip()
    names = SHORT.names()  # compact column heads: K, s, p, d, G
    heads = {key: names[sym] for key, sym in (("n", N), ("c_in", C_in), ("c_out", C_out),
                                              ("k", K), ("s", s), ("p", p), ("d", d), ("g", G),
                                              ("l_in", L_in), ("l_out", L_out))}
    ctx = dict(rows=rows, heads=heads, total_params=count(total_params), total_ops=count(total_ops),
               convention=CONVENTION, batch=_batch_note(layers), mixed_batch=mixed_batch,
               caption=text(caption), caption_stop="" if caption.endswith(".") or not caption
               else ".", label=label, si=options.si, template=f"table.{fmt}.jinja")
    return environment().get_template(f"table.{fmt}.jinja").render(**ctx)


_CSV_FIELDS = ("name", "batch_size", "in_channels", "out_channels", "kernel_size", "stride",
               "padding", "dilation", "groups", "bias", "input_length", "output_length",
               "parameters", "ops", "convention")


def _csv(rows: list[dict], total_params: int, total_ops: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_FIELDS)
    for r in rows:
        writer.writerow([csv_cell(r["name"]), r["n"], r["c_in"], r["c_out"], r["k"], r["s"], r["p"], r["d"],
                         r["g"], "true" if r["layer"].bias else "false", r["l_in"], r["l_out"],
                         r["params"], r["ops"], CONVENTION])
    writer.writerow(["total", "", "", "", "", "", "", "", "", "", "", "", total_params, total_ops,
                     CONVENTION])
    return out.getvalue()


def render_table_file(path: str | Path, fmt: str = "tex",
                      options: TableOptions = TableOptions()) -> str:
    """Read a layer file (:func:`symconv.layers.load_layers`) and render its table.

    Without ``options.label`` the table's label comes from the file name (:func:`label_for`).
    """
    if options.label is None:
        options = replace(options, label=label_for(path))
    return render_table(load_layers(path), fmt, options)
