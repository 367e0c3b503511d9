"""Membership: the anniversary every designation shares, its occurrences, the fees and options of
a renewal, and the locations linked to the partner (FAQ: every designation shares the anniversary
of the first one; a legacy partner keeps its own)."""

from __future__ import annotations

from datetime import date
from typing import Any

from .. import calendar as cal
from ..change import Change
from ..document import State, active_designations, designation_held, is_legacy_partner, legacy_level
from ..feature import Detail, Feature
from ..policy import DEFAULT_POLICY, LEGACY_FEES, SOLUTIONS_PARTNER_FEES, Policy
from ..program import LEGACY, PROGRAM_LAUNCH, SOLUTIONS_PARTNER

MAX_DUE_STEPS = 500  # bound of one catch-up run (about 80 years of yearly work for one partner)


def plus(day: str, n: int) -> str:
    """The ISO day `n` days after `day` (before it when negative)."""
    return (date.fromisoformat(day) + cal.days(n)).isoformat()


def next_anniversary(anchor: str, after: str, policy: Policy) -> str:
    """The anniversary of `anchor` after the day `after`."""
    return cal.next_after(date.fromisoformat(anchor), date.fromisoformat(after), policy.leap_day_anniversary).isoformat()


def first_occurrence(state: State, policy: Policy) -> str | None:
    anchor = state["anniversary"]
    if anchor is None:
        return None
    a = date.fromisoformat(anchor)
    if is_legacy_partner(state):
        return cal.next_on_or_after(a, PROGRAM_LAUNCH, policy.leap_day_anniversary).isoformat()
    return cal.next_after(a, a, policy.leap_day_anniversary).isoformat()


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
    if not is_legacy_partner(state):
        return False
    previous = [r for k, r in sorted(state["renewals"].items()) if k < occ]
    return not previous or previous[-1].get("option") == LEGACY


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


def options(state: State) -> list[str]:
    """The benefits options a partner can buy (FAQ: legacy benefits only for legacy partners)."""
    return [SOLUTIONS_PARTNER, LEGACY] if is_legacy_partner(state) else [SOLUTIONS_PARTNER]


def _location_linked(ch: Change, d: Detail, policy: Policy) -> None:
    if d["locationId"] not in ch.state["locations"]:
        ch.state["locations"] = sorted([*ch.state["locations"], d["locationId"]])


FEATURE = Feature("membership", facts={"LocationLinked": _location_linked})
