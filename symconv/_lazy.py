"""The package's numeric API on first use: the class of the ``symconv`` module.

The names in the package's ``_SYMBOLIC`` (SymPy-backed: the derivation, the proofs) come from
their modules on first use too, so ``import symconv`` does not import SymPy.

``symconv.api`` runs the generated evaluators, so ``symconv/__init__.py`` does not import it:
the first access to one of the names in the package's ``_API`` does. The hooks are methods
of the module's class (not module-level ``__getattr__``/``__dir__``), so ``help(symconv)``
lists the API's functions and not the hooks.
"""

from __future__ import annotations

import importlib
import importlib.util
import types
from typing import Any


class LazyApiModule(types.ModuleType):
    """A package whose ``_API`` names come from its ``api`` submodule, imported on first use."""

    def __getattr__(self, name: str) -> Any:
        symbolic = self.__dict__.get("_SYMBOLIC", {})
        if name in symbolic:
            value = getattr(importlib.import_module(f"{self.__name__}.{symbolic[name]}"), name)
            setattr(self, name, value)
            return value
        names = self.__dict__.get("_API", ())
        if name not in names:
            # a submodule (``symconv.proof``) once ``import symconv`` stopped importing it
            if not name.startswith("__") and importlib.util.find_spec(
                    f"{self.__name__}.{name}") is not None:
                return importlib.import_module(f"{self.__name__}.{name}")
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        try:
            api = importlib.import_module(f"{self.__name__}.api")
        except (ImportError, SyntaxError) as exc:
            where = getattr(exc, "filename", None) or getattr(exc, "name", None) or "generated/"
            raise ImportError(f"{self.__name__}.{name} is not available: a generated evaluator "
                              f"({where}) is missing or broken ({type(exc).__name__}: {exc}); "
                              f"run 'symconv generate' to restore generated/") from exc
        for attribute in names:
            setattr(self, attribute, getattr(api, attribute))
        return self.__dict__[name]

    def __dir__(self) -> list[str]:
        return sorted(set(self.__dict__) | set(self.__dict__.get("_API", ()))
                      | set(self.__dict__.get("_SYMBOLIC", ())))
