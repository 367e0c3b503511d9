"""Solutions Partner for Training Services (FAQ, "How do Solutions Partner designations work with
the Learning Partner program?")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .policy import Policy

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
