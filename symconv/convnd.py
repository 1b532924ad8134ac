"""Forward convolutions in n spatial dimensions: Conv2d and Conv3d as layer specifications.

The count of Conv1d carries over dimension by dimension (reference text
"The convolution family"): with P_out the product of the output sizes and
K_prod the product of the kernel sizes,

    out_i = floor((in_i + 2·p_i − d_i·(K_i − 1) − 1) / s_i) + 1
    ψ = C_in·C_out/G,  λ = P_out·(2·K_prod − 1),  γ = C_out·P_out·(C_in/G − 1 + b)
    ops = N·(ψ·λ + γ)

:func:`build` states these for any tuple of axes, with the derivation in the
documented notation (H_out × W_out, kernel_size[0] × kernel_size[1]) and the
identities and integrality claims that ``symconv prove`` checks.
:data:`CONV2D` and :data:`CONV3D` are the two specifications.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .derivation import Chain, Derivation, Step, dadd, dfrac, dmul, dneg
from .functions import FloorDiv
from .loopnest import with_loop_nest
from .spec import Identity, Integrality, LayerSpec, Parameter, Sampler, step_identities
from .symbols import C_in, C_out, G, INFO, N, SymbolInfo, c, gamma, lam, o, psi

__all__ = ["build", "CONV2D", "CONV3D", "axis_symbols"]

#: Bias indicator (the same symbol as Conv1d's: 1 with bias, 0 without).
BIAS = sp.Symbol("b", integer=True, nonnegative=True)

_SIZE = dict(integer=True, positive=True)
_AXIS_WORDS = {"D": "depth", "H": "height", "W": "width"}


_mul, _add, _neg, _frac = dmul, dadd, dneg, dfrac


def _prod_display(symbols: tuple[sp.Symbol, ...]) -> sp.Expr:
    return symbols[0] if len(symbols) == 1 else _mul(*symbols)


def axis_symbols(axis: str) -> dict[str, sp.Symbol]:
    """The symbols of one spatial axis: input and output size, kernel, stride, padding, dilation."""
    return {
        "in": sp.Symbol(f"{axis}_in", **_SIZE),
        "out": sp.Symbol(f"{axis}_out", **_SIZE),
        "kernel": sp.Symbol(f"K_{axis}", **_SIZE),
        "stride": sp.Symbol(f"s_{axis}", **_SIZE),
        "padding": sp.Symbol(f"p_{axis}", integer=True, nonnegative=True),
        "dilation": sp.Symbol(f"d_{axis}", **_SIZE),
    }


def _notation(axes: tuple[str, ...], ops: sp.Symbol, title: str) -> dict[sp.Symbol, SymbolInfo]:
    """Symbol -> names: the documented notation indexes the per-dimension parameters."""
    info = {sym: i for sym, i in INFO.items() if sym in (N, C_in, C_out, G, c, o, psi, lam, gamma)}
    for index, axis in enumerate(axes):
        sy = axis_symbols(axis)
        word = _AXIS_WORDS.get(axis, f"dimension {index}")
        info[sy["in"]] = SymbolInfo(sy["in"], f"input {word}", f"x.size({index - len(axes)})",
                                    rf"{axis}_{{\text{{in}}}}", rf"{axis}_{{\text{{in}}}}",
                                    f"{axis}_in")
        info[sy["out"]] = SymbolInfo(sy["out"], f"output {word}", f"y.size({index - len(axes)})",
                                     rf"{axis}_{{\text{{out}}}}", rf"{axis}_{{\text{{out}}}}",
                                     f"{axis}_out")
        for key, torch_name, meaning, letter in (
                ("kernel", "kernel_size", f"kernel {word}", "K"),
                ("stride", "stride", f"step between kernel positions along the {word}", "s"),
                ("padding", "padding", f"padding on each side along the {word}", "p"),
                ("dilation", "dilation", f"spacing between kernel taps along the {word}", "d")):
            sym = sy[key]
            escaped = torch_name.replace("_", r"\_")
            info[sym] = SymbolInfo(sym, meaning, f"{torch_name}[{index}]",
                                   rf"\text{{{escaped}}}[{index}]", f"{letter}_{{{axis}}}",
                                   f"{letter}_{axis}")
    info[BIAS] = SymbolInfo(BIAS, "1 with a bias vector, 0 without", "bias", "b", "b", "b")
    info[ops] = SymbolInfo(ops, "total operations", "", rf"\text{{{title}}}_{{\text{{ops}}}}",
                           rf"\text{{{title}}}_{{\text{{ops}}}}", f"{title}_ops")
    return info


def build(name: str, title: str, torch_class: str, axes: tuple[str, ...]) -> LayerSpec:
    """The specification of a forward convolution over ``axes`` (e.g. ``("H", "W")``)."""
    sym = [axis_symbols(a) for a in axes]
    ins = tuple(s["in"] for s in sym)
    outs = tuple(s["out"] for s in sym)
    ks = tuple(s["kernel"] for s in sym)
    ops = sp.Symbol(f"{title}_ops", integer=True, nonnegative=True)
    b = BIAS

    # --- canonical expressions ---------------------------------------------------------
    output_size = tuple(FloorDiv(s["in"] + 2 * s["padding"] - s["dilation"] * (s["kernel"] - 1) - 1,
                                 s["stride"]) + 1 for s in sym)
    output_size_same = ins
    positions = sp.Mul(*outs)             # P_out
    taps = sp.Mul(*ks)                    # K_prod
    PSI = C_in * C_out / G
    LAMBDA = positions * (2 * taps - 1)
    GAMMA = C_out * positions * (C_in / G - 1 + b)
    TOTAL = N * (psi * lam + gamma)
    OPS = TOTAL.xreplace({psi: PSI, lam: LAMBDA, gamma: GAMMA})
    MACS = N * C_out * positions * taps * C_in / G
    BIAS_ADDITIONS = N * C_out * positions
    PARAMETERS = C_out * (C_in / G) * taps + b * C_out

    P = _prod_display(outs)
    Kp = _prod_display(ks)
    SUMMARY_BIAS_DISPLAY = _mul(N, _frac(_mul(C_in, C_out, *outs, 2, *ks), G))
    SUMMARY_NO_BIAS_DISPLAY = _mul(N, _frac(_mul(C_out, *outs, _add(_mul(C_in, 2, *ks), _neg(G))), G))

    # --- the derivation, in the documented notation -------------------------------------
    out_words = " × ".join(f"{a}_out" for a in axes)
    k_words = " × ".join(f"K_{a}" for a in axes)
    definitions = [
        Step(f"output_{_AXIS_WORDS.get(a, a.lower())}", f"Output {_AXIS_WORDS.get(a, a)}", s["out"],
             _add(FloorDiv(_add(s["in"], _mul(2, s["padding"]),
                                _neg(_mul(s["dilation"], _add(s["kernel"], -1))), -1),
                           s["stride"]), 1),
             f"Kernel positions along the padded {_AXIS_WORDS.get(a, a)}: the floor counts "
             "whole strides; each dimension on its own.")
        for a, s in zip(axes, sym)
    ]
    definitions += [
        Step("filters_per_group", "Number of filters", psi,
             _mul(_frac(C_in, G), _frac(C_out, G), G),
             "Each group pairs its C_in/G input channels with its C_out/G output channels; "
             "the factor G counts the groups."),
        Step("filters", "Number of filters", psi, _frac(_mul(C_in, C_out), G),
             f"One {len(axes)}-D kernel per (input channel, output channel) pair inside a group."),
        Step("per_filter_terms", "Operations per filter", lam,
             _mul(P, _add(Kp, _add(Kp, -1))),
             f"At each of the {out_words} output positions: {k_words} multiplications and "
             "one fewer additions."),
        Step("per_filter", "Operations per filter", lam, _mul(P, _add(_mul(2, Kp), -1)),
             "Collect the multiplications and additions of one kernel position."),
        Step("aggregation_terms", "Filter aggregation", gamma,
             _mul(C_out, P, _add(_add(_frac(C_in, G), -1), 1)),
             "Per output element, C_in/G - 1 additions join the group's filter outputs; "
             "+1 adds the bias.", condition="bias"),
        Step("aggregation_bias", "Filter aggregation", gamma, _mul(C_out, P, _frac(C_in, G)),
             "With bias the -1 and +1 cancel: C_in/G additions per output element.",
             condition="bias"),
        Step("aggregation_no_bias", "Filter aggregation", gamma,
             _mul(C_out, P, _add(_frac(C_in, G), -1)),
             "Without bias only the C_in/G - 1 additions between filter outputs remain.",
             condition="no bias"),
    ]
    total_display = _mul(N, _add(_mul(psi, lam), gamma))
    psi_lambda = _mul(_frac(_mul(C_in, C_out), G), _mul(P, _add(_mul(2, Kp), -1)))
    gamma_bias, gamma_no_bias = GAMMA.subs(b, 1), GAMMA.subs(b, 0)
    chain_bias = Chain("bias", "Total operations with bias", (
        Step("total_bias", "Total operations", ops, total_display,
             "Filters times operations per filter, plus aggregation, for each of the N samples."),
        Step("expanded_bias", "Expanded (bias)", ops,
             _mul(N, _add(psi_lambda, _mul(C_out, P, _frac(C_in, G)))),
             "Substitute psi, lambda and gamma with bias."),
        Step("rearranged_bias", "Rearranged (bias)", ops,
             _mul(N, _frac(_mul(C_in, C_out, P, _add(_add(_mul(2, Kp), -1), 1)), G)),
             f"Both terms share the factor C_in C_out {out_words} / G; collect it."),
        Step("summary_bias", "Summary (bias)", ops, SUMMARY_BIAS_DISPLAY,
             "The bias addition completes 2 K_prod - 1 to 2 K_prod: the first summary form."),
    ), definitions={psi: PSI, lam: LAMBDA, gamma: gamma_bias})
    chain_no_bias = Chain("no_bias", "Total operations without bias", (
        Step("total_no_bias", "Total operations", ops, total_display,
             "Filters times operations per filter, plus aggregation, for each of the N samples."),
        Step("expanded_no_bias", "Expanded (no bias)", ops,
             _mul(N, _add(psi_lambda, _mul(C_out, P, _add(_frac(C_in, G), -1)))),
             "Substitute psi, lambda and gamma without bias."),
        Step("rearranged_no_bias", "Rearranged (no bias)", ops,
             _mul(N, _frac(_mul(C_out, P, _add(_mul(C_in, _add(_mul(2, Kp), -1)), C_in, _neg(G))),
                           G)),
             f"Put both terms over the common denominator G and factor out C_out {out_words}."),
        Step("summary_no_bias", "Summary (no bias)", ops, SUMMARY_NO_BIAS_DISPLAY,
             "C_in (2 K_prod - 1) + C_in = C_in 2 K_prod: the second summary form."),
    ), definitions={psi: PSI, lam: LAMBDA, gamma: gamma_no_bias})
    derivation = Derivation(name, tuple(definitions), (chain_bias, chain_no_bias),
                            _notation(axes, ops, title))

    ops_bias, ops_no_bias = OPS.subs(b, 1), OPS.subs(b, 0)
    summary_bias, summary_no_bias = SUMMARY_BIAS_DISPLAY.doit(), SUMMARY_NO_BIAS_DISPLAY.doit()
    quantities = {
        "psi": PSI, "lambda": LAMBDA, "gamma": GAMMA, "ops": OPS, "ops_bias": ops_bias,
        "ops_no_bias": ops_no_bias, "macs": MACS, "bias_additions": BIAS_ADDITIONS,
        "parameters": PARAMETERS, "summary_bias": summary_bias,
        "summary_no_bias": summary_no_bias, "total": TOTAL,
        "summary_bias_display": SUMMARY_BIAS_DISPLAY,
        "summary_no_bias_display": SUMMARY_NO_BIAS_DISPLAY,
    }
    identities = _identities(derivation, quantities)
    integrality = (
        Integrality("bias total is an integer",
                    "with C_in = G c, C_out = G o the bias total is an integer polynomial", ops_bias),
        Integrality("no-bias total is an integer",
                    "with C_in = G c, C_out = G o the no-bias total is an integer polynomial",
                    ops_no_bias),
        Integrality("filters are an integer", "psi = C_in C_out / G is an integer polynomial in G, c, o",
                    PSI),
        Integrality("MACs are an integer", "MACs are an integer polynomial in G, c, o", MACS),
        Integrality("parameters are an integer",
                    "the parameter count is an integer polynomial in G, c, o", PARAMETERS),
    )

    def per_dim(key: str) -> tuple[sp.Symbol, ...]:
        return tuple(s[key] for s in sym)

    parameters = (
        Parameter("batch_size", (N,), "batch", meaning="batch size (None: unbatched, counts as 1)"),
        Parameter("in_channels", (C_in,), "channels", meaning="input channels"),
        Parameter("out_channels", (C_out,), "channels", meaning="output channels"),
        Parameter("input_size", ins, "size", per_dimension=True,
                  meaning=f"input size ({', '.join(axes)})"),
        Parameter("kernel_size", ks, "size", per_dimension=True, meaning="kernel size"),
        Parameter("stride", per_dim("stride"), "size", per_dimension=True, default=1,
                  meaning="step between kernel positions"),
        Parameter("padding", per_dim("padding"), "padding", per_dimension=True, default=0,
                  meaning="padding on each side, or 'same' / 'valid'"),
        Parameter("dilation", per_dim("dilation"), "size", per_dimension=True, default=1,
                  meaning="spacing between kernel taps"),
        Parameter("groups", (G,), "groups", default=1, meaning="channel groups"),
        Parameter("bias", (b,), "bias", default=True, meaning="learnable bias"),
    )
    sampler = Sampler(divides=((G, C_in), (G, C_out)), nonnegative=frozenset(per_dim("padding")),
                      binary=frozenset({b}))
    # the loop-nest identities (the count summed over the direct algorithm) join the rest
    return with_loop_nest(LayerSpec(
        name=name, torch_class=torch_class, title=title, dims=len(axes), axes=axes,
        parameters=parameters, input_sizes=ins, output_sizes=outs, output_size=output_size,
        output_size_same=output_size_same, bias=b, quantities=quantities,
        derivation=derivation, identities=identities, integrality=integrality, sampler=sampler,
        notation=_notation(axes, ops, title)))


def _identities(derivation: Derivation, q: dict[str, sp.Expr]) -> tuple[Identity, ...]:
    """Consecutive steps of the definitions and of each chain, and the summary relations."""
    out = step_identities(derivation)
    out += [
        Identity("bias identity", "N (psi lambda + gamma_bias) equals the first summary form",
                 q["ops_bias"], q["summary_bias"]),
        Identity("no-bias identity", "N (psi lambda + gamma_no_bias) equals the second summary form",
                 q["ops_no_bias"], q["summary_no_bias"]),
        Identity("bias - no bias", "the bias adds one addition per output element",
                 q["ops_bias"] - q["ops_no_bias"], q["bias_additions"]),
        Identity("bias = 2 MACs", "with bias the count is exactly twice the multiply-accumulates",
                 q["ops_bias"], 2 * q["macs"]),
        Identity("no bias = 2 MACs - bias additions",
                 "without bias the count is 2 MACs minus one addition per output element",
                 q["ops_no_bias"], 2 * q["macs"] - q["bias_additions"]),
    ]
    return tuple(out)


_SPECS = {
    #: ``torch.nn.Conv2d``: H × W, the documented notation of moduleprofiler's Conv2d page.
    "CONV2D": ("conv2d", "Conv2d", "torch.nn.Conv2d", ("H", "W")),
    #: ``torch.nn.Conv3d``: D × H × W.
    "CONV3D": ("conv3d", "Conv3d", "torch.nn.Conv3d", ("D", "H", "W")),
}


@lru_cache(maxsize=None)
def _spec(name: str) -> LayerSpec:
    return build(*_SPECS[name])


def __getattr__(name: str):
    """``CONV2D`` and ``CONV3D``, each built on first use (the registry builds only the layer
    it is asked for)."""
    if name in _SPECS:
        return _spec(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
