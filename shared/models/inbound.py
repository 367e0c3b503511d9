"""Inbound events (SPEC §4.1): the `detail` models, their EventBridge envelopes and `parse_inbound`.

JSON field names are camelCase exactly as the SPEC fixes them; Python attributes are snake_case
(``detail.partner_id`` reads ``"partnerId"``). Models are frozen and refuse unknown fields.

`parse_inbound` is the one entry point the queue consumers use: it takes an SQS message body (a
JSON string) or the envelope dict, and either returns ``(detail_type, detail)`` or raises
`InputError` naming the first failing field as a dotted path (``detail.measurements.0.value``).

The models live in shared/models/feeds/, one module per source, and are importable from here:
each module is imported the first time one of its models is looked up (`INBOUND`, or an attribute
of this module), and each model is built on first use (`defer_build`). A function validates one or
two of these event types in a cold invocation, and pays only for those (the JSON Schemas and the
validation are the same). The typed EventBridge envelopes (`ENVELOPES`, `<Type>Event`,
`parse_inbound_event`) live in shared/models/envelopes.py and are importable from here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
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
from shared.models.registry import LazyModels, attribute_of
from shared.models.types import EventId, PartnerId, field_title

if TYPE_CHECKING:  # at run time through __getattr__ below, on first use
    from shared.models.feeds.marketplace import OfferRecorded
    from shared.models.feeds.membership import (
        AzureExpertMspRecorded,
        BenefitsElected,
        Fee,
        LegacyCompetencyRecorded,
        LocationLinked,
        SpecializationRecorded,
    )
    from shared.models.feeds.scorefeed import Measurement, MetricsReported
    from shared.models.feeds.skilling import CertificationEarned, CertificationRemoved
    from shared.models.feeds.training import TrainingMetricsReported

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_DETAIL_BYTES",
    "INBOUND",
    "SOURCES",
    "StrictModel",
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


class StrictModel(BaseModel):
    """Base of every inbound model (details and their parts)."""

    model_config = _DETAIL_CONFIG


class InboundDetail(StrictModel):
    """What every inbound detail carries: the producer's idempotency key and the PGA."""

    event_id: EventId = Field(description="Producer-assigned, unique: the idempotency key.")
    partner_id: PartnerId = Field(description="The partner global account (PGA).")


# --- registry -------------------------------------------------------------------------------------

# Where each detail's model lives: shared/models/feeds/<source without "partner.">.py.
_TYPES = {
    "partner.scorefeed": ("MetricsReported",),
    "partner.skilling": ("CertificationEarned", "CertificationRemoved"),
    "partner.training": ("TrainingMetricsReported",),
    "partner.membership": ("LegacyCompetencyRecorded", "SpecializationRecorded", "AzureExpertMspRecorded",
                           "BenefitsElected", "LocationLinked"),
    "partner.marketplace": ("OfferRecorded",),
}
_PARTS = {"Measurement": "partner.scorefeed", "Fee": "partner.membership"}  # models inside a detail


def _home(source: str) -> str:
    return "shared.models.feeds." + source.removeprefix("partner.")


# (source, detail-type) -> its detail model, created on first lookup (shared/models/registry.py).
INBOUND: LazyModels[tuple[str, str]] = LazyModels(
    {(source, t): (_home(source), t) for source, types in _TYPES.items() for t in types}
)
SOURCES: frozenset[str] = frozenset(source for source, _ in INBOUND)


# --- parsing --------------------------------------------------------------------------------------


def _route(envelope: Mapping[str, Any]) -> tuple[str, type[InboundDetail]]:
    source = envelope.get("source")
    if not isinstance(source, str) or not source:
        raise InputError("source", "is required and must be a string")
    detail_type = envelope.get("detail-type")
    if not isinstance(detail_type, str) or not detail_type:
        raise InputError("detail-type", "is required and must be a string")
    if (source, detail_type) not in INBOUND:
        raise InputError(
            "detail-type",
            f"unknown event {detail_type[:100]!r} from source {source[:100]!r}",
        )
    return detail_type, INBOUND[(source, detail_type)]


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


# --- the models by name, created on first use ----------------------------------------------------
# `from shared.models.inbound import MetricsReported` imports shared/models/feeds/scorefeed.py. The
# typed EventBridge envelopes (shared/models/envelopes.py) serve tests, tools and
# `parse_inbound_event`; the queue consumers validate the detail only (`parse_inbound`).
_ATTRIBUTES = {
    **{t: _home(source) for source, types in _TYPES.items() for t in types},
    **{name: _home(source) for name, source in _PARTS.items()},
    **dict.fromkeys(("ENVELOPES", "EventBridgeModel", "parse_inbound_event"), "shared.models.envelopes"),
    **{f"{t}Event": "shared.models.envelopes" for types in _TYPES.values() for t in types},
}


def __getattr__(name: str) -> Any:
    return attribute_of(_ATTRIBUTES, __name__, name)
