"""Fixtures and hooks shared by every test module.

* ``layer``: a test that takes an argument ``layer`` (and does not parametrize it itself) runs
  once per registered layer (``symconv.registry``); ``@pytest.mark.layers(where=PREDICATE,
  reason=...)`` restricts it to the layers whose specification satisfies PREDICATE;
  ``layers(examples=True, reason=...)`` marks a table whose rows name layers as examples.
* The collection hook records, for every test function parametrized with layer names or
  specifications, which layers it runs for; ``tests/test_registry_coverage.py`` fails when one
  of them leaves out a registered layer its ``layers`` marker does not exclude.

Plain helpers (values needed while a module is imported, e.g. parametrize lists) live in
``tests/_helpers.py``: pytest loads this file as a plugin, and a test module does not import it.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from _helpers import LAYER_NAMES, LAYER_RECORD, layer_names
from symconv.spec import LayerSpec

def pytest_configure(config):
    config.addinivalue_line(
        "markers", "layers(where, examples, reason): run a per-layer test only for the "
                   "registered layers whose specification satisfies where(spec); examples=True: "
                   "the layers it names are examples, not a per-layer list")


def _explicitly_parametrized(definition) -> set[str]:
    names: set[str] = set()
    for mark in definition.iter_markers("parametrize"):
        argnames = mark.args[0] if mark.args else mark.kwargs["argnames"]
        if isinstance(argnames, str):
            argnames = [a.strip() for a in argnames.split(",")]
        names.update(argnames)
    return names


def layer_subset(item_or_definition) -> tuple[str, ...]:
    """The layers a per-layer test must run for: every registered one, or those its
    ``layers(where=...)`` marker selects."""
    mark = item_or_definition.get_closest_marker("layers")
    return layer_names(mark.kwargs.get("where") if mark else None)


def pytest_generate_tests(metafunc):
    if "layer" in metafunc.fixturenames and "layer" not in _explicitly_parametrized(
            metafunc.definition):
        metafunc.parametrize("layer", layer_subset(metafunc.definition))


def _layers_of(item) -> set[str]:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return set()
    found = set()
    for value in callspec.params.values():
        if isinstance(value, LayerSpec):
            found.add(value.name)
        elif isinstance(value, str) and value in LAYER_NAMES:
            found.add(value)
    return found


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    """Before any deselection (-k, -m): per test function, the layers it is parametrized for."""
    record: dict[str, dict] = defaultdict(lambda: {"layers": set(), "expected": ()})
    for item in items:
        layers = _layers_of(item)
        if layers:
            key = item.nodeid.split("[", 1)[0]
            record[key]["layers"] |= layers
            mark = item.get_closest_marker("layers")
            # layers(examples=True): a table whose rows name layers as examples, not a
            # per-layer parametrization; it must run for what it names, no more
            record[key]["expected"] = (tuple(sorted(record[key]["layers"]))
                                       if mark and mark.kwargs.get("examples")
                                       else layer_subset(item))
    config.stash[LAYER_RECORD] = dict(record)
