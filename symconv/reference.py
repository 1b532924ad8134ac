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
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Sequence

from .validation import check_bias, check_conv1d, check_groups, check_size

__all__ = ["OpCounts", "conv1d", "random_operands", "count_conv1d_ops"]

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
    if bias is not None:
        b_shape = _shape(bias, "bias")
        if b_shape != (out_channels,):
            raise ValueError(f"bias must be 1-D of length out_channels={out_channels}, "
                             f"got shape {b_shape}")

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
