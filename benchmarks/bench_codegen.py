"""Generated evaluators against the alternatives, measured side by side in one run.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_codegen.py [--rows 10000000] [--repeat 5]

Per call (one configuration, Python ints in, the count out):
  hand-written inline Python expression (no validation) — the baseline;
  the same expression as a function (no validation);
  sympy.lambdify(modules='math') of the same expression (floor through floats);
  torch.utils.flop_counter.conv_flop_count from ints (where torch is installed);
  the generated Python evaluator (validated) = symconv.conv1d_ops;
  the C path per call (symconv.cbackend.conv1d_ops, through ctypes).

Per element over --rows configurations (int64 columns in, int64 counts out):
  hand-written NumPy int64 expression — the baseline;
  sympy.lambdify(modules='numpy');
  the generated NumPy evaluator (validated, overflow-checked);
  the generated C batch function (1 thread, and 2 threads);
  the memory floor: reading the same input arrays once (a sum over each).

Times are the best of --repeat runs; ratios are to the baseline of each table.
"""

from __future__ import annotations

import argparse
import sys
import time
import timeit

import numpy as np
import sympy as sp

import symconv
from symconv import cbackend
from symconv import conv1d as m
from symconv._generated import conv1d_ops_numpy as gen_np
from symconv.symbols import C_in, C_out, G, K, L_in, L_out, N, d, p, s

from _machine import machine  # noqa: E402  (benchmarks/_machine.py)

ARGS = (8, 16, 32, 100, 3, 1, 0, 1, 1, True)


def best(fn, number: int, repeat: int) -> float:
    """Seconds per call, best of ``repeat``."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def per_call(repeat: int) -> list[tuple[str, float]]:
    n, cin, cout, length, k, stride, pad, dil, groups, bias = ARGS
    b = int(bias)
    g = {"n": n, "cin": cin, "cout": cout, "L": length, "k": k, "s": stride, "p": pad,
         "d": dil, "G": groups, "b": b}
    inline = timeit.Timer(
        "n*cout*((L + 2*p - d*(k - 1) - 1)//s + 1)*(2*k*(cin//G) - 1 + b)", globals=g)

    def handwritten(n, cin, cout, L, k, s=1, p=0, d=1, G=1, b=1):
        return n * cout * ((L + 2 * p - d * (k - 1) - 1) // s + 1) * (2 * k * (cin // G) - 1 + b)

    full = m.OPS.xreplace({L_out: m.L_OUT}).rewrite(sp.floor)
    lam = sp.lambdify((N, C_in, C_out, L_in, K, s, p, d, G, m.BIAS), full, modules="math")
    gen = symconv.conv1d_ops
    cb = cbackend.conv1d_ops
    expected = gen(*ARGS)
    assert handwritten(n, cin, cout, length, k, stride, pad, dil, groups, b) == expected
    assert lam(*ARGS[:-1], b) == expected and cb(*ARGS) == expected
    number = 200_000
    env = {"handwritten": handwritten, "lam": lam, "gen": gen, "cb": cb, "bias": bias, **g}
    call = "({n}, {cin}, {cout}, {L}, {k}, {s}, {p}, {d}, {G}, {b})"

    def timed(stmt: str, number: int = number) -> float:
        """Statement timed with timeit: no lambda between the timer and the call."""
        return min(timeit.Timer(stmt, globals=env).repeat(number=number, repeat=repeat)) / number

    args = call.format(n="n", cin="cin", cout="cout", L="L", k="k", s="s", p="p", d="d", G="G",
                       b="b")
    rows = [("hand-written inline expression (no validation)",
             min(inline.repeat(number=number, repeat=repeat)) / number),
            ("hand-written function (no validation)", timed("handwritten" + args)),
            ("sympy.lambdify(modules='math') (float result)", timed("lam" + args))]
    try:
        from torch.utils.flop_counter import conv_flop_count

        def torch_count(n, cin, cout, L, k, s=1, p=0, d=1, G=1):
            lout = (L + 2 * p - d * (k - 1) - 1) // s + 1
            return conv_flop_count([n, cin, L], [cout, cin // G, k], [n, cout, lout])

        env["torch_count"] = torch_count
        torch_count(n, cin, cout, length, k)
        rows.append(("torch.utils.flop_counter.conv_flop_count from ints",
                     timed("torch_count(n, cin, cout, L, k, s, p, d, G)", number // 4)))
    except ImportError:
        rows.append(("torch.utils.flop_counter.conv_flop_count (torch not installed)", float("nan")))
    rows.append(("generated Python, validated (symconv.conv1d_ops)",
                 timed("gen(n, cin, cout, L, k, s, p, d, G, bias)")))
    rows.append(("generated Python, validated, groups=4 (two divisions)",
                 timed("gen(n, cin, cout, L, k, s, p, d, 4, bias)")))
    rows.append(("generated C per call (ctypes)",
                 timed("cb(n, cin, cout, L, k, s, p, d, G, bias)", number // 4)))
    return rows


def columns(rows: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Random valid configurations of realistic sizes (every count fits in int64)."""
    rng = np.random.default_rng(seed)
    groups = rng.choice(np.array([1, 1, 1, 2, 4, 8], dtype=np.int64), rows)
    kernel = rng.integers(1, 12, rows)
    dilation = rng.integers(1, 4, rows)
    padding = rng.integers(0, 6, rows)
    span = dilation * (kernel - 1) + 1
    return dict(
        batch_size=rng.integers(1, 65, rows),
        in_channels=groups * rng.integers(1, 257, rows),
        out_channels=groups * rng.integers(1, 257, rows),
        input_length=np.maximum(1, span - 2 * padding) + rng.integers(0, 4096, rows),
        kernel_size=kernel, stride=rng.integers(1, 5, rows), padding=padding,
        dilation=dilation, groups=groups, bias=rng.integers(0, 2, rows))


def per_element(rows: int, repeat: int) -> list[tuple[str, float]]:
    cols = columns(rows)
    nb, cin, cout, L, k, st, pd, dl, g, b = (cols[x] for x in (
        "batch_size", "in_channels", "out_channels", "input_length", "kernel_size", "stride",
        "padding", "dilation", "groups", "bias"))

    def handwritten():
        return nb * cout * ((L + 2 * pd - dl * (k - 1) - 1) // st + 1) * (2 * k * (cin // g) - 1 + b)

    full = m.OPS.xreplace({L_out: m.L_OUT}).rewrite(sp.floor)
    lam = sp.lambdify((N, C_in, C_out, L_in, K, s, p, d, G, m.BIAS), full, modules="numpy")

    def lambdified():
        return lam(nb, cin, cout, L, k, st, pd, dl, g, b)

    def generated():
        return gen_np.conv1d_ops(**cols)

    def c_batch():
        return cbackend.conv1d_ops_array(**cols, threads=1)

    def c_batch2():
        return cbackend.conv1d_ops_array(**cols, threads=2)

    def floor():
        return [a.sum() for a in cols.values()]

    want = handwritten()
    assert np.array_equal(generated(), want) and np.array_equal(c_batch(), want)
    assert np.array_equal(c_batch2(), want)
    out = []
    for name, fn in [("hand-written NumPy int64 expression (no validation)", handwritten),
                     ("sympy.lambdify(modules='numpy') (float64 result)", lambdified),
                     ("generated NumPy, validated + overflow-checked", generated),
                     ("generated C batch, 1 thread", c_batch),
                     ("generated C batch, 2 threads", c_batch2),
                     ("memory floor: read the input arrays once", floor)]:
        out.append((name, best(fn, 1, repeat) / rows))
    return out


def table(title: str, rows: list[tuple[str, float]], unit: str, scale: float) -> str:
    base = rows[0][1]
    lines = [f"| {title} | {unit} | ratio to first row |", "|---|---:|---:|"]
    for name, t in rows:
        lines.append(f"| {name} | {t * scale:.3g} | {t / base:.2f}× |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    cbackend.library()  # compile outside the timings
    print(f"Machine: {machine()}")
    print("C library flags: " + " ".join(cbackend.CFLAGS) + "\n")
    calls = per_call(args.repeat)
    print(table("per call", calls, "ns/call", 1e9), "\n")
    t0 = time.perf_counter()
    elems = per_element(args.rows, args.repeat)
    print(table(f"per element, {args.rows:,} configurations", elems, "ns/element", 1e9))
    print(f"\n(per-element run took {time.perf_counter() - t0:.0f} s)\n")
    c = dict(calls)
    e = dict(elems)
    inline = calls[0][1]
    gen_py = c["generated Python, validated (symconv.conv1d_ops)"]
    torch_t = next((t for n, t in calls if n.startswith("torch.utils.flop_counter.conv_flop_count from")),
                   float("nan"))
    hand_np = elems[0][1]
    checks = [
        ("generated Python <= conv_flop_count", gen_py / torch_t, "<= 1"),
        ("generated Python <= 3x inline expression", gen_py / inline, "<= 3"),
        ("generated NumPy <= 2x hand-written NumPy",
         e["generated NumPy, validated + overflow-checked"] / hand_np, "<= 2"),
        ("C batch >= 3x faster than hand-written NumPy (1 thread)",
         hand_np / e["generated C batch, 1 thread"], ">= 3"),
        ("C batch within 2x of the memory floor (1 thread)",
         e["generated C batch, 1 thread"] / e["memory floor: read the input arrays once"], "<= 2"),
        ("C batch >= 3x faster than hand-written NumPy (2 threads)",
         hand_np / e["generated C batch, 2 threads"], ">= 3"),
        ("C batch within 2x of the memory floor (2 threads)",
         e["generated C batch, 2 threads"] / e["memory floor: read the input arrays once"], "<= 2"),
    ]
    print("| target | measured | goal |\n|---|---:|---|")
    for name, value, goal in checks:
        print(f"| {name} | {value:.2f} | {goal} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
