"""Proofs decide exactly, have an integer witness, and can fail."""

import random

import pytest
import sympy as sp

from symconv import conv1d as m
from symconv.proof import (ASSUMPTIONS, prove, prove_conv1d, prove_integer, sample_point)
from symconv.symbols import C_in, C_out, G, K, L_out, N, gamma, lam, psi


def test_every_conv1d_identity_holds():
    results = prove_conv1d(samples=50)
    assert len(results) == len(m.IDENTITIES) + len(m.INTEGRALITY)
    failed = [r.describe() for r in results if not r.holds]
    assert not failed, failed
    for r in results:
        assert r.counterexample is None
        assert r.witness_points == 50
        assert r.assumptions == ASSUMPTIONS
        assert r.method.startswith("exact")


def test_the_required_identities_are_in_the_list():
    names = {i.name for i in m.IDENTITIES}
    assert {"bias identity", "no-bias identity", "bias - no bias", "bias = 2 MACs"} <= names
    # every consecutive pair of both chains
    for chain in m.DERIVATION.chains:
        for a, b in chain.pairs():
            assert f"{a.name} = {b.name}" in names
    integral = {i.name for i in m.INTEGRALITY}
    assert {"bias total is an integer", "no-bias total is an integer"} <= integral


def _wrong_total(psi_e, lam_e, gamma_e, n=N):
    return n * (psi_e * lam_e + gamma_e)


WRONG = {
    # the no-bias gamma in the bias identity
    "no-bias gamma in the bias identity": (_wrong_total(m.PSI, m.LAMBDA, m.GAMMA_NO_BIAS), m.SUMMARY_BIAS),
    # 2K instead of 2K - 1 in lambda
    "2K instead of 2K-1": (_wrong_total(m.PSI, L_out * 2 * K, m.GAMMA_BIAS), m.SUMMARY_BIAS),
    # a missing factor N
    "missing N": (_wrong_total(m.PSI, m.LAMBDA, m.GAMMA_BIAS, n=1), m.SUMMARY_BIAS),
    # groups forgotten in psi
    "psi without /G": (_wrong_total(C_in * C_out, m.LAMBDA, m.GAMMA_NO_BIAS), m.SUMMARY_NO_BIAS),
    # bias = MACs (wrong convention)
    "bias = MACs": (m.OPS_BIAS, m.MACS),
}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_identity_is_refuted_with_a_counterexample(name):
    lhs, rhs = WRONG[name]
    r = prove(lhs, rhs, name=name, samples=50)
    assert not r.holds and not bool(r)
    assert r.residual != 0
    assert r.counterexample is not None
    # The counterexample is concrete: substituting it really gives different values.
    point = {sym: sp.Integer(r.counterexample[str(sym)]) for sym in (lhs - rhs).free_symbols}
    a, b = lhs.xreplace(point), rhs.xreplace(point)
    assert a != b and (a, b) == r.counterexample_values
    # and it satisfies the assumptions
    if "G" in r.counterexample:
        g = r.counterexample["G"]
        assert r.counterexample.get("C_in", g) % g == 0 and r.counterexample.get("C_out", g) % g == 0
    assert "FAILS" in r.describe() and "counterexample" in r.describe()


def test_wrong_chain_step_is_refuted():
    chain = m.DERIVATION.chain("bias")
    wrong_defs = {**chain.definitions, lam: L_out * 2 * K}
    lhs = chain[0].canonical().xreplace(wrong_defs)
    r = prove(lhs, chain.expanded(chain[1]))
    assert not r.holds and r.counterexample


def test_integrality_holds_and_can_fail():
    assert prove_integer(m.OPS_NO_BIAS).holds
    r = prove_integer(N * C_in * L_out / (2 * G), name="half")
    assert not r.holds
    assert r.counterexample is not None
    value, _ = r.counterexample_values
    assert not value.is_Integer
    # without G | C_out, psi/G would not be integral: C_in*C_out/G**2
    assert not prove_integer(C_in * C_out / G**2 * 3 / 2).holds


def test_witness_points_satisfy_assumptions():
    rng = random.Random(1)
    for _ in range(500):
        pt = sample_point({N, C_in, C_out, G, K, L_out, m.BIAS}, rng)
        assert pt[C_in] % pt[G] == 0 and pt[C_out] % pt[G] == 0
        assert all(v >= 1 for k, v in pt.items() if k != m.BIAS)
        assert pt[m.BIAS] in (0, 1)


def test_proof_is_exact_not_float():
    # Differs by 1e-30 relative: a float check would accept it, the exact one must not.
    big = sp.Integer(10) ** 30
    r = prove(N * big, N * (big + 1), samples=10)
    assert not r.holds and r.counterexample is not None


def test_witness_catches_a_claimed_identity_exactness_misses():
    # FloorDiv is not a rational function: the exact decision cannot cancel it,
    # and the witness finds a point where floor(x/2)*2 != x.
    from symconv.functions import FloorDiv
    r = prove(FloorDiv(K, 2) * 2, K, samples=50)
    assert not r.holds and r.counterexample is not None
