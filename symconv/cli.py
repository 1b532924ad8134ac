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
# the shared pieces (also used by symconv.latex.cli); public here as before
from ._cli import (CliError, integer, out_error, padding_arg, positive_integer,  # noqa: F401
                   samples_arg)

__all__ = ["main", "build_parser", "COMMANDS", "EXAMPLES", "CliError", "integer",
           "positive_integer", "samples_arg", "padding_arg"]


def _add_layer(parser: argparse.ArgumentParser) -> None:
    """The layer argument: every registered layer."""
    from .registry import names

    choices = names()
    parser.add_argument("layer", choices=choices, help=f"layer type ({', '.join(choices)})")


# --- derive -------------------------------------------------------------------------

def _cmd_derive(args: argparse.Namespace) -> int:
    from .conv1d import CONVENTION
    from .printing.text import render_derivation
    from .registry import get

    spec = get(args.layer)
    print(render_derivation(spec.derivation), end="")
    if spec.family == "transposed":
        from .convtranspose import convention_text

        print(f"\nConvention: {convention_text()}.")
    else:
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
            "layer": spec.name,
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
        checks = len(results) - len(spec.identities) - len(spec.integrality)
        forms = f", {checks} closed-form checks" if checks else ""
        print(f"{len(results) - failed}/{len(results)} claims hold "
              f"({len(spec.identities)} identities, {len(spec.integrality)} integrality claims"
              f"{forms}; {elapsed:.2f} s, {args.samples} witness points each).")
    return 0 if all(results) else 1


def _register_prove(sub) -> None:
    p = sub.add_parser("prove", help="prove every identity; exit 1 if any fails",
                       description="Decide each identity exactly (the difference cancels to 0 as a "
                                   "rational function) and check it at random valid integer points. "
                                   "Exits 1 if any identity fails.")
    _add_layer(p)
    p.add_argument("--samples", type=samples_arg, default=200, metavar="N",
                   help="random integer witness points per identity, >= 1 (default 200)")
    p.add_argument("--seed", type=integer, default=0, help="seed of the witness points (default 0)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(func=_cmd_prove)


# --- eval ---------------------------------------------------------------------------

def _option(name: str) -> str:
    """A parameter's option: ``kernel_size`` -> ``--kernel-size``."""
    return "--" + name.replace("_", "-")


def _unicode(spec, symbol) -> str:
    info = spec.notation.get(symbol)
    return info.unicode if info is not None else symbol.name


def _multi(spec, param) -> bool:
    """Whether a parameter takes one value per spatial dimension on the command line."""
    return param.per_dimension and spec.dims > 1


def _exact_count(spec, param) -> bool:
    """The input size takes exactly one value per dimension (the API wants a tuple)."""
    return _multi(spec, param) and tuple(param.symbols) == tuple(spec.input_sizes)


def _eval_help(spec, param) -> str:
    symbols = " × ".join(_unicode(spec, x) for x in param.symbols)
    meaning = param.meaning.split(" (None")[0]  # the command line always has a batch size
    text = f"{symbols}: {meaning}" if meaning else symbols
    if _exact_count(spec, param):
        text += f"; {spec.dims} values ({' '.join(spec.axes)})"
    elif _multi(spec, param):
        text += (f"; one value (every dimension) or {spec.dims} values "
                 f"({' '.join(spec.axes)})")
        if param.kind == "padding":
            text += "; 'same' and 'valid' stand alone"
    if param.default is not None:
        text += f" (default {param.default})"
    return text


def _add_eval_options(p: argparse.ArgumentParser, spec) -> None:
    """The options of ``symconv eval LAYER``, one per parameter of the layer's specification.

    ``kernel_size`` -> ``--kernel-size``; a per-dimension parameter of a layer with several
    spatial dimensions takes one value (every dimension) or one per dimension (the input
    size: one per dimension); ``bias`` (default True) is ``--no-bias``. Nothing is retyped
    per layer: a new registered layer gets its ``eval`` from its specification.
    """
    req = p.add_argument_group("required")
    for param in spec.parameters:
        option = _option(param.name)
        if param.kind == "bias":
            flag = "--no-bias" if param.default else "--bias"
            p.add_argument(flag, dest=param.name, action="store_false" if param.default
                           else "store_true",
                           help="layer without bias (bias=False)" if param.default
                           else "layer with a bias (bias=True)")
            continue
        kw: dict = {"dest": param.name, "help": _eval_help(spec, param),
                    "type": padding_arg if param.kind == "padding" else integer}
        if _exact_count(spec, param):
            kw["nargs"] = spec.dims
            kw["metavar"] = tuple(_unicode(spec, x).upper() for x in param.symbols)
        elif _multi(spec, param):
            kw["nargs"] = "+"
            stems = {_unicode(spec, x).rsplit("_", 1)[0] for x in param.symbols}
            kw["metavar"] = (stems.pop() if len(stems) == 1 else param.name).upper()
        else:
            kw["metavar"] = _unicode(spec, param.symbols[0]).upper()
        if param.default is None:
            req.add_argument(option, required=True, **kw)
        else:
            p.add_argument(option, default=param.default, **kw)
    p.add_argument("--json", action="store_true",
                   help="print the result as JSON (one schema whatever the other options)")
    p.add_argument("--convention", metavar="NAME|all", type=_convention_name, default=None,
                   help="print the count in this tool's convention, or in every convention "
                        "(see `symconv conventions`)")


def _eval_values(spec, args: argparse.Namespace) -> dict:
    """The layer's parameters from the options: one value stays an int (every dimension),
    several become a tuple. A wrong number of values is refused naming the option."""
    params = {}
    for param in spec.parameters:
        value = getattr(args, param.name)
        if _multi(spec, param) and isinstance(value, list):
            option = _option(param.name)
            shown = " ".join(str(v) for v in value)
            words = [v for v in value if isinstance(v, str)]
            if words and len(value) > 1:
                raise CliError(f"{option} {shown}: '{words[0]}' is one value for every dimension "
                               f"and stands alone (give {option} {words[0]}, or "
                               f"{spec.dims} integers)")
            if len(value) not in (1, spec.dims):
                raise CliError(f"{option} {shown}: {spec.name} takes 1 value (every dimension) or "
                               f"{spec.dims} ({' '.join(spec.axes)}), got {len(value)}")
            value = tuple(value) if len(value) > 1 or _exact_count(spec, param) else value[0]
        params[param.name] = value
    return params


#: The parameter a rule of symconv.validation is about, where its message names several.
_RULE_PARAMETER = {"groups_in": "groups", "groups_out": "groups", "same_stride": "stride",
                   "kernel_too_long": "kernel_size",
                   "output_padding_too_large": "output_padding", "padding_string": "padding"}


def _option_error(spec, exc: Exception) -> CliError:
    """The API's message (naming the parameter, its value and the rule), led by the option
    of the parameter it names first (and the dimension, for ``kernel_size[1]``)."""
    message = str(exc)
    names = sorted(spec.parameter_names, key=len, reverse=True)
    # a rule about one parameter names it first; else the first parameter the message names
    lead = _RULE_PARAMETER.get(getattr(exc, "rule", None))
    found = (re.search(rf"\b({lead})(?:\[(\d+)\])?", message) if lead in names else None) \
        or re.search(r"\b(" + "|".join(names) + r")(?:\[(\d+)\])?", message)
    if found is None:
        return CliError(message)
    option = _option(found.group(1))
    if found.group(2) is not None and int(found.group(2)) < spec.dims and spec.dims > 1:
        option += f" (dimension {spec.axes[int(found.group(2))]})"
    return CliError(f"{option}: {message}")


def _output_size(spec, params: dict) -> tuple[int, ...]:
    """The layer's output size per dimension, from its numeric API (validated)."""
    import inspect

    import symconv

    function = (getattr(symconv, f"{spec.name}_output_size", None)
                or getattr(symconv, f"{spec.name}_output_length"))
    wanted = inspect.signature(function).parameters
    value = function(**{k: v for k, v in params.items() if k in wanted})
    return tuple(value) if isinstance(value, tuple) else (value,)


def _json_parameters(spec, params: dict) -> dict:
    """The parameters as evaluated: one list per dimension for a per-dimension option of a
    layer with several dimensions ('same'/'valid' as given); ``symconv.count(layer,
    **parameters)`` takes them back."""
    out = {}
    for param in spec.parameters:
        value = params[param.name]
        if _multi(spec, param) and not isinstance(value, str):
            value = list(value) if isinstance(value, tuple) else [value] * spec.dims
        out[param.name] = value
    return out


def _cmd_eval(args: argparse.Namespace) -> int:
    from . import conventions as cv
    from .api import count as count_of
    from .registry import get

    spec = get(args.layer)
    params = _eval_values(spec, args)
    own = cv.get("symconv", spec)
    try:
        chosen = ((own,) if args.convention is None else cv.conventions_of(spec)
                  if args.convention == "all" else (cv.get(args.convention, spec),))
    except ValueError as exc:
        raise CliError(f"--convention: {exc}") from None
    try:
        sizes = _output_size(spec, params)
        values = {c.name: count_of(spec.name, convention=c.name, **params)
                  for c in dict.fromkeys((own, *chosen))}
    except (TypeError, ValueError) as exc:
        raise _option_error(spec, exc) from None
    count = values[own.name]
    bias = bool(params["bias"])
    if args.json:
        # one schema whatever the options: "counts" lists the conventions asked for
        # (symconv's alone without --convention); "ops" is always symconv's count
        data = {"layer": spec.name, "parameters": _json_parameters(spec, params)}
        if spec.dims == 1:
            data["output_length"] = sizes[0]  # Conv1d's key since the first release
        data.update({"output_size": list(sizes), "ops": count,
                     "convention": own.summary(bias, spec),
                     "counts": [{"convention": c.summary(bias, spec), "count": values[c.name]}
                                for c in chosen]})
        print(json.dumps(data, indent=2))
        return 0
    label = " × ".join(_unicode(spec, x) for x in spec.output_sizes)
    print(f"{label} = {' × '.join(str(v) for v in sizes)}")
    if args.convention is None:
        print(f"{'ops':<{len(label)}} = {count:,}  ({own.text(bias, spec)}; "
              f"batch of {args.batch_size})")
        return 0
    width = max(len(c.name) for c in chosen)
    digits = max(len(f"{values[c.name]:,}") for c in chosen)
    for c in chosen:
        per = "per sample" if c.scope == "sample" else f"batch of {args.batch_size}"
        print(f"{c.name:<{width}}  {values[c.name]:>{digits},}  {c.unit} ({c.tool}: "
              f"{c.bias_note(bias)}; {per})")
    return 0


def _register_eval(sub, layers: bool = True) -> None:
    """The ``eval`` command; with ``layers`` False only listed (``main`` runs another command:
    its per-layer options would build every layer's specification for nothing)."""
    from .registry import LAYERS

    p = sub.add_parser("eval", help="evaluate the output size and the operation count",
                       description="Evaluate the output size and the operation count for one "
                                   "layer configuration (PyTorch's parameter names). The count "
                                   "is exact and names its convention. Each layer takes its "
                                   "own options: `symconv eval LAYER --help` lists them.")
    if not layers:
        return
    layers = p.add_subparsers(dest="layer", metavar="LAYER", required=True)
    for spec in LAYERS.values():
        sizes = " × ".join(_unicode(spec, x) for x in spec.output_sizes)
        lp = layers.add_parser(spec.name, help=f"{spec.torch_class}: {sizes} and the count",
                               description=f"Evaluate {sizes} and the operation count of one "
                                           f"{spec.torch_class} (PyTorch's parameter names; "
                                           "options generated from the layer's specification).")
        _add_eval_options(lp, spec)
        lp.set_defaults(prog=lp.prog)  # every error of this layer's eval: "symconv eval LAYER:"
        lp.epilog = _examples(_eval_examples(spec))
    p.set_defaults(func=_cmd_eval)


def _eval_example(spec) -> str:
    """A valid ``symconv eval`` line for a layer, built from its parameters."""
    values = {"batch_size": "8", "in_channels": "16", "out_channels": "32", "kernel_size": "3"}
    parts = [f"symconv eval {spec.name}"]
    for param in spec.parameters:
        if param.default is not None or param.kind == "bias":
            continue
        if param.name in values:
            value = values[param.name]
        else:  # the input size
            value = " ".join(["100"] if spec.dims == 1 else ["32"] * spec.dims)
        parts.append(f"{_option(param.name)} {value}")
    return " ".join(parts)


def _eval_examples(spec) -> tuple[str, ...]:
    base = _EVAL_EXAMPLE if spec.name == "conv1d" else _eval_example(spec)
    if spec.family == "transposed":
        return (base, base + " --stride 2 --padding 1 --output-padding 1",
                base.replace("--kernel-size 3", "--kernel-size 4")
                + " --stride 2 --padding 1 --no-bias --convention all",
                base + " --convention torch --json")
    if spec.dims == 1:
        return (base, base + " --padding same --groups 16 --no-bias",
                base + " --convention all", base + " --convention torch --json")
    per = " ".join(["2"] + ["1"] * (spec.dims - 1))
    return (base, base + f" --stride {per} --padding 1", base + " --padding same --no-bias",
            base + " --convention all --json")


def _convention_name(text: str) -> str:
    from .conventions import NAMES, TRANSPOSED_FORMS

    known = (*NAMES, *(n for n in TRANSPOSED_FORMS if n not in NAMES))
    if text != "all" and text not in known:
        raise argparse.ArgumentTypeError(
            f"convention must be 'all' or one of {', '.join(known)}, got {text!r}")
    return text


# --- conventions --------------------------------------------------------------------

def _conventions_json(cv, spec, results) -> dict:
    return {
        "layer": spec.name,
        "conventions": [{"name": c.name, "aliases": list(c.aliases), "tool": c.tool,
                         "unit": c.unit, "bias": c.bias, "per": c.scope,
                         "expression": str(cv.layer_expression(c.name, spec)),
                         "description": c.description_for(spec), "source": c.source_for(spec)}
                        for c in cv.conventions_of(spec)],
        "relations": [{"name": r.name, "relation": cv.relation_text(r),
                       "condition": r.condition, "holds": res.holds, "method": res.method,
                       "counterexample": res.counterexample}
                      for r, res in zip(cv.relations(spec), results)],
    }


def _cmd_conventions(args: argparse.Namespace) -> int:
    from . import conventions as cv
    from .registry import LAYERS, get

    specs = list(LAYERS.values()) if args.layer == "all" else [get(args.layer)]
    proved = [(spec, cv.prove_relations(layer=spec, samples=args.samples)) for spec in specs]
    if args.json:
        objects = [_conventions_json(cv, spec, results) for spec, results in proved]
        print(json.dumps(objects[0] if args.layer != "all" else {"layers": objects}, indent=2))
    else:
        parts = []
        for spec, results in proved:
            if args.markdown:
                head = f"#### {spec.title}\n\n" if args.layer == "all" else ""
                parts.append(head + cv.render_markdown(results, layer=spec))
            else:
                parts.append(cv.render_table(results, layer=spec))
        print("\n".join(parts), end="")
    return 0 if all(all(results) for _, results in proved) else 1


def _layer_or_all(text: str) -> str:
    from .registry import names

    if text != "all" and text not in names():
        raise argparse.ArgumentTypeError(
            f"layer must be 'all' or one of {', '.join(names())}, got {text!r}")
    return text


def _register_conventions(sub) -> None:
    p = sub.add_parser("conventions", help="the counting conventions of other tools, and proven "
                                           "relations",
                       description="Print each tool's count (torch.utils.flop_counter, "
                                   "fvcore, thop, ptflops, DeepSpeed/calflops, MACs) of a layer "
                                   "(Conv1d unless --layer) as an expression over symconv's "
                                   "symbols, with its source, and prove how each relates to "
                                   "symconv's count. Exits 1 if a relation fails.")
    p.add_argument("--layer", type=_layer_or_all, default="conv1d", metavar="NAME|all",
                   help="the layer (a registered name), or 'all' for every layer in turn "
                        "(default conv1d)")
    p.add_argument("--samples", type=samples_arg, default=200, metavar="N",
                   help="random integer witness points per relation, >= 1 (default 200)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true",
                     help="print as JSON (with --layer all: {\"layers\": [one object per layer]})")
    fmt.add_argument("--markdown", action="store_true", help="print Markdown tables")
    p.set_defaults(func=_cmd_conventions)


# --- generate -----------------------------------------------------------------------

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
    from .generate import layer_files, write_all

    try:  # the one generation entry point, restricted to this layer's files in this language
        written = write_all(args.out, only=layer_files(args.layer, args.lang))
    except OSError as exc:
        raise out_error(args.out, exc) from None
    for path in written:
        print(f"wrote {path}")
    if not written:
        print(f"{args.out}: every file is up to date")
    return 0


def _register_codegen(sub) -> None:
    p = sub.add_parser("codegen", help="write one layer's evaluator in one language (python, "
                                       "numpy or c)",
                       description="Print the proven expressions into one layer's evaluator: "
                                   "exact Python (stdlib only), NumPy (int64, vectorized, "
                                   "overflow-checked) or C99 (header and source; with "
                                   "conv1d_ops.h/.c, the statuses and symconv_strerror every "
                                   "layer's C shares). The files are those of "
                                   "`symconv generate`, byte for byte.")
    _add_layer(p)
    p.add_argument("--lang", required=True, choices=("python", "numpy", "c"),
                   help="target language")
    p.add_argument("--out", default="generated", metavar="DIR",
                   help="output directory (default: generated)")
    p.set_defaults(func=_cmd_codegen)


def _cmd_model(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .conventions import get as _convention
    from .layers import LayerSpecError
    from .model import load_layers
    from .symbolic import SymbolicSizeError

    path = Path(args.layers)
    if not path.is_file():
        raise CliError(f"{args.layers}: {'no such file' if not path.exists() else 'not a file'}")
    try:
        layers = load_layers(path)
        name = _convention(args.convention).name
        if not (args.symbolic or args.latex):
            print(layers.table(name))
            return 0
        cost = layers.symbolic(convention=name)
        if args.latex:
            print(cost.latex())
            return 0
        conv = _convention(name)
        form = cost.polynomial()
        lattice = " and ".join(f"{s} is a multiple of {k}" for s, k in form.strides.items())
        print(f"{cost.text()}    [convention {name}: {conv.tool}, {conv.unit}]")
        print(f"valid for: {cost.constraints_text()}")
        print(f"leading term: {cost.text(cost.leading()).split(' = ', 1)[1]}")
        print(f"when {lattice}: {cost.text(form.expr).split(' = ', 1)[1]}    "
              f"[{'proved' if form.proof.holds else 'NOT proved'}: {form.proof.method}]")
    except (LayerSpecError, SymbolicSizeError, ValueError) as exc:
        raise CliError(f"{args.layers}: {exc}" if str(args.layers) not in str(exc)
                       else str(exc)) from None
    return 0


def _register_model(sub) -> None:
    p = sub.add_parser(
        "model", help="a model's layers and total count; with --symbolic its cost as a formula "
                      "of the input size",
        description="Read a layer file (the format of 'symconv table'; what from_torch(...).save "
                    "writes) and print each layer's count and the total. With --symbolic: the "
                    "total as an exact formula of the batch size N and the input size (L_in; "
                    "H_in, W_in; D_in, H_in, W_in), the sizes it holds for, its leading term "
                    "and its polynomial form where the input size is a multiple of the model's "
                    "total stride (proved). A layer's input size is the previous layer's output "
                    "unless the layer gives 'input_expr' (a formula of the model's input "
                    "size); see symconv.symbolic.")
    p.add_argument("layers", metavar="LAYERS.json", help="layer file")
    p.add_argument("--symbolic", action="store_true",
                   help="print the cost as a formula of the input size")
    p.add_argument("--latex", action="store_true",
                   help="print the formula as a LaTeX equation (math mode)")
    p.add_argument("--convention", default="symconv", metavar="NAME",
                   help="counting convention (default symconv; see 'symconv conventions')")
    p.set_defaults(func=_cmd_model)


#: Subcommand registrations, in the order --help lists them.
COMMANDS: list[Callable] = [_register_derive, _register_prove, _register_eval,
                            _register_generate, _register_conventions,
                            _register_codegen]

from .latex.cli import register_latex, register_table  # noqa: E402  (latex, table)
COMMANDS += [register_latex, register_table]
COMMANDS.append(_register_model)
from .plot_cli import register_plot  # noqa: E402  (plot)
COMMANDS += [register_plot]


_EVAL_EXAMPLE = ("symconv eval conv1d --batch-size 8 --in-channels 16 --out-channels 32 "
                 "--input-length 100 --kernel-size 3")
_EVAL_2D = ("symconv eval conv2d --batch-size 8 --in-channels 3 --out-channels 64 "
            "--input-size 224 224 --kernel-size 3")

#: Examples shown at the end of each command's --help.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "derive": ("symconv derive conv1d",),
    "prove": ("symconv prove conv1d", "symconv prove conv1d --samples 1000 --seed 7",
              "symconv prove conv1d --json"),
    "eval": (_EVAL_EXAMPLE, _EVAL_EXAMPLE + " --padding same --groups 16 --no-bias",
             _EVAL_EXAMPLE + " --convention all", _EVAL_EXAMPLE + " --convention torch --json",
             _EVAL_2D, _EVAL_2D + " --stride 2 1 --padding 1 0 --convention all"),
    "generate": ("symconv generate", "symconv generate --out build/generated"),
    "conventions": ("symconv conventions", "symconv conventions --markdown",
                    "symconv conventions --json --samples 50", "symconv conventions --layer conv2d",
                    "symconv conventions --layer all --samples 50"),
    "codegen": ("symconv codegen conv1d --lang c --out build",
                "symconv codegen conv1d --lang python --out build",
                "symconv codegen conv2d --lang numpy --out build"),
    "latex": ("symconv latex conv1d --format tex --out conv1d.tex",
              "symconv latex conv1d --format fragment --short --out conv1d_fragment.tex",
              "symconv latex conv1d --format macros --out conv1d_macros.tex",
              "symconv latex conv1d --format md --batch-size 8 --in-channels 16 "
              "--out-channels 32 --input-length 100 --kernel-size 3",
              "symconv latex conv2d --format md --batch-size 8 --in-channels 3 "
              "--out-channels 64 --input-size 224 224 --kernel-size 7 --stride 2 --padding 3 "
              "--no-bias"),
    "table": ("symconv table model.json --format md",
              "symconv table model.json --format tex --si --caption 'Encoder' --out layers.tex",
              "symconv table model.json --format csv --out layers.csv",
              "symconv table model.json --symbolic --at L_in=16000 --format md",
              "symconv table model.json --symbolic --document --out cost.tex"),
    "model": ("symconv model model.json", "symconv model model.json --symbolic",
              "symconv model model.json --symbolic --convention macs",
              "symconv model model.json --latex"),
    "plot": ("symconv plot model.json --out cost.pdf",
             "symconv plot model.json --out cost.pgf --log --range 1000 100000",
             "symconv plot model.json --out cost.png --lines --fixed N=8"),
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


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``command`` (a command name, as ``main`` reads it from its
    arguments) the other commands are complete too, except ``eval``'s per-layer options."""
    parser = _Parser(prog="symconv",
                     description="Derive, prove, evaluate and generate the operation count of "
                                 "convolution layers (Conv1d, Conv2d, Conv3d, ConvTranspose1d/2d/3d) "
                                 "from one set of SymPy "
                                 "expressions. Every count is exact and states its convention.",
                     epilog=_examples([EXAMPLES["eval"][0], "symconv prove conv1d",
                                       "symconv table model.json --format md",
                                       "symconv COMMAND --help     (a command's options and "
                                       "examples)"]))
    parser.add_argument("--version", action="version", version=f"symconv {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for register in COMMANDS:
        if register is _register_eval and command not in (None, "eval"):
            _register_eval(sub, layers=False)
        else:
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
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(words[0] if words and words[0] in EXAMPLES else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_usage(sys.stderr)
        print(f"symconv: error: a command is required ({', '.join(EXAMPLES)}); "
              "run 'symconv --help' for what each does", file=sys.stderr)
        return 2
    # the command as argparse names it in its own errors ("symconv eval conv2d"), so that every
    # error of one command line has the same prefix
    prog = getattr(args, "prog", None) or f"symconv {args.command}"
    try:
        with _exact_integer_text():
            status = args.func(args)
        sys.stdout.flush()  # a closed pipe is reported here, not at interpreter exit
        return status
    except CliError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except UnicodeEncodeError as exc:  # output text the encoding cannot hold
        bad = exc.object[exc.start:exc.end]
        why = ("an argument or a file holds bytes that are not valid UTF-8"
               if all("\udc80" <= ch <= "\udcff" for ch in bad)
               else "set PYTHONIOENCODING=utf-8 for Unicode output")
        print(f"{prog}: error: cannot write {bad!r} as {exc.encoding}: {why}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: one line, the shell's status for SIGINT
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`symconv derive conv1d | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:  # a file or directory that cannot be read or written
        where = f": {exc.filename}" if exc.filename else ""
        print(f"{prog}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
