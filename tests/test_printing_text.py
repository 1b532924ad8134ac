"""The one-line text printer (symconv.printing.text.TextPrinter) and its users.

Exact strings for the precedence rules, a round trip (the printed text, read back with
Python's precedence, has the value of the expression) on random unevaluated trees, and
the two users: the ``symconv conventions`` table and the derivation of ``from_torch``.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
import sympy as sp

from symconv import conventions as cv
from symconv.functions import FloorDiv
from symconv.layers import Conv1dLayer, Layer
from symconv.printing.text import TextPrinter, one_line
from symconv.torch_interop import derive_layer
from symconv.torch_interop import one_line as torch_one_line

a, b, c, n, x = sp.symbols("a b c n x", positive=True, integer=True)


def mul(*args):
    return sp.Mul(*args, evaluate=False)


def add(*args):
    return sp.Add(*args, evaluate=False)


def power(base, exp):
    return sp.Pow(base, exp, evaluate=False)


def inv(expr):
    return power(expr, -1)


@pytest.mark.parametrize("expr, text", [
    # products and quotients
    (a * b, "a·b"),
    (a * b / c, "a·b/c"),
    (mul(mul(a, b), inv(c)), "a·b/c"),               # the display form of ψ
    (mul(2, mul(a, b)), "2·a·b"),                    # a product in a product needs no parentheses
    (a / (b * c), "a/(b·c)"),
    (mul(a, inv(mul(b, c))), "a/(b·c)"),
    (mul(a, inv(b), inv(c)), "a/(b·c)"),
    (mul(mul(a, inv(b)), inv(c)), "a/b/c"),          # read left to right: (a/b)/c
    (mul(mul(a, inv(b)), c), "(a/b)·c"),             # not a/b·c
    (mul(c, mul(a, inv(b))), "c·(a/b)"),
    (mul(a, inv(mul(b, inv(c)))), "a/(b/c)"),
    (x / 2, "x/2"),
    (sp.Rational(3, 2) * x, "3·x/2"),
    (1 / a, "1/a"),
    (inv(a), "1/a"),
    # signs and sums
    (-2 * a, "-2·a"),
    (-x / 2, "-x/2"),
    (a - 2 * b, "a - 2·b"),
    (mul(-1, add(a, -1)), "-(a - 1)"),
    (mul(a, mul(-1, b)), "a·(-b)"),
    (mul(2, -3), "2·(-3)"),
    (mul(-1, 5), "-5"),
    (add(a, mul(-1, mul(1, add(b, -1)))), "a - 1·(b - 1)"),  # a substituted d = 1 stays visible
    (add(a, add(b, -1)), "a + (b - 1)"),             # the display form K + (K - 1)
    (mul(add(a, b), add(a, -b)), "(a + b)·(a - b)"),
    # powers
    (a**2, "a^2"),
    ((a + b)**2, "(a + b)^2"),
    ((a * b)**n, "(a·b)^n"),
    (power(mul(a, b), 2), "(a·b)^2"),
    (power(power(a, b), c), "(a^b)^c"),
    (power(a, power(b, c)), "a^(b^c)"),
    (power(sp.Integer(-2), n), "(-2)^n"),
    (power(a, add(b, 1)), "a^(b + 1)"),
    (power(a, mul(2, b)), "a^(2·b)"),
    (a**-2, "1/a^2"),
    (b / a**2, "b/a^2"),
    (power(a, sp.Rational(1, 2)), "a^(1/2)"),
    (mul(-1, power(a, 2)), "-a^2"),
    (power(inv(a), 2), "(1/a)^2"),
    # FloorDiv, floor, ceiling
    (FloorDiv(a, b), "⌊a/b⌋"),
    (FloorDiv(a + b, c), "⌊(a + b)/c⌋"),
    (FloorDiv(a, b * c), "⌊a/(b·c)⌋"),
    (FloorDiv(a * b, c), "⌊a·b/c⌋"),
    (FloorDiv(FloorDiv(a, b), c), "⌊⌊a/b⌋/c⌋"),
    (FloorDiv(a, FloorDiv(b, c)), "⌊a/⌊b/c⌋⌋"),
    (FloorDiv(add(a, mul(-1, FloorDiv(b, c))), 2), "⌊(a - ⌊b/c⌋)/2⌋"),
    (mul(2, FloorDiv(a, b)), "2·⌊a/b⌋"),
    (mul(-1, FloorDiv(a, b)), "-⌊a/b⌋"),
    (power(FloorDiv(a, b), 2), "⌊a/b⌋^2"),
    (sp.floor(a / b), "⌊a/b⌋"),
    (sp.ceiling(a / b), "⌈a/b⌉"),
    (add(FloorDiv(add(a, -1), b), 1), "⌊(a - 1)/b⌋ + 1"),
    (FloorDiv(inv(a), b), "⌊1/a/b⌋"),
    (mul(c, inv(inv(b))), "c/(1/b)"),
])
def test_precedence(expr, text):
    assert one_line(expr) == text


def test_names_holding_operators_print_as_they_are():
    """The old printers rewrote the printed string (``**`` -> ``^``, ``*`` -> ``·``),
    which also rewrote symbol names; the printer writes the operators itself."""
    star, power_name = sp.Symbol("a*b"), sp.Symbol("x**2")
    assert cv.text(star * c) == "a*b·c"
    assert cv.text(power_name + c) == "c + x**2"
    assert torch_one_line(mul(star, c)) == "a*b·c"


def test_printer_writes_operators_itself():
    assert one_line(sp.Symbol("a*b") * c) == "a*b·c"
    assert one_line(sp.Symbol("x**2")**2) == "x**2^2"


def test_names_rename_without_evaluating():
    assert one_line(mul(a, mul(b, 1)), {a: "ψ", b: "λ"}) == "ψ·λ·1"
    assert one_line(b + a, {a: "z", b: "y"}, order="lex") == "y + z"


def test_printer_default_order_keeps_the_written_order():
    assert TextPrinter().doprint(add(mul(b, a), c, -1)) == "b·a + c - 1"


def _derived(layer) -> dict[str, str]:
    return {st.name: st.text() for st in derive_layer(layer).steps}


def test_derivation_quotients_have_no_redundant_parentheses():
    """``(C_in·C_out)/G`` was printed for ψ: the numerator needs no parentheses."""
    steps = _derived(Conv1dLayer("x", 32, 32, 9, 2000, padding="same", groups=32, bias=False,
                                 batch_size=8))
    assert steps["filters"] == "ψ = C_in·C_out/G = 32·32/32 = 32"
    assert steps["summary_no_bias"] == ("Conv1d_ops = N·(C_out·L_out·(C_in·2·K - G)/G) = "
                                        "8·(32·2000·(32·2·9 - 32)/32) = 8,704,000")


def test_derivation_floor_and_products_nd():
    steps = _derived(Layer("x", "conv2d", 3, 16, (3, 5), (32, 40), stride=(2, 1), padding=(1, 2),
                           batch_size=2))
    texts = list(steps.values())
    assert texts[0] == ("H_out = ⌊(H_in + 2·p_H - d_H·(K_H - 1) - 1)/s_H⌋ + 1 = "
                        "⌊(32 + 2·1 - 1·(3 - 1) - 1)/2⌋ + 1 = 16")
    assert "λ = H_out·W_out·(2·K_H·K_W - 1) = 16·40·(2·3·5 - 1) = 18,560" in texts


def test_conventions_text():
    assert cv.text(cv.get("macs").expr) == "C_in·C_out·K·L_out·N/G"
    assert cv.text(-2 * sp.Symbol("N") + 1, "rev-lex") == "1 - 2·N"
    assert cv.text((sp.Symbol("N") + 1)**2) == "(N + 1)^2"


# --- round trip: the text read back with Python's precedence has the expression's value ----------

_SYMBOLS = (a, b, c)


def _tree(rng: random.Random, depth: int) -> sp.Expr:
    if depth == 0 or rng.random() < 0.2:
        return rng.choice([*_SYMBOLS, sp.Integer(rng.randint(-3, 5))])
    kind = rng.choice(["add", "mul", "neg", "inv", "pow", "floordiv", "rational"])
    if kind == "add":
        return add(*(_tree(rng, depth - 1) for _ in range(rng.randint(2, 3))))
    if kind == "mul":
        return mul(*(_tree(rng, depth - 1) for _ in range(rng.randint(2, 3))))
    if kind == "neg":
        return mul(-1, _tree(rng, depth - 1))
    if kind == "inv":
        return inv(_tree(rng, depth - 1))
    if kind == "pow":
        return power(_tree(rng, depth - 1), sp.Integer(rng.randint(-2, 3)))
    if kind == "rational":
        return mul(sp.Rational(rng.randint(-3, 3) or 1, rng.randint(2, 4)), _tree(rng, depth - 1))
    return FloorDiv(_tree(rng, depth - 1), rng.choice([*_SYMBOLS, sp.Integer(rng.randint(2, 4))]))


def _value(expr: sp.Basic, point: dict) -> Fraction:
    """Exact value with Python's own rules, independent of SymPy's evaluation of the tree."""
    if expr.is_Symbol:
        return Fraction(point[expr])
    if expr.is_Rational:
        return Fraction(int(expr.p), int(expr.q))
    vals = [_value(arg, point) for arg in expr.args]
    if expr.is_Add:
        return sum(vals, Fraction(0))
    if expr.is_Mul:
        out = Fraction(1)
        for v in vals:
            out *= v
        return out
    if expr.is_Pow:
        return vals[0] ** int(vals[1])
    if isinstance(expr, FloorDiv):
        return Fraction(vals[0] // vals[1])
    raise AssertionError(expr)


def _read_back(text: str, point: dict) -> Fraction:
    """Python evaluates the printed text: · is *, ^ is **, ⌊p/q⌋ is (p)//(q) on Fractions."""
    import re

    py = text.replace("·", "*").replace("^", "**").replace("⌊", "_floor(").replace("⌋", ")")
    py = re.sub(r"(?<![\w)])(\d+)", r"Fraction(\1)", py)
    env = {"Fraction": Fraction, "_floor": lambda q: Fraction(q.numerator // q.denominator)}
    env.update({str(sym): Fraction(v) for sym, v in point.items()})
    return eval(py, env)  # noqa: S307 - the text is our own printer's output


def test_round_trip_random_trees():
    rng = random.Random(20240611)
    checked = 0
    for _ in range(3000):
        expr = _tree(rng, rng.randint(1, 4))
        point = {sym: rng.randint(1, 7) for sym in _SYMBOLS}
        try:
            expected = _value(expr, point)
        except ZeroDivisionError:
            continue
        text = one_line(expr)
        assert _read_back(text, point) == expected, (sp.srepr(expr), text)
        checked += 1
    assert checked > 2000
