"""Layer tables: a model's Conv1d layers (a layer file) as a LaTeX, Markdown or CSV table.

Per layer: the configuration, L_out, the parameter count and the operation
count, then a totals row; the convention is stated with the table (and in a
CSV column). ``si=True`` writes the counts with SI prefixes (k, M, G, T) in
LaTeX and Markdown; CSV always holds exact integers. Layer names are escaped
(LaTeX: ``_ & % # $ { } ~ ^ \\``; Markdown: ``| * _`` and friends).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Sequence

from ..conv1d import CONVENTION
from ..layers import Conv1dLayer, load_layers
from ..printing.latex import SHORT, latex_escape, latex_number
from ..symbols import C_in, C_out, G, K, L_in, L_out, N, d, p, s
from .render import environment, markdown_escape

__all__ = ["TableOptions", "TABLE_FORMATS", "render_table", "render_table_file", "si_format"]

TABLE_FORMATS = ("tex", "md", "csv")
_PREFIXES = ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k"))


@dataclass(frozen=True)
class TableOptions:
    """How a layer table is rendered.

    Attributes:
        si: counts with SI prefixes, 3 significant digits (LaTeX and Markdown only).
        caption: caption / title; the convention is always appended.
        label: LaTeX ``\\label`` of the table.
    """

    si: bool = False
    caption: str = "Conv1d layers: output length, parameters and operation count"
    label: str = "tab:conv1d-layers"


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
                 k=layer.kernel_size, s=layer.stride, p=str(layer.padding), d=layer.dilation,
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
    rows = _rows(layers)
    total_params = sum(r["params"] for r in rows)
    total_ops = sum(r["ops"] for r in rows)
    mixed_batch = len({layer.batch_size for layer in layers}) > 1
    if fmt == "csv":
        return _csv(rows, total_params, total_ops)

    def number(v: int) -> str:
        if options.si:
            mant, prefix = si_format(v)
            if fmt == "tex":
                return f"{mant}\\,{prefix}" if prefix else mant
            return f"{mant} {prefix}".strip()
        return f"${latex_number(v)}$" if fmt == "tex" else f"{v:,}"

    esc = latex_escape if fmt == "tex" else markdown_escape
    for r in rows:
        r["name_out"] = esc(r["name"])
        r["params_out"] = number(r["params"])
        r["ops_out"] = number(r["ops"])
        if fmt == "tex":
            r["p"] = latex_escape(r["p"])
    names = SHORT.names()  # compact column heads: K, s, p, d, G
    heads = {key: names[sym] for key, sym in (("n", N), ("c_in", C_in), ("c_out", C_out),
                                              ("k", K), ("s", s), ("p", p), ("d", d), ("g", G),
                                              ("l_in", L_in), ("l_out", L_out))}
    ctx = dict(rows=rows, heads=heads, total_params=number(total_params), total_ops=number(total_ops),
               convention=CONVENTION, batch=_batch_note(layers), mixed_batch=mixed_batch,
               caption=options.caption, label=options.label, si=options.si,
               template=f"table.{fmt}.jinja")
    return environment().get_template(f"table.{fmt}.jinja").render(**ctx)


_CSV_FIELDS = ("name", "batch_size", "in_channels", "out_channels", "kernel_size", "stride",
               "padding", "dilation", "groups", "bias", "input_length", "output_length",
               "parameters", "ops", "convention")


def _csv(rows: list[dict], total_params: int, total_ops: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_FIELDS)
    for r in rows:
        writer.writerow([r["name"], r["n"], r["c_in"], r["c_out"], r["k"], r["s"], r["p"], r["d"],
                         r["g"], "true" if r["layer"].bias else "false", r["l_in"], r["l_out"],
                         r["params"], r["ops"], CONVENTION])
    writer.writerow(["total", "", "", "", "", "", "", "", "", "", "", "", total_params, total_ops,
                     CONVENTION])
    return out.getvalue()


def render_table_file(path: str | Path, fmt: str = "tex",
                      options: TableOptions = TableOptions()) -> str:
    """Read a layer file (:func:`symconv.layers.load_layers`) and render its table."""
    return render_table(load_layers(path), fmt, options)
