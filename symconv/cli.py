"""The ``symconv`` command line: a thin front end over the library.

Subcommands register themselves through :data:`COMMANDS`; each is a
function ``(subparsers) -> None`` that adds a parser whose ``func`` default
runs the command and returns an exit status.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import time
from typing import Callable, Iterator, Sequence

from . import __version__

__all__ = ["main", "build_parser", "COMMANDS", "EXAMPLES", "CliError", "integer",
           "positive_integer", "samples_arg", "padding_arg"]

LAYERS = ("conv1d",)


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


def _add_layer(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("layer", choices=LAYERS, help="layer type (only conv1d for now)")


# --- derive -------------------------------------------------------------------------

def _cmd_derive(args: argparse.Namespace) -> int:
    from .conv1d import CONVENTION, DERIVATION
    from .printing.text import render_derivation

    print(render_derivation(DERIVATION), end="")
    print(f"\nConvention: {CONVENTION}.")
    return 0


def _register_derive(sub) -> None:
    p = sub.add_parser("derive", help="print the derivation chain (Unicode)",
                       description="Print the derivation of the operation count, step by step: "
                                   "definitions (L_out, psi, lambda, gamma), then the chains from "
                                   "N*(psi*lambda + gamma) to the two summary forms.")
    _add_layer(p)
    p.set_defaults(func=_cmd_derive)


# --- prove --------------------------------------------------------------------------

def _cmd_prove(args: argparse.Namespace) -> int:
    from .proof import prove_layer
    from .registry import get

    spec = get(args.layer)
    start = time.perf_counter()
    results = prove_layer(spec, samples=args.samples, seed=args.seed)
    elapsed = time.perf_counter() - start
    assumptions = spec.assumptions()
    if args.json:
        print(json.dumps({
            "assumptions": list(assumptions),
            "seconds": round(elapsed, 3),
            "results": [{"name": r.name, "statement": r.statement, "holds": r.holds,
                         "method": r.method, "residual": str(r.residual),
                         "counterexample": r.counterexample,
                         "witness_points": r.witness_points} for r in results],
        }, indent=2))
    else:
        print("Assumptions: " + "; ".join(assumptions) + ".")
        for r in results:
            print(r.describe())
        failed = sum(not r.holds for r in results)
        print(f"{len(results) - failed}/{len(results)} claims hold "
              f"({len(spec.identities)} identities, {len(spec.integrality)} integrality claims; "
              f"{elapsed:.2f} s, {args.samples} witness points each).")
    return 0 if all(results) else 1


def _register_prove(sub) -> None:
    p = sub.add_parser("prove", help="prove every identity; exit 1 if any fails",
                       description="Decide each identity exactly (the difference cancels to 0 as a "
                                   "rational function) and check it at random valid integer points. "
                                   "Exits 1 if any identity fails.")
    from .registry import names
    p.add_argument("layer", choices=names(), help="layer type")
    p.add_argument("--samples", type=samples_arg, default=200, metavar="N",
                   help="random integer witness points per identity, >= 1 (default 200)")
    p.add_argument("--seed", type=integer, default=0, help="seed of the witness points (default 0)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(func=_cmd_prove)


# --- eval ---------------------------------------------------------------------------

def padding_arg(text: str) -> int | str:
    """argparse type of ``--padding``: an int, 'same' or 'valid'."""
    if text in ("same", "valid"):
        return text
    if not _INTEGER.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(
            f"padding must be an integer >= 0, 'same' or 'valid', got {text!r}")
    return integer(text)


def _cmd_eval(args: argparse.Namespace) -> int:
    from . import conventions as cv
    from .api import conv1d_ops, conv1d_output_length

    try:
        length = conv1d_output_length(args.input_length, args.kernel_size, args.stride,
                                      args.padding, args.dilation)
        count = conv1d_ops(args.batch_size, args.in_channels, args.out_channels,
                           args.input_length, args.kernel_size, args.stride, args.padding,
                           args.dilation, args.groups, not args.no_bias)
    except (TypeError, ValueError) as exc:
        raise CliError(str(exc)) from None
    params = {k: getattr(args, k) for k in ("batch_size", "in_channels", "out_channels",
                                              "input_length", "kernel_size", "stride",
                                              "padding", "dilation", "groups")}
    bias = params["bias"] = not args.no_bias
    own = cv.get("symconv")
    if args.convention is None:
        chosen, values = (own,), {own.name: count}
    else:
        chosen = cv.CONVENTIONS if args.convention == "all" else (cv.get(args.convention),)
        values = cv.counts(**params)
    if args.json:
        # one schema whatever the options: "counts" lists the conventions asked for
        # (symconv's alone without --convention); "ops" is always symconv's count
        print(json.dumps({"layer": "conv1d", "parameters": params, "output_length": length,
                          "ops": count, "convention": own.summary(bias),
                          "counts": [{"convention": c.summary(bias), "count": values[c.name]}
                                     for c in chosen]}, indent=2))
        return 0
    print(f"L_out = {length}")
    if args.convention is None:
        print(f"ops   = {count:,}  ({own.text(bias)}; batch of {args.batch_size})")
        return 0
    width = max(len(c.name) for c in chosen)
    digits = max(len(f"{values[c.name]:,}") for c in chosen)
    for c in chosen:
        per = "per sample" if c.scope == "sample" else f"batch of {args.batch_size}"
        print(f"{c.name:<{width}}  {values[c.name]:>{digits},}  {c.unit} ({c.tool}: "
              f"{c.bias_note(bias)}; {per})")
    return 0


def _register_eval(sub) -> None:
    p = sub.add_parser("eval", help="evaluate L_out and the operation count",
                       description="Evaluate the output length and the operation count for one "
                                   "layer configuration (PyTorch's parameter names). The count "
                                   "is exact and names its convention.")
    _add_layer(p)
    req = p.add_argument_group("required")
    req.add_argument("--batch-size", type=integer, required=True, metavar="N", help="batch size N")
    req.add_argument("--in-channels", type=integer, required=True, metavar="C_IN",
                     help="input channels C_in")
    req.add_argument("--out-channels", type=integer, required=True, metavar="C_OUT",
                     help="output channels C_out")
    req.add_argument("--input-length", type=integer, required=True, metavar="L_IN",
                     help="input length L_in (the last dimension)")
    req.add_argument("--kernel-size", type=integer, required=True, metavar="K",
                     help="kernel size K")
    p.add_argument("--stride", type=integer, default=1, help="default 1")
    p.add_argument("--padding", type=padding_arg, default=0,
                   help="integer >= 0, 'same' or 'valid' (default 0)")
    p.add_argument("--dilation", type=integer, default=1, help="default 1")
    p.add_argument("--groups", type=integer, default=1, help="default 1")
    p.add_argument("--no-bias", action="store_true", help="layer without bias (bias=False)")
    p.add_argument("--json", action="store_true",
                   help="print the result as JSON (one schema whatever the other options)")
    p.add_argument("--convention", metavar="NAME|all", type=_convention_name, default=None,
                   help="print the count in this tool's convention, or in every convention "
                        "(see `symconv conventions`)")
    p.set_defaults(func=_cmd_eval)


def _convention_name(text: str) -> str:
    from .conventions import NAMES

    if text != "all" and text not in NAMES:
        raise argparse.ArgumentTypeError(
            f"convention must be 'all' or one of {', '.join(NAMES)}, got {text!r}")
    return text


# --- conventions --------------------------------------------------------------------

def _cmd_conventions(args: argparse.Namespace) -> int:
    from . import conventions as cv

    results = cv.prove_relations(samples=args.samples)
    if args.json:
        print(json.dumps({
            "conventions": [{"name": c.name, "aliases": list(c.aliases), "tool": c.tool,
                             "unit": c.unit, "bias": c.bias, "per": c.scope,
                             "expression": str(c.expr), "description": c.description,
                             "source": c.source} for c in cv.CONVENTIONS],
            "relations": [{"name": r.name, "relation": cv.relation_text(r),
                           "condition": r.condition, "holds": res.holds, "method": res.method,
                           "counterexample": res.counterexample}
                          for r, res in zip(cv.RELATIONS, results)],
        }, indent=2))
    elif args.markdown:
        print(cv.render_markdown(results), end="")
    else:
        print(cv.render_table(results), end="")
    return 0 if all(results) else 1


def _register_conventions(sub) -> None:
    p = sub.add_parser("conventions", help="the counting conventions of other tools, and proven "
                                           "relations",
                       description="Print each tool's Conv1d count (torch.utils.flop_counter, "
                                   "fvcore, thop, ptflops, DeepSpeed/calflops, MACs) as an "
                                   "expression over symconv's symbols, with its source, and prove "
                                   "how each relates to symconv's count. Exits 1 if a relation "
                                   "fails.")
    p.add_argument("--samples", type=samples_arg, default=200, metavar="N",
                   help="random integer witness points per relation, >= 1 (default 200)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print as JSON")
    fmt.add_argument("--markdown", action="store_true", help="print Markdown tables")
    p.set_defaults(func=_cmd_conventions)


# --- generate -----------------------------------------------------------------------

def out_error(out: str, exc: OSError) -> CliError:
    """An output that cannot be written, worded the same by every command with ``--out``."""
    cause = exc.strerror or str(exc)
    where = f": {exc.filename}" if exc.filename and str(exc.filename) not in cause else ""
    return CliError(f"--out {out}: {cause}{where}")


def _cmd_generate(args: argparse.Namespace) -> int:
    from .generate import write_all

    try:
        written = write_all(args.out)  # all files or, on an error, none
    except OSError as exc:
        raise out_error(args.out, exc) from None
    for path in written:
        print(f"wrote {path}")
    if not written:
        print(f"{args.out}: every file is up to date")
    return 0


def _register_generate(sub) -> None:
    p = sub.add_parser("generate", help="write every generated artefact (evaluators, LaTeX)",
                       description="Write every artefact symconv generates from the proven "
                                   "expressions (the committed contents of generated/).")
    p.add_argument("--out", default="generated", metavar="DIR",
                   help="output directory (default: generated)")
    p.set_defaults(func=_cmd_generate)


# --- codegen ------------------------------------------------------------------------

def _cmd_codegen(args: argparse.Namespace) -> int:
    from .codegen import write

    try:
        written = write(args.lang, args.out)  # all files or, on an error, none
    except OSError as exc:
        raise out_error(args.out, exc) from None
    for path in written:
        print(f"wrote {path}")
    if not written:
        print(f"{args.out}: every file is up to date")
    return 0


def _register_codegen(sub) -> None:
    p = sub.add_parser("codegen", help="write one language's evaluator (python, numpy or c)",
                       description="Print the proven expressions into one evaluator: exact "
                                   "Python (stdlib only), NumPy (int64, vectorized, "
                                   "overflow-checked) or C99 (header and source).")
    _add_layer(p)
    p.add_argument("--lang", required=True, choices=("python", "numpy", "c"),
                   help="target language")
    p.add_argument("--out", default="generated", metavar="DIR",
                   help="output directory (default: generated)")
    p.set_defaults(func=_cmd_codegen)


#: Subcommand registrations, in the order --help lists them.
COMMANDS: list[Callable] = [_register_derive, _register_prove, _register_eval,
                            _register_generate, _register_conventions,
                            _register_codegen]

from .latex.cli import register_latex, register_table  # noqa: E402  (latex, table)
COMMANDS += [register_latex, register_table]


_EVAL_EXAMPLE = ("symconv eval conv1d --batch-size 8 --in-channels 16 --out-channels 32 "
                 "--input-length 100 --kernel-size 3")

#: Examples shown at the end of each command's --help.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "derive": ("symconv derive conv1d",),
    "prove": ("symconv prove conv1d", "symconv prove conv1d --samples 1000 --seed 7",
              "symconv prove conv1d --json"),
    "eval": (_EVAL_EXAMPLE, _EVAL_EXAMPLE + " --padding same --groups 16 --no-bias",
             _EVAL_EXAMPLE + " --convention all", _EVAL_EXAMPLE + " --convention torch --json"),
    "generate": ("symconv generate", "symconv generate --out build/generated"),
    "conventions": ("symconv conventions", "symconv conventions --markdown",
                    "symconv conventions --json --samples 50"),
    "codegen": ("symconv codegen conv1d --lang c --out build",
                "symconv codegen conv1d --lang python --out build"),
    "latex": ("symconv latex conv1d --format tex --out conv1d.tex",
              "symconv latex conv1d --format fragment --short --out conv1d_fragment.tex",
              "symconv latex conv1d --format macros --out conv1d_macros.tex",
              "symconv latex conv1d --format md --batch-size 8 --in-channels 16 "
              "--out-channels 32 --input-length 100 --kernel-size 3"),
    "table": ("symconv table model.json --format md",
              "symconv table model.json --format tex --si --caption 'Encoder' --out layers.tex",
              "symconv table model.json --format csv --out layers.csv"),
}


class _Formatter(argparse.HelpFormatter):
    """Wraps descriptions as usual but keeps an epilog of examples line by line."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _examples(lines: Sequence[str]) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # one line, exit 2, no usage dump
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="symconv",
                     description="Derive, prove, evaluate and generate the operation count of "
                                 "convolution layers (torch.nn.Conv1d) from one set of SymPy "
                                 "expressions. Every count is exact and states its convention.",
                     epilog=_examples([EXAMPLES["eval"][0], "symconv prove conv1d",
                                       "symconv table model.json --format md",
                                       "symconv COMMAND --help     (a command's options and "
                                       "examples)"]))
    parser.add_argument("--version", action="version", version=f"symconv {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for register in COMMANDS:
        register(sub)
    for name, command in sub.choices.items():
        command.epilog = _examples(EXAMPLES[name])
    return parser


@contextlib.contextmanager
def _exact_integer_text() -> Iterator[None]:
    """Lift Python's limit on int <-> str conversion while a command runs.

    Every integer the command line reads (options, layer files) has at most
    MAX_DIGITS digits, counted before conversion; the counts printed from them are
    products of a few such values, longer than Python's default limit of 4300
    digits but bounded. Restored afterwards (``main`` may be called in-process).
    """
    get = getattr(sys, "get_int_max_str_digits", None)
    if get is None:  # Python without the limit
        yield
        return
    old = get()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(old)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_usage(sys.stderr)
        print(f"symconv: error: a command is required ({', '.join(EXAMPLES)}); "
              "run 'symconv --help' for what each does", file=sys.stderr)
        return 2
    try:
        with _exact_integer_text():
            status = args.func(args)
        sys.stdout.flush()  # a closed pipe is reported here, not at interpreter exit
        return status
    except CliError as exc:
        print(f"symconv {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except UnicodeEncodeError as exc:  # output text the encoding cannot hold
        bad = exc.object[exc.start:exc.end]
        why = ("an argument or a file holds bytes that are not valid UTF-8"
               if all("\udc80" <= ch <= "\udcff" for ch in bad)
               else "set PYTHONIOENCODING=utf-8 for Unicode output")
        print(f"symconv {args.command}: error: cannot write {bad!r} as {exc.encoding}: {why}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: one line, the shell's status for SIGINT
        print(f"symconv {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`symconv derive conv1d | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:  # a file or directory that cannot be read or written
        where = f": {exc.filename}" if exc.filename else ""
        print(f"symconv {args.command}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
