"""The StateTable item format of shared/adapters/repository.py: `state` is zlib-compressed canonical
JSON (binary), and items written by the previous version (`state` as JSON text) still load.

On moto, with a table of the template's key schema and DueIndex (no stack: the format only)."""

from __future__ import annotations

import base64
import json
import zlib

import pytest
from moto import mock_aws

from shared.adapters import aws
from shared.adapters.repository import (
    COMPRESSION_LEVEL,
    ConflictError,
    DynamoPartnerRepository,
    canonical_json,
    decode_state,
    encode_state,
    shard_of,
    state_item,
)
from tests.fakes import create_state_table

TABLE = "state"
SHARDS = 4
DOC = {
    "partnerId": "contoso-1",
    "areas": {"Azure": {"points": [10, 20, 30], "attained": "2023-01-05"}, "Security": {"points": []}},
    "history": [{"rule": "attain", "on": f"2023-{m:02d}-01", "note": "é ✓"} for m in range(1, 13)],
}


@pytest.fixture
def repo():
    with mock_aws():
        aws.reset()
        create_state_table(TABLE)
        yield DynamoPartnerRepository(TABLE, SHARDS)
        aws.reset()


def raw_item(partner_id: str) -> dict:
    return aws.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": f"PARTNER#{partner_id}"},
                                                                 "sk": {"S": "STATE"}})["Item"]


def legacy_item(partner_id: str, state: dict, version: int, due: str | None, outbox: list | None = None) -> dict:
    """Exactly what the previous version of DynamoPartnerRepository.put wrote."""
    item = {"pk": {"S": f"PARTNER#{partner_id}"}, "sk": {"S": "STATE"}, "version": {"N": str(version)},
            "state": {"S": json.dumps(state, separators=(",", ":"), sort_keys=True)}}
    if outbox:
        item["outbox"] = {"S": json.dumps(outbox, separators=(",", ":"))}
    if due is not None:
        item["gsi1pk"] = {"S": f"DUE#{shard_of(partner_id, SHARDS)}"}
        item["gsi1sk"] = {"S": f"{due}#{partner_id}"}
    return item


def test_put_stores_the_document_as_compressed_canonical_json(repo):
    outbox = [("ScoreEvaluated", {"eventId": "e1", "partnerId": "contoso-1"})]
    repo.put("contoso-1", DOC, 0, outbox, due="2024-01-05")
    item = raw_item("contoso-1")
    assert set(item["state"]) == {"B"}
    assert zlib.decompress(item["state"]["B"]).decode() == canonical_json(DOC)
    assert json.loads(item["outbox"]["S"]) == [list(e) for e in outbox]  # the publisher reads it as before
    assert item["gsi1pk"] == {"S": f"DUE#{shard_of('contoso-1', SHARDS)}"}
    assert item["gsi1sk"] == {"S": "2024-01-05#contoso-1"}
    record = repo.get("contoso-1")
    assert record.state == DOC and record.version == 1


def test_a_document_written_by_the_previous_version_still_loads_and_is_upgraded_on_write(repo):
    db = aws.client("dynamodb")
    db.put_item(TableName=TABLE, Item=legacy_item("old-1", DOC, 7, "2024-03-01",
                                                  outbox=[["ScoreEvaluated", {"eventId": "x"}]]))
    record = repo.get("old-1")
    assert record.state == DOC and record.version == 7
    # the daily run finds it through the DueIndex in the old format too
    assert [(pid, r.state, r.version) for pid, r in repo.due("2024-03-01")] == [("old-1", DOC, 7)]
    # the next write (conditional on the version read) stores the new format
    changed = {**DOC, "note": "changed"}
    repo.put("old-1", changed, record.version, [], due="2025-03-01")
    assert set(raw_item("old-1")["state"]) == {"B"}
    assert repo.get("old-1").state == changed and repo.get("old-1").version == 8
    with pytest.raises(ConflictError):
        repo.put("old-1", DOC, 7, [], due=None)


def test_the_daily_run_reads_both_formats_side_by_side(repo):
    aws.client("dynamodb").put_item(TableName=TABLE, Item=legacy_item("a-old", {**DOC, "partnerId": "a-old"}, 3, "2024-01-01"))
    repo.put("b-new", {**DOC, "partnerId": "b-new"}, 0, [], due="2024-01-02")
    repo.put("c-later", {**DOC, "partnerId": "c-later"}, 0, [], due="2024-02-01")
    due = {pid: r.state["partnerId"] for pid, r in repo.due("2024-01-15")}
    assert due == {"a-old": "a-old", "b-new": "b-new"}


def test_decode_state_reads_every_form_it_can_meet():
    packed = encode_state(DOC)
    assert decode_state(packed) == DOC  # bytes, as boto3 returns them
    assert decode_state({"B": base64.b64encode(packed["B"]).decode()}) == DOC  # as in a Lambda stream event
    assert decode_state({"S": json.dumps(DOC)}) == DOC  # the previous format


def test_encoding_is_deterministic_and_smaller():
    reordered = dict(reversed(list(DOC.items())))
    assert encode_state(reordered) == encode_state(DOC)  # canonical: key order does not matter
    assert len(encode_state(DOC)["B"]) < len(canonical_json(DOC).encode()) / 2
    assert zlib.decompress(encode_state(DOC)["B"]) == canonical_json(DOC).encode()
    assert 1 <= COMPRESSION_LEVEL <= 9


def test_state_item_is_what_put_writes(repo):
    repo.put("contoso-2", DOC, 0, [("ScoreEvaluated", {"eventId": "e"})], due="2024-01-05")
    expected = state_item("contoso-2", DOC, 1, [("ScoreEvaluated", {"eventId": "e"})], "2024-01-05", SHARDS)
    assert raw_item("contoso-2") == expected
