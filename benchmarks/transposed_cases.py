"""The configurations of README's moduleprofiler table for transposed convolutions.

Shared by ``benchmarks/transposed_moduleprofiler.py`` (which prints the table, moduleprofiler
installed) and the test that checks README's table against symconv, the counting reference and
torch's FlopCounterMode.
"""

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
