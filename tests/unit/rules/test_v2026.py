"""The V2026 rulebook (shared/rules/data/rulebook-2026-07-01.json): the worked examples of
requirements.md, each citing its section (issue 17 item 2, "Must show").

requirements.md §0 names the V2026 source: captures of the live Microsoft Learn pages
(cpan1979/pcs-skills snapshots/*.md); the step examples quoted below ("Example 1" ...) are theirs.
Partners are built from feed-shaped facts and read through the scores view, as the API serves them.
"""

from __future__ import annotations

from datetime import date

import pytest

from shared.rules.catalogue import catalogue, resolve
from shared.rules.scoring.rulebook import DATA_DIR, rulebook_for
from shared.rules.views import scores_view

from ..builders import Partner, cert, metrics
from .rulebook_files import names_in

D = date.fromisoformat
ON = "2026-09-01"  # a day under the V2026 rules
ADMIN, ARCHITECT = "Azure Administrator Associate", "Azure Solutions Architect Expert"
DATA_AI_STEP3 = "Azure Database Administrator Associate"  # listed by V2023 and V2026 (§2b)
SEC_ENGINEER, SEC_ANALYST = "Azure Security Engineer Associate", "Security Operations Analyst Associate"
SEC_STEP3 = "Cybersecurity Architect Expert"


def people(prefix: str, n: int, *certifications: str) -> list[tuple[str, str]]:
    """`n` people `prefix-0` ... each holding every one of `certifications`."""
    return [(f"{prefix}-{i}", c) for i in range(n) for c in certifications]


def score(area: str, on: str, held=(), reports=(), track: str | None = None) -> dict:
    """The scores view of `area` on `on` for a partner whose people earned `held` on `on` and whose
    feed sent `reports` ((values, association, segment) each) with the classification `track`."""
    p = Partner()
    for person, name in held:
        p.fact("CertificationEarned", cert(person, name, on))
    for values, association, segment in reports or [({"netCustomerAdds": 0}, "PAL", None)]:
        p.fact("MetricsReported", metrics(area, on, values, association, track=track, segment=segment))
    return next(a for a in scores_view(p.state, on)["areas"] if a["solutionArea"] == area)


def points(view: dict, metric: str) -> str:
    return next(m["points"] for m in view["metrics"] if m["metric"] == metric)


# --- the version and its date ------------------------------------------------------------------


def test_v2026_takes_effect_on_its_policy_date_and_yesterdays_rules_stay_replayable():
    # requirements.md §10: the V2026 changes are undated; effectiveFrom 2026-07-01 is the policy
    # value of docs/decisions.md ("The V2026 rulebook").
    assert rulebook_for(D("2026-06-30")).version == "2023-12-01"
    assert rulebook_for(D("2026-07-01")).version == "2026-07-01"
    assert score("DATA_AI", "2026-06-30")["rulebookVersion"] == "2023-12-01"
    assert score("DATA_AI", "2026-07-01")["rulebookVersion"] == "2026-07-01"


def test_every_v2026_name_is_a_catalogue_entry_of_the_v2026_tables_and_none_is_missing():
    # requirements.md §2b-§5b (V2026 lists); the catalogue's `listedIn` says which tables list an entry.
    named = {resolve(n).id for n in names_in(DATA_DIR / "rulebook-2026-07-01.json")}
    listed = {e.id for e in catalogue().entries if "V2026" in e.listed_in}
    assert named == listed


# --- Azure: Enterprise and SMB tracks (requirements.md §2) -------------------------------------


@pytest.mark.parametrize("track, held, expected", [
    # requirements.md §2b V2026 SMB: "1 person ...; the step earns 4 pts, capped"; Step 3 4 per person.
    ("SMB", people("a", 2, ADMIN) + people("s", 2, ARCHITECT) + people("x", 3, DATA_AI_STEP3), "20.00"),  # Example 1
    ("SMB", people("a", 2, ADMIN, ARCHITECT, DATA_AI_STEP3), "16.00"),  # Example 2: the same two people
    ("SMB", people("a", 2, ADMIN) + people("x", 2, DATA_AI_STEP3), "4.00"),  # Example 3: Step 2 missing
    ("SMB", people("x", 2, DATA_AI_STEP3), "0.00"),  # Example 4: Steps 1 and 2 missing
    ("SMB", people("a", 1, ADMIN, ARCHITECT) + people("x", 12, DATA_AI_STEP3), "40.00"),  # 4 + 4 + 48, capped at 40
    # requirements.md §2b V2026 Enterprise: 2 people per step, no points; Step 3 4 per person.
    ("ENTERPRISE", people("a", 2, ADMIN) + people("s", 2, ARCHITECT) + people("x", 3, DATA_AI_STEP3), "12.00"),
    ("ENTERPRISE", people("a", 2, ADMIN, ARCHITECT, DATA_AI_STEP3), "8.00"),
    ("ENTERPRISE", people("a", 2, ADMIN) + people("x", 2, DATA_AI_STEP3), "0.00"),
    ("ENTERPRISE", people("a", 1, ADMIN) + people("s", 2, ARCHITECT) + people("x", 2, DATA_AI_STEP3), "0.00"),
    ("ENTERPRISE", people("a", 1, ADMIN, ARCHITECT) + people("x", 12, DATA_AI_STEP3), "0.00"),
])
def test_data_ai_skilling_smb_gates_of_one_person_earn_4_each_and_step_3_pays_only_after_both(track, held, expected):
    view = score("DATA_AI", ON, held, track=track)
    assert view["track"] == track
    assert points(view, "intermediateCertifications") == expected


@pytest.mark.parametrize("area, metric, gate, listed", [
    # requirements.md §2c and §2d: one gate per metric; V2026 adds GitHub and Azure AI Cloud Developer.
    ("DIGITAL_APP_INNOVATION", "intermediateCertifications", ADMIN, "GitHub Certified: Agentic AI Developer"),
    ("DIGITAL_APP_INNOVATION", "advancedCertifications", ARCHITECT, "GitHub Copilot"),
    ("INFRASTRUCTURE", "intermediateCertifications", ADMIN, "Azure Network Engineer Associate"),
    ("INFRASTRUCTURE", "advancedCertifications", ARCHITECT, "Azure for SAP Workloads Specialty"),
])
def test_digital_app_innovation_and_infrastructure_smb_gate_of_one_person(area, metric, gate, listed):
    # The V2026 pages' SMB Example 3: "One person completes [the gate], earning four points. Two
    # people complete step 2, earning eight points. Total points = 12"; Example 4: no gate, 0.
    assert points(score(area, ON, people("g", 1, gate) + people("x", 2, listed), track="SMB"), metric) == "12.00"
    assert points(score(area, ON, people("x", 2, listed), track="SMB"), metric) == "0.00"
    # Enterprise Example 3: one person is not the gate of two.
    assert points(score(area, ON, people("g", 1, gate) + people("x", 2, listed), track="ENTERPRISE"), metric) == "0.00"
    # 4 (gate) + 5 x 4 = 24, capped at the metric's 20.
    assert points(score(area, ON, people("g", 1, gate) + people("x", 5, listed), track="SMB"), metric) == "20.00"


SMB_AZURE = {
    "held": people("a", 1, ADMIN) + people("s", 1, ARCHITECT) + people("x", 8, DATA_AI_STEP3),
    "reports": [({"netCustomerAdds": 3, "usageGrowth": 20, "deployments": 5}, "PAL", None)],
    "track": "SMB",
}


def test_an_smb_azure_partner_attains_under_v2026_where_the_2023_rules_would_not():
    # requirements.md §2 and §10 "Azure SMB track": gates of one person each, worth 4 points each.
    # V2026: 30 + (4 + 4 + 8 x 4) + 20 + 10 = 100.
    view = score("DATA_AI", ON, **SMB_AZURE)
    assert (view["track"], view["total"], view["qualified"]) == ("SMB", "100.00", True)
    p = Partner()
    for person, name in SMB_AZURE["held"]:
        p.fact("CertificationEarned", cert(person, name, ON))
    p.fact("MetricsReported", metrics("DATA_AI", ON, SMB_AZURE["reports"][0][0], track="SMB"))
    [attained] = p.of("DesignationAttained")
    assert (attained["solutionArea"], attained["attainedOn"]) == ("DATA_AI", ON)


def test_the_same_smb_inputs_dated_2023_are_scored_by_the_2023_rules():
    # requirements.md §2b V2023: one track, gates of 2 people each without points: skilling is 0,
    # so the area has 60 points and a metric without points.
    view = score("DATA_AI", "2023-06-01", **SMB_AZURE)
    assert view["rulebookVersion"] == "2022-10-03"
    assert (view["track"], view["total"], view["qualified"]) == ("ENTERPRISE", "60.00", False)
    assert points(view, "intermediateCertifications") == "0.00"


# --- Security: Enterprise and SMB paths, both scored (requirements.md §5b) ----------------------


@pytest.mark.parametrize("held, expected", [
    # V2026 security page, SMB examples (requirements.md §5b SMB: 1 person per step, 4 pts, capped; 8 per Step 3 person)
    (people("e", 2, SEC_ENGINEER) + people("o", 2, SEC_ANALYST) + people("x", 3, SEC_STEP3), "32.00"),  # Example 1
    (people("e", 2, SEC_ENGINEER, SEC_ANALYST, SEC_STEP3), "24.00"),  # Example 2 (the page's total)
    (people("e", 2, SEC_ENGINEER) + people("x", 2, SEC_STEP3), "4.00"),  # Example 3: Step 2 missing
    (people("x", 2, SEC_STEP3), "0.00"),  # Example 4
    (people("e", 1, "Cloud and AI Security Engineer Associate") + people("o", 1, SEC_ANALYST)
     + people("x", 6, SEC_STEP3), "40.00"),  # 4 + 4 + 48, capped at 40
])
def test_security_smb_path_skilling_examples(held, expected):
    view = score("SECURITY", ON, held)
    assert points(view, "intermediateCertifications") == expected
    # The Enterprise path earns less from these people (0 or 20/3 each): the SMB path counts,
    # except when both have nothing (a tie keeps the first path listed).
    assert view["track"] == ("ENTERPRISE" if expected == "0.00" else "SMB")


def test_security_enterprise_path_values():
    # requirements.md §5b Enterprise: 2 people per step without points, 20/3 per Step 3 person (§11
    # item 2), 2 points per net add (10 for 20), 1 point per USD 1,250 / 125 protected users;
    # SMB: 1 person and 4 points per step, 8 per person, 4 per net add, USD 750 / 50 users.
    area = rulebook_for(D(ON)).areas["SECURITY"]
    assert area.selection == "HIGHER" and [t.name for t in area.tracks] == ["ENTERPRISE", "SMB"]
    book = rulebook_for(D(ON))

    def of(track, key):
        return next(m for m in area.track(track).metrics if m.key == key)

    for track, persons, gate_points, per_person, per_add, units in [
        ("ENTERPRISE", 2, 0, "20/3", 2, (1250, 125)),
        ("SMB", 1, 4, "8", 4, (750, 50)),
    ]:
        rule = of(track, "intermediateCertifications").roster
        assert [(g.persons, book.to_fraction(g.points)) for g in rule.gates] == [(persons, gate_points)] * 2
        assert str(book.to_fraction(rule.points_per_person)) == per_person
        assert [book.to_fraction(p.points_per_unit) for p in of(track, "netCustomerAdds").parts] == [per_add]
        assert tuple(p.unit_size for p in of(track, "usageGrowth").parts) == units


def test_security_scores_both_paths_and_the_higher_solution_area_total_counts():
    # requirements.md §5b: "both scored; the higher solution-area score counts". Inputs: 5 net adds,
    # 6 deployments, USD 15,000 of security ACR growth, 2 + 2 gate people and 3 Step 3 people.
    # Enterprise: 10 + 20 + 20 + 12 = 62; SMB: 20 + 32 + 20 + 20 = 92.
    held = people("e", 2, SEC_ENGINEER) + people("o", 2, SEC_ANALYST) + people("x", 3, SEC_STEP3)
    reports = [({"netCustomerAdds": 5}, "PAL", None), ({"deployments": 6, "usageGrowth": 15000}, "PAL", "AZURE")]
    view = score("SECURITY", ON, held, reports)
    assert (view["track"], view["total"], view["qualified"]) == ("SMB", "92.00", True)
    # Both paths at their maximum: a tie keeps the first path listed (docs/decisions.md item 9).
    held = people("e", 2, SEC_ENGINEER) + people("o", 2, SEC_ANALYST) + people("x", 6, SEC_STEP3)
    reports = [({"netCustomerAdds": 10}, "PAL", None), ({"deployments": 6, "usageGrowth": 25000}, "PAL", "AZURE")]
    view = score("SECURITY", ON, held, reports)
    assert (view["track"], view["total"]) == ("ENTERPRISE", "100.00")


@pytest.mark.parametrize("association", ["CSP_T1", "CSP_T2"])
def test_security_counts_csp_for_both_azure_and_m365_under_v2026_but_not_under_2023(association):
    # requirements.md §5b "On 'Security excludes CSP'": V2023 Azure = PAL, M365 = CPOR; V2026
    # accepts CSP T1/T2 for both. 3 + 3 deployments = 6 x 10/3 = 20; 2 net adds.
    reports = [({"deployments": 3}, association, "AZURE"), ({"deployments": 3}, association, "M365"),
               ({"netCustomerAdds": 2}, association, "M365")]
    now, then = score("SECURITY", ON, reports=reports), score("SECURITY", "2024-09-01", reports=reports)
    assert points(now, "deployments") == "20.00" and points(now, "netCustomerAdds") == "8.00"  # SMB: 4 per add
    assert points(then, "deployments") == "0.00" and points(then, "netCustomerAdds") == "0.00"


def test_security_net_adds_reported_without_a_segment_still_count():
    # The contract grows compatibly (issue 17 item 1): earlier versions told Azure (PAL) and M365
    # (CPOR) net adds apart by association only.
    view = score("SECURITY", ON, reports=[({"netCustomerAdds": 2}, "PAL", None), ({"netCustomerAdds": 1}, "CPOR", None)])
    assert points(view, "netCustomerAdds") == "12.00"  # SMB: 3 x 4


# --- Modern Work: the higher solution-area total, not metric by metric (§4, §11 item 9) --------


def test_modern_work_keeps_the_higher_area_total_not_the_best_of_each_metric():
    # Enterprise: DPOR 5 adds x 4 = 20, 4,000 users = 30, 10 deployments x 2.5 = 25, one person
    # each 2.5 + 7.5: 85. SMB (CPOR, CSP only): 0 + 5 + 15 + 0 + 0 = 20. Metric by metric would
    # be 20 + 5 + 15 + 30 + 25 = 95.
    held = [("i", "Teams Administrator Associate"), ("x", "Microsoft 365 Enterprise Administrator Expert")]
    reports = [({"netCustomerAdds": 5, "usageGrowth": 4000, "deployments": 10}, "DPOR", None)]
    view = score("MODERN_WORK", ON, held, reports)
    assert (view["track"], view["total"]) == ("ENTERPRISE", "85.00")
    assert points(view, "intermediateCertifications") == "2.50"
    assert points(view, "advancedCertifications") == "7.50"
    # CSP figures only score on the SMB path: 20 + 5 + 15 + 30 + 25 = 95.
    reports = [({"netCustomerAdds": 10, "usageGrowth": 2000, "deployments": 10}, "CSP_T1", None)]
    view = score("MODERN_WORK", ON, held, reports)
    assert (view["track"], view["total"], view["qualified"]) == ("SMB", "95.00", True)


# --- Business Applications: one track, the feed's (§3) -----------------------------------------


def test_business_applications_scores_the_classified_track_and_counts_csp_in_customer_success_from_v2026():
    # requirements.md §3b: intermediate Enterprise 1 point, SMB 4 points per person; §11 item 7:
    # V2026 lists CSP for usage growth and deployments (V2023 counted it as DPOR).
    held = people("x", 3, "Dynamics 365 Sales AI Consultant Associate")  # new in V2026
    reports = [({"usageGrowth": 30, "deployments": 5}, "CSP_T2", None)]
    smb, enterprise = score("BUSINESS_APPLICATIONS", ON, held, reports, "SMB"), score(
        "BUSINESS_APPLICATIONS", ON, held, reports, "ENTERPRISE")
    assert (smb["track"], points(smb, "intermediateCertifications")) == ("SMB", "12.00")
    assert (enterprise["track"], points(enterprise, "intermediateCertifications")) == ("ENTERPRISE", "3.00")
    assert points(smb, "usageGrowth") == "30.00" and points(smb, "deployments") == "20.00"
    then = score("BUSINESS_APPLICATIONS", "2024-09-01", held, reports, "SMB")
    assert points(then, "usageGrowth") == "0.00" and points(then, "intermediateCertifications") == "0.00"


# --- certification lists and retirements (§2b-§5b; shared/rules/data/certifications.json) -------


@pytest.mark.parametrize("name, counts_before, counts_after", [
    ("Azure Data Engineer Associate", True, False),  # §2b: V2023 only, removal undated
    ("Fabric Data Engineer Associate", False, True),  # §2b: new in V2026
])
def test_a_list_change_takes_effect_with_the_v2026_version(name, counts_before, counts_after):
    held = people("a", 2, ADMIN, ARCHITECT, name)
    before, after = score("DATA_AI", "2026-06-30", held), score("DATA_AI", "2026-07-01", held)
    assert (points(before, "intermediateCertifications") != "0.00") is counts_before
    assert (points(after, "intermediateCertifications") != "0.00") is counts_after


def mw_intermediate(on: str, name: str) -> str:
    return points(score("MODERN_WORK", on, [("p", name)]), "intermediateCertifications")


def test_a_retired_certification_counts_inside_its_grace_period():
    # requirements.md §4: Microsoft 365 Fundamentals "retires Mar 31, 2026; counts through Mar 31,
    # 2027" (certifications.json countsThrough 2027-03-31). One person: SMB path, 5 points.
    assert mw_intermediate("2027-03-31", "Microsoft 365 Fundamentals") == "5.00"


def test_a_retired_certification_counts_for_nothing_after_its_grace_period():
    # requirements.md §4: counts through Mar 31, 2027, so not on Apr 1, 2027.
    assert mw_intermediate("2027-04-01", "Microsoft 365 Fundamentals") == "0.00"


def test_a_v2026_step_3_certification_past_its_grace_period_earns_nothing():
    # requirements.md §5b: Information Protection Administrator "retired May 31, 2025, valid for 1
    # year" (countsThrough 2026-05-31). SMB gates met: 4 + 4, and no Step 3 points on 2026-09-01.
    held = [("e", SEC_ENGINEER), ("o", SEC_ANALYST), ("x", "Information Protection Administrator Associate")]
    assert points(score("SECURITY", ON, held), "intermediateCertifications") == "8.00"
