"""The pump's two ways of reading its event sources (devstack/sources.py) give the same messages
and stream records: moto's backends read in-process (`EmulatorSource`) answer as the AWS API does
(`ApiSource`), and moto's own queue logic (visibility, maxReceiveCount → dead-letter queue) runs."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from devstack import emulator
from devstack.sources import ApiSource, EmulatorSource
from shared.adapters import aws

ARGS = {"region_name": "us-east-1"}


@pytest.fixture
def sqs():
    emulator.speed_up()
    with mock_aws():
        aws.reset()
        client = boto3.client("sqs", **ARGS)
        dlq = client.create_queue(QueueName="work-dlq")["QueueUrl"]
        dlq_arn = client.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = client.create_queue(QueueName="work", Attributes={
            "VisibilityTimeout": "0",  # every receive sees the messages again
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})})["QueueUrl"]
        yield client, url, dlq
        aws.reset()


def _comparable(message: dict) -> dict:
    """A received message without what differs between two receives of it."""
    attrs = {k: v for k, v in message["Attributes"].items()
             if k not in ("ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp")}
    return {**{k: v for k, v in message.items() if k != "ReceiptHandle"}, "Attributes": attrs}


def test_a_message_reads_the_same_through_the_api_and_from_the_emulator(sqs):
    client, url, _ = sqs
    client.send_message(QueueUrl=url, MessageBody='{"a": 1}', MessageAttributes={
        "reason": {"DataType": "String", "StringValue": "bad detail.x"}})
    via_api = ApiSource().receive(url, 10, 0)
    direct = EmulatorSource().receive(url, 10, 0)
    assert len(via_api) == len(direct) == 1
    assert _comparable(direct[0]) == _comparable(via_api[0])
    assert direct[0]["Attributes"]["ApproximateReceiveCount"] == "2"
    assert set(direct[0]["Attributes"]) == set(via_api[0]["Attributes"])
    assert direct[0]["MessageAttributes"] == {"reason": {"DataType": "String", "StringValue": "bad detail.x"}}


def test_moto_dead_letters_a_message_received_max_receive_count_times(sqs):
    client, url, dlq = sqs
    client.send_message(QueueUrl=url, MessageBody="poison")
    source = EmulatorSource()
    assert len(source.receive(url, 10, 0)) == 1
    assert len(source.receive(url, 10, 0)) == 1
    assert source.receive(url, 10, 0) == []  # the third receive moves it to the DLQ
    assert source.depth(url) == 0
    assert source.depth(dlq) == ApiSource().depth(dlq) == 1


def test_delete_and_change_visibility_act_on_the_queue(sqs):
    client, url, _ = sqs
    for body in ("one", "two"):
        client.send_message(QueueUrl=url, MessageBody=body)
    source = EmulatorSource()
    first, second = source.receive(url, 10, 0)
    source.change_visibility(url, [{"Id": "0", "ReceiptHandle": second["ReceiptHandle"], "VisibilityTimeout": 60}])
    source.delete(url, [{"Id": "0", "ReceiptHandle": first["ReceiptHandle"]}])
    attrs = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]) == ("0", "1")
    assert source.depth(url) == ApiSource().depth(url) == 1


@pytest.fixture
def stream():
    emulator.speed_up()
    with mock_aws():
        aws.reset()
        ddb = boto3.client("dynamodb", **ARGS)
        arn = ddb.create_table(
            TableName="state", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]["LatestStreamArn"]
        yield ddb, arn
        aws.reset()


def _put(ddb, n: int) -> None:
    ddb.put_item(TableName="state", Item={
        "pk": {"S": "PARTNER#p"}, "sk": {"S": "STATE"}, "n": {"N": str(n)}, "state": {"B": b"\x00zlib" + bytes([n])},
        "outbox": {"L": [{"M": {"blob": {"B": b"\xff"}, "tags": {"BS": [b"a", b"b"]}, "s": {"S": "x"}}}]}})


def _records(source, arn: str, start: str, limit: int = 100) -> tuple[list[dict], object]:
    (position,) = source.shards(arn, start).values()
    raw, after = source.records(position, limit)
    return [{**r, "dynamodb": {k: v for k, v in r["dynamodb"].items() if k != "ApproximateCreationDateTime"}}
            for r in raw], after


def test_stream_records_read_the_same_through_the_api_and_from_the_emulator(stream):
    ddb, arn = stream
    for n in range(3):
        _put(ddb, n)
    via_api, _ = _records(ApiSource(), arn, "TRIM_HORIZON")
    direct, _ = _records(EmulatorSource(), arn, "TRIM_HORIZON")
    assert [r["eventName"] for r in direct] == ["INSERT", "MODIFY", "MODIFY"]
    assert direct == via_api
    assert direct[2]["dynamodb"]["NewImage"]["state"] == {"B": b"\x00zlib\x02"}  # bytes, as botocore gives them
    assert direct[2]["dynamodb"]["OldImage"]["outbox"]["L"][0]["M"]["tags"] == {"BS": [b"a", b"b"]}


def test_stream_positions_page_start_latest_and_rewind(stream):
    ddb, arn = stream
    source = EmulatorSource()
    _put(ddb, 0)
    latest = source.shards(arn, "LATEST")
    for n in (1, 2, 3):
        _put(ddb, n)
    (position,) = latest.values()
    page, position = source.records(position, 2)
    assert [r["dynamodb"]["NewImage"]["n"]["N"] for r in page] == ["1", "2"]
    page, position = source.records(position, 2)
    assert [r["dynamodb"]["NewImage"]["n"]["N"] for r in page] == ["3"]
    assert source.records(position, 2)[0] == []
    (shard_id,) = latest
    again, _ = source.records(source.at_sequence(arn, shard_id, page[0]["dynamodb"]["SequenceNumber"]), 10)
    assert [r["dynamodb"]["NewImage"]["n"]["N"] for r in again] == ["3"]


@pytest.mark.parametrize("rollback", ["ours", "moto's"])
def test_a_cancelled_transaction_leaves_the_stream_to_its_readers(stream, monkeypatch, rollback):
    """moto rolls a cancelled TransactWriteItems back by swapping in a copy of the table taken
    before it, stream included: readers of the old stream then saw nothing written after it
    (devstack.emulator.transact_write_items keeps the table and its stream, as on AWS). The
    emulator source looks the stream up at each read, so it follows even moto's own rollback."""
    ddb, arn = stream
    if rollback == "moto's":
        monkeypatch.setattr(emulator.dynamodb_models.DynamoDBBackend, "transact_write_items",
                            emulator.MOTO["transact_write_items"])
    _put(ddb, 0)
    readers = {"emulator": EmulatorSource()} if rollback == "moto's" else {"api": ApiSource(), "emulator": EmulatorSource()}
    positions = {name: next(iter(s.shards(arn, "TRIM_HORIZON").values())) for name, s in readers.items()}
    for name, source in readers.items():
        _, positions[name] = source.records(positions[name], 100)
    key = {"pk": {"S": "PARTNER#p"}, "sk": {"S": "other"}}
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "state", "Item": {**key, "n": {"N": "9"}}}},  # written, then rolled back
            {"Put": {"TableName": "state", "Item": {"pk": {"S": "PARTNER#p"}, "sk": {"S": "STATE"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}}])
    assert "Item" not in ddb.get_item(TableName="state", Key=key)
    _put(ddb, 1)
    for name, source in readers.items():
        page, _ = source.records(positions[name], 100)
        assert [(r["eventName"], r["dynamodb"]["NewImage"]["n"]["N"]) for r in page] == [("MODIFY", "1")], name
