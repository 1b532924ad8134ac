"""A whole model's cost as a formula of its input size.

:meth:`symconv.model.LayerList.symbolic` (on what :func:`symconv.from_torch` returns and on
the layers of a layer file) leaves the batch size and the spatial input sizes of the model
as symbols — ``N`` and ``L_in`` for a 1-D input; ``N``, ``H_in``, ``W_in`` for 2-D;
``N``, ``D_in``, ``H_in``, ``W_in`` for 3-D — and gives each layer's count as an exact
expression of them: the layer's input size is an expression of the model's input, its
output size the layer's own expression (floors and all). The result is a
:class:`SymbolicCost`.

Decisions
---------

*Where each layer's input size comes from.*

- A real model (:class:`symconv.torch_interop.TorchLayers`): PyTorch's own symbolic shapes.
  ``torch.export.export`` runs the model with the batch and every spatial dimension of the
  example input dynamic (``Dim.AUTO``); the input sizes of the convolution nodes of the
  exported graph are SymPy expressions of the input's size symbols (``FloorDiv`` and the
  other integer functions of PyTorch become :func:`sympy.floor`, exactly). The convolution
  nodes are matched to the recorded layers in call order, and each expression must give the
  recorded size at the example size (else :class:`SymbolicSizeError`). A size that export
  specializes to a constant (the model's code fixes it), an unbacked (data-dependent) size,
  or a failing export raise :class:`SymbolicSizeError` naming the layer and why: a formula
  is never guessed. Every guard export recorded on the input sizes is read: lower bounds
  (a reflect pad needs an input larger than the pad) become constraints; a guard that is
  not one (a parity ``L_in % 2``, an equality — PyTorch 2.13's ``max_pool1d`` guards on its
  input size, so a model with ``nn.MaxPool1d`` is refused) raises. Only PyTorch's
  contiguity checks on size-1 dimensions are ignored (no size depends on them). The batch
  and the sizes of the example must be >= 2 for export to keep them symbolic: a batch of 1
  is exported as a batch of 2; a spatial size of 1 is refused; an unbatched example is
  refused (give ``x.unsqueeze(0)``). A model with lazy modules is exported as an initialized
  meta copy (the model stays lazy). See :mod:`symconv.torch_symbolic`.
- A layer file: a layer may carry ``"input_expr"``, the expression of its input size in the
  model's input symbols (a string for a 1-D layer, a list of one string per dimension), and
  the file may carry ``"input_size"`` (the model's input size, one int per dimension, at
  which the layers were recorded; default: the first layer's input size). Without
  ``input_expr`` the rule is: the first layer's input is the model input; a later layer's
  input is the previous layer's output when the two agree at the recorded size; otherwise
  :class:`SymbolicSizeError` asks for the field. A given expression must give the recorded
  input size at the recorded model input (checked). The batch is ``N`` for every layer
  (every layer's ``batch_size`` must be the model's). Expressions are read by
  :func:`parse_size_expression`, a whitelist parser (no ``eval``). The file's
  ``"input_constraints"`` (``["L_in >= 19"]``) adds conditions. ``TorchLayers.save`` writes
  the three fields once :meth:`~symconv.model.LayerList.symbolic` has run (the sizes are
  then known), in Python's integer form (``(L_in - 3)//8 - 1``), so the file gives the
  same formula and constraints; before, it writes the plain layer format.

*Floors*: nested floors of a chain of strided layers are merged
(``⌊(⌊v⌋ + k)/b⌋ = ⌊(v + k)/b⌋`` for integer-valued ``k`` and a positive integer ``b``,
:func:`merge_floors`), so a size is one floor as PyTorch writes it; a ``Max`` / ``Min``
(transposed layers' tap counts) whose winner is decided at every valid size is replaced by
it (decided exactly: a non-decreasing difference that is >= 0 at the smallest size).

*Each layer's count* is the layer specification's expression in the chosen convention
(:func:`symconv.conventions.layer_expression`) with the output sizes in the input sizes
(:meth:`symconv.spec.LayerSpec.in_input_sizes`), the layer's parameters substituted and its
input size replaced by its expression. Transposed layers too (their tap sums are expanded
for the layer's kernel). Floors stay exact (``sympy.floor`` of rational-coefficient
expressions).

*Names*: :attr:`SymbolicCost.per_layer` is keyed by layer name; a name that repeats (a
file may repeat one) is made unique as ``name#2``, ``name#3`` (``from_torch``'s form).

*Constraints*: ``N >= 1`` and, per spatial symbol, the smallest input size for which every
layer is valid: each layer's input and output sizes are at least 1 (PyTorch's rule for
convolutions). Every size expression is checked to be non-decreasing in the sizes
(structurally: sums, positive multiples, floors, ceilings, max and min of such), so the
valid sizes of one symbol are all sizes from the smallest one up, found by an exact search.
A condition over several symbols is kept as a relation of its own. For a real model,
bounds that ``torch.export`` derived from the model's own code (beyond its usual ``>= 2``)
are added. :meth:`SymbolicCost.evaluate` refuses sizes outside them and checks each layer's
count against the layer's own numeric evaluator (PyTorch's rules) at that size.

*Simple forms*: :meth:`SymbolicCost.polynomial` substitutes ``L_in = S·m`` with ``S`` the
model's total stride along that axis (the smallest multiplier that makes every floor
vanish); the result is proved equal to :attr:`SymbolicCost.expr` on that lattice by exact
simplification; :meth:`SymbolicCost.check_lattice_form` decides any claimed form (a wrong
one is refuted with a counterexample). :meth:`SymbolicCost.leading` is the top-degree part
of the polynomial form in the spatial sizes (floors change a size by a bounded amount, so
it is the leading term of :attr:`SymbolicCost.expr` too, with the exact coefficient).
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import sympy as sp

__all__ = ["SymbolicCost", "SymbolicSizeError", "SizeRelations", "LatticeForm",
           "symbolic_cost", "parse_size_expression", "input_symbols", "merge_floors",
           "MAX_EXPRESSION_LENGTH"]


class SymbolicSizeError(ValueError):
    """A layer's input size cannot be expressed as a formula of the model's input size
    (the message names the layer, the size and why)."""


# --- symbols -------------------------------------------------------------------------------

_POSITIVE = dict(integer=True, positive=True)
_AXES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def input_symbols(dims: int) -> dict[str, sp.Symbol]:
    """The model's input symbols for ``dims`` spatial dimensions, by name: ``N`` then
    ``L_in`` (1-D), ``H_in``, ``W_in`` (2-D) or ``D_in``, ``H_in``, ``W_in`` (3-D); positive
    integers (the same symbols as the layers' own)."""
    if dims not in _AXES:
        raise SymbolicSizeError(f"a model input has 1, 2 or 3 spatial dimensions, got {dims}")
    names = ["N"] + [f"{axis}_in" for axis in _AXES[dims]]
    return {name: sp.Symbol(name, **_POSITIVE) for name in names}


# --- a safe parser for size expressions ----------------------------------------------------

#: Longest expression text accepted (characters) and deepest nesting.
MAX_EXPRESSION_LENGTH = 2000
_MAX_DEPTH = 40
_MAX_DIGITS = 30
_MAX_POWER = 4

_FUNCTIONS = {"floor": 1, "ceiling": 1, "ceil": 1, "Max": None, "Min": None, "max": None,
              "min": None, "Mod": 2}


def parse_size_expression(text: Any, names: Mapping[str, sp.Symbol],
                          where: str = "input_expr") -> sp.Expr:
    """A size expression from untrusted text, without ``eval``.

    Accepted: integers (at most 30 digits), the symbols of ``names``, ``+ - * / //``, ``**``
    with a constant exponent 0..4, parentheses, and ``floor``, ``ceiling`` (``ceil``),
    ``Max``/``max``, ``Min``/``min``, ``Mod`` (at most 2000 characters, nested at most 40
    deep). ``/`` is exact division (a Rational), ``a // b`` is ``floor(a/b)``. Anything else
    (attributes, other names, strings, calls of other functions, keywords) raises
    :class:`SymbolicSizeError` naming ``where`` and what was refused.
    """
    if not isinstance(text, str):
        raise SymbolicSizeError(f"{where}: must be a string, got {type(text).__name__}")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise SymbolicSizeError(f"{where}: expression too long ({len(text)} characters; the "
                                f"limit is {MAX_EXPRESSION_LENGTH})")
    if not text.strip():
        raise SymbolicSizeError(f"{where}: empty expression")
    depth = 0
    for ch in text:  # refuse deep nesting before Python's parser sees it
        depth += ch in "(["
        depth -= ch in ")]"
        if depth > _MAX_DEPTH:
            raise SymbolicSizeError(f"{where}: expression nested too deeply (limit "
                                    f"{_MAX_DEPTH} parentheses)")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise SymbolicSizeError(f"{where}: not an expression ({type(exc).__name__}: "
                                f"{getattr(exc, 'msg', exc)}): {_short(text)}") from None
    known = ", ".join(names)

    def build(node: ast.AST, level: int) -> sp.Expr:
        if level > _MAX_DEPTH:
            raise SymbolicSizeError(f"{where}: expression nested too deeply (limit {_MAX_DEPTH})")
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, int):
                raise SymbolicSizeError(f"{where}: only integer constants are allowed, got "
                                        f"{_short(repr(value))}")
            if len(str(abs(value))) > _MAX_DIGITS:
                raise SymbolicSizeError(f"{where}: integer constant too long (limit "
                                        f"{_MAX_DIGITS} digits)")
            return sp.Integer(value)
        if isinstance(node, ast.Name):
            if node.id not in names:
                raise SymbolicSizeError(f"{where}: unknown name {node.id!r}; the model's input "
                                        f"symbols are {known}")
            return names[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            arg = build(node.operand, level + 1)
            return -arg if isinstance(node.op, ast.USub) else arg
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow):
                exponent = node.right
                if not (isinstance(exponent, ast.Constant) and type(exponent.value) is int
                        and 0 <= exponent.value <= _MAX_POWER):
                    raise SymbolicSizeError(f"{where}: '**' takes a constant integer exponent "
                                            f"0..{_MAX_POWER}")
                return build(node.left, level + 1) ** exponent.value
            a, b = build(node.left, level + 1), build(node.right, level + 1)
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.Mult):
                return a * b
            if isinstance(node.op, (ast.Div, ast.FloorDiv)):
                if b.is_zero:
                    raise SymbolicSizeError(f"{where}: division by zero")
                return sp.floor(a / b) if isinstance(node.op, ast.FloorDiv) else a / b
            raise SymbolicSizeError(f"{where}: operator {type(node.op).__name__} is not allowed "
                                    f"(+ - * / // and ** are)")
        if isinstance(node, ast.Call):
            func = node.func
            if not isinstance(func, ast.Name) or func.id not in _FUNCTIONS or node.keywords:
                what = func.id if isinstance(func, ast.Name) else type(func).__name__
                raise SymbolicSizeError(f"{where}: call of {what!r} is not allowed; functions: "
                                        f"{', '.join(_FUNCTIONS)}")
            arity = _FUNCTIONS[func.id]
            if (arity is not None and len(node.args) != arity) or not node.args:
                raise SymbolicSizeError(f"{where}: {func.id} takes {arity or 'one or more'} "
                                        f"argument(s), got {len(node.args)}")
            args = [build(arg, level + 1) for arg in node.args]
            if func.id == "floor":
                return sp.floor(args[0])
            if func.id in ("ceiling", "ceil"):
                return sp.ceiling(args[0])
            if func.id in ("Max", "max"):
                return sp.Max(*args)
            if func.id in ("Min", "min"):
                return sp.Min(*args)
            if args[1].is_zero:
                raise SymbolicSizeError(f"{where}: Mod by zero")
            return args[0] - args[1] * sp.floor(args[0] / args[1])
        raise SymbolicSizeError(f"{where}: {type(node).__name__} is not allowed in a size "
                                f"expression: {_short(text)}")

    return build(tree.body, 0)


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def expression_text(expr: sp.Expr) -> str:
    """``expr`` as the text :func:`parse_size_expression` reads back: Python's integer form
    (``(L_in - 3)//8 - 1``), printed by :func:`symconv.printing.code.python_code`."""
    from .functions import FloorDiv
    from .printing.code import IntegerCodeError, python_code

    def rule(x: sp.Expr) -> sp.Expr:
        num, den = sp.fraction(sp.together(x.args[0]))
        num = to_floordiv(num)
        return FloorDiv(num, den) if isinstance(x, sp.floor) else -FloorDiv(-num, den)

    def to_floordiv(e: sp.Expr) -> sp.Expr:
        return e.replace(lambda x: isinstance(x, (sp.floor, sp.ceiling)), rule)

    expr = sp.sympify(expr)
    try:
        return python_code(to_floordiv(expr), {s: s.name for s in expr.free_symbols})
    except IntegerCodeError as exc:
        raise SymbolicSizeError(f"the size {expr} has no integer form to write: {exc}") from None


# --- sizes through a model -----------------------------------------------------------------

@dataclass
class SizeRelations:
    """Each layer's batch and input size as expressions of the model's input symbols.

    Attributes:
        symbols: the model's input symbols by name (``"N"`` first).
        point: the model input at which the layers were recorded, ``{symbol: int}``.
        batch: one expression per layer (``N`` for a layer file).
        inputs: one tuple of expressions per layer (one per spatial dimension).
        bounds: further relations that hold for the model (from ``torch.export``).
        source: ``"file"`` or ``"torch.export"``.
        constraints: the constraints of the last :class:`SymbolicCost` built from these
            relations (what a saved layer file keeps).
    """

    symbols: dict[str, sp.Symbol]
    point: dict[sp.Symbol, int]
    batch: list[sp.Expr]
    inputs: list[tuple[sp.Expr, ...]]
    bounds: tuple[sp.Basic, ...] = ()
    source: str = "file"
    constraints: tuple[sp.Basic, ...] | None = None


def _value(expr: sp.Expr, point: Mapping[sp.Symbol, int]) -> sp.Expr:
    return sp.sympify(expr).xreplace({k: sp.Integer(v) for k, v in point.items()})


def file_relations(layers: Sequence[Any], input_exprs: Sequence[Any] | None = None,
                   input_size: Sequence[int] | None = None,
                   input_constraints: Sequence[str] | None = None) -> SizeRelations:
    """The :class:`SizeRelations` of a layer file's layers (the rule in the module
    docstring): ``input_exprs`` holds each layer's ``input_expr`` field (None when absent),
    ``input_size`` the file's model input size, ``input_constraints`` its further
    conditions (``"floor((L_in - 1)/4) >= 2"``: what ``torch.export`` derived from the
    model's code)."""
    if not layers:
        raise SymbolicSizeError("no convolution layer: there is no formula to give")
    exprs = list(input_exprs) if input_exprs is not None else [None] * len(layers)
    first = layers[0]
    dims = len(input_size) if input_size is not None else first.dims
    symbols = input_symbols(dims)
    spatial = list(symbols.values())[1:]
    if input_size is None:
        input_size = first.input_size
    point = {symbols["N"]: first.batch_size, **dict(zip(spatial, input_size))}
    batch, inputs = [], []
    previous_out: tuple[sp.Expr, ...] | None = None
    for index, (layer, text) in enumerate(zip(layers, exprs)):
        where = f"layer {index + 1} ({layer.name!r})"
        if layer.batch_size != first.batch_size:
            raise SymbolicSizeError(f"{where}: batch_size={layer.batch_size} differs from the "
                                    f"model's batch size {first.batch_size} (the first "
                                    f"layer's): a layer file's formula has the batch N for "
                                    f"every layer")
        if text is not None:
            texts = [text] if isinstance(text, str) else list(text)
            if len(texts) != layer.dims:
                raise SymbolicSizeError(f"{where}: input_expr must hold {layer.dims} "
                                        f"expression(s), one per spatial dimension, got "
                                        f"{len(texts)}")
            size = tuple(merge_floors(parse_size_expression(t, symbols, f"{where}: input_expr"))
                         for t in texts)
            got = tuple(_value(e, point) for e in size)
            if got != tuple(sp.Integer(v) for v in layer.input_size):
                raise SymbolicSizeError(
                    f"{where}: input_expr {texts!r} gives {tuple(str(g) for g in got)} at the "
                    f"model input {_point_text(symbols, point)}, but the layer's input size "
                    f"is {tuple(layer.input_size)}")
        elif index == 0:
            if layer.dims != dims or tuple(layer.input_size) != tuple(input_size):
                raise SymbolicSizeError(
                    f"{where}: the first layer's input is not the model input "
                    f"{tuple(input_size)} (its input size is {tuple(layer.input_size)}): give "
                    f"the layer an 'input_expr' field (its input size as an expression of "
                    f"{', '.join(list(symbols)[1:])})")
            size = tuple(spatial)
        else:
            prev = layers[index - 1]
            if previous_out is None or prev.dims != layer.dims or \
                    tuple(prev.output_size) != tuple(layer.input_size):
                raise SymbolicSizeError(
                    f"{where}: its input size {tuple(layer.input_size)} is not the previous "
                    f"layer's output size {tuple(prev.output_size)} (something between them "
                    f"changes the size: pooling, padding, a branch): give the layer an "
                    f"'input_expr' field (its input size as an expression of "
                    f"{', '.join(list(symbols)[1:])}, e.g. \"floor((L_in - 1)/2) + 1\")")
            size = previous_out
        batch.append(symbols["N"])
        inputs.append(size)
        previous_out = _output_exprs(layer, size)
    bounds = []
    for index, text in enumerate(input_constraints or (), start=1):
        where = f"input_constraints[{index}]"
        if not isinstance(text, str) or text.count(">=") != 1:
            raise SymbolicSizeError(f"{where}: must be a string 'EXPR >= EXPR', got "
                                    f"{_short(repr(text))}")
        lhs, rhs = (parse_size_expression(t, symbols, where) for t in text.split(">="))
        rel = sp.Ge(lhs - rhs + 1, 1, evaluate=False)
        if _value(rel.lhs, point) < 1:
            raise SymbolicSizeError(f"{where}: {text!r} does not hold at the model input "
                                    f"{_point_text(symbols, point)}")
        bounds.append(rel)
    return SizeRelations(symbols, point, batch, inputs, tuple(bounds))


def _size_text(expr: sp.Expr) -> str:
    from .printing.text import one_line

    return one_line(_over_one_denominator(expr))


def _point_text(symbols: Mapping[str, sp.Symbol], point: Mapping[sp.Symbol, int]) -> str:
    return ", ".join(f"{name}={point[sym]}" for name, sym in symbols.items() if sym in point)


# --- one layer as expressions --------------------------------------------------------------

def _floors(expr: sp.Expr) -> sp.Expr:
    """symconv's FloorDiv as ``sympy.floor`` (exact), sums over taps expanded, nested
    floors merged (:func:`merge_floors`)."""
    from .functions import FloorDiv

    expr = expr.replace(lambda e: isinstance(e, FloorDiv),
                        lambda e: sp.floor(e.args[0] / e.args[1]))
    if expr.has(sp.Sum):
        expr = expr.doit()
    return merge_floors(expr)


def _integer_valued(expr: sp.Expr) -> bool:
    """True when ``expr`` is an integer at every integer point, by its form (integer
    coefficients; integer symbols, floors, ceilings)."""
    if expr.is_Integer:
        return True
    if expr.is_Symbol or isinstance(expr, (sp.floor, sp.ceiling)):
        return bool(expr.is_integer)
    if expr.is_Add or expr.is_Mul:
        return all(_integer_valued(a) for a in expr.args)
    if expr.is_Pow:
        return _integer_valued(expr.base) and expr.exp.is_Integer and expr.exp >= 0
    if isinstance(expr, (sp.Max, sp.Min)):
        return all(_integer_valued(a) for a in expr.args)
    return False


def merge_floors(expr: sp.Expr) -> sp.Expr:
    """``⌊(⌊v⌋ + k)/b⌋ = ⌊(v + k)/b⌋`` for an integer-valued ``k`` and a positive integer
    ``b`` (since ``⌊v⌋ + k = ⌊v + k⌋`` and ``⌊⌊y⌋/b⌋ = ⌊y/b⌋``), applied from the inside
    out: a chain of strided layers gives one floor per size, as PyTorch writes it."""
    def rule(e: sp.Expr) -> sp.Expr:
        num, den = sp.fraction(sp.together(e.args[0]))
        if not (den.is_Integer and den > 0):
            return e
        terms = sp.Add.make_args(sp.expand(num))
        inner = [t for t in terms if isinstance(t, sp.floor)]
        if len(inner) != 1:
            return e
        rest = sp.Add(*[t for t in terms if t is not inner[0]])
        if not _integer_valued(rest):
            return e
        return sp.floor((inner[0].args[0] + rest) / den)

    previous = None
    while previous != expr:
        previous = expr
        expr = expr.replace(lambda e: isinstance(e, sp.floor), rule)
    return expr


def _substitutions(layer: Any, batch: sp.Expr, size: Sequence[sp.Expr]) -> dict:
    spec = layer.spec
    subs: dict[sp.Symbol, sp.Expr] = {}
    for param in spec.parameters:
        if param.kind == "batch":
            subs[param.symbol] = batch
        elif param.name in ("input_length", "input_size"):
            subs.update(zip(param.symbols, size))
        elif param.kind == "bias":
            subs[param.symbol] = sp.Integer(int(layer.bias))
        elif param.per_dimension:
            values = layer.per_dim(param.name)
            if isinstance(values, str):  # padding 'same' / 'valid'
                values = (0,) * spec.dims
            subs.update(zip(param.symbols, (sp.Integer(v) for v in values)))
        else:
            subs[param.symbol] = sp.Integer(getattr(layer, param.name))
    return subs


def _output_exprs(layer: Any, size: Sequence[sp.Expr]) -> tuple[sp.Expr, ...]:
    spec = layer.spec
    forms = spec.output_size_same if layer.padding == "same" else spec.output_size
    subs = _substitutions(layer, sp.Integer(1), size)
    return tuple(_floors(f.xreplace(subs)) for f in forms)


def _count_expr(layer: Any, convention: str, batch: sp.Expr, size: Sequence[sp.Expr],
                name: str) -> sp.Expr:
    from . import conventions

    spec = layer.spec
    try:
        form = conventions.layer_expression(convention, spec)
    except ValueError as exc:
        raise ValueError(f"layer {name!r} ({spec.title}): {exc}") from None
    form = spec.in_input_sizes(form, same=layer.padding == "same")
    return _floors(form.xreplace(_substitutions(layer, batch, size)))


# --- monotonicity, constraints -------------------------------------------------------------

def _monotone(expr: sp.Expr) -> bool:
    """True when ``expr`` is non-decreasing in every symbol, by its structure."""
    if not expr.free_symbols:
        return True
    if expr.is_Symbol:
        return True
    if expr.is_Add:
        return all(_monotone(a) for a in expr.args)
    if expr.is_Mul:
        coeff, rest = expr.as_coeff_Mul()
        if coeff.is_negative:
            return False
        factors = sp.Mul.make_args(rest)
        if len([f for f in factors if f.free_symbols]) == 1:
            return all(_monotone(f) for f in factors)
        # a product of several sizes: non-decreasing where each factor is >= 0 (sizes are)
        return all(_monotone(f) and (f.is_nonnegative or f.is_Symbol) for f in factors)
    if isinstance(expr, (sp.floor, sp.ceiling, sp.Max, sp.Min)):
        return all(_monotone(a) for a in expr.args)
    return False


def _degree(expr: sp.Expr, symbol: sp.Symbol) -> int | None:
    """The degree of ``expr`` in ``symbol`` when it is a polynomial in it, else None."""
    try:
        return sp.Poly(expr, symbol).degree()
    except sp.PolynomialError:
        return None


def _monotone_above(expr: sp.Expr, minimum: Mapping[sp.Symbol, int]) -> bool:
    """True when ``expr`` is non-decreasing in every size on the region where each size is
    at least ``minimum`` (a product is, where each factor is non-negative: checked at the
    minimum, and each factor is non-decreasing)."""
    if not expr.free_symbols or expr.is_Symbol:
        return True
    if expr.is_Add:
        return all(_monotone_above(a, minimum) for a in expr.args)
    if expr.is_Mul:
        coeff, rest = expr.as_coeff_Mul()
        if coeff.is_negative:
            return False
        return all(_monotone_above(f, minimum) and (not f.free_symbols or
                                                    _value(f, minimum) >= 0)
                   for f in sp.Mul.make_args(rest))
    if isinstance(expr, (sp.floor, sp.ceiling, sp.Max, sp.Min)):
        return all(_monotone_above(a, minimum) for a in expr.args)
    return False


def _holds_above(expr: sp.Expr, minimum: Mapping[sp.Symbol, int]) -> bool:
    """``expr >= 1`` at every point where each size is at least ``minimum`` (exact)."""
    at = _value(expr, minimum)
    return not at.free_symbols and at >= 1 and _monotone_above(expr, minimum)


_SEARCH_LIMIT = 1 << 200


def _smallest(conditions: list[tuple[sp.Expr, str]], symbol: sp.Symbol,
              others: Mapping[sp.Symbol, int]) -> int:
    """The smallest ``symbol >= 1`` for which every ``expr >= 1`` holds (each expr
    non-decreasing in ``symbol``): an exact exponential then binary search."""
    def ok(value: int) -> bool:
        point = {**others, symbol: value}
        return all(_value(e, point) >= 1 for e, _ in conditions)

    high = 1
    while not ok(high):
        high *= 2
        if high > _SEARCH_LIMIT:
            worst = next(w for e, w in conditions if not _value(e, {**others, symbol: high}) >= 1)
            raise SymbolicSizeError(f"no input size {symbol} makes the model valid: {worst} "
                                    f"stays below 1")
    low = high // 2  # ok(high); not ok(low) unless high == 1
    if high == 1:
        return 1
    while high - low > 1:
        mid = (low + high) // 2
        if ok(mid):
            high = mid
        else:
            low = mid
    return high


def _constraints(relations: SizeRelations, outputs: list[tuple[sp.Expr, ...]],
                 names: list[str]) -> tuple[tuple[sp.Basic, ...], dict[sp.Symbol, int]]:
    symbols = relations.symbols
    n = symbols["N"]
    spatial = [s for name, s in symbols.items() if name != "N"]
    conditions: list[tuple[sp.Expr, str]] = []
    for name, batch, size, out in zip(names, relations.batch, relations.inputs, outputs):
        conditions.append((batch, f"the batch of {name!r} ({batch})"))
        for e in size:
            conditions.append((e, f"the input size of {name!r} ({_size_text(e)})"))
        for e in out:
            conditions.append((e, f"the output size of {name!r} ({_size_text(e)})"))
    excluded, implied, alternatives = [], [], []
    for rel in relations.bounds:
        if isinstance(rel, sp.GreaterThan) and rel.rhs == 1:
            what = f"a condition of the model's code ({_relation_text(rel)}, from torch.export)"
            if len(rel.lhs.free_symbols) == 1 and _monotone(rel.lhs):
                conditions.append((rel.lhs, what))
            else:
                implied.append((rel.lhs, what))
        elif isinstance(rel, sp.Unequality):
            excluded.append(rel)
        elif isinstance(rel, sp.Or):
            alternatives.append(rel)
    for e, what in conditions:
        if not _monotone(e):
            raise SymbolicSizeError(f"cannot derive the valid input sizes: {what} is not "
                                    f"non-decreasing in the input size by its form")
    minimum: dict[sp.Symbol, int] = {n: 1}
    single: dict[sp.Symbol, list] = {s: [] for s in spatial}
    several: list[tuple[sp.Expr, str]] = []
    for e, what in conditions:
        free = e.free_symbols - {n}
        if not free:
            value = _value(e, {n: 1})
            if not value >= 1:
                raise SymbolicSizeError(f"no input size makes the model valid: {what} is "
                                        f"{value} at every size")
        elif len(free) == 1:
            single[next(iter(free))].append((e, what))
        else:
            several.append((e, what))
    for sym in spatial:
        minimum[sym] = _smallest(single[sym], sym, {n: 1}) if single[sym] else 1
    for e, what in implied:  # must hold at every size from the smallest valid one up
        if not _holds_above(e, minimum):
            raise SymbolicSizeError(f"cannot state the valid input sizes: {what} is not "
                                    f"implied by the sizes each layer needs")
    for rel in alternatives:  # one of several bounds: implied when one of them is
        if not any(isinstance(a, sp.GreaterThan) and _holds_above(a.lhs, minimum)
                   for a in rel.args):
            raise SymbolicSizeError(f"cannot state the valid input sizes: the model's code "
                                    f"needs {_relation_text(rel)} (from torch.export), which "
                                    f"is not implied by the sizes each layer needs")
    for rel in excluded:  # an excluded value below the smallest valid size is implied (0 and
        # 1 are export's own assumption: it treats every dynamic size as >= 2)
        e = sp.expand(rel.lhs - rel.rhs)
        if _holds_above(rel.lhs - rel.rhs, minimum) or _holds_above(rel.rhs - rel.lhs, minimum):
            continue  # non-zero at every valid size
        free = list(e.free_symbols)
        if len(free) == 1 and _degree(e, free[0]) == 1:
            root = sp.solve(e, free[0])[0]
            if not root.is_Integer or root < minimum.get(free[0], 1) or root <= 1:
                continue
        raise SymbolicSizeError(f"the model's code excludes the input sizes where "
                                f"{_relation_text(sp.Eq(e, 0))} (torch.export guard "
                                f"{_relation_text(rel)}): the formula would not hold there")
    out: list[sp.Basic] = [sp.Ge(n, 1, evaluate=False)] + [
        sp.Ge(s, minimum[s], evaluate=False) for s in spatial]
    for e, what in several:
        rel = sp.Ge(e, 1)
        if rel is not sp.true and rel not in out:
            out.append(rel)
    return tuple(out), minimum


# --- Max / Min on a region where every size is at least its minimum ------------------------

def _sign_on_region(diff: sp.Expr, minimum: Mapping[sp.Symbol, int]) -> int | None:
    """+1 when ``diff >= 0`` for every size at or above ``minimum``, -1 when ``diff <= 0``,
    None when undecided (decided exactly for non-decreasing or non-increasing forms)."""
    diff = sp.expand(diff)
    if not diff.free_symbols:
        return 1 if diff >= 0 else -1
    at_min = _value(diff, minimum)
    if not at_min.free_symbols:
        if _monotone(diff) and at_min >= 0:
            return 1
        if _monotone(sp.expand(-diff)) and at_min <= 0:
            return -1
    return None


def _resolve_extrema(expr: sp.Expr, minimum: Mapping[sp.Symbol, int]) -> sp.Expr:
    """``expr`` with each Max / Min whose winner is decided on the region replaced by it."""
    def rule(e: sp.Expr) -> sp.Expr:
        if not isinstance(e, (sp.Max, sp.Min)):
            return e
        args = list(e.args)
        keep = []
        for a in args:  # drop an argument that never wins
            dominated = False
            for b in args:
                if b == a:
                    continue
                sign = _sign_on_region(a - b, minimum)
                if sign is not None and (sign < 0 if isinstance(e, sp.Max) else sign > 0):
                    dominated = True
                    break
            if not dominated:
                keep.append(a)
        if not keep:  # all equal on the region: any one
            return args[0]
        if len(keep) == 1:
            return keep[0]
        return e.func(*keep)

    previous = None
    while previous != expr:
        previous = expr
        expr = expr.replace(lambda e: isinstance(e, (sp.Max, sp.Min)), rule)
    return expr


# --- the result ----------------------------------------------------------------------------

@dataclass(frozen=True)
class LatticeForm:
    """The cost where each spatial input size is a multiple of the model's total stride.

    Attributes:
        expr: the form, an expression of the model's input symbols (a polynomial when
            :attr:`is_polynomial`).
        strides: the total stride ``S`` of each spatial symbol: the form holds where
            ``S`` divides the size (and the constraints hold).
        proof: the :class:`symconv.proof.ProofResult` of ``expr == SymbolicCost.expr`` on
            that lattice (exact simplification after ``size = S·m``).
        is_polynomial: True when no floor, ceiling, max or min is left.
    """

    expr: sp.Expr
    strides: dict[str, int]
    proof: Any
    is_polynomial: bool


@dataclass(frozen=True)
class SymbolicCost:
    """A model's count as exact SymPy expressions of its input size.

    Attributes:
        per_layer: one expression per layer, by layer name, in call order (a repeated name
            made unique as ``name#2``).
        symbols: the symbols used, by name: ``"N"`` and ``"L_in"`` (1-D),
            ``"H_in"``, ``"W_in"`` (2-D), ``"D_in"`` (3-D).
        constraints: the input sizes for which the expressions hold (SymPy relations
            such as ``L_in >= 7``).
        convention: the counting convention of the expressions
            (:data:`symconv.conventions.NAMES`).
        inputs / outputs: each layer's input and output size, one expression per spatial
            dimension, by layer name.
        point: the model input at which the layers were recorded (``{name: int}``).
        layers: the layer records, by name (what :meth:`evaluate` checks against).
        source: ``"file"`` or ``"torch.export"``: where the size relations come from.
    """

    per_layer: dict[str, sp.Expr]
    symbols: dict[str, sp.Symbol]
    constraints: tuple[sp.Basic, ...]
    convention: str = "symconv"
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    inputs: dict[str, tuple[sp.Expr, ...]] = field(default_factory=dict, compare=False,
                                                   repr=False)
    outputs: dict[str, tuple[sp.Expr, ...]] = field(default_factory=dict, compare=False,
                                                    repr=False)
    point: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    layers: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    source: str = field(default="file", compare=False, repr=False)

    @property
    def expr(self) -> sp.Expr:
        """The total: the sum of :attr:`per_layer`."""
        return sp.Add(*self.per_layer.values())

    # --- printing ----------------------------------------------------------------------------

    @property
    def spatial(self) -> list[sp.Symbol]:
        return [s for name, s in self.symbols.items() if name != "N"]

    def _lhs_args(self) -> list[sp.Symbol]:
        return list(self.symbols.values())

    def display(self, expr: sp.Expr | None = None) -> sp.Expr:
        """``expr`` (default :attr:`expr`) in the printed form: expanded, each floor's
        argument over one denominator (``⌊(L_in - 1)/4⌋``), ``N`` factored out when every
        term has it. Equal to ``expr`` (the same expression, rearranged)."""
        from ._exact import collapse_floors  # nested floors merged where that is exact

        e = sp.expand(collapse_floors(self.expr if expr is None else expr))
        n = self.symbols["N"]
        rest = sp.expand(e / n)
        if not rest.has(n) and rest != 0:
            return sp.Mul(n, _over_one_denominator(rest), evaluate=False)
        return _over_one_denominator(e)

    def text(self, expr: sp.Expr | None = None) -> str:
        """The equation on one line (Unicode): ``ops(N, L_in) = …``."""
        from .printing.text import one_line

        args = ", ".join(s.name for s in self._lhs_args())
        body = one_line(self.display(expr), order="lex")
        return f"{_FUNCTION_NAME.get(self.convention, self.convention)}({args}) = {body}"

    def latex(self, expr: sp.Expr | None = None) -> str:
        r"""The equation ``\mathrm{ops}(N, L_{\text{in}}) = …`` as LaTeX (math-mode content),
        printed with symconv's LaTeX printer."""
        from .printing.latex import SHORT
        from .printing.latex import latex as _latex

        from ._exact import symbols_first  # constant terms last, as the tables print them

        names = {s: _latex_name(s.name) for s in self._lhs_args()}
        args = ", ".join(names[s] for s in self._lhs_args())
        body = _latex(symbols_first(self.display(expr)), SHORT, symbol_names=names)
        name = _FUNCTION_NAME.get(self.convention, self.convention).replace("-", r"\text{-}")
        return rf"\mathrm{{{name}}}({args}) = {body}"

    def _repr_markdown_(self) -> str:
        """Jupyter: the equation, the sizes it holds for and each layer's formula."""
        from .printing.display import symbolic_markdown

        return symbolic_markdown(self)

    def _repr_latex_(self) -> str:
        """Jupyter / LaTeX exports: the equation and the sizes it holds for."""
        from .printing.display import symbolic_latex

        return symbolic_latex(self)

    def constraints_text(self) -> str:
        """The constraints on one line: ``N ≥ 1, L_in ≥ 7``."""
        from .printing.text import one_line

        return ", ".join(one_line(c) for c in self.constraints)

    # --- evaluation --------------------------------------------------------------------------

    def _point(self, sizes: Mapping[str, Any]) -> dict[sp.Symbol, int]:
        unknown = sorted(set(sizes) - set(self.symbols))
        if unknown:
            raise ValueError(f"unknown size {unknown[0]!r}; this model's sizes are "
                             f"{', '.join(self.symbols)}")
        missing = [n for n in self.symbols if n not in sizes]
        if missing:
            raise ValueError(f"missing size {missing[0]}: give every one of "
                             f"{', '.join(self.symbols)}")
        point = {}
        for name, value in sizes.items():
            # an int or a NumPy integer scalar, as the evaluators accept (never a bool or float)
            if isinstance(value, bool) or type(value).__name__ in ("bool", "bool_") \
                    or not hasattr(value, "__index__"):
                raise TypeError(f"{name} must be an int, got {value!r}")
            point[self.symbols[name]] = operator.index(value)
        for rel in self.constraints:
            held = rel.xreplace({k: sp.Integer(v) for k, v in point.items()})
            if held is not sp.true:
                given = ", ".join(f"{s.name}={point[s]}" for s in sorted(rel.free_symbols,
                                                                         key=str))
                raise ValueError(f"{given} is outside the sizes this formula holds for: "
                                 f"{_relation_text(rel)} (the smallest sizes for which every "
                                 f"layer is valid; constraints: {self.constraints_text()})")
        return point

    def evaluate_layers(self, **sizes: int) -> dict[str, int]:
        """Each layer's exact count at ``sizes`` (every symbol by name: ``N=8, L_in=16000``),
        checked against the layer's own numeric evaluator at that size (PyTorch's rules)."""
        import dataclasses

        from ._exact import exact_value  # each expression compiled once, run per size

        point = self._point(sizes)
        out = {}
        for name, expr in self.per_layer.items():
            out[name] = exact_value(expr, point)
            layer = self.layers.get(name)
            if layer is None:
                continue
            size = tuple(exact_value(e, point) for e in self.inputs[name])
            batch = exact_value(self.extra["batch"][name], point)
            fields = ({"input_length": size[0]} if hasattr(layer, "input_length")
                      else {"input_size": size})
            try:
                numeric = dataclasses.replace(layer, batch_size=batch, **fields)
            except ValueError as exc:
                raise ValueError(f"layer {name!r} is invalid at "
                                 f"{', '.join(f'{k}={v}' for k, v in sizes.items())}: "
                                 f"{exc}") from None
            if numeric.count(self.convention) != out[name]:  # never expected
                raise RuntimeError(f"layer {name!r}: formula gives {out[name]}, the layer's "
                                   f"evaluator {numeric.count(self.convention)}")
        return out

    def evaluate(self, **sizes: int) -> int:
        """The exact total at ``sizes`` (``N=8, L_in=16000``); ValueError naming the size,
        its value and the rule for a size outside :attr:`constraints`."""
        return sum(self.evaluate_layers(**sizes).values())

    # --- simple forms ------------------------------------------------------------------------

    def minimum(self) -> dict[sp.Symbol, int]:
        """The smallest valid value of each symbol (from :attr:`constraints`)."""
        out = {}
        for rel in self.constraints:
            if isinstance(rel, sp.GreaterThan) and rel.lhs.is_Symbol and rel.rhs.is_Integer:
                out[rel.lhs] = max(out.get(rel.lhs, 1), int(rel.rhs))
        return out

    def strides(self) -> dict[str, int]:
        """The total stride of each spatial symbol: the smallest ``S`` such that with the
        size ``S·m`` (m an integer) no floor or ceiling of it is left."""
        ms = {s: sp.Symbol(f"m_{s.name}", **_POSITIVE) for s in self.spatial}
        factor = {s: 1 for s in self.spatial}
        expr = self._all_exprs()
        for _ in range(200):
            sub = expr.xreplace({s: factor[s] * ms[s] for s in self.spatial})
            grown = False
            for f in sorted(sub.atoms(sp.floor, sp.ceiling), key=sp.count_ops):
                arg = sp.expand(f.args[0])
                for s, m in ms.items():
                    if not arg.has(m):
                        continue
                    coeff = arg.coeff(m)
                    if coeff.free_symbols or not coeff.is_Rational:
                        continue
                    q = sp.Rational(coeff).q
                    if q != 1:
                        factor[s] *= q
                        grown = True
                if grown:
                    break
            if not grown:
                break
        return {s.name: factor[s] for s in self.spatial}

    def _all_exprs(self) -> sp.Expr:
        """Everything whose floors must vanish: counts and sizes (a tuple as one expression)."""
        return sp.Tuple(self.expr, *[e for size in self.inputs.values() for e in size])

    def polynomial(self) -> LatticeForm:
        """The form where each spatial input size is a multiple of its total stride
        (:meth:`strides`): floors vanish; Max / Min decided on the valid sizes. Proved equal
        to :attr:`expr` on that lattice."""
        strides = self.strides()
        ms = {s: sp.Symbol(f"m_{s.name}", **_POSITIVE) for s in self.spatial}
        on = {s: strides[s.name] * ms[s] for s in self.spatial}
        low = self.minimum()
        m_low = {ms[s]: -(-low.get(s, 1) // strides[s.name]) for s in self.spatial}
        n = self.symbols["N"]
        m_low[n] = 1
        lattice = _resolve_extrema(sp.expand(self.expr.xreplace(on)), m_low)
        lattice = sp.expand(lattice)
        form = sp.expand(lattice.xreplace({ms[s]: s / strides[s.name] for s in self.spatial}))
        proof = self.check_lattice_form(form, strides)
        polynomial = not form.has(sp.floor, sp.ceiling, sp.Max, sp.Min)
        return LatticeForm(form, strides, proof, polynomial)

    def check_lattice_form(self, claim: Any, strides: Mapping[str, int] | None = None,
                           *, search: int = 64):
        """Decide ``claim == expr`` wherever each spatial size is a multiple of its stride
        (``strides``, default :meth:`strides`) and the constraints hold.

        Exact: with ``size = S·m`` the difference is simplified (floors of integer
        multiples vanish; Max / Min decided on the region); zero proves the claim. Otherwise
        the lattice points from the smallest valid one on are searched for a counterexample
        (a non-zero polynomial difference of degree d is non-zero at one of any d + 1
        consecutive points). Returns a :class:`symconv.proof.ProofResult`.
        """
        from .proof import ProofResult

        claim = sp.sympify(claim)
        foreign = claim.free_symbols - set(self.symbols.values())
        if foreign:
            raise ValueError(f"the claimed form uses {', '.join(sorted(map(str, foreign)))}, "
                             f"which is not among this model's sizes "
                             f"({', '.join(self.symbols)})")
        strides = dict(self.strides() if strides is None else strides)
        ms = {s: sp.Symbol(f"m_{s.name}", **_POSITIVE) for s in self.spatial}
        on = {s: strides[s.name] * ms[s] for s in self.spatial}
        low = self.minimum()
        n = self.symbols["N"]
        m_low = {ms[s]: -(-low.get(s, 1) // strides[s.name]) for s in self.spatial}
        m_low[n] = 1
        diff = _resolve_extrema(sp.expand(self.expr.xreplace(on) - claim.xreplace(on)), m_low)
        diff = sp.expand(diff)
        lattice = " and ".join(f"{s.name} = {strides[s.name]}·m" for s in self.spatial)
        statement = f"the form equals the formula where {lattice} (m a positive integer)"
        assumptions = tuple(self.constraints_text().split(", "))
        if diff == 0:
            return ProofResult("lattice form", statement, True,
                               "exact: after the substitution every floor simplifies and the "
                               "difference expands to 0", sp.Integer(0),
                               assumptions=assumptions)
        for step in range(search):
            point = {s: strides[s.name] * (m_low[ms[s]] + step) for s in self.spatial}
            for batch in (1, 2, 3):
                point[n] = batch
                full = {**point}
                try:
                    self._point({k.name: v for k, v in full.items()})
                except ValueError:
                    continue
                lhs, rhs = _value(self.expr, full), _value(claim, full)
                if lhs != rhs:
                    return ProofResult("lattice form", statement, False,
                                       "exact: counterexample on the lattice", diff,
                                       counterexample={k.name: v for k, v in full.items()},
                                       counterexample_values=(lhs, rhs),
                                       assumptions=assumptions, witness_points=step + 1)
        return ProofResult("lattice form", statement, False,
                           f"undecided: the difference does not simplify to 0 and no "
                           f"counterexample among {search} lattice points", diff,
                           assumptions=assumptions)

    def leading(self) -> sp.Expr:
        """The leading term as the spatial sizes grow, with its exact coefficient: the part
        of the highest total degree in the spatial sizes of :meth:`polynomial`'s form
        (``c·N·L_in`` for a 1-D model, ``c·N·H_in·W_in`` for 2-D)."""
        form = self.polynomial()
        if not form.is_polynomial:
            raise SymbolicSizeError("the lattice form still holds a max or min that could not "
                                    "be decided; no leading term is stated")
        spatial = self.spatial
        if not spatial:
            return form.expr
        poly = sp.Poly(form.expr, *spatial)
        top = poly.total_degree()
        return sp.Add(*[coeff * sp.Mul(*[s ** e for s, e in zip(spatial, monom)])
                        for monom, coeff in poly.terms() if sum(monom) == top])


_FUNCTION_NAME = {"symconv": "ops"}


def _over_one_denominator(expr: sp.Expr) -> sp.Expr:
    """Each floor's / ceiling's argument as one fraction ``(L_in - 1)/4`` (unevaluated)."""
    def rule(x: sp.Expr) -> sp.Expr:
        num, den = sp.fraction(sp.together(x.args[0]))
        inner = _over_one_denominator(num)
        arg = inner if den == 1 else sp.Mul(inner, sp.Pow(den, -1, evaluate=False),
                                            evaluate=False)
        return x.func(arg, evaluate=False)

    if isinstance(expr, (sp.floor, sp.ceiling)):
        return rule(expr)
    if not expr.args or not expr.has(sp.floor, sp.ceiling):
        return expr
    return expr.func(*[_over_one_denominator(a) for a in expr.args], evaluate=False)


def _latex_name(name: str) -> str:
    """``L_in`` -> ``L_{\\text{in}}`` (as the symbolic tables write it), ``N`` -> ``N``."""
    base, sep, sub = name.partition("_")
    return rf"{base}_{{\text{{{sub}}}}}" if sep else name


def _relation_text(rel: sp.Basic) -> str:
    from .printing.text import one_line

    return one_line(rel)


# --- building ------------------------------------------------------------------------------

def _unique_names(layers: Sequence[Any]) -> list[str]:
    seen: dict[str, int] = {}
    taken = {layer.name for layer in layers}
    out = []
    for layer in layers:
        if layer.name not in seen:
            seen[layer.name] = 1
            out.append(layer.name)
            continue
        k = seen[layer.name]
        while True:
            k += 1
            candidate = f"{layer.name}#{k}"
            if candidate not in taken:
                break
        seen[layer.name] = k
        taken.add(candidate)
        out.append(candidate)
    return out


def symbolic_cost(layers: Any, convention: str = "symconv",
                  relations: SizeRelations | None = None) -> SymbolicCost:
    """The :class:`SymbolicCost` of ``layers`` (a :class:`symconv.model.LayerList`).

    ``relations`` (default: ``layers.size_relations()``) gives each layer's batch and input
    size as expressions of the model input.
    """
    from . import conventions

    if not len(layers):
        raise SymbolicSizeError("no convolution layer: there is no formula to give")
    name = conventions.get(convention).name
    if relations is None:
        relations = layers.size_relations()
    names = _unique_names(layers)
    per_layer, inputs, outputs, batches = {}, {}, {}, {}
    for label, layer, batch, size in zip(names, layers, relations.batch, relations.inputs):
        per_layer[label] = _count_expr(layer, name, batch, size, label)
        inputs[label] = tuple(size)
        outputs[label] = _output_exprs(layer, size)
        batches[label] = batch
    constraints, minimum = _constraints(relations, list(outputs.values()), names)
    relations.constraints = constraints  # what a saved layer file keeps (TorchLayers.save)
    per_layer = {k: _resolve_extrema(v, minimum) for k, v in per_layer.items()}
    point = {sym.name: int(v) for sym, v in relations.point.items()}
    cost = SymbolicCost(per_layer, dict(relations.symbols), constraints, name,
                        extra={"batch": batches}, inputs=inputs, outputs=outputs,
                        point=point, layers=dict(zip(names, layers)), source=relations.source)
    # the formula gives the recorded counts at the recorded size (checked, never assumed)
    at = cost.evaluate_layers(**point)
    for label, layer in zip(names, layers):
        if at[label] != layer.count(name):  # pragma: no cover - never expected
            raise RuntimeError(f"layer {label!r}: the formula gives {at[label]} at the recorded "
                               f"size, the layer {layer.count(name)}")
    return cost
