"""A poison message cannot block its queue, and a redrive brings it back exactly once.

One message makes the ingestion function fail with an unexpected error (a bug, not bad input). It
is reported as a batch-item failure, the rest of its batch and everything after it flows, and after
the queue's maxReceiveCount receives (from template.yaml) SQS moves it to the DLQ. The bug is then
fixed, the message is redriven the way an operator does (receive from the DLQ, send to the source
queue, delete), and it goes through the normal path once: its fact is recorded and it causes one
ScoreEvaluated. Redriving it a second time by mistake changes nothing.
"""

from __future__ import annotations

import json
from collections import Counter

from devstack.template import load_template, translate
from shared.adapters import aws
from shared.rules import engine
from tests.reliability.moto_runs import outbound_of, take_dlq


def ev(partner: str, event_id: str, value: int, day: str = "2023-02-01") -> dict:
    return {"source": "partner.scorefeed", "detail-type": "MetricsReported", "time": f"{day}T09:00:00Z",
            "detail": {"eventId": event_id, "partnerId": partner, "solutionArea": "DATA_AI", "measuredOn": day,
                       "measurements": [{"metric": "netCustomerAdds", "value": value, "association": "CSP_T1"}]}}


def max_receive_count(queue: str) -> int:
    resources = translate(load_template())["Resources"]
    return int(resources[queue]["Properties"]["RedrivePolicy"]["maxReceiveCount"])


def test_poison_message_reaches_the_dlq_and_a_redrive_applies_it_exactly_once(system, report, monkeypatch):
    sqs = aws.client("sqs")
    source, dlq = system.stack.queues["ScoreIngestionQueue"], system.stack.dlq_url("ScoreIngestionQueue")
    take_dlq(system, "ScoreIngestionQueue")
    receives = Counter()
    real = engine.record_fact

    def buggy(state, partner_id, detail_type, detail, *args, **kwargs):
        receives[detail["eventId"]] += 1
        if detail["eventId"] == "poison":
            raise RuntimeError("unexpected: the engine cannot record this fact")
        return real(state, partner_id, detail_type, detail, *args, **kwargs)

    monkeypatch.setattr(engine, "record_fact", buggy)
    batch = [ev("poison-p", "poison", 7)] + [ev(f"poison-ok-{i}", f"ok-{i}", i + 1) for i in range(6)]
    system.send(*batch)  # one PutEvents; the pump drains until the poison message has left the queue
    system.send(ev("poison-ok-late", "ok-late", 3))  # sent after it: not blocked either

    limit = max_receive_count("ScoreIngestionQueue")
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                               VisibilityTimeout=60).get("Messages", [])
    applied_meanwhile = [system.state(f"poison-ok-{i}") is not None for i in range(6)] + \
        [system.state("poison-ok-late") is not None]
    report("Poison message and redrive (moto)",
           what="an unexpected error for one message: batch-item failure, the others flow, the DLQ after "
                "maxReceiveCount receives; after the fix a redrive (receive/send/delete) applies it once, and a "
                "second redrive changes nothing",
           cases=1, lost=0 if len(dead) == 1 else 1, doubled=0,
           notes=f"poison received {receives['poison']} times (maxReceiveCount {limit}), "
                 f"{sum(applied_meanwhile)}/7 other messages applied meanwhile")
    assert receives["poison"] == limit
    assert all(applied_meanwhile)
    assert system.pump.pending() == 0  # nothing stuck behind it
    [message] = dead
    assert "rejectionField" not in (message.get("MessageAttributes") or {})  # moved by the redrive policy
    assert system.state("poison-p") is None
    assert outbound_of(system, "poison-p") == []

    monkeypatch.undo()  # the fix is deployed; the operator redrives: receive (above), send, delete
    sqs.send_message(QueueUrl=source, MessageBody=message["Body"])
    sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
    for attempt in (1, 2):
        if attempt == 2:  # the same message redriven again by mistake
            sqs.send_message(QueueUrl=source, MessageBody=message["Body"])
        system.pump.drain()
        state = system.state("poison-p")
        evaluated = [e["detail"] for e in outbound_of(system, "poison-p") if e["detail-type"] == "ScoreEvaluated"]
        assert state is not None and '"poison"' in json.dumps(state["measurements"])
        assert [e["cause"] for e in evaluated] == ["poison"], evaluated
    assert take_dlq(system, "ScoreIngestionQueue") == []
