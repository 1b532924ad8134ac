"""Ground truth: a direct ``torch.nn.functional.conv1d`` in pure Python that
counts the arithmetic it performs.

:func:`conv1d` really computes the cross-correlation of PyTorch's
``conv1d`` (stride, zero padding as an int, ``'valid'`` or ``'same'``,
dilation, groups, optional bias) on nested lists, with the same
batched ``(N, C_in, L_in)`` / unbatched ``(C_in, L_in)`` shape convention,
and returns the output together with the number of multiplications and
additions it executed. No NumPy, no torch: every operation on data is a
plain Python ``*`` or ``+`` in the loop below, and each one increments a
counter on the line where it happens.

Counting convention (moduleprofiler: every ``*`` and every ``+``, the bias
additions when the layer has a bias, for the whole batch):

* The loop is direct: sample → output channel → output position → input
  channel of the group → kernel tap. Each step performs one product
  ``x * w`` (one multiplication).
* Each output element starts from its **first product**, not from 0, so
  summing ``C_in/G · K`` products costs ``C_in/G · K − 1`` additions.
* Zero padding is real: the input is copied into a zero-padded buffer and
  products with the padding value ``0`` are performed and counted, exactly
  as the kernel does in a dense implementation.
* The bias, when present, is added last: one addition per output element.
* Index arithmetic (positions, offsets) is bookkeeping, not arithmetic on
  data, and is not counted.

Per output element that is ``K·C_in/G`` multiplications and
``K·C_in/G − 1 + bias`` additions, so the total over ``N·C_out·L_out``
output elements is the formula ``N·(ψ·λ + γ)`` of :mod:`symconv.conv1d` —
which is what the test suite checks, configuration by configuration.

Data may be any objects supporting ``*`` and ``+`` together with the int
``0`` (ints, :class:`fractions.Fraction`, floats, SymPy expressions). With
ints or Fractions the output is exact; :func:`random_operands` and
:func:`count_conv1d_ops` build such data.

Parameters are validated with :func:`symconv.validation.check_conv1d`, so
bad input raises the same ``TypeError`` / ``ValueError`` (naming the
parameter, its value and the rule) as :func:`symconv.conv1d_ops`.

**n spatial dimensions.** :func:`conv_nd` is the same algorithm and the same
convention for Conv1d, Conv2d and Conv3d (``torch.nn.functional.conv1d/2d/3d``
semantics: per-dimension ``kernel_size``/``stride``/``padding``/``dilation``
as an int or a tuple, ``'same'``/``'valid'``, groups, bias, unbatched input).
Per output element it performs ``(C_in/G)·K_prod`` multiplications and
``(C_in/G)·K_prod − 1 + bias`` additions (``K_prod`` the product of the kernel
sizes). It works on flat data and performs the products of one kernel tap with
all output positions in one ``map`` call, counting the results as they are
produced (see the comment above :func:`conv_nd`), which keeps sweeps fast.
:func:`count_nd` runs it on random integers for a configuration,
:func:`output_shape_nd` / :func:`output_size_nd` validate and give the shapes
without computing; they validate on their own (PyTorch's rules, checked
against PyTorch by the test suite), with messages naming the parameter, its
value and the rule.
"""

from __future__ import annotations

import operator
import random
from dataclasses import dataclass
from itertools import chain, product, repeat
from typing import Any, Callable, NamedTuple, Sequence

from .validation import check_bias, check_conv1d, check_groups, check_size

__all__ = ["OpCounts", "conv1d", "random_operands", "count_conv1d_ops",
           "NdCounts", "conv_nd", "output_size_nd", "output_shape_nd", "random_operands_nd",
           "count_nd"]

#: A nested list (or tuple) of numbers: 1-D, 2-D or 3-D depending on the argument.
Nested = Sequence[Any]


@dataclass(frozen=True)
class OpCounts:
    """Arithmetic actually performed by :func:`conv1d`.

    Attributes:
        multiplications: number of ``*`` executed on data values.
        additions: number of ``+`` executed on data values, bias additions included.
    """

    multiplications: int
    additions: int

    @property
    def total(self) -> int:
        """Multiplications plus additions (the moduleprofiler count)."""
        return self.multiplications + self.additions


def _shape(value: Any, name: str) -> tuple[int, ...]:
    """Shape of a rectangular nested list/tuple; raise ``ValueError`` if ragged.

    The depth is read along the first elements (an empty sequence ends it);
    every other element is then checked to have the same shape.
    """
    dims: list[int] = []
    probe = value
    while isinstance(probe, (list, tuple)):
        dims.append(len(probe))
        if not probe:
            break
        probe = probe[0]

    def check(node: Any, depth: int, where: str) -> None:
        if depth == len(dims):
            if isinstance(node, (list, tuple)):
                raise ValueError(f"{name} is not rectangular: {name}{where} is nested deeper "
                                 f"than the shape {tuple(dims)} read from its first elements")
            return
        if not isinstance(node, (list, tuple)) or len(node) != dims[depth]:
            got = f"length {len(node)}" if isinstance(node, (list, tuple)) else repr(node)
            raise ValueError(f"{name} is not rectangular: {name}{where} has {got}, expected "
                             f"length {dims[depth]} (shape {tuple(dims)})")
        for i, child in enumerate(node):
            check(child, depth + 1, f"{where}[{i}]")

    check(value, 0, "")
    return tuple(dims)


def _same_padding(kernel_size: int, dilation: int) -> tuple[int, int]:
    """PyTorch's ``padding='same'``: total ``d·(K−1)``, the odd one extra on the right."""
    total = dilation * (kernel_size - 1)
    left = total // 2
    return left, total - left


def conv1d(input: Nested, weight: Nested, bias: Nested | None = None, stride: int = 1,
           padding: int | str = 0, dilation: int = 1,
           groups: int = 1) -> tuple[list[Any], OpCounts]:
    """Direct Conv1d with ``torch.nn.functional.conv1d`` semantics, counting its arithmetic.

    Args:
        input: nested list of shape ``(N, C_in, L_in)`` (batched) or
            ``(C_in, L_in)`` (unbatched).
        weight: nested list of shape ``(C_out, C_in/groups, K)``.
        bias: ``None`` or a list of ``C_out`` values, added last.
        stride, dilation, groups: positive ints.
        padding: int >= 0 zeros on each side, ``'valid'`` (0), or ``'same'``
            (stride 1 only; total ``dilation·(K−1)`` zeros, one more on the
            right when that is odd).

    Returns:
        ``(output, counts)``: ``output`` is a nested list of shape
        ``(N, C_out, L_out)``, or ``(C_out, L_out)`` for unbatched input;
        ``counts`` is the :class:`OpCounts` of the ``*`` and ``+`` performed.

    Raises:
        TypeError, ValueError: for bad parameters, with the messages of
            :func:`symconv.validation.check_conv1d`; ``ValueError`` for
            ragged or wrongly shaped operands.
    """
    in_shape = _shape(input, "input")
    if len(in_shape) not in (2, 3):
        raise ValueError(f"input must be 2-D (C_in, L_in) or 3-D (N, C_in, L_in), "
                         f"got shape {in_shape}")
    batched = len(in_shape) == 3
    x: Nested = input if batched else [input]
    batch_size, in_channels, input_length = (in_shape if batched else (1,) + in_shape)

    w_shape = _shape(weight, "weight")
    if len(w_shape) != 3:
        raise ValueError(f"weight must be 3-D (C_out, C_in/groups, K), got shape {w_shape}")
    out_channels, weight_in, kernel_size = w_shape

    v = check_conv1d(batch_size if batched else None, in_channels, out_channels,
                     input_length, kernel_size, stride, padding, dilation, groups,
                     bias is not None)
    stride, dilation, groups = v["stride"], v["dilation"], v["groups"]
    per_group_in = in_channels // groups
    per_group_out = out_channels // groups
    if weight_in != per_group_in:
        raise ValueError(f"weight of shape {w_shape} with groups={groups} expects input with "
                         f"{weight_in * groups} channels, got in_channels={in_channels} "
                         f"(input shape {in_shape})")
    _check_bias(bias, out_channels)

    if v["padding"] == "same":
        left, right = _same_padding(kernel_size, dilation)
    else:
        left = right = v["padding"]
    padded_length = input_length + left + right
    output_length = (padded_length - dilation * (kernel_size - 1) - 1) // stride + 1

    # Zero-padded copy: the padding values are real zeros that get multiplied.
    xp = [[[0] * left + list(row) + [0] * right for row in sample] for sample in x]

    multiplications = 0
    additions = 0
    out: list[Any] = []
    for n in range(batch_size):
        sample_out = []
        for co in range(out_channels):
            first_in = (co // per_group_out) * per_group_in
            w_co = weight[co]
            row_out = []
            for j in range(output_length):
                start = j * stride
                acc: Any = None
                for ci in range(per_group_in):
                    x_row = xp[n][first_in + ci]
                    w_row = w_co[ci]
                    for k in range(kernel_size):
                        product = x_row[start + k * dilation] * w_row[k]
                        multiplications += 1
                        if acc is None:  # the first product starts the sum
                            acc = product
                        else:
                            acc = acc + product
                            additions += 1
                if bias is not None:
                    acc = acc + bias[co]
                    additions += 1
                row_out.append(acc)
            sample_out.append(row_out)
        out.append(sample_out)

    counts = OpCounts(multiplications, additions)
    return (out if batched else out[0]), counts


def random_operands(batch_size: int | None, in_channels: int, out_channels: int,
                    input_length: int, kernel_size: int, groups: int = 1,
                    bias: bool = True, seed: int = 0,
                    low: int = -4, high: int = 4) -> tuple[list[Any], list[Any], list[Any] | None]:
    """Random small-integer ``(input, weight, bias)`` for a Conv1d configuration.

    Integers keep every result exact (also in float64, where sums of small
    integer products stay far below 2**53). ``batch_size=None`` gives an
    unbatched ``(C_in, L_in)`` input; ``bias=False`` gives ``None``.
    Values are drawn uniformly from ``[low, high]`` with ``random.Random(seed)``.

    Raises:
        TypeError, ValueError: for bad sizes, groups or bias (validation messages).
    """
    if batch_size is not None:
        batch_size = check_size("batch_size", batch_size)
    in_channels = check_size("in_channels", in_channels)
    out_channels = check_size("out_channels", out_channels)
    input_length = check_size("input_length", input_length)
    kernel_size = check_size("kernel_size", kernel_size)
    groups = check_size("groups", groups)
    bias = check_bias(bias)
    check_groups(in_channels, out_channels, groups)
    rng = random.Random(seed)

    def row(length: int) -> list[int]:
        return [rng.randint(low, high) for _ in range(length)]

    def sample() -> list[list[int]]:
        return [row(input_length) for _ in range(in_channels)]

    x = sample() if batch_size is None else [sample() for _ in range(batch_size)]
    weight = [[row(kernel_size) for _ in range(in_channels // groups)]
              for _ in range(out_channels)]
    b = row(out_channels) if bias else None
    return x, weight, b


def count_conv1d_ops(batch_size: int | None, in_channels: int, out_channels: int,
                     input_length: int, kernel_size: int, stride: int = 1,
                     padding: int | str = 0, dilation: int = 1, groups: int = 1,
                     bias: bool = True, seed: int = 0) -> int:
    """Count the operations of a Conv1d configuration by running :func:`conv1d`.

    Same parameters as :func:`symconv.conv1d_ops` (plus ``seed`` for the
    random integer data); the result is the number of ``*`` and ``+``
    really performed, to be compared with the formula.

    Raises:
        TypeError, ValueError: as :func:`symconv.conv1d_ops` for bad parameters.
    """
    v = check_conv1d(batch_size, in_channels, out_channels, input_length, kernel_size,
                     stride, padding, dilation, groups, bias)
    x, weight, b = random_operands(None if batch_size is None else v["batch_size"],
                                   v["in_channels"], v["out_channels"], v["input_length"],
                                   v["kernel_size"], v["groups"], v["bias"], seed)
    _, counts = conv1d(x, weight, b, v["stride"], padding, v["dilation"], v["groups"])
    return counts.total


# --- n spatial dimensions: Conv1d, Conv2d, Conv3d ----------------------------------------
#
# The same algorithm and the same counting convention as :func:`conv1d`, for 1, 2 or 3
# spatial dimensions (``torch.nn.functional.conv1d/conv2d/conv3d``). The data are kept
# flat (row-major) and the work is organised so that Python's interpreter loop runs once
# per (sample, input channel, kernel tap, output channel), not once per product: the
# products of one tap with every output position are one ``map(operator.mul, ...)``, and
# their accumulation into the output channel one ``map(operator.add, ...)``. Every
# element of those result lists is the result of exactly one ``*`` (or ``+``) executed on
# data, and the counters add the length of each result list as it is produced, so the
# count is still that of the operations performed. Per output element the products are
# summed in the order (input channel of the group, kernel tap in row-major order), starting
# from the first product; the bias is added last.

#: Spatial dimension counts the n-d reference supports (PyTorch's conv1d, conv2d, conv3d).
SPATIAL_DIMENSIONS = (1, 2, 3)

_PER_DIM_RULE = {
    "kernel_size": "kernel_size is a positive integer or a tuple of {n} positive integers",
    "stride": "stride is a positive integer or a tuple of {n} positive integers",
    "dilation": "dilation is a positive integer or a tuple of {n} positive integers",
    "padding": "padding is an integer >= 0, a tuple of {n} integers >= 0, 'same' or 'valid'",
}


class NdCounts(NamedTuple):
    """Arithmetic performed by :func:`conv_nd` / :func:`count_nd`, and the output's shape.

    Attributes:
        multiplications: number of ``*`` executed on data values.
        additions: number of ``+`` executed on data values, bias additions included.
        output_shape: shape of the output, ``(N, C_out, *out)`` or ``(C_out, *out)``
            for unbatched input.
    """

    multiplications: int
    additions: int
    output_shape: tuple[int, ...]

    @property
    def total(self) -> int:
        """Multiplications plus additions (symconv's count)."""
        return self.multiplications + self.additions


def _is_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    dtype = getattr(value, "dtype", None)
    return dtype is not None and (getattr(dtype, "kind", None) == "b"
                                  or str(dtype).endswith("bool"))


def _as_int(name: str, value: Any, shown: Any, rule: str) -> int:
    """``value`` as an int (ints and integer scalars with ``__index__``; no bool, no float)."""
    if _is_boolean(value) or not hasattr(type(value), "__index__"):
        raise TypeError(f"{name}={shown!r} ({type(value).__name__} is not an integer): {rule}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name}={shown!r} is not an integer: {rule}") from None


def _positive(name: str, value: Any, rule: str = "") -> int:
    """A positive int, or a ``TypeError``/``ValueError`` naming ``name``, the value and the rule."""
    rule = rule or f"{name} is a positive integer (>= 1)"
    v = _as_int(name, value, value, rule)
    if v < 1:
        raise ValueError(f"{name}={value!r}: {rule}")
    return v


def _per_dim(name: str, value: Any, n: int, minimum: int, single_ok: bool = True) -> tuple[int, ...]:
    """An int or a sequence of ``n`` ints (or of 1 int, as PyTorch's functional convs accept)
    as an ``n``-tuple of ints ``>= minimum``."""
    rule = _PER_DIM_RULE[name].format(n=n)
    if isinstance(value, (tuple, list)):
        if len(value) != n and not (single_ok and len(value) == 1):
            raise ValueError(f"{name}={value!r} has {len(value)} value"
                             f"{'s' if len(value) != 1 else ''} for {n} spatial "
                             f"dimension{'s' if n > 1 else ''}: {rule}")
        items = tuple(_as_int(name, item, value, rule) for item in value)
        if len(items) == 1:
            items = items * n
    else:
        items = (_as_int(name, value, value, rule),) * n
    if any(item < minimum for item in items):
        raise ValueError(f"{name}={value!r}: {rule}")
    return items


def _input_sizes(input_size: Any) -> tuple[int, ...]:
    """``input_size``: an int (1-d) or a tuple of 1, 2 or 3 positive ints."""
    rule = "input_size is a positive integer or a tuple of 1, 2 or 3 positive integers"
    if isinstance(input_size, (tuple, list)):
        if len(input_size) not in SPATIAL_DIMENSIONS:
            raise ValueError(f"input_size={input_size!r} has {len(input_size)} values: {rule}")
        sizes = tuple(_as_int("input_size", v, input_size, rule) for v in input_size)
    else:
        sizes = (_as_int("input_size", input_size, input_size, rule),)
    if any(v < 1 for v in sizes):
        raise ValueError(f"input_size={input_size!r}: {rule}")
    return sizes


def _plan(sizes: tuple[int, ...], kernel: tuple[int, ...], stride: Any, padding: Any,
          dilation: Any) -> tuple[tuple[int, ...], tuple[int, ...], tuple[tuple[int, int], ...],
                                  tuple[int, ...]]:
    """Validate the per-dimension parameters for input ``sizes`` and kernel ``kernel``.

    Returns ``(stride, dilation, pads, out)``: ``pads[i] = (left, right)`` zeros in
    dimension ``i`` and ``out[i]`` the output size there.
    """
    n = len(sizes)
    strides = _per_dim("stride", stride, n, 1)
    dilations = _per_dim("dilation", dilation, n, 1)
    if isinstance(padding, str):
        if padding == "same":
            if any(s != 1 for s in strides):
                raise ValueError(f"padding='same' with stride={stride!r}: padding='same' is only "
                                 f"supported with stride 1 in every dimension (PyTorch rule)")
            pads = tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
                         for k, d in zip(kernel, dilations))
        elif padding == "valid":
            pads = ((0, 0),) * n
        else:
            raise ValueError(f"padding={padding!r}: " + _PER_DIM_RULE["padding"].format(n=n))
    else:
        pads = tuple((p, p) for p in _per_dim("padding", padding, n, 0))
    out = []
    for i, (size, k, s, d, (left, right)) in enumerate(zip(sizes, kernel, strides, dilations,
                                                           pads)):
        span, padded = d * (k - 1) + 1, size + left + right
        if span > padded:
            raise ValueError(
                f"kernel_size={kernel if n > 1 else kernel[0]!r} with dilation={dilation!r}, "
                f"padding={padding!r} and input_size={sizes if n > 1 else sizes[0]!r}: in "
                f"dimension {i} the dilated kernel dilation*(kernel_size-1)+1 = {span} is longer "
                f"than the padded input input_size+left+right = {padded}; the dilated kernel must "
                f"fit in the padded input (output size >= 1)")
        out.append((padded - span) // s + 1)
    return strides, dilations, pads, tuple(out)


def output_size_nd(input_size: int | Sequence[int], kernel_size: int | Sequence[int],
                   stride: int | Sequence[int] = 1, padding: int | str | Sequence[int] = 0,
                   dilation: int | Sequence[int] = 1) -> tuple[int, ...]:
    """Output size per spatial dimension, by PyTorch's rules (the same code as :func:`conv_nd`).

    ``input_size`` fixes the number of dimensions n (an int is 1-d); ``kernel_size`` is an
    int or an n-tuple; ``stride``, ``padding`` and ``dilation`` an int, a 1-tuple or an
    n-tuple (as ``torch.nn.functional.conv2d`` accepts); ``padding`` also ``'same'``
    (stride 1 in every dimension; total ``d·(K−1)`` zeros, the odd one on the right) or
    ``'valid'``.

    Raises:
        TypeError, ValueError: naming the parameter, its value and the rule.
    """
    sizes = _input_sizes(input_size)
    kernel = _per_dim("kernel_size", kernel_size, len(sizes), 1, single_ok=len(sizes) == 1)
    return _plan(sizes, kernel, stride, padding, dilation)[3]


def _check_groups_nd(in_channels: int, out_channels: int, groups: Any) -> int:
    groups = _positive("groups", groups)
    if in_channels % groups:
        raise ValueError(f"groups={groups} with in_channels={in_channels}: groups must divide "
                         f"in_channels")
    if out_channels % groups:
        raise ValueError(f"groups={groups} with out_channels={out_channels}: groups must divide "
                         f"out_channels")
    return groups


def _gatherer(indices: list[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A function returning the elements at ``indices`` as a tuple (one C-level call)."""
    if len(indices) == 1:
        only = indices[0]
        return lambda seq: (seq[only],)
    return operator.itemgetter(*indices)


def _pad_plane(plane: Sequence[Any], sizes: tuple[int, ...],
               pads: tuple[tuple[int, int], ...]) -> list[Any]:
    """Row-major copy of one (sample, channel) plane inside a frame of real zeros."""
    padded_sizes = [s + left + right for s, (left, right) in zip(sizes, pads)]
    total = 1
    for s in padded_sizes:
        total *= s
    out: list[Any] = [0] * total
    row = sizes[-1]
    pstrides = [1] * len(sizes)
    for i in range(len(sizes) - 2, -1, -1):
        pstrides[i] = pstrides[i + 1] * padded_sizes[i + 1]
    origin = sum(left * st for (left, _), st in zip(pads, pstrides))
    src = 0
    for lead in product(*(range(s) for s in sizes[:-1])):
        dst = origin + sum(i * st for i, st in zip(lead, pstrides))
        out[dst:dst + row] = plane[src:src + row]
        src += row
    return out


def _conv_flat(x: Sequence[Any], batch: int, in_channels: int, sizes: tuple[int, ...],
               w: Sequence[Any], out_channels: int, kernel: tuple[int, ...],
               bias: Sequence[Any] | None, strides: tuple[int, ...], dilations: tuple[int, ...],
               pads: tuple[tuple[int, int], ...], out_sizes: tuple[int, ...],
               groups: int) -> tuple[list[Any], int, int]:
    """The direct convolution on flat row-major data; returns ``(output, *, +)``.

    ``x`` has shape ``(batch, in_channels, *sizes)``, ``w`` ``(out_channels,
    in_channels/groups, *kernel)``, the output ``(batch, out_channels, *out_sizes)``.
    """
    mul, add = operator.mul, operator.add
    n = len(sizes)
    plane_size = 1
    for s in sizes:
        plane_size *= s
    padded_sizes = [s + left + right for s, (left, right) in zip(sizes, pads)]
    pstrides = [1] * n
    for i in range(n - 2, -1, -1):
        pstrides[i] = pstrides[i + 1] * padded_sizes[i + 1]
    # Offsets of the output positions' windows, and of the kernel taps, in the padded plane
    # (index bookkeeping, not arithmetic on data).
    offsets = [sum(o * s * st for o, s, st in zip(pos, strides, pstrides))
               for pos in product(*(range(o) for o in out_sizes))]
    taps = [sum(k * d * st for k, d, st in zip(tap, dilations, pstrides))
            for tap in product(*(range(k) for k in kernel))]
    gathers = [_gatherer([base + off for off in offsets]) for base in taps]
    n_taps = len(taps)
    per_group_in = in_channels // groups
    per_group_out = out_channels // groups

    multiplications = 0
    additions = 0
    output: list[Any] = []
    for sample in range(batch):
        acc: list[list[Any] | None] = [None] * out_channels
        for group in range(groups):
            channels_out = range(group * per_group_out, (group + 1) * per_group_out)
            for ci in range(per_group_in):
                start = (sample * in_channels + group * per_group_in + ci) * plane_size
                plane = _pad_plane(x[start:start + plane_size], sizes, pads)
                for t, gather in enumerate(gathers):
                    window = gather(plane)
                    for co in channels_out:
                        weight = w[(co * per_group_in + ci) * n_taps + t]
                        products = list(map(mul, window, repeat(weight)))
                        multiplications += len(products)
                        previous = acc[co]
                        if previous is None:  # the first product starts each sum
                            acc[co] = products
                        else:
                            sums = list(map(add, previous, products))
                            additions += len(sums)
                            acc[co] = sums
        for co in range(out_channels):
            row = acc[co]
            assert row is not None
            if bias is not None:
                row = list(map(add, row, repeat(bias[co])))
                additions += len(row)
            output.extend(row)
    return output, multiplications, additions


def _check_bias(bias: Any, out_channels: int) -> None:
    """``ValueError`` unless ``bias`` is ``None`` or a 1-D sequence of ``out_channels`` values."""
    if bias is not None:
        b_shape = _shape(bias, "bias")
        if b_shape != (out_channels,):
            raise ValueError(f"bias must be 1-D of length out_channels={out_channels}, "
                             f"got shape {b_shape}")


def _flatten(value: Any, depth: int) -> list[Any]:
    flat = value
    for _ in range(depth - 1):
        flat = chain.from_iterable(flat)
    return list(flat)


def _nest(flat: list[Any], shape: tuple[int, ...]) -> list[Any]:
    nested: list[Any] = flat
    for size in reversed(shape[1:]):
        nested = [nested[i:i + size] for i in range(0, len(nested), size)]
    return nested


def conv_nd(input: Nested, weight: Nested, bias: Nested | None = None,
            stride: int | Sequence[int] = 1, padding: int | str | Sequence[int] = 0,
            dilation: int | Sequence[int] = 1, groups: int = 1) -> tuple[list[Any], NdCounts]:
    """Direct Conv1d/2d/3d with ``torch.nn.functional.conv{1,2,3}d`` semantics, counting
    its arithmetic.

    The number n of spatial dimensions is read from ``weight`` (shape
    ``(C_out, C_in/groups, *kernel)``, n = 1, 2 or 3).

    Args:
        input: nested list of shape ``(N, C_in, *sizes)`` or unbatched ``(C_in, *sizes)``.
        weight: nested list of shape ``(C_out, C_in/groups, K_1, ..., K_n)``.
        bias: ``None`` or a list of ``C_out`` values, added last.
        stride, dilation: a positive int, a 1-tuple or an n-tuple.
        padding: an int >= 0, a 1-tuple or an n-tuple of them (zeros on both sides),
            ``'valid'``, or ``'same'`` (stride 1 in every dimension; ``d_i·(K_i−1)`` zeros
            in dimension i, the odd one on the right).
        groups: a positive int dividing ``C_in`` and ``C_out``.

    Returns:
        ``(output, counts)``: the nested output of shape ``counts.output_shape``, and the
        :class:`NdCounts` of the ``*`` and ``+`` performed.

    Raises:
        TypeError, ValueError: naming the parameter, its value and the rule (PyTorch's rules);
            ``ValueError`` for ragged or mismatched operands.
    """
    w_shape = _shape(weight, "weight")
    if len(w_shape) - 2 not in SPATIAL_DIMENSIONS:
        raise ValueError(f"weight must have shape (C_out, C_in/groups, *kernel) with 1, 2 or 3 "
                         f"kernel dimensions, got shape {w_shape}")
    n = len(w_shape) - 2
    if min(w_shape) < 1:
        raise ValueError(f"weight of shape {w_shape} is empty: every dimension must be >= 1")
    in_shape = _shape(input, "input")
    if len(in_shape) not in (n + 1, n + 2):
        raise ValueError(f"input must be {n + 1}-D (C_in, *sizes) or {n + 2}-D (N, C_in, *sizes) "
                         f"for a weight of shape {w_shape}, got shape {in_shape}")
    if min(in_shape) < 1:
        raise ValueError(f"input of shape {in_shape} is empty: every dimension must be >= 1")
    batched = len(in_shape) == n + 2
    batch, in_channels, *rest = in_shape if batched else (1,) + in_shape
    sizes = tuple(rest)
    out_channels, weight_in, *kernel_list = w_shape
    kernel = tuple(kernel_list)
    groups = _positive("groups", groups)
    if weight_in * groups != in_channels:
        raise ValueError(f"weight of shape {w_shape} with groups={groups} expects input with "
                         f"{weight_in * groups} channels, got in_channels={in_channels} "
                         f"(input shape {in_shape})")
    groups = _check_groups_nd(in_channels, out_channels, groups)
    _check_bias(bias, out_channels)
    strides, dilations, pads, out_sizes = _plan(sizes, kernel, stride, padding, dilation)

    x_flat = _flatten(input, len(in_shape))
    w_flat = _flatten(weight, len(w_shape))
    out, multiplications, additions = _conv_flat(
        x_flat, batch, in_channels, sizes, w_flat, out_channels, kernel,
        None if bias is None else list(bias), strides, dilations, pads, out_sizes, groups)
    shape = (batch, out_channels) + out_sizes
    nested = _nest(out, shape)
    counts = NdCounts(multiplications, additions,
                      shape if batched else shape[1:])
    return (nested if batched else nested[0]), counts


def _check_config_nd(batch_size: Any, in_channels: Any, out_channels: Any, input_size: Any,
                     kernel_size: Any, groups: Any, bias: Any
                     ) -> tuple[int | None, int, int, tuple[int, ...], tuple[int, ...], int, bool]:
    if batch_size is not None:
        batch_size = _positive("batch_size", batch_size)
    in_channels = _positive("in_channels", in_channels)
    out_channels = _positive("out_channels", out_channels)
    sizes = _input_sizes(input_size)
    kernel = _per_dim("kernel_size", kernel_size, len(sizes), 1, single_ok=len(sizes) == 1)
    groups = _check_groups_nd(in_channels, out_channels, groups)
    if not (isinstance(bias, bool) or (not _is_boolean(bias) and bias in (0, 1)
                                       and hasattr(type(bias), "__index__"))):
        raise TypeError(f"bias={bias!r}: bias is True or False (or 0 or 1)")
    return batch_size, in_channels, out_channels, sizes, kernel, groups, bool(bias)


def _random_flat(rng: random.Random, count: int, low: int, high: int) -> list[int]:
    return [rng.randint(low, high) for _ in range(count)]


def random_operands_nd(batch_size: int | None, in_channels: int, out_channels: int,
                       input_size: int | Sequence[int], kernel_size: int | Sequence[int],
                       groups: int = 1, bias: bool = True, seed: int = 0, low: int = -4,
                       high: int = 4) -> tuple[list[Any], list[Any], list[Any] | None]:
    """Random small-integer nested ``(input, weight, bias)`` for an n-d configuration.

    ``batch_size=None`` gives unbatched input ``(C_in, *input_size)``; ``bias=False``
    gives ``None``. Values are uniform in ``[low, high]`` (``random.Random(seed)``), drawn
    in the order input, weight, bias, each row-major.

    Raises:
        TypeError, ValueError: for bad sizes, groups or bias, naming the parameter.
    """
    batch, cin, cout, sizes, kernel, groups, bias = _check_config_nd(
        batch_size, in_channels, out_channels, input_size, kernel_size, groups, bias)
    rng = random.Random(seed)
    in_shape = (cin,) + sizes if batch is None else (batch, cin) + sizes
    w_shape = (cout, cin // groups) + kernel
    x = _random_flat(rng, _product(in_shape), low, high)
    w = _random_flat(rng, _product(w_shape), low, high)
    b = _random_flat(rng, cout, low, high) if bias else None
    return _nest(x, in_shape), _nest(w, w_shape), b


def _product(values: Sequence[int]) -> int:
    result = 1
    for v in values:
        result *= v
    return result


def output_shape_nd(batch_size: int | None, in_channels: int, out_channels: int,
                    input_size: int | Sequence[int], kernel_size: int | Sequence[int],
                    stride: int | Sequence[int] = 1, padding: int | str | Sequence[int] = 0,
                    dilation: int | Sequence[int] = 1, groups: int = 1,
                    bias: bool = True) -> tuple[int, ...]:
    """Validate a whole n-d configuration (the checks of :func:`count_nd`) and return the
    output shape ``(N, C_out, *out)`` (``(C_out, *out)`` when ``batch_size`` is None)
    without computing anything.

    Raises:
        TypeError, ValueError: naming the parameter, its value and the rule.
    """
    batch, _, cout, sizes, kernel, _, _ = _check_config_nd(
        batch_size, in_channels, out_channels, input_size, kernel_size, groups, bias)
    out_sizes = _plan(sizes, kernel, stride, padding, dilation)[3]
    return ((cout,) if batch is None else (batch, cout)) + out_sizes


def count_nd(batch_size: int | None, in_channels: int, out_channels: int,
             input_size: int | Sequence[int], kernel_size: int | Sequence[int],
             stride: int | Sequence[int] = 1, padding: int | str | Sequence[int] = 0,
             dilation: int | Sequence[int] = 1, groups: int = 1, bias: bool = True,
             seed: int = 0) -> NdCounts:
    """Count the arithmetic of an n-d convolution by running it on random integer data.

    Parameters as ``symconv.conv2d_ops`` (``input_size`` a tuple of n sizes, an int for
    1-d; ``batch_size=None`` is unbatched input), plus ``seed`` for the data. The
    convolution is really computed (the same code as :func:`conv_nd`, on flat data).

    Returns:
        :class:`NdCounts` ``(multiplications, additions, output_shape)``.

    Raises:
        TypeError, ValueError: naming the parameter, its value and the rule.
    """
    batch, cin, cout, sizes, kernel, groups, bias = _check_config_nd(
        batch_size, in_channels, out_channels, input_size, kernel_size, groups, bias)
    strides, dilations, pads, out_sizes = _plan(sizes, kernel, stride, padding, dilation)
    rng = random.Random(seed)
    n_batch = 1 if batch is None else batch
    x = _random_flat(rng, n_batch * cin * _product(sizes), -4, 4)
    w = _random_flat(rng, cout * (cin // groups) * _product(kernel), -4, 4)
    b = _random_flat(rng, cout, -4, 4) if bias else None
    _, multiplications, additions = _conv_flat(x, n_batch, cin, sizes, w, cout, kernel, b,
                                               strides, dilations, pads, out_sizes, groups)
    shape = (cout,) + out_sizes
    return NdCounts(multiplications, additions, shape if batch is None else (batch,) + shape)
