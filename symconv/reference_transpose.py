"""Ground truth for transposed convolutions: ``torch.nn.functional.conv_transpose{1,2,3}d`` in
pure Python, counting the arithmetic it performs.

Two algorithms, both really computing the output on nested lists:

* :func:`conv_transpose_nd` — the **gather** form, symconv's convention: for each output
  element ``(n, c_out, j)`` it visits the (input position, tap) pairs that land on ``j``
  (``j_a = i_a·s_a + k_a·d_a − p_a`` in every dimension a) and, over the ``C_in/G`` input
  channels of the group, sums the products ``x · w`` starting from the first product, then
  adds the bias. Each ``*`` and each ``+`` on data increments a counter where it happens.
  An output element no pair reaches performs nothing: its value is the bias, or 0.
* :func:`conv_transpose_scatter_nd` — the **scatter** form (col2im): every input element
  times the whole kernel for every output channel of its group, each product added into the
  output when it lands inside and dropped when padding crops it. Its products are counted
  (``N·∏in·∏K·C_in·(C_out/G)``, the quantity ``torch.utils.flop_counter`` halves).

Weights have PyTorch's shape ``(C_in, C_out/G, *K)``; input ``(N, C_in, *in)`` or unbatched
``(C_in, *in)``; ``stride``, ``padding``, ``output_padding``, ``dilation`` an int or an
n-tuple. Parameters are validated by :func:`symconv.convtranspose.validate` (PyTorch's rules,
errors naming the parameter, its value and the rule).

Index arithmetic (which pairs land where) is bookkeeping and not counted.

:func:`axis_landings` enumerates the pairs of one dimension one by one (``t_j`` for every
output position), and :func:`landings_nd` the pairs of n dimensions, without using the
product structure; the checks of :mod:`symconv.convtranspose` compare against them.
"""

from __future__ import annotations

import itertools
import random
from typing import Any, NamedTuple, Sequence

from .convtranspose import axis_landings, validate
from .reference import _check_bias, _flatten, _nest, _shape

__all__ = ["axis_landings", "landings_nd", "landings_nd_array", "TransposeCounts",
           "conv_transpose_nd", "conv_transpose_scatter_nd", "random_operands_transpose",
           "count_transpose_nd"]


def landings_nd(sizes: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
                padding: Sequence[int], output_padding: Sequence[int],
                dilation: Sequence[int]) -> tuple[tuple[int, ...], dict[tuple[int, ...], int]]:
    """Output size and ``t`` at every reached output multi-index, by enumerating the n-d pairs
    ``(i⃗, k⃗)`` one by one (no use of the per-dimension product structure)."""
    out = tuple((i - 1) * s - 2 * p + d * (k - 1) + op + 1
                for i, k, s, p, op, d in zip(sizes, kernel, stride, padding, output_padding,
                                             dilation))
    t: dict[tuple[int, ...], int] = {}
    for pos in itertools.product(*(range(i) for i in sizes)):
        for tap in itertools.product(*(range(k) for k in kernel)):
            j = tuple(i * s + k * d - p for i, k, s, p, d in zip(pos, tap, stride, padding,
                                                                 dilation))
            if all(0 <= x < o for x, o in zip(j, out)):
                t[j] = t.get(j, 0) + 1
    return out, t


class TransposeCounts(NamedTuple):
    """Arithmetic performed by the reference.

    Attributes:
        multiplications, additions: ``*`` and ``+`` executed on data (gather form:
            symconv's convention; scatter form: additions of landed products into the output).
        scatter_products: products of the scatter form (0 for the gather form).
        output_shape: ``(N, C_out, *out)`` or ``(C_out, *out)`` for unbatched input.
    """

    multiplications: int
    additions: int
    scatter_products: int
    output_shape: tuple[int, ...]

    @property
    def total(self) -> int:
        return self.multiplications + self.additions


def _prepare(input: Any, weight: Any, bias: Any, stride: Any, padding: Any,
             output_padding: Any, dilation: Any, groups: Any):
    w_shape = _shape(weight, "weight")
    n = len(w_shape) - 2
    if n not in (1, 2, 3):
        raise ValueError(f"weight must have shape (C_in, C_out/groups, *kernel) with 1, 2 or 3 "
                         f"kernel dimensions, got shape {w_shape}")
    in_shape = _shape(input, "input")
    if len(in_shape) not in (n + 1, n + 2):
        raise ValueError(f"input must be {n + 1}-D (C_in, *sizes) or {n + 2}-D "
                         f"(N, C_in, *sizes) for a weight of shape {w_shape}, got {in_shape}")
    batched = len(in_shape) == n + 2
    batch, cin, *sizes = in_shape if batched else (1,) + in_shape
    if w_shape[0] != cin:
        raise ValueError(f"weight of shape {w_shape} expects {w_shape[0]} input channels, "
                         f"got in_channels={cin} (input shape {in_shape})")
    cout = w_shape[1] * (groups if isinstance(groups, int) and groups > 0 else 1)
    v = validate(n, batch if batched else None, cin, cout, tuple(sizes) if n > 1 else sizes[0],
                 tuple(w_shape[2:]) if n > 1 else w_shape[2], stride, padding, output_padding,
                 dilation, groups, bias is not None)
    _check_bias(bias, cout)
    return n, batched, batch, cin, cout, v


def conv_transpose_nd(input: Any, weight: Any, bias: Any = None, stride: Any = 1,
                      padding: Any = 0, output_padding: Any = 0, dilation: Any = 1,
                      groups: int = 1) -> tuple[list[Any], TransposeCounts]:
    """Transposed convolution, gather form, counting each ``*`` and ``+`` (symconv's count).

    Semantics of ``torch.nn.functional.conv_transpose{n}d(input, weight, bias, stride, padding,
    output_padding, groups, dilation)``; returns ``(output, counts)``.
    """
    n, batched, batch, cin, cout, v = _prepare(input, weight, bias, stride, padding,
                                               output_padding, dilation, groups)
    sizes, kernel = v["input_size"], v["kernel_size"]
    strides, pads, dils, out = v["stride"], v["padding"], v["dilation"], v["output_size"]
    G = v["groups"]
    cg, og = cin // G, cout // G
    x = _flatten(input if batched else [input], n + 2)
    w = _flatten(weight, n + 2)
    plane = 1
    for size in sizes:
        plane *= size
    taps = 1
    for k in kernel:
        taps *= k
    # bookkeeping: for each output multi-index, the (input offset, tap offset) pairs landing
    in_index = {pos: idx for idx, pos in enumerate(itertools.product(*(range(s) for s in sizes)))}
    tap_index = list(itertools.product(*(range(k) for k in kernel)))
    pairs_at: list[list[tuple[int, int]]] = []
    for j in itertools.product(*(range(o) for o in out)):
        pairs = []
        for t_idx, tap in enumerate(tap_index):
            pos = []
            for ja, ka, sa, pa, da in zip(j, tap, strides, pads, dils):
                num = ja + pa - ka * da
                if num % sa:
                    break
                pos.append(num // sa)
            else:
                idx = in_index.get(tuple(pos))
                if idx is not None:
                    pairs.append((idx, t_idx))
        pairs_at.append(pairs)

    multiplications = additions = 0
    result: list[Any] = []
    for sample in range(batch):
        for co in range(cout):
            group, co_in_group = divmod(co, og)
            for pairs in pairs_at:
                acc: Any = None
                for ci in range(group * cg, (group + 1) * cg):
                    x_base = (sample * cin + ci) * plane
                    w_base = (ci * og + co_in_group) * taps
                    for idx, t_idx in pairs:
                        product = x[x_base + idx] * w[w_base + t_idx]
                        multiplications += 1
                        if acc is None:  # the first product starts the sum
                            acc = product
                        else:
                            acc = acc + product
                            additions += 1
                if acc is None:  # no pair lands: the value is the bias, or 0; no arithmetic
                    acc = bias[co] if bias is not None else 0
                elif bias is not None:
                    acc = acc + bias[co]
                    additions += 1
                result.append(acc)
    shape = (batch, cout) + tuple(out)
    nested = _nest(result, shape)
    counts = TransposeCounts(multiplications, additions, 0, shape if batched else shape[1:])
    return (nested if batched else nested[0]), counts


def conv_transpose_scatter_nd(input: Any, weight: Any, bias: Any = None, stride: Any = 1,
                              padding: Any = 0, output_padding: Any = 0, dilation: Any = 1,
                              groups: int = 1) -> tuple[list[Any], TransposeCounts]:
    """Transposed convolution, scatter form: every input element times the whole kernel (for
    each output channel of its group), each product accumulated where it lands, dropped where
    padding crops it; then the bias. ``scatter_products`` counts every ``*``."""
    n, batched, batch, cin, cout, v = _prepare(input, weight, bias, stride, padding,
                                               output_padding, dilation, groups)
    sizes, kernel = v["input_size"], v["kernel_size"]
    strides, pads, dils, out = v["stride"], v["padding"], v["dilation"], v["output_size"]
    G = v["groups"]
    cg, og = cin // G, cout // G
    x = _flatten(input if batched else [input], n + 2)
    w = _flatten(weight, n + 2)
    positions = list(itertools.product(*(range(s) for s in sizes)))
    taps = list(itertools.product(*(range(k) for k in kernel)))
    out_plane = 1
    ostrides = []
    for o in reversed(out):
        ostrides.append(out_plane)
        out_plane *= o
    ostrides.reverse()
    # bookkeeping: where (position, tap) lands, or None when cropped
    land = [[None] * len(taps) for _ in positions]
    for pi, pos in enumerate(positions):
        for ti, tap in enumerate(taps):
            j = [i * s + k * d - p for i, k, s, p, d in zip(pos, tap, strides, pads, dils)]
            if all(0 <= ja < oa for ja, oa in zip(j, out)):
                land[pi][ti] = sum(ja * st for ja, st in zip(j, ostrides))
    products = additions = 0
    y: list[Any] = [None] * (batch * cout * out_plane)
    for sample in range(batch):
        for ci in range(cin):
            group = ci // cg
            for co in range(group * og, (group + 1) * og):
                w_base = (ci * og + co - group * og) * len(taps)
                y_base = (sample * cout + co) * out_plane
                for pi in range(len(positions)):
                    xv = x[(sample * cin + ci) * len(positions) + pi]
                    targets = land[pi]
                    for ti in range(len(taps)):
                        product = xv * w[w_base + ti]
                        products += 1
                        target = targets[ti]
                        if target is None:  # cropped by padding: computed, then dropped
                            continue
                        if y[y_base + target] is None:
                            y[y_base + target] = product
                        else:
                            y[y_base + target] = y[y_base + target] + product
                            additions += 1
    for index in range(len(y)):
        co = (index // out_plane) % cout
        if y[index] is None:
            y[index] = bias[co] if bias is not None else 0
        elif bias is not None:
            y[index] = y[index] + bias[co]
            additions += 1
    shape = (batch, cout) + tuple(out)
    nested = _nest(y, shape)
    counts = TransposeCounts(products, additions, products, shape if batched else shape[1:])
    return (nested if batched else nested[0]), counts


def random_operands_transpose(batch_size: int | None, in_channels: int, out_channels: int,
                              input_size: Sequence[int], kernel_size: Sequence[int],
                              groups: int = 1, bias: bool = True, seed: int = 0,
                              low: int = -4, high: int = 4):
    """Random small-integer nested ``(input, weight, bias)``; weight ``(C_in, C_out/G, *K)``."""
    rng = random.Random(seed)
    in_shape = ((in_channels,) if batch_size is None else (batch_size, in_channels)) \
        + tuple(input_size)
    w_shape = (in_channels, out_channels // groups) + tuple(kernel_size)

    def draw(shape):
        count = 1
        for s in shape:
            count *= s
        return _nest([rng.randint(low, high) for _ in range(count)], shape)

    x, w = draw(in_shape), draw(w_shape)
    b = [rng.randint(low, high) for _ in range(out_channels)] if bias else None
    return x, w, b


def count_transpose_nd(batch_size: int | None, in_channels: int, out_channels: int,
                       input_size: Sequence[int], kernel_size: Sequence[int], stride: Any = 1,
                       padding: Any = 0, output_padding: Any = 0, dilation: Any = 1,
                       groups: int = 1, bias: bool = True, seed: int = 0) -> TransposeCounts:
    """Run the gather form on random integers; its counts, with ``scatter_products`` from a run
    of the scatter form on the same data (whose output must equal the gather form's).

    Parameters as :func:`symconv.convtranspose.conv_transpose_quantities` (``input_size`` an
    int or a 1-tuple for 1-d); validated first (PyTorch's rules, errors naming the parameter).
    """
    dims = len(input_size) if isinstance(input_size, (tuple, list)) else 1
    if dims == 1 and isinstance(input_size, (tuple, list)):
        input_size = input_size[0]  # a 1-tuple, as the n-d shape of a 1-d input
    v = validate(dims, batch_size, in_channels, out_channels, input_size, kernel_size, stride,
                 padding, output_padding, dilation, groups, bias)
    x, w, b = random_operands_transpose(batch_size and v["batch_size"], v["in_channels"],
                                        v["out_channels"], v["input_size"], v["kernel_size"],
                                        v["groups"], v["bias"], seed)
    args = (v["stride"], v["padding"], v["output_padding"], v["dilation"], v["groups"])
    y, gather = conv_transpose_nd(x, w, b, *args)
    y2, scatter = conv_transpose_scatter_nd(x, w, b, *args)
    if y != y2:
        raise AssertionError("gather and scatter forms disagree")
    return gather._replace(scatter_products=scatter.scatter_products)




def landings_nd_array(sizes: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
                      padding: Sequence[int], output_padding: Sequence[int],
                      dilation: Sequence[int]):
    """:func:`landings_nd` vectorized with NumPy: ``(out, t)`` with ``t`` an int64 array of
    the output's shape holding the number of n-d pairs landing on each multi-index.

    Every n-d pair ``(i⃗, k⃗)`` is enumerated (as the broadcast of the per-dimension pair
    lists) and its landing multi-index counted with ``bincount``: nothing assumes the
    product structure of ``t``. For sweeps of many small configurations.
    """
    import numpy as np

    n = len(sizes)
    out = tuple((i - 1) * s - 2 * p + d * (k - 1) + op + 1
                for i, k, s, p, op, d in zip(sizes, kernel, stride, padding, output_padding,
                                             dilation))
    linear = np.zeros((1,) * n, dtype=np.int64)
    valid = np.ones((1,) * n, dtype=bool)
    scale = 1
    for axis in range(n - 1, -1, -1):
        i = np.arange(sizes[axis]).repeat(kernel[axis])
        k = np.tile(np.arange(kernel[axis]), sizes[axis])
        j = i * stride[axis] + k * dilation[axis] - padding[axis]
        shape = [1] * n
        shape[axis] = j.size
        j = j.reshape(shape)
        valid = valid & (j >= 0) & (j < out[axis])
        linear = linear + j * scale
        scale *= out[axis]
    linear, valid = np.broadcast_arrays(linear, valid)
    t = np.bincount(linear[valid], minlength=scale).reshape(out)
    return out, t
