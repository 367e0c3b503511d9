"""Item 3: concurrent writers of one partner on moto: no lost update (conditional writes on a version).

Two handlers that read the same version of a partner and both write: the second write fails its
`version = :expected` condition, `shared.runtime.apply` re-reads and re-applies, and both changes
are in the final document. A barrier makes the race certain (both reads before either write)
instead of hoping for it. Then several ingestion handlers in threads, each with its own facts for
the same partner, with SQS's redelivery of failed records.

moto's in-process DynamoDB checks a condition and stores the item in two Python steps with no lock,
so two threads can both pass the same condition, which DynamoDB never allows. The tests serialise
moto's write operations with a lock (`atomic_moto_writes`) so that they test this code, not moto's
thread safety.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from moto.dynamodb.models import DynamoDBBackend

from functions.score_ingestion import app as ingestion
from shared import runtime
from shared.adapters.repository import ConflictError, DynamoPartnerRepository
from shared.rules import engine
from tests.fakes import LambdaContext, envelope, sqs_event
from tests.reliability.conftest import SIZES
from tests.reliability.moto_runs import outbound_of

AREA_METRICS = ["netCustomerAdds", "usageGrowth", "deployments"]
ASSOCIATIONS = ["CSP_T1", "CSP_T2", "DPOR", "PAL", "CPOR", "GDAP"]
AREAS = ["DATA_AI", "INFRASTRUCTURE", "SECURITY", "MODERN_WORK", "BUSINESS_APPLICATIONS", "DIGITAL_APP_INNOVATION"]


@pytest.fixture
def atomic_moto_writes(monkeypatch):
    lock = threading.RLock()
    for name in ("put_item", "transact_write_items", "update_item", "delete_item"):
        original = getattr(DynamoDBBackend, name)

        def locked(self, *args, _original=original, **kwargs):
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)


def detail(partner: str, n: int) -> dict:
    """The n-th fact of a writer: its own measurement key, so every write must survive."""
    return {"eventId": f"c-{n:04d}", "partnerId": partner, "solutionArea": AREAS[n // 36 % 6], "measuredOn": "2023-02-01",
            "measurements": [{"metric": AREA_METRICS[n % 3], "value": n + 1, "association": ASSOCIATIONS[(n // 3) % 6],
                              "segment": ["AZURE", "M365"][n // 18 % 2]}]}


def keys_of(state: dict | None) -> set[str]:
    return {f"{area}/{key}" for area, keys in (state or {}).get("measurements", {}).items() for key in keys}


def expected_key(d: dict) -> str:
    m = d["measurements"][0]
    return f"{d['solutionArea']}/{m['metric']}|{m['association']}|{m['segment']}"


class RacingRepository(DynamoPartnerRepository):
    """Every writer's first read waits until all writers have read: they all hold the same version."""

    def __init__(self, table: str, shards: int, barrier: threading.Barrier, conflicts: Counter):
        super().__init__(table, shards)
        self.barrier, self.conflicts, self.local = barrier, conflicts, threading.local()

    def get(self, partner_id):
        record = super().get(partner_id)
        if not getattr(self.local, "raced", False):
            self.local.raced = True
            self.barrier.wait(timeout=30)
        return record

    def put(self, *args, **kwargs):
        try:
            return super().put(*args, **kwargs)
        except ConflictError:
            self.conflicts["conflicts"] += 1
            raise


class UnconditionalRepository(RacingRepository):
    """The same without the version condition: what the tests must catch (a lost update)."""

    def put(self, partner_id, state, expected_version, outbox, due, links=()):
        from shared.adapters import aws

        aws.client("dynamodb").put_item(TableName=self.table, Item={
            "pk": {"S": f"PARTNER#{partner_id}"}, "sk": {"S": "STATE"}, "version": {"N": str(expected_version + 1)},
            "state": {"S": json.dumps(state, sort_keys=True)}})


def race(system, partner: str, writers: int, repo_class=RacingRepository) -> tuple[dict | None, Counter, list]:
    base = system.pump.deliveries["ScoreIngestionQueue"].deps
    barrier, conflicts = threading.Barrier(writers), Counter()
    repo = repo_class(base.repo.table, base.repo.shards, barrier, conflicts)
    deps = runtime.Deps(repo, base.publisher, base.env, base.dead_letter)
    facts = [detail(partner, n) for n in range(writers)]

    def write(d: dict) -> list:
        return runtime.apply(deps, partner, lambda s: engine.record_fact(s, partner, "MetricsReported", d))

    with ThreadPoolExecutor(max_workers=writers) as pool:
        results = list(pool.map(write, facts))
    return DynamoPartnerRepository(base.repo.table).get(partner).state, conflicts, results


def test_two_handlers_racing_on_one_partner_lose_no_update(system, report, atomic_moto_writes):
    lost = 0
    conflicts_total = 0
    for r in range(SIZES.concurrency_rounds):
        partner = f"race-{r}"
        state, conflicts, results = race(system, partner, 2)
        record = DynamoPartnerRepository(system.stack.state_table).get(partner)
        missing = {expected_key(detail(partner, n)) for n in range(2)} - keys_of(state)
        lost += len(missing)
        conflicts_total += conflicts["conflicts"]
        assert not missing, f"lost update in round {r}: {missing}"
        assert conflicts["conflicts"] == 1, conflicts  # exactly one writer lost the race and re-applied
        assert record.version == 2 and all(results)
    system.pump.drain()
    evaluated = [e for r in range(SIZES.concurrency_rounds) for e in outbound_of(system, f"race-{r}")
                 if e["detail-type"] == "ScoreEvaluated"]
    causes = Counter((e["detail"]["partnerId"], e["detail"]["cause"]) for e in evaluated)
    report("Concurrency: 2 writers, same version (moto)",
           what="two threads apply different facts to one partner after both read the same version (barrier); "
                "conditional PutItem on `version`; both facts must be in the final document, each announced once",
           cases=SIZES.concurrency_rounds, lost=lost, doubled=sum(n - 1 for n in causes.values()),
           notes=f"{conflicts_total} conditional-write conflicts re-applied")
    assert len(causes) == 2 * SIZES.concurrency_rounds and set(causes.values()) == {1}


def test_the_race_check_is_live(system, atomic_moto_writes):
    """Without the version condition the same race loses an update: the check above can see one."""
    state, _, _ = race(system, "race-unconditional", 2, UnconditionalRepository)
    assert len(keys_of(state)) == 1


def test_many_ingestion_handlers_in_threads_lose_nothing(system, report, atomic_moto_writes):
    """N handler invocations at once for one partner, M facts each (one SQS batch per invocation);
    records that end in ConflictError after CONFLICT_RETRIES are redelivered, as SQS does."""
    threads, per = SIZES.concurrency_threads, 10
    deps = system.pump.deliveries["ScoreIngestionQueue"].deps
    partner = "crowd-1"
    batches = [[envelope("partner.scorefeed", "MetricsReported", detail(partner, t * per + i), "2023-02-01T09:00:00Z")
                for i in range(per)] for t in range(threads)]
    redelivered = Counter()

    def invoke(batch: list) -> None:
        pending = batch
        for _ in range(50):
            event = sqs_event(*pending)
            result = ingestion.handler(event, LambdaContext(), deps=deps)
            failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
            pending = [e for e, r in zip(pending, event["Records"], strict=True) if r["messageId"] in failed]
            redelivered["records"] += len(pending)
            if not pending:
                return
        raise AssertionError("still failing after 50 deliveries")

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(invoke, batches))
    system.pump.drain()
    state = system.state(partner)
    want = {expected_key(detail(partner, n)) for n in range(threads * per)}
    evaluated = Counter(e["detail"]["cause"] for e in outbound_of(system, partner) if e["detail-type"] == "ScoreEvaluated")
    report("Concurrency: handlers in threads (moto)",
           what=f"{threads} ingestion invocations at once, {per} facts each, for one partner; failed records "
                "redelivered; every fact must be recorded and announced once",
           cases=threads * per, lost=len(want - keys_of(state)), doubled=sum(n - 1 for n in evaluated.values()),
           notes=f"{redelivered['records']} record deliveries repeated after ConflictError")
    assert want <= keys_of(state)
    assert set(evaluated) == {f"c-{n:04d}" for n in range(threads * per)} and set(evaluated.values()) == {1}
