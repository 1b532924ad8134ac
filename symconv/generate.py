"""The one entry point that writes every committed artefact into ``generated/``.

Each artefact provider is a function returning ``{file name: text}``; this
module collects them (sorted), writes them with ``\\n`` line endings (all
of them or, on an error, none: :mod:`symconv.atomic`), and
compares a directory against what the generator would write today (the
staleness check). Nothing written depends on the time, the machine, paths or
the package version, so regeneration is byte-for-byte reproducible.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Callable, Iterable

__all__ = ["PROVIDERS", "artifacts", "write_all", "compare", "REFRESH_COMMAND", "LANGUAGE_FILES",
           "C_SHARED", "layer_files"]

#: The command that refreshes the committed files.
REFRESH_COMMAND = "make generate   (or: symconv generate --out generated)"


#: Artefact providers: each returns {file name in generated/: content}. A provider may carry
#: ``names``, a function listing the files it writes without rendering them, so that
#: :func:`artifacts` can skip it when none of its files is asked for.
PROVIDERS: list[Callable[[], dict[str, str]]] = []


def _codegen_names() -> list[str]:
    from .codegen import TEMPLATES

    return [name for files in TEMPLATES.values() for _, name in files]


def _codegen_artifacts() -> dict[str, str]:
    """The Python, NumPy and C evaluators and generated/__init__.py (symconv.codegen)."""
    from .codegen import artifacts as codegen_artifacts

    return codegen_artifacts()


_codegen_artifacts.names = _codegen_names  # type: ignore[attr-defined]
PROVIDERS.append(_codegen_artifacts)


def _convnd_names() -> list[str]:
    from .codegen.nd import TEMPLATES, layers

    return [pattern.format(layer=spec.name) for spec in layers()
            for files in TEMPLATES.values() for _, pattern in files]


def _convnd_artifacts() -> dict[str, str]:
    """The exact Python evaluators of Conv2d and Conv3d (symconv.codegen.nd)."""
    from .codegen.nd import artifacts as nd_artifacts

    return nd_artifacts()


_convnd_artifacts.names = _convnd_names  # type: ignore[attr-defined]
PROVIDERS.append(_convnd_artifacts)


def _transpose_names() -> list[str]:
    from .codegen.transpose import file_names, layer_names

    return [name for layer in layer_names() for name in file_names(layer)]


def _transpose_artifacts() -> dict[str, str]:
    """The Python, NumPy and C evaluators of ConvTranspose1d/2d/3d (symconv.codegen.transpose)."""
    from .codegen.transpose import artifacts as transpose_artifacts

    return transpose_artifacts()


_transpose_artifacts.names = _transpose_names  # type: ignore[attr-defined]
PROVIDERS.append(_transpose_artifacts)


def _latex_names() -> list[str]:
    from .latex import GENERATED_FILES
    from .latex.transpose import generated_files

    return [*GENERATED_FILES, *generated_files()]


def _latex_artifacts() -> dict[str, str]:
    """Per layer the derivation (LaTeX article, Markdown) and the paper macros: the forward
    layers' (symconv.latex), the transposed layers' (symconv.latex.transpose)."""
    from .latex import artifacts as forward_artifacts
    from .latex.transpose import artifacts as transpose_artifacts

    return {**forward_artifacts(), **transpose_artifacts()}


_latex_artifacts.names = _latex_names  # type: ignore[attr-defined]
PROVIDERS.append(_latex_artifacts)


def _counting_artifacts() -> dict[str, str]:
    """What symconv.count needs without SymPy (symconv.codegen.counting)."""
    from .codegen.counting import artifacts as counting_artifacts

    return counting_artifacts()


_counting_artifacts.names = lambda: ["counting.py"]  # type: ignore[attr-defined]
PROVIDERS.append(_counting_artifacts)


# The files of one layer's evaluator per language, and the C every layer's C needs: code
# generation's knowledge (symconv.codegen), named here too for `symconv codegen`.
from .codegen.files import C_SHARED, LANGUAGE_FILES, layer_files  # noqa: E402


def artifacts(only: Iterable[str] | None = None) -> dict[str, str]:
    """Every generated file, name -> content, in sorted order (README.md included).

    ``only``: just these files (a provider none of whose files is asked for is not run);
    a name no provider writes is a ``ValueError``.
    """
    wanted = None if only is None else set(only)
    files: dict[str, str] = {}
    for provider in PROVIDERS:
        names = getattr(provider, "names", None)
        if (wanted is not None and "README.md" not in wanted  # README.md lists every file
                and names is not None and not wanted & set(names())):
            continue
        for name, text in provider().items():
            if name in files:
                raise RuntimeError(f"two providers write {name}")
            files[name] = text
    listing = "\n".join(f"- `{name}`" for name in sorted(files))
    if wanted is None or "README.md" in wanted:
        files["README.md"] = (
            "# generated/\n\n"
            "Written by `symconv generate` from the proven SymPy expressions and the templates in\n"
            "`symconv/templates/` — do not edit by hand. Refresh with `make generate`; a test fails\n"
            "when these files are stale.\n\n" + (listing + "\n" if listing else ""))
    if wanted is not None:
        unknown = sorted(wanted - set(files))
        if unknown:
            raise ValueError(f"no provider writes {unknown[0]!r}")
        files = {name: text for name, text in files.items() if name in wanted}
    return dict(sorted(files.items()))


def write_all(out_dir: str | Path, only: Iterable[str] | None = None) -> list[Path]:
    """Write every artefact (or those named in ``only``) into ``out_dir`` (created if
    needed); return the paths written.

    All or nothing (:func:`symconv.atomic.write_files`): everything is rendered
    in memory first, and on any error (a full disk, a file-size limit) no file
    in ``out_dir`` changes. Files whose bytes are unchanged are not rewritten.
    """
    from .atomic import write_files

    out = Path(out_dir)
    return write_files({out / name: text for name, text in artifacts(only).items()})


def _bytecode_cache(relative: Path) -> bool:
    """Whether a path is Python's bytecode cache (never generated, never stale)."""
    return "__pycache__" in relative.parts or relative.suffix in (".pyc", ".pyo")


def compare(directory: str | Path) -> list[str]:
    """Differences between ``directory`` and a fresh generation, as messages.

    Compares the file *set* (files missing or extra) and each file's bytes;
    a changed file is reported with a unified diff. Empty list: fresh.
    Python's bytecode caches (``__pycache__/`` and ``*.pyc``/``*.pyo``, written
    when ``symconv._generated`` is imported) are not part of the set.
    """
    directory = Path(directory)
    expected = artifacts()
    present = {p.relative_to(directory).as_posix() for p in directory.rglob("*")
               if p.is_file() and not _bytecode_cache(p.relative_to(directory))}
    problems = []
    for name in sorted(set(expected) - present):
        problems.append(f"missing: {name}")
    for name in sorted(present - set(expected)):
        problems.append(f"not generated (stale or stray): {name}")
    for name in sorted(set(expected) & present):
        actual = (directory / name).read_bytes()
        want = expected[name].encode("utf-8")
        if actual != want:
            diff = difflib.unified_diff(
                actual.decode("utf-8", "replace").splitlines(keepends=True),
                expected[name].splitlines(keepends=True),
                fromfile=f"generated/{name} (committed)", tofile=f"generated/{name} (generator)")
            problems.append(f"stale: {name}\n" + "".join(diff))
    return problems
