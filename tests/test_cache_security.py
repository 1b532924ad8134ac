"""The C backend's cache directory: never load a library another user could have planted.

Each case runs a fresh Python process (the loaded library is per process) with the cache
settings (SYMCONV_CACHE_DIR, XDG_CACHE_HOME, HOME) and TMPDIR pointing into tmp_path, so the
user's real cache and temporary directories are never touched. A *planted* library is a
shared object whose constructor writes a marker file when it is loaded: the marker must never
appear, and the count must still be right (computed by the generated Python evaluator).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from symconv import cbackend
from symconv._generated import conv1d_ops as gen_py

CC = shutil.which("gcc") or shutil.which("cc")
pytestmark = pytest.mark.skipif(CC is None or not hasattr(os, "geteuid"),
                                reason="needs a C compiler and POSIX ownership")
ROOT = os.name == "posix" and os.geteuid() == 0
NOBODY = 65534
ARGS = (8, 16, 32, 100, 3)
EXPECTED = gen_py.conv1d_ops(*ARGS)

#: What the child process does: one C call, then report where the library came from.
CHILD = textwrap.dedent("""
    import json, warnings
    warnings.simplefilter("always")
    from symconv import cbackend
    print(json.dumps({"ops": cbackend.conv1d_ops(*%r)}))
""" % (ARGS,))


@pytest.fixture
def lib_name(tmp_path_factory, monkeypatch) -> str:
    """The file name the backend gives its library for the default compiler and flags."""
    monkeypatch.delenv("CC", raising=False)
    safe = tmp_path_factory.mktemp("name", numbered=True)
    safe.chmod(0o700)
    return cbackend.build(safe).name


def _plant(directory: Path, name: str, marker: Path) -> Path:
    """A shared library named ``name`` in ``directory`` whose constructor creates ``marker``."""
    src = marker.parent / f"planted-{directory.name}.c"
    src.write_text('#include <stdio.h>\n'
                   '__attribute__((constructor)) static void planted(void) {\n'
                   f'    FILE *f = fopen("{marker}", "w");\n'
                   '    if (f) { fputs("ran", f); fclose(f); }\n'
                   '}\n')
    lib = directory / name
    subprocess.run([CC, "-shared", "-fPIC", str(src), "-o", str(lib)], check=True)
    return lib


def _env(tmp_path: Path, **settings: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SYMCONV_CACHE_DIR", "XDG_CACHE_HOME", "CC")}
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir(exist_ok=True, mode=0o700)
    env["TMPDIR"] = str(tmpdir)
    env["HOME"] = str(tmp_path / "home")
    for key, value in settings.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _run(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True,
                          timeout=300)


def _ok(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"ops": EXPECTED}


def test_planted_library_is_live_bait(tmp_path, lib_name):
    """The planted library runs its constructor when loaded (else the tests prove nothing)."""
    d = tmp_path / "d"
    d.mkdir()
    marker = tmp_path / "marker"
    lib = _plant(d, lib_name, marker)
    subprocess.run([sys.executable, "-c", f"import ctypes; ctypes.CDLL({str(lib)!r})"], check=True)
    assert marker.read_text() == "ran"


def _configure(how: str, tmp_path: Path, target: Path) -> dict[str, str]:
    """Environment whose cache directory is ``target``, set through ``how``."""
    if how == "SYMCONV_CACHE_DIR":
        return _env(tmp_path, SYMCONV_CACHE_DIR=str(target))
    if how == "XDG_CACHE_HOME":
        assert target.name == "symconv"
        return _env(tmp_path, XDG_CACHE_HOME=str(target.parent))
    assert target.parent.name == ".cache" and how == "HOME"
    env = _env(tmp_path)
    env["HOME"] = str(target.parent.parent)
    return env


@pytest.mark.parametrize("how, mode", [("SYMCONV_CACHE_DIR", 0o777), ("SYMCONV_CACHE_DIR", 0o1777),
                                       ("SYMCONV_CACHE_DIR", 0o770), ("SYMCONV_CACHE_DIR", 0o722),
                                       ("XDG_CACHE_HOME", 0o775), ("HOME", 0o777)])
def test_group_or_world_writable_cache_dir_is_refused(tmp_path, lib_name, how, mode):
    target = tmp_path / "home" / ".cache" / "symconv"
    target.mkdir(parents=True)
    marker = tmp_path / "marker"
    planted = _plant(target, lib_name, marker)
    before = planted.read_bytes()
    target.chmod(mode)
    proc = _run(_configure(how, tmp_path, target))
    _ok(proc)
    assert not marker.exists(), "a library from a group/world-writable directory was loaded"
    assert "writable by group or others" in proc.stderr and str(target) in proc.stderr
    assert planted.read_bytes() == before  # refused, not touched
    assert list((tmp_path / "tmpdir").iterdir()) == []  # the private directory is removed at exit


@pytest.mark.skipif(not ROOT, reason="changing a directory's owner needs root")
def test_cache_dir_owned_by_another_user_is_refused(tmp_path, lib_name):
    target = tmp_path / "cache"
    target.mkdir(mode=0o755)
    marker = tmp_path / "marker"
    _plant(target, lib_name, marker)
    os.chown(target, NOBODY, NOBODY)
    proc = _run(_env(tmp_path, SYMCONV_CACHE_DIR=str(target)))
    _ok(proc)
    assert not marker.exists()
    assert f"owned by uid {NOBODY}" in proc.stderr


def test_symlinked_cache_dir_is_refused(tmp_path, lib_name):
    real = tmp_path / "elsewhere"
    real.mkdir(mode=0o700)
    marker = tmp_path / "marker"
    _plant(real, lib_name, marker)
    link = tmp_path / "cache"
    link.symlink_to(real)
    proc = _run(_env(tmp_path, SYMCONV_CACHE_DIR=str(link)))
    _ok(proc)
    assert not marker.exists()
    assert "symbolic link" in proc.stderr


def test_old_shared_fallback_is_never_used(tmp_path, lib_name):
    """The attack as reported: no usable cache, and another user made TMPDIR/symconv-<uid>."""
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a directory\n")
    env = _env(tmp_path, SYMCONV_CACHE_DIR=str(blocker / "cache"))
    planted_dir = Path(env["TMPDIR"]) / f"symconv-{os.getuid()}"
    planted_dir.mkdir()
    marker = tmp_path / "marker"
    _plant(planted_dir, lib_name, marker)
    planted_dir.chmod(0o777)
    proc = _run(env)
    _ok(proc)
    assert not marker.exists(), "the predictable shared fallback directory was used"
    assert "cannot be created" in proc.stderr and "private temporary directory" in proc.stderr
    assert sorted(p.name for p in Path(env["TMPDIR"]).iterdir()) == [planted_dir.name]


def test_fallback_directory_is_private(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x\n")
    monkeypatch.setenv("SYMCONV_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(cbackend, "_private", {})
    monkeypatch.setattr(cbackend.tempfile, "tempdir", str(tmp_path))
    with pytest.warns(RuntimeWarning, match="private temporary directory"):
        first = cbackend.cache_dir()
    assert cbackend.cache_dir() == first  # one per process
    st = os.lstat(first)
    assert first.parent == tmp_path and st.st_uid == os.geteuid() and (st.st_mode & 0o777) == 0o700


@pytest.mark.parametrize("mode", [0o666, 0o775, 0o757])
def test_writable_library_file_is_rebuilt_not_loaded(tmp_path, lib_name, mode):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    marker = tmp_path / "marker"
    lib = _plant(cache, lib_name, marker)
    lib.chmod(mode)
    _ok(_run(_env(tmp_path, SYMCONV_CACHE_DIR=str(cache))))
    assert not marker.exists()
    st = os.lstat(lib)
    assert st.st_mode & 0o022 == 0 and st.st_uid == os.geteuid()


@pytest.mark.skipif(not ROOT, reason="changing a file's owner needs root")
def test_library_file_owned_by_another_user_is_rebuilt_not_loaded(tmp_path, lib_name):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    marker = tmp_path / "marker"
    lib = _plant(cache, lib_name, marker)
    lib.chmod(0o755)
    os.chown(lib, NOBODY, NOBODY)
    _ok(_run(_env(tmp_path, SYMCONV_CACHE_DIR=str(cache))))
    assert not marker.exists()
    assert os.lstat(lib).st_uid == os.geteuid()


def test_symlinked_library_file_is_replaced_not_followed(tmp_path, lib_name):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    other = tmp_path / "other"
    other.mkdir(mode=0o700)
    marker = tmp_path / "marker"
    planted = _plant(other, lib_name, marker)
    (cache / lib_name).symlink_to(planted)
    _ok(_run(_env(tmp_path, SYMCONV_CACHE_DIR=str(cache))))
    assert not marker.exists()
    assert not (cache / lib_name).is_symlink()


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage"])
def test_corrupt_cached_library_is_rebuilt(tmp_path, lib_name, damage):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    env = _env(tmp_path, SYMCONV_CACHE_DIR=str(cache))
    _ok(_run(env))
    lib = cache / lib_name
    good = lib.read_bytes()
    lib.write_bytes({"empty": b"", "truncated": good[:200],
                     "garbage": b"not a shared object\n" * 10}[damage])
    _ok(_run(env))
    assert lib.read_bytes() == good  # compiled again (the build is deterministic), replaced
    assert sorted(p.name for p in cache.iterdir()) == [lib_name]  # no temporaries left


def test_cc_with_arguments(tmp_path, lib_name):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    if subprocess.run([CC, "-m64", "-x", "c", "-c", "-", "-o", os.devnull], input="int x;\n",
                      capture_output=True, text=True).returncode != 0:
        pytest.skip("the compiler does not accept -m64 here")
    _ok(_run(_env(tmp_path, SYMCONV_CACHE_DIR=str(cache), CC=f"{Path(CC).name} -m64")))
    names = [p.name for p in cache.iterdir()]
    assert len(names) == 1 and names[0] != lib_name  # the full command is part of the key


def test_cc_through_a_wrapper(tmp_path):
    """CC="<wrapper> gcc" (as with ccache), the wrapper's path holding a space (shell quoting)."""
    bindir = tmp_path / "my bin"
    bindir.mkdir()
    log = tmp_path / "wrapper.log"
    wrapper = bindir / "wrap"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "$@"\n')
    wrapper.chmod(0o755)
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    env = _env(tmp_path, SYMCONV_CACHE_DIR=str(cache), CC=f'"{wrapper}" {Path(CC).name} -O1')
    _ok(_run(env))
    called = log.read_text().split()
    assert called[:2] == [Path(CC).name, "-O1"] and "-shared" in called  # extra words before flags
    env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
    env["CC"] = f"wrap {Path(CC).name}"
    _ok(_run(env))
    assert len(log.read_text().splitlines()) == 2


def test_cc_that_cannot_be_split_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CC", 'gcc "-m64')
    with pytest.raises(cbackend.CompilerNotFoundError, match="CC="):
        cbackend.compiler()
    monkeypatch.setenv("CC", "no-such-compiler-xyz -m64")
    with pytest.raises(cbackend.CompilerNotFoundError, match="no-such-compiler-xyz"):
        cbackend.compiler()


def test_explicit_unsafe_build_dir_is_refused(tmp_path):
    d = tmp_path / "shared"
    d.mkdir()
    d.chmod(0o777)
    with pytest.raises(cbackend.UnsafeCacheError, match="writable by group or others"):
        cbackend.build(d)
    assert list(d.iterdir()) == []


def test_concurrent_first_use_from_an_empty_cache(tmp_path):
    """4 processes x 8 threads load the library from an empty cache at once."""
    cache = tmp_path / "cache"
    env = _env(tmp_path, SYMCONV_CACHE_DIR=str(cache))
    script = textwrap.dedent("""
        import json, threading
        from symconv import cbackend
        out = []
        def work():
            out.append(cbackend.conv1d_ops(*%r))
        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(json.dumps(out))
    """ % (ARGS,))
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert json.loads(out) == [EXPECTED] * 8
    files = list(cache.iterdir())
    assert len(files) == 1 and files[0].suffix in (".so", ".dylib")  # no temporaries left
    assert (os.lstat(cache).st_mode & 0o777) == 0o700
