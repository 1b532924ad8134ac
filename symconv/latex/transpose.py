"""The derivation of the transposed convolutions (ConvTranspose1d, 2d, 3d) as LaTeX and Markdown.

Every equation is printed from the SymPy expressions of :mod:`symconv.convtranspose` (the
output size, the tap range, the tap sums T and R, the first new input of a tap, the cropping
corrections C and H, the closed forms of :data:`~symconv.convtranspose.FORMS`, the totals of
:func:`~symconv.convtranspose.totals`); nothing is retyped. Long sub-expressions are named
(``lo_k``, ``hi_k``, ``q``, ``d'``, ``f_k``, ``C(x)``, ``S(…)``) by replacing the very subtree
with a symbol, and each name's own equation prints that subtree; :func:`abbreviate` refuses a
replacement that does not occur, so a name never stands for something the expression lacks.

What each closed form's condition is and how it was proven (symbolically, or exhaustively over
a bounded domain plus random points) comes from :data:`~symconv.convtranspose.FORMS` and
:func:`~symconv.convtranspose.check_form`'s parameters; the symbolic proofs
(:func:`~symconv.convtranspose.prove_no_cropping_products`,
:func:`~symconv.convtranspose.prove_no_cropping_reached`,
:func:`~symconv.proof.prove_transposed_totals`) are run while rendering, and a failure is an error.

The worked example substitutes its numbers into the same expressions (the printer writes each
symbol as its value), and lists where every (input position, tap) pair lands; the tests compare
each number with the counting reference :mod:`symconv.reference_transpose`.

Outputs per layer (:data:`LAYERS`, the registered transposed layers): ``tex`` (standalone
article), ``fragment`` (to ``\\input``) and ``md``; :func:`render_macros` the ``\\newcommand``
file (prefix ``\\symconvConvTransposeTwoD…``); labels ``eq:conv_transpose2d-…``, so that the
documents and macros of forward and transposed layers coexist in one paper.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Mapping, Sequence

import sympy as sp
from sympy.printing.latex import LatexPrinter

from .. import convtranspose as ct
from ..convtranspose import (BIAS, IN_PROD, K_PROD, R_SYM, T_SYM, Axis, axis_symbols,
                             cropped_before, first_new, output_size, period, products, reached,
                             reached_before, shift, tap_high, tap_low, totals)
from ..functions import FloorDiv, FloorSum
from ..printing.latex import latex_escape, latex_number
from ..symbols import C_in, C_out, G, N
from ._base import BASE_NOTE, STANDALONE_PACKAGES, environment, equation_width, label, \
    markdown_escape
from .layout import ONE_COLUMN, layout_equation

__all__ = ["LAYERS", "TITLES", "layers", "FORMATS", "TransposeExample", "EXAMPLES", "example",
           "abbreviate", "render_derivation", "render_macros", "macros", "prefix", "artifacts",
           "GENERATED_FILES", "generated_files", "example_numbers", "landing", "Macro"]

FORMATS = ("tex", "fragment", "md")

#: The convention of every count of these documents.
CONVENTION = ("symconv's count: every multiplication and addition of a direct implementation "
              "that computes only the output elements, bias additions included where the "
              "layer has a bias")

_DIGITS = dict(zip("123", ("One", "Two", "Three")))


def layers() -> dict[str, tuple[str, ...]]:
    """The registered transposed layers, each with the axes of its symbols
    (:data:`symconv.latex.TRANSPOSED_LAYERS`, read from the registry on each call)."""
    from . import _transposed_layers

    return _transposed_layers()


def __getattr__(name: str):
    # LAYERS (name -> axes), TITLES (name -> class name) and GENERATED_FILES: read from the
    # registry on each access, so a newly registered transposed layer is listed
    if name == "LAYERS":
        return layers()
    if name == "TITLES":
        return {layer: _title(layer) for layer in layers()}
    if name == "GENERATED_FILES":
        return generated_files()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _axes(layer: str) -> tuple[str, ...]:
    _check_layer(layer)
    return layers()[layer]


def _title(layer: str) -> str:
    """``ConvTranspose2d``: the layer's PyTorch class name."""
    from ..registry import get

    _check_layer(layer)
    return get(layer).title


def prefix(layer: str) -> str:
    """``symconvConvTransposeTwoD``: the start of a layer's macro names (letters only)."""
    return "symconvConvTranspose" + _DIGITS[str(len(_axes(layer)))] + "D"


def _check_layer(layer: str) -> None:
    known = layers()
    if layer not in known:
        raise ValueError(f"layer must be one of {', '.join(known)}, got {layer!r}")


# --- printing ---------------------------------------------------------------------------------

class _Ceil(sp.Function):
    """``⌈a/b⌉`` as displayed; :func:`_display` makes it from ``−⌊−a/b⌋`` (FloorDiv)."""

    nargs = 2

    def _latex(self, printer) -> str:
        a, b = self.args
        return r"\left\lceil \frac{%s}{%s} \right\rceil" % (printer._print(a), printer._print(b))


class _Named(sp.Function):
    """An applied named function (``C(p)``): printed ``C\\left(p\\right)``."""

    def _latex(self, printer) -> str:
        args = ", ".join(printer._print(x) for x in self.args)
        return r"%s\left(%s\right)" % (self.tex, args)


def _named(name: str, tex: str) -> type:
    return type(name, (_Named,), {"tex": tex})


C_FN, H_FN = _named("C", "C"), _named("H", "H")
S_FN = _named("S", "S")
D_FN, E_FN = _named("D", "D"), _named("E", "E")


def _display(expr: sp.Expr) -> sp.Expr:
    """``−⌊−a/b⌋`` written ``⌈a/b⌉`` (equal for integers, ``b > 0``)."""
    def is_ceil(e: sp.Expr) -> bool:
        return (isinstance(e, sp.Mul) and len(e.args) == 2 and e.args[0] == -1
                and isinstance(e.args[1], FloorDiv))

    return expr.replace(is_ceil, lambda e: _Ceil(sp.expand(-e.args[1].args[0]), e.args[1].args[1]))


class TransposePrinter(LatexPrinter):
    """SymPy's LaTeX printer with the documents' names, ``\\cdot`` and the floor sums."""

    def __init__(self, names: Mapping[sp.Symbol, str]):
        super().__init__({"symbol_names": dict(names), "mul_symbol": "dot"})

    def _print_FloorSum(self, expr) -> str:
        n, m, a, b = expr.args
        i = sp.Symbol("i", integer=True, nonnegative=True)
        body = FloorDiv(sp.Add(sp.Mul(a, i, evaluate=False), b, evaluate=False), m,
                        evaluate=False)
        return r"\sum_{i=0}^{%s} %s" % (self._print(n - 1), self._print(body))

    def _print_Gcd(self, expr) -> str:
        return r"\gcd\left(%s, %s\right)" % tuple(self._print(x) for x in expr.args)


def abbreviate(expr: sp.Expr, names: Mapping[sp.Expr, sp.Expr]) -> sp.Expr:
    """``expr`` with each sub-expression of ``names`` replaced by its name; an error when one
    does not occur (a name must stand for a part of the very expression printed)."""
    for sub in names:
        if not expr.has(sub):
            raise ValueError(f"{sub} does not occur in {expr}")
    return expr.xreplace(dict(names))


def fold(expr: sp.Expr, template: sp.Expr, meaning: Mapping[sp.Expr, sp.Expr]) -> sp.Expr:
    """``template`` (an expression over named parts, ``S(0, K, p, L_in)``), after checking that
    putting each part's ``meaning`` back gives ``expr`` exactly: a sum whose terms SymPy has
    distributed is shown in the grouped form it was built from."""
    back = template.xreplace(dict(meaning))
    if sp.expand(back - expr) != 0:
        raise ValueError(f"{template} does not fold {expr}")
    return template


# --- per-dimension notation ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Dim:
    """One dimension's symbols, the names they print as, and the derived quantities' names."""

    axis: Axis
    names: dict[sp.Symbol, str]
    aux: dict[str, sp.Symbol] = field(default_factory=dict)

    def sym(self, key: str) -> sp.Symbol:
        return self.aux[key]


def _dim(name: str, generic: bool = False) -> _Dim:
    """The notation of a dimension: ConvTranspose1d's (``L_in``, ``K``, ``s``…), an axis of an
    n-d layer (``H_in``, ``K_H``, ``s_H``…) or, ``generic``, any dimension ``a`` of it."""
    a = axis_symbols(name)
    sub = "" if not name and not generic else "a" if generic else name

    def s(base: str) -> str:
        return f"{base}_{{{sub}}}" if sub else base

    if generic:
        size_in, size_out = r"\mathit{in}_{a}", r"\mathit{out}_{a}"
    elif name:
        size_in, size_out = rf"{name}_{{\text{{in}}}}", rf"{name}_{{\text{{out}}}}"
    else:
        size_in, size_out = r"L_{\text{in}}", r"L_{\text{out}}"
    names = {a.in_: size_in, a.out: size_out, a.K: s("K"), a.s: s("s"), a.p: s("p"),
             a.op: s(r"\mathit{op}"), a.d: s("d"), a.k: "k"}
    aux = {}
    for key, tex in (("lo", r"\mathit{lo}_{k}"), ("hi", r"\mathit{hi}_{k}"), ("f", "f_{k}"),
                     ("q", s("q")), ("dp", s("d'") if not sub else rf"d'_{{{sub}}}"),
                     ("T", s("T")), ("R", s("R")), ("R0", s("R") + "^{0}"), ("M", s("M")), ("j", "j"), ("i", "i"),
                     ("x", "x"), ("k0", "k_0"), ("k1", "k_1"), ("cap", "c"),
                     ("ell", r"\ell"), ("h", "h"),
                     ("na", r"n_{\text{c}}"), ("nf", r"n_{\text{f}}")):
        symbol = sp.Symbol(f"_{key}_{name}", integer=True)
        aux[key] = symbol
        names[symbol] = tex
    return _Dim(a, names, aux)


def landing(a: Axis, i: sp.Expr) -> sp.Expr:
    """The output position ``j = i·s + k·d − p`` of input position ``i`` times tap ``k``."""
    return i * a.s + a.k * a.d - a.p


def last_uncropped(a: Axis) -> sp.Expr:
    """``M = (in − 1)·s + (K − 1)·d``: the last position before cropping."""
    return (a.in_ - 1) * a.s + (a.K - 1) * a.d


def _abbreviations(dim: _Dim) -> dict[sp.Expr, sp.Expr]:
    a = dim.axis
    return {tap_low(a): dim.sym("lo"), tap_high(a): dim.sym("hi"), first_new(a): dim.sym("f"),
            period(a): dim.sym("q"), shift(a): dim.sym("dp")}


def _short(expr: sp.Expr, dim: _Dim) -> sp.Expr:
    """``expr`` with every named sub-expression of ``dim`` that occurs in it replaced."""
    names = {sub: sym for sub, sym in _abbreviations(dim).items() if expr.has(sub)}
    return expr.xreplace(names)


# --- prose ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _M:
    """Inline math in a sentence."""

    tex: str


def _words(parts: Sequence[Any], md: bool) -> str:
    """Sentences: text escaped for the target, inline math as ``$…$`` (Markdown) or ``\\(…\\)``.
    Only the first piece starts a line (Markdown escapes ``-``, ``.``… there alone)."""
    out = []
    for n, part in enumerate(parts):
        if isinstance(part, _M):
            out.append(f"${part.tex}$" if md else rf"\({part.tex}\)")
        else:
            part = part.replace("−", "-")
            if md:
                out.append(markdown_escape(part) if n == 0 else markdown_escape("x" + part)[1:])
            else:
                out.append(latex_escape(part))
    return "".join(out)


@dataclass
class _Section:
    title: str
    prose: list[Any]
    lines: list[tuple[str, str]] | None = None
    name: str = ""
    condition: str | None = None
    body: str | None = None
    heading: str | None = None

    def equation(self, width: float) -> str | None:
        if self.body is not None:
            return self.body
        if not self.lines:
            return None
        return _layout(tuple(self.lines), width, self.condition)


@lru_cache(maxsize=None)
def _layout(lines: tuple[tuple[str, str], ...], width: float, condition: str | None) -> str:
    return layout_equation(lines, width, condition, one_line=True)


# --- the derivation ------------------------------------------------------------------------------

def _proofs() -> dict[str, str]:
    """How each claimed form was proven, by name."""
    return {form.name: _how(form) for form in ct.FORMS}


@lru_cache(maxsize=None)
def _domain_points(name: str) -> int:
    form = next(f for f in ct.FORMS if f.name == name)
    return sum(1 for pt in ct._domain(ct.DEFAULT_BOUND) if form.holds_at(pt))


_SYMBOLIC = {"T, no cropping": ct.prove_no_cropping_products,
             "R, no cropping": ct.prove_no_cropping_reached}


@lru_cache(maxsize=None)
def _symbolic(name: str) -> bool:
    holds, _ = _SYMBOLIC[name]()
    if not holds:
        raise AssertionError(f"the symbolic proof of {name!r} failed")
    return True


def _how(form: ct.Form) -> str:
    """How ``form`` was proven, in words: the symbolic proof where there is one, and the
    checks of :func:`check_form` (its default tiers; the exhaustive one with its number of
    points)."""
    checked = (f"exhaustively at the {_domain_points(form.name):,} points of D where the "
               "condition holds, and at random points beyond D")
    if form.name in _SYMBOLIC and _symbolic(form.name):
        return ("Proven symbolically (SymPy decides each tap's term after two lemmas of the "
                f"floor), and checked {checked}.")
    return f"Proven {checked}."


def _method() -> list[Any]:
    """The domain D and the random tiers of :func:`check_form`, in words."""
    b = ct.DEFAULT_BOUND
    return [f"How the forms are proven: each is checked against the (input position, tap) "
            f"pairs enumerated one by one (in: the input size), exhaustively over the domain D "
            f"of all in, K, s, d ≤ {b}, p ≤ {b}, op < max(s, d) with out ≥ 1 (the points "
            "where the form's condition holds), then at 300 random points with sizes up to 40, "
            "and at up to 300 random points with sizes up to ", _M("10^{12}"),
            " against the general tap sum. "]


@lru_cache(maxsize=None)
def _per_dimension(name: str, generic: bool) -> tuple[_Section, ...]:
    dim = _dim(name, generic)
    a = dim.axis
    P = TransposePrinter(dim.names)
    p = lambda e: P.doprint(_display(e))  # noqa: E731
    i, j = dim.sym("i"), dim.sym("j")
    out_sym, q, dp = a.out, dim.sym("q"), dim.sym("dp")
    where = " (in every dimension a)" if generic else ""
    sections = [
        _Section("Output size", [
            "PyTorch's output size" + where + ", from the input size, kernel size, stride, "
            "padding, output padding and dilation:"],
            [(p(out_sym), p(output_size(a)))], "output_size"),
        _Section("Where the products land", [
            "Input position ", _M(p(i)), " times kernel tap ", _M(p(a.k)),
            " lands on output position ", _M(p(j)), " (a scatter: the input element is "
            "multiplied by every tap, and the products are spread over the output, ",
            _M(p(a.s)), " positions apart from one input position to the next). Before "
            "cropping the positions run from 0 to ", _M(p(dim.sym("M"))),
            "; the output keeps the window ", _M(p(sp.Integer(0)) + r" \le " + p(j) + r" \le "
                                                 + p(out_sym - 1)),
            ". Padding crops: it removes ", _M(p(a.p)), " positions on the left and ",
            _M(p(a.p - a.op)), " on the right (the last row below). When ",
            _M(p(a.op) + " > " + p(a.p)), ", the output ends ", _M(p(a.op - a.p)),
            " positions after the last product instead, and no pair reaches them. An output "
            "position that no pair reaches is a hole: between the products of consecutive "
            "inputs when the stride exceeds the span of the dilated kernel (or between the "
            "taps of a dilated kernel that the other inputs do not fill), and the output "
            "padding positions just named. A direct implementation computes nothing at a "
            "hole: the output there is the bias, or 0."],
            [(p(j), p(landing(a, i))), (p(dim.sym("M")), p(last_uncropped(a))),
             (p(dim.sym("M")) + r" - \left(" + p(a.p + out_sym - 1) + r"\right)",
              p(sp.expand(last_uncropped(a) - (a.p + output_size(a) - 1))))],
            "landing"),
        _Section("The inputs of each tap that land", [
            "For a fixed tap ", _M(p(a.k)), " the inputs kept are the integers ", _M(p(i)),
            " with ", _M(p(a.p) + r" \le " + p(landing(a, i) + a.p) + r" \le "
                      + p(a.p + out_sym - 1)), " and ",
            _M(r"0 \le " + p(i) + r" \le " + p(a.in_ - 1)),
            ": from the lowest to the highest,"],
            [(p(dim.sym("lo")), p(tap_low(a))), (p(dim.sym("hi")), p(tap_high(a)))],
            "tap_range"),
        _Section("Products that land", [
            "T counts the (input position, tap) pairs that land in the output: for each "
            "pair and each (input channel, output channel) pair of a group one product that a "
            "direct implementation computes. A sum over the ", _M(p(a.K)), " taps:"],
            [(p(dim.sym("T")), p(_short(products(a), dim)))], "products"),
        _Section("Period and shift of the taps", [
            "Two taps reach the same position only if ", _M(p(a.s)), " divides the difference "
            "of their offsets, i.e. when they are in the same residue class modulo ", _M(p(q)),
            ". Within a class, tap ", _M(p(a.k)), " covers the block of tap ", _M(p(a.k - q)),
            " shifted by ", _M(p(dp)), " input positions, so it adds new positions "
            "only from input ", _M(p(a.in_ - dp)), " on; different classes never meet."],
            [(p(q), p(period(a))), (p(dp), p(shift(a)))], "period"),
        _Section("First new input of a tap", [
            "The first input whose product with tap ", _M(p(a.k)), " reaches a position no "
            "earlier tap reaches:"],
            # a cases block: set as it is (the row breaker does not split inside cases)
            body=f"{p(dim.sym('f'))} = {p(_first_new_shown(dim))}", name="first_new"),
        _Section("Positions reached", [
            "R counts the output positions at least one pair reaches: the sets of new "
            "positions of the taps partition them, and cropping only intersects each with the "
            "window:"],
            [(p(dim.sym("R")), p(_reached_shown(dim)))], "reached"),
    ]
    x = dim.sym("x")
    sections.append(_Section("Cropping as a correction", [
        "The map ", _M(r"(i, k) \mapsto (" + p(a.in_ - 1 - i) + ", " + p(a.K - 1 - a.k) + ")"),
        " mirrors the uncropped positions, so the pairs cropped on the right are as many as "
        "those whose uncropped position is below ", _M(p(a.p - a.op)), ". With C(x) the pairs "
        "and H(x) the reached positions below x before cropping:"],
        [(p(C_FN(x)), p(cropped_before(a, x))),
         (p(H_FN(x)), p(_reached_before_shown(dim, x))),
         (p(dim.sym("T")), p(_cropping_T(a))),
         (p(dim.sym("R")), p(_cropping_R(a, dim)))],
        "cropping"))
    sections += _closed_forms(dim, p)
    return tuple(sections)


def _meanings(dim: _Dim) -> dict[sp.Expr, sp.Expr]:
    return {sym: sub for sub, sym in _abbreviations(dim).items()}


def _reached_shown(dim: _Dim) -> sp.Expr:
    """R's tap sum with the first new input ``f_k`` named (SymPy pulls the piecewise ``f_k``
    out of the ``max``; the named form is checked to be the same sum)."""
    a = dim.axis
    lo, hi, f = dim.sym("lo"), dim.sym("hi"), dim.sym("f")
    template = sp.Sum(sp.Max(0, hi - sp.Max(lo, f) + 1), (a.k, 0, a.K - 1))
    return _fold_sum(reached(a), template, dim)


def _reached_before_shown(dim: _Dim, x: sp.Expr) -> sp.Expr:
    a = dim.axis
    template = sp.Sum(sp.Max(0, sp.Min(a.in_, ct.ceil_div(x - a.k * a.d, a.s)) - dim.sym("f")),
                      (a.k, 0, a.K - 1))
    return _fold_sum(reached_before(a, x), template, dim)


def _fold_sum(expr: sp.Sum, template: sp.Sum, dim: _Dim) -> sp.Expr:
    back = template.xreplace(_meanings(dim))
    if back != expr:
        raise ValueError(f"{template} does not fold {expr}")
    return template


def _first_new_shown(dim: _Dim) -> sp.Expr:
    a = dim.axis
    names = {period(a): dim.sym("q"), shift(a): dim.sym("dp")}
    return first_new(a).xreplace(names)


def _cropping_T(a: Axis) -> sp.Expr:
    form = next(f for f in ct.FORMS if f.name == "T, cropping as a correction").expr
    form = _on_axis(form, a)
    return abbreviate(form, {cropped_before(a, a.p): C_FN(a.p),
                             cropped_before(a, a.p - a.op): C_FN(a.p - a.op)})


def _cropping_R(a: Axis, dim: _Dim) -> sp.Expr:
    form = _on_axis(next(f for f in ct.FORMS if f.name == "R, cropping as a correction").expr, a)
    form = abbreviate(form, {reached_before(a, a.p): H_FN(a.p),
                             reached_before(a, a.p - a.op): H_FN(a.p - a.op)})
    return _short(form, dim)


def _on_axis(expr: sp.Expr, a: Axis) -> sp.Expr:
    """A form of :data:`FORMS` (written over ConvTranspose1d's symbols) on axis ``a``."""
    one = axis_symbols("")
    if a == one:
        return expr
    return expr.xreplace({x: y for x, y in zip(
        (*one.parameters, one.k, one.out), (*a.parameters, a.k, a.out))})


def _closed_forms(dim: _Dim, p) -> list[_Section]:
    """Each claimed form of :data:`FORMS` beyond the tap sums and corrections shown above,
    with its condition and how it was proven."""
    a = dim.axis
    x, k0, k1, cap = (dim.sym(n) for n in ("x", "k0", "k1", "cap"))
    sections = []
    general = {"T, the tap sum", "R, the tap sum", "T, cropping as a correction",
               "R, cropping as a correction"}
    by_proof: dict[str, list[str]] = {}
    for f in ct.FORMS:
        if f.name in general:
            by_proof.setdefault(_how(f), []).append(f.name)
    proofs = " ".join(f"The general forms above ({'; '.join(names)}): {how[0].lower()}{how[1:]}"
                      for how, names in by_proof.items())
    sections.append(_Section("Closed forms under conditions", [*_method(), proofs]))
    for form in ct.FORMS:
        if form.name in general:
            continue
        expr = _on_axis(form.expr, a)
        lhs = dim.sym(form.quantity)
        lines: list[tuple[str, str]]
        extra: list[Any] = []
        if form.name.startswith("T, floor sums"):
            ccs = ct.clipped_ceil_sum
            parts = {S_FN(0, a.K, y, a.in_): ccs(a, 0, a.K, y, a.in_) for y in (a.p, a.p - a.op)}
            shown = fold(expr, a.in_ * a.K - S_FN(0, a.K, a.p, a.in_)
                         - S_FN(0, a.K, a.p - a.op, a.in_), parts)
            lines = _floor_sum_lines(dim, p) + [(p(lhs), p(shown))]
            extra = [" S sums the clipped ceilings ",
                     _M(p(sp.Min(cap, sp.Max(0, ct.ceil_div(x - a.k * a.d, a.s))))),
                     " over the taps ", _M(r"k_0 \le k < k_1"),
                     "; the ceiling does not increase with k, so the terms are c, then one "
                     "floor sum, then 0: O(log) steps to evaluate, whatever the sizes."]
        elif form.name.startswith("R, floor sums"):
            ccs = ct.clipped_ceil_sum
            f = sp.Max(0, a.in_ - shift(a))
            start = sp.Min(period(a), a.K)
            parts = {}
            for y in (a.p, a.p - a.op):
                parts[S_FN(0, a.K, y, a.in_)] = ccs(a, 0, a.K, y, a.in_)
                parts[S_FN(start, a.K, y, f)] = ccs(a, start, a.K, y, f)
            R0 = dim.sym("R0")
            template = R0 - sum((sp.Add(S_FN(0, a.K, y, a.in_), -S_FN(start, a.K, y, f),
                                        evaluate=False) for y in (a.p, a.p - a.op)),
                                sp.Integer(0))
            shown = fold(expr, template, {**parts, R0: ct._no_cropping_reached(a)})
            lines = [(p(R0), p(_short(ct._no_cropping_reached(a), dim))),
                     (p(lhs), p(_short(shown, dim)))]
            extra = [" With S as in the form of T above."]
        elif form.name in ("T, dilation 1", "T, stride 1"):
            fn, args = (D_FN, (a.in_, a.s, a.K)) if form.name == "T, dilation 1" \
                else (E_FN, (a.K, a.d, a.in_))
            closed = _closed_count_shown(dim, args, x)
            shown = fold(expr, a.in_ * a.K - fn(a.p) - fn(a.p - a.op),
                         {fn(y): ct._closed_count(*args, y) for y in (a.p, a.p - a.op)})
            lines = [(p(dim.sym("na")), p(closed[0])), (p(dim.sym("nf")), p(closed[1])),
                     (p(fn(x)), p(closed[2])), (p(lhs), p(shown))]
            extra = [" ", _M(p(fn(x))), " is C(x) in closed form: each input position "
                     "contributes a clipped number of taps."]
        elif "symmetric" in form.name:
            sections.append(_Section(form.name, [
                f"{form.quantity} is unchanged when (in, s) and (K, d) are exchanged (the "
                "position i·s + k·d and the output size are): the tap sum may run over the "
                f"smaller of in and K. {_how(form)}"]))
            continue
        else:
            lines = [(p(lhs), p(_short(expr, dim)))]
        cond = form.condition.replace(">=", "≥").replace("<=", "≤")
        sections.append(_Section(_words_of(form.name), [f"Condition: {_words_of(form.condition)}. "
                                             f"{_how(form)}", *extra],
                                 lines, "form_" + _slug(form.name)))
    sections.append(_refuted())
    return sections


def _floor_sum_lines(dim: _Dim, p) -> list[tuple[str, str]]:
    """``S(k0, k1, x, c)`` (:func:`clipped_ceil_sum`) with its two split taps named ``ℓ`` and
    ``h``; the named form is checked to be the function's expression."""
    a = dim.axis
    x, k0, k1, cap = (dim.sym(n) for n in ("x", "k0", "k1", "cap"))
    ell, h = dim.sym("ell"), dim.sym("h")
    ell_is = sp.Max(k0, sp.Min(k1, ct.ceil_div(x - (cap - 1) * a.s, a.d)))
    h_is = sp.Max(ell, sp.Min(k1, ct.ceil_div(x, a.d)))
    template = cap * (ell - k0) + FloorSum(h - ell, a.s, a.d, x - (h - 1) * a.d + a.s - 1)
    back = template.xreplace({h: h_is}).xreplace({ell: ell_is})
    if sp.expand(back - ct.clipped_ceil_sum(a, k0, k1, x, cap)) != 0:
        raise ValueError("the named form of S is not clipped_ceil_sum")
    return [(p(ell), p(ell_is)), (p(h), p(h_is)), (p(S_FN(k0, k1, x, cap)), p(template))]


def _closed_count_shown(dim: _Dim, args: tuple, x: sp.Expr) -> tuple[sp.Expr, ...]:
    """``n_a``, ``n_f`` and the closed count of :func:`_closed_count` over them, checked to be
    the function's expression."""
    n_total, step, width = args
    na, nf = dim.sym("na"), dim.sym("nf")
    na_is = sp.Max(0, sp.Min(n_total, ct.ceil_div(x, step)))
    nf_is = sp.Max(0, sp.Min(n_total, FloorDiv(x - width, step) + 1))
    template = width * nf + (na - nf) * x - step * FloorDiv(na * (na - 1) - nf * (nf - 1), 2)
    if sp.expand(template.xreplace({na: na_is, nf: nf_is})
                 - ct._closed_count(n_total, step, width, x)) != 0:
        raise ValueError("the named closed count is not _closed_count")
    return na_is, nf_is, template


def _refuted() -> _Section:
    """The deliberately wrong forms of :data:`WRONG_FORMS`, each with the counterexample
    :func:`check_form` finds (an error if one is not refuted)."""
    found = []
    for form in ct.WRONG_FORMS:
        result = ct.check_form(form)
        if result.holds:
            raise AssertionError(f"the wrong form {form.name!r} was not refuted")
        point = ", ".join(f"{k}={v}" for k, v in result.counterexample.items())
        got, want = result.values
        found.append(f"{_words_of(form.name)}: at {point} it gives {got}, the enumeration of "
                     f"the pairs {want}")
    return _Section("Wrong forms, refuted", [
        "The same checks refute plausible forms that are wrong, each with the first "
        "counterexample found: " + "; ".join(found) + "."])


def _slug(text: str) -> str:
    out = "".join(ch if ch.isalnum() else "_" for ch in text.lower())
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_")


def _words_of(condition: str) -> str:
    """A condition of :data:`FORMS` in words with the signs ≥ and ≤."""
    return condition.replace(">=", "≥").replace("<=", "≤")


# --- totals ---------------------------------------------------------------------------------------

def _total_names(dims: list[_Dim]) -> dict[sp.Symbol, str]:
    """How the symbols of :func:`totals` print (and those of every dimension)."""
    names: dict[sp.Symbol, str] = {N: "N", C_in: r"C_{\text{in}}", C_out: r"C_{\text{out}}",
                                   G: "G", BIAS: "b", T_SYM: "T", R_SYM: "R",
                                   IN_PROD: r"P_{\text{in}}", K_PROD: r"P_{K}"}
    for dim in dims:
        names.update(dim.names)
    return names


def _totals_sections(layer: str, dims: list[_Dim]) -> list[_Section]:
    n = len(dims)
    names = _total_names(dims)
    P = TransposePrinter(names)
    p = lambda e: P.doprint(_display(e))  # noqa: E731
    q = totals()
    sections = []
    if n > 1:
        Ts = sp.Mul(*(d.sym("T") for d in dims), evaluate=False)
        Rs = sp.Mul(*(d.sym("R") for d in dims), evaluate=False)
        axes = ", ".join(d.axis.name for d in dims)
        sections.append(_Section("n dimensions", [
            f"Each dimension a of {axes} has its own T and R, from the formulas above with "
            "that dimension's sizes. A pair in n dimensions is a tuple of per-dimension pairs; "
            "it lands on the output multi-index (j_1, …, j_n) if and only if each component "
            "lands on its j_a, so the pairs landing on a multi-index are the Cartesian product "
            "of the per-dimension sets and t(j) is the product of the t_a(j_a). Summed over "
            "the output box, distributivity turns the sum of products into the product of the "
            "sums; and a product of non-negative integers is at least 1 exactly when every "
            "factor is, so the reached multi-indices are the product of the reached "
            "positions:"],
            [("T", p(Ts)), ("R", p(Rs)),
             (p(IN_PROD), p(sp.Mul(*(d.axis.in_ for d in dims), evaluate=False))),
             (p(K_PROD), p(sp.Mul(*(d.axis.K for d in dims), evaluate=False)))],
            "nd"))
    else:
        names.update({IN_PROD: dims[0].names[dims[0].axis.in_], K_PROD: "K",
                      T_SYM: "T", R_SYM: "R"})
    in_sub = {} if n > 1 else {IN_PROD: dims[0].axis.in_, K_PROD: dims[0].axis.K}
    t = {k: v.xreplace(in_sub) for k, v in q.items()}
    ops = r"\text{ops}"
    tj = sp.Symbol("t_j", integer=True, nonnegative=True)
    names[tj] = "t_{j}"
    P = TransposePrinter(names)
    identities = "; ".join(name for name, _, _ in ct.TOTAL_IDENTITIES)
    sections += [
        _Section("The count", [
            "Output element ", _M(r"(n, c_{\text{out}}, j)"), " sums, over the ",
            _M(p(C_in / G)), " input channels of its group and the ", _M(p(tj)),
            " pairs that land on ", _M("j"), ", the products input × weight, then adds the "
            "bias: ", _M(p(C_in / G * tj)), " multiplications and ",
            _M(p(C_in / G * tj - 1 + BIAS)), " additions (", _M("b = 1"), " with a bias, ",
            _M("b = 0"), " without) when ", _M(p(tj) + r" \ge 1"), ", nothing when no pair "
            "lands. Summed over the output, the ", _M(p(tj)), " add up to T and R of them are "
            "at least 1:"],
            [(ops, p(t["ops"]))], "total"),
        _Section("With and without bias, multiply-accumulates", [
            "One multiply-accumulate per product; the bias costs one addition per reached "
            "output element. Identities between the counts, each decided exactly (as "
            f"polynomial identities, symconv.proof) when the documents are made: {identities}."],
            [(ops + r"\big|_{\text{bias}}", p(t["ops_bias"])),
             (ops + r"\big|_{\text{no bias}}", p(t["ops_no_bias"])),
             (r"\text{MACs}", p(t["macs"])),
             (r"\text{bias additions}", p(t["bias_additions"]))], "macs"),
        _Section("The scatter convention and FlopCounterMode", [
            "col2im, and torch's FlopCounterMode, count the scatter form: every input element "
            "times the whole kernel for every output channel of its group, the products that "
            "padding crops away included, and no additions. FlopCounterMode reports twice the "
            "scatter products. The scatter products equal the MACs exactly when nothing is "
            "cropped (every padding 0): the pair of input 0 and tap 0 lands at −p, so one "
            "cropped dimension makes T smaller than the product of in·K."],
            [(r"\text{scatter products}", p(t["scatter_products"])),
             (r"\text{FlopCounterMode}", p(t["flop_counter"]))], "scatter"),
    ]
    _prove_totals()
    return sections


@lru_cache(maxsize=None)
def _prove_totals() -> bool:
    from ..proof import prove_transposed_totals

    failed = [r for r in prove_transposed_totals(samples=20) if not r.holds]
    if failed:
        raise AssertionError(f"identities between the totals not proven: {failed}")
    return True


# --- the worked examples ------------------------------------------------------------------------

@dataclass(frozen=True)
class TransposeExample:
    """One configuration of a transposed layer (PyTorch's parameter names, per-dimension
    tuples)."""

    layer: str
    batch_size: int
    in_channels: int
    out_channels: int
    input_size: tuple[int, ...]
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    output_padding: tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int = 1
    bias: bool = True

    def __post_init__(self) -> None:
        """PyTorch's rules (:func:`symconv.convtranspose.validate`: errors name the parameter,
        its value and the rule)."""
        dims = len(_axes(self.layer))
        ct.validate(dims, self.batch_size, self.in_channels, self.out_channels,
                    self.input_size[0] if dims == 1 else self.input_size, self.kernel_size,
                    self.stride, self.padding, self.output_padding, self.dilation, self.groups,
                    self.bias)

    def per_dim(self) -> list[tuple[int, int, int, int, int, int]]:
        return list(zip(self.input_size, self.kernel_size, self.stride, self.padding,
                        self.output_padding, self.dilation))


#: The worked example of each document: holes (stride larger than the dilated kernel),
#: cropping (padding) and output padding.
EXAMPLES = {
    "conv_transpose1d": TransposeExample("conv_transpose1d", 2, 4, 6, (5,), (3,), (4,), (2,),
                                         (1,), (1,), groups=2),
    "conv_transpose2d": TransposeExample("conv_transpose2d", 1, 3, 2, (4, 3), (3, 2), (2, 3),
                                         (1, 0), (1, 2), (1, 1)),
    "conv_transpose3d": TransposeExample("conv_transpose3d", 1, 2, 2, (2, 4, 3), (2, 3, 2),
                                         (1, 2, 3), (0, 1, 0), (0, 1, 2), (2, 1, 1)),
}


def example(layer: str) -> TransposeExample:
    """The worked example of ``layer``'s document: its entry of :data:`EXAMPLES`, or for a
    registered transposed layer without one, that of a listed layer with as many dimensions."""
    dims = len(_axes(layer))
    if layer in EXAMPLES:
        return EXAMPLES[layer]
    for ex in EXAMPLES.values():
        if len(ex.input_size) == dims:
            return replace(ex, layer=layer)
    raise ValueError(f"no worked example of {dims} dimensions for {layer!r}; add one to "
                     "symconv.latex.transpose.EXAMPLES")


def _axis_values(a: Axis, values: tuple[int, ...]) -> dict[sp.Symbol, int]:
    return dict(zip(a.parameters, values))


def _value(expr: sp.Expr, values: Mapping[sp.Symbol, int]) -> int:
    v = expr.xreplace(dict((k, sp.Integer(x)) for k, x in values.items())).doit()
    if not v.is_Integer:
        raise AssertionError(f"{expr} did not evaluate to an integer at {values}: {v}")
    return int(v)


def example_numbers(ex: TransposeExample) -> dict[str, Any]:
    """Every number of the worked example, from the SymPy expressions of
    :mod:`symconv.convtranspose` by substitution: per dimension ``out``, ``lo``/``hi``/``f``
    per tap, ``T``, ``R``, the landing position of each pair; then the totals."""
    dims = []
    for name, vals in zip(_axes(ex.layer), ex.per_dim()):
        a = axis_symbols(name)
        v = _axis_values(a, vals)
        out = _value(output_size(a), v)
        taps = []
        for k in range(vals[1]):
            vk = {**v, a.k: k}
            taps.append(dict(k=k, lo=_value(tap_low(a), vk), hi=_value(tap_high(a), vk),
                             f=_value(first_new(a), vk)))
        i = sp.Symbol("i", integer=True)
        lands = {(ii, k): _value(landing(a, i), {**v, a.k: k, i: ii})
                 for ii in range(vals[0]) for k in range(vals[1])}
        dims.append(dict(axis=name, values=vals, out=out, taps=taps,
                         T=_value(products(a), v), R=_value(reached(a), v), lands=lands,
                         q=_value(period(a), v), dp=_value(shift(a), v)))
    T = math.prod(d["T"] for d in dims)
    R = math.prod(d["R"] for d in dims)
    values = {N: ex.batch_size, C_in: ex.in_channels, C_out: ex.out_channels, G: ex.groups,
              BIAS: int(ex.bias), T_SYM: T, R_SYM: R,
              IN_PROD: math.prod(ex.input_size), K_PROD: math.prod(ex.kernel_size)}
    result = {"dims": dims, "T": T, "R": R, "output_size": tuple(d["out"] for d in dims)}
    result.update({name: _value(expr, values) for name, expr in totals().items()})
    result["values"] = values
    return result


def _example_sections(ex: TransposeExample, dims: list[_Dim]) -> list[_Section]:
    nums = example_numbers(ex)
    sections: list[_Section] = []
    torch_args = (f"in_channels={ex.in_channels}, out_channels={ex.out_channels}, "
                  f"kernel_size={_tup(ex.kernel_size)}, stride={_tup(ex.stride)}, "
                  f"padding={_tup(ex.padding)}, output_padding={_tup(ex.output_padding)}, "
                  f"dilation={_tup(ex.dilation)}, groups={ex.groups}, bias={ex.bias}")
    intro = [f"A batch of {ex.batch_size} "
             f"input{'s' if ex.batch_size != 1 else ''} of size "
             f"{' × '.join(map(str, ex.input_size))} through the layer {_title(ex.layer)} "
             f"with {torch_args}. Every number below is the expression above with the values "
             "substituted."]
    for dim, d in zip(dims, nums["dims"]):
        a = dim.axis
        v = _axis_values(a, d["values"])
        numbers = {**dim.names, **{s: str(x) for s, x in v.items()}}
        P = TransposePrinter(dim.names)
        Pn = TransposePrinter(numbers)
        p = lambda e: P.doprint(_display(e))  # noqa: E731
        pn = lambda e: Pn.doprint(_display(e))  # noqa: E731
        where = f" (dimension {a.name})" if a.name else ""
        lands = d["lands"]
        out = d["out"]
        per_j: dict[int, list[tuple[int, int]]] = {}
        cropped = []
        for (ii, k), j in sorted(lands.items()):
            if 0 <= j < out:
                per_j.setdefault(j, []).append((ii, k))
            else:
                cropped.append((ii, k, j))
        holes = [j for j in range(out) if j not in per_j]
        t = [len(per_j.get(j, ())) for j in range(out)]
        hole_words = (", ".join(map(str, holes)) if holes else "none")
        tail = [j for j in holes if j > max((j2 for j2 in per_j), default=-1)]
        if tail:
            hole_words += (f" ({', '.join(map(str, tail))} after the last product: the output "
                           "padding positions that padding does not use up)")
        crop_words = (", ".join(f"(i={ii}, k={k}) at {j}" for ii, k, j in cropped)
                      if cropped else "none")
        sections.append(_Section(f"Example{where}: output size",
                                 intro if not sections else [],
                                 [(p(a.out), pn(output_size(a))), ("", str(out))],
                                 f"example_output_size{_sfx(a)}"))
        sections.append(_Section(f"Example{where}: where the products land", [
            f"The pairs land at j = i·s + k·d − p. Cropped (outside 0 … {out - 1}): "
            f"{crop_words}. Holes (reached by no pair): {hole_words}. Pairs per output "
            f"position, t(j) for j = 0 … {out - 1}: {', '.join(map(str, t))}."]))
        shown_T, counts_T = _tap_terms(dim, _short(products(a), dim).function, d["taps"])
        shown_R, counts_R = _tap_terms(dim, _reached_shown(dim).function, d["taps"])
        tap_words = "; ".join(f"k={tk['k']}: lo={tk['lo']}, hi={tk['hi']}, f={tk['f']}"
                              for tk in d["taps"])
        sections.append(_Section(f"Example{where}: T and R", [
            f"Per tap, lowest and highest kept input and first new input "
            f"(q = {d['q']}, d' = {d['dp']}): {tap_words}. Each tap's term of the sums:"],
            [(p(dim.sym("T")), " + ".join(shown_T)), ("", " + ".join(map(str, counts_T))),
             ("", str(d["T"])),
             (p(dim.sym("R")), " + ".join(shown_R)), ("", " + ".join(map(str, counts_R))),
             ("", str(d["R"]))],
            f"example_products{_sfx(a)}"))
        if sum(counts_T) != d["T"] or sum(counts_R) != d["R"]:
            raise AssertionError(f"{ex.layer}: the tap terms do not add up to T and R")
    # the totals with the numbers
    numbers = {s: str(x) for s, x in nums["values"].items()}
    Pn = TransposePrinter(numbers)
    q = totals()
    lines = []
    if len(dims) > 1:
        lines += [("T", " \\cdot ".join(str(d["T"]) for d in nums["dims"])),
                  ("", latex_number(nums["T"])),
                  ("R", " \\cdot ".join(str(d["R"]) for d in nums["dims"])),
                  ("", latex_number(nums["R"]))]
    for key, lhs in (("ops", r"\text{ops}"), ("macs", r"\text{MACs}"),
                     ("bias_additions", r"\text{bias additions}"),
                     ("scatter_products", r"\text{scatter products}"),
                     ("flop_counter", r"\text{FlopCounterMode}")):
        lines += [(lhs, Pn.doprint(q[key])), ("", latex_number(nums[key]))]
    shown = [(N, ex.batch_size), (C_in, ex.in_channels), (C_out, ex.out_channels),
             (G, ex.groups), (BIAS, int(ex.bias)), (T_SYM, nums["T"]), (R_SYM, nums["R"])]
    if len(dims) > 1:
        shown += [(IN_PROD, math.prod(ex.input_size)), (K_PROD, math.prod(ex.kernel_size))]
    names = _total_names(dims)
    given: list[Any] = ["With "]
    for n, (sym, value) in enumerate(shown):
        given += [", " if 0 < n < len(shown) - 1 else " and " if n else "",
                  _M(f"{names[sym]} = {value}")]
    sections.append(_Section("Example: the counts", [
        *given, " (the products of the input and kernel sizes)" if len(dims) > 1 else "",
        f". The count {'without' if ex.bias else 'with'} bias would be "
        f"{nums['ops_no_bias' if ex.bias else 'ops_bias']:,}."],
        lines, "example_ops"))
    return sections


def _tap_terms(dim: _Dim, summand: sp.Expr, taps: list[dict[str, int]]
               ) -> tuple[list[str], list[int]]:
    """Each tap's term of a tap sum (the summand as printed in the derivation) with its
    ``lo_k``, ``hi_k``, ``f_k`` written as numbers, and its value."""
    shown, values = [], []
    for tk in taps:
        vals = {dim.sym(key): tk[key] for key in ("lo", "hi", "f")}
        printer = TransposePrinter({**dim.names, **{sym: str(v) if v >= 0 else f"({v})"
                                                    for sym, v in vals.items()}})
        shown.append(printer.doprint(summand))
        values.append(_value(summand, vals))
    return shown, values


def _sfx(a: Axis) -> str:
    return f"_{a.name.lower()}" if a.name else ""


def _tup(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(values) == 1 else str(tuple(values))


# --- rendering ------------------------------------------------------------------------------------

def _legend(layer: str, dims: list[_Dim]) -> list[dict[str, str]]:
    rows = [("N", "batch size (1 for unbatched input)", ""),
            (r"C_{\text{in}}", "input channels", "in_channels"),
            (r"C_{\text{out}}", "output channels", "out_channels"),
            ("G", "groups", "groups"), ("b", "1 with a bias vector, 0 without", "bias")]
    for dim in dims:
        a = dim.axis
        for sym, meaning, torch in ((a.in_, "input size", "input"),
                                    (a.out, "output size", ""),
                                    (a.K, "kernel size", "kernel_size"),
                                    (a.s, "stride", "stride"), (a.p, "padding", "padding"),
                                    (a.op, "output padding", "output_padding"),
                                    (a.d, "dilation", "dilation")):
            rows.append((dim.names[sym], meaning, torch))
    return [dict(symbol=s, meaning=m, torch=t, end="." if n == len(rows) - 1 else ";")
            for n, (s, m, t) in enumerate(rows)]


@lru_cache(maxsize=None)
def _sections(layer: str) -> tuple[list[_Section], list[_Dim]]:
    axes = _axes(layer)
    generic = len(axes) > 1
    dims = [_dim(name) for name in axes]
    sections = list(_per_dimension("", generic))
    if generic:
        sections[0] = replace(sections[0], heading="One dimension")
    tot = _totals_sections(layer, dims)
    tot[0] = replace(tot[0], heading="The whole layer")
    sections += tot
    worked = _example_sections(example(layer), dims)
    worked[0] = replace(worked[0], heading="Worked example")
    sections += worked
    return sections, dims


def render_derivation(layer: str, fmt: str = "tex", line_width: float = ONE_COLUMN) -> str:
    """The derivation of a transposed layer: ``tex`` (standalone article), ``fragment``
    (to ``\\input``; needs amsmath) or ``md`` (Markdown with ``$``/``$$`` math)."""
    _check_layer(layer)
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    md = fmt == "md"
    width = equation_width(line_width)
    sections, dims = _sections(layer)
    rows = []
    number = 0
    for s in sections:
        body = s.equation(width)
        if body is not None:
            number += 1
        rows.append(dict(title=s.title, heading=s.heading,
                         prose=_words(s.prose, md),
                         body=body, number=number,
                         label=label(layer, s.name) if body is not None else ""))
    title = f"Operation count of torch.nn.{_title(layer)}"
    ctx = dict(sections=rows, title=title, layer=layer, convention=CONVENTION,
               legend=_legend(layer, dims))
    env = environment()
    if md:
        return env.get_template("transpose_derivation.md.jinja").render(
            template="transpose_derivation.md.jinja", **ctx)
    body = env.get_template("transpose_body.tex.jinja").render(
        template="transpose_body.tex.jinja", **ctx)
    if fmt == "fragment":
        return body
    return env.get_template("standalone.tex.jinja").render(
        body=body, title=title, template="transpose_body.tex.jinja",
        packages=STANDALONE_PACKAGES, package_note=BASE_NOTE)


# --- macros ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Macro:
    name: str
    body: str
    meaning: str


def macros(layer: str) -> list[Macro]:
    """One ``\\newcommand`` per quantity: per dimension the output size, the tap range, q, d',
    f_k, T and R; then T, R of the layer and the totals."""
    pre = prefix(layer)
    out: list[Macro] = []
    dims = [_dim(name) for name in _axes(layer)]
    for dim in dims:
        a = dim.axis
        P = TransposePrinter(dim.names)
        p = lambda e: P.doprint(_display(e))  # noqa: E731
        ax = a.name or ""
        size = "L" if not ax else ax
        out += [
            Macro(f"{pre}{size}out", p(output_size(a)), f"output size {a.out}"),
            Macro(f"{pre}Lo{ax}", p(tap_low(a)), "lowest kept input of tap k"),
            Macro(f"{pre}Hi{ax}", p(tap_high(a)), "highest kept input of tap k"),
            Macro(f"{pre}Period{ax}", p(period(a)), "q = s/gcd(s, d)"),
            Macro(f"{pre}Shift{ax}", p(shift(a)), "d' = d/gcd(s, d)"),
            Macro(f"{pre}FirstNew{ax}", p(_short(first_new(a), dim)), "first new input of tap k"),
            Macro(f"{pre}T{ax}", p(_short(products(a), dim)), "products that land, tap sum"),
            Macro(f"{pre}R{ax}", p(_short(reached(a), dim)), "positions reached, tap sum"),
        ]
    names: dict[sp.Symbol, str] = {N: "N", C_in: r"C_{\text{in}}", C_out: r"C_{\text{out}}",
                                   G: "G", BIAS: "b", T_SYM: "T", R_SYM: "R",
                                   IN_PROD: r"P_{\text{in}}", K_PROD: r"P_{K}"}
    for dim in dims:
        names.update(dim.names)
    P = TransposePrinter(names)
    if len(dims) > 1:
        out += [Macro(f"{pre}T", P.doprint(sp.Mul(*(d.sym("T") for d in dims), evaluate=False)),
                      "products that land, all dimensions"),
                Macro(f"{pre}R", P.doprint(sp.Mul(*(d.sym("R") for d in dims), evaluate=False)),
                      "positions reached, all dimensions")]
    sub = {} if len(dims) > 1 else {IN_PROD: dims[0].axis.in_, K_PROD: dims[0].axis.K}
    for key, stem, meaning in (("ops", "Ops", "symconv's count (b = 1 with bias)"),
                               ("ops_bias", "OpsBias", "count with bias"),
                               ("ops_no_bias", "OpsNoBias", "count without bias"),
                               ("macs", "MACs", "multiply-accumulates"),
                               ("bias_additions", "BiasAdditions", "bias additions"),
                               ("scatter_products", "ScatterProducts",
                                "products of the scatter form (cropped ones included)"),
                               ("flop_counter", "FlopCounter", "FlopCounterMode's count")):
        out.append(Macro(pre + stem, P.doprint(totals()[key].xreplace(sub)), meaning))
    return out


def render_macros(layer: str) -> str:
    """A layer's macro file (``\\newcommand``s; needs amsmath)."""
    return environment().get_template("macros.tex.jinja").render(
        macros=macros(layer), convention=CONVENTION, title=_title(layer), layer=layer,
        prefix=prefix(layer), notation="short", template="macros.tex.jinja")


# --- generated files ----------------------------------------------------------------------------

def generated_files() -> tuple[str, ...]:
    """The files :func:`artifacts` writes: per transposed layer its derivation and macros."""
    return tuple(f"{layer}_{kind}" for layer in layers()
                 for kind in ("derivation.tex", "derivation.md", "macros.tex"))


def artifacts() -> dict[str, str]:
    """``{file name in generated/: text}``: per transposed layer its derivation and macros."""
    files = {}
    for layer in layers():
        files[f"{layer}_derivation.tex"] = render_derivation(layer, "tex")
        files[f"{layer}_derivation.md"] = render_derivation(layer, "md")
        files[f"{layer}_macros.tex"] = render_macros(layer)
    return files
