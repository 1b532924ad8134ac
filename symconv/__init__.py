"""symconv: the operation count of convolution layers, derived, proven and compiled.

Public face::

    >>> import symconv
    >>> symconv.conv1d_ops(8, 16, 32, 100, 3)          # moduleprofiler ops, bias additions included
    2408448
    >>> symconv.conv1d_output_length(100, 3)
    98
"""

from __future__ import annotations

import sys as _sys
from typing import TYPE_CHECKING, Any

from ._lazy import LazyApiModule as _LazyApiModule

if TYPE_CHECKING:
    from .conv1d import CONVENTION, DERIVATION, convention_text
    from .proof import ProofResult, prove, prove_conv1d, prove_integer
    from .torch_interop import TorchLayers

__all__ = ["conv1d_ops", "conv1d_output_length", "conv1d_parameters", "conv2d_ops",
           "conv2d_output_size", "conv3d_ops", "conv3d_output_size", "conv_transpose1d_ops",
           "conv_transpose1d_output_length", "conv_transpose2d_ops", "conv_transpose2d_output_size",
           "conv_transpose3d_ops", "conv_transpose3d_output_size", "count", "CONVENTION",
           "DERIVATION",
           "convention_text",
           "ProofResult", "prove", "prove_conv1d", "prove_integer", "from_torch"]


#: The numeric API (symconv.api): it runs the generated evaluators (generated/*_ops.py), so it
#: is imported on first use. ``import symconv`` (and with it ``symconv generate``, which
#: rewrites those files) works while a generated file is missing or broken.
_API = ("conv1d_ops", "conv1d_output_length", "conv1d_parameters", "conv2d_ops",
        "conv2d_output_size", "conv3d_ops", "conv3d_output_size", "conv_transpose1d_ops",
        "conv_transpose1d_output_length", "conv_transpose2d_ops", "conv_transpose2d_output_size",
        "conv_transpose3d_ops", "conv_transpose3d_output_size", "count")


#: The symbolic names, each from its module on first use: ``import symconv`` and every numeric
#: function above run without importing SymPy (it loads when one of these is first used).
_SYMBOLIC = {"CONVENTION": "conv1d", "DERIVATION": "conv1d", "convention_text": "conv1d",
             "ProofResult": "proof", "prove": "proof", "prove_conv1d": "proof",
             "prove_integer": "proof"}


_sys.modules[__name__].__class__ = _LazyApiModule


def from_torch(model, example_input: Any, *, meta: bool = True) -> TorchLayers:
    """Every ``torch.nn.Conv1d`` call of ``model`` on ``example_input``, as symconv layers.

    Returns a :class:`symconv.torch_interop.TorchLayers` (a list of
    :class:`symconv.layers.Conv1dLayer` with tables, totals and derivations). The full
    documentation is that of :func:`symconv.torch_interop.from_torch`. PyTorch is
    imported only when this is called: ``import symconv`` never imports it.
    """
    from .torch_interop import _from_torch

    return _from_torch(model, example_input, meta, stacklevel=3)


#: The package version: the one source of it (pyproject.toml reads it; ``symconv --version``).
__version__ = "0.1.0"
