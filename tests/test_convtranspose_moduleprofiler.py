"""moduleprofiler 0.0.4's count of transposed convolutions, reproduced and explained
(skipped when moduleprofiler is not installed; it is not a dependency of symconv).

* The documented ratios to symconv's count (C_in=16, C_out=32, N=2): 1.50× (in=100, K=4,
  s=2, p=1), 2.0× (in=50, K=3, s=3), 4.58× (in=100, K=16, s=8, p=4, no bias), 1.003×
  (in=100, K=3, s=1, p=1).
* Its number equals the model read from its code: N·(C_in·C_out/G)·(P_out·(K_prod + 1) + A),
  minus N·C_out·P_out without bias, where A = T₀ − P₀ is the sum of (output − 1) of a
  ones-filled single-channel copy built without output_padding (T₀, P₀: products that land
  and output positions of that copy), and N is the channel count for unbatched input.
"""

from __future__ import annotations

import math
import random
import warnings

import pytest

torch = pytest.importorskip("torch")
moduleprofiler = pytest.importorskip("moduleprofiler")

from symconv.convtranspose import axis_counts, conv_transpose_quantities  # noqa: E402


def _theirs(dims, n, cin, cout, sizes, k, s, p, op, d, g, bias):
    module = getattr(torch.nn, f"ConvTranspose{dims}d")(cin, cout, k, s, p, op, g, bias, d)
    shape = (cin, *sizes) if n is None else (n, cin, *sizes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return moduleprofiler.ModuleProfiler().estimate_ops(module, torch.zeros(shape))[
            "__root__"]["ops"]


@pytest.mark.parametrize("size, k, s, p, bias, ratio", [
    (100, 4, 2, 1, True, 1.50), (50, 3, 3, 0, True, 2.0), (100, 16, 8, 4, False, 4.58),
    (100, 3, 1, 1, True, 1.003),
])
def test_documented_ratios(size, k, s, p, bias, ratio):
    theirs = _theirs(1, 2, 16, 32, (size,), k, s, p, 0, 1, 1, bias)
    ours = conv_transpose_quantities(1, 2, 16, 32, size, k, s, p, 0, 1, 1, bias)["ops"]
    assert theirs / ours == pytest.approx(ratio, rel=0.004)  # as quoted (3 significant digits)


def test_model_of_moduleprofiler():
    rng = random.Random(11)
    for _ in range(120):
        dims = rng.randint(1, 2)
        sizes = tuple(rng.randint(1, 12) for _ in range(dims))
        k, s, d = rng.randint(1, 5), rng.randint(1, 4), rng.randint(1, 3)
        op = rng.randrange(max(s, d))
        p = rng.randint(0, ((min(sizes) - 1) * s + (k - 1) * d) // 2)
        g = rng.choice([1, 2])
        cin, cout = g * rng.randint(1, 3), g * rng.randint(1, 3)
        n = rng.choice([None, 1, 3])
        bias = rng.random() < 0.5
        theirs = _theirs(dims, n, cin, cout, sizes, k, s, p, op, d, g, bias)
        copy = [axis_counts(i, k, s, p, 0, d) for i in sizes]       # output_padding ignored
        t0, p0 = math.prod(c[1] for c in copy), math.prod(c[0] for c in copy)
        out = math.prod(axis_counts(i, k, s, p, op, d)[0] for i in sizes)
        batch = cin if n is None else n                             # unbatched: N = C_in
        model = batch * (cin * cout // g) * (out * (k ** dims + 1) + t0 - p0)
        if not bias:
            model -= batch * cout * out
        assert theirs == model, (dims, n, cin, cout, sizes, k, s, p, op, d, g, bias)
