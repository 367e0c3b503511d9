"""Test harness: the system on moto, built from template.yaml itself, with the real handlers delivered to by the pump.

An SQS probe rule catches every outbound event (source partner.designations) from the bus.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto import mock_aws

from devstack.emulator import speed_up
from devstack.pump import Pump
from devstack.sources import EmulatorSource
from devstack.template import deploy_local
from shared.adapters import aws
from shared.adapters.repository import decode_state


class System:
    def __init__(self, stack: Any, pump: Pump, probe_url: str):
        self.stack, self.pump, self.probe_url = stack, pump, probe_url
        self.outbound: list[dict[str, Any]] = []

    def send(self, *events: dict[str, Any]) -> None:
        entries = []
        for e in events:
            entry = {"Source": e["source"], "DetailType": e["detail-type"], "Detail": json.dumps(e["detail"]),
                     "EventBusName": self.stack.bus_name}
            if "time" in e:
                entry["Time"] = e["time"]
            entries.append(entry)
        for i in range(0, len(entries), 10):
            assert aws.client("events").put_events(Entries=entries[i:i + 10])["FailedEntryCount"] == 0
        self.pump.drain()

    def tick(self, day: str) -> None:
        self.pump.tick(day)
        self.pump.drain()

    def collect(self) -> list[dict[str, Any]]:
        sqs = aws.client("sqs")
        while True:
            msgs = sqs.receive_message(QueueUrl=self.probe_url, MaxNumberOfMessages=10).get("Messages", [])
            if not msgs:
                return self.outbound
            for m in msgs:
                self.outbound.append(json.loads(m["Body"]))
            sqs.delete_message_batch(QueueUrl=self.probe_url,
                                     Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])

    def of(self, detail_type: str) -> list[dict[str, Any]]:
        return [e["detail"] for e in self.collect() if e["detail-type"] == detail_type]

    def dlq_messages(self, queue: str) -> list[dict[str, Any]]:
        return aws.client("sqs").receive_message(QueueUrl=self.stack.dlq_url(queue), MaxNumberOfMessages=10,
                                                 MessageAttributeNames=["All"], VisibilityTimeout=0).get("Messages", [])

    def state(self, partner_id: str) -> dict[str, Any] | None:
        item = aws.client("dynamodb").get_item(TableName=self.stack.state_table,
                                               Key={"pk": {"S": f"PARTNER#{partner_id}"}, "sk": {"S": "STATE"}}).get("Item")
        return decode_state(item["state"]) if item else None


@contextmanager
def local_system(retry_delay: int | None = 0) -> Iterator[System]:
    """The whole system inside moto's mock_aws (one per test), on the emulator `make run` uses."""
    speed_up()
    with mock_aws():
        aws.reset()
        stack = deploy_local(boto3.session.Session(region_name="us-east-1"))
        sqs, events = aws.client("sqs"), aws.client("events")
        probe_url = sqs.create_queue(QueueName="outbound-probe")["QueueUrl"]
        probe_arn = sqs.get_queue_attributes(QueueUrl=probe_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="outbound-probe", EventBusName=stack.bus_name,
                        EventPattern=json.dumps({"source": ["partner.designations"]}))
        events.put_targets(Rule="outbound-probe", EventBusName=stack.bus_name, Targets=[{"Id": "probe", "Arn": probe_arn}])
        try:
            yield System(stack, Pump(stack, retry_delay=retry_delay, source=EmulatorSource()), probe_url)
        finally:
            aws.reset()
