"""Inbound events (SPEC §4.1): the registry of `detail` models (`INBOUND`) and `parse_inbound`.

`parse_inbound` is the one entry point the queue consumers use: it takes an SQS message body (a
JSON string) or the envelope dict, and either returns ``(detail_type, detail)`` or raises
`InputError` naming the first failing field as a dotted path (``detail.measurements.0.value``).

The models live in shared/models/feeds/, one module per source, on the bases of
shared/models/bases.py; `INBOUND` imports a source's module the first time one of its models is
looked up (shared/lazy.py), so a function that validates one or two event types in a cold
invocation pays only for those. The typed EventBridge envelopes (`parse_inbound_event`) are in
shared/models/envelopes.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from shared.lazy import LazyModels
from shared.models.bases import InboundDetail
from shared.models.errors import InputError
from shared.models.parsing import check_detail, first_error, load_body

__all__ = ["INBOUND", "parse_inbound", "route"]

# Each source's detail-types; their models live in shared/models/feeds/<source without "partner.">.py.
_TYPES = {
    "partner.scorefeed": ("MetricsReported",),
    "partner.skilling": ("CertificationEarned", "CertificationRemoved"),
    "partner.training": ("TrainingMetricsReported",),
    "partner.membership": ("LegacyCompetencyRecorded", "SpecializationRecorded", "AzureExpertMspRecorded",
                           "BenefitsElected", "LocationLinked"),
    "partner.marketplace": ("OfferRecorded",),
}

# (source, detail-type) -> its detail model, imported on first lookup.
INBOUND: LazyModels[tuple[str, str]] = LazyModels(
    {(source, t): ("shared.models.feeds." + source.removeprefix("partner."), t)
     for source, types in _TYPES.items() for t in types}
)


def route(envelope: Mapping[str, Any]) -> tuple[str, type[InboundDetail]]:
    """The detail-type and detail model an envelope's `source` and `detail-type` name; InputError
    (field `source` or `detail-type`) when they are missing or name no inbound event."""
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
    detail_type, model = route(env)
    detail = check_detail(env, raw_size)
    try:
        return detail_type, model.model_validate(detail)
    except ValidationError as exc:
        raise first_error(exc, "detail") from None
