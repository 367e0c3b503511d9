"""Every file in events/ is exactly what a Lambda receives and validates against its model."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

import pytest
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel, SqsModel

from shared.models.bases import InboundDetail, OutboundDetail
from shared.models.envelopes import ENVELOPES, parse_inbound_event
from shared.models.errors import InputError
from shared.models.inbound import INBOUND, parse_inbound
from shared.models.names import SOURCE
from shared.models.outbound import OUTBOUND, parse_outbound
from tests.contract.conftest import EVENTS, files, load

INBOUND_FILES = files("inbound")
SQS_FILES = files("sqs")
API_FILES = files("api")
OUTBOUND_FILES = files("outbound")


def test_every_inbound_event_type_has_a_sample_of_each_shape():
    detail_types = {dt for _, dt in INBOUND}
    assert {p.stem for p in INBOUND_FILES} == detail_types
    assert detail_types <= {p.stem for p in SQS_FILES}
    assert set(ENVELOPES) == detail_types
    assert {p.stem for p in OUTBOUND_FILES} == set(OUTBOUND)


@pytest.mark.parametrize("path", INBOUND_FILES, ids=lambda p: p.stem)
def test_inbound_sample_parses(path):
    envelope = load(path)
    detail_type, detail = parse_inbound(envelope)
    assert detail_type == path.stem == envelope["detail-type"]
    assert isinstance(detail, INBOUND[(envelope["source"], detail_type)])
    assert isinstance(detail, InboundDetail)
    assert detail.partner_id == envelope["detail"]["partnerId"]
    assert detail.event_id == envelope["detail"]["eventId"]
    # the same bytes as an SQS body parse the same
    assert parse_inbound(json.dumps(envelope)) == (detail_type, detail)


@pytest.mark.parametrize("path", INBOUND_FILES, ids=lambda p: p.stem)
def test_inbound_sample_is_a_full_eventbridge_event(path):
    envelope = load(path)
    for key, value in {
        "version": "0",
        "account": "123456789012",
        "region": "us-east-1",
        "resources": [],
    }.items():
        assert envelope[key] == value
    event = parse_inbound_event(envelope)
    assert isinstance(event, ENVELOPES[path.stem])
    assert event.id == envelope["id"] and event.source == envelope["source"]
    assert isinstance(event.time, datetime)
    # Powertools Parser accepts the same envelope models
    assert parse(event=envelope, model=ENVELOPES[path.stem]) == event
    assert event.detail == parse_inbound(envelope)[1]


@pytest.mark.parametrize("path", SQS_FILES, ids=lambda p: p.stem)
def test_sqs_sample_is_a_lambda_sqs_event(path):
    event = load(path)
    model = SqsModel.model_validate(event)  # Powertools' model of the Lambda SQS event
    assert model.Records
    for raw in event["Records"]:
        assert raw["md5OfBody"] == hashlib.md5(raw["body"].encode()).hexdigest()
        assert raw["messageAttributes"] == {}
        assert raw["eventSource"] == "aws:sqs"
        assert raw["attributes"]["ApproximateReceiveCount"] == "1"
        assert raw["eventSourceARN"].startswith("arn:aws:sqs:us-east-1:123456789012:")
    assert len({r["messageId"] for r in event["Records"]}) == len(event["Records"])


@pytest.mark.parametrize(
    "path", [p for p in SQS_FILES if p.stem != "batch-with-bad-record"], ids=lambda p: p.stem
)
def test_sqs_sample_bodies_parse(path):
    (record,) = load(path)["Records"]
    envelope = json.loads(record["body"])
    if envelope["source"] == SOURCE:
        detail_type, detail = parse_outbound(record["body"])
        assert isinstance(detail, OutboundDetail)
        assert envelope == load(EVENTS / "outbound" / f"{path.stem}.json")
    else:
        detail_type, detail = parse_inbound(record["body"])
        assert isinstance(detail, InboundDetail)
        assert envelope == load(EVENTS / "inbound" / f"{path.stem}.json")  # same event as the inbound sample
    assert detail_type == path.stem


def test_sqs_score_evaluated_feeds_the_attainment_queue():
    (record,) = load(EVENTS / "sqs" / "ScoreEvaluated.json")["Records"]
    assert record["eventSourceARN"].endswith(":AttainmentQueue")
    detail_type, detail = parse_outbound(record["body"])
    assert detail_type == "ScoreEvaluated" and detail.qualified is True and detail.total == "82.00"


def test_batch_with_bad_record_fails_only_the_middle_record():
    records = load(EVENTS / "sqs" / "batch-with-bad-record.json")["Records"]
    assert len(records) == 3
    outcomes = []
    for record in records:
        try:
            outcomes.append(parse_inbound(record["body"])[0])
        except InputError as exc:
            outcomes.append(exc)
    assert outcomes[0] == outcomes[2] == "MetricsReported"
    bad = outcomes[1]
    assert isinstance(bad, InputError)
    assert bad.field == "detail.measurements.0.value"
    assert "number" in bad.message


def test_scheduler_sample_is_the_direct_invocation():
    event = load(EVENTS / "scheduler" / "anniversary-run.json")
    assert event == {
        "source": "aws.scheduler",
        "detail-type": "Scheduled Event",
        "id": event["id"],
        "time": "2023-11-15T00:05:00Z",
        "detail": {},
    }
    assert datetime.fromisoformat(event["time"]).date() == date(2023, 11, 15)


@pytest.mark.parametrize("path", API_FILES, ids=lambda p: p.stem)
def test_api_sample_is_a_rest_proxy_event(path):
    event = load(path)
    for key in (
        "resource",
        "path",
        "httpMethod",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "requestContext",
        "body",
        "isBase64Encoded",
    ):
        assert key in event, key
    model = APIGatewayProxyEventModel.model_validate(event)
    assert model.requestContext.stage == "Prod"
    assert model.requestContext.identity.sourceIp
    if event["pathParameters"]:
        assert event["path"] == event["resource"].replace("{partnerId}", event["pathParameters"]["partnerId"])


def test_api_samples_cover_the_http_api():
    routes = {(load(p)["httpMethod"], load(p)["resource"]) for p in API_FILES}
    assert routes == {
        ("POST", "/publish-checks"),
        ("GET", "/partners/{partnerId}"),
        ("GET", "/partners/{partnerId}/scores"),
        ("GET", "/partners/{partnerId}/eligibility"),
    }
    publish = load(EVENTS / "api" / "publish-check.json")
    assert json.loads(publish["body"]) == {
        "partnerId": "contoso-1001",
        "offerType": "MANAGED_SERVICES",
        "on": "2023-06-01",
    }
    scores = load(EVENTS / "api" / "get-scores.json")
    assert scores["queryStringParameters"] == {"on": "2023-06-01"}
