"""Marketplace: the offers a partner publishes and whether each offer type may be published on a
day (SPEC §2.8: designations, the legacy transition until 2023-10-03, co-sell readiness)."""

from __future__ import annotations

from ..change import Change
from ..document import State, is_legacy_partner, legacy_competency_on
from ..feature import Answer, Detail, Feature, answer, designated
from ..policy import DEFAULT_POLICY, Policy
from ..program import LAUNCH, LEGACY_LAST_DAY, TRANSITION_LAST_DAY


def _offer_recorded(ch: Change, d: Detail, policy: Policy) -> None:
    offer = {"offerType": d["offerType"], "publishedOn": d["publishedOn"], "coSellReady": d["coSellReady"],
             "eventId": d["eventId"]}
    current = ch.state["offers"].get(d["offerId"])
    if current is None or (offer["publishedOn"], offer["eventId"]) > (current["publishedOn"], current["eventId"]):
        ch.state["offers"][d["offerId"]] = offer


def offer_gate(
    state: State | None,
    offer_type: str,
    on: str,
    offer_id: str | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> Answer:
    legacy = bool(state) and is_legacy_partner(state)  # a competency held on 2022-09-30
    held = designated(state, on, offer_type, policy)
    if offer_type == "IP_CO_SELL":
        return answer(
            offer_type,
            True,
            "NOT_GATED",
            "How an IP application becomes co-sell ready is unchanged by Solutions Partner designations.",
        )
    if held:
        return answer(
            offer_type,
            True,
            "DESIGNATION_HELD",
            f"The partner holds Solutions Partner for {', '.join(held)}.",
        )
    if on < LAUNCH:
        if offer_type == "APPSOURCE_APP" or legacy_competency_on(state, on):
            return answer(
                offer_type,
                True,
                "BEFORE_PROGRAM_LAUNCH",
                "Before 2022-10-03 publishing did not require a Solutions Partner designation.",
            )
        return answer(
            offer_type,
            False,
            "COMPETENCY_REQUIRED",
            "Before 2022-10-03 this offer needed a current competency.",
        )
    in_transition = on <= TRANSITION_LAST_DAY
    if offer_type in ("MANAGED_SERVICES", "CONSULTING_SERVICES") and legacy and in_transition:
        return answer(
            offer_type,
            True,
            "LEGACY_TRANSITION",
            "A partner with a competency on 2022-09-30 may publish this offer type until 2023-10-03.",
        )
    if offer_type == "SERVICES_CO_SELL" and legacy and in_transition:
        co_sell_ready = any(o.get("coSellReady") for o in (state or {}).get("offers", {}).values())
        if co_sell_ready:
            return answer(
                offer_type,
                True,
                "LEGACY_CO_SELL_TRANSITION",
                "A co-sell-ready services partner with a competency on 2022-09-30 may publish consulting offers until 2023-10-03.",
            )
        return answer(
            offer_type,
            False,
            "NOT_CO_SELL_READY",
            "The legacy co-sell allowance needs co-sell ready status; no co-sell-ready offer is recorded.",
        )
    if offer_type == "APPSOURCE_APP" and legacy and in_transition and offer_id:
        # FAQ: "no impact to your existing, published app": the allowance follows the offer as
        # recorded, so an offer of another type is no existing app whatever the check asks about.
        offer = (state or {}).get("offers", {}).get(offer_id)
        if offer and offer["offerType"] != "APPSOURCE_APP":
            return answer(
                offer_type,
                False,
                "NOT_AN_APPSOURCE_APP",
                f"Offer {offer_id} is recorded as {offer['offerType']}; the existing-app allowance covers "
                "AppSource apps only.",
            )
        if offer and offer["publishedOn"] <= LEGACY_LAST_DAY:
            return answer(
                offer_type,
                True,
                "EXISTING_APP_TRANSITION",
                "An app published by a partner with a competency on 2022-09-30 is unaffected until 2023-10-03.",
            )
    if legacy and not in_transition:
        return answer(
            offer_type,
            False,
            "LEGACY_ALLOWANCE_ENDED",
            "The legacy allowance ended on 2023-10-02; a Solutions Partner designation is required.",
        )
    return answer(
        offer_type,
        False,
        "DESIGNATION_REQUIRED",
        "A Solutions Partner designation is required to publish this offer.",
    )


FEATURE = Feature("marketplace", facts={"OfferRecorded": _offer_recorded}, gates={"OFFER": offer_gate})
