"""What every SQS-fed function shares: configuration, the partial-batch loop, optimistic retries,
and the bad-input path (dead-letter queue with the reason + an `InputRejected` event).

Handlers stay thin: they parse, call the pure core, and hand the result to `apply`.

The partner API and the outbox publisher import this module too, and neither processes an SQS
batch nor validates an outbound event: Powertools' batch utility and the outbound models (pydantic)
are `LazyModule`s here (shared/lazy.py). The SQS consumers import both at their own import time
(`shared.startup.sqs`; the models' registry), which is what every one of their invocations uses.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from shared.adapters import aws
from shared.adapters.publisher import EventBridgePublisher, Publisher
from shared.adapters.repository import ConflictError, DynamoPartnerRepository, PartnerRepository, Record
from shared.lazy import LazyModule
from shared.models.errors import InputError
from shared.models.parsing import describe_input
from shared.rules import engine
from shared.rules.change import Event, event_id
from shared.rules.errors import NotYet, RuleRejected

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

batch = LazyModule("aws_lambda_powertools.utilities.batch")
sqs_event = LazyModule("aws_lambda_powertools.utilities.data_classes.sqs_event")
outbound = LazyModule("shared.models.outbound")
logger = Logger()
metrics = Metrics()
CONFLICT_RETRIES = 5
MAX_RECEIVES = 3  # the queues' maxReceiveCount in template.yaml (a test keeps them equal)


class Env(NamedTuple):
    table: str
    bus: str
    dlq_url: str
    shards: int
    idempotency_table: str

    @classmethod
    def load(cls, e: Mapping[str, str] | None = None) -> Env:
        e = os.environ if e is None else e
        return cls(e.get("STATE_TABLE", ""), e.get("EVENT_BUS_NAME", "partner-program"), e.get("DLQ_URL", ""),
                   int(e.get("DUE_SHARDS", "16")), e.get("IDEMPOTENCY_TABLE", ""))


@dataclass
class Deps:
    """Injectable dependencies (tests pass in-memory twins)."""

    repo: PartnerRepository
    publisher: Publisher
    env: Env
    dead_letter: Callable[[str, dict[str, str]], None]

    @classmethod
    def from_env(cls, mapping: Mapping[str, str] | None = None) -> Deps:
        env = Env.load(mapping)

        def send(body: str, attributes: dict[str, str]) -> None:
            aws.client("sqs").send_message(
                QueueUrl=env.dlq_url, MessageBody=body,
                MessageAttributes={k: {"DataType": "String", "StringValue": v[:1024]} for k, v in attributes.items()})

        return cls(DynamoPartnerRepository(env.table, env.shards), EventBridgePublisher(), env, send)


def freeze_imports() -> None:
    """Called by each handler module as its last statement, after `shared.startup` paused the
    collector at its first: the objects its imports created (modules, classes, pydantic validators,
    the rulebooks) live as long as the process, so they are moved to the permanent generation
    (`gc.freeze`, never scanned again) and collection resumes. Nothing is skipped or deferred: at
    that point the imports have left next to no garbage, and every later collection (during the
    first client's creation, in every invocation) has those objects no more to traverse."""
    gc.freeze()
    gc.enable()


def hashed(value: str) -> str:
    """Person ids and other identifiers in logs: a short one-way digest, never the clear value."""
    return hashlib.sha256(value.encode()).hexdigest()[:12]


Change = Callable[[dict[str, Any] | None], tuple[dict[str, Any], list[Event]]]  # a pure change of a document


class Work(NamedTuple):
    """What one SQS record asks of a partner's document: a pure change, applied by `apply` or, with
    the batch's other records of the same partner (and person), by `apply_together`."""

    partner: str
    change: Change
    links: Callable[[dict[str, Any]], list[str]] | None = None
    person: str | None = None  # the certified person a skilling fact is about
    after: Callable[[], None] | None = None  # once the change is stored (or found already stored)
    keys: Mapping[str, str] = {}  # the record's log keys  # noqa: RUF012 - never mutated


def apply(deps: Deps, partner_id: str, change: Change, links: Callable[[dict[str, Any]], list[str]] | None = None,
          first: Record | None = None, person: str | None = None) -> list[Event]:
    """Read the partner (or use `first`, already read), apply a pure change, write it back
    conditionally with its outbox. A change that alters nothing writes nothing (duplicates cost one
    read). On a concurrent write the whole read-apply-write is repeated. `person`: the certified
    person a skilling fact is about (a large partner's read loads that person only)."""
    for _ in range(CONFLICT_RETRIES):
        record: Record = (first if first is not None else deps.repo.get(partner_id, person) if person
                          else deps.repo.get(partner_id))
        first = None
        new, events = change(record.state)
        if new == record.state and not events:
            return []
        if _written(deps, partner_id, record, new, events, outbox_of(deps, events), links(new) if links else []):
            return events
    raise ConflictError(partner_id)


def apply_together(deps: Deps, works: list[Work]) -> list[BaseException | None]:
    """The changes of several records of one partner (and person) in one read-apply-write: each
    change folds over the document the previous one left, and one conditional write stores them all
    with every event they announce. Returns each record's error (None: applied). A change that
    raises leaves the document as it was and fails alone. If the store refuses the combined write
    (anything but a concurrent write), each record is applied on its own, so a record the store
    refuses fails alone too."""
    partner_id, person = works[0].partner, works[0].person
    for _ in range(CONFLICT_RETRIES):
        record = deps.repo.get(partner_id, person) if person else deps.repo.get(partner_id)
        state, events, outbox, errors = record.state, [], [], []
        for work in works:
            try:
                new, announced = work.change(state)
                entries = outbox_of(deps, announced)
            except Exception as error:  # noqa: BLE001 - this record's outcome; the others go on
                errors.append(error)
                continue
            state, events, outbox = new, events + announced, outbox + entries
            errors.append(None)
        if state == record.state and not events:
            return errors
        links = [link for work in works if work.links for link in work.links(state)]
        try:
            if _written(deps, partner_id, record, state, events, outbox, links):
                return errors
        except Exception:  # noqa: BLE001 - the store refused the combined write: one record at a time
            logger.warning("combined write refused; applying the records one by one",
                           extra={"records": len(works)})
            return [_alone(deps, work) for work in works]
    raise ConflictError(partner_id)


def outbox_of(deps: Deps, events: list[Event]) -> list[list[Any]]:
    """The outbox entries of announced events, each validated before the write: a bad one fails its
    record (retried / dead-lettered) instead of poisoning the stream after the state is stored."""
    return [[kind, json.loads(outbound.to_entry(kind, detail, deps.env.bus)["Detail"])] for kind, detail in events]


def _written(deps: Deps, partner_id: str, record: Record, new: dict[str, Any], events: list[Event],
             outbox: list[list[Any]], links: list[str]) -> bool:
    """Write conditionally with the outbox; False on a concurrent write."""
    try:
        deps.repo.put(partner_id, new, record.version, outbox, engine.next_due(new), links)
    except ConflictError:
        metrics.add_metric(name="WriteConflicts", unit=MetricUnit.Count, value=1)
        return False
    for kind, _ in events:
        metrics.add_metric(name=kind, unit=MetricUnit.Count, value=1)
    return True


def _alone(deps: Deps, work: Work) -> BaseException | None:
    try:
        apply(deps, work.partner, work.change, work.links, person=work.person)
    except Exception as error:  # noqa: BLE001 - this record's outcome
        return error
    return None


def sent_on(record: SQSRecord) -> str:
    ts = record.attributes.sent_timestamp
    return (datetime.fromtimestamp(int(ts) / 1000, UTC) if ts else datetime.now(UTC)).date().isoformat()


def event_day(envelope_time: str | None, fallback: str) -> str:
    """The business date of an event: the day of its EventBridge `time` (replays keep it)."""
    if envelope_time:
        try:
            return datetime.fromisoformat(envelope_time.replace("Z", "+00:00")).date().isoformat()
        except ValueError:
            pass
    return fallback


def reject(deps: Deps, record: SQSRecord, error: InputError | RuleRejected, queue: str) -> None:
    """Bad input is never lost and never blocks its batch: the message goes to the queue's DLQ with
    the reason attached, and an `InputRejected` event says so. Both are retried with the record:
    the event first (its id is derived from the body, so a re-publication is dropped downstream),
    then the DLQ copy, so a failed publication never leaves a second copy in the DLQ."""
    reason = error.message
    who = describe_input(record.body)
    attributes = {"rejectionField": error.field, "rejectionReason": reason, "sourceQueue": queue,
                  "originalMessageId": record.message_id}
    if isinstance(error, RuleRejected):
        attributes["rejectionCode"] = error.reason
    # One id per bad event, however often it is delivered (derived from the body, not the message).
    rid = event_id("InputRejected", queue, hashlib.sha256(record.body.encode("utf-8", "replace")).hexdigest(), error.field)
    detail = {"eventId": rid, "partnerId": _safe(who["partnerId"], 64), "effectiveOn": sent_on(record),
              "field": _safe(error.field, 256) or "body", "reason": _safe(reason, 2000) or "invalid",
              "source": _safe(who["source"], 256), "detailType": _safe(who["detailType"], 256),
              "originalEventId": _safe(who["originalEventId"], 256), "queue": queue}
    deps.publisher.publish([outbound.to_entry("InputRejected", detail, deps.env.bus)])
    deps.dead_letter(record.body, attributes)
    metrics.add_metric(name="InputRejected", unit=MetricUnit.Count, value=1)
    logger.warning("input rejected", extra={"field": error.field, "reason": reason, "messageId": record.message_id,
                                            "detailType": who["detailType"]})


def _safe(value: str | None, limit: int) -> str | None:
    """Text from a rejected message, made fit for the InputRejected event (valid UTF-8, bounded)."""
    if value is None:
        return None
    text = value.encode("utf-8", "replace").decode("utf-8")[:limit]
    return text or None


RECORD_KEYS = ("eventId", "partner", "detailType")


def sqs_batch(event: dict[str, Any], context: Any, queue: str, deps: Deps,
              plan: Callable[[SQSRecord, Deps], Work]) -> dict[str, Any]:
    """Process an SQS batch and report only the records that must be retried.

    Each record is parsed into its `Work` first; then the records of one partner (and person) are
    applied in one read-apply-write, in the order they came (a feed sends a partner's facts
    together: ten of them cost one read and one write instead of ten of each). A record's outcome is
    its own: bad input is rejected, a change the rules refuse fails alone."""
    records = [sqs_event.SQSRecord(r) for r in event.get("Records") or []]
    outcome: dict[str, BaseException | None] = {}
    keys: dict[str, Mapping[str, str]] = {}
    groups: dict[tuple[str, str | None], list[tuple[SQSRecord, Work]]] = {}
    for record in records:
        try:
            work = plan(record, deps)
        except Exception as error:  # noqa: BLE001 - settled below, with the record's own outcome
            outcome[record.message_id] = error
            continue
        keys[record.message_id] = work.keys
        groups.setdefault((work.partner, work.person), []).append((record, work))
    for items in groups.values():
        works = [work for _, work in items]
        try:
            errors = [_alone(deps, works[0])] if len(works) == 1 else apply_together(deps, works)
        except Exception as error:  # noqa: BLE001 - e.g. the read failed: every record of the partner is retried
            errors = [error] * len(works)
        for (record, work), error in zip(items, errors, strict=True):
            outcome[record.message_id] = error
            if error is None and work.after is not None:
                logger.append_keys(**work.keys)
                work.after()

    def record_handler(record: SQSRecord) -> None:
        logger.remove_keys(list(RECORD_KEYS))  # keys of the previous record never leak into this one
        logger.append_keys(**keys.get(record.message_id, {}))
        error = outcome.get(record.message_id)
        if error is None:
            return
        if isinstance(error, NotYet) and receive_count(record) < MAX_RECEIVES:
            raise error  # a batch-item failure: SQS delivers it again after the visibility timeout
        if isinstance(error, (InputError, RuleRejected)):
            reject(deps, record, error, queue)  # (a NotYet on its last receive: dead-lettered with its reason)
            return
        raise error

    processor = batch.BatchProcessor(event_type=batch.EventType.SQS, raise_on_entire_batch_failure=False)
    return batch.process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                          context=context)


def receive_count(record: SQSRecord) -> int:
    try:
        return int(record.attributes.approximate_receive_count or 1)
    except ValueError:
        return 1


def body_json(record: SQSRecord) -> dict[str, Any]:
    return json.loads(record.body)
