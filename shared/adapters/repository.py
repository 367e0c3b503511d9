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

botocore_exceptions = LazyModule("botocore.exceptions")  # loaded with the first client (aws.py)

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
               due: str | None = None, shards: int = 16) -> dict[str, Any]:
    """The StateTable item `DynamoPartnerRepository.put` writes (also what the benchmarks size)."""
    item: dict[str, Any] = {**_key(partner_id), "version": {"N": str(version)}, "state": encode_state(state)}
    if outbox:
        # The outbox stays JSON text: compressing it would change no write's WRU count at the item
        # sizes docs/scale.md measures, and the stream publisher reads it as it is.
        item["outbox"] = {"S": json.dumps(outbox, separators=(",", ":"))}
    if due is not None:
        item["gsi1pk"] = {"S": f"DUE#{shard_of(partner_id, shards)}"}
        item["gsi1sk"] = {"S": f"{due}#{partner_id}"}
    return item


class PartnerRepository(Protocol):
    def get(self, partner_id: str) -> Record: ...
    def put(self, partner_id: str, state: dict[str, Any], expected_version: int, outbox: list[Event],
            due: str | None, links: list[str] = ...) -> None: ...
    def due(self, day: str, shards: Iterable[int] | None = None) -> Iterator[tuple[str, Record]]: ...
    @property
    def shard_count(self) -> int: ...
    def partner_of_location(self, location_id: str) -> str | None: ...


class DynamoPartnerRepository:
    def __init__(self, table: str, shards: int = 16):
        self.table = table
        self.shards = shards

    @property
    def _db(self) -> Any:
        return aws.client("dynamodb")

    def get(self, partner_id: str) -> Record:
        item = self._db.get_item(TableName=self.table, Key=_key(partner_id), ConsistentRead=True,
                                 ProjectionExpression="version, #s", ExpressionAttributeNames={"#s": "state"}).get("Item")
        return _record(item)

    def put(self, partner_id: str, state: dict[str, Any], expected_version: int, outbox: list[Event],
            due: str | None, links: list[str] = ()) -> None:
        item = state_item(partner_id, state, expected_version + 1, outbox, due, self.shards)
        if expected_version == 0:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {"ConditionExpression": "version = :v",
                         "ExpressionAttributeValues": {":v": {"N": str(expected_version)}}}
        try:
            if not links:
                self._db.put_item(TableName=self.table, Item=item, **condition)
                return
            ops = [{"Put": {"TableName": self.table, "Item": item, **condition}}]
            for location in links:
                ops.append({"Put": {"TableName": self.table, "Item": {
                    "pk": {"S": f"LOCATION#{location}"}, "sk": {"S": "LINK"}, "partnerId": {"S": partner_id}}}})
            self._db.transact_write_items(TransactItems=ops)
        except botocore_exceptions.ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code == "ConditionalCheckFailedException" or (
                code == "TransactionCanceledException" and "ConditionalCheckFailed" in str(exc)):
                raise ConflictError(partner_id) from exc
            raise

    @property
    def shard_count(self) -> int:
        return self.shards

    def due(self, day: str, shards: Iterable[int] | None = None) -> Iterator[tuple[str, Record]]:
        """Every partner with work due on `day` or earlier, shard by shard (a query, never a scan);
        only the given shards when `shards` is set."""
        return due_records(self._db, self.table, day, range(self.shards) if shards is None else shards)

    def partner_of_location(self, location_id: str) -> str | None:
        item = self._db.get_item(TableName=self.table, Key={"pk": {"S": f"LOCATION#{location_id}"}, "sk": {"S": "LINK"}}).get("Item")
        return item["partnerId"]["S"] if item else None


def due_records(db: Any, table: str, day: str, shards: Iterable[int]) -> Iterator[tuple[str, Record]]:
    """The DueIndex query on a DynamoDB client `db`: every partner of `shards` with work due on `day`
    or earlier, as (partner id, record)."""
    for shard in shards:
        kwargs: dict[str, Any] = {
            "TableName": table, "IndexName": "DueIndex",
            "KeyConditionExpression": "gsi1pk = :p AND gsi1sk <= :d",
            "ExpressionAttributeValues": {":p": {"S": f"DUE#{shard}"}, ":d": {"S": f"{day}#~"}},
            "ProjectionExpression": "pk, version, #s", "ExpressionAttributeNames": {"#s": "state"},
        }
        while True:
            page = db.query(**kwargs)
            for item in page.get("Items", []):
                yield item["pk"]["S"].removeprefix("PARTNER#"), _record(item)
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _key(partner_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"PARTNER#{partner_id}"}, "sk": {"S": "STATE"}}


def _record(item: dict[str, Any] | None) -> Record:
    if not item:
        return Record(None, 0)
    return Record(decode_state(item["state"]), int(item["version"]["N"]))
