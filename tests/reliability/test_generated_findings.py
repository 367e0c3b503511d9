"""Bugs the generated histories found that are not about delivery, kept as regression tests on their
smallest examples (both were fixed in bb002ba while this suite was written)."""

from __future__ import annotations

import json

from functions.outbox_publisher import app as publisher
from functions.score_ingestion import app as ingestion
from shared.models.outbound import to_entry
from tests.fakes import LambdaContext, envelope, memory_deps, sqs_event
from tests.unit.builders import Partner


def test_a_designation_is_never_lapsed_before_it_was_attained():
    """G1 (fixed in bb002ba): a designation attained after an anniversary that passed with nothing held
    was lapsed at that earlier anniversary by the next daily run (period [2025-03-01, 2024-11-10], a
    DesignationLapsed dated before the attainment)."""
    p = Partner("g1")
    p.qualify("BUSINESS_APPLICATIONS", "2022-11-10")  # anniversary 2022-11-10
    p.drop("BUSINESS_APPLICATIONS", "2022-12-10")
    p.tick("2023-11-10")  # Business Applications lapses: nothing is active on 2024-11-10
    p.qualify("MODERN_WORK", "2025-03-01")
    p.tick("2025-03-02")
    for area, d in p.state["designations"].items():
        for start, end in d["periods"]:
            assert end is None or end > start, (area, d["periods"])
    assert all(e["lapsedOn"] >= "2025-03-01" for e in p.of("DesignationLapsed") if e["solutionArea"] == "MODERN_WORK")


def test_summed_units_beyond_the_outbound_limit_do_not_poison_the_outbox():
    """G2 (fixed in bb002ba): two accepted measurements of 1e9 net customer adds add up to 2e9 units,
    over ScoreEvaluated's units limit then (1e9): the write and its outbox were stored, and the outbox
    publisher could not build the event, failing the whole stream batch (retries, then OnFailure
    metadata only: the write's events lost, the shard blocked meanwhile)."""
    deps, repo, pub, dead = memory_deps()
    body = envelope("partner.scorefeed", "MetricsReported", {
        "eventId": "g2", "partnerId": "g2", "solutionArea": "DATA_AI", "measuredOn": "2023-01-10",
        "measurements": [{"metric": "netCustomerAdds", "value": 1_000_000_000, "association": "CSP_T1"},
                         {"metric": "netCustomerAdds", "value": 1_000_000_000, "association": "CSP_T2"}]})
    assert ingestion.handler(sqs_event(body), LambdaContext(), deps=deps) == {"batchItemFailures": []}
    if dead:  # rejected at the door: fine
        return
    for kind, detail in repo.published:
        to_entry(kind, detail, "partner-program")
    record = {"eventID": "1", "eventName": "MODIFY", "dynamodb": {"SequenceNumber": "100", "Keys": {
        "pk": {"S": "PARTNER#g2"}}, "NewImage": {"outbox": {"S": json.dumps(repo.published)}}}}
    assert publisher.handler({"Records": [record]}, LambdaContext(), deps=deps) == {"batchItemFailures": []}
