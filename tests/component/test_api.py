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


def invoke(method: str, path: str, body: str | None = None, query: dict | None = None,
           params: dict | None = None, resource: str | None = None, multi: dict | None = None,
           headers: dict | None = None) -> dict:
    """The handler's proxy response to an API Gateway (REST v1) event; `params` and `resource` as API
    Gateway fills them once it has matched a resource."""
    event = copy.deepcopy(json.loads((SAMPLES / ("publish-check.json" if method == "POST" else "get-partner.json")).read_text()))
    event.update(httpMethod=method, path=path, resource=resource or path, pathParameters=params,
                 queryStringParameters={k: v[-1] for k, v in multi.items()} if multi else query,
                 multiValueQueryStringParameters=multi or {k: [v] for k, v in (query or {}).items()} or None,
                 body=body)
    for k, v in (headers or {}).items():
        event["headers"][k] = v
        event["multiValueHeaders"][k] = [v]
    return api.handler(event, LambdaContext())


def call(method: str, path: str, body: dict | None = None, query: dict | None = None) -> tuple[int, dict]:
    out = invoke(method, path, json.dumps(body) if body is not None else None, query)
    return out["statusCode"], json.loads(out["body"])


@pytest.fixture
def partner(system):
    api.injected_deps = Deps.from_env(system.stack.functions["PartnerApiFunction"]["environment"])
    legacy = ev("LegacyCompetencyRecorded", {"eventId": "lc-a", "competency": "Security", "level": "GOLD",
                                             "heldOn": "2022-03-01", "anniversaryDate": "2023-03-01"}, "tailspin-1", "2022-09-01")
    system.send(legacy, *qualify("tailspin-1", "SECURITY", "2023-01-10"),
                ev("LocationLinked", {"eventId": "ll-1", "locationId": "tailspin-1-de"}, "tailspin-1", "2023-01-11"))
    yield system
    api.injected_deps = None


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


# ---- the error shape: RFC 9457 problem details on every 4xx ----------------------------------------

PARTNER_PATH = {"resource": "/partners/{partnerId}"}


def problem_of(out: dict) -> dict:
    """The body of a 4xx, checked against RFC 9457: its members, its content type, its status."""
    assert (out.get("multiValueHeaders") or {}).get("Content-Type") == ["application/problem+json"], out
    body = json.loads(out["body"])
    assert body["status"] == out["statusCode"], body
    assert body["type"].startswith("urn:solutions-partner-engine:problem:"), body
    assert all(isinstance(body[k], str) and body[k] for k in ("title", "detail", "reason")), body
    return body


ODD_IDS = ["a\x00b", "\U0001f600", "ab\u202ecd", "a\r\nb", '{"$ne":null}', "c\u00f6ntoso-1001", "x" * 65, "a b"]


def test_every_4xx_is_one_problem_shape_naming_its_field(partner):
    cases = [  # (what, response, status, reason, member, value)
        ("bad enum in the body", invoke("POST", "/publish-checks", '{"partnerId": "tailspin-1", "offerType": "X"}'),
         400, "BAD_REQUEST", "pointer", "/offerType"),
        ("a body that is not JSON", invoke("POST", "/publish-checks", "not json {"), 400, "BAD_REQUEST", "pointer", ""),
        ("a bad date in the query", invoke("GET", "/partners/tailspin-1/scores", query={"on": "2023-13-45"},
                                           params={"partnerId": "tailspin-1"}), 400, "BAD_REQUEST", "parameter", "on"),
        ("a date out of range in the body", invoke("POST", "/publish-checks",
                                                   '{"partnerId": "tailspin-1", "offerType": "IP_CO_SELL", "on": "1999-12-31"}'),
         400, "BAD_REQUEST", "pointer", "/on"),
        ("a bad what-if fact", invoke("POST", "/partners/tailspin-1/what-if",
                                      '{"measurements": [{"solutionArea": "SECURITY", "measuredOn": "nope"}]}',
                                      params={"partnerId": "tailspin-1"}), 400, "BAD_REQUEST", "pointer", None),
        ("unknown partner", invoke("GET", "/partners/nobody-9", params={"partnerId": "nobody-9"}, **PARTNER_PATH),
         404, "UNKNOWN_PARTNER", None, None),
        ("unknown location", invoke("POST", "/publish-checks", '{"locationId": "nowhere-1", "offerType": "IP_CO_SELL"}'),
         404, "UNKNOWN_LOCATION", None, None),
        ("no such route", invoke("GET", "/nothing-here"), 404, "NO_SUCH_ROUTE", None, None),
        ("a body declared as text", invoke("POST", "/publish-checks", "offerType=IP_CO_SELL",
                                           headers={"Content-Type": "text/plain"}),
         415, "UNSUPPORTED_MEDIA_TYPE", "header", "Content-Type"),
    ]
    for what, out, status, reason, member, value in cases:
        assert out["statusCode"] == status, (what, out)
        body = problem_of(out)
        assert body["reason"] == reason and body["type"].endswith(reason.lower().replace("_", "-")), (what, body)
        if member is not None:
            assert member in body and body["detail"].startswith(body["field"] + ": "), (what, body)
        if value is not None:
            assert body[member] == value, (what, body)
    what_if = problem_of(cases[4][1])
    assert what_if["field"] == "measurements.0.measuredOn" and what_if["pointer"] == "/measurements/0/measuredOn"


@pytest.mark.parametrize(("what", "body"), [
    ("100,000 deep", "[" * 100_000 + "]" * 100_000),
    ("one field 50,000 deep", '{"partnerId": "tailspin-1", "offerType": "IP_CO_SELL", "offerId": '
     + "[" * 50_000 + "]" * 50_000 + "}"),
    ("33 deep, below Python's recursion limit", '{"on": ' + "[" * 33 + "]" * 33 + "}"),
    ("a 100,001-digit number", '{"partnerId": "tailspin-1", "offerType": "IP_CO_SELL", "on": 1' + "0" * 100_000 + "}"),
])
def test_hostile_json_bodies_are_400_naming_the_body(partner, what, body):
    out = invoke("POST", "/publish-checks", body)
    assert out["statusCode"] == 400, out
    problem = problem_of(out)
    assert problem["field"] == "body" and problem["pointer"] == "" and problem["detail"].startswith("body: is not JSON")


def test_one_id_rule_for_path_and_body_ids(partner):
    for odd in ODD_IDS:
        # API Gateway matched /partners/{partnerId}; the resolver's own route patterns may not.
        out = invoke("GET", f"/partners/{odd}", params={"partnerId": odd}, **PARTNER_PATH)
        assert out["statusCode"] == 400, (odd, out)
        problem = problem_of(out)
        assert problem["parameter"] == "partnerId" and problem["detail"].startswith("partnerId: must be 1 to 64"), odd
        out = invoke("POST", "/publish-checks", json.dumps({"locationId": odd, "offerType": "IP_CO_SELL"}))
        assert out["statusCode"] == 400, (odd, out)
        problem = problem_of(out)
        assert problem["pointer"] == "/locationId" and problem["detail"].startswith("locationId: must be 1 to 64"), odd


def test_a_repeated_query_parameter_is_named(partner):
    out = invoke("GET", "/partners/tailspin-1", multi={"on": ["2023-01-10", "2023-01-11"]},
                 params={"partnerId": "tailspin-1"}, **PARTNER_PATH)
    assert out["statusCode"] == 400, out
    problem = problem_of(out)
    assert problem["parameter"] == "on" and problem["detail"] == "on: is given 2 times; give it once"


def test_the_openapi_document_declares_the_problem_answers(partner):
    status, doc = call("GET", "/openapi.json")
    assert status == 200 and "Problem" in doc["components"]["schemas"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            codes = set(op["responses"])
            assert "422" not in codes and {"400", "404"} <= codes, (method, path, codes)
            for code in codes - {"200"}:
                content = op["responses"][code]["content"]
                assert list(content) == ["application/problem+json"], (method, path, code)
                assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
