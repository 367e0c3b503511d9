"""`partner.scorefeed` (SPEC §4.1): `MetricsReported` and its `Measurement`s."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from shared.models.bases import InboundDetail, StrictModel
from shared.models.types import (
    SKILLING_METRICS,
    Association,
    IsoDate,
    MeasuredMetric,
    MeasurementValue,
    Segment,
    SolutionArea,
    Track,
)


def _measured_metric(value: Any) -> Any:
    if isinstance(value, str) and value in SKILLING_METRICS:
        raise ValueError(
            f"{value} is computed from the certified-person roster (CertificationEarned/"
            "CertificationRemoved) and is not accepted in MetricsReported"
        )
    return value


class Measurement(StrictModel):
    """One reported figure. Skilling metrics are not reported: they come from the roster."""

    metric: Annotated[MeasuredMetric, BeforeValidator(_measured_metric)]
    value: MeasurementValue = Field(description="Units as SPEC §3.1 defines them; may be negative.")
    association: Association | None = None
    segment: Segment | None = None


class MetricsReported(InboundDetail):
    solution_area: SolutionArea
    measured_on: IsoDate
    track: Track | None = Field(
        default=None,
        description="The path the measurements were taken for: they score on that track only (and in an area "
        "whose track is classified, the partner's classification). Absent: they feed every track.",
    )
    measurements: list[Measurement] = Field(
        min_length=1,
        max_length=50,
        description="No two measurements with the same (metric, association, segment).",
    )

    @field_validator("measurements")
    @classmethod
    def _no_duplicates(cls, measurements: list[Measurement]) -> list[Measurement]:
        seen: set[tuple[Any, Any, Any]] = set()
        for i, m in enumerate(measurements):
            key = (m.metric, m.association, m.segment)
            if key in seen:
                raise ValueError(
                    f"measurement {i} repeats metric {m.metric}, association "
                    f"{m.association or '(none)'}, segment {m.segment or '(none)'}"
                )
            seen.add(key)
        return measurements
