"""SPEC §2.2 scoring (shared/rules/scoring/), each test citing the FAQ passage or the table row it checks."""

from __future__ import annotations

from fractions import Fraction

from shared.rules.scoring.display import fmt
from shared.rules.scoring.guidance import plan
from shared.rules.scoring.history import roster_of
from shared.rules.scoring.rulebook import rulebook_for
from shared.rules.scoring.score import Measurement, score_area
from shared.rules.views import scores_view
from tests.unit.builders import Partner, cert, metrics
from tests.unit.rules.helpers import D, pts

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
    assert fmt(Fraction(20, 3) * 3) == "20.00"


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
    p = Partner()
    p.fact("MetricsReported", metrics("DATA_AI", "2022-11-10", {"netCustomerAdds": 3}))
    p.fact("MetricsReported", metrics("DATA_AI", "2022-12-10", {"netCustomerAdds": 1}))
    p.fact("CertificationEarned", cert("ann", "Azure Data Engineer Associate", "2022-11-01"))
    p.fact("CertificationRemoved", cert("ann", "Azure Data Engineer Associate", "2022-12-01"))

    def nca(on):
        area = next(a for a in scores_view(p.state, on)["areas"] if a["solutionArea"] == "DATA_AI")
        return area["metrics"][0]["points"]

    assert (nca("2022-11-09"), nca("2022-11-30"), nca("2022-12-31")) == ("0.00", "30.00", "10.00")
    assert roster_of(p.state, "2022-11-15") == {"azure data engineer associate": {"ann"}}
    assert roster_of(p.state, "2022-12-15") == {} and roster_of(p.state) == {}


def test_security_skilling_gates_need_two_people_from_2023_12_01():
    # requirements.md §10 "Security skilling gates": 1 person each -> 2 people each on Dec 1, 2023.
    def gates_of(day):
        rule = next(m for m in rulebook_for(D(day)).areas["SECURITY"].tracks[0].metrics if m.roster).roster
        return [g.persons for g in rule.gates], rule.certifications
    before, certs_before = gates_of("2023-11-30")
    after, certs_after = gates_of("2023-12-01")
    assert before == [1, 1] and after == [2, 2]
    assert "security-operations-analyst-associate" in certs_before  # catalogue entry ids
    assert "security-operations-analyst-associate" not in certs_after


def test_guidance_names_what_each_metric_still_needs_smallest_change_first():
    # FAQ "What if I do not have the 70 points ...?": "guidance on how you can improve your score".
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
