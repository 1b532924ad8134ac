"""symconv against real PyTorch: output lengths, FlopCounterMode, from_torch, peer counters.

Skipped (with the reason) where torch is not installed. The optional
comparisons with thop, ptflops and fvcore are skipped where those are absent.
"""

import contextlib
import io
import random
import sys
import warnings

import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install 'symconv[torch]')")
nn = torch.nn
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

import symconv  # noqa: E402
from symconv import conventions as cv  # noqa: E402
from symconv.layers import Conv1dLayer  # noqa: E402
from symconv.torch_interop import TorchLayers, derive_layer, from_torch  # noqa: E402

LENGTH_CONFIGS = 600      # >= 500 valid configurations checked against nn.Conv1d
FLOP_CONFIGS = 250        # >= 200 configurations checked against FlopCounterMode


def _random_config(rng: random.Random) -> dict:
    g = rng.choice([1, 1, 2, 3, 4])
    form = rng.choice(["int", "int", "same", "valid"])
    cfg = dict(in_channels=g * rng.randint(1, 3), out_channels=g * rng.randint(1, 3),
               kernel_size=rng.randint(1, 7), stride=1 if form == "same" else rng.randint(1, 4),
               padding=rng.randint(0, 5) if form == "int" else form,
               dilation=rng.choice([1, 1, 2, 3, 5]), groups=g, bias=rng.random() < 0.5,
               input_length=rng.randint(1, 64),
               batch_size=rng.choice([None, 1, 2, 3]))
    pad = cfg["padding"]
    modes = ["zeros"]
    if isinstance(pad, int) and 0 < pad < cfg["input_length"]:
        modes += ["reflect", "replicate", "circular"]
    cfg["padding_mode"] = rng.choice(modes)
    return cfg


def _module(cfg: dict) -> nn.Conv1d:
    return nn.Conv1d(cfg["in_channels"], cfg["out_channels"], cfg["kernel_size"],
                     stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"],
                     groups=cfg["groups"], bias=cfg["bias"], padding_mode=cfg["padding_mode"])


def _input(cfg: dict, device: str = "cpu") -> "torch.Tensor":
    shape = (cfg["in_channels"], cfg["input_length"])
    if cfg["batch_size"] is not None:
        shape = (cfg["batch_size"],) + shape
    return torch.randn(shape, device=device)


def _symconv_args(cfg: dict) -> tuple:
    return (cfg["batch_size"], cfg["in_channels"], cfg["out_channels"], cfg["input_length"],
            cfg["kernel_size"], cfg["stride"], cfg["padding"], cfg["dilation"], cfg["groups"],
            cfg["bias"])


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
def test_output_length_equals_real_conv1d():
    rng = random.Random(20261125)
    valid, refused = [], 0
    while len(valid) < LENGTH_CONFIGS:
        cfg = _random_config(rng)
        try:
            expected = symconv.conv1d_output_length(cfg["input_length"], cfg["kernel_size"],
                                                    cfg["stride"], cfg["padding"], cfg["dilation"])
        except ValueError:
            # symconv refuses it: PyTorch must refuse it as well
            with pytest.raises(RuntimeError):
                _module(cfg)(_input(cfg))
            refused += 1
            continue
        with torch.no_grad():
            y = _module(cfg)(_input(cfg))
        assert y.shape[-1] == expected, cfg
        assert y.dim() == (2 if cfg["batch_size"] is None else 3)
        valid.append(cfg)
    # every form of the parameters is covered
    assert sum(c["padding"] == "same" for c in valid) >= 50
    assert sum(c["padding"] == "valid" for c in valid) >= 50
    assert sum(isinstance(c["padding"], int) and c["padding"] > 0 for c in valid) >= 50
    assert sum(c["dilation"] > 1 for c in valid) >= 50
    assert sum(c["stride"] > 1 for c in valid) >= 50
    assert sum(c["batch_size"] is None for c in valid) >= 50
    assert sum(c["padding_mode"] != "zeros" for c in valid) >= 20
    assert sum(c["groups"] > 1 for c in valid) >= 50
    assert refused >= 10


def _flop_counter(module, x) -> int:
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module(x)
    return counter.get_total_flops()


def test_torch_convention_equals_flop_counter_and_converts_to_symconv():
    rng = random.Random(7)
    checked = 0
    while checked < FLOP_CONFIGS:
        cfg = _random_config(rng)
        try:
            expected_ops = symconv.conv1d_ops(*_symconv_args(cfg))
        except ValueError:
            continue
        measured = _flop_counter(_module(cfg), _input(cfg))
        assert measured == cv.count("torch", *_symconv_args(cfg)), cfg
        # the proven relation turns FlopCounterMode's number into symconv's count, exactly
        length = symconv.conv1d_output_length(cfg["input_length"], cfg["kernel_size"],
                                              cfg["stride"], cfg["padding"], cfg["dilation"])
        converted = cv.convert(measured, "torch", "symconv", batch_size=cfg["batch_size"],
                               out_channels=cfg["out_channels"], output_length=length,
                               bias=cfg["bias"])
        assert converted == expected_ops, cfg
        checked += 1
    assert checked >= 200


def test_flop_counter_on_meta_tensors_agrees():
    cfg = dict(in_channels=64, out_channels=128, kernel_size=9, stride=2, padding=4, dilation=1,
               groups=4, bias=True, input_length=48000, batch_size=16, padding_mode="zeros")
    with torch.device("meta"):
        module = _module(cfg)
    assert _flop_counter(module, _input(cfg, "meta")) == cv.count("torch", *_symconv_args(cfg))


# --- from_torch -------------------------------------------------------------------------

class AudioStack(nn.Module):
    """A small 1-D audio front end: strided, depthwise, pointwise, dilated, bias=False, 'same'."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv1d(1, 32, 16, stride=8, padding=4)
        self.depthwise = nn.Conv1d(32, 32, 9, padding="same", groups=32, bias=False)
        self.pointwise = nn.Conv1d(32, 64, 1)
        self.norm = nn.BatchNorm1d(64)
        self.dilated = nn.Conv1d(64, 64, 3, dilation=4, padding="same", groups=4, bias=False)
        self.down = nn.Conv1d(64, 96, 5, stride=3, padding="valid")
        self.head = nn.Sequential(nn.ReLU(), nn.Conv1d(96, 10, 3, padding=1, padding_mode="reflect"))

    def forward(self, x):
        x = torch.relu(self.stem(x))
        x = self.norm(self.pointwise(self.depthwise(x)))
        x = x + self.dilated(x)
        return self.head(self.down(x)).mean(-1)


# (name, in, out, K, stride, padding, dilation, groups, bias) of AudioStack, by hand
AUDIO_LAYERS = [
    ("stem", 1, 32, 16, 8, 4, 1, 1, True),
    ("depthwise", 32, 32, 9, 1, "same", 1, 32, False),
    ("pointwise", 32, 64, 1, 1, 0, 1, 1, True),
    ("dilated", 64, 64, 3, 1, "same", 4, 4, False),
    ("down", 64, 96, 5, 3, "valid", 1, 1, True),
    ("head.1", 96, 10, 3, 1, 1, 1, 1, True),
]


def test_from_torch_audio_stack_matches_the_evaluator():
    model = AudioStack()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    layers = from_torch(model, torch.randn(4, 1, 16000))
    assert isinstance(layers, TorchLayers) and isinstance(layers, list)
    assert layers.method == "meta"
    assert all(isinstance(layer, Conv1dLayer) for layer in layers)
    assert [layer.name for layer in layers] == [row[0] for row in AUDIO_LAYERS]
    # the model is untouched (no running-stat update, no parameter change)
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k

    length = 16000
    for layer, (name, cin, cout, k, s, p, d, g, b) in zip(layers, AUDIO_LAYERS):
        assert (layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride,
                layer.padding, layer.dilation, layer.groups, layer.bias) == (cin, cout, k, s, p, d, g, b)
        assert layer.batch_size == 4 and layer.input_length == length
        expected = symconv.conv1d_ops(4, cin, cout, length, k, s, p, d, g, b)
        assert layer.ops == expected
        derivation = derive_layer(layer)
        assert derivation.ops == expected
        assert derivation.summary.value == derivation["total_bias" if b else "total_no_bias"].value
        assert derivation.counts == cv.counts(4, cin, cout, length, k, s, p, d, g, b)
        length = symconv.conv1d_output_length(length, k, s, p, d)
        assert layer.output_length == length
    assert [r.output_shape[-1] for r in layers.records] == [ly.output_length for ly in layers]
    assert layers.records[-1].padding_mode == "reflect"
    assert layers.total() == sum(ly.ops for ly in layers)


def test_from_torch_counts_equal_flop_counter_per_layer():
    model = AudioStack()
    layers = from_torch(model, torch.randn(2, 1, 4000))
    modules = dict(model.named_modules())
    for layer, record in zip(layers, layers.records):
        measured = _flop_counter(modules[record.module], torch.randn(record.input_shape))
        assert measured == derive_layer(layer).counts["torch"]
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.randn(2, 1, 4000))
    conv_total = sum(v for k, v in counter.get_flop_counts()["Global"].items()
                     if "convolution" in str(k))
    assert conv_total == layers.total("torch")


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
def test_from_torch_random_stacks_match_flop_counter_and_the_evaluator():
    rng = random.Random(11)
    stacks = 0
    while stacks < 60:
        batch = rng.choice([None, 1, 3])
        first_length, first_channels = rng.randint(40, 300), rng.randint(1, 4)
        length, channels, modules, expected = first_length, first_channels, [], []
        for _ in range(rng.randint(1, 4)):
            cfg = _random_config(rng)
            g = cfg["groups"] if channels % cfg["groups"] == 0 else 1
            cfg.update(in_channels=channels, groups=g, out_channels=g * rng.randint(1, 3),
                       input_length=length, batch_size=batch)
            try:
                expected.append(symconv.conv1d_ops(*_symconv_args(cfg)))
            except ValueError:
                break
            modules.append(_module(cfg))
            channels = cfg["out_channels"]
            length = symconv.conv1d_output_length(length, cfg["kernel_size"], cfg["stride"],
                                                  cfg["padding"], cfg["dilation"])
        if not modules:
            continue
        model = nn.Sequential(*modules)
        x = torch.randn(((batch,) if batch else ()) + (first_channels, first_length))
        layers = from_torch(model, x)
        assert layers.method == "meta"
        assert [ly.ops for ly in layers] == expected
        assert all(r.unbatched == (batch is None) for r in layers.records)
        assert _flop_counter(model, x) == layers.total("torch")
        stacks += 1


def test_from_torch_meta_and_real_forward_agree():
    model = AudioStack()
    x = torch.randn(3, 1, 8000)
    meta, real = from_torch(model, x), from_torch(model, x, meta=False)
    assert meta.method == "meta" and real.method == "forward"
    assert list(meta) == list(real)
    assert meta.records == real.records


def test_from_torch_unbatched_input():
    model = nn.Sequential(nn.Conv1d(2, 8, 5, stride=2), nn.Conv1d(8, 8, 3, groups=8, bias=False,
                                                                     padding="same"))
    layers = from_torch(model, torch.randn(2, 300))
    assert [ly.batch_size for ly in layers] == [1, 1]
    assert all(r.unbatched for r in layers.records)
    assert layers[0].ops == symconv.conv1d_ops(None, 2, 8, 300, 5, stride=2)
    assert layers[1].input_length == layers[0].output_length == 148


def test_from_torch_falls_back_to_a_real_forward_pass():
    class DataDependent(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(3, 3, 3)

        def forward(self, x):
            if x.sum() > 0:        # needs real values: cannot run on meta tensors
                x = -x
            return self.conv(self.conv(x))

    layers = from_torch(DataDependent(), torch.randn(2, 3, 40))
    assert layers.method == "forward"
    assert [ly.name for ly in layers] == ["conv", "conv#2"]
    assert [ly.input_length for ly in layers] == [40, 38]


def test_from_torch_single_module_kwargs_and_tuple_inputs():
    conv = nn.Conv1d(4, 4, 3, padding=1)
    assert [ly.name for ly in from_torch(conv, torch.randn(1, 4, 10))] == ["conv1d"]

    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Conv1d(1, 2, 3), nn.Conv1d(1, 2, 5)

        def forward(self, x, y=None):
            return self.a(x).sum() + self.b(y).sum()

    by_tuple = from_torch(Two(), (torch.randn(1, 1, 20), torch.randn(1, 1, 30)))
    by_kwargs = from_torch(Two(), {"x": torch.randn(1, 1, 20), "y": torch.randn(1, 1, 30)})
    assert [ly.input_length for ly in by_tuple] == [20, 30] == [ly.input_length for ly in by_kwargs]


def test_from_torch_runs_no_arithmetic_on_meta_tensors():
    # 64 x 512 x 4,000,000 floats would be 512 GB: only a shape-only run can finish
    model = nn.Sequential(nn.Conv1d(512, 512, 9, padding=4, groups=8), nn.Conv1d(512, 256, 1))
    layers = from_torch(model, torch.empty(64, 512, 4_000_000, device="meta"))
    assert layers.method == "meta"
    assert [ly.ops for ly in layers] == [
        symconv.conv1d_ops(64, 512, 512, 4_000_000, 9, padding=4, groups=8),
        symconv.conv1d_ops(64, 512, 256, 4_000_000, 1)]
    assert all(p.device.type == "cpu" for p in model.parameters())


def test_from_torch_lazy_module_reads_the_layer_on_a_meta_copy():
    model = nn.Sequential(nn.LazyConv1d(8, 3), nn.Conv1d(8, 4, 3, bias=False))
    layers = from_torch(model, torch.randn(2, 5, 30))
    assert layers.method == "meta"  # a copy materialises on meta tensors; the model stays lazy
    assert isinstance(model[0].weight, torch.nn.parameter.UninitializedParameter)
    assert (layers[0].in_channels, layers[0].out_channels) == (5, 8)
    assert layers[1].ops == symconv.conv1d_ops(2, 8, 4, 28, 3, bias=False)


def test_from_torch_refuses_a_non_module():
    with pytest.raises(TypeError, match="torch.nn.Module"):
        from_torch(lambda x: x, torch.randn(1, 1, 4))


def test_from_torch_layer_file_round_trip_and_table(tmp_path):
    from symconv.model import load_layers

    layers = from_torch(AudioStack(), torch.randn(2, 1, 2000))
    path = layers.save(tmp_path / "audio.json")
    assert load_layers(path) == list(layers)
    table = layers.table()
    assert "depthwise" in table and f"{layers.total():,}" in table
    assert f"{layers.total('torch'):,}" in layers.table("torch")
    text = layers.derivation("stem").text(conventions=True)
    assert "ψ = " in text and "⌊" in text and "torch" in text


def test_from_torch_layers_render_as_symconv_table(tmp_path, capsys):
    from symconv.cli import main

    layers = from_torch(AudioStack(), torch.randn(2, 1, 2000))
    md = layers.render_table("md")
    for layer in layers:
        assert layer.name in md and f"{layer.ops:,}" in md
    assert f"{layers.total():,}" in md
    csv = layers.render_table("csv")
    assert len(csv.strip().splitlines()) >= len(layers) + 1
    assert r"\toprule" in layers.render_table("tex", caption="Audio front end")
    # the saved layer file is what `symconv table` reads
    path = layers.save(tmp_path / "audio.json")
    assert main(["table", str(path), "--format", "md"]) == 0
    assert capsys.readouterr().out.strip() == md.strip()


def test_import_symconv_does_not_import_torch():
    import subprocess

    code = ("import sys, symconv; f = symconv.from_torch; "
            "import symconv.conventions, symconv.torch_interop; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


# --- optional peers: thop, ptflops, fvcore -----------------------------------------------

def _peer_configs(n: int, seed: int):
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        cfg = _random_config(rng)
        cfg["batch_size"] = rng.randint(1, 3)   # the peers read C_in from dim 1: batched only
        cfg["padding_mode"] = "zeros"
        try:
            symconv.conv1d_ops(*_symconv_args(cfg))
        except ValueError:
            continue
        out.append(cfg)
    return out


def test_thop_counts_macs():
    thop = pytest.importorskip("thop", reason="thop is not installed (optional comparison)")
    for cfg in _peer_configs(40, 1):
        with contextlib.redirect_stdout(io.StringIO()):
            macs, _ = thop.profile(_module(cfg), inputs=(_input(cfg),), verbose=False)
        assert int(macs) == cv.count("thop", *_symconv_args(cfg)), cfg


def test_thop_miscounts_unbatched_input():
    thop = pytest.importorskip("thop", reason="thop is not installed (optional comparison)")
    with contextlib.redirect_stdout(io.StringIO()):
        macs, _ = thop.profile(nn.Conv1d(4, 6, 3), inputs=(torch.randn(4, 40),), verbose=False)
    # thop takes dim 1 (here L_in = 40) as C_in: C_out·L_out·L_in·K instead of C_out·L_out·C_in·K
    assert cv.count("thop", None, 4, 6, 40, 3) == 6 * 38 * 4 * 3
    assert int(macs) == 6 * 38 * 40 * 3


@pytest.mark.parametrize("backend,name", [("pytorch", "ptflops-sample"), ("aten", "ptflops")])
def test_ptflops_counts_macs_plus_bias(backend, name):
    ptflops = pytest.importorskip("ptflops", reason="ptflops is not installed (optional comparison)")
    for cfg in _peer_configs(40, 2):
        x = _input(cfg)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            flops, _ = ptflops.get_model_complexity_info(
                _module(cfg), tuple(x.shape[1:]), as_strings=False, print_per_layer_stat=False,
                backend=backend, input_constructor=lambda res, x=x: x)
        assert flops == cv.count(name, *_symconv_args(cfg)), cfg


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_fvcore_counts_macs():
    pytest.importorskip("fvcore", reason="fvcore is not installed (optional comparison)")
    from fvcore.nn import FlopCountAnalysis

    string_padding = 0
    for cfg in _peer_configs(40, 3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            analysis = FlopCountAnalysis(_module(cfg), _input(cfg))
            analysis.unsupported_ops_warnings(False)
            analysis.uncalled_modules_warnings(False)
            total = analysis.total()
            unsupported = dict(analysis.unsupported_ops())
        if isinstance(cfg["padding"], str):
            # padding='same'/'valid' traces to aten::_convolution_mode, which fvcore has no
            # handle for: it reports 0 (a limitation of fvcore, stated in the convention)
            assert total == 0 and unsupported == {"aten::_convolution_mode": 1}, cfg
            string_padding += 1
        else:
            assert total == cv.count("fvcore", *_symconv_args(cfg)), cfg
    assert 0 < string_padding < 40


def _calflops_conv():
    """calflops' own Conv counting function, loaded without its package __init__ (which needs
    huggingface_hub and accelerate, unrelated to counting)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("calflops")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("calflops is not installed (optional comparison)")
    path = Path(list(spec.submodule_search_locations)[0]) / "pytorch_ops.py"
    loader = importlib.util.spec_from_file_location("_calflops_pytorch_ops", path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module._conv_flops_compute


def test_calflops_counts_two_macs_plus_bias():
    conv_flops = _calflops_conv()
    deepspeed = cv.get("deepspeed")
    odd_same = 0
    for cfg in _peer_configs(60, 4):
        m, x = _module(cfg), _input(cfg)
        flops, macs = conv_flops(x, m.weight, m.bias, m.stride, m.padding, m.dilation, m.groups)
        args = _symconv_args(cfg)
        if cfg["padding"] == "same" and cfg["dilation"] * (cfg["kernel_size"] - 1) % 2 == 1:
            # calflops pads d(K-1)//2 on each side for 'same': one output position short
            point = cv.layer_values(*args)
            point[cv.L_out] = cfg["input_length"] - 1
            assert flops == deepspeed.evaluate(point), cfg
            odd_same += 1
        else:
            assert flops == cv.count("deepspeed", *args), cfg
            assert macs == cv.count("macs", *args), cfg
    assert odd_same > 0


def test_readme_from_torch_example_prints_what_the_readme_shows(capsys):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## From PyTorch"):]
    code, shown = re.findall(r"```(?:python)?\n(.*?)```", section, re.S)[:2]
    exec(compile(code, "README.md", "exec"), {})
    # exactly, blank lines included: what the README shows is what a user sees
    assert capsys.readouterr().out == shown
