"""A realistic partner year through the real handlers, on resources built from template.yaml."""

from __future__ import annotations

import copy
import json

from tests.unit.builders import qualifying_facts

SOURCES = {"MetricsReported": "partner.scorefeed", "CertificationEarned": "partner.skilling",
           "CertificationRemoved": "partner.skilling", "LegacyCompetencyRecorded": "partner.membership",
           "BenefitsElected": "partner.membership", "SpecializationRecorded": "partner.membership",
           "LocationLinked": "partner.membership", "AzureExpertMspRecorded": "partner.membership",
           "OfferRecorded": "partner.marketplace", "TrainingMetricsReported": "partner.training"}


def ev(detail_type: str, detail: dict, partner: str, day: str) -> dict:
    return {"source": SOURCES[detail_type], "detail-type": detail_type, "detail": {**detail, "partnerId": partner},
            "time": f"{day}T09:00:00Z"}


def qualify(partner: str, area: str, day: str) -> list[dict]:
    return [ev(t, d, partner, day) for t, d in qualifying_facts(area, day, people=f"{partner}-{area}")]


def drop(partner: str, area: str, day: str) -> dict:
    facts = qualifying_facts(area, day)
    metrics = copy.deepcopy(next(d for t, d in facts if t == "MetricsReported"))
    for m in metrics["measurements"]:
        m["value"] = 0
    return ev("MetricsReported", metrics, partner, day)


def test_a_legacy_partner_year_attain_three_share_anniversary_renew_one_lapse(system):
    pid = "northwind-1"
    system.send(ev("LegacyCompetencyRecorded", {"eventId": "lc-1", "competency": "Security", "level": "GOLD",
                                                "heldOn": "2022-03-01", "anniversaryDate": "2023-03-01"}, pid, "2022-09-01"))
    system.send(*qualify(pid, "MODERN_WORK", "2022-11-10"))
    system.send(drop(pid, "MODERN_WORK", "2022-12-10"))  # dips below 70: nothing changes before the anniversary
    system.send(*qualify(pid, "BUSINESS_APPLICATIONS", "2023-01-10"))
    system.send(*qualify(pid, "SECURITY", "2023-02-10"))
    system.send(*qualify(pid, "BUSINESS_APPLICATIONS", "2023-02-10"))

    attained = system.of("DesignationAttained")
    assert [(a["solutionArea"], a["attainedOn"], a["anniversaryDate"]) for a in attained] == [
        ("MODERN_WORK", "2022-11-10", "2023-03-01"),
        ("BUSINESS_APPLICATIONS", "2023-01-10", "2023-03-01"),
        ("SECURITY", "2023-02-10", "2023-03-01"),
    ]
    assert {b["badge"] for b in system.of("BadgeIssued")} == {"MODERN_WORK", "BUSINESS_APPLICATIONS", "SECURITY"}
    assert system.of("DesignationLapsed") == []

    system.tick("2023-02-28")
    assert system.of("RenewalOpened") == []
    system.tick("2023-03-01")
    [opened] = system.of("RenewalOpened")
    assert opened["designations"] == ["BUSINESS_APPLICATIONS", "SECURITY"] and opened["lapsing"] == ["MODERN_WORK"]
    assert opened["options"] == ["SOLUTIONS_PARTNER", "LEGACY"] and opened["paymentDueBy"] == "2023-03-31"
    [lapsed] = system.of("DesignationLapsed")
    assert lapsed == {**lapsed, "solutionArea": "MODERN_WORK", "lapsedOn": "2023-03-01", "reason": "NOT_QUALIFIED"}

    system.send(ev("BenefitsElected", {"eventId": "be-1", "anniversaryDate": "2023-03-01", "option": "SOLUTIONS_PARTNER",
                                       "fee": {"amount": 4730, "currency": "USD"}}, pid, "2023-03-15"))
    renewed = system.of("DesignationRenewed")
    assert sorted(r["solutionArea"] for r in renewed) == ["BUSINESS_APPLICATIONS", "SECURITY"]
    assert {r["nextAnniversaryDate"] for r in renewed} == {"2024-03-01"}

    system.tick("2023-04-01")  # past the payment window: nothing more lapses (paid)
    state = system.state(pid)
    assert [a for a, d in state["designations"].items() if d["periods"][-1][1] is None] == ["BUSINESS_APPLICATIONS", "SECURITY"]
    assert state["renewals"]["2023-03-01"]["option"] == "SOLUTIONS_PARTNER"
    kinds = [e["detail-type"] for e in system.outbound]
    assert kinds.count("ScoreEvaluated") >= 5 and "InputRejected" not in kinds
    # every outbound event id is unique (deterministic ids, nothing published twice)
    ids = [e["detail"]["eventId"] for e in system.outbound]
    assert len(ids) == len(set(ids))


def test_bad_record_in_a_batch_goes_to_the_dlq_with_its_error_and_input_rejected(system):
    good = qualify("contoso-7", "DATA_AI", "2022-11-10")[-1]
    bad = json.loads(json.dumps(good))
    bad["detail"]["eventId"] = "bad-1"
    bad["detail"]["partnerId"] = "contoso-8"
    bad["detail"]["measurements"][0]["value"] = "lots"
    other = json.loads(json.dumps(good))
    other["detail"]["eventId"] = "good-2"
    other["detail"]["partnerId"] = "contoso-9"
    system.send(good, bad, other)
    [rejected] = system.of("InputRejected")
    assert rejected["field"] == "detail.measurements.0.value" and rejected["originalEventId"] == "bad-1"
    [dead] = system.dlq_messages("ScoreIngestionQueue")
    assert dead["MessageAttributes"]["rejectionField"]["StringValue"] == "detail.measurements.0.value"
    assert json.loads(dead["Body"])["detail"]["eventId"] == "bad-1"
    assert system.state("contoso-7") and system.state("contoso-9") and system.state("contoso-8") is None


def test_duplicate_delivery_of_every_event_changes_nothing_and_publishes_nothing_twice(system):
    events = [ev("LegacyCompetencyRecorded", {"eventId": "lc-9", "competency": "Security", "level": "SILVER",
                                              "heldOn": "2022-03-01", "anniversaryDate": "2023-03-01"}, "dup-1", "2022-09-01")]
    events += qualify("dup-1", "SECURITY", "2022-11-10")
    for e in events:
        system.send(e)
    system.collect()
    before_state, before_out = system.state("dup-1"), list(system.outbound)
    for e in events:
        system.send(e)
    system.collect()
    assert system.state("dup-1") == before_state
    assert system.outbound == before_out
