"""Anniversary arithmetic. FAQ: every designation shares the anniversary of the first one; the
29 February rule is a policy parameter (docs/decisions.md)."""

from __future__ import annotations

import calendar as _cal
from datetime import date, timedelta


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
