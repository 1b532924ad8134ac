"""A layer's derivation as a LaTeX article, a LaTeX fragment or Markdown.

The equations are printed from the steps of the layer specification's
derivation (:attr:`symconv.spec.LayerSpec.derivation`, for every layer of
:data:`symconv.registry.LAYERS`), in the specification's notation, by
:class:`~symconv.printing.latex.SymconvLatexPrinter`; the prose between
them is the steps' titles and justifications; templates in
``symconv/templates/`` only lay the strings out. Equations are grouped the
way the reference writes them:

* consecutive definition steps with the same left-hand side and condition
  are one equation (``ψ = … = …``, in an ``aligned`` block);
* consecutive groups of one quantity under different conditions become one
  ``cases`` equation (γ with bias / without bias);
* each chain's first step (the total ``N·(ψ·λ+γ)``) is one equation, shown
  once when the chains share it, and the rest of each chain is one equation
  ending in the summary form.

Every equation is numbered and carries ``\\label{eq:<layer>-…}``
(``eq:conv1d-total``, ``eq:conv2d-total``: :func:`label`, named after the
group's last step) so a paper can ``\\eqref`` it and two layers' documents
coexist. Side facts (bias − no bias, MACs) follow, printed from the
specification's quantities and identities, and last the count summed over the
loop nest of the direct algorithm (:func:`symconv.loopnest.chain`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import sympy as sp

from .. import conv1d as m
from ..derivation import Derivation, Step
from ..printing.latex import (DOCUMENTED, SHORT, LatexNotation, for_layer, latex,
                              prose_to_latex)
from ..registry import LAYERS, get as get_layer
from ..spec import Identity, LayerSpec
from ..symbols import SYMBOLS, N
from ._base import (BASE_NOTE, STANDALONE_PACKAGES, environment, equation_width, label,
                    markdown_escape)
from .layout import CONTINUATION, break_rows, layout_cases, layout_equation, math_width

__all__ = ["RenderOptions", "Equation", "Section", "derivation_sections", "side_facts",
           "render_derivation", "environment", "markdown_escape", "display_monomial",
           "equation_width", "MACS_SYMBOL", "FORMATS", "label", "display_order",
           "loop_nest_sections", "prose_words", "TYPICAL"]

#: Output formats of :func:`render_derivation`.
FORMATS = ("tex", "fragment", "md")

#: ``RenderOptions.example``: the layer's typical worked example (standalone and Markdown).
TYPICAL = "typical"

@dataclass(frozen=True)
class RenderOptions:
    """How a derivation is rendered.

    Attributes:
        notation: ``DOCUMENTED`` (C_in, kernel_size, groups, ×) or ``SHORT`` (K, G, ·).
        title: plain-text title of the standalone article and of the Markdown page
            (``None``: "Operation count of" and the layer's PyTorch class).
        legend: list what each symbol means after the derivation.
        line_width: the width in points (10 pt Computer Modern) every equation, with its
            number, must fit; longer equations are broken into rows. ``None``: the text
            width of a one-column ``article`` (345 pt) in the documented notation, one
            column of a two-column ``article`` (229.5 pt) in the short one.
        example: the worked example the document ends with. :data:`TYPICAL` (the
            default): the layer's typical one (:data:`symconv.latex.example.TYPICAL`) in
            the standalone article and in Markdown, none in the fragment (a paper holds
            one worked example per layer: its labels are ``eq:<layer>-example-…``);
            ``None``: none; an :class:`~symconv.latex.example.Example` or
            :class:`~symconv.latex.example.LayerExample` of the layer: that one, in every
            format.
    """

    notation: LatexNotation = DOCUMENTED
    title: str | None = None
    legend: bool = True
    line_width: float | None = None
    example: Any = "typical"

    @property
    def width(self) -> float:
        """The width left for an equation body beside its number (points)."""
        return equation_width(self.line_width, self.notation)

    @classmethod
    def short(cls, **kwargs) -> "RenderOptions":
        return cls(notation=SHORT, **kwargs)


@dataclass(frozen=True)
class Equation:
    """One numbered display equation.

    ``body`` is math-mode LaTeX valid both in a LaTeX ``equation`` and in a
    Markdown ``$$`` block (KaTeX / MathJax): multi-line equations use
    ``aligned`` and ``cases``, never ``align``.
    """

    label: str
    body: str
    steps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A titled paragraph of prose followed by its equation.

    ``words``: (plain name, LaTeX) pairs the prose may use beyond the layer's
    symbols (the loop indices of the loop-nest step).
    """

    title: str
    prose: tuple[str, ...]   # plain-text sentences (justifications), rendered per target
    equation: Equation
    words: tuple[tuple[str, str], ...] = ()


def _layer(layer: str | LayerSpec | None, derivation: Derivation | None = None) -> LayerSpec | None:
    """The specification of ``layer``, or of ``derivation``'s layer when registered."""
    if layer is not None:
        return get_layer(layer)
    if derivation is not None and derivation.layer in LAYERS:
        return LAYERS[derivation.layer]
    return None


def display_order(layer: str | LayerSpec = "conv1d") -> tuple[sp.Symbol, ...]:
    """The layer's symbols in the reference's order: N, C_in, C_out, the input sizes,
    the output sizes, the kernel sizes, G, the strides, paddings and dilations
    (for Conv1d :data:`symconv.symbols.SYMBOLS`)."""
    spec = get_layer(layer)

    def symbols(name: str) -> tuple[sp.Symbol, ...]:
        return spec.parameter(name).symbols

    return (*symbols("batch_size"), *symbols("in_channels"), *symbols("out_channels"),
            *spec.input_sizes, *spec.output_sizes, *symbols("kernel_size"), *symbols("groups"),
            *symbols("stride"), *symbols("padding"), *symbols("dilation"))


def prose_words(layer: str | LayerSpec, notation: LatexNotation = DOCUMENTED) -> dict[str, str]:
    """Plain names the layer's justifications use beyond its symbols, as LaTeX:
    ``b`` (the bias indicator) and ``K_prod`` (the product of the kernel sizes)."""
    spec = get_layer(layer)
    notation = for_layer(notation, spec)
    kernel = spec.parameter("kernel_size").symbols
    product = kernel[0] if len(kernel) == 1 else sp.Mul(*kernel, evaluate=False)
    return {str(spec.bias): latex(spec.bias, notation), "K_prod": latex(product, notation)}


# --- display forms of the side facts ---------------------------------------------------

#: The symbol "MACs" in the side facts.
MACS_SYMBOL = sp.Symbol("MACs", integer=True, positive=True)
def display_monomial(expr: sp.Expr, order: Sequence[sp.Symbol] = SYMBOLS) -> sp.Expr:
    """A canonical monomial rewritten in the reference's factor order.

    ``N`` first, then a fraction of the other factors in the order of
    ``order`` (:func:`display_order`; Conv1d's :data:`symconv.symbols.SYMBOLS`
    by default) over the denominator, parenthesised like the summary forms:
    ``N × (C_in × C_out × L_out × K / G)``. ``display_monomial(e).doit() == e`` (tested).
    """
    rank = {sym: i for i, sym in enumerate(order)}
    num, den = sp.fraction(expr)
    coeff, factors = sp.Mul(*sp.Mul.make_args(num)).as_coeff_mul()
    factors = sorted(factors, key=lambda f: rank.get(f, len(rank)))
    lead = [f for f in factors if f == N]
    rest = [f for f in factors if f != N]
    if coeff != 1:
        rest.insert(0, coeff)
    if den == 1:
        factors = lead + rest
        return factors[0] if len(factors) == 1 else sp.Mul(*factors, evaluate=False)
    inner = rest[0] if len(rest) == 1 else sp.Mul(*rest, evaluate=False)
    inner = sp.Mul(inner, sp.Pow(den, -1, evaluate=False), evaluate=False)
    return sp.Mul(*lead, inner, evaluate=False) if lead else inner


def _mul(*args: sp.Expr) -> sp.Expr:
    return sp.Mul(*args, evaluate=False)


# --- building the sections ------------------------------------------------------------------

def _chain_body(steps: Sequence[Step], p: Callable[[sp.Expr], str], width: float,
                condition: str | None = None) -> str:
    """``lhs = e1 = e2 …``: one row when it fits, else aligned rows broken to fit ``width``."""
    lhs = p(steps[0].lhs)
    lines = [(lhs if k == 0 else "", p(step.expr)) for k, step in enumerate(steps)]
    return layout_equation(lines, width, condition)


def _step_condition(steps: Sequence[Step]) -> str | None:
    cond = steps[0].condition
    if cond and all(s.condition == cond for s in steps):
        return _condition_text(cond)
    return None


def _condition_text(condition: str) -> str:
    return {"bias": "with bias", "no bias": "without bias"}.get(condition, condition)


def _common_name(steps: Sequence[Step]) -> str:
    parts = [s.name.split("_") for s in steps]
    common = []
    for tokens in zip(*parts):
        if len(set(tokens)) != 1:
            break
        common.append(tokens[0])
    return "_".join(common) or steps[-1].name


def _group(steps: Sequence[Step]) -> list[list[Step]]:
    groups: list[list[Step]] = []
    for step in steps:
        if groups and groups[-1][-1].lhs == step.lhs and groups[-1][-1].condition == step.condition:
            groups[-1].append(step)
        else:
            groups.append([step])
    return groups


def derivation_sections(derivation: Derivation, notation: LatexNotation = DOCUMENTED,
                        width: float | None = None) -> list[Section]:
    """The derivation as titled sections, each with one numbered equation.

    ``width``: the width (points) every equation body must fit, as given by
    :func:`equation_width` (default: that of ``notation``'s default line width).
    Labels are ``eq:<derivation.layer>-…``; a registered layer's symbols are
    printed in its own notation.
    """
    width = equation_width(None, notation) if width is None else width
    spec = _layer(None, derivation)
    if spec is not None:
        notation = for_layer(notation, spec)

    def p(e: sp.Expr) -> str:
        return latex(e, notation)

    def lab(name: str) -> str:
        return label(derivation.layer, name)

    sections: list[Section] = []
    groups = _group(derivation.definitions)
    i = 0
    while i < len(groups):
        group = groups[i]
        # consecutive groups of one quantity under different conditions -> cases
        j = i + 1
        while (j < len(groups) and groups[j][0].lhs == group[0].lhs and group[0].condition
               and groups[j][0].condition and groups[j][0].condition != groups[j - 1][0].condition):
            j += 1
        block = groups[i:j]
        if len(block) == 1:
            sections.append(Section(group[0].title, tuple(s.justification for s in group),
                                    Equation(lab(group[-1].name),
                                             _chain_body(group, p, width, _step_condition(group)),
                                             tuple(s.name for s in group))))
        else:
            # the steps before each condition's result come first, as their own equations
            for g in block:
                if len(g) > 1:
                    lead = g[:-1]
                    sections.append(Section(g[0].title, tuple(s.justification for s in lead),
                                            Equation(lab(lead[-1].name),
                                                     _chain_body(lead, p, width, _step_condition(lead)),
                                                     tuple(s.name for s in lead))))
            results = [g[-1] for g in block]
            body = layout_cases(p(group[0].lhs), [(p(r.expr), _condition_text(r.condition))
                                                  for r in results], width)
            cases_title = f"{group[0].title}, " + " and ".join(
                _condition_text(r.condition) for r in results)
            sections.append(Section(cases_title, tuple(r.justification for r in results),
                                    Equation(lab(_common_name(results)), body,
                                             tuple(r.name for r in results))))
        i = j

    shown_totals: list[Step] = []
    for chain in derivation.chains:
        first, rest = chain.steps[0], chain.steps[1:]
        if not any(t.expr == first.expr and t.lhs == first.lhs for t in shown_totals):
            shared = [c.steps[0] for c in derivation.chains
                      if c.steps[0].expr == first.expr and c.steps[0].lhs == first.lhs]
            name = _common_name(shared) if len(shared) > 1 else first.name
            # shared by every variant: no condition to state
            body = _chain_body([first], p, width,
                               None if len(shared) > 1 else _step_condition([first]))
            sections.append(Section(first.title, (first.justification,),
                                    Equation(lab(name), body, tuple(s.name for s in shared))))
            shown_totals.append(first)
        if rest:
            sections.append(Section(chain.title, tuple(s.justification for s in rest),
                                    Equation(lab(rest[-1].name),
                                             _chain_body(rest, p, width, _step_condition(rest)),
                                             tuple(s.name for s in rest))))
    return sections


def _identity(spec: LayerSpec, name: str) -> Identity:
    """The identity of ``spec`` whose name is ``name`` (or starts with it, then " - ")."""
    for ident in spec.identities:
        if ident.name == name:
            return ident
    for ident in spec.identities:
        if ident.name.startswith(name + " - "):
            return ident
    raise KeyError(f"{spec.name} states no identity {name!r}")


def _ops_symbol(spec: LayerSpec) -> sp.Symbol:
    """The total's symbol (``Conv2d_ops``): the left-hand side of the derivation's totals."""
    return spec.derivation.chains[0].steps[0].lhs


def side_facts(notation: LatexNotation = DOCUMENTED, width: float | None = None,
               layer: str | LayerSpec = "conv1d") -> list[Section]:
    """bias − no bias, and the counts in multiply-accumulates, printed from the layer
    specification's quantities (``bias_additions``, ``macs``) and stated in the words of
    its identities ("bias - no bias", "bias = 2 MACs", "no bias = 2 MACs - …")."""
    spec = get_layer(layer)
    notation = for_layer(notation, spec)
    width = equation_width(None, notation) if width is None else width
    order = display_order(spec)

    def p(e: sp.Expr) -> str:
        return latex(e, notation, {MACS_SYMBOL: r"\text{MACs}"})

    def lab(name: str) -> str:
        return label(spec.name, name)

    ops_tex = p(_ops_symbol(spec))
    with_bias = ops_tex + r"\big|_{\text{bias}}"
    without = ops_tex + r"\big|_{\text{no bias}}"
    diff = _identity(spec, "bias - no bias")
    twice = _identity(spec, "bias = 2 MACs")
    minus = _identity(spec, "no bias = 2 MACs")
    extra = display_monomial(spec.expression("bias_additions"), order)
    body_diff = f"{with_bias} - {without} = {p(extra)}"
    if math_width(body_diff) > width:  # the difference on one row, "= …" on the next
        rows = break_rows(body_diff, width, width - math_width(CONTINUATION))
        body_diff = ("\\begin{aligned}\n" + " \\\\\n".join(
            ("  &" if k == 0 else f"  &{CONTINUATION} ") + r for k, r in enumerate(rows))
            + "\n\\end{aligned}")
    body_macs = layout_equation([
        (r"\text{MACs}", p(display_monomial(spec.expression("macs"), order))),
        (with_bias, p(_mul(2, MACS_SYMBOL))),
        (without, f"{p(_mul(2, MACS_SYMBOL))} - {p(extra)}"),
    ], width)
    return [
        Section("Bias", (diff.statement[0].upper() + diff.statement[1:] + ".",),
                Equation(lab("bias_difference"), body_diff, (diff.name,))),
        Section("Multiply-accumulate count",
                (twice.statement[0].upper() + twice.statement[1:] + "; "
                 + minus.statement + ".",),
                Equation(lab("macs"), body_macs, (twice.name, minus.name))),
    ]


def loop_nest_sections(notation: LatexNotation = DOCUMENTED, width: float | None = None,
                       layer: str | LayerSpec = "conv1d") -> list[Section]:
    """The count summed over the loop nest of the direct algorithm, as one equation.

    The steps of :func:`symconv.loopnest.chain` (the nested sum, the summed
    form, N·(ψ·λ + γ)) printed as they are, labelled ``eq:<layer>-loop-nest``;
    the prose is their justifications and the loop indices, read from
    :func:`symconv.loopnest.loop_nest`.
    """
    from ..loopnest import chain, loop_nest

    spec = get_layer(layer)
    notation = for_layer(notation, spec)
    width = equation_width(None, notation) if width is None else width
    nest_chain = chain(spec, _ops_symbol(spec))
    steps = nest_chain.steps
    loops = loop_nest(spec).loops
    roles: dict[str, list[str]] = {}
    for loop in loops:
        roles.setdefault(loop.role, []).append(str(loop.index))
    indices = "Loop indices: " + ", ".join(
        f"{', '.join(names)} ({role})" for role, names in roles.items()) + "."
    words = tuple((str(loop.index), latex(loop.index, notation)) for loop in loops)
    body = _chain_body(steps, lambda e: latex(e, notation), width)
    return [Section(nest_chain.title,
                    tuple(s.justification for s in steps) + (indices,),
                    Equation(label(spec.name, "loop_nest"), body, tuple(s.name for s in steps)),
                    words)]


#: The meaning of the bias indicator where a specification's notation does not state one.
_BIAS_MEANING = "1 with a bias vector, 0 without"


def legend(notation: LatexNotation = DOCUMENTED,
           layer: str | LayerSpec = "conv1d") -> list[dict[str, str]]:
    """``symbol`` (LaTeX), ``meaning``, ``torch`` name for every parameter, in the reference's order.

    Every symbol of :func:`display_order` with its meaning and PyTorch name
    from the specification's notation, then the bias indicator ``b`` (which
    the parameter count and the conventions use).
    """
    spec = get_layer(layer)
    notation = for_layer(notation, spec)
    names = notation.names()
    info = spec.notation

    def plain(tex: str) -> str:
        return re.sub(r"\\text\{(.*?)\}", r"\1", tex).replace("\\_", "_")

    rows = [(names[sym], info[sym].meaning,
             "" if info[sym].torch_name == plain(names[sym]) else info[sym].torch_name)
            for sym in display_order(spec)]
    bias = info.get(spec.bias)
    rows.append((latex(spec.bias, notation), bias.meaning if bias else _BIAS_MEANING,
                 bias.torch_name if bias else "bias"))
    return [dict(symbol=symbol, meaning=meaning, torch=torch,
                 end="." if i == len(rows) - 1 else ";")
            for i, (symbol, meaning, torch) in enumerate(rows)]


def _prose(sentences: Sequence[str], notation: LatexNotation, md: bool,
           words: dict[str, str] | None = None) -> str:
    if md:
        return " ".join(prose_to_latex(s, notation, ("$", "$"), markdown_escape, words)
                        for s in sentences)
    return " ".join(prose_to_latex(s, notation, words=words) for s in sentences)


def render_derivation(fmt: str = "tex", options: RenderOptions = RenderOptions(),
                      layer: str | LayerSpec = "conv1d") -> str:
    """A layer's derivation as ``tex`` (standalone article), ``fragment`` (to ``\\input``)
    or ``md``: its specification's derivation, side facts (bias, MACs) and the
    loop-nest step, in its notation, with labels ``eq:<layer>-…``."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    spec = get_layer(layer)
    notation = for_layer(options.notation, spec)
    md = fmt == "md"
    width = options.width
    sections = (derivation_sections(spec.derivation, notation, width)
                + side_facts(notation, width, spec) + loop_nest_sections(notation, width, spec))
    words = prose_words(spec, notation)
    title = options.title if options.title is not None else f"Operation count of {spec.torch_class}"
    ctx = dict(
        sections=[dict(title=s.title,
                       prose=_prose(s.prose, notation, md, {**words, **dict(s.words)}),
                       label=s.equation.label, body=s.equation.body, number=n)
                  for n, s in enumerate(sections, start=1)],
        convention=m.CONVENTION,
        legend=legend(notation, spec) if options.legend else [],
        title=title,
        layer=spec.derivation.layer,
        notation="short" if notation.short else "documented",
    )
    env = environment()
    ctx["template"] = "derivation.md.jinja" if md else "derivation_body.tex.jinja"
    example = _document_example(options.example, spec, fmt)
    if example is not None:
        from .example import example_body

        example = example_body(example, "md" if md else "fragment", options.notation,
                               options.line_width, first_number=len(sections) + 1)
    if md:
        text = env.get_template("derivation.md.jinja").render(**ctx)
        return text if example is None else f"{text.rstrip(chr(10))}\n\n{example}"
    body = env.get_template("derivation_body.tex.jinja").render(**ctx)
    if example is not None:
        body = f"{body}\n{example}"
    if fmt == "fragment":
        return body
    return env.get_template("standalone.tex.jinja").render(body=body, title=title,
                                                            template="derivation_body.tex.jinja",
                                                            packages=STANDALONE_PACKAGES,
                                                            package_note=BASE_NOTE)


def _document_example(example: Any, spec: LayerSpec, fmt: str) -> Any:
    """The worked example a derivation document of ``spec`` in ``fmt`` ends with, or None."""
    if example is None:
        return None
    if isinstance(example, str) and example == TYPICAL:
        if fmt == "fragment":
            return None
        from .example import typical_example

        return typical_example(spec.name)
    from .example import Example, LayerExample

    if not isinstance(example, (Example, LayerExample)):
        raise TypeError(f"example must be {TYPICAL!r}, None, an Example or a LayerExample, "
                        f"got {example!r}")
    layer = "conv1d" if isinstance(example, Example) else example.layer
    if layer != spec.name:
        raise ValueError(f"the worked example is a {layer} layer; the document is {spec.name}'s")
    return example
