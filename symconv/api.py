"""Numeric evaluation of the Conv1d expressions, with PyTorch's parameter names.

Counts follow the moduleprofiler convention (:data:`symconv.conv1d.CONVENTION`):
every multiplication and every addition, the bias additions included when
``bias=True``, for the whole batch.
Results are exact Python ints; nothing passes through a float.
"""

from __future__ import annotations

from typing import Any

from .validation import check_bias, check_groups, check_size

__all__ = ["conv1d_ops", "conv1d_output_length", "conv1d_parameters", "conv2d_ops",
           "conv2d_output_size", "conv3d_ops", "conv3d_output_size", "conv_transpose1d_ops",
           "conv_transpose1d_output_length", "conv_transpose2d_ops",
           "conv_transpose2d_output_size", "conv_transpose3d_ops",
           "conv_transpose3d_output_size", "count"]


# conv1d_output_length and conv1d_ops are the generated evaluator itself
# (generated/conv1d_ops.py, printed from the proven expressions by symconv.codegen):
# exact Python ints, PyTorch's validation with the rule texts of symconv.validation.
from ._generated.conv1d_ops import conv1d_ops, conv1d_output_length  # noqa: E402


def conv1d_parameters(in_channels: int, out_channels: int, kernel_size: int, groups: int = 1,
                      bias: bool = True) -> int:
    """Number of learnable parameters of ``torch.nn.Conv1d`` (weight plus bias)."""
    cin, cout = check_size("in_channels", in_channels), check_size("out_channels", out_channels)
    k, g, b = check_size("kernel_size", kernel_size), check_size("groups", groups), check_bias(bias)
    check_groups(cin, cout, g)
    from ._generated.counting import conv1d_parameters as parameters  # printed from PARAMETERS

    return parameters(cin // g, cout // g, k, g, int(b))

# conv2d_* and conv3d_* are the generated evaluators themselves (generated/conv2d_ops.py and
# generated/conv3d_ops.py, printed from the layer specifications by symconv.codegen.nd).
from ._generated.conv2d_ops import conv2d_ops, conv2d_output_size  # noqa: E402
from ._generated.conv3d_ops import conv3d_ops, conv3d_output_size  # noqa: E402


# ConvTranspose1d/2d/3d: the generated exact evaluators (generated/conv_transpose{1,2,3}d_ops.py,
# printed from symconv.convtranspose by symconv.codegen.transpose: floor sums, O(log) whatever
# the sizes; PyTorch's rules checked; standard library only).
from ._generated.conv_transpose1d_ops import (  # noqa: E402
    conv_transpose1d_ops, conv_transpose1d_output_length)
from ._generated.conv_transpose2d_ops import (  # noqa: E402
    conv_transpose2d_ops, conv_transpose2d_output_size)
from ._generated.conv_transpose3d_ops import (  # noqa: E402
    conv_transpose3d_ops, conv_transpose3d_output_size)


def _transposed_quantities(layer: str, params: dict[str, Any]) -> dict[str, Any]:
    """Every quantity of a transposed layer's configuration (validated; exact ints):
    ``ops``, ``macs``, ``bias_additions``, ``scatter_products``, ``flop_counter``, and the
    output size, from its generated evaluator."""
    return _evaluator(layer)._quantities(**params)


def _evaluator(layer: str):
    """The generated exact evaluator module of a registered layer (``<layer>_ops``)."""
    import importlib

    return importlib.import_module(f"{__package__}._generated.{layer}_ops")


def _count_without_sympy(layer: Any, convention: Any, params: dict[str, Any]) -> int | None:
    """The count through ``generated/counting.py`` (no SymPy), or None when the request is not
    a registered layer and convention with every required parameter: then :func:`count`'s
    SymPy-backed path words the refusal. Invalid values are refused here, by the evaluators."""
    from ._generated import counting

    info = counting.LAYERS.get(layer) if isinstance(layer, str) else None
    if info is None:
        return None
    family, names, required, defaults = info
    accepted = (counting.ACCEPTED_TRANSPOSED if family == "transposed"
                else counting.ACCEPTED_CONVOLUTION)
    name = accepted.get(convention) if isinstance(convention, str) else None
    if (name is None or not set(params) <= set(names) or "batch_size" not in params
            or any(r not in params for r in required)):
        return None
    if name == "symconv":
        return getattr(_evaluator(layer), f"{layer}_ops")(**params)
    if layer == "conv1d":
        quantities = counting.conv1d_quantities(**params)
    elif family == "transposed":  # as count() below: N and b beside the quantities
        batch = params["batch_size"]
        quantities = {**_transposed_quantities(layer, params),
                      "batch_size": 1 if batch is None else batch,
                      "b": int(bool(params.get("bias", True)))}
    else:
        quantities = _evaluator(layer)._quantities(**{**defaults, **params})
    forms = counting.FORMS_TRANSPOSED if family == "transposed" else counting.FORMS_CONVOLUTION
    return forms[name](quantities)


def count(layer: str, *, convention: str = "symconv", **params: Any) -> int:
    """The count of one ``layer`` (``"conv1d"``, ``"conv2d"``, ``"conv3d"``,
    ``"conv_transpose1d"``, ...) in ``convention``.

    ``params`` are the layer's evaluator's parameters, by name (PyTorch's:
    ``batch_size, in_channels, out_channels, input_length`` (1-d) or
    ``input_size`` (2-d, 3-d), ``kernel_size, stride, padding, [output_padding,]
    dilation, groups, bias``). ``convention`` is any name of ``symconv conventions
    --layer LAYER``: for a convolution :data:`symconv.conventions.NAMES`; for a transposed
    convolution ``symconv`` (the gather count), ``macs``, ``scatter`` (every input element
    times the whole kernel, col2im) and ``torch`` (FlopCounterMode, 2 per scatter product) —
    the other tools' conventions are refused. Each is one expression over the layer's
    quantities, evaluated exactly.

    Raises:
        ValueError: an unknown layer or convention, or an invalid configuration
            (``TypeError`` for a parameter of the wrong type), naming it.
    """
    fast = _count_without_sympy(layer, convention, params)
    if fast is not None:
        return fast
    from . import conventions
    from .registry import get

    spec = get(layer)
    conv = conventions.get(convention, spec)
    names = spec.parameter_names
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise TypeError(f"{spec.name} has no parameter {unknown[0]!r}; its parameters: "
                        f"{', '.join(names)}")
    required = [p.name for p in spec.parameters if p.default is None and p.name != "batch_size"]
    missing = [name for name in ("batch_size", *required) if name not in params]
    if missing:
        raise TypeError(f"count({spec.name!r}) is missing the parameter {missing[0]!r}; "
                        f"required: batch_size, {', '.join(required)}")
    if spec.family == "transposed":
        values = _transposed_quantities(spec.name, params)
        if conv.name == "symconv":
            return values["ops"]
        batch = params["batch_size"]
        return conventions.evaluate_form(conv.name, {
            **values, "batch_size": 1 if batch is None else batch,
            "b": int(bool(params.get("bias", True)))}, spec)
    if spec.dims == 1:
        if conv.name == "symconv":
            return conv1d_ops(**params)
        return conventions.count(conv.name, **params)
    module = _evaluator(spec.name)
    if conv.name == "symconv":
        return getattr(module, f"{spec.name}_ops")(**params)
    return conventions.evaluate_form(conv.name, module._quantities(**{
        p.name: params.get(p.name, p.default) for p in spec.parameters}))
