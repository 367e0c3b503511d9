"""Documents stored in an earlier layout are read in the current one (shared/rules/document.py
`upgrade`, applied by the repository on every read): the rules see only the current layout."""

from __future__ import annotations

import json

from shared.adapters.repository import decode_state
from shared.rules.document import upgrade
from shared.rules.scoring.history import track_of
from tests.unit.builders import Partner, metrics


def current() -> Partner:
    p = Partner()
    p.fact("MetricsReported", metrics("MODERN_WORK", "2022-11-01", {"netCustomerAdds": 2}, track="SMB"))
    p.fact("OfferRecorded", {"offerId": "o-1", "offerType": "CONSULTING_SERVICES", "publishedOn": "2022-05-01",
                             "coSellReady": False})
    return p


def older(state: dict) -> dict:
    """The same document as written before tracks had a history, offers kept their eventId and
    renewal-risk forecasts were recorded."""
    old = json.loads(json.dumps(state))
    old["tracks"] = {area: history[-1] for area, history in old["tracks"].items()}
    for offer in old["offers"].values():
        del offer["eventId"]
    del old["riskChecked"]
    return old


def test_an_older_document_is_read_in_the_current_layout():
    state = current().state
    old = older(state)
    upgraded = upgrade(json.loads(json.dumps(old)))
    assert upgraded["tracks"] == state["tracks"] and track_of(upgraded, "MODERN_WORK") == "SMB"
    assert upgraded["riskChecked"] == [] and upgraded["offers"]["o-1"]["eventId"] == ""
    assert decode_state({"S": json.dumps(old)}) == upgraded
    assert upgrade(json.loads(json.dumps(state))) == state  # the current layout is left as it is


def test_a_later_offer_replaces_one_stored_without_its_event_id():
    p = current()
    p.state = upgrade(older(p.state))
    p.fact("OfferRecorded", {"offerId": "o-1", "offerType": "CONSULTING_SERVICES", "publishedOn": "2022-05-01",
                             "coSellReady": True})
    assert p.state["offers"]["o-1"]["coSellReady"] is True
