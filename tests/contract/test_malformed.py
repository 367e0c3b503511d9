"""Bad input is refused with an InputError naming the first failing field (SPEC §4.3)."""

from __future__ import annotations

import copy
import json
import pickle
from decimal import Decimal

import pytest

from shared.models.errors import InputError
from shared.models.inbound import parse_inbound
from shared.models.parsing import MAX_DETAIL_BYTES, describe_input
from tests.contract.conftest import EVENTS, load


def sample(detail_type: str) -> dict:
    return load(EVENTS / "inbound" / f"{detail_type}.json")


def with_detail(detail_type: str, **changes) -> dict:
    env = sample(detail_type)
    for key, value in changes.items():
        if value is ...:
            del env["detail"][key]
        else:
            env["detail"][key] = value
    return env


def with_measurement(index: int = 0, **changes) -> dict:
    env = sample("MetricsReported")
    env["detail"]["measurements"][index].update(changes)
    return env


def padded(n_bytes: int) -> dict:
    env = sample("CertificationEarned")
    env["detail"]["padding"] = "x" * n_bytes
    return env


# (case, input: envelope dict or raw body, expected field)
CASES = [
    ("missing partnerId", with_detail("MetricsReported", partnerId=...), "detail.partnerId"),
    ("missing eventId", with_detail("OfferRecorded", eventId=...), "detail.eventId"),
    ("unknown area", with_detail("MetricsReported", solutionArea="AZURE"), "detail.solutionArea"),
    ("unknown track", with_detail("MetricsReported", track="MIDMARKET"), "detail.track"),
    (
        "negative coursewareActivations",
        with_detail("TrainingMetricsReported", coursewareActivations=-1),
        "detail.coursewareActivations",
    ),
    (
        "count as a string",
        with_detail("TrainingMetricsReported", coursewareActivations="1240"),
        "detail.coursewareActivations",
    ),
    (
        "count as a float",
        with_detail("TrainingMetricsReported", coursewareActivations=1240.5),
        "detail.coursewareActivations",
    ),
    (
        "quality score above 5",
        with_detail("TrainingMetricsReported", qualityScore=5.01),
        "detail.qualityScore",
    ),
    ("negative vouchers", with_detail("TrainingMetricsReported", examVouchers=-0.5), "detail.examVouchers"),
    (
        "unknown survey area",
        with_detail("TrainingMetricsReported", surveysByArea={"AZURE": 200}),
        "detail.surveysByArea.AZURE",
    ),
    (
        "negative survey count",
        with_detail("TrainingMetricsReported", surveysByArea={"SECURITY": -3}),
        "detail.surveysByArea.SECURITY",
    ),
    ("date 2022-13-01", with_detail("MetricsReported", measuredOn="2022-13-01"), "detail.measuredOn"),
    ("date 2023-02-29", with_detail("CertificationEarned", on="2023-02-29"), "detail.on"),
    ("date with time", with_detail("CertificationEarned", on="2022-10-17T00:00:00Z"), "detail.on"),
    ("date as epoch", with_detail("CertificationEarned", on=1665964800), "detail.on"),
    ("date 20221017", with_detail("CertificationEarned", on="20221017"), "detail.on"),
    (
        "date before 2000",
        with_detail("SpecializationRecorded", anniversaryDate="1999-12-31"),
        "detail.anniversaryDate",
    ),
    (
        "date after 2100",
        with_detail("AzureExpertMspRecorded", anniversaryDate="2101-01-01"),
        "detail.anniversaryDate",
    ),
    ("extra field", with_detail("LocationLinked", region="EMEA"), "detail.region"),
    ("extra field in a measurement", with_measurement(0, unit="customers"), "detail.measurements.0.unit"),
    ("NaN value", with_measurement(1, value=float("nan")), "detail.measurements.1.value"),
    ("infinite value", with_measurement(1, value=float("inf")), "detail.measurements.1.value"),
    ("Decimal NaN value", with_measurement(1, value=Decimal("NaN")), "detail.measurements.1.value"),
    ("boolean value", with_measurement(0, value=True), "detail.measurements.0.value"),
    ("numeric string value", with_measurement(2, value="12"), "detail.measurements.2.value"),
    ("value 'lots'", with_measurement(0, value="lots"), "detail.measurements.0.value"),
    ("value above 1e9", with_measurement(0, value=1_000_000_001), "detail.measurements.0.value"),
    ("null value", with_measurement(0, value=None), "detail.measurements.0.value"),
    ("unknown metric", with_measurement(0, metric="revenue"), "detail.measurements.0.metric"),
    (
        "skilling metric reported",
        with_measurement(0, metric="advancedCertifications"),
        "detail.measurements.0.metric",
    ),
    ("unknown association", with_measurement(0, association="MSP"), "detail.measurements.0.association"),
    ("unknown segment", with_measurement(0, segment="DYNAMICS"), "detail.measurements.0.segment"),
    (
        "duplicate measurement",
        with_detail(
            "MetricsReported",
            measurements=[
                {"metric": "deployments", "value": 3, "association": "PAL"},
                {"metric": "deployments", "value": 4, "association": "PAL"},
            ],
        ),
        "detail.measurements",
    ),
    ("no measurements", with_detail("MetricsReported", measurements=[]), "detail.measurements"),
    (
        "51 measurements",
        with_detail(
            "MetricsReported",
            measurements=[
                {"metric": m, "value": 1, "association": a, "segment": s}
                for m in ("netCustomerAdds", "usageGrowth", "deployments")
                for a in ("CSP_T1", "CSP_T2", "DPOR", "PAL", "CPOR", "GDAP")
                for s in ("AZURE", "M365", None)
            ][:51],
        ),
        "detail.measurements",
    ),
    ("measurement not an object", with_detail("MetricsReported", measurements=[3]), "detail.measurements.0"),
    ("eventId with a space", with_detail("CertificationEarned", eventId="sk 1"), "detail.eventId"),
    ("eventId too long", with_detail("CertificationEarned", eventId="e" * 129), "detail.eventId"),
    ("empty partnerId", with_detail("CertificationEarned", partnerId="   "), "detail.partnerId"),
    ("partnerId too long", with_detail("CertificationEarned", partnerId="p" * 65), "detail.partnerId"),
    (
        "partnerId with underscore",
        with_detail("CertificationEarned", partnerId="contoso_1001"),
        "detail.partnerId",
    ),
    ("partnerId as a number", with_detail("CertificationEarned", partnerId=1001), "detail.partnerId"),
    ("personId too long", with_detail("CertificationRemoved", personId="p" * 129), "detail.personId"),
    (
        "certification too long",
        with_detail("CertificationEarned", certification="c" * 201),
        "detail.certification",
    ),
    ("unknown level", with_detail("LegacyCompetencyRecorded", level="PLATINUM"), "detail.level"),
    ("unknown option", with_detail("BenefitsElected", option="BOTH"), "detail.option"),
    (
        "lower-case currency",
        with_detail("BenefitsElected", fee={"amount": 4730, "currency": "usd"}),
        "detail.fee.currency",
    ),
    (
        "negative fee",
        with_detail("BenefitsElected", fee={"amount": -1, "currency": "USD"}),
        "detail.fee.amount",
    ),
    (
        "fee as a string",
        with_detail("BenefitsElected", fee={"amount": "4730", "currency": "USD"}),
        "detail.fee.amount",
    ),
    ("bad locationId", with_detail("LocationLinked", locationId="de/munich"), "detail.locationId"),
    ("unknown offer type", with_detail("OfferRecorded", offerType="SAAS"), "detail.offerType"),
    ("coSellReady as a string", with_detail("OfferRecorded", coSellReady="true"), "detail.coSellReady"),
    ("coSellReady as 1", with_detail("OfferRecorded", coSellReady=1), "detail.coSellReady"),
    ("65 KiB detail", padded(65 * 1024), "detail"),
    ("65 KiB detail as a body", json.dumps(padded(65 * 1024)), "detail"),
    ("detail not an object", {**sample("LocationLinked"), "detail": "{}"}, "detail"),
    ("no detail", {k: v for k, v in sample("LocationLinked").items() if k != "detail"}, "detail"),
    ("non-JSON body", "lots of metrics, trust me", "body"),
    ("truncated body", json.dumps(sample("MetricsReported"))[:-10], "body"),
    ("JSON array body", "[1, 2, 3]", "body"),
    ("JSON string body", '"MetricsReported"', "body"),
    ("bytes that are not UTF-8", b"\xff\xfe{}", "body"),
    ("no body at all", None, "body"),
    ("deeply nested body", "[" * 100_000 + "]" * 100_000, "body"),
    (
        "deeply nested detail",
        '{"source":"partner.membership","detail-type":"LocationLinked","detail":{"x":'
        + "[" * 100_000
        + "]" * 100_000
        + "}}",
        "body",
    ),
    (
        "deep detail within the size limit",
        with_detail("LocationLinked", locationId=[[[[[[[[[["de-5001"]]]]]]]]]]),
        "detail.locationId",
    ),
    ("body over 1 MiB", "x" * (1024 * 1024 + 1), "body"),
    (
        "NaN literal in body",
        json.dumps(with_measurement(0, value=float("nan"))),
        "detail.measurements.0.value",
    ),
    ("missing source", {k: v for k, v in sample("LocationLinked").items() if k != "source"}, "source"),
    (
        "missing detail-type",
        {k: v for k, v in sample("LocationLinked").items() if k != "detail-type"},
        "detail-type",
    ),
    ("unknown detail-type", {**sample("LocationLinked"), "detail-type": "LocationMoved"}, "detail-type"),
    (
        "known detail-type, wrong source",
        {**sample("MetricsReported"), "source": "partner.skilling"},
        "detail-type",
    ),
    ("unknown source", {**sample("MetricsReported"), "source": "evil.feed"}, "detail-type"),
    ("our own outbound event", load(EVENTS / "outbound" / "ScoreEvaluated.json"), "detail-type"),
]


@pytest.mark.parametrize(("case", "body", "field"), CASES, ids=[c[0] for c in CASES])
def test_malformed_input_names_the_field(case, body, field):
    body = copy.deepcopy(body)
    with pytest.raises(InputError) as exc:
        parse_inbound(body)
    assert exc.value.field == field, exc.value
    assert exc.value.message
    assert str(exc.value) == f"{field}: {exc.value.message}"


def test_detail_at_the_size_limit_is_measured_not_guessed():
    env = padded(0)
    base = len(json.dumps(env["detail"], separators=(",", ":")).encode())
    # exactly at the limit: passes the size guard, then fails on the unknown field
    env = padded(MAX_DETAIL_BYTES - base)
    with pytest.raises(InputError) as exc:
        parse_inbound(env)
    assert exc.value.field == "detail.padding"
    env = padded(MAX_DETAIL_BYTES - base + 1)
    with pytest.raises(InputError) as exc:
        parse_inbound(env)
    assert exc.value.field == "detail"


def test_first_failing_field_is_named():
    env = with_detail("MetricsReported", partnerId=..., solutionArea="AZURE")
    with pytest.raises(InputError) as exc:
        parse_inbound(env)
    assert exc.value.field == "detail.partnerId"


def test_accepted_edge_values():
    # whitespace is stripped, GDAP is valid input, negative adds and fractional values are kept exactly
    env = with_detail("MetricsReported", partnerId="  contoso-1001 ", track=None)
    env["detail"]["measurements"] = [
        {"metric": "netCustomerAdds", "value": -2, "association": "GDAP"},
        {"metric": "usageGrowth", "value": 0.1, "association": "PAL"},
        {"metric": "usageGrowth", "value": 7, "association": "PAL", "segment": "AZURE"},
        {"metric": "deployments", "value": 1_000_000_000},
    ]
    _, detail = parse_inbound(env)
    assert detail.partner_id == "contoso-1001"
    assert detail.track is None
    assert [m.value for m in detail.measurements] == [
        Decimal(-2),
        Decimal("0.1"),
        Decimal(7),
        Decimal(1_000_000_000),
    ]
    # from an SQS body a fractional number is parsed exactly; more than 6 decimal places is refused
    # (a float artefact or a denial-of-service value such as 1e-999999999)
    _, detail = parse_inbound(json.dumps(env).replace('"value": 0.1', '"value": 0.123456'))
    assert detail.measurements[1].value == Decimal("0.123456")
    with pytest.raises(InputError) as e:
        parse_inbound(json.dumps(env).replace('"value": 0.1', '"value": 0.30000000000000004'))
    assert e.value.field == "detail.measurements.1.value"
    # half vouchers, a perfect score, a Training Services partner with no surveys yet
    env = with_detail("TrainingMetricsReported", examVouchers=200.5, qualityScore=5, surveysByArea={})
    _, detail = parse_inbound(env)
    assert (
        detail.exam_vouchers == Decimal("200.5")
        and detail.quality_score == 5
        and detail.surveys_by_area == {}
    )
    # the range limits are inclusive
    for on in ("2000-01-01", "2100-12-31"):
        parse_inbound(with_detail("CertificationEarned", on=on))
    # a free fee is a fee
    parse_inbound(with_detail("BenefitsElected", fee={"amount": 0, "currency": "EUR"}))


def test_models_are_frozen():
    _, detail = parse_inbound(sample("LocationLinked"))
    with pytest.raises(Exception, match="frozen"):
        detail.location_id = "other"


def test_input_error_class():
    err = InputError("detail.measurements.0.value", "must be a JSON number, got str")
    assert isinstance(err, ValueError)
    assert (err.field, err.message) == ("detail.measurements.0.value", "must be a JSON number, got str")
    copy_ = pickle.loads(pickle.dumps(err))
    assert (copy_.field, copy_.message) == (err.field, err.message)


def test_describe_input_for_input_rejected():
    records = load(EVENTS / "sqs" / "batch-with-bad-record.json")["Records"]
    assert describe_input(records[1]["body"]) == {
        "source": "partner.scorefeed",
        "detailType": "MetricsReported",
        "originalEventId": "sf-2022-12-10-contoso-1001-security",
        "partnerId": "contoso-1001",
    }
    nothing = {"source": None, "detailType": None, "originalEventId": None, "partnerId": None}
    assert describe_input("not json") == nothing
    assert describe_input("[1]") == nothing
    assert describe_input({"source": 3, "detail": "x"}) == nothing

