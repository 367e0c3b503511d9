"""The base models of both directions, which every model module of shared/models/feeds/ (inbound)
and shared/models/announcements/ (outbound) builds on. Kept apart from `inbound` and `outbound`,
the registries and parsers, so that a model module imports its bases and a registry imports its
model modules (on first use), and neither imports the other.

JSON field names are camelCase exactly as the SPEC fixes them; Python attributes are snake_case
(``detail.partner_id`` reads ``"partnerId"``). Models are frozen, refuse unknown fields, and are
built on first use (`defer_build`): a function pays only for the event types it meets.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from shared.models.types import EventId, IsoDate, PartnerId, SolutionArea, field_title

__all__ = ["Areas", "InboundDetail", "OutboundDetail", "OutboundEventId", "OutModel", "RulebookVersion",
           "StrictModel"]


# --- inbound --------------------------------------------------------------------------------------


class StrictModel(BaseModel):
    """Base of every inbound model (details and their parts)."""

    model_config = ConfigDict(
        defer_build=True,
        extra="forbid",
        str_strip_whitespace=True,
        frozen=True,
        alias_generator=to_camel,
        field_title_generator=field_title,
        serialize_by_alias=True,
    )


class InboundDetail(StrictModel):
    """What every inbound detail carries: the producer's idempotency key and the PGA."""

    event_id: EventId = Field(description="Producer-assigned, unique: the idempotency key.")
    partner_id: PartnerId = Field(description="The partner global account (PGA).")


# --- outbound -------------------------------------------------------------------------------------

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
    """What every outbound detail carries: `eventId` (deterministic for the same cause, so consumers
    can drop duplicates), `partnerId` and `effectiveOn`."""

    event_id: OutboundEventId = Field(description="Deterministic for the same cause.")
    partner_id: PartnerId
    effective_on: IsoDate
