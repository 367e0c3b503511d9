"""Item 2: transient faults on the real path (moto), with the real retry paths.

Generated histories are sent in order through the bus while ~10 % of the functions' DynamoDB and
EventBridge calls fail (tests/reliability/faults.py). Failed records are redelivered by SQS
(batch-item failures), the stream is retried from the failed record, the publisher retries failed
entries, a conflicting write is re-read and re-applied; a message that fails three receives goes to
its DLQ, and is redriven the way an operator would (receive, send to its source queue, delete).
Then the faults stop and the outcome is compared with the fault-free run of the same history:
the same partner document, every outbound event id once with the same content (re-deliveries
of an event are allowed: consumers drop them by id), every outbox the table's stream carried
published, and the same rejected inputs.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from botocore.exceptions import ClientError

from functions.score_ingestion import app as ingestion
from shared.adapters import aws
from tests.fakes import LambdaContext, memory_deps, sqs_event
from tests.harness import System
from tests.reliability.conftest import SIZES
from tests.reliability.faults import FaultInjector
from tests.reliability.histories import canonical_events, clean_run, diff, envelope, rich_history
from tests.reliability.moto_runs import WORK_QUEUES, bus_event, outbound_of


def drain_dlqs(system: System, rejected: list[dict[str, Any]]) -> int:
    """Redrive every message the redrive policy dead-lettered (no rejection attributes) back to its
    source queue; keep (and remove) the ones the handlers rejected. Returns the redriven count."""
    sqs = aws.client("sqs")
    moved = 0
    for queue in WORK_QUEUES:
        dlq, source = system.stack.dlq_url(queue), system.stack.queues[queue]
        while True:
            msgs = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get(
                "Messages", [])
            if not msgs:
                break
            for m in msgs:
                if "rejectionField" in (m.get("MessageAttributes") or {}):
                    rejected.append({**m, "queue": queue})
                else:
                    sqs.send_message(QueueUrl=source, MessageBody=m["Body"])
                    moved += 1
                sqs.delete_message(QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"])
    return moved


def stream_outboxes(system: System, partner_id: str) -> list[str]:
    """Event ids of every outbox the table's stream carried for the partner (what must be published)."""
    streams = aws.client("dynamodbstreams")
    arn = system.stack.state_stream_arn
    ids = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            page = streams.get_records(ShardIterator=it, Limit=1000)
            for r in page.get("Records", []):
                image = r["dynamodb"].get("NewImage") or {}
                if image.get("pk", {}).get("S") == f"PARTNER#{partner_id}" and "outbox" in image:
                    ids += [detail["eventId"] for _, detail in json.loads(image["outbox"]["S"])]
            if not page.get("Records"):
                break
            it = page.get("NextShardIterator")
    return ids


def tick(system: System, day: str, faults: Counter) -> None:
    """The scheduled run: Lambda retries a failed asynchronous invocation twice, then the event goes
    to SchedulerDLQ; here a run that still fails is redriven (invoked again) at once."""
    for attempt in range(1, 30):
        try:
            system.pump.tick(day)
            break
        except Exception:  # noqa: BLE001 - an injected fault ended the run; Lambda retries it
            faults["scheduled run failed"] += 1
            if attempt % 3 == 0:
                faults["scheduled run dead-lettered and redriven"] += 1
    system.pump.drain()


def test_transient_faults_lose_nothing_and_apply_nothing_twice(system, report):
    histories = [rich_history(k + 1, f"fault-{k}") for k in range(SIZES.fault_histories)]
    references = {h.partner_id: clean_run(h).outcome(h.partner_id) for h in histories}
    rejected: list[dict[str, Any]] = []
    seen = Counter()
    injector = FaultInjector(system, SIZES.fault_rate, seed=20221003)
    with injector:
        for h in histories:
            for fact in h.facts:
                system.send(bus_event(envelope(fact)))
                seen["redriven"] += drain_dlqs(system, rejected)
            for day in h.ticks:
                tick(system, day, seen)
                seen["redriven"] += drain_dlqs(system, rejected)
        for _ in range(20):  # what was dead-lettered last goes round again, faults still on
            moved = drain_dlqs(system, rejected)
            seen["redriven"] += moved
            system.pump.drain()
            if not moved:
                break
        injector.enabled = False
        system.pump.drain()
        seen["redriven"] += drain_dlqs(system, rejected)
        system.pump.drain()

    problems: list[str] = []
    for h in histories:
        pid, ref = h.partner_id, references[h.partner_id]
        events = outbound_of(system, pid)
        others = [(e["detail-type"], e["detail"]) for e in events if e["detail-type"] != "InputRejected"]
        got = canonical_events(others)
        deliveries = Counter(d["eventId"] for _, d in others)
        state = system.state(pid)
        state_diff = diff(ref.state, state)
        lost = set(ref.events) - set(got)
        extra = set(got) - set(ref.events)
        changed = {k for k in set(got) & set(ref.events) if got[k] != ref.events[k]}
        carried = stream_outboxes(system, pid)
        unpublished = set(carried) - set(got)
        mine = [m for m in rejected if (json.loads(m["Body"]).get("detail") or {}).get("partnerId") == pid]
        dead = sorted((json.loads(m["Body"])["detail"]["eventId"], m["MessageAttributes"]["rejectionField"]["StringValue"])
                      for m in mine)
        input_rejected = sorted({(e["detail"]["originalEventId"], e["detail"]["field"]) for e in events
                                 if e["detail-type"] == "InputRejected"})
        seen.update(cases=1, facts=len(h.facts), lost=len(lost) + len(unpublished - lost),
                    doubled=len(extra) + len(changed) + (1 if state_diff else 0), rejected=len(set(dead)),
                    redelivered=sum(deliveries.values()) - len(deliveries), dlq_copies=len(dead) - len(set(dead)),
                    outboxes=len(carried))
        if state_diff:
            problems.append(f"{pid}: document differs from the fault-free run: {state_diff}")
        if lost or changed or extra or unpublished:
            problems.append(f"{pid}: outbound lost {sorted(lost)}, changed {sorted(changed)}, extra {sorted(extra)}, "
                            f"carried by the stream but never published {sorted(unpublished)}")
        if sorted(set(dead)) != sorted(set(ref.dead)):
            problems.append(f"{pid}: dead-lettered {sorted(set(dead))} != fault-free {sorted(set(ref.dead))}")
        if input_rejected != sorted({(r[0], r[1]) for r in ref.rejected}):
            problems.append(f"{pid}: InputRejected {input_rejected} != fault-free {sorted(set(ref.rejected))}")

    report("Transient faults at 10 % (moto)",
           what=f"generated histories sent in order through the real path while {SIZES.fault_rate:.0%} of the "
                "functions' DynamoDB and EventBridge calls fail (throttling, 5xx before or after the write / "
                "delivery, a concurrent writer's version bump, PutEvents FailedEntryCount > 0); retried by SQS "
                "redelivery, the stream, the publisher and the conflict loop; compared with the fault-free run",
           cases=seen["cases"], lost=seen["lost"], doubled=seen["doubled"], rejected=seen["rejected"],
           notes=[injector.summary(),
                  f"{seen['facts']:,} facts, {sum(injector.invocations.values()):,} function invocations, "
                  f"{sum(injector.failures.values()):,} failed records/batches retried",
                  f"{seen['redriven']} messages dead-lettered after 3 receives and redriven; "
                  f"{seen['scheduled run failed']} scheduled runs failed and were retried",
                  f"{seen['redelivered']} outbound re-deliveries (same id, same content; dropped by consumers); "
                  f"{seen['outboxes']:,} outbox events carried by the stream, all published",
                  f"{seen['dlq_copies']} extra DLQ copies of rejected input (F9 fixed: InputRejected is published "
                  "before the DLQ copy is sent)"])
    assert problems == []
    assert seen["dlq_copies"] == 0  # F9: a retried rejection is dead-lettered once


def test_a_rejection_retried_after_a_failed_announcement_is_dead_lettered_once():
    """Regression of finding F9 faults: reject() dead-lettered the message before publishing
    InputRejected, so a failed PutEvents (throttling, 5xx) left a second DLQ copy on the retry. It
    publishes first now (the id is deterministic, so a re-publication is dropped downstream)."""
    deps, repo, pub, dead = memory_deps()
    failures = {"left": 1}

    class FlakyPublisher:
        def publish(self, entries):
            if failures["left"]:
                failures["left"] -= 1
                raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "injected"}}, "PutEvents")
            pub.publish(entries)

    deps.publisher = FlakyPublisher()
    event = sqs_event("not json")
    first = ingestion.handler(event, LambdaContext(), deps=deps)
    assert first["batchItemFailures"]  # retried, as it should be
    assert ingestion.handler(event, LambdaContext(), deps=deps) == {"batchItemFailures": []}  # SQS redelivery
    assert len(pub.entries) == 1
    assert len(dead) == 1
