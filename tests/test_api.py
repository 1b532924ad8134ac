"""Evaluation API: exact ints, PyTorch's parameter names, clear errors for bad input."""

import pytest

import symconv

BASE = dict(batch_size=8, in_channels=16, out_channels=32, input_length=100, kernel_size=3)


def test_values_are_exact_python_ints():
    value = symconv.conv1d_ops(**BASE)
    assert type(value) is int and value == 2408448
    assert type(symconv.conv1d_output_length(100, 3)) is int


def test_unbatched_counts_as_one():
    assert symconv.conv1d_ops(**{**BASE, "batch_size": None}) * 8 == symconv.conv1d_ops(**BASE)


def test_padding_strings():
    assert symconv.conv1d_output_length(100, 4, padding="same") == 100
    assert symconv.conv1d_output_length(100, 4, padding="valid") == 97
    assert symconv.conv1d_output_length(100, 4, padding="same", dilation=3) == 100
    assert symconv.conv1d_ops(**BASE, padding="valid") == symconv.conv1d_ops(**BASE, padding=0)


def test_large_values_are_exact():
    n = symconv.conv1d_ops(2**20, 2**12, 2**12, 2**20, 7)
    l_out = 2**20 - 6
    assert n == 2**20 * 2**12 * 2**12 * l_out * 2 * 7
    assert n > 2**63


def test_numpy_integers_accepted():
    np = pytest.importorskip("numpy", reason="numpy not installed")
    assert symconv.conv1d_ops(np.int64(8), 16, 32, np.int32(100), 3) == 2408448


def test_parameters_count():
    from symconv.api import conv1d_parameters
    assert conv1d_parameters(16, 32, 3) == 32 * 16 * 3 + 32
    assert conv1d_parameters(16, 32, 3, groups=4, bias=False) == 32 * 4 * 3


# --- one test per class of bad input -------------------------------------------------

def _error(exc, **kw):
    with pytest.raises(exc) as info:
        symconv.conv1d_ops(**{**BASE, **kw})
    return str(info.value)


@pytest.mark.parametrize("name", ["batch_size", "in_channels", "out_channels", "input_length",
                                  "kernel_size", "stride", "dilation", "groups"])
@pytest.mark.parametrize("value", [0, -3])
def test_non_positive_size(name, value):
    msg = _error(ValueError, **{name: value})
    assert name in msg and str(value) in msg and "positive" in msg


@pytest.mark.parametrize("value", [3.0, 2.5, "3", None])
def test_non_integer_size(value):
    msg = _error(TypeError, kernel_size=value)
    assert "kernel_size" in msg and repr(value) in msg and "int" in msg


@pytest.mark.parametrize("value", [True, False])
def test_bool_as_size(value):
    msg = _error(TypeError, in_channels=value)
    assert "in_channels" in msg and repr(value) in msg and "bool" in msg


def test_negative_padding():
    msg = _error(ValueError, padding=-1)
    assert "padding" in msg and "-1" in msg and ">= 0" in msg


def test_unknown_padding_string():
    msg = _error(ValueError, padding="full")
    assert "padding" in msg and "'full'" in msg and "'same'" in msg


def test_groups_not_dividing_in_channels():
    msg = _error(ValueError, in_channels=6, out_channels=8, groups=4)
    assert "groups=4" in msg and "in_channels=6" in msg and "divide" in msg


def test_groups_not_dividing_out_channels():
    msg = _error(ValueError, in_channels=8, out_channels=6, groups=4)
    assert "groups=4" in msg and "out_channels=6" in msg and "divide" in msg


def test_same_with_stride():
    msg = _error(ValueError, padding="same", stride=2)
    assert "stride=2" in msg and "'same'" in msg and "stride=1" in msg
    with pytest.raises(ValueError, match="stride"):
        symconv.conv1d_output_length(100, 3, stride=2, padding="same")


def test_dilated_kernel_longer_than_padded_input():
    msg = _error(ValueError, input_length=5, kernel_size=3, dilation=3, padding=0)
    assert "kernel_size=3" in msg and "dilation=3" in msg and "input_length=5" in msg
    assert "7" in msg and "5" in msg
    # with enough padding it is valid again: 5 + 2*1 = 7 >= 7
    assert symconv.conv1d_output_length(5, 3, padding=1, dilation=3) == 1


def test_bad_bias():
    msg = _error(TypeError, bias="yes")
    assert "bias" in msg and "'yes'" in msg


# --- PyTorch's 1-tuples ----------------------------------------------------------------

@pytest.mark.parametrize("name,value", [("kernel_size", 5), ("stride", 2), ("padding", 2),
                                        ("dilation", 2)])
@pytest.mark.parametrize("wrap", [lambda v: (v,), lambda v: [v]], ids=["tuple", "list"])
def test_1_tuples_as_pytorch_stores_them(name, value, wrap):
    kw = {**BASE, "input_length": 100, name: value}
    assert symconv.conv1d_ops(**{**kw, name: wrap(value)}) == symconv.conv1d_ops(**kw)
    length_kw = {k: v for k, v in kw.items() if k in ("input_length", "kernel_size", "stride",
                                                      "padding", "dilation")}
    assert (symconv.conv1d_output_length(**{**length_kw, name: wrap(value)})
            == symconv.conv1d_output_length(**length_kw))


@pytest.mark.parametrize("name,value,message", [
    ("kernel_size", (3, 3), r"^kernel_size must be an int or a 1-tuple, got \(3, 3\) \(tuple of "
                            r"length 2\)"),
    ("stride", [1, 2], r"^stride must be an int or a 1-tuple, got \[1, 2\] \(list of length 2\)"),
    ("dilation", (), r"^dilation must be an int or a 1-tuple, got \(\) \(tuple of length 0\)"),
    ("padding", (1, 1), r"^padding must be an int, 'same', 'valid' or a 1-tuple of an int, got "
                        r"\(1, 1\)"),
    ("padding", ("same",), r"^padding must be an int, 'same', 'valid' or a 1-tuple of an int"),
    ("in_channels", (16,), r"^in_channels must be an int, got \(16,\) \(tuple\)"),
    ("input_length", [100], r"^input_length must be an int, got \[100\] \(list\)"),
])
def test_other_tuples_are_refused_clearly(name, value, message):
    with pytest.raises(TypeError, match=message) as info:
        symconv.conv1d_ops(**{**BASE, name: value})
    assert info.value.rule == "type"


def test_a_torch_module_s_attributes_as_they_are():
    nn = pytest.importorskip("torch.nn", reason="torch not installed")
    conv = nn.Conv1d(16, 32, 5, stride=2, padding=2, dilation=2, groups=4, bias=False)
    assert conv.kernel_size == (5,) and conv.padding == (2,)  # what PyTorch stores
    got = symconv.conv1d_ops(8, conv.in_channels, conv.out_channels, 100, conv.kernel_size,
                             conv.stride, conv.padding, conv.dilation, conv.groups,
                             conv.bias is not None)
    assert got == symconv.conv1d_ops(8, 16, 32, 100, 5, 2, 2, 2, 4, False)
    same = nn.Conv1d(16, 32, 4, padding="same")
    assert symconv.conv1d_output_length(100, same.kernel_size, same.stride, same.padding,
                                        same.dilation) == 100


def test_numpy_booleans_are_booleans():
    np = pytest.importorskip("numpy", reason="numpy not installed")
    assert symconv.conv1d_ops(**BASE, bias=np.True_) == symconv.conv1d_ops(**BASE, bias=True)
    assert symconv.conv1d_ops(**BASE, bias=np.False_) == symconv.conv1d_ops(**BASE, bias=False)
    with pytest.raises(TypeError, match="in_channels must be an int, got np.True_"):
        symconv.conv1d_ops(**{**BASE, "in_channels": np.True_})


def test_boolean_tensors_are_not_sizes():
    torch = pytest.importorskip("torch", reason="torch not installed")
    for value in (torch.tensor(True), torch.tensor([True])):
        with pytest.raises(TypeError, match=r"kernel_size must be an int, got tensor\(.*True.*\) "
                                            r"\(Tensor, not accepted as an integer\)"):
            symconv.conv1d_ops(**{**BASE, "kernel_size": value})
    assert symconv.conv1d_ops(**BASE, bias=torch.tensor(False)) == symconv.conv1d_ops(**BASE, bias=False)
    assert symconv.conv1d_ops(**{**BASE, "kernel_size": torch.tensor(3)}) == symconv.conv1d_ops(**BASE)
