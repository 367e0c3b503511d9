"""The SQS batch loop (shared/runtime.py `sqs_batch`): the records of one partner in one
read-apply-write, each record's outcome its own."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.score_ingestion import app as ingestion
from shared import runtime
from shared.adapters.repository import ConflictError, Record
from shared.rules.errors import NotYet, RuleRejected
from tests.fakes import LambdaContext, envelope, memory_deps, sqs_event


def metrics(eid: str, partner: str, value: Any = 3, area: str = "DATA_AI") -> dict[str, Any]:
    return envelope("partner.scorefeed", "MetricsReported", {
        "eventId": eid, "partnerId": partner, "solutionArea": area, "measuredOn": "2022-11-10",
        "measurements": [{"metric": "netCustomerAdds", "value": value, "association": "PAL"}]})


class Counting:
    """Counts the repository's reads and writes (and can refuse writes) around the in-memory twin."""

    def __init__(self, repo: Any, refuse: Any = None, conflicts: int = 0):
        self.repo, self.refuse, self.conflicts = repo, refuse, conflicts
        self.gets = self.puts = 0

    def get(self, partner_id: str, person: str | None = None) -> Any:
        self.gets += 1
        return self.repo.get(partner_id, person)

    def put(self, partner_id: str, state: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        self.puts += 1
        if self.conflicts:
            self.conflicts -= 1
            raise ConflictError(partner_id)
        if self.refuse and self.refuse(state):
            raise RuntimeError("ValidationException: Item size has exceeded the maximum allowed size")
        self.repo.put(partner_id, state, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.repo, name)


def test_a_partners_records_cost_one_read_and_one_write_and_store_what_one_at_a_time_stores():
    areas = ["DATA_AI", "INFRASTRUCTURE", "DIGITAL_APP_INNOVATION", "SECURITY", "MODERN_WORK", "BUSINESS_APPLICATIONS"]
    events = [metrics(f"c-{i}", "contoso-1", i + 1, areas[i % 6]) for i in range(8)] + [metrics("f-1", "fabrikam-2")]
    deps, repo, _, dead = memory_deps()
    counted = Counting(repo)
    deps.repo = counted
    assert ingestion.handler(sqs_event(*events), LambdaContext(), deps=deps) == {"batchItemFailures": []}
    assert (counted.gets, counted.puts) == (2, 2) and dead == []

    alone, alone_repo, _, _ = memory_deps()
    for e in events:
        ingestion.handler(sqs_event(e), LambdaContext(), deps=alone)
    for pid in ("contoso-1", "fabrikam-2"):
        assert repo.get(pid).state == alone_repo.get(pid).state
    assert sorted(json.dumps(e, sort_keys=True) for e in repo.published) == \
        sorted(json.dumps(e, sort_keys=True) for e in alone_repo.published)


def test_a_record_the_rules_refuse_fails_alone_and_the_partners_others_are_written_once():
    deps, repo, pub, dead = memory_deps()
    counted = Counting(repo)
    deps.repo = counted
    bad_competency = envelope("partner.membership", "LegacyCompetencyRecorded", {
        "eventId": "lc-1", "partnerId": "contoso-1", "competency": "zzz not a competency", "level": "GOLD",
        "heldOn": "2022-03-01", "anniversaryDate": "2023-03-01"})
    event = sqs_event(metrics("e-1", "contoso-1"), bad_competency, metrics("e-3", "contoso-1", 5, "INFRASTRUCTURE"))
    assert ingestion.handler(event, LambdaContext(), deps=deps) == {"batchItemFailures": []}
    [(body, attrs)] = dead
    assert json.loads(body)["detail"]["eventId"] == "lc-1" and attrs["rejectionCode"] == "UNKNOWN_COMPETENCY"
    assert counted.puts == 1
    assert set(repo.get("contoso-1").state["measurements"]) == {"DATA_AI", "INFRASTRUCTURE"}


def plan_of(changes: dict[str, Any]):
    """A plan whose record body names the partner and the change to apply."""
    def plan(record: Any, deps: runtime.Deps) -> runtime.Work:
        body = json.loads(record.body)
        return runtime.Work(body["partner"], changes[body["change"]])
    return plan


def add(key: str):
    def change(state: dict[str, Any] | None) -> tuple[dict[str, Any], list]:
        return {**(state or {}), key: True}, []
    return change


def refuse(error: Exception):
    def change(state: dict[str, Any] | None) -> tuple[dict[str, Any], list]:
        raise error
    return change


class DictRepo:
    """Documents in a dict, versioned like the real repository (the toy documents of these tests
    are not partner documents)."""

    def __init__(self):
        self.items: dict[str, tuple[dict[str, Any], int]] = {}

    def get(self, partner_id: str, person: str | None = None) -> Record:
        state, version = self.items.get(partner_id, (None, 0))
        return Record(state, version)

    def put(self, partner_id: str, state: dict[str, Any], expected_version: int, *args: Any, **kwargs: Any) -> None:
        if self.items.get(partner_id, (None, 0))[1] != expected_version:
            raise ConflictError(partner_id)
        self.items[partner_id] = (state, expected_version + 1)


@pytest.fixture
def toy(monkeypatch):
    """Toy documents have no dated work (the engine reads partner documents only)."""
    monkeypatch.setattr(runtime.engine, "next_due", lambda state: None)


def toy_deps(**counting: Any) -> tuple[runtime.Deps, DictRepo, Counting, list]:
    deps, _, _, dead = memory_deps()
    repo = DictRepo()
    deps.repo = Counting(repo, **counting)
    return deps, repo, deps.repo, dead


def run(deps: runtime.Deps, *bodies: dict[str, str], receives: int = 1) -> tuple[dict[str, Any], list[str]]:
    event = sqs_event(*[json.dumps(b) for b in bodies])
    for r in event["Records"]:
        r["attributes"]["ApproximateReceiveCount"] = str(receives)
    changes = {"a": add("a"), "b": add("b"), "c": add("c"), "big": add("big"),
               "not-yet": refuse(NotYet("detail.partnerId", "UNKNOWN_PARTNER", "not yet")),
               "rejected": refuse(RuleRejected("detail.x", "BAD", "refused")), "bug": refuse(KeyError("oops"))}
    result = runtime.sqs_batch(event, LambdaContext(), "TestQueue", deps, plan_of(changes))
    ids = [r["messageId"] for r in event["Records"]]
    return result, [ids.index(f["itemIdentifier"]) for f in result["batchItemFailures"]]


def test_a_change_not_yet_possible_or_failing_is_retried_alone_the_others_are_stored(toy):
    deps, repo, _, dead = toy_deps()
    _, failed = run(deps, {"partner": "p", "change": "a"}, {"partner": "p", "change": "not-yet"},
                    {"partner": "p", "change": "bug"}, {"partner": "p", "change": "b"})
    assert failed == [1, 2] and dead == []
    assert repo.get("p").state == {"a": True, "b": True}


def test_on_its_last_receive_a_change_not_yet_possible_is_dead_lettered_with_its_reason(toy):
    deps, repo, _, dead = toy_deps()
    _, failed = run(deps, {"partner": "p", "change": "a"}, {"partner": "p", "change": "not-yet"},
                    {"partner": "p", "change": "rejected"}, receives=runtime.MAX_RECEIVES)
    assert failed == []
    assert [a["rejectionCode"] for _, a in dead] == ["UNKNOWN_PARTNER", "BAD"]
    assert repo.get("p").state == {"a": True}


def test_a_combined_write_the_store_refuses_is_retried_record_by_record_so_only_the_culprit_fails(toy):
    deps, repo, _, _ = toy_deps(refuse=lambda state: "big" in state)
    _, failed = run(deps, {"partner": "p", "change": "a"}, {"partner": "p", "change": "big"},
                    {"partner": "p", "change": "c"})
    assert failed == [1]
    assert repo.get("p").state == {"a": True, "c": True}


def test_a_concurrent_write_makes_the_whole_group_read_and_apply_again(toy):
    deps, repo, counted, _ = toy_deps(conflicts=1)
    _, failed = run(deps, {"partner": "p", "change": "a"}, {"partner": "p", "change": "b"},
                    {"partner": "q", "change": "c"})
    assert failed == []
    assert (counted.gets, counted.puts) == (3, 3)  # p: read, conflict, read, write; q: read, write
    assert repo.get("p").state == {"a": True, "b": True} and repo.get("p").version == 1
