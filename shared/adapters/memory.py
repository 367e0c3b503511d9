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

from ..rules.scoring import counting
from .people import ITEM_LIMIT, Person, check_size, join_roster
from .repository import (
    READS_KEPT,
    ConflictError,
    Event,
    Read,
    Record,
    person_item,
    plan_write,
    recount,
    state_item,
)


@dataclass
class InMemoryPartnerRepository:
    """The same contract in a dict, with the same conditional semantics and the same layouts
    (`people` holds the person items of partners in the per-person layout, as JSON); every write is
    checked against DynamoDB's item size limit as DynamoDB counts it. `published` collects the
    outbox the stream would carry."""

    items: dict[str, tuple[str, int, str | None]] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    published: list[Event] = field(default_factory=list)
    people: dict[str, dict[str, str]] = field(default_factory=dict)
    largest: int = 0  # the largest item written, in bytes as DynamoDB counts them (size-checked writes)
    _reads: dict[tuple[str, int], Read] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, partner_id: str, person: str | None = None) -> Record:
        row = self.items.get(partner_id)
        return self._loaded(partner_id, row, person) if row else Record(None, 0)

    def _loaded(self, partner_id: str, row: tuple[str, int, str | None], person: str | None = None) -> Record:
        state = json.loads(row[0])
        stored = self.people.get(partner_id)
        if stored is not None:
            if counting.current(state.get("counting")):
                loaded = {person: stored[person]} if person is not None and person in stored else {}
                people = {p: json.loads(certs) for p, certs in loaded.items()}
            else:  # counts of another catalogue or other lists, or none: counted anew, as DynamoDB's adapter does
                people = recount(state, ((p, json.loads(c)) for p, c in stored.items()), person)
            state["roster"] = join_roster(people.items())
            read = Read(people, None)
        else:
            read = Read(None, state.get("roster"))
        with self._lock:
            if len(self._reads) >= READS_KEPT:
                self._reads.clear()
            self._reads[(partner_id, row[1])] = read
        return Record(state, row[1])

    def put(self, partner_id: str, state: dict[str, Any], expected_version: int, outbox: list[Event],
            due: str | None, links: list[str] = ()) -> None:
        with self._lock:
            plan = plan_write(state, self._reads.pop((partner_id, expected_version), None))
            current = self.items.get(partner_id)
            if (current[1] if current else 0) != expected_version:
                raise ConflictError(partner_id)
            doc = json.dumps(plan.state, sort_keys=True)
            people = self.people.get(partner_id, {}) if plan.people is not None else None
            persons = {**plan.copies, **plan.changed}
            written = {p: json.dumps(c, sort_keys=True) for p, c in persons.items()}
            sent = json.dumps(outbox)  # the outbox as the stream carries it: JSON
            self._check(partner_id, doc, sent, plan.state, expected_version + 1, outbox, due, plan.people, persons,
                        written)
            self.items[partner_id] = (doc, expected_version + 1, due)
            if people is not None:
                people.update(written)
                self.people[partner_id] = people
            for location in links:
                self.links[location] = partner_id
            self.published.extend(json.loads(sent))

    def _check(self, partner_id: str, doc: str, sent: str, state: dict[str, Any], version: int, outbox: list[Event],
               due: str | None, people: int | None, persons: dict[str, Person], written: dict[str, str]) -> None:
        """DynamoDB's item size limit. The JSON texts of the document and the outbox (`sent`) bound an
        item from above (compressed state, compact JSON outbox, a few short attributes), so only an
        item whose texts come near the limit is encoded to be measured exactly."""
        near = ITEM_LIMIT // 2
        if len(doc) + len(sent) > near:
            self.largest = max(self.largest, check_size(state_item(partner_id, state, version, outbox, due, 1, people)))
        for person, text in written.items():
            if len(text) > near:
                self.largest = max(self.largest, check_size(person_item(partner_id, person, persons[person], version)))

    shard_count = 1

    def due(self, day: str, shards: Iterable[int] | None = None) -> Iterator[tuple[str, Record]]:
        for pid, row in sorted(self.items.items()):
            if row[2] is not None and row[2] <= day:
                yield pid, self._loaded(pid, row)

    def partner_of_location(self, location_id: str) -> str | None:
        return self.links.get(location_id)


@dataclass
class RecordingPublisher:
    entries: list[dict[str, str]] = field(default_factory=list)

    def publish(self, entries: list[dict[str, str]]) -> None:
        self.entries.extend(entries)
