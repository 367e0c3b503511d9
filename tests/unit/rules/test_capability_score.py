"""The roster read through the certification catalogue (issue 20 items 1-3; issue 17 deliverable 2):
every name a feed or an operator writes resolves to one entry, an entry counts only on the days it
counts, the scores change on those days without a new fact, and an unknown name is kept and shown."""

from __future__ import annotations

import json

import pytest

from shared.rules import document
from shared.rules.engine import due_items, next_due
from shared.rules.features.capability_score import REEVALUATE
from shared.rules.scoring.rulebook import DATA_DIR, RulebookError, parse_rulebook
from shared.rules.views import partner_view, scores_view
from tests.unit.builders import Partner, cert, metrics
from tests.unit.rules.test_v2026 import SMB_AZURE

TEAMS_OFFICIAL = "Microsoft 365 Certified: Teams Administrator Associate"
ENTERPRISE_OFFICIAL = "Microsoft 365 Certified: Enterprise Administrator Expert"
APP_MAKER = "Power Platform App Maker Associate"


def area_view(p: Partner, area: str, on: str) -> dict:
    return next(a for a in scores_view(p.state, on)["areas"] if a["solutionArea"] == area)


def points(view: dict, metric: str) -> str:
    return next(m["points"] for m in view["metrics"] if m["metric"] == metric)


def holding(on: str, *groups: tuple[str, int, str]) -> Partner:
    """A partner whose people `prefix-0` ... each earned a certification on `on`."""
    p = Partner()
    for prefix, n, name in groups:
        for i in range(n):
            p.fact("CertificationEarned", cert(f"{prefix}-{i}", name, on))
    return p


# --- item 1: every name resolves to one catalogue entry ----------------------------------------


@pytest.mark.parametrize("teams, enterprise", [
    (TEAMS_OFFICIAL, ENTERPRISE_OFFICIAL),  # what a skilling feed sends
    ("Teams Administrator", "M365 Enterprise Administrator Expert"),  # the table short names
    ("teams administrator associate", "Microsoft 365 Enterprise Administrator Expert"),
])
def test_official_and_short_names_score_modern_work_skilling_alike(teams, enterprise):
    # issue 20 item 1 counter-example: four Teams administrators and two Enterprise administrator
    # experts. requirements.md §4 Enterprise: intermediate 10 (4 people), advanced 15 (2 people).
    p = holding("2023-03-01", ("t", 4, teams), ("e", 2, enterprise))
    view = area_view(p, "MODERN_WORK", "2023-03-01")
    assert (view["track"], points(view, "intermediateCertifications"),
            points(view, "advancedCertifications")) == ("ENTERPRISE", "10.00", "15.00")


def test_one_person_under_two_names_of_one_credential_counts_once():
    # requirements.md §3b: "Each certified person counts once, however many certs" — a person is
    # one holder of a credential whichever of its names the feed used.
    p = holding("2023-03-01", ("t", 1, TEAMS_OFFICIAL), ("t", 1, "Teams Administrator"))
    assert points(area_view(p, "MODERN_WORK", "2023-03-01"), "intermediateCertifications") == "5.00"  # SMB 5


def test_a_rulebook_naming_a_certification_the_catalogue_does_not_know_fails_to_load():
    # issue 20 item 1: "The rulebooks name catalogue entries" — a typo in a rulebook is an error
    # naming the entry, never a list that silently counts nobody.
    raw = json_of("rulebook-2023-12-01.json")
    roster = raw["areas"]["MODERN_WORK"]["tracks"]["ENTERPRISE"]["metrics"]["intermediateCertifications"]["roster"]
    roster["certifications"][0] = "Teams Administrator Asociate"
    with pytest.raises(RulebookError, match=r"MODERN_WORK\.tracks\.ENTERPRISE.*certifications\[0\].*Asociate"):
        parse_rulebook(raw, "rulebook-2023-12-01.json")


def json_of(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


# --- item 2: a certification counts only on the days its entry counts ---------------------------


def test_power_platform_app_maker_scores_nothing_from_2023_12_01():
    # requirements.md §3b V2023: "Power Platform App Maker (ineligible from Dec 1, 2023)".
    # Counter-example: 5 App Makers on 2023-12-01 gave 5 points; they give 0.
    p = holding("2023-11-30", ("m", 5, APP_MAKER))
    assert points(area_view(p, "BUSINESS_APPLICATIONS", "2023-11-30"), "intermediateCertifications") == "5.00"
    assert points(area_view(p, "BUSINESS_APPLICATIONS", "2023-12-01"), "intermediateCertifications") == "0.00"


def test_d365_and_power_platform_solution_architect_stopped_counting_on_2023_07_01():
    # requirements.md §3b V2023: "D365 + Power Platform Solution Architect Expert stopped counting
    # Jul 1, 2023". Enterprise advanced: 15/7 per person.
    p = holding("2023-06-01", ("a", 7, "D365 + Power Platform Solution Architect Expert"))
    assert points(area_view(p, "BUSINESS_APPLICATIONS", "2023-06-30"), "advancedCertifications") == "15.00"
    assert points(area_view(p, "BUSINESS_APPLICATIONS", "2023-07-01"), "advancedCertifications") == "0.00"


def test_m365_fundamentals_counts_through_2027_03_31_and_not_after():
    # requirements.md §4 V2026: "M365 Fundamentals (retires Mar 31, 2026; counts through Mar 31, 2027)".
    p = holding("2026-01-05", ("f", 1, "Microsoft 365 Certified: Fundamentals"))
    assert points(area_view(p, "MODERN_WORK", "2027-03-31"), "intermediateCertifications") == "5.00"
    assert points(area_view(p, "MODERN_WORK", "2027-04-01"), "intermediateCertifications") == "0.00"


# --- item 2: the score changes on those days without a new fact (dated work) -------------------


def test_the_daily_run_rescores_the_day_after_a_held_certification_stops_counting():
    # requirements.md §3b: App Maker ineligible from 2023-12-01. The partner's last fact is of
    # 2023-06-01; its score history must still show the drop on 2023-12-01 (renewals read it).
    p = holding("2023-06-01", ("m", 5, APP_MAKER))
    assert ("2023-12-01", REEVALUATE, "BUSINESS_APPLICATIONS") in due_items(p.state)
    p.tick("2023-12-01")
    history = {row[0]: row[2] for row in p.state["scoreHistory"]["BUSINESS_APPLICATIONS"]}
    assert (history["2023-06-01"], history["2023-12-01"]) == ("5.00", "0.00")
    [drop] = [e for e in p.of("ScoreEvaluated") if e["evaluatedOn"] == "2023-12-01"
              and e["solutionArea"] == "BUSINESS_APPLICATIONS"]
    assert drop["cause"] in {"rulebook:2023-12-01", "catalogue:power-platform-app-maker-associate"}
    # idempotent: a second run of the same day (or a later one) does nothing more for that day
    assert [e for e in p.tick("2023-12-01") if e[0] == "ScoreEvaluated"] == []
    assert ("2023-12-01", REEVALUATE, "BUSINESS_APPLICATIONS") not in due_items(p.state)


def test_the_d365_architect_stop_is_due_the_day_after_its_last_counting_day():
    # requirements.md §3b: stopped counting 2023-07-01 (catalogue countsThrough 2023-06-30).
    p = holding("2023-06-01", ("a", 7, "D365 + Power Platform Solution Architect Expert"))
    assert next_due(p.state) == "2023-07-01"
    p.tick("2023-07-01")
    assert [r[2] for r in p.state["scoreHistory"]["BUSINESS_APPLICATIONS"] if r[0] == "2023-07-01"] == ["0.00"]


def test_a_new_rulebook_attains_on_its_effective_from_day_without_a_new_fact():
    # requirements.md §2 and §10 "Azure SMB track": inputs that do not qualify under the 2023 rules
    # qualify under V2026 (effectiveFrom 2026-07-01, docs/decisions.md): the daily run of that day
    # re-evaluates the area, and the designation is attained that day.
    p = Partner()
    for person, name in SMB_AZURE["held"]:
        p.fact("CertificationEarned", cert(person, name, "2026-06-01"))
    p.fact("MetricsReported", metrics("DATA_AI", "2026-06-01", SMB_AZURE["reports"][0][0], track="SMB"))
    assert p.of("DesignationAttained") == []
    assert next_due(p.state) == "2026-07-01"
    p.tick("2026-07-01")
    [attained] = p.of("DesignationAttained")
    assert (attained["solutionArea"], attained["attainedOn"], attained["rulebookVersion"]) == (
        "DATA_AI", "2026-07-01", "2026-07-01")


def test_no_reevaluation_before_an_area_has_a_score():
    # A re-evaluation re-reads stored facts; a partner with no score in an area has none to re-read.
    p = holding("2024-01-10", ("t", 1, TEAMS_OFFICIAL))
    assert all(day > "2024-01-10" for day, kind, _ in due_items(p.state) if kind == REEVALUATE)


# --- item 3: unknown names are kept and shown ---------------------------------------------------


def test_an_unknown_certification_stays_on_the_roster_counts_nothing_and_is_listed_with_its_people():
    # issue 20 item 3 counter-example: a feed's misspelling "Teams Administrator Asociate".
    p = holding("2024-02-01", ("t", 3, "Teams Administrator Asociate"), ("k", 1, TEAMS_OFFICIAL))
    assert p.of("ScoreEvaluated")  # the known name rescored Modern Work
    assert "teams administrator asociate" in p.state["roster"]  # kept: a credential counting for nothing
    view = partner_view(p.state, "2024-02-01")
    assert view["unrecognisedCertifications"] == [{"certification": "Teams Administrator Asociate", "people": 3}]
    assert points(area_view(p, "MODERN_WORK", "2024-02-01"), "intermediateCertifications") == "5.00"  # SMB: 1 x 5
    p.fact("CertificationRemoved", cert("t-0", "Teams Administrator Asociate", "2024-03-01"))
    assert partner_view(p.state, "2024-03-01")["unrecognisedCertifications"] == [
        {"certification": "Teams Administrator Asociate", "people": 2}]
    assert partner_view(p.state, "2024-01-31")["unrecognisedCertifications"] == []


def test_a_document_stored_in_todays_layout_loads_and_scores_through_the_catalogue():
    # Stored documents keep the roster keyed by the name as received (lower-cased, 'Microsoft
    # Certified:' dropped); they load unchanged (document.upgrade) and the official names count.
    stored = {"partnerId": "p", "measurements": {}, "tracks": {}, "scoreHistory": {}, "designations": {},
              "badges": {}, "anniversary": None, "legacy": None, "renewals": {}, "specializations": {},
              "msp": None, "training": {"periods": {}, "designations": {}}, "offers": {}, "locations": [],
              "riskChecked": [], "decisions": [],
              "roster": {"microsoft 365 certified: teams administrator associate": {
                  "held": {f"t-{i}": [["2023-03-01", f"c-{i}", True, TEAMS_OFFICIAL]] for i in range(4)},
                  "removed": {}, "lastEventOn": "2023-03-01"}}}
    state = document.upgrade(stored)
    p = Partner()
    p.state = state
    assert points(area_view(p, "MODERN_WORK", "2023-03-01"), "intermediateCertifications") == "10.00"
    assert partner_view(state, "2023-03-01")["unrecognisedCertifications"] == []
