"""Numbers without SymPy: the whole process of one count against ``import sympy``.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_import.py [--repeat 15]

Each row is a fresh interpreter (``python -c ...``), timed from the outside, the median of
--repeat runs; the ratio is to ``python -c "import sympy"`` measured in the same run
(interleaved, so a busy machine slows both alike). Target (issue 12): ``import symconv`` plus
one count ≤ 0.3× ``import sympy``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time

CASES = {
    "python (nothing)": "pass",
    "import sympy": "import sympy",
    "import symconv": "import symconv",
    "import symconv; conv1d_ops": "import symconv; symconv.conv1d_ops(8, 16, 32, 100, 3)",
    "import symconv; conv2d_ops": "import symconv; symconv.conv2d_ops(8, 3, 64, (224, 224), 7, 2, 3)",
    "import symconv; conv_transpose2d_ops":
        "import symconv; symconv.conv_transpose2d_ops(8, 64, 32, (28, 28), 4, stride=2, padding=1)",
    "import symconv; count(conv1d, torch)":
        "import symconv; symconv.count('conv1d', convention='torch', batch_size=8, in_channels=16,"
        " out_channels=32, input_length=100, kernel_size=3)",
    "import symconv; count(conv3d, ptflops-sample)":
        "import symconv; symconv.count('conv3d', convention='ptflops-sample', batch_size=2,"
        " in_channels=3, out_channels=8, input_size=(16, 16, 16), kernel_size=3)",
}


def _once(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    for code in CASES.values():  # warm the file cache and the bytecode
        _once(code)
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(args.repeat):
        for name, code in CASES.items():
            times[name].append(_once(code))
    base = statistics.median(times["import sympy"])
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"median of {args.repeat} fresh processes each")
    print(f"{'process':48} {'median ms':>10} {'x import sympy':>15}")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:48} {med * 1e3:10.1f} {med / base:15.2f}")


if __name__ == "__main__":
    main()
