"""Renewal: the anniversary check over the qualification window, the renewal it opens with its
fees, the lapse of a designation whose fee is not paid in the payment window, and the renewal-risk
forecast before it (FAQ: "On your anniversary date, not beforehand, we'll check if you still meet
the requirements")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from ..change import Change
from ..document import State, active_designations, designation_held
from ..feature import Explanation, Feature, Work
from ..policy import DEFAULT_POLICY, Policy
from ..program import LEGACY
from ..scoring.guidance import plan
from ..scoring.history import best_total, evaluate, qualified_in_window, shown_total, window_history
from ..scoring.rulebook import rulebook_for
from .membership import (
    ENROLLMENT,
    GRANT_ON_PAYMENT,
    fee_in_force,
    fees_for,
    lapsed_unpaid,
    member_on,
    next_occurrence,
    options,
    plus,
)

ANNIVERSARY, RENEWAL_RISK, PAYMENT_LAPSE = "ANNIVERSARY", "RENEWAL_RISK", "PAYMENT_LAPSE"


def _due(state: State, policy: Policy) -> Iterator[tuple[str, str, str]]:
    occ = next_occurrence(state, policy)
    if occ is not None and member_on(state, occ):
        yield occ, ANNIVERSARY, occ
        if active_designations(state) and occ not in state["riskChecked"]:
            yield plus(occ, -policy.renewal_risk_horizon_days), RENEWAL_RISK, occ
    for key, renewal in state["renewals"].items():
        if not renewal["closed"]:
            yield plus(renewal["paymentDueBy"], 1), PAYMENT_LAPSE, key


def _anniversary_check(ch: Change, occ: str, key: str, day: str, policy: Policy) -> None:
    """FAQ: "On your anniversary date, not beforehand, we'll check if you still meet the
    requirements. If you do, you'll retain the Solutions Partner designation ... after paying"."""
    state = ch.state
    book = rulebook_for(date.fromisoformat(occ))
    # The renewal window may run to the end of the anniversary month; it is decided on the
    # anniversary itself, with the days lived by then (docs/decisions.md, "The renewal window").
    start = book.qualification_window.renewal_span(date.fromisoformat(occ))[0].isoformat()
    kept, lapsed = [], []
    for area in [a for a in active_designations(state) if designation_held(state, a, occ)]:
        if qualified_in_window(state["scoreHistory"].get(area, []), start, occ):
            kept.append(area)
        else:
            lapsed.append(area)
    for area in lapsed:
        ch.lapse(area, occ, occ, "NOT_QUALIFIED", "ANNIVERSARY_RENEWAL", window=[start, occ],
                 rulebookVersion=book.version, history=window_history(state, area, start, occ))
    member = bool(kept) or member_on(state, occ)
    due_by = plus(occ, policy.payment_window_days)
    state["renewals"][occ] = {
        "openedOn": occ,
        "paymentDueBy": due_by,
        "kept": kept,
        "lapsed": lapsed,
        "renewed": [],
        "option": None,
        "fee": None,
        "closed": not member,
    }
    for area in kept:
        ch.decide(
            occ,
            "ANNIVERSARY_RENEWAL",
            "QUALIFIED",
            solutionArea=area,
            window=[start, occ],
            rulebookVersion=book.version,
            history=window_history(state, area, start, occ),
        )
    if not member:
        return
    offered = options(state, occ) if kept else [LEGACY]
    fees = []
    for option in offered:
        amount = fees_for(state, option, policy.default_currency)
        if amount is not None:
            fees.append({"option": option, "amount": str(amount), "currency": policy.default_currency})
    ch.emit(
        "RenewalOpened",
        occ,
        (occ,),
        anniversaryDate=occ,
        designations=kept,
        lapsing=lapsed,
        paymentDueBy=due_by,
        options=offered,
        fees=fees,
    )


def owe_fee(ch: Change, area: str, on: str, policy: Policy) -> bool:
    """A designation qualified on `on` without paid benefits in force owes the fee within the
    enrollment window (requirements.md §1: "After qualifying, a partner has 30 days to enroll"; FAQ:
    "since you do not have legacy benefits, you immediately have the opportunity to pay the fee").
    Qualified while a renewal or enrollment awaits its payment, it joins it: one fee covers every
    designation ("Once a partner is a Solutions Partner, qualifying in another area enrolls it
    automatically with no further purchase"). Unpaid, the payment lapse ends it with the others.

    Returns whether the designation is granted now. The first window grants it at once (FAQ: "you'll
    immediately receive the corresponding customer-facing badge"); once a window closed unpaid, a new
    one grants it only when paid (issue 20 item 9: "a later qualification opens a new window — never
    a free period"; docs/decisions.md, "Membership and money")."""
    state = ch.state
    if fee_in_force(state, on, policy):
        return True
    for key, renewal in sorted(state["renewals"].items()):
        if not renewal["closed"] and renewal["option"] is None and key <= on <= renewal["paymentDueBy"]:
            if area not in renewal["kept"]:
                renewal["kept"] = sorted([*renewal["kept"], area])
                if key == on and renewal.get(ENROLLMENT) and not renewal.get(GRANT_ON_PAYMENT):
                    # qualified on the day the window opened: it owes the fee as the area that opened
                    # it does, whichever of that day's facts came first (docs/decisions.md §7)
                    ch.decide(on, "ENROLLMENT", "FEE_DUE", solutionArea=area, paymentDueBy=renewal["paymentDueBy"])
            if renewal.get(GRANT_ON_PAYMENT):
                ch.decide(on, "ENROLLMENT", "FEE_DUE_BEFORE_DESIGNATION", solutionArea=area,
                          paymentDueBy=renewal["paymentDueBy"])
                return False
            return True
    grant_now = not lapsed_unpaid(state, on)
    due_by = plus(on, policy.enrollment_window_days)
    if grant_now:
        # The membership starts with the purchase, so its anniversary is this day (requirements.md §1:
        # "The renewal window opens on the anniversary date (the date of the last purchase)").
        state["anniversary"] = on
    state["renewals"][on] = {
        "openedOn": on,
        "paymentDueBy": due_by,
        "kept": [area],
        "lapsed": [],
        "renewed": [],
        "option": None,
        "fee": None,
        "closed": False,
        ENROLLMENT: True,
        **({} if grant_now else {GRANT_ON_PAYMENT: True}),
    }
    ch.decide(on, "ENROLLMENT", "FEE_DUE" if grant_now else "FEE_DUE_BEFORE_DESIGNATION", solutionArea=area,
              paymentDueBy=due_by)
    return grant_now


def forecast(state: State, day: str, policy: Policy = DEFAULT_POLICY) -> list[dict[str, Any]]:
    """Designations that would lapse if the next anniversary were `day`, each with the smallest
    change that avoids it (guidance). Empty when no anniversary is due."""
    occ = next_occurrence(state, policy)
    if occ is None or day >= occ or not member_on(state, occ):
        return []
    book = rulebook_for(date.fromisoformat(day))
    start = book.qualification_window.renewal_span(date.fromisoformat(day))[0].isoformat()
    out = []
    for area in active_designations(state):
        if qualified_in_window(state["scoreHistory"].get(area, []), start, day):
            continue
        score = evaluate(state, area, day)
        needs = plan(score)["needs"]
        out.append({"solutionArea": area, "anniversaryDate": occ,
                    "daysUntil": (date.fromisoformat(occ) - date.fromisoformat(day)).days,
                    "total": shown_total(score),
                    "shortfall": [{"metric": n["metric"], "unitsNeeded": n["unitsNeeded"], "pointsNeeded": n["pointsGained"]}
                                  for n in needs]})
    return out


def _renewal_risk(ch: Change, when: str, occ: str, day: str, policy: Policy) -> None:
    """Forecast (issue "Beyond Partner Center"): published once per anniversary, on the first run
    inside the horizon."""
    ch.state["riskChecked"].append(occ)
    for risk in forecast(ch.state, day, policy):
        ch.decide(day, "RENEWAL_FORECAST", "AT_RISK", solutionArea=risk["solutionArea"], anniversaryDate=occ,
                  total=risk["total"])
        ch.emit("RenewalAtRisk", day, (risk["solutionArea"], occ), anniversaryDate=occ, solutionArea=risk["solutionArea"],
                daysUntil=risk["daysUntil"], shortfall=risk["shortfall"])


def _payment_lapse(ch: Change, lapse_on: str, occ: str, day: str, policy: Policy) -> None:
    renewal = ch.state["renewals"][occ]
    lapse_on = plus(renewal["paymentDueBy"], 1)
    if renewal.get(GRANT_ON_PAYMENT):
        # nothing was granted, so nothing lapses: the window closes and the qualification is spent
        for area in renewal["kept"]:
            ch.decide(lapse_on, "ENROLLMENT", "WINDOW_CLOSED", solutionArea=area, paymentDueBy=renewal["paymentDueBy"])
        renewal["closed"] = True
        return
    for area in renewal["kept"]:
        if area in renewal["renewed"] or not designation_held(ch.state, area, renewal["paymentDueBy"]):
            continue
        ch.lapse(area, lapse_on, occ, "PAYMENT_WINDOW_EXPIRED", "PAYMENT_WINDOW", paymentDueBy=renewal["paymentDueBy"])
    renewal["closed"] = True


def _renewal_sentence(d: dict[str, Any], state: State) -> str:
    on, area, outcome = d["on"], d.get("solutionArea"), d["outcome"]
    start, end = d["window"]
    best = best_total(d.get("history", []))
    verdict = "met the requirements" if outcome == "QUALIFIED" else "did not meet the requirements on any day"
    return (f"{on}: {area} {verdict} of the window {start} … {end} (rulebook {d['rulebookVersion']}, best "
            f"score {best}); {'kept once the fee is paid' if outcome == 'QUALIFIED' else 'lapsed'}.")


FEATURE = Feature(
    "renewal",
    work=(
        Work(RENEWAL_RISK, -1, _renewal_risk),
        Work(PAYMENT_LAPSE, 0, _payment_lapse, ends_designations=True),
        Work(ANNIVERSARY, 1, _anniversary_check, ends_designations=True),
    ),
    due=_due,
    explanations={
        "ANNIVERSARY_RENEWAL": Explanation(
            "FAQ: on the anniversary, not before, the requirements are checked over the qualification window",
            _renewal_sentence,
        ),
        "PAYMENT_WINDOW": Explanation(
            "policy: a qualified designation whose fee is not paid within the payment window lapses",
            {"*": "{on}: {solutionArea} lapsed: no benefits option was paid by {paymentDueBy}."},
        ),
        "ENROLLMENT": Explanation(
            "requirements.md §1: after qualifying, a partner has 30 days to enroll (policy enrollment_window_days)",
            {"*": "{on}: {solutionArea} attained without paid benefits in force: the Solutions Partner fee is due "
                  "by {paymentDueBy}, or the designation lapses.",
             "FEE_DUE_BEFORE_DESIGNATION": "{on}: {solutionArea} qualified after an enrollment window closed unpaid: "
                                           "the designation and badge come when the Solutions Partner fee is "
                                           "paid, by {paymentDueBy}.",
             "WINDOW_CLOSED": "{on}: {solutionArea} not granted: the Solutions Partner fee was not paid by "
                              "{paymentDueBy}; a later qualification opens a new window."},
        ),
        "RENEWAL_FORECAST": Explanation(
            "forecast: would lapse if the anniversary were today",
            {"*": "{on}: {solutionArea} at risk for the {anniversaryDate} anniversary (now {total} points)."},
        ),
    },
)
