"""Benefits: the partner's once-per-anniversary choice of Option 1 (Solutions Partner benefits) or
Option 2 (legacy benefits) with the fee paid, the first purchase after attaining, and what the
choice means for incentives (FAQ "Will incentives be changing?")."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, NoReturn

from ..change import Change
from ..document import State, designation_held, is_legacy_partner, legacy_competency_on
from ..errors import NotYet, RuleRejected
from ..feature import Answer, Explanation, Feature, answer, designated
from ..policy import DEFAULT_POLICY, Policy
from ..program import INCENTIVES_CUTOVER, INCENTIVES_START, LEGACY, SOLUTIONS_PARTNER
from .attainment import grant
from .membership import (
    ENROLLMENT,
    GRANT_ON_PAYMENT,
    fee_in_force,
    fees_for,
    legacy_first_anniversary,
    next_anniversary,
    next_occurrence,
    options,
)


def elect(ch: Change, detail: dict[str, Any], on: str, policy: Policy) -> None:
    """BenefitsElected, once the dated work due by `on` is done (shared.rules.engine.elect_benefits):
    the payment of a renewal opened on an anniversary, or of an enrollment opened by attaining
    without paid benefits in force (shared.rules.features.renewal.owe_fee)."""
    state = ch.state
    occ, option, fee = detail["anniversaryDate"], detail["option"], detail["fee"]
    if option == LEGACY and not is_legacy_partner(state):
        raise RuleRejected(
            "detail.option",
            "LEGACY_OPTION_UNAVAILABLE",
            "only partners holding a competency on 2022-09-30 can choose legacy benefits",
        )
    expected = fees_for(state, option, fee["currency"])
    if expected is None:
        raise RuleRejected(
            "detail.fee.currency", "UNKNOWN_MARKET", f"no {option} fee is defined in {fee['currency']}"
        )
    if Fraction(str(fee["amount"])) < Fraction(str(expected)):
        raise RuleRejected(
            "detail.fee.amount", "FEE_TOO_LOW", f"the {option} fee is {expected} {fee['currency']}"
        )
    renewal = state["renewals"].get(occ)
    if renewal is None:
        _nothing_open(state, occ, option, on, policy)
    if renewal["option"] is not None:
        if renewal["option"] == option:
            return  # the same election again: nothing to do
        raise RuleRejected(
            "detail.option",
            "ALREADY_ELECTED",
            f"{renewal['option']} was already chosen for the {occ} anniversary (one option only)",
        )
    if option not in options(state, occ):
        raise RuleRejected(
            "detail.option",
            "LEGACY_OPTION_UNAVAILABLE",
            "legacy benefits end when an anniversary passes without buying them; only Solutions Partner "
            "benefits can be bought",
        )
    if on > renewal["paymentDueBy"]:
        raise RuleRejected(
            "detail.anniversaryDate",
            "PAYMENT_WINDOW_CLOSED",
            f"the renewal window of the {occ} anniversary closed on {renewal['paymentDueBy']}",
        )
    on_payment = bool(renewal.get(GRANT_ON_PAYMENT))
    # an enrollment that grants on payment holds designations not granted yet: all of them come now
    kept = list(renewal["kept"]) if on_payment else [a for a in renewal["kept"] if designation_held(state, a, on)]
    if not kept and option == SOLUTIONS_PARTNER:
        raise RuleRejected(
            "detail.option",
            "NO_DESIGNATION_TO_RENEW",
            "no designation qualified on this anniversary; only legacy benefits can be bought",
        )
    start = occ
    if on_payment:
        # the membership, its benefits and the designations start with the purchase (requirements.md
        # §1: the anniversary is "the date of the last purchase"; docs/decisions.md "Membership and money")
        state["anniversary"] = start = on
    next_occ = next_anniversary(state["anniversary"], start, policy)
    renewal.update(
        option=option,
        fee={"amount": str(fee["amount"]), "currency": fee["currency"]},
        renewed=kept,
        closed=True,
        electedOn=on,
        benefitsThrough=next_occ,
        **({"benefitsFrom": on} if on_payment else {}),
    )
    state["benefits"] = {"option": option, "from": start, "through": next_occ}
    if renewal.get(ENROLLMENT):
        ch.decide(on, "BENEFITS_ELECTION", option, anniversaryDate=occ, fee=renewal["fee"], renewed=kept,
                  initialPurchase=True)
        for area in kept if on_payment else ():
            grant(ch, area, on, policy)
        return
    ch.decide(on, "BENEFITS_ELECTION", option, anniversaryDate=occ, fee=renewal["fee"], renewed=kept)
    for area in kept:
        ch.emit(
            "DesignationRenewed",
            on,
            (area, occ),
            solutionArea=area,
            anniversaryDate=occ,
            option=option,
            renewedOn=on,
            nextAnniversaryDate=next_occ,
        )


def _nothing_open(state: State, occ: str, option: str, on: str, policy: Policy) -> NoReturn:
    """No renewal or enrollment is recorded for `occ`. FAQ: a legacy partner "can't renew ... before
    your anniversary date" while its legacy benefits last; otherwise the attainment that opens the
    enrollment may not be recorded yet (retried)."""
    upcoming = next_occurrence(state, policy)
    if option == LEGACY or (is_legacy_partner(state) and fee_in_force(state, on, policy)):
        raise RuleRejected(
            "detail.anniversaryDate",
            "RENEWAL_BEFORE_ANNIVERSARY",
            f"benefits can be chosen on the anniversary ({upcoming or 'none recorded'}), not before it",
        )
    raise NotYet(
        "detail.anniversaryDate",
        "NO_RENEWAL_OPEN",
        f"no renewal or enrollment is open for {occ}; the next anniversary is {upcoming or 'not set'}",
    )


def incentives_gate(state: State | None, on: str, policy: Policy = DEFAULT_POLICY) -> Answer:
    """FAQ "Will incentives be changing?": Option 1 (designation) or Option 2 (legacy benefits),
    2022-10-01 … 2023-09-30; "Double incentives will not be possible"; a designation from 2023-10-01."""
    gate = "INCENTIVES"
    held = designated(state, on, gate, policy)
    if on < INCENTIVES_START:
        ok = legacy_competency_on(state, on)
        return answer(
            gate,
            ok,
            "LEGACY_COMPETENCY" if ok else "COMPETENCY_REQUIRED",
            "Before 2022-10-01 incentives followed the competency program.",
            option=None,
        )
    if held:
        return answer(
            gate,
            True,
            "OPTION_1_DESIGNATION",
            f"Eligible through Solutions Partner for {', '.join(held)} (Option 1).",
            option="OPTION_1",
        )
    if on >= INCENTIVES_CUTOVER:
        return answer(
            gate,
            False,
            "DESIGNATION_REQUIRED",
            "From 2023-10-01 a Solutions Partner designation is required for incentives.",
            option=None,
        )
    if not state or not is_legacy_partner(state):
        return answer(
            gate,
            False,
            "DESIGNATION_REQUIRED",
            "Without a competency renewed by 2022-09-30 incentives need a Solutions Partner designation.",
            option=None,
        )
    first = legacy_first_anniversary(state, policy)
    if first is None or on < first:
        return answer(
            gate,
            True,
            "OPTION_2_UNTIL_ANNIVERSARY",
            f"Legacy benefits keep incentives until the first anniversary after 2022-09-30 ({first}) (Option 2).",
            option="OPTION_2",
        )
    if state["renewals"].get(first, {}).get("option") == LEGACY:
        return answer(
            gate,
            True,
            "OPTION_2_LEGACY_PACKAGE",
            "The legacy benefits package bought on the anniversary keeps incentives until 2023-09-30 (Option 2).",
            option="OPTION_2",
        )
    return answer(
        gate,
        False,
        "LEGACY_BENEFITS_NOT_PURCHASED",
        f"Legacy incentive eligibility ended on the {first} anniversary without a legacy benefits purchase.",
        option=None,
    )


def _sentence(d: dict[str, Any], state: State) -> str:
    fee = d.get("fee") or {}
    what = "initial purchase" if d.get("initialPurchase") else f"renewed {', '.join(d.get('renewed', [])) or 'no designation'}"
    return (f"{d['on']}: {d['outcome']} chosen for the {d['anniversaryDate']} anniversary "
            f"({fee.get('amount')} {fee.get('currency')}); {what}.")


FEATURE = Feature(
    "benefits",
    gates={"INCENTIVES": incentives_gate},
    explanations={
        "BENEFITS_ELECTION": Explanation(
            "FAQ: Option 1 (Solutions Partner benefits) or, for legacy partners, Option 2 (legacy benefits)",
            _sentence,
        ),
    },
)
