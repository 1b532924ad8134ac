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
from ..printing.code import c_code, python_code, wide_c_code
from ..symbols import C_in, C_out, G, N, c, o
from .common import _INT64, C_HELPERS, WIDE_HELPERS, c_helpers, environment, wide_bound

__all__ = ["layer_names", "TEMPLATES", "QUANTITIES", "CONVENTION", "C_FUNCTIONS",
           "NUMPY_FUNCTIONS", "statuses", "context", "render", "artifacts", "file_names", "floorsum_helpers",
           "c_floorsum_helpers"]

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
