"""Outbound events (source `partner.designations`, SPEC §4.1): the registry of `detail` models
(`OUTBOUND`), `to_entry` and `parse_outbound`.

Every outbound detail carries `eventId` (deterministic for the same cause, so consumers can drop
duplicates), `partnerId` and `effectiveOn`. Exact decimals (points, totals, fees) are strings;
dates are `YYYY-MM-DD`. `to_entry` validates our own output before it leaves, so a bug in the core
shows up as a failed publish instead of a malformed event downstream.

The models live in shared/models/announcements/, grouped by what they announce, on the bases of
shared/models/bases.py; `OUTBOUND` imports a module the first time one of its models is looked up
(shared/lazy.py), so a function that announces a few event types pays only for those.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from shared.lazy import LazyModels
from shared.models.bases import OutboundDetail
from shared.models.errors import InputError
from shared.models.names import SOURCE
from shared.models.parsing import check_detail, first_error, load_body

__all__ = ["MAX_ENTRY_BYTES", "OUTBOUND", "parse_outbound", "to_entry"]

MAX_ENTRY_BYTES = 256 * 1024  # PutEvents' limit for one entry

# Each module's detail-types; the module is shared/models/announcements/<module>.py.
_DETAILS = {
    "scores": ("ScoreEvaluated",),
    "designations": ("DesignationAttained", "BadgeIssued", "RenewalOpened", "RenewalAtRisk", "DesignationRenewed",
                     "DesignationLapsed"),
    "programs": ("SpecializationAtRisk", "SpecializationLost", "AzureExpertMspLost"),
    "rejections": ("InputRejected",),
}

# detail-type -> its detail model, imported on first lookup.
OUTBOUND: LazyModels[str] = LazyModels(
    {name: ("shared.models.announcements." + module, name) for module, names in _DETAILS.items() for name in names}
)


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
