"""The Conv1d expressions, display forms and derivation chain."""

import pytest
import sympy as sp

from symconv import conv1d as m
from symconv.functions import FloorDiv
from symconv.symbols import C_in, C_out, G, K, L_in, L_out, N, d, gamma, lam, ops, p, psi, s


def test_symbols_carry_assumptions():
    for sym in (N, C_in, C_out, L_in, L_out, K, G, s, d):
        assert sym.is_integer and sym.is_positive, sym
    assert p.is_integer and p.is_nonnegative and not p.is_positive


def test_quantities_are_the_reference_formulas():
    # Independent statements of the reference, compared structurally after expansion.
    assert sp.expand(m.PSI - (C_in / G) * (C_out / G) * G) == 0
    assert sp.expand(m.LAMBDA - L_out * (K + (K - 1))) == 0
    assert sp.expand(m.GAMMA_BIAS - C_out * L_out * ((C_in / G - 1) + 1)) == 0
    assert sp.expand(m.GAMMA_NO_BIAS - C_out * L_out * (C_in / G - 1)) == 0
    assert m.TOTAL == N * (psi * lam + gamma)


@pytest.mark.parametrize("L, k, st, pad, dil, expected", [
    (100, 3, 1, 0, 1, 98), (100, 3, 2, 0, 1, 49), (10, 3, 3, 1, 2, 3),
    (5, 5, 1, 0, 1, 1), (7, 1, 10, 0, 1, 1), (1, 3, 1, 1, 1, 1), (16, 4, 4, 2, 1, 5),
])
def test_output_length_floor_form(L, k, st, pad, dil, expected):
    value = m.L_OUT.xreplace({L_in: L, K: k, s: st, p: pad, d: dil})
    assert value == expected and value.is_Integer
    # PyTorch's documented formula, evaluated with Python's exact floor division.
    assert expected == (L + 2 * pad - dil * (k - 1) - 1) // st + 1


def test_floordiv_is_floor_for_negative_numerators():
    assert FloorDiv(sp.Integer(-3), sp.Integer(2)) == -2   # C would truncate to -1
    assert FloorDiv(sp.Integer(7), sp.Integer(2)) == 3
    assert FloorDiv(L_in, 1) == L_in
    assert FloorDiv(L_in, s).is_integer
    assert FloorDiv(L_in, s).rewrite(sp.floor) == sp.floor(L_in / s)


def test_padding_variants():
    assert m.L_OUT_SAME == L_in
    assert m.L_OUT_VALID == m.L_OUT.subs(p, 0)
    assert p not in m.L_OUT_VALID.free_symbols


def test_display_forms_keep_documented_structure():
    # N × (fraction) with the numerator factors in the documented order.
    bias = m.SUMMARY_BIAS_DISPLAY
    assert bias.args[0] == N
    num = bias.args[1].args[0]
    assert num.args == (C_in, C_out, L_out, 2, K)
    assert bias.args[1].args[1] == sp.Pow(G, -1, evaluate=False)
    no_bias = m.SUMMARY_NO_BIAS_DISPLAY
    assert no_bias.args[0] == N
    num = no_bias.args[1].args[0]
    assert num.args[:2] == (C_out, L_out)
    assert num.args[2].args[0].args == (C_in, 2, K)
    assert str(bias) == "N*((C_in*C_out*L_out*2*K)/G)"
    assert str(no_bias) == "N*((C_out*L_out*(C_in*2*K - G))/G)"


def test_display_forms_agree_with_canonical_forms():
    assert sp.cancel(m.SUMMARY_BIAS_DISPLAY.doit() - m.OPS_BIAS) == 0
    assert sp.cancel(m.SUMMARY_NO_BIAS_DISPLAY.doit() - m.OPS_NO_BIAS) == 0
    for step in m.DERIVATION.definitions:
        assert step.canonical() == step.expr.doit()
    # Every definition agrees with its canonical quantity.
    canon = {"output_length": m.L_OUT, "filters": m.PSI, "per_filter": m.LAMBDA,
             "aggregation_bias": m.GAMMA_BIAS, "aggregation_no_bias": m.GAMMA_NO_BIAS}
    for name, expr in canon.items():
        assert sp.cancel(m.DERIVATION.definition(name).canonical() - expr) == 0, name


def test_chain_follows_the_reference_order():
    names = [s.name for s in m.DERIVATION.definitions]
    assert names.index("output_length") < names.index("filters") < names.index("per_filter") \
        < names.index("aggregation_bias") < names.index("aggregation_no_bias")
    for chain, summary in (("bias", m.SUMMARY_BIAS_DISPLAY), ("no_bias", m.SUMMARY_NO_BIAS_DISPLAY)):
        steps = m.DERIVATION.chain(chain).steps
        assert [s.name.rsplit("_", 1 if chain == "bias" else 2)[0] for s in steps] == \
            ["total", "expanded", "rearranged", "summary"]
        assert steps[0].canonical() == m.TOTAL
        assert steps[-1].expr is summary
        assert all(s.lhs == ops and s.justification for s in steps)


def test_chain_consecutive_steps_are_equal_after_substitution():
    for chain in m.DERIVATION.chains:
        for a, b in chain.pairs():
            assert sp.cancel(chain.expanded(a) - chain.expanded(b)) == 0, (a.name, b.name)


def test_macs_and_bias_additions():
    assert sp.cancel(m.OPS_BIAS - 2 * m.MACS) == 0
    assert sp.cancel(m.OPS_BIAS - m.OPS_NO_BIAS - N * C_out * L_out) == 0


def test_integer_form_is_a_polynomial_without_division():
    form = m.integer_form(m.OPS)
    assert sp.denom(sp.together(form)) == 1
    assert C_in not in form.free_symbols and C_out not in form.free_symbols


def test_hand_computed_count():
    # 8 samples, 16 -> 32 channels, L_out = 98, K = 3, bias:
    # psi*lambda = 16*32*98*5, gamma = 32*98*16.
    value = m.OPS_BIAS.xreplace({N: 8, C_in: 16, C_out: 32, L_out: 98, K: 3, G: 1})
    assert value == 8 * (16 * 32 * 98 * 5 + 32 * 98 * 16) == 2408448
    no_bias = m.OPS_NO_BIAS.xreplace({N: 8, C_in: 16, C_out: 32, L_out: 98, K: 3, G: 4})
    assert no_bias == 8 * (4 * 8 * 4 * 98 * 5 + 32 * 98 * 3)
