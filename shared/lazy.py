"""Deferred imports, one mechanism: `LazyModule` stands for a module and imports it at its first
attribute lookup; `LazyModels` is a table of such attributes by key (the event models).

A cold start pays for every module its handler imports, and most invocations use a few of them: a
queue consumer validates one or two of the ten inbound event types, the partner API and the outbox
publisher never run an SQS batch, the anniversary function's BenefitsElected invocations never use
idempotency. So a module that only some invocations need is named once, at the top of the module
that uses it, as a `LazyModule`, and imported the first time one of its names is used (the idea of
Powertools' `aws_lambda_powertools/shared/lazy_import.py`, which defers the X-Ray SDK this way).
No function-level import is needed for it, and the dependency stays visible in the module's header.
"""

from __future__ import annotations

import importlib
import types
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

__all__ = ["LazyModels", "LazyModule"]

K = TypeVar("K")


class LazyModule(types.ModuleType):
    """Stands for the module `name` until one of its attributes is looked up, then imports it and
    keeps a copy of its namespace, so later lookups are plain attribute reads."""

    def __init__(self, name: str) -> None:
        super().__init__(name)

    def __getattr__(self, item: str) -> Any:
        # Reached only for a name not in this object's own namespace yet: the first lookup, or a
        # name the module defines later in a circular import (the copy is refreshed then).
        module = importlib.import_module(self.__name__)
        self.__dict__.update(module.__dict__)
        return getattr(module, item)

    def __dir__(self) -> list[str]:
        return dir(importlib.import_module(self.__name__))

    def __repr__(self) -> str:
        return f"<lazy module {self.__name__!r}>"


class LazyModels(Mapping[K, Any]):
    """A read-only mapping whose keys are known up front (iteration, `in` and `len` import nothing)
    and whose values are classes, each imported from its module the first time it is looked up."""

    def __init__(self, homes: Mapping[K, tuple[str, str]]):
        # key -> (its module, the class's name there), one LazyModule per module
        modules = {module: LazyModule(module) for module, _ in homes.values()}
        self._homes = {key: (modules[module], name) for key, (module, name) in homes.items()}

    def __getitem__(self, key: K) -> Any:
        module, name = self._homes[key]
        return getattr(module, name)

    def __contains__(self, key: object) -> bool:
        return key in self._homes

    def __iter__(self) -> Iterator[K]:
        return iter(self._homes)

    def __len__(self) -> int:
        return len(self._homes)

    def __repr__(self) -> str:
        return f"LazyModels({list(self._homes)!r})"
