"""The transposed layers' closed-form checks and tap sums, built and checked fast, unchanged."""

import sympy as sp

from symconv import convtranspose as ct


def test_tap_sums_of_every_axis_equal_their_direct_build():
    # products/reached of a named axis are the one-dimensional ones renamed (SymPy's costly
    # search for redundant Max/Min arguments is skipped): exactly what building them gives
    for name in ("H", "W", "D", "Z"):
        a = ct.axis_symbols(name)
        for fast, direct in ((ct.products(a), ct._products(a)), (ct.reached(a), ct._reached(a))):
            assert fast == direct and sp.srepr(fast) == sp.srepr(direct)


def test_an_axis_with_other_assumptions_is_built_directly():
    base = ct.axis_symbols("")
    odd = ct.Axis("V", sp.Symbol("V_in", integer=True), base.out, base.K, base.s, base.p,
                  base.op, base.d, base.k)  # V_in without positive=True
    assert ct.products(odd) == ct._products(odd)
