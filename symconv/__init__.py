"""symconv: the operation count of convolution layers, derived, proven and compiled.

Public face::

    >>> import symconv
    >>> symconv.conv1d_ops(8, 16, 32, 100, 3)          # moduleprofiler ops, bias additions included
    2408448
    >>> symconv.conv1d_output_length(100, 3)
    98
"""

from .api import conv1d_ops, conv1d_output_length, conv1d_parameters
from .conv1d import CONVENTION, DERIVATION, convention_text
from .proof import ProofResult, prove, prove_conv1d, prove_integer

__all__ = ["conv1d_ops", "conv1d_output_length", "conv1d_parameters", "CONVENTION", "DERIVATION",
           "convention_text",
           "ProofResult", "prove", "prove_conv1d", "prove_integer", "from_torch"]


def __getattr__(name: str):
    # from_torch lives in symconv.torch_interop, which imports torch only when called;
    # resolving it lazily keeps `import symconv` free of torch altogether.
    if name == "from_torch":
        from .torch_interop import from_torch
        return from_torch
    raise AttributeError(f"module 'symconv' has no attribute {name!r}")


#: The package version: the one source of it (pyproject.toml reads it; ``symconv --version``).
__version__ = "0.1.0"
