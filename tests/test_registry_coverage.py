"""Every per-layer test runs for every registered layer.

A test parametrized with layer names (or specifications) must run for each layer of
``symconv.registry`` (or for exactly those its ``layers(where=...)`` marker selects), so a
newly registered layer is tested everywhere without editing a list; and no test module writes
a list of layer names by hand (outside the few documented cases below).
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from _helpers import LAYER_NAMES, LAYER_RECORD

TESTS = Path(__file__).resolve().parent

#: Literals naming several layers that are data, not a per-layer list: (file, function).
LITERALS_ALLOWED = {
    # the macro prefixes of the three layers, as documented
    ("test_latex.py", "test_macro_names_per_layer_are_letters_and_never_collide"),
    # the test: one paper with the Conv1d and the Conv2d fragments
    ("test_latex_compile.py", "test_conv1d_and_conv2d_in_one_paper_compile_without_a_warning"),
    # the record types a mixed layer file holds
    ("test_layers_nd.py", "test_a_mixed_layer_file_loads_with_the_right_record_per_type"),
    # the layer types a mixed model (Conv2d, a ConvTranspose2d subclass, ConvTranspose1d) records
    ("test_convtranspose_layer.py", "test_from_torch_sees_subclasses_and_mixed_models"),
}


def gaps(record: dict[str, dict]) -> dict[str, str]:
    """Per test function: what its per-layer parametrization misses (or adds)."""
    out = {}
    for test, entry in record.items():
        missing = [n for n in entry["expected"] if n not in entry["layers"]]
        extra = sorted(set(entry["layers"]) - set(entry["expected"]))
        if missing or extra:
            out[test] = (f"runs for {sorted(entry['layers'])}, missing {missing}"
                         + (f", not selected by its layers marker {extra}" if extra else ""))
    return out


def test_the_layer_fixture_runs_for_every_registered_layer(layer):
    """A witness for the check below: ``layer`` alone makes a test per-layer."""
    assert layer in LAYER_NAMES


def test_every_per_layer_parametrization_covers_the_registry(pytestconfig):
    record = pytestconfig.stash.get(LAYER_RECORD, {})
    me = f"{Path(__file__).name}::test_the_layer_fixture_runs_for_every_registered_layer"
    assert any(key.endswith(me) for key in record), "the collection hook recorded nothing"
    found = gaps(record)
    assert not found, ("per-layer tests that leave out a registered layer (parametrize them "
                       "with _helpers.LAYER_NAMES, take the layer fixture, or select a subset "
                       "with the layers marker):\n"
                       + "\n".join(f"{test}: {text}" for test, text in sorted(found.items())))


def test_gaps_finds_a_missing_layer():
    whole = {"layers": set(LAYER_NAMES), "expected": LAYER_NAMES}
    short = {"layers": set(LAYER_NAMES[:-1]), "expected": LAYER_NAMES}
    assert gaps({"a": whole}) == {}
    assert list(gaps({"a": whole, "b": short})) == ["b"]
    assert repr(LAYER_NAMES[-1]) in gaps({"b": short})["b"]


def _hand_written_lists(path: Path) -> list[tuple[int, str, str]]:
    """Literal lists, tuples, sets and dict keys naming two or more registered layers."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node, function):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        elements = (node.elts if isinstance(node, (ast.List, ast.Tuple, ast.Set))
                    else node.keys if isinstance(node, ast.Dict) else [])
        named = {e.value for e in elements
                 if isinstance(e, ast.Constant) and e.value in LAYER_NAMES}
        if len(named) >= 2:
            found.append((node.lineno, function, ast.unparse(node)[:70]))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


def test_no_test_module_lists_the_layers_by_hand():
    offending = [f"{path.name}:{line} ({function}): {text}"
                 for path in sorted(TESTS.glob("*.py"))
                 for line, function, text in _hand_written_lists(path)
                 if (path.name, function) not in LITERALS_ALLOWED]
    assert offending == [], "use _helpers.LAYER_NAMES (the registry) instead"


#: The package's literals naming several layers that are data, not a list of the layers:
#: (file under symconv/, function).
SOURCE_LITERALS_ALLOWED = {
    # the registry itself: each layer's name, family and builder
    ("registry.py", "<module>"),
    # the worked example of each forward layer's derivation document
    ("latex/example.py", "<module>"),
    # the worked example of each transposed layer's document
    ("latex/transpose.py", "<module>"),
    # the C evaluators of the n-d forward layers the ctypes backend wraps
    ("cbackend.py", "<module>"),
}
SOURCES = TESTS.parent / "symconv"


def test_no_source_module_lists_the_layers_by_hand():
    """symconv reads its layer lists from the registry (codegen, the documents, the command
    line), so a newly registered layer is listed everywhere without editing a module."""
    offending = [f"{path.relative_to(SOURCES).as_posix()}:{line} ({function}): {text}"
                 for path in sorted(SOURCES.rglob("*.py"))
                 for line, function, text in _hand_written_lists(path)
                 if (path.relative_to(SOURCES).as_posix(), function)
                 not in SOURCE_LITERALS_ALLOWED]
    assert offending == [], "read symconv.registry (names(), names(family)) instead"


def test_the_source_check_finds_a_literal_list(tmp_path):
    source = tmp_path / "listing.py"
    source.write_text(f"def f():\n    return {{{LAYER_NAMES[0]!r}: 1, {LAYER_NAMES[-1]!r}: 2}}\n",
                      encoding="utf-8")
    assert [(line, function) for line, function, _ in _hand_written_lists(source)] == [(2, "f")]


def test_no_test_module_imports_another():
    offending = []
    for path in sorted(TESTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offending += [f"{path.name}: {m}" for m in modules
                          if m.split(".")[0].startswith("test_") or m == "conftest"]
    assert offending == []


BAD = '''
import pytest
from _helpers import LAYER_NAMES


@pytest.mark.parametrize("name", LAYER_NAMES[:-1])
def test_short(name):
    pass


@pytest.mark.layers(where=lambda spec: spec.dims > 1, reason="n-d only")
def test_subset(layer):
    pass
'''


def test_the_check_fails_on_a_list_that_leaves_a_layer_out(tmp_path):
    """A copy of the test directory's machinery plus one test parametrized over all layers but
    the last: the coverage test fails and names it; the marked subset is accepted."""
    for name in ("conftest.py", "_helpers.py", Path(__file__).name):
        shutil.copy(TESTS / name, tmp_path / name)
    (tmp_path / "test_bad.py").write_text(textwrap.dedent(BAD), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-k", "covers_the_registry or short or subset", str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed" in done.stdout
    assert "test_bad.py::test_short: runs for" in done.stdout
    assert "test_bad.py::test_subset" not in done.stdout
