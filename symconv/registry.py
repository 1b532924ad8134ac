"""The registry of layers: name -> :class:`symconv.spec.LayerSpec`.

Adding a layer is one specification module plus one line in :data:`LAYERS`.
Conv1d's specification wraps the expressions of :mod:`symconv.conv1d`
(unchanged, so its generated code and documents stay as they were);
Conv2d and Conv3d are built by :func:`symconv.convnd.build`, ConvTranspose1d/2d/3d by
:func:`symconv.convtranspose.build_spec` (``family == "transposed"``).
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Callable, Iterator, MutableMapping

from . import conv1d as _c1
from .loopnest import with_loop_nest
from .spec import LayerSpec, Parameter, Sampler
from .symbols import INFO, C_in, C_out, G, K, L_in, L_out, N, d, p, s

__all__ = ["LAYERS", "get", "names", "CONV1D"]


def _conv1d() -> LayerSpec:
    b = _c1.BIAS
    quantities = {
        "psi": _c1.PSI, "lambda": _c1.LAMBDA, "gamma": _c1.GAMMA, "ops": _c1.OPS,
        "ops_bias": _c1.OPS_BIAS, "ops_no_bias": _c1.OPS_NO_BIAS, "macs": _c1.MACS,
        "bias_additions": _c1.BIAS_ADDITIONS, "parameters": _c1.PARAMETERS,
        "summary_bias": _c1.SUMMARY_BIAS, "summary_no_bias": _c1.SUMMARY_NO_BIAS,
        "total": _c1.TOTAL, "summary_bias_display": _c1.SUMMARY_BIAS_DISPLAY,
        "summary_no_bias_display": _c1.SUMMARY_NO_BIAS_DISPLAY,
    }
    parameters = (
        Parameter("batch_size", (N,), "batch", meaning="batch size (None: unbatched, counts as 1)"),
        Parameter("in_channels", (C_in,), "channels", meaning="input channels"),
        Parameter("out_channels", (C_out,), "channels", meaning="output channels"),
        Parameter("input_length", (L_in,), "size", meaning="input length"),
        Parameter("kernel_size", (K,), "size", per_dimension=True, meaning="kernel size"),
        Parameter("stride", (s,), "size", per_dimension=True, default=1,
                  meaning="step between kernel positions"),
        Parameter("padding", (p,), "padding", per_dimension=True, default=0,
                  meaning="padding on each side, or 'same' / 'valid'"),
        Parameter("dilation", (d,), "size", per_dimension=True, default=1,
                  meaning="spacing between kernel taps"),
        Parameter("groups", (G,), "groups", default=1, meaning="channel groups"),
        Parameter("bias", (b,), "bias", default=True, meaning="learnable bias"),
    )
    # Conv1d's stated identities plus the loop-nest ones (the count summed over the direct
    # algorithm); the derivation document is generated from _c1.DERIVATION and is unchanged.
    return with_loop_nest(LayerSpec(
        name="conv1d", torch_class="torch.nn.Conv1d", title="Conv1d", dims=1, axes=("L",),
        parameters=parameters, input_sizes=(L_in,), output_sizes=(L_out,),
        output_size=(_c1.L_OUT,), output_size_same=(_c1.L_OUT_SAME,), bias=b,
        quantities=quantities, derivation=_c1.DERIVATION, identities=_c1.IDENTITIES,
        integrality=_c1.INTEGRALITY,
        sampler=Sampler(divides=((G, C_in), (G, C_out)), nonnegative=frozenset({p}),
                        binary=frozenset({b})),
        notation=dict(INFO)))


@lru_cache(maxsize=None)
def _conv1d_spec() -> LayerSpec:
    return _conv1d()


def __getattr__(name: str):
    """``CONV1D`` (``torch.nn.Conv1d``), built on first use."""
    if name == "CONV1D":
        return _conv1d_spec()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _module_spec(module: str, attribute: str) -> Callable[[], LayerSpec]:
    def build() -> LayerSpec:
        return getattr(importlib.import_module(module, __package__), attribute)
    return build


#: Every layer: name -> (family, how its specification is built). The family is stated here
#: so that the names of a family are known without building a layer (tested equal to the
#: built specification's).
_LAYERS: dict[str, tuple[str, Callable[[], LayerSpec]]] = {
    "conv1d": ("convolution", _conv1d_spec),
    "conv2d": ("convolution", _module_spec(".convnd", "CONV2D")),
    "conv3d": ("convolution", _module_spec(".convnd", "CONV3D")),
    "conv_transpose1d": ("transposed", _module_spec(".convtranspose", "CONV_TRANSPOSE1D")),
    "conv_transpose2d": ("transposed", _module_spec(".convtranspose", "CONV_TRANSPOSE2D")),
    "conv_transpose3d": ("transposed", _module_spec(".convtranspose", "CONV_TRANSPOSE3D")),
}


class _Registry(MutableMapping):
    """The layers by name, each specification built when first looked up (building one takes
    SymPy a fraction of a second: ``symconv prove conv2d`` builds Conv2d's only). A layer may
    be registered (``LAYERS[name] = spec``) or removed like in a dict."""

    def __init__(self) -> None:
        self._family = {name: family for name, (family, _) in _LAYERS.items()}
        self._built: dict[str, LayerSpec] = {}

    def __getitem__(self, name: str) -> LayerSpec:
        if name not in self._built:
            if name not in self._family:
                raise KeyError(name)
            self._built[name] = _LAYERS[name][1]()
        return self._built[name]

    def __setitem__(self, name: str, spec: LayerSpec) -> None:
        self._family[name] = spec.family
        self._built[name] = spec

    def __delitem__(self, name: str) -> None:
        del self._family[name]
        self._built.pop(name, None)

    def __contains__(self, name: object) -> bool:
        try:
            return name in self._family
        except TypeError:
            return False

    def __iter__(self) -> Iterator[str]:
        return iter(self._family)

    def __len__(self) -> int:
        return len(self._family)

    def __repr__(self) -> str:
        return f"<layers {', '.join(self._family)}>"

    def names(self, family: str | None) -> tuple[str, ...]:
        return tuple(name for name, kind in self._family.items() if family in (None, kind))


#: Every layer symconv knows, by name (a mapping; each specification built on first use).
LAYERS: MutableMapping[str, LayerSpec] = _Registry()


def names(family: str | None = None) -> tuple[str, ...]:
    """The registered layer names, in registry order (only those of ``family``,
    ``"convolution"`` or ``"transposed"``, when given). Builds no layer."""
    return LAYERS.names(family)


def get(layer: str | LayerSpec) -> LayerSpec:
    """The specification of ``layer`` (a name such as ``"conv2d"``, or a spec itself)."""
    if isinstance(layer, LayerSpec):
        return layer
    try:
        return LAYERS[layer]
    except (KeyError, TypeError):
        raise ValueError(f"layer must be one of {', '.join(LAYERS)}, got {layer!r}") from None
