"""What other tools call "the FLOPs of a convolution": each convention as an expression.

Tools that count the cost of a ``torch.nn.Conv1d`` disagree on what they
count: multiply-accumulates or multiplications plus additions, with or
without the bias, per batch or per sample. This module states each tool's
count as a SymPy expression over symconv's own symbols — built from
:data:`symconv.conv1d.MACS`, :data:`~symconv.conv1d.BIAS_ADDITIONS` and
:data:`~symconv.conv1d.OPS`, never retyped — together with what it counts
and where that fact comes from, and the relations between the conventions,
each proved with :func:`symconv.proof.prove`.

Every expression is a function of ``N, C_in, C_out, L_out, K, G`` and the
bias indicator ``b`` (1 with bias, 0 without); ``L_out`` comes from
:data:`symconv.conv1d.L_OUT`. For unbatched input ``N = 1``.

A relation is written with one symbol per convention (``torch``,
``fvcore``, ...) standing for that tool's number, e.g.
``Conv1d_ops = torch - (1 - b)·N·C_out·L_out``; it is proved by replacing
each such symbol with the convention's expression and deciding the
resulting identity exactly.

Every registered layer has the same conventions (:data:`FORMS` over its quantities,
:func:`layer_expression`) and relations (:func:`relations`), and each convention's
description and source in its words (:meth:`Convention.description_for`,
:meth:`Convention.source_for`: Conv2d's output positions are ``H_out·W_out``, its kernel
taps ``K_H·K_W``), printed from its specification's notation (:func:`layer_words`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import sympy as sp

from . import conv1d as _m
from .printing.text import one_line
from .proof import ProofResult, prove
from .symbols import C_in, C_out, G, K, L_out, N, ops, unicode_names
from .validation import check_conv1d

__all__ = [
    "Convention", "Relation", "CONVENTIONS", "RELATIONS", "NAMES", "get", "count", "counts",
    "layer_values", "FORMS", "layer_expression", "evaluate_form", "to_ops", "convert",
    "ops_symbol", "relations", "prove_relation", "prove_relations", "text", "relation_text",
    "render_table", "render_markdown", "layer_words", "TRANSPOSED_FORMS", "TRANSPOSED_UNDEFINED",
    "transposed_conventions", "conventions_of",
]

b = _m.BIAS
#: One addition per output element (the bias), as an expression.
_BA = _m.BIAS_ADDITIONS


def _spec(layer: Any):
    from .registry import get as get_layer

    return get_layer(layer)


def _value_symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True, nonnegative=True)


@dataclass(frozen=True)
class Convention:
    """One tool's Conv1d count.

    Attributes:
        name: the name used on the command line (``--convention NAME``).
        tool: the tool (and backend) that reports it.
        unit: what the tool calls its number (ops, MACs, FLOPs).
        expr: the count as a SymPy expression (``b`` is the bias indicator).
        bias: "counted" or "ignored".
        scope: "batch" (the whole batch) or "sample" (divided by N).
        description: one line saying what is counted.
        source: where the fact comes from (the tool's counting code).
        symbol: the symbol that stands for this tool's number in relations.
        aliases: other names accepted for it.
    """

    name: str
    tool: str
    unit: str
    expr: sp.Expr
    bias: str
    scope: str
    description: str
    source: str
    symbol: sp.Symbol
    aliases: tuple[str, ...] = ()

    def includes_bias(self, bias: bool) -> bool:
        """Whether this convention's number for a layer with(out) ``bias`` counts bias additions."""
        return bool(bias) and self.bias == "counted"

    def bias_note(self, bias: bool) -> str:
        """``"bias counted"``, ``"bias ignored"``, or for a layer without bias ``"the layer has
        no bias"``: what the count does with this layer's bias, in words true for it."""
        return f"bias {self.bias}" if bias else "the layer has no bias"

    def description_for(self, layer: Any = "conv1d") -> str:
        """What is counted, in the words of a registered layer (Conv2d: ``H_out·W_out``
        output positions; Conv1d: :attr:`description`)."""
        return _worded(self.name, layer)[0]

    def source_for(self, layer: Any = "conv1d") -> str:
        """Where the fact comes from, in the words of a registered layer."""
        return _worded(self.name, layer)[1]

    def text(self, bias: bool, layer: Any = "conv1d") -> str:
        """What this convention's number for a layer with(out) ``bias`` counts, one line
        (in the words of ``layer``, a registered layer)."""
        if self.name == "symconv":
            if _spec(layer).family == "transposed":
                from .convtranspose import convention_text

                return convention_text(bool(bias))
            return _m.convention_text(bool(bias))
        return self.description_for(layer)

    def summary(self, bias: bool, layer: Any = "conv1d") -> dict[str, Any]:
        """Machine-readable convention of a count for a layer with(out) ``bias``.

        ``{"name", "tool", "counts", "bias", "per", "text"}``: ``counts`` is the unit
        (ops, MACs, FLOPs), ``bias`` whether the number includes bias additions (true only
        for a layer with bias and a convention that counts them), ``per`` ``"batch"`` or
        ``"sample"``, ``text`` the words of :meth:`text`.
        """
        return {"name": self.name, "tool": self.tool, "counts": self.unit,
                "bias": self.includes_bias(bias), "per": self.scope,
                "text": self.text(bias, layer)}

    def evaluate(self, values: dict[sp.Symbol, int]) -> int:
        """Exact value at a point ``{symbol: int}`` (must give an integer)."""
        value = self.expr.xreplace({k: sp.Integer(v) for k, v in values.items()})
        if not value.is_Integer:
            raise ArithmeticError(f"{self.name}: count is not an integer: {value}")
        return int(value)


# --- each convention once, over a layer's quantities -------------------------------

#: Stand-ins for a layer's quantities (``spec.quantities["ops"]``, ``["macs"]``,
#: ``["bias_additions"]``): every convention is one expression in these, ``N`` and ``b``,
#: the same for every layer of :data:`symconv.registry.LAYERS`.
OPS_Q = sp.Symbol("Q_ops", integer=True, nonnegative=True)
MACS_Q = sp.Symbol("Q_macs", integer=True, nonnegative=True)
BIAS_ADDITIONS_Q = sp.Symbol("Q_bias_additions", integer=True, nonnegative=True)
QUANTITY_SYMBOLS = {OPS_Q: "ops", MACS_Q: "macs", BIAS_ADDITIONS_Q: "bias_additions"}

#: Each convention's count over the quantity stand-ins (its Conv1d expression is this form
#: with Conv1d's quantities; :func:`layer_expression` gives any layer's).
FORMS: dict[str, sp.Expr] = {
    "symconv": OPS_Q,
    "macs": MACS_Q,
    "torch": 2 * MACS_Q,
    "fvcore": MACS_Q,
    "thop": MACS_Q,
    "ptflops": MACS_Q + b * BIAS_ADDITIONS_Q,
    "ptflops-sample": (MACS_Q + b * BIAS_ADDITIONS_Q) / N,
    "deepspeed": 2 * MACS_Q + b * BIAS_ADDITIONS_Q,
}


def _in_quantities(form: sp.Expr, quantities: Any, bias: sp.Symbol) -> sp.Expr:
    """``form`` with each stand-in replaced by ``quantities[name]`` and ``b`` by ``bias``."""
    subs = {sym: quantities[name] for sym, name in QUANTITY_SYMBOLS.items()}
    if bias != b:
        subs[b] = bias
    return form.xreplace(subs)


def _conv1d(form: sp.Expr) -> sp.Expr:
    return _in_quantities(form, {"ops": _m.OPS, "macs": _m.MACS, "bias_additions": _BA}, b)


# --- the words of each convention, per layer --------------------------------------------

def layer_words(layer: Any = "conv1d") -> dict[str, str]:
    """The names a convention's description and source use for a registered layer, from
    its specification's notation (Unicode names):

    ``out``: the output positions (Conv1d ``L_out``, Conv2d ``H_out·W_out``); ``taps``: the
    kernel taps (``K``, ``K_H·K_W``); ``derivation``: where the count is derived;
    ``reference``: its instrumented direct convolution; ``calflops_same``: what calflops
    counts with ``padding='same'`` when the dilated kernel's extent is odd.
    """
    from .registry import get as get_layer

    spec = get_layer(layer)

    def names(symbols) -> list[str]:
        return [spec.notation[x].unicode if x in spec.notation else x.name for x in symbols]

    outs, ins = names(spec.output_sizes), names(spec.input_sizes)
    taps = names(spec.parameter("kernel_size").symbols)
    dils = names(spec.parameter("dilation").symbols)
    if spec.dims == 1:
        same = (f"calflops 0.3.2 computes {outs[0]} itself: with padding='same' and "
                f"{dils[0]}·({taps[0]}-1) odd it counts {ins[0]} - 1 output positions")
        reference = "symconv.reference"
    else:
        axes = ", ".join(spec.axes)
        same = (f"calflops 0.3.2 computes {', '.join(outs)} itself: with padding='same' it "
                f"counts X_in - 1 output positions along each dimension X ({axes}) where "
                f"d_X·(K_X-1) is odd")
        reference = "symconv.reference.conv_nd"
    module = "symconv.conv1d" if spec.name == "conv1d" else f"symconv.convnd ({spec.title})"
    return {"out": "·".join(outs), "taps": "·".join(taps), "derivation": module,
            "reference": reference, "calflops_same": same}


#: Each convention's (description, source), with ``{out}``, ``{taps}``, … for the layer's
#: words (:func:`layer_words`); the Conv1d text is :attr:`Convention.description` /
#: :attr:`Convention.source`, any layer's :meth:`Convention.description_for` / ``source_for``.
_WORDING: dict[str, tuple[str, str]] = {
    "symconv": (
        _m.CONVENTION,
        "the derivation in {derivation}, checked against an instrumented direct convolution "
        "({reference})"),
    "macs": (
        "one per product of a weight and an input element; additions and bias not counted",
        "definition: N·C_out·{out} outputs, each a sum of {taps}·C_in/G products"),
    "torch": (
        "2 per multiply-accumulate; the bias is ignored",
        "torch/utils/flop_counter.py, conv_flop_count: batch · prod(w_shape) · "
        "prod(out_shape[2:]) · 2"),
    "fvcore": (
        "one per multiply-accumulate; additions and bias ignored (fvcore 0.1.5 counts 0 for "
        "padding='same'/'valid': it has no handle for aten::_convolution_mode)",
        "fvcore/nn/jit_handles.py, conv_flop_count: batch · prod(w_shape) · prod(out_shape[2:])"),
    "thop": (
        "one per multiply-accumulate; the bias is ignored (thop 0.1.1 reads C_in from dim 1, "
        "so it miscounts unbatched input)",
        "thop/vision/calc_func.py, calculate_conv2d_flops: prod(output) · (C_in // G) · {taps}"),
    "ptflops": (
        "one per multiply-accumulate plus one addition per output element for the bias",
        "ptflops/aten_ops.py, conv_flop_count: batch · prod(w_shape) · prod(out_shape[2:]) "
        "+ batch · C_out · {out} with bias"),
    "ptflops-sample": (
        "as the aten backend, divided by the batch size (reported per sample)",
        "ptflops/pytorch_ops.py, conv_flops_counter_hook ({taps} · C_in · C_out/G per output "
        "position, plus C_out · {out} for the bias), divided by the batch count"),
    "deepspeed": (
        "2 per multiply-accumulate plus one addition per output element for the bias "
        "({calflops_same})",
        "deepspeed/profiling/flops_profiler/profiler.py, _conv_flops_compute: "
        "2 · MACs + C_out · (batch · {out}) with bias; calflops uses the same rule"),
}


def _worded(name: str, layer: Any = "conv1d") -> tuple[str, str]:
    """(description, source) of convention ``name`` in ``layer``'s words."""
    spec = _spec(layer)
    if spec.family == "transposed":
        return _TRANSPOSED_WORDING[get(name, spec).name]
    words = layer_words(layer)
    description, source = _WORDING[name]
    return description.format(**words), source.format(**words)


#: Every convention symconv knows, symconv's own first.
CONVENTIONS: tuple[Convention, ...] = (
    Convention(
        "symconv", "symconv / moduleprofiler", "ops", _conv1d(FORMS["symconv"]), "counted", "batch",
        *_worded("symconv"), ops, ("moduleprofiler", "ops")),
    Convention(
        "macs", "multiply-accumulates", "MACs", _conv1d(FORMS["macs"]), "ignored", "batch",
        *_worded("macs"), _value_symbol("MACs")),
    Convention(
        "torch", "torch.utils.flop_counter (FlopCounterMode)", "FLOPs", _conv1d(FORMS["torch"]),
        "ignored", "batch", *_worded("torch"), _value_symbol("torch")),
    Convention(
        "fvcore", "fvcore (FlopCountAnalysis)", "FLOPs (= MACs)", _conv1d(FORMS["fvcore"]),
        "ignored", "batch", *_worded("fvcore"), _value_symbol("fvcore")),
    Convention(
        "thop", "thop (profile)", "MACs", _conv1d(FORMS["thop"]), "ignored", "batch",
        *_worded("thop"), _value_symbol("thop")),
    Convention(
        "ptflops", "ptflops, aten backend", "MACs", _conv1d(FORMS["ptflops"]), "counted", "batch",
        *_worded("ptflops"), _value_symbol("ptflops")),
    Convention(
        "ptflops-sample", "ptflops, pytorch backend (get_model_complexity_info)", "MACs",
        _conv1d(FORMS["ptflops-sample"]), "counted", "sample", *_worded("ptflops-sample"),
        _value_symbol("ptflops_sample")),
    Convention(
        "deepspeed", "DeepSpeed flops profiler / calflops", "FLOPs", _conv1d(FORMS["deepspeed"]),
        "counted", "batch", *_worded("deepspeed"), _value_symbol("deepspeed"), ("calflops",)),
)

_BY_NAME: dict[str, Convention] = {}
for _c in CONVENTIONS:
    for _n in (_c.name, *_c.aliases):
        _BY_NAME[_n] = _c

#: Names accepted by :func:`get` and ``--convention`` (aliases included).
NAMES: tuple[str, ...] = tuple(_BY_NAME)

_SYMBOLS: dict[sp.Symbol, sp.Expr] = {c.symbol: c.expr for c in CONVENTIONS}


def get(name: str, layer: Any = None) -> Convention:
    """The convention called ``name`` (or one of its aliases); with ``layer`` (a registered
    name or spec), the convention as that layer defines it: a transposed convolution has its
    own (:data:`TRANSPOSED_CONVENTIONS`) and refuses the others, naming the reason."""
    if layer is not None:
        spec = _spec(layer)
        if spec.family == "transposed":
            return _transposed_get(name, spec)
        if name in _TRANSPOSED_ONLY:
            raise ValueError(f"convention {name!r} is defined for the transposed convolutions "
                             f"only ({_TRANSPOSED_ONLY[name]}); {spec.name} takes one of "
                             f"{', '.join(NAMES)}")
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"convention must be one of {', '.join(NAMES)}, got {name!r}") from None



# --- relations ---------------------------------------------------------------------

@dataclass(frozen=True)
class Relation:
    """A claimed relation ``lhs = rhs`` between conventions, for one registered layer.

    ``lhs`` and ``rhs`` may contain convention symbols (``torch``, ``fvcore``,
    ...), which stand for that tool's number, and the layer's count symbol
    (:func:`ops_symbol`, symconv's number). ``condition`` is ``"bias"``,
    ``"no bias"`` or ``""`` (for every ``b``). ``layer`` names the layer whose
    expressions the symbols stand for (Conv1d by default).
    """

    name: str
    statement: str
    lhs: sp.Expr
    rhs: sp.Expr
    condition: str = ""
    layer: str = "conv1d"
    given: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()

    def expanded(self) -> tuple[sp.Expr, sp.Expr]:
        """Both sides with every convention symbol replaced by its expression for
        :attr:`layer` (its count symbol, e.g. ``Conv2d_ops``, by the layer's own count);
        then :attr:`given` (what the condition fixes, e.g. ``T_a = in_a·K_a`` with no
        cropping, a proven form) substituted."""
        subs = dict(_SYMBOLS) if self.layer == "conv1d" else _layer_symbols(self.layer)
        bias = self.condition.split(", ")[0]
        if bias in ("bias", "no bias"):
            value = sp.Integer(1 if bias == "bias" else 0)
            subs = {k: v.subs(b, value) for k, v in subs.items()}
            subs[b] = value
        lhs, rhs = self.lhs.xreplace(subs), self.rhs.xreplace(subs)
        if self.given:
            lhs, rhs = lhs.xreplace(dict(self.given)), rhs.xreplace(dict(self.given))
        return lhs, rhs


def _sym(name: str) -> sp.Symbol:
    return get(name).symbol


_OPS = _sym("symconv")


def ops_symbol(layer: Any = "conv1d") -> sp.Symbol:
    """The symbol of a layer's count (``Conv1d_ops``, ``Conv2d_ops``, ...): symconv's number
    in that layer's relations (the left side of its derivation chains)."""
    from .registry import get as get_layer

    return get_layer(layer).derivation.chains[0].steps[0].lhs


_LAYER_SYMBOLS: dict[str, dict[sp.Symbol, sp.Expr]] = {}


def _layer_symbols(layer: Any) -> dict[sp.Symbol, sp.Expr]:
    """Convention symbol (and the layer's count symbol) -> the layer's expression."""
    from .registry import get as get_layer

    spec = get_layer(layer)
    if spec.name not in _LAYER_SYMBOLS:
        subs = {c.symbol: layer_expression(c.name, spec) for c in conventions_of(spec)}
        subs[ops_symbol(spec)] = subs[_OPS]
        _LAYER_SYMBOLS[spec.name] = subs
    return dict(_LAYER_SYMBOLS[spec.name])


#: How each tool's number turns into symconv's count, for every b, over the stand-in of a
#: layer's bias additions (:func:`to_ops` gives Conv1d's; :func:`relations` any layer's).
_TO_OPS_FORMS: dict[str, sp.Expr] = {
    "symconv": _OPS,
    "macs": 2 * _sym("macs") - (1 - b) * BIAS_ADDITIONS_Q,
    "torch": _sym("torch") - (1 - b) * BIAS_ADDITIONS_Q,
    "fvcore": 2 * _sym("fvcore") - (1 - b) * BIAS_ADDITIONS_Q,
    "thop": 2 * _sym("thop") - (1 - b) * BIAS_ADDITIONS_Q,
    "ptflops": 2 * _sym("ptflops") - (1 + b) * BIAS_ADDITIONS_Q,
    "ptflops-sample": 2 * N * _sym("ptflops-sample") - (1 + b) * BIAS_ADDITIONS_Q,
    "deepspeed": _sym("deepspeed") - BIAS_ADDITIONS_Q,
}

#: Conv1d's conversions (the forms with Conv1d's bias additions N·C_out·L_out).
_TO_OPS: dict[str, sp.Expr] = {k: v.xreplace({BIAS_ADDITIONS_Q: _BA})
                               for k, v in _TO_OPS_FORMS.items()}


def _relations(layer: Any = "conv1d") -> list[Relation]:
    from .registry import get as get_layer

    spec = get_layer(layer)
    ba, own = spec.quantities["bias_additions"], ops_symbol(spec)
    out_words = " ".join(layer_words(spec)["out"].split("·"))  # "L_out"; "H_out W_out"
    in_layer = {BIAS_ADDITIONS_Q: ba, _OPS: own}
    if spec.bias != b:
        in_layer[b] = spec.bias
    out: list[Relation] = []
    for conv in CONVENTIONS[1:]:
        rhs = _TO_OPS_FORMS[conv.name].xreplace(in_layer)
        out.append(Relation(f"ops from {conv.name}",
                            f"symconv's count from {conv.tool}'s number, for b = 0 and b = 1",
                            own, rhs, "", spec.name))
        if spec.bias not in rhs.free_symbols:
            continue
        for cond, value in (("bias", 1), ("no bias", 0)):
            special = rhs.subs(spec.bias, value)
            out.append(Relation(f"ops from {conv.name} ({cond})",
                                f"with{'out' if value == 0 else ''} bias, symconv's count "
                                f"from {conv.tool}'s number", own, special, cond, spec.name))
    pairs = [
        ("torch = 2 MACs", "FlopCounterMode counts two operations per multiply-accumulate",
         _sym("torch"), 2 * _sym("macs")),
        ("fvcore = MACs", "fvcore counts multiply-accumulates", _sym("fvcore"), _sym("macs")),
        ("thop = MACs", "thop counts multiply-accumulates", _sym("thop"), _sym("macs")),
        (f"ptflops = MACs + b N C_out {out_words}", "ptflops adds one addition per output element for the bias",
         _sym("ptflops"), _sym("macs") + b * ba),
        ("ptflops = N ptflops-sample", "the pytorch backend reports the aten count per sample",
         _sym("ptflops"), N * _sym("ptflops-sample")),
        (f"deepspeed = torch + b N C_out {out_words}", "DeepSpeed/calflops add the bias to the torch count",
         _sym("deepspeed"), _sym("torch") + b * ba),
    ]
    out += [Relation(n, st, lhs, rhs, "", spec.name) for n, st, lhs, rhs in pairs]
    return out


#: Every relation between conventions that symconv proves for Conv1d.
RELATIONS: tuple[Relation, ...] = tuple(_relations())

_RELATIONS_BY_LAYER: dict[str, tuple[Relation, ...]] = {}


def relations(layer: Any = "conv1d") -> tuple[Relation, ...]:
    """Every relation between conventions for a registered layer (a name or a spec).

    The same statements for every layer — each convention is one form over a layer's
    quantities (:data:`FORMS`) — stated with that layer's bias additions (Conv1d:
    ``N·C_out·L_out``; Conv2d: ``N·C_out·H_out·W_out``) and count symbol
    (:func:`ops_symbol`). Conv1d's are :data:`RELATIONS`.
    """
    from .registry import get as get_layer

    spec = get_layer(layer)
    if spec.name == "conv1d":
        return RELATIONS
    if spec.name not in _RELATIONS_BY_LAYER:
        _RELATIONS_BY_LAYER[spec.name] = tuple(
            _transposed_relations(spec) if spec.family == "transposed" else _relations(spec))
    return _RELATIONS_BY_LAYER[spec.name]


_layer_relations = relations


def prove_relation(relation: Relation, **kwargs: Any) -> ProofResult:
    """Prove one relation with :func:`symconv.proof.prove` (exact + integer witness).

    The witness points respect the relation's layer (its sampler; its assumptions are
    stated with the result) unless ``sampler`` / ``assumptions`` are given.
    """
    from .registry import get as get_layer

    spec = get_layer(relation.layer)
    kwargs.setdefault("sampler", spec.sampler)
    kwargs.setdefault("assumptions", spec.assumptions())
    lhs, rhs = relation.expanded()
    return prove(lhs, rhs, name=relation.name, statement=relation.statement, **kwargs)


def prove_relations(relations: Iterable[Relation] | None = None, *, layer: Any = None,
                    **kwargs: Any) -> list[ProofResult]:
    """Prove every relation: ``relations`` if given, else those of ``layer`` (a registered
    name or spec; :data:`RELATIONS`, Conv1d's, by default)."""
    chosen = _layer_relations("conv1d" if layer is None else layer) if relations is None \
        else relations
    return [prove_relation(r, **kwargs) for r in chosen]


# --- numbers -------------------------------------------------------------------------

def layer_values(batch_size: int | None, in_channels: int, out_channels: int,
                 input_length: int, kernel_size: int, stride: int = 1, padding: int | str = 0,
                 dilation: int = 1, groups: int = 1, bias: bool = True) -> dict[sp.Symbol, int]:
    """The values of N, C_in, C_out, L_out, K, G and b for a layer (validated; exact ints)."""
    from ._generated.conv1d_ops import conv1d_output_length  # the exact evaluator

    v = check_conv1d(batch_size, in_channels, out_channels, input_length, kernel_size, stride,
                     padding, dilation, groups, bias)
    length = conv1d_output_length(v["input_length"], v["kernel_size"], v["stride"], v["padding"],
                                  v["dilation"])
    return {N: v["batch_size"], C_in: v["in_channels"], C_out: v["out_channels"], L_out: length,
            K: v["kernel_size"], G: v["groups"], b: int(v["bias"])}


def count(name: str, batch_size: int | None, in_channels: int, out_channels: int,
          input_length: int, kernel_size: int, stride: int = 1, padding: int | str = 0,
          dilation: int = 1, groups: int = 1, bias: bool = True) -> int:
    """The Conv1d count in convention ``name`` (PyTorch's parameter names; exact int).

    ``batch_size=None`` is unbatched input (counts as 1).

    Raises:
        ValueError: unknown convention, or an invalid layer (message names the parameter).
    """
    conv = get(name)
    return conv.evaluate(layer_values(batch_size, in_channels, out_channels, input_length,
                                      kernel_size, stride, padding, dilation, groups, bias))


def layer_expression(name: str, layer: Any) -> sp.Expr:
    """Convention ``name``'s count for a registered layer (a name or a spec), as an expression
    of the layer's symbols: the convention's form with the layer's quantities."""
    from .registry import get as get_layer

    spec = get_layer(layer)
    conv = get(name, spec)
    if spec.family == "transposed":
        return _transposed_expression(conv.name, spec)
    return _in_quantities(FORMS[conv.name], spec.quantities, spec.bias)


def evaluate_form(name: str, values: dict[str, int], layer: Any = None) -> int:
    """Convention ``name``'s number from a layer's quantities at one configuration, exactly.

    ``values`` holds ``ops``, ``macs``, ``bias_additions``, ``batch_size`` (N) and ``b``
    (ints, as the generated evaluators' ``_quantities`` returns them); for a transposed
    ``layer`` also ``scatter_products``.
    """
    conv = get(name, layer)
    transposed = layer is not None and _spec(layer).family == "transposed"
    forms, symbols = ((TRANSPOSED_FORMS, TRANSPOSED_QUANTITY_SYMBOLS) if transposed
                      else (FORMS, QUANTITY_SYMBOLS))
    subs = {sym: sp.Integer(values[q]) for sym, q in symbols.items()}
    subs[N] = sp.Integer(values["batch_size"])
    subs[b] = sp.Integer(values["b"])
    value = forms[conv.name].xreplace(subs)
    if not value.is_Integer:
        raise ArithmeticError(f"{conv.name}: count is not an integer: {value}")
    return int(value)


def counts(*args: Any, **kwargs: Any) -> dict[str, int]:
    """The count in every convention, ``{name: int}`` in :data:`CONVENTIONS` order."""
    point = layer_values(*args, **kwargs)
    return {c.name: c.evaluate(point) for c in CONVENTIONS}


def to_ops(name: str) -> sp.Expr:
    """symconv's count as an expression of convention ``name``'s number (its symbol)."""
    return _TO_OPS[get(name).name]


def convert(value: int, source: str, target: str = "symconv", *, batch_size: int | None,
            out_channels: int, output_length: int, bias: bool) -> int:
    """Turn ``source``'s number into ``target``'s with the relations, exactly.

    The conversions are the ``ops from NAME`` relations of :data:`RELATIONS`
    (``symconv conventions`` and the test suite prove every one of them).

    Only ``N``, ``C_out``, ``L_out`` and ``b`` enter the relations, so these
    are all that is needed besides the number itself.
    """
    src, dst = get(source), get(target)
    point = {N: sp.Integer(1 if batch_size is None else batch_size),
             C_out: sp.Integer(out_channels), L_out: sp.Integer(output_length),
             b: sp.Integer(int(bool(bias)))}
    ops_value = _TO_OPS[src.name].xreplace({**point, src.symbol: sp.Integer(value)})
    if dst.name == "symconv":
        result = ops_value
    else:
        (result,) = sp.solve(sp.Eq(_TO_OPS[dst.name].xreplace(point), ops_value), dst.symbol)
    if not sp.sympify(result).is_Integer:
        raise ArithmeticError(f"{source} -> {target}: {value} does not convert to an integer")
    return int(result)


# --- text ----------------------------------------------------------------------------

def text(expr: sp.Expr, order: str = "lex") -> str:
    """One-line Unicode form of ``expr`` with symconv's symbol names.

    A convention's symbol prints as its name (``-`` written ``_``).
    """
    names = {**unicode_names(), b: "b"}
    for conv in CONVENTIONS[1:]:
        names[conv.symbol] = conv.name.replace("-", "_")
    names[_value_symbol("scatter")] = "scatter"
    return one_line(expr, names, order=order)


def relation_text(r: Relation) -> str:
    """``lhs = rhs`` of a relation, one line (the condition is not included)."""
    return f"{text(r.lhs, 'rev-lex')} = {text(r.rhs, 'rev-lex')}"


def _relation_text(r: Relation) -> str:
    return relation_text(r) + (f"   [{r.condition}]" if r.condition else "")


def render_table(results: list[ProofResult] | None = None, layer: Any = "conv1d") -> str:
    """The conventions and the proven relations of a layer (Conv1d by default), for a terminal."""
    from .registry import get as get_layer

    spec = get_layer(layer)
    rels = relations(spec)
    lines = [f"{spec.title} counting conventions (b = 1 with bias, 0 without; N = 1 for unbatched "
             "input)", ""]
    width = max(len(c.name) for c in CONVENTIONS)
    for c in conventions_of(spec):
        alias = f" (also: {', '.join(c.aliases)})" if c.aliases else ""
        lines.append(f"{c.name:<{width}}  {text(sp.factor(layer_expression(c.name, spec)))}")
        lines.append(f"{'':<{width}}  {c.tool}{alias}: {c.unit}, bias {c.bias}, per {c.scope}")
        lines.append(f"{'':<{width}}  {c.description_for(spec)}")
        lines.append(f"{'':<{width}}  source: {c.source_for(spec)}")
    if spec.family == "transposed":
        lines += ["", _undefined_text(spec)]
    lines += ["", "Relations (proved: exact cancellation plus integer witness points)"]
    results = results if results is not None else prove_relations(layer=spec)
    for r, res in zip(rels, results):
        lines.append(f"  {res.verdict:5}  {_relation_text(r)}")
        if res.counterexample is not None:
            lines.append("         " + res.describe().splitlines()[-1].strip())
    return "\n".join(lines) + "\n"


def render_markdown(results: list[ProofResult] | None = None, layer: Any = "conv1d") -> str:
    """The conventions table and the proven relations of a layer (Conv1d by default) as
    Markdown (README)."""
    from .registry import get as get_layer

    spec = get_layer(layer)
    rows = ["| convention | tool | counts | bias | per | expression |", "|---|---|---|---|---|---|"]
    for c in conventions_of(spec):
        name = f"`{c.name}`" + "".join(f", `{a}`" for a in c.aliases)
        expr = text(sp.factor(layer_expression(c.name, spec)))
        rows.append(f"| {name} | {c.tool} | {c.unit} | {c.bias} | {c.scope} | {expr} |")
    results = results if results is not None else prove_relations(layer=spec)
    if spec.family == "transposed":
        rows += ["", _undefined_text(spec)]
    rel = ["", "| relation | condition | verdict |", "|---|---|---|"]
    for r, res in zip(relations(spec), results):
        rel.append(f"| {relation_text(r)} | {r.condition or 'b = 0 or 1'} | "
                   f"{'proved' if res.holds else 'FAILS'} |")
    return "\n".join(rows + rel) + "\n"


# --- transposed convolutions ---------------------------------------------------------------

#: Stand-in of a transposed layer's scatter products (``spec.quantities["scatter_products"]``:
#: every input element times the whole kernel, cropped products included).
SCATTER_Q = sp.Symbol("Q_scatter_products", integer=True, nonnegative=True)
TRANSPOSED_QUANTITY_SYMBOLS = {**QUANTITY_SYMBOLS, SCATTER_Q: "scatter_products"}

#: The conventions a transposed convolution defines, over its quantities: symconv's gather
#: count, the MACs of a direct implementation computing only the output elements, the
#: scatter products (col2im's form) and FlopCounterMode's count (2 per scatter product).
TRANSPOSED_FORMS: dict[str, sp.Expr] = {
    "symconv": OPS_Q,
    "macs": MACS_Q,
    "scatter": SCATTER_Q,
    "torch": 2 * SCATTER_Q,
}

#: Conventions of the other layers that a transposed convolution refuses, with the reason.
TRANSPOSED_UNDEFINED: dict[str, str] = {
    name: "symconv does not state this tool's rule for transposed convolutions"
    for name in ("fvcore", "thop", "ptflops", "ptflops-sample", "deepspeed")
}

#: Names a forward convolution refuses (they exist for the transposed layers only).
_TRANSPOSED_ONLY = {"scatter": "every input element times the whole kernel, as col2im computes"}

_TRANSPOSED_WORDING: dict[str, tuple[str, str]] = {
    "symconv": (
        "every multiplication and addition of a direct implementation computing only the "
        "output elements: (C_in/G)·t products and (C_in/G)·t - 1 additions (plus the bias) "
        "per output element reached by t >= 1 (input position, tap) pairs",
        "the derivation in symconv.convtranspose, checked against a counting transposed "
        "convolution (symconv.reference_transpose)"),
    "macs": (
        "one per product that lands in the output (N·C_out·(C_in/G)·T); cropped products, "
        "additions and bias not counted",
        "definition: T = ∏ T_a (input position, tap) pairs land in the output"),
    "scatter": (
        "one per product of the scatter form: every input element times the whole kernel, "
        "products cropped by padding included (col2im); additions and bias not counted",
        "N·∏in·∏K·C_in·C_out/G: each of the N·C_in·∏in input elements times the C_out/G·∏K "
        "weights of its group"),
    "torch": (
        "2 per product of the scatter form (cropped products included); the bias is ignored",
        "torch/utils/flop_counter.py, conv_flop_count with transposed=True: "
        "2 · batch · prod(w_shape) · prod(x_shape[2:])"),
}


def _transposed_convention(name: str, tool: str, unit: str, bias: str) -> Convention:
    from .registry import get as get_layer

    spec = get_layer("conv_transpose1d")
    expr = _in_quantities(TRANSPOSED_FORMS[name], {**spec.quantities}, spec.bias) \
        if name != "scatter" else spec.quantities["scatter_products"]
    symbol = _value_symbol("scatter") if name == "scatter" else get(name).symbol
    aliases = ("moduleprofiler", "ops") if name == "symconv" else ()
    return Convention(name, tool, unit, expr, bias, "batch", *_TRANSPOSED_WORDING[name],
                      symbol, aliases)


def _transposed_conventions() -> tuple[Convention, ...]:
    return (
        _transposed_convention("symconv", "symconv / moduleprofiler", "ops", "counted"),
        _transposed_convention("macs", "multiply-accumulates (gather)", "MACs", "ignored"),
        _transposed_convention("scatter", "scatter products (col2im)", "MACs", "ignored"),
        _transposed_convention("torch", "torch.utils.flop_counter (FlopCounterMode)", "FLOPs",
                               "ignored"),
    )


_TRANSPOSED: list[tuple[Convention, ...]] = []


def transposed_conventions() -> tuple[Convention, ...]:
    """The conventions of the transposed convolutions (built on first use: they need the
    registry, which imports this module's users)."""
    if not _TRANSPOSED:
        _TRANSPOSED.append(_transposed_conventions())
    return _TRANSPOSED[0]


def conventions_of(layer: Any = "conv1d") -> tuple[Convention, ...]:
    """The conventions a registered layer defines: :data:`CONVENTIONS` for a convolution,
    :func:`transposed_conventions` for a transposed convolution."""
    return transposed_conventions() if _spec(layer).family == "transposed" else CONVENTIONS


def _transposed_get(name: str, spec: Any) -> Convention:
    for conv in transposed_conventions():
        if name == conv.name or name in conv.aliases:
            return conv
    defined = ", ".join(c.name for c in transposed_conventions())
    if name in TRANSPOSED_UNDEFINED or name in _BY_NAME:
        canonical = _BY_NAME[name].name if name in _BY_NAME else name
        raise ValueError(f"convention {name!r} is not defined for {spec.name}: "
                         f"{TRANSPOSED_UNDEFINED.get(canonical, 'not stated')}; "
                         f"defined: {defined}")
    raise ValueError(f"convention must be one of {defined} for {spec.name}, got {name!r}")


def _transposed_expression(name: str, spec: Any) -> sp.Expr:
    subs = {sym: spec.quantities[q] for sym, q in TRANSPOSED_QUANTITY_SYMBOLS.items()}
    if spec.bias != b:
        subs[b] = spec.bias
    return TRANSPOSED_FORMS[name].xreplace(subs)


def _undefined_text(spec: Any) -> str:
    return (f"Not defined for {spec.title} (refused by --convention and symconv.count): "
            f"{', '.join(TRANSPOSED_UNDEFINED)}: "
            f"{next(iter(TRANSPOSED_UNDEFINED.values()))}.")


def _transposed_relations(spec: Any) -> list[Relation]:
    """The relations between a transposed layer's conventions. Over the layer's T_a, R_a
    (any values) they are exact identities; those that need no cropping substitute the proven
    form ``T_a = in_a·K_a`` (every ``p_a = 0``; form 'T, no cropping')."""
    from .convtranspose import axis_symbols as t_axis

    own = ops_symbol(spec)
    macs, scatter, torch = _sym("macs"), _value_symbol("scatter"), _sym("torch")
    ba = spec.quantities["bias_additions"]
    names = [a if a != "L" else "" for a in spec.axes]
    t_symbols = [s for s in spec.definitions if s.name.startswith("T")]
    no_crop = tuple((t, t_axis(n).in_ * t_axis(n).K) for t, n in zip(t_symbols, names))
    zero = "p = 0" if spec.dims == 1 else "every p_a = 0"
    r_word = " ".join(str(s) for s in spec.definitions if s.name.startswith("R"))
    rel = [
        Relation("ops from macs", "symconv's count from the gather MACs, for b = 0 and b = 1",
                 own, 2 * macs - (1 - b) * ba, "", spec.name),
        Relation("ops from macs (bias)", "with bias, symconv's count is twice the MACs",
                 own, 2 * macs, "bias", spec.name),
        Relation("ops from macs (no bias)",
                 f"without bias, twice the MACs minus one addition per reached output element "
                 f"(N C_out {r_word})", own, 2 * macs - ba, "no bias", spec.name),
        Relation("torch = 2 scatter", "FlopCounterMode counts two FLOPs per scatter product",
                 torch, 2 * scatter, "", spec.name),
        Relation("scatter = MACs without cropping",
                 "with no padding nothing is cropped: every scatter product lands (T_a = in_a K_a)",
                 scatter, macs, zero, spec.name, no_crop),
        Relation("torch = 2 MACs without cropping",
                 "with no padding FlopCounterMode counts two FLOPs per MAC",
                 torch, 2 * macs, zero, spec.name, no_crop),
        Relation("ops = torch with bias, without cropping",
                 "with bias and no padding symconv's count equals FlopCounterMode's",
                 own, torch, f"bias, {zero}", spec.name, no_crop),
    ]
    return rel
