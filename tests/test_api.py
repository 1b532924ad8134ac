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
