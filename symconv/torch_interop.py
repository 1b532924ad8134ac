"""Read the convolution layers of a real PyTorch model: :func:`from_torch`.

``from_torch(model, example_input)`` runs the model once and records, for every
call of a ``torch.nn.Conv1d``, ``Conv2d``, ``Conv3d`` or ``ConvTranspose1d/2d/3d`` (subclasses
and lazy modules included), what the convolution really received: the input of
``conv1d`` / ``conv2d`` / ``conv3d`` itself (not of the module's ``forward``, so a
subclass that pads in ``forward`` — a causal convolution — is counted on its
padded input), its batch
size (unbatched input counts as a batch of 1, an empty batch as 0 with a count
of 0), stride, padding (an int, ``'same'`` or ``'valid'``), dilation, groups
and whether it has a bias. The run uses *meta* tensors — parameters, buffers and
input are replaced by shape-only tensors through
``torch.func.functional_call``, so no arithmetic is performed and the model
is left untouched; if the model cannot run on meta tensors (data-dependent
control flow, for example) it falls back to one real forward pass under
``torch.no_grad()`` in eval mode. A model with lazy modules runs as a copy,
so its parameters stay uninitialized. A model that runs no convolution module
gives an empty result and a :class:`NoConvolutionWarning`; a convolution function
called outside every convolution module is not counted and gives an
:class:`UncountedConvolutionWarning` (the old names ``NoConv1dWarning`` and
``UncountedConv1dWarning`` are the same classes).

The result is a list of layer records — :class:`symconv.layers.Conv1dLayer` for a
Conv1d call, :class:`symconv.layers.Layer` (``type`` ``"conv2d"``/``"conv3d"``)
for the others: the layer format of layer files and of ``symconv table`` — in call
order, with the
recorded shapes and a per-layer derivation (:func:`derive_layer`): each
step of the general derivation with the layer's numbers substituted.
:meth:`TorchLayers.render_table` renders the LaTeX / Markdown / CSV table of
``symconv table``; :meth:`TorchLayers.save` writes the layer file it reads.

PyTorch is imported only when :func:`from_torch` is called; install it with
``pip install 'symconv[torch]'``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Iterable

from .layer_derivation import DerivedStep, LayerDerivation, derive_layer, one_line  # noqa: F401
from .layers import AnyLayer, Conv1dLayer, Layer
from .model import LayerList

__all__ = ["from_torch", "TorchLayers", "TorchRecord", "LayerDerivation", "DerivedStep",
           "derive_layer", "FromTorchWarning", "NoConvolutionWarning",
           "UncountedConvolutionWarning", "NoConv1dWarning", "UncountedConv1dWarning"]


# --- reading a model -----------------------------------------------------------------------

@dataclass(frozen=True)
class TorchRecord:
    """One call of one ``nn.Conv1d`` (``Conv2d``, ``Conv3d``): the shapes of the
    convolution's input and output.

    ``input_shape`` is what ``conv1d`` (``conv2d``, ``conv3d``) received, except that the
    pad the module applies
    itself for a ``padding_mode`` other than ``'zeros'`` is left out (it is the layer's
    padding); ``module`` is the layer's name (module path, ``#2`` for a second call).
    """

    module: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    unbatched: bool
    padding_mode: str


class TorchLayers(LayerList):
    """The layers in call order (:class:`~symconv.layers.Conv1dLayer` for Conv1d,
    :class:`~symconv.layers.Layer` for Conv2d/Conv3d), with the recorded shapes and
    derivations.

    Attributes:
        records: one :class:`TorchRecord` per layer (module path, shapes, unbatched).
        method: ``"meta"`` (shape-only run, no arithmetic) or ``"forward"`` (a real
            forward pass, used when the model cannot run on meta tensors).
    """

    def __init__(self, layers: Iterable[AnyLayer], records: Iterable[TorchRecord],
                 method: str, model: Any = None, example_input: Any = None) -> None:
        super().__init__(layers)
        self.records: list[TorchRecord] = list(records)
        self.method = method
        # what symbolic() exports (lazily): the user's model and example input, not a copy
        self.model = model
        self.example_input = example_input
        self._relations = None

    def size_relations(self):
        """Each layer's batch and input size as expressions of the model input, from
        PyTorch's symbolic shapes (``torch.export``; :mod:`symconv.torch_symbolic`), computed
        once. :class:`symconv.symbolic.SymbolicSizeError` when they cannot be expressed."""
        if self._relations is None:
            from .symbolic import SymbolicSizeError
            from .torch_symbolic import export_relations

            if self.model is None:
                raise SymbolicSizeError("symbolic(): these layers keep no model to export "
                                        "(build them with symconv.from_torch)")
            model, example = self.model, self.example_input
            if _is_lazy(model):  # export would use uninitialized parameters: a meta copy,
                # initialized by one shape-only run (the user's model stays lazy)
                model = _meta_copy(model)
                example = _map_tensors(example, lambda t: t.to("meta"))
                _call(model, example, None)
            self._relations = export_relations(model, example, list(self), self.records,
                                               _MODULES)
        return self._relations

    def to_dict(self) -> dict[str, Any]:
        """The layer-file form; once :meth:`size_relations` is known (after
        :meth:`symbolic`), with each layer's ``input_expr`` and the model's ``input_size``,
        so that the file gives the same formula."""
        if self._relations is None:
            return super().to_dict()
        import sympy as sp

        from .symbolic import expression_text

        rel = self._relations
        symbols = list(rel.symbols.values())
        self.input_size = [rel.point[s] for s in symbols[1:]]
        self.input_exprs = [expression_text(size[0]) if len(size) == 1
                            else [expression_text(e) for e in size] for size in rel.inputs]
        kept = rel.constraints if rel.constraints is not None else rel.bounds
        self.input_constraints = [f"{expression_text(b.lhs)} >= {expression_text(b.rhs)}"
                                  for b in kept if isinstance(b, sp.GreaterThan)
                                  and b.lhs != rel.symbols["N"]]
        try:
            return super().to_dict()
        finally:
            self.input_size = self.input_exprs = self.input_constraints = None

    def _repr_extra(self) -> str:
        return f"method={self.method!r}"


class FromTorchWarning(UserWarning):
    """:func:`from_torch` left something out of the count (the message says what)."""


class NoConvolutionWarning(FromTorchWarning):
    """The model ran no ``nn.Conv1d``, ``nn.Conv2d`` or ``nn.Conv3d`` on the example input:
    the layer list is empty."""


class UncountedConvolutionWarning(FromTorchWarning):
    """``conv1d``, ``conv2d`` or ``conv3d`` ran outside every convolution module
    (``nn.Conv1d/2d/3d``); those calls are not counted."""


#: The names of Conv1d-only releases: the same classes.
NoConv1dWarning = NoConvolutionWarning
UncountedConv1dWarning = UncountedConvolutionWarning


def _torch():
    try:
        import torch
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("symconv.from_torch needs PyTorch: pip install 'symconv[torch]'") from None
    return torch


def _map_tensors(obj: Any, fn) -> Any:
    torch = _torch()
    if isinstance(obj, torch.Tensor):
        return fn(obj)
    if isinstance(obj, tuple):
        return tuple(_map_tensors(x, fn) for x in obj)
    if isinstance(obj, list):
        return [_map_tensors(x, fn) for x in obj]
    if isinstance(obj, dict):
        return {k: _map_tensors(v, fn) for k, v in obj.items()}
    return obj


def _call(model, inputs: Any, state: dict | None):
    torch = _torch()
    if isinstance(inputs, dict):
        args, kwargs = (), inputs
    elif isinstance(inputs, (tuple, list)):
        args, kwargs = tuple(inputs), {}
    else:
        args, kwargs = (inputs,), {}
    with torch.no_grad():
        if state is None:
            return model(*args, **kwargs)
        return torch.func.functional_call(model, state, args, kwargs, strict=False)


def _tensors(model) -> list:
    return list(model.named_parameters(remove_duplicate=False)) + \
        list(model.named_buffers(remove_duplicate=False))


def _is_lazy(model) -> bool:
    """True when ``model`` holds a parameter or buffer of a lazy module not yet initialized."""
    from torch.nn.parameter import is_lazy

    return any(is_lazy(t) for _, t in _tensors(model))


def _meta_state(model) -> dict:
    torch = _torch()
    return {name: torch.empty_like(t, device="meta") for name, t in _tensors(model)}


def _meta_copy(model):
    """A copy of ``model`` whose tensors are shape-only (meta), lazy ones still uninitialized.

    The copy shares no tensor with ``model`` and copies no data: a lazy module of the copy
    materialises its parameters on the meta device, the user's model stays as it was.
    """
    import copy

    torch = _torch()
    from torch.nn.parameter import UninitializedBuffer, UninitializedParameter

    memo: dict[int, Any] = {}
    for _, t in _tensors(model):
        if id(t) in memo:
            continue
        if isinstance(t, UninitializedParameter):
            m = UninitializedParameter(t.requires_grad, device="meta", dtype=t.dtype)
        elif isinstance(t, UninitializedBuffer):
            m = UninitializedBuffer(t.requires_grad, device="meta", dtype=t.dtype)
        elif isinstance(t, torch.nn.Parameter):
            m = torch.nn.Parameter(torch.empty_like(t, device="meta"), t.requires_grad)
        else:
            m = torch.empty_like(t, device="meta")
        memo[id(t)] = m
    return copy.deepcopy(model, memo)


def _single(value: Any) -> Any:
    return value[0] if isinstance(value, (tuple, list)) else value


def _spatial(value: Any, dims: int) -> Any:
    """A per-dimension argument of ``conv2d``/``conv3d`` as a tuple of ``dims`` ints (an int,
    or a 1-tuple, which PyTorch's functional API stretches to every dimension); a padding
    string as it is."""
    if isinstance(value, str):
        return value
    if isinstance(value, (tuple, list)):
        return tuple(value) * dims if len(value) == 1 else tuple(value)
    return (value,) * dims


_CONV1D_DEFAULTS = (("input", None), ("weight", None), ("bias", None), ("stride", 1),
                    ("padding", 0), ("dilation", 1), ("groups", 1))
#: ``torch.conv_transpose1d/2d/3d``: output_padding after padding, groups before dilation.
_TRANSPOSED_DEFAULTS = (("input", None), ("weight", None), ("bias", None), ("stride", 1),
                        ("padding", 0), ("output_padding", 0), ("groups", 1), ("dilation", 1))


def _transposed_arguments(args: tuple, kwargs: dict) -> dict[str, Any]:
    """``torch.conv_transpose1d``'s (2d's, 3d's) arguments by name, defaults filled in."""
    bound = {name: default for name, default in _TRANSPOSED_DEFAULTS}
    bound.update(zip((name for name, _ in _TRANSPOSED_DEFAULTS), args))
    bound.update(kwargs)
    return bound


def _conv1d_arguments(args: tuple, kwargs: dict) -> dict[str, Any]:
    """``torch.conv1d``'s (or ``conv2d``'s, ``conv3d``'s: the same signature) arguments by
    name, defaults filled in."""
    bound = {name: default for name, default in _CONV1D_DEFAULTS}
    bound.update(zip((name for name, _ in _CONV1D_DEFAULTS), args))
    bound.update(kwargs)
    return bound


@dataclass
class _Call:
    name: str                    # module path of the convolution module the call ran in
    module: Any
    conv: dict[str, Any]         # what torch.conv1d/2d/3d received (shapes, not tensors)
    output_shape: tuple[int, ...]
    unpadded: tuple[int, ...] | None  # input shape before the module's own padding_mode pad
    layer: str = "conv1d"        # the function that ran: conv1d, conv2d or conv3d


#: The convolution modules whose calls are counted (subclasses and lazy modules included).
_MODULES = ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
            "ConvTranspose3d")
_MODULE_WORDS = "torch.nn.Conv1d, Conv2d, Conv3d or ConvTranspose1d, 2d, 3d"


def _recorder(torch):
    """A TorchFunctionMode that records every ``torch.conv1d``/``conv2d``/``conv3d`` call with
    what it received (``torch.nn.functional.convNd`` is the same function).

    Each call is attributed to the innermost convolution module (``nn.Conv1d/2d/3d``) whose
    forward is running (:meth:`enter` / :meth:`leave`, called by forward pre-hooks and
    hooks); calls outside every such module are counted in ``bare`` (per function).
    Recording at the convolution itself counts what it really received — also when a
    subclass pads in ``forward`` (a causal convolution) or calls ``_conv_forward`` /
    ``F.conv2d`` itself. The pad that the module applies for a non-zeros
    ``padding_mode`` is traced, so that such a layer is shown with its own padding and
    input size (the same count).
    """
    from torch.overrides import TorchFunctionMode

    pad_fn = torch.nn.functional.pad
    functions = ((torch.conv1d, "conv1d"), (torch.conv2d, "conv2d"), (torch.conv3d, "conv3d"),
                 (torch.conv_transpose1d, "conv_transpose1d"),
                 (torch.conv_transpose2d, "conv_transpose2d"),
                 (torch.conv_transpose3d, "conv_transpose3d"))

    class Recorder(TorchFunctionMode):
        def __init__(self) -> None:
            super().__init__()
            self.active: list[tuple[str, Any]] = []
            self.calls: list[_Call] = []
            self.bare: dict[str, int] = {}
            self._own_pad: tuple[Any, Any, tuple[int, ...]] | None = None

        def enter(self, name: str, module: Any) -> None:
            self.active.append((name, module))

        def leave(self, module: Any) -> None:
            for i in range(len(self.active) - 1, -1, -1):
                if self.active[i][1] is module:
                    del self.active[i:]
                    return

        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            out = func(*args, **kwargs)
            layer = next((name for fn, name in functions if func is fn), None)
            if layer is not None:
                self._conv(layer, args, kwargs, out)
            elif func is pad_fn and self.active and args and isinstance(args[0], torch.Tensor):
                module = self.active[-1][1]
                mode = kwargs.get("mode", args[2] if len(args) > 2 else "constant")
                if getattr(module, "padding_mode", "zeros") != "zeros" and \
                        mode == module.padding_mode:
                    self._own_pad = (module, out, tuple(args[0].shape))
            return out

        def _conv(self, layer: str, args: tuple, kwargs: dict, out: Any) -> None:
            bound = (_transposed_arguments(args, kwargs) if layer.startswith("conv_transpose")
                     else _conv1d_arguments(args, kwargs))
            x, w = bound["input"], bound["weight"]
            if not self.active:
                self.bare[layer] = self.bare.get(layer, 0) + 1
                return
            if not (isinstance(x, torch.Tensor) and isinstance(w, torch.Tensor)
                    and isinstance(out, torch.Tensor)):  # pragma: no cover - torch refuses it
                return
            name, module = self.active[-1]
            own = self._own_pad
            unpadded = own[2] if own is not None and own[0] is module and own[1] is x else None
            self._own_pad = None
            conv = dict(input_shape=tuple(x.shape), weight_shape=tuple(w.shape),
                        bias=bound["bias"] is not None, stride=bound["stride"],
                        padding=bound["padding"], dilation=bound["dilation"],
                        groups=bound["groups"], output_padding=bound.get("output_padding", 0))
            self.calls.append(_Call(name, module, conv, tuple(out.shape), unpadded, layer))

    return Recorder()


def _layer_of(call: _Call, label: str) -> tuple[AnyLayer, TorchRecord]:
    """The layer of one recorded convolution call: what the convolution received."""
    if call.layer.startswith("conv_transpose"):
        return _transposed_layer_of(call, label)
    if call.layer != "conv1d":
        return _nd_layer_of(call, label)
    c, mod = call.conv, call.module
    in_shape = c["input_shape"]
    fields = dict(name=label, in_channels=in_shape[-2], out_channels=c["weight_shape"][0],
                  kernel_size=c["weight_shape"][-1], input_length=in_shape[-1],
                  stride=_single(c["stride"]), padding=_single(c["padding"]),
                  dilation=_single(c["dilation"]), groups=c["groups"], bias=c["bias"])
    unbatched = len(in_shape) == 2
    fields["batch_size"] = 1 if unbatched else in_shape[0]
    layer = Conv1dLayer(**fields)
    if call.unpadded is not None and fields["padding"] == 0:
        # nn.Conv1d padded the input itself (padding_mode reflect, replicate, circular):
        # show the layer with its padding and the input it was given (the same L_out)
        own = Conv1dLayer(**{**fields, "input_length": call.unpadded[-1],
                             "padding": _single(mod.padding)})
        if own.output_length == layer.output_length:
            layer, in_shape = own, in_shape[:-1] + call.unpadded[-1:]
    if layer.output_length != call.output_shape[-1]:  # never expected: symconv states PyTorch's rule
        raise RuntimeError(f"{label}: symconv's L_out = {layer.output_length}, "
                           f"PyTorch's output length = {call.output_shape[-1]}")
    record = TorchRecord(label, in_shape, call.output_shape, unbatched,
                         getattr(mod, "padding_mode", "zeros"))
    return layer, record


def _nd_layer_of(call: _Call, label: str) -> tuple[Layer, TorchRecord]:
    """:func:`_layer_of` for a ``conv2d`` / ``conv3d`` call: a :class:`Layer`."""
    c, mod = call.conv, call.module
    dims = int(call.layer[4])
    in_shape = c["input_shape"]
    fields = dict(name=label, type=call.layer, in_channels=in_shape[-dims - 1],
                  out_channels=c["weight_shape"][0], kernel_size=tuple(c["weight_shape"][-dims:]),
                  input_size=tuple(in_shape[-dims:]), stride=_spatial(c["stride"], dims),
                  padding=_spatial(c["padding"], dims), dilation=_spatial(c["dilation"], dims),
                  groups=c["groups"], bias=c["bias"])
    unbatched = len(in_shape) == dims + 1
    fields["batch_size"] = 1 if unbatched else in_shape[0]
    layer = Layer(**fields)
    if call.unpadded is not None and fields["padding"] == (0,) * dims:
        # the module padded the input itself (padding_mode reflect, replicate, circular):
        # show the layer with its padding and the input it was given (the same output size)
        own = Layer(**{**fields, "input_size": tuple(call.unpadded[-dims:]),
                       "padding": _spatial(mod.padding, dims)})
        if own.output_size == layer.output_size:
            layer, in_shape = own, in_shape[:-dims] + tuple(call.unpadded[-dims:])
    if layer.output_size != tuple(call.output_shape[-dims:]):  # never expected
        raise RuntimeError(f"{label}: symconv's output size = {layer.output_size}, "
                           f"PyTorch's = {tuple(call.output_shape[-dims:])}")
    record = TorchRecord(label, in_shape, call.output_shape, unbatched,
                         getattr(mod, "padding_mode", "zeros"))
    return layer, record


def _transposed_layer_of(call: _Call, label: str) -> tuple[Layer, TorchRecord]:
    """:func:`_layer_of` for a ``conv_transpose1d/2d/3d`` call: a :class:`Layer`.

    The weight of a transposed convolution is ``(C_in, C_out/G, *K)``. The output_padding
    is the effective one, read from the output's shape: ``forward(x, output_size=...)``
    chooses it (and passes it on), so the shape is what decides; it must equal what the
    function received.
    """
    c = call.conv
    dims = int(call.layer[len("conv_transpose")])
    in_shape, w_shape = c["input_shape"], c["weight_shape"]
    kernel = tuple(w_shape[-dims:])
    stride, padding = _spatial(c["stride"], dims), _spatial(c["padding"], dims)
    dilation = _spatial(c["dilation"], dims)
    size = tuple(in_shape[-dims:])
    out = tuple(call.output_shape[-dims:])
    # PyTorch's output size with output_padding 0, per dimension: the rest is output_padding
    output_padding = tuple(o - ((i - 1) * s - 2 * p + d * (k - 1) + 1)
                           for o, i, s, p, d, k in zip(out, size, stride, padding, dilation,
                                                       kernel))
    given = _spatial(c["output_padding"], dims)
    if output_padding != tuple(given):  # never expected: symconv states PyTorch's rule
        raise RuntimeError(f"{label}: output_padding from the output shape {output_padding}, "
                           f"PyTorch received {tuple(given)}")
    fields = dict(name=label, type=call.layer, in_channels=in_shape[-dims - 1],
                  out_channels=w_shape[1] * c["groups"], kernel_size=kernel, input_size=size,
                  stride=stride, padding=padding, output_padding=output_padding,
                  dilation=dilation, groups=c["groups"], bias=c["bias"])
    unbatched = len(in_shape) == dims + 1
    fields["batch_size"] = 1 if unbatched else in_shape[0]
    layer = Layer(**fields)
    if layer.output_size != out:  # never expected
        raise RuntimeError(f"{label}: symconv's output size = {layer.output_size}, "
                           f"PyTorch's = {out}")
    record = TorchRecord(label, in_shape, call.output_shape, unbatched,
                         getattr(call.module, "padding_mode", "zeros"))
    return layer, record


def _run(model, inputs: Any, state: dict | None, torch) -> Any:
    """Run ``model`` once in eval mode with every convolution module's call recorded."""
    recorder = _recorder(torch)
    classes = tuple(getattr(torch.nn, name) for name in _MODULES)
    convs = [(name or type(mod).__name__.lower(), mod) for name, mod in model.named_modules()
             if isinstance(mod, classes)]
    handles = []

    def leave(module, args, output):
        recorder.leave(module)

    for name, mod in convs:
        handles.append(mod.register_forward_pre_hook(
            lambda module, args, name=name: recorder.enter(name, module)))
        try:  # also when forward raises and the caller catches it (PyTorch >= 2.1)
            handles.append(mod.register_forward_hook(leave, always_call=True))
        except TypeError:  # pragma: no cover - older PyTorch
            handles.append(mod.register_forward_hook(leave))
    modes = {mod: mod.training for mod in model.modules()}
    try:
        model.eval()
        with recorder:
            _call(model, inputs, state)
    finally:
        for h in handles:
            h.remove()
        for mod, training in modes.items():  # each module's own mode, as it was
            mod.training = training
    return recorder, len(convs)


def from_torch(model, example_input: Any, *, meta: bool = True) -> TorchLayers:
    """Every ``nn.Conv1d``, ``nn.Conv2d``, ``nn.Conv3d`` and ``nn.ConvTranspose1d/2d/3d``
    call of ``model`` on ``example_input``, as symconv layers.

    A transposed convolution is a :class:`~symconv.layers.Layer` of type
    ``"conv_transpose1d"`` (``2d``, ``3d``) whose ``output_padding`` is the effective one, read
    from the output's shape (``forward(x, output_size=...)`` chooses it).

    Each layer is what the convolution really received: the input size and
    batch size are read where ``conv1d`` / ``conv2d`` / ``conv3d`` runs, so a subclass
    that pads in ``forward`` (a causal convolution) is counted on its padded input.

    Args:
        model: a ``torch.nn.Module`` (or a single convolution module).
        example_input: the input of one forward call: a tensor, a tuple/list of
            positional arguments, or a dict of keyword arguments. Only its shapes
            matter when the meta run succeeds.
        meta: try the shape-only run on meta tensors first (default True);
            False always runs a real forward pass.

    Returns:
        :class:`TorchLayers`: one layer per call of a convolution module, in call
        order — a :class:`~symconv.layers.Conv1dLayer` for ``conv1d``, a
        :class:`~symconv.layers.Layer` (``type`` ``"conv2d"`` / ``"conv3d"``) for the
        others — named by module path (``path#2`` for a second call of the same
        module); unbatched input gives ``batch_size=1``, recorded as ``unbatched`` in
        :attr:`TorchLayers.records`; an empty batch gives ``batch_size=0`` and a count of 0.

    The model is left as it was: a model with lazy modules (``nn.LazyConv1d``,
    ``nn.LazyConv2d``, ...) runs as a copy, so its parameters stay uninitialized (if it
    cannot be copied, a :class:`FromTorchWarning` says that the forward pass
    initialized them).

    Warns:
        FromTorchWarning: a lazy model could not be copied and was initialized.
        NoConvolutionWarning (alias ``NoConv1dWarning``): no convolution module ran
            (the result is empty).
        UncountedConvolutionWarning (alias ``UncountedConv1dWarning``): ``conv1d``,
            ``conv2d`` or ``conv3d`` ran outside every convolution module.

    Raises:
        ImportError: PyTorch is not installed.
        TypeError: ``model`` is not an ``nn.Module``.
    """
    return _from_torch(model, example_input, meta, stacklevel=3)


def _from_torch(model, example_input: Any, meta: bool, stacklevel: int) -> TorchLayers:
    """:func:`from_torch`; warnings point ``stacklevel`` frames up (at the user's call)."""
    torch = _torch()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    lazy = _is_lazy(model)
    recorder = None
    method = "meta"
    if meta:
        try:
            inputs = _map_tensors(example_input, lambda t: t.to("meta"))
            if lazy:  # a lazy module initializes itself on the first call: run a meta copy
                recorder, n_convs = _run(_meta_copy(model), inputs, None, torch)
            else:
                recorder, n_convs = _run(model, inputs, _meta_state(model), torch)
        except Exception:  # the model cannot run shape-only: one real pass instead
            recorder = None
    if recorder is None:
        method = "forward"
        target = model
        if lazy:  # the forward pass would initialize the lazy modules: run a copy
            import copy

            try:
                target = copy.deepcopy(model)
            except Exception as exc:
                warnings.warn(FromTorchWarning(
                    f"from_torch: the model cannot be copied ({type(exc).__name__}: {exc}); "
                    f"its lazy modules are initialized by the forward pass"), stacklevel=stacklevel)
        recorder, n_convs = _run(target, example_input, None, torch)

    layers, records, calls = [], [], {}
    for call in recorder.calls:
        calls[call.name] = calls.get(call.name, 0) + 1
        label = call.name if calls[call.name] == 1 else f"{call.name}#{calls[call.name]}"
        layer, record = _layer_of(call, label)
        layers.append(layer)
        records.append(record)
    if recorder.bare:
        calls = ", ".join(f"{n} {fn} call(s)" for fn, n in sorted(recorder.bare.items()))
        fns = "/".join(f"torch.nn.functional.{fn}" for fn in sorted(recorder.bare))
        warnings.warn(UncountedConvolutionWarning(
            f"from_torch: {calls} ran outside every convolution module ({_MODULE_WORDS}; "
            f"{fns} called directly) and are not counted"), stacklevel=stacklevel)
    if not layers:
        where = (f"the model has no {_MODULE_WORDS} module" if not n_convs else
                 f"none of its {n_convs} convolution module(s) ({_MODULE_WORDS}) ran on "
                 f"this input")
        warnings.warn(NoConvolutionWarning(f"from_torch: no convolution layer to count: {where}; "
                                           f"the result is empty"), stacklevel=stacklevel)
    return TorchLayers(layers, records, method, model, example_input)
