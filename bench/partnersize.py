"""Partners of any size (issue 21): partners of 100, 10,000 and 100,000 certified people (1.5
certifications each), one skilling event at a time through the real ingestion handler.

- largest item: the STATE item (with the event's ScoreEvaluated outbox) and the largest person item,
  as DynamoDB counts them (shared.adapters.people.item_size); target ≤ 350 KB;
- handler CPU per CertificationEarned on the in-memory adapters: thread CPU time, each event sent to
  the three partners back to back so that the machine's load at that moment weighs on them alike,
  judged as the median of each event's ratio to the 100-person partner's (target ≤ 1.5×; the
  median times are information). Not instruction counts, as the handler rows: under valgrind the
  building of the 100,000-person partner would be counted too, at valgrind's speed;
- AWS requests per CertificationEarned on moto (botocore before-call hook), target ≤ 4, all
  conditional or transactional. On moto the STATE item and the people the events touch are stored
  (a skilling event reads no other person item: their number does not change a request count).

`python -m bench size` prints the rows (`make bench` runs them with the rest).
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from typing import Any

from bench.report import Row

SIZES = (100, 10_000, 100_000)
EVENTS = 15  # skilling events whose AWS requests are counted (moto)
CPU_EVENTS = 45  # skilling events whose CPU time is measured on each partner (in memory)
CERTS = ["Microsoft Certified: Azure Solutions Architect Expert", "Microsoft Certified: Azure Administrator Associate",
         "Microsoft Certified: Azure Developer Associate", "Microsoft Certified: Azure Data Engineer Associate",
         "Microsoft Certified: Azure AI Engineer Associate", "Microsoft Certified: Security Operations Analyst Associate",
         "Microsoft 365 Certified: Teams Administrator Associate", "Microsoft Certified: Azure Network Engineer Associate"]
PID = "gsi-000001"


def partner(people: int) -> dict[str, Any]:
    """A partner whose `people` certified people hold one certification each and every second
    person a second one, earned through 2023."""
    from shared.rules.catalogue import normalize_certification
    from shared.rules.document import file_roster_history, new_state

    state = new_state(PID)
    for i in range(people):
        held = [CERTS[i % 8]] + ([CERTS[(i % 8 + 1 + (i // 8) % 7) % 8]] if i % 2 == 0 else [])
        for k, name in enumerate(held):
            on = f"2023-{1 + i % 12:02d}-{1 + (i * 7 + k) % 28:02d}"
            file_roster_history(state["roster"], normalize_certification(name), f"person-{i:06d}",
                                [[on, f"{i:06d}-{k}-{'0' * 24}", True, name]])
    return state


def events(n: int) -> list[dict[str, Any]]:
    from tests.fakes import envelope

    return [envelope("partner.skilling", "CertificationEarned", {
        "eventId": f"bench-{i}", "partnerId": PID, "personId": f"person-{(i * 7919) % 100:06d}",
        "certification": CERTS[(i + 5) % 8], "on": f"2024-01-{1 + i % 28:02d}"}) for i in range(n)]


class SizedPartner:
    """A partner of `people` certified people on the in-memory adapters, taking skilling events one
    at a time through the real ingestion handler; records the handler's thread CPU time per event
    and the largest STATE item written."""

    def __init__(self, people: int) -> None:
        from shared.rules import engine
        from tests.fakes import LambdaContext, memory_deps

        self.deps, self.repo, _, self.dead = memory_deps()
        seed = partner(people)
        self.repo.put(PID, seed, 0, [], engine.next_due(seed))
        self.ctx = LambdaContext()
        self.cpu: list[float] = []
        self.largest_state = 0

    def send(self, env: dict[str, Any]) -> None:
        from functions.score_ingestion import app as ingestion
        from shared.adapters.people import item_size
        from shared.adapters.repository import state_item
        from tests.fakes import sqs_event

        before = len(self.repo.published)
        event = sqs_event(env)
        t = time.thread_time()
        ingestion.handler(event, self.ctx, deps=self.deps)
        self.cpu.append(time.thread_time() - t)
        doc, version, due = self.repo.items[PID]
        stored = self.repo.people.get(PID)
        self.largest_state = max(self.largest_state, item_size(state_item(
            PID, json.loads(doc), version, self.repo.published[before:], due, 64,
            len(stored) if stored is not None else None)))

    def result(self) -> dict[str, Any]:
        from shared.adapters.people import item_size
        from shared.adapters.repository import person_item

        assert not self.dead, self.dead
        stored = self.repo.people.get(PID) or {}
        largest_person = max((item_size(person_item(PID, p, json.loads(c), 1)) for p, c in stored.items()), default=0)
        return {"cpu_ms": statistics.median(self.cpu) * 1000, "state_bytes": self.largest_state,
                "person_bytes": largest_person, "layout": "per person" if stored else "inline"}


def cpu_and_size(sizes: tuple[int, ...] = SIZES, n: int = CPU_EVENTS) -> dict[int, dict[str, Any]]:
    """Per size: handler thread CPU per CertificationEarned (median) and item sizes. Each event goes
    to every partner back to back, so that the machine's load at that moment weighs on all sizes
    alike; `ratio`: the median over events of each event's CPU time ÷ the first size's."""
    from bench import silenced

    partners = {people: SizedPartner(people) for people in sizes}
    with silenced():
        for env in events(n):
            for p in partners.values():
                p.send(env)
    base = partners[sizes[0]].cpu
    return {people: {**p.result(), "ratio": statistics.median(t / b for t, b in zip(p.cpu, base, strict=True))}
            for people, p in partners.items()}


def requests_per_event(people: int) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    from bench import silenced
    from functions.score_ingestion import app as ingestion
    from shared.adapters import aws
    from shared.adapters.memory import RecordingPublisher
    from shared.adapters.repository import DynamoPartnerRepository, person_item, plan_write, state_item
    from shared.rules import engine
    from shared.runtime import Deps, Env
    from tests.fakes import LambdaContext, sqs_event

    seed = partner(people)
    plan = plan_write(seed, None)
    with mock_aws():
        aws.reset()
        db = boto3.client("dynamodb", region_name="us-east-1")
        db.create_table(
            TableName="state", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi1pk", "gsi1sk")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[{"IndexName": "DueIndex", "KeySchema": [
                {"AttributeName": "gsi1pk", "KeyType": "HASH"}, {"AttributeName": "gsi1sk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"}}])
        db.put_item(TableName="state", Item=state_item(PID, plan.state, 1, [], engine.next_due(seed), 64, plan.people))
        touched = {json.loads(json.dumps(e))["detail"]["personId"] for e in events(EVENTS)}
        for person, certs in plan.copies.items():
            if person in touched:
                db.put_item(TableName="state", Item=person_item(PID, person, certs, 1))
        calls: Counter[str] = Counter()
        aws.client("dynamodb").meta.events.register("before-call.dynamodb.*",
                                                    lambda model, **_: calls.update([model.name]))
        deps = Deps(DynamoPartnerRepository("state", 64), RecordingPublisher(), Env("state", "bus", "dlq", 64, ""),
                    lambda body, attrs: None)
        with silenced():
            for env in events(EVENTS):
                ingestion.handler(sqs_event(env), LambdaContext(), deps=deps)
        aws.reset()
    return {"per_event": sum(calls.values()) / EVENTS, "calls": dict(calls)}


def measure() -> tuple[list[Row], dict[str, Any]]:
    cpu = cpu_and_size()
    data = {n: {**cpu[n], **requests_per_event(n)} for n in SIZES}
    base = data[SIZES[0]]["cpu_ms"]
    rows = []
    for n, d in data.items():
        largest = max(d["state_bytes"], d["person_bytes"])
        rows.append(Row("Partner size", f"largest item, partner of {n:,} certified people ({d['layout']} roster)",
                        "≤ 350 KB", f"STATE {d['state_bytes'] / 1024:.1f} KB (with its outbox), largest person item "
                        f"{d['person_bytes'] / 1024:.1f} KB", largest <= 350 * 1024))
        rows.append(Row("Partner size", f"handler CPU per CertificationEarned, {n:,} people ÷ 100 people (same run)",
                        "≤ 1.5× (median of each event's ratio, the sizes run back to back)",
                        f"{d['ratio']:.2f}× (medians {d['cpu_ms']:.2f} ms vs {base:.2f} ms of thread CPU, "
                        f"{CPU_EVENTS} events)", d["ratio"] <= 1.5))
        calls = ", ".join(f"{k} {v / EVENTS:g}" for k, v in sorted(d["calls"].items()))
        rows.append(Row("Partner size", f"AWS requests per CertificationEarned, {n:,} people (moto)",
                        "≤ 4, every write conditional or transactional", f"{d['per_event']:.2f} = {calls}",
                        d["per_event"] <= 4))
    return rows, {str(n): d for n, d in data.items()}


def main() -> None:
    from bench.report import table

    rows, _ = measure()
    print(table(rows))


if __name__ == "__main__":
    main()
