"""Every rule of SPEC §2, each citing the FAQ passage or the table row it checks."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from shared.rules import engine, gates
from shared.rules.engine import RuleRejected
from shared.rules.rulebook import AREAS, rulebook_for
from shared.rules.scoring import Measurement, score_area

from .builders import Partner, cert, metrics

D = date.fromisoformat


def pts(score, metric):
    m = next(m for m in score.metrics if m.metric == metric)
    return score.rulebook.to_fraction(m.points)


# --- §2.2 scoring -----------------------------------------------------------------------------


def test_faq_partial_points_one_of_three_customer_adds_earns_10_of_30():
    # FAQ "Is it possible to earn partial points in a category?": "if a metric requires three
    # customer adds with a total of 30 total points and you obtain one customer add you will earn
    # 10 of the 30 total points." (requirements.md §2a: Azure net customer adds 10/unit, max 30)
    book = rulebook_for(D("2022-11-01"))
    for adds, expected in [(1, 10), (2, 20), (3, 30), (7, 30)]:
        s = score_area(book, "DATA_AI", [Measurement("netCustomerAdds", Fraction(adds), "PAL")], {})
        assert pts(s, "netCustomerAdds") == expected


def test_partial_points_only_in_whole_units_and_never_below_zero():
    # FAQ: "partial points in whole increments"; net adds may be negative (SPEC §3.1).
    book = rulebook_for(D("2022-11-01"))
    s = score_area(book, "DATA_AI", [Measurement("netCustomerAdds", Fraction("2.9"), "PAL")], {})
    assert pts(s, "netCustomerAdds") == 20
    s = score_area(book, "DATA_AI", [Measurement("netCustomerAdds", Fraction(-4), "PAL")], {})
    assert pts(s, "netCustomerAdds") == 0


def test_faq_twenty_consultants_earn_the_full_20_business_applications_points_one_each():
    # FAQ "How do I meet the skilling requirements for the Business Applications designation when
    # 20 people are required?": "20 consultants are required to earn the full 20 points ...
    # partners can earn one point for every consultant."
    book = rulebook_for(D("2022-11-01"))
    certs = sorted(book.areas["BUSINESS_APPLICATIONS"].track("ENTERPRISE").metrics[1].roster.certifications)
    for n in (1, 7, 20, 25):
        roster = {certs[0]: {f"person-{i}" for i in range(n)}}
        s = score_area(book, "BUSINESS_APPLICATIONS", [], roster, "ENTERPRISE")
        assert pts(s, "intermediateCertifications") == min(n, 20)


def test_one_person_counts_once_per_metric_but_across_designations():
    # FAQ: "Can one person with their exam passed be linked to more than one Solutions Partner
    # designation? Yes." and BA table: "Each certified person counts once, however many certs".
    book = rulebook_for(D("2022-11-01"))
    ba = sorted(book.areas["BUSINESS_APPLICATIONS"].track("ENTERPRISE").metrics[1].roster.certifications)
    roster = {ba[0]: {"ann"}, ba[1]: {"ann"}}
    s = score_area(book, "BUSINESS_APPLICATIONS", [], roster, "ENTERPRISE")
    assert pts(s, "intermediateCertifications") == 1
    p = Partner()
    p.fact("CertificationEarned", cert("ann", "Azure Administrator Associate", "2022-11-01"))
    areas = {d["solutionArea"] for d in p.of("ScoreEvaluated")}
    assert {"DIGITAL_APP_INNOVATION", "INFRASTRUCTURE", "DATA_AI"} <= areas


def test_fractional_points_per_person_are_exact():
    # requirements.md §5a: Security intermediate 6.67 (20/3) per person, max 40 from 6 people.
    book = rulebook_for(D("2022-11-01"))
    rule = next(m for m in book.areas["SECURITY"].tracks[0].metrics if m.key == "intermediateCertifications").roster
    roster = {c: {f"g-{c}"} for g in rule.gates for c in g.certifications}
    step3 = sorted(rule.certifications)[0]
    roster[step3] = roster.get(step3, set()) | {f"s-{i}" for i in range(3)}
    s = score_area(book, "SECURITY", [], roster)
    persons = len(set().union(*(roster[c] for c in rule.certifications if c in roster)))
    assert pts(s, "intermediateCertifications") == Fraction(20, 3) * persons
    assert engine.fmt(Fraction(20, 3) * 3) == "20.00"


def test_gdap_never_counts_and_security_launch_rules_refuse_csp():
    # FAQ "Will GDAP be added ...?": "GDAP is not currently one of the attribution methods";
    # FAQ "Why is the Cloud Solution Provider (CSP) partner association not eligible for the
    # Solutions Partner for Security designation?"
    book = rulebook_for(D("2022-11-01"))
    s = score_area(book, "DATA_AI", [Measurement("netCustomerAdds", Fraction(3), "GDAP")], {})
    assert pts(s, "netCustomerAdds") == 0
    s = score_area(book, "SECURITY", [Measurement("netCustomerAdds", Fraction(5), "CSP_T1")], {})
    assert pts(s, "netCustomerAdds") == 0
    s = score_area(book, "SECURITY", [Measurement("netCustomerAdds", Fraction(5), "PAL")], {})
    assert pts(s, "netCustomerAdds") == 10


def test_metric_never_exceeds_its_maximum():
    # FAQ "Is it possible to earn more than the maximum number of points in a category? No".
    book = rulebook_for(D("2022-11-01"))
    s = score_area(book, "DATA_AI", [Measurement("usageGrowth", Fraction(500), "PAL")], {})
    assert pts(s, "usageGrowth") == 20


def test_modern_work_scores_both_tracks_and_keeps_the_higher():
    # requirements.md §1 "Tracks (V2023)": Modern Work scores both tracks and takes the higher.
    book = rulebook_for(D("2022-11-01"))
    ms = [Measurement("netCustomerAdds", Fraction(10), "CSP_T1")]  # SMB track only: 2/add, max 20
    s = score_area(book, "MODERN_WORK", ms, {})
    assert s.track == "SMB" and pts(s, "netCustomerAdds") == 20


def test_measurement_never_overwrites_a_newer_one():
    # SPEC §2.2: feeds may arrive late, twice or out of order.
    p = Partner()
    p.fact("MetricsReported", metrics("DATA_AI", "2022-12-10", {"netCustomerAdds": 3}))
    p.fact("MetricsReported", metrics("DATA_AI", "2022-11-10", {"netCustomerAdds": 1}))
    assert p.state["measurements"]["DATA_AI"]["netCustomerAdds|PAL|"][-1][1] == "3"
    # The late, older one is scored on its own day; the newer day's score (3 adds) is unchanged,
    # so it is not announced again.
    assert [(d["evaluatedOn"], d["total"]) for d in p.of("ScoreEvaluated")] == [
        ("2022-12-10", "30.00"), ("2022-11-10", "10.00")]
    assert [h[:3] for h in p.state["scoreHistory"]["DATA_AI"]] == [["2022-11-10", False, "10.00"],
                                                                  ["2022-12-10", False, "30.00"]]


def test_scores_as_of_a_past_date_use_the_facts_in_force_then():
    # Issue "Beyond Partner Center" §2: time travel from the recorded facts.
    from shared.rules.views import scores_view

    p = Partner()
    p.fact("MetricsReported", metrics("DATA_AI", "2022-11-10", {"netCustomerAdds": 3}))
    p.fact("MetricsReported", metrics("DATA_AI", "2022-12-10", {"netCustomerAdds": 1}))
    p.fact("CertificationEarned", cert("ann", "Azure Data Engineer Associate", "2022-11-01"))
    p.fact("CertificationRemoved", cert("ann", "Azure Data Engineer Associate", "2022-12-01"))

    def nca(on):
        area = next(a for a in scores_view(p.state, on)["areas"] if a["solutionArea"] == "DATA_AI")
        return area["metrics"][0]["points"]

    assert (nca("2022-11-09"), nca("2022-11-30"), nca("2022-12-31")) == ("0.00", "30.00", "10.00")
    from shared.rules.engine import roster_of
    assert roster_of(p.state, "2022-11-15") == {"azure data engineer associate": {"ann"}}
    assert roster_of(p.state, "2022-12-15") == {} and roster_of(p.state) == {}


def test_qualification_window_grows_from_30_to_180_days_on_2023_09_19():
    # requirements.md §1 "Window change": effective Sep 19, 2023, from 30 days to 180 days.
    assert rulebook_for(D("2023-09-18")).qualification_window_days == 30
    assert rulebook_for(D("2023-09-19")).qualification_window_days == 180


def test_security_skilling_gates_need_two_people_from_2023_12_01():
    # requirements.md §10 "Security skilling gates": 1 person each -> 2 people each on Dec 1, 2023.
    def gates_of(day):
        rule = next(m for m in rulebook_for(D(day)).areas["SECURITY"].tracks[0].metrics if m.roster).roster
        return [g.persons for g in rule.gates], rule.certifications
    before, certs_before = gates_of("2023-11-30")
    after, certs_after = gates_of("2023-12-01")
    assert before == [1, 1] and after == [2, 2]
    assert "security operations analyst associate" in certs_before
    assert "security operations analyst associate" not in certs_after


# --- §2.3 attainment ---------------------------------------------------------------------------


def test_exactly_70_with_one_metric_at_zero_is_not_attained():
    # FAQ: "A minimum of 70 points (with points in each category and sub-category)".
    # Digital & App Innovation: 20 + 20 + 20 + 10 = 70 with net customer adds at 0.
    book = rulebook_for(D("2022-11-01"))
    track = book.areas["DIGITAL_APP_INNOVATION"].tracks[0]
    roster = {}
    for metric in track.metrics:
        if metric.roster:
            for g in metric.roster.gates:
                for c in g.certifications:
                    roster.setdefault(c, set()).update({f"{metric.key}-g{i}" for i in range(g.persons)})
            c = sorted(metric.roster.certifications)[0]
            roster.setdefault(c, set()).update({f"{metric.key}-{i}" for i in range(10)})
    ms = [Measurement("usageGrowth", Fraction(20), "PAL"), Measurement("deployments", Fraction(5), "PAL")]
    s = score_area(book, "DIGITAL_APP_INNOVATION", ms, roster)
    assert s.points() == 70 and not s.qualified
    s = score_area(book, "DIGITAL_APP_INNOVATION", [*ms, Measurement("netCustomerAdds", Fraction(1), "PAL")], roster)
    assert s.points() == 80 and s.qualified


def test_attained_immediately_on_the_qualifying_date_with_badge():
    # FAQ: "you'll immediately receive the corresponding customer-facing badge".
    p = Partner()
    p.qualify("DATA_AI", "2022-11-15")
    [att] = p.of("DesignationAttained")
    assert att["attainedOn"] == "2022-11-15" and att["anniversaryDate"] == "2023-11-15"
    assert {b["badge"] for b in p.of("BadgeIssued")} == {"DATA_AI"}


def test_nothing_attained_before_launch_but_a_recent_score_counts_on_2022_10_03():
    # FAQ: "Starting on October 3, 2022, Solutions Partner designations will be available";
    # SPEC §2.1: a qualifying score measured earlier counts on 2022-10-03 inside the window.
    p = Partner()
    p.qualify("DATA_AI", "2022-09-20")
    assert p.of("DesignationAttained")[0]["attainedOn"] == "2022-10-03"
    late = Partner()
    late.qualify("DATA_AI", "2022-08-01")  # 63 days before launch: outside the 30-day window
    assert late.of("DesignationAttained") == []


def test_microsoft_cloud_badge_when_all_six_are_held():
    # FAQ "What badges are available ...?": "a Solutions Partner for Microsoft Cloud badge, for
    # partners who attain all six Solutions Partner designations".
    p = Partner()
    for i, area in enumerate(AREAS):
        p.qualify(area, f"2022-11-{10 + i}")
        cloud = [b for b in p.of("BadgeIssued") if b["badge"] == "MICROSOFT_CLOUD"]
        assert bool(cloud) == (i == len(AREAS) - 1)
    assert cloud[0]["issuedOn"] == "2022-11-15"


def test_a_dip_below_70_changes_nothing_before_the_anniversary():
    # FAQ "What happens if we attain ... but dip below 70 points ...?": "On your anniversary date,
    # not beforehand, we'll check if you still meet the requirements."
    p = Partner()
    p.qualify("DATA_AI", "2022-11-15")
    p.drop("DATA_AI", "2023-01-10")
    p.tick("2023-11-14")
    assert p.of("DesignationLapsed") == []
    p.tick("2023-11-15")
    # Window 30 days under the 2022-10-03 rulebook? No: 2023-11-15 is under 2023-09-19 (180 days),
    # and the score fell in January: not met on any day of 2023-05-19 .. 2023-11-15.
    [lapse] = p.of("DesignationLapsed")
    assert lapse["lapsedOn"] == "2023-11-15" and lapse["reason"] == "NOT_QUALIFIED"


# --- §2.4 anniversary, fees, benefits -----------------------------------------------------------


def test_faq_modern_work_nov_business_applications_jan_security_feb_share_the_november_anniversary():
    # FAQ "If I attain an additional designation mid-year ...?": "Modern Work ... November 2022, and
    # then Business Applications ... January 2023 and Security in February 2023, all three
    # designations will have the same anniversary date of November 2023."
    p = Partner()
    p.qualify("MODERN_WORK", "2022-11-08")
    p.qualify("BUSINESS_APPLICATIONS", "2023-01-12")
    p.qualify("SECURITY", "2023-02-14")
    attained = p.of("DesignationAttained")
    assert [a["solutionArea"] for a in attained] == ["MODERN_WORK", "BUSINESS_APPLICATIONS", "SECURITY"]
    assert {a["anniversaryDate"] for a in attained} == {"2023-11-08"}
    [opened] = p.tick("2023-11-08")[-1:]
    assert opened[0] == "RenewalOpened"
    assert sorted(opened[1]["designations"]) == ["BUSINESS_APPLICATIONS", "MODERN_WORK", "SECURITY"]


def test_the_partner_view_names_dated_work_no_daily_run_has_done_yet():
    # FAQ "On your anniversary date, not beforehand, we'll check if you still meet the requirements":
    # a view dated after an anniversary the daily run has not processed must not present the
    # designation as checked; it lists the work still to do.
    from shared.rules import views

    p = Partner()
    p.qualify("MODERN_WORK", "2022-11-08")
    p.tick("2023-09-01")
    assert views.partner_view(p.state, "2023-09-01")["pendingWork"] == []
    later = views.partner_view(p.state, "2023-12-20")["pendingWork"]
    assert [(w["kind"], w["dueOn"]) for w in later] == [("RENEWAL_RISK", "2023-09-09"), ("ANNIVERSARY", "2023-11-08")]
    p.tick("2023-12-20")
    assert views.partner_view(p.state, "2023-12-20")["pendingWork"] == []


def test_one_fee_of_4730_however_many_designations():
    # FAQ "Do we need to pay a separate fee for each of the six ...?": "regardless of how many
    # designations, will be $4,730 USD".
    p = Partner()
    p.qualify("MODERN_WORK", "2022-11-08")
    p.qualify("SECURITY", "2023-02-14")
    p.tick("2023-11-08")
    [opened] = p.of("RenewalOpened")
    assert opened["fees"] == [{"option": "SOLUTIONS_PARTNER", "amount": "4730", "currency": "USD"}]
    assert opened["options"] == ["SOLUTIONS_PARTNER"]  # never the legacy option without legacy benefits


def test_renewal_with_election_then_lapse_without_payment():
    # FAQ: "If you do, you'll retain the Solutions Partner designation ... after paying the annual
    # fee"; SPEC §2.4: a qualified designation whose fee is not paid in 30 days lapses.
    p = Partner()
    p.qualify("MODERN_WORK", "2022-11-08")
    p.qualify("MODERN_WORK", "2023-10-10")
    p.tick("2023-11-08")
    assert p.of("DesignationLapsed") == []
    p.elect("2023-11-08", "SOLUTIONS_PARTNER", on="2023-11-20")
    [renewed] = p.of("DesignationRenewed")
    assert renewed["nextAnniversaryDate"] == "2024-11-08" and renewed["option"] == "SOLUTIONS_PARTNER"
    assert p.elect("2023-11-08", "SOLUTIONS_PARTNER", on="2023-11-21") == []  # the same election again
    with pytest.raises(RuleRejected) as e:
        p.elect("2023-11-08", "LEGACY", on="2023-11-21")
    assert e.value.field == "detail.option"

    q = Partner()
    q.qualify("MODERN_WORK", "2022-11-08")
    q.qualify("MODERN_WORK", "2023-10-10")
    q.tick("2023-12-08")  # payment due by 2023-12-08 inclusive
    assert q.of("DesignationLapsed") == []
    q.tick("2023-12-09")
    [lapse] = q.of("DesignationLapsed")
    assert lapse["reason"] == "PAYMENT_WINDOW_EXPIRED" and lapse["lapsedOn"] == "2023-12-09"


def test_fee_below_the_market_fee_or_unknown_currency_is_rejected():
    p = Partner()
    p.qualify("MODERN_WORK", "2022-11-08")
    p.qualify("MODERN_WORK", "2023-10-10")
    p.tick("2023-11-08")
    with pytest.raises(RuleRejected) as e:
        p.elect("2023-11-08", "SOLUTIONS_PARTNER", on="2023-11-10", amount="100")
    assert e.value.field == "detail.fee.amount"
    with pytest.raises(RuleRejected) as e:
        p.elect("2023-11-08", "SOLUTIONS_PARTNER", on="2023-11-10", currency="XXX")
    assert e.value.field == "detail.fee.currency"


def legacy_partner(anniversary="2022-11-11", level="GOLD"):
    p = Partner()
    p.fact("LegacyCompetencyRecorded", {"competency": "Security", "level": level, "heldOn": "2021-11-11",
                                        "anniversaryDate": anniversary})
    return p


def test_legacy_partner_keeps_its_anniversary_and_pays_nothing_until_then():
    # FAQ: "If, after October 3, 2022, you attain 70 points ... you will immediately receive the new
    # customer-facing badge and no additional fee is paid. On your next anniversary date, you will
    # be able to choose whether to retain your legacy competency benefits or move to ..."
    p = legacy_partner("2023-03-15")
    p.qualify("SECURITY", "2022-11-01")
    [att] = p.of("DesignationAttained")
    assert att["anniversaryDate"] == "2023-03-15"
    p.qualify("SECURITY", "2023-03-01")
    p.tick("2023-03-15")
    [opened] = p.of("RenewalOpened")
    assert opened["options"] == ["SOLUTIONS_PARTNER", "LEGACY"]
    p.elect("2023-03-15", "LEGACY", on="2023-03-20")  # Option 2 keeps the designation too
    assert [r["option"] for r in p.of("DesignationRenewed")] == ["LEGACY"]


def test_legacy_partner_not_qualified_may_still_buy_legacy_benefits():
    # FAQ: "Does not qualify for designation at the time of anniversary: Retain your legacy silver or
    # gold competency benefits and pay an annual fee."
    p = legacy_partner("2022-11-11", level="SILVER")
    p.tick("2022-11-11")
    [opened] = p.of("RenewalOpened")
    assert opened["designations"] == [] and opened["options"] == ["LEGACY"]
    assert opened["fees"] == [{"option": "LEGACY", "amount": "1670", "currency": "USD"}]
    p.elect("2022-11-11", "LEGACY", on="2022-11-12", amount="1670")
    with pytest.raises(RuleRejected):
        Partner().elect("2022-11-11", "LEGACY", on="2022-11-12")


def test_legacy_competency_cannot_be_renewed_after_2022_09_30_nor_before_its_anniversary():
    # FAQ: "September 30, 2022 is the last day to renew legacy competencies"; "No, you can't renew
    # your legacy competency before your anniversary date."
    p = Partner()
    with pytest.raises(RuleRejected) as e:
        p.fact("LegacyCompetencyRecorded", {"competency": "Security", "level": "GOLD", "heldOn": "2022-10-01",
                                            "anniversaryDate": "2023-10-01"})
    assert e.value.field == "detail.heldOn"
    p = legacy_partner("2022-11-11")
    with pytest.raises(RuleRejected) as e:
        p.fact("LegacyCompetencyRecorded", {"competency": "Security", "level": "GOLD", "heldOn": "2022-09-01",
                                            "anniversaryDate": "2023-09-01"})
    assert e.value.reason == "RENEWAL_BEFORE_ANNIVERSARY"
    with pytest.raises(RuleRejected) as e:
        p.elect("2022-11-11", "LEGACY", on="2022-10-15")
    assert e.value.reason == "RENEWAL_BEFORE_ANNIVERSARY"


def test_new_partner_may_pay_at_once_but_never_gets_the_legacy_option():
    # FAQ: "once you attain the Solutions Partner designation, since you do not have legacy
    # benefits, you immediately have the opportunity to pay the fee ... you would not have the
    # opportunity to select your prior legacy competency benefits".
    p = Partner()
    p.qualify("DATA_AI", "2022-11-15")
    assert p.elect("2022-11-15", "SOLUTIONS_PARTNER", on="2022-11-16") == []
    assert p.state["benefits"]["option"] == "SOLUTIONS_PARTNER"
    with pytest.raises(RuleRejected) as e:
        p.elect("2022-11-15", "LEGACY", on="2022-11-16")
    assert e.value.field == "detail.option"


def test_29_february_anniversary_falls_on_28_february():
    # SPEC §2.4 (policy parameter leap_day_anniversary, default FEB_28).
    p = Partner()
    p.qualify("DATA_AI", "2024-02-29")
    [att] = p.of("DesignationAttained")
    assert att["anniversaryDate"] == "2025-02-28"


# --- §2.5 specializations, §2.6 Azure Expert MSP, §2.7 Training Services ---------------------------


def test_faq_partner_a_loses_threat_protection_on_2023_02_03_without_security():
    # FAQ "Example scenario, Partner A": Gold Security (anniversary 2022-11-11), Threat Protection
    # (anniversary 2023-02-03), 60 points toward Security: "they will lose their specialization on
    # the specialization's anniversary date".
    p = legacy_partner("2022-11-11")
    p.fact("SpecializationRecorded", {"specialization": "Threat Protection", "anniversaryDate": "2023-02-03"})
    sixty = metrics("SECURITY", "2022-10-03", {"netCustomerAdds": 10})
    sixty["measurements"] += [{"metric": "deployments", "value": "6", "association": "PAL", "segment": "AZURE"},
                              {"metric": "usageGrowth", "value": "25000", "association": "PAL", "segment": "AZURE"}]
    p.fact("MetricsReported", sixty)
    assert p.state["scoreHistory"]["SECURITY"][-1][2] == "60.00"  # 60 points, no skilling
    p.tick("2023-01-04")
    [warn] = p.of("SpecializationAtRisk")
    assert warn["warnedOn"] == "2023-01-04" and warn["requiredDesignations"] == ["SECURITY"]
    p.tick("2023-02-02")
    assert p.of("SpecializationLost") == []
    p.tick("2023-02-03")
    [lost] = p.of("SpecializationLost")
    assert lost["lostOn"] == "2023-02-03"
    assert not gates.specialization_gate(p.state, "Threat Protection", "2023-02-03")["allowed"]


def test_specialization_kept_with_any_one_mapped_designation():
    # FAQ: "For specializations aligned to more than one Solutions Partner designation, partners
    # need only attain one of the required Solutions Partner designations."
    p = Partner()
    p.fact("SpecializationRecorded", {"specialization": "Kubernetes on Microsoft Azure", "anniversaryDate": "2023-05-01"})
    p.qualify("DIGITAL_APP_INNOVATION", "2022-11-01")
    p.tick("2023-05-01")
    assert p.of("SpecializationLost") == [] and p.of("SpecializationAtRisk") == []


def test_azure_expert_msp_lost_30_days_after_its_anniversary_without_all_three_azure():
    # FAQ: "If your organization does not attain all three Azure Solutions Partner designations at
    # the time of your Azure Expert MSP anniversary date, you will lose your Azure Expert MSP status
    # and existing benefits within 30 calendar days."
    p = Partner()
    p.fact("AzureExpertMspRecorded", {"anniversaryDate": "2023-01-20"})
    p.qualify("DATA_AI", "2022-11-01")
    p.qualify("INFRASTRUCTURE", "2022-11-01")
    p.tick("2023-01-20")
    [lost] = p.of("AzureExpertMspLost")
    assert lost["lossEffectiveOn"] == "2023-02-19" and lost["missingDesignations"] == ["DIGITAL_APP_INNOVATION"]
    assert gates.msp_gate(p.state, "2023-02-18")["allowed"]
    p.tick("2023-02-19")
    assert not gates.msp_gate(p.state, "2023-02-19")["allowed"]


def test_training_services_per_area_when_the_base_criteria_hold():
    # FAQ "How do Solutions Partner designations work with the Learning Partner program?":
    # 1,000+ MOC activations, 200 exam vouchers, 4.25 of 5, and 200 MTM surveys per area.
    p = Partner()
    period = {"periodEnd": "2023-01-31", "coursewareActivations": 1000, "examVouchers": "200", "qualityScore": "4.25",
              "surveysByArea": {"SECURITY": 200, "MODERN_WORK": 199}}
    p.fact("TrainingMetricsReported", period)
    assert [b["badge"] for b in p.of("BadgeIssued")] == ["TRAINING_SERVICES:SECURITY"]
    q = Partner()
    q.fact("TrainingMetricsReported", {**period, "qualityScore": "4.24"})
    assert q.of("BadgeIssued") == []


# --- §2.8 gates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("offer", ["MANAGED_SERVICES", "CONSULTING_SERVICES"])
def test_legacy_marketplace_allowance_ends_after_2023_10_02(offer):
    # FAQ: "existing partners, who have a competency on September 30 2022, will be able to publish
    # Managed Services [Consulting Services] offer types until October 3 2023."
    p = legacy_partner()
    assert gates.offer_gate(p.state, offer, "2023-10-02")["reason"] == "LEGACY_TRANSITION"
    assert not gates.offer_gate(p.state, offer, "2023-10-03")["allowed"]
    assert not gates.offer_gate(Partner().state, offer, "2022-10-03")["allowed"]  # new partner


def test_services_co_sell_allowance_needs_co_sell_ready_and_ends_after_2023_10_02():
    # FAQ "How do Solutions Partner designations work with co-sell?"
    p = legacy_partner()
    p.fact("OfferRecorded", {"offerId": "o-1", "offerType": "CONSULTING_SERVICES", "publishedOn": "2022-05-01", "coSellReady": True})
    assert gates.offer_gate(p.state, "SERVICES_CO_SELL", "2023-10-02")["allowed"]
    assert not gates.offer_gate(p.state, "SERVICES_CO_SELL", "2023-10-03")["allowed"]
    assert gates.offer_gate(p.state, "IP_CO_SELL", "2030-01-01")["reason"] == "NOT_GATED"


def test_appsource_existing_app_unaffected_through_2023_10_02_and_new_apps_need_a_designation():
    # FAQ: "no impact to your existing, published app until October 3 2023. For new applications
    # ... post Oct. 3, 2022, a partner will be required to have a Solutions Partner designation".
    p = legacy_partner()
    p.fact("OfferRecorded", {"offerId": "app-1", "offerType": "APPSOURCE_APP", "publishedOn": "2022-03-01", "coSellReady": False})
    assert gates.offer_gate(p.state, "APPSOURCE_APP", "2023-10-02", "app-1")["reason"] == "EXISTING_APP_TRANSITION"
    assert not gates.offer_gate(p.state, "APPSOURCE_APP", "2023-10-03", "app-1")["allowed"]
    assert not gates.offer_gate(p.state, "APPSOURCE_APP", "2022-10-03", "new-app")["allowed"]
    p.qualify("SECURITY", "2022-11-01")
    assert gates.offer_gate(p.state, "APPSOURCE_APP", "2022-11-01", "new-app")["reason"] == "DESIGNATION_HELD"


def test_incentives_option_1_or_option_2_never_both_and_a_designation_from_2023_10_01():
    # FAQ "Will incentives be changing?"
    p = legacy_partner("2022-11-11")
    assert gates.incentives_gate(p.state, "2022-11-10")["reason"] == "OPTION_2_UNTIL_ANNIVERSARY"
    p.tick("2022-11-11")
    assert not gates.incentives_gate(p.state, "2022-11-11")["allowed"]
    p.elect("2022-11-11", "LEGACY", on="2022-11-11")
    assert gates.incentives_gate(p.state, "2023-09-30")["reason"] == "OPTION_2_LEGACY_PACKAGE"
    assert not gates.incentives_gate(p.state, "2023-10-01")["allowed"]
    p.qualify("SECURITY", "2023-01-05")
    answer = gates.incentives_gate(p.state, "2023-02-01")
    assert answer["option"] == "OPTION_1"  # "Double incentives will not be possible"
    assert gates.incentives_gate(p.state, "2023-10-01")["reason"] == "OPTION_1_DESIGNATION"


def test_renewal_risk_forecast_inside_the_horizon_names_the_smallest_change():
    # Issue "Beyond Partner Center" §4: designations that would lapse if the anniversary were today.
    p = Partner()
    p.qualify("DATA_AI", "2022-11-15")
    p.drop("DATA_AI", "2023-01-10")
    p.tick("2023-09-15")
    assert p.of("RenewalAtRisk") == []
    p.tick("2023-09-16")  # 60 days before 2023-11-15
    [risk] = p.of("RenewalAtRisk")
    assert risk["solutionArea"] == "DATA_AI" and risk["daysUntil"] == 60
    assert {s["metric"] for s in risk["shortfall"]} == {"netCustomerAdds", "usageGrowth", "deployments"}
    p.tick("2023-09-30")
    assert len(p.of("RenewalAtRisk")) == 1  # once per anniversary


def test_guidance_names_what_each_metric_still_needs_smallest_change_first():
    # FAQ "What if I do not have the 70 points ...?": "guidance on how you can improve your score".
    from shared.rules.guidance import plan

    book = rulebook_for(D("2022-11-01"))
    s = score_area(book, "DATA_AI", [Measurement("netCustomerAdds", Fraction(1), "PAL"),
                                     Measurement("usageGrowth", Fraction(20), "PAL")], {})
    g = plan(s)
    assert g["reachable"] and 70 <= Fraction(g["projectedTotal"]) < 76
    needs = {n["metric"]: n for n in g["needs"]}
    assert needs["deployments"]["unitsNeeded"] == 1  # every metric above 0 first
    assert needs["intermediateCertifications"]["gatePersonsNeeded"] == 4  # 2 architects + 2 administrators
    assert [n["unitsNeeded"] for n in g["needs"]] == sorted(n["unitsNeeded"] for n in g["needs"])
    done = score_area(book, "DATA_AI", [Measurement("netCustomerAdds", Fraction(3), "PAL")], {})
    assert plan(done)["needs"][0]["metric"] != "netCustomerAdds"


def test_why_names_the_rule_and_numbers_behind_each_decision():
    # Issue "Beyond Partner Center" §1: the audit trail explains every decision in plain sentences.
    from shared.rules.explain import why

    p = Partner()
    p.qualify("DATA_AI", "2022-11-15")
    p.drop("DATA_AI", "2023-01-10")
    p.tick("2023-10-01")
    p.tick("2023-11-15")
    lines = why(p.state, "DATA_AI")
    assert [line["rule"] for line in lines] == ["ATTAINMENT", "RENEWAL_FORECAST", "ANNIVERSARY_RENEWAL"]
    assert "attained with 100.00 points (rulebook 2022-10-03" in lines[0]["sentence"]
    assert "did not meet the requirements on any day of the window 2023-05-19 … 2023-11-15" in lines[2]["sentence"]
    assert lines[0]["citation"].startswith("FAQ")
