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
  and errors of :func:`symconv.conv1d_ops` (the C status mapped to
  ``TypeError``/``ValueError`` with the rule text from ``symconv_strerror``),
  plus ``OverflowError`` where the count does not fit in int64.
* :func:`conv1d_ops_array` — NumPy arrays that broadcast together, through
  the C batch function; raises for the first bad row like the generated
  NumPy evaluator.
* :func:`conv1d_batch` — the same without raising: ``(length, ops,
  status)`` arrays, one status per row, for sweeps that expect bad rows.

Status codes are read from the generated header, so this module and the
compiled library cannot disagree.
"""

from __future__ import annotations

import ctypes
import hashlib
import operator
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

def _int(name: str, value: Any, padding: bool = False) -> int:
    if padding and isinstance(value, str):
        if value == "same":
            return PADDING_SAME
        if value == "valid":
            return 0
        raise ValueError(f"padding must be 'same', 'valid' or an int >= 0, got {value!r}: "
                         f"{strerror(STATUS['padding_string'])}")
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise TypeError(f"{name} must be an int, got {value!r} ({type(value).__name__}): "
                        f"{strerror(STATUS['type'])}")
    v = operator.index(value)
    if padding and v < 0:  # -1 is 'same' in C only
        raise ValueError(f"padding must be >= 0, got {v}: {strerror(STATUS['padding_negative'])}")
    if not -2**63 <= v < 2**63:
        raise OverflowError(f"{name}={v}: {strerror(STATUS['overflow'])}")
    return v


def _bias(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if hasattr(type(value), "__index__") and operator.index(value) in (0, 1):
        return operator.index(value)
    raise TypeError(f"bias must be True or False, got {value!r}: {strerror(STATUS['bias_type'])}")


def _raise(status: int, values: dict[str, int]):
    key = _KEY.get(status, "unknown")
    rule = strerror(status)
    if key == "overflow":
        raise OverflowError(f"{rule} (use symconv.conv1d_ops for the exact count)")
    if key == "positive":
        name = next(n for n in SIZE_PARAMETERS if n in values and values[n] < 1)
        raise ValueError(f"{name} must be a positive integer, got {values[name]}: {rule}")
    name = {"groups_in": "in_channels", "groups_out": "out_channels", "same_stride": "stride",
            "kernel_too_long": "kernel_size", "padding_negative": "padding",
            "bias_type": "bias"}.get(key, "?")
    shown = ", ".join(f"{k}={v}" for k, v in values.items())
    raise ValueError(f"{name}={values.get(name)} ({shown}): {rule}")


def conv1d_output_length(input_length: int, kernel_size: int, stride: int = 1,
                         padding: int | str = 0, dilation: int = 1) -> int:
    """``symconv.conv1d_output_length`` computed by the C library."""
    values = {"input_length": _int("input_length", input_length),
              "kernel_size": _int("kernel_size", kernel_size), "stride": _int("stride", stride),
              "dilation": _int("dilation", dilation)}
    pad = _int("padding", padding, padding=True)
    out = ctypes.c_int64()
    status = library().symconv_conv1d_output_length(
        values["input_length"], values["kernel_size"], values["stride"], pad,
        values["dilation"], ctypes.byref(out))
    if status:
        _raise(status, {**values, "padding": pad})
    return out.value


def conv1d_ops(batch_size: int | None, in_channels: int, out_channels: int, input_length: int,
               kernel_size: int, stride: int = 1, padding: int | str = 0, dilation: int = 1,
               groups: int = 1, bias: bool = True) -> int:
    """``symconv.conv1d_ops`` computed by the C library (``OverflowError`` above int64)."""
    if batch_size is None:
        batch_size = 1
    if (type(batch_size) is int and type(in_channels) is int and type(out_channels) is int
            and type(input_length) is int and type(kernel_size) is int and type(stride) is int
            and type(padding) is int and type(dilation) is int and type(groups) is int
            and type(bias) is bool and padding >= 0):
        # fast path: plain ints go straight to C (ctypes refuses values outside int64)
        out = ctypes.c_int64()
        try:
            status = (_lib or library()).symconv_conv1d_ops(
                batch_size, in_channels, out_channels, input_length, kernel_size, stride, padding,
                dilation, groups, bias, ctypes.byref(out))
        except ctypes.ArgumentError:
            status = -1
        if status == 0:
            return out.value
    values = {name: _int(name, v) for name, v in zip(SIZE_PARAMETERS, (
        1 if batch_size is None else batch_size, in_channels, out_channels, input_length,
        kernel_size, stride, dilation, groups))}
    pad = _int("padding", padding, padding=True)
    b = _bias(bias)
    out = ctypes.c_int64()
    v = values
    status = library().symconv_conv1d_ops(
        v["batch_size"], v["in_channels"], v["out_channels"], v["input_length"],
        v["kernel_size"], v["stride"], pad, v["dilation"], v["groups"], b, ctypes.byref(out))
    if status:
        _raise(status, {**values, "padding": pad, "bias": b})
    return out.value


# --- NumPy batches --------------------------------------------------------------------

def _column(np, name: str, value: Any):
    if name == "padding":
        if isinstance(value, str):
            return np.asarray(_int("padding", value, padding=True), dtype=np.int64)
        a = np.asarray(value)
        if a.dtype.kind in "USO":
            a = np.asarray(value, dtype=object)
            return np.vectorize(lambda v: _int("padding", v, padding=True), otypes=[np.int64])(a)
    elif name == "bias":
        a = np.asarray(value)
        if a.dtype.kind == "b":
            return a.astype(np.int64)
        if a.dtype.kind not in "iu":
            raise TypeError(f"bias must be an array of True or False, got dtype {a.dtype}: "
                            f"{strerror(STATUS['bias_type'])}")
    else:
        a = np.asarray(value)
    if a.dtype.kind == "u" and a.size and int(a.max()) >= 2**63:
        raise OverflowError(f"{name} has a value above 2**63 - 1: {strerror(STATUS['overflow'])}")
    if a.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array, got dtype {a.dtype}: "
                        f"{strerror(STATUS['type'])}")
    return a.astype(np.int64, copy=False)


def _threads(threads: int | None, n: int) -> int:
    if threads is None:  # all cores for large batches; one thread per 2**16 rows at least
        threads = os.cpu_count() or 1
    return max(1, min(threads, n >> 16))


def conv1d_batch(batch_size, in_channels, out_channels, input_length, kernel_size, stride=1,
                 padding=0, dilation=1, groups=1, bias=True, *, threads: int | None = None,
                 lengths: bool = True):
    """Every row through the C batch function: ``(length, ops, status)`` int arrays.

    Inputs broadcast together; ``padding`` may be ``'same'``/``'valid'`` or
    hold -1 for 'same' (the C convention). ``length`` and ``ops`` are 0 where
    ``status`` is not 0 (:data:`STATUS`, :func:`strerror`); ``length`` is
    None with ``lengths=False``. Rows are split over ``threads`` threads
    (default: every core for batches of 2**17 rows and more; ctypes releases
    the GIL during the call), each running the C loop on its own slice.
    """
    return _batch(batch_size, in_channels, out_channels, input_length, kernel_size, stride,
                  padding, dilation, groups, bias, threads, lengths)[:3]


def _batch(batch_size, in_channels, out_channels, input_length, kernel_size, stride, padding,
           dilation, groups, bias, threads, lengths):
    """:func:`conv1d_batch` plus the number of failed rows."""
    import numpy as np

    raw = dict(zip(COLUMNS, (1 if batch_size is None else batch_size, in_channels, out_channels,
                             input_length, kernel_size, stride, dilation, groups, padding, bias)))
    cols = {name: _column(np, name, raw[name]) for name in COLUMNS}
    shape = np.broadcast_shapes(*(a.shape for a in cols.values()))
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
    if sum(failures):  # outputs of failed rows are left untouched by C: make them 0
        failed = status != 0
        ops[failed] = 0
        if length is not None:
            length[failed] = 0
    return length, ops, status, sum(failures)


def conv1d_ops_array(batch_size, in_channels, out_channels, input_length, kernel_size, stride=1,
                     padding=0, dilation=1, groups=1, bias=True, *, threads: int | None = None):
    """Counts of every row (int64 array) by the C batch function; raises for the first bad row."""
    import numpy as np

    _, ops, status, failed = _batch(batch_size, in_channels, out_channels, input_length,
                                    kernel_size, stride, padding, dilation, groups, bias,
                                    threads, False)
    if failed:
        flat = int(np.argmax(status.ravel() != 0))
        row = flat if status.ndim <= 1 else tuple(int(i) for i in np.unravel_index(flat, status.shape))
        code = int(status.ravel()[flat])
        if _KEY.get(code) == "overflow":
            raise OverflowError(f"row {row}: {strerror(code)}")
        raise ValueError(f"row {row}: {_KEY.get(code, code)}: {strerror(code)}")
    return ops
