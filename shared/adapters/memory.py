"""In-memory twins of the adapters, with the same contracts (conditional writes included): the
unit and property tests, the reliability histories and the CPU benchmark run the real handlers on
them. Kept out of the modules the handlers import, so a cold start does not create these classes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .repository import ConflictError, Event, Record


@dataclass
class InMemoryPartnerRepository:
    """The same contract in a dict, with the same conditional semantics; `published` collects the
    outbox the stream would carry."""

    items: dict[str, tuple[str, int, str | None]] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    published: list[Event] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, partner_id: str) -> Record:
        row = self.items.get(partner_id)
        return Record(json.loads(row[0]), row[1]) if row else Record(None, 0)

    def put(self, partner_id: str, state: dict[str, Any], expected_version: int, outbox: list[Event],
            due: str | None, links: list[str] = ()) -> None:
        with self._lock:
            current = self.items.get(partner_id)
            if (current[1] if current else 0) != expected_version:
                raise ConflictError(partner_id)
            self.items[partner_id] = (json.dumps(state, sort_keys=True), expected_version + 1, due)
            for location in links:
                self.links[location] = partner_id
            self.published.extend(json.loads(json.dumps(outbox)))

    shard_count = 1

    def due(self, day: str, shards: Iterable[int] | None = None) -> Iterator[tuple[str, Record]]:
        for pid, (doc, version, due) in sorted(self.items.items()):
            if due is not None and due <= day:
                yield pid, Record(json.loads(doc), version)

    def partner_of_location(self, location_id: str) -> str | None:
        return self.links.get(location_id)


@dataclass
class RecordingPublisher:
    entries: list[dict[str, str]] = field(default_factory=list)

    def publish(self, entries: list[dict[str, str]]) -> None:
        self.entries.extend(entries)
