"""Between the emulator and the state file: peek at a queue without consuming it, copy dead letters
into the file, and write everything back into a freshly deployed stack."""

from __future__ import annotations

import time
from typing import Any

from devstack.localstate import LocalState
from shared.adapters.repository import shard_of

MESSAGE_ATTRIBUTE_FIELDS = ("StringValue", "BinaryValue", "DataType")


def rekeyed(item: dict[str, Any], shards: int) -> dict[str, Any]:
    """A partner item with its DueIndex partition key for `shards` shards."""
    if "gsi1pk" not in item or not item["pk"]["S"].startswith("PARTNER#"):
        return item
    partner_id = item["pk"]["S"].removeprefix("PARTNER#")
    return {**item, "gsi1pk": {"S": f"DUE#{shard_of(partner_id, shards)}"}}


def peek_all(sqs: Any, url: str, max_rounds: int = 1000) -> list[dict[str, Any]]:
    """Every message of a queue, left in it: received with a visibility timeout, then made visible."""
    seen: dict[str, dict[str, Any]] = {}
    handles = []
    for _ in range(max_rounds):
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60, WaitTimeSeconds=0,
                                    AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
        if not batch:
            break
        for m in batch:
            seen.setdefault(m["MessageId"], m)
            handles.append(m["ReceiptHandle"])
    for start in range(0, len(handles), 10):
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0} for i, h in enumerate(handles[start:start + 10])])
    return list(seen.values())


def message_attributes(attributes: dict[str, Any], leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    """Message attributes as received -> as SendMessage takes them."""
    return {k: {f: v[f] for f in MESSAGE_ATTRIBUTE_FIELDS if f in v} for k, v in attributes.items() if k not in leave_out}


def save_dead_letters(state: LocalState, sqs: Any, dlqs: dict[str, str]) -> int:
    """Copy the content of every dead-letter queue ({name: url}) into the state file."""
    total = 0
    for name, url in dlqs.items():
        messages = peek_all(sqs, url)
        state.replace_dead_letters(name, messages)
        total += len(messages)
    return total


def restore(state: LocalState, ddb: Any, sqs: Any, table: str, dlqs: dict[str, str], shards: int,
            max_rounds: int = 100) -> dict[str, Any]:
    """Write the stored items into `table` and the stored dead letters into their queues. Each
    item's DueIndex key is made again for the deployed `shards` (the file may come from a stack
    deployed with another DueShards: a key of a shard the run no longer queries would hide it)."""
    started = time.monotonic()
    items = [rekeyed(i, shards) for i in state.items()]
    for start in range(0, len(items), 25):
        requests: dict[str, Any] = {table: [{"PutRequest": {"Item": i}} for i in items[start:start + 25]]}
        for _ in range(max_rounds):
            unprocessed = ddb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
            if not unprocessed:
                break
            requests = unprocessed
        else:
            raise RuntimeError(f"restore: DynamoDB left items unprocessed after {max_rounds} attempts")
    dead = 0
    stored = state.dead_letters()
    for name, messages in stored.items():
        if name not in dlqs:
            continue
        for start in range(0, len(messages), 10):
            entries = []
            for i, m in enumerate(messages[start:start + 10]):
                entry: dict[str, Any] = {"Id": str(i), "MessageBody": m["Body"]}
                if m["MessageAttributes"]:
                    entry["MessageAttributes"] = message_attributes(m["MessageAttributes"])
                entries.append(entry)
            sqs.send_message_batch(QueueUrl=dlqs[name], Entries=entries)
            dead += len(entries)
    # The re-sent messages have new ids: the file holds what the queues hold now.
    for name, url in dlqs.items():
        if name in stored:
            state.replace_dead_letters(name, peek_all(sqs, url))
    partners = sum(1 for i in items if i["pk"]["S"].startswith("PARTNER#"))
    return {"partners": partners, "items": len(items), "deadLetters": dead,
            "seconds": round(time.monotonic() - started, 2)}
