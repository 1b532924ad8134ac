"""Every layer of the registry: the C batch function, NumPy and the memory floor per row, and
the generated Python against the inline expression per call, measured side by side in one run.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_layers.py [--rows 2000000] [--repeat 5] [--layers conv1d,...]
        [--python-only] [--against DIR]

Per row over --rows random valid configurations (one thread, int64 columns in, int64 out):
  NumPy — the hand-written NumPy int64 expression of the count (forward layers); for the
          transposed layers, whose count is a sum of floor sums no short NumPy expression
          gives, the generated NumPy evaluator (validated, overflow-checked);
  C batch — the generated ``symconv_<layer>_ops_batch`` of generated/<layer>_ops.c, compiled
          with the C backend's flags (symconv.cbackend.CFLAGS), called once for all rows;
  memory floor — a C loop compiled with the same flags that streams the same input columns
          and writes the same outputs (sizes, count, status) with no arithmetic but a sum.
Per call (Python ints in, the count out), for groups = 1 and groups = 4:
  the inline expression (no validation, forward layers), the same expression in a plain
  function called as the evaluator (the cost of the call), and the generated Python evaluator
  (and with --against, the one of DIR). --python-only runs the per-call tables alone.

Times are the best of --repeat runs; the ratios in the last table are the targets of
README's "Speed" section.
"""

from __future__ import annotations

import argparse
import ctypes
import re
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

import numpy as np

from symconv import cbackend
from symconv._generated import counting

from _machine import machine  # noqa: E402  (benchmarks/_machine.py)

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
LAYERS = tuple(counting.LAYERS)  # every registered layer (as generated from the registry)
P64 = ctypes.POINTER(ctypes.c_int64)


def dims_of(layer: str) -> int:
    return int(re.search(r"(\d)d$", layer).group(1))


def columns(layer: str, rows: int, seed: int = 0) -> dict[str, object]:
    """Random valid configurations of realistic sizes (every count fits in int64).

    Per-dimension parameters are lists of ``dims`` arrays."""
    rng = np.random.default_rng(seed)
    dims = dims_of(layer)
    transposed = layer.startswith("conv_transpose")
    groups = rng.choice(np.array([1, 1, 1, 2, 4, 8], dtype=np.int64), rows)
    top = {1: 4096, 2: 256, 3: 48}[dims]
    cols: dict[str, object] = dict(
        batch_size=rng.integers(1, 65, rows),
        in_channels=groups * rng.integers(1, 257, rows),
        out_channels=groups * rng.integers(1, 257, rows))
    size, kernel, stride, padding, dilation, outpad = [], [], [], [], [], []
    for _ in range(dims):
        k = rng.integers(1, 12 if dims < 3 else 6, rows)
        d = rng.integers(1, 4, rows)
        s = rng.integers(1, 5, rows)
        p = rng.integers(0, 6, rows)
        span = d * (k - 1) + 1
        if transposed:
            n = rng.integers(1, top + 1, rows)
            op = rng.integers(0, 4, rows) % np.maximum(s, d)
            out = span + op - 2 * p + s * (n - 1)
            p = np.where(out < 1, 0, p)
            outpad.append(op)
        else:
            n = np.maximum(1, span - 2 * p) + rng.integers(0, top, rows)
        size.append(n), kernel.append(k), stride.append(s), padding.append(p)
        dilation.append(d)
    cols.update(input_size=size, kernel_size=kernel, stride=stride, padding=padding,
                dilation=dilation)
    if transposed:
        cols["output_padding"] = outpad
    cols.update(groups=groups, bias=rng.integers(0, 2, rows))
    return cols


def numpy_count(layer: str, cols: dict[str, object]):
    """The NumPy baseline of the count (see the module docstring)."""
    nb, cin, cout, g, b = (cols[x] for x in ("batch_size", "in_channels", "out_channels",
                                              "groups", "bias"))
    if layer.startswith("conv_transpose"):
        import importlib

        mod = importlib.import_module(f"symconv._generated.{layer}_ops_numpy")
        fn = getattr(mod, f"{layer}_ops")
        one = dims_of(layer) == 1
        per = {k: (v[0] if one else tuple(v)) for k, v in cols.items() if isinstance(v, list)}
        if one:
            per["input_length"] = per.pop("input_size")
        return lambda: fn(nb, cin, cout, **per, groups=g, bias=b.astype(bool))
    size, kernel, stride, padding, dilation = (cols[x] for x in (
        "input_size", "kernel_size", "stride", "padding", "dilation"))
    dims = len(size)

    def hand():
        out = nb * cout
        taps = 2 * (cin // g)
        for x in range(dims):
            out = out * ((size[x] + 2 * padding[x] - dilation[x] * (kernel[x] - 1) - 1)
                         // stride[x] + 1)
            taps = taps * kernel[x]
        return out * (taps - 1 + b)
    return hand


def _fields(layer: str) -> list[tuple[str, int]]:
    """(name, count) of the columns struct in generated/<layer>_ops.h, in order."""
    head = (GENERATED / f"{layer}_ops.h").read_text()
    body = re.search(r"typedef struct symconv_%s_columns \{(.*?)\}" % layer, head, re.S).group(1)
    return [(m.group(1), int(m.group(2) or 0))
            for m in re.finditer(r"symconv_column (\w+)(?:\[(\d)\])?;", body)]


class _Column(ctypes.Structure):
    _fields_ = [("data", P64), ("step", ctypes.c_ssize_t)]


def _compile(src: Path, out: Path) -> ctypes.CDLL:
    cc = cbackend.compiler()
    subprocess.run([*cc, *cbackend.CFLAGS, "-I", str(GENERATED), str(src), "-o", str(out)],
                   check=True)
    return ctypes.CDLL(str(out))


def c_batch(layer: str, cols: dict[str, object], rows: int, tmp: Path, where: Path = GENERATED):
    """The generated C batch function on ``cols``: a callable and its (sizes, ops, status)."""
    lib = _compile(where / f"{layer}_ops.c", tmp / f"{layer}-{abs(hash(str(where)))}.so")
    fields = _fields(layer)
    dims = dims_of(layer)
    struct = type("Columns", (ctypes.Structure,), {"_fields_": [
        (name, _Column * k if k else _Column) for name, k in fields]})
    spec = struct()
    keep = []
    for name, k in fields:
        key = "input_size" if name == "input_length" else name
        value = cols[key]
        if not k:
            value = value[0] if isinstance(value, list) else value
            a = np.ascontiguousarray(value, dtype=np.int64)
            keep.append(a)
            setattr(spec, name, _Column(ctypes.cast(a.ctypes.data, P64), 1))
        else:
            for x in range(k):
                a = np.ascontiguousarray(value[x], dtype=np.int64)
                keep.append(a)
                getattr(spec, name)[x] = _Column(ctypes.cast(a.ctypes.data, P64), 1)
    sizes = np.zeros(rows * dims, dtype=np.int64)
    ops = np.zeros(rows, dtype=np.int64)
    status = np.zeros(rows, dtype=np.intc)
    fn = getattr(lib, f"symconv_{layer}_ops_batch")
    fn.restype = ctypes.c_size_t
    args = (ctypes.c_size_t(rows), ctypes.byref(spec), ctypes.cast(sizes.ctypes.data, P64),
            ctypes.cast(ops.ctypes.data, P64),
            ctypes.cast(status.ctypes.data, ctypes.POINTER(ctypes.c_int)))

    def run():
        keep, sizes, ops, status  # noqa: B018 - inputs and outputs stay alive while it runs
        return fn(*args)
    return run, (sizes, ops, status), keep


FLOOR = r"""
#include <stddef.h>
#include <stdint.h>
void floor_stream(size_t n, const int64_t *const *c, int64_t *size_out, int64_t *ops_out,
                  int *status_out)
{
    size_t i;
%(unpack)s
    for (i = 0; i < n; i++) {
        const int64_t s = %(sum)s;
        ops_out[i] = s;
        status_out[i] = 0;
%(sizes)s
    }
}
"""


def memory_floor(layer: str, arrays: list[np.ndarray], rows: int, tmp: Path):
    """Stream the same input columns and write the same outputs: the memory floor."""
    dims = dims_of(layer)
    src = tmp / f"floor_{layer}.c"
    src.write_text(FLOOR % dict(
        unpack="\n".join(f"    const int64_t *c{j} = c[{j}];" for j in range(len(arrays))),
        sum=" + ".join(f"c{j}[i]" for j in range(len(arrays))),
        sizes="\n".join(f"        size_out[i * {dims} + {x}] = s;" for x in range(dims))))
    lib = _compile(src, tmp / f"floor_{layer}.so")
    ptrs = (P64 * len(arrays))(*[ctypes.cast(a.ctypes.data, P64) for a in arrays])
    sizes = np.zeros(rows * dims, dtype=np.int64)
    ops = np.zeros(rows, dtype=np.int64)
    status = np.zeros(rows, dtype=np.intc)
    fn = lib.floor_stream
    args = (ctypes.c_size_t(rows), ptrs, ctypes.cast(sizes.ctypes.data, P64),
            ctypes.cast(ops.ctypes.data, P64),
            ctypes.cast(status.ctypes.data, ctypes.POINTER(ctypes.c_int)))

    def run():
        sizes, ops, status  # noqa: B018 - the outputs stay alive while the function runs
        return fn(*args)
    return run


def best(fns: dict[str, object], repeat: int) -> dict[str, float]:
    """Seconds per call of each function, best of ``repeat`` rounds that call each in turn
    (interleaved, so that a burst of load on a shared machine hits all of them alike)."""
    times = {name: float("inf") for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name] = min(times[name], time.perf_counter() - t0)
    return times


def per_row(layer: str, rows: int, repeat: int, tmp: Path, against: Path | None = None
            ) -> dict[str, float]:
    cols = columns(layer, rows)
    np_fn = numpy_count(layer, cols)
    want = np_fn()
    run, (sizes, ops, status), keep = c_batch(layer, cols, rows, tmp)
    run()
    assert not status.any() and np.array_equal(ops, want), layer
    fns = {"numpy": np_fn, "c": run, "floor": memory_floor(layer, keep, rows, tmp)}
    if against is not None:
        fns["before"] = c_batch(layer, cols, rows, tmp, against)[0]
    return {name: t / rows for name, t in best(fns, repeat).items()}


def _inline(layer: str) -> tuple[str, dict[str, int], tuple]:
    dims = dims_of(layer)
    env = {"n": 8, "cin": 16, "cout": 32, "b": 1}
    size = {1: 100, 2: 32, 3: 12}[dims]
    outs, taps = [], []
    for x in range(dims):
        env.update({f"L{x}": size, f"k{x}": 3, f"s{x}": 1, f"p{x}": 0, f"d{x}": 1})
        outs.append(f"((L{x} + 2*p{x} - d{x}*(k{x} - 1) - 1)//s{x} + 1)")
        taps.append(f"k{x}")
    expr = f"n*cout*{'*'.join(outs)}*(2*{'*'.join(taps)}*(cin//G) - 1 + b)"
    return expr, env, (size, 3)


def _python_of(where: Path, layer: str):
    """The ops function of ``<where>/<layer>_ops.py`` (another generated/, e.g. an earlier
    commit's), loaded from its file."""
    import importlib.util

    path = where / f"{layer}_ops.py"
    spec = importlib.util.spec_from_file_location(f"against_{layer}_ops", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, f"{layer}_ops")


def per_call(layer: str, repeat: int, against: Path | None = None) -> dict[str, float]:
    """Seconds per call of the generated Python evaluator and (forward layers) of the inline
    expression, groups = 1 and 4: the best of ``repeat`` rounds, each timing every statement
    in turn, several times (interleaved and short, so that a burst of load on a shared machine
    hits all of them alike and spoils few timings).

    Both read the same values from the same namespace (no literal the compiler could fold):
    the inline expression each size from its own name, the evaluator the arguments as a user
    passes them (an int for a per-dimension parameter, a tuple for the input size), all ten
    positionally. For reference, the inline expression is also timed inside a plain function
    (no validation) called the same way as the evaluator: the cost of the call itself."""
    import importlib

    mod = importlib.import_module(f"symconv._generated.{layer}_ops")
    gen = getattr(mod, f"{layer}_ops")
    dims = dims_of(layer)
    size = {1: 100, 2: 32, 3: 12}[dims]
    shape = size if dims == 1 else (size,) * dims
    number, chunks = 2_000, 10  # a round: 10 short timings of each (a pause hits a few only)
    timers: dict[str, timeit.Timer] = {}
    for groups in (1, 4):
        env = {"gen": gen, "shape": shape, "G": groups, "n": 8, "cin": 16, "cout": 32,
               "k": 3, "s": 1, "p": 0, "d": 1, "bias": True}
        if layer.startswith("conv_transpose"):
            env.update(s=2, p=1, op=1)
            call = "gen(n, cin, cout, shape, k, s, p, op, d, G, bias)"
        else:
            expr, vals, _ = _inline(layer)
            env.update(vals)
            call = "gen(n, cin, cout, shape, k, s, p, d, G, bias)"
            unpack = "" if dims == 1 else ", ".join(f"L{x}" for x in range(dims)) + " = shape\n    "
            per_dim = "".join(f"{name}{x} = {name}\n    " for name in "ksdp" for x in range(dims))
            source = (f"def plain(n, cin, cout, shape, k, s, p, d, G, b):\n"
                      f"    {unpack}{per_dim}return {expr}\n")
            if dims == 1:
                source = source.replace("def plain(n, cin, cout, shape,", "def plain(n, cin, cout, L0,")
            exec(source, env)  # noqa: S102 - the benchmark's own text
            assert eval(expr, dict(env)) == eval(call, dict(env)) == eval(  # noqa: S307
                call.replace("gen(", "plain("), dict(env)), layer
            timers[f"inline G={groups}"] = timeit.Timer(expr, globals=env)
            timers[f"plain G={groups}"] = timeit.Timer(call.replace("gen(", "plain("),
                                                       globals=env)
        timers[f"gen G={groups}"] = timeit.Timer(call, globals=env)
        if against is not None and (against / f"{layer}_ops.py").exists():
            env["before"] = _python_of(against, layer)
            assert eval(call, dict(env)) == eval(call.replace("gen(", "before("), dict(env))
            timers[f"before G={groups}"] = timeit.Timer(call.replace("gen(", "before("),
                                                        globals=env)
    times = {name: float("inf") for name in timers}
    for _ in range(repeat):
        for _ in range(chunks):
            for name, timer in timers.items():
                times[name] = min(times[name], timer.timeit(number) / number)
    return times


def _print_per_row(layer: str, r: dict[str, float], against: Path | None) -> None:
    base = "generated NumPy" if layer.startswith("conv_transpose") else "NumPy (hand-written)"
    print("| per row | ns/row | ratio |\n|---|---:|---:|")
    print(f"| C batch, 1 thread | {r['c'] * 1e9:.2f} | |")
    if "before" in r:
        print(f"| C batch of {against.name}, 1 thread | {r['before'] * 1e9:.2f} | "
              f"{r['before'] / r['c']:.2f}× the time of this one |")
    print(f"| {base} | {r['numpy'] * 1e9:.2f} | C is {r['numpy'] / r['c']:.2f}× faster "
          f"(goal ≥ 3) |")
    print(f"| memory floor (stream the inputs, write the outputs) | "
          f"{r['floor'] * 1e9:.2f} | C is {r['c'] / r['floor']:.2f}× the floor "
          f"(goal ≤ 2) |")
    print()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--layers", default=",".join(LAYERS))
    ap.add_argument("--against", type=Path, default=None,
                    help="a directory of other generated C and Python files (e.g. of an "
                         "earlier commit), timed in the same rounds")
    ap.add_argument("--python-only", action="store_true",
                    help="only the per-call tables (generated Python against the inline "
                         "expression): no C, no NumPy, no compiler")
    args = ap.parse_args(argv)
    print(f"Machine: {machine()}")
    if args.python_only:
        print(f"Python per call only; best of {args.repeat}\n")
    else:
        print("C flags: " + " ".join(cbackend.CFLAGS) + f"; {args.rows:,} rows, best of "
              f"{args.repeat}\n")
    with tempfile.TemporaryDirectory() as tmp:
        for layer in args.layers.split(","):
            r = None if args.python_only else per_row(layer, args.rows, args.repeat,
                                                       Path(tmp), args.against)
            c = per_call(layer, args.repeat, args.against)
            print(f"### {layer}\n")
            if r is not None:
                _print_per_row(layer, r, args.against)
            print("| per call | groups=1 ns | groups=4 ns |\n|---|---:|---:|")
            if "inline G=1" in c:
                print(f"| inline expression (no validation) | {c['inline G=1'] * 1e9:.0f} | "
                      f"{c['inline G=4'] * 1e9:.0f} |")
                print(f"| the same expression in a function, called as the evaluator "
                      f"(no validation) | {c['plain G=1'] * 1e9:.0f} "
                      f"({c['plain G=1'] / c['inline G=1']:.2f}×) | {c['plain G=4'] * 1e9:.0f} "
                      f"({c['plain G=4'] / c['inline G=4']:.2f}×) |")
                print(f"| generated Python (validated) | {c['gen G=1'] * 1e9:.0f} "
                      f"({c['gen G=1'] / c['inline G=1']:.2f}×) | {c['gen G=4'] * 1e9:.0f} "
                      f"({c['gen G=4'] / c['inline G=4']:.2f}×) |")
            else:
                print(f"| generated Python (validated) | {c['gen G=1'] * 1e9:.0f} | "
                      f"{c['gen G=4'] * 1e9:.0f} |")
            if "before G=1" in c:
                base = "inline" if "inline G=1" in c else "gen"
                print(f"| generated Python of {args.against.name} | {c['before G=1'] * 1e9:.0f} "
                      f"({c['before G=1'] / c[base + ' G=1']:.2f}×) | {c['before G=4'] * 1e9:.0f} "
                      f"({c['before G=4'] / c[base + ' G=4']:.2f}×) |")
            print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
