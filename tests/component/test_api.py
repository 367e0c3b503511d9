"""The partner API handler over the moto stack: publish-checks, reads as of a date, 400/404."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from functions.partner_api import app as api
from shared.runtime import Deps
from tests.fakes import LambdaContext

from .test_partner_year import ev, qualify

SAMPLES = Path(__file__).parents[2] / "events" / "api"


def call(method: str, path: str, body: dict | None = None, query: dict | None = None) -> tuple[int, dict]:
    event = copy.deepcopy(json.loads((SAMPLES / ("publish-check.json" if method == "POST" else "get-partner.json")).read_text()))
    event.update(httpMethod=method, path=path, resource=path, pathParameters=None,
                 queryStringParameters=query, multiValueQueryStringParameters={k: [v] for k, v in (query or {}).items()} or None,
                 body=json.dumps(body) if body is not None else None)
    out = api.handler(event, LambdaContext())
    return out["statusCode"], json.loads(out["body"])


@pytest.fixture
def partner(system):
    api._deps = Deps.from_env(system.stack.functions["PartnerApiFunction"]["environment"])
    legacy = ev("LegacyCompetencyRecorded", {"eventId": "lc-a", "competency": "Security", "level": "GOLD",
                                             "heldOn": "2022-03-01", "anniversaryDate": "2023-03-01"}, "tailspin-1", "2022-09-01")
    system.send(legacy, *qualify("tailspin-1", "SECURITY", "2023-01-10"),
                ev("LocationLinked", {"eventId": "ll-1", "locationId": "tailspin-1-de"}, "tailspin-1", "2023-01-11"))
    yield system
    api._deps = None


def test_publish_check_for_a_pga_and_its_pla(partner):
    status, body = call("POST", "/publish-checks", {"partnerId": "tailspin-1", "offerType": "MANAGED_SERVICES", "on": "2022-12-01"})
    assert status == 200 and body["allowed"] and body["reason"] == "LEGACY_TRANSITION"
    status, body = call("POST", "/publish-checks", {"locationId": "tailspin-1-de", "offerType": "APPSOURCE_APP", "on": "2023-10-03"})
    assert status == 200 and body["reason"] == "DESIGNATION_HELD" and body["designations"] == ["SECURITY"]


def test_partner_as_of_a_date_scores_and_eligibility(partner):
    status, before = call("GET", "/partners/tailspin-1", query={"on": "2023-01-09"})
    assert status == 200 and before["designations"] == []
    status, after = call("GET", "/partners/tailspin-1", query={"on": "2023-01-10"})
    assert [d["solutionArea"] for d in after["designations"]] == ["SECURITY"] and after["anniversaryDate"] == "2023-03-01"
    status, scores = call("GET", "/partners/tailspin-1/scores", query={"on": "2023-01-10"})
    security = next(a for a in scores["areas"] if a["solutionArea"] == "SECURITY")
    assert security["total"] == "100.00" and security["attained"] and security["qualified"]
    status, elig = call("GET", "/partners/tailspin-1/eligibility", query={"on": "2023-02-01"})
    assert elig["incentives"]["option"] == "OPTION_1"


def test_bad_request_names_the_field_and_unknown_partner_is_404(partner):
    status, body = call("POST", "/publish-checks", {"partnerId": "tailspin-1", "offerType": "BOGUS"})
    assert status == 400 and body["field"] == "offerType"
    status, body = call("GET", "/partners/tailspin-1/scores", query={"on": "2023-13-45"})
    assert status == 400 and body["field"] == "on"
    status, body = call("GET", "/partners/nobody-9")
    assert status == 404 and body["reason"] == "UNKNOWN_PARTNER"
    status, body = call("POST", "/publish-checks", {"partnerId": "nobody-9", "offerType": "MANAGED_SERVICES"})
    assert status == 404


def test_what_if_projects_without_storing(partner):
    hypo = {"on": "2023-01-10", "measurements": [{"solutionArea": "DATA_AI", "measuredOn": "2023-01-10",
                                                  "measurements": [{"metric": "netCustomerAdds", "value": 3, "association": "PAL"}]}]}
    status, body = call("POST", "/partners/tailspin-1/what-if", hypo)
    assert status == 200 and body["stored"] is False
    data_ai = next(a for a in body["areas"] if a["solutionArea"] == "DATA_AI")
    assert data_ai["metrics"][0]["points"] == "30.00"
    _, real = call("GET", "/partners/tailspin-1/scores", query={"on": "2023-01-10"})
    assert next(a for a in real["areas"] if a["solutionArea"] == "DATA_AI")["total"] == "0.00"
    status, hist = call("GET", "/partners/tailspin-1/history")
    assert any(d["rule"] == "ATTAINMENT" for d in hist["decisions"])
