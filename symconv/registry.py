"""The registry of layers: name -> :class:`symconv.spec.LayerSpec`.

Adding a layer is one specification module plus one line in :data:`LAYERS`.
Conv1d's specification wraps the expressions of :mod:`symconv.conv1d`
(unchanged, so its generated code and documents stay as they were);
Conv2d and Conv3d are built by :func:`symconv.convnd.build`, ConvTranspose1d/2d/3d by
:func:`symconv.convtranspose.build_spec` (``family == "transposed"``).
"""

from __future__ import annotations

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


#: ``torch.nn.Conv1d``.
CONV1D = _conv1d()


def _registry() -> dict[str, LayerSpec]:
    from .convnd import CONV2D, CONV3D
    from .convtranspose import CONV_TRANSPOSE1D, CONV_TRANSPOSE2D, CONV_TRANSPOSE3D

    return {spec.name: spec for spec in (CONV1D, CONV2D, CONV3D,
                                         CONV_TRANSPOSE1D,
                                         CONV_TRANSPOSE2D,
                                         CONV_TRANSPOSE3D)}


#: Every layer symconv knows, by name.
LAYERS: dict[str, LayerSpec] = _registry()


def names(family: str | None = None) -> tuple[str, ...]:
    """The registered layer names, in registry order (only those of ``family``,
    ``"convolution"`` or ``"transposed"``, when given)."""
    return tuple(name for name, spec in LAYERS.items() if family in (None, spec.family))


def get(layer: str | LayerSpec) -> LayerSpec:
    """The specification of ``layer`` (a name such as ``"conv2d"``, or a spec itself)."""
    if isinstance(layer, LayerSpec):
        return layer
    try:
        return LAYERS[layer]
    except (KeyError, TypeError):
        raise ValueError(f"layer must be one of {', '.join(LAYERS)}, got {layer!r}") from None
