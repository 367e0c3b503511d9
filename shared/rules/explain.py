"""Plain sentences explaining a partner's status from its decision audit trail (`partnerctl why`)."""

from __future__ import annotations

from typing import Any

from .state import State

RULES = {
    "ATTAINMENT": "FAQ: at least 70 of 100 points with points in every category and subcategory attains at once",
    "ANNIVERSARY_RENEWAL": "FAQ: on the anniversary, not before, the requirements are checked over the qualification window",
    "PAYMENT_WINDOW": "policy: a qualified designation whose fee is not paid within the payment window lapses",
    "BENEFITS_ELECTION": "FAQ: Option 1 (Solutions Partner benefits) or, for legacy partners, Option 2 (legacy benefits)",
    "SPECIALIZATION_PREREQUISITE": "FAQ: a specialization needs one of its mapped designations on its anniversary",
    "AZURE_EXPERT_MSP_PREREQUISITE": "FAQ: Azure Expert MSP needs all three Azure designations at its anniversary; loss within 30 days",
    "TRAINING_SERVICES": "FAQ: 1,000 courseware activations, 200 exam vouchers, quality 4.25, 200 surveys per area",
    "LEGACY_PARTNER": "FAQ: a competency held on 2022-09-30 keeps legacy benefits and its anniversary",
    "RENEWAL_FORECAST": "forecast: would lapse if the anniversary were today",
}


def _sentence(d: dict[str, Any], state: State) -> str:
    rule, outcome, on = d["rule"], d["outcome"], d["on"]
    area = d.get("solutionArea")
    if rule == "ATTAINMENT":
        # The qualifying score is the score of the measurement day, as the facts now stand.
        from .engine import evaluate, score_detail

        measured = d.get("measuredOn") or on
        detail = score_detail(evaluate(state, area, measured))
        metrics = ", ".join(f"{m['metric']} {m['points']}/{m['maxPoints']}" for m in detail["metrics"])
        return (f"{on}: {area} attained with {detail['total']} points (rulebook {d['rulebookVersion']}; "
                f"measured {measured}): {metrics}.")
    if rule == "ANNIVERSARY_RENEWAL":
        start, end = d["window"]
        best = max((h[2] for h in d.get("history", [])), default="0.00", key=float)
        verdict = "met the requirements" if outcome == "QUALIFIED" else "did not meet the requirements on any day"
        return (f"{on}: {area} {verdict} of the window {start} … {end} (rulebook {d['rulebookVersion']}, best "
                f"score {best}); {'kept once the fee is paid' if outcome == 'QUALIFIED' else 'lapsed'}.")
    if rule == "PAYMENT_WINDOW":
        return f"{on}: {area} lapsed: no benefits option was paid by {d['paymentDueBy']}."
    if rule == "BENEFITS_ELECTION":
        fee = d.get("fee") or {}
        what = "initial purchase" if d.get("initialPurchase") else f"renewed {', '.join(d.get('renewed', [])) or 'no designation'}"
        return f"{on}: {outcome} chosen for the {d['anniversaryDate']} anniversary ({fee.get('amount')} {fee.get('currency')}); {what}."
    if rule == "SPECIALIZATION_PREREQUISITE":
        if outcome == "KEPT":
            return f"{on}: {d['specialization']} kept: holds {', '.join(d['heldDesignations'])}."
        return f"{on}: {d['specialization']} lost: none of {', '.join(d['requiredDesignations'])} was held on its anniversary."
    if rule == "AZURE_EXPERT_MSP_PREREQUISITE":
        if outcome == "KEPT":
            return f"{on}: Azure Expert MSP kept: all three Azure designations held."
        return f"{on}: Azure Expert MSP lost from {d['lossEffectiveOn']}: missing {', '.join(d['missingDesignations'])}."
    if rule == "TRAINING_SERVICES":
        return f"{on}: Training Services for {area} attained."
    if rule == "LEGACY_PARTNER":
        return f"{on}: legacy {d['level']} competency {d['competency']} recorded (its anniversary {d['anniversaryDate']}; the membership keeps the earliest)."
    if rule == "RENEWAL_FORECAST":
        return f"{on}: {area} at risk for the {d['anniversaryDate']} anniversary (now {d['total']} points)."
    return f"{on}: {rule} {outcome}."


def concerns(decision: dict[str, Any], area: str | None) -> bool:
    """Whether a decision belongs to an area's story (every decision when no area is given)."""
    if not area:
        return True
    if decision.get("solutionArea") is None:
        return decision["rule"] == "BENEFITS_ELECTION"
    return decision["solutionArea"] == area


def why(state: State, area: str | None = None) -> list[dict[str, str]]:
    """Each decision as {on, rule, citation, sentence}, oldest first, optionally for one area."""
    out = []
    for d in state["decisions"]:
        if not concerns(d, area):
            continue
        out.append({"on": d["on"], "rule": d["rule"], "citation": RULES.get(d["rule"], ""), "sentence": _sentence(d, state)})
    return out
