"""The ``symconv latex`` and ``symconv table`` subcommands (registered in :mod:`symconv.cli`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._cli import CliError, integer, padding_arg, write_output

__all__ = ["register_latex", "register_table"]

_EXAMPLE_ARGS = ("batch_size", "in_channels", "out_channels", "input_length", "input_size",
                 "kernel_size")


def _points(text: str) -> float:
    """A positive width in points (``--line-width``)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 200 <= value <= 2000:  # nan fails too
        raise argparse.ArgumentTypeError(
            f"must be a width in points between 200 and 2000, got {text!r}")
    return value


def _example_values(args: argparse.Namespace, spec) -> dict:
    """The worked example's parameters from the options, for ``spec``'s layer: Conv1d takes
    one integer per option and ``--input-length``; a layer with several dimensions takes
    ``--input-size`` (one value per dimension) and one value (every dimension) or one per
    dimension for ``--kernel-size``, ``--stride``, ``--padding``, ``--dilation``."""
    size = "input_length" if spec.dims == 1 else "input_size"
    wrong = "input_size" if spec.dims == 1 else "input_length"
    if getattr(args, wrong) is not None:
        raise CliError(f"--{wrong.replace('_', '-')} is not an option of {spec.name}; "
                       f"give --{size.replace('_', '-')}")
    missing = [n for n in ("batch_size", "in_channels", "out_channels", size, "kernel_size")
               if getattr(args, n) is None]
    if missing:
        raise CliError("a worked example needs " + ", ".join(
            "--" + n.replace("_", "-") for n in missing) + " as well")
    axes = " ".join(spec.axes)
    values = {}
    for name in ("kernel_size", "stride", "padding", "dilation", size):
        value = getattr(args, name)
        option = "--" + name.replace("_", "-")
        if value is None:
            continue
        if not isinstance(value, list):
            values[name] = value
            continue
        shown = " ".join(str(v) for v in value)
        if any(isinstance(v, str) for v in value) and len(value) > 1:
            raise CliError(f"{option} {shown}: 'same' and 'valid' stand alone")
        if name == "input_size" and len(value) != spec.dims:
            raise CliError(f"{option} {shown}: {spec.name} takes {spec.dims} values ({axes}), "
                           f"got {len(value)}")
        allowed = (1,) if spec.dims == 1 else (1, spec.dims)
        if len(value) not in allowed:
            raise CliError(f"{option} {shown}: {spec.name} takes "
                           + ("1 value" if spec.dims == 1 else
                              f"1 value (every dimension) or {spec.dims} ({axes})")
                           + f", got {len(value)}")
        values[name] = tuple(value) if name == "input_size" or len(value) > 1 else value[0]
    return values


def _cmd_latex(args: argparse.Namespace) -> int:
    from ..printing.latex import DOCUMENTED, SHORT
    from ..registry import get
    from .example import LayerExample, render_example
    from .macros import render_macros
    from .render import RenderOptions, render_derivation

    notation = SHORT if args.short else DOCUMENTED
    from . import TRANSPOSED_LAYERS
    if args.layer in TRANSPOSED_LAYERS:
        return _cmd_latex_transpose(args)
    spec = get(args.layer)
    given = [name for name in _EXAMPLE_ARGS if getattr(args, name) is not None]
    extra = [name for name in ("stride", "padding", "dilation", "groups")
             if getattr(args, name) is not None] + (["no_bias"] if args.no_bias else [])
    if given or extra:
        values = _example_values(args, spec)
        if args.format == "macros":
            raise CliError("--format macros has no worked example; use tex, fragment or md")
        size = values.pop("input_length", None)
        size = (size,) if size is not None else values.pop("input_size")
        try:
            example = LayerExample(spec.name, args.batch_size, args.in_channels,
                                   args.out_channels, size, values["kernel_size"],
                                   values.get("stride", 1), values.get("padding", 0),
                                   values.get("dilation", 1),
                                   1 if args.groups is None else args.groups, not args.no_bias)
        except (TypeError, ValueError) as exc:
            raise CliError(str(exc)) from None
        text = render_example(example, args.format, notation, args.line_width)
    elif args.format == "macros":
        if args.line_width is not None:
            raise CliError("--line-width applies to tex, fragment and md, not to --format macros")
        text = render_macros(notation, args.layer)
    else:
        text = render_derivation(args.format, RenderOptions(notation=notation,
                                                            line_width=args.line_width), args.layer)
    write_output(text, args.out)
    return 0


def _cmd_latex_transpose(args: argparse.Namespace) -> int:
    """ConvTranspose1d/2d/3d: the documents of :mod:`symconv.latex.transpose` (one notation,
    their own worked example)."""
    from . import transpose

    given = [name for name in (*_EXAMPLE_ARGS, "stride", "padding", "dilation", "groups")
             if getattr(args, name) is not None] + (["no_bias"] if args.no_bias else [])
    if given or args.short:
        option = "--" + (given[0] if given else "short").replace("_", "-")
        raise CliError(f"{option}: the transposed layers' documents have one notation and "
                       "their own worked example (holes, cropping, output padding); give "
                       "--format and --line-width only")
    if args.format == "macros":
        if args.line_width is not None:
            raise CliError("--line-width applies to tex, fragment and md, not to --format macros")
        text = transpose.render_macros(args.layer)
    else:
        width = {} if args.line_width is None else {"line_width": args.line_width}
        text = transpose.render_derivation(args.layer, args.format, **width)
    write_output(text, args.out)
    return 0


def register_latex(sub) -> None:
    p = sub.add_parser(
        "latex", help="the derivation, paper macros or a worked example as LaTeX / Markdown",
        description="Print the derivation of the operation count as a standalone LaTeX article "
                    "(tex), a fragment to \\input into a paper (fragment), Markdown with $$ "
                    "blocks (md), or a file of \\newcommand macros (macros); tex and md end "
                    "with a worked example of a typical layer. With the layer options "
                    "(--batch-size ... --kernel-size) print a worked example of that "
                    "configuration instead: the output size and the summary form with the "
                    "numbers substituted, and the result.")
    from ..registry import names
    p.add_argument("layer", choices=list(names()),  # the transposed layers among them
                   help="layer type")
    p.add_argument("--format", choices=("tex", "fragment", "md", "macros"), default="tex",
                   help="output format (default tex)")
    p.add_argument("--short", action="store_true",
                   help="short notation (K, G, \\cdot) instead of the documented one "
                        "(kernel_size, groups, \\times)")
    p.add_argument("--line-width", type=_points, metavar="PT",
                   help="the line width in points (10 pt fonts) every equation must fit, with its "
                        "number; longer ones are broken into rows (default 345, a one-column "
                        "article; with --short 229.5, a two-column article's column)")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    ex = p.add_argument_group(
        "worked example (the first five required together; conv1d: --input-length, "
        "conv2d/conv3d: --input-size H W / D H W; a per-dimension option takes one value "
        "for every dimension or one per dimension)")
    ex.add_argument("--batch-size", type=integer, metavar="N")
    ex.add_argument("--in-channels", type=integer, metavar="C_IN")
    ex.add_argument("--out-channels", type=integer, metavar="C_OUT")
    ex.add_argument("--input-length", type=integer, metavar="L_IN", help="conv1d")
    ex.add_argument("--input-size", type=integer, nargs="+", metavar="SIZE",
                    help="conv2d: H W; conv3d: D H W")
    ex.add_argument("--kernel-size", type=integer, nargs="+", metavar="K")
    ex.add_argument("--stride", type=integer, nargs="+", metavar="S", help="default 1")
    ex.add_argument("--padding", type=padding_arg, nargs="+", metavar="P",
                    help="integer >= 0, 'same' or 'valid' (default 0)")
    ex.add_argument("--dilation", type=integer, nargs="+", metavar="D", help="default 1")
    ex.add_argument("--groups", type=integer, help="default 1")
    ex.add_argument("--no-bias", action="store_true", help="layer without bias")
    p.set_defaults(func=_cmd_latex)


def _table_label(text: str) -> str:
    from .tables import _check_label
    try:
        return _check_label(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _text_arg(text: str) -> str:
    """A text argument (caption): refuse bytes that were not valid UTF-8 on the command line."""
    bad = [ch for ch in text if "\udc80" <= ch <= "\udcff"]
    if bad:
        raise argparse.ArgumentTypeError(
            f"not valid UTF-8 (byte 0x{ord(bad[0]) - 0xdc00:02x}); give the text in UTF-8")
    return text


def _at_arg(text: str) -> tuple[str, int]:
    """``--at``: ``NAME=VALUE`` (``L_in=16000``, ``N=8``) or one integer (every spatial size)."""
    from .._cli import positive_integer

    name, sep, value = text.partition("=")
    if not sep:
        return "size", positive_integer(text)
    if not name.strip():
        raise argparse.ArgumentTypeError(f"must be NAME=VALUE or a size, got {text!r}")
    return name.strip(), positive_integer(value)


def _cmd_table_symbolic(args: argparse.Namespace) -> int:
    """``symconv table --symbolic``: each layer's count as a formula of the input size."""
    from ..plot_cli import load_symbolic
    from .tables import SymbolicTableOptions, label_for, render_symbolic_table

    if args.si:
        raise CliError("--si applies to the numeric table, not to --symbolic")
    if args.document and args.format != "tex":
        raise CliError(f"--document writes a LaTeX article: give --format tex, not {args.format}")
    cost = load_symbolic(args.layers)
    at = dict(args.at) if args.at else None
    label = args.label if args.label is not None else label_for(args.layers) + "-symbolic"
    try:
        if args.document:
            from .model_doc import render_symbolic_document

            text = render_symbolic_document(cost, at=at, caption=args.caption, label=label)
        else:
            text = render_symbolic_table(cost, args.format, SymbolicTableOptions(
                at=at, caption=args.caption, label=label))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    write_output(text, args.out)
    return 0


def _cmd_table(args: argparse.Namespace) -> int:
    from ..layers import LayerSpecError
    from .tables import TableOptions, render_table_file

    if args.symbolic or args.document or args.at:
        if not args.symbolic:
            raise CliError(f"{'--document' if args.document else '--at'} goes with --symbolic")
        return _cmd_table_symbolic(args)
    path = Path(args.layers)
    if not path.is_file():
        what = ("no such file" if not path.exists() else "a directory, not a layer file"
                if path.is_dir() else "not a regular file")
        raise CliError(f"{args.layers}: {what}")
    options = TableOptions(si=args.si, label=args.label,
                           **({"caption": args.caption} if args.caption else {}))
    try:
        text = render_table_file(args.layers, args.format, options)
    except (LayerSpecError, ValueError) as exc:
        raise CliError(f"{args.layers}: {exc}" if str(args.layers) not in str(exc) else str(exc)
                       ) from None
    write_output(text, args.out)
    return 0


def register_table(sub) -> None:
    p = sub.add_parser(
        "table", help="a table of a model's convolution layers (LaTeX booktabs, Markdown, CSV)",
        description="Read a layer file (JSON: name, in_channels, out_channels, kernel_size, "
                    "input_length, optional stride, padding, dilation, groups, bias, batch_size; Conv2d/Conv3d: "
                    "type, input_size [H, W] / [D, H, W]) "
                    "and print per layer the output size, parameters and operations, with a totals row and "
                    "the counting convention. The LaTeX table needs booktabs.")
    p.add_argument("layers", metavar="LAYERS.json", help="layer file")
    p.add_argument("--format", choices=("tex", "md", "csv"), default="tex",
                   help="output format (default tex)")
    p.add_argument("--si", action="store_true",
                   help="counts with SI prefixes (k, M, G, T), 3 significant digits "
                        "(tex and md; csv keeps exact integers)")
    p.add_argument("--caption", type=_text_arg, help="caption (tex) or title line above the table (md)")
    p.add_argument("--label", type=_table_label, metavar="LABEL",
                   help="\\label of the LaTeX table (letters, digits and : . _ -; default: "
                        "tab: and the layer file's name, e.g. tab:model for model.json)")
    p.add_argument("--symbolic", action="store_true",
                   help="each layer's count as a formula of the model's input size (N, L_in or "
                        "H_in, W_in, ...) instead of the configuration columns")
    p.add_argument("--at", type=_at_arg, nargs="+", metavar="SIZE",
                   help="with --symbolic: also the counts at these sizes: NAME=VALUE (L_in=16000, "
                        "N=8; N is 1 unless given) or one integer for every spatial size")
    p.add_argument("--document", action="store_true",
                   help="with --symbolic: a standalone LaTeX article with the model's equation "
                        "and the table (compiles with pdflatex)")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(func=_cmd_table)
