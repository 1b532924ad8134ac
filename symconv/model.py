"""A model's convolution layers as one object: :class:`LayerList`.

What :func:`load_layers` reads from a layer file and what
:func:`symconv.torch_interop.from_torch` records from a real model are both a
:class:`LayerList`: a ``list`` of layer records (:class:`~symconv.layers.Conv1dLayer`,
:class:`~symconv.layers.Layer`) in call order, with the model-level views — the total
count in a convention, plain rows, a text table, the LaTeX / Markdown / CSV table of
``symconv table``, the per-layer derivations and the cost as a formula of the model's
input size (:meth:`LayerList.symbolic`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .symbolic import SymbolicCost
    from .layer_derivation import LayerDerivation

__all__ = ["LayerList", "load_layers", "parse_layers"]


def parse_layers(data: Any) -> LayerList:
    """Layers from decoded JSON (a list, or an object with ``layers``; the format is in
    :mod:`symconv.layers`): a :class:`LayerList` of :class:`~symconv.layers.Conv1dLayer`
    and :class:`~symconv.layers.Layer`. :class:`~symconv.layers.LayerSpecError` on
    malformed content."""
    from .layers import parse_layer_records

    fields: dict[str, Any] = {}
    return LayerList(parse_layer_records(data, fields), **fields)


def load_layers(path: str | Path) -> LayerList:
    """Read a layer file (JSON, format in :mod:`symconv.layers`) into a :class:`LayerList`;
    :class:`~symconv.layers.LayerSpecError` on malformed content."""
    from .layers import read_layer_file

    fields: dict[str, Any] = {}
    return LayerList(read_layer_file(path, fields), **fields)


class LayerList(list):
    """The convolution layers of one model, in call order.

    ``input_exprs`` (one per layer, None where absent) and ``input_size`` (the model's input
    size) are the layer file's fields of :mod:`symconv.symbolic`: each layer's input size as
    a formula of the model's input size.
    """

    def __init__(self, layers: Any = (), input_exprs: Any = None,
                 input_size: Any = None, input_constraints: Any = None) -> None:
        super().__init__(layers)
        self.input_exprs = list(input_exprs) if input_exprs is not None else None
        self.input_size = list(input_size) if input_size is not None else None
        self.input_constraints = (list(input_constraints) if input_constraints is not None
                                  else None)

    def size_relations(self):
        """Each layer's batch and input size as expressions of the model's input
        (:class:`symconv.symbolic.SizeRelations`, by the layer-file rule of
        :mod:`symconv.symbolic`)."""
        from .symbolic import file_relations

        exprs = self.input_exprs
        if exprs is not None and len(exprs) != len(self):
            exprs = None  # the list was changed after reading: the rule alone
        return file_relations(list(self), exprs, self.input_size,
                              getattr(self, "input_constraints", None))

    def derivations(self) -> list[LayerDerivation]:
        """The derivation of every layer's count (see :func:`symconv.layer_derivation.derive_layer`)."""
        from .layer_derivation import derive_layer

        return [derive_layer(layer) for layer in self]

    def derivation(self, key: int | str) -> LayerDerivation:
        """The derivation of one layer, by index or by name."""
        from .layer_derivation import derive_layer

        if isinstance(key, str):
            for layer in self:
                if layer.name == key:
                    return derive_layer(layer)
            raise KeyError(key)
        return derive_layer(self[key])

    def total(self, convention: str = "symconv") -> int:
        """Sum of the layers' counts in ``convention`` (default: symconv's ops)."""
        from .conventions import get as _convention

        name = _convention(convention).name
        return sum(layer.count(name) for layer in self)

    def to_dict(self) -> dict[str, Any]:
        """The layer-file form (``{"layers": [...]}``) that ``symconv table`` reads."""
        layers = [layer.to_dict() for layer in self]
        exprs = getattr(self, "input_exprs", None)
        if exprs is not None and len(exprs) == len(layers):
            for record, text in zip(layers, exprs):
                if text is not None:
                    record["input_expr"] = text
        out: dict[str, Any] = {}
        if getattr(self, "input_size", None) is not None:
            out["input_size"] = list(self.input_size)
        if getattr(self, "input_constraints", None):
            out["input_constraints"] = list(self.input_constraints)
        out["layers"] = layers
        return out

    def save(self, path: str | Path) -> Path:
        """Write the layer file (JSON) to ``path``."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    def render_table(self, fmt: str = "md", **options: Any) -> str:
        """The layer table of ``symconv table`` (``tex``, ``md`` or ``csv``) for these layers.

        ``options`` are those of :class:`symconv.latex.tables.TableOptions` (``si``,
        ``caption``, ``label``).
        """
        from .latex.tables import TableOptions, render_table

        if not self:
            raise ValueError("no convolution layer (Conv1d, Conv2d, Conv3d, ConvTranspose1d/2d/3d) "
                             "in this list: there is no table to render")
        return render_table(list(self), fmt, TableOptions(**options))

    def symbolic(self, convention: str = "symconv") -> SymbolicCost:
        """The model's cost as a formula of its input size (see :mod:`symconv.symbolic`)."""
        from .symbolic import symbolic_cost

        return symbolic_cost(self, convention=convention)

    def rows(self, convention: str = "symconv") -> list[dict[str, Any]]:
        """Plain rows: the layer's fields (those of its layer file), its output size
        (``output_length`` for Conv1d, ``output_size`` else) and its count in ``convention``."""
        from .conventions import get as _convention
        from .layers import Conv1dLayer

        name = _convention(convention).name
        out = []
        for layer in self:
            size = ({"output_length": layer.output_length} if isinstance(layer, Conv1dLayer)
                    else {"output_size": list(layer.output_size)})
            out.append({**layer.to_dict(), **size, name: layer.count(name)})
        return out

    def _table_cells(self, convention: str = "symconv"
                     ) -> tuple[list[str], list[list[str]], str, str, list[str]]:
        """The cells of :meth:`table` and of the notebook table: header, one row per layer
        (names made visible, not escaped), the convention's name, the total and one
        description per layer family present."""
        from .conventions import get as _convention
        from .layers import Conv1dLayer, format_dims
        from .printing.latex import visible_text

        conv = _convention(convention)
        if all(isinstance(layer, Conv1dLayer) for layer in self):
            head = ["layer", "C_in", "C_out", "K", "s", "p", "d", "G", "bias", "N", "L_in",
                    "L_out", conv.name]
            body = [[visible_text(r["name"]), r["in_channels"], r["out_channels"], r["kernel_size"], r["stride"],
                     r["padding"], r["dilation"], r["groups"], "yes" if r["bias"] else "no",
                     r["batch_size"], r["input_length"], r["output_length"], f"{r[conv.name]:,}"]
                    for r in self.rows(conv.name)]
        else:  # several layer types: per-dimension values as 3×3 (see format_dims)
            head = ["layer", "type", "C_in", "C_out", "K", "s", "p", "d", "G", "bias", "N",
                    "input", "output", conv.name]
            body = [[visible_text(ly.name), ly.spec.title, ly.in_channels, ly.out_channels,
                     format_dims(ly.per_dim("kernel_size")),
                     format_dims(ly.per_dim("stride"), collapse=True),
                     format_dims(ly.per_dim("padding"), collapse=True),
                     format_dims(ly.per_dim("dilation"), collapse=True), ly.groups,
                     "yes" if ly.bias else "no", ly.batch_size,
                     format_dims(ly.input_size), format_dims(ly.output_size),
                     f"{ly.count(conv.name):,}"] for ly in self]
        # one description per layer family present (a transposed layer's torch counts the
        # scatter products)
        described = list(dict.fromkeys(conv.description if ly.spec.family != "transposed"
                                       else _convention(conv.name, ly.spec).description_for(ly.spec)
                                       for ly in self)) or [conv.description]
        return (head, [[str(x) for x in row] for row in body], conv.name,
                f"{self.total(conv.name):,}", described)

    def table(self, convention: str = "symconv") -> str:
        """A plain-text table of the layers and their counts in ``convention`` (no final
        newline: ``print`` adds it)."""
        head, body, name, total, described = self._table_cells(convention)
        body = body + [["total"] + [""] * (len(head) - 2) + [total]]
        cells = [head] + body
        widths = [max(len(row[i]) for row in cells) for i in range(len(head))]
        lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                           enumerate(zip(row, widths))).rstrip() for row in cells]
        lines.insert(1, "-" * len(lines[0]))
        lines.insert(len(lines) - 1, "-" * len(lines[0]))
        return "\n".join(lines) + f"\n({name}: {'; '.join(described)})"

    # --- display: print(), repr() and the notebook ---------------------------------------

    def __str__(self) -> str:
        """:meth:`table` (each layer's count and the total); an empty list says so."""
        if not self:
            return (f"{type(self).__name__}: no convolution layer (Conv1d, Conv2d, Conv3d, "
                    "ConvTranspose1d/2d/3d); total 0")
        return self.table()

    def __repr__(self) -> str:
        """Short: the class, the layer count and the first layers' types and names."""
        from .printing.display import short_repr

        return short_repr(type(self).__name__, self, self._repr_extra())

    def _repr_extra(self) -> str:
        return ""

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's plain text: the table, as ``print`` shows it."""
        printer.text(repr(self) if cycle else str(self))

    def _repr_html_(self) -> str:
        """The table in a notebook: one row per layer and the total (names escaped)."""
        from .printing.display import layers_html

        if not self:
            return layers_html(type(self).__name__, None)
        return layers_html(type(self).__name__, self._table_cells())
