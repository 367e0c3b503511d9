"""partnerctl's dead-letter queue commands: list every message with its reason, redrive to the source."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from devstack.client import Stack, fail
from devstack.render import out
from devstack.restore import message_attributes, peek_all

REJECTION_ATTRIBUTES = ("rejectionField", "rejectionReason", "rejectionCode", "sourceQueue", "originalMessageId")


def _queues(stack: Stack) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    info = stack.info
    return info.get("queues") or {}, info.get("dlqs") or {}, info.get("redrive") or {}


def _body_facts(body: str) -> tuple[str, str]:
    try:
        env = json.loads(body)
    except ValueError:
        return "-", "-"
    if not isinstance(env, dict):
        return "-", "-"
    if "requestPayload" in env:  # a Lambda on-failure destination record
        env = env.get("requestPayload") or {}
    detail = env.get("detail") if isinstance(env.get("detail"), dict) else {}
    return str(env.get("detail-type") or "-"), str(detail.get("eventId") or "-")


def dlq_list(stack: Stack) -> int:
    _, dlqs, redrive = _queues(stack)
    max_receive = stack.info.get("maxReceiveCount") or {}
    total = 0
    for name, url in dlqs.items():
        with stack.guard("sqs", "receive_message"):
            messages = peek_all(stack.client("sqs"), url)
        for m in messages:
            total += 1
            attrs = {k: v.get("StringValue") for k, v in (m.get("MessageAttributes") or {}).items()}
            if attrs.get("rejectionField") or attrs.get("rejectionReason"):
                why = f"{attrs.get('rejectionField')}: {attrs.get('rejectionReason')}"
            else:
                source = redrive.get(name)
                n = max_receive.get(source) if source else None
                why = f"delivery failed {n} times" if n else "delivery failed"
            detail_type, event_id = _body_facts(m.get("Body", ""))
            out(f"{name}  {m['MessageId']}  {why}  {detail_type}  {event_id}")
    if total == 0:
        out("no messages in the dead-letter queues (" + ", ".join(dlqs) + ")")
    return total


def dlq_redrive(stack: Stack, queue: str | None, timeout: float) -> None:
    queues, dlqs, redrive = _queues(stack)
    targets = dict(redrive)  # DLQ -> source queue
    if queue:
        match = [d for d, src in targets.items()
                 if queue in (d, src) or queue in (dlqs.get(d, "").rsplit("/", 1)[-1], queues.get(src, "").rsplit("/", 1)[-1])]
        if not match:
            if queue in dlqs:
                fail(f"{queue} has no source queue to redrive to (no RedrivePolicy names it)", 2)
            fail(f"unknown queue {queue!r}; dead-letter queues with a source: {', '.join(targets)}", 2)
        targets = {d: targets[d] for d in match}
    before = stack.status()
    dead_before = sum(before["deadLetters"].values())
    moved: Counter[str] = Counter()
    for dlq, source in targets.items():
        url, dest = dlqs[dlq], queues[source]
        # Take every message first, then move them: a message rejected again while we move lands
        # in the DLQ as a new message, and must not be moved a second time in this run.
        taken: dict[str, dict[str, Any]] = {}
        for _ in range(10_000):
            batch = stack.aws("sqs", "receive_message", QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=120,
                              WaitTimeSeconds=0, MessageAttributeNames=["All"]).get("Messages", [])
            if not batch:
                break
            for m in batch:
                taken.setdefault(m["MessageId"], m)
        for m in taken.values():
            attrs = message_attributes(m.get("MessageAttributes") or {}, leave_out=REJECTION_ATTRIBUTES)
            kwargs: dict[str, Any] = {"QueueUrl": dest, "MessageBody": m["Body"]}
            if attrs:
                kwargs["MessageAttributes"] = attrs
            stack.aws("sqs", "send_message", **kwargs)
            stack.aws("sqs", "delete_message", QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            moved[f"{dlq} -> {source}"] += 1
    n = sum(moved.values())
    if n:
        after = stack.wait_quiet(timeout, f"the {n} redriven messages")
        again = sum(after["deadLetters"].values()) - (dead_before - n)
    else:
        again = 0
    out(f"redrove {n} message(s)" + (": " + ", ".join(f"{k} {v}" for k, v in moved.items()) if n else ""))
    if n:
        out(f"{again} of them ended in a dead-letter queue again" if again > 0 else "all processed")
