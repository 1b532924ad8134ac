"""pdflatex helpers shared by the compile tests (tests/test_latex_compile.py,
tests/test_convtranspose_latex.py): compile a document, read its log and text, and find the
equation numbers TeX moved off their formula's line."""

import re
import subprocess
from pathlib import Path


def compile_tex(directory: Path, name: str, text: str) -> tuple[str, str]:
    """Write ``name.tex``, run pdflatex twice (references), return (log, pdftotext output)."""
    (directory / f"{name}.tex").write_text(text, encoding="utf-8")
    for _ in range(2):
        proc = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
             f"{name}.tex"], cwd=directory, capture_output=True, text=True, timeout=180)
        log = (directory / f"{name}.log").read_text(encoding="latin-1")
        assert proc.returncode == 0, f"pdflatex failed on {name}.tex:\n{log[-3000:]}"
    text_out = subprocess.run(["pdftotext", "-layout", f"{name}.pdf", "-"], cwd=directory,
                              capture_output=True, text=True, check=True).stdout
    return log, text_out


#: Preamble code that records, for every numbered display, the baseline of the
#: formula and of its equation number (pdfTeX's \pdfsavepos) in <job>.pos.
#: amsmath's equation uses TeX's \eqno: when formula and number do not fit on
#: one line, TeX sets the number on a line of its own, below, without a warning.
TAG_HOOKS = r"""
\makeatletter
\newwrite\sc@pos \immediate\openout\sc@pos=\jobname.pos
\newif\ifsc@display
\everydisplay\expandafter{\the\everydisplay\sc@displaytrue\sc@mark{body}}
\def\sc@mark#1{\pdfsavepos\protected@edef\sc@n{\theequation}\@xp\sc@write\@xp{\sc@n}{#1}}
\def\sc@write#1#2{\write\sc@pos{#2 \thepage\space\the\pdflastypos}}
\let\sc@tagform\tagform@
\def\tagform@#1{\sc@tagform{#1}\ifsc@display\sc@mark{tag}\fi}
\makeatother
"""


def tags_off_their_line(directory: Path, name: str) -> tuple[int, list[int]]:
    """(number of equation numbers, the ones TeX set on a line below their formula)."""
    body, tags, off = None, 0, []
    for line in (directory / f"{name}.pos").read_text().splitlines():
        kind, page, y = line.split()
        if kind == "body":
            body = (page, y)
        else:
            tags += 1
            if body != (page, y):
                off.append(tags)
    return tags, off


def overfull(log: str) -> list[str]:
    return re.findall(r"Overfull \\hbox.*", log)


def assert_clean(log: str) -> None:
    assert "Overfull \\hbox" not in log, re.findall(r"Overfull \\hbox.*", log)
    assert "undefined" not in log.lower(), re.findall(r".*undefined.*", log)
    assert "Rerun to get cross-references right" not in log


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)
