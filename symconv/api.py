"""Numeric evaluation of the Conv1d expressions, with PyTorch's parameter names.

Counts follow the moduleprofiler convention (:data:`symconv.conv1d.CONVENTION`):
every multiplication and every addition, bias included, for the whole batch.
Results are exact Python ints; nothing passes through a float.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from . import conv1d as _m
from .symbols import C_in, C_out, G, K, L_in, L_out, N, d, p, s
from .validation import (check_bias, check_conv1d, check_groups, check_length, check_padding,
                         check_size)

__all__ = ["conv1d_ops", "conv1d_output_length", "conv1d_parameters"]


def _length(input_length: int, kernel_size: int, stride: int, padding: int | str,
            dilation: int) -> int:
    if padding == "same":
        value = _m.L_OUT_SAME.xreplace({L_in: sp.Integer(input_length)})
    else:
        value = _m.L_OUT.xreplace({L_in: sp.Integer(input_length), K: sp.Integer(kernel_size),
                                   s: sp.Integer(stride), p: sp.Integer(padding),
                                   d: sp.Integer(dilation)})
    return int(value)


def conv1d_output_length(input_length: int, kernel_size: int, stride: int = 1,
                         padding: int | str = 0, dilation: int = 1) -> int:
    """Output length ``L_out`` of ``torch.nn.Conv1d`` (``y.size(-1)``).

    Args:
        input_length: ``x.size(-1)``.
        kernel_size, stride, dilation: positive ints.
        padding: int >= 0 on each side, ``'valid'`` (0) or ``'same'`` (stride 1 only).

    Raises:
        TypeError, ValueError: naming the parameter, its value and the rule.
    """
    input_length = check_size("input_length", input_length)
    kernel_size = check_size("kernel_size", kernel_size)
    stride = check_size("stride", stride)
    dilation = check_size("dilation", dilation)
    pad = check_padding(padding)
    check_length(input_length, kernel_size, stride, pad, dilation)
    return _length(input_length, kernel_size, stride, pad, dilation)


def conv1d_ops(batch_size: int | None, in_channels: int, out_channels: int, input_length: int,
               kernel_size: int, stride: int = 1, padding: int | str = 0, dilation: int = 1,
               groups: int = 1, bias: bool = True) -> int:
    """Operation count of ``torch.nn.Conv1d`` for a batch (moduleprofiler convention).

    Every multiplication and every addition, bias included when ``bias`` is
    True; ``batch_size=None`` means unbatched input (counts as 1).

    Returns:
        ``N · (ψ·λ + γ)`` as an exact Python int.

    Raises:
        TypeError, ValueError: naming the parameter, its value and the rule.
    """
    v = check_conv1d(batch_size, in_channels, out_channels, input_length, kernel_size,
                     stride, padding, dilation, groups, bias)
    length = _length(v["input_length"], v["kernel_size"], v["stride"], v["padding"], v["dilation"])
    value = _m.OPS.xreplace({N: sp.Integer(v["batch_size"]), C_in: sp.Integer(v["in_channels"]),
                             C_out: sp.Integer(v["out_channels"]), L_out: sp.Integer(length),
                             K: sp.Integer(v["kernel_size"]), G: sp.Integer(v["groups"]),
                             _m.BIAS: sp.Integer(int(v["bias"]))})
    if not value.is_Integer:  # cannot happen for valid input (integrality is proved)
        raise ArithmeticError(f"count is not an integer: {value}")
    return int(value)


def conv1d_parameters(in_channels: int, out_channels: int, kernel_size: int, groups: int = 1,
                      bias: bool = True) -> int:
    """Number of learnable parameters of ``torch.nn.Conv1d`` (weight plus bias)."""
    cin, cout = check_size("in_channels", in_channels), check_size("out_channels", out_channels)
    k, g, b = check_size("kernel_size", kernel_size), check_size("groups", groups), check_bias(bias)
    check_groups(cin, cout, g)
    value = _m.PARAMETERS.xreplace({C_in: sp.Integer(cin), C_out: sp.Integer(cout),
                                    K: sp.Integer(k), G: sp.Integer(g), _m.BIAS: sp.Integer(int(b))})
    return int(value)
