"""The generated C evaluator, compiled on first use and called through ctypes.

``generated/conv1d_ops.c`` (package data of ``symconv._generated``) is
compiled with the system C compiler (``$CC``, else ``cc``, ``gcc`` or
``clang``) into a shared library in a cache directory
(``$SYMCONV_CACHE_DIR``, else ``$XDG_CACHE_HOME/symconv``, else
``~/.cache/symconv``, else a temporary directory), under a name keyed by the
SHA-256 of the source, the header, the compiler and the flags: a changed
source is recompiled, an unchanged one is loaded. The library is written
under a temporary name and renamed into place, so concurrent first uses are
safe. Without a compiler, :class:`CompilerNotFoundError` says so.

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

import ctypes
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from importlib import resources
from pathlib import Path
from typing import Any

from ._generated import conv1d_ops as _exact
from .validation import RULES, SIZE_PARAMETERS

__all__ = ["CompilerNotFoundError", "CompileError", "compiler", "library", "strerror",
           "STATUS", "conv1d_ops", "conv1d_output_length", "conv1d_ops_array", "conv1d_batch",
           "PADDING_SAME"]

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


def compiler() -> str:
    """The C compiler to use: ``$CC``, else the first of cc, gcc, clang on PATH."""
    candidates = [os.environ["CC"]] if os.environ.get("CC") else ["cc", "gcc", "clang"]
    for name in candidates:
        path = shutil.which(name)
        if path:
            return path
    raise CompilerNotFoundError(
        "symconv's C backend compiles generated/conv1d_ops.c on first use and needs a C "
        f"compiler, but none of {', '.join(candidates)} is on PATH (set CC to choose one). "
        "Install one (e.g. gcc), or use symconv.conv1d_ops (pure Python, exact).")


def cache_dir() -> Path:
    """Where compiled libraries are kept (created if needed)."""
    if os.environ.get("SYMCONV_CACHE_DIR"):
        base = Path(os.environ["SYMCONV_CACHE_DIR"])
    elif os.environ.get("XDG_CACHE_HOME"):
        base = Path(os.environ["XDG_CACHE_HOME"]) / "symconv"
    else:
        base = Path.home() / ".cache" / "symconv"
    try:
        base.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=base, delete=True)
        probe.close()
        return base
    except OSError:
        fallback = Path(tempfile.gettempdir()) / f"symconv-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


def build(out_dir: str | Path | None = None, cc: str | None = None,
          flags: tuple[str, ...] | None = None) -> Path:
    """Compile the generated C into a shared library (once per source/compiler/flags); return its path.

    ``flags`` defaults to :data:`CFLAGS`.
    """
    if flags is None:
        flags = CFLAGS
    source, header = _source("conv1d_ops.c"), _source("conv1d_ops.h")
    cc = cc or compiler()
    key = hashlib.sha256("\0".join([source, header, cc, *flags, sys.platform]).encode()).hexdigest()[:16]
    out = Path(out_dir) if out_dir is not None else cache_dir()
    suffix = ".dll" if sys.platform == "win32" else ".dylib" if sys.platform == "darwin" else ".so"
    lib = out / f"symconv_conv1d_ops-{key}{suffix}"
    if lib.exists():
        return lib
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        (Path(tmp) / "conv1d_ops.c").write_text(source, encoding="utf-8")
        (Path(tmp) / "conv1d_ops.h").write_text(header, encoding="utf-8")
        partial = Path(tmp) / lib.name
        result = subprocess.run([cc, *flags, "conv1d_ops.c", "-o", str(partial)], cwd=tmp,
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise CompileError(f"{cc} failed on generated/conv1d_ops.c:\n{result.stderr}")
        os.replace(partial, lib)
    return lib


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
    """The loaded C library (compiled on first use)."""
    global _lib
    with _lock:
        if _lib is None:
            lib = ctypes.CDLL(str(build()))
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
