"""Handlers with in-memory adapters: thin wiring around the core, bad input never sinks a batch."""

from __future__ import annotations

import json

from devstack import render
from functions.designation_attainment import app as attainment
from functions.partner_api import dashboard
from functions.score_ingestion import app as ingestion
from shared.rules import engine, views
from tests.fakes import LambdaContext, envelope, memory_deps, sqs_event
from tests.unit.builders import qualifying_facts


def metrics_event(eid: str, value: object = 3, partner: str = "contoso-1") -> dict:
    return envelope("partner.scorefeed", "MetricsReported", {
        "eventId": eid, "partnerId": partner, "solutionArea": "DATA_AI", "measuredOn": "2022-11-10",
        "measurements": [{"metric": "netCustomerAdds", "value": value, "association": "PAL"}]})


def test_bad_record_goes_to_dlq_with_reason_and_input_rejected_the_rest_is_processed():
    deps, repo, pub, dead = memory_deps()
    event = sqs_event(metrics_event("e-1"), metrics_event("e-2", value="lots"), metrics_event("e-3", partner="fabrikam-2"))
    result = ingestion.handler(event, LambdaContext(), deps=deps)
    assert result == {"batchItemFailures": []}  # the bad one is dead-lettered by the handler itself
    assert set(repo.items) == {"contoso-1", "fabrikam-2"}
    [(body, attrs)] = dead
    assert json.loads(body)["detail"]["eventId"] == "e-2"
    assert attrs["rejectionField"] == "detail.measurements.0.value"
    [rejected] = [json.loads(e["Detail"]) for e in pub.entries if e["DetailType"] == "InputRejected"]
    assert rejected["field"] == "detail.measurements.0.value" and rejected["originalEventId"] == "e-2"
    assert [k for k, _ in repo.published] == ["ScoreEvaluated", "ScoreEvaluated"]


def test_duplicate_delivery_changes_nothing_and_publishes_nothing():
    deps, repo, pub, dead = memory_deps()
    ingestion.handler(sqs_event(metrics_event("e-1")), LambdaContext(), deps=deps)
    before = dict(repo.items), list(repo.published)
    ingestion.handler(sqs_event(metrics_event("e-1")), LambdaContext(), deps=deps)
    assert (dict(repo.items), list(repo.published)) == before and dead == []


def test_attainment_from_score_evaluated():
    deps, repo, pub, dead = memory_deps()
    state, evaluated = None, []
    for detail_type, detail in qualifying_facts("DATA_AI", "2022-11-15", "q"):  # ingestion only
        state, out = engine.record_fact(state, "contoso-1", detail_type, {**detail, "partnerId": "contoso-1"})
        evaluated += [d for k, d in out if k == "ScoreEvaluated" and d["qualified"]]
    repo.put("contoso-1", state, 0, [], None)
    env = envelope("partner.designations", "ScoreEvaluated", evaluated[0])
    assert attainment.handler(sqs_event(env), LambdaContext(), deps=deps) == {"batchItemFailures": []}
    assert [k for k, _ in repo.published] == ["DesignationAttained", "BadgeIssued"]
    # FAQ: the badge comes "immediately" when requirements are met: on the qualifying day
    assert repo.published[0][1]["attainedOn"] == "2022-11-15"


def test_an_unknown_legacy_competency_goes_to_the_dlq_naming_detail_competency():
    # Issue 20 item 4: the bad-input path (DLQ + InputRejected) for a competency not of 2022.
    deps, repo, pub, dead = memory_deps()
    env = envelope("partner.membership", "LegacyCompetencyRecorded", {
        "eventId": "lc-1", "partnerId": "contoso-1", "competency": "zzz not a competency", "level": "GOLD",
        "heldOn": "2022-03-01", "anniversaryDate": "2023-03-01"})
    assert ingestion.handler(sqs_event(env), LambdaContext(), deps=deps) == {"batchItemFailures": []}
    [(body, attrs)] = dead
    assert attrs["rejectionField"] == "detail.competency" and attrs["rejectionCode"] == "UNKNOWN_COMPETENCY"
    [rejected] = [json.loads(e["Detail"]) for e in pub.entries if e["DetailType"] == "InputRejected"]
    assert rejected["field"] == "detail.competency" and rejected["originalEventId"] == "lc-1"
    assert repo.items == {}


def test_an_unrecognised_certification_is_stored_and_emits_its_metric_with_the_name(capsys):
    # issue 20 item 3: a feed's misspelling is kept on the roster and an operator sees it the day it
    # arrives (one UnrecognisedCertification data point; the name in the record's metadata).
    deps, repo, pub, dead = memory_deps()
    earned = envelope("partner.skilling", "CertificationEarned", {
        "eventId": "c-1", "partnerId": "contoso-1", "personId": "t-1",
        "certification": "Teams Administrator Asociate", "on": "2024-02-01"})
    known = envelope("partner.skilling", "CertificationEarned", {
        "eventId": "c-2", "partnerId": "contoso-1", "personId": "t-2",
        "certification": "Microsoft 365 Certified: Teams Administrator Associate", "on": "2024-02-01"})
    assert ingestion.handler(sqs_event(earned, known), LambdaContext(), deps=deps) == {"batchItemFailures": []}
    assert dead == []
    assert "teams administrator asociate" in repo.get("contoso-1").state["roster"]
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    emitted = [r for r in records if "UnrecognisedCertification" in r]
    assert [(r["UnrecognisedCertification"], r["certification"]) for r in emitted] == [
        ([1.0], "Teams Administrator Asociate")]
    definitions = emitted[0]["_aws"]["CloudWatchMetrics"][0]
    assert definitions["Dimensions"] == [[]] or all("certification" not in d for d in definitions["Dimensions"])


def test_the_dashboard_and_partnerctl_status_show_unrecognised_certifications_with_their_people(capsys):
    # issue 20 item 3: "the partner view, `partnerctl status` and the dashboard list unrecognised
    # credential names with their number of people"; a name is feed text, so it is escaped.
    state = None
    for i, name in enumerate(["Teams Administrator Asociate", "Teams Administrator Asociate", "<b>x</b>"]):
        state, _ = engine.record_fact(state, "contoso-1", "CertificationEarned", {
            "eventId": f"c-{i}", "partnerId": "contoso-1", "personId": f"t-{i}", "certification": name,
            "on": "2024-02-01"})
    page = dashboard.render(state, "2024-02-01")
    assert 'data-certification="Teams Administrator Asociate" data-people="2"' in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert 'id="unrecognised"' not in dashboard.render(state, "2024-01-31")
    capsys.readouterr()
    render.print_status(views.partner_view(state, "2024-02-01"), views.scores_view(state, "2024-02-01"), {})
    printed = capsys.readouterr().out
    assert "unrecognised     '<b>x</b>' (1 people); 'Teams Administrator Asociate' (2 people)" in printed
