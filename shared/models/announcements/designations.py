"""Designations (SPEC §4.1): attained, badges issued, renewals opened, at risk, renewed and lapsed."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from shared.models.bases import Areas, OutboundDetail, OutModel, RulebookVersion
from shared.models.types import (
    BenefitsOption,
    Currency,
    Decimal2dp,
    DecimalString,
    IsoDate,
    LapseReason,
    MetricKey,
    NonNegativeInt,
    SolutionArea,
)

MICROSOFT_CLOUD_BADGE = "MICROSOFT_CLOUD"
TRAINING_SERVICES_BADGE_PREFIX = "TRAINING_SERVICES:"
_AREAS = "|".join(a.value for a in SolutionArea)
Badge = Annotated[
    str,
    StringConstraints(
        pattern=rf"^(?:{_AREAS}|{MICROSOFT_CLOUD_BADGE}|{TRAINING_SERVICES_BADGE_PREFIX}(?:{_AREAS}))$"
    ),
]


class DesignationAttained(OutboundDetail):
    solution_area: SolutionArea
    attained_on: IsoDate
    anniversary_date: IsoDate
    rulebook_version: RulebookVersion


class BadgeIssued(OutboundDetail):
    badge: Badge = Field(description="An area, 'MICROSOFT_CLOUD' or 'TRAINING_SERVICES:<area>'.")
    issued_on: IsoDate


class FeeQuote(OutModel):
    option: BenefitsOption
    amount: DecimalString
    currency: Currency


class RenewalOpened(OutboundDetail):
    anniversary_date: IsoDate
    designations: Areas = Field(description="Areas kept if the fee is paid.")
    lapsing: Areas
    payment_due_by: IsoDate
    options: list[BenefitsOption] = Field(min_length=1)
    fees: list[FeeQuote]


class Shortfall(OutModel):
    metric: MetricKey
    units_needed: NonNegativeInt
    points_needed: Decimal2dp


class RenewalAtRisk(OutboundDetail):
    anniversary_date: IsoDate
    solution_area: SolutionArea
    days_until: NonNegativeInt
    shortfall: list[Shortfall]


class DesignationRenewed(OutboundDetail):
    solution_area: SolutionArea
    anniversary_date: IsoDate
    option: BenefitsOption
    renewed_on: IsoDate
    next_anniversary_date: IsoDate


class DesignationLapsed(OutboundDetail):
    solution_area: SolutionArea
    lapsed_on: IsoDate
    anniversary_date: IsoDate
    reason: LapseReason
