"""The numeric API of every registered layer (symconv.LAYER_ops, its output size and
symconv.count) against PyTorch itself (meta-tensor shapes, refusals, FlopCounterMode), an
independent brute-force count and the layer specifications' SymPy expressions; and the bad-input
messages of Conv2d and Conv3d. A configuration is written with ``input_size`` (a tuple);
``_helpers.api_params`` turns it into Conv1d's ``input_length``."""

import itertools
import random
import warnings

import pytest
import sympy as sp

import symconv
from symconv import conventions
from symconv.registry import get
from symconv.symbols import N

from _helpers import api_params, output_size as api_output_size, torch_class
from _helpers import FORWARD, FORWARD_ONLY

#: Configurations checked per layer (asserted): against meta-tensor shapes, FlopCounterMode.
SHAPE_CONFIGS, FLOP_CONFIGS = 600, 220


def _api(layer):
    """(the layer's count, its output size, its number of dimensions), taking configurations
    written with input_size."""
    spec = get(layer)

    def ops(**cfg):
        return getattr(symconv, f"{layer}_ops")(**api_params(spec, cfg))

    def output_size(**shape):
        return api_output_size(layer, **shape)

    return ops, output_size, spec.dims


def _count(layer, cfg, **kw):
    return symconv.count(layer, **kw, **api_params(get(layer), cfg))


def _torch():
    torch = pytest.importorskip("torch")
    warnings.filterwarnings("ignore", message=".*padding='same'.*", category=UserWarning)
    warnings.filterwarnings("ignore", message=".*zero-element tensors.*", category=UserWarning)
    return torch


def _per_dim(rng, n, values):
    """An int, a tuple or a list of n values: every form PyTorch takes."""
    form = rng.randrange(3)
    if form == 0:
        return rng.choice(values)
    items = [rng.choice(values) for _ in range(n)]
    return tuple(items) if form == 1 else items


def _as_tuple(value, n):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


def _valid_config(rng, n):
    """A random valid configuration; every padding form, batched and unbatched input."""
    groups = rng.choice([1, 1, 2, 3])
    cfg = dict(batch_size=rng.choice([None, 1, 2, 3]), in_channels=groups * rng.randint(1, 3),
               out_channels=groups * rng.randint(1, 3), groups=groups, bias=rng.random() < 0.5)
    kernel = _per_dim(rng, n, [1, 2, 3, 4, 5])
    dilation = _per_dim(rng, n, [1, 1, 2, 3])
    form = rng.choice(["int", "tuple", "same", "valid"])
    stride = 1 if form == "same" and rng.random() < 0.5 else _per_dim(rng, n, [1, 1, 2, 3])
    if form == "same":
        stride = (1,) * n if rng.random() < 0.5 else 1
        padding = "same"
    elif form == "valid":
        padding = "valid"
    elif form == "int":
        padding = rng.randint(0, 3)
    else:
        padding = tuple(rng.randint(0, 3) for _ in range(n))
    ks, ds = _as_tuple(kernel, n), _as_tuple(dilation, n)
    ps = (0,) * n if isinstance(padding, str) else _as_tuple(padding, n)
    low = [max(1, d * (k - 1) + 1 - 2 * p) for k, d, p in zip(ks, ds, ps)]
    if padding == "same":
        low = [1] * n
    size = [rng.randint(lo, lo + 9) for lo in low]
    cfg.update(input_size=tuple(size) if rng.random() < 0.7 else size, kernel_size=kernel,
               stride=stride, padding=padding, dilation=dilation)
    return cfg


def _shape_args(cfg):
    return {k: cfg[k] for k in ("input_size", "kernel_size", "stride", "padding", "dilation")}


def _torch_output(torch, layer, cfg, device="meta"):
    """The real module on a real (meta or CPU) tensor: the output shape."""
    conv = torch_class(get(layer))(cfg["in_channels"], cfg["out_channels"], cfg["kernel_size"],
                             stride=cfg["stride"], padding=cfg["padding"],
                             dilation=cfg["dilation"], groups=cfg["groups"], bias=cfg["bias"],
                             device=device)
    batch = () if cfg["batch_size"] is None else (cfg["batch_size"],)
    x = torch.empty(*batch, cfg["in_channels"], *cfg["input_size"], device=device)
    return conv, x


# --- output sizes: real PyTorch shapes ----------------------------------------------------

@pytest.mark.layers(where=FORWARD, reason=FORWARD_ONLY)
def test_output_size_equals_pytorch_meta_shapes(layer):
    torch = _torch()
    ops, output_size, n = _api(layer)
    rng = random.Random(2024 + n)
    forms = set()
    checked = 0
    for _ in range(SHAPE_CONFIGS):
        cfg = _valid_config(rng, n)
        conv, x = _torch_output(torch, layer, cfg)
        y = conv(x)
        assert output_size(**_shape_args(cfg)) == tuple(y.shape[-n:]), cfg
        assert tuple(y.shape[:-n]) == tuple(x.shape[:-n - 1]) + (cfg["out_channels"],)
        forms.add(type(cfg["padding"]).__name__ if not isinstance(cfg["padding"], str)
                  else cfg["padding"])
        forms.add("unbatched" if cfg["batch_size"] is None else "batched")
        assert ops(**cfg) >= 1
        checked += 1
    assert checked == SHAPE_CONFIGS >= 500
    assert forms == {"int", "tuple", "same", "valid", "batched", "unbatched"}


def _invalid_candidate(rng, n):
    """Small configurations, many of them invalid (sizes 0 or negative, kernels too long,
    negative padding, 'same' with a stride, groups not dividing)."""
    groups = rng.choice([1, 1, 2, 3])
    cfg = dict(batch_size=rng.choice([None, 1, 2]), in_channels=rng.randint(1, 4),
               out_channels=rng.randint(1, 4), groups=groups, bias=rng.random() < 0.5,
               input_size=tuple(rng.randint(1, 5) for _ in range(n)),
               kernel_size=_per_dim(rng, n, [0] + [1, 2, 2, 3, 3, 4, 6] * 3),
               stride=_per_dim(rng, n, [-1, 0] + [1, 1, 1, 2, 3] * 4),
               dilation=_per_dim(rng, n, [0] + [1, 1, 1, 2] * 4))
    form = rng.randrange(4)
    cfg["padding"] = ("same" if form == 0 else "valid" if form == 1
                      else _per_dim(rng, n, [-1] + [0, 1, 2] * 4))
    return cfg


@pytest.mark.layers(where=FORWARD, reason=FORWARD_ONLY)
def test_pytorch_raises_iff_symconv_raises(layer):
    """On CPU tensors (meta tensors skip some of PyTorch's checks): the same verdict."""
    torch = _torch()
    ops, output_size, n = _api(layer)
    rng = random.Random(77 + n)
    verdicts = {True: 0, False: 0}
    rules = set()
    names = get(layer).parameter_names
    for _ in range(500):
        cfg = _invalid_candidate(rng, n)
        try:
            conv, x = _torch_output(torch, layer, cfg, device="cpu")
            with torch.no_grad():
                expected = tuple(conv(x).shape[-n:])
        except Exception:  # noqa: BLE001 - any refusal of PyTorch's
            expected = None
        try:
            got = output_size(**_shape_args(cfg))
            ops(**cfg)
        except (TypeError, ValueError) as exc:
            assert expected is None, (cfg, exc)
            assert any(name in str(exc) for name in names), exc
            verdicts[True] += 1
            rules.add(exc.rule)
        else:
            assert expected == got, cfg
            verdicts[False] += 1
    assert min(verdicts.values()) >= 50, verdicts
    assert rules >= {"positive", "padding_negative", "groups_in", "groups_out", "same_stride",
                     "kernel_too_long"}, rules


# --- counts: an independent brute-force count -------------------------------------------

def _brute_force(cfg, n):
    """Run a direct n-d convolution on integers, counting each * and + on data.

    Output positions are enumerated (every start where the dilated kernel fits in the
    padded input), not computed by a formula; 'same' pads d*(K-1) in total per dimension.
    """
    rng = random.Random(1)
    sizes = list(cfg["input_size"])
    ks, ss, ds = (_as_tuple(cfg[k], n) for k in ("kernel_size", "stride", "dilation"))
    if cfg["padding"] == "same":
        pads = [d * (k - 1) for k, d in zip(ks, ds)]
        left = [p // 2 for p in pads]
    else:
        ps = (0,) * n if cfg["padding"] == "valid" else _as_tuple(cfg["padding"], n)
        pads, left = [2 * p for p in ps], list(ps)
    padded = [size + pad for size, pad in zip(sizes, pads)]
    positions = []
    for i in range(n):
        starts, j = [], 0
        while j * ss[i] + ds[i] * (ks[i] - 1) < padded[i]:
            starts.append(j)
            j += 1
        positions.append(starts)
    batch = 1 if cfg["batch_size"] is None else cfg["batch_size"]
    cin, cout, g = cfg["in_channels"], cfg["out_channels"], cfg["groups"]
    x = {}
    for idx in itertools.product(range(batch), range(cin), *[range(p) for p in padded]):
        inside = all(left[i] <= idx[2 + i] < left[i] + sizes[i] for i in range(n))
        x[idx] = rng.randint(-3, 3) if inside else 0
    w = {idx: rng.randint(-3, 3) for idx in
         itertools.product(range(cout), range(cin // g), *[range(k) for k in ks])}
    bias = [rng.randint(-3, 3) for _ in range(cout)]
    mul = add = 0
    for nb in range(batch):
        for co in range(cout):
            group = co // (cout // g)
            for pos in itertools.product(*positions):
                acc = None
                for ci in range(cin // g):
                    for tap in itertools.product(*[range(k) for k in ks]):
                        at = tuple(pos[i] * ss[i] + tap[i] * ds[i] for i in range(n))
                        product = x[(nb, group * (cin // g) + ci, *at)] * w[(co, ci, *tap)]
                        mul += 1
                        if acc is None:
                            acc = product
                        else:
                            acc = acc + product
                            add += 1
                if cfg["bias"]:
                    acc = acc + bias[co]
                    add += 1
    return tuple(len(p) for p in positions), mul, add


@pytest.mark.layers(where=FORWARD, reason=FORWARD_ONLY)
def test_counts_equal_a_brute_force_count(layer):
    ops, output_size, n = _api(layer)
    rng = random.Random(5 + n)
    checked = 0
    while checked < (60 if n == 2 else 30):
        cfg = _valid_config(rng, n)
        cfg["input_size"] = tuple(min(s, 7 if n == 2 else 5) for s in cfg["input_size"])
        try:
            size = output_size(**_shape_args(cfg))
        except ValueError:
            continue  # the clipped input no longer fits the kernel
        positions, mul, add = _brute_force(cfg, n)
        assert size == positions, cfg
        assert ops(**cfg) == mul + add, cfg
        assert _count(layer, cfg, convention="macs") == mul, cfg
        checked += 1


# --- the torch convention is FlopCounterMode ---------------------------------------------

@pytest.mark.layers(where=FORWARD, reason=FORWARD_ONLY)
def test_torch_convention_equals_flop_counter_mode(layer):
    torch = _torch()
    from torch.utils.flop_counter import FlopCounterMode

    n = get(layer).dims
    rng = random.Random(31 + n)
    checked = 0
    for _ in range(FLOP_CONFIGS):
        cfg = _valid_config(rng, n)
        conv, x = _torch_output(torch, layer, cfg)
        with FlopCounterMode(display=False) as counter:
            conv(x)
        assert _count(layer, cfg, convention="torch") == counter.get_total_flops(), cfg
        checked += 1
    assert checked == FLOP_CONFIGS >= 200


# --- every convention, exactly, from the one form over the layer's quantities ------------

def _sympy_point(spec, cfg):
    """The spec's symbols at a configuration, output sizes from the spec's own expressions."""
    n = spec.dims
    cfg = api_params(spec, cfg)
    point = {}
    for param in spec.parameters:
        if param.name == "batch_size":
            continue
        value = cfg.get(param.name, param.default)
        if param.name == "padding":
            value = (0,) * n if value in ("same", "valid") else value
        if param.name == "bias":
            value = int(value)
        for sym, v in zip(param.symbols, _as_tuple(value, len(param.symbols))):
            point[sym] = sp.Integer(v)
    point[N] = sp.Integer(1 if cfg["batch_size"] is None else cfg["batch_size"])
    same = cfg["padding"] == "same"
    for sym, expr in zip(spec.output_sizes, spec.output_size_same if same else spec.output_size):
        point[sym] = expr.xreplace(point)
    return point


@pytest.mark.layers(where=FORWARD, reason=FORWARD_ONLY)
def test_every_convention_equals_its_expression(layer):
    spec = get(layer)
    rng = random.Random(11)
    for _ in range(25):
        cfg = _valid_config(rng, spec.dims)
        point = _sympy_point(spec, cfg)
        for name in conventions.FORMS:
            expected = conventions.layer_expression(name, spec).xreplace(point)
            assert expected.is_Integer
            assert _count(layer, cfg, convention=name) == int(expected), (name, cfg)
        assert _count(layer, cfg) == _api(layer)[0](**cfg)
        assert _count(layer, cfg, convention="moduleprofiler") == _api(layer)[0](**cfg)


def test_conv1d_conventions_are_the_forms_with_conv1d_quantities():
    for conv in conventions.CONVENTIONS:
        assert conventions.layer_expression(conv.name, "conv1d") == conv.expr


def test_count_conv1d_dispatches_to_its_evaluator():
    cfg = dict(batch_size=8, in_channels=16, out_channels=32, input_length=100, kernel_size=3)
    assert symconv.count("conv1d", **cfg) == symconv.conv1d_ops(**cfg)
    for name in conventions.FORMS:
        assert symconv.count("conv1d", convention=name, **cfg) == conventions.count(name, **cfg)


def test_count_refuses_unknown_layers_conventions_and_parameters():
    cfg = dict(batch_size=1, in_channels=1, out_channels=1, input_size=(5, 5), kernel_size=3)
    with pytest.raises(ValueError, match="layer must be one of conv1d, conv2d, conv3d"):
        symconv.count("conv4d", **cfg)
    with pytest.raises(ValueError, match="convention must be one of symconv, .*torch"):
        symconv.count("conv2d", convention="flops", **cfg)
    with pytest.raises(TypeError, match="conv2d has no parameter 'input_length'"):
        symconv.count("conv2d", **{**cfg, "input_length": 5})
    with pytest.raises(TypeError, match="missing the parameter 'kernel_size'"):
        symconv.count("conv2d", **{k: v for k, v in cfg.items() if k != "kernel_size"})


# --- huge values: exact ------------------------------------------------------------------

@pytest.mark.layers(where=FORWARD, reason=FORWARD_ONLY)
def test_huge_values_are_exact(layer):
    ops, output_size, n = _api(layer)
    spec = get(layer)
    rng = random.Random(3)
    for _ in range(50):
        big = [2**rng.randint(60, 200) + rng.randint(0, 999) for _ in range(n)]
        k = [rng.randint(1, 2**70) for _ in range(n)]
        cfg = dict(batch_size=2**65 + 3, in_channels=6 * 2**64, out_channels=3 * 2**66,
                   input_size=tuple(b + kk for b, kk in zip(big, k)), kernel_size=tuple(k),
                   stride=tuple(rng.randint(1, 2**66) for _ in range(n)),
                   padding=tuple(rng.randint(0, 2**65) for _ in range(n)),
                   dilation=1, groups=3 * 2**64, bias=rng.random() < 0.5)
        # the closed form, typed here independently
        outs = [(i + 2 * p - (kk - 1) - 1) // s + 1 for i, kk, s, p in
                zip(cfg["input_size"], k, cfg["stride"], cfg["padding"])]
        positions = taps = 1
        for o, kk in zip(outs, k):
            positions, taps = positions * o, taps * kk
        per_group = cfg["in_channels"] // cfg["groups"]
        expected = (cfg["batch_size"] * cfg["out_channels"] * positions
                    * (2 * taps * per_group - 1 + int(cfg["bias"])))
        assert output_size(**_shape_args(cfg)) == tuple(outs)
        got = ops(**cfg)
        assert type(got) is int and got == expected and got > 2**64
        point = _sympy_point(spec, cfg)
        assert spec.expression("ops").xreplace(point) == got
        assert _count(layer, cfg, convention="ptflops-sample") == int(
            conventions.layer_expression("ptflops-sample", spec).xreplace(point))


# --- bad input: the parameter, its value, the dimension and the rule ---------------------

BASE = dict(batch_size=2, in_channels=4, out_channels=8, input_size=(10, 12), kernel_size=3)

BAD = [
    # (change, exception, rule key, words the message must contain)
    (dict(input_size=(10, 12, 3)), TypeError, "tuple_length", ["input_size", "(10, 12, 3)",
                                                               "length 3"]),
    (dict(input_size=10), TypeError, "tuple_length", ["input_size", "10"]),
    (dict(input_size=[10]), TypeError, "tuple_length", ["input_size", "[10]", "length 1"]),
    (dict(kernel_size=(3, 3, 3)), TypeError, "tuple_length", ["kernel_size", "(3, 3, 3)"]),
    (dict(stride=(1,)), TypeError, "tuple_length", ["stride", "(1,)"]),
    (dict(padding=(1, 1, 1)), TypeError, "tuple_length", ["padding", "(1, 1, 1)"]),
    (dict(dilation=[1, 2, 3]), TypeError, "tuple_length", ["dilation", "[1, 2, 3]"]),
    (dict(padding="same", stride=(1, 2)), ValueError, "same_stride",
     ["stride[1]", "(1, 2)", "padding='same'"]),
    (dict(padding="same", stride=2), ValueError, "same_stride", ["stride", "(2, 2)"]),
    (dict(padding="full"), ValueError, "padding_string", ["padding", "'full'"]),
    (dict(padding=("same", "same")), TypeError, "type", ["padding[0]", "'same'"]),
    (dict(kernel_size=3.0), TypeError, "type", ["kernel_size", "3.0", "float"]),
    (dict(kernel_size=(3, 3.0)), TypeError, "type", ["kernel_size[1]", "3.0", "(3, 3.0)"]),
    (dict(input_size=(10.0, 12)), TypeError, "type", ["input_size[0]", "10.0"]),
    (dict(stride=True), TypeError, "type", ["stride", "True", "bool"]),
    (dict(dilation=(1, False)), TypeError, "type", ["dilation[1]", "False"]),
    (dict(batch_size=2.0), TypeError, "type", ["batch_size", "2.0"]),
    (dict(in_channels=True), TypeError, "type", ["in_channels", "True"]),
    (dict(padding=-1), ValueError, "padding_negative", ["padding", "-1"]),
    (dict(padding=(0, -2)), ValueError, "padding_negative", ["padding[1]", "-2", "(0, -2)"]),
    (dict(padding=1.5), TypeError, "type", ["padding", "1.5"]),
    (dict(stride=(1, 0)), ValueError, "positive", ["stride[1]", "0"]),
    (dict(input_size=(0, 12)), ValueError, "positive", ["input_size[0]", "0"]),
    (dict(kernel_size=0), ValueError, "positive", ["kernel_size", "0"]),
    (dict(groups=3), ValueError, "groups_in", ["in_channels=4", "groups=3"]),
    (dict(groups=4, out_channels=6), ValueError, "groups_out", ["out_channels=6", "groups=4"]),
    (dict(groups=0), ValueError, "positive", ["groups", "0"]),
    (dict(kernel_size=(3, 13)), ValueError, "kernel_too_long",
     ["dimension 1 (W)", "kernel_size[1]=13", "input_size[1]=12", "= 12"]),
    (dict(kernel_size=4, dilation=(4, 1)), ValueError, "kernel_too_long",
     ["dimension 0 (H)", "kernel_size[0]=4", "dilation[0]=4", "spans 13", "input_size[0]=10"]),
    (dict(bias=2), TypeError, "bias_type", ["bias", "2"]),
    (dict(bias="yes"), TypeError, "bias_type", ["bias", "'yes'"]),
]


@pytest.mark.parametrize("change, cls, rule, words", BAD, ids=[str(b[0]) for b in BAD])
def test_bad_input_names_the_parameter_value_and_rule(change, cls, rule, words):
    with pytest.raises(cls) as info:
        symconv.conv2d_ops(**{**BASE, **change})
    message = str(info.value)
    assert info.value.rule == rule
    assert message.endswith(": " + symconv.validation.ND_RULES[rule])
    for word in words:
        assert word in message, (word, message)
    if not {"batch_size", "in_channels", "out_channels", "groups", "bias"} & set(change):
        with pytest.raises(cls) as again:
            symconv.conv2d_output_size(**{k: v for k, v in {**BASE, **change}.items()
                                          if k in ("input_size", "kernel_size", "stride",
                                                   "padding", "dilation")})
        assert again.value.rule == rule


def test_conv3d_names_the_dimension():
    base = dict(batch_size=1, in_channels=1, out_channels=1, input_size=(4, 5, 6), kernel_size=3)
    with pytest.raises(ValueError, match=r"dimension 2 \(W\) kernel_size\[2\]=7") as info:
        symconv.conv3d_ops(**{**base, "kernel_size": (3, 3, 7)})
    assert info.value.rule == "kernel_too_long"
    with pytest.raises(TypeError, match=r"input_size must be a tuple of 3 ints \(D, H, W\)"):
        symconv.conv3d_output_size((4, 5), 3)
    with pytest.raises(ValueError, match=r"stride\[2\] must be 1 with padding='same'"):
        symconv.conv3d_output_size((4, 5, 6), 3, stride=(1, 1, 2), padding="same")


def test_accepted_forms():
    """Lists, NumPy-like integers (``__index__``), 'valid', unbatched; 'same' keeps sizes."""
    class Index:
        def __init__(self, v):
            self.v = v

        def __index__(self):
            return self.v

    assert symconv.conv2d_output_size([7, 9], [3, Index(5)], stride=(2, 1)) == (3, 5)
    assert symconv.conv2d_output_size((7, 9), 4, padding="same", dilation=(2, 3)) == (7, 9)
    assert symconv.conv2d_output_size((7, 9), 3, padding="valid") == (5, 7)
    assert symconv.conv3d_output_size((2, 3, 4), (2, 3, 4)) == (1, 1, 1)
    assert (symconv.conv2d_ops(None, 2, 2, (5, 5), 3)
            == symconv.conv2d_ops(1, 2, 2, (5, 5), 3))
    assert symconv.conv2d_ops(1, 2, 2, (5, 5), 3, bias=1) == symconv.conv2d_ops(1, 2, 2, (5, 5), 3)
