"""The machine a benchmark ran on, described in one line (shared by the benchmarks)."""

from __future__ import annotations

import os
import platform
import subprocess


def machine(*, sympy: bool = False, compiler: bool = True) -> str:
    """Cores, CPU model, Python, NumPy (and SymPy, the C compiler) versions."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    parts = [f"{os.cpu_count()} cores, {cpu}", f"Python {platform.python_version()}"]
    if sympy:
        import sympy as sp

        parts.append(f"SymPy {sp.__version__}")
    try:
        import numpy as np

        parts.append(f"NumPy {np.__version__}")
    except ImportError:
        parts.append("no NumPy")
    if compiler:
        try:
            from symconv import cbackend

            parts.append(subprocess.run([*cbackend.compiler(), "--version"], capture_output=True,
                                        text=True).stdout.splitlines()[0])
        except Exception:  # noqa: BLE001 - description only
            parts.append("no C compiler")
    return "; ".join(parts)
