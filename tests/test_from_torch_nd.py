"""from_torch on nn.Conv2d and nn.Conv3d (and models mixing them with nn.Conv1d).

Every count is checked against PyTorch's own FlopCounterMode (the torch convention), every
output size against the shape PyTorch produced, every parameter count against the module's
own parameters (``numel``).
"""

import copy
import random
import warnings

import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install 'symconv[torch]')")
nn = torch.nn
F = torch.nn.functional
from torch.nn.parameter import UninitializedParameter  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

import symconv  # noqa: E402
from symconv.layers import Conv1dLayer, Layer  # noqa: E402
from symconv.model import load_layers  # noqa: E402
from symconv.torch_interop import (NoConv1dWarning, NoConvolutionWarning,  # noqa: E402
                                   UncountedConv1dWarning, UncountedConvolutionWarning,
                                   from_torch)
from symconv.registry import get  # noqa: E402

from _helpers import torch_class  # noqa: E402
from _helpers import FORWARD, FORWARD_ONLY


def _flops(model, x) -> int:
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x)
    return counter.get_total_flops()


def _both(model, x):
    """from_torch on meta tensors and with a real forward pass; they must agree."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        meta, real = from_torch(model, x), from_torch(model, x, meta=False)
    assert (meta.method, real.method) == ("meta", "forward")
    assert list(meta) == list(real) and meta.records == real.records
    return meta


def _params(module) -> int:
    return sum(p.numel() for p in module.parameters())


class BasicBlock(nn.Module):
    """A ResNet basic block with a strided downsample, bias=False everywhere."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding="same", bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False),
                                  nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + self.down(x))


def resnet_like():
    return nn.Sequential(
        nn.Conv2d(3, 16, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        BasicBlock(16, 32, 2),
        nn.Conv2d(32, 32, 3, padding=1, groups=32),               # depthwise
        nn.Conv2d(32, 64, 1),                                     # pointwise
        nn.Conv2d(64, 64, (3, 5), stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=4),
        nn.Conv2d(64, 8, 3, padding="valid"),
    )


@pytest.mark.parametrize("batch", [0, 2])
def test_resnet_like_model_counts_equal_flop_counter(batch):
    model = resnet_like()
    x = torch.randn(((batch,) if batch is not None else ()) + (3, 64, 48))
    layers = _both(model, x)
    assert all(isinstance(ly, Layer) and ly.type == "conv2d" for ly in layers)
    assert [ly.name for ly in layers] == ["0", "3.conv1", "3.conv2", "3.down.0", "4", "5", "6",
                                          "7"]
    assert layers.total("torch") == _flops(model, x)
    assert [r.unbatched for r in layers.records] == [batch is None] * len(layers)
    assert [ly.batch_size for ly in layers] == [1 if batch is None else batch] * len(layers)
    # output sizes are those PyTorch produced; parameters those of the modules
    modules = dict(model.named_modules())
    for layer, record in zip(layers, layers.records):
        assert layer.output_size == record.output_shape[-2:]
        assert layer.parameters == _params(modules[layer.name])
    if batch == 0:
        assert layers.total() == 0 and all(ly.ops == 0 for ly in layers)
    else:
        for layer in layers:
            assert layer.ops == symconv.conv2d_ops(
                batch, layer.in_channels, layer.out_channels, layer.input_size,
                layer.kernel_size, layer.stride, layer.padding, layer.dilation,
                layer.groups, layer.bias)
    # what each layer received, read from the call
    dw, grouped = layers[4], layers[6]
    assert (dw.groups, dw.in_channels, dw.out_channels, dw.bias) == (32, 32, 32, True)
    assert (grouped.kernel_size, grouped.stride, grouped.padding, grouped.dilation,
            grouped.groups) == ((3, 5), (2, 1), (1, 2), (1, 2), 4)
    assert layers[2].padding == "same" and layers[7].padding == "valid"
    assert layers[0].bias is False and layers[0].input_size == (64, 48)


def test_conv3d_and_a_model_mixing_conv1d_and_conv2d():
    video = nn.Sequential(nn.Conv3d(3, 8, (3, 7, 7), stride=(1, 2, 2), padding=(1, 3, 3)),
                          nn.Conv3d(8, 8, 3, padding="same", groups=8, bias=False),
                          nn.Conv3d(8, 4, 1, stride=2))
    x = torch.randn(2, 3, 8, 32, 32)
    layers = _both(video, x)
    assert [ly.type for ly in layers] == ["conv3d"] * 3
    assert layers.total("torch") == _flops(video, x)
    assert layers[0].output_size == (8, 16, 16) and layers[2].output_size == (4, 8, 8)
    assert [ly.parameters for ly in layers] == [_params(m) for m in video]

    class AudioVisual(nn.Module):
        def __init__(self):
            super().__init__()
            self.audio = nn.Conv1d(1, 8, 9, stride=4)
            self.image = nn.Conv2d(3, 8, 3, stride=2)

        def forward(self, pair):
            wave, image = pair
            return self.audio(wave).mean() + self.image(image).mean()

    model = AudioVisual()
    pair = (torch.randn(4, 1, 400), torch.randn(4, 3, 20, 20))
    layers = _both(model, (pair,))
    assert [type(ly) for ly in layers] == [Conv1dLayer, Layer]
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(pair)
    assert layers.total("torch") == counter.get_total_flops()
    assert layers[0].ops == symconv.conv1d_ops(4, 1, 8, 400, 9, stride=4)
    assert layers[1].ops == symconv.conv2d_ops(4, 3, 8, (20, 20), 3, stride=2)
    table = layers.table()
    assert "Conv1d" in table and "Conv2d" in table and "9×9" in table and "3×3" in table
    assert layers.render_table("csv").splitlines()[0].startswith("name,type,")


@pytest.mark.layers(where=FORWARD, reason=FORWARD_ONLY)
def test_random_configurations_of_every_layer_against_pytorch(layer):
    """from_torch on random modules of each registered layer: output size, FlopCounterMode's
    count (the torch convention) and the parameter count, 40 configurations per layer."""
    spec = get(layer)
    rng = random.Random(9 + spec.dims)
    dims, cls = spec.dims, torch_class(spec)
    checked = 0
    while checked < 40:
        groups = rng.choice((1, 1, 2, 3))
        cin, cout = groups * rng.randint(1, 3), groups * rng.randint(1, 3)
        kernel = tuple(rng.randint(1, 4) for _ in range(dims))
        dilation = tuple(rng.randint(1, 2) for _ in range(dims))
        padding = rng.choice(["same", "valid", tuple(rng.randint(0, 2) for _ in range(dims)),
                              rng.randint(0, 2)])
        stride = 1 if padding == "same" else tuple(rng.randint(1, 3) for _ in range(dims))
        size = tuple(rng.randint(1, 12) for _ in range(dims))
        bias = rng.random() < 0.5
        try:
            conv = cls(cin, cout, kernel, stride=stride, padding=padding, dilation=dilation,
                       groups=groups, bias=bias)
            x = torch.randn((rng.choice((1, 2)), cin) + size)
            y = conv(x)
        except RuntimeError:  # the kernel does not fit: PyTorch refuses, so does symconv
            continue
        layers = from_torch(conv, x)
        (found,) = layers
        assert found.output_size == tuple(y.shape[2:])
        assert found.count("torch") == _flops(conv, x)
        assert found.parameters == _params(conv)
        assert found.type == spec.name
        checked += 1


def test_unbatched_conv2d_and_conv3d_input():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False),
                          nn.Conv2d(8, 8, 3, padding="same", groups=8))
    x = torch.randn(3, 20, 22)  # (C, H, W): no batch dimension
    layers = _both(model, x)
    assert [r.unbatched for r in layers.records] == [True, True]
    assert [ly.batch_size for ly in layers] == [1, 1]
    assert layers[0].output_size == tuple(model[0](x).shape[1:])
    assert layers.total("torch") == _flops(model, x)
    assert layers[1].ops == symconv.conv2d_ops(None, 8, 8, (10, 11), 3, padding="same", groups=8)
    video = nn.Conv3d(2, 4, (1, 3, 3), padding=(0, 1, 1))
    x = torch.randn(2, 5, 9, 9)
    (layer,) = layers = _both(video, x)
    assert layers.records[0].unbatched and layer.output_size == (5, 9, 9)
    assert layers.total("torch") == _flops(video, x)


class CausalConv2d(nn.Conv2d):
    """Pads in forward (causal in time, 'same' in frequency): counted on the padded input."""

    def forward(self, x):
        kh, kw = self.kernel_size
        return super().forward(F.pad(x, (kw // 2, kw // 2, kh - 1, 0)))


class OwnConv2d(nn.Conv2d):
    """Calls F.conv2d itself, with a 1-tuple stride that PyTorch stretches to both dimensions."""

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, (2,), 0, 1, self.groups)


def test_conv2d_subclasses_count_what_conv2d_received():
    model = nn.Sequential(CausalConv2d(2, 4, (3, 3)), OwnConv2d(4, 4, 3))
    x = torch.randn(2, 2, 20, 16)
    layers = _both(model, x)
    assert layers[0].input_size == (22, 18) and layers[0].output_size == (20, 16)
    assert layers[1].stride == (2, 2) and layers[1].output_size == (9, 7)
    assert layers.total("torch") == _flops(model, x)


def test_padding_mode_of_conv2d_is_shown_as_its_own_padding():
    conv = nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode="reflect")
    x = torch.randn(1, 2, 10, 12)
    layers = _both(conv, x)
    (layer,), (record,) = layers, layers.records
    assert (layer.input_size, layer.padding) == ((10, 12), (1, 2))
    assert record.padding_mode == "reflect" and layer.output_size == tuple(conv(x).shape[2:])
    assert layers.total("torch") == _flops(conv, x)


def test_lazy_conv2d_stays_uninitialized():
    model = nn.Sequential(nn.LazyConv2d(8, 3), nn.ReLU(), nn.LazyConv2d(4, 1, bias=False))
    x = torch.randn(2, 5, 12, 12)
    for meta in (True, False):
        layers = from_torch(model, x, meta=meta)
        assert [(ly.in_channels, ly.out_channels) for ly in layers] == [(5, 8), (8, 4)]
        assert isinstance(model[0].weight, UninitializedParameter)
    assert _flops(copy.deepcopy(model), x) == layers.total("torch")


def test_layer_file_of_a_conv2d_model_reads_back(tmp_path, capsys):
    from symconv.cli import main

    model = resnet_like()
    layers = from_torch(model, torch.randn(2, 3, 32, 32))
    path = layers.save(tmp_path / "resnet.json")
    assert load_layers(path) == list(layers)
    assert main(["table", str(path), "--format", "csv"]) == 0
    assert capsys.readouterr().out == layers.render_table("csv")


def test_derivations_of_conv2d_and_conv3d_layers():
    model = nn.Sequential(nn.Conv2d(3, 6, (3, 5), stride=2, padding=1, groups=3, bias=False),
                          nn.Conv2d(6, 6, 3, padding="same"))
    x = torch.randn(4, 3, 17, 19)
    layers = from_torch(model, x)
    for derivation, layer in zip(layers.derivations(), layers):
        assert derivation.ops == layer.ops
        assert derivation.counts["torch"] == layer.count("torch")
        assert [derivation[f"output_{a}" if layer.padding == "same" else
                           {"H": "output_height", "W": "output_width"}[a]].value
                for a in ("H", "W")] == list(layer.output_size)
    text = layers.derivation("0").text(conventions=True)
    assert "Conv2d(3, 6, kernel_size=(3, 5)" in text and "H_out = ⌊" in text
    assert f"Conv2d_ops = N·(ψ·λ + γ) = 4·" in text and "torch" in text
    assert "H_out = H_in = 9" in layers.derivation(1).text()  # the first layer's output
    conv3 = nn.Conv3d(2, 2, 2)
    (d3,) = from_torch(conv3, torch.randn(2, 3, 4, 5)).derivations()  # unbatched
    assert d3.ops == symconv.conv3d_ops(None, 2, 2, (3, 4, 5), 2) and "D_out" in d3.text()


def test_warnings_cover_the_family_and_keep_the_old_names():
    assert NoConv1dWarning is NoConvolutionWarning
    assert UncountedConv1dWarning is UncountedConvolutionWarning
    with pytest.warns(NoConvolutionWarning, match="Conv1d, Conv2d, Conv3d or "
                      "ConvTranspose1d, 2d, 3d"):
        assert from_torch(nn.Linear(3, 3), torch.randn(2, 3)) == []

    class Bare(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3)
            self.kernel = nn.Parameter(torch.randn(2, 2, 1, 1))

        def forward(self, x):
            return F.conv2d(self.conv(x), self.kernel)

    with pytest.warns(UncountedConvolutionWarning, match="1 conv2d call"):
        layers = from_torch(Bare(), torch.randn(1, 1, 8, 8))
    assert [ly.name for ly in layers] == ["conv"]
