"""Outbox publisher: every partner write's `outbox` (from the table's stream) -> EventBridge.

The state change and the events it announces are written in one item, so no state is ever
written without its events and no event is published without its state (transactional outbox).
Entries of the whole batch share PutEvents requests (10 a request). Delivery is at least once;
event ids are deterministic, so consumers drop duplicates.
"""

from __future__ import annotations

import shared.startup  # noqa: F401 - first: the import-order rules (shared/startup/__init__.py)

# isort: split

import json
from typing import Any

from shared import runtime
from shared.adapters.publisher import MAX_ENTRIES
from shared.models.names import SOURCE  # not shared.models.outbound: nothing here needs pydantic


def entries_of(record: dict[str, Any], bus: str) -> list[dict[str, str]]:
    """The PutEvents entries of one write. The outbox was validated against the outbound models
    when it was written (shared/runtime.py), so it is forwarded as it is."""
    image = record.get("dynamodb", {}).get("NewImage") or {}
    outbox = image.get("outbox", {}).get("S")
    if not outbox:
        return []
    return [{"Source": SOURCE, "DetailType": kind, "Detail": json.dumps(detail, separators=(",", ":")), "EventBusName": bus}
            for kind, detail in json.loads(outbox)]


@runtime.metrics.log_metrics
@runtime.logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any, deps: runtime.Deps | None = None) -> dict[str, Any]:
    deps = deps or runtime.Deps.from_env()
    owners: list[str] = []  # stream sequence number of the record each entry came from
    entries: list[dict[str, str]] = []
    for record in event.get("Records", []):
        mine = entries_of(record, deps.env.bus)
        entries += mine
        owners += [record["dynamodb"]["SequenceNumber"]] * len(mine)
    for start in range(0, len(entries), MAX_ENTRIES):
        try:
            deps.publisher.publish(entries[start : start + MAX_ENTRIES])
        except Exception:  # noqa: BLE001 - any failure: retry from the first unpublished record
            # Report the first record not fully published; the stream retries from it (ordered).
            runtime.logger.exception("publish failed", extra={"fromSequence": owners[start]})
            return {"batchItemFailures": [{"itemIdentifier": owners[start]}]}
    return {"batchItemFailures": []}


runtime.freeze_imports()  # last: see shared/runtime.py
