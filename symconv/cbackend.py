"""The generated C evaluator, compiled on first use and called through ctypes.

``generated/conv1d_ops.c`` (package data of ``symconv._generated``) is
compiled with the system C compiler (``$CC``, which may carry arguments, else
``cc``, ``gcc`` or ``clang``) into a shared library in a cache directory
(``$SYMCONV_CACHE_DIR``, else ``$XDG_CACHE_HOME/symconv``, else
``~/.cache/symconv``), under a name keyed by the SHA-256 of the source, the
header, the compiler command and the flags: a changed source is recompiled,
an unchanged one is loaded. Only a directory owned by this user and not
writable by group or others is used, and only a library file that passes the
same test is loaded; otherwise a fresh private directory serves this process
(:func:`cache_dir`). The library is compiled in a private temporary
directory and renamed into place, so concurrent first uses are safe; an
empty or truncated cached library is compiled again. Without a compiler,
:class:`CompilerNotFoundError` says so.

Entry points:

* :func:`conv1d_ops`, :func:`conv1d_output_length` — scalars, the signature
  and the errors of :func:`symconv.conv1d_ops`, word for word (the exact
  evaluator words every refusal; C's status must name the same rule), plus
  ``OverflowError`` where a value, the count or an intermediate does not fit
  in int64 (a value beyond int64 is refused before the C call, never wrapped).
* :func:`conv1d_ops_array` — NumPy arrays that broadcast together, through
  the C batch function; raises for the first bad row exactly as the generated
  NumPy evaluator does (``row R: `` and the exact evaluator's message).
* :func:`conv1d_batch` — the same without raising: ``(length, ops,
  status)`` arrays, one status per row, for sweeps that expect bad rows.

From Python, ``padding`` is an int >= 0, ``'same'``, ``'valid'`` (or arrays
of those): -1 is a negative padding here. Only the C ABI spells ``'same'`` as
``SYMCONV_PADDING_SAME`` (-1, :data:`PADDING_SAME`).

Status codes are read from the generated header, so this module and the
compiled library cannot disagree.
"""

from __future__ import annotations

import atexit
import ctypes
import hashlib
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import warnings
from importlib import resources
from pathlib import Path
from typing import Any

from ._generated import conv1d_ops as _exact
from ._generated import counting as _counting
from .validation import RULES, SIZE_PARAMETERS

__all__ = ["CompilerNotFoundError", "CompileError", "UnsafeCacheError", "compiler", "cache_dir",
           "build", "library", "strerror",
           "STATUS", "conv1d_ops", "conv1d_output_length", "conv1d_ops_array", "conv1d_batch",
           "PADDING_SAME", "conv2d_ops", "conv3d_ops", "conv2d_output_size",
           "conv3d_output_size", "nd_batch", "C_FILES", "TRANSPOSED_STATUS",
           "conv_transpose1d_ops", "conv_transpose2d_ops", "conv_transpose3d_ops",
           "conv_transpose1d_output_length", "conv_transpose2d_output_size",
           "conv_transpose3d_output_size", "transposed_batch"]

#: Flags of the cached library (warnings are checked by the tests, not at run time).
#: -O3: the batch loop is about 10% faster than with -O2 (see benchmarks/). No
#: -march=native: the integer batch loop does not gain from it (it measured a few
#: percent slower), and a library keyed by flags alone must run on any CPU of the
#: platform, e.g. from a cache directory shared between machines.
CFLAGS = ("-std=c99", "-O3", "-fPIC", "-shared")
#: The C value of ``padding='same'``.
PADDING_SAME = -1


class CompilerNotFoundError(RuntimeError):
    """No C compiler on this machine."""


class CompileError(RuntimeError):
    """The compiler failed on the generated source."""


def _source(name: str) -> str:
    return resources.files("symconv._generated").joinpath(name).read_text(encoding="utf-8")


def compiler() -> list[str]:
    """The C compiler command: ``$CC`` split like a shell would, else the first of cc, gcc, clang.

    ``CC`` may carry arguments (``CC="ccache gcc"``, ``CC="gcc -m64"``): its first word is
    looked up on PATH and replaced by the full path, the other words are kept and go
    before the flags. Returns the words of the command.
    """
    cc = os.environ.get("CC", "").strip()
    if cc:
        try:
            words = shlex.split(cc)
        except ValueError as exc:
            raise CompilerNotFoundError(f"CC={cc!r} cannot be split into words like a shell "
                                        f"would ({exc})") from None
        candidates = [words] if words else []
    else:
        candidates = [["cc"], ["gcc"], ["clang"]]
    for first, *rest in candidates:
        path = shutil.which(first)
        if path:
            return [path, *rest]
    names = ", ".join(c[0] for c in candidates) or repr(cc)
    raise CompilerNotFoundError(
        "symconv's C backend compiles generated/conv1d_ops.c on first use and needs a C "
        f"compiler, but none of {names} is on PATH (set CC to choose one). "
        "Install one (e.g. gcc), or use symconv.conv1d_ops (pure Python, exact).")


class UnsafeCacheError(RuntimeError):
    """A directory or library that another user could have written; it is never loaded."""


def _posix_owner_checks() -> bool:
    return hasattr(os, "geteuid") and hasattr(os, "O_NOFOLLOW")


def _not_ours(st: os.stat_result) -> str | None:
    """Why an entry with status ``st`` could have been written by another user, or None."""
    if _posix_owner_checks():
        if st.st_uid != os.geteuid():
            return f"owned by uid {st.st_uid}, not by this user (uid {os.geteuid()})"
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return f"writable by group or others (mode {stat.S_IMODE(st.st_mode):04o})"
    return None


def _unsafe_dir(path: Path) -> str | None:
    """Why ``path`` cannot hold libraries we load, or None if it can.

    It must be a real directory (not a symbolic link), owned by the effective
    user, with no write permission for group or others: then nobody else
    (root aside) can add, replace or rename a file in it.
    """
    try:
        st = os.lstat(path)
    except OSError as exc:
        return f"not accessible ({exc.strerror or exc})"
    if stat.S_ISLNK(st.st_mode):
        return "a symbolic link"
    if not stat.S_ISDIR(st.st_mode):
        return "not a directory"
    return _not_ours(st)


def _unsafe_file(st: os.stat_result) -> str | None:
    """Why a library with status ``st`` must not be loaded, or None if it may."""
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    if st.st_size == 0:
        return "empty"
    return _not_ours(st)


#: Private directories made by :func:`cache_dir` for this process, by the directory refused.
_private: dict[str, Path] = {}
_private_lock = threading.Lock()


def _configured_cache_dir() -> Path:
    if os.environ.get("SYMCONV_CACHE_DIR"):
        return Path(os.environ["SYMCONV_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "symconv"
    return Path.home() / ".cache" / "symconv"


def cache_dir() -> Path:
    """Where compiled libraries are kept: a directory only this user can write.

    The configured directory (``$SYMCONV_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/symconv``, else ``~/.cache/symconv``; created with mode
    0700 if absent) is used when it is a real directory (not a symbolic
    link) owned by this user, not writable by group or others, and writable
    by us. Otherwise a fresh private directory (``tempfile.mkdtemp``, mode
    0700, removed at exit) is used for this process, with a ``RuntimeWarning``
    naming the refused directory and why: the library is then compiled once
    per process. A shared, predictable fallback (``symconv-<uid>`` in the temporary directory)
    is never used, since another local user could create it first.
    """
    base = _configured_cache_dir()
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        reason: str | None = f"cannot be created ({exc.strerror or exc})"
    else:
        reason = _unsafe_dir(base)
        if reason is None:
            try:
                probe = tempfile.NamedTemporaryFile(dir=base, delete=True)
                probe.close()
            except OSError as exc:
                reason = f"not writable ({exc.strerror or exc})"
    if reason is None:
        return base
    with _private_lock:
        key = str(base)
        if key not in _private:
            private = Path(tempfile.mkdtemp(prefix="symconv-"))  # mode 0700, a new name
            atexit.register(shutil.rmtree, private, True)
            _private[key] = private
            warnings.warn(
                f"symconv: cache directory {base} is {reason}; the C library is compiled into "
                f"a private temporary directory {private} for this process instead (set "
                "SYMCONV_CACHE_DIR to a directory only you can write, e.g. chmod go-w)",
                RuntimeWarning, stacklevel=2)
        return _private[key]


def _dims(layer: str) -> int:
    """The number of spatial dimensions of ``layer``, read from its generated C header."""
    found = re.search(r"symconv_column input_size\[(\d)\];", _source(f"{layer}_ops.h"))
    return int(found.group(1)) if found else 1


def _layers(family: str) -> dict[str, int]:
    """The registered layers of ``family`` (from the generated, SymPy-free registry data):
    name -> number of dimensions."""
    return {name: _dims(name) for name, (kind, *_) in _counting.LAYERS.items() if kind == family}


#: The generated C evaluators compiled into the one library (one per registered layer):
#: ``<stem>.c`` and ``<stem>.h`` each.
C_STEMS = tuple(f"{name}_ops" for name in _counting.LAYERS)
#: Every generated file the library is built from, in a fixed order.
C_FILES = tuple(f"{stem}{ext}" for stem in C_STEMS for ext in (".c", ".h"))


def _library_name(cc: list[str], flags: tuple[str, ...]) -> str:
    text = "\0".join([*(f"{name}\0{_source(name)}" for name in C_FILES), *cc, *flags,
                      sys.platform])
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    suffix = ".dll" if sys.platform == "win32" else ".dylib" if sys.platform == "darwin" else ".so"
    return f"symconv_ops-{key}{suffix}"


def _compiler_words(cc: str | list[str] | tuple[str, ...] | None) -> list[str]:
    if cc is None:
        return compiler()
    if isinstance(cc, str):
        words = shlex.split(cc)
    else:
        words = list(cc)
    if not words:
        raise CompilerNotFoundError("empty compiler command")
    path = shutil.which(words[0])
    if not path:
        raise CompilerNotFoundError(f"C compiler {words[0]!r} is not on PATH "
                                    "(set CC to choose one)")
    return [path, *words[1:]]


def _open_checked(path: Path) -> tuple[int, str | None]:
    """Open ``path`` without following a symbolic link; (fd or -1, why it is refused or None)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return -1, "missing"
    except OSError as exc:  # ELOOP: a symbolic link
        return -1, f"cannot be opened ({exc.strerror or exc})"
    reason = _unsafe_file(os.fstat(fd))
    if reason is not None:
        os.close(fd)
        return -1, reason
    return fd, None


def _compile(cc: list[str], flags: tuple[str, ...], out: Path, name: str) -> None:
    """Compile in a private temporary directory inside ``out``; rename the result into ``out``."""
    with tempfile.TemporaryDirectory(dir=out, prefix=".build-") as tmp:  # mode 0700
        for file in C_FILES:
            (Path(tmp) / file).write_text(_source(file), encoding="utf-8")
        partial = Path(tmp) / name
        sources = [f"{stem}.c" for stem in C_STEMS]
        result = subprocess.run([*cc, *flags, *sources, "-o", str(partial)], cwd=tmp,
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise CompileError(f"{shlex.join(cc)} failed on generated/{', '.join(sources)}:\n"
                               f"{result.stderr}")
        os.chmod(partial, 0o755)  # whatever the umask: never group/other-writable
        os.replace(partial, out / name)


def build(out_dir: str | Path | None = None, cc: str | list[str] | None = None,
          flags: tuple[str, ...] | None = None, *, rebuild: bool = False) -> Path:
    """Compile the generated C into a shared library (once per source/compiler/flags); return its path.

    ``out_dir`` defaults to :func:`cache_dir`; an ``out_dir`` given explicitly
    must pass the same check (owned by this user, not writable by group or
    others, not a symbolic link), else :class:`UnsafeCacheError`. ``cc`` is
    a command (a string is split like a shell would; default :func:`compiler`),
    ``flags`` defaults to :data:`CFLAGS`; the library's name is keyed by the
    SHA-256 of the source, the header, the full compiler command and the flags.
    A cached library is reused only if it is a non-empty regular file owned by
    this user and not writable by group or others; otherwise (or with
    ``rebuild=True``) it is compiled again in a private temporary directory
    and renamed into place, so concurrent builds are safe.
    """
    if flags is None:
        flags = CFLAGS
    cc = _compiler_words(cc)
    if out_dir is None:
        out = cache_dir()
    else:
        out = Path(out_dir)
        reason = _unsafe_dir(out)
        if reason is not None:
            raise UnsafeCacheError(f"{out} is {reason}: symconv compiles and loads libraries "
                                   "only in a directory that only you can write")
    lib = out / _library_name(cc, flags)
    if not rebuild:
        fd, reason = _open_checked(lib)
        if fd >= 0:
            os.close(fd)
            return lib
    _compile(cc, flags, out, lib.name)
    return lib


def _load(path: Path) -> ctypes.CDLL:
    """dlopen ``path`` after checking the file it opens (UnsafeCacheError, OSError)."""
    fd, reason = _open_checked(path)
    if fd < 0:
        raise UnsafeCacheError(f"{path} is {reason}; it is not loaded")
    try:
        # Load the very file that was checked: /proc/self/fd/N names the open file itself, so
        # a rename between the check and dlopen cannot substitute another one.
        by_fd = f"/proc/self/fd/{fd}"
        return ctypes.CDLL(by_fd if os.path.exists(by_fd) else str(path))
    finally:
        os.close(fd)


class _Column(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_int64)), ("step", ctypes.c_ssize_t)]


#: Columns of ``symconv_conv1d_columns``, in the header's order.
COLUMNS = (*SIZE_PARAMETERS, "padding", "bias")


class _Columns(ctypes.Structure):
    _fields_ = [(name, _Column) for name in COLUMNS]


def _statuses(header: str) -> dict[str, int]:
    found = {m.group(1).lower(): int(m.group(2))
             for m in re.finditer(r"#define SYMCONV_E_([A-Z_]+) (\d+)", header)}
    missing = (set(RULES) | {"overflow"}) - set(found)
    if missing:
        raise CompileError(f"generated/conv1d_ops.h lacks statuses {sorted(missing)}: regenerate it")
    return found


#: Status code of each class (rule key of symconv.validation.RULES, and 'overflow').
STATUS: dict[str, int] = _statuses(_source("conv1d_ops.h"))
_KEY = {code: key for key, code in STATUS.items()}

_lock = threading.Lock()
_lib: ctypes.CDLL | None = None


def library() -> ctypes.CDLL:
    """The loaded C library (compiled on first use; see :func:`build` and :func:`cache_dir`).

    A cached library that cannot be loaded (empty, truncated: ``file too
    short``) is compiled again and replaced atomically, once.
    """
    global _lib
    with _lock:
        if _lib is None:
            try:
                lib = _load(build())
            except (OSError, UnsafeCacheError):
                path = build(rebuild=True)
                try:
                    lib = _load(path)
                except (OSError, UnsafeCacheError) as exc:
                    raise CompileError(
                        f"the freshly compiled {path} cannot be loaded: {exc}") from None
            i64, p64 = ctypes.c_int64, ctypes.POINTER(ctypes.c_int64)
            lib.symconv_conv1d_output_length.argtypes = [i64] * 5 + [p64]
            lib.symconv_conv1d_output_length.restype = ctypes.c_int
            lib.symconv_conv1d_ops.argtypes = [i64] * 9 + [ctypes.c_int, p64]
            lib.symconv_conv1d_ops.restype = ctypes.c_int
            lib.symconv_strerror.argtypes = [ctypes.c_int]
            lib.symconv_strerror.restype = ctypes.c_char_p
            lib.symconv_conv1d_ops_batch.argtypes = [
                ctypes.c_size_t, ctypes.POINTER(_Columns), p64, p64, ctypes.POINTER(ctypes.c_int)]
            lib.symconv_conv1d_ops_batch.restype = ctypes.c_size_t
            for layer, dims in _ND.items():
                arr = ctypes.c_int64 * dims
                size_fn = getattr(lib, f"symconv_{layer}_output_size")
                size_fn.argtypes = [arr] * 5 + [arr]
                size_fn.restype = ctypes.c_int
                ops_fn = getattr(lib, f"symconv_{layer}_ops")
                ops_fn.argtypes = [i64] * 3 + [arr] * 5 + [i64, ctypes.c_int, p64]
                ops_fn.restype = ctypes.c_int
                batch_fn = getattr(lib, f"symconv_{layer}_ops_batch")
                batch_fn.argtypes = [ctypes.c_size_t, ctypes.POINTER(_nd_columns(dims)), p64, p64,
                                     ctypes.POINTER(ctypes.c_int)]
                batch_fn.restype = ctypes.c_size_t
            for layer, dims in _TRANSPOSED.items():
                arg = i64 if dims == 1 else ctypes.c_int64 * dims
                size_fn = getattr(lib, f"symconv_{layer}_{_OUTPUT[dims]}")
                size_fn.argtypes = [arg] * 6 + [p64 if dims == 1 else arg]
                size_fn.restype = ctypes.c_int
                ops_fn = getattr(lib, f"symconv_{layer}_ops")
                ops_fn.argtypes = [i64] * 3 + [arg] * 6 + [i64, ctypes.c_int, p64]
                ops_fn.restype = ctypes.c_int
                batch_fn = getattr(lib, f"symconv_{layer}_ops_batch")
                batch_fn.argtypes = [ctypes.c_size_t, ctypes.POINTER(_transposed_columns(dims)),
                                     p64, p64, ctypes.POINTER(ctypes.c_int)]
                batch_fn.restype = ctypes.c_size_t
            _lib = lib
        return _lib


def strerror(status: int) -> str:
    """``symconv_strerror(status)``: the rule text of a status."""
    return library().symconv_strerror(status).decode("ascii")


# --- scalars --------------------------------------------------------------------------
#
# The exact evaluator (symconv.conv1d_ops, generated/conv1d_ops.py) words every refusal: its
# per-value checks normalize the arguments, in its order (1-tuples, NumPy scalars, bool, ...);
# a value outside int64 gets its error, or OverflowError naming the value if it counts the
# configuration; C decides the rest, and a non-zero status is worded by the exact evaluator
# on the same arguments, which must name the same rule. So every message is symconv.conv1d_ops's.

_MAX = 2**63 - 1
_LENGTH_SIZES = ("input_length", "kernel_size", "stride", "dilation")


def _refusal(status: int, args: dict[str, Any], with_ops: bool = True) -> Exception:
    """The exception for a non-zero C status: the exact evaluator's, for the same arguments."""
    exc = _exact._refusal(args, with_ops)
    if exc.rule != _KEY.get(status):
        return RuntimeError(f"the C evaluator says {_KEY.get(status, status)!r} but the exact "
                            f"evaluator says {exc.rule!r} for {args!r}; please report this")
    return exc.with_traceback(None)


def _scalars(args: dict[str, Any], with_ops: bool) -> dict[str, int]:
    """The C arguments (padding -1 for 'same'), by the exact evaluator's per-value checks; raises
    its error, or OverflowError for a value that int64 cannot hold."""
    c = {}
    for name in SIZE_PARAMETERS if with_ops else _LENGTH_SIZES:
        value = args[name]
        c[name] = _exact._size(name, 1 if value is None and name == "batch_size" else value)
    pad = _exact._padding(args["padding"])
    c["padding"] = PADDING_SAME if pad is _exact._SAME else pad
    if with_ops:
        c["bias"] = _exact._bias(args["bias"])
    if any(v > _MAX for v in c.values()):
        raise _exact._refusal(args, with_ops).with_traceback(None)
    return c


def conv1d_output_length(input_length: int, kernel_size: int, stride: int = 1,
                         padding: int | str = 0, dilation: int = 1) -> int:
    """``symconv.conv1d_output_length`` computed by the C library (``OverflowError`` beyond int64)."""
    args = dict(input_length=input_length, kernel_size=kernel_size, stride=stride,
                padding=padding, dilation=dilation)
    c = _scalars(args, False)
    out = ctypes.c_int64()
    status = library().symconv_conv1d_output_length(
        c["input_length"], c["kernel_size"], c["stride"], c["padding"], c["dilation"],
        ctypes.byref(out))
    if status:
        raise _refusal(status, args, False)
    return out.value


def conv1d_ops(batch_size: int | None, in_channels: int, out_channels: int, input_length: int,
               kernel_size: int, stride: int = 1, padding: int | str = 0, dilation: int = 1,
               groups: int = 1, bias: bool = True) -> int:
    """``symconv.conv1d_ops`` computed by the C library (``OverflowError`` beyond int64)."""
    if batch_size is None:
        batch_size = 1
    out = ctypes.c_int64()
    if (type(batch_size) is int and type(in_channels) is int and type(out_channels) is int
            and type(input_length) is int and type(kernel_size) is int and type(stride) is int
            and type(padding) is int and type(dilation) is int and type(groups) is int
            and type(bias) is bool
            and (batch_size | in_channels | out_channels | input_length | kernel_size | stride
                 | padding | dilation | groups) >> 63 == 0):
        # fast path: plain ints in [0, 2**63) go straight to C (ctypes would wrap the others; a
        # negative one makes the OR negative, one of 2**63 or more makes it >= 2**63)
        status = (_lib or library()).symconv_conv1d_ops(
            batch_size, in_channels, out_channels, input_length, kernel_size, stride, padding,
            dilation, groups, bias, ctypes.byref(out))
        if status == 0:
            return out.value
    args = dict(batch_size=batch_size, in_channels=in_channels, out_channels=out_channels,
                input_length=input_length, kernel_size=kernel_size, stride=stride,
                padding=padding, dilation=dilation, groups=groups, bias=bias)
    c = _scalars(args, True)
    status = library().symconv_conv1d_ops(
        c["batch_size"], c["in_channels"], c["out_channels"], c["input_length"],
        c["kernel_size"], c["stride"], c["padding"], c["dilation"], c["groups"], c["bias"],
        ctypes.byref(out))
    if status:
        raise _refusal(status, args)
    return out.value


# --- NumPy batches --------------------------------------------------------------------
#
# The inputs are read by the generated NumPy evaluator's own functions (the same forms are
# accepted, the same column errors raised). Rows the exact evaluator must judge (a value int64
# cannot hold, an unknown padding string, a bias that is no boolean, ...) go to C with harmless
# values and get their status from the exact evaluator. -1 in a padding column is a negative
# padding, as everywhere in Python: only the C ABI spells 'same' as SYMCONV_PADDING_SAME.

def _numpy():
    from ._generated import conv1d_ops_numpy

    return conv1d_ops_numpy


def _columns(np, args: dict[str, Any]):
    """(C columns by name, rows for the exact evaluator or None, values as given, shape)."""
    env, same, bad, given, shape = _numpy()._inputs(args, True)
    pad = env["padding"]
    if pad.size and pad.min() < 0:  # a negative padding, never the C value of 'same'
        pad = np.where(pad == PADDING_SAME, PADDING_SAME - 1, pad)
    if same is not None:
        pad = np.where(same, PADDING_SAME, pad)
    cols = {name: env[name] for name in SIZE_PARAMETERS}
    cols["padding"], cols["bias"] = pad, env["b"]
    return cols, bad, given, shape


def _threads(threads: int | None, n: int) -> int:
    if threads is None:  # all cores for large batches; one thread per 2**16 rows at least
        threads = os.cpu_count() or 1
    return max(1, min(threads, n >> 16))


def conv1d_batch(batch_size, in_channels, out_channels, input_length, kernel_size, stride=1,
                 padding=0, dilation=1, groups=1, bias=True, *, threads: int | None = None,
                 lengths: bool = True):
    """Every row through the C batch function: ``(length, ops, status)`` int arrays.

    Inputs broadcast together and take the forms of the NumPy evaluator
    (``padding``: ints >= 0, ``'same'``, ``'valid'``, or arrays of those; -1 is a
    negative padding, status ``padding_negative``, not 'same'). ``length`` and
    ``ops`` are 0 where ``status`` is not 0 (:data:`STATUS`, :func:`strerror`);
    ``length`` is None with ``lengths=False``. A row with a value outside int64
    gets the status of the exact evaluator's rule, else ``overflow``. A column of
    the wrong dtype, or shapes that do not broadcast, raise as in the NumPy
    evaluator (nothing to give a status to). Rows are
    split over ``threads`` threads (default: every core for batches of 2**17
    rows and more; ctypes releases the GIL during the call), each running the C
    loop on its own slice.
    """
    return _batch(dict(batch_size=batch_size, in_channels=in_channels, out_channels=out_channels,
                       input_length=input_length, kernel_size=kernel_size, stride=stride,
                       padding=padding, dilation=dilation, groups=groups, bias=bias),
                  threads, lengths)[:3]


def _batch(args, threads, lengths):
    """:func:`conv1d_batch` plus the number of failed rows, the values as given and the shape."""
    import numpy as np

    cols, bad, given, shape = _columns(np, args)
    n = int(np.prod(shape, dtype=np.int64))
    keep = []
    steps = {}
    for name, a in cols.items():
        if a.size == 1:
            a = np.ascontiguousarray(a.reshape(1))
            steps[name] = 0
        else:
            if a.shape != shape or not a.flags.c_contiguous:
                a = np.ascontiguousarray(np.broadcast_to(a, shape))
            steps[name] = 1
        cols[name] = a
        keep.append(a)
    length = np.empty(shape, dtype=np.int64) if lengths else None
    ops = np.empty(shape, dtype=np.int64)
    status = np.empty(shape, dtype=np.intc)
    lib = library()
    p64 = ctypes.POINTER(ctypes.c_int64)

    failures = []

    def run(start: int, stop: int) -> None:
        spec = _Columns()
        for name in COLUMNS:
            a = cols[name]
            offset = start * steps[name] * 8
            setattr(spec, name, _Column(ctypes.cast(a.ctypes.data + offset, p64), steps[name]))
        failures.append(lib.symconv_conv1d_ops_batch(
            stop - start, ctypes.byref(spec),
            None if length is None else ctypes.cast(length.ctypes.data + start * 8, p64),
            ctypes.cast(ops.ctypes.data + start * 8, p64),
            ctypes.cast(status.ctypes.data + start * ctypes.sizeof(ctypes.c_int),
                        ctypes.POINTER(ctypes.c_int))))

    threads = _threads(threads, n)
    if threads == 1:
        run(0, n)
    else:
        bounds = [n * i // threads for i in range(threads + 1)]
        workers = [threading.Thread(target=run, args=(a, b)) for a, b in zip(bounds, bounds[1:])]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    del keep
    failed = sum(failures)
    if bad is not None:  # rows C saw with harmless values: the exact evaluator's status
        flat_status = status.reshape(-1)
        for flat in np.flatnonzero(bad.reshape(-1)):
            rule = _numpy()._refuse(int(flat), shape, given, True).rule
            failed += flat_status[flat] == 0
            flat_status[flat] = STATUS[rule]
    if failed:  # outputs of failed rows are left untouched by C: make them 0
        bad_rows = status != 0
        ops[bad_rows] = 0
        if length is not None:
            length[bad_rows] = 0
    return length, ops, status, int(failed), given, shape


def conv1d_ops_array(batch_size, in_channels, out_channels, input_length, kernel_size, stride=1,
                     padding=0, dilation=1, groups=1, bias=True, *, threads: int | None = None):
    """Counts of every row (int64 array) by the C batch function; raises for the first bad row.

    The error is the generated NumPy evaluator's (the exact evaluator's for that row, prefixed
    by ``row R:``), and the C status of the row must name the same rule.
    """
    import numpy as np

    _, ops, status, failed, given, shape = _batch(
        dict(batch_size=batch_size, in_channels=in_channels, out_channels=out_channels,
             input_length=input_length, kernel_size=kernel_size, stride=stride, padding=padding,
             dilation=dilation, groups=groups, bias=bias), threads, False)
    if failed:
        flat = int(np.argmax(status.reshape(-1) != 0))
        code = int(status.reshape(-1)[flat])
        exc = _numpy()._refuse(flat, shape, given, True)
        if exc.rule != _KEY.get(code):
            raise RuntimeError(f"row {flat}: the C evaluator says {_KEY.get(code, code)!r} but the "
                               f"exact evaluator says {exc.rule!r}; please report this")
        raise exc
    return ops


# --- Conv2d and Conv3d ------------------------------------------------------------------
#
# generated/conv2d_ops.c and conv3d_ops.c take per-dimension arrays; 'same' is every padding
# element SYMCONV_PADDING_SAME. As for Conv1d, the exact evaluator (symconv.conv2d_ops, ...)
# words every refusal: its per-value checks run first, in its order; C decides the rest and a
# non-zero status must name the rule the exact evaluator names for the same arguments.

#: Layers with several spatial dimensions in the library: name -> number of dimensions.
_ND = {name: dims for name, dims in _layers("convolution").items() if dims > 1}
_ND_COLUMN_TYPES: dict[int, type] = {}


def _nd_columns(dims: int) -> type:
    """``symconv_conv<n>d_columns`` as a ctypes structure (the header's order)."""
    if dims not in _ND_COLUMN_TYPES:
        fields = [("batch_size", _Column), ("in_channels", _Column), ("out_channels", _Column)]
        fields += [(name, _Column * dims)
                   for name in ("input_size", "kernel_size", "stride", "padding", "dilation")]
        fields += [("groups", _Column), ("bias", _Column)]
        _ND_COLUMN_TYPES[dims] = type(f"_Columns{dims}d", (ctypes.Structure,), {"_fields_": fields})
    return _ND_COLUMN_TYPES[dims]


def _exact_nd(layer: str):
    import importlib

    return importlib.import_module(f"symconv._generated.{layer}_ops")


def _nd_scalars(layer: str, args: dict[str, Any], with_ops: bool) -> dict[str, Any]:
    """The C arguments, by the exact evaluator's per-value checks in its order (its error first);
    OverflowError (the exact evaluator's wording) for a value that int64 cannot hold."""
    ex = _exact_nd(layer)
    c: dict[str, Any] = {}
    if with_ops:
        batch = args["batch_size"]
        c["batch_size"] = 1 if batch is None else ex._positive("batch_size", batch)
        c["in_channels"] = ex._positive("in_channels", args["in_channels"])
        c["out_channels"] = ex._positive("out_channels", args["out_channels"])
    c["input_size"] = ex._input_size(args["input_size"])
    for name in ("kernel_size", "stride", "dilation"):
        c[name] = ex._per_dimension(name, args[name])
    if with_ops:
        c["groups"] = ex._positive("groups", args["groups"])
    pad = ex._padding(args["padding"])
    c["padding"] = (PADDING_SAME,) * _ND[layer] if pad is ex._SAME else pad
    if with_ops:
        bias = args["bias"]
        c["bias"] = 1 if bias is True else 0 if bias is False else ex._bias(bias)
    if any(v > _MAX for value in c.values()
           for v in (value if isinstance(value, tuple) else (value,))):
        raise ex._refusal(args, with_ops).with_traceback(None)
    return c


def _nd_refusal(layer: str, status: int, args: dict[str, Any], with_ops: bool) -> Exception:
    exc = _exact_nd(layer)._refusal(args, with_ops)
    if exc.rule != _KEY.get(status):
        return RuntimeError(f"the C evaluator says {_KEY.get(status, status)!r} but the exact "
                            f"evaluator says {exc.rule!r} for {args!r}; please report this")
    return exc.with_traceback(None)


def _nd_output_size(layer: str, args: dict[str, Any]) -> tuple[int, ...]:
    c = _nd_scalars(layer, args, False)
    arr = ctypes.c_int64 * _ND[layer]
    out = arr()
    status = getattr(library(), f"symconv_{layer}_output_size")(
        arr(*c["input_size"]), arr(*c["kernel_size"]), arr(*c["stride"]), arr(*c["padding"]),
        arr(*c["dilation"]), out)
    if status:
        raise _nd_refusal(layer, status, args, False)
    return tuple(out)


def _nd_ops(layer: str, args: dict[str, Any]) -> int:
    c = _nd_scalars(layer, args, True)
    arr = ctypes.c_int64 * _ND[layer]
    out = ctypes.c_int64()
    status = getattr(library(), f"symconv_{layer}_ops")(
        c["batch_size"], c["in_channels"], c["out_channels"], arr(*c["input_size"]),
        arr(*c["kernel_size"]), arr(*c["stride"]), arr(*c["padding"]), arr(*c["dilation"]),
        c["groups"], c["bias"], ctypes.byref(out))
    if status:
        raise _nd_refusal(layer, status, args, True)
    return out.value


def conv2d_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """``symconv.conv2d_output_size`` computed by the C library (``OverflowError`` beyond int64)."""
    return _nd_output_size("conv2d", dict(input_size=input_size, kernel_size=kernel_size,
                                          stride=stride, padding=padding, dilation=dilation))


def conv3d_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """``symconv.conv3d_output_size`` computed by the C library (``OverflowError`` beyond int64)."""
    return _nd_output_size("conv3d", dict(input_size=input_size, kernel_size=kernel_size,
                                          stride=stride, padding=padding, dilation=dilation))


def conv2d_ops(batch_size, in_channels, out_channels, input_size, kernel_size, stride=1,
               padding=0, dilation=1, groups=1, bias=True) -> int:
    """``symconv.conv2d_ops`` computed by the C library: the same errors, plus ``OverflowError``
    where a value, the count or an intermediate does not fit in int64."""
    return _nd_ops("conv2d", dict(batch_size=batch_size, in_channels=in_channels,
                                  out_channels=out_channels, input_size=input_size,
                                  kernel_size=kernel_size, stride=stride, padding=padding,
                                  dilation=dilation, groups=groups, bias=bias))


def conv3d_ops(batch_size, in_channels, out_channels, input_size, kernel_size, stride=1,
               padding=0, dilation=1, groups=1, bias=True) -> int:
    """``symconv.conv3d_ops`` computed by the C library: the same errors, plus ``OverflowError``
    where a value, the count or an intermediate does not fit in int64."""
    return _nd_ops("conv3d", dict(batch_size=batch_size, in_channels=in_channels,
                                  out_channels=out_channels, input_size=input_size,
                                  kernel_size=kernel_size, stride=stride, padding=padding,
                                  dilation=dilation, groups=groups, bias=bias))


def nd_batch(layer: str, batch_size, in_channels, out_channels, input_size, kernel_size,
             stride=1, padding=0, dilation=1, groups=1, bias=True):
    """Every row of ``layer`` (``"conv2d"``, ``"conv3d"``) through its C batch function, without
    raising: ``(sizes, ops, status)`` with ``sizes`` of shape ``shape + (dims,)``.

    Inputs take the forms of the generated NumPy evaluator (per-dimension tuples of ints or
    arrays; -1 is a negative padding, not 'same'); ``sizes`` and ``ops`` are 0 where ``status``
    is not 0 (:data:`STATUS`). A row with a value the exact evaluator must judge (outside
    int64, not an integer, ...) gets the status of the exact evaluator's rule, else overflow.
    """
    import importlib

    import numpy as np

    npmod = importlib.import_module(f"symconv._generated.{layer}_ops_numpy")
    args = dict(batch_size=batch_size, in_channels=in_channels, out_channels=out_channels,
                input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
                dilation=dilation, groups=groups, bias=bias)
    env, same, judge, given, shape = npmod._inputs(args, True)
    dims = _ND[layer]
    suffixes = npmod._SUFFIXES
    n = int(np.prod(shape, dtype=np.int64))

    def col(a):
        return np.ascontiguousarray(np.broadcast_to(a, shape), dtype=np.int64).reshape(-1)

    pads = []
    for x in suffixes:
        pad = col(env[f"padding_{x}"])
        pad = np.where(pad == PADDING_SAME, PADDING_SAME - 1, pad)  # -1: negative, not 'same'
        if same is not None:
            pad = np.where(col(same), PADDING_SAME, pad)
        pads.append(np.ascontiguousarray(pad))
    keep = {
        "batch_size": col(env["batch_size"]), "in_channels": col(env["in_channels"]),
        "out_channels": col(env["out_channels"]), "groups": col(env["groups"]),
        "bias": col(env["b"]),
        "input_size": [col(env[f"input_{x}"]) for x in suffixes],
        "kernel_size": [col(env[f"kernel_{x}"]) for x in suffixes],
        "stride": [col(env[f"stride_{x}"]) for x in suffixes],
        "dilation": [col(env[f"dilation_{x}"]) for x in suffixes],
        "padding": pads,
    }
    p64 = ctypes.POINTER(ctypes.c_int64)

    def column(a):
        return _Column(ctypes.cast(a.ctypes.data, p64), 1)

    spec = _nd_columns(dims)()
    for name, a in keep.items():
        if isinstance(a, list):
            field = getattr(spec, name)
            for k in range(dims):
                field[k] = column(a[k])
        else:
            setattr(spec, name, column(a))
    sizes = np.zeros((n, dims), dtype=np.int64)
    ops = np.zeros(n, dtype=np.int64)
    status = np.zeros(n, dtype=np.intc)
    getattr(library(), f"symconv_{layer}_ops_batch")(
        n, ctypes.byref(spec), ctypes.cast(sizes.ctypes.data, p64),
        ctypes.cast(ops.ctypes.data, p64), ctypes.cast(status.ctypes.data,
                                                       ctypes.POINTER(ctypes.c_int)))
    for flat in np.flatnonzero(judge.reshape(-1)):
        status[flat] = STATUS[npmod._refuse(int(flat), shape, given, True).rule]
    bad = status != 0
    ops[bad] = 0
    sizes[bad] = 0
    return sizes.reshape(*shape, dims), ops.reshape(shape), status.reshape(shape)


# --- transposed convolutions ------------------------------------------------------------
#
# The same shape as the forward layers': the exact evaluator (symconv.conv_transpose<n>d_ops,
# generated/conv_transpose<n>d_ops.py) checks and normalizes the arguments first, in its order,
# and words every refusal; a value beyond int64 is refused before the C call (OverflowError);
# C counts, and its only status left for valid arguments is overflow (OverflowError), another
# one is a disagreement, reported as such.

#: Transposed layers in the library: name -> number of dimensions.
_TRANSPOSED = _layers("transposed")
_OUTPUT = {1: "output_length", 2: "output_size", 3: "output_size"}
_TRANSPOSED_COLUMN_TYPES: dict[int, type] = {}
_TRANSPOSED_AXES = ("input_size", "kernel_size", "stride", "padding", "output_padding",
                    "dilation")


def _transposed_statuses() -> dict[str, int]:
    found = {}
    for header in ("conv1d_ops.h", f"{next(iter(_TRANSPOSED))}_ops.h"):
        found.update({m.group(1).lower(): int(m.group(2)) for m in re.finditer(
            r"#define SYMCONV_E_([A-Z_]+) (\d+)", _source(header))})
    return found


#: Status code of each rule of the transposed layers (symconv.convtranspose.RULES keys, and
#: 'overflow'), read from the generated headers (the forward layers' codes where shared).
TRANSPOSED_STATUS: dict[str, int] = _transposed_statuses()
_TRANSPOSED_KEY = {code: key for key, code in TRANSPOSED_STATUS.items()}


def _transposed_columns(dims: int) -> type:
    """``symconv_conv_transpose<n>d_columns`` as a ctypes structure (the header's order)."""
    if dims not in _TRANSPOSED_COLUMN_TYPES:
        per = _Column * dims if dims > 1 else _Column
        fields = [("batch_size", _Column), ("in_channels", _Column), ("out_channels", _Column)]
        fields += [("input_length" if (dims == 1 and name == "input_size") else name, per)
                   for name in _TRANSPOSED_AXES]
        fields += [("groups", _Column), ("bias", _Column)]
        _TRANSPOSED_COLUMN_TYPES[dims] = type(f"_TransposedColumns{dims}d", (ctypes.Structure,),
                                              {"_fields_": fields})
    return _TRANSPOSED_COLUMN_TYPES[dims]


def _transposed_call(layer: str, args: dict[str, Any], with_ops: bool):
    """The C call for a transposed layer: the exact evaluator's checks first (its errors), a
    value beyond int64 refused, then C; OverflowError where the result or an intermediate does
    not fit in int64."""
    import importlib

    ex = importlib.import_module(f"symconv._generated.{layer}_ops")
    dims = _TRANSPOSED[layer]
    sizes_name = "input_length" if dims == 1 else "input_size"
    v = ex.validate(dims, args.get("batch_size"), args.get("in_channels"),
                    args.get("out_channels"), args[sizes_name], args["kernel_size"],
                    args["stride"], args["padding"], args["output_padding"], args["dilation"],
                    args.get("groups"), args.get("bias", True))
    what = f"symconv.{layer}_ops" if with_ops else f"symconv.{layer}_{_OUTPUT[dims]}"
    values = [v[name] for name in ("batch_size", "in_channels", "out_channels", "groups")
              if with_ops] + [x for name in _TRANSPOSED_AXES for x in v[name]]
    if any(x > _MAX for x in values):
        raise OverflowError(f"{what}: a value does not fit in a signed 64-bit integer "
                            f"(the C library takes int64; {what} counts it exactly)")
    per = [v[name][0] if dims == 1 else (ctypes.c_int64 * dims)(*v[name])
           for name in _TRANSPOSED_AXES]
    lib = library()
    if with_ops:
        out = ctypes.c_int64()
        status = getattr(lib, f"symconv_{layer}_ops")(
            v["batch_size"], v["in_channels"], v["out_channels"], *per, v["groups"],
            int(v["bias"]), ctypes.byref(out))
        result: Any = out.value
    else:
        out_arr = ctypes.c_int64() if dims == 1 else (ctypes.c_int64 * dims)()
        status = getattr(lib, f"symconv_{layer}_{_OUTPUT[dims]}")(
            *per, ctypes.byref(out_arr) if dims == 1 else out_arr)
        result = out_arr.value if dims == 1 else tuple(out_arr)
    if status == TRANSPOSED_STATUS["overflow"]:
        raise OverflowError(f"{what}: the result or an intermediate does not fit in a signed "
                            f"64-bit integer ({what} counts it exactly)")
    if status:
        raise RuntimeError(f"the C evaluator says {_TRANSPOSED_KEY.get(status, status)!r} for "
                           f"{args!r}, which the exact evaluator accepts; please report this")
    return result


def conv_transpose1d_output_length(input_length, kernel_size, stride=1, padding=0,
                                   output_padding=0, dilation=1) -> int:
    """``symconv.conv_transpose1d_output_length`` computed by the C library (``OverflowError``
    beyond int64)."""
    return _transposed_call("conv_transpose1d", dict(
        input_length=input_length, kernel_size=kernel_size, stride=stride, padding=padding,
        output_padding=output_padding, dilation=dilation), False)


def conv_transpose2d_output_size(input_size, kernel_size, stride=1, padding=0, output_padding=0,
                                 dilation=1) -> tuple[int, ...]:
    """``symconv.conv_transpose2d_output_size`` computed by the C library."""
    return _transposed_call("conv_transpose2d", dict(
        input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
        output_padding=output_padding, dilation=dilation), False)


def conv_transpose3d_output_size(input_size, kernel_size, stride=1, padding=0, output_padding=0,
                                 dilation=1) -> tuple[int, ...]:
    """``symconv.conv_transpose3d_output_size`` computed by the C library."""
    return _transposed_call("conv_transpose3d", dict(
        input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
        output_padding=output_padding, dilation=dilation), False)


def conv_transpose1d_ops(batch_size, in_channels, out_channels, input_length, kernel_size,
                         stride=1, padding=0, output_padding=0, dilation=1, groups=1,
                         bias=True) -> int:
    """``symconv.conv_transpose1d_ops`` computed by the C library: the same errors, plus
    ``OverflowError`` where a value, the count or an intermediate does not fit in int64."""
    return _transposed_call("conv_transpose1d", dict(
        batch_size=batch_size, in_channels=in_channels, out_channels=out_channels,
        input_length=input_length, kernel_size=kernel_size, stride=stride, padding=padding,
        output_padding=output_padding, dilation=dilation, groups=groups, bias=bias), True)


def conv_transpose2d_ops(batch_size, in_channels, out_channels, input_size, kernel_size,
                         stride=1, padding=0, output_padding=0, dilation=1, groups=1,
                         bias=True) -> int:
    """``symconv.conv_transpose2d_ops`` computed by the C library (see
    :func:`conv_transpose1d_ops`)."""
    return _transposed_call("conv_transpose2d", dict(
        batch_size=batch_size, in_channels=in_channels, out_channels=out_channels,
        input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
        output_padding=output_padding, dilation=dilation, groups=groups, bias=bias), True)


def conv_transpose3d_ops(batch_size, in_channels, out_channels, input_size, kernel_size,
                         stride=1, padding=0, output_padding=0, dilation=1, groups=1,
                         bias=True) -> int:
    """``symconv.conv_transpose3d_ops`` computed by the C library (see
    :func:`conv_transpose1d_ops`)."""
    return _transposed_call("conv_transpose3d", dict(
        batch_size=batch_size, in_channels=in_channels, out_channels=out_channels,
        input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
        output_padding=output_padding, dilation=dilation, groups=groups, bias=bias), True)


def transposed_batch(layer: str, batch_size, in_channels, out_channels, input_size, kernel_size,
                     stride=1, padding=0, output_padding=0, dilation=1, groups=1, bias=True):
    """Every row of ``layer`` (``"conv_transpose1d"``, ``"conv_transpose2d"``,
    ``"conv_transpose3d"``) through its C batch function, without raising: ``(sizes, ops,
    status)`` with ``sizes`` of shape ``shape + (dims,)``.

    Integer arrays (or ints) that broadcast together; a per-dimension parameter of a 2d or
    3d layer is an int or array for every dimension or a tuple of one per dimension
    (``input_size`` a tuple of one per dimension). ``sizes`` and ``ops`` are 0 where
    ``status`` is not 0 (:data:`TRANSPOSED_STATUS`: the key of the rule broken, or overflow).
    ``bias`` is 0/1 or bool. Values that int64 cannot hold raise ``OverflowError`` (NumPy's
    conversion), non-integers ``TypeError``.
    """
    import numpy as np

    if layer not in _TRANSPOSED:
        raise ValueError(f"layer={layer!r}: choose one of {', '.join(_TRANSPOSED)}")
    dims = _TRANSPOSED[layer]

    def integers(name, value):
        a = np.asarray(value)
        if a.dtype == object:
            a = np.asarray(value, dtype=np.int64)  # Python ints: OverflowError beyond int64
        if a.dtype.kind == "b":
            a = a.astype(np.int64)
        if a.dtype.kind not in "iu":
            raise TypeError(f"{name} must be integers, got an array of {a.dtype}")
        if a.dtype.kind == "u" and a.size and a.max() > _MAX:
            raise OverflowError(f"{name}: a value does not fit in a signed 64-bit integer")
        return a.astype(np.int64)

    def per_dim(name, value):
        if isinstance(value, (tuple, list)) and dims > 1:
            if len(value) != dims:
                raise ValueError(f"{name}={value!r}: {layer} takes one value or {dims}")
            return [integers(name, x) for x in value]
        if name == "input_size" and dims > 1:
            raise ValueError(f"input_size must be a tuple of {dims} sizes (one per dimension)")
        return [integers(name, value)] * dims

    flat = {name: integers(name, value) for name, value in (
        ("batch_size", 1 if batch_size is None else batch_size), ("in_channels", in_channels),
        ("out_channels", out_channels), ("groups", groups), ("bias", bias))}
    axes = {name: per_dim(name, value) for name, value in zip(_TRANSPOSED_AXES, (
        input_size, kernel_size, stride, padding, output_padding, dilation))}
    everything = list(flat.values()) + [a for values in axes.values() for a in values]
    shape = np.broadcast_shapes(*(a.shape for a in everything))
    n = int(np.prod(shape, dtype=np.int64))

    def col(a):
        return np.ascontiguousarray(np.broadcast_to(a, shape), dtype=np.int64).reshape(-1)

    keep = {name: col(a) for name, a in flat.items()}
    keep.update({name: [col(a) for a in values] for name, values in axes.items()})
    p64 = ctypes.POINTER(ctypes.c_int64)

    def column(a):
        return _Column(ctypes.cast(a.ctypes.data, p64), 1)

    spec = _transposed_columns(dims)()
    for name, a in keep.items():
        if isinstance(a, list):
            field = "input_length" if (dims == 1 and name == "input_size") else name
            if dims == 1:
                setattr(spec, field, column(a[0]))
            else:
                target = getattr(spec, field)
                for k in range(dims):
                    target[k] = column(a[k])
        else:
            setattr(spec, name, column(a))
    sizes = np.zeros((n, dims), dtype=np.int64)
    ops = np.zeros(n, dtype=np.int64)
    status = np.zeros(n, dtype=np.intc)
    getattr(library(), f"symconv_{layer}_ops_batch")(
        n, ctypes.byref(spec), ctypes.cast(sizes.ctypes.data, p64),
        ctypes.cast(ops.ctypes.data, p64), ctypes.cast(status.ctypes.data,
                                                       ctypes.POINTER(ctypes.c_int)))
    bad = status != 0
    ops[bad] = 0
    sizes[bad] = 0
    return sizes.reshape(*shape, dims), ops.reshape(shape), status.reshape(shape)
