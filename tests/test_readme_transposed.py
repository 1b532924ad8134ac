"""README's table of transposed convolutions (moduleprofiler against symconv): every number
symconv, the counting reference and torch's FlopCounterMode give is recomputed here; the
moduleprofiler column and the ratio too when moduleprofiler is installed."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

import symconv
from symconv.reference_transpose import count_transpose_nd

ROOT = Path(__file__).resolve().parents[1]


def _cases():
    spec = importlib.util.spec_from_file_location(
        "transposed_cases", ROOT / "benchmarks" / "transposed_cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CASES


CASES = _cases()


def _row(label: str) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith(f"| {label} (")]
    assert len(rows) == 1, (label, rows)
    return [cell.strip() for cell in rows[0].strip("|").split("|")]


def _int(cell: str) -> int:
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", cell), cell
    return int(cell.replace(",", ""))


def test_the_table_lists_every_case():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines()
            if any(line.startswith(f"| {case[0]} (") for case in CASES)]
    assert len(rows) == len(CASES) == 9


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_readme_row_equals_what_symconv_the_reference_and_torch_compute(case):
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    label, dims, n, cin, cout, size, k, s, p, op, d, g, bias = case
    cells = _row(label)
    assert cells[0] == f"{label} ({cin}→{cout}, {'unbatched' if n is None else f'N={n}'})"
    sizes = size if isinstance(size, tuple) else (size,)
    params = dict(batch_size=n, in_channels=cin, out_channels=cout, kernel_size=k, stride=s,
                  padding=p, output_padding=op, dilation=d, groups=g, bias=bias)
    if dims == 1:
        ours = symconv.conv_transpose1d_ops(input_length=size, **params)
    else:
        ours = getattr(symconv, f"conv_transpose{dims}d_ops")(input_size=size, **params)
    reference = count_transpose_nd(n, cin, cout, sizes, (k,) * dims, s, p, op, d, g, bias)
    module = getattr(torch.nn, f"ConvTranspose{dims}d")(cin, cout, k, s, p, op, g, bias, d)
    x = torch.zeros((cin, *sizes) if n is None else (n, cin, *sizes))
    with FlopCounterMode(display=False) as counter:
        module(x)
    assert _int(cells[2]) == ours == reference.total
    assert _int(cells[3]) == reference.total
    assert _int(cells[5]) == counter.get_total_flops()
    try:
        from moduleprofiler import ModuleProfiler
    except ImportError:
        return  # optional comparison: its column is checked where it is installed
    theirs = ModuleProfiler().estimate_ops(module, x)["__root__"]["ops"]
    assert _int(cells[1]) == theirs
    assert cells[4] == f"{theirs / ours:.4g}×"
