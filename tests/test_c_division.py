"""The exact quotient of the C evaluators (symconv_quotient and floor_div in
symconv/codegen/symconv_checked.c): a double estimate corrected and verified in integers, and
the integer-only path (SYMCONV_INTEGER_DIVISION, or no floating-point registers). Both are
compiled into a small driver and compared, on the boundary cases and a random sweep, with
Python's exact ``//`` and with C's own ``/``."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

HELPERS = Path(__file__).resolve().parent.parent / "symconv" / "codegen"
GENERATED = Path(__file__).resolve().parent.parent / "generated"
COMPILERS = [cc for cc in ("gcc", "clang") if shutil.which(cc)]
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-O2"]
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

pytestmark = pytest.mark.skipif(not COMPILERS, reason="no C compiler (gcc/clang)")

DRIVER = r"""
#include "symconv_floorsum.c"
#include <stdio.h>

int main(void)
{
    long long a, b;
#ifdef SYMCONV_FLOAT_ESTIMATE
    printf("estimate 1\n");
#else
    printf("estimate 0\n");
#endif
    while (scanf("%lld %lld", &a, &b) == 2) {
        int overflow = 0;
        const int64_t f = floor_div((int64_t)a, (int64_t)b, &overflow);
        if (a >= 0 && b > 0) {
            /* the quotient, floor division and C's truncating division agree here */
            printf("%lld %lld %lld %d\n", (long long)symconv_quotient((int64_t)a, (int64_t)b),
                   (long long)((int64_t)a / (int64_t)b), (long long)f, overflow);
        } else {
            printf("- - %lld %d\n", (long long)f, overflow);
        }
    }
    return (int)(floor_sum_checked(0, 1, 0, 0, &overflow_unused) + int64_gcd(0, 0)
                 + int64_max(0, 0) + int64_min(0, 0))
           + (int)(wide_less(wide_of(0), wide_add(wide_sub(wide_of(1), wide_of(0)),
                                                  wide_mul(wide_of(1), wide_of(1)))) - 1)
           + (int)checked_sub(0, 0, &overflow_unused);
}
""".replace("int main(void)\n{", "static int overflow_unused;\n\nint main(void)\n{")


def boundary_pairs() -> list[tuple[int, int]]:
    """Numerators around q*b for quotients near 2^30, 2^31, 2^32, 2^52, 2^53, 2^62, 2^63 and
    divisors 1, 2, 3, 7, primes and powers of two near the limits, INT64_MAX; plus 0, 1 and
    INT64_MAX over every divisor, and negative operands for floor_div."""
    divisors = [1, 2, 3, 7, 10, 1000003, 2**26 + 1, 2**30, 2**31 - 1, 2**32 - 1, 2**32,
                2**32 + 1, 2**52 - 1, 2**52 + 1, 2**53 - 1, 2**53, 2**53 + 1, 2**62 - 1, 2**62,
                INT64_MAX - 1, INT64_MAX]
    quotients = [0, 1, 2, 2**30, 2**31, 2**32, 2**52, 2**53, 2**62, 2**63 - 1]
    pairs = set()
    for b in divisors:
        for q0 in quotients:
            for q in (q0 - 1, q0, q0 + 1):
                for r in (-1, 0, 1, b - 2, b - 1, b):
                    a = q * b + r
                    if 0 <= a <= INT64_MAX:
                        pairs.add((a, b))
        for a in (0, 1, 2, b - 1, b, b + 1, 2**53 - 1, 2**53, 2**53 + 1, INT64_MAX - 1, INT64_MAX):
            if 0 <= a <= INT64_MAX:
                pairs.add((a, b))
    signed = set()
    for a, b in list(pairs)[::7]:
        signed.update({(-a, b), (a, -b), (-a, -b)})
    signed.update({(INT64_MIN, 1), (INT64_MIN, 2), (INT64_MIN, 3), (INT64_MIN, INT64_MAX),
                   (INT64_MIN, -1), (INT64_MIN, -2), (INT64_MAX, -1), (5, 0), (0, -7)})
    return sorted(pairs) + sorted(p for p in signed if INT64_MIN <= p[0] <= INT64_MAX)


def random_pairs(count: int, seed: int = 1) -> list[tuple[int, int]]:
    """Operands of every bit length (so both sides of 2^32 and 2^53), with exact multiples."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        b = rng.getrandbits(rng.randint(1, 63)) or 1
        if rng.random() < 0.3:
            a = min(INT64_MAX, b * rng.getrandbits(rng.randint(0, 62)) + rng.choice((-1, 0, 1)))
        else:
            a = rng.getrandbits(rng.randint(0, 63))
        out.append((max(0, a), b))
    return out


def _floor(a: int, b: int) -> tuple[int, int]:
    """(floor(a/b), overflow flag) as floor_div reports it."""
    if b == 0 or (a == INT64_MIN and b == -1):
        return 0, 1
    return a // b, 0


def _run(cc: str, flags: list[str], tmp_path: Path, pairs) -> tuple[int, list[str]]:
    src = tmp_path / "driver.c"
    src.write_text(DRIVER)
    exe = tmp_path / ("driver" + str(abs(hash((cc, *flags)))))
    built = subprocess.run([cc, *STRICT, *flags, "-I", str(HELPERS), str(src), "-o", str(exe)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    text = "".join(f"{a} {b}\n" for a, b in pairs)
    run = subprocess.run([str(exe)], input=text, capture_output=True, text=True)
    assert run.stderr == "", run.stderr[:2000]  # a sanitizer report fails the test
    lines = run.stdout.splitlines()
    return int(lines[0].split()[1]), lines[1:]


def _sanitizers(cc: str, tmp_path: Path) -> list[str]:
    flags = ["-fsanitize=undefined,float-cast-overflow", "-fno-sanitize-recover=all"]
    probe = tmp_path / "probe.c"
    probe.write_text("int main(void) { return 0; }\n")
    ok = subprocess.run([cc, *flags, str(probe), "-o", str(tmp_path / "probe")],
                        capture_output=True, text=True).returncode == 0
    return flags if ok else []


@pytest.mark.parametrize("cc", COMPILERS)
@pytest.mark.parametrize("path", ["estimate", "integer"])
def test_quotient_is_exact_on_the_boundary_cases(cc, path, tmp_path):
    flags = _sanitizers(cc, tmp_path) + (["-DSYMCONV_INTEGER_DIVISION"] if path == "integer" else [])
    pairs = boundary_pairs() + random_pairs(100_000)
    estimate, lines = _run(cc, flags, tmp_path, pairs)
    if path == "integer":
        assert estimate == 0
    elif re.search(r"x86_64|amd64|aarch64|arm64", subprocess.run(
            [cc, "-dumpmachine"], capture_output=True, text=True).stdout):
        assert estimate == 1, "the float estimate is not selected on a target that has it"
    assert len(lines) == len(pairs)
    wrong = []
    for (a, b), line in zip(pairs, lines):
        quotient, trunc, floor, overflow = line.split()
        want_floor, want_overflow = _floor(a, b)
        if (int(floor), int(overflow)) != (want_floor, want_overflow):
            wrong.append((a, b, line))
        if quotient != "-" and not int(quotient) == int(trunc) == a // b:
            wrong.append((a, b, line))
    assert not wrong, wrong[:10]


def test_the_boundary_cases_reach_the_limits():
    pairs = boundary_pairs()
    quotients = {a // b for a, b in pairs if b > 0 and a >= 0}
    for q in (2**30, 2**53, 2**63 - 1):
        assert {q - 1, q, q + 1} <= quotients | {2**63}, q
    assert {(0, 1), (INT64_MAX, 1), (INT64_MAX, INT64_MAX), (INT64_MIN, -1)} <= set(pairs)
    assert {1, 2, 3, 7, INT64_MAX} <= {b for _, b in pairs}
    # every branch of symconv_quotient: 32-bit, the double estimate, 64-bit
    ranges = [max(a, b).bit_length() for a, b in pairs if a >= 0 and b > 0]
    assert min(ranges) <= 32 and sum(32 < r <= 53 for r in ranges) > 200 and max(ranges) == 63


def _machine_code(cc: str, flags: list[str], src: Path, tmp_path: Path) -> str:
    asm = tmp_path / "out.s"
    subprocess.run([cc, "-std=c99", "-O3", *flags, "-S", str(src), "-o", str(asm)], check=True)
    return asm.read_text()


#: x86-64 instructions that read or write floating-point (SSE/AVX double) registers.
FLOAT_OPS = re.compile(r"\b(v?cvt\w*|v?divsd|v?divpd|v?mulsd|v?addsd|v?subsd|v?ucomisd)\b")


@pytest.mark.parametrize("cc", COMPILERS)
def test_float_is_confined_to_the_documented_quotient(cc, tmp_path):
    """Integers are exact: the only floating point of an evaluator is the estimate inside
    symconv_quotient (between its markers), which integers verify; with the integer path
    selected, the machine code has no floating-point instruction at all."""
    for src in sorted(GENERATED.glob("*_ops.c")):
        text = src.read_text(encoding="utf-8")
        start = text.index("/* --- exact quotient: the only floating point")
        end = text.index("/* --- end of the floating-point estimate --- */") + 49
        inside, outside = text[start:end], text[:start] + text[end:]
        code = re.sub(r"/\*.*?\*/", " ", outside, flags=re.S)
        assert not re.search(r"\b(double|float|long double)\b", code), src.name
        assert not re.search(r"\d\.\d|\d[eE][+-]?\d|0[xX][0-9a-fA-F.]*[pP]", code), src.name
        helper = re.sub(r"/\*.*?\*/", " ", inside, flags=re.S)
        # the double appears once, as the estimate, and its integer value is corrected
        assert helper.count("(double)") == 2, src.name
        assert "const int64_t q0 = (int64_t)((double)a / (double)b);" in helper
        assert "return q0 - (int64_t)(r < 0) + (int64_t)(r >= b);" in helper
        if shutil.which("uname") and "x86_64" in subprocess.run(
                [cc, "-dumpmachine"], capture_output=True, text=True).stdout:
            asm = _machine_code(cc, ["-DSYMCONV_INTEGER_DIVISION", "-I", str(GENERATED)], src,
                                tmp_path)
            found = FLOAT_OPS.search(asm)
            assert not found, f"{src.name}: {found.group(0)} with the integer path"


@pytest.mark.parametrize("cc", COMPILERS)
def test_general_regs_only_selects_the_integer_path(cc, tmp_path):
    """Without floating-point registers the estimate compiles out (no error, no soft float)."""
    probe = tmp_path / "p.c"
    probe.write_text("int x;\n")
    if subprocess.run([cc, "-mgeneral-regs-only", "-c", str(probe), "-o", str(tmp_path / "p.o")],
                      capture_output=True).returncode != 0:
        pytest.skip(f"{cc} has no -mgeneral-regs-only for this target")
    _, lines = _run(cc, ["-mgeneral-regs-only"], tmp_path, [(7, 2), (INT64_MAX, 3)])
    estimate, _ = _run(cc, ["-mgeneral-regs-only"], tmp_path, [])
    assert estimate == 0
    assert [line.split()[0] for line in lines] == [str(7 // 2), str(INT64_MAX // 3)]
