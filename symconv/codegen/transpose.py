"""The generated evaluators of the transposed convolutions (ConvTranspose1d, 2d, 3d).

Everything printed here comes from :mod:`symconv.convtranspose`:

* per dimension, the output size :func:`~symconv.convtranspose.output_size`, the products
  that land T (:func:`~symconv.convtranspose.products_log`) and the positions reached R
  (:func:`~symconv.convtranspose.reached_log`): O(log) floor-sum forms, printed once as
  functions of ``(size, kernel, stride, padding, output_padding, dilation)`` (common
  subexpressions shared, :func:`sympy.cse`);
* the layer's counts, :func:`~symconv.convtranspose.totals` with ``T = ∏ T_a``,
  ``R = ∏ R_a``, ``∏ in_a``, ``∏ K_a`` written as products of the per-dimension values, in
  integer form (``C_in = G·c``, ``C_out = G·o``), factored;
* the rules: :data:`symconv.convtranspose.RULES` as data, and the exact evaluator's checks
  and messages are the source of :func:`symconv.convtranspose.validate` and its helpers,
  copied verbatim (so every evaluator words a refusal as ``symconv.conv_transpose*_ops``);
  :func:`symconv.functions.floor_sum` is copied the same way;
* the fixed-width evaluators' helpers: ``symconv_floorsum.c`` (max, min, gcd, the checked
  floor sum, after the checked arithmetic of ``symconv_checked.c``) and
  ``floorsum_numpy.py`` (checked int64 rows), both code beside this module.

:func:`layer_names` are the registered transposed layers (``family == "transposed"``, read from
:data:`symconv.registry.LAYERS` on each call); :func:`artifacts` is the provider of
:data:`symconv.generate.PROVIDERS`.
"""

from __future__ import annotations

import inspect
from functools import lru_cache
from pathlib import Path

import sympy as sp

from .. import convtranspose as ct
from ..conv1d import integer_form
from ..functions import floor_sum
from ..functions import FloorDiv, Gcd
from ..printing.code import PlainCPrinter, c_code, python_code, wide_c_code
from ..symbols import C_in, C_out, G, N, c, o
from .common import _INT64, C_HELPERS, WIDE_HELPERS, c_helpers, environment, wide_bound

__all__ = ["layer_names", "TEMPLATES", "QUANTITIES", "CONVENTION", "C_FUNCTIONS",
           "NUMPY_FUNCTIONS", "statuses", "context", "render", "artifacts", "file_names", "floorsum_helpers",
           "c_floorsum_helpers", "ClippedCeilSum", "bounded_axis", "BOUNDED_BITS"]

#: language -> ((template, file name pattern), ...).
TEMPLATES = {
    "python": (("conv_transpose_ops.py.jinja", "{layer}_ops.py"),),
    "numpy": (("conv_transpose_ops_numpy.py.jinja", "{layer}_ops_numpy.py"),),
    "c": (("conv_transpose_ops.h.jinja", "{layer}_ops.h"),
          ("conv_transpose_ops.c.jinja", "{layer}_ops.c")),
}
#: The quantities printed as public functions ``<layer>_<quantity>``, in this order.
QUANTITIES = ("ops", "macs", "bias_additions", "scatter_products", "flop_counter")
#: What the count counts (symconv's convention for the transposed layers).
CONVENTION = ("symconv: every multiplication and addition of a direct implementation that "
              "computes only the output elements (holes and cropped positions cost nothing), "
              "bias additions counted where a layer has a bias")
#: Names of the helpers the C printer calls: the checked arithmetic and symconv_floorsum.c's.
C_FUNCTIONS = {**C_HELPERS, "max": "int64_max", "min": "int64_min", "gcd": "int64_gcd",
               "floor_sum": "floor_sum_checked"}
#: Names of the checked functions the NumPy evaluators call (floorsum_numpy.py).
NUMPY_FUNCTIONS = {"Max": "_max", "Min": "_min", "Gcd": "_gcd", "FloorSum": "_floor_sum"}
#: The per-dimension parameters in PyTorch's order, and their names in the per-axis functions.
AXIS_ARGS = ("size", "kernel", "stride", "padding", "output_padding", "dilation")
#: The exact evaluator's checks, copied verbatim from symconv.convtranspose.
_VALIDATION = ("_error", "_is_bool", "_int", "_per_dim", "_positive", "validate",
               "_require_channels")
_HERE = Path(__file__).resolve().parent
_NUMPY_MARKER = "# --- copied into the generated NumPy evaluators from here ---"
_C_MARKER = "/* --- copied into the generated C evaluators from here --- */"


def layer_names() -> tuple[str, ...]:
    """The names of the registered transposed layers, in registry order."""
    from ..registry import names

    return names("transposed")


def file_names(layer: str) -> list[str]:
    return [pattern.format(layer=layer) for files in TEMPLATES.values() for _, pattern in files]


def floorsum_helpers() -> str:
    """The text of ``floorsum_numpy.py`` below its marker (copied into the NumPy evaluators)."""
    text = (_HERE / "floorsum_numpy.py").read_text(encoding="utf-8")
    return text[text.index(_NUMPY_MARKER) + len(_NUMPY_MARKER):].strip("\n")


def c_floorsum_helpers() -> str:
    """The text of ``symconv_floorsum.c`` below its marker (copied into the C evaluators)."""
    text = (_HERE / "symconv_floorsum.c").read_text(encoding="utf-8")
    return text[text.index(_C_MARKER) + len(_C_MARKER):].strip("\n")


def _axis_names() -> dict[sp.Symbol, str]:
    a = ct.axis_symbols("")
    return dict(zip(a.parameters, AXIS_ARGS))


def _cse(expr: sp.Expr) -> tuple[list[tuple[sp.Symbol, sp.Expr]], sp.Expr]:
    temps = sp.numbered_symbols("t", integer=True)
    replacements, (reduced,) = sp.cse(expr, symbols=temps)
    return replacements, reduced


@lru_cache(maxsize=None)
def _axis_functions() -> list[dict]:
    """The per-dimension functions: name, the arguments they use, and their CSE'd bodies
    printed in exact Python, NumPy-checked Python and checked C."""
    a = ct.axis_symbols("")
    exprs = (("out", ct.output_size(a)), ("products", ct.products_log(a)),
             ("reached", ct.reached_log(a)))
    out = []
    for name, expr in exprs:
        steps, result = _cse(expr)
        names = _axis_names()
        names.update({sym: sym.name for sym, _ in steps})

        def printed(printer):
            return ([(names[sym], printer(e)) for sym, e in steps], printer(result))

        py = printed(lambda e: python_code(e, names))
        np_ = printed(lambda e: _np_code(e, names))
        cc = printed(lambda e: c_code(e, names, C_FUNCTIONS, flag="&overflow"))
        used = {names[s] for s in expr.free_symbols}
        out.append({"name": name, "python": py, "numpy": np_, "c": cc,
                    "unused": [arg for arg in AXIS_ARGS if arg not in used]})
    return out


# --- the bounded path: one dimension of small parameters, a tap loop, no floor sum --------------

class ClippedCeilSum(sp.Function):
    """``Σ_{k=k0}^{k1−1} clip(⌈(x − k·d)/s⌉, 0, cap)``, unevaluated, arguments
    ``(k0, k1, x, s, d, cap)``: :func:`symconv.convtranspose.clipped_ceil_sum` kept whole, for
    the bounded path, whose C helper ``clipped_ceil_sum_bounded`` (symconv_floorsum.c) sums
    the taps in a loop with no division inside it."""

    nargs = 6

    def _eval_is_integer(self):
        return True


def _clipped_opaque(a: ct.Axis, k0: sp.Expr, k1: sp.Expr, x: sp.Expr, cap: sp.Expr) -> sp.Expr:
    return ClippedCeilSum(k0, k1, x, a.s, a.d, cap)


def clipped_expanded(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every :class:`ClippedCeilSum` replaced by the spec's floor-sum form
    (:func:`symconv.convtranspose.clipped_ceil_sum`): the bounded path's expressions then
    are the checked path's (tested)."""
    a = ct.axis_symbols("")

    def expand(k0, k1, x, s, d, cap):
        if (s, d) != (a.s, a.d):
            raise AssertionError("a clipped sum of another stride or dilation")
        return ct.clipped_ceil_sum(a, k0, k1, x, cap)

    return expr.replace(ClippedCeilSum, expand)


class _BoundedCPrinter(PlainCPrinter):
    """Plain ``int64_t`` C for the bounded path (:class:`~symconv.printing.code.PlainCPrinter`),
    ``Max``/``Min`` as the helpers, ``FloorDiv`` (operands in [0, 2**32), divisor >= 1),
    ``Gcd`` and :class:`ClippedCeilSum` as the bounded helpers of symconv_floorsum.c."""

    printmethod = "_symconv_bounded_c"

    def _fold(self, name: str, expr) -> str:
        out = self._print(expr.args[0])
        for arg in expr.args[1:]:
            out = f"{name}({out}, {self._print(arg)})"
        return out

    def _print_Max(self, expr):
        return self._fold("int64_max", expr)

    def _print_Min(self, expr):
        return self._fold("int64_min", expr)

    def _print_Gcd(self, expr):
        return self._fold("bounded_gcd", expr)

    def _print_FloorDiv(self, expr):
        return "bounded_quotient(%s, %s)" % tuple(self._print(x) for x in expr.args)

    def _print_ClippedCeilSum(self, expr):
        return "clipped_ceil_sum_bounded(%s)" % ", ".join(self._print(x) for x in expr.args)


#: The bounded path of a dimension: input size in [1, 2**size], kernel size, stride and
#: dilation in [1, 2**small], padding and output_padding in [0, 2**small) (two tests on ORs of
#: offsets). bounded_axis proves that nothing it prints overflows there. The bounded row also
#: has batch size, channels and groups in [1, 2**channels] (its groups quotients are
#: bounded_quotient's, operands below 2**32; its count stays overflow-checked).
BOUNDED_BITS = {"size": 31, "small": 15, "channels": 31}
_HELPER_LIMIT = 2**31  # the domain of clipped_ceil_sum_bounded and bounded_gcd (< 2**31)


def _max_min(expr, recurse) -> tuple[int, int]:
    parts = [recurse(x) for x in expr.args]
    pick = max if isinstance(expr, sp.Max) else min
    return pick(x[0] for x in parts), pick(x[1] for x in parts)


def _gcd(expr, recurse) -> tuple[int, int]:
    parts = [recurse(x) for x in expr.args]
    if not all(1 <= x[0] and x[1] < _HELPER_LIMIT for x in parts):
        raise AssertionError(f"{expr}: operands can leave [1, 2**31)")
    return 1, min(x[1] for x in parts)


def _clipped(expr, recurse) -> tuple[int, int]:
    k0, k1, x, s, d, cap = (recurse(y) for y in expr.args)
    if not (k0[0] >= 0 and k1[1] < _HELPER_LIMIT and s[0] >= 1 and s[1] < _HELPER_LIMIT
            and d[0] >= 1 and d[1] < _HELPER_LIMIT and -_HELPER_LIMIT < x[0]
            and x[1] < _HELPER_LIMIT and cap[0] >= 0):
        raise AssertionError(f"{expr}: arguments can leave the helper's domain")
    return 0, max(0, k1[1] - k0[0]) * cap[1]  # (k1 - k0)*cap: checked by the caller


#: The transposed bounded path's nodes beyond those :func:`symconv.codegen.bounded.interval`
#: evaluates itself.
_RULES = {sp.Max: _max_min, sp.Min: _max_min, Gcd: _gcd, ClippedCeilSum: _clipped}


def _bounded_interval(expr: sp.Expr, ranges: dict) -> tuple[int, int]:
    """Interval of ``expr`` over ``ranges``; raises if a subexpression can leave int64 or a
    helper's domain (a ``FloorDiv`` must have operands in [0, 2**32), divisor >= 1)."""
    from .bounded import interval

    return interval(expr, ranges, _RULES)


@lru_cache(maxsize=None)
def bounded_axis() -> dict:
    """The bounded path of one dimension: T (:func:`~symconv.convtranspose.products_log`) and
    R (:func:`~symconv.convtranspose.reached_log`) with each clipped ceiling sum kept whole
    (:class:`ClippedCeilSum`, a tap loop in C), common subexpressions shared between the two
    (T's two sums are R's first two), printed as plain ``int64_t`` C. Proves by interval
    arithmetic over the bounds of :data:`BOUNDED_BITS` that no operation overflows and that
    every helper gets arguments in its domain; raises otherwise. The output size
    (:func:`~symconv.convtranspose.output_size`) is printed likewise, for the bounded row."""
    a = ct.axis_symbols("")
    exprs = [ct.products_log(a, _clipped_opaque), ct.reached_log(a, _clipped_opaque)]
    for fast, checked in zip(exprs, (ct.products_log(a), ct.reached_log(a))):
        if clipped_expanded(fast) != checked:
            raise AssertionError("the bounded path's form is not the checked path's")
    temps = sp.numbered_symbols("t", integer=True)
    steps, reduced = sp.cse(exprs, symbols=temps)
    names = _axis_names()
    names.update({sym: sym.name for sym, _ in steps})
    size, small = (2**BOUNDED_BITS[k] for k in ("size", "small"))
    ranges = {a.in_: (1, size), a.K: (1, small), a.s: (1, small), a.d: (1, small),
              a.p: (0, small - 1), a.op: (0, small - 1)}
    for sym, e in steps:
        ranges[sym] = _bounded_interval(e, ranges)
    for e in reduced:
        _bounded_interval(e, ranges)
    out = ct.output_size(a)
    _bounded_interval(out, ranges)
    printer = _BoundedCPrinter(names)
    row_names = {a.in_: "size", a.K: "kernel", a.s: "stride_", a.p: "padding_",
                 a.op: "output_padding_", a.d: "dilation_"}  # the bounded row's locals
    return {"bits": dict(BOUNDED_BITS), "out_row": _BoundedCPrinter(row_names).doprint(out),
            "steps": [(names[sym], printer.doprint(e)) for sym, e in steps],
            "products": printer.doprint(reduced[0]), "reached": printer.doprint(reduced[1])}


def _np_code(expr: sp.Expr, names) -> str:
    from ..printing.code import IntegerPythonPrinter

    return IntegerPythonPrinter(names, functions=NUMPY_FUNCTIONS).doprint(expr)


@lru_cache(maxsize=None)
def _too_small() -> dict:
    """The rule ``output size >= 1`` as ``span < padded`` (``out = span - padded + 1``), both
    sides printed in 128 bits, proved exact for int64 inputs (for a size that overflowed)."""
    a = ct.axis_symbols("")
    span = (a.in_ - 1) * a.s + a.d * (a.K - 1) + a.op
    padded = 2 * a.p
    if sp.expand(span - padded + 1 - ct.output_size(a)) != 0:
        raise AssertionError("the output size is not span - 2 padding + 1: the rule would drift")
    names = _axis_names()
    ranges = {sym: (0 if sym in (a.p, a.op) else 1, _INT64[1]) for sym in a.parameters}
    for e in (span, padded):
        wide_bound(e, ranges)
    return {"span": wide_c_code(span, names, WIDE_HELPERS),
            "padded": wide_c_code(padded, names, WIDE_HELPERS)}


def _suffix(axis: str) -> str:
    return f"_{axis.lower()}" if axis else ""


def _totals(axes) -> dict[str, sp.Expr]:
    """The layer's quantities over per-dimension symbols, integer form, factored."""
    sym = {kind: [sp.Symbol(f"{kind}{_suffix(x)}", integer=True, positive=True) for x in axes]
           for kind in ("products", "reached", "size", "kernel")}
    q = ct.totals(sp.Mul(*sym["products"]), sp.Mul(*sym["reached"]), sp.Mul(*sym["size"]),
                  sp.Mul(*sym["kernel"]))
    out = {}
    for name in QUANTITIES:
        expr = sp.factor(integer_form(q[name]))
        back = expr.xreplace({c: C_in / G, o: C_out / G})
        if sp.cancel(back - q[name]) != 0:
            raise AssertionError(f"the integer form of {name} is not {name}")
        out[name] = expr
    return out


def _total_names(axes) -> dict[sp.Symbol, str]:
    names = {N: "batch_size", G: "groups", c: "in_per_group", o: "out_per_group", ct.BIAS: "b"}
    for x in axes:
        for kind in ("products", "reached", "size", "kernel"):
            s = sp.Symbol(f"{kind}{_suffix(x)}", integer=True, positive=True)
            names[s] = s.name
    return names


def statuses() -> list[dict]:
    """The C statuses: the forward layers' (conv1d_ops.h) where a rule's key is shared, new
    codes after them for the transposed layers' own rules, then overflow."""
    from .model import STATUSES

    shared = {st.key: st for st in STATUSES}
    following = max(st.code for st in STATUSES) + 1
    out = []
    for key, text in ct.RULES.items():
        if key in shared:
            out.append({"key": key, "code": shared[key].code, "macro": shared[key].macro,
                        "message": text, "new": False})
        else:
            out.append({"key": key, "code": following, "macro": "SYMCONV_E_" + key.upper(),
                        "message": text, "new": True})
            following += 1
    st = shared["overflow"]
    out.append({"key": "overflow", "code": st.code, "macro": st.macro, "message": st.message,
                "new": False})
    return out


@lru_cache(maxsize=None)
def context(layer: str) -> dict:
    from ..registry import get

    spec = get(layer)
    dims, axes, torch_class = spec.dims, ct.symbol_axes(spec), spec.torch_class
    totals = _totals(axes)
    names = _total_names(axes)
    from .model import OVERFLOW_MESSAGE

    status = {st["key"]: st for st in statuses()}
    return {
        "layer": layer,
        "n": dims,
        "torch_class": torch_class,
        "axes": [{"index": i, "axis": x, "suffix": _suffix(x),
                  "sub": f"[{i}]" if dims > 1 else ""} for i, x in enumerate(axes)],
        "sizes_name": "input_length" if dims == 1 else "input_size",
        "output_name": f"{layer}_output_length" if dims == 1 else f"{layer}_output_size",
        "convention": CONVENTION,
        "rules": dict(ct.RULES),
        "validation": "\n\n\n".join(inspect.getsource(getattr(ct, fn)).rstrip()
                                    for fn in _VALIDATION),
        "floor_sum": inspect.getsource(floor_sum).rstrip(),
        "axis_functions": _axis_functions(),
        "bounded": bounded_axis(),
        "ops_c": c_code(totals["ops"], names, C_FUNCTIONS, flag="&overflow"),
        "axis_args": list(AXIS_ARGS),
        "too_small": _too_small(),
        "quantities": [(q, python_code(e, names)) for q, e in totals.items()],
        "np_quantities": [(q, _np_code(e, names)) for q, e in totals.items()],
        # (quantity, printed C, whether it reads the per-dimension T and R, whose own
        # overflow flag then counts for it too)
        "c_quantities": [(q, c_code(e, names, C_FUNCTIONS, flag="&overflow"),
                          any(n.startswith(("products", "reached"))
                              for n in (names[x] for x in e.free_symbols)))
                         for q, e in totals.items()],
        "floorsum_numpy": floorsum_helpers(),
        "overflow_message": OVERFLOW_MESSAGE,
        "c_helpers": c_helpers(),
        "c_floorsum": c_floorsum_helpers(),
        "statuses": statuses(),
        "status": status,
    }


def render(layer: str, language: str = "python", template: str | None = None) -> str:
    template = template or TEMPLATES[language][0][0]
    header = f"generated by symconv from {template} \N{EM DASH} do not edit"
    return environment().get_template(template).render(context(layer), header=header,
                                                       template=template)


def artifacts() -> dict[str, str]:
    """Provider for :data:`symconv.generate.PROVIDERS`: the evaluators of every transposed layer."""
    return {pattern.format(layer=layer): render(layer, language, template)
            for layer in layer_names() for language, files in TEMPLATES.items()
            for template, pattern in files}
