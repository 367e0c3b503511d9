"""Typed EventBridge envelopes of the inbound events (SPEC §4.1): `id`, `time`, `source`, ... and
the typed `detail`, for tests and tools. Kept apart from shared/models/inbound.py: the queue
consumers validate the detail only, and importing this module imports every inbound model.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.models.feeds.marketplace import OfferRecorded
from shared.models.feeds.membership import (
    AzureExpertMspRecorded,
    BenefitsElected,
    LegacyCompetencyRecorded,
    LocationLinked,
    SpecializationRecorded,
)
from shared.models.feeds.scorefeed import MetricsReported
from shared.models.feeds.skilling import CertificationEarned, CertificationRemoved
from shared.models.feeds.training import TrainingMetricsReported
from shared.models.inbound import route
from shared.models.parsing import check_detail, first_error, load_body

__all__ = [
    "ENVELOPES",
    "EventBridgeModel",
    "MetricsReportedEvent",
    "CertificationEarnedEvent",
    "CertificationRemovedEvent",
    "TrainingMetricsReportedEvent",
    "LegacyCompetencyRecordedEvent",
    "SpecializationRecordedEvent",
    "AzureExpertMspRecordedEvent",
    "BenefitsElectedEvent",
    "LocationLinkedEvent",
    "OfferRecordedEvent",
    "parse_inbound_event",
]


class EventBridgeModel(BaseModel):
    """The EventBridge envelope: the fields of Powertools Parser's `EventBridgeModel`, defined here
    because importing that one imports (and builds) every model of Powertools' parser package.
    Powertools Parser accepts these models like its own (`parse(event=..., model=...)`)."""

    model_config = ConfigDict(populate_by_name=True, defer_build=True)

    version: str = Field(description="By default, this is set to 0 (zero) in all events.")
    id: str = Field(description="A Version 4 UUID generated for every event.")
    source: str = Field(description="Identifies the service that sourced the event.")
    account: str = Field(description="The 12-digit AWS account ID of the owner of the service emitting the event.")
    time: datetime = Field(description="The event timestamp, which can be specified by the service originating the event.")
    region: str = Field(description="Identifies the AWS region where the event originated.")
    resources: list[str] = Field(description="ARNs of the resources involved in the event.")
    detail_type: str = Field(alias="detail-type", description="With `source`, identifies the fields of `detail`.")
    detail: Any = Field(description="The event's content.")
    replay_name: str | None = Field(None, alias="replay-name", description="The name of the replay, when replayed.")


class MetricsReportedEvent(EventBridgeModel):
    source: Literal["partner.scorefeed"]
    detail_type: Literal["MetricsReported"] = Field(alias="detail-type")
    detail: MetricsReported


class CertificationEarnedEvent(EventBridgeModel):
    source: Literal["partner.skilling"]
    detail_type: Literal["CertificationEarned"] = Field(alias="detail-type")
    detail: CertificationEarned


class CertificationRemovedEvent(EventBridgeModel):
    source: Literal["partner.skilling"]
    detail_type: Literal["CertificationRemoved"] = Field(alias="detail-type")
    detail: CertificationRemoved


class TrainingMetricsReportedEvent(EventBridgeModel):
    source: Literal["partner.training"]
    detail_type: Literal["TrainingMetricsReported"] = Field(alias="detail-type")
    detail: TrainingMetricsReported


class LegacyCompetencyRecordedEvent(EventBridgeModel):
    source: Literal["partner.membership"]
    detail_type: Literal["LegacyCompetencyRecorded"] = Field(alias="detail-type")
    detail: LegacyCompetencyRecorded


class SpecializationRecordedEvent(EventBridgeModel):
    source: Literal["partner.membership"]
    detail_type: Literal["SpecializationRecorded"] = Field(alias="detail-type")
    detail: SpecializationRecorded


class AzureExpertMspRecordedEvent(EventBridgeModel):
    source: Literal["partner.membership"]
    detail_type: Literal["AzureExpertMspRecorded"] = Field(alias="detail-type")
    detail: AzureExpertMspRecorded


class BenefitsElectedEvent(EventBridgeModel):
    source: Literal["partner.membership"]
    detail_type: Literal["BenefitsElected"] = Field(alias="detail-type")
    detail: BenefitsElected


class LocationLinkedEvent(EventBridgeModel):
    source: Literal["partner.membership"]
    detail_type: Literal["LocationLinked"] = Field(alias="detail-type")
    detail: LocationLinked


class OfferRecordedEvent(EventBridgeModel):
    source: Literal["partner.marketplace"]
    detail_type: Literal["OfferRecorded"] = Field(alias="detail-type")
    detail: OfferRecorded


ENVELOPES: dict[str, type[EventBridgeModel]] = {
    "MetricsReported": MetricsReportedEvent,
    "CertificationEarned": CertificationEarnedEvent,
    "CertificationRemoved": CertificationRemovedEvent,
    "TrainingMetricsReported": TrainingMetricsReportedEvent,
    "LegacyCompetencyRecorded": LegacyCompetencyRecordedEvent,
    "SpecializationRecorded": SpecializationRecordedEvent,
    "AzureExpertMspRecorded": AzureExpertMspRecordedEvent,
    "BenefitsElected": BenefitsElectedEvent,
    "LocationLinked": LocationLinkedEvent,
    "OfferRecorded": OfferRecordedEvent,
}


def parse_inbound_event(envelope: Mapping[str, Any] | str | bytes) -> EventBridgeModel:
    """Like `parse_inbound`, but validates the whole EventBridge envelope (id, time, account, ...)
    and returns the typed envelope model (e.g. `MetricsReportedEvent`, ``.detail`` typed)."""
    env, raw_size = load_body(envelope)
    detail_type, _ = route(env)
    check_detail(env, raw_size)
    try:
        return ENVELOPES[detail_type].model_validate(env)
    except ValidationError as exc:
        raise first_error(exc, "") from None
