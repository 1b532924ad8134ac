"""from_torch on the edges: convolutions that pad in forward, empty batches, lazy modules,
models without a convolution, and the model left as it was.

Every count is checked against PyTorch's own FlopCounterMode (converted by the proven
relation) or against symconv's evaluator on the shapes PyTorch itself reports.
"""

import copy
import warnings

import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install 'symconv[torch]')")
nn = torch.nn
F = torch.nn.functional
from torch.nn.parameter import UninitializedParameter  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

import symconv  # noqa: E402
from symconv import conventions as cv  # noqa: E402
from symconv.layers import Conv1dLayer, LayerSpecError  # noqa: E402
from symconv.model import load_layers, parse_layers  # noqa: E402
from symconv.torch_interop import (NoConv1dWarning, UncountedConv1dWarning,  # noqa: E402
                                   derive_layer, from_torch)


def _flops(model, x) -> int:
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x)
    return counter.get_total_flops()


def _both(model, x):
    """from_torch on meta tensors and with a real forward pass; they must agree."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an ordinary model gives no warning
        meta, real = from_torch(model, x), from_torch(model, x, meta=False)
    assert (meta.method, real.method) == ("meta", "forward")
    assert list(meta) == list(real) and meta.records == real.records
    return meta


# --- convolutions that pad before the convolution runs ---------------------------------------

class CausalConv1d(nn.Conv1d):
    """The usual causal convolution: left padding applied in forward."""

    def __init__(self, cin, cout, k, dilation=1, **kw):
        super().__init__(cin, cout, k, dilation=dilation, **kw)
        self.padding_extra = (k - 1) * dilation

    def forward(self, x):
        return super().forward(F.pad(x, (self.padding_extra, 0)))


class PadsInConvForward(nn.Conv1d):
    """Calls self._conv_forward itself with a padded input."""

    def forward(self, x):
        return self._conv_forward(F.pad(x, (3, 1)), self.weight, self.bias)


class OwnConvForward(nn.Conv1d):
    """Overrides _conv_forward: pads and calls F.conv1d with its own arguments."""

    def _conv_forward(self, x, weight, bias):
        return F.conv1d(F.pad(x, (2, 2)), weight, bias, self.stride, 0, self.dilation, self.groups)


class StandardizedConv1d(nn.Conv1d):
    """Weight standardization: F.conv1d called directly from forward, not via _conv_forward."""

    def forward(self, x):
        w = self.weight - self.weight.mean(dim=(1, 2), keepdim=True)
        return F.conv1d(x, w, self.bias, self.stride, self.padding, self.dilation, self.groups)


@pytest.mark.parametrize("batch", [None, 3])
def test_causal_conv1d_counts_the_padded_input(batch):
    model = nn.Sequential(CausalConv1d(1, 8, 5), nn.ReLU(), CausalConv1d(8, 8, 3, dilation=4),
                          CausalConv1d(8, 4, 3, dilation=2, bias=False, groups=4))
    x = torch.randn(((batch,) if batch else ()) + (1, 50))
    layers = _both(model, x)
    y = model(x)
    assert y.shape[-1] == 50  # causal: the length is kept
    # each convolution received its input padded by (K - 1)·d on the left
    assert [ly.input_length for ly in layers] == [50 + 4, 50 + 8, 50 + 4]
    assert [ly.output_length for ly in layers] == [50, 50, 50]
    assert all(ly.padding == 0 for ly in layers)
    assert [r.input_shape[-1] for r in layers.records] == [54, 58, 54]
    assert layers[2].ops == symconv.conv1d_ops(batch, 8, 4, 54, 3, dilation=2, groups=4,
                                               bias=False)
    assert _flops(model, x) == layers.total("torch")


@pytest.mark.parametrize("cls", [PadsInConvForward, OwnConvForward, StandardizedConv1d])
def test_conv1d_subclasses_count_what_conv1d_received(cls):
    model = nn.Sequential(cls(2, 6, 3, stride=2), cls(6, 6, 5, groups=3))
    x = torch.randn(2, 2, 41)
    layers = _both(model, x)
    # the lengths PyTorch really produced, layer by layer
    h = model[0](x)
    assert [r.output_shape for r in layers.records] == [tuple(h.shape),
                                                        tuple(model[1](h).shape)]
    extra = {PadsInConvForward: 4, OwnConvForward: 4, StandardizedConv1d: 0}[cls]
    assert [ly.input_length for ly in layers] == [41 + extra, h.shape[-1] + extra]
    assert _flops(model, x) == layers.total("torch")
    for layer in layers:
        assert layer.ops == symconv.conv1d_ops(2, layer.in_channels, layer.out_channels,
                                               layer.input_length, layer.kernel_size,
                                               layer.stride, 0, 1, layer.groups)


def test_a_forward_pre_hook_that_pads_is_counted():
    conv = nn.Conv1d(3, 3, 7)
    conv.register_forward_pre_hook(lambda module, args: (F.pad(args[0], (6, 0)),))
    layers = _both(conv, torch.randn(1, 3, 20))
    assert (layers[0].input_length, layers[0].output_length) == (26, 20)


def test_padding_mode_pad_is_shown_as_the_layers_own_padding():
    # a causal convolution that also reflects: the user's pad is counted in L_in, the
    # module's own reflect padding stays its padding (one layer, the same count)
    model = CausalConv1d(2, 2, 3, padding=1, padding_mode="reflect")
    layers = _both(model, torch.randn(1, 2, 30))
    (layer,), (record,) = layers, layers.records
    assert (layer.input_length, layer.padding, layer.output_length) == (32, 1, 32)
    assert record.padding_mode == "reflect" and record.input_shape == (1, 2, 32)
    assert _flops(model, torch.randn(1, 2, 30)) == layers.total("torch")


# --- empty batch ---------------------------------------------------------------------------

def test_empty_batch_counts_zero(tmp_path, capsys):
    from symconv.cli import main

    model = nn.Sequential(nn.Conv1d(1, 4, 5, stride=2), CausalConv1d(4, 4, 3))
    x = torch.randn(0, 1, 100)
    assert model(x).shape == (0, 4, 48)  # PyTorch runs an empty batch
    layers = _both(model, x)
    assert [ly.batch_size for ly in layers] == [0, 0]
    assert [ly.ops for ly in layers] == [0, 0] and layers.total() == 0
    assert layers.total("torch") == _flops(model, x) == 0
    # the rest of the layer is read as usual: L_out is PyTorch's
    assert [ly.output_length for ly in layers] == [48, 48]
    derivation = derive_layer(layers[0])
    assert derivation.ops == 0 and derivation["output_length"].value == 48
    assert derivation.counts["ptflops-sample"] == cv.count("ptflops-sample", 1, 1, 4, 100, 5,
                                                           stride=2)
    assert all(v == 0 for k, v in derivation.counts.items() if k != "ptflops-sample")
    assert [r["batch_size"] for r in layers.rows()] == [0, 0]
    # the table shows N = 0 and 0 ops; the layer file reads back and `symconv table` takes it
    head, _, first, second, _, total = layers.table().splitlines()[:6]
    assert head.split()[9] == "N" and head.split()[-1] == "symconv"
    assert [first.split()[9], first.split()[-1], second.split()[9], second.split()[-1]] == ["0"] * 4
    assert total.split() == ["total", "0"]
    path = layers.save(tmp_path / "empty.json")
    assert load_layers(path) == list(layers)
    assert main(["table", str(path), "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[1].split(",")[:2] == ["0", "0"]  # name, batch_size
    # the evaluators still refuse a batch size of 0 (a size is positive)
    with pytest.raises(ValueError, match="batch_size"):
        symconv.conv1d_ops(0, 1, 4, 100, 5)


def test_layer_files_take_an_empty_batch_but_no_other_non_positive_batch():
    layer = parse_layers([{"name": "a", "in_channels": 2, "out_channels": 2, "kernel_size": 3,
                           "input_length": 10, "batch_size": 0}])[0]
    assert layer.ops == 0 and layer.parameters == symconv.conv1d_parameters(2, 2, 3)
    for bad in (-1, False, 0.0):
        with pytest.raises((LayerSpecError, TypeError, ValueError), match="batch_size"):
            Conv1dLayer("a", 2, 2, 3, 10, batch_size=bad)
    # every other rule still holds for an empty batch
    with pytest.raises(ValueError, match="kernel"):
        Conv1dLayer("a", 2, 2, 30, 10, batch_size=0)


# --- lazy modules and the model left as it was ------------------------------------------------

def test_lazy_modules_stay_uninitialized():
    model = nn.Sequential(nn.LazyConv1d(8, 3), nn.ReLU(), nn.LazyConv1d(4, 5, bias=False))
    for meta in (True, False):
        layers = from_torch(model, torch.randn(2, 5, 30), meta=meta)
        assert layers.method == ("meta" if meta else "forward")
        assert [(ly.in_channels, ly.out_channels) for ly in layers] == [(5, 8), (8, 4)]
        assert layers[1].ops == symconv.conv1d_ops(2, 8, 4, 28, 5, bias=False)
        # the user's model is as it was: still lazy, parameters not materialised
        assert isinstance(model[0], nn.LazyConv1d) and isinstance(model[2], nn.LazyConv1d)
        assert isinstance(model[0].weight, UninitializedParameter)
        assert isinstance(model[2].weight, UninitializedParameter)
    # and the counts are those of the materialised model
    real = copy.deepcopy(model)
    x = torch.randn(2, 5, 30)
    assert _flops(real, x) == layers.total("torch")


def test_lazy_model_that_cannot_run_on_meta_falls_back_on_a_copy():
    class DataDependent(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.LazyConv1d(3, 3)

        def forward(self, x):
            if x.sum() > 0:  # needs real values
                x = -x
            return self.conv(x)

    model = DataDependent()
    layers = from_torch(model, torch.randn(2, 6, 40))
    assert layers.method == "forward"
    assert (layers[0].in_channels, layers[0].input_length) == (6, 40)
    assert isinstance(model.conv.weight, UninitializedParameter)


def test_a_lazy_model_that_cannot_be_copied_is_initialized_and_says_so():
    import threading

    from symconv.torch_interop import FromTorchWarning

    model = nn.Sequential(nn.LazyConv1d(4, 3))
    model.lock = threading.Lock()  # deepcopy refuses it
    with pytest.warns(FromTorchWarning, match="lazy modules are initialized"):
        layers = from_torch(model, torch.randn(1, 2, 10))
    assert layers.method == "forward" and layers[0].in_channels == 2
    assert not isinstance(model[0].weight, UninitializedParameter)


def test_each_modules_training_mode_is_restored():
    model = nn.Sequential(nn.Conv1d(1, 4, 3), nn.BatchNorm1d(4), nn.Dropout(0.5))
    model.train()
    model[1].eval()  # a frozen BatchNorm inside a model in training mode
    for meta in (True, False):
        from_torch(model, torch.randn(2, 1, 30), meta=meta)
        assert [m.training for m in model] == [True, False, True] and model.training


# --- nothing to count -----------------------------------------------------------------------

def test_a_model_without_a_convolution_warns():
    with pytest.warns(NoConv1dWarning, match="no torch.nn.Conv1d, Conv2d, Conv3d or "
                      "ConvTranspose1d, 2d, 3d module"):
        layers = from_torch(nn.Sequential(nn.Linear(8, 8), nn.ReLU()), torch.randn(2, 8))
    assert layers == [] and layers.total() == 0
    with pytest.raises(ValueError, match="no convolution layer"):
        layers.render_table("md")


def test_a_convolution_that_does_not_run_warns():
    class Unused(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.lin = nn.Conv1d(1, 1, 3), nn.Linear(4, 4)

        def forward(self, x):
            return self.lin(x)

    with pytest.warns(NoConv1dWarning, match="none of its 1 convolution module"):
        assert from_torch(Unused(), torch.randn(2, 4)) == []


def test_a_bare_functional_conv1d_is_reported_as_not_counted():
    class Mixed(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(1, 2, 3)
            self.kernel = nn.Parameter(torch.randn(2, 2, 5))

        def forward(self, x):
            return F.conv1d(self.conv(x), self.kernel)

    with pytest.warns(UncountedConv1dWarning, match="1 conv1d call"):
        layers = from_torch(Mixed(), torch.randn(1, 1, 20))
    assert [ly.name for ly in layers] == ["conv"]


def test_warnings_point_at_the_callers_line():
    for fn in (symconv.from_torch, from_torch):
        with pytest.warns(NoConv1dWarning) as record:
            fn(nn.ReLU(), torch.randn(2, 3))
        assert [w.filename for w in record] == [__file__]


def test_symconv_from_torch_is_the_same_function():
    import inspect

    assert inspect.signature(symconv.from_torch) == inspect.signature(from_torch)
    model = nn.Sequential(CausalConv1d(1, 2, 3), nn.Conv1d(2, 2, 1))
    x = torch.randn(0, 1, 9)
    a, b = symconv.from_torch(model, x), from_torch(model, x)
    assert list(a) == list(b) and a.records == b.records and a.method == b.method


def test_plain_text_shows_control_characters_in_names_as_code_points():
    """A module name can be any string without a dot (nn.ModuleDict keys): an escape
    sequence in it must not reach the terminal through the plain-text table or derivation."""
    import torch
    from torch import nn

    hostile = "enc\x1b[2J\u202eevil\nnext"

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleDict({hostile: nn.Conv1d(2, 4, 3)})

        def forward(self, x):
            return self.blocks[hostile](x)

    layers = symconv.from_torch(Model(), torch.zeros(1, 2, 10))
    table, text = layers.table(), layers.derivations()[0].text()
    for out in (table, text):
        assert "\x1b" not in out and "\u202e" not in out and "\nnext" not in out
        assert "enc<U+001B>[2J<U+202E>evil<U+000A>next" in out
    assert len(table.splitlines()) == 6  # head, rule, one row, rule, total, convention
