"""Validation of Conv1d parameters: PyTorch's rules, with messages that name
the parameter, its value and the rule.

The rule texts live here once (:data:`RULES`); every evaluator (this
package, and the generated Python / NumPy / C code) reports the same rule
for the same class of bad input. The per-value checks (size, padding, bias)
are the generated Python evaluator's own functions, printed from these rule
texts, so the package and the generated file cannot check differently.

The generated evaluator is imported on first use, never when this module is imported:
``symconv generate`` prints :data:`RULES` and :data:`ND_RULES` into the generated files,
so it must work while they are missing or broken.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["RULES", "ND_RULES", "SIZE_PARAMETERS", "check_size", "check_padding", "check_bias",
           "check_groups", "check_length", "check_conv1d"]

#: One entry per class of invalid input: key -> the rule, as users read it.
RULES: dict[str, str] = {
    "type": "sizes and padding are integers",
    "positive": "sizes are positive integers (>= 1)",
    "padding_negative": "padding is an integer >= 0, 'same' or 'valid'",
    "padding_string": "padding is an integer >= 0, 'same' or 'valid'",
    "groups_in": "groups must divide in_channels",
    "groups_out": "groups must divide out_channels",
    "same_stride": "padding='same' is only supported with stride=1 (PyTorch rule)",
    "kernel_too_long": ("the dilated kernel dilation*(kernel_size-1)+1 must fit in the padded "
                        "input input_length+2*padding (output length >= 1)"),
    "bias_type": "bias is True or False (or 0 or 1)",
}

#: The rules of the layers with several spatial dimensions (Conv2d, Conv3d): :data:`RULES`, the
#: kernel rule stated per dimension, and the length of a per-dimension tuple. (Conv1d's table
#: stays as it is: its generated evaluators print it.)
ND_RULES: dict[str, str] = {
    **RULES,
    "kernel_too_long": ("in every dimension i the dilated kernel dilation[i]*(kernel_size[i]-1)+1 "
                        "must fit in the padded input input_size[i]+2*padding[i] "
                        "(output size >= 1)"),
    "tuple_length": ("input_size is a tuple of one size per spatial dimension; kernel_size, "
                     "stride, padding and dilation are an int or such a tuple"),
}

#: Parameters that must be positive integers.
SIZE_PARAMETERS = ("batch_size", "in_channels", "out_channels", "input_length",
                   "kernel_size", "stride", "dilation", "groups")


def _exact() -> ModuleType:
    """The generated exact evaluator of Conv1d (``generated/conv1d_ops.py``), on first use."""
    return importlib.import_module(f"{__package__}._generated.conv1d_ops")


def check_size(name: str, value: Any) -> int:
    """Return ``value`` as an ``int`` if it is a positive integer, else raise.

    ``bool`` (and NumPy's booleans) are refused even though ``bool`` is an
    ``int`` subclass; NumPy integer scalars are accepted (via ``__index__``);
    any other number is refused even when integral, so that no count ever
    passes through a non-integer type. ``kernel_size``, ``stride`` and
    ``dilation`` may be 1-tuples (or 1-element lists), as ``nn.Conv1d``
    stores them. This is the generated evaluator's own check (one
    implementation, printed with these rule texts by ``symconv generate``);
    the exception's ``rule`` attribute is the key of :data:`RULES`.
    """
    return _exact()._size(name, value)


def check_padding(value: Any) -> int | str:
    """Return ``'same'``, or the padding as a non-negative ``int`` (``'valid'`` is 0; a 1-tuple
    of an int is that int)."""
    return _exact()._padding(value)


def check_bias(value: Any) -> bool:
    """Accept ``True``/``False``, NumPy's booleans and the integers 0 and 1; refuse anything else."""
    return bool(_exact()._bias(value))


def check_groups(in_channels: int, out_channels: int, groups: int) -> None:
    """The groups rules, with the exact evaluator's messages (validated ints)."""
    if in_channels % groups:
        raise _exact()._error(ValueError, "groups_in",
                                f"in_channels={in_channels} is not divisible by groups={groups}")
    if out_channels % groups:
        raise _exact()._error(ValueError, "groups_out",
                                f"out_channels={out_channels} is not divisible by groups={groups}")


def check_length(input_length: int, kernel_size: int, stride: int, padding: int | str,
                 dilation: int) -> int:
    """Validate the length parameters; return the numeric padding (0 for 'same' is not used).

    The generated evaluator's own rules ('same' needs stride 1; the dilated kernel fits).
    """
    _exact().conv1d_output_length(input_length, kernel_size, stride, padding, dilation)
    return 0 if padding == "same" else padding


def check_conv1d(batch_size: Any, in_channels: Any, out_channels: Any, input_length: Any,
                 kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
                 groups: Any = 1, bias: Any = True) -> dict[str, Any]:
    """Validate every Conv1d parameter; return them normalized (ints, 'same', bool).

    ``batch_size=None`` (unbatched input) counts as 1.
    """
    values = dict(batch_size=1 if batch_size is None else batch_size, in_channels=in_channels,
                  out_channels=out_channels, input_length=input_length,
                  kernel_size=kernel_size, stride=stride, dilation=dilation, groups=groups)
    out: dict[str, Any] = {name: check_size(name, values[name]) for name in SIZE_PARAMETERS}
    out["padding"] = check_padding(padding)
    out["bias"] = check_bias(bias)
    check_groups(out["in_channels"], out["out_channels"], out["groups"])
    check_length(out["input_length"], out["kernel_size"], out["stride"], out["padding"],
                 out["dilation"])
    return out
