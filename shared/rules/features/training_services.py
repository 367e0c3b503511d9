"""Solutions Partner for Training Services (FAQ, "How do Solutions Partner designations work with
the Learning Partner program?")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..change import Change
from ..feature import Detail, Explanation, Feature
from ..policy import Policy
from ..program import TRAINING_SERVICES, training_badge

MIN_ACTIVATIONS = 1000  # "1,000+ Microsoft Official Courseware (MOC) activations"
MIN_VOUCHERS = 200  # "minimum of 200 Microsoft Certified Professional (MCP) exam vouchers"
MIN_QUALITY = Decimal("4.25")  # "a minimum score of 4.25 out of a possible 5.0"
MIN_SURVEYS = 200  # "a minimum of 200 Metrics that Matter (MTM) quality surveys" per area


def base_criteria_met(period: dict[str, Any]) -> bool:
    return (
        int(period["coursewareActivations"]) >= MIN_ACTIVATIONS
        and Decimal(str(period["examVouchers"])) >= MIN_VOUCHERS
        and Decimal(str(period["qualityScore"])) >= MIN_QUALITY
    )


def training_designations(period: dict[str, Any], period_end: str, policy: Policy) -> list[str]:
    """Areas whose Training Services designation a 12-month period earns (none before launch)."""
    if period_end < policy.training_services_launch.isoformat() or not base_criteria_met(period):
        return []
    return sorted(a for a, n in period["surveysByArea"].items() if int(n) >= MIN_SURVEYS)


def _training_reported(ch: Change, d: Detail, policy: Policy) -> None:
    """A period's report; a correction (same period, greater eventId) replaces it as the period's
    figures. A Training Services designation is earned by any report that meets the criteria
    (decisions.md: a correction does not withdraw an issued badge), so the outcome is the same in
    every arrival order."""
    training = ch.state["training"]
    period = {k: d[k] for k in ("coursewareActivations", "examVouchers", "qualityScore", "surveysByArea")}
    period["eventId"] = d["eventId"]
    current = training["periods"].get(d["periodEnd"])
    if current == period:
        return  # the same report again
    if current is None or current["eventId"] < d["eventId"]:
        training["periods"][d["periodEnd"]] = period
    for area in training_designations(period, d["periodEnd"], policy):
        if area in training["designations"]:
            continue
        training["designations"][area] = d["periodEnd"]
        badge = training_badge(area)
        ch.state["badges"][badge] = [[d["periodEnd"], None]]
        ch.decide(d["periodEnd"], TRAINING_SERVICES, "ATTAINED", solutionArea=area, periodEnd=d["periodEnd"])
        ch.emit("BadgeIssued", d["periodEnd"], (badge,), badge=badge, issuedOn=d["periodEnd"])


FEATURE = Feature(
    "training_services",
    facts={"TrainingMetricsReported": _training_reported},
    explanations={
        TRAINING_SERVICES: Explanation(
            "FAQ: 1,000 courseware activations, 200 exam vouchers, quality 4.25, 200 surveys per area",
            {"*": "{on}: Training Services for {solutionArea} attained."},
        ),
    },
)
