"""Specializations and Azure Expert MSP (SPEC §4.1): at risk, lost."""

from __future__ import annotations

from pydantic import Field

from shared.models.bases import Areas, OutboundDetail
from shared.models.types import IsoDate, Text200


class SpecializationAtRisk(OutboundDetail):
    specialization: Text200
    anniversary_date: IsoDate
    required_designations: Areas = Field(min_length=1)
    warned_on: IsoDate


class SpecializationLost(OutboundDetail):
    specialization: Text200
    lost_on: IsoDate
    required_designations: Areas = Field(min_length=1)


class AzureExpertMspLost(OutboundDetail):
    anniversary_date: IsoDate
    loss_effective_on: IsoDate
    missing_designations: Areas = Field(min_length=1)
