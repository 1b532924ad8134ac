"""What a user meets first: the package metadata builds a complete wheel without warnings,
``help(symconv)`` lists every public function, and the docs say how to run things."""

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_help_lists_from_torch_without_importing_torch():
    code = ("import pydoc, re, sys, symconv\n"
            "text = pydoc.render_doc(symconv, renderer=pydoc.plaintext)\n"
            "functions = text[text.index('FUNCTIONS'):]\n"
            "print(' '.join(re.findall(r'\\n    (\\w+)\\(', functions)))\n"
            "assert 'torch' not in sys.modules, 'torch imported'\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.split()
    import symconv

    assert "from_torch" in out
    public = [n for n in symconv.__all__ if callable(getattr(symconv, n)) and
              not isinstance(getattr(symconv, n), type)]
    assert sorted(public) == sorted(out)


def _build_wheel(tmp_path: Path) -> tuple[Path, str]:
    """Build a wheel from a copy of the project's sources (the worktree is left alone)."""
    if subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode:
        pytest.skip("pip is not available")
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.so")
    for name in ("symconv", "generated"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    out = tmp_path / "dist"
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out),
                             str(src)], capture_output=True, text=True, cwd=tmp_path)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    (wheel,) = out.glob("symconv-*.whl")
    return wheel, log


def test_wheel_builds_without_setuptools_warnings_and_ships_templates_and_generated(tmp_path):
    wheel, log = _build_wheel(tmp_path)
    # setuptools warns with a class name (BuildBackendWarning, SetuptoolsDeprecationWarning...);
    # none may appear (the packages configuration names every importable directory)
    assert not re.findall(r"[A-Za-z]*Warning:.*", log), log
    assert "absent from the `packages` configuration" not in log
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {f"symconv/templates/{p.name}" for p in (ROOT / "symconv" / "templates").glob("*.jinja")}
    assert templates and templates <= names
    generated = {f"symconv/_generated/{n}" for n in ("__init__.py", "conv1d_ops.py",
                                                      "conv1d_ops_numpy.py", "conv1d_ops.c",
                                                      "conv1d_ops.h")}
    assert generated <= names
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "symconv").rglob("*.py")}
    assert sources <= names and "symconv/py.typed" in names
    assert "symconv/codegen/symconv_checked.c" in names  # the C helpers the generator copies


def test_notebooks_readme_says_how_to_open_and_run_them():
    text = (ROOT / "notebooks" / "README.md").read_text(encoding="utf-8")
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        assert notebook.name in text
    assert "jupyter lab" in text and "nbconvert" in text and "tests/test_notebooks.py" in text


def test_the_parent_directory_trap_is_as_the_readme_says(tmp_path):
    # a directory named symconv in the working directory, as a clone seen from its parent
    # (no __init__.py at the top of the clone): a namespace package candidate
    (tmp_path / "symconv").mkdir()
    code = ("import symconv\n"
            "print(getattr(symconv, '__file__', None) is None, hasattr(symconv, 'conv1d_ops'))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True,
                         capture_output=True, text=True).stdout.split()
    editable_finder = any(getattr(f, "__module__", "").startswith("__editable___symconv")
                          for f in sys.meta_path)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    if editable_finder:  # setuptools' editable install: the directory wins, as documented
        assert out == ["True", "False"]
        assert "AttributeError: module 'symconv' has no attribute 'from_torch'" in readme
        assert "parent directory" in readme
    else:  # an installed copy (or a path-based install) is not affected
        assert out == ["False", "True"]
