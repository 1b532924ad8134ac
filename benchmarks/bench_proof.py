"""`symconv prove <layer>`, the whole process, against `python -c "import sympy"`, side by side.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_proof.py [--repeat 7] [--layers conv1d conv_transpose2d]
        [--against DIR]

Each repetition runs, one after the other, `python -c "import sympy"` and then
`symconv prove LAYER` for every registered layer (a fresh process each: imports, building
the specifications, the exact decisions, the witness points and the closed-form checks of
the transposed layers). symconv keeps no proof results on disk, so every run is cold; only
Python's own bytecode cache (`__pycache__`) is warm, as for any installed package.

Printed per layer: the median wall time, the median of import sympy, and the ratio of the
two medians (goal: at most 3), with the number of witness points per claim (the default,
200) and the claims that hold.

``--against DIR`` (a checkout of another version of symconv, e.g. ``git worktree add DIR
COMMIT``) also runs that version's ``symconv prove LAYER`` (the same console script with
``PYTHONPATH=DIR``) in each repetition, right after this one's: before and after side by
side, under the same load.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _machine import machine  # noqa: E402  (benchmarks/_machine.py)

GOAL = 3.0


def symconv_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m symconv``."""
    script = Path(sys.executable).with_name("symconv")
    if script.exists():
        return [str(script)]
    found = shutil.which("symconv")
    return [found] if found else [sys.executable, "-m", "symconv"]


#: CPU time (user + system) of every run, by command line and path: less sensitive than
#: wall time to the other jobs of a shared machine.
CPU: dict[tuple, list[float]] = {}


def run(command: list[str], path: str | None = None) -> tuple[float, str]:
    # Python writes its bytecode cache as for an installed package (the first, warming run
    # writes it), also where the environment asks it not to
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if path is not None:
        env["PYTHONPATH"] = path
    start, used = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed, now = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.setdefault((tuple(command), path), []).append(
        now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n"
                         f"{done.stderr}")
    return elapsed, done.stdout


def main() -> int:
    from symconv.registry import names

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--layers", nargs="*", default=None)
    parser.add_argument("--against", metavar="DIR", default=None,
                        help="a checkout of another symconv version, run side by side as 'before'")
    args = parser.parse_args()
    layers = args.layers or list(names())
    prove = symconv_command()
    baseline = [sys.executable, "-c", "import sympy"]
    against = str(Path(args.against).resolve()) if args.against else None

    times: dict[str, list[float]] = {"import sympy": [], **{layer: [] for layer in layers}}
    before: dict[str, list[float]] = {layer: [] for layer in layers}
    summary: dict[str, str] = {}
    run(baseline)  # warm the file cache once
    for layer in layers:
        run([*prove, "prove", layer])  # and the bytecode caches
        if against:
            run([*prove, "prove", layer], against)
    for _ in range(args.repeat):
        times["import sympy"].append(run(baseline)[0])
        for layer in layers:
            elapsed, out = run([*prove, "prove", layer])
            times[layer].append(elapsed)
            summary[layer] = out.strip().splitlines()[-1]
            if against:
                before[layer].append(run([*prove, "prove", layer], against)[0])

    base = statistics.median(times["import sympy"])
    print(f"machine: {machine(sympy=True, compiler=False)}; load average {os.getloadavg()[0]:.1f} at the end")
    print(f"{args.repeat} repetitions, medians; import sympy: {base:.3f} s "
          f"(min {min(times['import sympy']):.3f} s)")
    if against:
        print(f"before: {against}")
    print(f"{'layer':<18} {'prove (s)':>9} {'min (s)':>8} {'ratio':>6}  goal <= {GOAL:g}  claims"
          + ("   before (s)  ratio" if against else ""))
    worst = 0.0
    for layer in layers:
        median = statistics.median(times[layer])
        ratio = median / base
        worst = max(worst, ratio)
        points = re.search(r"(\d+) witness points each", summary[layer])
        claims = re.match(r"(\d+/\d+) claims hold", summary[layer])
        print(f"{layer:<18} {median:>9.3f} {min(times[layer]):>8.3f} {ratio:>6.2f}  "
              f"{'met' if ratio <= GOAL else 'MISSED':<10} "
              f"{claims.group(1) if claims else '?'} claims, "
              f"{points.group(1) if points else '?'} witness points each"
              + (f"   {statistics.median(before[layer]):>10.3f} "
                 f"{statistics.median(before[layer]) / base:>6.2f}" if against else ""))
    print(f"worst ratio {worst:.2f}")
    cpu_base = statistics.median(CPU[(tuple(baseline), None)][1:])
    print(f"CPU time (user + system), medians; import sympy: {cpu_base:.3f} s")
    for layer in layers:
        command = tuple([*prove, "prove", layer])
        mine = statistics.median(CPU[(command, None)][1:])
        other = statistics.median(CPU[(command, against)][1:]) if against else None
        print(f"{layer:<18} {mine:>9.3f} s {mine / cpu_base:>6.2f}"
              + (f"   before {other:.3f} s {other / cpu_base:.2f}" if against else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
