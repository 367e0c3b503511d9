"""`ScoreEvaluated` (SPEC §4.1): an area's partner capability score as evaluated on a day."""

from __future__ import annotations

from pydantic import Field

from shared.models.bases import OutboundDetail, OutModel, RulebookVersion
from shared.models.types import (
    Category,
    Decimal2dp,
    DecimalString,
    EventId,
    IsoDate,
    MetricKey,
    NonNegativeInt,
    SolutionArea,
    StrictBool,
    Track,
)


class MetricScore(OutModel):
    metric: MetricKey
    category: Category
    points: Decimal2dp
    max_points: DecimalString
    units: NonNegativeInt | None


class ScoreEvaluated(OutboundDetail):
    solution_area: SolutionArea
    evaluated_on: IsoDate
    track: Track | None
    rulebook_version: RulebookVersion
    total: Decimal2dp = Field(description="Exact total, rounded to 2 places for display.")
    qualified: StrictBool = Field(description="Total ≥ 70 and every metric above 0.")
    metrics: list[MetricScore]
    cause: EventId = Field(description="The eventId of the inbound event that caused the evaluation.")
