"""Item 4: malformed and hostile input through every inbound path and the API.

Events: every generated bad input (tests/reliability/badinput.py; >= 1,000 in a full run) is sent
to the queue that consumes it (ScoreIngestionQueue, RenewalQueue, AttainmentQueue) on moto, mixed
with valid messages in the same batches, and delivered by the pump to the real handler. Each must
be dead-lettered *by the handler* with the reason in its attributes (naming the field),
announced with an InputRejected naming the same field, never retried (no batch-item failure), and
must write nothing; the valid messages of its batch must be applied.

API: every generated bad request goes through the real handler (API Gateway v1 proxy events) and
must get a 400 whose `field` names the parameter; then schemathesis generates requests from the
API's own /openapi.json (positive and negative) against the local WSGI front end (devstack/http.py)
and no response may be a 5xx.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections import Counter
from pathlib import Path

import pytest

from devstack.pump import Pump
from functions.partner_api import app as api
from shared.adapters import aws
from shared.adapters.repository import DynamoPartnerRepository
from shared.models.errors import InputError
from shared.models.inbound import parse_inbound
from shared.models.parsing import describe_input
from shared.rules import engine
from shared.runtime import Deps
from tests.fakes import LambdaContext, envelope, memory_deps, sqs_event
from tests.reliability.badinput import api_cases, inbound_cases
from tests.reliability.conftest import SIZES
from tests.reliability.faults import FaultInjector
from tests.reliability.moto_runs import take_dlq
from tests.unit.builders import qualifying_facts

EVENTS = Path(__file__).resolve().parents[2] / "events"


def partners(system) -> set[str]:
    ddb = aws.client("dynamodb")
    out, kwargs = set(), {"TableName": system.stack.state_table, "ProjectionExpression": "pk"}
    while True:
        page = ddb.scan(**kwargs)
        out |= {i["pk"]["S"] for i in page["Items"]}
        if "LastEvaluatedKey" not in page:
            return out
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def good_messages(system, queue: str, n: int) -> tuple[list[str], set[str]]:
    """Valid bodies for a queue and the partners they must create (checked after the run)."""
    if queue == "ScoreIngestionQueue":
        bodies = [envelope("partner.scorefeed", "MetricsReported", {
            "eventId": f"good-{i}", "partnerId": f"good-ingest-{i}", "solutionArea": "SECURITY",
            "measuredOn": "2023-02-01", "measurements": [{"metric": "netCustomerAdds", "value": 3, "association": "PAL"}]},
            "2023-02-01T09:00:00Z") for i in range(n)]
        return [json.dumps(b) for b in bodies], {f"good-ingest-{i}" for i in range(n)}
    if queue == "AttainmentQueue":
        # partners whose facts qualify them for Data & AI (recorded by ingestion, not yet attained):
        # the sample ScoreEvaluated must make them attain
        sample = json.loads((EVENTS / "outbound" / "ScoreEvaluated.json").read_text())
        repo = DynamoPartnerRepository(system.stack.state_table)
        bodies = []
        for i in range(n):
            pid = f"good-attain-{i}"
            if repo.get(pid).state is None:
                state = None
                for t, d in qualifying_facts("DATA_AI", sample["detail"]["evaluatedOn"], people="ga"):
                    state, _ = engine.record_fact(state, pid, t, {**d, "partnerId": pid})
                repo.put(pid, state, 0, [], engine.next_due(state))
            b = copy.deepcopy(sample)
            b["detail"]["partnerId"] = pid
            bodies.append(json.dumps(b))
        return bodies, {f"good-attain-{i}" for i in range(n)}
    # RenewalQueue: a partner that attained Security on 2023-01-10 pays at once (initial purchase);
    # the same election again is accepted as a no-op
    pid = "good-renewal"
    if system.state(pid) is None:
        system.send(*[{"source": "partner.skilling" if t == "CertificationEarned" else "partner.scorefeed",
                       "detail-type": t, "detail": {**d, "partnerId": pid}, "time": "2023-01-10T09:00:00Z"}
                      for t, d in qualifying_facts("SECURITY", "2023-01-10", people="gr")])
    election = envelope("partner.membership", "BenefitsElected", {
        "eventId": "good-election", "partnerId": pid, "anniversaryDate": "2023-01-10", "option": "SOLUTIONS_PARTNER",
        "fee": {"amount": 4730, "currency": "USD"}}, "2023-01-12T09:00:00Z")
    return [json.dumps(election)] * n, {pid}


def same_body(dead: str, sent: str) -> bool:
    """The DLQ holds the message as sent (the pump, like Lambda, adds a missing `account`)."""
    if dead == sent:
        return True
    try:
        a, b = json.loads(dead), json.loads(sent)
    except ValueError:
        return False
    return isinstance(a, dict) and isinstance(b, dict) and {k: v for k, v in a.items() if k != "account"} == \
        {k: v for k, v in b.items() if k != "account"}


@pytest.fixture
def tolerant_pump(monkeypatch):
    """The pump (devstack/pump.py Pump.sqs_record) parses each body to add a missing `account` and only
    catches ValueError, so a body nested too deeply crashes the whole delivery loop (RecursionError):
    finding F15, shown by test_the_pump_survives_a_deeply_nested_body. Lambda passes bodies on
    unread; this shim does the same for such a body so the handler gets to see it."""
    original = Pump.sqs_record

    def record(m, d):
        try:
            return original(m, d)
        except RecursionError:
            body = m["Body"]
            return {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": body,
                    "attributes": m.get("Attributes", {}), "messageAttributes": {},
                    "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
                    "eventSource": "aws:sqs", "eventSourceARN": d.queue_arn, "awsRegion": "us-east-1"}

    monkeypatch.setattr(Pump, "sqs_record", staticmethod(record))


def test_every_malformed_event_is_rejected_naming_its_field(system, report, tolerant_pump):
    cases = inbound_cases()[:: SIZES.bad_input_stride]
    sqs = aws.client("sqs")
    for q in ("ScoreIngestionQueue", "AttainmentQueue", "RenewalQueue"):
        take_dlq(system, q)
    before = partners(system)
    sent: dict[str, object] = {}  # SQS message id -> case
    good: set[str] = set()
    by_queue: dict[str, list] = {}
    for case in cases:
        by_queue.setdefault(case.queue, []).append(case)
    started = time.monotonic()
    announced: list[dict] = []
    dead: dict[str, list] = {}
    system.collect()

    def flush(queue: str) -> None:
        system.pump.drain(timeout=600)
        announced.extend(e for e in system.collect() if e["detail-type"] == "InputRejected")
        system.outbound.clear()
        for m in take_dlq(system, queue):
            attrs = {k: v["StringValue"] for k, v in (m.get("MessageAttributes") or {}).items()}
            dead.setdefault(attrs.get("originalMessageId", "?"), []).append((m["Body"], attrs))

    with FaultInjector(system, 0.0, 0) as watch:  # no faults: it only counts invocations and failures
        for queue, items in by_queue.items():
            url = system.stack.queues[queue]
            for i in range(0, len(items), 7):
                chunk = items[i:i + 7]
                bodies, pids = good_messages(system, queue, 3)
                good |= pids
                entries = [{"Id": f"b{n}", "MessageBody": c.body} for n, c in enumerate(chunk)]
                entries += [{"Id": f"g{n}", "MessageBody": b} for n, b in enumerate(bodies)]
                out = sqs.send_message_batch(QueueUrl=url, Entries=entries)
                assert not out.get("Failed"), out.get("Failed")
                for ok in out["Successful"]:
                    if ok["Id"].startswith("b"):
                        sent[ok["MessageId"]] = chunk[int(ok["Id"][1:])]
                if i % 70 == 63:  # moto's receive is linear in the queues' lengths: keep them short
                    flush(queue)
            flush(queue)
    seconds = time.monotonic() - started
    rejected_events = {(e["detail"]["queue"], e["detail"]["field"], e["detail"]["originalEventId"],
                        e["detail"]["detailType"]): e["detail"] for e in announced}

    problems, rejected = [], 0
    for message_id, case in sent.items():
        copies = dead.get(message_id, [])
        if len(copies) != 1:
            problems.append(f"{case.name}: {len(copies)} DLQ copies")
            continue
        body, attrs = copies[0]
        field = attrs.get("rejectionField", "")
        who = describe_input(case.body)
        announced = rejected_events.get((case.queue, field, who["originalEventId"], who["detailType"]))
        if not case.matches(field) or not attrs.get("rejectionReason") or attrs.get("sourceQueue") != case.queue:
            problems.append(f"{case.name}: DLQ attributes {attrs} (expected field {case.field})")
        elif announced is None or announced["field"] != field:
            problems.append(f"{case.name}: no InputRejected naming {field}")
        elif not same_body(body, case.body):
            problems.append(f"{case.name}: the DLQ holds another body")
        else:
            rejected += 1
    written = partners(system) - before
    unexpected = written - {f"PARTNER#{p}" for p in good}
    missing = {p for p in good if system.state(p) is None
               or (p.startswith("good-attain") and "DATA_AI" not in system.state(p)["designations"])}
    renewal = system.state("good-renewal")
    report("Bad input: events (moto)",
           what="generated malformed and hostile events (wrong types, missing and unknown fields, unknown areas and "
                "metrics, negative and huge numbers, impossible and out-of-range dates, injection-looking strings, "
                "oversized details, non-JSON bodies, wrong source/detail-type) on all three queues, 7 per batch "
                "with 3 valid messages; each must reach the DLQ once with its field, an InputRejected naming it, "
                "no retry, no write, and the batch's valid messages applied",
           cases=len(sent), lost=len(missing), doubled=sum(max(0, len(v) - 1) for v in dead.values()),
           rejected=rejected,
           notes=[", ".join(f"{q} {len(v)}" for q, v in by_queue.items()) + f"; {seconds:.0f} s",
                  f"{sum(watch.failures.values())} batch-item failures (retries) reported by the handlers"])
    assert problems == [], problems[:20]
    assert sum(watch.failures.values()) == 0  # bad input is never retried
    assert unexpected == set(), sorted(unexpected)[:20]
    assert missing == set()
    assert renewal is None or renewal["benefits"]["from"] == "2023-01-10"


def api_event(method: str, resource: str, path: str, path_params, query, body) -> dict:
    sample = json.loads((EVENTS / "api" / ("publish-check.json" if method == "POST" else "get-partner.json")).read_text())
    sample.update(resource=resource, path=path, httpMethod=method, pathParameters=path_params,
                  queryStringParameters=query, multiValueQueryStringParameters={k: [v] for k, v in query.items()}
                  if query else None, body=body)
    sample["requestContext"].update(resourcePath=resource, httpMethod=method)
    return sample


API_PARTNER = "api-bad-input"


@pytest.fixture
def api_on_moto(system):
    api.injected_deps = Deps.from_env(system.stack.functions["PartnerApiFunction"]["environment"])
    if system.state(API_PARTNER) is None:
        system.send({"source": "partner.membership", "detail-type": "LocationLinked", "time": "2023-01-10T09:00:00Z",
                     "detail": {"eventId": "api-1", "partnerId": API_PARTNER, "locationId": f"{API_PARTNER}-de"}})
    yield system
    api.injected_deps = None


def test_every_malformed_request_gets_400_naming_its_field(api_on_moto, report):
    system = api_on_moto
    cases = api_cases(API_PARTNER)
    before = partners(system)
    problems, statuses = [], Counter()
    for case in cases:
        out = api.handler(api_event(case.method, case.resource, case.path, case.path_params, case.query, case.body),
                          LambdaContext())
        statuses[out["statusCode"]] += 1
        body = json.loads(out["body"]) if out.get("body") else {}
        field = body.get("field", "")
        if out["statusCode"] != 400 or not (field == case.field or field.startswith(case.field + ".")) \
                or not body.get("detail") or body.get("status") != 400:
            problems.append(f"{case.name}: {out['statusCode']} {str(body)[:200]}")
    report("Bad input: API requests",
           what="generated bad path ids, dates, bodies (wrong types, unknown and missing fields, both/neither "
                "account, non-object bodies, oversized lists) on every route, through the real handler: 400 naming "
                "the field, nothing written",
           cases=len(cases), lost=0, doubled=0, rejected=statuses[400],
           notes=", ".join(f"HTTP {s}: {n}" for s, n in sorted(statuses.items())))
    assert problems == [], problems[:20]
    assert partners(system) == before


def test_schemathesis_finds_no_server_error(api_on_moto, report):
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from schemathesis import checks as sc

    from devstack.http import ApiApp

    system = api_on_moto
    app = ApiApp(system.stack)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    before = partners(system)
    seen, errors = Counter(), []
    operations = [r.ok() for r in schema.get_all_operations()]
    checks = [sc.not_a_server_error, sc.status_code_conformance, sc.content_type_conformance,
              sc.response_schema_conformance]

    def fuzz(operation, mode):
        @settings(max_examples=SIZES.schemathesis_examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(data=st.data())
        def run(data):
            case = data.draw(operation.as_strategy(generation_mode=mode))
            response = case.call()
            seen[(mode.value, response.status_code)] += 1
            try:  # no 5xx, and every answer as the document declares it (status, content type, body schema)
                case.validate_response(response, checks=checks)
            except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis: a Failure, or a FailureGroup of them
                errors.append(f"{operation.label} {mode.value}: {response.status_code} "
                              f"{case.path_parameters} {case.query} {str(case.body)[:200]} -> {response.text[:200]}: "
                              f"{str(exc)[:300]}")

        run()

    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            fuzz(operation, mode)
    report("API: schemathesis on /openapi.json",
           what="schemathesis (positive and negative generation) against the generated OpenAPI document of the API, "
                "in-process through the local WSGI front end (devstack/http.py); no 5xx, and every answer's status, "
                "content type and body as the document declares them (4xx: application/problem+json, Problem)",
           cases=sum(seen.values()), lost=0, doubled=0,
           rejected=sum(n for (m, s), n in seen.items() if 400 <= s < 500),
           notes=[f"{len(operations)} operations; " + ", ".join(f"{m} HTTP {s}: {n}" for (m, s), n in sorted(seen.items())),
                  "it found finding F16 (HTTP 502 for a body that is not UTF-8; fixed in 18313a2, regression test "
                  "test_api_binary_body_that_is_not_utf8_is_400)"])
    assert errors == [], errors[:10]
    assert partners(system) == before


# --------------------------------------------------------------------------- known gaps (strict xfail)


def _reject_in_memory(body: str):
    deps, repo, pub, dead = memory_deps()
    from functions.score_ingestion import app as ingestion

    event = sqs_event(body)
    result = ingestion.handler(event, LambdaContext(), deps=deps)
    return result, dead, [json.loads(e["Detail"]) for e in pub.entries if e["DetailType"] == "InputRejected"], repo


def test_a_lone_surrogate_is_rejected_once_and_announced():
    """Regression of finding F10 bad input: a lone surrogate (\\ud800, valid JSON escape, pure-ASCII SQS
    body) in detail.eventId is copied into InputRejected.originalEventId, which then fails its own
    validation in to_entry: reject() raises after the DLQ send, the record is a batch-item failure, it
    is dead-lettered again on each of its 3 receives plus once by the redrive policy, and no
    InputRejected is ever published (shared/runtime.py reject + shared/models/inbound.py describe_input:
    keep only encodable strings) (fixed in 18313a2.)"""
    body = json.dumps(envelope("partner.membership", "LocationLinked",
                               {"eventId": "e\ud800", "partnerId": "p-1", "locationId": "l-1"}))
    assert body.isascii()
    result, dead, announced, repo = _reject_in_memory(body)
    assert result == {"batchItemFailures": []}
    assert len(dead) == 1 and [a["field"] for a in announced] == ["detail.eventId"]


def test_a_long_unknown_field_name_is_rejected_once_and_announced():
    """Regression of finding F10 bad input: an unknown field whose name is longer than 250 characters makes
    InputRejected.field longer than its 256-character limit (ShortText): same failure as the lone
    surrogate (retried, dead-lettered 4 times, never announced); truncate the field path in reject()
    (fixed in 18313a2.)"""
    body = json.dumps(envelope("partner.membership", "LocationLinked",
                               {"eventId": "e-1", "partnerId": "p-1", "locationId": "l-1", "k" * 300: 1}))
    result, dead, announced, repo = _reject_in_memory(body)
    assert result == {"batchItemFailures": []}
    assert len(dead) == 1 and len(announced) == 1


# F11 (fixed): an exponent far below the decimal context underflowed to 0 in pydantic's check, then cost
# hours as an exact fraction; shared/models/types.py _json_number now checks the exponent itself.
@pytest.mark.parametrize("value", ["1e-999999999", "1e-10000000"])
def test_a_value_with_a_huge_negative_exponent_is_rejected(value):
    body = json.dumps(json.loads((EVENTS / "inbound" / "MetricsReported.json").read_text())).replace(
        '"value": 12.5', f'"value": {value}')
    with pytest.raises(InputError) as exc:
        parse_inbound(body)
    assert exc.value.field == "detail.measurements.3.value"


def test_api_non_json_body_names_the_body(api_on_moto):
    """Regression of finding F12 API: a body that is not JSON is answered 400 with field "0" (the position
    in pydantic's error location), not "body" (functions/partner_api/app.py bad_request drops 'body' but
    keeps the index) (fixed in 18313a2.)"""
    out = api.handler(api_event("POST", "/publish-checks", "/publish-checks", None, None, "not json {"), LambdaContext())
    assert out["statusCode"] == 400 and json.loads(out["body"])["field"] == "body"


@pytest.mark.parametrize("on", ["1800-01-01", "2500-01-01", "0"])
def test_api_date_out_of_range_is_400(api_on_moto, on):
    """Regression of finding F13 API: `on` is not range-checked (the event contract allows
    2000-01-01..2100-12-31) and is parsed laxly ("0" is 1970-01-01, a Unix timestamp): 1800-01-01,
    2500-01-01 and 0 are answered like dates (200 or 404) instead of 400 naming `on` (fixed in 18313a2.)"""
    out = api.handler(api_event("GET", "/partners/{partnerId}", f"/partners/{API_PARTNER}", {"partnerId": API_PARTNER},
                                {"on": on}, None), LambdaContext())
    assert out["statusCode"] == 400 and json.loads(out["body"])["field"] == "on"


def test_api_far_future_date_does_not_crash(api_on_moto):
    """Regression of finding F14 API crash: GET /partners/{id}?on=9999-01-01 (or later) raises KeyError
    'benefits' for any partner without benefits: shared/rules/views.py partner_view compares the
    sentinel "9999" with the date string ("9999" <= "9999-01-01") and then reads state['benefits']; API
    Gateway answers 502 (fixed in 18313a2.)"""
    pid = "api-far-future"
    api_on_moto.send(*[{"source": "partner.skilling" if t == "CertificationEarned" else "partner.scorefeed",
                        "detail-type": t, "detail": {**d, "partnerId": pid}, "time": "2023-01-10T09:00:00Z"}
                       for t, d in qualifying_facts("SECURITY", "2023-01-10", people="ff")])
    out = api.handler(api_event("GET", "/partners/{partnerId}", f"/partners/{pid}", {"partnerId": pid},
                                {"on": "9999-12-31"}, None), LambdaContext())
    assert out["statusCode"] in (200, 400)


def test_the_pump_survives_a_deeply_nested_body(system):
    """Regression of finding F15 devstack: Pump.sqs_record (devstack/pump.py, the `json.loads(body)` that adds
    a missing `account`) catches only ValueError; a message body nested 5,000 levels deep raises
    RecursionError and stops the whole local delivery loop (make run, every moto-backed test); catch
    (ValueError, RecursionError) (fixed in 18313a2.)"""
    sqs = aws.client("sqs")
    sqs.send_message(QueueUrl=system.stack.queues["ScoreIngestionQueue"], MessageBody="[" * 5000 + "]" * 5000)
    try:
        system.pump.drain()
    finally:  # leave nothing behind for the other tests (the crashed poll left the message in flight)
        sqs.purge_queue(QueueUrl=system.stack.queues["ScoreIngestionQueue"])
        take_dlq(system, "ScoreIngestionQueue")
        assert system.pump.pending() == 0
    assert len(take_dlq(system, "ScoreIngestionQueue")) <= 1


def test_api_binary_body_that_is_not_utf8_is_400(api_on_moto):
    """Regression of finding F16 API crash: a base64-encoded body (isBase64Encoded: true) that is not UTF-8
    raises UnicodeDecodeError in Powertools' decoded_body, unhandled (functions/partner_api/app.py has
    no handler for it): the Lambda errors and API Gateway answers 502. Found by schemathesis through
    devstack/http.py, which base64-encodes such bodies; on AWS it needs BinaryMediaTypes on the API. Map
    it to 400 field `body` (fixed in 18313a2.)"""
    import base64

    event = api_event("POST", "/publish-checks", "/publish-checks", None, None,
                      base64.b64encode(b"\xaa4\xcex\x84").decode())
    event["isBase64Encoded"] = True
    out = api.handler(event, LambdaContext())
    assert out["statusCode"] == 400 and json.loads(out["body"])["field"] == "body"


# --------------------------------------------------------------------------- hostile input at the API edges

ODD_IDS = {"NUL": "a\x00b", "emoji": "\U0001f600", "U+202E": "ab\u202ecd", "CRLF": "a\r\nb",
           "operator object": '{"$ne":null}', "non-ASCII letter": "c\u00f6ntoso-1001", "65 characters": "x" * 65}


def _problem(out: dict) -> dict:
    """The body of a 4xx when it is an RFC 9457 problem (application/problem+json), else {}."""
    if (out.get("multiValueHeaders") or {}).get("Content-Type") != ["application/problem+json"]:
        return {}
    body = json.loads(out["body"])
    return body if body.get("status") == out["statusCode"] and body.get("type") and body.get("title") else {}


def test_api_hostile_bodies_are_400_naming_the_body(api_on_moto, report):
    """Issue 19: JSON nested 100,000 deep (json.loads' RecursionError) or one field nested 50,000 deep,
    and a 100,001-digit number (Python's integer-string limit) were answered 502."""
    fields = {"partnerId": API_PARTNER, "offerType": "IP_CO_SELL"}
    prefix = json.dumps(fields)[:-1]
    bodies = {
        "nested 100,000 deep": "[" * 100_000 + "]" * 100_000,
        "object nested 100,000 deep": '{"a":' * 100_000 + "1" + "}" * 100_000,
        "one field nested 50,000 deep": prefix + ', "offerId": ' + "[" * 50_000 + "]" * 50_000 + "}",
        "nested 900 deep (inside the recursion limit)": prefix + ', "on": ' + "[" * 900 + "]" * 900 + "}",
        "100,001-digit integer": prefix + ', "on": 1' + "0" * 100_000 + "}",
        "100,001-digit integer in a what-if": '{"measurements": [{"measurements": [{"value": 9' + "9" * 100_000 + "}]}]}",
    }
    statuses, problems = Counter(), []
    for name, body in bodies.items():
        path, resource, params = (f"/partners/{API_PARTNER}/what-if", "/partners/{partnerId}/what-if",
                                  {"partnerId": API_PARTNER}) if "what-if" in name else \
            ("/publish-checks", "/publish-checks", None)
        out = api.handler(api_event("POST", resource, path, params, None, body), LambdaContext())
        statuses[out["statusCode"]] += 1
        problem = _problem(out)
        if out["statusCode"] != 400 or problem.get("field") != "body" or problem.get("pointer") != "":
            problems.append(f"{name}: {out['statusCode']} {out.get('body', '')[:200]}")
    report("API hostile bodies",
           what="JSON nested 100,000 deep, one field nested 50,000 deep, 900 deep, and 100,001-digit numbers, "
                "through the real handler: 400 application/problem+json naming the body (field `body`, pointer \"\")",
           cases=len(bodies), rejected=statuses[400], notes=", ".join(f"HTTP {s}: {n}" for s, n in sorted(statuses.items())))
    assert problems == [], problems


def test_api_odd_ids_and_repeated_parameters_are_400_naming_them(api_on_moto, report):
    """Issue 19: odd ids (NUL, emoji, U+202E, CRLF, an operator object) got 404 from the router while
    `cöntoso-1001` got 400; a repeated query parameter got "Input should be a valid string"."""
    cases: list[tuple[str, dict, str, str]] = []  # (name, event, member, value)
    for routes in (("/partners/{partnerId}", ""), ("/partners/{partnerId}/scores", "/scores"),
                   ("/dashboard/{partnerId}", None), ("/partners/{partnerId}/history", "/history")):
        resource, suffix = routes
        for name, odd in ODD_IDS.items():
            path = f"/dashboard/{odd}" if suffix is None else f"/partners/{odd}{suffix}"
            cases.append((f"{resource} {name}", api_event("GET", resource, path, {"partnerId": odd}, {}, None),
                          "parameter", "partnerId"))
    for name, odd in ODD_IDS.items():
        for key in ("partnerId", "locationId"):
            cases.append((f"publish-check {key} {name}", api_event(
                "POST", "/publish-checks", "/publish-checks", None, None,
                json.dumps({key: odd, "offerType": "IP_CO_SELL"})), "pointer", f"/{key}"))
    for resource, path in (("/partners/{partnerId}", f"/partners/{API_PARTNER}"),
                           ("/dashboard/{partnerId}", f"/dashboard/{API_PARTNER}")):
        event = api_event("GET", resource, path, {"partnerId": API_PARTNER}, {"on": "2023-01-11"}, None)
        event["multiValueQueryStringParameters"] = {"on": ["2023-01-10", "2023-01-11"]}
        cases.append((f"{resource} ?on=a&on=b", event, "parameter", "on"))
    statuses, problems = Counter(), []
    for name, event, member, value in cases:
        out = api.handler(event, LambdaContext())
        statuses[out["statusCode"]] += 1
        problem = _problem(out)
        repeated = "?on=" in name and "given 2 times" not in problem.get("detail", "")
        if out["statusCode"] != 400 or problem.get(member) != value or repeated:
            problems.append(f"{name}: {out['statusCode']} {out.get('body', '')[:200]}")
    report("API odd ids and repeated parameters",
           what="ids with NUL, emoji, U+202E, CRLF, an operator object, a non-ASCII letter, 65 characters, on four "
                "GET routes and as body ids; `?on=a&on=b`: 400 problem naming the id (or the repeated parameter)",
           cases=len(cases), rejected=statuses[400], notes=", ".join(f"HTTP {s}: {n}" for s, n in sorted(statuses.items())))
    assert problems == [], problems[:20]


def _raw_exchange(port: int, head: bytes, body: bytes = b"", wait: float = 30.0) -> tuple[int, dict, float]:
    """Send a request head (and part of a body) on a raw socket; the status and problem answered, and
    the seconds until the answer."""
    import socket

    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(head + body)
        data = b""
        while b"\r\n\r\n" not in data or len(data) < data.find(b"\r\n\r\n") + 4 + int(
                (data.split(b"Content-Length: ")[1:] or [b"0"])[0].split(b"\r\n")[0]):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    took = time.monotonic() - started
    status = int(data.split(b" ", 2)[1])
    raw = data.split(b"\r\n\r\n", 1)[1]
    return status, json.loads(raw) if raw else {}, took


def test_local_api_refuses_oversized_and_stalled_bodies(api_on_moto, report, monkeypatch):
    """Issue 19: the local API read and parsed 60 MB bodies (API Gateway refuses more than 10 MB), and a
    request that declared a body and sent none held a server thread until the client gave up."""
    import threading

    from werkzeug.serving import make_server

    from devstack import http as local_http

    monkeypatch.setattr(local_http, "READ_TIMEOUT", 1.0)
    server = make_server("127.0.0.1", 0, local_http.ApiApp(api_on_moto.stack), threaded=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="api-edges", daemon=True)
    thread.start()
    port = server.server_port
    results: dict[str, tuple[int, dict, float]] = {}
    try:
        def post(length: int | None, chunked: bool = False) -> bytes:
            head = "POST /publish-checks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {length}\r\n"
            return (head + "\r\n").encode()

        # 60 MB declared, 1 KB sent: answered at once, so the rest is never read.
        results["60 MB declared"] = _raw_exchange(port, post(60 * 1024 * 1024), b"[" * 1024)
        results["10 MB + 1 declared"] = _raw_exchange(port, post(local_http.MAX_BODY_BYTES + 1), b"[" * 1024)
        # 11 MB sent chunked (no length declared): refused once past the limit.
        chunk = b"%x\r\n%s\r\n" % (1024 * 1024, b" " * (1024 * 1024))
        results["11 MB chunked"] = _raw_exchange(port, post(None, chunked=True), chunk * 11 + b"0\r\n\r\n")
        before = threading.active_count()
        results["100 bytes declared, none sent"] = _raw_exchange(port, post(100))
        time.sleep(0.2)
        threads_after = threading.active_count()
        results["a body within the limit after them"] = _raw_exchange(
            port, post(len(b'{"partnerId": "api-bad-input", "offerType": "IP_CO_SELL"}')),
            b'{"partnerId": "api-bad-input", "offerType": "IP_CO_SELL"}')
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
    expected = {"60 MB declared": 413, "10 MB + 1 declared": 413, "11 MB chunked": 413,
                "100 bytes declared, none sent": 408, "a body within the limit after them": 200}
    statuses = Counter(status for status, _, _ in results.values())
    report("API local server: oversized and stalled bodies",
           what="devstack/http.py on a socket: 60 MB and 10 MB + 1 declared (1 KB sent): 413 before reading; 11 MB chunked: "
                "413 once past 10 MB; 100 bytes declared and none sent: 408 after the read timeout (1 s here, 10 s in make run), "
                "the thread freed; then a valid request is served",
           cases=len(results), rejected=statuses[413] + statuses[408],
           notes=", ".join(f"{name}: HTTP {s} in {t:.2f} s" for name, (s, _, t) in results.items()))
    assert {name: status for name, (status, _, _) in results.items()} == expected
    assert all(p.get("reason") in ("BODY_TOO_LARGE", "REQUEST_TIMEOUT") and p.get("field") == "body"
               for name, (s, p, _) in results.items() if s != 200)
    assert results["60 MB declared"][2] < 5, "answered without waiting for the body"
    assert 0.9 <= results["100 bytes declared, none sent"][2] < 5
    assert threads_after <= before, "the stalled request's thread ended"
