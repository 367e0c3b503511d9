"""How the pump reads its event sources, as Lambda's event source mappings do on AWS.

On AWS the SQS and DynamoDB-stream pollers are the Lambda service's, not the functions': their
reads are not the system's requests. Here the pump plays them, two ways with the same results:

- `ApiSource`: ReceiveMessage, DeleteMessageBatch, ChangeMessageVisibilityBatch,
  GetQueueAttributes, GetShardIterator and GetRecords through the AWS SDK. Used when the emulator
  runs in another process (`MOTO_MODE=process`).
- `EmulatorSource`: the same operations of moto's own backends, called in this process (the
  tests' `mock_aws`, `make run`'s emulator thread). moto's ReceiveMessage, delete, visibility and
  dead-letter (maxReceiveCount) logic is the one the API runs; only the HTTP, signing and
  serialisation round trip is left out, two thirds of a poll's cost (docs/decisions.md,
  "The local stack's pollers"). Its messages and records have the shapes botocore returns.

The handlers always go through the SDK, as on AWS.
"""

from __future__ import annotations

import base64
import os
from typing import Any, Protocol

from shared.adapters import aws

# The system attributes ReceiveMessage(AttributeNames=["All"]) returns (moto's sqs/responses.py).
_SYSTEM_ATTRIBUTES = (("SenderId", "sender_id"), ("SentTimestamp", "sent_timestamp"),
                      ("ApproximateReceiveCount", "approximate_receive_count"),
                      ("ApproximateFirstReceiveTimestamp", "approximate_first_receive_timestamp"),
                      ("MessageDeduplicationId", "deduplication_id"), ("MessageGroupId", "group_id"),
                      ("SequenceNumber", "sequence_number"))


class Source(Protocol):
    """A queue is named by its URL; a stream shard's read position is the source's own value
    (`shards` gives the first, `records` the next, `at_sequence` one to read again from)."""

    def receive(self, url: str, count: int, wait: int) -> list[dict[str, Any]]: ...
    def delete(self, url: str, entries: list[dict[str, Any]]) -> None: ...
    def change_visibility(self, url: str, entries: list[dict[str, Any]]) -> None: ...
    def depth(self, url: str) -> int: ...
    def shards(self, stream_arn: str, start: str) -> dict[str, Any]: ...
    def at_sequence(self, stream_arn: str, shard_id: str, sequence: str) -> Any: ...
    def records(self, position: Any, limit: int) -> tuple[list[dict[str, Any]], Any]: ...


class ApiSource:
    """The event sources through the AWS SDK."""

    def receive(self, url: str, count: int, wait: int) -> list[dict[str, Any]]:
        return aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=count, WaitTimeSeconds=wait,
                                                 AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])

    def delete(self, url: str, entries: list[dict[str, Any]]) -> None:
        aws.client("sqs").delete_message_batch(QueueUrl=url, Entries=entries)

    def change_visibility(self, url: str, entries: list[dict[str, Any]]) -> None:
        aws.client("sqs").change_message_visibility_batch(QueueUrl=url, Entries=entries)

    def depth(self, url: str) -> int:
        counts = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        attrs = aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=list(counts))["Attributes"]
        return sum(int(attrs[c]) for c in counts)

    def shards(self, stream_arn: str, start: str) -> dict[str, Any]:
        """Each shard's position: an iterator of type `start` (TRIM_HORIZON or LATEST)."""
        streams = aws.client("dynamodbstreams")
        return {s["ShardId"]: (stream_arn, streams.get_shard_iterator(
                    StreamArn=stream_arn, ShardId=s["ShardId"], ShardIteratorType=start)["ShardIterator"])
                for s in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]}

    def at_sequence(self, stream_arn: str, shard_id: str, sequence: str) -> Any:
        return stream_arn, aws.client("dynamodbstreams").get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=sequence)["ShardIterator"]

    def records(self, position: Any, limit: int) -> tuple[list[dict[str, Any]], Any]:
        arn, iterator = position
        page = aws.client("dynamodbstreams").get_records(ShardIterator=iterator, Limit=limit)
        return page.get("Records", []), (arn, page.get("NextShardIterator") or iterator)


class EmulatorSource:
    """The event sources read from moto's backends in this process."""

    @staticmethod
    def _sqs(url: str) -> tuple[Any, str]:
        from moto.sqs.models import sqs_backends

        account, name = url.rstrip("/").rsplit("/", 2)[-2:]
        return sqs_backends[account][_region()], name

    def receive(self, url: str, count: int, wait: int) -> list[dict[str, Any]]:
        backend, name = self._sqs(url)
        queue = backend.get_queue(name)
        messages = backend.receive_message(name, count, wait, queue.visibility_timeout, ["All"])
        out = []
        for m in messages:
            msg: dict[str, Any] = {"MessageId": m.id, "ReceiptHandle": m.receipt_handle, "MD5OfBody": m.body_md5,
                                   "Body": m.body,
                                   "Attributes": {k: str(getattr(m, a)) for k, a in _SYSTEM_ATTRIBUTES
                                                  if getattr(m, a) is not None}}
            if m.message_attributes:
                msg["MessageAttributes"] = m.message_attributes
                msg["MD5OfMessageAttributes"] = m.attribute_md5
            out.append(msg)
        return out

    def delete(self, url: str, entries: list[dict[str, Any]]) -> None:
        backend, name = self._sqs(url)
        backend.delete_message_batch(name, entries)

    def change_visibility(self, url: str, entries: list[dict[str, Any]]) -> None:
        backend, name = self._sqs(url)
        backend.change_message_visibility_batch(name, entries)

    def depth(self, url: str) -> int:
        backend, name = self._sqs(url)
        queue = backend.get_queue(name)
        return int(queue.approximate_number_of_messages) + int(queue.approximate_number_of_messages_not_visible)

    @staticmethod
    def _shard(stream_arn: str) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        _, _, _, region, account, resource = stream_arn.split(":", 5)
        table = dynamodb_backends[account][region].get_table(resource.split("/")[1])
        return table.stream_shard

    def shards(self, stream_arn: str, start: str) -> dict[str, Any]:
        """Each shard's position: (stream, next sequence number), as TRIM_HORIZON or LATEST place
        it. The shard itself is looked up at every read, so a read follows the table's stream even
        if moto replaced its objects."""
        shard = self._shard(stream_arn)
        first = shard.starting_sequence_number
        return {shard.id: (stream_arn, first if start == "TRIM_HORIZON" else first + len(shard.items))}

    def at_sequence(self, stream_arn: str, shard_id: str, sequence: str) -> Any:
        return stream_arn, int(sequence)

    def records(self, position: Any, limit: int) -> tuple[list[dict[str, Any]], Any]:
        stream_arn, sequence = position
        raw = self._shard(stream_arn).get(sequence, limit)
        records = [{**r, "dynamodb": {k: _as_botocore(k, v) for k, v in r["dynamodb"].items()}} for r in raw]
        return records, (stream_arn, sequence + len(raw))


def _region() -> str:
    """The region the SDK clients use (`shared.adapters.aws.client`)."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION", "us-east-1")


def _as_botocore(key: str, value: Any) -> Any:
    """A stream record's `dynamodb` member as botocore parses it: binary values as bytes."""
    if key in ("Keys", "NewImage", "OldImage"):
        return {name: _attribute(v) for name, v in value.items()}
    return value


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    ((kind, v),) = value.items()
    if kind == "B":
        return {"B": base64.b64decode(v) if isinstance(v, str) else v}
    if kind == "BS":
        return {"BS": [base64.b64decode(x) if isinstance(x, str) else x for x in v]}
    if kind == "M":
        return {"M": {k: _attribute(x) for k, x in v.items()}}
    if kind == "L":
        return {"L": [_attribute(x) for x in v]}
    return {kind: v}
