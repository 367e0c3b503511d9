"""Inbound events (SPEC §4.1): the `detail` models, their EventBridge envelopes and `parse_inbound`.

JSON field names are camelCase exactly as the SPEC fixes them; Python attributes are snake_case
(``detail.partner_id`` reads ``"partnerId"``). Models are frozen and refuse unknown fields.

`parse_inbound` is the one entry point the queue consumers use: it takes an SQS message body (a
JSON string) or the envelope dict, and either returns ``(detail_type, detail)`` or raises
`InputError` naming the first failing field as a dotted path (``detail.measurements.0.value``).

Every model is built on first use (`defer_build`), not at import: a function validates one or two
of these event types in a cold invocation, and pays only for those (the JSON Schemas and the
validation are the same). The typed EventBridge envelopes (`ENVELOPES`, `<Type>Event`,
`parse_inbound_event`) live in shared/models/envelopes.py and are importable from here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from shared.models.errors import InputError
from shared.models.parsing import (
    MAX_BODY_BYTES,
    MAX_DETAIL_BYTES,
    check_detail,
    describe_input,
    first_error,
    load_body,
)
from shared.models.types import (
    SKILLING_METRICS,
    Association,
    BenefitsOption,
    CompetencyLevel,
    Currency,
    EventId,
    IsoDate,
    LocationId,
    MeasuredMetric,
    MeasurementValue,
    NonNegativeInt,
    NonNegativeNumber,
    OfferId,
    OfferType,
    PartnerId,
    QualityScore,
    Segment,
    SolutionArea,
    StrictBool,
    Text128,
    Text200,
    Track,
    field_title,
)

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_DETAIL_BYTES",
    "INBOUND",
    "SOURCES",
    "InboundDetail",
    "Measurement",
    "MetricsReported",
    "CertificationEarned",
    "CertificationRemoved",
    "TrainingMetricsReported",
    "LegacyCompetencyRecorded",
    "SpecializationRecorded",
    "AzureExpertMspRecorded",
    "Fee",
    "BenefitsElected",
    "LocationLinked",
    "OfferRecorded",
    "parse_inbound",
    "load_body",
    "describe_input",
    "InputError",
]

_DETAIL_CONFIG = ConfigDict(
    defer_build=True,
    extra="forbid",
    str_strip_whitespace=True,
    frozen=True,
    alias_generator=to_camel,
    field_title_generator=field_title,
    serialize_by_alias=True,
)


class _Strict(BaseModel):
    model_config = _DETAIL_CONFIG


class InboundDetail(_Strict):
    """What every inbound detail carries: the producer's idempotency key and the PGA."""

    event_id: EventId = Field(description="Producer-assigned, unique: the idempotency key.")
    partner_id: PartnerId = Field(description="The partner global account (PGA).")


# --- partner.scorefeed ----------------------------------------------------------------------------


def _measured_metric(value: Any) -> Any:
    if isinstance(value, str) and value in SKILLING_METRICS:
        raise ValueError(
            f"{value} is computed from the certified-person roster (CertificationEarned/"
            "CertificationRemoved) and is not accepted in MetricsReported"
        )
    return value


class Measurement(_Strict):
    """One reported figure. Skilling metrics are not reported: they come from the roster."""

    metric: Annotated[MeasuredMetric, BeforeValidator(_measured_metric)]
    value: MeasurementValue = Field(description="Units as SPEC §3.1 defines them; may be negative.")
    association: Association | None = None
    segment: Segment | None = None


class MetricsReported(InboundDetail):
    solution_area: SolutionArea
    measured_on: IsoDate
    track: Track | None = None
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


# --- partner.skilling -----------------------------------------------------------------------------


class _CertificationChange(InboundDetail):
    person_id: Text128
    certification: Text200 = Field(
        description="Name as in the rulebook lists, e.g. 'Azure Administrator Associate'."
    )
    on: IsoDate


class CertificationEarned(_CertificationChange):
    pass


class CertificationRemoved(_CertificationChange):
    pass


# --- partner.training -----------------------------------------------------------------------------


class TrainingMetricsReported(InboundDetail):
    period_end: IsoDate = Field(description="Last day of the 12-month period the figures cover.")
    courseware_activations: NonNegativeInt
    exam_vouchers: NonNegativeNumber
    quality_score: QualityScore
    surveys_by_area: dict[SolutionArea, NonNegativeInt]


# --- partner.membership ---------------------------------------------------------------------------


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


class Fee(_Strict):
    amount: NonNegativeNumber
    currency: Currency


class BenefitsElected(InboundDetail):
    anniversary_date: IsoDate
    option: BenefitsOption
    fee: Fee


class LocationLinked(InboundDetail):
    location_id: LocationId


# --- partner.marketplace --------------------------------------------------------------------------


class OfferRecorded(InboundDetail):
    offer_id: OfferId
    offer_type: OfferType
    published_on: IsoDate
    co_sell_ready: StrictBool


# --- registry -------------------------------------------------------------------------------------

INBOUND: dict[tuple[str, str], type[InboundDetail]] = {
    ("partner.scorefeed", "MetricsReported"): MetricsReported,
    ("partner.skilling", "CertificationEarned"): CertificationEarned,
    ("partner.skilling", "CertificationRemoved"): CertificationRemoved,
    ("partner.training", "TrainingMetricsReported"): TrainingMetricsReported,
    ("partner.membership", "LegacyCompetencyRecorded"): LegacyCompetencyRecorded,
    ("partner.membership", "SpecializationRecorded"): SpecializationRecorded,
    ("partner.membership", "AzureExpertMspRecorded"): AzureExpertMspRecorded,
    ("partner.membership", "BenefitsElected"): BenefitsElected,
    ("partner.membership", "LocationLinked"): LocationLinked,
    ("partner.marketplace", "OfferRecorded"): OfferRecorded,
}
SOURCES: frozenset[str] = frozenset(source for source, _ in INBOUND)


# --- parsing --------------------------------------------------------------------------------------


def _route(envelope: Mapping[str, Any]) -> tuple[str, type[InboundDetail]]:
    source = envelope.get("source")
    if not isinstance(source, str) or not source:
        raise InputError("source", "is required and must be a string")
    detail_type = envelope.get("detail-type")
    if not isinstance(detail_type, str) or not detail_type:
        raise InputError("detail-type", "is required and must be a string")
    model = INBOUND.get((source, detail_type))
    if model is None:
        raise InputError(
            "detail-type",
            f"unknown event {detail_type[:100]!r} from source {source[:100]!r}",
        )
    return detail_type, model


def parse_inbound(envelope: Mapping[str, Any] | str | bytes) -> tuple[str, InboundDetail]:
    """Validate an inbound EventBridge event (the envelope dict, or the SQS body holding it).

    Checks `source` / `detail-type` against SPEC §4.1, the detail's size and the detail itself;
    the envelope's metadata (`id`, `time`, ...) is not required. Returns ``(detail_type, detail)``.
    Raises `InputError` whose `field` names the first failing field (``body``, ``source``,
    ``detail-type``, ``detail``, ``detail.<path>``).
    """
    env, raw_size = load_body(envelope)
    detail_type, model = _route(env)
    detail = check_detail(env, raw_size)
    try:
        return detail_type, model.model_validate(detail)
    except ValidationError as exc:
        raise first_error(exc, "detail") from None


# --- EventBridge envelopes (shared/models/envelopes.py, imported on first use) ------------------
# The queue consumers validate the detail only (`parse_inbound`); the typed envelopes serve tests,
# tools and `parse_inbound_event`, so a handler's cold start does not create their eleven classes.
_ENVELOPE_NAMES = frozenset({"ENVELOPES", "EventBridgeModel", "parse_inbound_event", *(f"{t}Event" for _, t in INBOUND)})


def __getattr__(name: str) -> Any:
    if name in _ENVELOPE_NAMES:
        from shared.models import envelopes

        return getattr(envelopes, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
