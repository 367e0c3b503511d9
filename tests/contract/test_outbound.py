"""Every outbound entry round-trips through the consumer's model."""

from __future__ import annotations

import json
from datetime import date

import pytest
from pydantic import ValidationError

from shared.models.errors import InputError
from shared.models.names import SOURCE
from shared.models.outbound import OUTBOUND, parse_outbound, to_entry
from tests.contract.conftest import EVENTS, files, load

BUS = "partner-program"
SAMPLES = {p.stem: load(p)["detail"] for p in files("outbound")}


def test_every_outbound_type_has_a_sample():
    assert set(SAMPLES) == set(OUTBOUND)
    assert set(OUTBOUND) >= {
        "ScoreEvaluated",
        "DesignationAttained",
        "BadgeIssued",
        "RenewalOpened",
        "DesignationRenewed",
        "DesignationLapsed",
        "SpecializationAtRisk",
        "SpecializationLost",
        "AzureExpertMspLost",
        "InputRejected",
    }  # SPEC §4.1


@pytest.mark.parametrize("detail_type", sorted(OUTBOUND))
def test_to_entry_round_trips(detail_type):
    detail = SAMPLES[detail_type]
    entry = to_entry(detail_type, detail, BUS)
    assert set(entry) == {"Source", "DetailType", "Detail", "EventBusName"}
    assert entry["Source"] == SOURCE == "partner.designations"
    assert entry["DetailType"] == detail_type
    assert entry["EventBusName"] == BUS
    assert entry["Detail"] == json.dumps(
        json.loads(entry["Detail"]), separators=(",", ":"), ensure_ascii=False
    )
    received = json.loads(entry["Detail"])
    assert received == detail  # camelCase names, dates as YYYY-MM-DD, decimals as strings
    model = OUTBOUND[detail_type]
    assert model.model_validate(received) == model.model_validate(detail)
    # and as the consumer gets it from EventBridge (e.g. through an SQS queue)
    envelope = {"source": entry["Source"], "detail-type": entry["DetailType"], "detail": received}
    assert parse_outbound(json.dumps(envelope)) == (detail_type, model.model_validate(detail))


@pytest.mark.parametrize("detail_type", sorted(OUTBOUND))
def test_to_entry_accepts_dates_and_models(detail_type):
    detail = SAMPLES[detail_type]
    with_dates = {
        k: date.fromisoformat(v) if k.endswith(("On", "Date", "By")) else v for k, v in detail.items()
    }
    assert any(isinstance(v, date) for v in with_dates.values())
    assert to_entry(detail_type, with_dates, BUS) == to_entry(detail_type, detail, BUS)
    model = OUTBOUND[detail_type].model_validate(detail)
    assert to_entry(detail_type, model, BUS) == to_entry(detail_type, detail, BUS)


def test_dates_serialise_as_iso_days():
    detail = json.loads(
        to_entry("BadgeIssued", {**SAMPLES["BadgeIssued"], "issuedOn": date(2022, 11, 10)}, BUS)["Detail"]
    )
    assert detail["issuedOn"] == "2022-11-10"


def test_input_rejected_allows_unknown_partner():
    detail = {
        **SAMPLES["InputRejected"],
        "partnerId": None,
        "source": None,
        "detailType": None,
        "originalEventId": None,
    }
    assert json.loads(to_entry("InputRejected", detail, BUS)["Detail"])["partnerId"] is None


@pytest.mark.parametrize(
    ("detail_type", "change"),
    [
        ("ScoreEvaluated", {"total": "82"}),  # exact 2 dp
        ("ScoreEvaluated", {"total": 82.0}),  # never a float
        ("ScoreEvaluated", {"qualified": "yes"}),
        ("ScoreEvaluated", {"solutionArea": "AZURE"}),
        ("ScoreEvaluated", {"partnerId": None}),
        ("BadgeIssued", {"badge": "TRAINING_SERVICES:AZURE"}),
        ("BadgeIssued", {"issuedOn": "2022-11-10T00:00:00Z"}),
        ("DesignationLapsed", {"reason": "FORGOT"}),
        ("RenewalOpened", {"options": []}),
        ("RenewalAtRisk", {"daysUntil": -1}),
        ("AzureExpertMspLost", {"surprise": 1}),
    ],
)
def test_to_entry_catches_bad_output(detail_type, change):
    with pytest.raises(ValidationError):
        to_entry(detail_type, {**SAMPLES[detail_type], **change}, BUS)


def test_badges():
    for badge in ("SECURITY", "MICROSOFT_CLOUD", "TRAINING_SERVICES:DATA_AI"):
        to_entry("BadgeIssued", {**SAMPLES["BadgeIssued"], "badge": badge}, BUS)


def test_unknown_outbound_type():
    with pytest.raises(KeyError):
        to_entry("DesignationInvented", SAMPLES["BadgeIssued"], BUS)
    with pytest.raises(TypeError):
        to_entry(
            "BadgeIssued", OUTBOUND["DesignationAttained"].model_validate(SAMPLES["DesignationAttained"]), BUS
        )


def test_parse_outbound_rejects_foreign_events():
    inbound = load(EVENTS / "inbound" / "MetricsReported.json")
    with pytest.raises(InputError) as exc:
        parse_outbound(inbound)
    assert exc.value.field == "source"
    with pytest.raises(InputError) as exc:
        parse_outbound({"source": SOURCE, "detail-type": "MetricsReported", "detail": {}})
    assert exc.value.field == "detail-type"
    with pytest.raises(InputError) as exc:
        parse_outbound(
            {
                "source": SOURCE,
                "detail-type": "BadgeIssued",
                "detail": {**SAMPLES["BadgeIssued"], "badge": "GOLD"},
            }
        )
    assert exc.value.field == "detail.badge"
