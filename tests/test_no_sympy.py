"""Numbers without SymPy: ``import symconv`` and every numeric function run without importing
it (issue 12, item 1), and :func:`symconv.count`'s SymPy-free path (``generated/counting.py``)
gives exactly the numbers and the refusals of the SymPy-backed path."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap

import pytest

import symconv
from symconv import api
from symconv.registry import LAYERS, get


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_numeric_calls_do_not_import_sympy():
    """The numeric API (every layer's count and size, count() in every convention, the
    generated evaluators, the C backend) leaves SymPy unimported; the first symbolic name
    then imports it (so the check can fail)."""
    out = _run("""
        import sys
        import symconv
        from symconv._generated import counting
        assert "sympy" not in sys.modules, "import symconv"
        symconv.conv1d_ops(8, 16, 32, 100, 3)
        symconv.conv1d_output_length(100, 3)
        symconv.conv1d_parameters(16, 32, 3, groups=2)
        symconv.conv2d_ops(1, 3, 8, (32, 32), 3); symconv.conv2d_output_size((32, 32), 3)
        symconv.conv3d_ops(1, 3, 8, (8, 8, 8), 3); symconv.conv3d_output_size((8, 8, 8), 3)
        for n in (1, 2, 3):
            length = "input_length" if n == 1 else "input_size"
            size = 9 if n == 1 else (9,) * n
            getattr(symconv, f"conv_transpose{n}d_ops")(2, 4, 8, size, 3, stride=2)
        for layer, (family, names, required, defaults) in counting.LAYERS.items():
            dims = 1 if layer.endswith("1d") else int(layer[-2])
            size = {"input_length": 9} if "input_length" in names else {"input_size": (9,) * dims}
            accepted = (counting.ACCEPTED_TRANSPOSED if family == "transposed"
                        else counting.ACCEPTED_CONVOLUTION)
            for convention in accepted:
                symconv.count(layer, convention=convention, batch_size=2, in_channels=4,
                              out_channels=8, kernel_size=3, **size)
        from symconv import cbackend
        from symconv._generated import conv1d_ops, conv2d_ops_numpy
        assert "sympy" not in sys.modules, sorted(m for m in sys.modules if "sym" in m)
        symconv.prove  # the first symbolic name loads SymPy
        print("sympy" in sys.modules)
    """)
    assert out.strip() == "True"


def _config(spec, rng: random.Random) -> dict:
    """A random configuration of ``spec``: mostly valid, sometimes not (a rule broken)."""
    dims = spec.dims
    one = (lambda lo, hi: rng.randint(lo, hi)) if dims == 1 else (
        lambda lo, hi: tuple(rng.randint(lo, hi) for _ in range(dims)))
    groups = rng.choice([1, 1, 2, 3])
    params = {"batch_size": rng.choice([None, 1, 2, 5]),
              "in_channels": groups * rng.randint(1, 4) + rng.choice([0, 0, 0, 0, 1]),
              "out_channels": groups * rng.randint(1, 4),
              ("input_length" if "input_length" in spec.parameter_names else "input_size"):
                  one(1, 20),
              "kernel_size": one(1, 5), "stride": one(1, 3), "padding": one(0, 3),
              "dilation": one(1, 3), "groups": groups, "bias": rng.choice([True, False, 0, 1])}
    if spec.family == "transposed":
        params["output_padding"] = one(0, 1)
    if rng.random() < 0.05:
        params["kernel_size"] = rng.choice([0, 2.0, "3", True])
    return params


def _outcome(fn, *args, **kwargs):
    try:
        return ("value", fn(*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 - the refusal itself is compared
        return (type(exc).__name__, str(exc))


@pytest.mark.parametrize("layer", list(LAYERS))
def test_count_without_sympy_equals_the_sympy_path(layer, monkeypatch):
    """For every registered layer, every accepted convention (aliases included) and 300
    random configurations, the SymPy-free count equals the SymPy-backed one, refusals
    included (class and message)."""
    from symconv import conventions

    spec = get(layer)
    names = [c.name for c in conventions.conventions_of(spec)]
    names += [a for c in conventions.conventions_of(spec) for a in c.aliases]
    rng = random.Random(f"no-sympy {layer}")
    configs = [_config(spec, rng) for _ in range(300)]
    fast = [[_outcome(symconv.count, layer, convention=n, **p) for n in names] for p in configs]
    used = {"fast": 0}
    real = api._count_without_sympy

    def counted(*args):
        value = None
        try:
            value = real(*args)
        except (TypeError, ValueError):
            value = "refused by an evaluator"
            raise
        finally:
            used["fast"] += value is not None
        return value

    monkeypatch.setattr(api, "_count_without_sympy", lambda *args: None)
    slow = [[_outcome(symconv.count, layer, convention=n, **p) for n in names] for p in configs]
    assert fast == slow
    values = sum(kind == "value" for row in fast for kind, _ in row)
    refusals = sum(kind != "value" for row in fast for kind, _ in row)
    assert values > 1000 and refusals > 20, (values, refusals)
    monkeypatch.setattr(api, "_count_without_sympy", counted)
    for p in configs[:20]:
        _outcome(symconv.count, layer, convention=names[-1], **p)
    assert used["fast"] == 20  # the fast path really ran for a complete request


@pytest.mark.parametrize("request_", [
    ("conv9d", "symconv", {}), ("conv1d", "nope", {}), ("conv1d", "scatter", {}),
    ("conv_transpose1d", "fvcore", {}), ("conv1d", "symconv", {"batch_size": 1}),
    ("conv1d", "symconv", {"oops": 1}), (None, "symconv", {}), ("conv1d", None, {})],
    ids=str)
def test_incomplete_requests_go_to_the_worded_path(request_):
    """An unknown layer or convention, a convention the layer does not define, a missing or
    unknown parameter: not counted without SymPy (None), so count() words the refusal."""
    layer, convention, params = request_
    assert api._count_without_sympy(layer, convention, params) is None
    with pytest.raises((TypeError, ValueError)):
        symconv.count(layer, convention=convention, **params)


def test_conv1d_parameters_is_printed_from_the_expression():
    """conv1d_parameters (generated) equals PARAMETERS evaluated by SymPy."""
    import sympy as sp

    from symconv import conv1d as m
    from symconv.symbols import C_in, C_out, G, K

    rng = random.Random(5)
    for _ in range(300):
        g = rng.randint(1, 4)
        cin, cout, k, b = g * rng.randint(1, 9), g * rng.randint(1, 9), rng.randint(1, 9), \
            rng.choice([True, False])
        want = m.PARAMETERS.xreplace({C_in: sp.Integer(cin), C_out: sp.Integer(cout),
                                      K: sp.Integer(k), G: sp.Integer(g),
                                      m.BIAS: sp.Integer(int(b))})
        assert symconv.conv1d_parameters(cin, cout, k, g, b) == int(want)
