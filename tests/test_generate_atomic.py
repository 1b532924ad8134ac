"""Generation is all or nothing: on a full disk or a file-size limit no output file changes.

``symconv generate``, ``symconv codegen`` and ``symconv latex --out`` write through
symconv.atomic.write_files: every file goes to a temporary file beside its target and the
targets are replaced only when every write succeeded.
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import symconv.generate
from symconv import atomic
from symconv.cli import main
from symconv.generate import write_all

ROOT = Path(__file__).resolve().parent.parent
_RENDERED: dict[str, str] = {}


def artifacts(only=None) -> dict[str, str]:
    """Every artefact (or those named in ``only``), rendered once for this module: these
    tests are about writing them (rendering all layers' code and documents takes seconds;
    it is tested elsewhere)."""
    if not _RENDERED:
        _RENDERED.update(_render())
    if only is None:
        return dict(_RENDERED)
    return {name: _RENDERED[name] for name in sorted(set(only))}


_render = symconv.generate.artifacts


@pytest.fixture(autouse=True)
def _render_once(monkeypatch):
    monkeypatch.setattr(symconv.generate, "artifacts", artifacts)


TOTAL = sum(len(text.encode("utf-8")) for text in artifacts().values())


def _old_generation(out: Path) -> dict[str, bytes]:
    """A directory as an older generator left it: every file differs from today's."""
    write_all(out)
    for path in out.iterdir():
        path.write_bytes(b"% an older generation\n" + path.read_bytes())
    return _snapshot(out)


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file()}


def _disk_fills_after(monkeypatch, budget: int) -> None:
    """os.write fails with ENOSPC once ``budget`` bytes have been written."""
    real = os.write
    left = [budget]

    def write(fd, data):
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = real(fd, bytes(data)[:left[0]])
        left[0] -= n
        return n

    monkeypatch.setattr(os, "write", write)


@pytest.mark.parametrize("budget", [0, 1, 10240, TOTAL // 2, TOTAL - 1])
def test_full_disk_changes_no_file(tmp_path, monkeypatch, budget):
    out = tmp_path / "generated"
    before = _old_generation(out)
    _disk_fills_after(monkeypatch, budget)
    with pytest.raises(OSError) as info:
        write_all(out)
    monkeypatch.undo()
    assert info.value.errno == errno.ENOSPC
    assert Path(info.value.filename).parent == out and Path(info.value.filename).name in before
    assert "no file was changed" in info.value.strerror
    assert _snapshot(out) == before  # byte-identical, and no temporary file left


def test_full_disk_gives_one_line_from_the_cli(tmp_path, monkeypatch, capsys):
    out = tmp_path / "generated"
    before = _old_generation(out)
    _disk_fills_after(monkeypatch, TOTAL // 3)
    assert main(["generate", "--out", str(out)]) == 2
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"symconv generate: error: --out {out}: No space left on device")
    assert "(no file was changed)" in err
    assert _snapshot(out) == before


def test_fsync_failure_changes_no_file(tmp_path, monkeypatch):
    out = tmp_path / "generated"
    before = _old_generation(out)
    calls = [0]
    real = os.fsync

    def fsync(fd):
        calls[0] += 1
        if calls[0] == 3:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError, match="Input/output error"):
        write_all(out)
    monkeypatch.undo()
    assert _snapshot(out) == before


def _limited(limit: int):
    def preexec():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


def test_file_size_limit_changes_no_file(tmp_path):
    """RLIMIT_FSIZE of 10 KiB (what `ulimit -f 10` sets): one line, exit 2, nothing changed."""
    out = tmp_path / "generated"
    before = _old_generation(out)
    assert max(len(b) for b in before.values()) > 10240  # the limit really bites
    proc = subprocess.run([sys.executable, "-m", "symconv", "generate", "--out", str(out)],
                          capture_output=True, text=True, preexec_fn=_limited(10240))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"symconv generate: error: --out {out}: File too large")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert _snapshot(out) == before


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_ulimit_reproduction(tmp_path):
    """The reported reproduction, through a shell: `(ulimit -f 10; symconv generate)`."""
    out = tmp_path / "generated"
    before = _old_generation(out)
    proc = subprocess.run(["bash", "-c", 'ulimit -f 10; "$0" -m symconv generate --out "$1"',
                           sys.executable, str(out)], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert _snapshot(out) == before
    proc = subprocess.run([sys.executable, "-m", "symconv", "generate", "--out", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert _snapshot(out) == {name: text.encode("utf-8") for name, text in artifacts().items()}


def test_codegen_and_latex_out_are_atomic(tmp_path, monkeypatch, capsys):
    out = tmp_path / "c"
    assert main(["codegen", "conv1d", "--lang", "c", "--out", str(out)]) == 0
    for path in out.iterdir():
        path.write_text("older\n")
    tex = tmp_path / "paper.tex"
    tex.write_text("older\n")
    before = _snapshot(tmp_path)
    _disk_fills_after(monkeypatch, 100)
    assert main(["codegen", "conv1d", "--lang", "c", "--out", str(out)]) == 2
    assert main(["latex", "conv1d", "--format", "tex", "--out", str(tex)]) == 2
    monkeypatch.undo()
    err = capsys.readouterr().err.splitlines()
    assert [line.split(":")[0] for line in err] == ["symconv codegen", "symconv latex"]
    assert all("No space left on device" in line for line in err)
    assert _snapshot(tmp_path) == before
    assert main(["latex", "conv1d", "--format", "tex", "--out", str(tex)]) == 0
    assert tex.read_text().startswith("% generated by symconv")


def test_new_directory_is_removed_on_failure(tmp_path, monkeypatch):
    _disk_fills_after(monkeypatch, 0)
    with pytest.raises(OSError):
        write_all(tmp_path / "new" / "generated")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_unchanged_files_are_not_rewritten(tmp_path):
    out = tmp_path / "generated"
    write_all(out)
    names = sorted(p.name for p in out.iterdir())
    for path in out.iterdir():
        os.utime(path, ns=(10**18, 10**18))
    changed = out / names[0]
    changed.write_text("edited\n")
    os.utime(changed, ns=(10**18, 10**18))
    write_all(out)
    assert sorted(p.name for p in out.iterdir()) == names
    assert [p.name for p in out.iterdir() if p.stat().st_mtime_ns != 10**18] == [names[0]]
    assert changed.read_text(encoding="utf-8") == artifacts()[names[0]]


def test_permissions_kept_and_links_replaced_not_followed(tmp_path):
    out = tmp_path / "generated"
    write_all(out)
    names = sorted(artifacts())
    kept = out / names[0]
    kept.write_text("older\n")
    kept.chmod(0o640)
    outside = tmp_path / "outside.txt"
    outside.write_text("not symconv's\n")
    link = out / names[1]
    link.unlink()
    link.symlink_to(outside)
    write_all(out)
    assert (kept.stat().st_mode & 0o777) == 0o640
    assert outside.read_text() == "not symconv's\n" and not link.is_symlink()
    assert _snapshot(out) == {name: text.encode("utf-8") for name, text in artifacts().items()}


def test_directory_in_the_way_changes_no_file(tmp_path):
    out = tmp_path / "generated"
    before = _old_generation(out)
    last = sorted(before)[-1]
    (out / last).unlink()
    (out / last).mkdir()
    before = _snapshot(out)
    with pytest.raises(IsADirectoryError) as info:
        write_all(out)
    assert info.value.filename == str(out / last)
    assert _snapshot(out) == before and (out / last).is_dir()


def test_write_files_takes_bytes_and_text(tmp_path):
    paths = atomic.write_files({tmp_path / "a.bin": b"\x00\xff", tmp_path / "b.txt": "é\n"})
    assert paths == [tmp_path / "a.bin", tmp_path / "b.txt"]
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\xff"
    assert (tmp_path / "b.txt").read_bytes() == "é\n".encode("utf-8")
    assert atomic.write_files({tmp_path / "a.bin": b"\x00\xff", tmp_path / "b.txt": "x\n"}) == [
        tmp_path / "b.txt"]  # only what changed is written and listed


def test_cli_says_what_it_wrote(tmp_path, capsys):
    out = tmp_path / "generated"
    assert main(["generate", "--out", str(out)]) == 0
    assert capsys.readouterr().out.count("wrote ") == len(artifacts())
    assert main(["generate", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}: every file is up to date\n"
    (out / "conv1d_ops.h").write_text("older\n")
    assert main(["codegen", "conv1d", "--lang", "c", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out / 'conv1d_ops.h'}\n"
