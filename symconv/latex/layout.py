"""How wide a printed equation is, and how a long one is broken into rows.

TeX cannot break a display equation by itself, so symconv decides where the
rows of a long equation end before it writes the LaTeX. Two parts:

* :func:`math_width` estimates the width in points of math-mode LaTeX as
  pdflatex sets it in display style with the default 10 pt Computer Modern
  fonts: the glyph widths of cmmi10 / cmr10 (and their 7 pt script sizes),
  TeX's spacing between atoms (ordinary, binary, relation, open, close,
  inner), fractions, ``\\left … \\right`` delimiters and sub/superscripts. It
  understands the subset of LaTeX symconv's printer emits; a test compares it
  with pdflatex's own widths for every row symconv prints.
* :func:`break_rows` breaks a printed expression at its own operators (the
  printer's structure, never retyped): first at relations, then at ``+``/``−``,
  then at ``×``/``·``, outermost parentheses first; a group whose parentheses
  span rows is closed with ``\\right.`` and reopened with ``\\left.``, with a
  ``\\vphantom`` of its whole content so that every row's delimiters have the
  same size. A fraction too wide for any row is written with a solidus,
  ``(numerator)/denominator``, so that its numerator can be broken.

:func:`layout_equation` lays out ``lhs = rhs₁ = rhs₂ …`` (one row, or an
``aligned`` block) so that it fits a given width.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Sequence

__all__ = ["math_width", "break_rows", "layout_equation", "layout_cases", "body_width",
           "tag_allowance", "text_width",
           "ONE_COLUMN", "TWO_COLUMN", "WIDTH_MARGIN", "CONTINUATION"]

#: \textwidth of a one-column ``article`` at 10 pt (points).
ONE_COLUMN = 345.0
#: \columnwidth of ``\documentclass[twocolumn]{article}`` at 10 pt (points).
TWO_COLUMN = 229.5
#: Safety margin for the error of :func:`math_width` (a test holds it within this of pdflatex).
WIDTH_MARGIN = 0.04

# --- Computer Modern metrics (points, 10 pt) --------------------------------------------------

_KEYS = string.ascii_lowercase + string.ascii_uppercase + string.digits


def _table(widths: str) -> dict[str, float]:
    return dict(zip(_KEYS, map(float, widths.split())))


#: cmmi10 letters, cmr10 digits (math italic).
_ITALIC = _table(
    "5.29 4.29 4.33 5.2 4.66 5.97 5.13 5.76 3.45 4.69 5.52 3.18 8.78 6 4.85 5.03 4.82 4.79 4.69 "
    "3.61 5.72 5.21 7.43 5.72 5.26 5.09 7.5 8.09 7.86 8.56 7.96 7.82 7.86 9.12 5.18 6.51 9.21 "
    "6.81 10.79 9.12 7.91 7.81 7.91 7.67 6.71 7.23 7.92 8.06 10.83 9.07 8.03 7.54 "
    "5 5 5 5 5 5 5 5 5 5")
#: cmr10 (``\\text``).
_ROMAN = _table(
    "5 5.56 4.44 5.56 4.44 3.06 5 5.56 2.78 3.06 5.28 2.78 8.33 5.56 5 5.56 5.28 3.92 3.94 3.89 "
    "5.56 5.28 7.22 5.28 5.28 4.44 7.5 7.08 7.22 7.64 6.81 6.53 7.85 7.5 3.61 5.14 7.78 6.25 "
    "9.17 7.5 7.78 6.81 7.78 7.36 5.56 7.22 7.5 7.5 10.28 7.5 7.5 6.11 5 5 5 5 5 5 5 5 5 5")
#: cmmi7 / cmr7 digits (subscripts, math italic).
_ITALIC_SCRIPT = _table(
    "4.34 3.52 3.57 4.16 3.79 4.68 4.15 4.68 2.83 3.71 4.42 2.57 7.1 4.94 3.95 4.12 3.92 3.93 "
    "3.77 3.02 4.73 4.25 5.97 4.53 4.31 4.11 6.01 6.38 6.23 6.75 6.26 6.15 6.23 7.08 4.09 5.08 "
    "7.21 5.49 8.38 7.08 6.3 6.17 6.3 6.06 5.29 5.8 6.2 6.44 8.6 7.1 6.42 5.94 "
    "3.99 3.99 3.99 3.99 3.99 3.99 3.99 3.99 3.99 3.99")
#: cmr7 (``\\text`` in subscripts).
_ROMAN_SCRIPT = _table(
    "3.99 4.42 3.56 4.42 3.56 2.48 3.99 4.42 2.26 2.48 4.2 2.26 6.57 4.42 3.99 4.42 4.2 3.13 "
    "3.17 3.13 4.42 4.2 5.71 4.2 4.2 3.56 5.9 5.59 5.71 6.02 5.38 5.16 6.19 5.9 2.89 4.08 6.12 "
    "4.94 7.19 5.9 6.14 5.38 6.14 5.81 4.42 5.71 5.9 5.9 8.06 5.9 5.9 4.85 "
    "3.99 3.99 3.99 3.99 3.99 3.99 3.99 3.99 3.99 3.99")
_SCRIPT_SCALE = 0.75      # anything else in script size
_SCRIPTSPACE = 0.5
_NULL_DELIMITER = 1.2     # \nulldelimiterspace: \left. and each side of a fraction
_THIN, _MED, _THICK = 1.667, 2.222, 2.778
_UNKNOWN = 8.0            # a glyph the tables do not know: assume it is wide

# atom classes
ORD, OP, BIN, REL, OPEN, CLOSE, PUNCT, INNER = "ord op bin rel open close punct inner".split()

_COMMANDS: dict[str, tuple[str, float]] = {
    r"\times": (BIN, 7.78), r"\cdot": (BIN, 2.78), r"\pm": (BIN, 7.78), r"\div": (BIN, 7.78),
    r"\leq": (REL, 7.78), r"\geq": (REL, 7.78), r"\neq": (REL, 7.78), r"\approx": (REL, 7.78),
    r"\equiv": (REL, 7.78), r"\to": (REL, 10.0), r"\rightarrow": (REL, 10.0),
    r"\lfloor": (OPEN, 4.44), r"\rfloor": (CLOSE, 4.44), r"\lceil": (OPEN, 4.44),
    r"\rceil": (CLOSE, 4.44),
    r"\psi": (ORD, 6.87), r"\lambda": (ORD, 5.83), r"\gamma": (ORD, 5.73), r"\alpha": (ORD, 6.4),
    r"\beta": (ORD, 5.66), r"\delta": (ORD, 4.44), r"\mu": (ORD, 6.02), r"\sigma": (ORD, 5.71),
    r"\backslash": (ORD, 5.0), r"\ldots": (INNER, 11.67), r"\infty": (ORD, 10.0),
    r"\sum": (OP, 14.44), r"\prod": (OP, 12.78),
    # operator names in cmr10 (m a x, m i n, g c d), set as \mathop
    r"\max": (OP, 18.61), r"\min": (OP, 16.67), r"\gcd": (OP, 15.0),
    r"\mapsto": (REL, 10.0), r"\le": (REL, 7.78), r"\ge": (REL, 7.78), r"\ell": (ORD, 4.17),
}
_SPACES = {r"\,": _THIN, r"\:": _MED, r"\;": _THICK, r"\!": -_THIN, r"\quad": 10.0,
           r"\qquad": 20.0, "\\ ": 3.33, "~": 3.33}
_CHARS: dict[str, tuple[str, float]] = {
    "+": (BIN, 7.78), "-": (BIN, 7.78), "*": (BIN, 5.0), "=": (REL, 7.78), "<": (REL, 7.78),
    ">": (REL, 7.78), ":": (REL, 2.78), "(": (OPEN, 3.89), "[": (OPEN, 2.78), ")": (CLOSE, 3.89),
    "]": (CLOSE, 2.78), "!": (CLOSE, 2.78), "?": (CLOSE, 4.72), ",": (PUNCT, 2.78),
    ";": (PUNCT, 2.78), "|": (ORD, 2.78), "/": (ORD, 5.0), ".": (ORD, 2.78), "'": (ORD, 2.75),
}
#: widths of \left/\right delimiters by size: (normal, beside a fraction, taller)
_DELIMITERS = {"(": (3.89, 5.97, 7.36), ")": (3.89, 5.97, 7.36), "[": (2.78, 4.72, 5.28),
               "]": (2.78, 4.72, 5.28), r"\lfloor": (4.44, 5.28, 5.97),
               r"\rfloor": (4.44, 5.28, 5.97), r"\lceil": (4.44, 5.28, 5.97),
               r"\rceil": (4.44, 5.28, 5.97), r"\{": (5.0, 6.67, 7.78),
               r"\}": (5.0, 6.67, 7.78), "|": (2.78, 3.33, 3.33), ".": (_NULL_DELIMITER,) * 3}
_BIG = {r"\big": 0, r"\bigl": 0, r"\bigr": 0, r"\Big": 1, r"\Bigl": 1, r"\Bigr": 1,
        r"\bigg": 2, r"\biggl": 2, r"\biggr": 2}
_BIG_WIDTH = {"(": (4.58, 5.97, 7.36), ")": (4.58, 5.97, 7.36), "|": (3.33, 3.33, 3.33),
              "[": (4.17, 4.72, 5.28), "]": (4.17, 4.72, 5.28)}
_TEXT_COMMANDS = {r"\text", r"\mathrm", r"\textup", r"\textrm", r"\operatorname"}
_INVISIBLE = {r"\displaystyle", r"\textstyle", r"\scriptstyle", r"\nonumber", r"\notag", "&"}

# spacing between atom classes (TeXbook, chapter 18): 1 thin, 2 medium, 3 thick;
# negative: only in display and text style.
_SPACING = {
    ORD: {OP: 1, BIN: -2, REL: -3, INNER: -1},
    OP: {ORD: 1, OP: 1, REL: -3, INNER: -1},
    BIN: {ORD: -2, OP: -2, OPEN: -2, INNER: -2},
    REL: {ORD: -3, OP: -3, OPEN: -3, INNER: -3},
    CLOSE: {OP: 1, BIN: -2, REL: -3, INNER: -1},
    PUNCT: {ORD: -1, OP: -1, REL: -1, OPEN: -1, CLOSE: -1, PUNCT: -1, INNER: -1},
    INNER: {ORD: -1, OP: 1, BIN: -2, REL: -3, OPEN: -1, PUNCT: -1, INNER: -1},
}
_SPACE_WIDTH = {1: _THIN, 2: _MED, 3: _THICK}

_TOKEN_RE = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.S)


# --- parsing into items ---------------------------------------------------------------------------

@dataclass
class _Item:
    """One piece of a math list: an atom (cls), explicit space (cls None) or a \\left…\\right group."""

    tex: str
    cls: str | None
    width: float
    tall: int = 0                       # 0 normal, 1 as tall as a fraction, 2 taller
    frac: tuple[str, str] | None = None  # (numerator, denominator) of a \frac
    group: "_Group | None" = None
    limits: list[float] | None = None    # a display-style \sum: widths of its limits ...
    base: float = 0.0                    # ... and of the sign itself


@dataclass
class _Group:
    left: str                # delimiter after \left
    right: str               # delimiter after \right
    items: list[_Item] = field(default_factory=list)
    scripts: str = ""        # sub/superscripts after \right…

    @property
    def content(self) -> str:
        return " ".join(i.tex for i in self.items)

    @property
    def phantom(self) -> str:
        """``\\vphantom`` as tall as the whole content (its fractions and groups suffice)."""
        tall = [i.tex for i in self.items if i.tall]
        return r"\vphantom{%s}" % (" ".join(tall) if tall else self.content)


def _tokens(tex: str) -> list[str]:
    """Tokens of ``tex``; a run of white space is one ``" "`` token."""
    return [" " if t.isspace() else t for t in _TOKEN_RE.findall(tex)]


def _braced(tokens: list[str], k: int) -> tuple[str, int]:
    """The argument starting at tokens[k] (a {group} or one token) and the index after it."""
    while k < len(tokens) and tokens[k] == " ":
        k += 1
    if k >= len(tokens):
        return "", k
    if tokens[k] != "{":
        return tokens[k], k + 1
    depth, start = 0, k
    while k < len(tokens):
        depth += {"{": 1, "}": -1}.get(tokens[k], 0)
        k += 1
        if depth == 0:
            break
    return "".join(tokens[start + 1:k - 1]).strip(), k


def _text_width(text: str, script: bool) -> float:
    table = _ROMAN_SCRIPT if script else _ROMAN
    scale = _SCRIPT_SCALE if script else 1.0
    width = 0.0
    for t in _tokens(text):
        if t in table:
            width += table[t]
        elif t == r"\_":
            width += 3.6 * scale
        elif t in (" ", "\\ ", "~"):
            width += 3.33 * scale
        elif t in "{}":
            continue
        elif t in ".,:;'!()[]-/|":
            width += 2.78 * scale if t in ".,:;'!|" else 3.89 * scale
        else:
            width += _UNKNOWN * scale
    return width


def text_width(text: str) -> float:
    """Width of ``\\text{text}`` (cmr10)."""
    return _text_width(text, False)


def _parse(tex: str, script: bool = False, display: bool = True) -> list[_Item]:
    tokens = _tokens(tex)
    items: list[_Item] = []
    k = 0
    small = script or not display  # a fraction's parts are one size smaller

    def sub(arg: str) -> float:
        return _list_width(_parse(arg, script=True), script=True)

    while k < len(tokens):
        t = tokens[k]
        k += 1
        if t == " ":
            continue
        if t in ("_", "^"):
            arg, k = _braced(tokens, k)
            extra = sub(arg) + _SCRIPTSPACE
            if items and items[-1].limits is not None:
                # the limits of a display-style \sum sit above and below it: the widest decides
                last = items[-1]
                last.limits.append(sub(arg))
                last.width = max(last.base, *last.limits)
                last.tall = 2  # delimiters around it grow past a fraction's size
                last.tex += f"{t}{{{arg}}}" if len(arg) != 1 else f"{t}{arg}"
            elif items:
                last = items[-1]
                last.width += extra
                last.tex += f"{t}{{{arg}}}" if len(arg) != 1 else f"{t}{arg}"
                if last.group is not None:
                    last.group.scripts += f"{t}{{{arg}}}"
            else:
                items.append(_Item(f"{{}}{t}{{{arg}}}", ORD, extra))
            continue
        if t == "{":
            k -= 1
            arg, k = _braced(tokens, k)
            inner = _parse(arg, script, display)
            items.append(_Item("{%s}" % arg, ORD, _list_width(inner, script),
                               max([i.tall for i in inner], default=0)))
        elif t == r"\left":
            delim, k = _braced(tokens, k)
            depth, start = 1, k
            while k < len(tokens) and depth:
                depth += {r"\left": 1, r"\right": -1}.get(tokens[k], 0)
                k += 1
            body = "".join(tokens[start:k - 1]).strip()
            right, k = _braced(tokens, k)
            group = _Group(delim, right, _parse(body, script, display))
            tall = max([i.tall for i in group.items], default=0)
            tall = min(2, tall + 1) if any(i.tall for i in group.items if i.group) else tall
            width = (_delimiter(delim, tall) + _list_width(group.items, script)
                     + _delimiter(right, tall))
            items.append(_Item(r"\left%s %s \right%s" % (delim, body, right), INNER, width, tall,
                               group=group))
        elif t in (r"\frac", r"\dfrac", r"\tfrac"):
            num, k = _braced(tokens, k)
            den, k = _braced(tokens, k)
            part_script = small and t != r"\dfrac"
            wn = _list_width(_parse(num, part_script, False), part_script)
            wd = _list_width(_parse(den, part_script, False), part_script)
            items.append(_Item(r"\frac{%s}{%s}" % (num, den), INNER,
                               max(wn, wd) + 2 * _NULL_DELIMITER, 0 if small else 1,
                               frac=(num, den)))
        elif t in _TEXT_COMMANDS:
            arg, k = _braced(tokens, k)
            items.append(_Item(f"{t}{{{arg}}}", ORD, _text_width(arg, script)))
        elif t in (r"\vphantom", r"\phantom", r"\hphantom"):
            arg, k = _braced(tokens, k)
            inner = _parse(arg, script, display)
            width = _list_width(inner, script) if t != r"\vphantom" else 0.0
            items.append(_Item(f"{t}{{{arg}}}", ORD, width,
                               max([i.tall for i in inner], default=0) if t != r"\hphantom" else 0))
        elif t in (r"\ensuremath", r"\mathit", r"\boldsymbol", r"\mathbf"):
            arg, k = _braced(tokens, k)
            inner = _parse(arg, script, display)
            items.append(_Item(f"{t}{{{arg}}}", ORD, _list_width(inner, script)))
        elif t in _BIG:
            delim, k = _braced(tokens, k)
            cls = OPEN if t.endswith("l") else CLOSE if t.endswith("r") else ORD
            width = _BIG_WIDTH.get(delim, (4.58, 5.97, 7.36))[_BIG[t]]
            items.append(_Item(t + delim, cls, width))
        elif t in _SPACES:
            items.append(_Item(t, None, _SPACES[t]))
        elif t in _INVISIBLE:
            items.append(_Item(t, None, 0.0))
        elif t in _COMMANDS:
            cls, width = _COMMANDS[t]
            width *= _SCRIPT_SCALE if script else 1.0
            limits = [] if cls == OP and display and not script else None
            items.append(_Item(t, cls, width, limits=limits, base=width))
        elif t in string.ascii_letters + string.digits:
            table = _ITALIC_SCRIPT if script else _ITALIC
            items.append(_Item(t, ORD, table[t]))
        elif t in _CHARS:
            cls, width = _CHARS[t]
            items.append(_Item(t, cls, width * (_SCRIPT_SCALE if script else 1.0)))
        else:
            items.append(_Item(t, ORD, _UNKNOWN * (_SCRIPT_SCALE if script else 1.0)))
    return items


def _delimiter(delim: str, tall: int) -> float:
    return _DELIMITERS.get(delim, (5.0, 6.0, 7.5))[tall]


def _classes(items: Sequence[_Item]) -> list[str | None]:
    """Atom classes after TeX's rules (a binary operator with no operand on one side is ordinary)."""
    classes = [i.cls for i in items]
    prev = None
    for n, cls in enumerate(classes):
        if cls is None:
            continue
        if cls == BIN and prev in (None, BIN, OP, REL, OPEN, PUNCT):
            classes[n] = cls = ORD
        if cls in (REL, CLOSE, PUNCT) and prev == BIN:
            for m in range(n - 1, -1, -1):  # the previous binary becomes ordinary
                if classes[m] is not None:
                    classes[m] = ORD
                    break
        prev = cls
    # a binary operator at the end of the list is ordinary too
    for m in range(len(classes) - 1, -1, -1):
        if classes[m] is not None:
            if classes[m] == BIN:
                classes[m] = ORD
            break
    return classes


def _list_width(items: Sequence[_Item], script: bool = False) -> float:
    width = sum(i.width for i in items)
    prev = None
    for cls in _classes(items):
        if cls is None:
            continue
        if prev is not None:
            space = _SPACING.get(prev, {}).get(cls, 0)
            if space and not (space < 0 and script):
                width += _SPACE_WIDTH[abs(space)]
        prev = cls
    return width


def math_width(tex: str) -> float:
    """Estimated width in points of ``tex`` set in display style (10 pt Computer Modern)."""
    return _list_width(_parse(tex))


def tag_allowance(number: str = "99") -> float:
    """Room an equation number takes beside its equation: the tag plus the quad before it."""
    return _ROMAN["0"] * len(number) + 2 * 3.89 + 10.0


# --- breaking ---------------------------------------------------------------------------------

def _op_rank(item: _Item) -> int:
    if item.cls == REL:
        return 0
    return 1 if item.tex in ("+", "-", r"\pm") else 2


@dataclass
class _Event:
    kind: str              # "item", "open", "close"
    item: _Item | None = None
    group: _Group | None = None
    key: int | None = None  # break before this event allowed at this level (None: never)


#: rank of a break between a sum sign and its parenthesised summand: a last resort
#: (penalty 4**_SUMMAND_DEPTH, above any break inside parentheses symconv prints)
_SUMMAND_DEPTH = 4


def _flatten(items: list[_Item], depth: int = 0) -> list[_Event]:
    events: list[_Event] = []
    classes = _classes(items)
    prev = None
    for item, cls in zip(items, classes):
        if item.group is not None:
            # after a \sum, its summand may start a row (a loop nest too wide for one)
            key = 3 * (depth + _SUMMAND_DEPTH) + 2 if prev == OP else None
            prev = cls
            events.append(_Event("open", group=item.group, key=key))
            events += _flatten(item.group.items, depth + 1)
            events.append(_Event("close", group=item.group))
            continue
        key = None
        if cls in (BIN, REL):  # a binary operator or relation in context: a break point
            key = 3 * depth + _op_rank(item)
        if cls is not None:
            prev = cls
        events.append(_Event("item", item=item, key=key))
    return events


def _row_tex(events: list[_Event], start: int, end: int, spanning: set[int]) -> str:
    """Events[start:end] as balanced LaTeX (groups cut by the row are closed/reopened)."""
    stack: list[_Group] = []
    for ev in events[:start]:
        if ev.kind == "open":
            stack.append(ev.group)
        elif ev.kind == "close":
            stack.pop()
    parts = [r"\left." + g.phantom for g in stack]
    first = True
    for ev in events[start:end]:
        if ev.kind == "open":
            ph = ev.group.phantom if id(ev.group) in spanning else ""
            parts.append(r"\left%s%s" % (ev.group.left, ph))
            stack.append(ev.group)
        elif ev.kind == "close":
            stack.pop()
            parts.append(r"\right%s%s" % (ev.group.right, ev.group.scripts))
        else:
            if first and start > 0 and ev.item.cls in (BIN, REL):
                parts.append("{}")
            parts.append(ev.item.tex)
        first = False
    parts += [r"\right."] * len(stack)
    return _tidy(" ".join(parts))


def _tidy(tex: str) -> str:
    tex = re.sub(r"\\left([^\\A-Za-z\s]) ", r"\\left\1", tex)  # "\left( a" -> "\left(a"
    return tex.replace(" \\right", "\\right")


def _spanning(events: list[_Event], cuts: Sequence[int]) -> set[int]:
    """ids of the groups that some cut falls inside."""
    out: set[int] = set()
    stack: list[_Group] = []
    cutset = set(cuts)
    for n, ev in enumerate(events):
        if n in cutset:
            out.update(id(g) for g in stack)
        if ev.kind == "open":
            stack.append(ev.group)
        elif ev.kind == "close":
            stack.pop()
    return out


def _best_cuts(events: list[_Event], budgets: tuple[float, float]
               ) -> tuple[list[int], float] | None:
    """Cut positions so that every row fits its budget, or None.

    Among the ways that fit, the cheapest: each row costs 10, each break
    ``4**depth × (1 + rank)`` (depth: parentheses around the operator; rank:
    0 relation, 1 ``+``/``−``, 2 ``×``/``·``), so a break inside nested
    parentheses is taken only to save several rows; ties go to rows of even width.
    """
    candidates = [n for n, ev in enumerate(events) if ev.key is not None and n > 0]
    ends = candidates + [len(events)]
    penalty = {n: 4 ** (events[n].key // 3) * (1 + events[n].key % 3) for n in candidates}
    # best[position] = (cost, cuts) for the rows that cover events[:position]
    best: dict[int, tuple[tuple[int, float], list[int]]] = {0: ((0, 0.0), [])}
    for end in ends:
        for start in [0] + candidates:
            if start >= end or start not in best:
                continue
            (cost, slack), cuts = best[start]
            budget = budgets[0 if start == 0 else 1]
            tex = _row_tex(events, start, end, _spanning(events, cuts + [end]))
            width = math_width(tex)
            if width > budget:
                continue
            total = (cost + 10 + penalty.get(end, 0), slack + ((budget - width) / budget) ** 2)
            if end not in best or total < best[end][0]:
                best[end] = (total, cuts + ([end] if end < len(events) else []))
    found = best.get(len(events))
    return None if found is None else (found[1], found[0][0])


def _slash(item: _Item) -> list[_Item]:
    """A fraction written with a solidus: ``\\left(num\\right)/den``."""
    num, den = item.frac
    den_items = _parse(den)
    den_tex = den if not any(c in (BIN, REL) for c in _classes(den_items)) else (
        r"\left(%s\right)" % den)
    return _parse(r"\left(%s\right) / %s" % (num, den_tex))


def _widest_fraction(items: list[_Item]) -> tuple[list[_Item], int] | None:
    best = None
    for n, item in enumerate(items):
        candidates = []
        if item.frac is not None:
            candidates.append((item.width, items, n))
        if item.group is not None:
            found = _widest_fraction(item.group.items)
            if found:
                lst, m = found
                candidates.append((lst[m].width, lst, m))
        for cand in candidates:
            if best is None or cand[0] > best[0]:
                best = cand
    return None if best is None else (best[1], best[2])


#: cost of a row, and of writing a fraction with a solidus (see :func:`_best_cuts`)
_ROW_COST, _SLASH_COST, _OVERFULL_COST = 10, 40, 10_000


def _break(tex: str, first: float, rest: float) -> tuple[list[str], float]:
    """(rows, cost) of the cheapest way to break ``tex`` (see :func:`break_rows`)."""
    if math_width(tex) <= first:
        return [tex], _ROW_COST
    items = _parse(tex)
    slashes = 0
    while True:
        events = _flatten(items)
        found = _best_cuts(events, (first, rest))
        if found is not None:
            cuts, cost = found
            return _rows(events, cuts), cost + _SLASH_COST * slashes
        widest = _widest_fraction(items)
        if widest is None:
            allowed = [n for n, ev in enumerate(events) if ev.key is not None and n > 0]
            return _rows(events, allowed), _OVERFULL_COST
        lst, n = widest
        lst[n:n + 1] = _slash(lst[n])
        slashes += 1
        for item in items:  # group contents changed: refresh the texts
            _refresh(item)


def break_rows(tex: str, first: float, rest: float | None = None) -> list[str]:
    """``tex`` as rows no wider than ``first`` (first row) and ``rest`` points (the others).

    Every row but the first starts with the operator at which it was broken.
    When no set of break points fits, the rows come back as narrow as the
    expression allows (the compile tests catch an overfull box).
    """
    return _break(tex, first, first if rest is None else rest)[0]


def _refresh(item: _Item) -> None:
    if item.group is not None:
        for sub in item.group.items:
            _refresh(sub)
        item.tex = r"\left%s %s \right%s%s" % (item.group.left, item.group.content,
                                              item.group.right, item.group.scripts)


def _rows(events: list[_Event], cuts: list[int]) -> list[str]:
    spanning = _spanning(events, cuts)
    bounds = [0] + list(cuts) + [len(events)]
    return [_row_tex(events, a, b, spanning) for a, b in zip(bounds, bounds[1:])]


# --- equations --------------------------------------------------------------------------------------

#: continuation rows of a broken right-hand side start this far right of the "=".
CONTINUATION = r"\qquad"


def _beside(lines: Sequence[tuple[str, str]], width: float) -> tuple[list[str], float]:
    """Rows ``lhs &= …``: each right-hand side beside its left-hand side."""
    lhs_width = max(math_width(lhs) for lhs, _ in lines if lhs)
    first = width - lhs_width - math_width("{}={}")
    rest = width - lhs_width - math_width(CONTINUATION + "{}")
    rows: list[str] = []
    total = 0.0
    for lhs, rhs in lines:
        parts, cost = _break(rhs, first, rest)
        total += cost
        rows.append(f"{lhs} &= {parts[0]}" if lhs else f"&= {parts[0]}")
        rows += [f"&{CONTINUATION} {part}" for part in parts[1:]]
    return rows, total


def _below(lines: Sequence[tuple[str, str]], width: float) -> tuple[list[str], float]:
    """Rows for a narrow column: each left-hand side alone, its ``= …`` below it, indented."""
    first = width - math_width(r"{}\quad{}={}")
    rest = width - math_width(r"{}\quad" + CONTINUATION + "{}")
    rows: list[str] = []
    total = 0.0
    for lhs, rhs in lines:
        if lhs:
            rows.append(f"&{lhs}")
            total += _ROW_COST
        parts, cost = _break(rhs, first, rest)
        total += cost
        rows.append(f"&\\quad = {parts[0]}")
        rows += [f"&\\quad{CONTINUATION} {part}" for part in parts[1:]]
    return rows, total


def layout_equation(lines: Sequence[tuple[str, str]], width: float,
                    condition: str | None = None, one_line: bool = False) -> str:
    """``lhs = rhs`` lines as one equation body no wider than ``width`` points.

    ``lines`` are ``(lhs, rhs)`` pairs; an empty ``lhs`` continues the
    previous one (``= rhs`` on the next row). Each right-hand side is broken
    into rows where it is too wide (:func:`break_rows`). When the left-hand
    side's rows beside it would need many breaks, each left-hand side stands
    alone on its row and its ``= …`` follow below it (when cheaper by the cost
    of :func:`_best_cuts`). ``condition`` (plain text, e.g. ``"with bias"``) is set
    as ``(with bias)`` after the last row, or on a row of its own when it does
    not fit there. One short line is returned as it is; anything longer is an
    ``aligned`` block (valid in LaTeX and in KaTeX/MathJax). ``one_line``:
    a chain ``lhs = rhs₁ = rhs₂`` that fits on one row is written on one row
    (else each ``= rhs`` starts a row).
    """
    if one_line and not condition and sum(1 for lhs, _ in lines if lhs) == 1:
        line = " = ".join([lines[0][0]] + [rhs for _, rhs in lines])
        if math_width(line) <= width:
            return line
    rows, cost = _beside(lines, width)
    if len(rows) > len(lines):
        below, below_cost = _below(lines, width)
        if below_cost < cost:
            rows = below
    cond = r"\text{(%s)}" % condition if condition else ""
    if len(rows) == 1:
        line = rows[0].replace(" &= ", " = ", 1)
        if not cond:
            return line
        if math_width(line + r"\qquad" + cond) <= width:
            return f"{line} \\qquad {cond}"
    elif cond:
        last = rows[-1]
        if math_width(last.replace("&", "", 1) + r"\qquad" + cond) <= width:
            rows[-1] = f"{last} \\qquad {cond}"
            cond = ""
    if cond:
        rows.append(f"&{CONTINUATION} {cond}")
    return "\\begin{aligned}\n" + " \\\\\n".join("  " + r for r in rows) + "\n\\end{aligned}"


#: width a ``cases`` block adds to its columns: the brace, the null delimiter after
#: the array and the array's own spacing (calibrated against pdflatex)
_CASES_BRACE = 14.6


def _rows_of(inner: str) -> list[str]:
    return [r.strip() for r in re.split(r"\\\\(?:\[[^]]*\])?", inner) if r.strip()]


def body_width(body: str) -> float:
    """Estimated width of an equation body: one line, an ``aligned`` block (with
    text before or after it) or ``lhs = \\begin{cases} … \\end{cases}``."""
    match = re.fullmatch(r"(.*?)\\begin\{(aligned|cases)\}(.*?)\\end\{\2\}(.*)", body, re.S)
    if not match:
        return math_width(body)
    before, env, inner, after = match.groups()
    rows = _rows_of(inner)
    lefts = [math_width(r.split("&", 1)[0]) for r in rows]
    rights = [math_width("{}" + r.split("&", 1)[1]) if "&" in r else 0.0 for r in rows]
    if env == "cases":  # two columns, \quad apart, even when the second is empty
        rights = [math_width(r"\quad") + w for w in rights]
        return math_width(before) + _CASES_BRACE + max(lefts) + max(rights) + math_width(after)
    return math_width(before) + max(lefts) + max(rights) + math_width(after)


def layout_cases(lhs: str, cases: Sequence[tuple[str, str]], width: float) -> str:
    """``lhs = {expr if condition …}`` as a ``cases`` block no wider than ``width`` points.

    Each case is ``expr & condition`` on one row when that fits; else the
    condition goes on a row of its own below its expression (indented), and an
    expression too wide for a row is broken (:func:`break_rows`).
    """
    def body(rows: list[str]) -> str:
        return f"{lhs} =\n\\begin{{cases}}\n" + " \\\\[2ex]\n".join(rows) + "\n\\end{cases}"

    side = body([f"  \\displaystyle {expr} & \\text{{{cond}}}" for expr, cond in cases])
    if body_width(side) <= width:
        return side
    budget = width - math_width(f"{lhs} = ") - _CASES_BRACE
    rows = []
    for expr, cond in cases:
        parts = break_rows(expr, budget, budget - math_width(CONTINUATION))
        lines = [f"  \\displaystyle {parts[0]}"]
        lines += [f"  \\displaystyle {CONTINUATION} {part}" for part in parts[1:]]
        lines.append(f"  {CONTINUATION} \\text{{{cond}}}")
        rows.append(" \\\\\n".join(lines))
    return body(rows)
