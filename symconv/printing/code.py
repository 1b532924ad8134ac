"""Integer-exact code printers: subclasses of SymPy's Python and C99 printers.

SymPy's stock code printers are unsafe for exact counts: ``floor(a/b)``
becomes float division, a ``Rational`` becomes ``1.0/2.0`` in C, C's ``/``
truncates toward zero and its default integer type is ``int``. The printers
here print only what is exact in integer arithmetic and refuse the rest:

* :class:`IntegerPythonPrinter` prints :class:`~symconv.functions.FloorDiv`
  as ``//``, ``Max``/``Min`` as ``max``/``min``, :class:`~symconv.functions.Gcd` as
  ``gcd`` and :class:`~symconv.functions.FloorSum` as ``floor_sum`` (the names can be
  changed with ``functions=``: the generated NumPy evaluators call checked
  versions), a ``Sum`` over a range as a generator sum, and refuses non-integer
  rationals, floats, negative powers and any function it does not know (no
  silent float). The same text runs on
  Python ints, NumPy int64 arrays and the generated checking wrappers, which
  is why the generated NumPy evaluator reuses it.
* :class:`CheckedCPrinter` prints every ``+``, ``-``, ``*`` as a call to an
  overflow-checked ``int64_t`` helper, ``FloorDiv`` as an exact floor
  division helper, ``Max``/``Min``/``Gcd`` as helper calls (folded left to
  right) and ``FloorSum`` as a checked Euclid-like helper (overflow flagged,
  never wrapped). Sums and products are folded left to right in the order
  the Python printer writes them, so the C code computes the same
  intermediates as the Python text evaluated left to right (the generated
  NumPy overflow check relies on this to report the same rows as C).
* :class:`PlainCPrinter` prints plain ``int64_t`` operators and ``FloorDiv``
  as an unsigned 32-bit division, for the bounded rows of the C batch loop
  (the generator proves the bounds).
* :class:`WideCPrinter` prints every operation as a call to a 128-bit
  two's-complement helper (a struct of two ``uint64_t``: portable C99, no
  ``__int128``), for the exact decision of a rule when an ``int64_t``
  intermediate overflowed (the generator proves that nothing printed there
  leaves 128 bits for int64 inputs).

All take ``names``: symbol -> identifier in the generated code.
"""

from __future__ import annotations

from typing import Mapping

import sympy as sp
from sympy.printing.c import C99CodePrinter
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.pycode import PythonCodePrinter

from ..functions import FloorDiv, FloorSum, Gcd

__all__ = ["IntegerCodeError", "IntegerPythonPrinter", "CheckedCPrinter", "PlainCPrinter",
           "WideCPrinter", "python_code", "c_code", "plain_c_code", "wide_c_code"]


class IntegerCodeError(ValueError):
    """The expression is not exact integer arithmetic (a fraction, a float, 1/x, ...)."""


def _refuse(expr: sp.Basic, why: str):
    raise IntegerCodeError(f"cannot print {expr} into integer code: {why}")


class _IntegerMixin:
    """What the integer printers share: refusals, symbol naming, parentheses, products.

    The infix printers (Python, plain C) print a product with SymPy's own
    ``_print_Mul`` and a power ``x**n`` as the product ``x*x*...``; the checked
    C printers fold both into helper calls (:meth:`CheckedCPrinter._print_product`).
    Either way a product is refused here, once, when it is not integer arithmetic.
    """

    #: How ``FloorDiv`` binds in the printed text: as an atom where it prints as a
    #: call or a parenthesized cast (C), like ``*`` where it prints as ``//`` (Python).
    _floordiv_precedence = PRECEDENCE["Atom"]

    def __init__(self, names: Mapping[sp.Symbol, str] | None = None, **settings):
        super().__init__(settings={"strict": True, **settings})
        self._names = dict(names or {})

    def parenthesize(self, item, level, strict=False):
        prec = self._floordiv_precedence if isinstance(item, FloorDiv) else precedence(item)
        if prec < level or (not strict and prec <= level):
            return "(%s)" % self._print(item)
        return self._print(item)

    def _refuse_inexact_product(self, expr):
        if any(arg.is_Rational and arg.q != 1 for arg in expr.args):
            _refuse(expr, "non-integer rational")
        if any(arg.is_Pow and not (arg.exp.is_Integer and arg.exp >= 0) for arg in expr.args):
            _refuse(expr, "division is not exact integer arithmetic")

    def _print_Mul(self, expr):
        self._refuse_inexact_product(expr)
        return self._print_product(expr)

    def _print_product(self, expr):
        """``a*b*c`` with SymPy's layout; a negative product as ``-`` and its negation.

        SymPy's printer parenthesizes the factors of a negative product at the level
        of a sum, which leaves ``-2*a*(b//c)`` as ``-2*a*b//c``; negating first keeps
        every factor at the level of a product.
        """
        coeff, _ = expr.as_coeff_Mul()
        if not coeff.is_negative:
            return super()._print_Mul(expr)
        positive = -expr
        if positive.is_Mul:
            return "-" + self._print_product(positive)
        # Unary minus binds between * and ** in Python and tighter than * in C.
        return "-" + self.parenthesize(positive, (PRECEDENCE["Pow"] + PRECEDENCE["Mul"]) / 2)

    def _print_power(self, base, exp):
        if exp == 0:
            return self._print(sp.Integer(1))
        # x*x*...: a product base needs no parentheses, anything else that binds no
        # tighter than * does (a//b*a//b would be ((a//b)*a)//b).
        return "*".join([self.parenthesize(base, PRECEDENCE["Mul"], strict=base.is_Mul)] * exp)

    def _print_Symbol(self, expr):
        if self._names and expr not in self._names:
            _refuse(expr, "no identifier is given for this symbol")
        return self._names.get(expr, expr.name)

    def _print_Rational(self, expr):
        if expr.q != 1:
            _refuse(expr, "non-integer rational")
        return self._print_Integer(sp.Integer(expr.p))

    _print_Half = _print_Rational

    def _print_Float(self, expr):
        _refuse(expr, "floating-point number")

    def _print_NumberSymbol(self, expr):
        _refuse(expr, "not an integer constant")

    _print_Pi = _print_Exp1 = _print_EulerGamma = _print_GoldenRatio = _print_NumberSymbol
    _print_Catalan = _print_Infinity = _print_NegativeInfinity = _print_NumberSymbol
    _print_NaN = _print_ComplexInfinity = _print_ImaginaryUnit = _print_NumberSymbol

    def _print_Pow(self, expr, rational=False):
        exp = expr.exp
        if not (exp.is_Integer and exp >= 0):
            _refuse(expr, "only non-negative integer powers are integer arithmetic")
        return self._print_power(expr.base, int(exp))

    def _print_Function(self, expr):
        _refuse(expr, f"{type(expr).__name__} has no integer-exact printing")

    def _print_floor(self, expr):
        _refuse(expr, "floor() of a quotient is float division; use symconv.functions.FloorDiv")

    _print_ceiling = _print_floor


#: The Python names of the integer functions (``functions=`` of :class:`IntegerPythonPrinter`).
PYTHON_FUNCTIONS = {"Max": "max", "Min": "min", "Gcd": "gcd", "FloorSum": "floor_sum"}


class IntegerPythonPrinter(_IntegerMixin, PythonCodePrinter):
    """Python integer code: ``FloorDiv`` -> ``//``; anything inexact raises :class:`IntegerCodeError`.

    ``Max``, ``Min``, ``Gcd`` and ``FloorSum`` print as calls of the names in
    ``functions`` (default :data:`PYTHON_FUNCTIONS`: the builtins, ``math.gcd`` and
    :func:`symconv.functions.floor_sum`, which the code's namespace must provide); a
    ``Sum`` over integer limits prints as ``sum(... for k in range(lo, hi + 1))``.
    """

    printmethod = "_symconv_python"
    _floordiv_precedence = PRECEDENCE["Mul"]  # ``a // b`` binds like ``*`` in Python

    def __init__(self, names=None, *, functions: Mapping[str, str] | None = None, **settings):
        super().__init__(names, **settings)
        self._functions = {**PYTHON_FUNCTIONS, **(functions or {})}

    def _call_function(self, kind: str, args) -> str:
        return "%s(%s)" % (self._functions[kind], ", ".join(self._print(a) for a in args))

    def _print_Max(self, expr):
        return self._call_function("Max", expr.args)

    def _print_Min(self, expr):
        return self._call_function("Min", expr.args)

    def _print_Gcd(self, expr):
        return self._call_function("Gcd", expr.args)

    def _print_FloorSum(self, expr):
        return self._call_function("FloorSum", expr.args)

    def _print_Sum(self, expr):
        (body, *limits) = expr.args
        text = self._print(body)
        for var, lo, hi in reversed(limits):
            text = (f"sum(({text}) for {self._print(var)} in "
                    f"range({self._print(lo)}, ({self._print(hi)}) + 1))")
        return text

    def _print_FloorDiv(self, expr):
        a, b = expr.args
        level = PRECEDENCE["Mul"]
        # A power prints as the product x*x, which as a divisor needs parentheses too.
        den = f"({self._print(b)})" if b.is_Pow else self.parenthesize(b, level)
        return "%s//%s" % (self.parenthesize(a, level, strict=True), den)


class CheckedCPrinter(_IntegerMixin, C99CodePrinter):
    """C99 ``int64_t`` code where every operation is overflow checked.

    Prints ``a + b`` as ``ADD(a, b)``, ``a - b`` as ``SUB(a, b)``, ``a * b``
    as ``MUL(a, b)`` and ``FloorDiv(a, b)`` as ``FLOORDIV(a, b)``, where the
    helper names (``ops``) are functions of the generated C file that take a
    trailing ``int *overflow`` flag (``flag``) they set on overflow.
    """

    printmethod = "_symconv_c"

    def __init__(self, names=None, *, ops: Mapping[str, str], flag: str = "&overflow", **settings):
        super().__init__(names, **settings)
        self._ops = dict(ops)
        self._flag = flag

    def _call(self, op: str, a: str, b: str) -> str:
        return f"{self._ops[op]}({a}, {b}, {self._flag})"

    def _print_Integer(self, expr):
        return f"INT64_C({int(expr)})"

    def _print_FloorDiv(self, expr):
        a, b = expr.args
        return self._call("floordiv", self._print(a), self._print(b))

    def _helper(self, key: str, expr) -> str:
        if key not in self._ops:
            _refuse(expr, f"no C helper is named for {type(expr).__name__}")
        return self._ops[key]

    def _fold_pure(self, key: str, expr) -> str:
        """``f(f(a, b), c)``...: a helper that cannot overflow (no flag), left to right."""
        name = self._helper(key, expr)
        args = list(expr.args)
        out = self._print(args[0])
        for arg in args[1:]:
            out = f"{name}({out}, {self._print(arg)})"
        return out

    def _print_Max(self, expr):
        return self._fold_pure("max", expr)

    def _print_Min(self, expr):
        return self._fold_pure("min", expr)

    def _print_Gcd(self, expr):
        return self._fold_pure("gcd", expr)

    def _print_FloorSum(self, expr):
        name = self._helper("floor_sum", expr)
        return "%s(%s, %s)" % (name, ", ".join(self._print(a) for a in expr.args), self._flag)

    def _fold(self, op: str, operands) -> str:
        """``op(op(a, b), c)``...: left to right, as the Python text evaluates."""
        operands = list(operands)
        out = self._print(operands[0])
        for operand in operands[1:]:
            out = self._call(op, out, self._print(operand))
        return out

    def _print_power(self, base, exp):
        if exp == 0:
            return self._print(sp.Integer(1))
        return self._fold("mul", [base] * exp)

    def _print_product(self, expr):
        coeff, rest = expr.as_coeff_Mul()
        if coeff.is_negative:
            # As the Python printer writes it: -(rest); only reached for a leading term.
            return self._call("sub", self._print(sp.Integer(0)), self._print(-expr))
        return self._fold("mul", ([coeff] if coeff != 1 else []) + list(rest.as_ordered_factors()))

    def _print_Add(self, expr, order=None):
        terms = self._as_ordered_terms(expr, order=order)
        out = self._print(terms[0])
        for t in terms[1:]:
            if t.could_extract_minus_sign():
                out = self._call("sub", out, self._print(-t))
            else:
                out = self._call("add", out, self._print(t))
        return out


def python_code(expr: sp.Expr, names: Mapping[sp.Symbol, str]) -> str:
    """``expr`` as a Python integer expression over the identifiers in ``names``."""
    return IntegerPythonPrinter(names).doprint(expr)


def c_code(expr: sp.Expr, names: Mapping[sp.Symbol, str], ops: Mapping[str, str],
           flag: str = "&overflow") -> str:
    """``expr`` as a C99 ``int64_t`` expression of overflow-checked helper calls."""
    return CheckedCPrinter(names, ops=ops, flag=flag).doprint(expr)


class PlainCPrinter(_IntegerMixin, C99CodePrinter):
    """C99 ``int64_t`` code with plain operators, for the bounded rows of the batch loop.

    No checks: only for operands whose ranges the caller has bounded (the
    generator proves, by interval arithmetic, that nothing printed here
    overflows and that every ``FloorDiv`` has a numerator in ``[0, 2**32)``
    and a divisor in ``[1, 2**32)``). ``FloorDiv(a, b)`` is printed as the
    unsigned 32-bit division ``(int64_t)((uint32_t)(a) / (uint32_t)(b))``:
    for such operands it is exactly ``floor(a / b)`` and much cheaper than a
    64-bit division. Integers only: no other type appears.
    """

    printmethod = "_symconv_plain_c"

    def _print_Integer(self, expr):
        v = int(expr)
        sign = "-" if v < 0 else ""  # a leading '-' lets the Add printer write 'a - 1'
        return f"{sign}INT64_C({abs(v)})"

    def _print_FloorDiv(self, expr):
        a, b = (self._print(x) for x in expr.args)
        return f"(int64_t)((uint32_t)({a}) / (uint32_t)({b}))"



def plain_c_code(expr: sp.Expr, names: Mapping[sp.Symbol, str]) -> str:
    """``expr`` as unchecked C99 ``int64_t`` code (see :class:`PlainCPrinter`)."""
    return PlainCPrinter(names).doprint(expr)


class WideCPrinter(CheckedCPrinter):
    """C99 code over 128-bit two's-complement values, for exact comparisons beyond int64.

    A symbol ``x`` (an ``int64_t``) prints as ``OF(x)``, an integer ``n`` as
    ``OF(INT64_C(n))``, ``a + b`` as ``ADD(a, b)``, ``a - b`` as ``SUB(a, b)``,
    ``a * b`` as ``MUL(a, b)`` (helper names from ``ops``: ``of``, ``add``,
    ``sub``, ``mul``); sums and products fold left to right as in
    :class:`CheckedCPrinter`. The helpers compute modulo 2**128, which is
    exact only while every partial result stays in [-2**127, 2**127): the
    caller proves that (:func:`symconv.codegen.wide_bound`). ``FloorDiv`` is
    refused (not needed; no 128-bit division is printed).
    """

    printmethod = "_symconv_wide_c"

    def __init__(self, names=None, *, ops: Mapping[str, str], **settings):
        super().__init__(names, ops=ops, flag="", **settings)

    def _call(self, op: str, a: str, b: str) -> str:
        return f"{self._ops[op]}({a}, {b})"

    def _print_Symbol(self, expr):
        return f"{self._ops['of']}({super()._print_Symbol(expr)})"

    def _print_Integer(self, expr):
        return f"{self._ops['of']}(INT64_C({int(expr)}))"

    def _print_FloorDiv(self, expr):
        _refuse(expr, "no 128-bit division is printed")


def wide_c_code(expr: sp.Expr, names: Mapping[sp.Symbol, str], ops: Mapping[str, str]) -> str:
    """``expr`` as C99 128-bit helper calls (see :class:`WideCPrinter`)."""
    return WideCPrinter(names, ops=ops).doprint(expr)
