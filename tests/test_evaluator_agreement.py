"""One table of edge inputs through every evaluator: the same count, or the same refusal.

Evaluators: the exact one (``generated/conv1d_ops.py``, which *is* ``symconv.conv1d_ops``),
the NumPy one (``generated/conv1d_ops_numpy.py``), the C library per call
(``symconv.cbackend.conv1d_ops``) and over arrays (``cbackend.conv1d_ops_array`` and the
status of ``cbackend.conv1d_batch``); for the output length the exact, NumPy and C scalar
functions.

The rule, decided once for all of them: a refusal has the same exception class, the same
message and the same ``rule`` attribute (a key of ``RULES``, or ``'overflow'``) everywhere;
the array evaluators prefix it with the row, ``"row 0: "`` for scalar input. Where the exact
evaluator counts a configuration that int64 cannot hold, the fixed-width evaluators raise
``OverflowError`` naming the value that does not fit, else the count; that message is the same
in NumPy and C.

The expected outcome of every case is stated in the table and checked against the exact
evaluator first, so a change of behaviour anywhere fails here. A second, independent oracle
(``_expected``: the exact evaluator plus the printed expressions evaluated with a checked
int64 type defined here) drives a hypothesis fuzz of NumPy and C against the exact evaluator
on edge values near 2**62..2**64 with every form of padding.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symconv
from symconv import cbackend
from symconv._generated import conv1d_ops as gen_py
from symconv._generated import conv1d_ops_numpy as gen_np
from symconv.codegen import CONV1D
from symconv.printing.code import python_code
from symconv.validation import RULES

MAX = 2**63 - 1
BASE = dict(batch_size=8, in_channels=16, out_channels=32, input_length=100, kernel_size=3,
            stride=1, padding=0, dilation=1, groups=1, bias=True)
LENGTH_ARGS = ("input_length", "kernel_size", "stride", "padding", "dilation")


@pytest.fixture(scope="module", autouse=True)
def _cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("SYMCONV_CACHE_DIR", str(tmp_path_factory.mktemp("symconv-cache")))
    yield
    mp.undo()


def _bool_array():
    return np.array(True)


#: (id, change to BASE, expected, arrays): expected is "ok" (every evaluator returns the exact
#: count), a key of RULES (the exact evaluator's refusal, everywhere), "overflow" (the exact
#: count exists; NumPy and C refuse the count) or "overflow:<name>" (they refuse that value).
#: arrays=False: the array evaluators read the value as rows (a tuple or an ndarray of several
#: values), or judge an ndarray by its dtype as a whole column (a column error, no row), so
#: only the scalar evaluators are compared.
CASES = [
    # --- accepted ----------------------------------------------------------------------
    ("plain", {}, "ok", True),
    ("unbatched", dict(batch_size=None), "ok", True),
    ("numpy-ints", dict(batch_size=np.int64(8), in_channels=np.int32(16), out_channels=np.uint8(32),
                        input_length=np.uint64(100), kernel_size=np.int16(3)), "ok", True),
    ("0-d-array-size", dict(kernel_size=np.array(3)), "ok", True),
    ("valid", dict(padding="valid"), "ok", True),
    ("same", dict(padding="same", kernel_size=4), "ok", True),
    ("same-np-str", dict(padding=np.str_("same")), "ok", True),
    ("same-huge-dilation", dict(padding="same", dilation=2**62), "ok", True),
    ("same-huge-dilation-small", dict(batch_size=1, in_channels=1, out_channels=1, input_length=10,
                                      padding="same", dilation=2**62), "ok", True),
    ("bias-np-true", dict(bias=np.True_), "ok", True),
    ("bias-np-false", dict(bias=np.False_), "ok", True),
    ("bias-0-d-array", dict(bias=np.array(False)), "ok", True),
    ("bias-1", dict(bias=1), "ok", True),
    ("bias-0", dict(bias=0), "ok", True),
    ("bias-np-int-1", dict(bias=np.int64(1)), "ok", True),
    ("kernel-1-tuple", dict(kernel_size=(3,)), "ok", True),
    ("kernel-1-list", dict(kernel_size=[3]), "ok", True),
    ("stride-1-tuple", dict(stride=(2,)), "ok", True),
    ("dilation-1-tuple", dict(dilation=(2,)), "ok", True),
    ("padding-1-tuple", dict(padding=(1,)), "ok", True),
    ("padding-1-list", dict(padding=[1]), "ok", True),
    ("torch-module-form", dict(kernel_size=(5,), stride=(2,), padding=(2,), dilation=(1,)), "ok", True),
    ("kernel-fills-input", dict(kernel_size=100), "ok", True),
    ("kernel-fills-padded", dict(input_length=5, kernel_size=3, dilation=3, padding=1), "ok", True),
    ("count-2**63-1", dict(batch_size=1, in_channels=1, out_channels=1,
                           input_length=(2**63 - 1) // 7 + 3, kernel_size=4, bias=False), "ok", True),
    ("stride-beyond-length", dict(stride=2**62), "ok", True),
    # --- type ----------------------------------------------------------------------------
    ("float-size", dict(kernel_size=3.0), "type", True),
    ("float-size-fraction", dict(kernel_size=2.5), "type", True),
    ("np-float-size", dict(kernel_size=np.float64(3)), "type", True),
    ("decimal-size", dict(kernel_size=Decimal(3)), "type", True),
    ("fraction-size", dict(kernel_size=Fraction(3)), "type", True),
    ("complex-size", dict(kernel_size=3 + 0j), "type", True),
    ("nan-size", dict(input_length=float("nan")), "type", True),
    ("str-size", dict(kernel_size="3"), "type", True),
    ("none-size", dict(in_channels=None), "type", True),
    ("bool-size", dict(in_channels=True), "type", True),
    ("false-size", dict(groups=False), "type", True),
    ("np-bool-size", dict(in_channels=np.True_), "type", True),
    ("0-d-bool-array-size", dict(kernel_size=_bool_array()), "type", False),
    ("float-padding", dict(padding=1.5), "type", True),
    ("bool-padding", dict(padding=True), "type", True),
    ("none-padding", dict(padding=None), "type", True),
    ("bytes-padding", dict(padding=b"same"), "type", True),
    ("tuple-of-str-padding", dict(padding=("same",)), "type", False),
    ("2-tuple-kernel", dict(kernel_size=(3, 3)), "type", False),
    ("2-list-stride", dict(stride=[1, 2]), "type", False),
    ("empty-tuple-kernel", dict(kernel_size=()), "type", False),
    ("tuple-channels", dict(in_channels=(16,)), "type", False),
    ("tuple-batch", dict(batch_size=(8,)), "type", False),
    ("array-kernel", dict(kernel_size=np.array([3])), "type", False),
    ("nested-tuple-kernel", dict(kernel_size=((3,),)), "type", False),
    ("float-in-1-tuple", dict(kernel_size=(3.0,)), "type", True),
    # --- positive -----------------------------------------------------------------------
    *[(f"zero-{name}", {name: 0}, "positive", True) for name in
      ("batch_size", "in_channels", "out_channels", "input_length", "kernel_size", "stride",
       "dilation", "groups")],
    ("negative-groups", dict(groups=-5), "positive", True),
    ("np-zero", dict(in_channels=np.int64(0)), "positive", True),
    ("zero-in-1-tuple", dict(kernel_size=(0,)), "positive", True),
    ("stride-below-int64", dict(stride=-2**63 - 1), "positive", True),
    ("batch-far-below", dict(batch_size=-2**64), "positive", True),
    ("stride-wraps-to-2", dict(stride=-2**64 + 2), "positive", True),  # 2 modulo 2**64
    ("positive-before-type", dict(in_channels=0, kernel_size=3.0), "positive", True),
    ("positive-before-huge", dict(batch_size=2**64, in_channels=0), "positive", True),
    ("positive-before-padding", dict(stride=0, padding=-1), "positive", True),
    ("positive-before-padding-string", dict(kernel_size=0, padding="full"), "positive", True),
    # --- padding ------------------------------------------------------------------------
    ("padding-minus-1", dict(padding=-1), "padding_negative", True),
    ("padding-minus-2", dict(padding=-2), "padding_negative", True),
    ("padding-np-minus-1", dict(padding=np.int64(-1)), "padding_negative", True),
    ("padding-far-below", dict(padding=-2**64), "padding_negative", True),
    ("padding-wraps-to-1", dict(padding=-2**64 + 1), "padding_negative", True),
    ("padding-minus-1-tuple", dict(padding=(-1,)), "padding_negative", True),
    ("padding-full", dict(padding="full"), "padding_string", True),
    ("padding-SAME", dict(padding="SAME"), "padding_string", True),
    ("padding-empty-string", dict(padding=""), "padding_string", True),
    # --- bias ---------------------------------------------------------------------------
    ("bias-none", dict(bias=None), "bias_type", True),
    ("bias-2", dict(bias=2), "bias_type", True),
    ("bias-minus-1", dict(bias=-1), "bias_type", True),
    ("bias-str", dict(bias="yes"), "bias_type", True),
    ("bias-float", dict(bias=1.0), "bias_type", True),
    ("bias-np-2", dict(bias=np.int64(2)), "bias_type", True),
    ("bias-huge", dict(bias=2**64 + 1), "bias_type", True),
    ("bias-array", dict(bias=np.array([True])), "bias_type", False),
    ("bias-before-groups", dict(bias=None, groups=3), "bias_type", True),
    # --- groups -------------------------------------------------------------------------
    ("groups-in", dict(in_channels=16, out_channels=30, groups=3), "groups_in", True),
    ("groups-out", dict(out_channels=31, groups=2), "groups_out", True),
    ("groups-in-huge", dict(in_channels=2**64 + 1, groups=2), "groups_in", True),
    ("groups-huge", dict(groups=2**63), "groups_in", True),
    # --- same_stride --------------------------------------------------------------------
    ("same-stride-2", dict(padding="same", stride=2), "same_stride", True),
    ("same-stride-huge", dict(padding="same", stride=2**64), "same_stride", True),
    ("same-stride-1-tuple", dict(padding="same", stride=(2,)), "same_stride", True),
    # --- kernel_too_long ------------------------------------------------------------------
    ("kernel-too-long", dict(kernel_size=60, dilation=2, padding=4), "kernel_too_long", True),
    ("kernel-too-long-tuples", dict(kernel_size=(60,), dilation=(2,), padding=(4,)),
     "kernel_too_long", True),
    ("kernel-span-overflows", dict(batch_size=1, in_channels=1, out_channels=1, input_length=10,
                                   kernel_size=2**62, dilation=4), "kernel_too_long", True),
    ("kernel-and-dilation-max", dict(kernel_size=MAX, dilation=MAX), "kernel_too_long", True),
    ("kernel-huge", dict(kernel_size=2**63), "kernel_too_long", True),
    ("dilation-huge", dict(dilation=2**63), "kernel_too_long", True),
    ("kernel-one-too-long-beyond-int64", dict(input_length=2**62, padding=2**62, dilation=3,
                                              kernel_size=2**62 + 1), "kernel_too_long", True),
    ("kernel-max-padding-max", dict(input_length=MAX, kernel_size=MAX, padding=MAX,
                                    dilation=MAX), "kernel_too_long", True),
    # --- overflow -----------------------------------------------------------------------
    ("count-2**63", dict(batch_size=2**60, in_channels=1, out_channels=1, input_length=4,
                         kernel_size=4), "overflow", True),
    ("count-huge", dict(batch_size=2**40, in_channels=2**20, out_channels=2**20,
                        input_length=2**20), "overflow", True),
    ("kernel-fits-beyond-int64", dict(input_length=2**62, padding=2**62, dilation=3,
                                      kernel_size=2**62), "overflow", True),
    ("same-huge-kernel", dict(padding="same", kernel_size=2**62, dilation=2**62), "overflow", True),
    ("padded-overflows", dict(padding=2**62), "overflow", True),
    ("batch-2**64+8", dict(batch_size=2**64 + 8), "overflow:batch_size", True),
    ("batch-2**63", dict(batch_size=2**63), "overflow:batch_size", True),
    ("batch-np-uint64", dict(batch_size=np.uint64(2**63)), "overflow:batch_size", True),
    ("input-length-2**64+100", dict(input_length=2**64 + 100), "overflow:input_length", True),
    ("padding-2**64+1", dict(padding=2**64 + 1), "overflow:padding", True),
    ("stride-2**64+1", dict(stride=2**64 + 1), "overflow:stride", True),
    ("channels-2**64", dict(in_channels=2**64, out_channels=2**64), "overflow:in_channels", True),
    ("stride-huge-in-1-tuple", dict(stride=(2**64,)), "overflow:stride", True),
]


def _outcome(fn, kwargs):
    try:
        return ("value", fn(**kwargs))
    except (TypeError, ValueError, OverflowError) as exc:
        return (type(exc), str(exc), getattr(exc, "rule", "no rule attribute"))


def _scalar(outcome):
    """An array evaluator's outcome on one row, as a scalar evaluator's (row prefix removed)."""
    if outcome[0] == "value":
        values = np.asarray(outcome[1]).ravel().tolist()
        assert len(values) == 1, outcome
        return ("value", values[0])
    cls, message, rule = outcome
    assert message.startswith("row 0: "), message
    return (cls, message[len("row 0: "):], rule)


@pytest.mark.parametrize("change,expected,arrays", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_evaluator_agrees(change, expected, arrays):
    kwargs = {**BASE, **change}
    exact = _outcome(gen_py.conv1d_ops, kwargs)
    assert _outcome(symconv.conv1d_ops, kwargs) == exact
    c_scalar = _outcome(cbackend.conv1d_ops, kwargs)
    outcomes = {"C scalar": c_scalar}
    if arrays:
        outcomes["NumPy"] = _scalar(_outcome(gen_np.conv1d_ops, kwargs))
        outcomes["C array"] = _scalar(_outcome(cbackend.conv1d_ops_array, kwargs))
    if expected == "ok":
        assert exact[0] == "value" and exact[1] <= MAX, exact
        want = exact
    elif expected.startswith("overflow"):
        assert exact[0] == "value" and isinstance(exact[1], int), exact
        want = c_scalar
        assert want[0] is OverflowError and want[2] == "overflow", want
        assert "does not fit in a signed 64-bit integer" in want[1]
        assert "symconv.conv1d_ops is exact at any size" in want[1]
        if ":" in expected:
            name = expected.split(":")[1]
            value = int(np.asarray(change[name]).ravel()[0]) if name in change else BASE[name]
            assert want[1].startswith(f"{name}={value} does not fit"), want
        else:
            assert want[1].startswith("the result or an intermediate"), want
    else:
        assert exact[0] is not None and exact[0] != "value", exact
        assert exact[2] == expected, exact
        assert exact[1].endswith(": " + RULES[expected]), exact
        want = exact
    for name, got in outcomes.items():
        assert got == want, (name, got, want)
    if arrays:  # the status of conv1d_batch names the same rule
        _, ops, status = cbackend.conv1d_batch(**kwargs)
        code = 0 if want[0] == "value" else cbackend.STATUS[want[2]]
        assert np.asarray(status).ravel().tolist() == [code]
        assert np.asarray(ops).ravel().tolist() == [want[1] if code == 0 else 0]
    # the output length, where the case changes only its parameters
    if set(change) <= set(LENGTH_ARGS):
        length_args = {k: kwargs[k] for k in LENGTH_ARGS}
        exact_length = _outcome(gen_py.conv1d_output_length, length_args)
        assert _outcome(symconv.conv1d_output_length, length_args) == exact_length
        c_length = _outcome(cbackend.conv1d_output_length, length_args)
        if exact_length[0] == "value" and not (isinstance(exact_length[1], int)
                                               and exact_length[1] <= MAX):
            assert c_length[0] is OverflowError, c_length
        elif exact_length[0] == "value" and expected.startswith("overflow"):
            # the length fits: equal, or an intermediate of it did not (then OverflowError)
            assert c_length in (exact_length,) or c_length[0] is OverflowError, c_length
        else:
            assert c_length == exact_length, (c_length, exact_length)
        if arrays:
            assert _scalar(_outcome(gen_np.conv1d_output_length, length_args)) == c_length


def test_the_table_covers_every_rule_and_overflow():
    covered = {expected.split(":")[0] for _, _, expected, _ in CASES}
    assert covered == {"ok", "overflow", *RULES}


def test_refusals_carry_their_rule():
    with pytest.raises(ValueError) as info:
        symconv.conv1d_ops(8, 16, 32, 100, 3, groups=3)
    assert info.value.rule == "groups_in"
    with pytest.raises(OverflowError) as info:
        gen_np.conv1d_ops([1, 2**62], 16, 32, 100, 3)
    assert info.value.rule == "overflow" and str(info.value).startswith("row 1: ")


# --- an independent oracle, and a fuzz of NumPy and C against the exact evaluator -------------

class _Int64:
    """An int whose every +, -, *, // must stay in int64 (raises _Leaves otherwise)."""

    def __init__(self, v):
        if not -2**63 <= v <= MAX:
            raise _Leaves
        self.v = v

    def _op(self, other, f):
        return _Int64(f(self.v, other.v if isinstance(other, _Int64) else other))

    def __add__(self, o):
        return self._op(o, lambda a, b: a + b)

    def __radd__(self, o):
        return self._op(o, lambda a, b: b + a)

    def __sub__(self, o):
        return self._op(o, lambda a, b: a - b)

    def __rsub__(self, o):
        return self._op(o, lambda a, b: b - a)

    def __mul__(self, o):
        return self._op(o, lambda a, b: a * b)

    def __rmul__(self, o):
        return self._op(o, lambda a, b: b * a)

    def __floordiv__(self, o):
        return self._op(o, lambda a, b: a // b)

    def __rfloordiv__(self, o):
        return self._op(o, lambda a, b: b // a)


class _Leaves(Exception):
    pass


_NAMES = CONV1D.names
_LENGTH_TEXT = python_code(CONV1D.length, _NAMES)
_OPS_TEXT = python_code(CONV1D.ops, _NAMES)
_PER_GROUP = {_NAMES[sym]: python_code(e, _NAMES) for sym, e in CONV1D.per_group.items()}


def _expected(row: dict):
    """What a fixed-width evaluator must give for one row: ('value', n), or the refusal
    (class, message, rule) — the exact evaluator's error; else OverflowError naming the first
    value outside int64; else, when an intermediate of the printed expressions leaves int64
    (evaluated here with _Int64), OverflowError for the count."""
    exact = _outcome(gen_py.conv1d_ops, row)
    if exact[0] != "value":
        return exact
    for name in ("batch_size", "in_channels", "out_channels", "input_length", "kernel_size",
                 "stride", "padding", "dilation", "groups"):
        v = row[name]
        if v is None or isinstance(v, str):
            continue
        v = int(np.asarray(v).ravel()[0])
        if v > MAX:
            return (OverflowError, f"{name}={v} does not fit in a signed 64-bit integer "
                                   "(symconv.conv1d_ops is exact at any size)", "overflow")
    env = {k: _Int64(int(np.asarray(row[k]).ravel()[0])) for k in
           ("in_channels", "out_channels", "input_length", "kernel_size", "stride", "dilation",
            "groups")}
    env["batch_size"] = _Int64(1 if row["batch_size"] is None else int(row["batch_size"]))
    env["b"] = _Int64(int(bool(row["bias"])))
    try:
        for name, text in _PER_GROUP.items():
            env[name] = eval(text, {}, env)  # noqa: S307 - printed expression, test oracle
        if row["padding"] == "same":
            env["length"] = env["input_length"]
        else:
            env["padding"] = _Int64(0 if row["padding"] == "valid" else int(row["padding"]))
            env["length"] = eval(_LENGTH_TEXT, {}, env)  # noqa: S307
        eval(_OPS_TEXT, {}, env)  # noqa: S307
    except _Leaves:
        return (OverflowError, "the result or an intermediate does not fit in a signed 64-bit "
                               "integer (symconv.conv1d_ops is exact at any size)", "overflow")
    return exact


_EDGES = [1, 2, 3, 4, 7, 100, 2**31 - 1, 2**31, 2**32 + 1, 2**61, 2**62 - 1, 2**62, 2**62 + 1,
          3 * 2**61, 2**63 - 2, MAX, 2**63, 2**63 + 1, 2**64, 0, -1, -2**63, -2**63 - 1]


def _values():
    return st.one_of(st.sampled_from(_EDGES), st.integers(1, 64),
                     st.integers(2**61, 2**63 + 4), st.integers(-3, 2**64))


_PARAMETERS = ("batch_size", "in_channels", "out_channels", "input_length", "kernel_size",
               "stride", "padding", "dilation", "groups", "bias")


@st.composite
def _rows(draw):
    """A small valid row, then up to four parameters set to edge values (or a fully random row)."""
    g = draw(st.sampled_from([1, 1, 2, 3, 2**31]))
    k = draw(st.integers(1, 9))
    d = draw(st.integers(1, 4))
    same = draw(st.booleans())
    p = "same" if same else draw(st.one_of(st.just("valid"), st.integers(0, 5)))
    row = dict(batch_size=draw(st.one_of(st.none(), st.integers(1, 64))),
               in_channels=g * draw(st.integers(1, 64)), out_channels=g * draw(st.integers(1, 64)),
               input_length=d * (k - 1) + 1 + draw(st.integers(0, 100)), kernel_size=k,
               stride=1 if same else draw(st.integers(1, 4)), padding=p, dilation=d, groups=g,
               bias=draw(st.sampled_from([True, False, 1, 0, np.True_, np.False_])))
    if draw(st.integers(0, 9)) == 0:
        for name in _PARAMETERS[:-1]:
            row[name] = draw(_values())
    for name in draw(st.lists(st.sampled_from(_PARAMETERS), max_size=4)):
        if name == "bias":
            row[name] = draw(st.sampled_from([2, -1, None, "yes", 1.0, np.int64(2)]))
        elif name == "padding":
            row[name] = draw(st.one_of(st.sampled_from(["same", "valid", "full", -1, 2**62,
                                                        2**62 + 2**61, MAX]), _values()))
        else:
            row[name] = draw(_values())
    return row


def _check_rows(rows):
    """NumPy and C over these rows: the values, or the first refused row's refusal."""
    expected = [_expected(r) for r in rows]
    first = next((i for i, e in enumerate(expected) if e[0] != "value"), None)
    columns = {k: [r[k] for r in rows] for k in rows[0]}
    if any(r["batch_size"] is None for r in rows):
        columns["batch_size"] = [1 if r["batch_size"] is None else r["batch_size"] for r in rows]
    length_rows = [{k: r[k] for k in LENGTH_ARGS} for r in rows]
    for name, fn in (("NumPy", gen_np.conv1d_ops), ("C array", cbackend.conv1d_ops_array)):
        got = _outcome(fn, columns)
        if first is None:
            assert got[0] == "value" and got[1].tolist() == [e[1] for e in expected], (name, got)
        else:
            cls, message, rule = expected[first]
            assert got == (cls, f"row {first}: {message}", rule), (name, got, expected[first])
    # conv1d_batch: one status per row, no exception
    _, ops, status = cbackend.conv1d_batch(**columns)
    assert status.tolist() == [0 if e[0] == "value" else cbackend.STATUS[e[2]] for e in expected]
    assert ops.tolist() == [e[1] if e[0] == "value" else 0 for e in expected]
    for row, e in zip(rows, expected):
        assert _outcome(cbackend.conv1d_ops, row) == e, (row, e)
    # the output length: NumPy and C scalar against the exact length (and its overflow)
    for row in length_rows:
        exact = _outcome(gen_py.conv1d_output_length, row)
        c = _outcome(cbackend.conv1d_output_length, row)
        numpy_length = _outcome(gen_np.conv1d_output_length, row)
        assert (_scalar(numpy_length) if numpy_length[0] != "value" else numpy_length) == c, (row, c)
        if exact[0] != "value" or (exact[1] <= MAX and c[0] == "value"):
            assert c == exact, (row, c, exact)
        else:
            assert c[0] is OverflowError, (row, c)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rows())
def test_fuzz_one_row(row):
    _check_rows([row])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_rows(), min_size=2, max_size=5))
def test_fuzz_mixed_rows(rows):
    _check_rows(rows)


@pytest.mark.parametrize("rows", [
    # the mixed rows: 'same' with a dilation that overflows, and a small valid row
    [dict(padding="same", dilation=2**62), dict(padding=1, dilation=1)],
    # a huge value in a row that breaks no rule, after valid rows
    [dict(), dict(batch_size=2**64)],
    # kernel too long beyond int64 after an overflowing count
    [dict(batch_size=2**62), dict(kernel_size=2**62, dilation=4, input_length=10)],
], ids=["same-huge-dilation", "huge-value", "overflow-before-kernel"])
def test_mixed_rows(rows):
    _check_rows([{**BASE, **r} for r in rows])
