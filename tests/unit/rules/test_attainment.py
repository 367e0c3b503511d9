"""SPEC §2.3 attainment (shared/rules/features/attainment.py), each test citing its FAQ passage."""

from __future__ import annotations

from fractions import Fraction

from shared.rules.program import AREAS
from shared.rules.scoring.rulebook import rulebook_for
from shared.rules.scoring.score import Measurement, score_area
from tests.unit.builders import Partner
from tests.unit.rules.helpers import D

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
    p.pay("2022-11-15")  # enrolled: the fee paid in the enrollment window
    p.drop("DATA_AI", "2023-01-10")
    p.tick("2023-11-14")
    assert p.of("DesignationLapsed") == []
    p.tick("2023-11-15")
    # Window 30 days under the 2022-10-03 rulebook? No: 2023-11-15 is under 2023-09-19 (180 days),
    # and the score fell in January: not met on any day of 2023-05-19 .. 2023-11-15.
    [lapse] = p.of("DesignationLapsed")
    assert lapse["lapsedOn"] == "2023-11-15" and lapse["reason"] == "NOT_QUALIFIED"
