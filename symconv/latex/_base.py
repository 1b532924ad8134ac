"""What every LaTeX/Markdown renderer of :mod:`symconv.latex` shares: the Jinja environment,
Markdown escaping, equation labels, the width left for an equation, the standalone packages.

(Its own module, so that the derivation and the worked example can use each other's output
without importing each other.)
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from ..printing.latex import DOCUMENTED, LatexNotation, latex_escape
from .layout import ONE_COLUMN, TWO_COLUMN, WIDTH_MARGIN, tag_allowance

__all__ = ["BASE_NOTE", "STANDALONE_PACKAGES", "label", "environment", "markdown_escape",
           "equation_width"]

#: Where the packages of a standalone document come from.
BASE_NOTE = "all in Debian's texlive-latex-base"

#: Packages of the standalone article: (options, name), all in texlive-latex-base.
STANDALONE_PACKAGES = (("", "amsmath"), ("margin=1in", "geometry"))

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def label(layer: str, name: str) -> str:
    """LaTeX label of a derivation step: ``eq:<layer>-<name>`` (``eq:conv2d-summary-bias``)."""
    return f"eq:{layer}-{name.replace('_', '-')}"


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
