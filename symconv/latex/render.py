"""The Conv1d derivation as a LaTeX article, a LaTeX fragment or Markdown.

The equations are printed from the steps of :data:`symconv.conv1d.DERIVATION`
by :class:`~symconv.printing.latex.SymconvLatexPrinter`; the prose between
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

Every equation is numbered and carries ``\\label{eq:conv1d-…}`` (from
:func:`symconv.conv1d.label`, named after the group's last step) so a paper
can ``\\eqref`` it. Side facts (bias − no bias, MACs) follow, printed from
the same expressions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import jinja2
import sympy as sp

from .. import conv1d as m
from ..derivation import Derivation, Step
from ..printing.latex import DOCUMENTED, SHORT, LatexNotation, latex, latex_escape, prose_to_latex
from ..symbols import INFO, SYMBOLS, N
from .layout import (CONTINUATION, ONE_COLUMN, TWO_COLUMN, WIDTH_MARGIN, break_rows,
                     layout_cases, layout_equation, math_width, tag_allowance)

__all__ = ["RenderOptions", "Equation", "Section", "derivation_sections", "side_facts",
           "render_derivation", "environment", "markdown_escape", "display_monomial",
           "equation_width", "MACS_SYMBOL", "FORMATS"]

#: Output formats of :func:`render_derivation`.
FORMATS = ("tex", "fragment", "md")

#: Where the packages of a standalone document come from.
BASE_NOTE = "all in Debian's texlive-latex-base"

#: Packages of the standalone article: (options, name), all in texlive-latex-base.
STANDALONE_PACKAGES = (("", "amsmath"), ("margin=1in", "geometry"))

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class RenderOptions:
    """How a derivation is rendered.

    Attributes:
        notation: ``DOCUMENTED`` (C_in, kernel_size, groups, ×) or ``SHORT`` (K, G, ·).
        title: plain-text title of the standalone article and of the Markdown page.
        legend: list what each symbol means after the derivation.
        line_width: the width in points (10 pt Computer Modern) every equation, with its
            number, must fit; longer equations are broken into rows. ``None``: the text
            width of a one-column ``article`` (345 pt) in the documented notation, one
            column of a two-column ``article`` (229.5 pt) in the short one.
    """

    notation: LatexNotation = DOCUMENTED
    title: str = "Operation count of torch.nn.Conv1d"
    legend: bool = True
    line_width: float | None = None

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
    """A titled paragraph of prose followed by its equation."""

    title: str
    prose: tuple[str, ...]   # plain-text sentences (justifications), rendered per target
    equation: Equation


def environment() -> jinja2.Environment:
    """The Jinja environment of the LaTeX and Markdown templates.

    LaTeX-friendly delimiters: blocks ``((* … *))``, variables ``((( … )))``,
    comments ``((= … =))`` — so ``{#1}`` in a ``\\newcommand`` is plain text.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        block_start_string="((*", block_end_string="*))",
        variable_start_string="(((", variable_end_string=")))",
        comment_start_string="((=", comment_end_string="=))",
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, autoescape=False)
    env.filters["tex"] = latex_escape
    env.filters["md"] = markdown_escape
    return env


def markdown_escape(text: str) -> str:
    """``text`` with Markdown's punctuation backslash-escaped where it could act as markup.

    Always: ``\\ ` * _ [ ] < > | $ & ~`` (``&`` so that ``&#x202E;`` stays
    text, ``~`` for strikethrough); at the start of a line also ``# + - . !``.
    Newlines are the caller's business (tables and captions make every
    unprintable character visible first).
    """
    out = []
    for i, ch in enumerate(text):
        if ch in "\\`*_[]<>|$&~":
            out.append("\\" + ch)
        elif ch in "#+-.!" and (i == 0 or text[:i].strip() == ""):
            out.append("\\" + ch)  # only at the start of a line can these start a block
        else:
            out.append(ch)
    return "".join(out)


# --- display forms of the side facts ---------------------------------------------------

#: The symbol "MACs" in the side facts.
MACS_SYMBOL = sp.Symbol("MACs", integer=True, positive=True)
_ORDER = {sym: i for i, sym in enumerate(SYMBOLS)}


def display_monomial(expr: sp.Expr) -> sp.Expr:
    """A canonical monomial rewritten in the reference's factor order.

    ``N`` first, then a fraction of the other factors in the order of
    :data:`symconv.symbols.SYMBOLS` over the denominator, parenthesised like
    the summary forms: ``N × (C_in × C_out × L_out × K / G)``.
    ``display_monomial(e).doit() == e`` (tested).
    """
    num, den = sp.fraction(expr)
    coeff, factors = sp.Mul(*sp.Mul.make_args(num)).as_coeff_mul()
    factors = sorted(factors, key=lambda f: _ORDER.get(f, len(_ORDER)))
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

def equation_width(line_width: float | None = None,
                   notation: LatexNotation = DOCUMENTED) -> float:
    """Width (points) left for an equation body on a line of ``line_width`` points.

    The equation number "(99)" and the quad before it are taken off, and a
    margin of :data:`WIDTH_MARGIN` for the error of the width estimate.
    """
    if line_width is None:
        line_width = TWO_COLUMN if notation.short else ONE_COLUMN
    if not line_width > 0:
        raise ValueError(f"line_width must be a positive number of points, got {line_width!r}")
    return (line_width - tag_allowance()) / (1 + WIDTH_MARGIN)


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
    """
    width = equation_width(None, notation) if width is None else width
    def p(e: sp.Expr) -> str:
        return latex(e, notation)

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
                                    Equation(m.label(group[-1].name),
                                             _chain_body(group, p, width, _step_condition(group)),
                                             tuple(s.name for s in group))))
        else:
            # the steps before each condition's result come first, as their own equations
            for g in block:
                if len(g) > 1:
                    lead = g[:-1]
                    sections.append(Section(g[0].title, tuple(s.justification for s in lead),
                                            Equation(m.label(lead[-1].name),
                                                     _chain_body(lead, p, width, _step_condition(lead)),
                                                     tuple(s.name for s in lead))))
            results = [g[-1] for g in block]
            body = layout_cases(p(group[0].lhs), [(p(r.expr), _condition_text(r.condition))
                                                  for r in results], width)
            cases_title = f"{group[0].title}, " + " and ".join(
                _condition_text(r.condition) for r in results)
            sections.append(Section(cases_title, tuple(r.justification for r in results),
                                    Equation(m.label(_common_name(results)), body,
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
                                    Equation(m.label(name), body, tuple(s.name for s in shared))))
            shown_totals.append(first)
        if rest:
            sections.append(Section(chain.title, tuple(s.justification for s in rest),
                                    Equation(m.label(rest[-1].name),
                                             _chain_body(rest, p, width, _step_condition(rest)),
                                             tuple(s.name for s in rest))))
    return sections


def _identity(name: str) -> m.Identity:
    for ident in m.IDENTITIES:
        if ident.name == name:
            return ident
    raise KeyError(name)


def side_facts(notation: LatexNotation = DOCUMENTED, width: float | None = None) -> list[Section]:
    """bias − no bias, and the counts in multiply-accumulates, printed from conv1d's expressions."""
    from ..symbols import ops

    width = equation_width(None, notation) if width is None else width

    def p(e: sp.Expr) -> str:
        return latex(e, notation, {MACS_SYMBOL: r"\text{MACs}"})

    ops_tex = p(ops)
    with_bias = ops_tex + r"\big|_{\text{bias}}"
    without = ops_tex + r"\big|_{\text{no bias}}"
    diff = _identity("bias - no bias")
    twice = _identity("bias = 2 MACs")
    minus = _identity("no bias = 2 MACs - N C_out L_out")
    extra = display_monomial(m.BIAS_ADDITIONS)
    body_diff = f"{with_bias} - {without} = {p(extra)}"
    if math_width(body_diff) > width:  # the difference on one row, "= …" on the next
        rows = break_rows(body_diff, width, width - math_width(CONTINUATION))
        body_diff = ("\\begin{aligned}\n" + " \\\\\n".join(
            ("  &" if k == 0 else f"  &{CONTINUATION} ") + r for k, r in enumerate(rows))
            + "\n\\end{aligned}")
    body_macs = layout_equation([
        (r"\text{MACs}", p(display_monomial(m.MACS))),
        (with_bias, p(_mul(2, MACS_SYMBOL))),
        (without, f"{p(_mul(2, MACS_SYMBOL))} - {p(extra)}"),
    ], width)
    return [
        Section("Bias", (diff.statement[0].upper() + diff.statement[1:] + ".",),
                Equation(m.label("bias_difference"), body_diff, (diff.name,))),
        Section("Multiply-accumulate count",
                (twice.statement[0].upper() + twice.statement[1:] + "; "
                 + minus.statement + ".",),
                Equation(m.label("macs"), body_macs, (twice.name, minus.name))),
    ]


def legend(notation: LatexNotation = DOCUMENTED) -> list[dict[str, str]]:
    """``symbol`` (LaTeX), ``meaning``, ``torch`` name for every parameter, in the reference's order.

    Every parameter of the layer, then the bias indicator ``b`` (which the
    parameter count and the conventions use).
    """
    names = notation.names()

    def plain(tex: str) -> str:
        return re.sub(r"\\text\{(.*?)\}", r"\1", tex).replace("\\_", "_")

    rows = [(names[sym], INFO[sym].meaning,
             "" if INFO[sym].torch_name == plain(names[sym]) else INFO[sym].torch_name)
            for sym in SYMBOLS]
    rows.append((latex(m.BIAS, notation), "1 with a bias vector, 0 without", "bias"))
    return [dict(symbol=symbol, meaning=meaning, torch=torch,
                 end="." if i == len(rows) - 1 else ";")
            for i, (symbol, meaning, torch) in enumerate(rows)]


def _prose(sentences: Sequence[str], notation: LatexNotation, md: bool) -> str:
    if md:
        return " ".join(prose_to_latex(s, notation, ("$", "$"), markdown_escape) for s in sentences)
    return " ".join(prose_to_latex(s, notation) for s in sentences)


def render_derivation(fmt: str = "tex", options: RenderOptions = RenderOptions(),
                      derivation: Derivation = m.DERIVATION) -> str:
    """The derivation as ``tex`` (standalone article), ``fragment`` (to ``\\input``) or ``md``."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    notation = options.notation
    md = fmt == "md"
    sections = (derivation_sections(derivation, notation, options.width)
                + side_facts(notation, options.width))
    ctx = dict(
        sections=[dict(title=s.title, prose=_prose(s.prose, notation, md),
                       label=s.equation.label, body=s.equation.body, number=n)
                  for n, s in enumerate(sections, start=1)],
        convention=m.CONVENTION,
        legend=legend(notation) if options.legend else [],
        title=options.title,
        layer=derivation.layer,
        notation="short" if notation.short else "documented",
    )
    env = environment()
    ctx["template"] = "derivation.md.jinja" if md else "derivation_body.tex.jinja"
    if md:
        return env.get_template("derivation.md.jinja").render(**ctx)
    body = env.get_template("derivation_body.tex.jinja").render(**ctx)
    if fmt == "fragment":
        return body
    return env.get_template("standalone.tex.jinja").render(body=body, title=options.title,
                                                            template="derivation_body.tex.jinja",
                                                            packages=STANDALONE_PACKAGES,
                                                            package_note=BASE_NOTE)
