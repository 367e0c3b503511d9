"""Partner state in DynamoDB (docs/architecture.md "Key design"); its in-memory twin for tests is memory.py.

One item per partner holds the whole document (`state`) and the events that write announces
(`outbox`, JSON text); the table's stream carries them to the publisher. Every write is conditional
on the version read, so two writers never lose an update.

Item format (docs/scale.md "Cost per month"): `state` is binary (B), the zlib-compressed canonical
JSON of the document (sorted keys, no spaces), because every read and write is billed by item size,
the DueIndex (projection ALL) copies the item, and the document's JSON compresses well. Items
written before that hold `state` as JSON text (S), and documents before the roster was grouped by
certification hold it flat; `decode_state` reads all of them, so no migration is needed (an item is
rewritten in the new form the next time its partner changes).

A partner with more than people.PERSON_ITEMS_FROM certified people keeps its roster one item per
person under its key (shared/adapters/people.py): `get` joins them into the document, `put` writes
the people whose histories changed in one transaction with the STATE item, conditional on its
version. An item in the inline layout moves to that layout on the write that takes it over the
threshold (docs/decisions.md, "Partners of any size"). The STATE item's counts name the catalogue
and rulebook lists they were derived with; a read of a partner whose counts were derived with
others queries every person item and counts anew (`recount`), and its next write stores them.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple, Protocol

from shared.lazy import LazyModule

from ..rules.document import upgrade
from . import aws
from .people import (
    MARKER,
    PERSON_ITEMS_FROM,
    PERSON_PREFIX,
    Person,
    decode_person,
    encode_person,
    join_roster,
    people_in,
    split_roster,
)

botocore_exceptions = LazyModule("botocore.exceptions")  # loaded with the first client (aws.py)
# the rulebooks and the catalogue: only a large partner's read or a roster's move needs them
counting = LazyModule("shared.rules.scoring.counting")

Event = tuple[str, dict[str, Any]]


class ConflictError(Exception):
    """Somebody else wrote the partner since we read it: re-read and re-apply."""


class Record(NamedTuple):
    state: dict[str, Any] | None
    version: int


def shard_of(partner_id: str, shards: int) -> int:
    return zlib.crc32(partner_id.encode()) % shards


# zlib level 6 (the library default): on a mature document the kilobyte it saves over level 1 is a
# write unit on the table and one on the DueIndex per write, which costs far more than the extra CPU;
# levels 7-9 save little more for much more CPU (docs/scale.md has the figures).
COMPRESSION_LEVEL = 6


def canonical_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def encode_state(state: dict[str, Any]) -> dict[str, Any]:
    """The `state` attribute value: {"B": zlib(canonical JSON)}."""
    return {"B": zlib.compress(canonical_json(state).encode(), COMPRESSION_LEVEL)}


def decode_state(attribute: dict[str, Any]) -> dict[str, Any]:
    """The document from a `state` attribute value in either format: {"B": compressed JSON} (bytes
    from boto3, or base64 text as in a Lambda stream event) or the previous {"S": JSON text}; a
    document in an earlier layout is upgraded to the current one (`state.upgrade`)."""
    if "S" in attribute:
        return upgrade(json.loads(attribute["S"]))
    data = attribute["B"]
    if isinstance(data, str):
        data = base64.b64decode(data)
    return upgrade(json.loads(zlib.decompress(data)))


def state_item(partner_id: str, state: dict[str, Any], version: int, outbox: list[Event] | list[Any] = (),
               due: str | None = None, shards: int = 16, people: int | None = None) -> dict[str, Any]:
    """The StateTable item `DynamoPartnerRepository.put` writes (also what the benchmarks size). With
    `people` (the per-person layout) the roster is left out: it is in `people` person items."""
    if people is not None:
        state = {**state, "roster": {}}
    item: dict[str, Any] = {**_key(partner_id), "version": {"N": str(version)}, "state": encode_state(state)}
    if people is not None:
        item[MARKER] = {"N": str(people)}
    if outbox:
        # The outbox stays JSON text: compressing it would change no write's WRU count at the item
        # sizes docs/scale.md measures, and the stream publisher reads it as it is.
        item["outbox"] = {"S": json.dumps(outbox, separators=(",", ":"))}
    if due is not None:
        item["gsi1pk"] = {"S": f"DUE#{shard_of(partner_id, shards)}"}
        item["gsi1sk"] = {"S": f"{due}#{partner_id}"}
    return item


def person_item(partner_id: str, person: str, certs: Person, version: int) -> dict[str, Any]:
    """A person's item in the per-person layout; `version` is the partner version it was written at."""
    return {"pk": {"S": f"PARTNER#{partner_id}"}, "sk": {"S": PERSON_PREFIX + person},
            "version": {"N": str(version)}, "roster": {"B": encode_person(certs)}}


class Read(NamedTuple):
    """What a read saw of a partner's roster, so that its write sends only the people that changed:
    the person items it loaded (per-person layout), or the inline roster."""

    people: dict[str, Person] | None
    inline: dict[str, Any] | None


class Plan(NamedTuple):
    """How one write stores the document: `people` is None for the inline layout, else the number of
    person items and `state` the STATE item's document (no roster, its counts); `changed` go in the
    transaction with the STATE item, `copies` (unchanged content, moved out of an inline item) before it."""

    people: int | None
    state: dict[str, Any]
    changed: dict[str, Person]
    copies: dict[str, Person]


def plan_write(state: dict[str, Any], read: Read | None) -> Plan:
    """Which layout a write uses and which person items it writes (pure: the memory twin shares it).
    A document with counts is in the per-person layout whatever was read (its roster holds only the
    people loaded). A roster leaving its inline item is counted once (scoring.counting.new_counting);
    from then on each fact keeps the counts (the core), and a write sends the people that changed."""
    roster = state.get("roster") or {}
    split = read is not None and read.people is not None
    if "counting" not in state and not split and people_in(roster) <= PERSON_ITEMS_FROM:
        return Plan(None, state, {}, {})
    people = split_roster(roster)
    counts = state.get("counting") or counting.new_counting(state)
    stored = {**state, "roster": {}, "counting": counts}
    if split:
        before = read.people  # type: ignore[union-attr]
        return Plan(counts["people"], stored, {p: c for p, c in people.items() if before.get(p) != c}, {})
    if "counting" in state:  # written without a read in this process: the people it holds, with the STATE item
        return Plan(counts["people"], stored, people, {})
    # the move out of an inline item (or a first write without a read): everyone ahead of the STATE item
    before = split_roster(read.inline or {}) if read is not None else {}
    changed = {p: c for p, c in people.items() if read is not None and before.get(p) != c}
    return Plan(counts["people"], stored, changed, {p: c for p, c in people.items() if p not in changed})


class PartnerRepository(Protocol):
    def get(self, partner_id: str, person: str | None = None) -> Record: ...
    def put(self, partner_id: str, state: dict[str, Any], expected_version: int, outbox: list[Event],
            due: str | None, links: list[str] = ...) -> None: ...
    def due(self, day: str, shards: Iterable[int] | None = None) -> Iterator[tuple[str, Record]]: ...
    @property
    def shard_count(self) -> int: ...
    def partner_of_location(self, location_id: str) -> str | None: ...


TRANSACT_ITEMS = 100  # DynamoDB's limit of items per TransactWriteItems
MAX_PAGES = 1_000  # Query pages of one partner's people (1 MB, ≈ 5,600 people each): 56x the largest partner
READS_KEPT = 256  # partners whose last read is remembered for their write (one process, one batch)


class DynamoPartnerRepository:
    def __init__(self, table: str, shards: int = 16):
        self.table = table
        self.shards = shards
        self._reads: dict[tuple[str, int], Read] = {}

    @property
    def _db(self) -> Any:
        return aws.client("dynamodb")

    def get(self, partner_id: str, person: str | None = None) -> Record:
        """The partner's document. In the per-person layout its roster holds `person` only (a
        skilling fact reads its own person; everything else scores from the counts)."""
        item = self._db.get_item(TableName=self.table, Key=_key(partner_id), ConsistentRead=True,
                                 ProjectionExpression="version, #s, #p",
                                 ExpressionAttributeNames={"#s": "state", "#p": MARKER}).get("Item")
        return self._loaded(partner_id, item, person)

    def _loaded(self, partner_id: str, item: dict[str, Any] | None, person: str | None = None) -> Record:
        record = _record(item)
        if record.state is None:
            return record
        if item is not None and MARKER in item:
            if counting.current(record.state.get("counting")):
                people = dict(self._person(partner_id, person))
            else:
                people = recount(record.state, person_items(self._db, self.table, partner_id), person)
            record.state["roster"] = join_roster(people.items())
            read = Read(people, None)
        else:
            read = Read(None, record.state.get("roster"))
        if len(self._reads) >= READS_KEPT:
            self._reads.clear()
        self._reads[(partner_id, record.version)] = read
        return record

    def _person(self, partner_id: str, person: str | None) -> Iterator[tuple[str, Person]]:
        if person is None:
            return
        item = self._db.get_item(TableName=self.table, ConsistentRead=True, ProjectionExpression="#r",
                                 ExpressionAttributeNames={"#r": "roster"},
                                 Key={"pk": {"S": f"PARTNER#{partner_id}"}, "sk": {"S": PERSON_PREFIX + person}}).get("Item")
        if item:
            yield person, decode_person(item["roster"]["B"])

    def put(self, partner_id: str, state: dict[str, Any], expected_version: int, outbox: list[Event],
            due: str | None, links: list[str] = ()) -> None:
        plan = plan_write(state, self._reads.pop((partner_id, expected_version), None))
        version = expected_version + 1
        item = state_item(partner_id, plan.state, version, outbox, due, self.shards, plan.people)
        if expected_version == 0:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {"ConditionExpression": "version = :v",
                         "ExpressionAttributeValues": {":v": {"N": str(expected_version)}}}
        try:
            self._copy_people(partner_id, plan.copies, expected_version)
            if not links and not plan.changed:
                self._db.put_item(TableName=self.table, Item=item, **condition)
                return
            ops = [{"Put": {"TableName": self.table, "Item": item, **condition}}]
            for person, certs in sorted(plan.changed.items()):
                ops.append({"Put": {"TableName": self.table, "Item": person_item(partner_id, person, certs, version)}})
            for location in links:
                ops.append({"Put": {"TableName": self.table, "Item": {
                    "pk": {"S": f"LOCATION#{location}"}, "sk": {"S": "LINK"}, "partnerId": {"S": partner_id}}}})
            if len(ops) > TRANSACT_ITEMS:
                raise ValueError(f"{len(ops)} items in one write of partner {partner_id}: over {TRANSACT_ITEMS}")
            self._db.transact_write_items(TransactItems=ops)
        except botocore_exceptions.ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code == "ConditionalCheckFailedException" or (
                code == "TransactionCanceledException" and "ConditionalCheckFailed" in str(exc)):
                raise ConflictError(partner_id) from exc
            raise

    def _copy_people(self, partner_id: str, copies: dict[str, Person], read_version: int) -> None:
        """Person items whose content is what the read saw (a roster leaving its inline item), written
        before the STATE item that points at them. Each is conditional on no later write of that
        person: one written at a newer version means another writer moved on (a conflict); one left
        by an interrupted move of the same or an older version is replaced."""
        ops = [{"Put": {"TableName": self.table, "Item": person_item(partner_id, person, certs, read_version),
                        "ConditionExpression": "attribute_not_exists(pk) OR version <= :v",
                        "ExpressionAttributeValues": {":v": {"N": str(read_version)}}}}
               for person, certs in sorted(copies.items())]
        for i in range(0, len(ops), TRANSACT_ITEMS):
            self._db.transact_write_items(TransactItems=ops[i:i + TRANSACT_ITEMS])

    @property
    def shard_count(self) -> int:
        return self.shards

    def due(self, day: str, shards: Iterable[int] | None = None) -> Iterator[tuple[str, Record]]:
        """Every partner with work due on `day` or earlier, shard by shard (a query, never a scan);
        only the given shards when `shards` is set."""
        for partner_id, record in due_records(self._db, self.table, day,
                                              range(self.shards) if shards is None else shards, raw=True):
            yield partner_id, self._loaded(partner_id, record)

    def partner_of_location(self, location_id: str) -> str | None:
        item = self._db.get_item(TableName=self.table, Key={"pk": {"S": f"LOCATION#{location_id}"}, "sk": {"S": "LINK"}}).get("Item")
        return item["partnerId"]["S"] if item else None


def recount(state: dict[str, Any], people: Iterable[tuple[str, Person]], person: str | None) -> dict[str, Person]:
    """Derive a per-person document's counts anew from every person item (`people`, read one page at a
    time), and return `person`'s histories among them: the counts were not `current` (derived with
    another catalogue or other lists, or never kept), so that the read scores with this deployment's
    rules and its write, conditional on the version read as any write, stores the new counts."""
    kept: dict[str, Person] = {}

    def each() -> Iterator[Person]:
        for who, certs in people:
            if who == person:
                kept[who] = certs
            yield certs

    state["counting"] = counting.counting_of(each())
    return kept


def person_items(db: Any, table: str, partner_id: str) -> Iterator[tuple[str, Person]]:
    """Every person item of a partner in the per-person layout (consistent reads, page by page)."""
    kwargs: dict[str, Any] = {
        "TableName": table, "ConsistentRead": True,
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
        "ExpressionAttributeValues": {":p": {"S": f"PARTNER#{partner_id}"}, ":s": {"S": PERSON_PREFIX}},
        "ProjectionExpression": "sk, #r", "ExpressionAttributeNames": {"#r": "roster"},
    }
    for _ in range(MAX_PAGES):
        page = db.query(**kwargs)
        for item in page.get("Items", []):
            yield item["sk"]["S"].removeprefix(PERSON_PREFIX), decode_person(item["roster"]["B"])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    raise RuntimeError(f"partner {partner_id}: more than {MAX_PAGES} pages of person items")


def due_records(db: Any, table: str, day: str, shards: Iterable[int], raw: bool = False) -> Iterator[tuple[str, Any]]:
    """The DueIndex query on a DynamoDB client `db`: every partner of `shards` with work due on `day`
    or earlier, as (partner id, record) — a partner in the per-person layout with its people read
    too — or (partner id, item) when `raw`."""
    for shard in shards:
        kwargs: dict[str, Any] = {
            "TableName": table, "IndexName": "DueIndex",
            "KeyConditionExpression": "gsi1pk = :p AND gsi1sk <= :d",
            "ExpressionAttributeValues": {":p": {"S": f"DUE#{shard}"}, ":d": {"S": f"{day}#~"}},
            "ProjectionExpression": "pk, version, #s, #p", "ExpressionAttributeNames": {"#s": "state", "#p": MARKER},
        }
        while True:
            page = db.query(**kwargs)
            for item in page.get("Items", []):
                partner_id = item["pk"]["S"].removeprefix("PARTNER#")
                if raw:
                    yield partner_id, item
                    continue
                record = _record(item)
                if MARKER in item and record.state is not None and not counting.current(record.state.get("counting")):
                    recount(record.state, person_items(db, table, partner_id), None)
                yield partner_id, record
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _key(partner_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"PARTNER#{partner_id}"}, "sk": {"S": "STATE"}}


def _record(item: dict[str, Any] | None) -> Record:
    if not item:
        return Record(None, 0)
    return Record(decode_state(item["state"]), int(item["version"]["N"]))
