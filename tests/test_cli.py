"""The command line: readable output, verdicts, exit codes, one-line errors."""

import json
import subprocess
import sys

import pytest

from symconv.cli import main

EVAL = ["eval", "conv1d", "--batch-size", "8", "--in-channels", "16", "--out-channels", "32",
        "--input-length", "100", "--kernel-size", "3"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_derive_prints_the_chain(capsys):
    code, out, _ = run(capsys, "derive", "conv1d")
    assert code == 0
    for title in ("Output length", "Number of filters", "Operations per filter",
                  "Filter aggregation", "Summary (bias)", "Summary (no bias)"):
        assert title in out
    assert "ψ" in out and "λ" in out and "γ" in out and "Conv1dₒₚₛ = N⋅(ψ⋅λ + γ)" in out
    assert "moduleprofiler" in out


def test_prove_prints_every_verdict(capsys):
    from symconv.conv1d import IDENTITIES, INTEGRALITY
    code, out, _ = run(capsys, "prove", "conv1d", "--samples", "20")
    assert code == 0
    assert out.count("holds  ") == len(IDENTITIES) + len(INTEGRALITY)
    assert "FAILS" not in out and "exact: cancel" in out


def test_prove_exits_nonzero_when_an_identity_fails(capsys, monkeypatch):
    import symconv.conv1d as m
    from symconv.conv1d import Identity
    bad = Identity("wrong", "bias = MACs", m.OPS_BIAS, m.MACS)
    monkeypatch.setattr(m, "IDENTITIES", m.IDENTITIES + (bad,))
    monkeypatch.setattr("symconv.proof.IDENTITIES", m.IDENTITIES)
    code, out, _ = run(capsys, "prove", "conv1d", "--samples", "20")
    assert code == 1 and "FAILS  wrong" in out and "counterexample" in out


def test_prove_json(capsys):
    code, out, _ = run(capsys, "prove", "conv1d", "--samples", "5", "--json")
    data = json.loads(out)
    assert code == 0 and all(r["holds"] for r in data["results"])


def test_eval_prints_length_count_and_convention(capsys):
    code, out, _ = run(capsys, *EVAL)
    assert code == 0
    assert "L_out = 98" in out and "2,408,448" in out and "moduleprofiler ops" in out


def test_eval_json(capsys):
    code, out, _ = run(capsys, *EVAL, "--padding", "same", "--no-bias", "--json")
    data = json.loads(out)
    assert data["output_length"] == 100 and data["parameters"]["bias"] is False
    assert data["ops"] == 8 * 32 * 100 * (16 * 2 * 3 - 1)
    assert "moduleprofiler" in data["convention"]


@pytest.mark.parametrize("extra, needle", [
    (["--groups", "3"], "groups=3"),
    (["--padding", "full"], "'full'"),
    (["--stride", "2", "--padding", "same"], "stride=2"),
    (["--kernel-size", "0"], "kernel_size"),
    (["--batch-size", "x"], "--batch-size"),
])
def test_eval_bad_arguments_one_line_exit_2(extra, needle):
    proc = subprocess.run([sys.executable, "-m", "symconv", *EVAL, *extra],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


@pytest.mark.parametrize("argv", [["--help"], ["derive", "--help"], ["prove", "--help"],
                                  ["eval", "--help"], ["generate", "--help"]])
def test_help_everywhere(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, _ = capsys.readouterr()
    assert info.value.code == 0 and "usage: symconv" in out


def test_derive_keeps_nested_parentheses(capsys):
    _, out, _ = run(capsys, "derive", "conv1d")
    assert "λ = Lₒᵤₜ⋅(K + (K - 1))" in out
    assert "((2⋅K - 1) + 1)" in out


def test_unwritable_output_is_one_line_exit_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory\n")
    for argv in (["generate", "--out", str(blocker / "sub")],
                 ["latex", "conv1d", "--format", "tex", "--out", str(blocker / "x.tex")],
                 ["codegen", "conv1d", "--lang", "c", "--out", str(blocker / "sub")]):
        proc = subprocess.run([sys.executable, "-m", "symconv", *argv], capture_output=True, text=True)
        assert proc.returncode == 2, (argv, proc.stderr)
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
        assert "error" in proc.stderr
