"""Publish-check and eligibility gates (SPEC §2.8). Each answer: allowed, a stable reason code
and one sentence. Dates are ISO strings; `on` is explicit."""

from __future__ import annotations

from typing import Any

from .engine import _first_occurrence
from .policy import DEFAULT_POLICY, Policy
from .rulebook import AZURE_AREAS
from .specializations import required_designations
from .state import State, designations_held, is_legacy_partner

LAUNCH = "2022-10-03"
LEGACY_DAY = "2022-09-30"
INCENTIVES_CUTOVER = "2023-10-01"  # "October 1, 2023, and beyond: attaining a designation will be required"
TRANSITION_LAST_DAY = "2023-10-02"  # "until October 3 2023" = through 2023-10-02
OFFER_GATES = ("MANAGED_SERVICES", "CONSULTING_SERVICES", "SERVICES_CO_SELL", "IP_CO_SELL", "APPSOURCE_APP")


def answer(gate: str, allowed: bool, reason: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"gate": gate, "allowed": allowed, "reason": reason, "message": message, **extra}


def _designated(state: State | None, on: str, gate: str, policy: Policy) -> list[str]:
    if state is None:
        return []
    held = designations_held(state, on)
    wanted = policy.gate_designations.get(gate)
    return [a for a in held if wanted is None or a in wanted]


def _legacy_on(state: State | None, on: str) -> bool:
    """A competency valid on `on` (before the program) — for pre-launch questions."""
    if not state or not state.get("legacy"):
        return False
    return any(c["heldOn"] <= on < c["anniversaryDate"] for c in state["legacy"]["competencies"].values())


def offer_gate(
    state: State | None,
    offer_type: str,
    on: str,
    offer_id: str | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> dict[str, Any]:
    legacy = bool(state) and is_legacy_partner(state)  # a competency held on 2022-09-30
    held = _designated(state, on, offer_type, policy)
    if offer_type == "IP_CO_SELL":
        return answer(
            offer_type,
            True,
            "NOT_GATED",
            "How an IP application becomes co-sell ready is unchanged by Solutions Partner designations.",
        )
    if held:
        return answer(
            offer_type,
            True,
            "DESIGNATION_HELD",
            f"The partner holds Solutions Partner for {', '.join(held)}.",
        )
    if on < LAUNCH:
        if offer_type == "APPSOURCE_APP" or _legacy_on(state, on):
            return answer(
                offer_type,
                True,
                "BEFORE_PROGRAM_LAUNCH",
                "Before 2022-10-03 publishing did not require a Solutions Partner designation.",
            )
        return answer(
            offer_type,
            False,
            "COMPETENCY_REQUIRED",
            "Before 2022-10-03 this offer needed a current competency.",
        )
    in_transition = on <= TRANSITION_LAST_DAY
    if offer_type in ("MANAGED_SERVICES", "CONSULTING_SERVICES") and legacy and in_transition:
        return answer(
            offer_type,
            True,
            "LEGACY_TRANSITION",
            "A partner with a competency on 2022-09-30 may publish this offer type until 2023-10-03.",
        )
    if offer_type == "SERVICES_CO_SELL" and legacy and in_transition:
        co_sell_ready = any(o.get("coSellReady") for o in (state or {}).get("offers", {}).values())
        if co_sell_ready:
            return answer(
                offer_type,
                True,
                "LEGACY_CO_SELL_TRANSITION",
                "A co-sell-ready services partner with a competency on 2022-09-30 may publish consulting offers until 2023-10-03.",
            )
        return answer(
            offer_type,
            False,
            "NOT_CO_SELL_READY",
            "The legacy co-sell allowance needs co-sell ready status; no co-sell-ready offer is recorded.",
        )
    if offer_type == "APPSOURCE_APP" and legacy and in_transition and offer_id:
        offer = (state or {}).get("offers", {}).get(offer_id)
        if offer and offer["publishedOn"] <= LEGACY_DAY:
            return answer(
                offer_type,
                True,
                "EXISTING_APP_TRANSITION",
                "An app published by a partner with a competency on 2022-09-30 is unaffected until 2023-10-03.",
            )
    if legacy and not in_transition:
        return answer(
            offer_type,
            False,
            "LEGACY_ALLOWANCE_ENDED",
            "The legacy allowance ended on 2023-10-02; a Solutions Partner designation is required.",
        )
    return answer(
        offer_type,
        False,
        "DESIGNATION_REQUIRED",
        "A Solutions Partner designation is required to publish this offer.",
    )


def incentives_gate(state: State | None, on: str, policy: Policy = DEFAULT_POLICY) -> dict[str, Any]:
    """FAQ "Will incentives be changing?": Option 1 (designation) or Option 2 (legacy benefits),
    2022-10-01 … 2023-09-30; "Double incentives will not be possible"; a designation from 2023-10-01."""
    gate = "INCENTIVES"
    held = _designated(state, on, gate, policy)
    if on < "2022-10-01":
        ok = _legacy_on(state, on)
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
    first = _first_occurrence(state, policy)
    if first is None or on < first:
        return answer(
            gate,
            True,
            "OPTION_2_UNTIL_ANNIVERSARY",
            f"Legacy benefits keep incentives until the first anniversary after 2022-09-30 ({first}) (Option 2).",
            option="OPTION_2",
        )
    if state["renewals"].get(first, {}).get("option") == "LEGACY":
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


def specialization_gate(state: State | None, name: str, on: str) -> dict[str, Any]:
    gate = f"SPECIALIZATION:{name}"
    required = required_designations(name)
    if required is None:
        return answer(gate, False, "UNKNOWN_SPECIALIZATION", f"{name!r} is not a known specialization.")
    spec = (state or {}).get("specializations", {}).get(name)
    if spec and spec["status"] == "LOST" and spec["lostOn"] <= on:
        return answer(
            gate,
            False,
            "SPECIALIZATION_LOST",
            f"Lost on {spec['lostOn']}: no mapped designation on its anniversary.",
        )
    held = [a for a in required if state and a in designations_held(state, on)]
    if held:
        return answer(
            gate,
            True,
            "PREREQUISITE_MET",
            f"Holds {', '.join(held)}; the other specialization requirements are unchanged.",
            requiredDesignations=required,
        )
    return answer(
        gate,
        False,
        "PREREQUISITE_MISSING",
        f"Needs one of the designations {', '.join(required)} to be earned, maintained or renewed.",
        requiredDesignations=required,
    )


def msp_gate(state: State | None, on: str) -> dict[str, Any]:
    gate = "AZURE_EXPERT_MSP"
    msp = (state or {}).get("msp")
    held = designations_held(state, on) if state else []
    missing = [a for a in AZURE_AREAS if a not in held]
    if msp is None:
        if missing:
            return answer(
                gate,
                False,
                "PREREQUISITES_MISSING",
                f"Azure Expert MSP needs all three Azure designations; missing {', '.join(missing)}.",
            )
        return answer(
            gate,
            True,
            "PREREQUISITES_MET",
            "All three Azure designations are held; the other MSP requirements apply.",
        )
    if msp["status"] != "ACTIVE" and msp["lossEffectiveOn"] and on >= msp["lossEffectiveOn"]:
        return answer(
            gate, False, "MSP_LOST", f"Azure Expert MSP status was lost on {msp['lossEffectiveOn']}."
        )
    if msp["status"] == "LOSING":
        return answer(
            gate,
            True,
            "MSP_LOSS_PENDING",
            f"Status and benefits end on {msp['lossEffectiveOn']} (anniversary + 30 days).",
        )
    return answer(
        gate,
        True,
        "MSP_ACTIVE",
        "Azure Expert MSP status is active."
        + (f" At risk: missing {', '.join(missing)} for the next anniversary." if missing else ""),
    )
