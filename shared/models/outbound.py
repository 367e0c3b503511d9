"""Outbound events (source `partner.designations`, SPEC §4.1): the `detail` models and `to_entry`.

Every outbound detail carries `eventId` (deterministic for the same cause, so consumers can drop
duplicates), `partnerId` and `effectiveOn`. Exact decimals (points, totals, fees) are strings;
dates are `YYYY-MM-DD`. `to_entry` validates our own output before it leaves, so a bug in the core
shows up as a failed publish instead of a malformed event downstream.

Every model is built on first use (`defer_build`), not at import: a function announces a few of
these event types, and pays only for those.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic.alias_generators import to_camel

from shared.models.errors import InputError
from shared.models.names import SOURCE
from shared.models.parsing import check_detail, first_error, load_body
from shared.models.types import (
    BenefitsOption,
    Category,
    Currency,
    Decimal2dp,
    DecimalString,
    EventId,
    IsoDate,
    LapseReason,
    MetricKey,
    NonNegativeInt,
    PartnerId,
    SolutionArea,
    StrictBool,
    Text200,
    Track,
    field_title,
)

__all__ = [
    "SOURCE",
    "MAX_ENTRY_BYTES",
    "OUTBOUND",
    "OutboundDetail",
    "MetricScore",
    "ScoreEvaluated",
    "DesignationAttained",
    "BadgeIssued",
    "FeeQuote",
    "RenewalOpened",
    "Shortfall",
    "RenewalAtRisk",
    "DesignationRenewed",
    "DesignationLapsed",
    "SpecializationAtRisk",
    "SpecializationLost",
    "AzureExpertMspLost",
    "InputRejected",
    "to_entry",
    "parse_outbound",
    "MICROSOFT_CLOUD_BADGE",
    "TRAINING_SERVICES_BADGE_PREFIX",
]

MAX_ENTRY_BYTES = 256 * 1024  # PutEvents' limit for one entry

MICROSOFT_CLOUD_BADGE = "MICROSOFT_CLOUD"
TRAINING_SERVICES_BADGE_PREFIX = "TRAINING_SERVICES:"
_AREAS = "|".join(a.value for a in SolutionArea)
Badge = Annotated[
    str,
    StringConstraints(
        pattern=rf"^(?:{_AREAS}|{MICROSOFT_CLOUD_BADGE}|{TRAINING_SERVICES_BADGE_PREFIX}(?:{_AREAS}))$"
    ),
]
OutboundEventId = Annotated[str, StringConstraints(min_length=1, max_length=256)]
RulebookVersion = Annotated[str, StringConstraints(min_length=1, max_length=64)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Areas = list[SolutionArea]


class _Out(BaseModel):
    model_config = ConfigDict(
        defer_build=True,
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        field_title_generator=field_title,
        serialize_by_alias=True,
    )


class OutboundDetail(_Out):
    event_id: OutboundEventId = Field(description="Deterministic for the same cause.")
    partner_id: PartnerId
    effective_on: IsoDate


class MetricScore(_Out):
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


class DesignationAttained(OutboundDetail):
    solution_area: SolutionArea
    attained_on: IsoDate
    anniversary_date: IsoDate
    rulebook_version: RulebookVersion


class BadgeIssued(OutboundDetail):
    badge: Badge = Field(description="An area, 'MICROSOFT_CLOUD' or 'TRAINING_SERVICES:<area>'.")
    issued_on: IsoDate


class FeeQuote(_Out):
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


class Shortfall(_Out):
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


class InputRejected(OutboundDetail):
    partner_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(  # type: ignore[assignment]
        description="The partner named by the rejected message, when it could be read."
    )
    field: ShortText = Field(description="Dotted path of the first failing field (InputError.field).")
    reason: Reason
    source: ShortText | None
    detail_type: ShortText | None
    original_event_id: ShortText | None
    queue: ShortText = Field(description="The queue whose dead-letter queue holds the message.")


OUTBOUND: dict[str, type[OutboundDetail]] = {
    "ScoreEvaluated": ScoreEvaluated,
    "DesignationAttained": DesignationAttained,
    "BadgeIssued": BadgeIssued,
    "RenewalOpened": RenewalOpened,
    "RenewalAtRisk": RenewalAtRisk,
    "DesignationRenewed": DesignationRenewed,
    "DesignationLapsed": DesignationLapsed,
    "SpecializationAtRisk": SpecializationAtRisk,
    "SpecializationLost": SpecializationLost,
    "AzureExpertMspLost": AzureExpertMspLost,
    "InputRejected": InputRejected,
}


def to_entry(detail_type: str, detail: Mapping[str, Any] | OutboundDetail, bus_name: str) -> dict[str, str]:
    """A PutEvents entry for one outbound event, after validating `detail` with its model.

    `detail` is the camelCase dict (dates as `date` or `YYYY-MM-DD`) or the model itself.
    Raises KeyError for an unknown detail-type, pydantic.ValidationError for a bad detail and
    ValueError for an entry over PutEvents' 256 KiB.
    """
    model = OUTBOUND.get(detail_type)
    if model is None:
        raise KeyError(f"unknown outbound detail-type {detail_type!r}")
    if isinstance(detail, model):
        validated = detail
    elif isinstance(detail, BaseModel):
        raise TypeError(f"{detail_type} needs a {model.__name__}, got {type(detail).__name__}")
    else:
        validated = model.model_validate(detail)
    body = validated.model_dump_json()
    if len(body.encode("utf-8")) + len(SOURCE) + len(detail_type) > MAX_ENTRY_BYTES:
        raise ValueError(f"{detail_type} {validated.event_id}: entry exceeds {MAX_ENTRY_BYTES} bytes")
    return {"Source": SOURCE, "DetailType": detail_type, "Detail": body, "EventBusName": bus_name}


def parse_outbound(envelope: Mapping[str, Any] | str | bytes) -> tuple[str, OutboundDetail]:
    """The consumer's side of `to_entry`: validate one of our own events as delivered by
    EventBridge (the envelope dict, or the SQS body holding it), e.g. `ScoreEvaluated` on the
    attainment queue. Returns ``(detail_type, detail)``; raises `InputError` like `parse_inbound`."""
    env, raw_size = load_body(envelope)
    source = env.get("source")
    if source != SOURCE:
        raise InputError("source", f"must be {SOURCE!r}, got {str(source)[:100]!r}")
    detail_type = env.get("detail-type")
    model = OUTBOUND.get(detail_type) if isinstance(detail_type, str) else None
    if model is None:
        raise InputError("detail-type", f"unknown event {str(detail_type)[:100]!r} from source {SOURCE!r}")
    detail = check_detail(env, raw_size)
    try:
        return detail_type, model.model_validate(detail)
    except ValidationError as exc:
        raise first_error(exc, "detail") from None
