"""Outbound events (source `partner.designations`, SPEC §4.1): the `detail` models and `to_entry`.

Every outbound detail carries `eventId` (deterministic for the same cause, so consumers can drop
duplicates), `partnerId` and `effectiveOn`. Exact decimals (points, totals, fees) are strings;
dates are `YYYY-MM-DD`. `to_entry` validates our own output before it leaves, so a bug in the core
shows up as a failed publish instead of a malformed event downstream.

The models live in shared/models/announcements/, grouped by what they announce, and are importable
from here: each module is imported the first time one of its models is looked up (`OUTBOUND`, or
an attribute of this module), and each model is built on first use (`defer_build`). A function
announces a few of these event types, and pays only for those.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic.alias_generators import to_camel

from shared.models.errors import InputError
from shared.models.names import SOURCE
from shared.models.parsing import check_detail, first_error, load_body
from shared.models.registry import LazyModels, attribute_of
from shared.models.types import IsoDate, PartnerId, SolutionArea, field_title

if TYPE_CHECKING:  # at run time through __getattr__ below, on first use
    from shared.models.announcements.designations import (
        BadgeIssued,
        DesignationAttained,
        DesignationLapsed,
        DesignationRenewed,
        FeeQuote,
        RenewalAtRisk,
        RenewalOpened,
        Shortfall,
    )
    from shared.models.announcements.programs import (
        AzureExpertMspLost,
        SpecializationAtRisk,
        SpecializationLost,
    )
    from shared.models.announcements.rejections import InputRejected
    from shared.models.announcements.scores import MetricScore, ScoreEvaluated

__all__ = [
    "SOURCE",
    "MAX_ENTRY_BYTES",
    "OUTBOUND",
    "OutModel",
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
OutboundEventId = Annotated[str, StringConstraints(min_length=1, max_length=256)]
RulebookVersion = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Areas = list[SolutionArea]


class OutModel(BaseModel):
    """Base of every outbound model (details and their parts)."""

    model_config = ConfigDict(
        defer_build=True,
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        field_title_generator=field_title,
        serialize_by_alias=True,
    )


class OutboundDetail(OutModel):
    event_id: OutboundEventId = Field(description="Deterministic for the same cause.")
    partner_id: PartnerId
    effective_on: IsoDate


# Where each model lives: shared/models/announcements/<module>.py.
_DETAILS = {
    "scores": ("ScoreEvaluated",),
    "designations": ("DesignationAttained", "BadgeIssued", "RenewalOpened", "RenewalAtRisk", "DesignationRenewed",
                     "DesignationLapsed"),
    "programs": ("SpecializationAtRisk", "SpecializationLost", "AzureExpertMspLost"),
    "rejections": ("InputRejected",),
}
_PARTS = {"MetricScore": "scores", "FeeQuote": "designations", "Shortfall": "designations"}  # models inside a detail


def _home(module: str) -> str:
    return "shared.models.announcements." + module


# detail-type -> its detail model, created on first lookup (shared/models/registry.py).
OUTBOUND: LazyModels[str] = LazyModels(
    {name: (_home(module), name) for module, names in _DETAILS.items() for name in names}
)
_ATTRIBUTES = {
    **{name: _home(module) for module, names in _DETAILS.items() for name in names},
    **{name: _home(module) for name, module in _PARTS.items()},
}


def to_entry(detail_type: str, detail: Mapping[str, Any] | OutboundDetail, bus_name: str) -> dict[str, str]:
    """A PutEvents entry for one outbound event, after validating `detail` with its model.

    `detail` is the camelCase dict (dates as `date` or `YYYY-MM-DD`) or the model itself.
    Raises KeyError for an unknown detail-type, pydantic.ValidationError for a bad detail and
    ValueError for an entry over PutEvents' 256 KiB.
    """
    if detail_type not in OUTBOUND:
        raise KeyError(f"unknown outbound detail-type {detail_type!r}")
    model = OUTBOUND[detail_type]
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
    if not isinstance(detail_type, str) or detail_type not in OUTBOUND:
        raise InputError("detail-type", f"unknown event {str(detail_type)[:100]!r} from source {SOURCE!r}")
    model = OUTBOUND[detail_type]
    detail = check_detail(env, raw_size)
    try:
        return detail_type, model.model_validate(detail)
    except ValidationError as exc:
        raise first_error(exc, "detail") from None


def __getattr__(name: str) -> Any:  # the models by name, each module imported on first use
    return attribute_of(_ATTRIBUTES, __name__, name)
