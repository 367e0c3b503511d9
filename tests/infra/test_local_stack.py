"""The local stack built from template.yaml on moto (in-process mock_aws, no network)."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from devstack.template import LocalStack, deploy_local

from .aws_env import fake_aws_env

WORK_QUEUES = ("ScoreIngestionQueue", "AttainmentQueue", "RenewalQueue")
# (source, detail-type) -> the one queue it must land in (None: no rule takes it).
ROUTES = {
    ("partner.scorefeed", "MetricsReported"): "ScoreIngestionQueue",
    ("partner.skilling", "CertificationEarned"): "ScoreIngestionQueue",
    ("partner.skilling", "CertificationRemoved"): "ScoreIngestionQueue",
    ("partner.training", "TrainingMetricsReported"): "ScoreIngestionQueue",
    ("partner.marketplace", "OfferRecorded"): "ScoreIngestionQueue",
    ("partner.membership", "LegacyCompetencyRecorded"): "ScoreIngestionQueue",
    ("partner.membership", "SpecializationRecorded"): "ScoreIngestionQueue",
    ("partner.membership", "AzureExpertMspRecorded"): "ScoreIngestionQueue",
    ("partner.membership", "LocationLinked"): "ScoreIngestionQueue",
    ("partner.membership", "BenefitsElected"): "RenewalQueue",
    ("partner.designations", "ScoreEvaluated"): "AttainmentQueue",
    # Not routed anywhere:
    # The feeds' sources are routed whole: an unknown type is rejected by the handler (DLQ + InputRejected).
    ("partner.scorefeed", "SomethingNew"): "ScoreIngestionQueue",
    ("partner.other", "MetricsReported"): None,  # right type, unknown source
    ("partner.scorefeed", "BenefitsElected"): "ScoreIngestionQueue",  # type of another source
    ("partner.membership", "SomethingElse"): None,
    ("partner.designations", "DesignationAttained"): None,  # our own outbound events
    ("partner.designations", "InputRejected"): None,
}


@pytest.fixture(scope="module")
def aws():
    with pytest.MonkeyPatch.context() as mp:
        fake_aws_env(mp)
        with mock_aws():
            yield boto3.Session(region_name="us-east-1")


@pytest.fixture(scope="module")
def stack(aws) -> LocalStack:
    return deploy_local(aws)


def put(aws, stack, source, detail_type, detail=None):
    response = aws.client("events").put_events(
        Entries=[
            {
                "EventBusName": stack.bus_name,
                "Source": source,
                "DetailType": detail_type,
                "Detail": json.dumps(detail or {"eventId": f"{source}-{detail_type}", "partnerId": "p-1"}),
            }
        ]
    )
    assert response["FailedEntryCount"] == 0


def drain(aws, url):
    sqs = aws.client("sqs")
    bodies = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return bodies
        for m in messages:
            bodies.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def drain_all(aws, stack):
    return {lid: drain(aws, url) for lid, url in stack.queues.items()}


def test_stack_holds_the_templates_resources(aws, stack):
    assert stack.bus_name == "partner-program"
    assert set(stack.queues) == {
        *WORK_QUEUES,
        "ScoreIngestionDLQ",
        "AttainmentDLQ",
        "RenewalDLQ",
        "EventRuleDLQ",
        "SchedulerDLQ",
        "OutboxDLQ",
    }
    assert stack.dlq_of == {
        "ScoreIngestionQueue": "ScoreIngestionDLQ",
        "AttainmentQueue": "AttainmentDLQ",
        "RenewalQueue": "RenewalDLQ",
    }
    cf = aws.client("cloudformation")
    assert cf.describe_stacks(StackName=stack.stack_name)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    rules = aws.client("events").list_rules(EventBusName=stack.bus_name)["Rules"]
    assert len(rules) == 3


def test_queues_have_redrive_and_visibility_from_the_template(aws, stack):
    sqs = aws.client("sqs")
    for queue in WORK_QUEUES:
        attrs = sqs.get_queue_attributes(QueueUrl=stack.queues[queue], AttributeNames=["All"])["Attributes"]
        assert attrs["VisibilityTimeout"] == "180"
        redrive = json.loads(attrs["RedrivePolicy"])
        assert int(redrive["maxReceiveCount"]) == 3
        dlq_arn = sqs.get_queue_attributes(QueueUrl=stack.dlq_url(queue), AttributeNames=["QueueArn"])
        assert redrive["deadLetterTargetArn"] == dlq_arn["Attributes"]["QueueArn"]


def test_tables_and_stream(aws, stack):
    ddb = aws.client("dynamodb")
    table = ddb.describe_table(TableName=stack.state_table)["Table"]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["DueIndex"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert stack.state_stream_arn == table["LatestStreamArn"]
    idem = ddb.describe_table(TableName=stack.idempotency_table)["Table"]
    assert [k["AttributeName"] for k in idem["KeySchema"]] == ["id"]


def test_metrics_reported_lands_once_in_score_ingestion_only(aws, stack):
    drain_all(aws, stack)
    detail = {"eventId": "sf-1", "partnerId": "contoso-1001", "solutionArea": "DATA_AI"}
    put(aws, stack, "partner.scorefeed", "MetricsReported", detail)
    got = drain_all(aws, stack)
    assert len(got.pop("ScoreIngestionQueue")) == 1 or pytest.fail(got)
    assert all(not bodies for bodies in got.values()), got


def test_delivered_body_is_the_full_eventbridge_envelope(aws, stack):
    drain_all(aws, stack)
    detail = {"eventId": "sf-2", "partnerId": "contoso-1001"}
    put(aws, stack, "partner.scorefeed", "MetricsReported", detail)
    (body,) = drain(aws, stack.queues["ScoreIngestionQueue"])
    assert body["source"] == "partner.scorefeed"
    assert body["detail-type"] == "MetricsReported"
    assert body["detail"] == detail
    # The InputTransformer "<aws.events.event.json>" keeps `account` (moto's default drops it).
    assert body["account"] == "123456789012"
    assert {"id", "time", "region", "version"} <= set(body)


def test_score_evaluated_lands_in_attainment_queue(aws, stack):
    drain_all(aws, stack)
    put(aws, stack, "partner.designations", "ScoreEvaluated")
    got = drain_all(aws, stack)
    assert [b["detail-type"] for b in got.pop("AttainmentQueue")] == ["ScoreEvaluated"]
    assert all(not bodies for bodies in got.values()), got


def test_benefits_elected_lands_in_renewal_queue_only(aws, stack):
    drain_all(aws, stack)
    put(aws, stack, "partner.membership", "BenefitsElected")
    got = drain_all(aws, stack)
    assert [b["detail-type"] for b in got.pop("RenewalQueue")] == ["BenefitsElected"]
    assert all(not bodies for bodies in got.values()), got


@pytest.mark.parametrize(("source", "detail_type"), sorted(ROUTES))
def test_event_routing(aws, stack, source, detail_type):
    drain_all(aws, stack)
    put(aws, stack, source, detail_type)
    got = {lid: len(bodies) for lid, bodies in drain_all(aws, stack).items() if bodies}
    expected = ROUTES[(source, detail_type)]
    assert got == ({expected: 1} if expected else {})


def test_events_on_the_default_bus_go_nowhere(aws, stack):
    drain_all(aws, stack)
    aws.client("events").put_events(
        Entries=[{"Source": "partner.scorefeed", "DetailType": "MetricsReported", "Detail": "{}"}]
    )
    assert not any(drain_all(aws, stack).values())


def test_functions_come_from_the_template(stack):
    f = stack.functions
    assert {lid: spec["handler"] for lid, spec in f.items()} == {
        "ScoreIngestionFunction": "functions/score_ingestion/app.handler",
        "DesignationAttainmentFunction": "functions/designation_attainment/app.handler",
        "AnniversaryRenewalFunction": "functions/anniversary_renewal/app.handler",
        "PartnerApiFunction": "functions/partner_api/app.handler",
        "OutboxPublisherFunction": "functions/outbox_publisher/app.handler",
    }
    assert {lid: spec["queue"] for lid, spec in f.items()} == {
        "ScoreIngestionFunction": "ScoreIngestionQueue",
        "DesignationAttainmentFunction": "AttainmentQueue",
        "AnniversaryRenewalFunction": "RenewalQueue",
        "PartnerApiFunction": None,
        "OutboxPublisherFunction": None,
    }
    assert [lid for lid, spec in f.items() if spec["stream"]] == ["OutboxPublisherFunction"]
    assert f["OutboxPublisherFunction"]["batch_size"] == 100
    assert f["OutboxPublisherFunction"]["on_failure"] == "OutboxDLQ"
    assert f["OutboxPublisherFunction"]["stream_filters"] == [
        {"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "PARTNER#"}]}}}}
    ]
    for lid in ("ScoreIngestionFunction", "DesignationAttainmentFunction", "AnniversaryRenewalFunction"):
        assert f[lid]["batch_size"] == 10
        assert f[lid]["report_batch_item_failures"] is True
    renewal = f["AnniversaryRenewalFunction"]
    assert renewal["schedule"] == "cron(5 0 * * ? *)"
    assert renewal["schedule_timezone"] == "UTC"
    assert renewal["schedule_input"]["source"] == "aws.scheduler"
    assert renewal["schedule_dlq"] == "SchedulerDLQ"
    assert renewal["async_on_failure"] == "SchedulerDLQ"
    assert [lid for lid, spec in f.items() if spec["schedule"]] == ["AnniversaryRenewalFunction"]
    assert f["PartnerApiFunction"]["timeout"] == 10
    assert len(f["PartnerApiFunction"]["api_routes"]) == 8


def test_function_environment_is_resolved_to_physical_names(stack):
    for lid, spec in stack.functions.items():
        env = spec["environment"]
        assert env["STATE_TABLE"] == stack.state_table
        assert env["IDEMPOTENCY_TABLE"] == stack.idempotency_table
        assert env["EVENT_BUS_NAME"] == stack.bus_name
        assert env["DUE_SHARDS"] == "64"  # template default
        assert env["POWERTOOLS_SERVICE_NAME"]
        if spec["queue"]:
            assert env["DLQ_URL"] == stack.dlq_url(spec["queue"]), lid
    assert stack.functions["OutboxPublisherFunction"]["environment"]["DLQ_URL"] == stack.queues["OutboxDLQ"]
    assert "DLQ_URL" not in stack.functions["PartnerApiFunction"]["environment"]


def test_api_routes(stack):
    assert stack.api_routes == [
        ("POST", "/publish-checks"),
        ("GET", "/partners/{partnerId}"),
        ("GET", "/partners/{partnerId}/scores"),
        ("GET", "/partners/{partnerId}/eligibility"),
        ("GET", "/partners/{partnerId}/history"),
        ("POST", "/partners/{partnerId}/what-if"),
        ("GET", "/openapi.json"),
        ("GET", "/dashboard/{partnerId}"),
    ]


def test_dropped_lists_what_moto_cannot_host(stack):
    text = "\n".join(stack.dropped)
    for word in (
        "AWS::Lambda::Function",
        "AWS::Lambda::EventSourceMapping",
        "AWS::Scheduler::Schedule",
        "AWS::ApiGateway::RestApi",
        "AWS::Logs::LogGroup",
        "AWS::CloudWatch::Alarm",
    ):
        assert word in text


def test_deploy_is_idempotent(aws, stack):
    again = deploy_local(aws)
    assert again.queues == stack.queues
    assert again.state_table == stack.state_table


def test_parameters_and_a_client_factory(aws):
    clients = {}

    def factory(service):
        return clients.setdefault(service, aws.client(service))

    other = deploy_local(
        factory, stack_name="partner-engine-params", parameters={"BusName": "pp-other", "DueShards": 4}
    )
    assert other.bus_name == "pp-other"
    assert all(spec["environment"]["DUE_SHARDS"] == "4" for spec in other.functions.values())
    assert all(spec["environment"]["EVENT_BUS_NAME"] == "pp-other" for spec in other.functions.values())
    with pytest.raises(ValueError, match="unknown template parameters"):
        deploy_local(factory, stack_name="x", parameters={"NoSuch": 1})


SERVER_CHECK = r"""
import json, logging, sys
import boto3
from moto.server import ThreadedMotoServer
from devstack.template import deploy_local

logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
try:
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    session = boto3.Session(region_name="us-east-1")
    stack = deploy_local(lambda service: session.client(service, endpoint_url=endpoint))
    session.client("events", endpoint_url=endpoint).put_events(Entries=[{
        "EventBusName": stack.bus_name, "Source": "partner.membership",
        "DetailType": "BenefitsElected", "Detail": json.dumps({"eventId": "e", "partnerId": "p"}),
    }])
    sqs = session.client("sqs", endpoint_url=endpoint)
    counts = {lid: len(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []))
              for lid, url in stack.queues.items()}
    print(json.dumps({"counts": counts, "queue": stack.queues["RenewalQueue"],
                      "stream": stack.state_stream_arn,
                      "dlq_env": stack.functions["AnniversaryRenewalFunction"]["environment"]["DLQ_URL"],
                      "endpoint": endpoint}))
finally:
    server.stop()
"""


def test_deploy_against_a_moto_server(tmp_path):
    """Same code against a moto server (own process: never mix a server with mock_aws)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-c", SERVER_CHECK],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {lid: n for lid, n in result["counts"].items() if n} == {"RenewalQueue": 1}
    assert result["queue"].startswith(result["endpoint"])
    assert result["dlq_env"].startswith(result["endpoint"])
    assert result["stream"].startswith("arn:aws:dynamodb:us-east-1:")
