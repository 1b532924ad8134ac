"""generated/ must be exactly what `symconv generate` writes today."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from symconv.generate import REFRESH_COMMAND, artifacts, compare, write_all

GENERATED = Path(__file__).resolve().parent.parent / "generated"


def test_generated_is_fresh():
    problems = compare(GENERATED)
    assert not problems, (
        "generated/ is stale; refresh it with:\n    " + REFRESH_COMMAND + "\n\n"
        + "\n".join(problems))


def test_generation_is_reproducible(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write_all(a)
    write_all(b)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_compare_detects_changed_missing_and_stray_files(tmp_path, monkeypatch):
    import symconv.generate
    rendered = symconv.generate.artifacts()  # once: this test is about compare(), not rendering
    monkeypatch.setattr(symconv.generate, "artifacts",
                        lambda only=None: {k: v for k, v in rendered.items()
                                           if only is None or k in set(only)})
    write_all(tmp_path)
    assert compare(tmp_path) == []
    first = sorted(rendered)[0]
    (tmp_path / first).write_text("edited by hand\n", encoding="utf-8")
    (tmp_path / "stray.txt").write_text("x\n", encoding="utf-8")
    problems = compare(tmp_path)
    assert any(p.startswith(f"stale: {first}") and "@@" in p for p in problems)
    assert "not generated (stale or stray): stray.txt" in problems
    (tmp_path / first).unlink()
    assert f"missing: {first}" in compare(tmp_path)


def test_bytecode_caches_are_not_stray_files(tmp_path):
    """Importing symconv._generated writes __pycache__/*.pyc into generated/: not a stale file."""
    shutil.copytree(GENERATED, tmp_path / "generated",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo"))
    copy = tmp_path / "generated"
    (copy / "__pycache__").mkdir()
    (copy / "__pycache__" / "conv1d_ops.cpython-311.pyc").write_bytes(b"\x00bytecode")
    (copy / "__pycache__" / "x.cpython-311.opt-1.pyc").write_bytes(b"\x00bytecode")
    (copy / "conv1d_ops.pyc").write_bytes(b"\x00legacy bytecode")
    (copy / "conv1d_ops.pyo").write_bytes(b"\x00legacy bytecode")
    assert compare(copy) == []
    (copy / "notes.txt").write_text("x\n", encoding="utf-8")  # anything else is still stray
    (copy / "__pycache__.txt").write_text("x\n", encoding="utf-8")
    assert compare(copy) == ["not generated (stale or stray): __pycache__.txt",
                             "not generated (stale or stray): notes.txt"]


def test_fresh_with_bytecode_written_by_a_real_import(tmp_path):
    """A copy of generated/ imported by Python with bytecode writing on is still fresh."""
    copy = tmp_path / "pkg"
    shutil.copytree(GENERATED, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", "import pkg.conv1d_ops, pkg.conv1d_ops_numpy"],
                   cwd=tmp_path, env=env, check=True)
    assert list((copy / "__pycache__").glob("*.pyc")), "no bytecode was written"
    assert compare(copy) == []
