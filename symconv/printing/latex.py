"""LaTeX printing of the symconv expressions (a subclass of SymPy's ``LatexPrinter``).

Two notations, chosen by :class:`LatexNotation`:

* ``documented`` (default) — the notation of the reference documentation:
  ``C_{\\text{in}}``, ``\\text{kernel\\_size}``, ``\\text{groups}``, ``\\times``;
* ``short`` — ``K``, ``G``, ``\\cdot``.

Display forms (unevaluated ``Mul``/``Add``) print in the order they were
written, with parentheses only where the display form groups terms:

* a sum (or a negation) as a factor is parenthesised, as is a sum nested in a
  sum (``K + (K − 1)``: the grouping is the display form's point);
* a product nested in a product keeps its parentheses, so the substituted
  ``ψ · λ`` reads ``\\frac{C_in C_out}{G} × (L_out × (2K − 1))``;
* a sum over a loop nest (``Sum`` with several limits) prints one ``\\sum`` per
  loop, outermost first;
* a fraction is never parenthesised: ``\\frac`` groups its numerator and
  denominator by itself, so ``N × \\frac{…}{groups}``, not ``N × (\\frac{…}{groups})``.

:func:`drop_unit_divisors` removes a division by a denominator that is 1 in a
worked example (``groups = 1``, ``stride = 1``) before printing.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Collection, Mapping

import sympy as sp
from sympy.printing.latex import LatexPrinter

from ..symbols import latex_names

__all__ = ["LatexNotation", "DOCUMENTED", "SHORT", "SymconvLatexPrinter", "latex", "for_layer",
           "drop_unit_divisors",
           "latex_number", "latex_escape", "prose_to_latex", "is_unprintable", "code_point",
           "visible_text"]


@dataclass(frozen=True)
class LatexNotation:
    """How symbols and products are written.

    ``symbols`` holds the :class:`~symconv.symbols.SymbolInfo` of a layer's own
    symbols (``H_out``, ``kernel_size[0]`` …) on top of Conv1d's; empty for
    Conv1d. :func:`for_layer` sets it from a layer specification.
    """

    short: bool = False
    symbols: tuple = ()

    @property
    def mul_symbol(self) -> str:
        return "dot" if self.short else "times"

    @property
    def times(self) -> str:
        return r"\cdot" if self.short else r"\times"

    def names(self) -> dict[sp.Symbol, str]:
        names = latex_names(short=self.short)
        names.update({i.symbol: (i.latex_short if self.short else i.latex) for i in self.symbols})
        return names


def for_layer(notation: LatexNotation, spec) -> LatexNotation:
    """``notation`` with the symbols of the layer specification ``spec`` (its ``notation``).

    Conv1d's symbols are the default ones, so for Conv1d this is ``notation`` itself.
    """
    from dataclasses import replace

    from ..symbols import INFO

    extra = tuple(info for sym, info in spec.notation.items() if INFO.get(sym) != info)
    return replace(notation, symbols=extra) if extra != notation.symbols else notation


DOCUMENTED = LatexNotation(short=False)
SHORT = LatexNotation(short=True)


def _is_fraction(expr: sp.Expr) -> bool:
    """``Mul(num, Pow(den, -1))`` as built by the display helpers (``_frac``)."""
    return (isinstance(expr, sp.Mul) and len(expr.args) == 2
            and isinstance(expr.args[1], sp.Pow) and expr.args[1].exp == -1
            and expr.args[0] != 1)


def _is_negation(expr: sp.Expr) -> bool:
    return isinstance(expr, sp.Mul) and len(expr.args) == 2 and expr.args[0] == -1


class SymconvLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with symconv's symbol names and display rules."""

    printmethod = "_latex"

    def __init__(self, notation: LatexNotation = DOCUMENTED,
                 symbol_names: Mapping[sp.Symbol, str] | None = None):
        names = notation.names()
        if symbol_names:
            names.update(symbol_names)
        super().__init__({"symbol_names": names, "mul_symbol": notation.mul_symbol,
                          "order": "none"})
        self.notation = notation

    def _paren(self, tex: str) -> str:
        return r"\left(%s\right)" % tex

    def _print_Mul(self, expr: sp.Mul) -> str:
        # Only unevaluated display forms get the documented layout; anything
        # else (evaluated expressions) goes to SymPy's printer.
        if _is_fraction(expr):
            num, den = expr.args[0], expr.args[1].base
            return r"\frac{%s}{%s}" % (self._print(num), self._print(den))
        if _is_negation(expr):
            inner = expr.args[1]
            tex = self._print(inner)
            if isinstance(inner, sp.Add):
                tex = self._paren(tex)
            return "- " + tex
        if any(isinstance(a, sp.Pow) and a.exp.is_negative for a in expr.args):
            return super()._print_Mul(expr)  # an evaluated quotient: SymPy's layout
        parts = []
        for arg in expr.args:
            tex = self._print(arg)
            if isinstance(arg, sp.Add):
                tex = self._paren(tex)
            elif _is_fraction(arg):
                pass  # \frac needs no parentheses
            elif isinstance(arg, sp.Mul):
                tex = self._paren(tex)
            parts.append(tex)
        return (" %s " % self.notation.times).join(parts)

    def _limit(self, bound: sp.Expr) -> str:
        """A summation bound; a quotient with a solidus (``C_in/G``), small above a sign."""
        num, den = sp.fraction(bound)
        if den == 1:
            return self._print(bound)
        parts = [self._print(x) for x in (num, den)]
        parts = [self._paren(t) if isinstance(x, (sp.Add, sp.Mul)) else t
                 for t, x in zip(parts, (num, den))]
        return "/".join(parts)

    def _print_Sum(self, expr: sp.Sum) -> str:
        # A loop nest: one \sum per loop, outermost first (SymPy lists limits
        # innermost first and stacks them under a single sign); a quotient bound
        # is written C_in/G.
        signs = "".join(r"\sum_{%s=%s}^{%s} " % (self._print(i), self._print(lo), self._limit(hi))
                        for i, lo, hi in reversed(expr.limits))
        body = self._print(expr.function)
        if isinstance(expr.function, sp.Add):
            body = self._paren(body)
        return signs + body


def drop_unit_divisors(expr: sp.Expr, ones: Collection[sp.Symbol]) -> sp.Expr:
    """A display form without its divisions by symbols whose value is 1 (unevaluated).

    For a worked example: with ``groups = 1`` the summary form
    ``N × \\frac{C_in × … × K}{groups}`` prints as ``8 × 16 × … × 3``, not as
    ``8 × \\frac{16 × … × 3}{1}``; ``⌊x / stride⌋`` with ``stride = 1`` is ``x``.
    The quotient's terms join the enclosing product (or sum); nothing else
    changes, so ``drop_unit_divisors(e, ones).doit()`` equals ``e.doit()`` at
    those values (tested).
    """
    from ..functions import FloorDiv

    ones = set(ones)

    def rebuild(e: sp.Expr) -> tuple[sp.Expr, bool]:
        if _is_fraction(e) and e.args[1].base in ones:
            return rebuild(e.args[0])[0], True
        if isinstance(e, FloorDiv):
            num, dropped = rebuild(e.args[0])
            if e.args[1] in ones:
                return num, True
            return FloorDiv(num, e.args[1], evaluate=False), dropped
        if isinstance(e, (sp.Mul, sp.Add)):
            args: list[sp.Expr] = []
            for arg in e.args:
                new, dropped = rebuild(arg)
                if dropped and type(new) is type(e) and not _is_fraction(new) \
                        and not _is_negation(new):
                    args += new.args  # a quotient's factors join the product
                else:
                    args.append(new)
            return type(e)(*args, evaluate=False), False
        return e, False

    return rebuild(expr)[0]


def latex(expr: sp.Expr, notation: LatexNotation = DOCUMENTED,
          symbol_names: Mapping[sp.Symbol, str] | None = None) -> str:
    """LaTeX of ``expr`` (math mode content) in ``notation``."""
    return SymconvLatexPrinter(notation, symbol_names).doprint(expr)


def latex_number(value: int) -> str:
    """An exact integer with thin spaces between groups of three digits (``2\\,408\\,448``)."""
    sign = "-" if value < 0 else ""
    return sign + f"{abs(int(value)):,}".replace(",", r"\,")


# Everything below avoids the TS1 (text companion) and T1 fonts, which a bare
# texlive-latex-base may have to build with METAFONT at compile time: OT1, OML
# and OMS glyphs, accents and math symbols only.
_SPECIAL = {
    "\\": r"\ensuremath{\backslash}", "&": r"\&", "%": r"\%", "$": r"\ensuremath{\$}", "#": r"\#",
    "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\~{}", "^": r"\^{}",
    # OT1 has no < > | " in its roman fonts: they would print as ¡ ¿ — ”
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}", '"': r'\texttt{"}',
}
#: pairs that TeX's fonts would join into one glyph (-- en dash, !` ¡, '' ”, ...)
_LIGATURES = {("-", "-"), ("'", "'"), ("`", "`"), ("!", "`"), ("?", "`"), (",", ",")}
#: combining accents (after NFD) that OT1 sets over any letter
_ACCENTS = {"\u0300": "\\`", "\u0301": "\\'", "\u0302": "\\^", "\u0303": "\\~",
            "\u0304": "\\=", "\u0306": "\\u", "\u0307": "\\.", "\u0308": '\\"',
            "\u030a": "\\r", "\u030b": "\\H", "\u030c": "\\v", "\u0327": "\\c"}
_GREEK = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi - pi rho "
          "varsigma sigma tau upsilon phi chi psi omega").split()
_NON_ASCII = {
    "ß": r"\ss{}", "æ": r"\ae{}", "Æ": r"\AE{}", "œ": r"\oe{}", "Œ": r"\OE{}", "ø": r"\o{}",
    "Ø": r"\O{}", "ł": r"\l{}", "Ł": r"\L{}", "ı": r"\i{}", "ȷ": r"\j{}",
    "\u2013": r"\textendash{}", "\u2014": r"\textemdash{}", "\u2018": r"\textquoteleft{}",
    "\u2019": r"\textquoteright{}", "\u201c": r"\textquotedblleft{}",
    "\u201d": r"\textquotedblright{}", "\u2026": r"\ldots{}", "¡": r"\textexclamdown{}",
    "¿": r"\textquestiondown{}", "\u00a0": "~",
    "µ": r"\ensuremath{\mu}", "×": r"\ensuremath{\times}", "·": r"\ensuremath{\cdot}",
    "±": r"\ensuremath{\pm}", "÷": r"\ensuremath{\div}", "≤": r"\ensuremath{\leq}",
    "≥": r"\ensuremath{\geq}", "≠": r"\ensuremath{\neq}", "≈": r"\ensuremath{\approx}",
    "→": r"\ensuremath{\rightarrow}", "←": r"\ensuremath{\leftarrow}", "∞": r"\ensuremath{\infty}",
    "°": r"\ensuremath{^\circ}",
    **{chr(0x3B1 + k): r"\ensuremath{\%s}" % name for k, name in enumerate(_GREEK) if name != "-"},
    **{ch: r"\ensuremath{\%s}" % name for ch, name in zip(
        "ΓΔΘΛΞΠΣΥΦΨΩ", "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split())},
}
_UNPRINTABLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def is_unprintable(ch: str) -> bool:
    """A control, format (bidi overrides, zero-width), surrogate, private-use or
    unassigned character, or a line/paragraph separator: nothing a reader could see."""
    return unicodedata.category(ch) in _UNPRINTABLE


def code_point(ch: str) -> str:
    """The visible stand-in for a character that cannot be shown: ``<U+202E>``."""
    return f"<U+{ord(ch):04X}>"


def visible_text(text: str) -> str:
    """``text`` with every unprintable character (:func:`is_unprintable`) as ``<U+XXXX>``."""
    return "".join(code_point(ch) if is_unprintable(ch) else ch for ch in text)


def _latex_char(ch: str) -> str:
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    if " " <= ch <= "~":
        return ch
    if ch in _NON_ASCII:
        return _NON_ASCII[ch]
    if unicodedata.category(ch) == "Zs":
        return " "
    base, *marks = unicodedata.normalize("NFD", ch)
    if base.isascii() and base.isalpha() and marks and all(mk in _ACCENTS for mk in marks):
        tex = {"i": r"\i", "j": r"\j"}.get(base, base) if marks[0] not in ("\u0327",) else base
        for mk in marks:
            tex = "%s{%s}" % (_ACCENTS[mk], tex)
        return tex
    return latex_escape(code_point(ch))


def latex_escape(text: str) -> str:
    """Any text, safe and shown as written in LaTeX text mode, with pdflatex's default fonts.

    ``_ & % # $ { } ~ ^ \\ < > | "`` are escaped; pairs TeX would join into
    a ligature (``--``, ``''``, ``!```) are kept apart. Characters beyond ASCII
    are written with LaTeX's own commands where OT1 fonts have them (accented
    Latin letters, ß æ œ ø ł, dashes and quotes, Greek letters and a few math
    symbols); any other character, and every unprintable one (control
    characters, NUL, bidi overrides, zero-width characters), is written as
    its code point ``<U+XXXX>``: a name never stops pdflatex and never shows a
    different name without saying so. ASCII ``'`` and `````` print as
    typographic quotes, as TeX sets them.
    """
    text = unicodedata.normalize("NFC", text)
    out = []
    for k, ch in enumerate(text):
        out.append(_latex_char(ch))
        if k + 1 < len(text) and (ch, text[k + 1]) in _LIGATURES:
            out.append("{}")
    return "".join(out)


# --- plain-text justifications -> LaTeX prose with inline math ---------------------

# Identifiers that the derivation's plain-text justifications use, by their
# plain (Unicode-name) spelling. Longest first so that C_in wins over C.
def _prose_symbols() -> dict[str, sp.Symbol]:
    from ..symbols import C_in, C_out, G, K, L_in, L_out, N, gamma, lam, ops, psi
    table = {"C_in": C_in, "C_out": C_out, "L_in": L_in, "L_out": L_out, "K": K, "G": G,
             "N": N, "psi": psi, "ψ": psi, "lambda": lam, "λ": lam, "gamma": gamma, "γ": gamma,
             "Conv1d_ops": ops}
    return dict(sorted(table.items(), key=lambda kv: -len(kv[0])))


_PROSE_SYMBOLS = _prose_symbols()


@functools.lru_cache(maxsize=64)
def _token_re(names: tuple[str, ...]) -> re.Pattern:
    """The tokenizer of prose whose identifiers are ``names`` (longest first)."""
    alternatives = "|".join(map(re.escape, sorted(names, key=lambda n: (-len(n), n))))
    return re.compile(
        r"(?P<ident>(?<![A-Za-z_'])(?:%s)(?![A-Za-z0-9_]))"
        r"|(?P<num>(?<![A-Za-z_])\d+(?![A-Za-z_]|-[A-Za-z]))"
        r"|(?P<num_ident>\d+(?=(?:%s)(?![A-Za-z0-9_])))"
        r"|(?P<op>[+\-/=−·×])"
        r"|(?P<lpar>\()|(?P<rpar>\))"
        r"|(?P<space>[ ]+)"
        r"|(?P<other>.)" % (alternatives, alternatives),
        re.S)


def _vocabulary(notation: LatexNotation, words: Mapping[str, str] | None) -> dict[str, str]:
    """Plain-text identifier -> its LaTeX: Conv1d's, the layer's symbols (``H_out``), ``words``."""
    names = notation.names()
    vocab = {text: names[sym] for text, sym in _PROSE_SYMBOLS.items()}
    vocab.update({info.unicode: names[info.symbol] for info in notation.symbols})
    vocab.update(words or {})
    return vocab


def _tokens(text: str, names: tuple[str, ...] = tuple(_PROSE_SYMBOLS)) -> list[tuple[str, str]]:
    out = []
    for m in _token_re(names).finditer(text):
        kind = m.lastgroup
        if kind == "num_ident":
            kind = "num"
        out.append((kind, m.group(0)))
    return out


def _math_run_end(toks: list[tuple[str, str]], start: int) -> int:
    """Index after the longest run of math tokens that starts at ``start`` (0 if none)."""
    def is_operand(k: int) -> bool:
        return k < len(toks) and toks[k][0] in ("ident", "num")

    def next_nonspace(k: int) -> int:
        while k < len(toks) and toks[k][0] == "space":
            k += 1
        return k

    kind = toks[start][0]
    if kind == "op" and toks[start][1] in "+-−" and is_operand(start + 1):
        pass  # a signed number: "+1", "-1"
    elif kind == "lpar" and is_operand(next_nonspace(start + 1)):
        pass
    elif kind not in ("ident", "num"):
        return 0
    depth = 0
    end = start
    k = start
    while k < len(toks):
        kind = toks[k][0]
        if kind in ("ident", "num"):
            end = k + 1
        elif kind == "lpar":
            if not is_operand(next_nonspace(k + 1)):
                break
            depth += 1
        elif kind == "rpar":
            if depth == 0:
                break
            depth -= 1
            end = k + 1
        elif kind == "op":
            if not (is_operand(next_nonspace(k + 1)) or toks[next_nonspace(k + 1)][0] == "lpar"
                    if next_nonspace(k + 1) < len(toks) else False):
                break
        elif kind != "space":
            break
        k += 1
    # never leave a parenthesis unbalanced
    while depth and end > start:
        opened = sum(1 for t in toks[start:end] if t[0] == "lpar")
        closed = sum(1 for t in toks[start:end] if t[0] == "rpar")
        if opened == closed:
            break
        end -= 1
    if end <= start:
        return 0
    if not any(kind in ("ident", "op") for kind, _ in toks[start:end]):
        return 0  # a lone number ("50%", "one 2-step") stays text
    return end


def _math_tex(toks: list[tuple[str, str]], notation: LatexNotation,
              vocab: Mapping[str, str]) -> str:
    out: list[str] = []
    prev = None  # kind of the previous non-space token
    for kind, text in toks:
        if kind == "space":
            continue
        if kind in ("ident", "num", "lpar") and prev in ("ident", "num", "rpar"):
            # juxtaposition is a product
            out.append(notation.times if not notation.short or prev == "rpar" or kind == "num"
                       else "")
        if kind == "ident":
            out.append(vocab[text])
        elif kind == "num":
            out.append(text)
        elif kind == "op":
            out.append({"−": "-", "·": notation.times, "×": notation.times}.get(text, text))
        elif kind == "lpar":
            out.append("(")
        elif kind == "rpar":
            out.append(")")
        prev = kind if kind != "op" else "op"
    tex = " ".join(t for t in out if t)
    return re.sub(r"\( ", "(", re.sub(r" \)", ")", tex)).replace(" / ", "/")


def prose_to_latex(text: str, notation: LatexNotation = DOCUMENTED,
                   math: tuple[str, str] = ("\\(", "\\)"),
                   escape: Callable[[str], str] | None = None,
                   words: Mapping[str, str] | None = None) -> str:
    """A plain-text justification as LaTeX prose: symbols and formulas become inline math.

    ``"K multiplications and K - 1 additions"`` becomes
    ``"\\(\\text{kernel\\_size}\\) multiplications and \\(\\text{kernel\\_size} - 1\\) additions"``;
    everything else is escaped for LaTeX text mode. ``math`` gives the inline
    delimiters (``("$", "$")`` for Markdown) and ``escape`` the escaping of
    the plain text (:func:`latex_escape` by default). The identifiers are
    Conv1d's symbols, those of ``notation.symbols`` by their plain names
    (``H_out``, ``K_W``) and ``words`` (plain name -> LaTeX, e.g. ``K_prod``).
    """
    escape = escape or latex_escape
    vocab = _vocabulary(notation, words)
    toks = _tokens(text, tuple(vocab))
    out: list[str] = []
    k = 0
    plain: list[str] = []
    while k < len(toks):
        end = _math_run_end(toks, k)
        if end:
            if plain:
                out.append(escape("".join(plain)))
                plain = []
            out.append(math[0] + _math_tex(toks[k:end], notation, vocab) + math[1])
            k = end
        else:
            plain.append(toks[k][1])
            k += 1
    if plain:
        out.append(escape("".join(plain)))
    return "".join(out)
