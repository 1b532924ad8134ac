"""A model's Conv1d layers as data: the input of layer tables and of ``from_torch``.

A layer file is JSON, either a list of layers or an object::

    {"batch_size": 8,
     "layers": [{"name": "conv1", "in_channels": 1, "out_channels": 16,
                 "kernel_size": 3, "input_length": 16000,
                 "stride": 1, "padding": 1, "dilation": 1, "groups": 1, "bias": true}]}

Required per layer: ``name``, ``in_channels``, ``out_channels``,
``kernel_size``, ``input_length``. Optional: ``stride`` (1), ``padding`` (0,
``"same"`` or ``"valid"``), ``dilation`` (1), ``groups`` (1), ``bias``
(true), ``batch_size`` (the file's ``batch_size``, else 1; 0 is an empty batch,
counted 0). A malformed file raises :class:`LayerSpecError` naming the layer
and the field.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .api import conv1d_ops, conv1d_output_length, conv1d_parameters
from .validation import check_conv1d

__all__ = ["Conv1dCounts", "Conv1dLayer", "LayerSpecError", "load_layers", "parse_layers",
           "MAX_DIGITS"]

#: Integers in a layer file (and in the command line's options) have at most this many
#: digits: far beyond any real layer, and it keeps every count printed from them bounded.
MAX_DIGITS = 1000

_REQUIRED = ("name", "in_channels", "out_channels", "kernel_size", "input_length")
_OPTIONAL = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True,
             "batch_size": None}


class LayerSpecError(ValueError):
    """A layer description is malformed; the message names the layer and field."""


class Conv1dCounts:
    """Validation and counts shared by every dataclass that describes one Conv1d.

    Mixed into frozen dataclasses with PyTorch's field names (``batch_size``,
    ``in_channels``, ``out_channels``, ``input_length``, ``kernel_size``,
    ``stride``, ``padding``, ``dilation``, ``groups``, ``bias``).
    """

    batch_size: int | None
    in_channels: int
    out_channels: int
    input_length: int
    kernel_size: int
    stride: int
    padding: int | str
    dilation: int
    groups: int
    bias: bool

    def __post_init__(self) -> None:
        check_conv1d(self.batch_size, self.in_channels, self.out_channels, self.input_length,
                     self.kernel_size, self.stride, self.padding, self.dilation, self.groups,
                     self.bias)

    @property
    def output_length(self) -> int:
        return conv1d_output_length(self.input_length, self.kernel_size, self.stride,
                                    self.padding, self.dilation)

    @property
    def parameters(self) -> int:
        return conv1d_parameters(self.in_channels, self.out_channels, self.kernel_size,
                                 self.groups, self.bias)

    @property
    def ops(self) -> int:
        """Operation count, moduleprofiler convention (every * and +; bias additions when bias)."""
        return conv1d_ops(self.batch_size, self.in_channels, self.out_channels,
                          self.input_length, self.kernel_size, self.stride, self.padding,
                          self.dilation, self.groups, self.bias)


def _empty_batch(batch_size: Any) -> bool:
    return isinstance(batch_size, int) and not isinstance(batch_size, bool) and batch_size == 0


@dataclass(frozen=True)
class Conv1dLayer(Conv1dCounts):
    """One named ``nn.Conv1d`` applied to an input of a given length.

    ``batch_size=0`` is an empty batch, which PyTorch runs: the layer is checked
    as for one sample and its count is 0 (the evaluators refuse a batch size of 0).
    """

    name: str
    in_channels: int
    out_channels: int
    kernel_size: int
    input_length: int
    stride: int = 1
    padding: int | str = 0
    dilation: int = 1
    groups: int = 1
    bias: bool = True
    batch_size: int = 1

    def __post_init__(self) -> None:
        if _empty_batch(self.batch_size):
            check_conv1d(1, self.in_channels, self.out_channels, self.input_length,
                         self.kernel_size, self.stride, self.padding, self.dilation, self.groups,
                         self.bias)
        else:
            super().__post_init__()

    @property
    def ops(self) -> int:
        """Operation count, moduleprofiler convention (0 for an empty batch)."""
        return 0 if _empty_batch(self.batch_size) else super().ops

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _layer(index: int, raw: Any, default_batch: Any) -> Conv1dLayer:
    where = f"layer {index}"
    if not isinstance(raw, dict):
        raise LayerSpecError(f"{where}: expected an object with fields {', '.join(_REQUIRED)}, "
                             f"got {type(raw).__name__}")
    if isinstance(raw.get("name"), str):
        where = f"layer {index} ({raw['name']!r})"
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise LayerSpecError(f"{where}: unknown field {unknown[0]!r}; known fields: "
                             f"{', '.join(_REQUIRED + tuple(_OPTIONAL))}")
    for key in _REQUIRED:
        if key not in raw:
            raise LayerSpecError(f"{where}: field {key!r} is missing")
    if not isinstance(raw["name"], str) or not raw["name"]:
        raise LayerSpecError(f"{where}: field 'name' must be a non-empty string, got {raw['name']!r}")
    fields = {**_OPTIONAL, **raw}
    if fields["batch_size"] is None:
        fields["batch_size"] = 1 if default_batch is None else default_batch
    for key, value in fields.items():
        if isinstance(value, _TooManyDigits):
            raise LayerSpecError(f"{where}: field {key!r} has too many digits ({value.digits} "
                                 f"digits; the limit is {MAX_DIGITS})")
    try:
        return Conv1dLayer(**fields)
    except (TypeError, ValueError) as exc:
        raise LayerSpecError(f"{where}: {exc}") from None


def parse_layers(data: Any) -> list[Conv1dLayer]:
    """Layers from decoded JSON (a list, or an object with ``layers``)."""
    batch = None
    if isinstance(data, dict):
        if "layers" not in data:
            raise LayerSpecError("layer file: field 'layers' is missing")
        batch = data.get("batch_size")
        data = data["layers"]
    if not isinstance(data, list):
        raise LayerSpecError(f"layer file: 'layers' must be a list, got {type(data).__name__}")
    return [_layer(i, raw, batch) for i, raw in enumerate(data, start=1)]


class _TooManyDigits:
    """A layer file's integer of more than MAX_DIGITS digits (refused, never converted)."""

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"<an integer of {self.digits} digits>"


def _parse_int(text: str) -> int | _TooManyDigits:
    digits = len(text.lstrip("-"))
    return _TooManyDigits(digits) if digits > MAX_DIGITS else int(text)


def load_layers(path: str | Path) -> list[Conv1dLayer]:
    """Read a layer file; :class:`LayerSpecError` on malformed content."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"), parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise LayerSpecError(f"{path}: not valid JSON: {exc}") from None
    except RecursionError:
        raise LayerSpecError(f"{path}: not a layer file: JSON nested too deeply") from None
    return parse_layers(data)
