"""The ``symconv plot`` subcommand (registered in :mod:`symconv.cli`): a layer file's cost
against its input size, drawn by :func:`symconv.plot.plot_cost`."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._cli import CliError, positive_integer

__all__ = ["register_plot", "load_symbolic"]


def load_symbolic(path: str, convention: str = "symconv"):
    """The :class:`~symconv.symbolic.SymbolicCost` of a layer file, every failure a
    :class:`CliError` (one line: the file and what is wrong)."""
    from .layers import LayerSpecError
    from .model import load_layers

    p = Path(path)
    if not p.is_file():
        what = ("no such file" if not p.exists() else "a directory, not a layer file"
                if p.is_dir() else "not a regular file")
        raise CliError(f"{path}: {what}")
    try:
        layers = load_layers(p)
        if not layers:
            raise CliError(f"{path}: the layer file holds no layers")
        return layers.symbolic(convention=convention)
    except NotImplementedError as exc:
        raise CliError(f"{path}: the cost as a formula of the input size is not available "
                       f"({exc})") from None
    except (LayerSpecError, ValueError) as exc:
        raise CliError(f"{path}: {exc}" if str(path) not in str(exc) else str(exc)) from None


def _fixed(text: str) -> tuple[str, int]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"must be NAME=VALUE (e.g. N=8, H_in=224), got {text!r}")
    return name.strip(), positive_integer(value)


def _cmd_plot(args: argparse.Namespace) -> int:
    from .plot import FORMATS

    suffix = Path(args.out).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise CliError(f"--out {args.out}: the suffix must be one of "
                       f"{', '.join('.' + f for f in FORMATS)} (PDF, PNG or PGF)")
    out_dir = Path(args.out).parent
    if not out_dir.is_dir():
        raise CliError(f"--out {args.out}: directory {out_dir} does not exist")
    cost = load_symbolic(args.layers, args.convention)
    try:
        from .plot import plot_cost

        sizes = None
        if args.range is not None:
            lo, hi = args.range
            if lo > hi:
                raise CliError(f"--range {lo} {hi}: the lowest size must not exceed the highest")
            sizes = (lo, hi)
        plot_cost(cost, sizes, axis=args.axis, fixed=dict(args.fixed or ()),
                  stacked=not args.lines, log=args.log, out=args.out)
    except ImportError as exc:
        raise CliError(str(exc)) from None
    except (ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise CliError(str(exc).strip("'\"")) from None
    print(f"wrote {args.out}")
    return 0


class _ConventionNames:
    """The choices of ``--convention``, :data:`symconv.conventions.NAMES`, read when a value is
    checked or the help printed: building the command line does not import the conventions."""

    def __contains__(self, name: object) -> bool:
        from .conventions import NAMES

        return name in NAMES

    def __iter__(self):
        from .conventions import NAMES

        return iter(NAMES)


def register_plot(sub) -> None:
    p = sub.add_parser(
        "plot", help="each layer's cost against the input size (PDF, PNG, PGF; needs matplotlib)",
        description="Draw each layer's operation count of a layer file against the model's "
                    "input size, from the cost as a formula of the input size (exact at every "
                    "size): stacked areas (the top edge is the total) or one line per layer. "
                    "The suffix of --out picks the format: .pdf, .png, or .pgf for LaTeX papers. "
                    "A 2-D/3-D model varies every spatial size together (square input) unless "
                    "--axis names one (give the others with --fixed). Needs the plot extra "
                    "(pip install 'symconv[plot]').")
    p.add_argument("layers", metavar="LAYERS.json", help="layer file")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="the figure: FILE.pdf, FILE.png or FILE.pgf")
    p.add_argument("--range", nargs=2, type=positive_integer, metavar=("LO", "HI"),
                   help="input sizes from LO to HI (default: the smallest valid size to 16 times it)")
    p.add_argument("--log", action="store_true", help="logarithmic axes")
    p.add_argument("--lines", action="store_true", help="one line per layer instead of stacked areas")
    p.add_argument("--axis", metavar="SIZE",
                   help="the input size that varies (e.g. W_in; default: every spatial size)")
    p.add_argument("--fixed", type=_fixed, nargs="+", metavar="NAME=VALUE",
                   help="values of the sizes that do not vary (default N=1)")
    p.add_argument("--convention", choices=_ConventionNames(), default="symconv",
                   metavar="NAME", help="counting convention: %(choices)s (default symconv)")
    p.set_defaults(func=_cmd_plot)
