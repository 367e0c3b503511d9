"""Event delivery where AWS would do it and the emulator cannot: SQS -> function (Lambda's event
source mapping), the table's stream -> outbox publisher, and the daily schedule.

The same `Pump` serves the component tests (inside moto's `mock_aws`) and `make run` (against a
moto server): it reads batch sizes, handlers, environments and schedules from the `LocalStack`
built from template.yaml, builds the exact Lambda event shapes, honours partial batch failures
(failed records stay on the queue; moto moves them to the DLQ after maxReceiveCount) and calls the
real handlers in-process. It reads the queues and the stream through a `devstack.sources` source:
moto's backends directly when the emulator is in this process, the AWS API otherwise.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devstack.sources import ApiSource, Source
from shared.adapters import aws
from shared.runtime import Deps


@dataclass
class Context:
    function_name: str
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = ""
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@dataclass
class Delivery:
    function: str
    handler: Callable[..., Any]
    deps: Deps
    queue_url: str | None = None
    queue_arn: str = ""
    batch_size: int = 10


class Pump:
    def __init__(self, stack: Any, retry_delay: int | None = 0, on_invoke: Callable[[str, int], None] | None = None,
                 source: Source | None = None):
        """`retry_delay`: seconds before a failed record is visible again (None keeps the queue's
        visibility timeout as on AWS; tests and `make run` shorten it). `source`: how the queues
        and the stream are read (`devstack.sources`; the AWS API unless told)."""
        self.stack = stack
        self.source: Source = source or ApiSource()
        self.retry_delay = retry_delay
        self.on_invoke = on_invoke
        self.on_stream: Callable[[list[dict[str, Any]]], Any] | None = None  # sees every record once delivered
        self.deliveries: dict[str, Delivery] = {}
        self.stream: Delivery | None = None
        self.scheduled: Delivery | None = None
        self._positions: dict[str, Any] = {}  # the stream's shards: where the next read starts
        self.stream_caught_up = False  # the last poll_stream read every shard to its end
        self._lock = threading.Lock()
        for name, fn in stack.functions.items():
            module, _, attr = fn["handler"].replace("/", ".").rpartition(".")
            handler = getattr(importlib.import_module(module), attr)
            deps = Deps.from_env(fn["environment"])
            if fn.get("queue"):
                url = stack.queues[fn["queue"]]
                arn = aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                self.deliveries[fn["queue"]] = Delivery(name, handler, deps, url, arn, fn.get("batch_size") or 10)
            if fn.get("stream"):
                self.stream = Delivery(name, handler, deps, batch_size=fn.get("batch_size") or 100)
            if fn.get("schedule"):
                self.scheduled = Delivery(name, handler, deps)

    # -- SQS ---------------------------------------------------------------------------------------
    def poll_queue(self, queue: str, wait: int = 0) -> int:
        d = self.deliveries[queue]
        assert d.queue_url
        messages = self.source.receive(d.queue_url, d.batch_size, wait)
        if not messages:
            return 0
        records = [self.sqs_record(m, d) for m in messages]
        result = self._invoke(d, {"Records": records})
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages) if m["MessageId"] not in failed]
        if done:
            self.source.delete(d.queue_url, done)
        if failed and self.retry_delay is not None:
            retry = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": self.retry_delay}
                     for i, m in enumerate(messages) if m["MessageId"] in failed]
            self.source.change_visibility(d.queue_url, retry)
        return len(messages)

    @staticmethod
    def sqs_record(m: dict[str, Any], d: Delivery) -> dict[str, Any]:
        body = m["Body"]
        try:  # moto's default target input leaves out `account`; AWS always sends it
            env = json.loads(body)
            if isinstance(env, dict) and "detail-type" in env and "account" not in env:
                env["account"] = d.queue_arn.split(":")[4] if d.queue_arn else "123456789012"
                body = json.dumps(env)
        except (ValueError, RecursionError):
            pass  # not an EventBridge envelope: the handler rejects it
        attrs = {k: {"stringValue": v.get("StringValue"), "dataType": v.get("DataType"), "stringListValues": [],
                     "binaryListValues": []} for k, v in (m.get("MessageAttributes") or {}).items()}
        return {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": body,
                "attributes": m.get("Attributes", {}), "messageAttributes": attrs,
                "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs", "eventSourceARN": d.queue_arn, "awsRegion": d.queue_arn.split(":")[3] if d.queue_arn else "us-east-1"}

    # -- DynamoDB stream -> outbox publisher --------------------------------------------------------
    def poll_stream(self) -> int:
        if self.stream is None:
            return 0
        arn = self.stack.state_stream_arn
        if not self._positions:
            self._positions = self.source.shards(arn, "TRIM_HORIZON")
        total = 0
        self.stream_caught_up = True
        for shard_id, position in list(self._positions.items()):
            raw, after = self.source.records(position, self.stream.batch_size)
            if len(raw) >= self.stream.batch_size:
                self.stream_caught_up = False
            records = [self._stream_record(r, arn) for r in raw]
            records = [r for r in records if r["dynamodb"]["Keys"]["pk"]["S"].startswith("PARTNER#")]  # FilterCriteria
            if records:
                result = self._invoke(self.stream, {"Records": records})
                failed = [f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])]
                if failed:  # retry from the first failed record, in order, as Lambda does
                    self.stream_caught_up = False
                    self._seen(r for r in raw if int(r["dynamodb"]["SequenceNumber"]) < int(failed[0]))
                    self._positions[shard_id] = self.source.at_sequence(arn, shard_id, failed[0])
                    total += len(records)
                    continue
                total += len(records)
            self._seen(raw)
            self._positions[shard_id] = after
        return total

    def _seen(self, records: Any) -> None:
        """Records whose publication is done go to `on_stream` (after, not before: a change kept
        whose events were never published would stay unpublished)."""
        done = list(records)
        if self.on_stream and done:
            self.on_stream(done)

    def start_stream_at_latest(self) -> None:
        """Deliver only the stream records written from now on (the writes of a restore are not
        changes to publish)."""
        arn = self.stack.state_stream_arn
        if self.stream is None or not arn:
            return
        self._positions = self.source.shards(arn, "LATEST")

    @staticmethod
    def _stream_record(r: dict[str, Any], arn: str) -> dict[str, Any]:
        return {"eventID": r.get("eventID", ""), "eventName": r["eventName"], "eventVersion": "1.1",
                "eventSource": "aws:dynamodb", "awsRegion": "us-east-1", "eventSourceARN": arn,
                "dynamodb": {k: v for k, v in r["dynamodb"].items() if k != "ApproximateCreationDateTime"}}

    # -- schedule -----------------------------------------------------------------------------------
    def tick(self, day: str) -> Any:
        """Run the anniversary schedule for a day, as EventBridge Scheduler would invoke it."""
        if self.scheduled is None:
            raise RuntimeError("no scheduled function in the template")
        event = {"source": "aws.scheduler", "detail-type": "Scheduled Event", "id": f"tick-{day}-{uuid.uuid4().hex[:8]}",
                 "time": f"{day}T00:05:00Z", "detail": {}}
        return self._invoke(self.scheduled, event)

    # -- loop ---------------------------------------------------------------------------------------
    def _invoke(self, d: Delivery, event: dict[str, Any]) -> Any:
        if self.on_invoke:
            self.on_invoke(d.function, len(event.get("Records", [event])))
        return d.handler(event, Context(d.function), deps=d.deps)

    def pending(self) -> int:
        """Messages visible or in flight on the work queues."""
        return sum(self.source.depth(d.queue_url) for d in self.deliveries.values() if d.queue_url)

    def drain(self, timeout: float = 60.0, max_rounds: int = 10_000) -> int:
        """Deliver until every queue and the stream are quiet. Returns the records delivered."""
        deadline = time.monotonic() + timeout
        delivered = 0
        for _ in range(max_rounds):
            moved = self.poll_stream()
            for queue in self.deliveries:
                moved += self.poll_queue(queue)
            delivered += moved
            if moved == 0:
                if self.pending() == 0:
                    return delivered
                time.sleep(0.05)  # failed records waiting for their visibility timeout
            if time.monotonic() > deadline:
                raise TimeoutError(f"not drained after {timeout}s ({self.pending()} messages pending)")
        raise TimeoutError(f"not drained after {max_rounds} rounds")
