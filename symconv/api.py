"""Numeric evaluation of the Conv1d expressions, with PyTorch's parameter names.

Counts follow the moduleprofiler convention (:data:`symconv.conv1d.CONVENTION`):
every multiplication and every addition, the bias additions included when
``bias=True``, for the whole batch.
Results are exact Python ints; nothing passes through a float.
"""

from __future__ import annotations

import sympy as sp

from . import conv1d as _m
from .symbols import C_in, C_out, G, K
from .validation import check_bias, check_groups, check_size

__all__ = ["conv1d_ops", "conv1d_output_length", "conv1d_parameters"]


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
    value = _m.PARAMETERS.xreplace({C_in: sp.Integer(cin), C_out: sp.Integer(cout),
                                    K: sp.Integer(k), G: sp.Integer(g), _m.BIAS: sp.Integer(int(b))})
    return int(value)
