"""CI guard on the deterministic part of the benchmarks: AWS requests per operation (moto).

Runs `bench.requests.measure()`, the same measurement `make bench` reports (about 6 s on moto):
publish-check (PGA and PLA), a batch of 10 of every inbound event type and the same batch replayed,
a malformed batch, and one anniversary run with 20 partners due of 200 stored. Fails when an
operation needs more requests than its target (docs/benchmarks.md has the full table:
`make bench`).
"""

from __future__ import annotations

import pytest

from bench import requests


@pytest.fixture(scope="module")
def measured():
    rows, data = requests.measure()
    return {r.name: r for r in rows}, data


def test_every_request_count_target_holds(measured):
    rows, _ = measured
    failed = [f"{r.name}: target {r.target}, measured {r.measured}" for r in rows.values() if r.ok is False]
    assert not failed, "\n".join(failed)


def test_publish_check_is_exactly_one_dynamodb_read(measured):
    _, data = measured
    pga, pla = data["publish"]
    assert dict(pga.function.calls) == {("dynamodb", "GetItem"): 1}
    assert dict(pla.function.calls) == {("dynamodb", "GetItem"): 2}  # the PLA's link, then its PGA


def test_every_inbound_event_type_is_a_read_a_conditional_write_and_a_share_of_put_events(measured):
    _, data = measured
    assert {op.name for op in data["inbound"]} >= {"MetricsReported", "CertificationEarned", "BenefitsElected"}
    for op in data["inbound"]:
        assert op.events == 10, op.name
        assert op.per_event("dynamodb", "GetItem") == 1, op.name
        assert op.per_event("dynamodb", "PutItem", "TransactWriteItems") == 1, op.name
        assert op.total <= requests.INBOUND_TARGET, op.name
    [metrics] = [op for op in data["inbound"] if op.name == "MetricsReported"]
    assert 0 < metrics.put_events <= 0.1 + 1e-9  # 10 ScoreEvaluated entries in one PutEvents


def test_a_replayed_event_is_one_read_and_nothing_else(measured):
    _, data = measured
    assert len(data["replayed"]) == len(data["inbound"])
    for op in data["replayed"]:
        assert op.reads == 1 and op.function.writes == 0 and op.put_events == 0 and op.publisher.total == 0, op.name


def test_a_malformed_event_costs_no_read_and_no_write(measured):
    _, data = measured
    op = data["rejected"]
    assert op.reads == 0 and op.function.writes == 0, op.breakdown()


def test_the_anniversary_run_reads_what_is_due_and_writes_each_due_partner_once(measured):
    _, data = measured
    [op] = data["anniversary"]
    due = op.events
    assert op.extra["result"]["partners"] == due == 20
    assert op.extra["state_reads"] / due <= 1.1
    assert op.function.get("dynamodb", "GetItem") == 0  # the query returns the documents
    assert op.extra["state_writes"] == due
    assert op.extra["queries"] == op.extra["seeded"]["shards"]  # one page per shard at this size


def test_a_partners_ten_records_in_one_batch_are_one_read_and_one_write(measured):
    _, data = measured
    op = data["refresh"]
    assert op.events == 10
    assert op.function.get("dynamodb", "GetItem") == 1 and op.function.writes == 1
    assert op.publisher.get("events", "PutEvents") == 1  # what the ten announce, in one PutEvents
