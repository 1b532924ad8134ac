"""A model's convolution layers as data: the input of layer tables and of ``from_torch``.

A layer file is JSON, either a list of layers or an object::

    {"batch_size": 8,
     "layers": [{"name": "conv1", "in_channels": 1, "out_channels": 16,
                 "kernel_size": 3, "input_length": 16000,
                 "stride": 1, "padding": 1, "dilation": 1, "groups": 1, "bias": true},
                {"name": "stem", "type": "conv2d", "in_channels": 3, "out_channels": 64,
                 "kernel_size": [7, 7], "input_size": [224, 224], "stride": 2, "padding": 3}]}

A layer without ``type`` is a Conv1d (the original format, unchanged): required
``name``, ``in_channels``, ``out_channels``, ``kernel_size``, ``input_length``;
it is read as a :class:`Conv1dLayer`. A layer with ``"type": "conv2d"`` or
``"conv3d"`` (any registered layer, :data:`symconv.registry.LAYERS`) has
``input_size`` instead of ``input_length``, a list of one size per spatial
dimension ([H, W], [D, H, W]); ``kernel_size``, ``stride``, ``padding`` and
``dilation`` are an integer (the same in every dimension) or such a list, as
PyTorch takes them; it is read as a :class:`Layer`. ``"type": "conv1d"`` with
``input_length`` is the Conv1d format, with ``input_size`` ([L]) a :class:`Layer`.
Optional for every type: ``stride`` (1), ``padding`` (0, ``"same"`` or
``"valid"``), ``dilation`` (1), ``groups`` (1), ``bias`` (true), ``batch_size``
(the file's ``batch_size``, else 1; 0 is an empty batch, counted 0). A malformed
file raises :class:`LayerSpecError` naming the layer and the field.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from operator import index as _index
from pathlib import Path
from typing import Any, Union

import sympy as sp

from .validation import check_conv1d

__all__ = ["Conv1dCounts", "Conv1dLayer", "Layer", "AnyLayer", "LayerSpecError", "read_layer_file",
           "parse_layer_records", "MAX_DIGITS", "PER_DIMENSION", "format_dims",
           "count_arguments"]

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
        from .api import conv1d_output_length  # the numeric API on first use

        return conv1d_output_length(self.input_length, self.kernel_size, self.stride,
                                    self.padding, self.dilation)

    @property
    def parameters(self) -> int:
        from .api import conv1d_parameters

        return conv1d_parameters(self.in_channels, self.out_channels, self.kernel_size,
                                 self.groups, self.bias)

    @property
    def ops(self) -> int:
        """Operation count, moduleprofiler convention (every * and +; bias additions when bias)."""
        from .api import conv1d_ops

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

    # --- the interface shared with Layer (tables, from_torch) -------------------------------

    @property
    def type(self) -> str:
        """The registered layer name: ``"conv1d"``."""
        return "conv1d"

    @property
    def spec(self):
        """The layer's :class:`symconv.spec.LayerSpec`."""
        from .registry import get

        return get("conv1d")

    @property
    def dims(self) -> int:
        return 1

    @property
    def input_size(self) -> tuple[int, ...]:
        return (self.input_length,)

    @property
    def output_size(self) -> tuple[int, ...]:
        return (self.output_length,)

    def per_dim(self, field: str) -> tuple[int, ...] | str:
        """``kernel_size``, ``stride``, ``padding``, ``dilation``, ``input_size`` or
        ``output_size`` as a tuple of one int per dimension (``'same'``/``'valid'`` as given)."""
        return _per_dim_view(self, field)

    def count(self, convention: str = "symconv") -> int:
        """The count in ``convention`` (:data:`symconv.conventions.NAMES`), exact."""
        return _count(self, convention)


def _per_dim_view(layer: Any, field: str) -> tuple[int, ...] | str:
    if field not in PER_DIMENSION + ("output_size", "output_padding"):
        raise KeyError(f"{field!r} is not a per-dimension field; those are "
                       f"{', '.join(PER_DIMENSION)}, output_size (and output_padding of a "
                       f"transposed convolution)")
    value = getattr(layer, field)
    if isinstance(value, str):
        return value
    if isinstance(value, (tuple, list)):
        return tuple(_index(v) for v in value)
    return (_index(value),) * layer.dims


def count_arguments(config: Any, batch_size: Any) -> dict[str, Any]:
    """The keyword arguments of :func:`symconv.count` for ``config`` at ``batch_size``.

    ``config`` has PyTorch's parameter names as attributes, ``input_size`` a sequence of one
    size per spatial dimension and ``spec`` its layer's specification (a :class:`Layer`, a
    :class:`Conv1dLayer`, a :class:`symconv.latex.LayerExample`); the input size is given as
    the layer's functions take it (``input_length`` or ``input_size``), and
    ``output_padding`` for a transposed layer.
    """
    spec = config.spec
    args = dict(batch_size=batch_size, in_channels=config.in_channels,
                out_channels=config.out_channels, kernel_size=config.kernel_size,
                stride=config.stride, padding=config.padding, dilation=config.dilation,
                groups=config.groups, bias=config.bias)
    if "input_length" in spec.parameter_names:
        args["input_length"] = config.input_size[0]
    else:
        args["input_size"] = config.input_size
    if spec.family == "transposed":
        args["output_padding"] = config.output_padding
    return args


def _count(layer: Any, convention: str) -> int:
    """``layer``'s count in ``convention``: 0 per batch for an empty batch, a count per
    sample (which does not depend on N) at N = 1."""
    from . import conventions
    from .api import count

    conv = conventions.get(convention, layer.type)
    batch = layer.batch_size
    if _empty_batch(batch):
        if conv.scope != "sample":
            return 0
        batch = 1
    return count(layer.type, convention=conv.name, **count_arguments(layer, batch))


def format_dims(value: tuple[int, ...] | str, sep: str = "×", collapse: bool = False) -> str:
    """A per-dimension value as text: ``(3, 3)`` -> ``"3×3"``, ``(7,)`` -> ``"7"``, a
    padding string as it is. ``collapse``: one number when it is the same in every
    dimension (PyTorch's int form: stride ``(1, 1)`` -> ``"1"``)."""
    if isinstance(value, str):
        return value
    if collapse and len(set(value)) == 1:
        return str(value[0])
    return sep.join(str(v) for v in value)


#: The fields of a layer that hold one value per spatial dimension.
PER_DIMENSION = ("input_size", "kernel_size", "stride", "padding", "dilation")


def _spatial(dims: int, value: Any) -> Any:
    """A validated per-dimension value as a tuple of ints (an int stands for every
    dimension); a string (``'same'``, ``'valid'``) as it is."""
    if isinstance(value, str):
        return value
    if isinstance(value, (tuple, list)):
        return tuple(_index(v) for v in value)
    return (_index(value),) * dims


@dataclass(frozen=True)
class Layer:
    """One named convolution of any registered type applied to an input of a given size.

    ``type`` is a registered layer name (``"conv1d"``, ``"conv2d"``, ``"conv3d"``).
    ``input_size`` is a tuple of one size per spatial dimension ((H, W) for Conv2d,
    (D, H, W) for Conv3d); ``kernel_size``, ``stride``, ``padding`` and ``dilation``
    take an int or such a tuple (PyTorch's forms) and are stored as tuples;
    ``padding`` may also be ``'same'`` or ``'valid'`` (kept as written). The
    configuration is checked with PyTorch's rules by the layer's evaluator (the
    message names the parameter, the dimension and the rule). ``batch_size=0`` is an
    empty batch: checked as one sample, counted 0. Counts are exact ints.
    """

    name: str
    type: str
    in_channels: int
    out_channels: int
    kernel_size: tuple[int, ...]
    input_size: tuple[int, ...]
    stride: tuple[int, ...] = 1
    padding: tuple[int, ...] | str = 0
    dilation: tuple[int, ...] = 1
    groups: int = 1
    bias: bool = True
    batch_size: int = 1
    output_padding: tuple[int, ...] = 0

    def __post_init__(self) -> None:
        from .api import count
        from .registry import get

        if not isinstance(self.type, str):
            raise TypeError(f"type must be a layer name, got {self.type!r}")
        spec = get(self.type)  # ValueError naming the registered layers
        dims = spec.dims
        if spec.family != "transposed" and self.output_padding not in (0, (0,) * dims,
                                                                       [0] * dims):
            raise TypeError(f"output_padding={self.output_padding!r}: {spec.name} has no "
                            f"output_padding (a parameter of the transposed convolutions)")
        if not isinstance(self.input_size, (tuple, list)):
            raise TypeError(f"input_size must be a tuple of {dims} int(s) "
                            f"({', '.join(spec.axes)}), got {self.input_size!r}")
        if len(self.input_size) != dims:
            raise TypeError(f"input_size must be a tuple of {dims} int(s) "
                            f"({', '.join(spec.axes)}), got {tuple(self.input_size)!r}")
        batch = 1 if _empty_batch(self.batch_size) else self.batch_size
        # PyTorch's rules, with the evaluator's messages (parameter, dimension, rule)
        count(spec.name, **count_arguments(self, batch))
        for field in ("kernel_size", "stride", "padding", "dilation", "input_size",
                      "output_padding"):
            object.__setattr__(self, field, _spatial(dims, getattr(self, field)))
        for field in ("in_channels", "out_channels", "groups"):
            object.__setattr__(self, field, _index(getattr(self, field)))
        if self.batch_size is not None:
            object.__setattr__(self, "batch_size", _index(self.batch_size))
        object.__setattr__(self, "bias", bool(self.bias))

    @property
    def spec(self):
        """The layer's :class:`symconv.spec.LayerSpec`."""
        from .registry import get

        return get(self.type)

    @property
    def dims(self) -> int:
        return len(self.input_size)

    @property
    def output_size(self) -> tuple[int, ...]:
        """The output size, one int per spatial dimension (PyTorch's ``y.shape[2:]``)."""
        if self.type == "conv1d":
            from .api import conv1d_output_length

            return (conv1d_output_length(self.input_size[0], self.kernel_size, self.stride,
                                         self.padding, self.dilation),)
        if self.spec.family == "transposed":
            from . import api

            if self.dims == 1:
                return (api.conv_transpose1d_output_length(
                    self.input_size[0], self.kernel_size, self.stride, self.padding,
                    self.output_padding, self.dilation),)
            return getattr(api, f"{self.type}_output_size")(
                self.input_size, self.kernel_size, self.stride, self.padding,
                self.output_padding, self.dilation)
        from .api import _evaluator

        return getattr(_evaluator(self.type), f"{self.type}_output_size")(
            self.input_size, self.kernel_size, self.stride, self.padding, self.dilation)

    @property
    def parameters(self) -> int:
        """Learnable parameters (weight plus bias): the specification's expression, exact."""
        spec = self.spec
        from .symbols import C_in, C_out, G

        subs = {C_in: self.in_channels, C_out: self.out_channels, G: self.groups,
                spec.bias: int(self.bias)}
        subs.update(zip(spec.parameter("kernel_size").symbols, self.kernel_size))
        value = spec.expression("parameters").xreplace(
            {k: sp.Integer(v) for k, v in subs.items()})
        if not value.is_Integer:  # never expected: groups divide both channel counts
            raise ArithmeticError(f"{self.name}: parameter count is not an integer: {value}")
        return int(value)

    @property
    def ops(self) -> int:
        """Operation count, moduleprofiler convention (0 for an empty batch)."""
        return self.count("symconv")

    def per_dim(self, field: str) -> tuple[int, ...] | str:
        """A per-dimension field (or ``output_size``) as a tuple of ints, or the padding string."""
        return _per_dim_view(self, field)

    def count(self, convention: str = "symconv") -> int:
        """The count in ``convention`` (:data:`symconv.conventions.NAMES`), exact."""
        return _count(self, convention)

    def to_dict(self) -> dict[str, Any]:
        """The layer-file form: ``type`` and lists of one value per dimension
        (``output_padding`` for a transposed convolution only)."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if key == "output_padding" and self.spec.family != "transposed":
                continue
            out[key] = list(value) if isinstance(value, tuple) else value
        return out


#: A layer record of either kind.
AnyLayer = Union[Conv1dLayer, Layer]


def _check_digits(where: str, key: str, value: Any) -> None:
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, _TooManyDigits):
            raise LayerSpecError(f"{where}: field {key!r} has too many digits ({item.digits} "
                                 f"digits; the limit is {MAX_DIGITS})")


def _check_shape(where: str, key: str, value: Any, spec) -> None:
    """A per-dimension field is an int, a string (padding) or a list of ``dims`` ints;
    anything else is refused here, with a short message (never the repr of a huge list)."""
    dims, axes = spec.dims, ", ".join(spec.axes)
    if isinstance(value, list):
        if len(value) != dims or any(isinstance(v, (list, dict)) for v in value):
            what = (f"a list of {len(value)} value(s)" if len(value) != dims
                    else "a list holding a list or an object")
            form = ("a list of" if key == "input_size" else "an integer or a list of")
            raise LayerSpecError(f"{where}: field {key!r} must be {form} {dims} integer(s) "
                                 f"({axes}) for {spec.name}, got {what}")
    elif key == "input_size":
        raise LayerSpecError(f"{where}: field 'input_size' must be a list of {dims} integer(s) "
                             f"({axes}) for {spec.name}, got {_kind(value)}")
    elif isinstance(value, dict):
        raise LayerSpecError(f"{where}: field {key!r} must be an integer or a list of {dims} "
                             f"integer(s) ({axes}), got an object")


def _kind(value: Any) -> str:
    """A short description of a value from a file (never the repr of a huge list)."""
    if isinstance(value, (list, dict)):
        return f"a {'list' if isinstance(value, list) else 'object'}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_REQUIRED_ND = ("name", "type", "in_channels", "out_channels", "kernel_size", "input_size")


def _fields(where: str, raw: dict, required: tuple[str, ...], default_batch: Any,
            kind: str | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The fields of one layer object, checked the same way for every layer format.

    Unknown fields, missing required ones, the name (a non-empty string), the batch size
    (the file's, else 1) and the number of digits of every integer, in lists too: one
    function, so the Conv1d format and the typed format refuse a bad field with the same
    message. ``kind``: the layer type the known fields belong to (named in the message).
    """
    optional = {**_OPTIONAL, **(extra or {})}
    known = required + tuple(optional) + (() if "type" in required else ("type",))
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise LayerSpecError(f"{where}: unknown field {unknown[0]!r}"
                             f"{f' for {kind}' if kind else ''}; known fields: {', '.join(known)}")
    for key in required:
        if key not in raw:
            raise LayerSpecError(f"{where}: field {key!r} is missing")
    if not isinstance(raw["name"], str) or not raw["name"]:
        raise LayerSpecError(f"{where}: field 'name' must be a non-empty string, "
                             f"got {_kind(raw['name'])}")
    fields = {**optional, **raw}
    if fields["batch_size"] is None:
        fields["batch_size"] = 1 if default_batch is None else default_batch
    for key, value in fields.items():
        _check_digits(where, key, value)
    return fields


def _nd_layer(where: str, raw: dict, default_batch: Any, spec) -> Layer:
    transposed = spec.family == "transposed"
    if transposed and spec.dims == 1 and "input_length" in raw and "input_size" not in raw:
        # ConvTranspose1d takes input_length, as its API does
        raw = {**{k: v for k, v in raw.items() if k != "input_length"},
               "input_size": [raw["input_length"]]}
    fields = _fields(where, raw, _REQUIRED_ND, default_batch, spec.name,
                     {"output_padding": 0} if transposed else {})
    for key in PER_DIMENSION + (("output_padding",) if transposed else ()):
        _check_shape(where, key, fields[key], spec)
    try:
        return Layer(**fields)
    except (TypeError, ValueError) as exc:
        raise LayerSpecError(f"{where}: {exc}") from None


def _layer(index: int, raw: Any, default_batch: Any, exprs: list | None = None) -> AnyLayer:
    where = f"layer {index}"
    if not isinstance(raw, dict):
        raise LayerSpecError(f"{where}: expected an object with fields {', '.join(_REQUIRED)}, "
                             f"got {type(raw).__name__}")
    if isinstance(raw.get("name"), str):
        where = f"layer {index} ({raw['name']!r})"
    if "input_expr" in raw:  # the input size as a formula (symconv.symbolic): kept apart
        text = raw["input_expr"]
        if not (isinstance(text, str) or (isinstance(text, list) and 1 <= len(text) <= 3
                                          and all(isinstance(t, str) for t in text))):
            raise LayerSpecError(f"{where}: field 'input_expr' must be a string or a list of "
                                 f"1 to 3 strings (one expression per spatial dimension), "
                                 f"got {_kind(text)}")
        raw = {k: v for k, v in raw.items() if k != "input_expr"}
    else:
        text = None
    if exprs is not None:
        exprs.append(text)
    if "type" in raw:
        from .registry import LAYERS

        kind = raw["type"]
        if not isinstance(kind, str) or kind not in LAYERS:
            raise LayerSpecError(f"{where}: field 'type' must be one of {', '.join(LAYERS)}, "
                                 f"got {_kind(kind)}")
        if kind != "conv1d" or "input_size" in raw:
            return _nd_layer(where, raw, default_batch, LAYERS[kind])
        raw = {k: v for k, v in raw.items() if k != "type"}
    fields = _fields(where, raw, _REQUIRED, default_batch)
    try:
        return Conv1dLayer(**fields)
    except (TypeError, ValueError) as exc:
        raise LayerSpecError(f"{where}: {exc}") from None


def parse_layer_records(data: Any, symbolic: dict | None = None) -> list[AnyLayer]:
    """Layers from decoded JSON (a list, or an object with ``layers``): a
    :class:`Conv1dLayer` for a layer in the Conv1d format, a :class:`Layer` for one with a
    ``type`` and ``input_size``.

    A layer's ``input_expr``, the file's ``input_size`` (the model's input size) and
    ``input_constraints`` are the fields of :mod:`symconv.symbolic`; with ``symbolic`` (a
    dict) they are stored in it as ``input_exprs`` (one per layer, None when absent),
    ``input_size`` and ``input_constraints`` (None when absent)."""
    batch = None
    model_input = None
    conditions = None
    if isinstance(data, dict):
        if "layers" not in data:
            raise LayerSpecError("layer file: field 'layers' is missing")
        batch = data.get("batch_size")
        model_input = data.get("input_size")
        if model_input is not None and not (
                isinstance(model_input, list) and 1 <= len(model_input) <= 3
                and all(type(v) is int and v >= 1 for v in model_input)):
            raise LayerSpecError(f"layer file: field 'input_size' (the model's input size) must "
                                 f"be a list of 1 to 3 integers >= 1, got {_kind(model_input)}")
        conditions = data.get("input_constraints")
        if conditions is not None and not (isinstance(conditions, list) and len(conditions) <= 100
                                           and all(isinstance(c, str) for c in conditions)):
            raise LayerSpecError(f"layer file: field 'input_constraints' must be a list of "
                                 f"strings ('EXPR >= EXPR'), got {_kind(conditions)}")
        data = data["layers"]
    if not isinstance(data, list):
        raise LayerSpecError(f"layer file: 'layers' must be a list, got {type(data).__name__}")
    exprs: list = []
    out = [_layer(i, raw, batch, exprs) for i, raw in enumerate(data, start=1)]
    if symbolic is not None:
        symbolic["input_exprs"] = exprs
        symbolic["input_size"] = model_input
        symbolic["input_constraints"] = conditions
    return out


class _TooManyDigits:
    """A layer file's integer of more than MAX_DIGITS digits (refused, never converted)."""

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"<an integer of {self.digits} digits>"


def _parse_int(text: str) -> int | _TooManyDigits:
    digits = len(text.lstrip("-"))
    return _TooManyDigits(digits) if digits > MAX_DIGITS else int(text)


def read_layer_file(path: str | Path, symbolic: dict | None = None) -> list[AnyLayer]:
    """Read a layer file into a plain list (:func:`symconv.model.load_layers` gives a
    :class:`~symconv.model.LayerList`); :class:`LayerSpecError` on malformed content.
    ``symbolic``: as :func:`parse_layer_records`."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"), parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise LayerSpecError(f"{path}: not valid JSON: {exc}") from None
    except RecursionError:
        raise LayerSpecError(f"{path}: not a layer file: JSON nested too deeply") from None
    return parse_layer_records(data, symbolic)
