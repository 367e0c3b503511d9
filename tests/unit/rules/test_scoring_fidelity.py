"""Scoring on real feeds (issue 20 items 5-8, issue 17 items 1 and 4): tracks held apart, an
unassociated figure counted once, a display that never contradicts the decision, guidance that
counts the gates already met, and which rules scored what. Each test cites its FAQ passage or
requirements.md row and uses the issue's counter-example."""

from __future__ import annotations

import json
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from devstack.render import rules_scored
from functions.partner_api import dashboard
from shared.rules.document import upgrade
from shared.rules.scoring.display import apportion, fmt_total, total_cents
from shared.rules.scoring.history import measurements_of
from shared.rules.views import scores_view
from tests.unit.builders import Partner, cert, metrics

MW_ON = "2022-11-01"  # launch tables (rulebook 2022-10-03)
V2026_ON = "2026-09-01"


def area_view(p: Partner, area: str, on: str) -> dict:
    return next(a for a in scores_view(p.state, on)["areas"] if a["solutionArea"] == area)


def points(view: dict, metric: str) -> str:
    return next(m["points"] for m in view["metrics"] if m["metric"] == metric)


def modern_work_partner() -> Partner:
    """3 intermediate and 1 advanced certified people: Enterprise 7.50 + 7.50, SMB 10.00 + 15.00
    (requirements.md §4: 2.5 / 5 per intermediate person, 7.5 / 15 per advanced person)."""
    p = Partner()
    for i in range(3):
        p.fact("CertificationEarned", cert(f"i{i}", "Teams Administrator Associate", "2022-10-20"))
    p.fact("CertificationEarned", cert("x", "Microsoft 365 Enterprise Administrator Expert", "2022-10-20"))
    return p


ENTERPRISE_REPORT = {"netCustomerAdds": 3, "deployments": 2, "usageGrowth": 500}


# --- issue 20 item 5 / issue 17 item 1: each track scored from its own measurements -------------


def test_an_enterprise_report_is_scored_at_enterprise_rates_only():
    # requirements.md §4 Modern Work usage growth: Enterprise "CPOR: max at 1,000 growth" (30 points,
    # so 500 earns 15), SMB "CPOR: max at 500 MAU growth" (500 earns 30); §1 "Tracks": both paths are
    # scored and the higher counts. Enterprise: 12 + 7.5 + 7.5 + 15 + 10 = 52.00, not attained. The
    # same figures read at SMB rates would give 6 + 10 + 15 + 30 + 10 = 71.00 (the bug).
    p = modern_work_partner()
    p.fact("MetricsReported", metrics("MODERN_WORK", "2022-11-01", ENTERPRISE_REPORT, "CPOR", track="ENTERPRISE"))
    view = area_view(p, "MODERN_WORK", MW_ON)
    assert (view["track"], view["total"], view["qualified"]) == ("ENTERPRISE", "52.00", False)
    assert points(view, "usageGrowth") == "15.00"
    assert {x["track"]: x["total"] for x in view["paths"]} == {"ENTERPRISE": "52.00", "SMB": "25.00"}


def test_a_later_smb_report_no_longer_overwrites_the_enterprise_figures():
    # requirements.md §4: "The same tenant can count in both tracks": each path keeps its figures.
    p = modern_work_partner()
    p.fact("MetricsReported", metrics("MODERN_WORK", "2022-11-01", ENTERPRISE_REPORT, "CPOR", track="ENTERPRISE"))
    p.fact("MetricsReported", metrics("MODERN_WORK", "2022-11-05", {"netCustomerAdds": 1, "deployments": 1,
                                                                     "usageGrowth": 100}, "CPOR", track="SMB"))
    view = area_view(p, "MODERN_WORK", "2022-11-06")
    paths = {x["track"]: x["total"] for x in view["paths"]}
    # SMB: 2 + 10 + 15 + 6 + 5 = 38; Enterprise unchanged.
    assert paths == {"ENTERPRISE": "52.00", "SMB": "38.00"}
    assert (view["track"], view["total"]) == ("ENTERPRISE", "52.00")


def test_an_untagged_report_feeds_every_track_and_a_tracks_own_later_report_replaces_it_there():
    # The contract grows compatibly (issue 17 item 1): a report without `track` keeps today's
    # meaning (both paths read it); for a path, the latest report in force among the untagged
    # ones and its own decides.
    p = modern_work_partner()
    p.fact("MetricsReported", metrics("MODERN_WORK", "2022-11-01", ENTERPRISE_REPORT, "CPOR"))
    assert {x["track"]: x["total"] for x in area_view(p, "MODERN_WORK", MW_ON)["paths"]} == {
        "ENTERPRISE": "52.00", "SMB": "71.00"}
    p.fact("MetricsReported", metrics("MODERN_WORK", "2022-11-03", {"usageGrowth": 100}, "CPOR", track="SMB"))
    assert {x["track"]: x["total"] for x in area_view(p, "MODERN_WORK", "2022-11-03")["paths"]} == {
        "ENTERPRISE": "52.00", "SMB": "47.00"}  # SMB usage growth 100 x 3/50 = 6 instead of 30
    p.fact("MetricsReported", metrics("MODERN_WORK", "2022-11-04", {"usageGrowth": 1000}, "CPOR"))
    assert {x["track"]: x["total"] for x in area_view(p, "MODERN_WORK", "2022-11-04")["paths"]} == {
        "ENTERPRISE": "67.00", "SMB": "71.00"}  # the later untagged report is in force on both paths again
    # as of the earlier day, the facts then are read
    assert {x["track"]: x["total"] for x in area_view(p, "MODERN_WORK", "2022-11-02")["paths"]} == {
        "ENTERPRISE": "52.00", "SMB": "71.00"}


def test_security_v2026_paths_are_each_scored_from_their_own_figures():
    # requirements.md §5b: Enterprise and SMB paths, "both scored; the higher solution-area score
    # counts". Enterprise figures that reach the Enterprise maximum and weak SMB figures: the
    # Enterprise path wins. On shared figures the SMB path (at least the Enterprise points per unit)
    # always won (docs/decisions.md "Both paths of a HIGHER area read the same measurements", before).
    p = Partner()
    for i in range(2):
        p.fact("CertificationEarned", cert(f"e{i}", "Azure Security Engineer Associate", V2026_ON))
        p.fact("CertificationEarned", cert(f"o{i}", "Security Operations Analyst Associate", V2026_ON))
    for i in range(6):
        p.fact("CertificationEarned", cert(f"x{i}", "Cybersecurity Architect Expert", V2026_ON))
    p.fact("MetricsReported", metrics("SECURITY", V2026_ON, {"netCustomerAdds": 10}, "PAL", track="ENTERPRISE"))
    p.fact("MetricsReported", metrics("SECURITY", V2026_ON, {"deployments": 6, "usageGrowth": 25000}, "PAL",
                                      track="ENTERPRISE", segment="AZURE"))
    p.fact("MetricsReported", metrics("SECURITY", V2026_ON, {"netCustomerAdds": 1}, "PAL", track="SMB"))
    view = area_view(p, "SECURITY", V2026_ON)
    # Enterprise 20 + 40 + 20 + 20 = 100; SMB 4 + 40 + 0 + 0 = 44.
    assert {x["track"]: x["total"] for x in view["paths"]} == {"ENTERPRISE": "100.00", "SMB": "44.00"}
    assert (view["track"], view["total"], view["qualified"]) == ("ENTERPRISE", "100.00", True)


def test_a_report_for_a_track_an_area_does_not_have_scores_on_its_one_track():
    # requirements.md §1 "Tracks (V2023)": two tracks existed only for Modern Work and Business
    # Applications; a feed's SMB classification of a Data & AI partner (V2026 vocabulary) still
    # scores under the single launch track.
    p = Partner()
    p.fact("MetricsReported", metrics("DATA_AI", "2022-11-01", {"netCustomerAdds": 2}, "PAL", track="SMB"))
    assert points(area_view(p, "DATA_AI", "2022-11-01"), "netCustomerAdds") == "20.00"


def test_a_document_stored_before_tracks_were_kept_apart_loads_and_scores_as_it_did():
    # Stored documents in the earlier layout (document.upgrade): every measurement key was
    # "metric|association|segment", the report's track kept only in the track history. Those keys
    # are today's untagged keys: they feed every path, as they did.
    p = modern_work_partner()
    p.fact("MetricsReported", metrics("MODERN_WORK", "2022-11-01", ENTERPRISE_REPORT, "CPOR", track="ENTERPRISE"))
    old = json.loads(json.dumps(p.state))
    old["measurements"]["MODERN_WORK"] = {k.rpartition("|")[0]: v for k, v in old["measurements"]["MODERN_WORK"].items()}
    stored = upgrade(json.loads(json.dumps(old)))
    assert stored["measurements"] == old["measurements"]
    assert {m.track for m in measurements_of(stored, "MODERN_WORK", MW_ON)} == {None}
    view = next(a for a in scores_view(stored, MW_ON)["areas"] if a["solutionArea"] == "MODERN_WORK")
    assert (view["track"], view["total"]) == ("SMB", "71.00")  # as scored before the change
    # a new report for the Enterprise path is then in force on that path only
    p.state = stored
    p.fact("MetricsReported", metrics("MODERN_WORK", "2022-11-02", {"usageGrowth": 0}, "CPOR", track="ENTERPRISE"))
    assert {x["track"]: x["total"] for x in area_view(p, "MODERN_WORK", "2022-11-02")["paths"]} == {
        "ENTERPRISE": "37.00", "SMB": "71.00"}


# --- issue 20 item 6: a figure without an association counts once -------------------------------


def test_security_net_adds_without_an_association_count_once():
    # requirements.md §5a: net customer adds "2" per add, "20 (10, Azure and M365 combined)";
    # Azure PAL only, M365 CPOR only. 5 adds reported with segment AZURE and no association are one
    # figure the feed aggregated: 5 x 2 = 10 points, not 10 for PAL plus 10 for CPOR.
    p = Partner()
    p.fact("MetricsReported", {"solutionArea": "SECURITY", "measuredOn": "2022-11-01", "measurements": [
        {"metric": "netCustomerAdds", "value": "5", "segment": "AZURE"}]})
    assert points(area_view(p, "SECURITY", "2022-11-01"), "netCustomerAdds") == "10.00"
    units = next(m["units"] for m in area_view(p, "SECURITY", "2022-11-01")["metrics"]
                 if m["metric"] == "netCustomerAdds")
    assert units == 5


def test_an_unassociated_figure_takes_the_best_paying_part_of_a_metric():
    # requirements.md §4 Modern Work usage growth Enterprise: "CPOR: max at 1,000; DPOR: max at 4,000"
    # ("the better association option counts"): 500 without an association earns the CPOR 15, once.
    p = Partner()
    p.fact("MetricsReported", {"solutionArea": "MODERN_WORK", "measuredOn": MW_ON, "track": "ENTERPRISE",
                               "measurements": [{"metric": "usageGrowth", "value": "500"}]})
    view = area_view(p, "MODERN_WORK", MW_ON)
    enterprise = next(x for x in view["paths"] if x["track"] == "ENTERPRISE")
    assert enterprise["total"] == "15.00"
    assert Fraction(enterprise["total"]) == Fraction(3, 100) * 500


# --- issue 20 item 7: the display never contradicts the decision --------------------------------


def test_a_total_below_70_never_shows_70_00_and_the_metrics_add_up_to_it():
    # FAQ: "a minimum of 70 points" to attain; requirements.md §4 Modern Work Enterprise usage growth
    # "DPOR: max at 4,000" (3/400 of a point per user). 20 + 2.5 + 7.5 + 15 + 3,333 x 3/400 (24.9975)
    # = 69.9975: not attained, shown "69.99" (half up it read "70.00" beside "not qualified").
    p = Partner()
    p.fact("CertificationEarned", cert("i", "Teams Administrator Associate", "2022-10-20"))
    p.fact("CertificationEarned", cert("x", "Microsoft 365 Enterprise Administrator Expert", "2022-10-20"))
    p.fact("MetricsReported", metrics("MODERN_WORK", MW_ON, {"netCustomerAdds": 5, "deployments": 3}, "CPOR"))
    p.fact("MetricsReported", metrics("MODERN_WORK", MW_ON, {"usageGrowth": 3333}, "DPOR"))
    view = area_view(p, "MODERN_WORK", MW_ON)
    assert (view["track"], view["total"], view["qualified"], view["attained"]) == ("ENTERPRISE", "69.99", False, False)
    assert points(view, "usageGrowth") == "24.99"
    assert sum(Fraction(m["points"]) for m in view["metrics"]) == Fraction("69.99")
    evaluated = [d for d in p.of("ScoreEvaluated") if d["solutionArea"] == "MODERN_WORK"][-1]
    assert evaluated["total"] == "69.99"


def test_security_metrics_add_up_to_the_displayed_total_and_categories_are_decimal_strings():
    # requirements.md §5a (launch): Step 3 20/3 per person, deployments 10/3 each, net adds 2 each,
    # usage growth 1 per USD 1,250. 4 x 20/3 + 5 x 10/3 + 20 + 7 = 70.333...: shown "70.33"; half up
    # each metric read 26.67 + 16.67 + 20.00 + 7.00 = 70.34, and the categories "80/3", "70/3".
    p = Partner()
    p.fact("CertificationEarned", cert("e", "Azure Security Engineer Associate", "2022-10-20"))
    p.fact("CertificationEarned", cert("o", "Security Operations Analyst Associate", "2022-10-20"))
    for i in range(3):
        p.fact("CertificationEarned", cert(f"x{i}", "Cybersecurity Architect Expert", "2022-10-20"))
    p.fact("MetricsReported", metrics("SECURITY", "2022-11-01", {"netCustomerAdds": 10}, "PAL"))
    p.fact("MetricsReported", metrics("SECURITY", "2022-11-01", {"deployments": 5, "usageGrowth": 8750}, "PAL",
                                      segment="AZURE"))
    view = area_view(p, "SECURITY", "2022-11-01")
    assert (view["total"], view["qualified"]) == ("70.33", True)
    shown = {m["metric"]: m["points"] for m in view["metrics"]}
    # largest remainder: two equal remainders, the first metric listed takes the cent
    assert shown == {"netCustomerAdds": "20.00", "intermediateCertifications": "26.67", "deployments": "16.66",
                     "usageGrowth": "7.00"}
    assert view["categories"] == {"PERFORMANCE": "20.00", "SKILLING": "26.67", "CUSTOMER_SUCCESS": "23.66"}


def _numbers(node) -> list:
    """Every value of a JSON document that is a number (bools aside) or a fraction-like string."""
    if isinstance(node, dict):
        return [x for v in node.values() for x in _numbers(v)]
    if isinstance(node, list):
        return [x for v in node for x in _numbers(v)]
    if isinstance(node, str) and "/" in node and node.replace("/", "").isdigit():
        return [node]
    return [node] if isinstance(node, float) else []


def test_every_number_of_the_scores_view_is_a_decimal_string_or_a_count():
    p = Partner()
    p.fact("CertificationEarned", cert("e", "Azure Security Engineer Associate", "2022-10-20"))
    p.fact("CertificationEarned", cert("o", "Security Operations Analyst Associate", "2022-10-20"))
    p.fact("MetricsReported", metrics("SECURITY", "2022-11-01", {"deployments": 1, "usageGrowth": 10}, "PAL",
                                      segment="AZURE"))
    p.fact("MetricsReported", metrics("MODERN_WORK", MW_ON, {"usageGrowth": 3333}, "DPOR"))
    assert _numbers(scores_view(p.state, "2022-11-01")) == []


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.lists(st.fractions(min_value=0, max_value=40, max_denominator=400), min_size=1, max_size=6))
def test_apportioned_metric_points_add_up_to_the_total_each_within_a_cent(parts):
    total = sum(parts, Fraction(0))
    for threshold in (Fraction(70), total, total + Fraction(1, 1000)):
        cents = total_cents(total, threshold)
        shown = apportion(parts, cents)
        assert sum(shown) == cents
        assert all(abs(Fraction(c, 100) - p) < Fraction(1, 100) for c, p in zip(shown, parts, strict=True))
        assert all(c == 0 for c, p in zip(shown, parts, strict=True) if p == 0)
    assert fmt_total(Fraction("69.995"), Fraction(70)) == "69.99"
    assert fmt_total(Fraction(70), Fraction(70)) == "70.00"
    assert fmt_total(Fraction("70.005"), Fraction(70)) == "70.01"
    if total < 70:
        assert Fraction(fmt_total(total, Fraction(70))) < 70


# --- issue 20 item 8: guidance counts the step gates already met --------------------------------


def _data_ai(*held: tuple[str, int]) -> dict:
    # requirements.md §2a: 3 net adds (30), 20 % usage growth (20), 5 deployments (10): 60 points.
    p = Partner()
    for name, n in held:
        for i in range(n):
            p.fact("CertificationEarned", cert(f"{name[:5]}-{i}", name, "2022-10-20"))
    p.fact("MetricsReported", metrics("DATA_AI", "2022-11-01", {"netCustomerAdds": 3, "usageGrowth": 20,
                                                                 "deployments": 5}, "PAL"))
    view = area_view(p, "DATA_AI", "2022-11-01")
    assert view["total"] == "60.00"
    return next(n for n in view["guidance"]["needs"] if n["metric"] == "intermediateCertifications")


def test_guidance_counts_the_step_gates_already_met():
    # requirements.md §2b (V2023): Step 1 "2 people with Azure Solutions Architect Expert", Step 2
    # "2 people with Azure Administrator Associate", Step 3 4 points per person, "paid only after
    # Steps 1 and 2 are met". Both gates met, 60 points: 3 more people (60 + 3 x 4 = 72), not "4
    # gate people and 7 units".
    need = _data_ai(("Azure Solutions Architect Expert", 2), ("Azure Administrator Associate", 2))
    assert (need["unitsNeeded"], need["gatePersonsNeeded"], need["pointsGained"]) == (3, 0, "12.00")
    # Only Step 1 met: the 2 administrators of Step 2, then the 3 Step 3 people.
    need = _data_ai(("Azure Solutions Architect Expert", 2))
    assert (need["unitsNeeded"], need["gatePersonsNeeded"]) == (5, 2)
    # One administrator already: one more.
    need = _data_ai(("Azure Solutions Architect Expert", 2), ("Azure Administrator Associate", 1))
    assert need["gatePersonsNeeded"] == 1


# --- issue 17 item 4: which rules scored what is visible ----------------------------------------


def test_the_scores_api_partnerctl_status_and_the_dashboard_name_the_rulebook_and_each_path():
    # requirements.md §1 "Tracks (V2026)": Modern Work "score[s] both paths and keep[s] the higher
    # solution-area score"; Azure areas "classify the partner into one track".
    p = modern_work_partner()
    p.fact("MetricsReported", metrics("MODERN_WORK", "2022-11-01", ENTERPRISE_REPORT, "CPOR", track="ENTERPRISE"))
    p.fact("MetricsReported", metrics("DATA_AI", "2022-11-01", {"netCustomerAdds": 1}, "PAL"))
    mw = area_view(p, "MODERN_WORK", MW_ON)
    assert (mw["rulebookVersion"], mw["trackSelection"]) == ("2022-10-03", "HIGHER")
    assert mw["paths"] == [{"track": "ENTERPRISE", "total": "52.00", "qualified": False, "chosen": True},
                           {"track": "SMB", "total": "25.00", "qualified": False, "chosen": False}]
    assert rules_scored(mw) == "rulebook 2022-10-03, ENTERPRISE track (higher of ENTERPRISE 52.00 <- counts, SMB 25.00)"
    data_ai = area_view(p, "DATA_AI", MW_ON)
    assert data_ai["trackSelection"] == "CLASSIFIED" and len(data_ai["paths"]) == 1
    assert rules_scored(data_ai) == "rulebook 2022-10-03, ENTERPRISE track"
    page = dashboard.render(p.state, MW_ON)
    assert ('<span class="path chosen" data-track="ENTERPRISE" data-total="52.00">enterprise 52.00</span>'
            in page)
    assert '<span class="path" data-track="SMB" data-total="25.00">smb 25.00</span>' in page
    assert "rulebook 2022-10-03" in page
