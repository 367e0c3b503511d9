"""Calendar arithmetic: anniversaries and qualification windows. FAQ: every designation shares the
anniversary of the first one; the 29 February rule is a policy parameter (docs/decisions.md). The
qualification window is either a number of days or whole calendar months (requirements.md §1)."""

from __future__ import annotations

import calendar as _cal
from datetime import date, timedelta
from typing import NamedTuple


def on_year(anchor: date, year: int, leap_rule: str = "FEB_28") -> date:
    """The anniversary of `anchor` in `year`; 29 February falls on 28 February (or 1 March)."""
    if anchor.month == 2 and anchor.day == 29 and not _cal.isleap(year):
        return date(year, 3, 1) if leap_rule == "MAR_1" else date(year, 2, 28)
    return anchor.replace(year=year)


def next_on_or_after(anchor: date, day: date, leap_rule: str = "FEB_28") -> date:
    """First anniversary of `anchor` on or after `day` (the anchor itself counts)."""
    if day <= anchor:
        return anchor
    candidate = on_year(anchor, day.year, leap_rule)
    return candidate if candidate >= day else on_year(anchor, day.year + 1, leap_rule)


def next_after(anchor: date, day: date, leap_rule: str = "FEB_28") -> date:
    return next_on_or_after(anchor, day + timedelta(days=1), leap_rule)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def month_start(day: date, months_back: int = 0) -> date:
    """The first day of the calendar month `months_back` months before the month of `day`."""
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    """The last day of the calendar month of `day`."""
    return day.replace(day=_cal.monthrange(day.year, day.month)[1])


DAYS, CALENDAR_MONTHS = "DAYS", "CALENDAR_MONTHS"
WINDOW_KINDS = (DAYS, CALENDAR_MONTHS)


class Window(NamedTuple):
    """How far a qualification window reaches back (requirements.md §1): DAYS, `length` days before
    the day of the check (the launch book's 30 days); CALENDAR_MONTHS, the month of the check plus
    the `length` previous full calendar months (the 2024+ text: "five full calendar months")."""

    kind: str
    length: int

    def span(self, day: date) -> tuple[date, date]:
        """The window of a check on `day` by a partner not enrolled: a check on 2024-08-15 with
        five calendar months covers 2024-03-01 … 2024-08-15."""
        if self.kind == CALENDAR_MONTHS:
            return month_start(day, self.length), day
        return day - timedelta(days=self.length), day

    def renewal_span(self, anniversary: date) -> tuple[date, date]:
        """The window of a renewal: the anniversary month plus the previous ones (an anniversary on
        2024-08-15 with five calendar months covers 2024-03-01 … 2024-08-31). DAYS windows end on
        the anniversary itself."""
        if self.kind == CALENDAR_MONTHS:
            return month_start(anniversary, self.length), month_end(anniversary)
        return anniversary - timedelta(days=self.length), anniversary

