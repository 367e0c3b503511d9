"""`partner.membership` (SPEC §4.1): legacy competencies, specializations, Azure Expert MSP, benefits
elections and location links."""

from __future__ import annotations

from shared.models.bases import InboundDetail, StrictModel
from shared.models.types import (
    BenefitsOption,
    CompetencyLevel,
    Currency,
    IsoDate,
    LocationId,
    NonNegativeNumber,
    Text200,
)


class LegacyCompetencyRecorded(InboundDetail):
    competency: Text200
    level: CompetencyLevel
    held_on: IsoDate
    anniversary_date: IsoDate


class SpecializationRecorded(InboundDetail):
    specialization: Text200
    anniversary_date: IsoDate


class AzureExpertMspRecorded(InboundDetail):
    anniversary_date: IsoDate


class Fee(StrictModel):
    amount: NonNegativeNumber
    currency: Currency


class BenefitsElected(InboundDetail):
    anniversary_date: IsoDate
    option: BenefitsOption
    fee: Fee


class LocationLinked(InboundDetail):
    location_id: LocationId
