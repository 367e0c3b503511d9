"""`LazyModels`: a registry of event models by key whose classes are created on first use.

A function validates one or two event types in a cold invocation; creating every model class of
the contract at import would cost each cold start ~45 M instructions (~8 ms) for classes it never
uses. The registry knows every key up front (iteration, `in` and `len` import nothing) and imports
a model's module the first time the model is looked up.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

K = TypeVar("K")

__all__ = ["LazyModels", "attribute_of"]


class LazyModels(Mapping[K, Any]):
    def __init__(self, homes: Mapping[K, tuple[str, str]]):
        self._homes = dict(homes)  # key -> (module, class name)
        self._loaded: dict[K, Any] = {}

    def __getitem__(self, key: K) -> Any:
        model = self._loaded.get(key)
        if model is None:
            module, name = self._homes[key]
            model = self._loaded[key] = getattr(importlib.import_module(module), name)
        return model

    def __contains__(self, key: object) -> bool:
        return key in self._homes

    def __iter__(self) -> Iterator[K]:
        return iter(self._homes)

    def __len__(self) -> int:
        return len(self._homes)

    def __repr__(self) -> str:
        return f"LazyModels({list(self._homes)!r})"


def attribute_of(homes: Mapping[str, str], module_name: str, name: str) -> Any:
    """Module `__getattr__` support: `name` from the module `homes` says defines it."""
    home = homes.get(name)
    if home is None:
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
