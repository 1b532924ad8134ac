"""The integer code printers' shared logic (symconv.printing.code._IntegerMixin).

One ``parenthesize``, one refusal of inexact products, one ``_print_Mul`` and one infix
power for IntegerPythonPrinter and PlainCPrinter (CheckedCPrinter and WideCPrinter fold
the same products into helper calls). Checked here: exact strings for the places where
the two infix printers differ only by how ``FloorDiv`` binds, the same refusals from
every printer, and round trips: the printed text, run as Python or compiled as C, gives
the exact value of random expression trees.
"""

from __future__ import annotations

import random
import shutil
import subprocess

import pytest
import sympy as sp

from symconv.functions import FloorDiv
from symconv.printing.code import (CheckedCPrinter, IntegerCodeError, IntegerPythonPrinter,
                                   PlainCPrinter, WideCPrinter, c_code, plain_c_code, python_code)

a, b, c = sp.symbols("a b c", integer=True, positive=True)
NAMES = {a: "a", b: "b", c: "c"}
C_OPS = {"add": "ADD", "sub": "SUB", "mul": "MUL", "floordiv": "FLOORDIV"}
WIDE_OPS = {"of": "OF", "add": "ADD", "sub": "SUB", "mul": "MUL"}


def plain_div(num: str, den: str) -> str:
    return f"(int64_t)((uint32_t)({num}) / (uint32_t)({den}))"


@pytest.mark.parametrize("expr, python, plain", [
    (c * FloorDiv(a, b), "c*(a//b)", "c*" + plain_div("a", "b")),
    (FloorDiv(a * b, c), "a*b//c", plain_div("a*b", "c")),
    (FloorDiv(a + b, c), "(a + b)//c", plain_div("a + b", "c")),
    (FloorDiv(FloorDiv(a, b), c), "a//b//c", plain_div(plain_div("a", "b"), "c")),
    (FloorDiv(a, FloorDiv(b, c)), "a//(b//c)", plain_div("a", plain_div("b", "c"))),
    (FloorDiv(a, b * c), "a//(b*c)", plain_div("a", "b*c")),
    (-FloorDiv(a, b), "-(a//b)", "-" + plain_div("a", "b")),
    (FloorDiv(a, b) * FloorDiv(b, c), "(a//b)*(b//c)",
     plain_div("a", "b") + "*" + plain_div("b", "c")),
    (a**2 * c, "a*a*c", "a*a*c"),
    ((a + b)**2, "(a + b)*(a + b)", "(a + b)*(a + b)"),
    (a**0 + c, "c + 1", "c + INT64_C(1)"),
    # a power of a floor division is a product of two floor divisions, not a//b*a//b
    (FloorDiv(a, b)**2, "(a//b)*(a//b)", plain_div("a", "b") + "*" + plain_div("a", "b")),
    (FloorDiv(a, b**2), "a//(b*b)", plain_div("a", "b*b")),
    (FloorDiv(a**2, b), "a*a//b", plain_div("a*a", "b")),
    # a negative product keeps its floor division a factor, not -2*a*b//c
    (-2 * a * FloorDiv(b, c), "-2*a*(b//c)", "-INT64_C(2)*a*" + plain_div("b", "c")),
    (-a * FloorDiv(b, c), "-a*(b//c)", "-a*" + plain_div("b", "c")),
    (-a**2, "-a*a", "-a*a"),
    (b - 2 * a * FloorDiv(b, c), "-2*a*(b//c) + b", "-INT64_C(2)*a*" + plain_div("b", "c") + " + b"),
])
def test_infix_printers_share_parentheses(expr, python, plain):
    assert python_code(expr, NAMES) == python
    assert plain_c_code(expr, NAMES) == plain


def test_floordiv_precedence_is_the_only_difference():
    assert IntegerPythonPrinter._floordiv_precedence < PlainCPrinter._floordiv_precedence
    for cls in (IntegerPythonPrinter, PlainCPrinter, CheckedCPrinter, WideCPrinter):
        assert "parenthesize" not in vars(cls) and "_print_Mul" not in vars(cls), cls


def test_checked_printer_folds_products_left_to_right():
    assert c_code(a * b * c, NAMES, C_OPS, flag="f") == "MUL(MUL(a, b, f), c, f)"
    assert c_code(a**3, NAMES, C_OPS, flag="f") == "MUL(MUL(a, a, f), a, f)"
    assert c_code(2 * a - b, NAMES, C_OPS, flag="f") == "SUB(MUL(INT64_C(2), a, f), b, f)"


def _printers():
    return [IntegerPythonPrinter(NAMES), PlainCPrinter(NAMES),
            CheckedCPrinter(NAMES, ops=C_OPS), WideCPrinter(NAMES, ops=WIDE_OPS)]


@pytest.mark.parametrize("expr, why", [
    (a / 2, "non-integer rational"),
    (sp.Rational(3, 2) * a * b, "non-integer rational"),
    (a / b, "division is not exact integer arithmetic"),
    (a * b**-2, "division is not exact integer arithmetic"),
])
def test_every_printer_refuses_an_inexact_product_alike(expr, why):
    for printer in _printers():
        with pytest.raises(IntegerCodeError, match=why):
            printer.doprint(expr)


# --- round trips ----------------------------------------------------------------------------------

SYMBOLS = (a, b, c)


def _tree(rng: random.Random, depth: int, signed: bool) -> sp.Expr:
    """A random integer expression; ``signed=False``: no subtraction (C's unsigned division)."""
    if depth == 0 or rng.random() < 0.25:
        return rng.choice([*SYMBOLS, sp.Integer(rng.randint(-3 if signed else 0, 5))])
    kind = rng.choice(["add", "mul", "pow", "floordiv"] + (["neg"] if signed else []))
    if kind == "add":
        return sp.Add(*(_tree(rng, depth - 1, signed) for _ in range(rng.randint(2, 3))))
    if kind == "mul":
        return sp.Mul(*(_tree(rng, depth - 1, signed) for _ in range(rng.randint(2, 3))))
    if kind == "neg":
        return -_tree(rng, depth - 1, signed)
    if kind == "pow":
        return _tree(rng, depth - 1, signed) ** rng.randint(0, 3)
    divisor = rng.choice([*SYMBOLS, sp.Integer(rng.randint(2, 4)),
                          FloorDiv(rng.choice(SYMBOLS) + 3, 2), rng.choice(SYMBOLS)**2])
    return FloorDiv(_tree(rng, depth - 1, signed), divisor)


def _cases(seed: int, count: int, signed: bool):
    rng = random.Random(seed)
    for _ in range(count):
        expr = _tree(rng, rng.randint(1, 4), signed)
        point = {sym: rng.randint(1, 9) for sym in SYMBOLS}
        yield expr, point, int(expr.xreplace(point))


def test_python_round_trip():
    for expr, point, value in _cases(7, 2000, signed=True):
        text = python_code(expr, NAMES)
        assert eval(text, {str(k): v for k, v in point.items()}) == value, (expr, text)  # noqa: S307


C_PRELUDE = r"""
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
static int64_t ADD(int64_t x, int64_t y, int *f) { int64_t r; *f |= __builtin_add_overflow(x, y, &r); return r; }
static int64_t SUB(int64_t x, int64_t y, int *f) { int64_t r; *f |= __builtin_sub_overflow(x, y, &r); return r; }
static int64_t MUL(int64_t x, int64_t y, int *f) { int64_t r; *f |= __builtin_mul_overflow(x, y, &r); return r; }
static int64_t FLOORDIV(int64_t x, int64_t y, int *f) {
    int64_t q = x / y; (void)f;
    return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q;
}
"""


def _bound(expr: sp.Basic) -> int:
    """An upper bound of |every intermediate| the printed code computes, sizes <= 9."""
    if expr.is_Symbol:
        return 9
    if expr.is_Integer:
        return abs(int(expr))
    bounds = [max(_bound(arg), 1) for arg in expr.args]
    if expr.is_Add:
        return sum(bounds)
    if expr.is_Mul:
        out = 1
        for v in bounds:
            out *= v
        return out
    if expr.is_Pow:
        return bounds[0] ** int(expr.exp)
    return bounds[0]  # FloorDiv by a divisor >= 1


@pytest.mark.skipif(not shutil.which("cc"), reason="no C compiler")
def test_c_round_trip(tmp_path):
    """Plain and checked C printers, compiled: every value equals the exact one.

    Unsigned trees for the plain printer (its FloorDiv is a 32-bit unsigned division, for
    operands the generator bounds), signed ones for the checked printer; only trees whose
    intermediates stay below 2**31 (so the overflow flag must stay clear)."""
    lines, expected = [], []
    for signed, seed in ((False, 11), (True, 13)):
        for expr, point, value in _cases(seed, 400, signed):
            if _bound(expr) >= 2**31:
                continue
            code = c_code(expr, NAMES, C_OPS, flag="&f") if signed else plain_c_code(expr, NAMES)
            lines.append(f"{{ int64_t a = {point[a]}, b = {point[b]}, c = {point[c]}; int f = 0; "
                         f"int64_t r = {code}; (void)a; (void)b; (void)c; "
                         f'printf("%" PRId64 " %d\\n", r, f); }}')
            expected.append(f"{value} 0")
    source = tmp_path / "round_trip.c"
    source.write_text(C_PRELUDE + "int main(void) {\n" + "\n".join(lines) + "\nreturn 0;\n}\n")
    binary = tmp_path / "round_trip"
    subprocess.run(["cc", "-std=c99", "-O0", "-w", "-o", str(binary), str(source)], check=True)
    out = subprocess.run([str(binary)], check=True, capture_output=True, text=True).stdout
    assert out.splitlines() == expected
    assert len(expected) > 500
