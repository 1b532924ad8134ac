"""The input sizes of a real model's convolutions as formulas: PyTorch's symbolic shapes.

:meth:`symconv.torch_interop.TorchLayers.size_relations` exports the model with
``torch.export.export`` (the batch and every spatial dimension of the example input
dynamic, ``Dim.AUTO``), reads the input shape of every convolution node of the exported
graph (``node.meta["val"].shape``: SymPy expressions of the input's size symbols), converts
PyTorch's integer functions (``FloorDiv``, ``CeilDiv``, ``Mod``, ...) to exact
``sympy.floor`` forms over symconv's symbols, and matches the nodes to the recorded layers
in call order (each node's module path must be the layer's, and each expression must give
the recorded size at the example size).

Refused with :class:`symconv.symbolic.SymbolicSizeError` (the message names the layer or
size and why), never guessed:

- the example input is not one batched tensor (an unbatched input: give
  ``x.unsqueeze(0)``; the count of one sample is the formula at ``N = 1``);
- the export fails (data-dependent control flow, an unsupported operation);
- export specializes the batch or a spatial size to a constant (the model's code fixes it);
- a convolution's input size holds an unbacked (data-dependent) symbol;
- the exported graph holds only under a guard that is not a lower bound on the sizes
  (``L_in`` odd, ``L_in == 16000``): the formula would be wrong elsewhere.

Lower bounds that PyTorch derived from the model's code (a reflect pad needs an input larger
than the pad, ``L_in >= 9``) are kept as constraints.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from .registry import names as registry_names
from .symbolic import SizeRelations, SymbolicSizeError, _monotone, input_symbols, merge_floors

__all__ = ["export_relations"]

#: The ATen operators of a convolution node: each registered layer's own (``aten.conv2d``,
#: ``aten.conv_transpose1d``, ...: the registry's names) and the generic ones.
_CONV_TARGETS = (*registry_names(), "convolution", "_convolution")


def _convert(expr: Any, names: dict) -> sp.Expr:
    """A PyTorch size expression as an exact SymPy expression over symconv's symbols."""
    expr = sp.sympify(expr)

    def walk(e: sp.Basic) -> sp.Expr:
        if e.is_Integer:
            return sp.Integer(int(e))
        if e.is_Rational:
            return sp.Rational(e.p, e.q)
        if e.is_Symbol:
            if e in names:
                return names[e]
            if e.name.startswith("u"):
                raise _Unbacked(e.name)
            raise _Foreign(e.name)
        kind = type(e).__name__
        args = [walk(a) for a in e.args]
        if e.is_Add:
            return sp.Add(*args)
        if e.is_Mul:
            return sp.Mul(*args)
        if e.is_Pow and e.args[1].is_Integer and int(e.args[1]) >= 0:
            return args[0] ** args[1]
        if kind in ("FloorDiv", "IntTrueDiv", "CleanDiv") and len(args) == 2:
            return sp.floor(args[0] / args[1])
        if kind == "CeilDiv" and len(args) == 2:
            return sp.ceiling(args[0] / args[1])
        if kind in ("Mod", "PythonMod") and len(args) == 2:
            return args[0] - args[1] * sp.floor(args[0] / args[1])
        if kind in ("floor", "FloorToInt") and len(args) == 1:
            return sp.floor(args[0])
        if kind in ("ceiling", "CeilToInt") and len(args) == 1:
            return sp.ceiling(args[0])
        if kind == "Max":
            return sp.Max(*args)
        if kind == "Min":
            return sp.Min(*args)
        raise _Unsupported(kind)

    return walk(expr)


class _Unbacked(Exception):
    pass


class _Foreign(Exception):
    pass


class _Unsupported(Exception):
    pass


def _size_exprs(shape, names: dict, what: str) -> list[sp.Expr]:
    torch = __import__("torch")
    out = []
    for index, dim in enumerate(shape):
        if isinstance(dim, torch.SymInt):
            try:
                out.append(merge_floors(_convert(dim.node.expr, names)))
            except _Unbacked as exc:
                raise SymbolicSizeError(f"{what}: dimension {index} is data-dependent (unbacked "
                                        f"symbol {exc}): it cannot be written as a formula of "
                                        f"the input size") from None
            except _Foreign as exc:
                raise SymbolicSizeError(f"{what}: dimension {index} depends on {exc}, which is "
                                        f"not a size of the model input") from None
            except _Unsupported as exc:
                raise SymbolicSizeError(f"{what}: dimension {index} uses PyTorch's {exc}, which "
                                        f"symconv does not convert exactly") from None
        else:
            out.append(sp.Integer(int(dim)))
    return out


def _the_tensor(example_input: Any):
    torch = __import__("torch")
    x = example_input
    if isinstance(x, (tuple, list)) and len(x) == 1:
        x = x[0]
    if not isinstance(x, torch.Tensor):
        raise SymbolicSizeError("symbolic(): the example input must be one tensor (the model "
                                "input whose sizes become N, L_in / H_in, W_in / ...); got "
                                f"{type(example_input).__name__}")
    return x


def export_relations(model: Any, example_input: Any, layers: list, records: list,
                     modules: tuple[str, ...]) -> SizeRelations:
    """The :class:`~symconv.symbolic.SizeRelations` of ``layers`` (recorded by
    :func:`symconv.from_torch` from ``model`` on ``example_input``), from ``torch.export``;
    ``modules``: the names of the convolution module classes (``"Conv1d"``, ...)."""
    import torch
    from torch.export import Dim

    if not layers:
        raise SymbolicSizeError("no convolution layer: there is no formula to give")
    x = _the_tensor(example_input)
    if any(r.unbatched for r in records):
        raise SymbolicSizeError("symbolic(): the model ran on an unbatched input; give a "
                                "batched example input (x.unsqueeze(0)): the count of one "
                                "sample is the formula at N = 1")
    dims = x.dim() - 2
    if dims not in (1, 2, 3):
        raise SymbolicSizeError(f"symbolic(): the example input has shape {tuple(x.shape)}; a "
                                f"formula needs a batched input (N, C, *spatial) with 1 to 3 "
                                f"spatial dimensions")
    symbols = input_symbols(dims)
    ours = list(symbols.values())
    if x.shape[0] == 0:
        raise SymbolicSizeError("symbolic(): the example batch is empty (N = 0)")
    for i, size in enumerate(x.shape[2:]):
        if size < 2:
            raise SymbolicSizeError(f"symbolic(): {ours[i + 1].name} = {size} in the example "
                                    f"input; torch.export fixes a size of 0 or 1 to a constant: "
                                    f"give an example with every spatial size >= 2")
    point = {ours[0]: int(x.shape[0]), **{s: int(v) for s, v in zip(ours[1:], x.shape[2:])}}
    # a batch of 1 is fixed to a constant by export: export on a batch of 2 (same sizes)
    traced = torch.cat([x, x]) if x.shape[0] == 1 else x
    dynamic = {0: Dim.AUTO, **{i: Dim.AUTO for i in range(2, x.dim())}}
    modes = {mod: mod.training for mod in model.modules()}
    try:
        model.eval()
        with torch.no_grad():
            ep = torch.export.export(model, (traced,), dynamic_shapes=(dynamic,), strict=False)
    except Exception as exc:  # noqa: BLE001 - every export failure is reported, never guessed
        text = " ".join(str(exc).split())
        raise SymbolicSizeError(f"symbolic(): torch.export cannot trace the model with dynamic "
                                f"sizes ({type(exc).__name__}: {text[:300]}); its layers' "
                                f"input sizes cannot be written as formulas") from None
    finally:
        for mod, training in modes.items():
            mod.training = training
    placeholders = [n for n in ep.graph.nodes if n.op == "placeholder"]
    user = ep.graph_signature.user_inputs
    node_x = next(n for n in placeholders if n.name == user[0])
    shape = node_x.meta["val"].shape
    names: dict[sp.Symbol, sp.Symbol] = {}
    for i, sym in zip([0, *range(2, x.dim())], ours):
        dim = shape[i]
        if not isinstance(dim, torch.SymInt) or not dim.node.expr.is_Symbol:
            raise SymbolicSizeError(f"symbolic(): torch.export fixed {sym.name} to {dim} (the "
                                    f"model's code depends on that size being exactly {dim}): "
                                    f"the cost is not a formula of {sym.name}")
        names[dim.node.expr] = sym
    bounds = _guards(shape, names, x.dim())
    for sym, vr in ep.range_constraints.items():
        if sym in names and vr.lower is not None:
            try:
                low = int(vr.lower)
            except (TypeError, ValueError, OverflowError):
                continue
            if low > 2:  # 2 is export's own assumption (0 and 1 are fixed to constants)
                bounds.append(sp.Ge(names[sym], low))

    conv_paths = {name for name, mod in model.named_modules()
                  if isinstance(mod, tuple(getattr(torch.nn, m) for m in modules))}
    nodes = []
    for node in ep.graph.nodes:
        if node.op != "call_function":
            continue
        target = getattr(node.target, "__name__", str(node.target)).split(".")[0]
        if target not in _CONV_TARGETS:
            continue
        stack = [path for path, _ in (node.meta.get("nn_module_stack") or {}).values()]
        owner = next((p for p in reversed(stack) if p in conv_paths), None)
        if owner is None and "" in conv_paths:
            owner = ""
        if owner is None:
            continue  # a convolution function called outside every convolution module
        nodes.append((owner, node))
    if len(nodes) != len(layers):
        raise SymbolicSizeError(f"symbolic(): the exported graph has {len(nodes)} convolution "
                                f"call(s) in convolution modules, the recorded run "
                                f"{len(layers)}: the layers cannot be matched to their sizes")
    batch, inputs = [], []
    for (owner, node), layer, record in zip(nodes, layers, records):
        base = record.module.split("#")[0]
        if owner != base and not (owner == "" and base == type(model).__name__.lower()):
            raise SymbolicSizeError(f"layer {layer.name!r}: the exported graph's convolution at "
                                    f"this place runs in module {owner!r}: the call orders "
                                    f"differ, the layers cannot be matched")
        what = f"layer {layer.name!r}"
        in_shape = node.args[0].meta["val"].shape
        exprs = _size_exprs(in_shape, names, what)
        spatial = exprs[-layer.dims:]
        at = tuple(int(e.xreplace({k: sp.Integer(v) for k, v in point.items()}))
                   for e in spatial)
        want = tuple(layer.input_size)
        if at != want:  # the module padded its input itself (padding_mode != 'zeros')
            pad = layer.per_dim("padding")
            if record.padding_mode != "zeros" and not isinstance(pad, str) and \
                    tuple(a - w for a, w in zip(at, want)) == tuple(2 * p for p in pad):
                spatial = [e - 2 * p for e, p in zip(spatial, pad)]
            else:
                raise SymbolicSizeError(f"{what}: the exported input size {at} at the example "
                                        f"size differs from the recorded {want}: refused")
        b = exprs[0]
        if b.xreplace({k: sp.Integer(v) for k, v in point.items()}) != layer.batch_size:
            raise SymbolicSizeError(f"{what}: the exported batch {b} differs from the recorded "
                                    f"batch {layer.batch_size}")
        batch.append(b)
        inputs.append(tuple(spatial))
    return SizeRelations(symbols, point, batch, inputs, tuple(bounds), source="torch.export")


def _guards(shape, names: dict, ndim: int) -> list[sp.Basic]:
    """The lower bounds among the guards export recorded on the input sizes; any other guard
    (an equality, a parity, an upper bound) is refused."""
    torch = __import__("torch")
    env = None
    for dim in shape:
        if isinstance(dim, torch.SymInt):
            env = dim.node.shape_env
            break
    if env is None:
        return []
    bounds = []
    for guard in env.guards:
        rel = guard.expr
        if not (rel.free_symbols & set(names)):
            continue
        sloc = getattr(guard, "sloc", None)
        frame = getattr(sloc, "framework_loc", None)
        where = str(getattr(frame, "filename", "")).replace("\\", "/")
        user = getattr(sloc, "maybe_user_loc", None)
        if type(rel).__name__ == "Or":  # one of several bounds: kept whole when each is one
            parts = [_bound(part, names) for part in rel.args]
            if all(p is not None for p in parts):
                bounds.append(sp.Or(*parts, evaluate=False))
                continue
        for part in (rel.args if type(rel).__name__ == "And" else (rel,)):
            kind = type(part).__name__
            if kind == "Unequality" and user is None and \
                    where.endswith("_prims_common/__init__.py"):
                continue  # PyTorch's contiguity checks on size-1 dims: no size depends on it
            try:
                converted = _convert(part.lhs - part.rhs, names) if hasattr(part, "lhs") else None
            except (_Unbacked, _Foreign, _Unsupported):
                converted = None
            if converted is not None and kind in ("GreaterThan", "StrictGreaterThan",
                                                  "LessThan", "StrictLessThan"):
                e = converted if kind in ("GreaterThan", "StrictGreaterThan") else -converted
                bounds.append(sp.Ge(e + (0 if kind.startswith("Strict") else 1), 1,
                                    evaluate=False))
                continue
            if converted is not None and kind == "Unequality":
                bounds.append(sp.Ne(converted, 0, evaluate=False))
                continue
            pretty = " ".join(str(part).split())
            for k, v in names.items():
                pretty = pretty.replace(str(k), v.name)
            raise SymbolicSizeError(f"symbolic(): torch.export traced the model under the "
                                    f"condition {pretty} on the input size (from "
                                    f"{where.rsplit('/', 1)[-1] or 'the model'}): the traced "
                                    f"sizes hold only there, the formula would not hold for "
                                    f"other sizes")
    return bounds


def _bound(rel: Any, names: dict) -> sp.Basic | None:
    """An inequality guard as ``e >= 1`` (unevaluated), or None."""
    kind = type(rel).__name__
    if kind not in ("GreaterThan", "StrictGreaterThan", "LessThan", "StrictLessThan"):
        return None
    try:
        converted = _convert(rel.lhs - rel.rhs, names)
    except (_Unbacked, _Foreign, _Unsupported):
        return None
    e = converted if kind in ("GreaterThan", "StrictGreaterThan") else -converted
    return sp.Ge(e + (0 if kind.startswith("Strict") else 1), 1, evaluate=False)
