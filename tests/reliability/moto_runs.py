"""Replaying histories through the real path on moto (tests.harness.System): EventBridge rules,
SQS queues with their redrive policies, the handlers, the table's stream and the outbox publisher."""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

from shared.adapters import aws
from tests.harness import System
from tests.reliability.histories import History, Outcome, canonical_events, envelope

WORK_QUEUES = ("ScoreIngestionQueue", "AttainmentQueue", "RenewalQueue")


def bus_event(e: dict[str, Any]) -> dict[str, Any]:
    return {"source": e["source"], "detail-type": e["detail-type"], "detail": e["detail"], "time": e["time"]}


def send_clean(system: System, history: History) -> int:
    """Each fact once, in order, each drained (with what it causes) before the next; then ticks."""
    for fact in history.facts:
        system.send(bus_event(envelope(fact)))
    for day in history.ticks:
        system.tick(day)
    return len(history.facts)


def send_duplicates(system: System, history: History, rnd: random.Random) -> int:
    """After a clean run: every fact again 0-2 more times, in a random order, and copies of the
    ScoreEvaluated the partner got straight onto the attainment queue (SQS and EventBridge are
    at-least-once). Returns the deliveries made."""
    copies = [bus_event(envelope(f)) for f in history.facts for _ in range(rnd.randint(0, 2))]
    rnd.shuffle(copies)
    for i in range(0, len(copies), 7):
        system.send(*copies[i:i + 7])
    evaluated = [e for e in outbound_of(system, history.partner_id) if e["detail-type"] == "ScoreEvaluated"]
    again = [e for e in evaluated for _ in range(rnd.randint(0, 2))]
    rnd.shuffle(again)
    sqs = aws.client("sqs")
    url = system.stack.queues["AttainmentQueue"]
    for i in range(0, len(again), 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": json.dumps(e)}
                                                      for n, e in enumerate(again[i:i + 10])])
    system.pump.drain()
    for day in history.ticks:
        system.tick(day)
    return len(copies) + len(again)


def send_shuffled(system: System, history: History, rnd: random.Random) -> int:
    """Every fact 1-3 times, all in a random order, in PutEvents calls of 1-10 entries with the
    queues drained at random points in between; then the ticks."""
    pool = [bus_event(envelope(f)) for f in history.facts for _ in range(rnd.randint(1, 3))]
    rnd.shuffle(pool)
    sent = len(pool)
    while pool:
        n = rnd.randint(1, 10)
        chunk = pool[:n]
        del pool[:n]
        system.send(*chunk)
    for day in history.ticks:
        system.tick(day)
    return sent


def outbound_of(system: System, partner_id: str) -> list[dict[str, Any]]:
    return [e for e in system.collect() if (e.get("detail") or {}).get("partnerId") == partner_id]


def take_dlq(system: System, queue: str) -> list[dict[str, Any]]:
    """Every message on a queue's dead-letter queue, removed from it."""
    sqs = aws.client("sqs")
    url = system.stack.dlq_url(queue)
    out = []
    while True:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                   AttributeNames=["All"]).get("Messages", [])
        if not msgs:
            return out
        out += msgs
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for i, m in enumerate(msgs)])


def moto_outcome(system: System, partner_id: str, dead: list[dict[str, Any]] | None = None) -> tuple[Outcome, Counter]:
    """The partner's outcome on moto, comparable with `MemorySystem.outcome`, and how often each
    outbound event id was delivered."""
    events = outbound_of(system, partner_id)
    rejected = [e["detail"] for e in events if e["detail-type"] == "InputRejected"]
    others = [(e["detail-type"], e["detail"]) for e in events if e["detail-type"] != "InputRejected"]
    deliveries = Counter(d["eventId"] for _, d in others)
    dead_pairs = []
    for m in dead or []:
        try:
            body = json.loads(m["Body"])
            eid = body["detail"]["eventId"] if body["detail"]["partnerId"] == partner_id else None
        except (ValueError, KeyError, TypeError):
            eid = None
        if eid is not None:
            dead_pairs.append((eid, (m.get("MessageAttributes") or {}).get("rejectionField", {}).get("StringValue", "?")))
    outcome = Outcome(system.state(partner_id), canonical_events(others),
                      sorted((r["originalEventId"], r["field"], r["reason"], r["queue"]) for r in rejected),
                      len({r["eventId"] for r in rejected}), sorted(dead_pairs), len(events))
    return outcome, deliveries
