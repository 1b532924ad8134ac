"""The house: no import cycle among symconv's modules; the generator never imports its output."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from _helpers import FORWARD, PENDING_CODEGEN, PENDING_LATEX, layer_names

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "symconv"
GENERATED = ROOT / "generated"


def _modules() -> dict[str, tuple[Path, bool]]:
    """Every module of the package: dotted name -> (file, is a package)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


MODULES = _modules()


def _imports(name: str, module_level: bool) -> set[str]:
    """The symconv modules ``name`` imports: at module level only, or anywhere (functions too).

    ``if TYPE_CHECKING:`` blocks are not imports. ``from . import x`` names the submodule x
    when there is one, else the package.
    """
    path, is_package = MODULES[name]
    here = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()

    def visit(nodes) -> None:
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if not module_level:
                    visit(node.body)
                continue
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            if isinstance(node, ast.ImportFrom):
                base = here[:len(here) - node.level + 1] if node.level else []
                target = ".".join(base + ([node.module] if node.module else []))
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    found.add(sub if sub in MODULES else target)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, field, None)
                if isinstance(inner, list):
                    visit(inner)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return {m for m in found if m in MODULES and m != name}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (a list of nodes, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def dfs(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = dfs(nxt, path + [nxt])
                if found:
                    return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = dfs(start, [start])
            if found:
                return found
    return None


def test_the_scan_sees_imports():
    """The scan itself: it finds the known edges (a scan that sees nothing proves nothing)."""
    assert "symconv._cli" in _imports("symconv.cli", module_level=True)
    assert "symconv.latex.cli" in _imports("symconv.cli", module_level=True)
    assert "symconv.registry" in _imports("symconv.latex", module_level=False)
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("module_level", [True, False], ids=["module-level", "any-level"])
def test_no_import_cycle(module_level):
    """No cycle among symconv's modules: neither at import time nor through the imports done
    inside functions (``cli`` and ``latex.cli`` share :mod:`symconv._cli` instead)."""
    graph = {name: _imports(name, module_level) for name in MODULES}
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_cli_public_names_stay():
    from symconv import _cli, cli

    for name in _cli.__all__:
        if not name.startswith("write"):
            assert getattr(cli, name) is getattr(_cli, name), name


def _import_alone(name: str) -> tuple[str, int, str]:
    done = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    return name, done.returncode, done.stderr[-2000:]


def test_every_module_imports_alone():
    """Each module imports in a fresh interpreter, first (no other module imported before)."""
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        results = list(pool.map(_import_alone, sorted(m for m in MODULES
                                                      if not m.endswith("__main__"))))
    failed = [f"{name}:\n{err}" for name, rc, err in results if rc != 0]
    assert not failed, "\n".join(failed)


def _copy_with_broken_generated(tmp_path: Path) -> Path:
    """A copy of the package with generated/ as its ``_generated`` directory, every
    ``*.py`` there broken (a syntax error) and two evaluators deleted."""
    root = tmp_path / "copy"
    shutil.copytree(PACKAGE, root / "symconv", ignore=shutil.ignore_patterns("__pycache__"))
    out = root / "symconv" / "_generated"
    shutil.copytree(GENERATED, out, ignore=shutil.ignore_patterns("__pycache__"))
    for path in out.glob("*.py"):
        path.write_text("def broken(:\n", encoding="utf-8")
    (out / "conv1d_ops.py").unlink()
    (out / "conv2d_ops.py").unlink()
    return root


def _run(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=root,
                          env=env, timeout=600)


def test_generate_restores_missing_or_broken_generated(tmp_path):
    """`symconv generate` works while every generated *.py is missing or broken, and restores
    them byte-for-byte (it never imports its own output)."""
    root = _copy_with_broken_generated(tmp_path)
    out = root / "symconv" / "_generated"
    where = _run(root, "-c", "import symconv; print(symconv.__file__)")
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).resolve() == (root / "symconv" / "__init__.py").resolve()
    done = _run(root, "-m", "symconv", "generate", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    expected = sorted(p.name for p in GENERATED.iterdir() if p.is_file())
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == expected
    for name in expected:
        assert (out / name).read_bytes() == (GENERATED / name).read_bytes(), name


def test_broken_generated_is_reported_on_first_use(tmp_path):
    """`import symconv` works with a broken generated evaluator; using the numeric API says
    what is wrong and how to repair it."""
    root = _copy_with_broken_generated(tmp_path)
    done = _run(root, "-c", "import symconv\nsymconv.conv2d_ops")
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: symconv.conv2d_ops is not available"), last
    assert "symconv generate" in last and "missing or broken" in last


def test_lazy_api_is_documented_and_importable():
    import pydoc

    import symconv
    from symconv import conv2d_ops, count

    assert conv2d_ops is symconv.api.conv2d_ops and count is symconv.api.count
    text = pydoc.render_doc(symconv, renderer=pydoc.plaintext)
    for name in symconv._API:
        assert name in dir(symconv)
        assert f"{name}(" in text, name


# --- symconv codegen: every layer, through the one generation entry point ------------------

def _layers() -> list[str]:
    from symconv.registry import names

    return list(names())


@pytest.mark.layers(where=FORWARD, reason=PENDING_CODEGEN)
@pytest.mark.parametrize("lang", ["python", "numpy", "c"])
@pytest.mark.parametrize("layer", layer_names(FORWARD))
def test_cli_codegen_every_layer_is_generated_byte_for_byte(layer, lang, tmp_path, capsys):
    """`symconv codegen LAYER --lang L` writes that layer's files of generated/, byte for byte
    (the C with the shared conv1d_ops.h/.c its header includes), and nothing else."""
    from symconv.cli import main
    from symconv.generate import C_SHARED

    assert main(["codegen", layer, "--lang", lang, "--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    own = {"python": [f"{layer}_ops.py"], "numpy": [f"{layer}_ops_numpy.py"],
           "c": [f"{layer}_ops.c", f"{layer}_ops.h", *C_SHARED]}[lang]
    assert written == sorted(set(own))
    for name in written:
        assert (tmp_path / name).read_bytes() == (GENERATED / name).read_bytes(), name
    assert capsys.readouterr().out.count("wrote ") == len(written)


@pytest.mark.layers(where=FORWARD, reason=PENDING_CODEGEN)
@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
@pytest.mark.parametrize("layer", layer_names(FORWARD))
def test_cli_codegen_c_directory_compiles_alone(layer, tmp_path):
    """What `codegen LAYER --lang c` writes compiles and links on its own (strict C99)."""
    from symconv.cli import main

    assert main(["codegen", layer, "--lang", "c", "--out", str(tmp_path)]) == 0
    sources = sorted(str(p) for p in tmp_path.glob("*.c"))
    done = subprocess.run(["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                           "-o", str(tmp_path / "lib.so"), *sources],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_generate_only_runs_the_providers_asked_for(monkeypatch):
    """codegen does not render the LaTeX (the entry point skips providers not asked for), and
    asking for a file no provider writes is an error, not an empty result."""
    from symconv import generate

    def boom() -> dict[str, str]:
        raise AssertionError("the LaTeX provider ran")

    boom.names = generate._latex_names  # type: ignore[attr-defined]
    monkeypatch.setattr(generate, "PROVIDERS",
                        [boom if p is generate._latex_artifacts else p for p in generate.PROVIDERS])
    files = generate.artifacts(only=generate.layer_files("conv3d", "numpy"))
    assert list(files) == ["conv3d_ops_numpy.py"]
    with pytest.raises(ValueError, match="no provider writes 'conv9d_ops.py'"):
        generate.artifacts(only=["conv1d_ops.py", "conv9d_ops.py"])
    with pytest.raises(ValueError, match="unknown language"):
        generate.layer_files("conv1d", "fortran")


def test_one_line_text_is_printed_not_rewritten():
    """Human one-line text comes from symconv.printing.text.TextPrinter, which writes ``·`` and
    ``^`` itself: no module rewrites printed SymPy text (``.replace("**", "^")``,
    ``.replace("*", "·")``), and no module outside symconv/printing prints through
    ``sstr``/``StrPrinter``."""
    found = []
    for name, (path, _) in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "replace" and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str) and "*" in node.args[0].value):
                found.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
            if (not name.startswith("symconv.printing")
                    and isinstance(node, (ast.Name, ast.Attribute))
                    and (node.id if isinstance(node, ast.Name) else node.attr)
                    in ("sstr", "StrPrinter")):
                found.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
    assert not found, "printed text rewritten or printed outside symconv.printing:\n" + "\n".join(found)


@pytest.mark.parametrize("by_spec", [False, True], ids=["name", "spec"])
def test_codegen_write_every_layer_and_language(by_spec, tmp_path):
    """The library function writes any registered layer's evaluator (by name or by its
    specification): the files of `symconv codegen`, those of generated/ byte for byte."""
    from symconv import codegen
    from symconv.generate import layer_files
    from symconv.registry import get

    for layer in layer_names(FORWARD):  # PENDING_CODEGEN: transposed layers
        for lang in codegen.LANGUAGES:
            out = tmp_path / layer / lang
            written = codegen.write(get(layer) if by_spec else layer, lang, out)
            names = sorted(p.name for p in out.iterdir())
            assert names == sorted(layer_files(layer, lang)) == sorted(p.name for p in written)
            for name in names:
                assert (out / name).read_bytes() == (GENERATED / name).read_bytes(), name


def test_codegen_write_refuses_a_language_as_the_layer(tmp_path):
    """The first argument is the layer (before every layer had one: the language)."""
    from symconv import codegen

    with pytest.raises(TypeError, match="out_dir"):
        codegen.write("c", tmp_path)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"first argument is the layer"):
        codegen.write("python", tmp_path, "conv1d")
    with pytest.raises(ValueError, match="conv9d"):
        codegen.write("conv9d", "c", tmp_path)
    with pytest.raises(ValueError, match="unknown language 'fortran'"):
        codegen.write("conv2d", "fortran", tmp_path)
    assert list(tmp_path.iterdir()) == []


# --- one error prefix per command line ---------------------------------------------------------

def test_eval_errors_have_one_prefix_per_layer(capsys):
    """Every error of `symconv eval LAYER` starts `symconv eval LAYER: error:`, whether argparse
    refuses an option or the layer's rules refuse a value (before: `symconv eval:` for these)."""
    from symconv.cli import main
    from symconv.registry import get

    for layer in _layers():
        spec = get(layer)
        sizes = (["--input-length", "9"] if spec.dims == 1
                 else ["--input-size", *["9"] * spec.dims])
        base = ["eval", layer, "--in-channels", "4", "--out-channels", "6", *sizes,
                "--kernel-size", "3"]
        lines = []
        for argv in (base + ["--batch-size", "x"],       # argparse: not an integer
                     base + ["--batch-size", "0"],       # the rules: not positive
                     base + ["--batch-size", "1", "--groups", "4"],   # groups_out
                     # kernel too long (a transposed layer: output size < 1)
                     base + ["--batch-size", "1"] + (["--padding", "30"] if spec.transposed
                                                     else ["--kernel-size", "30"])):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code
            err = capsys.readouterr().err
            assert code == 2 and err.count("\n") == 1, (argv, err)
            lines.append(err)
        for err in lines:
            assert err.startswith(f"symconv eval {layer}: error: "), err


# --- the parameter record, defined once --------------------------------------------------------

@pytest.mark.layers(where=FORWARD, reason=PENDING_LATEX)
@pytest.mark.parametrize("layer", layer_names(FORWARD))
def test_parameters_macro_is_printed_from_the_specs_quantity(layer):
    """The paper macro of the parameter count comes from the specification's ``parameters``
    quantity (before: retyped in latex/macros.py, so a changed quantity was not seen)."""
    import dataclasses

    import sympy as sp

    from symconv.latex.macros import _parameters_display, macros, prefix
    from symconv.registry import get

    spec = get(layer)
    count = spec.expression("parameters")
    extra = 2 * spec.parameter("out_channels").symbol  # say, a per-channel scale and shift
    changed = dataclasses.replace(spec, quantities={**spec.quantities, "parameters": count + extra})
    for s, want in ((spec, count), (changed, count + extra)):
        assert sp.cancel(_parameters_display(s).doit() - want) == 0
    name = f"{prefix(spec)}Parameters"
    before = {m.name: m.body for m in macros(layer=spec)}[name]
    after = {m.name: m.body for m in macros(layer=changed)}[name]
    assert before != after
    assert all(term.strip() in after for term in before.split("+"))  # the weight and bias terms


def test_templates_retype_no_parameter_list():
    """The templates take the parameter lists from the context (the specification's parameters:
    argument order, the sizes the output length reads), never a literal list of their own."""
    import re

    from symconv.registry import LAYERS

    names = {name for spec in LAYERS.values() for name in spec.parameter_names}
    found = []
    for template in sorted((PACKAGE / "templates").glob("*.jinja")):
        for tag in re.findall(r"\{[%{].*?[%}]\}", template.read_text(encoding="utf-8"), re.S):
            for literal in re.findall(r"[\[(]([^\[\]()]*)[\])]", tag):
                listed = set(re.findall(r"[\"'](\w+)[\"']", literal)) & names
                if len(listed) >= 2:
                    found.append(f"{template.name}: {tag[:80]}")
    assert found == []


@pytest.mark.layers(where=FORWARD, reason=PENDING_CODEGEN)
@pytest.mark.parametrize("layer", layer_names(FORWARD))
def test_generated_code_names_come_from_the_specification(layer):
    """Every parameter symbol has its identifier in the generated code: PyTorch's name, per
    dimension for a per-dimension parameter; Conv1d's C argument order is the parameters'."""
    from symconv.codegen import model, nd
    from symconv.registry import get

    spec = get(layer)
    names = model.NAMES if spec.dims == 1 else nd._names(spec)
    for param in spec.parameters:
        for axis, sym in zip(spec.axes, param.symbols):
            want = ("b" if param.kind == "bias" else
                    f"{nd._word(param.name)}_{axis.lower()}" if spec.dims > 1 and param.per_dimension
                    else param.name)
            assert names[sym] == want
    if spec.dims == 1:
        assert model.PARAMETERS == spec.parameter_names
        assert model.LENGTH_SIZES == ("input_length", "kernel_size", "stride", "dilation")
