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
           "C_MARKER", "c_helpers", "environment", "wide_bound"]

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


def environment() -> jinja2.Environment:
    """Jinja2 environment: strict (an unknown name is an error), whitespace-controlled."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, autoescape=False)
    env.filters["pyrepr"] = repr
    env.filters["c_string"] = _c_string
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
