"""What every evaluator's generation shares: the template environment, the names of the C
helpers the printers call, and the helper code copied verbatim into the generated files.

The helper code is code, not template text: ``symconv_checked.c`` (the checked C arithmetic,
compiled and unit-tested as C) and ``int64_numpy.py`` (the NumPy evaluators' interval and
checked-int64 classes), both beside this module; everything below each file's marker line is
copied into every generated file of that language. This module imports neither
:mod:`symconv.codegen` nor :mod:`symconv.codegen.nd`: both import it.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import sympy as sp

__all__ = ["C_HELPERS", "WIDE_HELPERS", "INT64_MARKER", "int64_helpers", "C_HELPERS_FILE",
           "C_MARKER", "c_helpers", "environment", "wide_bound", "fast_counts", "product_code"]

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"

#: Names of the overflow-checked C helpers the C printer calls.
C_HELPERS = {"add": "checked_add", "sub": "checked_sub", "mul": "checked_mul",
             "floordiv": "floor_div"}
#: Names of the 128-bit C helpers (exact decisions where an int64 intermediate overflowed).
WIDE_HELPERS = {"of": "wide_of", "add": "wide_add", "sub": "wide_sub", "mul": "wide_mul"}


#: First line of the text the generated NumPy evaluators copy from ``int64_numpy.py``.
INT64_MARKER = "# --- copied into the generated NumPy evaluators from here ---"


def int64_helpers() -> str:
    """The interval and checked-int64 classes of :mod:`symconv.codegen.int64_numpy`, as text.

    Read from the module's file (not imported: generating needs no NumPy); everything below
    its marker line is copied verbatim into every generated NumPy evaluator.
    """
    text = (Path(__file__).resolve().parent / "int64_numpy.py").read_text(encoding="utf-8")
    return text[text.index(INT64_MARKER) + len(INT64_MARKER):].strip("\n")


#: The file of the checked C arithmetic, and the line after which it is copied.
C_HELPERS_FILE = "symconv_checked.c"
C_MARKER = "/* --- copied into the generated C evaluators from here --- */"


def c_helpers() -> str:
    """The checked C arithmetic of ``symconv_checked.c`` (a C file beside this module), as text.

    Everything below its marker line is copied verbatim into every generated ``.c`` file;
    the file itself is compiled, linted and unit-tested as C on its own.
    """
    text = (Path(__file__).resolve().parent / C_HELPERS_FILE).read_text(encoding="utf-8")
    return text[text.index(C_MARKER) + len(C_MARKER):].strip("\n")


def _c_string(text: str) -> str:
    """A C string literal (ASCII; rule texts are ASCII)."""
    text.encode("ascii")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _pack(items: list, sep: str, room) -> list[str]:
    """``items`` joined by ``sep`` into lines, greedily: as many on a line as fit in
    ``room(i)`` characters for the ``i``-th line (an item longer than that alone on its line)."""
    lines, line = [], ""
    for item in items:
        if line and len(line) + len(sep) + len(item) > room(len(lines)):
            lines.append(line)
            line = item
        else:
            line = f"{line}{sep}{item}" if line else item
    return [*lines, line]


def _join_and(tests: list, indent: int, first: int = 0, width: int = 99) -> str:
    """``tests`` joined by ``and``, as many on a line as fit in ``width`` columns; a line after
    the first starts with ``and`` at column ``indent`` (the first line's text at ``first``)."""
    lines = _pack(tests, " and ", lambda i: width - (first if i == 0 else indent + 4))
    return ("\n" + " " * indent + "and ").join(lines)


def wrap_list(items: list[str], width: int, indent: int) -> str:
    """``items`` joined by ", ", broken into lines of at most ``width`` characters between
    items, continuation lines indented by ``indent`` spaces."""
    return (",\n" + " " * indent).join(_pack(items, ", ", lambda i: width))


def environment() -> jinja2.Environment:
    """Jinja2 environment: strict (an unknown name is an error), whitespace-controlled."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, autoescape=False)
    env.filters["pyrepr"] = repr
    env.filters["c_string"] = _c_string
    env.filters["join_and"] = _join_and
    return env


_INT64 = (-2**63, 2**63 - 1)


def wide_bound(expr: sp.Expr, ranges: dict) -> int:
    """A bound on |every partial result| of ``expr`` in any order of evaluation; raises unless
    it is below 2**127, where 128-bit two's-complement arithmetic (``WideCPrinter``) is exact.

    A sum's partial sums are bounded by the sum of its terms' bounds, a product's partial
    products by the product of its factors' bounds, whatever order the printer folds them in.
    """
    if expr.is_Integer:
        bound = abs(int(expr))
    elif expr.is_Symbol:
        lo, hi = ranges[expr]
        bound = max(abs(lo), abs(hi))
    elif expr.is_Add or expr.is_Mul:
        parts = [wide_bound(a, ranges) for a in expr.args]
        bound = sum(parts) if expr.is_Add else 1
        if expr.is_Mul:
            for part in parts:
                bound *= part
    elif expr.is_Pow and expr.exp.is_Integer and expr.exp >= 0:
        bound = wide_bound(expr.base, ranges) ** int(expr.exp)
    else:
        raise AssertionError(f"no 128-bit bound for {expr}")
    if bound >= 2**127:
        raise AssertionError(f"{expr} can leave 128 bits for int64 inputs")
    return bound


def fast_counts(expr: sp.Expr, per_group: dict, bias: sp.Symbol) -> dict:
    """The forms of the count ``expr`` the generated Python's fast path returns, by SymPy.

    ``per_group`` maps each quotient to its ``FloorDiv(total, G)`` (``c = C_in // G``); the fast
    path has checked the groups rules and that the bias is True or False. Returns::

        {"one": [(b, factors)], "grouped": [(b, factors)], "quotients": [symbol, ...]}

    ``one``: ``G = 1`` (each quotient is its total: no division); ``grouped``: ``G > 1`` where a
    quotient that ``expr`` only reads times ``G`` is replaced by its total (``G*o`` is
    ``C_out``: a division and a product fewer), ``quotients`` the ones it still reads. Each
    list is ``[(1, form with b = 1), (0, form with b = 0)]``, or ``[(None, form)]`` when the
    count does not read ``b``; a form is a list of factors, the one that read ``b`` (the count
    per output element: small, multiplied first) and the rest. Every form is checked equal to
    ``expr`` under its substitutions.
    """
    from itertools import combinations

    groups = next(iter(per_group.values())).args[1]
    total = {q: e.args[0] for q, e in per_group.items()}
    one = {groups: 1, **total}
    exact = {q: total[q] / groups for q in per_group}
    candidates = []
    for k in range(len(per_group) + 1):
        for qs in combinations(per_group, k):
            form = sp.factor(expr.xreplace({q: exact[q] for q in qs}))
            if sp.fraction(sp.together(form))[1] == 1:  # still a polynomial: no division
                candidates.append((sp.count_ops(form), -k, str(form), form))
    grouped = min(candidates)[-1]  # the fewest operations

    def by_bias(form: sp.Expr) -> list:
        if bias not in form.free_symbols:
            return [(None, [form])]
        # the factor that reads b (the count per output element, small) first, the rest after
        inner = sp.Mul(*[f for f in sp.Mul.make_args(form) if bias in f.free_symbols])
        outer = sp.Mul(*[f for f in sp.Mul.make_args(form) if bias not in f.free_symbols])
        return [(v, [sp.factor(inner.xreplace({bias: v})), outer]) for v in (1, 0)]

    forms = {"one": by_bias(sp.factor(expr.xreplace(one))), "grouped": by_bias(grouped)}
    for key, sub in (("one", one), ("grouped", exact)):
        for v, factors in forms[key]:
            want = expr.xreplace(sub if v is None else {**sub, bias: v})
            if sp.cancel(sp.Mul(*factors).xreplace(sub) - want) != 0:
                raise AssertionError(f"the fast form {factors} is not {expr} for {key}, b={v}")
    forms["quotients"] = [q for q in per_group if q in grouped.free_symbols]
    return forms


def product_code(factors: list, printer) -> str:
    """``factors`` printed by ``printer`` and multiplied in this order (a sum in parentheses)."""
    return "*".join(f"({printer(f)})" if f.is_Add else printer(f) for f in factors
                    if f != 1) or "1"


def fast_returns(expr: sp.Expr, per_group: dict, bias: sp.Symbol, names: dict) -> dict:
    """What the generated Python's fast path returns for the count ``expr`` (the ``counts`` of
    the ``returns`` macro of ``_fast_python.py.jinja``): the forms of :func:`fast_counts`
    printed with ``names``, the quotients they read, and the groups rules, each a remainder
    of 0 (tested before any quotient is computed: one operation per rule)."""
    from ..printing.code import python_code

    def py(e: sp.Expr) -> str:
        return python_code(e, names)

    groups = next(iter(per_group.values())).args[1]
    forms = fast_counts(expr, per_group, bias)
    return {
        "one": [(v, product_code(e, py)) for v, e in forms["one"]],
        "grouped": [(v, product_code(e, py)) for v, e in forms["grouped"]],
        "quotients": [(names[sym], py(per_group[sym])) for sym in forms["quotients"]],
        "groups_test": " and ".join(f"not {names[e.args[0]]} % {names[groups]}"
                                    for e in per_group.values()),
    }


def fast_bound(name: str, kind: str) -> str:
    """The fast path's bound of a value of a parameter of ``kind`` (padding >= 0, sizes > 0)."""
    return f"{name} {'>= 0' if kind == 'padding' else '> 0'}"


def fast_bias(name: str) -> dict:
    """The fast path's test of each value of the bias (1, 0, or either when the count does
    not read it)."""
    return {1: f"{name} is True", 0: f"{name} is False", None: f"{name} is True or {name} is False"}
