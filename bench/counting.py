"""Counting AWS requests with botocore event hooks (deterministic against moto).

`RequestCounter.install()` appends a `before-call` and an `after-call` handler to botocore's
BUILTIN_HANDLERS, the list every new botocore session registers (this is how moto installs its own
stub), so every client created afterwards is counted: the project's lazy clients
(`shared.adapters.aws.client`), the pump's and Powertools' idempotency client alike. A request is
counted only inside a `scope(label)` (the handler being measured); the harness's own traffic
(putting test events on the bus, the pollers' ReceiveMessage / DeleteMessageBatch / GetRecords) is
outside every scope and ignored.

`before-call` fires once per API call (retries happen below it; moto never asks for one), so the
figures are API requests as AWS bills them. `after-call` reads Query's `ScannedCount` to count the
items a query read.
"""

from __future__ import annotations

import contextvars
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

_scope: contextvars.ContextVar[str | None] = contextvars.ContextVar("bench_request_scope", default=None)

READS = {("dynamodb", "GetItem"), ("dynamodb", "BatchGetItem"), ("dynamodb", "Query"), ("dynamodb", "Scan"),
         ("dynamodb", "TransactGetItems")}
WRITES = {("dynamodb", "PutItem"), ("dynamodb", "UpdateItem"), ("dynamodb", "DeleteItem"),
          ("dynamodb", "TransactWriteItems"), ("dynamodb", "BatchWriteItem")}


@dataclass
class Tally:
    """Requests per (service, operation) and items read, for one window and one scope label."""

    calls: Counter = field(default_factory=Counter)  # (service, operation) -> requests
    items_read: int = 0  # Query ScannedCount + GetItem calls
    by_table: Counter = field(default_factory=Counter)  # (operation, TableName) -> requests (DynamoDB)
    items_by_table: Counter = field(default_factory=Counter)  # TableName -> items read
    entries: int = 0  # PutEvents entries sent

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.calls + other.calls, self.items_read + other.items_read, self.by_table + other.by_table,
                     self.items_by_table + other.items_by_table, self.entries + other.entries)

    def __sub__(self, other: Tally) -> Tally:
        return Tally(self.calls - other.calls, self.items_read - other.items_read, self.by_table - other.by_table,
                     self.items_by_table - other.items_by_table, self.entries - other.entries)

    def copy(self) -> Tally:
        return Tally(Counter(self.calls), self.items_read, Counter(self.by_table), Counter(self.items_by_table), self.entries)

    def get(self, service: str, operation: str) -> int:
        return self.calls.get((service, operation), 0)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def reads(self) -> int:
        return sum(n for k, n in self.calls.items() if k in READS)

    @property
    def writes(self) -> int:
        return sum(n for k, n in self.calls.items() if k in WRITES)


class RequestCounter:
    def __init__(self) -> None:
        self.tallies: dict[str, Tally] = {}
        self._installed = False

    # -- hooks --------------------------------------------------------------------------------------
    @staticmethod
    def _keep_params(params: Any = None, context: Any = None, **_: Any) -> None:
        """`before-parameter-build` sees the API parameters; `before-call` / `after-call` only the
        serialized request, but all three share the request context."""
        if isinstance(context, dict) and _scope.get() is not None:
            context["bench_api_params"] = params

    def _before_call(self, model: Any = None, context: Any = None, **_: Any) -> None:
        label = _scope.get()
        if label is None or model is None:
            return
        tally = self.tallies.setdefault(label, Tally())
        service, operation = model.service_model.service_name, model.name
        tally.calls[(service, operation)] += 1
        params = (context or {}).get("bench_api_params") or {}
        table = params.get("TableName")
        if service == "dynamodb" and table:
            tally.by_table[(operation, table)] += 1
            if operation == "GetItem":
                tally.items_read += 1
                tally.items_by_table[table] += 1
        if service == "events" and operation == "PutEvents":
            tally.entries += len(params.get("Entries") or [])

    def _after_call(self, model: Any = None, parsed: Any = None, context: Any = None, **_: Any) -> None:
        label = _scope.get()
        if label is None or model is None or not isinstance(parsed, dict):
            return
        if model.service_model.service_name == "dynamodb" and model.name in ("Query", "Scan"):
            n = int(parsed.get("ScannedCount", parsed.get("Count", 0)))
            tally = self.tallies.setdefault(label, Tally())
            tally.items_read += n
            table = ((context or {}).get("bench_api_params") or {}).get("TableName")
            tally.items_by_table[table or "?"] += n

    def install(self) -> RequestCounter:
        """Count on every botocore client created from now on (call before creating clients)."""
        from botocore.handlers import BUILTIN_HANDLERS

        if not self._installed:
            BUILTIN_HANDLERS.append(("before-parameter-build", self._keep_params))
            BUILTIN_HANDLERS.append(("before-call", self._before_call))
            BUILTIN_HANDLERS.append(("after-call", self._after_call))
            self._installed = True
        return self

    def uninstall(self) -> None:
        from botocore.handlers import BUILTIN_HANDLERS

        mine = (self._keep_params, self._before_call, self._after_call)
        for spec in [s for s in BUILTIN_HANDLERS if len(s) >= 2 and s[1] in mine]:
            BUILTIN_HANDLERS.remove(spec)
        self._installed = False

    def attach(self, client: Any) -> None:
        """Count on a client that already exists (created before `install`)."""
        client.meta.events.register("before-parameter-build", self._keep_params)
        client.meta.events.register("before-call", self._before_call)
        client.meta.events.register("after-call", self._after_call)

    # -- windows and scopes ---------------------------------------------------------------------------
    @contextmanager
    def scope(self, label: str) -> Iterator[None]:
        token = _scope.set(label)
        try:
            yield
        finally:
            _scope.reset(token)

    def scoped(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.scope(label):
                return fn(*args, **kwargs)

        wrapper.bench_scoped = label  # type: ignore[attr-defined]
        return wrapper

    def reset(self) -> None:
        self.tallies = {}

    def snapshot(self) -> dict[str, Tally]:
        return {k: v.copy() for k, v in self.tallies.items()}

    @contextmanager
    def window(self) -> Iterator[dict[str, Tally]]:
        """Requests made inside the block, per scope label (filled in when the block ends)."""
        before = self.snapshot()
        out: dict[str, Tally] = {}
        try:
            yield out
        finally:
            for label, tally in self.tallies.items():
                delta = tally - before.get(label, Tally())
                if delta.calls or delta.items_read:
                    out[label] = delta


def instrument_pump(pump: Any, counter: RequestCounter) -> None:
    """Scope every handler the pump delivers to by its function's logical id (once)."""
    deliveries = [*pump.deliveries.values(), pump.stream, pump.scheduled]
    for d in deliveries:
        if d is not None and not hasattr(d.handler, "bench_scoped"):
            d.handler = counter.scoped(d.function, d.handler)
