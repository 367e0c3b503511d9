"""`partner.training` (SPEC §4.1): `TrainingMetricsReported` (Solutions Partner for Training Services)."""

from __future__ import annotations

from pydantic import Field

from shared.models.bases import InboundDetail
from shared.models.types import (
    IsoDate,
    NonNegativeInt,
    NonNegativeNumber,
    QualityScore,
    SolutionArea,
)


class TrainingMetricsReported(InboundDetail):
    period_end: IsoDate = Field(description="Last day of the 12-month period the figures cover.")
    courseware_activations: NonNegativeInt
    exam_vouchers: NonNegativeNumber
    quality_score: QualityScore
    surveys_by_area: dict[SolutionArea, NonNegativeInt]
