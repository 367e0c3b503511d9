"""Item 5: security, on the translated template and on what the functions really do.

- IAM auth (SigV4) on every API method; the API's invoke permission scoped to the API;
- least privilege: each function's role grants exactly the (action, resource) pairs the function
  was *seen* to use on moto (every boto3 call made inside its handler, recorded while a scenario
  exercises each code path), plus the pairs the Lambda service itself needs for that function (its
  event source mapping, its failure destinations, its log group, X-Ray); no `*` action; `*`
  resource only for the X-Ray actions, which take none;
- PutEvents only with the condition `events:source = partner.designations`, and every event the
  functions put has that source;
- encryption at rest for both tables and every queue, point-in-time recovery for both tables;
- cfn-lint's rules report nothing (checkov runs in `make lint`, from its own pinned virtualenv);
- no person id in clear in the logs (the Powertools JSON log lines and the EMF metric lines).
"""

from __future__ import annotations

import io
import json
import logging
import threading
import uuid
from collections import Counter
from pathlib import Path

import botocore.client
import pytest

from devstack.template import DEFAULT_TEMPLATE, load_template, translate
from functions.partner_api import app as api
from functions.score_ingestion import app as ingestion
from shared import runtime
from shared.runtime import Deps
from tests.fakes import LambdaContext, envelope, sqs_event
from tests.reliability.moto_runs import take_dlq
from tests.unit.builders import qualifying_facts

EVENTS = Path(__file__).resolve().parents[2] / "events"
XRAY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


@pytest.fixture(scope="module")
def resources():
    return translate(load_template())["Resources"]


def of_type(resources, rtype):
    return {lid: r for lid, r in resources.items() if r["Type"] == rtype}


def as_list(v):
    return v if isinstance(v, list) else [v]


def getatt(v):
    if isinstance(v, dict) and "Fn::GetAtt" in v:
        a = v["Fn::GetAtt"]
        return tuple(a) if isinstance(a, list) else tuple(a.split(".", 1))
    return None


def key(v) -> str:
    if (att := getatt(v)) is not None:
        return ".".join(att)
    if isinstance(v, dict) and "Ref" in v:
        return v["Ref"]
    if isinstance(v, dict) and "Fn::Sub" in v:
        return v["Fn::Sub"] if isinstance(v["Fn::Sub"], str) else v["Fn::Sub"][0]
    return v


def role_statements(resources, function: str) -> list[dict]:
    role = getatt(resources[function]["Properties"]["Role"])[0]
    docs = [p["PolicyDocument"] for p in resources[role]["Properties"].get("Policies", [])]
    docs += [r["Properties"]["PolicyDocument"] for r in of_type(resources, "AWS::IAM::Policy").values()
             if any(isinstance(x, dict) and x.get("Ref") == role for x in r["Properties"].get("Roles", []))]
    return [st for d in docs for st in as_list(d["Statement"])]


def grants(resources, function: str) -> set[tuple[str, str]]:
    out = set()
    for st in role_statements(resources, function):
        assert st["Effect"] == "Allow" and "NotAction" not in st and "NotResource" not in st, st
        out |= {(a, key(r)) for a in as_list(st["Action"]) for r in as_list(st["Resource"])}
    return out


# --------------------------------------------------------------------------- API


def test_every_api_method_requires_iam_auth(resources, report):
    sam = load_template()
    routes = {(e["Properties"]["Method"].lower(), e["Properties"]["Path"])
              for r in sam["Resources"].values() if r.get("Type") == "AWS::Serverless::Function"
              for e in (r["Properties"].get("Events") or {}).values() if e["Type"] == "Api"}
    [rest] = of_type(resources, "AWS::ApiGateway::RestApi").values()
    body = rest["Properties"]["Body"]
    schemes = body["components"]["securitySchemes"]
    sigv4 = {n for n, s in schemes.items() if s.get("x-amazon-apigateway-authtype") == "awsSigv4"}
    methods = {(m, p): op for p, ops in body["paths"].items() for m, op in ops.items()}
    unprotected = [f"{m.upper()} {p}" for (m, p), op in methods.items()
                   if m.startswith("x-amazon-apigateway-any") or not op.get("security")
                   or any(set(s) - sigv4 for s in op["security"]) or not all(s for s in op["security"])]
    report("Security: template", what="IAM auth, least privilege, PutEvents source condition, encryption at rest, "
           "PITR, cfn-lint (each a test on the translated template.yaml)", cases=len(methods),
           notes=f"{len(methods)} API methods, all SigV4 (AWS_IAM)")
    assert set(methods) == routes and sigv4 == {"AWS_IAM"}
    assert unprotected == []
    assert "x-amazon-apigateway-any-method" not in json.dumps(body)
    for perm in of_type(resources, "AWS::Lambda::Permission").values():
        props = perm["Properties"]
        assert props["Principal"] == "apigateway.amazonaws.com"
        source = json.dumps(props["SourceArn"])
        assert "execute-api" in source and '{"Ref": "PartnerApi"}' in source  # only this API may invoke


# --------------------------------------------------------------------------- least privilege

SERVICE_NOTE = {"esm": "event source mapping (Lambda polls for the function)", "destination": "failure destination",
                "logs": "own log group", "xray": "active tracing"}


def service_grants(resources, function: str) -> set[tuple[str, str]]:
    """What the Lambda service does with the function's role (not the function's code)."""
    out = {(a, "*") for a in XRAY}
    for esm in of_type(resources, "AWS::Lambda::EventSourceMapping").values():
        props = esm["Properties"]
        if props["FunctionName"].get("Ref") != function:
            continue
        source = getatt(props["EventSourceArn"])
        if resources[source[0]]["Type"] == "AWS::SQS::Queue":
            out |= {(a, f"{source[0]}.Arn") for a in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")}
        else:
            out |= {(a, ".".join(source)) for a in ("dynamodb:DescribeStream", "dynamodb:GetRecords",
                                                    "dynamodb:GetShardIterator")}
            out.add(("dynamodb:ListStreams", "${StateTable.Arn}/stream/*"))
        dest = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        if dest:
            out.add(("sqs:SendMessage", key(dest)))
    for cfg in of_type(resources, "AWS::Lambda::EventInvokeConfig").values():
        if cfg["Properties"]["FunctionName"].get("Ref") == function:
            out.add(("sqs:SendMessage", key(cfg["Properties"]["DestinationConfig"]["OnFailure"]["Destination"])))
    for lid, group in of_type(resources, "AWS::Logs::LogGroup").items():
        if f"${{{function}}}" in json.dumps(group["Properties"]["LogGroupName"]):
            out |= {("logs:CreateLogStream", f"{lid}.Arn"), ("logs:PutLogEvents", f"{lid}.Arn")}
    return out


class CallRecorder:
    """Every AWS call made while a function's handler runs, as (function, IAM action, resource)."""

    def __init__(self, system):
        self.local = threading.local()
        self.calls: Counter = Counter()
        self.sources: Counter = Counter()
        physical = system.stack.physical_ids
        self.by_name = {v: k for k, v in physical.items()}
        self.by_name.update({url: lid for lid, url in system.stack.queues.items()})

    def resource(self, service: str, op: str, params: dict) -> list[str]:
        if service == "dynamodb" and op == "TransactWriteItems":
            return [f"{self.by_name.get(i['Put']['TableName'], i['Put']['TableName'])}.Arn" for i in params["TransactItems"]]
        if service == "dynamodb":
            table = self.by_name.get(params.get("TableName"), params.get("TableName"))
            return [f"${{{table}.Arn}}/index/{params['IndexName']}" if params.get("IndexName") else f"{table}.Arn"]
        if service == "sqs":
            return [f"{self.by_name.get(params['QueueUrl'], params['QueueUrl'])}.Arn"]
        if service == "events":
            for e in params.get("Entries", []):
                self.sources[e["Source"]] += 1
            return sorted({f"{self.by_name.get(e.get('EventBusName', 'default'), e.get('EventBusName'))}.Arn"
                           for e in params.get("Entries", [])})
        return ["?"]

    def __enter__(self):
        recorder, original = self, botocore.client.BaseClient._make_api_call
        self.original = original

        def record(client, operation_name, api_params):
            function = getattr(recorder.local, "function", None)
            if function:
                service = client.meta.service_model.endpoint_prefix
                action = "dynamodb:PutItem" if operation_name == "TransactWriteItems" else f"{service}:{operation_name}"
                for res in recorder.resource(service, operation_name, api_params):
                    recorder.calls[(function, action, res)] += 1
            return original(client, operation_name, api_params)

        botocore.client.BaseClient._make_api_call = record
        return self

    def __exit__(self, *exc):
        botocore.client.BaseClient._make_api_call = self.original

    def running(self, function: str):
        recorder = self

        class Scope:
            def __enter__(self):
                recorder.local.function = function

            def __exit__(self, *exc):
                recorder.local.function = None

        return Scope()


def exercise_every_function(system, recorder, monkeypatch) -> None:
    """A scenario through every code path that touches AWS: facts, a location link (transaction),
    bad input on every queue (DLQ + InputRejected), attainment, an election, the scheduled run
    (idempotency record written, then a failed run that deletes it, then a repeat), the API."""
    pump = system.pump
    for d in [*pump.deliveries.values(), pump.stream, pump.scheduled]:
        original = d.handler

        def wrapped(event, context, _original=original, _name=d.function, **kw):
            with recorder.running(_name):
                return _original(event, context, **kw)

        monkeypatch.setattr(d, "handler", wrapped)
    pid = "least-privilege-1"
    src = {"CertificationEarned": "partner.skilling", "MetricsReported": "partner.scorefeed"}
    system.send(*[{"source": src[t], "detail-type": t, "detail": {**d, "partnerId": pid}, "time": "2023-01-10T09:00:00Z"}
                  for t, d in qualifying_facts("SECURITY", "2023-01-10", people="lp")])
    system.send({"source": "partner.membership", "detail-type": "LocationLinked", "time": "2023-01-11T09:00:00Z",
                 "detail": {"eventId": "lp-loc", "partnerId": pid, "locationId": f"{pid}-de"}},
                {"source": "partner.membership", "detail-type": "BenefitsElected", "time": "2023-01-12T09:00:00Z",
                 "detail": {"eventId": "lp-be", "partnerId": pid, "anniversaryDate": "2023-01-10",
                            "option": "SOLUTIONS_PARTNER", "fee": {"amount": 4730, "currency": "USD"}}})
    from shared.adapters import aws

    for queue in ("ScoreIngestionQueue", "AttainmentQueue", "RenewalQueue"):
        aws.client("sqs").send_message(QueueUrl=system.stack.queues[queue], MessageBody="not json")
    system.pump.drain()
    for queue in ("ScoreIngestionQueue", "AttainmentQueue", "RenewalQueue"):
        take_dlq(system, queue)
    from functions.anniversary_renewal import app as renewal

    fail = {"on": True}
    real_run_day = renewal.run_day

    def failing_run_day(day, deps):
        if fail["on"]:
            raise RuntimeError("run failed: the idempotency record is deleted so that a retry can run")
        return real_run_day(day, deps)

    monkeypatch.setattr(renewal, "run_day", failing_run_day)
    event = {"source": "aws.scheduler", "detail-type": "Scheduled Event", "id": f"lp-tick-{uuid.uuid4()}",
             "time": "2024-01-10T00:05:00Z", "detail": {}}
    with pytest.raises(RuntimeError):
        pump._invoke(pump.scheduled, event)
    fail["on"] = False
    pump._invoke(pump.scheduled, event)
    pump._invoke(pump.scheduled, event)  # the scheduler delivered it twice: answered from the record
    system.pump.drain()
    monkeypatch.setattr(api, "injected_deps", Deps.from_env(system.stack.functions["PartnerApiFunction"]["environment"]))
    sample = json.loads((EVENTS / "api" / "publish-check.json").read_text())
    sample["body"] = json.dumps({"locationId": f"{pid}-de", "offerType": "MANAGED_SERVICES", "on": "2023-06-01"})
    with recorder.running("PartnerApiFunction"):
        out = api.handler(sample, LambdaContext())
    assert out["statusCode"] == 200, out


# Grants the scenario cannot show in use, each with why the function needs it.
NEEDED_UNSEEN = {
    ("AnniversaryRenewalFunction", "dynamodb:GetItem", "IdempotencyTable.Arn"):
        "Powertools idempotency reads the record when a conditional put does not return it",
}


DYNAMODB_WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:TransactWriteItems",
                   "dynamodb:BatchWriteItem"}


def key_grants_via_dynamodb(used: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The tables are encrypted with the customer managed DataKey: DynamoDB uses it on the caller's
    behalf (kms:ViaService), so a reader needs Decrypt and DescribeKey and a writer Encrypt and
    GenerateDataKey too (a stream reader decrypts the records). moto does not call KMS, so these
    follow from the DynamoDB calls recorded and the stream the Lambda service reads for the function."""
    actions = {a for a, _ in used if a.startswith("dynamodb:")}
    if not actions:
        return set()
    needed = {"kms:Decrypt", "kms:DescribeKey"} | ({"kms:Encrypt", "kms:GenerateDataKey"} if actions & DYNAMODB_WRITES else set())
    return {(a, "DataKey.Arn") for a in needed}


def test_each_function_holds_exactly_the_permissions_it_uses(system, resources, report, monkeypatch):
    functions = list(of_type(resources, "AWS::Lambda::Function"))
    with CallRecorder(system) as recorder:
        exercise_every_function(system, recorder, monkeypatch)
    problems, total = [], 0
    for fn in functions:
        granted = grants(resources, fn)
        used = {(a, r) for (f, a, r) in recorder.calls if f == fn}
        needed = (used | service_grants(resources, fn) | key_grants_via_dynamodb(used | service_grants(resources, fn))
                  | {(a, r) for (f, a, r) in NEEDED_UNSEEN if f == fn})
        total += len(granted)
        if used - granted:
            problems.append(f"{fn} uses without a grant: {sorted(used - granted)}")
        if granted - needed:
            problems.append(f"{fn} is granted but never uses: {sorted(granted - needed)}")
        for action, res in granted:
            if "*" in action:
                problems.append(f"{fn}: wildcard action {action}")
            if res == "*" and action not in XRAY:
                problems.append(f"{fn}: {action} on every resource")
    report("Security: template", cases=total, notes=f"{total} (action, resource) grants of {len(functions)} "
           f"roles checked against {sum(recorder.calls.values())} recorded AWS calls of the functions")
    assert problems == [], problems


def test_no_grant_beyond_what_the_code_can_use(resources):
    """Regression of finding F19 least privilege: template.yaml AnniversaryRenewalFunctionRole, statement
    PartnerStateAndDueIndex, lists [GetItem, PutItem, Query] on [StateTable, StateTable/index/DueIndex],
    which grants GetItem/PutItem on the index (impossible operations) and Query on the base table (never
    done: the run queries DueIndex only). Split it: GetItem+PutItem on the table, Query on the index
    (tests/infra/test_template.py GRANTS too) (fixed in 18313a2.)"""
    granted = {(fn, a, r) for fn in of_type(resources, "AWS::Lambda::Function") for a, r in grants(resources, fn)}
    overgrants = {("AnniversaryRenewalFunction", "dynamodb:GetItem", "${StateTable.Arn}/index/DueIndex"),
                  ("AnniversaryRenewalFunction", "dynamodb:PutItem", "${StateTable.Arn}/index/DueIndex"),
                  ("AnniversaryRenewalFunction", "dynamodb:Query", "StateTable.Arn")}
    assert granted & overgrants == set()


def test_put_events_only_with_the_own_source(system, resources, report, monkeypatch):
    with CallRecorder(system) as recorder:
        exercise_every_function(system, recorder, monkeypatch)
    statements = [(fn, st) for fn in of_type(resources, "AWS::Lambda::Function") for st in role_statements(resources, fn)
                  if "events:PutEvents" in as_list(st["Action"])]
    for fn, st in statements:
        assert st.get("Condition") == {"StringEquals": {"events:source": "partner.designations"}}, (fn, st)
    assert set(recorder.sources) == {"partner.designations"}, recorder.sources
    report("Security: template", cases=len(statements),
           notes=f"{len(statements)} PutEvents statements conditioned on events:source; "
                 f"{sum(recorder.sources.values())} events put by the functions, all with that source")


def test_encryption_at_rest_and_point_in_time_recovery(resources, report):
    tables = of_type(resources, "AWS::DynamoDB::Table")
    queues = of_type(resources, "AWS::SQS::Queue")
    for lid, t in tables.items():
        assert t["Properties"]["SSESpecification"]["SSEEnabled"] is True, lid
        assert t["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, lid
    for lid, q in queues.items():
        props = q["Properties"]
        assert props.get("SqsManagedSseEnabled") is True or props.get("KmsMasterKeyId"), lid
    report("Security: template", cases=len(tables) + len(queues),
           notes=f"{len(tables)} tables with SSE and PITR, {len(queues)} queues with SSE")


def test_cfn_lint_reports_nothing(report):
    from cfnlint.api import lint_file

    matches = [str(m) for m in lint_file(Path(DEFAULT_TEMPLATE))]
    report("Security: template", cases=1, notes=f"cfn-lint: {len(matches)} findings")
    assert matches == []


# --------------------------------------------------------------------------- logs

PEOPLE = ["p-48213", "person.secret-771", "jane.doe@contoso.example"]


@pytest.fixture
def captured_logs(capsys):
    """The JSON log lines of every Powertools logger of the service (at DEBUG, more than production's
    INFO) and what the handlers print (EMF metrics)."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(runtime.logger.registered_formatter)
    underlying = runtime.logger._logger
    level = underlying.level
    underlying.addHandler(handler)
    underlying.setLevel(logging.DEBUG)
    try:
        yield lambda: buffer.getvalue() + capsys.readouterr().out
    finally:
        underlying.removeHandler(handler)
        underlying.setLevel(level)


def certification_events(person_ids, bad: bool = False) -> list[dict]:
    out = []
    for i, person in enumerate(person_ids):
        detail = {"eventId": f"cert-{i}", "partnerId": "logs-1", "personId": person,
                  "certification": "Azure Administrator Associate", "on": "2023-02-01"}
        if bad:
            detail["on"] = "2023-02-30"
        out.append(envelope("partner.skilling", "CertificationEarned", detail))
    return out


def test_no_person_id_in_the_logs(system, captured_logs, report):
    deps = system.pump.deliveries["ScoreIngestionQueue"].deps
    batch = certification_events(PEOPLE) + certification_events(["bad-" + p for p in PEOPLE], bad=True)
    batch.append(envelope("partner.skilling", "CertificationRemoved", {
        "eventId": "cert-x", "partnerId": "logs-1", "personId": "p" * 129, "certification": "x", "on": "2023-02-01"}))
    result = ingestion.handler(sqs_event(*batch), LambdaContext(), deps=deps)
    take_dlq(system, "ScoreIngestionQueue")
    logs = captured_logs()
    leaked = [p for p in [*PEOPLE, *("bad-" + p for p in PEOPLE), "p" * 129] if p in logs]
    report("Security: no person id in logs", what="certification records (valid, invalid, oversized person id) "
           "through the ingestion handler with every log line captured at DEBUG (production logs at INFO), EMF "
           "metric lines included; no person id may appear", cases=len(batch),
           notes=f"{len(logs.splitlines())} log lines, no person id")
    assert result == {"batchItemFailures": []}
    assert "input rejected" in logs  # the log is really captured
    assert leaked == []


def test_an_event_id_made_from_the_person_id_does_not_reach_the_logs(system, captured_logs):
    """Regression of finding F17 logs: the handlers put the producer's eventId in clear on every later log
    line (logger.append_keys), and the sample skilling feed (events/inbound/CertificationEarned.json)
    builds eventIds from the person id ('sk-contoso-1001-p-48213-...'): a valid certification followed
    by a bad record in the same batch writes p-48213 to the logs (through F18). Log eventIds of skilling
    events hashed (runtime.hashed), or make the contract forbid personal data in eventId (fixed in
    18313a2.)"""
    sample = json.loads((EVENTS / "inbound" / "CertificationEarned.json").read_text())
    deps = system.pump.deliveries["ScoreIngestionQueue"].deps
    ingestion.handler(sqs_event(sample, "not json"), LambdaContext(), deps=deps)  # a valid one, then a bad one
    take_dlq(system, "ScoreIngestionQueue")
    assert sample["detail"]["personId"] not in captured_logs()


def test_the_log_of_a_rejected_record_names_that_record(system, captured_logs):
    """Regression of finding F18 logs: keys appended for one record (eventId, partner, detailType in
    shared/runtime.py via logger.append_keys in each handle()) stay on the logger for the rest of the
    batch, so the 'input rejected' warning of a record that failed to parse carries the eventId and
    partner of the previous record: the log names the wrong message. Clear them per record (e.g.
    logger.remove_keys in sqs_batch's record_handler) (fixed in 18313a2.)"""
    deps = system.pump.deliveries["ScoreIngestionQueue"].deps
    good = certification_events(["someone"])[0]
    ingestion.handler(sqs_event(good, "not json"), LambdaContext(), deps=deps)
    take_dlq(system, "ScoreIngestionQueue")
    [line] = [json.loads(x) for x in captured_logs().splitlines() if '"input rejected"' in x]
    assert line.get("eventId") != "cert-0"
