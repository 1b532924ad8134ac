"""What every ``symconv`` subcommand shares: the user error, the argparse types, output files.

Imported by :mod:`symconv.cli` (which re-exports the public names) and by
:mod:`symconv.latex.cli`; it imports neither, so the two command modules do not
import each other.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

__all__ = ["CliError", "integer", "positive_integer", "samples_arg", "padding_arg", "out_error",
           "write_output"]


class CliError(Exception):
    """A user error: printed as one line, exit status 2."""


_INTEGER = re.compile(r"[+-]?[0-9]+")


def integer(text: str) -> int:
    """argparse type of every integer option: an optional sign and ASCII digits.

    At most :data:`symconv.layers.MAX_DIGITS` digits (far beyond any real layer; it keeps
    every count the command line prints bounded). The digits are counted before any
    conversion, so a huge value costs nothing.
    """
    from .layers import MAX_DIGITS

    body = text.strip()
    if not _INTEGER.fullmatch(body):
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}")
    digits = len(body.lstrip("+-"))
    if digits > MAX_DIGITS:
        raise argparse.ArgumentTypeError(
            f"value has too many digits ({digits} digits; the limit is {MAX_DIGITS})")
    return int(body)


def positive_integer(text: str) -> int:
    """argparse type of a count option such as ``--samples``: an integer >= 1."""
    value = integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {value}")
    return value


def samples_arg(text: str) -> int:
    """argparse type of ``--samples``: an integer in [1, symconv.proof.MAX_SAMPLES]."""
    from .proof import MAX_SAMPLES

    value = positive_integer(text)
    if value > MAX_SAMPLES:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_SAMPLES:,}, got {value:,}")
    return value


def padding_arg(text: str) -> int | str:
    """argparse type of ``--padding``: an int, 'same' or 'valid'."""
    if text in ("same", "valid"):
        return text
    if not _INTEGER.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(
            f"padding must be an integer >= 0, 'same' or 'valid', got {text!r}")
    return integer(text)


def out_error(out: str, exc: OSError) -> CliError:
    """An output that cannot be written, worded the same by every command with ``--out``."""
    cause = exc.strerror or str(exc)
    where = f": {exc.filename}" if exc.filename and str(exc.filename) not in cause else ""
    return CliError(f"--out {out}: {cause}{where}")


def write_output(text: str, out: str | None) -> None:
    """Write ``text`` to the file ``out`` (whole or not at all), or to standard output
    (``out`` None or ``-``). A missing directory or an unwritable file is a :class:`CliError`."""
    if out is None or out == "-":
        sys.stdout.write(text)
        return
    path = Path(out)
    if path.parent and not path.parent.is_dir():
        raise CliError(f"--out {out}: directory {path.parent} does not exist")
    from .atomic import write_files

    try:
        write_files({path: text}, make_dirs=False)  # a complete file or the old one, never cut
    except OSError as exc:
        raise out_error(out, exc) from None
