"""moduleprofiler's count of transposed convolutions against symconv's and the counting
reference's: the table of docs/transposed.md.

Run by hand (needs torch and ``pip install moduleprofiler==0.0.4``; not part of the suite):

    .venv/bin/python benchmarks/transposed_moduleprofiler.py

Columns: moduleprofiler's number (its ``ModuleProfiler.estimate_ops``), symconv's
(:func:`symconv.convtranspose.conv_transpose_quantities`), the counting reference's (the
pure-Python gather form run on random integers, every ``*`` and ``+`` counted), their ratio,
and torch's FlopCounterMode (2 · scatter products).
"""

from __future__ import annotations

import torch
from moduleprofiler import ModuleProfiler
from torch.utils.flop_counter import FlopCounterMode

from symconv.convtranspose import conv_transpose_quantities
from symconv.reference_transpose import count_transpose_nd

# (label, dims, N (None: unbatched), C_in, C_out, in, K, s, p, op, d, G, bias)
CASES = [
    ("in=100, K=4, s=2, p=1", 1, 2, 16, 32, 100, 4, 2, 1, 0, 1, 1, True),
    ("in=50, K=3, s=3 (no overlap)", 1, 2, 16, 32, 50, 3, 3, 0, 0, 1, 1, True),
    ("in=100, K=16, s=8, p=4, no bias", 1, 2, 16, 32, 100, 16, 8, 4, 0, 1, 1, False),
    ("in=100, K=3, s=1, p=1", 1, 2, 16, 32, 100, 3, 1, 1, 0, 1, 1, True),
    ("in=20, K=2, s=5 (holes), no bias", 1, 2, 16, 32, 20, 2, 5, 0, 0, 1, 1, False),
    ("in=40, K=4, s=2, p=1, op=1", 1, 2, 16, 32, 40, 4, 2, 1, 1, 1, 1, True),
    ("in=40, K=3, s=2, d=2, groups=4", 1, 2, 16, 32, 40, 3, 2, 0, 0, 2, 4, True),
    ("unbatched, in=100, K=4, s=2, p=1", 1, None, 16, 32, 100, 4, 2, 1, 0, 1, 1, True),
    ("2-d 16x16, K=4, s=2, p=1", 2, 2, 8, 8, (16, 16), 4, 2, 1, 0, 1, 1, True),
]


def row(case):
    label, dims, n, cin, cout, size, k, s, p, op, d, g, bias = case
    module = getattr(torch.nn, f"ConvTranspose{dims}d")(cin, cout, k, s, p, op, g, bias, d)
    sizes = size if isinstance(size, tuple) else (size,)
    shape = (cin, *sizes) if n is None else (n, cin, *sizes)
    x = torch.zeros(shape)
    theirs = ModuleProfiler().estimate_ops(module, x)["__root__"]["ops"]
    with FlopCounterMode(display=False) as counter:
        module(x)
    q = conv_transpose_quantities(dims, n, cin, cout, size, k, s, p, op, d, g, bias)
    ref = count_transpose_nd(n, cin, cout, sizes, (k,) * dims, s, p, op, d, g, bias)
    assert ref.total == q["ops"]
    return (label, theirs, q["ops"], ref.total, theirs / q["ops"], counter.get_total_flops())


def main() -> None:
    print("| configuration (C_in, C_out, N as stated) | moduleprofiler | symconv | counting "
          "reference | moduleprofiler / symconv | FlopCounterMode |")
    print("|---|---:|---:|---:|---:|---:|")
    for case in CASES:
        label, theirs, ours, ref, ratio, flops = row(case)
        n = "unbatched" if case[2] is None else f"N={case[2]}"
        print(f"| {label} ({case[3]}→{case[4]}, {n}) | {theirs:,} | {ours:,} | {ref:,} | "
              f"{ratio:.4g}× | {flops:,} |")


if __name__ == "__main__":
    main()
