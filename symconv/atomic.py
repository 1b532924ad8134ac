"""Write a set of files all at once or not at all (``generate``, ``codegen``, ``latex --out``).

Every content is rendered and encoded before the first byte is written. Each
file is then written to a temporary file beside its target (same directory,
so the rename is atomic), flushed and fsynced; only when every one of them
was written completely are they renamed over their targets with
``os.replace``. On any error (a full disk, a file-size limit, a permission)
the temporary files are removed, directories this call created are removed,
and an ``OSError`` naming the target and the cause is raised: no file in the
output changes. A target whose bytes are already the new ones is left alone
(its modification time is kept).
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path
from typing import Mapping, Union

__all__ = ["write_files"]

PathLike = Union[str, "os.PathLike[str]"]


def _error(exc: OSError, target: Path, note: str) -> OSError:
    """``exc`` as an OSError naming ``target`` (one line for the CLI: cause and path)."""
    cause = exc.strerror or str(exc)
    return OSError(exc.errno, f"{cause} ({note})", str(target))


def _unchanged(target: Path, data: bytes) -> bool:
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return False
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
        return False
    with open(target, "rb") as fh:
        return fh.read() == data


def _make_dirs(directory: Path, created: list[Path]) -> None:
    missing = []
    for d in (directory, *directory.parents):
        if d.exists() or d.is_symlink():
            break
        missing.append(d)
    for d in reversed(missing):
        try:
            d.mkdir()
        except OSError as exc:  # one wording whatever the cause: which directory, and why
            raise OSError(exc.errno, f"cannot create directory {d} "
                                     f"({exc.strerror or exc}; no file was changed)") from exc
        created.append(d)


def _write_temporary(target: Path, data: bytes) -> Path:
    """Write ``data`` into a new file beside ``target``; fsync it; return its path."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)  # keep the target's permissions
    except OSError:
        mode = None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
        | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    while True:
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(temporary, flags, 0o666)  # the umask applies, as for open(..., "w")
            break
        except FileExistsError:
            continue
    try:
        if mode is not None and hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(temporary)
        raise
    os.close(fd)
    return temporary


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # not supported for directories on every platform
    finally:
        os.close(fd)


def write_files(files: Mapping[PathLike, str | bytes], make_dirs: bool = True) -> list[Path]:
    """Write ``{path: text or bytes}`` atomically as a set; return the paths written.

    The paths come in the order given; a file that already held exactly its
    new bytes is not rewritten and not listed.

    Text is encoded as UTF-8 and written as is (``\\n`` line endings stay
    ``\\n``). With ``make_dirs``, missing parent directories are created (and
    removed again if the write fails). Raises ``OSError`` naming the path that
    failed and the cause; then no target has changed.
    """
    encoded = [(Path(path), text.encode("utf-8") if isinstance(text, str) else bytes(text))
               for path, text in files.items()]
    created: list[Path] = []
    pending: list[tuple[Path, Path]] = []  # (temporary, target)
    target = None
    try:
        if make_dirs:
            for parent in dict.fromkeys(t.parent for t, _ in encoded):
                _make_dirs(parent, created)  # an error names the directory
        for target, data in encoded:
            if _unchanged(target, data):
                continue
            pending.append((_write_temporary(target, data), target))
    except BaseException as exc:
        for temporary, _ in pending:
            _remove(temporary)
        for d in reversed(created):
            try:
                d.rmdir()
            except OSError:
                pass
        if isinstance(exc, OSError) and target is not None:
            raise _error(exc, target, "no file was changed") from exc
        raise
    done = 0
    try:
        for temporary, target in pending:
            os.replace(temporary, target)
            done += 1
    except OSError as exc:  # rare: the renames need no space; a target changed under us
        for temporary, _ in pending[done:]:
            _remove(temporary)
        raise _error(exc, target, f"{done} of {len(pending)} files were replaced") from exc
    for directory in sorted({t.parent for _, t in pending}):
        _fsync_dir(directory)
    return [target for _, target in pending]


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
