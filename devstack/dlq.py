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


def _body_facts(body: str) -> dict[str, str | None]:
    """The detail type, event id and partner id of a dead letter's body (None where it has none)."""
    facts: dict[str, str | None] = {"detailType": None, "eventId": None, "partnerId": None}
    try:
        env = json.loads(body)
    except (ValueError, RecursionError):  # a dead letter is whatever reached the queue
        return facts
    if not isinstance(env, dict):
        return facts
    if "requestPayload" in env:  # a Lambda on-failure destination record
        env = env.get("requestPayload") or {}
    detail = env.get("detail") if isinstance(env.get("detail"), dict) else {}
    for key, value in (("detailType", env.get("detail-type")), ("eventId", detail.get("eventId")),
                       ("partnerId", detail.get("partnerId"))):
        facts[key] = None if value is None else str(value)
    return facts


def dead_letters(stack: Stack) -> list[dict[str, Any]]:
    """Every message of every dead-letter queue, left where it is, with why it is there."""
    _, dlqs, redrive = _queues(stack)
    max_receive = stack.info.get("maxReceiveCount") or {}
    letters = []
    for name, url in dlqs.items():
        with stack.guard("sqs", "receive_message"):
            messages = peek_all(stack.client("sqs"), url)
        for m in messages:
            attrs = {k: v.get("StringValue") for k, v in (m.get("MessageAttributes") or {}).items()}
            source = redrive.get(name)
            if attrs.get("rejectionField") or attrs.get("rejectionReason"):
                why = f"{attrs.get('rejectionField')}: {attrs.get('rejectionReason')}"
            else:
                n = max_receive.get(source) if source else None
                why = f"delivery failed {n} times" if n else "delivery failed"
            letters.append({"queue": name, "sourceQueue": source, "messageId": m["MessageId"], "reason": why,
                            "field": attrs.get("rejectionField"), **_body_facts(m.get("Body", ""))})
    return letters


def dlq_list(stack: Stack, as_json: bool = False) -> int:
    letters = dead_letters(stack)
    if as_json:
        # ensure_ascii: every control character of a message arrives as a JSON escape, never raw.
        print(json.dumps({"messages": letters, "queues": sorted(_queues(stack)[1])}, indent=2, ensure_ascii=True))
        return len(letters)
    for d in letters:
        out(f"{d['queue']}  {d['messageId']}  {d['partnerId'] or '-'}  {d['detailType'] or '-'}  "
            f"{d['eventId'] or '-'}  {d['reason']}")
    if not letters:
        out("no messages in the dead-letter queues (" + ", ".join(_queues(stack)[1]) + ")")
    return len(letters)


def dlq_redrive(stack: Stack, queue: str | None, timeout: float) -> int:
    """Moves the dead letters back; returns how many of them ended in a dead-letter queue again."""
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
    return max(0, again)
