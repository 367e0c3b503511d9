"""Read models of the API (SPEC §4.2), computed from the partner document as of a date: each
section read through its feature (shared/rules/features/), the eligibility answers from the gate
table and the pending work from the engine's work table (both built from features.FEATURES)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .document import END, START, State, designation_held, held_on, is_legacy_partner, legacy_level
from .engine import due_items
from .features.membership import fees_for, options, paid_benefits_on, upcoming_anniversary
from .features.specializations import benefit_caps, benefit_group, required_designations
from .gates import GATES
from .policy import DEFAULT_POLICY, Policy
from .program import AREAS, OFFER_TYPES, SOLUTIONS_PARTNER, training_badge
from .scoring.credentials import unrecognised
from .scoring.display import fmt_cents, fmt_total
from .scoring.guidance import plan
from .scoring.history import counted_roster, evaluate, roster_of, score_detail


def _status(state: State, area: str, on: str) -> dict[str, Any] | None:
    periods = [p for p in state["designations"].get(area, {}).get("periods", []) if p[START] <= on]
    if not periods:
        return None
    start, end = periods[-1][START], periods[-1][END]
    active = end is None or on < end
    return {
        "solutionArea": area,
        "attainedOn": start,
        "status": "ACTIVE" if active else "LAPSED",
        "lapsedOn": None if active else end,
    }


def partner_view(state: State, on: str, policy: Policy = DEFAULT_POLICY) -> dict[str, Any]:
    designations = [s for a in AREAS if (s := _status(state, a, on))]
    training = [
        {"solutionArea": training_badge(a), "attainedOn": d, "status": "ACTIVE", "lapsedOn": None}
        for a, d in sorted(state["training"]["designations"].items())
        if d <= on
    ]
    badges = sorted(b for b, spans in state["badges"].items() if held_on(spans, on))
    renewals = [dict(r, anniversaryDate=k) for k, r in sorted(state["renewals"].items()) if k <= on]
    fees_due = []
    for r in renewals:
        if r["option"] is None and not r["closed"] and on <= r["paymentDueBy"]:
            for option in options(state, r["anniversaryDate"]):
                if option == SOLUTIONS_PARTNER and not r["kept"]:
                    continue
                amount = fees_for(state, option, policy.default_currency)
                if amount is not None:
                    fees_due.append(
                        {
                            "anniversaryDate": r["anniversaryDate"],
                            "option": option,
                            "amount": str(amount),
                            "currency": policy.default_currency,
                            "dueBy": r["paymentDueBy"],
                        }
                    )
    # Benefits are shown through the renewal date they were paid to, not after it.
    benefits = paid_benefits_on(state, on, policy)
    sp_benefits = benefits == SOLUTIONS_PARTNER
    used: dict[str, int] = {}
    caps = benefit_caps()
    specs = []
    for name, spec in sorted(state["specializations"].items()):
        active = not (spec["status"] == "LOST" and spec["lostOn"] <= on)
        group = benefit_group(name)
        # FAQ: incremental specialization benefits "are only available with Solutions Partner
        # benefits and cannot be added to legacy benefits", within each category's cap.
        eligible = active and sp_benefits and used.get(group, 0) < caps.get(group, 0)
        if eligible:
            used[group] = used.get(group, 0) + 1
        specs.append(
            {
                "specialization": name,
                "status": "ACTIVE" if active else "LOST",
                "anniversaryDate": spec["anniversaryDate"],
                "lostOn": spec["lostOn"] if not active else None,
                "requiredDesignations": required_designations(name),
                "incrementalBenefits": eligible,
                "benefitGroup": group,
            }
        )
    msp = state["msp"]
    legacy = state.get("legacy")
    return {
        "partnerId": state["partnerId"],
        "on": on,
        "designations": designations + training,
        "badges": badges,
        "anniversaryDate": upcoming_anniversary(state, on, policy),
        "anniversaryAnchor": state["anniversary"],
        "benefitsOption": benefits,
        "feesDue": fees_due,
        "legacy": {
            "isLegacyPartner": is_legacy_partner(state),
            "level": legacy_level(state),
            "competencies": sorted(legacy["competencies"]) if legacy else [],
            "anniversaryDate": legacy["anniversaryDate"] if legacy else None,
        },
        "specializations": specs,
        "azureExpertMsp": None
        if msp is None
        else {
            "anniversaryDate": msp["anniversaryDate"],
            "status": msp["status"],
            "lossEffectiveOn": msp["lossEffectiveOn"],
        },
        "locations": list(state["locations"]),
        # credentials held on `on` that the certification catalogue does not know: kept on the
        # roster, counting for nothing, shown so an operator sees a feed's misspelling
        "unrecognisedCertifications": unrecognised(state, roster_of(state, on)),
        "renewals": [
            {
                k: r.get(k)
                for k in ("anniversaryDate", "kept", "lapsed", "renewed", "option", "paymentDueBy", "closed")
            }
            for r in renewals
        ],
        # Dated work due on or before `on` that no daily run has done yet (the document reflects the
        # runs done so far; on AWS the schedule runs every day, so this is empty unless a run failed
        # or `on` is in the future).
        "pendingWork": [{"kind": kind, "dueOn": day, "subject": key}
                        for day, kind, key in sorted(due_items(state, policy)) if day <= on],
    }


def scores_view(state: State, on: str) -> dict[str, Any]:
    roster = counted_roster(state, on)
    areas = []
    for area in AREAS:
        score = evaluate(state, area, on, roster)
        detail = score_detail(score)
        book = score.rulebook
        categories: dict[str, int] = {}  # the displayed metric points, in cents, added per category
        for m in detail["metrics"]:
            categories[m["category"]] = categories.get(m["category"], 0) + round(Fraction(m["points"]) * 100)
        detail["categories"] = {c: fmt_cents(cents) for c, cents in categories.items()}
        # Which rules scored what (issue 17 item 4): the rulebook version (above), how the area's
        # track is chosen and, for every track scored, its total and whether it is the one shown.
        detail["trackSelection"] = book.areas[area].selection
        detail["paths"] = [
            {"track": p.track, "total": fmt_total(book.to_fraction(p.total), book.to_fraction(book.threshold)),
             "qualified": p.qualified, "chosen": p.track == score.track}
            for p in score.paths
        ]
        detail["attained"] = designation_held(state, area, on)
        detail["guidance"] = plan(score)
        areas.append(detail)
    return {"partnerId": state["partnerId"], "on": on, "areas": areas}


def eligibility_view(state: State, on: str, policy: Policy = DEFAULT_POLICY) -> dict[str, Any]:
    specs = sorted(state["specializations"]) if state else []
    return {
        "partnerId": state["partnerId"],
        "on": on,
        "incentives": GATES["INCENTIVES"](state, on, policy),
        "coSell": GATES["OFFER"](state, "SERVICES_CO_SELL", on, policy=policy),
        "ipCoSell": GATES["OFFER"](state, "IP_CO_SELL", on, policy=policy),
        "offers": [
            GATES["OFFER"](state, g, on, policy=policy)
            for g in OFFER_TYPES if g != "IP_CO_SELL"  # IP co-sell is answered on its own
        ],
        "specializations": [GATES["SPECIALIZATION"](state, s, on) for s in specs],
        "azureExpertMsp": GATES["AZURE_EXPERT_MSP"](state, on),
    }
