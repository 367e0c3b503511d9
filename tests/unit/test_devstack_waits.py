"""The local stack's event-driven waits: PartnerWork's long poll and `wait_done`, and the queue depths
the control endpoints read from the in-process emulator."""

from __future__ import annotations

import json
import threading
import time

from moto import mock_aws

from devstack.control import Controls
from devstack.depths import QueueDepths
from devstack.partnerwork import PartnerWork
from shared.adapters import aws

ROUTES = {"AttainmentQueue": [{"source": ["partner.designations"], "detail-type": ["ScoreEvaluated"]}]}
SOURCE = "partner.designations"


def later(seconds: float, action) -> threading.Thread:
    t = threading.Thread(target=lambda: (time.sleep(seconds), action()), daemon=True)
    t.start()
    return t


def outbox_image(partner: str, *events: tuple[str, str]) -> dict:
    return {"pk": {"S": f"PARTNER#{partner}"},
            "outbox": {"S": json.dumps([[kind, {"eventId": eid, "partnerId": partner}] for kind, eid in events])}}


def test_wait_done_waits_for_the_stream_past_the_write_and_for_the_published_work():
    work = PartnerWork(ROUTES, SOURCE)
    work.begin({"p1"})
    work.end({"p1"}, seq=5, finished=[("env-1", "p1", "e1", "ok")], queue="ScoreIngestionQueue")
    assert not work.wait_done(5, timeout=0.05)  # p1 written at seq 5, the stream not read past it
    work.caught_up(4)  # a poll that started before the write
    assert not work.wait_done(5, timeout=0.05)
    work.published(outbox_image("p1", ("ScoreEvaluated", "se-1")))  # the publisher sends to a work queue
    work.caught_up(5)
    assert not work.wait_done(5, timeout=0.05)  # ... whose function has not consumed it yet
    later(0.1, lambda: work.end(set(), 6, [("env-2", "p1", "se-1", "ok")], "AttainmentQueue"))
    started = time.monotonic()
    assert work.wait_done(5, timeout=5)
    assert time.monotonic() - started < 2  # woken by the change, not by the timeout


def test_progress_long_poll_answers_on_consumption_and_on_the_partners_going_idle():
    work = PartnerWork(ROUTES, SOURCE)
    started = time.monotonic()
    assert work.progress(0, wait=0.1)["consumed"] == []  # nothing happened: answered after `wait`
    assert time.monotonic() - started >= 0.09

    work.begin({"p1"})
    later(0.1, lambda: work.end({"p1"}, 1, [("env-1", "p1", "e1", "ok")], "ScoreIngestionQueue"))
    started = time.monotonic()
    answer = work.progress(0, wait=5)
    assert answer["consumed"] == [["env-1", "ok"]] and answer["busyPartners"] == ["p1"]
    assert time.monotonic() - started < 2

    later(0.1, lambda: work.caught_up(1))
    started = time.monotonic()
    answer = work.progress(answer["next"], wait=5, partners={"p1"})
    assert answer["busyPartners"] == [] and time.monotonic() - started < 2


def test_an_idle_stream_poll_wakes_no_waiter():
    work = PartnerWork(ROUTES, SOURCE)
    work.caught_up(3)
    version = work.progress(0)["version"]
    work.caught_up(3)  # the same seq again: nothing changed
    assert work.progress(0)["version"] == version
    work.caught_up(4)
    assert work.progress(0)["version"] != version


def test_in_process_depths_equal_what_get_queue_attributes_answers():
    with mock_aws():
        aws.reset()
        sqs = aws.client("sqs")
        url = sqs.create_queue(QueueName="depths")["QueueUrl"]
        for i in range(5):
            sqs.send_message(QueueUrl=url, MessageBody=str(i))
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=60)  # two in flight
        in_process, api = QueueDepths(in_process=True), QueueDepths(in_process=False)
        assert in_process._queue(url) is not None  # read from the emulator, not asked
        assert in_process.depth(url) == api.depth(url) == 5
        assert in_process.depths({"q": url}) == {"q": 5}
        unknown = url.rsplit("/", 1)[0] + "/no-such-queue"
        assert in_process._queue(unknown) is None  # not in the emulator's queues: the API is asked

        before = in_process.contents({"q": url})
        assert len(before["q"]) == 5  # in-flight messages included
        assert in_process.contents({"q": url}) == before  # reading changes nothing
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=60)["Messages"][0]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=got["ReceiptHandle"])
        sqs.send_message(QueueUrl=url, MessageBody="replacement")  # same depth, other content
        assert in_process.depth(url) == 5 and in_process.contents({"q": url}) != before
        assert in_process.contents({"q": unknown}) is None and api.contents({"q": url}) is None
    aws.reset()


def test_put_events_for_partnerctl_is_the_buses_put_events_and_names_a_bad_field():
    with mock_aws():
        aws.reset()
        events, sqs = aws.client("events"), aws.client("sqs")
        events.create_event_bus(Name="bus")
        url = sqs.create_queue(QueueName="target")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="r", EventBusName="bus", EventPattern=json.dumps({"source": ["partner.scorefeed"]}))
        events.put_targets(Rule="r", EventBusName="bus", Targets=[{"Id": "t", "Arn": arn}])
        control = Controls()
        entry = {"Source": "partner.scorefeed", "DetailType": "MetricsReported", "Detail": '{"partnerId": "p1"}',
                 "EventBusName": "bus", "Time": "2023-02-15T06:00:00+00:00"}
        status, answer = control.put_events(json.dumps({"Entries": [entry]}).encode())
        assert status == 200 and answer["FailedEntryCount"] == 0 and answer["Entries"][0]["EventId"]
        [message] = sqs.receive_message(QueueUrl=url)["Messages"]
        envelope = json.loads(message["Body"])
        assert envelope["id"] == answer["Entries"][0]["EventId"] and envelope["time"].startswith("2023-02-15T06:00:00")
        for bad in (None, {}, {"Entries": []}, {"Entries": [entry] * 11}, {"Entries": ["x"]}, {"Entries": [{"Time": []}]}):
            status, answer = control.put_events(json.dumps(bad).encode())
            assert status == 400 and answer["field"] == "Entries", (bad, answer)
        assert control.put_events(b"{not json")[1]["field"] == "body"


def test_progress_query_names_the_bad_field_and_bounds_the_wait():
    control = Controls()
    control.work, control.outbound, control.outbound_lock = PartnerWork(ROUTES, SOURCE), [], threading.Condition()
    for field in ("since", "version", "wait"):
        status, answer = control.progress_query({field: "x"})
        assert status == 400 and answer["field"] == field
    started = time.monotonic()
    status, answer = control.progress_query({"since": "0", "wait": "nan"})  # not a wait: answered at once
    assert status == 200 and answer["consumed"] == [] and time.monotonic() - started < 1
    status, answer = control.progress_query({"since": "0", "wait": "0.05", "partners": ""})  # none busy: at once
    assert status == 200 and time.monotonic() - started < 1
    aws.reset()
