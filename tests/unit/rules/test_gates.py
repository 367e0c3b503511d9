"""SPEC §2.8 gates (declared by their features, shared/rules/gates.py)."""

from __future__ import annotations

import pytest

from shared.rules.features.benefits import incentives_gate
from shared.rules.features.marketplace import offer_gate
from tests.unit.builders import Partner
from tests.unit.rules.helpers import legacy_partner

# --- §2.8 gates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("offer", ["MANAGED_SERVICES", "CONSULTING_SERVICES"])
def test_legacy_marketplace_allowance_ends_after_2023_10_02(offer):
    # FAQ: "existing partners, who have a competency on September 30 2022, will be able to publish
    # Managed Services [Consulting Services] offer types until October 3 2023."
    p = legacy_partner()
    assert offer_gate(p.state, offer, "2023-10-02")["reason"] == "LEGACY_TRANSITION"
    assert not offer_gate(p.state, offer, "2023-10-03")["allowed"]
    assert not offer_gate(Partner().state, offer, "2022-10-03")["allowed"]  # new partner


def test_services_co_sell_allowance_needs_co_sell_ready_and_ends_after_2023_10_02():
    # FAQ "How do Solutions Partner designations work with co-sell?"
    p = legacy_partner()
    p.fact("OfferRecorded", {"offerId": "o-1", "offerType": "CONSULTING_SERVICES", "publishedOn": "2022-05-01", "coSellReady": True})
    assert offer_gate(p.state, "SERVICES_CO_SELL", "2023-10-02")["allowed"]
    assert not offer_gate(p.state, "SERVICES_CO_SELL", "2023-10-03")["allowed"]
    assert offer_gate(p.state, "IP_CO_SELL", "2030-01-01")["reason"] == "NOT_GATED"


def test_appsource_existing_app_unaffected_through_2023_10_02_and_new_apps_need_a_designation():
    # FAQ: "no impact to your existing, published app until October 3 2023. For new applications
    # ... post Oct. 3, 2022, a partner will be required to have a Solutions Partner designation".
    p = legacy_partner()
    p.fact("OfferRecorded", {"offerId": "app-1", "offerType": "APPSOURCE_APP", "publishedOn": "2022-03-01", "coSellReady": False})
    assert offer_gate(p.state, "APPSOURCE_APP", "2023-10-02", "app-1")["reason"] == "EXISTING_APP_TRANSITION"
    assert not offer_gate(p.state, "APPSOURCE_APP", "2023-10-03", "app-1")["allowed"]
    assert not offer_gate(p.state, "APPSOURCE_APP", "2022-10-03", "new-app")["allowed"]
    p.qualify("SECURITY", "2022-11-01")
    assert offer_gate(p.state, "APPSOURCE_APP", "2022-11-01", "new-app")["reason"] == "DESIGNATION_HELD"


def test_the_existing_app_allowance_covers_only_an_offer_recorded_as_an_appsource_app():
    # FAQ: "For partners with an existing application ... there will be no impact to your existing,
    # published app until October 3 2023." Issue 20 item 13: a consulting-services offer published
    # 2022-06-01 and checked as APPSOURCE_APP on 2023-01-01 was allowed as EXISTING_APP_TRANSITION.
    p = legacy_partner()
    p.fact("OfferRecorded", {"offerId": "svc-1", "offerType": "CONSULTING_SERVICES", "publishedOn": "2022-06-01",
                             "coSellReady": False})
    refused = offer_gate(p.state, "APPSOURCE_APP", "2023-01-01", "svc-1")
    assert not refused["allowed"] and refused["reason"] == "NOT_AN_APPSOURCE_APP"
    assert "CONSULTING_SERVICES" in refused["message"]
    # an offer recorded as an app, published on the same day, keeps the allowance
    p.fact("OfferRecorded", {"offerId": "app-2", "offerType": "APPSOURCE_APP", "publishedOn": "2022-06-01",
                             "coSellReady": False})
    assert offer_gate(p.state, "APPSOURCE_APP", "2023-01-01", "app-2")["reason"] == "EXISTING_APP_TRANSITION"


def test_incentives_option_1_or_option_2_never_both_and_a_designation_from_2023_10_01():
    # FAQ "Will incentives be changing?"
    p = legacy_partner("2022-11-11")
    assert incentives_gate(p.state, "2022-11-10")["reason"] == "OPTION_2_UNTIL_ANNIVERSARY"
    p.tick("2022-11-11")
    assert not incentives_gate(p.state, "2022-11-11")["allowed"]
    p.elect("2022-11-11", "LEGACY", on="2022-11-11")
    assert incentives_gate(p.state, "2023-09-30")["reason"] == "OPTION_2_LEGACY_PACKAGE"
    assert not incentives_gate(p.state, "2023-10-01")["allowed"]
    p.qualify("SECURITY", "2023-01-05")
    answer = incentives_gate(p.state, "2023-02-01")
    assert answer["option"] == "OPTION_1"  # "Double incentives will not be possible"
    assert incentives_gate(p.state, "2023-10-01")["reason"] == "OPTION_1_DESIGNATION"
