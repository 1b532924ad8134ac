"""The exact Python evaluators of the layers with several spatial dimensions (Conv2d, Conv3d).

One template, ``convnd_ops.py.jinja``, is rendered for every such layer of
:data:`symconv.registry.LAYERS`; everything it prints comes from the layer's
:class:`~symconv.spec.LayerSpec`, nothing is retyped:

* each output size is ``spec.output_size[i]`` (``padding='same'``:
  ``spec.output_size_same[i]``), printed per dimension;
* the kernel rule is checked on the printed output size (``out_i >= 1``):
  the output size must be ``floor(numerator / s_i) + 1`` (checked below), so
  ``out_i >= 1`` is ``numerator >= 0``; the two sides of the rule for the
  message, the padded input and the span of the dilated kernel, are the terms
  of that numerator (those in the input size and the padding, and minus the
  rest);
* the counts ``ops``, ``macs`` and ``bias_additions`` are the spec's quantities
  in their integer form (``C_in = G·c``, ``C_out = G·o``, the exact quotients
  ``c = C_in // G``, ``o = C_out // G`` once the groups rules hold), factored.

The rule texts are :data:`symconv.validation.ND_RULES`. The file is standard
library only and exact at any size (Python ints, no float).
"""

from __future__ import annotations

import sympy as sp

from ..conv1d import CONVENTION, integer_form
from ..functions import FloorDiv
from ..printing.code import python_code
from ..spec import LayerSpec
from ..symbols import C_in, C_out, G, c, o
from ..validation import ND_RULES

__all__ = ["QUANTITIES", "layers", "context", "render", "artifacts", "file_name"]

#: Quantities printed as public functions ``<layer>_<quantity>``, in this order.
QUANTITIES = ("ops", "macs", "bias_additions")
_TEMPLATE = "convnd_ops.py.jinja"
#: language -> (template, file name pattern) of each n-d evaluator.
TEMPLATES = {
    "python": (("convnd_ops.py.jinja", "{layer}_ops.py"),),
    "numpy": (("convnd_ops_numpy.py.jinja", "{layer}_ops_numpy.py"),),
    "c": (("convnd_ops.h.jinja", "{layer}_ops.h"), ("convnd_ops.c.jinja", "{layer}_ops.c")),
}


def layers() -> tuple[LayerSpec, ...]:
    """Every registered layer with more than one spatial dimension, but the transposed ones
    (their evaluators are :mod:`symconv.codegen.transpose`'s)."""
    from ..registry import LAYERS

    return tuple(spec for spec in LAYERS.values()
                 if spec.dims > 1 and spec.family == "convolution")


def file_name(spec: LayerSpec) -> str:
    return f"{spec.name}_ops.py"


#: The word of a per-dimension parameter in the generated code's names (``kernel_h``, ``input_w``).
_WORDS = {"input_size": "input", "kernel_size": "kernel"}


def _word(name: str) -> str:
    return _WORDS.get(name, name)


def _names(spec: LayerSpec) -> dict[sp.Symbol, str]:
    """Identifier of each symbol in the generated code, from the specification's parameters:
    PyTorch's names, one per dimension for a per-dimension parameter (``stride_h``)."""
    names = {}
    for param in spec.parameters:
        if param.kind == "bias":
            names[param.symbol] = "b"
        elif param.per_dimension:
            for axis, sym in zip(spec.axes, param.symbols):
                names[sym] = f"{_word(param.name)}_{axis.lower()}"
        else:
            names[param.symbol] = param.name
    for axis, sym in zip(spec.axes, spec.output_sizes):
        names[sym] = f"out_{axis.lower()}"
    names.update({c: "in_per_group", o: "out_per_group"})
    return names


def _rule_sides(spec: LayerSpec, index: int) -> tuple[sp.Expr, sp.Expr]:
    """(padded input, span of the dilated kernel) of dimension ``index``, from its output size."""
    expr = spec.output_size[index]
    floors = [a for a in sp.preorder_traversal(expr) if isinstance(a, FloorDiv)]
    stride = spec.parameter("stride").symbols[index]
    if len(floors) != 1 or floors[0].args[1] != stride or sp.expand(expr - floors[0] - 1) != 0:
        raise AssertionError(f"{spec.name}: output size {index} is not floor(numerator / s) + 1; "
                             "the kernel rule would drift")
    numerator = sp.expand(floors[0].args[0])
    own = {spec.input_sizes[index], spec.parameter("padding").symbols[index]}
    padded = sp.Add(*[t for t in sp.Add.make_args(numerator) if t.free_symbols
                      and t.free_symbols <= own])
    span = sp.expand(padded - numerator)
    if not (padded.free_symbols == own
            and span.free_symbols == {spec.parameter("kernel_size").symbols[index],
                                      spec.parameter("dilation").symbols[index]}):
        raise AssertionError(f"{spec.name}: numerator {numerator} does not split into "
                             "padded input - span")
    return padded, sp.factor(span - 1) + 1


def _count(spec: LayerSpec, quantity: str) -> sp.Expr:
    """The quantity in integer form, factored; checked to equal the spec's expression."""
    expr = sp.factor(integer_form(spec.expression(quantity)))
    back = expr.xreplace({c: C_in / G, o: C_out / G})
    if sp.cancel(back - spec.expression(quantity)) != 0:
        raise AssertionError(f"{spec.name}: the integer form of {quantity} is not {quantity}")
    return expr


def _dims(spec: LayerSpec) -> list[dict]:
    """Per dimension: its index, axis and the printed Python of its output size and rule sides."""
    names = _names(spec)
    dims = []
    for index, axis in enumerate(spec.axes):
        padded, span = _rule_sides(spec, index)
        dims.append({
            "index": index,
            "axis": axis,
            "suffix": axis.lower(),
            "out": python_code(spec.output_size[index], names),
            "same": python_code(spec.output_size_same[index], names),
            "span": python_code(span, names),
            "padded": python_code(padded, names),
        })
    return dims


def context(spec: LayerSpec) -> dict:
    """Everything the template lays out for ``spec``: printed expressions and tables."""
    names = _names(spec)

    def py(e: sp.Expr) -> str:
        return python_code(e, names)

    per_group = [(names[c], py(FloorDiv(C_in, G))), (names[o], py(FloorDiv(C_out, G)))]
    dims = _dims(spec)
    suffixes = [axis.lower() for axis in spec.axes]

    def unpack(word: str) -> str:
        return ", ".join(f"{word}_{x}" for x in suffixes)

    return {
        "unpack": {**{param.name: unpack(_word(param.name))
                      for param in spec.parameters if param.per_dimension},
                   "kernel": unpack("kernel"), "out": unpack("out")},
        "same_tuple": ", ".join(d["same"] for d in dims),
        "same_stride_test": " or ".join(f"stride_{x} != 1" for x in suffixes),
        # the per-dimension sizes the output size reads (its rule: each >= 1), in PyTorch's order
        "length_sizes": [param.name for param in spec.parameters if param.kind == "size"
                         and set(param.symbols) & set().union(*(e.free_symbols
                                                                 for e in spec.output_size))],
        "layer": spec.name,
        "title": spec.title,
        "torch_class": spec.torch_class,
        "n": spec.dims,
        "axes": list(spec.axes),
        "dims": dims,
        "per_group": per_group,
        "quantities": [(q, py(_count(spec, q))) for q in QUANTITIES],
        "rules": dict(ND_RULES),
        "convention": CONVENTION,
        **_numpy_context(spec, names),
        **_c_context(spec, names),
        "fast": _fast_context(spec, names),
    }


def _fast_context(spec: LayerSpec, names: dict) -> dict:
    """The fast path of the Python evaluators: the tests on its values (exact ``int`` type and
    the rule's bound of each, from the parameters' kinds) and the counts it returns
    (:func:`~symconv.codegen.common.fast_returns` of each quantity)."""
    from .common import fast_bias, fast_bound, fast_returns

    def test(name: str, kind: str) -> str:
        return f"type_({name}) is int_ and {fast_bound(name, kind)}"

    types, bounds, per_dim = [], [], []
    for param in spec.parameters:
        if param.kind == "bias":
            continue
        if not param.per_dimension:
            types.append(f"type_({param.name}) is int_")
            bounds.append(fast_bound(param.name, param.kind))
            continue
        each = [names[sym] for sym in param.symbols]
        per_dim.append({
            "name": param.name,
            "each": each,
            # the input size is a tuple only; the others also one int for every dimension
            "scalar": None if param.symbols == spec.input_sizes else test(param.name, param.kind),
            # a later element that is the first one (a square kernel) passes the first's test
            "tests": ([test(each[0], param.kind)] + [
                f"({x} is {each[0]} or {test(x, param.kind)})" for x in each[1:]]),
        })
    if sum(p["scalar"] is None for p in per_dim) != 1:
        raise AssertionError(f"{spec.name}: the fast path expects one tuple-only parameter")
    per_group = {c: FloorDiv(C_in, G), o: FloorDiv(C_out, G)}
    counts = {q: fast_returns(_count(spec, q), per_group, spec.bias, names) for q in QUANTITIES}
    bias = next(param.name for param in spec.parameters if param.kind == "bias")
    return {
        # every type test first, then every bound (a bound only ever compares an int)
        "scalars": types + bounds,
        "per_dim": per_dim,
        "bias": fast_bias(bias),
        "out_test": " and ".join(f"out_{axis.lower()} > 0" for axis in spec.axes),
        "groups": names[G],
        "counts": counts,
    }


def _c_context(spec: LayerSpec, names: dict) -> dict:
    """The C evaluator's printed expressions: every + - * checked, exact floor division; the
    kernel rule's two sides in 128 bits (proved exact for int64 inputs) for an overflowed size."""
    from .bounded import bounded_path
    from .common import _INT64, C_HELPERS, WIDE_HELPERS, c_helpers, wide_bound, wrap_list
    from ..printing.code import c_code, wide_c_code
    from .model import STATUSES

    def cc(e: sp.Expr) -> str:
        return c_code(e, names, C_HELPERS, flag="&overflow")

    int64_inputs = {sym: (0 if name.startswith("padding") else 1, _INT64[1])
                    for sym, name in names.items()}
    dims = []
    for index, axis in enumerate(spec.axes):
        padded, span = _rule_sides(spec, index)
        for e in (padded, span):
            wide_bound(e, int64_inputs)
        dims.append({"index": index, "suffix": axis.lower(),
                     "c_out": cc(spec.output_size[index]),
                     "c_same": cc(spec.output_size_same[index]),
                     "wide_padded": wide_c_code(padded, names, WIDE_HELPERS),
                     "wide_span": wide_c_code(span, names, WIDE_HELPERS)})
    per_group = {c: FloorDiv(C_in, G), o: FloorDiv(C_out, G)}
    fast = bounded_path(names, per_group, [(C_in, G * c), (C_out, G * o)], spec.output_size,
                        tuple(axis.lower() for axis in spec.axes))
    per_dimension = [(p.name, _word(p.name)) for p in spec.parameters if p.per_dimension]
    columns = [("batch_size", "batch_size"), ("in_channels", "in_channels"),
               ("out_channels", "out_channels")]
    columns += [(f"{word}_{axis.lower()}", f"{name}[{index}]") for name, word in per_dimension
                for index, axis in enumerate(spec.axes)]
    columns += [("groups", "groups"), ("b", "bias")]
    return {
        "row_params": wrap_list([f"int64_t {name}" for name, _ in columns], 86, 4),
        "row_args": wrap_list([name for name, _ in columns], 74, 20),
        "col_args": wrap_list([f"col_{name}[i]" for name, _ in columns], 64, 32),
        "c_fast": fast,
        "columns": columns,
        "per_dimension": per_dimension,
        "param_words": dict(per_dimension),
        "dims": [{**d, **extra} for d, extra in zip(_dims(spec), dims)],
        "c_same_stride_test": " || ".join(f"stride_{a.lower()} != 1" for a in spec.axes),
        "c_per_group": [(names[sym], cc(e)) for sym, e in per_group.items()],
        "c_group_checks": [(names[total], cc(G * per), f"groups_{key}")
                           for total, per, key in ((C_in, c, "in"), (C_out, o, "out"))],
        "c_ops": cc(_count(spec, "ops")),
        "c_helpers": c_helpers(),
        "statuses": list(STATUSES),
        "status": {st.key: st for st in STATUSES},
    }


def _numpy_context(spec: LayerSpec, names: dict) -> dict:
    """The NumPy evaluator's printed functions: each output size, its 'same' form, the count."""
    from .common import int64_helpers
    from .model import OVERFLOW_MESSAGE

    def fn(name: str, e: sp.Expr):
        return (name, sorted(names[x] for x in e.free_symbols), python_code(e, names))

    functions = []
    for index, axis in enumerate(spec.axes):
        functions.append(fn(f"out_{axis.lower()}", spec.output_size[index]))
        functions.append(fn(f"same_{axis.lower()}", spec.output_size_same[index]))
    functions.append(fn("ops", _count(spec, "ops")))
    env = {sym: f'env["{name}"]' for sym, name in names.items()}
    divisions = [(names[sym], [], python_code(e.args[0], env), python_code(e.args[1], env))
                 for sym, e in ((c, FloorDiv(C_in, G)), (o, FloorDiv(C_out, G)))]
    suffixes = [axis.lower() for axis in spec.axes]
    return {
        "np_functions": functions,
        "np_divisions": divisions,
        "same_stride_test_np": " | ".join(f'(env["stride_{x}"] != 1)' for x in suffixes),
        "suffixes": suffixes,
        "int64_helpers": int64_helpers(),
        "overflow_message": OVERFLOW_MESSAGE,
    }


def render(spec: LayerSpec, language: str = "python", template: str | None = None) -> str:
    """The generated evaluator of ``spec`` in ``language`` (a key of :data:`TEMPLATES`), as text
    (``template``: which of the language's templates, by default its first)."""
    from .common import environment

    template = template or TEMPLATES[language][0][0]
    header = f"generated by symconv from {template} \N{EM DASH} do not edit"
    return environment().get_template(template).render(context(spec), header=header,
                                                       template=template)


def artifacts() -> dict[str, str]:
    """Provider for :data:`symconv.generate.PROVIDERS`: every n-d evaluator of every layer."""
    return {pattern.format(layer=spec.name): render(spec, language, template)
            for spec in layers() for language, files in TEMPLATES.items()
            for template, pattern in files}
