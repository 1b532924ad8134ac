"""A worked example for a paper: the output size and the summary form with the numbers substituted.

``render_example(Example(8, 16, 32, 100, 3))`` (Conv1d) or
``render_example(LayerExample("conv2d", 8, 3, 64, (224, 224), 7, stride=2, padding=3))``
(any registered layer) prints each output size and the summary form (bias or no bias)
with every symbol replaced by its value, followed by the exact result and the
convention, in words true for the layer (:func:`symconv.conv1d.convention_text`).

Every number shown is computed from the layer specification's SymPy expressions by
substitution (the output-size steps of its derivation and its summary form, the very
expressions printed); the result is checked against the layer's generated evaluator
(``symconv.count``), so a disagreement is an error, never a wrong number. Equation
labels are prefixed with the layer (``eq:conv2d-example-output-height``,
``eq:conv2d-example-ops``), so two layers' examples coexist in one document.

:data:`TYPICAL` holds one typical configuration per registered layer: the worked example
that every layer's derivation document (``generated/<layer>_derivation.tex`` / ``.md``)
ends with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import index as _index
from typing import Any

import sympy as sp

from .. import conv1d as m
from ..layers import Conv1dCounts, _spatial, count_arguments
from ..printing.latex import (DOCUMENTED, LatexNotation, drop_unit_divisors, for_layer, latex,
                              latex_number)
from ..symbols import C_in, C_out, G, K, L_in, L_out, N, d, p, s
from .layout import layout_equation
from ._base import BASE_NOTE, STANDALONE_PACKAGES, environment, equation_width, label

__all__ = ["Example", "LayerExample", "render_example", "example_body", "EXAMPLE_FORMATS",
           "TYPICAL", "typical_example"]

EXAMPLE_FORMATS = ("tex", "fragment", "md")


@dataclass(frozen=True)
class Example(Conv1dCounts):
    """One Conv1d configuration, PyTorch's parameter names (``batch_size=None``: unbatched)."""

    batch_size: int | None
    in_channels: int
    out_channels: int
    input_length: int
    kernel_size: int
    stride: int = 1
    padding: int | str = 0
    dilation: int = 1
    groups: int = 1
    bias: bool = True

    def values(self) -> dict[sp.Symbol, int]:
        pad = 0 if self.padding in ("valid", "same") else self.padding
        return {N: 1 if self.batch_size is None else self.batch_size, C_in: self.in_channels,
                C_out: self.out_channels, L_in: self.input_length, L_out: self.output_length,
                K: self.kernel_size, G: self.groups, s: self.stride, p: pad, d: self.dilation}

    def layer_example(self) -> "LayerExample":
        """The same configuration as a :class:`LayerExample` of ``conv1d``."""
        return LayerExample("conv1d", self.batch_size, self.in_channels, self.out_channels,
                            (self.input_length,), self.kernel_size, self.stride, self.padding,
                            self.dilation, self.groups, self.bias)


@dataclass(frozen=True)
class LayerExample:
    """One configuration of a registered layer (``"conv1d"``, ``"conv2d"``, ``"conv3d"``).

    PyTorch's parameter names, as :func:`symconv.count` takes them: ``input_size`` is a
    tuple of one size per spatial dimension ((L,), (H, W), (D, H, W)); ``kernel_size``,
    ``stride``, ``padding``, ``dilation`` an int or a tuple of one int per dimension
    (``padding`` also ``'same'`` / ``'valid'``); ``batch_size=None`` is unbatched input.
    The configuration is checked by the layer's evaluator (``TypeError`` / ``ValueError``
    naming the parameter, its value and the rule).
    """

    layer: str
    batch_size: int | None
    in_channels: int
    out_channels: int
    input_size: tuple[int, ...]
    kernel_size: Any
    stride: Any = 1
    padding: Any = 0
    dilation: Any = 1
    groups: int = 1
    bias: bool = True
    #: check the configuration with the layer's generated evaluator (PyTorch's rules) and
    #: the SymPy values against it; ``False`` only for the fixed :data:`TYPICAL` examples of
    #: the generated documents (the generator never imports its own output; tests check them)
    check: bool = field(default=True, repr=False, compare=False)

    def __post_init__(self) -> None:
        from ..registry import get

        spec = get(self.layer)  # ValueError naming the registered layers
        if spec.family != "convolution":
            raise ValueError(f"layer {spec.name!r}: LayerExample is a forward convolution's "
                             f"worked example; a transposed layer's is "
                             f"symconv.latex.transpose.TransposeExample")
        object.__setattr__(self, "layer", spec.name)
        if not isinstance(self.input_size, (tuple, list)) or len(self.input_size) != spec.dims:
            raise TypeError(f"input_size must be a tuple of {spec.dims} int(s) "
                            f"({', '.join(spec.axes)}), got {self.input_size!r}")
        object.__setattr__(self, "input_size", tuple(self.input_size))
        value = self._evaluate(spec) if self.check else None
        object.__setattr__(self, "input_size", tuple(_index(v) for v in self.input_size))
        for name in ("kernel_size", "stride", "padding", "dilation"):
            object.__setattr__(self, name, _spatial(spec.dims, getattr(self, name)))
        object.__setattr__(self, "bias", bool(self.bias))
        if min(self.output_size) < 1:
            raise ValueError(f"{spec.name}: the kernel does not fit the padded input "
                             f"(output size {self.output_size})")
        if value is not None and (self.ops != value or self.output_size != self._evaluated_size()):
            raise ArithmeticError(f"{spec.name}: the specification's expressions give "
                                  f"{self.output_size} and {self.ops}, the evaluator "
                                  f"{self._evaluated_size()} and {value}")

    def _evaluate(self, spec) -> int:
        """The evaluator's count (``TypeError``/``ValueError`` naming a bad parameter)."""
        from ..api import count

        return count(spec.name, **count_arguments(self, self.batch_size))

    @property
    def spec(self):
        """The layer's :class:`symconv.spec.LayerSpec`."""
        from ..registry import get

        return get(self.layer)

    def _evaluated_size(self) -> tuple[int, ...]:
        from .. import api

        if self.layer == "conv1d":
            return (api.conv1d_output_length(self.input_size[0], self.kernel_size[0],
                                             self.stride[0], self.padding if isinstance(
                                                 self.padding, str) else self.padding[0],
                                             self.dilation[0]),)
        return tuple(getattr(api._evaluator(self.layer), f"{self.layer}_output_size")(
            self.input_size, self.kernel_size, self.stride, self.padding, self.dilation))

    def inputs(self) -> dict[sp.Symbol, int]:
        """Each input symbol (N, C_in, C_out, the input sizes, kernel sizes, strides,
        paddings, dilations, G, b) and its value; a padding string counts 0 (it is shown as
        written and its output size is the ``'same'``/``'valid'`` one)."""
        spec = self.spec

        def symbols(name: str) -> tuple[sp.Symbol, ...]:
            return spec.parameter(name).symbols

        pads = (0,) * spec.dims if isinstance(self.padding, str) else self.padding
        out: dict[sp.Symbol, int] = {
            symbols("batch_size")[0]: 1 if self.batch_size is None else self.batch_size,
            C_in: self.in_channels, C_out: self.out_channels, G: self.groups,
            spec.bias: int(self.bias)}
        out.update(zip(spec.input_sizes, self.input_size))
        for name, value in (("kernel_size", self.kernel_size), ("stride", self.stride),
                            ("padding", pads), ("dilation", self.dilation)):
            out.update(zip(symbols(name), value))
        return out

    def _size_steps(self) -> list[tuple[sp.Symbol, sp.Expr]]:
        """(output-size symbol, the expression shown for it): the derivation's output-size
        step, or the ``'same'`` size."""
        spec = self.spec
        if self.padding == "same":
            return list(zip(spec.output_sizes, spec.output_size_same))
        steps = {step.lhs: step for step in spec.derivation.definitions}
        return [(out, steps[out].expr) for out in spec.output_sizes]

    @property
    def output_size(self) -> tuple[int, ...]:
        """The output size, substituted into the expressions the example prints."""
        values = {k: sp.Integer(v) for k, v in self.inputs().items()}
        return tuple(_integer(expr.xreplace(values).doit(), out) for out, expr in
                     self._size_steps())

    def values(self) -> dict[sp.Symbol, int]:
        """Every symbol of the example, the output sizes included."""
        return {**self.inputs(), **dict(zip(self.spec.output_sizes, self.output_size))}

    def summary(self) -> sp.Expr:
        """The summary form of the count (first with bias, second without), unevaluated."""
        return self.spec.expression("summary_bias_display" if self.bias
                                    else "summary_no_bias_display")

    @property
    def ops(self) -> int:
        """The count: the summary form with every symbol replaced by its value."""
        values = {k: sp.Integer(v) for k, v in self.values().items()}
        return _integer(self.summary().xreplace(values).doit(), "the count")


def _integer(value: sp.Expr, what: Any) -> int:
    if not value.is_Integer:  # never expected: the evaluator accepted the configuration
        raise ArithmeticError(f"{what}: {value} is not an integer")
    return int(value)


def _as_layer_example(ex: Example | LayerExample) -> LayerExample:
    return ex.layer_example() if isinstance(ex, Example) else ex


#: One typical configuration per registered layer, as :class:`LayerExample` keyword
#: arguments: the worked example of each layer's derivation document.
TYPICAL: dict[str, dict[str, Any]] = {
    # symconv eval conv1d's README example
    "conv1d": dict(batch_size=8, in_channels=16, out_channels=32, input_size=(100,),
                   kernel_size=3),
    # a ResNet stem: 3 -> 64 channels, 224 x 224, 7 x 7 kernel, stride 2, padding 3, no bias
    "conv2d": dict(batch_size=8, in_channels=3, out_channels=64, input_size=(224, 224),
                   kernel_size=7, stride=2, padding=3, bias=False),
    # a video stem: 16 frames of 112 x 112, a 3 x 7 x 7 kernel, strided in space only
    "conv3d": dict(batch_size=2, in_channels=3, out_channels=64, input_size=(16, 112, 112),
                   kernel_size=(3, 7, 7), stride=(1, 2, 2), padding=(1, 3, 3), bias=False),
}


def typical_example(layer: str) -> LayerExample | None:
    """The worked example of ``layer``'s derivation document (``None`` for a layer
    :data:`TYPICAL` does not list)."""
    from ..registry import get

    spec = get(layer)
    config = TYPICAL.get(spec.name)
    # fixed, valid configurations (tests check them against the evaluators): no evaluator here,
    # so that `symconv generate` works while the generated evaluators are missing
    return None if config is None else LayerExample(spec.name, **config, check=False)


# --- rendering ---------------------------------------------------------------------------------

def _equations(ex: LayerExample, notation: LatexNotation, width: float) -> list[dict[str, str]]:
    spec = ex.spec
    values = ex.values()
    numbers = {sym: latex_number(v) for sym, v in values.items()}
    ones = {sym for sym, v in values.items() if v == 1}

    def sym(e: sp.Expr) -> str:
        return latex(e, notation)

    def num(e: sp.Expr) -> str:
        # the numbers in place of the symbols; a division by 1 (groups = 1, stride = 1) is not shown
        return latex(drop_unit_divisors(e, ones), notation, numbers)

    word = "length" if spec.dims == 1 else "size"
    steps = {step.lhs: step for step in spec.derivation.definitions}
    equations = []
    for k, ((out, expr), value) in enumerate(zip(ex._size_steps(), ex.output_size)):
        shown = sym(expr) if ex.padding == "same" else num(expr)
        note = ("", "")
        if k == 0 and ex.padding == "same":
            note = ("padding='same'", f"keeps the {word}")
        elif k == 0 and ex.padding == "valid":
            note = ("padding='valid'", "is padding 0")
        equations.append(dict(
            label=label(spec.name, "example_" + steps[out].name),
            body=layout_equation([(sym(out), shown), ("", latex_number(value))], width,
                                 one_line=True),
            note=note[0], note_code=note[0], note_text=note[1]))
    ops_lines = [(sym(_ops_symbol(spec)), num(ex.summary())), ("", latex_number(ex.ops))]
    equations.append(dict(label=label(spec.name, "example_ops"),
                          body=layout_equation(ops_lines, width, one_line=True),
                          note="", note_code="", note_text=""))
    return equations


def _ops_symbol(spec) -> sp.Symbol:
    return spec.derivation.chains[0].steps[0].lhs


def _parameters(ex: LayerExample, notation: LatexNotation) -> list[dict[str, str]]:
    spec = ex.spec
    names = notation.names()
    values = ex.inputs()
    rows = []
    for param in spec.parameters:
        if param.kind == "bias":
            continue
        if param.kind == "padding" and isinstance(ex.padding, str):
            # one row: 'same' / 'valid' is one value for every dimension
            head = names[param.symbols[0]] if spec.dims == 1 else r"\text{padding}"
            rows.append((head, r"\text{%s}" % ex.padding))
            continue
        symbols = spec.input_sizes if param.name in ("input_size", "input_length") \
            else param.symbols
        # sizes and channels digit-grouped; stride, padding, dilation and groups as written
        show = latex_number if param.kind in ("batch", "channels") or param.name in (
            "input_size", "input_length", "kernel_size") else str
        rows += [(names[x], show(values[x])) for x in symbols]
    return [dict(symbol=a, value=b) for a, b in rows]


def _size_words(spec) -> str:
    """``output length is`` (Conv1d), ``output height and width are`` (Conv2d), …: the
    titles of the output-size steps of the derivation."""
    steps = {step.lhs: step for step in spec.derivation.definitions}
    titles = [steps[out].title.lower() for out in spec.output_sizes]
    if len(titles) == 1:
        return f"{titles[0]} is"
    rest = [t.removeprefix("output ") for t in titles[1:]]
    return (f"{titles[0]}{', ' if len(rest) > 1 else ' and '}"
            + ", ".join(rest[:-1]) + (" and " if len(rest) > 1 else "") + rest[-1] + " are")


def _context(ex: LayerExample, notation: LatexNotation, line_width: float | None,
             first_number: int = 1, embedded: bool = False) -> dict[str, Any]:
    spec = ex.spec
    notation = for_layer(notation, spec)
    summary = "first summary form (bias)" if ex.bias else "second summary form (no bias)"
    return dict(
        equations=_equations(ex, notation, equation_width(line_width, notation)),
        parameters=_parameters(ex, notation),
        bias="with bias" if ex.bias else "without bias", summary=summary,
        convention=m.convention_text(ex.bias), value=ex.ops, value_tex=latex_number(ex.ops),
        batch=1 if ex.batch_size is None else ex.batch_size,
        unbatched=ex.batch_size is None, torch_class=spec.torch_class, title=spec.title,
        size_words=_size_words(spec), first_number=first_number, embedded=embedded,
        # several output sizes: "are (1) and (2), and the ... form gives"
        size_comma="," if spec.dims > 1 and ex.padding not in ("same", "valid") else "",
    )


def example_body(ex: Example | LayerExample, fmt: str = "fragment",
                 notation: LatexNotation = DOCUMENTED, line_width: float | None = None,
                 first_number: int = 1) -> str:
    """The worked example as a paragraph of a larger document (no header comment):
    ``fragment`` (LaTeX) or ``md`` (equations tagged from ``first_number``)."""
    ex = _as_layer_example(ex)
    ctx = _context(ex, notation, line_width, first_number, embedded=True)
    name = "example.md.jinja" if fmt == "md" else "example_body.tex.jinja"
    return environment().get_template(name).render(template=name, **ctx)


def render_example(ex: Example | LayerExample, fmt: str = "tex",
                   notation: LatexNotation = DOCUMENTED, line_width: float | None = None) -> str:
    """The worked example as ``tex`` (standalone), ``fragment`` or ``md``.

    ``ex``: a Conv1d :class:`Example` or a :class:`LayerExample` of any registered layer.
    ``line_width``: as :class:`~symconv.latex.render.RenderOptions` (points; by notation).
    """
    if fmt not in EXAMPLE_FORMATS:
        raise ValueError(f"format must be one of {', '.join(EXAMPLE_FORMATS)}, got {fmt!r}")
    ex = _as_layer_example(ex)
    ctx = _context(ex, notation, line_width)
    env = environment()
    if fmt == "md":
        return env.get_template("example.md.jinja").render(template="example.md.jinja", **ctx)
    body = env.get_template("example_body.tex.jinja").render(template="example_body.tex.jinja",
                                                             **ctx)
    if fmt == "fragment":
        return body
    return env.get_template("standalone.tex.jinja").render(
        body=body, title=f"Worked example: operation count of {ex.spec.torch_class}",
        template="example_body.tex.jinja", packages=STANDALONE_PACKAGES, package_note=BASE_NOTE)
