"""moduleprofiler's count of transposed convolutions against symconv's and the counting
reference's: the table of README.md (and docs/transposed.md).

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

from transposed_cases import CASES  # noqa: E402  (the configurations of README's table)


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
