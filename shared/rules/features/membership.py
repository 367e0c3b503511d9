"""Membership: the anniversary every designation shares, its occurrences, the fees and options of
a renewal, and the locations linked to the partner (FAQ: every designation shares the anniversary
of the first one; a legacy partner keeps its own)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from .. import calendar as cal
from ..change import Change
from ..document import State, active_designations, designation_held, is_legacy_partner, legacy_level
from ..feature import Detail, Feature
from ..policy import DEFAULT_POLICY, LEGACY_FEES, SOLUTIONS_PARTNER_FEES, Policy
from ..program import LEGACY, PROGRAM_LAUNCH, SOLUTIONS_PARTNER

ENROLLMENT = "enrollment"  # marks a renewal record opened by attaining without a fee in force
# marks an enrollment opened after a window lapsed unpaid: its designations are granted on payment
GRANT_ON_PAYMENT = "grantOnPayment"

MAX_DUE_STEPS = 500  # bound of one catch-up run (about 80 years of yearly work for one partner)


# The day arithmetic below is memoised on ISO days: the dated work of every partner is looked up on
# every change (engine.next_due), and partners share a few anniversaries and windows.
@lru_cache(maxsize=4096)
def plus(day: str, n: int) -> str:
    """The ISO day `n` days after `day` (before it when negative)."""
    return (date.fromisoformat(day) + cal.days(n)).isoformat()


def next_anniversary(anchor: str, after: str, policy: Policy) -> str:
    """The anniversary of `anchor` after the day `after`."""
    return _next_after(anchor, after, policy.leap_day_anniversary)


@lru_cache(maxsize=4096)
def _next_after(anchor: str, after: str, leap_rule: str) -> str:
    return cal.next_after(date.fromisoformat(anchor), date.fromisoformat(after), leap_rule).isoformat()


@lru_cache(maxsize=4096)
def _first_after_launch(anchor: str, leap_rule: str) -> str:
    return cal.next_on_or_after(date.fromisoformat(anchor), PROGRAM_LAUNCH, leap_rule).isoformat()


def first_occurrence(state: State, policy: Policy) -> str | None:
    """The first anniversary of the membership: a legacy partner's first on or after the launch,
    else the first after the anchor (an enrollment's day is a purchase, not an anniversary)."""
    anchor = state["anniversary"]
    if anchor is None:
        return None
    if is_legacy_partner(state) and not enrolled_on(state, anchor):
        return _first_after_launch(anchor, policy.leap_day_anniversary)
    return _next_after(anchor, anchor, policy.leap_day_anniversary)


def legacy_first_anniversary(state: State, policy: Policy) -> str | None:
    """A legacy partner's first anniversary on or after the launch: its competency benefits (and the
    legacy incentives) run until then (docs/decisions.md, "Legacy anniversaries on 2022-10-01/02")."""
    legacy = state.get("legacy")
    if not is_legacy_partner(state):
        return None
    return _first_after_launch(legacy["anniversaryDate"], policy.leap_day_anniversary)


def enrolled_on(state: State, day: str) -> bool:
    """Whether an enrollment (a first purchase after attaining) was opened, or paid to start the
    designations it grants, on `day`."""
    if state["renewals"].get(day, {}).get(ENROLLMENT):
        return True
    return any(r.get(GRANT_ON_PAYMENT) and r.get("electedOn") == day for r in state["renewals"].values())


def lapsed_unpaid(state: State, before: str) -> bool:
    """Whether a payment window (an enrollment's or a renewal's) with designations in it closed
    unpaid before `before`: the FAQ's immediate badge was had once, and not paid for."""
    return any(
        k < before and r["closed"] and r["option"] is None and r["kept"] for k, r in state["renewals"].items()
    )


def awaiting_grant(state: State, area: str) -> tuple[bool, str | None]:
    """For an area in enrollments that grant on payment: whether one is still open (the area waits
    for the payment), and the day after the last one that closed unpaid (its qualification is
    spent: only a later one opens a new window)."""
    spent = None
    for r in state["renewals"].values():
        if not r.get(GRANT_ON_PAYMENT) or area not in r["kept"]:
            continue
        if r["option"] is None and not r["closed"]:
            return True, None
        if r["option"] is None:
            after = plus(r["paymentDueBy"], 1)
            spent = after if spent is None or after > spent else spent
    return False, spent


def legacy_option_open(state: State, occ: str) -> bool:
    """FAQ: a legacy partner may keep buying legacy benefits on each anniversary while it bought them
    the last time ("there will be an option to continue to purchase legacy benefits"); one that
    bought nothing, or moved to Solutions Partner benefits, has no legacy benefits from then on
    ("you would not have the opportunity to select your prior legacy competency benefits")."""
    if not is_legacy_partner(state):
        return False
    previous = [r for k, r in sorted(state["renewals"].items()) if k < occ]
    return not previous or previous[-1].get("option") == LEGACY


def benefits_term(state: State, key: str, renewal: dict[str, Any], policy: Policy) -> tuple[str, str]:
    """The days [from, through) the benefits bought on a renewal or enrollment cover: through the
    next anniversary after it (a record elected before terms were stored: of the current anchor)."""
    through = renewal.get("benefitsThrough") or next_anniversary(state["anniversary"], key, policy)
    return renewal.get("benefitsFrom") or key, through


def paid_benefits_on(state: State, on: str, policy: Policy = DEFAULT_POLICY) -> str | None:
    """The benefits option paid for and in force on `on` (benefits end at the renewal date they were
    paid to), or None."""
    for key, renewal in sorted(state["renewals"].items(), reverse=True):
        if key > on or not renewal.get("option"):
            continue
        start, through = benefits_term(state, key, renewal, policy)
        return renewal["option"] if start <= on < through else None
    initial = state.get("benefits")  # a first purchase recorded before enrollments were
    if initial and initial["from"] <= on and (initial.get("through") is None or on < initial["through"]):
        return initial["option"]
    return None


def fee_in_force(state: State, on: str, policy: Policy) -> bool:
    """Whether paid benefits cover `on`: bought ones, or a legacy partner's competency benefits until
    its first anniversary after the launch (FAQ: "no additional fee is paid" until then)."""
    if paid_benefits_on(state, on, policy) is not None:
        return True
    first = legacy_first_anniversary(state, policy)
    return first is not None and on < first


def next_occurrence(state: State, policy: Policy) -> str | None:
    """The first membership anniversary no run has processed yet and that has something to renew
    (an anniversary that passed with nothing held is skipped, not checked later)."""
    occ = first_occurrence(state, policy)
    if occ is None or not may_renew_again(state):
        return None
    for _ in range(MAX_DUE_STEPS):
        if occ not in state["renewals"] and member_on(state, occ):
            return occ
        occ = next_anniversary(state["anniversary"], occ, policy)
    return None


def upcoming_anniversary(state: State, on: str, policy: Policy = DEFAULT_POLICY) -> str | None:
    occ = next_occurrence(state, policy)
    if occ is None:
        return None
    if occ < on:
        occ = cal.next_on_or_after(
            date.fromisoformat(state["anniversary"]), date.fromisoformat(on), policy.leap_day_anniversary
        ).isoformat()
    return occ


def member_on(state: State, occ: str) -> bool:
    """Is there anything to renew on this anniversary? Active designations, or a legacy partner's
    option to keep buying legacy benefits (FAQ: "there will be an option to continue to purchase
    legacy benefits") while it bought them last time or this is its first anniversary after launch."""
    if any(designation_held(state, a, occ) for a in state["designations"]):
        return True
    return legacy_option_open(state, occ)


def may_renew_again(state: State) -> bool:
    """Whether any later anniversary can have something to renew."""
    if active_designations(state):
        return True
    if not is_legacy_partner(state):
        return False
    renewals = state["renewals"]
    return not renewals or renewals[max(renewals)].get("option") == LEGACY  # the latest anniversary's


def next_unchecked(record: dict[str, Any] | None, policy: Policy) -> str | None:
    """The first anniversary (from 2022-10-03) of an ACTIVE specialization or Azure Expert MSP
    status that no run has checked yet."""
    if not record or record["status"] != "ACTIVE":
        return None
    anchor = date.fromisoformat(record["anniversaryDate"])
    occ = cal.next_on_or_after(anchor, max(anchor, PROGRAM_LAUNCH), policy.leap_day_anniversary)
    for _ in range(MAX_DUE_STEPS):
        if occ.isoformat() not in record["checked"]:
            return occ.isoformat()
        occ = cal.next_after(anchor, occ, policy.leap_day_anniversary)
    return None


def fees_for(state: State, option: str, currency: str) -> Any:
    if option == SOLUTIONS_PARTNER:
        return SOLUTIONS_PARTNER_FEES.get(currency)
    level = legacy_level(state)
    return LEGACY_FEES.get(level or "", {}).get(currency)


def options(state: State, occ: str) -> list[str]:
    """The benefits options a partner can buy for the renewal or enrollment `occ` (FAQ: legacy
    benefits only for a legacy partner that still has them; an enrollment is a Solutions Partner
    purchase)."""
    if enrolled_on(state, occ) or not legacy_option_open(state, occ):
        return [SOLUTIONS_PARTNER]
    return [SOLUTIONS_PARTNER, LEGACY]


def _location_linked(ch: Change, d: Detail, policy: Policy) -> None:
    if d["locationId"] not in ch.state["locations"]:
        ch.state["locations"] = sorted([*ch.state["locations"], d["locationId"]])


FEATURE = Feature("membership", facts={"LocationLinked": _location_linked})
