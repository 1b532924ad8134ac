"""The ``torch.nn.Conv1d`` operation count: expressions and derivation — data only.

Everything symconv prints about Conv1d (Unicode derivation, LaTeX, Markdown,
Python / NumPy / C evaluators, notebooks) comes from the expressions in this
module. Two kinds are kept apart:

* **canonical** expressions (evaluated SymPy; used by proofs and code
  generation): :data:`L_OUT`, :data:`PSI`, :data:`LAMBDA`, :data:`GAMMA`,
  :data:`OPS`, :data:`MACS`, ...
* **display** forms (unevaluated, in the documented factor order; used for
  printing only): the ``expr`` of each :class:`~symconv.derivation.Step` and
  :data:`SUMMARY_BIAS_DISPLAY` / :data:`SUMMARY_NO_BIAS_DISPLAY`.

Tests check ``display.doit() - canonical == 0`` for every pair, so the two
cannot drift.

The mathematics follows the reference text "Operation count of
torch.nn.Conv1d" (moduleprofiler convention: every multiplication and every
addition, the bias additions included when the layer has a bias; see
:func:`convention_text`).
"""

from __future__ import annotations

import sympy as sp

from .derivation import Chain, Derivation, Step, dadd, dfrac, dmul, dneg
from .spec import Identity, Integrality, step_identities
from .functions import FloorDiv
from .symbols import (C_in, C_out, G, K, L_in, L_out, N, c, d, gamma, lam, o,
                      ops, p, psi, s)

__all__ = [
    "BIAS", "L_OUT", "L_OUT_VALID", "L_OUT_SAME", "PSI", "LAMBDA", "GAMMA",
    "GAMMA_BIAS", "GAMMA_NO_BIAS", "TOTAL", "OPS", "OPS_BIAS", "OPS_NO_BIAS",
    "SUMMARY_BIAS", "SUMMARY_NO_BIAS", "SUMMARY_BIAS_DISPLAY",
    "SUMMARY_NO_BIAS_DISPLAY", "MACS", "BIAS_ADDITIONS", "PARAMETERS", "CONVENTION",
    "convention_text",
    "Identity", "Integrality", "DERIVATION", "IDENTITIES", "INTEGRALITY",
    "integer_form", "label",
]

#: Bias indicator: 1 when the layer adds a bias vector, 0 otherwise.
BIAS = sp.Symbol("b", integer=True, nonnegative=True)

_CONVENTION_BASE = "moduleprofiler ops: every multiplication and addition"


def convention_text(bias: bool | None = None) -> str:
    """The counting convention, in words that are true for the count at hand.

    Every count symconv prints is stated with this text (command line, LaTeX and
    Markdown, tables, generated evaluators, notebooks):

    * ``bias=True`` (a layer with bias): ``"moduleprofiler ops: every
      multiplication and addition, bias additions included"``;
    * ``bias=False`` (a layer without): ``"..., no bias (the layer has none)"``;
    * ``bias=None`` (any layer: a derivation covering both cases, a table
      mixing layers with and without bias, an evaluator taking ``bias``):
      ``"..., bias additions counted where a layer has a bias"`` (:data:`CONVENTION`).
    """
    if bias is None:
        return f"{_CONVENTION_BASE}, bias additions counted where a layer has a bias"
    if not isinstance(bias, bool):
        raise TypeError(f"bias must be True, False or None, got {bias!r}")
    if bias:
        return f"{_CONVENTION_BASE}, bias additions included"
    return f"{_CONVENTION_BASE}, no bias (the layer has none)"


#: The convention of every count in this module, in words true for any layer
#: (``convention_text(None)``); a count of one layer states ``convention_text(bias)``.
CONVENTION = convention_text(None)


# --- helpers for display forms (unevaluated, printed in the order written) ---

_mul, _add, _neg, _frac = dmul, dadd, dneg, dfrac


def label(name: str) -> str:
    """LaTeX label of a derivation step (``eq:conv1d-<name>``)."""
    return f"eq:conv1d-{name.replace('_', '-')}"


# --- canonical expressions ---------------------------------------------------

_L_OUT_NUMERATOR_DISPLAY = _add(L_in, _mul(2, p), _neg(_mul(d, _add(K, -1))), -1)
#: Output length, ``floor((L_in + 2p - d(K-1) - 1) / s) + 1``.
L_OUT: sp.Expr = FloorDiv(L_in + 2 * p - d * (K - 1) - 1, s) + 1
#: ``padding='valid'`` is ``p = 0``.
L_OUT_VALID: sp.Expr = L_OUT.subs(p, 0)
#: ``padding='same'`` keeps the length (PyTorch allows it with stride 1 only).
L_OUT_SAME: sp.Expr = L_in

#: Number of filters.
PSI: sp.Expr = C_in * C_out / G
#: Operations per filter: K multiplications and K - 1 additions per position.
LAMBDA: sp.Expr = L_out * (2 * K - 1)
#: Filter aggregation for bias indicator ``b`` (1 with bias, 0 without).
GAMMA: sp.Expr = C_out * L_out * (C_in / G - 1 + BIAS)
GAMMA_BIAS: sp.Expr = GAMMA.subs(BIAS, 1)
GAMMA_NO_BIAS: sp.Expr = GAMMA.subs(BIAS, 0)

#: The total in terms of the three quantities.
TOTAL: sp.Expr = N * (psi * lam + gamma)
_QUANTITIES = {psi: PSI, lam: LAMBDA}

#: Total count for bias indicator ``b``, a function of N, C_in, C_out, L_out, K, G, b.
OPS: sp.Expr = TOTAL.xreplace({**_QUANTITIES, gamma: GAMMA})
OPS_BIAS: sp.Expr = OPS.subs(BIAS, 1)
OPS_NO_BIAS: sp.Expr = OPS.subs(BIAS, 0)

#: Multiply-accumulates.
MACS: sp.Expr = N * C_out * L_out * K * C_in / G
#: One bias addition per output element.
BIAS_ADDITIONS: sp.Expr = N * C_out * L_out
#: Learnable parameters: weight (C_out, C_in/G, K) plus bias (C_out) when ``b = 1``.
PARAMETERS: sp.Expr = C_out * (C_in / G) * K + BIAS * C_out

# --- the two documented summary forms ------------------------------------------

#: ``N × (C_in × C_out × L_out × 2 × kernel_size / groups)`` — display form.
SUMMARY_BIAS_DISPLAY: sp.Expr = _mul(N, _frac(_mul(C_in, C_out, L_out, 2, K), G))
#: ``N × (C_out × L_out × (C_in × 2 × kernel_size − groups) / groups)`` — display form.
SUMMARY_NO_BIAS_DISPLAY: sp.Expr = _mul(
    N, _frac(_mul(C_out, L_out, _add(_mul(C_in, 2, K), _neg(G))), G))
#: Canonical (evaluated) summary forms.
SUMMARY_BIAS: sp.Expr = SUMMARY_BIAS_DISPLAY.doit()
SUMMARY_NO_BIAS: sp.Expr = SUMMARY_NO_BIAS_DISPLAY.doit()


def integer_form(expr: sp.Expr) -> sp.Expr:
    """``expr`` with ``C_in = G·c`` and ``C_out = G·o`` substituted, expanded.

    For the totals this is a polynomial with integer coefficients in the
    per-group channel counts ``c``, ``o`` — the form in which integrality is
    proved and integer code can be printed without any division.
    """
    return sp.expand(expr.xreplace({C_in: G * c, C_out: G * o}))


# --- the derivation as data ------------------------------------------------------

_DEFINITIONS = (
    Step("output_length", "Output length", L_out,
         _add(FloorDiv(_L_OUT_NUMERATOR_DISPLAY, s), 1),
         "Kernel positions along the padded input: the floor counts whole strides."),
    Step("filters_per_group", "Number of filters", psi,
         _mul(_frac(C_in, G), _frac(C_out, G), G),
         "Each group pairs its C_in/G input channels with its C_out/G output channels; the factor G counts the groups."),
    Step("filters", "Number of filters", psi, _frac(_mul(C_in, C_out), G),
         "One 1-D kernel per (input channel, output channel) pair inside a group."),
    Step("per_filter_terms", "Operations per filter", lam,
         _mul(L_out, _add(K, _add(K, -1))),
         "At each of the L_out kernel positions: K multiplications and K - 1 additions."),
    Step("per_filter", "Operations per filter", lam, _mul(L_out, _add(_mul(2, K), -1)),
         "Collect the multiplications and additions of one kernel position."),
    Step("aggregation_terms", "Filter aggregation", gamma,
         _mul(C_out, L_out, _add(_add(_frac(C_in, G), -1), 1)),
         "Per output element, C_in/G - 1 additions join the group's filter outputs; +1 adds the bias.",
         condition="bias"),
    Step("aggregation_bias", "Filter aggregation", gamma,
         _mul(C_out, L_out, _frac(C_in, G)),
         "With bias the -1 and +1 cancel: C_in/G additions per output element.",
         condition="bias"),
    Step("aggregation_no_bias", "Filter aggregation", gamma,
         _mul(C_out, L_out, _add(_frac(C_in, G), -1)),
         "Without bias only the C_in/G - 1 additions between filter outputs remain.",
         condition="no bias"),
)

_TOTAL_DISPLAY = _mul(N, _add(_mul(psi, lam), gamma))
_PSI_LAMBDA_DISPLAY = _mul(_frac(_mul(C_in, C_out), G), _mul(L_out, _add(_mul(2, K), -1)))

_CHAIN_BIAS = Chain(
    "bias", "Total operations with bias",
    (
        Step("total_bias", "Total operations", ops, _TOTAL_DISPLAY,
             "Filters times operations per filter, plus aggregation, for each of the N samples."),
        Step("expanded_bias", "Expanded (bias)", ops,
             _mul(N, _add(_PSI_LAMBDA_DISPLAY, _mul(C_out, L_out, _frac(C_in, G)))),
             "Substitute psi, lambda and gamma with bias."),
        Step("rearranged_bias", "Rearranged (bias)", ops,
             _mul(N, _frac(_mul(C_in, C_out, L_out, _add(_add(_mul(2, K), -1), 1)), G)),
             "Both terms share the factor C_in C_out L_out / G; collect it."),
        Step("summary_bias", "Summary (bias)", ops, SUMMARY_BIAS_DISPLAY,
             "The bias addition completes 2K - 1 to 2K: the first summary form."),
    ),
    definitions={psi: PSI, lam: LAMBDA, gamma: GAMMA_BIAS},
)

_CHAIN_NO_BIAS = Chain(
    "no_bias", "Total operations without bias",
    (
        Step("total_no_bias", "Total operations", ops, _TOTAL_DISPLAY,
             "Filters times operations per filter, plus aggregation, for each of the N samples."),
        Step("expanded_no_bias", "Expanded (no bias)", ops,
             _mul(N, _add(_PSI_LAMBDA_DISPLAY,
                          _mul(C_out, L_out, _add(_frac(C_in, G), -1)))),
             "Substitute psi, lambda and gamma without bias."),
        Step("rearranged_no_bias", "Rearranged (no bias)", ops,
             _mul(N, _frac(_mul(C_out, L_out,
                                _add(_mul(C_in, _add(_mul(2, K), -1)), C_in, _neg(G))), G)),
             "Put both terms over the common denominator G and factor out C_out L_out."),
        Step("summary_no_bias", "Summary (no bias)", ops, SUMMARY_NO_BIAS_DISPLAY,
             "C_in (2K - 1) + C_in = C_in 2K: the second summary form."),
    ),
    definitions={psi: PSI, lam: LAMBDA, gamma: GAMMA_NO_BIAS},
)

#: The whole Conv1d derivation, in the reference's order.
DERIVATION = Derivation("conv1d", _DEFINITIONS, (_CHAIN_BIAS, _CHAIN_NO_BIAS))


# --- identities to prove -----------------------------------------------------------

#: Every identity symconv proves about Conv1d.
IDENTITIES: tuple[Identity, ...] = tuple(
    step_identities(DERIVATION)
    + [
        Identity("bias identity", "N (psi lambda + gamma_bias) equals the first summary form",
                 OPS_BIAS, SUMMARY_BIAS),
        Identity("no-bias identity", "N (psi lambda + gamma_no_bias) equals the second summary form",
                 OPS_NO_BIAS, SUMMARY_NO_BIAS),
        Identity("bias - no bias", "the bias adds one addition per output element: N C_out L_out",
                 OPS_BIAS - OPS_NO_BIAS, BIAS_ADDITIONS),
        Identity("bias = 2 MACs", "with bias the count is exactly twice the multiply-accumulates",
                 OPS_BIAS, 2 * MACS),
        Identity("no bias = 2 MACs - N C_out L_out",
                 "without bias the count is 2 MACs minus one addition per output element",
                 OPS_NO_BIAS, 2 * MACS - BIAS_ADDITIONS),
        Identity("display = canonical (bias)", "the displayed first summary form evaluates to the canonical one",
                 SUMMARY_BIAS_DISPLAY.doit(), OPS_BIAS),
        Identity("display = canonical (no bias)", "the displayed second summary form evaluates to the canonical one",
                 SUMMARY_NO_BIAS_DISPLAY.doit(), OPS_NO_BIAS),
    ]
)

#: Integrality claims (G | C_in and G | C_out make every count an integer).
INTEGRALITY: tuple[Integrality, ...] = (
    Integrality("bias total is an integer", "with C_in = G c, C_out = G o the bias total is an integer polynomial", OPS_BIAS),
    Integrality("no-bias total is an integer", "with C_in = G c, C_out = G o the no-bias total is an integer polynomial", OPS_NO_BIAS),
    Integrality("filters are an integer", "psi = C_in C_out / G is an integer polynomial in G, c, o", PSI),
    Integrality("MACs are an integer", "MACs are an integer polynomial in G, c, o", MACS),
    Integrality("parameters are an integer", "the parameter count is an integer polynomial in G, c, o", PARAMETERS),
)
