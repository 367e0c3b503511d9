"""AWS requests per operation, counted against the whole system on moto (deterministic).

Everything runs in `tests.harness.local_system()` (resources built from template.yaml, the real
handlers delivered to by `devstack.pump`). For each operation the documents it needs are stored
first through the normal adapter (`DynamoPartnerRepository.put`), the system is drained, the events
are put on the bus; then, inside a counting window, ONE delivery of the batch to its function and
ONE delivery of the resulting stream records to the outbox publisher. What the function and the
publisher request in that window is the operation's cost; the publisher's PutEvents divided by the
events of the batch is each event's share. Anything downstream (e.g. the attainment function
consuming the ScoreEvaluated just published) is its own operation, measured on its own.

Only what a handler issues is counted; the pollers' ReceiveMessage / DeleteMessageBatch /
GetRecords are the Lambda service's event source mappings on AWS (see docs/scale.md for their cost).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import workload
from bench.counting import RequestCounter, Tally, instrument_pump
from bench.report import Row

ROOT = Path(__file__).resolve().parents[1]
PUBLISHER = "OutboxPublisherFunction"
FUNCTION_OF_QUEUE = {"ScoreIngestionQueue": "ScoreIngestionFunction", "AttainmentQueue": "DesignationAttainmentFunction",
                     "RenewalQueue": "AnniversaryRenewalFunction"}
ANNIVERSARY_DAY = "2024-06-15"


@dataclass
class Op:
    """The requests of one operation over `events` events (or one call)."""

    name: str
    events: int
    function: Tally = field(default_factory=Tally)  # the handler of the operation
    publisher: Tally = field(default_factory=Tally)  # the outbox publisher, fed by its writes
    entries: int = 0  # outbound events its writes carried (the publisher's entries)
    extra: dict[str, Any] = field(default_factory=dict)

    def per_event(self, service: str, *operations: str, who: str = "function") -> float:
        tally = self.function if who == "function" else self.publisher
        return sum(tally.get(service, o) for o in operations) / self.events

    @property
    def reads(self) -> float:
        return self.function.reads / self.events

    @property
    def writes(self) -> float:
        return self.function.writes / self.events

    @property
    def put_events(self) -> float:
        """PutEvents per event: the publisher's share plus any the handler sent itself (InputRejected)."""
        return (self.publisher.get("events", "PutEvents") + self.function.get("events", "PutEvents")) / self.events

    @property
    def sqs_sends(self) -> float:
        return (self.function.get("sqs", "SendMessage") + self.function.get("sqs", "SendMessageBatch")) / self.events

    @property
    def total(self) -> float:
        return (self.function.total + self.publisher.total) / self.events

    def breakdown(self) -> str:
        parts = []
        for (_service, operation), n in sorted((self.function + self.publisher).calls.items()):
            parts.append(f"{operation} {n / self.events:g}")
        return " + ".join(parts) if parts else "none"


# --- the system ------------------------------------------------------------------------------------

@contextmanager
def counted_system() -> Iterator[tuple[Any, RequestCounter]]:
    """`local_system()` with every handler's requests counted (by function logical id)."""
    from functions.anniversary_renewal import app as anniversary
    from tests.harness import local_system

    counter = RequestCounter().install()
    anniversary.idempotent_run.cache_clear()  # its persistence layer's client must be created (counted) here
    try:
        with local_system() as system:
            instrument_pump(system.pump, counter)
            # the test probe rule (every outbound event to a queue) is harness, not system: drop it so
            # its queue does not fill up
            events = _aws("events")
            events.remove_targets(Rule="outbound-probe", EventBusName=system.stack.bus_name, Ids=["probe"])
            events.delete_rule(Name="outbound-probe", EventBusName=system.stack.bus_name)
            yield system, counter
    finally:
        anniversary.idempotent_run.cache_clear()
        counter.uninstall()


def _aws(service: str) -> Any:
    from shared.adapters import aws

    return aws.client(service)


def repository(system: Any) -> Any:
    from shared.adapters.repository import DynamoPartnerRepository

    env = system.stack.functions["ScoreIngestionFunction"]["environment"]
    return DynamoPartnerRepository(system.stack.state_table, int(env.get("DUE_SHARDS", "16")))


def store(system: Any, docs: dict[str, dict[str, Any] | None]) -> None:
    """Store documents through the normal adapter (no outbox: nothing to publish), then drain."""
    from shared.rules import engine

    repo = repository(system)
    for pid, state in docs.items():
        if state is not None:
            repo.put(pid, state, 0, [], engine.next_due(state))
    system.pump.drain()


def put_on_bus(system: Any, events: list[dict[str, Any]]) -> None:
    """As a Python feed sends them: `Time` as a datetime (botocore parses a text time twice per entry)."""
    entries = [{"Source": e["source"], "DetailType": e["detail-type"], "Detail": json.dumps(e["detail"]),
                "EventBusName": system.stack.bus_name,
                "Time": datetime.fromisoformat(e["time"].replace("Z", "+00:00"))} for e in events]
    for i in range(0, len(entries), 10):
        assert _aws("events").put_events(Entries=entries[i:i + 10])["FailedEntryCount"] == 0


def deliver_batch(system: Any, counter: RequestCounter, queue: str, expected: int) -> tuple[dict[str, Tally], int]:
    """One delivery of the queue's batch to its function, then of the stream to the publisher."""
    received = 0
    with counter.window() as window:
        while received < expected:
            n = system.pump.poll_queue(queue)
            if n == 0:
                break
            received += n
        system.pump.poll_stream()
    return window, received


def run_case(system: Any, counter: RequestCounter, case: workload.Case, name: str | None = None,
             events: list[dict[str, Any]] | None = None) -> Op:
    events = case.events if events is None else events
    put_on_bus(system, events)
    window, received = deliver_batch(system, counter, case.queue, len(events))
    if received != len(events):
        raise RuntimeError(f"{case.detail_type}: {received} of {len(events)} events reached {case.queue}")
    op = Op(name or case.detail_type, len(events), window.get(FUNCTION_OF_QUEUE[case.queue], Tally()),
            window.get(PUBLISHER, Tally()))
    op.entries = op.publisher.entries
    system.pump.drain()  # whatever follows downstream, not counted here
    return op


# --- operations -------------------------------------------------------------------------------------

def inbound_ops(system: Any, counter: RequestCounter, types: tuple[str, ...] = workload.INBOUND_TYPES,
                batch: int = 10, duplicates: bool = True) -> tuple[list[Op], list[Op]]:
    """Each inbound event type in a batch of `batch` partners, and the same batch replayed."""
    ops, dups = [], []
    for detail_type in types:
        pids = [f"{detail_type.lower()}-{i:02d}" for i in range(batch)]
        case = workload.inbound_case(detail_type, pids)
        store(system, case.docs)
        ops.append(run_case(system, counter, case))
        if duplicates:
            dups.append(run_case(system, counter, case, name=f"replayed {detail_type}"))
    return ops, dups


def refresh_op(system: Any, counter: RequestCounter) -> Op:
    """One partner's monthly score refresh (10 MetricsReported, as a feed sends them) in one batch:
    one read-apply-write for the partner (shared/runtime.py `sqs_batch`)."""
    pid = "refresh-partner"
    events = workload.monthly_refresh([pid], 10)
    case = workload.Case("MetricsReported", workload.queue_of("MetricsReported"), {pid: workload.doc("six-areas", pid)},
                         events)
    store(system, case.docs)
    return run_case(system, counter, case, name="a partner's monthly refresh (10 MetricsReported)")


def rejected_op(system: Any, counter: RequestCounter, batch: int = 10) -> Op:
    pids = [f"rejected-{i:02d}" for i in range(batch)]
    case = workload.inbound_case("MetricsReported", pids)
    return run_case(system, counter, case, name="malformed MetricsReported (rejected)", events=workload.malformed(case.events))


def publish_check_ops(system: Any, counter: RequestCounter) -> list[Op]:
    """POST /publish-checks for a PGA and for a PLA (the PLA adds one lookup of its link)."""
    from functions.partner_api import app as api
    from shared.runtime import Deps
    from tests.fakes import LambdaContext

    pid, location = "publisher-01", "publisher-01-de"
    store(system, {pid: workload.doc("six-areas", pid)})
    repo = repository(system)
    record = repo.get(pid)
    repo.put(pid, record.state, record.version, [], None, [location])  # the link item, as LocationLinked writes it
    system.pump.drain()
    sample = json.loads((ROOT / "events" / "api" / "publish-check.json").read_text())
    previous = api.injected_deps
    api.injected_deps = Deps.from_env(system.stack.functions["PartnerApiFunction"]["environment"])
    ops = []
    try:
        for name, body in (("publish-check (PGA)", {"partnerId": pid, "offerType": "MANAGED_SERVICES", "on": "2023-06-01"}),
                           ("publish-check (PLA)", {"locationId": location, "offerType": "MANAGED_SERVICES", "on": "2023-06-01"})):
            event = {**sample, "body": json.dumps(body)}
            with counter.window() as window, counter.scope("PartnerApiFunction"):
                out = api.handler(event, LambdaContext())
            if out["statusCode"] != 200 or not json.loads(out["body"]).get("designations"):
                raise RuntimeError(f"{name}: {out['statusCode']} {out['body'][:200]}")
            ops.append(Op(name, 1, window.get("PartnerApiFunction", Tally())))
    finally:
        api.injected_deps = previous
    return ops


def seed_anniversary(system: Any, due: int, stored: int, day: str = ANNIVERSARY_DAY, stream: bool = True) -> dict[str, Any]:
    """Store `stored` partners of which `due` have work due on `day` (half forecasts, half
    anniversaries), directly with BatchWriteItem (25 a request) from template documents cloned
    with their own partner id and due key (`shard_of` + `engine.next_due`)."""
    due_templates, later = workload.anniversary_templates(day)
    shards = repository(system).shards
    db = _aws("dynamodb")
    batch: list[dict[str, Any]] = []
    sizes = []
    for i in range(stored):
        t = due_templates[i % len(due_templates)] if i < due else later[i % len(later)]
        pid = f"{'due' if i < due else 'later'}-{i:07d}"
        item = {"pk": {"S": f"PARTNER#{pid}"}, "sk": {"S": "STATE"}, "version": {"N": "1"},
                "state": {"S": t.json.replace(workload.PLACEHOLDER, pid)},
                "gsi1pk": {"S": f"DUE#{_shard(pid, shards)}"}, "gsi1sk": {"S": f"{t.next_due}#{pid}"}}
        if i < 50:
            sizes.append(workload.item_size(item))
        batch.append({"PutRequest": {"Item": item}})
        if len(batch) == 25 or i == stored - 1:
            left = db.batch_write_item(RequestItems={system.stack.state_table: batch}).get("UnprocessedItems")
            if left:
                raise RuntimeError("BatchWriteItem left items unprocessed")
            batch = []
    if stream:
        system.pump.drain()
    return {"stored": stored, "due": due, "shards": shards, "item_bytes": sizes}


def _shard(pid: str, shards: int) -> int:
    from shared.adapters.repository import shard_of

    return shard_of(pid, shards)


def anniversary_op(system: Any, counter: RequestCounter, due: int, stored: int, day: str = ANNIVERSARY_DAY,
                   publish: bool = True) -> Op:
    """One scheduled anniversary run for `day` (through the idempotent handler path), and the
    publication of what its writes announced."""
    seeded = seed_anniversary(system, due, stored, day, stream=publish)
    state_table = system.stack.state_table
    with counter.window() as window:
        result = system.pump.tick(day)
        if publish:
            system.pump.poll_stream()
    fn = window.get("AnniversaryRenewalFunction", Tally())
    op = Op(f"anniversary run ({due} due of {stored:,} stored)", due, fn, window.get(PUBLISHER, Tally()))
    op.extra = {"result": result, "seeded": seeded, "state_table": state_table,
                "queries": fn.by_table.get(("Query", state_table), 0),
                "state_reads": fn.items_by_table.get(state_table, 0),
                "state_writes": sum(n for (o, t), n in fn.by_table.items() if t == state_table and o in ("PutItem", "TransactWriteItems", "UpdateItem")),
                "idempotency": sum(n for (o, t), n in fn.by_table.items() if t == system.stack.idempotency_table),
                "entries": result.get("events", 0) if isinstance(result, dict) else 0}
    if isinstance(result, dict) and result.get("partners") != due:
        raise RuntimeError(f"anniversary run processed {result.get('partners')} partners, {due} were due")
    if publish:
        system.pump.drain()
    return op


# --- targets ------------------------------------------------------------------------------------------

INBOUND_TARGET = 3.0  # requests per inbound event, amortised over a batch of 10
LABEL = {"ScoreEvaluated": "ScoreEvaluated → attainment", "BenefitsElected": "BenefitsElected → renewal queue"}


def rows(publish: list[Op], inbound: list[Op], replayed: list[Op], rejected: Op | None,
         anniversary: list[Op], refresh: Op | None = None) -> list[Row]:
    out: list[Row] = []
    section = "AWS requests"
    for op in publish:
        gets = op.function.get("dynamodb", "GetItem")
        others = op.function.total - gets
        if "PGA" in op.name:
            out.append(Row(section, op.name, "exactly 1 DynamoDB read, nothing else",
                           f"{gets} GetItem, {others} other", gets == 1 and others == 0))
        else:
            out.append(Row(section, op.name, "2 GetItem (link + partner), nothing else",
                           f"{gets} GetItem, {others} other", gets == 2 and others == 0))
    for op in inbound:
        out.append(Row(section, f"{LABEL.get(op.name, op.name)}, batch of {op.events}", f"≤ {INBOUND_TARGET:g} requests per event",
                       f"{op.total:.2f} = {op.breakdown()}", op.reads > 0 and op.total <= INBOUND_TARGET))
    if refresh is not None:
        gets, writes = refresh.function.get("dynamodb", "GetItem"), refresh.function.writes
        out.append(Row(section, f"{refresh.name}, one batch", "1 read + 1 write for the batch (one partner's records together)",
                       f"{gets} GetItem + {writes} write; {refresh.total:.2f} requests per event = {refresh.breakdown()}",
                       gets == 1 and writes == 1))
    for op in replayed:
        out.append(Row(section, f"{op.name}, batch of {op.events}", "≤ 1 read, 0 writes, 0 PutEvents per event",
                       f"{op.reads:g} read, {op.writes:g} writes, {op.put_events:g} PutEvents",
                       0 < op.reads <= 1 and op.function.writes == 0 and op.put_events == 0))
    if rejected is not None:
        out.append(Row(section, f"{rejected.name}, batch of {rejected.events}",
                       "0 reads/writes, ≤ 1 DLQ send + 1 PutEvents per event",
                       f"{rejected.reads:g} reads, {rejected.writes:g} writes, {rejected.sqs_sends:g} SendMessage, "
                       f"{rejected.put_events:g} PutEvents",
                       rejected.function.reads == 0 and rejected.function.writes == 0
                       and 0 < rejected.sqs_sends <= 1 and rejected.put_events <= 1))
    for op in anniversary:
        x = op.extra
        shards = x["seeded"]["shards"]
        bytes_due = sum(x["seeded"]["item_bytes"]) / max(len(x["seeded"]["item_bytes"]), 1) * op.events
        pages = shards + math.ceil(bytes_due / 1_048_576)
        limit = pages + 2 + op.events + math.ceil(x["entries"] / 10)
        measured = (op.function.total + op.publisher.total)
        out.append(Row(section, op.name,
                       f"≤ {pages} Query + 2 idempotency + 1 write per due partner + ⌈{x['entries']} events ÷ 10⌉ PutEvents = {limit}",
                       f"{measured} = {x['queries']} Query + {x['idempotency']} idempotency + {x['state_writes']} writes "
                       f"+ {op.publisher.get('events', 'PutEvents')} PutEvents; "
                       f"{op.function.get('dynamodb', 'GetItem')} GetItem",
                       0 < measured <= limit and op.function.get("dynamodb", "GetItem") == 0))
    return out


def measure(quick: bool = False) -> tuple[list[Row], dict[str, Any]]:
    """The request-count part of the suite. `quick`: what the CI guard runs."""
    from bench import silenced

    with silenced(), counted_system() as (system, counter):
        # the run first: it catches up every partner due on its day or before, including the
        # documents the other operations store
        anniversary = [anniversary_op(system, counter, due=20, stored=200)]
        publish = publish_check_ops(system, counter)
        types = ("MetricsReported",) if quick else workload.INBOUND_TYPES
        inbound, replayed = inbound_ops(system, counter, types)
        refresh = refresh_op(system, counter)
        rejected = None if quick else rejected_op(system, counter)
    data = {"publish": publish, "inbound": inbound, "replayed": replayed, "rejected": rejected, "anniversary": anniversary,
            "refresh": refresh}
    return rows(publish, inbound, replayed, rejected, anniversary, refresh), data
