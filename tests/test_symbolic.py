"""A model's cost as a formula of its input size (symconv.symbolic, issue 11 items 1-2).

The formula of each model is checked against the numeric per-layer counts of ``from_torch``
run at that size (an independent path: PyTorch's own shapes and symconv's evaluators), at
more than 200 sizes per model, most of them not multiples of the strides, including the
smallest valid size (and the one below it, refused).
"""

from __future__ import annotations

import json
import random
import time

import pytest
import sympy as sp

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

import symconv  # noqa: E402
from symconv.model import load_layers, parse_layers  # noqa: E402
from symconv.symbolic import SymbolicSizeError, parse_size_expression  # noqa: E402


class Audio(nn.Module):
    """A 1-D audio-style encoder/decoder: strided conv, pooling, a residual branch, a reflect
    pad, F.pad, a dilated conv and a transposed conv."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv1d(1, 16, 11, stride=2, padding=5)
        self.pool = nn.AvgPool1d(3, 2)
        self.down = nn.Conv1d(16, 32, 5, stride=3)
        self.branch_a = nn.Conv1d(32, 32, 3, padding=1, padding_mode="reflect")
        self.branch_b = nn.Conv1d(32, 32, 1, bias=False)
        self.dil = nn.Conv1d(32, 32, 3, dilation=2, groups=4)
        self.up = nn.ConvTranspose1d(32, 8, 4, stride=2, padding=1)

    def forward(self, x):
        x = self.pool(self.stem(x))
        x = self.down(x)
        x = self.branch_a(x) + self.branch_b(x)
        x = F.pad(x, (2, 1))
        x = self.dil(x)
        return self.up(x)


class CNN(nn.Module):
    """A small 2-D CNN with pooling between the convolutions."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, stride=2, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(3, stride=2),
            nn.Conv2d(32, 64, (3, 1), stride=(1, 2), padding=(1, 0)))
        self.head = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        return self.head(self.features(x))


@pytest.fixture(scope="module")
def audio():
    model = Audio()
    layers = symconv.from_torch(model, torch.randn(2, 1, 1000))
    return model, layers, layers.symbolic()


@pytest.fixture(scope="module")
def cnn():
    model = CNN()
    layers = symconv.from_torch(model, torch.randn(2, 3, 64, 48))
    return model, layers, layers.symbolic()


def _numeric(model, shape, convention="symconv"):
    layers = symconv.from_torch(model, torch.empty(shape))
    return {layer.name: layer.count(convention) for layer in layers}


def _minimum(cost, name):
    return cost.minimum()[cost.symbols[name]]


def test_audio_formula_equals_from_torch_at_200_sizes(audio):
    model, layers, cost = audio
    low = _minimum(cost, "L_in")
    rng = random.Random(11)
    sizes = [low, low + 1, low + 2] + [rng.randrange(low, 20000) for _ in range(220)]
    off_lattice = sum(size % 12 != 0 for size in sizes)
    assert len(set(sizes)) >= 200 and off_lattice >= 180
    start = time.perf_counter()
    for size in sizes:
        batch = rng.randrange(1, 9)
        numeric = _numeric(model, (batch, 1, size))
        per_layer = cost.evaluate_layers(N=batch, L_in=size)
        assert per_layer == numeric, size
        assert cost.evaluate(N=batch, L_in=size) == sum(numeric.values())
        assert cost.expr.subs({cost.symbols["N"]: batch, cost.symbols["L_in"]: size}) == \
            sum(numeric.values())
    assert time.perf_counter() - start < 120


def test_audio_smallest_size_is_tight(audio):
    model, _, cost = audio
    low = _minimum(cost, "L_in")
    cost.evaluate(N=1, L_in=low)
    _numeric(model, (1, 1, low))  # PyTorch runs the model at the smallest size
    with pytest.raises(ValueError, match=rf"L_in={low - 1} is outside .*L_in >= {low}"):
        cost.evaluate(N=1, L_in=low - 1)
    with pytest.raises(Exception):  # and PyTorch refuses the size below it
        model(torch.randn(1, 1, low - 1))


def test_cnn_formula_equals_from_torch_at_200_sizes(cnn):
    model, _, cost = cnn
    h0, w0 = _minimum(cost, "H_in"), _minimum(cost, "W_in")
    rng = random.Random(5)
    sizes = [(h0, w0), (h0 + 1, w0), (h0, w0 + 3)] + [
        (rng.randrange(h0, 700), rng.randrange(w0, 700)) for _ in range(210)]
    assert len(set(sizes)) >= 200
    for h, w in sizes:
        numeric = _numeric(model, (2, 3, h, w))
        assert cost.evaluate_layers(N=2, H_in=h, W_in=w) == numeric, (h, w)
    with pytest.raises(ValueError, match="H_in"):
        cost.evaluate(N=1, H_in=h0 - 1, W_in=w0)
    with pytest.raises(ValueError, match="W_in"):
        cost.evaluate(N=1, H_in=h0, W_in=w0 - 1)
    for h, w in ((h0 - 1, w0), (h0, w0 - 1)):
        with pytest.raises(Exception):
            model(torch.randn(1, 3, h, w))


@pytest.mark.parametrize("convention", ["symconv", "macs", "torch"])
def test_audio_other_conventions(audio, convention):
    model, layers, _ = audio
    cost = layers.symbolic(convention=convention)
    assert cost.convention == convention
    for size in (97, 1000, 4321):
        assert cost.evaluate_layers(N=3, L_in=size) == _numeric(model, (3, 1, size), convention)


def test_cnn_every_convention(cnn):
    model, layers, _ = cnn
    from symconv.conventions import CONVENTIONS

    for conv in CONVENTIONS:
        cost = layers.symbolic(convention=conv.name)
        for h, w in ((41, 67), (300, 211)):
            assert cost.evaluate(N=4, H_in=h, W_in=w) == \
                sum(_numeric(model, (4, 3, h, w), conv.name).values()), conv.name


def test_a_convention_the_transposed_layer_lacks_is_refused(audio):
    with pytest.raises(ValueError, match="'up'.*fvcore.*not defined"):
        audio[1].symbolic(convention="fvcore")


def test_symbols_and_constraints(audio, cnn):
    cost = audio[2]
    assert list(cost.symbols) == ["N", "L_in"]
    assert all(s.is_integer and s.is_positive for s in cost.symbols.values())
    assert sp.Ge(cost.symbols["N"], 1, evaluate=False) in cost.constraints
    assert list(cost.per_layer) == [layer.name for layer in audio[1]]
    assert list(cnn[2].symbols) == ["N", "H_in", "W_in"]


def test_polynomial_form_is_proved_and_checked(audio, cnn):
    for cost in (audio[2], cnn[2]):
        form = cost.polynomial()
        assert form.proof.holds and form.is_polynomial
        assert not form.expr.has(sp.floor, sp.ceiling, sp.Max, sp.Min)
        spatial = cost.spatial
        low = cost.minimum()
        for k in range(1, 30):  # numeric check on the lattice
            point = {cost.symbols["N"]: 3}
            for s in spatial:
                stride = form.strides[s.name]
                point[s] = stride * (-(-low[s] // stride) + k)
            value = cost.evaluate(**{s.name: v for s, v in point.items()})
            assert form.expr.subs(point) == value


def test_a_wrong_lattice_form_is_refuted(audio):
    cost = audio[2]
    form = cost.polynomial()
    L, N = cost.symbols["L_in"], cost.symbols["N"]
    wrong = cost.check_lattice_form(form.expr + N)
    assert not wrong.holds and wrong.counterexample is not None
    lhs, rhs = wrong.counterexample_values
    assert lhs != rhs and cost.evaluate(**wrong.counterexample) == lhs
    # the right form on a too-fine lattice: floors remain, a counterexample is found
    fine = cost.check_lattice_form(form.expr, {"L_in": 2})
    assert not fine.holds and fine.counterexample["L_in"] % 2 == 0
    point = {cost.symbols[k]: v for k, v in fine.counterexample.items()}
    assert cost.expr.subs(point) != form.expr.subs(point)
    assert cost.check_lattice_form(form.expr).holds
    assert L in form.expr.free_symbols


def test_leading_term_is_the_limit(audio, cnn):
    cost = audio[2]
    L, N = cost.symbols["L_in"], cost.symbols["N"]
    lead = cost.leading()
    c = sp.simplify(lead / (N * L))
    assert c.is_Rational and c > 0 and not (lead / (N * L)).free_symbols - set()
    # exact ratios at growing sizes: |expr/(N·L) - c| shrinks like 1/L
    errors = []
    for size in (10 ** 6 + 7, 10 ** 12 + 7, 10 ** 18 + 7):
        ratio = sp.Rational(cost.evaluate(N=1, L_in=size), size)
        errors.append(abs(ratio - c))
        assert abs(ratio - c) * size < 10 ** 6  # bounded: the floors change L by O(1)
    assert errors[2] < errors[1] < errors[0]
    limit = sp.limit(cost.expr.subs(N, 1).rewrite(sp.floor) / L, L, sp.oo)
    if limit.is_Rational:  # when SymPy decides the limit of the floors, it agrees
        assert limit == c
    cost2 = cnn[2]
    H, W, N2 = cost2.symbols["H_in"], cost2.symbols["W_in"], cost2.symbols["N"]
    c2 = cost2.leading() / (N2 * H * W)
    assert c2.is_Rational and c2 > 0
    big = 10 ** 9 + 1
    ratio = sp.Rational(cost2.evaluate(N=1, H_in=big, W_in=big + 2), big * (big + 2))
    assert abs(ratio - c2) * big < 10 ** 6


def test_text_and_latex(audio):
    cost = audio[2]
    text = cost.text()
    assert text.startswith("ops(N, L_in) = ") and "⌊" in text and "\n" not in text
    latex = cost.latex()
    assert latex.startswith(r"\mathrm{ops}(N, L_{\text{in}}) = ") and r"\lfloor" in latex
    assert cost.display() == cost.expr or sp.expand(cost.display() - cost.expr) == 0
    macs = audio[1].symbolic(convention="macs")
    assert macs.text().startswith("macs(N, L_in) = ")


def test_saved_file_gives_the_same_formula(audio, cnn, tmp_path):
    for index, (_, layers, cost) in enumerate((audio, cnn)):
        path = layers.save(tmp_path / f"model{index}.json")
        data = json.loads(path.read_text())
        assert "input_size" in data and any("input_expr" in r for r in data["layers"])
        loaded = load_layers(path)
        again = loaded.symbolic()
        assert again.expr == cost.expr and again.constraints == cost.constraints
        assert list(again.per_layer) == list(cost.per_layer)
        assert loaded.total() == layers.total()


def test_save_before_symbolic_writes_the_plain_format(tmp_path):
    layers = symconv.from_torch(CNN(), torch.randn(1, 3, 32, 32))
    data = json.loads(layers.save(tmp_path / "plain.json").read_text())
    assert list(data) == ["layers"] and not any("input_expr" in r for r in data["layers"])


def test_batch_of_one_and_unbatched():
    model = Audio()
    cost = symconv.from_torch(model, torch.randn(1, 1, 500)).symbolic()
    assert cost.evaluate(N=5, L_in=777) == sum(_numeric(model, (5, 1, 777)).values())
    with pytest.raises(SymbolicSizeError, match="unbatched"):
        symconv.from_torch(nn.Conv1d(1, 2, 3), torch.randn(1, 50)).symbolic()


# --- what export cannot express is refused, never guessed ---------------------------------

class Parity(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(1, 2, 3)

    def forward(self, x):
        if x.shape[-1] % 2:
            x = F.pad(x, (0, 1))
        return self.conv(x)


class DataDependent(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(1, 2, 3)

    def forward(self, x):
        keep = int((x[0, 0] > 0).sum()) + 3
        return self.conv(x[..., :keep])


class Fixed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(4, 2, 3)

    def forward(self, x):
        return self.conv(x.reshape(x.shape[0], 4, 25))


@pytest.mark.parametrize("model, shape, match", [
    (Parity(), (2, 1, 101), "excludes|condition"),
    (DataDependent(), (2, 1, 40), "export|data-dependent"),
    (Fixed(), (2, 1, 100), "fixed L_in to 100"),
    (nn.Sequential(nn.Conv1d(1, 2, 3), nn.MaxPool1d(2), nn.Conv1d(2, 2, 3)), (2, 1, 100),
     "fixed|condition"),
])
def test_sizes_export_cannot_express_are_refused(model, shape, match):
    layers = symconv.from_torch(model, torch.randn(shape))
    with pytest.raises(SymbolicSizeError, match=match):
        layers.symbolic()


def test_example_size_one_is_refused():
    layers = symconv.from_torch(nn.Conv1d(1, 2, 1), torch.randn(2, 1, 1))
    with pytest.raises(SymbolicSizeError, match=">= 2"):
        layers.symbolic()


# --- layer files ----------------------------------------------------------------------------

def _file(*layers, **top):
    return {"batch_size": 4, **top, "layers": list(layers)}


def _conv(name, c_in, c_out, k, length, **kw):
    return {"name": name, "in_channels": c_in, "out_channels": c_out, "kernel_size": k,
            "input_length": length, **kw}


def test_file_chain_rule_and_input_expr():
    data = _file(_conv("a", 1, 4, 5, 100, stride=2), _conv("b", 4, 4, 3, 48),
                 _conv("c", 4, 8, 3, 23, input_expr="floor((L_in - 5)/4)"))
    cost = parse_layers(data).symbolic()
    for size in range(cost.minimum()[cost.symbols["L_in"]], 400):
        a = symconv.conv1d_output_length(size, 5, 2)
        b = symconv.conv1d_output_length(a, 3)
        c_in = (size - 5) // 4
        expected = (symconv.conv1d_ops(2, 1, 4, size, 5, stride=2) + symconv.conv1d_ops(2, 4, 4, a, 3)
                    + symconv.conv1d_ops(2, 4, 8, c_in, 3))
        assert cost.evaluate(N=2, L_in=size) == expected


def test_file_without_input_expr_where_the_size_changes_is_refused():
    data = _file(_conv("a", 1, 4, 5, 100), _conv("b", 4, 4, 3, 48))
    with pytest.raises(SymbolicSizeError, match="'b'.*input_expr"):
        parse_layers(data).symbolic()


def test_file_input_expr_must_match_the_recorded_size():
    data = _file(_conv("a", 1, 4, 5, 100), _conv("b", 4, 4, 3, 48, input_expr="L_in // 2"))
    with pytest.raises(SymbolicSizeError, match="gives .*50.* input size is \\(48,\\)"):
        parse_layers(data).symbolic()


def test_file_repeated_names_are_made_unique():
    data = _file(_conv("x", 1, 4, 3, 100), _conv("x", 4, 4, 3, 98), _conv("x", 4, 4, 3, 96))
    cost = parse_layers(data).symbolic()
    assert list(cost.per_layer) == ["x", "x#2", "x#3"]


def test_file_first_layer_after_a_pool_needs_input_size():
    data = _file(_conv("a", 1, 4, 3, 50, input_expr="floor(L_in/2)"), input_size=[100])
    cost = parse_layers(data).symbolic()
    assert cost.evaluate(N=1, L_in=9) == symconv.conv1d_ops(1, 1, 4, 4, 3)
    with pytest.raises(SymbolicSizeError, match="first layer"):
        parse_layers(_file(_conv("a", 1, 4, 3, 50))["layers"][:1] and
                     _file(_conv("a", 1, 4, 3, 50), input_size=[100])).symbolic()


def test_2d_file_with_list_input_expr():
    layer = {"name": "c", "type": "conv2d", "in_channels": 3, "out_channels": 8,
             "kernel_size": 3, "input_size": [16, 12], "input_expr": ["H_in // 2", "W_in // 2"]}
    cost = parse_layers(_file(layer, input_size=[32, 25])).symbolic()
    assert cost.evaluate(N=1, H_in=33, W_in=25) == symconv.count(
        "conv2d", batch_size=1, in_channels=3, out_channels=8, input_size=(16, 12),
        kernel_size=3)


HOSTILE = [
    "__import__('os').system('x')",
    "L_in.__class__",
    "10**10**10",
    "L_in ** 100",
    "(" * 500 + "L_in" + ")" * 500,
    "-" * 5000 + "L_in",
    "lambda: 1",
    "[L_in]",
    "'L_in'",
    "exec('1')",
    "floor(L_in, 2)",
    "L_in if L_in else 1",
    "L_in @ 2",
    "1.5 * L_in",
    "x",
    "9" * 40,
    "L_in / 0",
    "",
    "L_in; 1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_expr_is_refused(text):
    names = {"N": sp.Symbol("N"), "L_in": sp.Symbol("L_in", integer=True, positive=True)}
    start = time.perf_counter()
    with pytest.raises(SymbolicSizeError):
        parse_size_expression(text, names)
    assert time.perf_counter() - start < 1
    data = _file(_conv("a", 1, 4, 5, 100), _conv("b", 4, 4, 3, 96, input_expr=text))
    with pytest.raises(SymbolicSizeError, match="'b'.*input_expr"):
        parse_layers(data).symbolic()


def test_input_expr_field_shape_is_checked():
    from symconv.layers import LayerSpecError

    with pytest.raises(LayerSpecError, match="input_expr"):
        parse_layers(_file(_conv("a", 1, 4, 5, 100, input_expr=5)))
    with pytest.raises(LayerSpecError, match="input_size"):
        parse_layers(_file(_conv("a", 1, 4, 5, 100), input_size="100"))


def test_safe_parser_accepts_the_forms_it_documents():
    L = sp.Symbol("L_in", integer=True, positive=True)
    names = {"L_in": L}
    assert parse_size_expression("floor((L_in - 1)/2) + 1", names) == sp.floor((L - 1) / 2) + 1
    assert parse_size_expression("L_in // 3", names) == sp.floor(L / 3)
    assert parse_size_expression("ceil(L_in/2)", names) == sp.ceiling(L / 2)
    assert parse_size_expression("max(L_in, 4) - Min(L_in, 2)", names) == \
        sp.Max(L, 4) - sp.Min(L, 2)
    assert parse_size_expression("L_in**2", names) == L ** 2


class Twice(nn.Module):
    """One module called twice, with an upsampling between the calls."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(2, 2, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2)

    def forward(self, x):
        return self.conv(self.up(self.conv(x)))


@pytest.mark.parametrize("model, shape", [
    (nn.Conv1d(1, 4, 3, stride=2), (2, 1, 50)),
    (Twice(), (2, 2, 30)),
    (nn.Sequential(nn.Conv2d(3, 8, 3), nn.AdaptiveAvgPool2d(4), nn.Conv2d(8, 8, 3)), (2, 3, 20, 20)),
    (nn.Sequential(nn.Conv3d(1, 4, 3, stride=2), nn.MaxPool3d(2), nn.Conv3d(4, 4, (1, 3, 3)),
                   nn.Upsample(scale_factor=2), nn.Conv3d(4, 2, 3)), (2, 1, 16, 20, 24)),
])
def test_more_models_formula_equals_from_torch(model, shape):
    cost = symconv.from_torch(model, torch.randn(shape)).symbolic()
    low = cost.minimum()
    spatial = cost.spatial
    rng = random.Random(3)
    points = [{s: low[s] for s in spatial}] + [
        {s: low[s] + rng.randrange(0, 40) for s in spatial} for _ in range(20)]
    for point in points:
        batch = rng.randrange(1, 4)
        numeric = _numeric(model, (batch, shape[1], *(point[s] for s in spatial)))
        assert cost.evaluate_layers(N=batch, **{s.name: v for s, v in point.items()}) == numeric
    assert cost.polynomial().proof.holds


def test_lazy_model_stays_lazy():
    from torch.nn.parameter import is_lazy

    model = nn.Sequential(nn.LazyConv1d(4, 3), nn.AvgPool1d(2), nn.LazyConv1d(4, 3))
    cost = symconv.from_torch(model, torch.randn(2, 1, 50)).symbolic()
    assert any(is_lazy(p) for p in model.parameters())
    for size in (9, 10, 77):
        shaped = nn.Sequential(nn.Conv1d(1, 4, 3), nn.AvgPool1d(2), nn.Conv1d(4, 4, 3))
        assert cost.evaluate_layers(N=2, L_in=size) == _numeric(shaped, (2, 1, size))


def test_check_lattice_form_refuses_foreign_symbols(audio):
    with pytest.raises(ValueError, match="x, which is not among"):
        audio[2].check_lattice_form(sp.Symbol("x"))


def test_evaluate_takes_numpy_integers_and_refuses_other_numbers():
    """Sizes are ints or NumPy integer scalars (as the evaluators take them); a bool, a float
    (even an integral one) or a string is refused naming the size."""
    import numpy as np

    from symconv.model import load_layers

    from pathlib import Path

    cost = load_layers(Path(__file__).parent / "data" / "audio_model.json").symbolic()
    assert cost.evaluate(N=np.int64(3), L_in=np.int32(100)) == cost.evaluate(N=3, L_in=100)
    for bad in (True, np.True_, 100.0, np.float64(100), "100"):
        with pytest.raises(TypeError, match="L_in must be an int"):
            cost.evaluate(N=1, L_in=bad)
