"""`partner.marketplace` (SPEC §4.1): `OfferRecorded`."""

from __future__ import annotations

from shared.models.bases import InboundDetail
from shared.models.types import IsoDate, OfferId, OfferType, StrictBool


class OfferRecorded(InboundDetail):
    offer_id: OfferId
    offer_type: OfferType
    published_on: IsoDate
    co_sell_ready: StrictBool
