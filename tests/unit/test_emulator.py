"""The local stack's emulator speed-ups (devstack/emulator.py) give moto's own answers."""

from __future__ import annotations

import time

import boto3
import pytest
from moto import mock_aws
from moto.core import responses
from moto.dynamodb.responses import DynamoHandler
from moto.sqs.models import sqs_backends
from moto.sqs.responses import SQSResponse

from devstack import emulator


@pytest.fixture
def queue():
    emulator.speed_up()
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="q", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
        yield sqs, url, sqs_backends["123456789012"]["us-east-1"]


def test_queue_attributes_equal_motos_with_visible_in_flight_and_delayed_messages(queue):
    sqs, url, backend = queue
    for i in range(7):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=30)
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, VisibilityTimeout=30)["Messages"]
    assert len(received) == 3
    q = backend.get_queue("q")
    ours = emulator.queue_attributes(q)
    assert ours == emulator.MOTO["attributes"].fget(q)
    assert (ours["ApproximateNumberOfMessages"], ours["ApproximateNumberOfMessagesNotVisible"],
            ours["ApproximateNumberOfMessagesDelayed"]) == (4, 3, 1)
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert got["ApproximateNumberOfMessages"] == "4"


def test_a_message_past_its_retention_period_is_not_delivered(queue):
    sqs, url, backend = queue
    sqs.send_message(QueueUrl=url, MessageBody="old")
    message = backend.get_queue("q")._messages[0]  # noqa: SLF001
    assert emulator.retained(backend, "q", message) is emulator.MOTO["retained"](backend, "q", message) is True
    message.sent_timestamp = int((time.time() - 61) * 1000)
    assert emulator.retained(backend, "q", message) is emulator.MOTO["retained"](backend, "q", message) is False
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []


def test_receipt_handles_keep_motos_shape_and_differ(queue):
    sqs, url, _ = queue
    sqs.send_message(QueueUrl=url, MessageBody="a")
    sqs.send_message(QueueUrl=url, MessageBody="b")
    handles = [m["ReceiptHandle"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]]
    assert len(set(handles)) == 2
    assert all(len(h) == 185 and h.isalpha() and h.islower() for h in handles)


def test_dispatch_answers_as_moto_does_once_memoised():
    emulator.speed_up()
    for handler in (DynamoHandler, SQSResponse, DynamoHandler):
        assert responses.method_names_from_class(handler) == emulator.MOTO["method_names"](handler)
    assert responses.camelcase_to_underscores("GetQueueAttributes") == "get_queue_attributes"
