"""Azure Expert MSP: all three Azure designations at its own anniversary, or the status and its
benefits end 30 days later (FAQ: "you will lose your Azure Expert MSP status and existing benefits
within 30 calendar days")."""

from __future__ import annotations

from collections.abc import Iterator

from ..change import Change
from ..document import State, designation_held, designations_held
from ..feature import Answer, Detail, Explanation, Feature, Work, answer
from ..policy import Policy
from ..program import AZURE_AREAS, LEGACY_LAST_DAY
from .legacy import gold_competencies_on
from .membership import next_unchecked, plus

MSP_CHECK, MSP_LOSS = "MSP_CHECK", "MSP_LOSS"


def _msp_recorded(ch: Change, d: Detail, policy: Policy) -> None:
    msp = ch.state["msp"]
    if msp is not None and msp["anniversaryDate"] >= d["anniversaryDate"]:
        return
    ch.state["msp"] = {
        "anniversaryDate": d["anniversaryDate"],
        "status": "ACTIVE",
        "lossEffectiveOn": None,
        "checked": msp["checked"] if msp else [],
    }


def _due(state: State, policy: Policy) -> Iterator[tuple[str, str, str]]:
    msp = state["msp"]
    nxt = next_unchecked(msp, policy)
    if nxt is not None:
        yield nxt, MSP_CHECK, nxt
    if msp and msp["status"] == "LOSING":
        yield msp["lossEffectiveOn"], MSP_LOSS, msp["lossEffectiveOn"]


def _msp_check(ch: Change, when: str, occ: str, day: str, policy: Policy) -> None:
    """FAQ: without all three Azure designations at the MSP anniversary "you will lose your Azure
    Expert MSP status and existing benefits within 30 calendar days"."""
    msp = ch.state["msp"]
    msp["checked"].append(occ)
    missing = [a for a in AZURE_AREAS if not designation_held(ch.state, a, occ)]
    if not missing:
        ch.decide(occ, "AZURE_EXPERT_MSP_PREREQUISITE", "KEPT")
        return
    loss = plus(occ, policy.msp_loss_delay_days)
    msp.update(status="LOSING", lossEffectiveOn=loss)
    ch.decide(occ, "AZURE_EXPERT_MSP_PREREQUISITE", "LOST", missingDesignations=missing, lossEffectiveOn=loss)
    ch.emit(
        "AzureExpertMspLost",
        loss,
        (occ,),
        anniversaryDate=occ,
        lossEffectiveOn=loss,
        missingDesignations=missing,
    )


def _msp_lost(ch: Change, when: str, key: str, day: str, policy: Policy) -> None:
    ch.state["msp"]["status"] = "LOST"


def msp_gate(state: State | None, on: str) -> Answer:
    gate = "AZURE_EXPERT_MSP"
    msp = (state or {}).get("msp")
    held = designations_held(state, on) if state else []
    missing = [a for a in AZURE_AREAS if a not in held]
    if msp is None and on <= LEGACY_LAST_DAY:
        return _before_designations(gate, state, on)
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


# FAQ: "the legacy Gold Cloud Platform competency will no longer be valid" (from 2022-10-03, when
# the three Azure designations replace it as the prerequisite).
MSP_COMPETENCY = "Cloud Platform"


def _before_designations(gate: str, state: State | None, on: str) -> Answer:
    """Until 2022-09-30 the prerequisite is a current gold Cloud Platform competency: designations
    can be attained only from 2022-10-03 (docs/decisions.md, "Prerequisites before the program")."""
    if MSP_COMPETENCY in gold_competencies_on(state, on):
        return answer(
            gate,
            True,
            "GOLD_COMPETENCY_CURRENT",
            f"Until 2022-09-30 a current gold {MSP_COMPETENCY} competency meets the prerequisite; the other "
            "MSP requirements apply.",
        )
    return answer(
        gate,
        False,
        "GOLD_COMPETENCY_REQUIRED",
        f"Until 2022-09-30 Azure Expert MSP needs a current gold {MSP_COMPETENCY} competency; the Azure "
        "designations that replace it can be attained from 2022-10-03.",
    )


FEATURE = Feature(
    "azure_expert_msp",
    facts={"AzureExpertMspRecorded": _msp_recorded},
    work=(Work(MSP_CHECK, 4, _msp_check), Work(MSP_LOSS, 5, _msp_lost)),
    due=_due,
    gates={"AZURE_EXPERT_MSP": msp_gate},
    explanations={
        "AZURE_EXPERT_MSP_PREREQUISITE": Explanation(
            "FAQ: Azure Expert MSP needs all three Azure designations at its anniversary; loss within 30 days",
            {"KEPT": "{on}: Azure Expert MSP kept: all three Azure designations held.",
             "LOST": "{on}: Azure Expert MSP lost from {lossEffectiveOn}: missing {missingDesignations}."},
        ),
    },
)
