"""The local stack's emulator speed-ups (devstack/emulator.py) give moto's own answers."""

from __future__ import annotations

import copy
import json
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
    assert emulator.visible_messages(q) == emulator.MOTO["messages"].fget(q) and len(q.messages) == 4
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


@pytest.fixture
def bus():
    """A bus with four rules: the template's form of target (the whole event), moto's default
    input (the outbound probe's), a content filter and a rule nothing matches."""
    emulator.speed_up()
    with mock_aws():
        sqs, events = boto3.client("sqs", region_name="us-east-1"), boto3.client("events", region_name="us-east-1")
        events.create_event_bus(Name="b")
        urls = {}
        patterns = {"whole": {"source": ["partner.scores"]},
                    "probe": {"source": ["partner.scores", "partner.designations"]},
                    "filtered": {"detail-type": ["MetricsReported"], "detail": {"partnerId": [{"prefix": "p-1"}]}},
                    "none": {"source": ["elsewhere"]}}
        for name, pattern in patterns.items():
            urls[name] = sqs.create_queue(QueueName=name)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=urls[name], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            events.put_rule(Name=name, EventBusName="b", EventPattern=json.dumps(pattern))
            target = {"Id": "t", "Arn": arn}
            if name != "probe":
                target["InputTransformer"] = {"InputTemplate": "<aws.events.event.json>"}
            events.put_targets(Rule=name, EventBusName="b", Targets=[target])
        yield sqs, events, urls


def _delivered(sqs, urls) -> dict[str, list[dict]]:
    out = {}
    for name, url in urls.items():
        bodies = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for m in messages:
                body = json.loads(m["Body"])
                body.pop("ingestion-time", None)  # moto's clock at delivery
                bodies.append(body)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        out[name] = bodies
    return out


def test_put_events_delivers_what_motos_own_delivers(bus, monkeypatch):
    sqs, events, urls = bus
    entries = [{"Source": "partner.scores", "DetailType": "MetricsReported", "EventBusName": "b",
                "Time": "2026-03-01T00:00:00Z", "Detail": json.dumps({"partnerId": f"p-{i}", "n": [i, {"x": None}]})}
               for i in range(1, 13)]
    entries.append({"Source": "partner.designations", "DetailType": "ScoreEvaluated", "EventBusName": "b",
                    "Time": "2026-03-01T00:00:00Z", "Detail": json.dumps({"partnerId": "p-1"})})
    answers = {}
    deliveries = {}
    for who, put_events in (("ours", emulator.put_events), ("moto", emulator.MOTO["put_events"])):
        monkeypatch.setattr(emulator.events_models.EventsBackend, "put_events", put_events)
        emulator.mock_random.seed(7)
        answers[who] = [events.put_events(Entries=entries[i:i + 10])["Entries"] for i in range(0, len(entries), 10)]
        deliveries[who] = _delivered(sqs, urls)
    assert answers["ours"] == answers["moto"]
    assert deliveries["ours"] == deliveries["moto"]
    assert [len(deliveries["ours"][n]) for n in ("whole", "probe", "filtered", "none")] == [12, 13, 4, 0]


def test_put_events_leaves_refusals_to_moto(bus):
    _, events, _ = bus
    bad = [{"Source": "partner.scores", "DetailType": "MetricsReported", "EventBusName": "b", "Detail": "{not json"},
           {"Source": "partner.scores", "DetailType": "MetricsReported", "EventBusName": "b", "Detail": "{}"}]
    answer = events.put_events(Entries=bad)
    assert answer["FailedEntryCount"] == 1
    assert answer["Entries"][0]["ErrorCode"] == "MalformedDetail" and "EventId" in answer["Entries"][1]


def test_the_whole_event_input_is_the_event_as_moto_makes_it():
    emulator.speed_up()
    event = {"version": "0", "id": "i", "detail-type": "T", "source": "s", "account": "1", "time": 1.5,
             "region": "r", "resources": [], "detail": {"a": "<b>", "c": [1, 2.5, None, True]}, "ingestion-time": 2.0}
    plain = {**event, "detail": {"a": "b", "c": [1, 2.5, None, True, {"é": "\u2028"}]}, "resources": ["arn:x"]}
    assert emulator.default_input(plain) is not None and emulator.default_input(event) is None
    for e in (event, plain, {**plain, "time": 3}, {**plain, "source": 'say "hi"'}, {**plain, "id": "<time>"}):
        for template, paths in (("<aws.events.event.json>", {}), (None, {}), ('{"d": <detail>}', {"detail": "$.detail"})):
            try:
                expected = emulator.MOTO["event_input"](template, paths, e)
            except ValueError:  # moto pastes a value that breaks its template: it fails, and so do we
                with pytest.raises(ValueError):
                    emulator.event_input(template, paths, e)
                continue
            assert emulator.event_input(template, paths, e) == expected


def test_a_delivered_message_is_a_copy_as_motos_deepcopy_makes_it(queue):
    sqs, url, backend = queue
    sqs.send_message(QueueUrl=url, MessageBody="m", MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
    stored = backend.get_queue("q")._messages[0]  # noqa: SLF001
    ours, theirs = emulator.received_copy(stored), copy.deepcopy(stored)
    assert type(ours) is type(theirs) and vars(ours) == vars(theirs)
    ours.message_attributes["k"]["StringValue"] = "changed"
    ours._old_receipt_handles.append("x")  # noqa: SLF001
    assert stored.message_attributes["k"]["StringValue"] == "v" and stored._old_receipt_handles == []  # noqa: SLF001
    assert emulator.received_copy({1, 2}) == {1, 2}
