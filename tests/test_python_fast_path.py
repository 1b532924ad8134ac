"""The generated Python evaluators' fast path against their checked path.

``generated/<layer>_ops.py`` starts each count function with a fast path: exact ``int`` values
that break no rule (an int or a tuple of ints per dimension, bias True or False) get the
printed count at once; anything else falls through to the checked code, which returns the same
count or words the error. Here the checked code alone (the same generated file with the fast
blocks cut out) must agree with the whole function on random valid and invalid input — the
same exact int, or the same exception class, message and rule — and a plain valid call must
run the fast path only (a guard that always fell back would pass the agreement but not this).
"""

from __future__ import annotations

import importlib
import itertools
import random
import re
import sys
import types
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from _helpers import FORWARD, PENDING_CODEGEN, layer_names

from symconv.registry import LAYERS

GENERATED = Path(__file__).resolve().parent.parent / "generated"
#: The comment that opens every fast block (the template's text).
MARK = "    # The fast path:"
FORWARD_LAYERS = layer_names(FORWARD)


def _names(layer: str) -> list[str]:
    """The functions of the layer's evaluator that have a fast path."""
    from symconv.codegen import nd

    if LAYERS[layer].dims == 1:
        return [f"{layer}_ops"]
    return [f"{layer}_{q}" for q in nd.QUANTITIES]


def _blocks(text: str) -> list[tuple[int, int]]:
    """(first, last) line numbers (1-based) of each fast block: its opening comment, the names
    it binds and the ``if`` statement after them, up to the next line at the function body's
    indentation."""
    lines = text.splitlines()
    out = []

    def body_level(line: str) -> bool:
        return line.startswith("    ") and not line.startswith("     ")

    for i, line in enumerate(lines):
        if line.startswith(MARK):
            j = i + 1
            while not lines[j].startswith("    if "):  # the comment, the names it binds
                assert body_level(lines[j]) and j < i + 8, lines[j]
                j += 1
            j += 1
            while not body_level(lines[j]):
                j += 1
            out.append((i + 1, j))
    return out


def _checked_module(layer: str) -> types.ModuleType:
    """The generated evaluator with every fast block cut out: the checked code alone."""
    text = (GENERATED / f"{layer}_ops.py").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    for first, last in reversed(_blocks(text)):
        del lines[first - 1:last]
    module = types.ModuleType(f"checked_{layer}")
    exec(compile("".join(lines), f"checked {layer}_ops.py", "exec"), module.__dict__)  # noqa: S102
    return module


def _module(layer: str) -> types.ModuleType:
    return importlib.import_module(f"symconv._generated.{layer}_ops")


def _outcome(fn, args):
    try:
        value = fn(*args)
    except (TypeError, ValueError) as exc:
        return ("error", type(exc), str(exc), getattr(exc, "rule", None))
    return ("count", type(value), value)


# --- random arguments ------------------------------------------------------------------

def _valid(rng: random.Random, dims: int) -> list:
    """Positional arguments of a valid call (plain ints; an int or a tuple per dimension)."""
    groups = rng.choice([1, 1, 2, 3, 4, 8])
    kernel = [rng.randint(1, 7) for _ in range(dims)]
    dilation = [rng.choice([1, 1, 2, 3]) for _ in range(dims)]
    padding = [rng.randint(0, 4) for _ in range(dims)]
    stride = [rng.randint(1, 4) for _ in range(dims)]
    size = [max(1, d * (k - 1) + 1 - 2 * p) + rng.randint(0, 40)
            for k, d, p in zip(kernel, dilation, padding)]

    def per_dim(values):
        if dims == 1:
            return values[0]
        return values[0] if len(set(values)) == 1 and rng.random() < 0.7 else tuple(values)

    return [rng.randint(1, 64), groups * rng.randint(1, 64), groups * rng.randint(1, 64),
            tuple(size) if dims > 1 else size[0], per_dim(kernel), per_dim(stride),
            per_dim(padding), per_dim(dilation), groups, rng.choice([True, False])]


def _bad_scalar(rng: random.Random, value):
    """``value`` made into something the fast path must not take as it is (or another int)."""
    if not (type(value) is int and abs(value) < 2**31):
        value = 5
    return rng.choice([
        0, -value, -1, value + 2**64, 2**63, -(2**63) - 1, True, False, np.int64(value),
        np.int32(value), np.uint8(value % 256), float(value), Fraction(value), str(value),
        None, [value], (value,), (value, value), np.array(value), np.array([value, value]),
        value * 7, value + 1, 1, 2,
    ])


def _bad(rng: random.Random, args: list, dims: int) -> list:
    """``args`` with one to three arguments replaced by something odd (often invalid)."""
    args = list(args)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(args))
        value = args[i]
        if i == len(args) - 1:  # bias
            args[i] = rng.choice([0, 1, 2, -1, np.bool_(True), np.bool_(False), None, "True",
                                  1.0, np.int64(1), [True]])
        elif i == 6 and rng.random() < 0.3:  # padding
            args[i] = rng.choice(["same", "valid", "full", "", ("same",) * dims, -1])
        elif isinstance(value, tuple):
            j = rng.randrange(len(value))
            items = list(value)
            items[j] = _bad_scalar(rng, items[j])
            args[i] = rng.choice([tuple(items), list(value), value[:-1], value + value[:1],
                                  np.array(value, dtype=object)])
        else:
            args[i] = _bad_scalar(rng, value)
            if dims > 1 and i in (4, 5, 6, 7) and rng.random() < 0.3:
                args[i] = (value,) * dims if rng.random() < 0.5 else [value] * dims
    return args


# --- the tests -------------------------------------------------------------------------

@pytest.mark.layers(where=FORWARD, reason=PENDING_CODEGEN)
@pytest.mark.parametrize("layer", FORWARD_LAYERS)
def test_every_count_function_has_one_fast_block(layer):
    text = (GENERATED / f"{layer}_ops.py").read_text(encoding="utf-8")
    blocks = _blocks(text)
    assert len(blocks) == len(_names(layer))
    checked = _checked_module(layer)
    for name in _names(layer):
        whole = getattr(_module(layer), name).__code__
        assert whole.co_code != checked.__dict__[name].__code__.co_code
        assert first_block(whole, blocks)[0] > whole.co_firstlineno


def first_block(code, blocks):
    """The fast block of the function of ``code``: the first one after its ``def`` line."""
    return min(b for b in blocks if b[0] > code.co_firstlineno)


@pytest.mark.layers(where=FORWARD, reason=PENDING_CODEGEN)
@pytest.mark.parametrize("layer", FORWARD_LAYERS)
def test_fast_and_checked_paths_agree_on_random_input(layer):
    """Every outcome is the checked code's: the same exact int, or the same error."""
    dims = LAYERS[layer].dims
    whole, checked = _module(layer), _checked_module(layer)
    rng = random.Random(f"fast path {layer}")
    seen = {"count": 0, "error": 0}
    for trial in range(3000):
        args = _valid(rng, dims)
        if trial % 3:
            args = _bad(rng, args, dims)
        for name in _names(layer):
            got = _outcome(getattr(whole, name), args)
            want = _outcome(getattr(checked, name), args)
            assert got == want, (name, args)
            if got[0] == "count":
                assert got[1] is int
            seen[got[0]] += 1
    assert seen["count"] > 1000 and seen["error"] > 1000, seen


@pytest.mark.layers(where=FORWARD, reason=PENDING_CODEGEN)
@pytest.mark.parametrize("layer", FORWARD_LAYERS)
def test_fast_path_agrees_beyond_int64_and_at_the_rule_boundaries(layer):
    """Huge exact ints (no overflow in Python), a kernel that just fits or just does not, the
    groups rules just kept or just broken: the fast path's answer is the checked one."""
    dims = LAYERS[layer].dims
    whole, checked = _module(layer), _checked_module(layer)
    big = 2**70 + 3
    shape = (lambda v: v) if dims == 1 else (lambda v: (v,) * dims)
    cases = []
    for n, size, k, d, p in itertools.product((1, big), (5, 6, big), (3, 4), (1, 2), (0, 1)):
        for groups, cin, cout in ((1, 3, 5), (4, 8, 12), (4, 8, 10), (4, 6, 8), (big, big, big),
                                  (3, 3 * big, 3)):
            for bias in (True, False):
                cases.append([n, cin, cout, shape(size), k, 1, p, d, groups, bias])
    counts = 0
    for args in cases:
        for name in _names(layer):
            got = _outcome(getattr(whole, name), args)
            assert got == _outcome(getattr(checked, name), args), (name, args)
            counts += got[0] == "count"
    assert counts > len(cases) * len(_names(layer)) // 3  # many of them are valid


def _lines_run(fn, args) -> set[int]:
    """The line numbers of ``fn``'s own code that a call runs."""
    code, seen = fn.__code__, set()

    def tracer(frame, event, arg):
        if frame.f_code is not code:
            return None
        if event == "line":
            seen.add(frame.f_lineno)
        return tracer

    before = sys.gettrace()
    sys.settrace(tracer)
    try:
        fn(*args)
    finally:
        sys.settrace(before)
    return seen


@pytest.mark.layers(where=FORWARD, reason=PENDING_CODEGEN)
@pytest.mark.parametrize("layer", FORWARD_LAYERS)
def test_plain_valid_calls_run_the_fast_path_only(layer):
    """Exact ints, groups 1 or several, bias True or False, per-dimension parameters as ints or
    tuples: no line after the fast block runs. A list input or a NumPy integer falls back."""
    dims = LAYERS[layer].dims
    module = _module(layer)
    text = (GENERATED / f"{layer}_ops.py").read_text(encoding="utf-8")
    blocks = _blocks(text)
    rng = random.Random(f"taken {layer}")
    calls = [[8, 16, 32, 100 if dims == 1 else (32,) * dims, 3, 1, 0, 1, g, bias]
             for g in (1, 4) for bias in (True, False)]
    calls += [_valid(rng, dims) for _ in range(200)]
    for name in _names(layer):
        fn = getattr(module, name)
        first, last = first_block(fn.__code__, blocks)
        for args in calls:
            lines = _lines_run(fn, args)
            assert lines and all(first <= n <= last for n in lines), (name, args, sorted(lines))
        # what the fast path leaves to the checked code: a NumPy integer, a NumPy boolean
        for i, value in ((0, np.int64(8)), (-1, np.bool_(True))):
            args = list(calls[0])
            args[i] = value
            assert max(_lines_run(fn, args)) > last, (name, args)


def test_the_checks_see_a_broken_fast_path():
    """A fast path whose padding test lets -1 through disagrees with the checked code."""
    layer = FORWARD_LAYERS[0]
    text = (GENERATED / f"{layer}_ops.py").read_text(encoding="utf-8")
    broken = re.sub(r"padding >= 0", "padding >= -1", text)
    assert broken != text
    module = types.ModuleType("broken")
    exec(compile(broken, "broken", "exec"), module.__dict__)  # noqa: S102
    dims = LAYERS[layer].dims
    args = [8, 16, 32, 100 if dims == 1 else (32,) * dims, 3, 1, -1, 1, 1, True]
    name = _names(layer)[0]
    assert _outcome(getattr(module, name), args) != _outcome(
        getattr(_checked_module(layer), name), args)
