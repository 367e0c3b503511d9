"""The qualification window (shared/rules/calendar.py, requirements.md §1 and §10)."""

from __future__ import annotations

import pytest

from shared.rules.calendar import CALENDAR_MONTHS, DAYS, Window, month_end, month_start
from shared.rules.scoring.rulebook import RulebookError, parse_rulebook, rulebook_for
from tests.unit.builders import Partner
from tests.unit.rules.helpers import D

FIVE_MONTHS = Window(CALENDAR_MONTHS, 5)


def test_a_check_covers_the_current_month_and_the_five_previous_full_calendar_months():
    # requirements.md §1 "Window, not enrolled (2024+)": "The current month plus the previous five
    # full calendar months ... Example: Mar 1–Aug 15, 2024."
    assert FIVE_MONTHS.span(D("2024-08-15")) == (D("2024-03-01"), D("2024-08-15"))
    # across a year end, and on the first and last day of a month
    assert FIVE_MONTHS.span(D("2024-02-29")) == (D("2023-09-01"), D("2024-02-29"))
    assert FIVE_MONTHS.span(D("2024-01-01")) == (D("2023-08-01"), D("2024-01-01"))
    assert FIVE_MONTHS.span(D("2023-12-31")) == (D("2023-07-01"), D("2023-12-31"))


def test_a_renewal_covers_the_anniversary_month_and_the_five_before_it():
    # requirements.md §1 "Window, enrolled (renewal)": "an anniversary on Aug 15, 2024 gives a window
    # of Mar 1–Aug 31, 2024".
    assert FIVE_MONTHS.renewal_span(D("2024-08-15")) == (D("2024-03-01"), D("2024-08-31"))
    assert FIVE_MONTHS.renewal_span(D("2025-02-28")) == (D("2024-09-01"), D("2025-02-28"))


def test_a_window_of_days_ends_on_the_day_of_the_check():
    # requirements.md §10: 30 days before 2023-09-19 (the launch book).
    assert Window(DAYS, 30).span(D("2022-10-03")) == (D("2022-09-03"), D("2022-10-03"))
    assert Window(DAYS, 30).renewal_span(D("2023-08-15")) == (D("2023-07-16"), D("2023-08-15"))


@pytest.mark.parametrize("back", range(0, 30))
def test_month_start_is_the_first_day_of_a_month_back_months_earlier(back):
    day = D("2024-08-15")
    start = month_start(day, back)
    assert start.day == 1 and (day.year - start.year) * 12 + day.month - start.month == back
    assert month_end(start).month == start.month and (month_end(start).day in (28, 29, 30, 31))


def test_the_window_grows_from_30_days_to_calendar_months_on_2023_09_19():
    # requirements.md §10 "Qualification window": 30 days -> "the current or renewal month plus 5
    # months", Sep 19, 2023; the 2024+ text reads it as full calendar months (§11 item 11).
    assert rulebook_for(D("2023-09-18")).qualification_window == Window(DAYS, 30)
    for day in ("2023-09-19", "2023-12-01", "2026-07-01"):
        assert rulebook_for(D(day)).qualification_window == FIVE_MONTHS


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "exactly one of 'qualificationWindowDays' or 'qualificationWindow'"),
        ({"qualificationWindowDays": 30, "qualificationWindow": {"kind": "CALENDAR_MONTHS", "previousMonths": 5}},
         "exactly one of"),
        ({"qualificationWindow": {"kind": "WEEKS", "previousMonths": 5}}, "$.qualificationWindow.kind"),
        ({"qualificationWindow": {"kind": "CALENDAR_MONTHS", "previousMonths": 12}}, "previousMonths: 0 to 11"),
        ({"qualificationWindow": {"kind": "CALENDAR_MONTHS"}}, "$.qualificationWindow.previousMonths"),
        ({"qualificationWindowDays": 0}, "$.qualificationWindowDays"),
    ],
)
def test_the_loader_names_a_bad_window_field(fields, message):
    raw = {"version": "x", "effectiveFrom": "2024-01-01", "areas": {}, **fields}
    with pytest.raises(RulebookError, match=message.replace("$", r"\$").replace("(", r"\(")):
        parse_rulebook(raw, "test.json")


def _paid_partner(attained: str, dropped: str) -> Partner:
    """Attains DATA_AI on `attained`, pays the fee at once, stops qualifying on `dropped`."""
    p = Partner()
    p.qualify("DATA_AI", attained)
    p.elect(attained, "SOLUTIONS_PARTNER", on=attained)
    p.drop("DATA_AI", dropped)
    return p


def test_a_renewal_on_2024_08_15_reads_from_2024_03_01_not_180_days_back():
    # requirements.md §1: the renewal window of an anniversary on Aug 15, 2024 starts on Mar 1,
    # 2024; the 180-day approximation started on 2024-02-17 and kept a designation last qualified
    # on 2024-02-19.
    lapsed = _paid_partner("2023-08-15", "2024-02-20")
    lapsed.tick("2024-08-15")
    [lapse] = lapsed.of("DesignationLapsed")
    assert lapse["solutionArea"] == "DATA_AI" and lapse["reason"] == "NOT_QUALIFIED"
    decision = next(d for d in lapsed.state["decisions"] if d["rule"] == "ANNIVERSARY_RENEWAL")
    assert decision["window"] == ["2024-03-01", "2024-08-15"]

    kept = _paid_partner("2023-08-15", "2024-03-02")  # qualified on 2024-03-01, the window's first day
    kept.tick("2024-08-15")
    assert kept.of("DesignationLapsed") == []
    assert [r["designations"] for r in kept.of("RenewalOpened")] == [["DATA_AI"]]


def test_the_renewal_is_decided_on_the_anniversary_with_the_days_lived_by_then():
    # FAQ: "On your anniversary date, not beforehand, we'll check if you still meet the
    # requirements"; the window runs to 2024-08-31, but a score of 2024-08-20 is not known on
    # 2024-08-15 (docs/decisions.md, "The renewal window"). Qualifying again attains anew.
    p = _paid_partner("2023-08-15", "2024-02-20")
    p.qualify("DATA_AI", "2024-08-20")
    p.tick("2024-08-20")
    [lapse] = p.of("DesignationLapsed")
    assert lapse["lapsedOn"] == "2024-08-15"
    assert [a["attainedOn"] for a in p.of("DesignationAttained")][-1] == "2024-08-20"
