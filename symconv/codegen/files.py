"""Which generated files make one layer's evaluator in one language.

``symconv codegen LAYER --lang LANGUAGE`` (through :func:`symconv.generate.artifacts` with
``only=``) and :func:`symconv.codegen.write` write exactly these files of ``generated/``.
"""

from __future__ import annotations

__all__ = ["LANGUAGE_FILES", "C_SHARED", "layer_files"]

#: The files of one layer's evaluator per language of ``symconv codegen``.
LANGUAGE_FILES: dict[str, tuple[str, ...]] = {
    "python": ("{layer}_ops.py",),
    "numpy": ("{layer}_ops_numpy.py",),
    "c": ("{layer}_ops.h", "{layer}_ops.c"),
}
#: The C every layer's C needs: each header includes conv1d_ops.h (the statuses, shared by
#: every layer) and conv1d_ops.c defines symconv_strerror().
C_SHARED = ("conv1d_ops.h", "conv1d_ops.c")


def layer_files(layer, language: str) -> tuple[str, ...]:
    """The files ``symconv codegen LAYER --lang LANGUAGE`` writes (names in generated/);
    ``layer`` is a registered layer's name or its specification.

    The C of a layer comes with :data:`C_SHARED`, so that the directory compiles alone.
    """
    from ..registry import get

    name = get(layer).name
    if language not in LANGUAGE_FILES:
        raise ValueError(f"unknown language {language!r}; choose from {', '.join(LANGUAGE_FILES)}")
    names = tuple(pattern.format(layer=name) for pattern in LANGUAGE_FILES[language])
    return tuple(dict.fromkeys(names + (C_SHARED if language == "c" else ())))
