"""The command line: readable output, verdicts, exit codes, one-line errors."""

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from symconv.cli import main
from symconv.registry import get

from _helpers import LAYER_NAMES
from _helpers import FORWARD, FORWARD_ONLY

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


@pytest.mark.layers(where=FORWARD, reason=FORWARD_ONLY)
def test_prove_prints_every_verdict(capsys, layer):
    from symconv.registry import get
    spec = get(layer)
    code, out, _ = run(capsys, "prove", layer, "--samples", "20")
    assert code == 0
    assert out.count("holds  ") == len(spec.identities) + len(spec.integrality)
    assert "FAILS" not in out and "exact: cancel" in out
    assert "holds  loop nest = N (psi lambda + gamma)" in out
    assert "Assumptions: " + "; ".join(spec.assumptions()) + "." in out


def test_prove_exits_nonzero_when_an_identity_fails(capsys, monkeypatch):
    import dataclasses

    import symconv.conv1d as m
    from symconv import registry
    from symconv.spec import Identity
    bad = Identity("wrong", "bias = MACs", m.OPS_BIAS, m.MACS)
    spec = registry.get("conv1d")
    monkeypatch.setitem(registry.LAYERS, "conv1d",
                        dataclasses.replace(spec, identities=spec.identities + (bad,)))
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
    assert data["convention"]["name"] == "symconv" and data["convention"]["bias"] is False
    assert "moduleprofiler" in data["convention"]["text"]


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


def test_output_errors_are_worded_alike(tmp_path):
    """Regression: `codegen --out /proc/nope` said only "No such file or directory: /proc/nope"
    while `latex` said "directory ... does not exist". Every command with --out names the
    option, the path and what went wrong, in one line."""
    missing = tmp_path / "file" / "deeper"  # parent is a file: the directory cannot be made
    (tmp_path / "file").write_text("not a directory\n")
    layers = tmp_path / "l.json"
    layers.write_text('[{"name": "a", "in_channels": 1, "out_channels": 1, "kernel_size": 1, '
                      '"input_length": 4}]')
    cases = [(["generate", "--out", str(missing)], "cannot create directory"),
             (["codegen", "conv1d", "--lang", "c", "--out", str(missing)], "cannot create directory"),
             (["latex", "conv1d", "--format", "tex", "--out", str(missing / "x.tex")], str(missing)),
             (["table", str(layers), "--out", str(missing / "t.tex")], str(missing))]
    for argv, needle in cases:
        proc = subprocess.run([sys.executable, "-m", "symconv", *argv], capture_output=True,
                              text=True)
        out = argv[argv.index("--out") + 1]
        assert proc.returncode == 2, (argv, proc.stderr)
        line = proc.stderr.strip()
        assert len(line.splitlines()) == 1 and "Traceback" not in line, line
        assert f"error: --out {out}: " in line and needle in line, line


# --- hostile input: one line, exit 2, never a traceback ---------------------------------

HUGE = "9" * 4000  # below Python's int-digit limit (4300), far above symconv's (1000)


def cli(*argv, cwd=None):
    """Run the command line in a subprocess: (exit status, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "symconv", *argv], capture_output=True,
                          cwd=cwd)
    return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"))


def one_line_error(code, err, *needles):
    assert code == 2, err
    assert "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, (needle, err)


@pytest.mark.parametrize("argv, value", [
    (["prove", "conv1d", "--samples", "-3"], "-3"),
    (["prove", "conv1d", "--samples", "0"], "0"),
    (["conventions", "--samples", "-5"], "-5"),
    (["conventions", "--samples", "0", "--json"], "0"),
])
def test_samples_below_one_refused(argv, value):
    code, out, err = cli(*argv)
    one_line_error(code, err, "--samples", f"got {value}", ">= 1")
    assert out == ""


@pytest.mark.parametrize("argv", [["prove", "conv1d"], ["conventions"]])
def test_samples_above_the_cap_refused(argv):
    """Regression: a 1000-digit --samples was accepted and ran for ever."""
    from symconv.proof import MAX_SAMPLES
    code, out, err = cli(*argv, "--samples", str(MAX_SAMPLES + 1))
    one_line_error(code, err, "--samples", f"at most {MAX_SAMPLES:,}")
    code, out, err = cli(*argv, "--samples", "9" * 999)
    one_line_error(code, err, "--samples", "at most")
    import symconv
    from symconv.conv1d import OPS_BIAS
    with pytest.raises(ValueError, match=f"samples must be <= {MAX_SAMPLES:,}"):
        symconv.prove(OPS_BIAS, OPS_BIAS, samples=MAX_SAMPLES + 1)


def test_prove_api_refuses_samples_below_one():
    import symconv
    from symconv import conventions
    from symconv.conv1d import OPS_BIAS
    for bad in (0, -3):
        for call in (lambda: symconv.prove(OPS_BIAS, OPS_BIAS, samples=bad),
                     lambda: symconv.prove_integer(OPS_BIAS, samples=bad),
                     lambda: symconv.prove_conv1d(samples=bad),
                     lambda: conventions.prove_relations(samples=bad)):
            with pytest.raises(ValueError, match=rf"samples must be >= 1, got {bad}"):
                call()
    for bad in (True, 2.0, "5", None):
        with pytest.raises(TypeError, match="samples must be an int"):
            symconv.prove(OPS_BIAS, OPS_BIAS, samples=bad)
    assert symconv.prove(OPS_BIAS, OPS_BIAS, samples=1).holds


def _subcommand_actions():
    """(command, action) for every option of every (sub)command: "prove", "eval conv2d", ..."""
    from symconv.cli import build_parser
    out = []

    def walk(prefix, parser):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(prefix + (name,), child)
            elif prefix:
                out.append((" ".join(prefix), action))

    walk((), build_parser())
    return out


def _integer_options():
    """(command, option) for every option whose value is an integer, in every subcommand."""
    from symconv import cli
    types = {int, cli.padding_arg, getattr(cli, "integer", int), getattr(cli, "positive_integer", int),
             getattr(cli, "samples_arg", int)}
    return [(name, action.option_strings[0], action.nargs)
            for name, action in _subcommand_actions() if action.type in types]


INTEGER_OPTIONS = _integer_options()


def test_every_integer_option_goes_through_cli_integer():
    for name, action in _subcommand_actions():
        assert action.type is not int, f"{name} {action.option_strings}: use cli.integer"


def test_the_integer_options_are_all_found():
    names = {cmd for cmd, _, _ in INTEGER_OPTIONS}
    assert names == {"prove", *(f"eval {n}" for n in LAYER_NAMES), "conventions", "latex", "plot"}
    # eval: the integer parameters of each registered layer (all but bias); latex: the
    # worked example's 9 and --input-size (conv2d, conv3d) beside --input-length (conv1d)
    eval_options = sum(len(get(n).parameters) - 1 for n in LAYER_NAMES)
    # 9 each; a transposed layer also has output_padding
    assert eval_options == sum(9 + get(n).transposed for n in LAYER_NAMES)
    assert len(INTEGER_OPTIONS) == 2 + eval_options + 1 + 10 + 1  # plot: --range


@pytest.mark.parametrize("command, option, nargs", INTEGER_OPTIONS)
@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "9" * 1001])
def test_too_many_digits_one_line(command, option, nargs, value, capsys):
    values = [value] * (nargs if isinstance(nargs, int) else 1)
    argv = command.split() + (["conv1d"] if command in ("prove", "latex") else []) + [option, *values]
    with pytest.raises(SystemExit) as info:
        main(argv)
    _, err = capsys.readouterr()
    one_line_error(info.value.code, err, option, "too many digits",
                   f"({len(value.lstrip('-'))} digits; the limit is 1000)")


def test_too_many_digits_in_a_subprocess():
    code, _, err = cli(*EVAL[:-2], "--kernel-size", HUGE)
    one_line_error(code, err, "--kernel-size", "too many digits", "limit is 1000")


def _long_int(text):
    """int(text) for any length (Python's default refuses more than 4300 digits)."""
    value = 0
    for i in range(0, len(text), 1000):
        chunk = text[i:i + 1000]
        value = value * 10**len(chunk) + int(chunk)
    return value


def test_longest_accepted_values_print_exactly(capsys):
    """1000-digit sizes give counts far above Python's 4300-digit str limit: printed exactly."""
    import symconv
    from symconv import conventions
    big = 10**1000 - 7  # 1000 digits
    args = dict(batch_size=big, in_channels=big, out_channels=big, input_length=big,
                kernel_size=big, padding=big)
    argv = ["eval", "conv1d"] + [f"--{k.replace('_', '-')}={v}" for k, v in args.items()]
    code, out, err = run(capsys, *argv, "--json", "--convention", "all")
    assert code == 0, err
    data = json.loads(out, parse_int=_long_int)
    assert data["ops"] == symconv.conv1d_ops(**args) and data["ops"] > 10**4300
    assert [c["count"] for c in data["counts"]] == list(conventions.counts(**args).values())
    code, out, err = run(capsys, *argv)
    ops = re.search(r"ops   = ([0-9,]+)", out).group(1)
    assert code == 0 and _long_int(ops.replace(",", "")) == symconv.conv1d_ops(**args)
    if hasattr(sys, "get_int_max_str_digits"):  # main restores Python's limit afterwards
        with pytest.raises(ValueError):
            str(symconv.conv1d_ops(**args))


@pytest.mark.parametrize("value", ["١", "3.0", "1e3", "0x10", "", " "])
def test_integer_options_are_ascii_digits(value, capsys):
    with pytest.raises(SystemExit) as info:
        main([*EVAL[:-2], "--kernel-size", value])
    _, err = capsys.readouterr()
    one_line_error(info.value.code, err, "--kernel-size", "must be an integer", repr(value))


LAYER = {"name": "a", "in_channels": 1, "out_channels": 1, "kernel_size": 1, "input_length": 4}


def _huge_field(field):
    body = ", ".join(f'"{k}": {json.dumps(v)}' for k, v in LAYER.items() if k != field)
    return f'[{{{body}, "{field}": {"9" * 5000}}}]'


@pytest.mark.parametrize("name, content, needles", [
    ("deep.json", "[" * 100_000, ["deep.json", "nested too deeply"]),
    ("deeper.json", '{"layers": ' + "[" * 100_000, ["deeper.json", "nested too deeply"]),
    ("huge.json", _huge_field("in_channels"),
     ["huge.json", "layer 1 ('a')", "'in_channels'", "too many digits", "5000 digits",
      "limit is 1000"]),
    ("hugebatch.json", '{"batch_size": ' + "9" * 5000 + ', "layers": [' + json.dumps(LAYER) + "]}",
     ["'batch_size'", "too many digits"]),
    ("hugepad.json", _huge_field("padding"), ["'padding'", "too many digits"]),
    ("empty.json", "", ["empty.json", "not valid JSON"]),
    ("list.json", "[1, 2]", ["layer 1", "expected an object"]),
    ("obj.json", '{"layers": {"a": 1}}', ["'layers' must be a list"]),
    ("str.json", '"x"', ["must be a list"]),
    ("nolayers.json", "[]", ["no layers"]),
])
def test_hostile_layer_files(tmp_path, name, content, needles):
    (tmp_path / name).write_text(content, encoding="utf-8")
    code, _, err = cli("table", name, "--format", "csv", cwd=tmp_path)
    one_line_error(code, err, *needles)


def test_longest_integers_in_a_layer_file_print_exactly(tmp_path):
    from symconv.model import load_layers
    big = 10**999 + 1
    layer = {**LAYER, "in_channels": big, "input_length": big}
    (tmp_path / "big.json").write_text(json.dumps([layer]), encoding="utf-8")
    code, out, err = cli("table", "big.json", "--format", "csv", cwd=tmp_path)
    assert code == 0, err
    assert str(load_layers(tmp_path / "big.json")[0].ops) in out


def test_other_hostile_table_inputs(tmp_path):
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe[]")
    code, _, err = cli("table", "bin.json", cwd=tmp_path)
    one_line_error(code, err, "bin.json")
    code, _, err = cli("table", ".", cwd=tmp_path)
    one_line_error(code, err, "a directory, not a layer file")
    code, _, err = cli("table", "missing.json", cwd=tmp_path)
    one_line_error(code, err, "missing.json", "no such file")
    code, _, err = cli("table", os.devnull)
    one_line_error(code, err, os.devnull, "not a regular file")
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps([LAYER]), encoding="utf-8")
    # bytes that are not UTF-8 in a file name: read like any other name
    odd = os.fsencode(str(tmp_path)) + b"/\xfe.json"
    with open(odd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps([LAYER]))
    proc = subprocess.run([sys.executable, "-m", "symconv", "table", odd, "--format", "csv"],
                          capture_output=True)
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr
    # ... and in a caption: a file cannot hold them
    code, _, err = cli("table", "ok.json", "--caption", os.fsdecode(b"\xff"), "--out", "t.tex",
                       cwd=tmp_path)
    one_line_error(code, err, "--caption", "not valid UTF-8", "0xff")
    assert not (tmp_path / "t.tex").exists() or "\\udcff" not in (tmp_path / "t.tex").read_text()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads any file")
def test_unreadable_layer_file(tmp_path):
    path = tmp_path / "secret.json"
    path.write_text(json.dumps([LAYER]), encoding="utf-8")
    path.chmod(0)
    code, _, err = cli("table", str(path))
    one_line_error(code, err, "secret.json", "ermission")


def test_unreadable_layer_file_in_process(tmp_path, monkeypatch, capsys):
    path = tmp_path / "secret.json"
    path.write_text(json.dumps([LAYER]), encoding="utf-8")

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))
    monkeypatch.setattr(Path, "read_text", refuse)
    code, _, err = run(capsys, "table", str(path))
    one_line_error(code, err, "secret.json", "Permission denied")


@pytest.mark.parametrize("argv, needles", [
    (["eval", "conv1d", "--batch-size", os.fsdecode(b"\xff")], ["--batch-size"]),
    ([*EVAL, "--padding", os.fsdecode(b"\xff")], ["--padding"]),
    ([*EVAL, "--convention", os.fsdecode(b"\xff")], ["--convention"]),
    ([os.fsdecode(b"\xff")], ["invalid choice"]),
    (["latex", "conv1d", "--out", os.fsdecode(b"\xff") + "/x.tex"], ["does not exist"]),
    (["eval", "conv1d", *EVAL[2:], "--stride", "-" + HUGE], ["--stride", "too many digits"]),
])
def test_fuzzed_arguments_one_line(argv, needles):
    code, _, err = cli(*argv)
    one_line_error(code, err, *needles)


# --- version, bare command, help ----------------------------------------------------------

def test_version_is_the_package_version():
    import importlib.metadata
    import symconv
    code, out, err = cli("--version")
    assert code == 0 and out == f"symconv {symconv.__version__}\n", (out, err)
    assert importlib.metadata.version("symconv") == symconv.__version__
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert not re.search(r"^version\s*=\s*\"", pyproject, re.M), "a second copy of the version"
    assert 'version = {attr = "symconv.__version__"}' in pyproject


def test_bare_symconv_points_to_help():
    code, out, err = cli()
    assert code == 2 and out == ""
    assert "Traceback" not in err and err.startswith("usage: symconv")
    assert "run 'symconv --help'" in err
    for command in ("derive", "prove", "eval", "generate", "conventions", "codegen", "latex",
                    "table"):
        assert command in err


def test_every_command_has_a_description_and_examples_that_parse(capsys):
    from symconv.cli import EXAMPLES, build_parser
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert list(sub.choices) == list(EXAMPLES)
    for name, command in sub.choices.items():
        with pytest.raises(SystemExit) as info:
            main([name, "--help"])
        out, _ = capsys.readouterr()
        assert info.value.code == 0
        assert command.description and command.description.split()[0] in out
        assert "\nexamples:\n" in out
        assert EXAMPLES[name]
        for example in EXAMPLES[name]:
            assert f"  {example}\n" in out  # one per line, unwrapped
            argv = shlex.split(example)
            assert argv[:2] == ["symconv", name]
            assert build_parser().parse_args(argv[1:]).command == name
    with pytest.raises(SystemExit):
        main(["--help"])
    out, _ = capsys.readouterr()
    assert "examples:" in out and "--version" in out and "symconv COMMAND --help" in out


def test_interrupt_is_one_line(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt
    monkeypatch.setattr("symconv.cli._cmd_derive", interrupted)
    assert main(["derive", "conv1d"]) == 130
    assert capsys.readouterr().err == "symconv derive: interrupted\n"


def test_closed_pipe_is_quiet():
    proc = subprocess.Popen([sys.executable, "-m", "symconv", "derive", "conv1d"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before symconv writes
    err = proc.stderr.read().decode()
    assert proc.wait() == 1 and err == "", err


def test_ascii_terminal_gets_one_line_not_a_traceback():
    """Regression: under PYTHONIOENCODING=ascii, `derive` failed inside SymPy's pretty
    printer (KeyError: 'lfloor') with a traceback. The derivation is Unicode; a
    terminal that cannot hold it gets one line saying how to fix it, exit 2."""
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    proc = subprocess.run([sys.executable, "-m", "symconv", "derive", "conv1d"],
                          capture_output=True, text=True, env=env, encoding="utf-8",
                          errors="replace")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "KeyError" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "PYTHONIOENCODING=utf-8" in lines[0]
    # the printer itself is unaffected by the terminal: the same text as under UTF-8
    from symconv.printing.text import pretty
    import sympy as sp
    x = sp.Symbol("x")
    assert "⎣" in pretty(sp.floor(x / 2))
