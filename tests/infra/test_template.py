"""Assertions on template.yaml and its offline SAM translation (no AWS, no network)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from devstack.template import local_resources

HANDLERS = {
    "ScoreIngestionFunction": "functions/score_ingestion/app.handler",
    "DesignationAttainmentFunction": "functions/designation_attainment/app.handler",
    "AnniversaryRenewalFunction": "functions/anniversary_renewal/app.handler",
    "PartnerApiFunction": "functions/partner_api/app.handler",
    "OutboxPublisherFunction": "functions/outbox_publisher/app.handler",
}
ENV_VARS = {
    "STATE_TABLE",
    "IDEMPOTENCY_TABLE",
    "EVENT_BUS_NAME",
    "DUE_SHARDS",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
}
OWN_DLQ = {
    "ScoreIngestionFunction": "ScoreIngestionDLQ",
    "DesignationAttainmentFunction": "AttainmentDLQ",
    "AnniversaryRenewalFunction": "RenewalDLQ",
    "OutboxPublisherFunction": "OutboxDLQ",
}
API_ROUTES = {
    ("post", "/publish-checks"),
    ("get", "/partners/{partnerId}"),
    ("get", "/partners/{partnerId}/scores"),
    ("get", "/partners/{partnerId}/eligibility"),
    ("get", "/partners/{partnerId}/history"),
    ("post", "/partners/{partnerId}/what-if"),
    ("get", "/openapi.json"),
    ("get", "/dashboard/{partnerId}"),
}
XRAY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
LOGS = {"logs:CreateLogStream", "logs:PutLogEvents"}
# The tables' customer managed key, as DynamoDB uses it for a role that writes / only reads.
KEY_RW = {(a, "DataKey.Arn") for a in ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey")}
KEY_RO = {(a, "DataKey.Arn") for a in ("kms:Decrypt", "kms:DescribeKey")}
# Every (action, resource) each function's role grants; resources as "Logical" / "Logical.Attr" /
# a Sub string. This is the least-privilege contract: a change here is a reviewed decision.
GRANTS = {
    "ScoreIngestionFunction": {
        ("sqs:ReceiveMessage", "ScoreIngestionQueue.Arn"),
        ("sqs:DeleteMessage", "ScoreIngestionQueue.Arn"),
        ("sqs:GetQueueAttributes", "ScoreIngestionQueue.Arn"),
        ("sqs:SendMessage", "ScoreIngestionDLQ.Arn"),
        ("dynamodb:GetItem", "StateTable.Arn"),
        ("dynamodb:PutItem", "StateTable.Arn"),
        ("events:PutEvents", "PartnerProgramBus.Arn"),
        *KEY_RW,
    },
    "DesignationAttainmentFunction": {
        ("sqs:ReceiveMessage", "AttainmentQueue.Arn"),
        ("sqs:DeleteMessage", "AttainmentQueue.Arn"),
        ("sqs:GetQueueAttributes", "AttainmentQueue.Arn"),
        ("sqs:SendMessage", "AttainmentDLQ.Arn"),
        ("dynamodb:GetItem", "StateTable.Arn"),
        ("dynamodb:PutItem", "StateTable.Arn"),
        ("events:PutEvents", "PartnerProgramBus.Arn"),
        *KEY_RW,
    },
    "AnniversaryRenewalFunction": {
        ("sqs:ReceiveMessage", "RenewalQueue.Arn"),
        ("sqs:DeleteMessage", "RenewalQueue.Arn"),
        ("sqs:GetQueueAttributes", "RenewalQueue.Arn"),
        ("sqs:SendMessage", "RenewalDLQ.Arn"),
        ("sqs:SendMessage", "SchedulerDLQ.Arn"),
        ("dynamodb:GetItem", "StateTable.Arn"),
        ("dynamodb:PutItem", "StateTable.Arn"),
        ("dynamodb:Query", "${StateTable.Arn}/index/DueIndex"),
        *{
            (a, "IdempotencyTable.Arn")
            for a in ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
        },
        ("events:PutEvents", "PartnerProgramBus.Arn"),
        *KEY_RW,
    },
    "PartnerApiFunction": {
        ("dynamodb:GetItem", "StateTable.Arn"),
        *KEY_RO,
    },
    "OutboxPublisherFunction": {
        ("dynamodb:DescribeStream", "StateTable.StreamArn"),
        ("dynamodb:GetRecords", "StateTable.StreamArn"),
        ("dynamodb:GetShardIterator", "StateTable.StreamArn"),
        ("dynamodb:ListStreams", "${StateTable.Arn}/stream/*"),
        ("sqs:SendMessage", "OutboxDLQ.Arn"),
        ("events:PutEvents", "PartnerProgramBus.Arn"),
        *KEY_RO,
    },
}


# --------------------------------------------------------------------------- helpers


def of_type(resources, rtype):
    return {lid: r for lid, r in resources.items() if r["Type"] == rtype}


def getatt(value):
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        arg = value["Fn::GetAtt"]
        return tuple(arg) if isinstance(arg, list) else tuple(arg.split(".", 1))
    return None


def ref(value):
    return value.get("Ref") if isinstance(value, dict) else None


def as_list(value):
    return value if isinstance(value, list) else [value]


def resource_key(value):
    """'Logical.Attr' for GetAtt, 'Logical' for Ref, the text of a Sub, else the value."""
    if (att := getatt(value)) is not None:
        return ".".join(att)
    if (name := ref(value)) is not None:
        return name
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    return value


def policy_documents(resources):
    """(owner logical id, kind, document) of every IAM / resource policy in the template."""
    for lid, res in resources.items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::IAM::Role":
            yield lid, "trust", props["AssumeRolePolicyDocument"]
            for pol in props.get("Policies", []):
                yield lid, "inline", pol["PolicyDocument"]
        elif res["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::SQS::QueuePolicy"):
            yield lid, "policy", props["PolicyDocument"]


def statements(resources):
    for lid, kind, doc in policy_documents(resources):
        for st in as_list(doc["Statement"]):
            yield lid, kind, st


def role_of(resources, function):
    return getatt(resources[function]["Properties"]["Role"])[0]


def grants_of(resources, function):
    """(action, resource key) granted to the function through its role, its inline policies and
    every AWS::IAM::Policy attached to the role."""
    role = role_of(resources, function)
    docs = [p["PolicyDocument"] for p in resources[role]["Properties"].get("Policies", [])]
    docs += [
        r["Properties"]["PolicyDocument"]
        for r in of_type(resources, "AWS::IAM::Policy").values()
        if any(ref(x) == role for x in r["Properties"].get("Roles", []))
    ]
    out = set()
    for doc in docs:
        for st in as_list(doc["Statement"]):
            assert st["Effect"] == "Allow"
            for action in as_list(st["Action"]):
                for res in as_list(st["Resource"]):
                    out.add((action, resource_key(res)))
    return out


def sqs_sources(resources):
    """queue logical id -> function logical id of every SQS event source mapping."""
    out = {}
    for esm in of_type(resources, "AWS::Lambda::EventSourceMapping").values():
        att = getatt(esm["Properties"]["EventSourceArn"])
        if att and resources[att[0]]["Type"] == "AWS::SQS::Queue":
            out[att[0]] = ref(esm["Properties"]["FunctionName"])
    return out


def dead_letter_queues(resources):
    """Every queue that some path dead-letters into, with where that path is."""
    dlqs: dict[str, set[str]] = {}

    def add(value, why):
        att = getatt(value)
        assert att and resources[att[0]]["Type"] == "AWS::SQS::Queue", (why, value)
        dlqs.setdefault(att[0], set()).add(why)

    for lid, q in of_type(resources, "AWS::SQS::Queue").items():
        if "RedrivePolicy" in q["Properties"]:
            add(q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"], f"redrive of {lid}")
    for lid, rule in of_type(resources, "AWS::Events::Rule").items():
        for t in rule["Properties"].get("Targets", []):
            add(t["DeadLetterConfig"]["Arn"], f"rule {lid}")
    for lid, s in of_type(resources, "AWS::Scheduler::Schedule").items():
        add(s["Properties"]["Target"]["DeadLetterConfig"]["Arn"], f"schedule {lid}")
    for lid, esm in of_type(resources, "AWS::Lambda::EventSourceMapping").items():
        if "DestinationConfig" in esm["Properties"]:
            add(esm["Properties"]["DestinationConfig"]["OnFailure"]["Destination"], f"mapping {lid}")
    for lid, cfg in of_type(resources, "AWS::Lambda::EventInvokeConfig").items():
        add(cfg["Properties"]["DestinationConfig"]["OnFailure"]["Destination"], f"async {lid}")
    return dlqs


# --------------------------------------------------------------------------- lint + translate


def test_cfn_lint_reports_nothing(template_path):
    from cfnlint.api import lint_file

    matches = lint_file(Path(template_path))
    assert [str(m) for m in matches] == []


def test_cfn_lint_is_live():
    """Guards the test above: the linter really runs and reports a broken template."""
    from cfnlint.api import lint_all

    bad = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimout: 30\n"
    assert any(m.rule.id == "E3002" for m in lint_all(bad))


def test_template_translates_offline_to_plain_cloudformation(sam, resources):
    assert sam["Transform"] == "AWS::Serverless-2016-10-31"
    assert not [lid for lid, r in resources.items() if r["Type"].startswith("AWS::Serverless::")]
    functions = of_type(resources, "AWS::Lambda::Function")
    assert {lid: f["Properties"]["Handler"] for lid, f in functions.items()} == HANDLERS
    for f in functions.values():
        props = f["Properties"]
        assert props["Runtime"] == "python3.12"
        assert props["Architectures"] == ["arm64"]
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["MemorySize"] == 512
        assert props["Code"] == {"S3Bucket": "local-placeholder", "S3Key": "code.zip"}
    description = sam["Description"].lower()
    assert "arm64" in description and "cheaper" in description and "pure python" in description


def test_sam_template_code_is_the_staged_package(sam):
    assert sam["Globals"]["Function"]["CodeUri"] == "build/lambda/"
    for res in sam["Resources"].values():
        if res["Type"] == "AWS::Serverless::Function":
            assert "CodeUri" not in res["Properties"]  # one package, many handlers


def test_the_package_is_compiled_by_the_runtime_python_and_deployed_without_sam_build(sam):
    """/var/task is read-only: the .pyc must be in the package, compiled by the runtime's Python,
    for the runtime's platform; sam build would drop them (docs/decisions.md, "Bytecode")."""
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    runtime = sam["Globals"]["Function"]["Runtime"]  # python3.12
    version = runtime.removeprefix("python")
    arch = {"arm64": "aarch64", "x86_64": "x86_64"}[sam["Globals"]["Function"]["Architectures"][0]]
    assert re.search(rf"^LAMBDA_PYTHON \?= {re.escape(runtime)}$", makefile, re.M)
    assert re.search(rf"^LAMBDA_PLATFORM \?= manylinux2014_{arch}$", makefile, re.M)
    build = makefile.split("\nbuild:", 1)[1].split("\n\n", 1)[0]
    assert f"--python-version {version}" in build and "--platform $(LAMBDA_PLATFORM)" in build
    assert "$(LAMBDA_PYTHON) -m compileall" in build and "unchecked-hash" in build
    assert f"sys.version_info[:2] != ({version.replace('.', ', ')})" in build
    deploy = makefile.split("\ndeploy:", 1)[1].split("\n\n", 1)[0]
    recipe = [line for line in deploy.splitlines() if line.startswith("\t")]
    assert any("sam deploy" in line for line in recipe) and not any("sam build" in line for line in recipe)


def test_timeouts(resources):
    timeouts = {
        lid: f["Properties"]["Timeout"] for lid, f in of_type(resources, "AWS::Lambda::Function").items()
    }
    assert timeouts == {**dict.fromkeys(HANDLERS, 30), "PartnerApiFunction": 10}


def test_environment_of_every_function(resources):
    for lid, f in of_type(resources, "AWS::Lambda::Function").items():
        env = f["Properties"]["Environment"]["Variables"]
        assert set(env) >= ENV_VARS, lid
        assert ref(env["STATE_TABLE"]) == "StateTable"
        assert ref(env["IDEMPOTENCY_TABLE"]) == "IdempotencyTable"
        assert getatt(env["EVENT_BUS_NAME"]) == ("PartnerProgramBus", "Name")
        assert ref(env["DUE_SHARDS"]) == "DueShards"
        if lid in OWN_DLQ:
            assert ref(env["DLQ_URL"]) == OWN_DLQ[lid]
        else:
            assert "DLQ_URL" not in env


# --------------------------------------------------------------------------- queues, DLQs, alarms


def test_every_queue_receiving_events_has_a_redrive_policy(resources):
    queues = of_type(resources, "AWS::SQS::Queue")
    receiving = set(sqs_sources(resources))
    for rule in of_type(resources, "AWS::Events::Rule").values():
        receiving |= {getatt(t["Arn"])[0] for t in rule["Properties"]["Targets"]}
    assert receiving == {"ScoreIngestionQueue", "AttainmentQueue", "RenewalQueue"}
    for lid in receiving:
        redrive = queues[lid]["Properties"]["RedrivePolicy"]
        assert redrive["maxReceiveCount"] == 3
        dlq = getatt(redrive["deadLetterTargetArn"])
        assert dlq[1] == "Arn" and dlq[0] in queues and dlq[0] != lid


def test_every_dead_letter_queue_has_an_alarm(resources):
    dlqs = dead_letter_queues(resources)
    assert set(dlqs) == {
        "ScoreIngestionDLQ",
        "AttainmentDLQ",
        "RenewalDLQ",
        "EventRuleDLQ",
        "SchedulerDLQ",
        "OutboxDLQ",
    }
    alarmed = {}
    for lid, alarm in of_type(resources, "AWS::CloudWatch::Alarm").items():
        props = alarm["Properties"]
        assert props["Namespace"] == "AWS/SQS"
        assert props["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert props["ComparisonOperator"] == "GreaterThanThreshold"
        assert props["Threshold"] == 0
        (dim,) = props["Dimensions"]
        assert dim["Name"] == "QueueName"
        queue, attr = getatt(dim["Value"])
        assert attr == "QueueName"
        alarmed[queue] = lid
    assert set(dlqs) <= set(alarmed)
    for lid in dlqs:
        assert resources[lid]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_visibility_timeout_is_at_least_six_function_timeouts(resources):
    sources = sqs_sources(resources)
    assert set(sources) == {"ScoreIngestionQueue", "AttainmentQueue", "RenewalQueue"}
    for queue, function in sources.items():
        timeout = resources[function]["Properties"]["Timeout"]
        assert resources[queue]["Properties"]["VisibilityTimeout"] >= 6 * timeout


def test_every_queue_is_encrypted(resources):
    queues = of_type(resources, "AWS::SQS::Queue")
    assert len(queues) == 9
    for lid, q in queues.items():
        props = q["Properties"]
        assert props.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in props, lid


def test_event_source_mappings(resources):
    esms = of_type(resources, "AWS::Lambda::EventSourceMapping")
    by_function = {ref(e["Properties"]["FunctionName"]): e["Properties"] for e in esms.values()}
    assert set(by_function) == {
        "ScoreIngestionFunction",
        "DesignationAttainmentFunction",
        "AnniversaryRenewalFunction",
        "OutboxPublisherFunction",
    }
    for function, props in by_function.items():
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"], function
        assert props["MaximumBatchingWindowInSeconds"] == 1
    for function in ("ScoreIngestionFunction", "DesignationAttainmentFunction", "AnniversaryRenewalFunction"):
        assert by_function[function]["BatchSize"] == 10
    stream = by_function["OutboxPublisherFunction"]
    assert getatt(stream["EventSourceArn"]) == ("StateTable", "StreamArn")
    assert stream["StartingPosition"] == "TRIM_HORIZON"
    assert stream["BatchSize"] == 100
    assert stream["BisectBatchOnFunctionError"] is True
    assert stream["MaximumRetryAttempts"] == 10
    assert getatt(stream["DestinationConfig"]["OnFailure"]["Destination"]) == ("OutboxDLQ", "Arn")
    (flt,) = stream["FilterCriteria"]["Filters"]
    assert json.loads(flt["Pattern"]) == {"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "PARTNER#"}]}}}}


# --------------------------------------------------------------------------- bus, rules, schedule


def test_rules_route_the_contracts_events_to_sqs_with_dead_letters(resources):
    rules = of_type(resources, "AWS::Events::Rule")
    expected = {
        "ScoreIngestionRule": "ScoreIngestionQueue",
        "AttainmentRule": "AttainmentQueue",
        "RenewalRule": "RenewalQueue",
    }
    assert set(rules) == set(expected)
    for lid, rule in rules.items():
        props = rule["Properties"]
        assert getatt(props["EventBusName"]) == ("PartnerProgramBus", "Name")  # not !Ref (moto)
        (target,) = props["Targets"]
        assert getatt(target["Arn"]) == (expected[lid], "Arn")
        assert getatt(target["DeadLetterConfig"]["Arn"]) == ("EventRuleDLQ", "Arn")
        assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
        assert target["InputTransformer"]["InputTemplate"] == "<aws.events.event.json>"
    assert rules["AttainmentRule"]["Properties"]["EventPattern"] == {
        "source": ["partner.designations"],
        "detail-type": ["ScoreEvaluated"],
    }
    assert rules["RenewalRule"]["Properties"]["EventPattern"] == {
        "source": ["partner.membership"],
        "detail-type": ["BenefitsElected"],
    }


def test_queue_policies_let_only_their_rules_send(resources):
    allowed: dict[str, set[str]] = {}
    for pol in of_type(resources, "AWS::SQS::QueuePolicy").values():
        (queue,) = [ref(q) for q in pol["Properties"]["Queues"]]
        for st in as_list(pol["Properties"]["PolicyDocument"]["Statement"]):
            assert st["Principal"] == {"Service": "events.amazonaws.com"}
            assert st["Action"] == "sqs:SendMessage"
            assert getatt(st["Resource"]) == (queue, "Arn")
            sources = as_list(st["Condition"]["ArnEquals"]["aws:SourceArn"])
            allowed[queue] = {getatt(s)[0] for s in sources}
    assert allowed == {
        "ScoreIngestionQueue": {"ScoreIngestionRule"},
        "AttainmentQueue": {"AttainmentRule"},
        "RenewalQueue": {"RenewalRule"},
        "EventRuleDLQ": {"ScoreIngestionRule", "AttainmentRule", "RenewalRule"},
    }


def test_daily_schedule(resources):
    (schedule,) = of_type(resources, "AWS::Scheduler::Schedule").values()
    props = schedule["Properties"]
    assert props["ScheduleExpression"] == "cron(5 0 * * ? *)"
    assert props["ScheduleExpressionTimezone"] == "UTC"
    target = props["Target"]
    assert getatt(target["Arn"]) == ("AnniversaryRenewalFunction", "Arn")
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600}
    assert getatt(target["DeadLetterConfig"]["Arn"]) == ("SchedulerDLQ", "Arn")
    assert json.loads(target["Input"]) == {
        "source": "aws.scheduler",
        "detail-type": "Scheduled Event",
        "id": "<aws.scheduler.execution-id>",
        "time": "<aws.scheduler.scheduled-time>",
        "detail": {},
    }
    # The schedule's own role may invoke only that function and write only its DLQ.
    role = resources[getatt(target["RoleArn"])[0]]["Properties"]
    granted = {
        (a, resource_key(r))
        for p in role["Policies"]
        for st in as_list(p["PolicyDocument"]["Statement"])
        for a in as_list(st["Action"])
        for r in as_list(st["Resource"])
    }
    assert granted == {
        ("lambda:InvokeFunction", "AnniversaryRenewalFunction.Arn"),
        ("sqs:SendMessage", "SchedulerDLQ.Arn"),
    }
    # Asynchronous invocations that still fail after Lambda's retries are kept, not discarded.
    (invoke_cfg,) = of_type(resources, "AWS::Lambda::EventInvokeConfig").values()
    assert ref(invoke_cfg["Properties"]["FunctionName"]) == "AnniversaryRenewalFunction"
    assert getatt(invoke_cfg["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]) == (
        "SchedulerDLQ",
        "Arn",
    )


# --------------------------------------------------------------------------- IAM


def test_no_wildcard_actions_anywhere(resources):
    wildcard = re.compile(r"^\*$|^[a-z0-9-]+:\*$|\*")
    for lid, kind, st in statements(resources):
        for key in ("Action", "NotAction"):
            for action in as_list(st.get(key, [])):
                assert not wildcard.search(action), (lid, kind, action)
        assert "NotResource" not in st and "NotPrincipal" not in st, lid


def test_star_resource_only_for_actions_without_resource_arns(resources):
    for lid, _kind, st in statements(resources):
        if "*" in as_list(st.get("Resource", [])):
            assert set(as_list(st["Action"])) <= XRAY, (lid, st)


def test_no_managed_policies_with_broad_grants(resources):
    for lid, role in of_type(resources, "AWS::IAM::Role").items():
        assert not role["Properties"].get("ManagedPolicyArns"), lid


def test_every_put_events_is_limited_to_our_source(resources):
    seen = 0
    for lid, _kind, st in statements(resources):
        if "events:PutEvents" in as_list(st["Action"]):
            seen += 1
            assert as_list(st["Action"]) == ["events:PutEvents"], lid
            assert st["Condition"] == {"StringEquals": {"events:source": "partner.designations"}}, lid
            assert [resource_key(r) for r in as_list(st["Resource"])] == ["PartnerProgramBus.Arn"], lid
    assert seen == 4  # ingestion, attainment, renewal, outbox publisher; not the API


@pytest.mark.parametrize("function", sorted(GRANTS))
def test_least_privilege_per_function(resources, function):
    role = role_of(resources, function)
    trust = resources[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    granted = grants_of(resources, function)
    log_group = {
        lid
        for lid, lg in of_type(resources, "AWS::Logs::LogGroup").items()
        if f"${{{function}}}" in lg["Properties"]["LogGroupName"]["Fn::Sub"]
    }.pop()
    expected = set(GRANTS[function])
    expected |= {(a, "*") for a in XRAY}
    expected |= {(a, f"{log_group}.Arn") for a in LOGS}
    assert granted == expected


def test_roles_are_not_shared(resources):
    roles = [role_of(resources, lid) for lid in of_type(resources, "AWS::Lambda::Function")]
    assert len(set(roles)) == len(roles)


# --------------------------------------------------------------------------- API


def test_every_api_method_requires_iam_auth(resources):
    (api,) = of_type(resources, "AWS::ApiGateway::RestApi").values()
    body = api["Properties"]["Body"]
    schemes = body["components"]["securitySchemes"]
    assert schemes["AWS_IAM"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    routes = set()
    for path, methods in body["paths"].items():
        for method, op in methods.items():
            if method.lower() == "options":
                continue
            routes.add((method.lower(), path))
            assert {"AWS_IAM": []} in op["security"], (method, path)
            integration = op["x-amazon-apigateway-integration"]
            assert integration["type"] == "aws_proxy"
            assert "credentials" not in integration  # invoked via resource permission, not caller creds
    assert routes == API_ROUTES
    for method in of_type(resources, "AWS::ApiGateway::Method").values():  # none today; if ever added
        if method["Properties"]["HttpMethod"] != "OPTIONS":
            assert method["Properties"]["AuthorizationType"] == "AWS_IAM"


def test_api_can_invoke_only_its_function(resources):
    perms = of_type(resources, "AWS::Lambda::Permission")
    assert perms
    for lid, perm in perms.items():
        props = perm["Properties"]
        assert props["Principal"] == "apigateway.amazonaws.com", lid
        assert ref(props["FunctionName"]) == "PartnerApiFunction"
        assert ref(props["SourceArn"]["Fn::Sub"][1]["__ApiId__"]) == "PartnerApi"


def test_api_stage_is_traced(resources):
    stages = of_type(resources, "AWS::ApiGateway::Stage")
    assert [s["Properties"]["StageName"] for s in stages.values()] == ["v1"]
    assert all(s["Properties"]["TracingEnabled"] is True for s in stages.values())


# --------------------------------------------------------------------------- state, logs


def test_state_table(resources):
    props = resources["StateTable"]["Properties"]
    assert resources["StateTable"]["DeletionPolicy"] == "Retain"
    assert resources["StateTable"]["UpdateReplacePolicy"] == "Retain"
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["SSESpecification"]["SSEType"] == "KMS"
    assert getatt(props["SSESpecification"]["KMSMasterKeyId"]) == ("DataKey", "Arn")
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"
    (gsi,) = props["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "DueIndex"
    assert gsi["KeySchema"] == [
        {"AttributeName": "gsi1pk", "KeyType": "HASH"},
        {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
    ]
    assert gsi["Projection"] == {"ProjectionType": "ALL"}
    attrs = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    assert attrs == {"pk": "S", "sk": "S", "gsi1pk": "S", "gsi1sk": "S"}


def test_idempotency_table(resources):
    props = resources["IdempotencyTable"]["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert getatt(props["SSESpecification"]["KMSMasterKeyId"]) == ("DataKey", "Arn")
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_every_function_has_a_log_group_with_retention(resources):
    groups = of_type(resources, "AWS::Logs::LogGroup")
    named = {}
    for lid, lg in groups.items():
        props = lg["Properties"]
        assert ref(props["RetentionInDays"]) == "LogRetentionDays", lid
        assert getatt(props["KmsKeyId"]) == ("DataKey", "Arn"), lid
        if lid == "PartnerApiAccessLogGroup":
            continue
        match = re.fullmatch(r"/aws/lambda/\$\{(\w+)\}", props["LogGroupName"]["Fn::Sub"])
        assert match, lid
        named[match.group(1)] = lid
    assert set(named) == set(HANDLERS)


def test_data_key(resources):
    key = resources["DataKey"]
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain"
    props = key["Properties"]
    assert props["EnableKeyRotation"] is True
    by_sid = {st["Sid"]: st for st in props["KeyPolicy"]["Statement"]}
    assert set(by_sid) == {"AccountAdministersThroughIam", "CloudWatchLogsOfThisAccount"}
    logs = by_sid["CloudWatchLogsOfThisAccount"]
    assert logs["Principal"] == {"Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}}
    assert "kms:EncryptionContext:aws:logs:arn" in logs["Condition"]["ArnLike"]
    # every role's use of the key goes through DynamoDB only
    for lid, _kind, st in statements(resources):
        if any(a.startswith("kms:") for a in as_list(st["Action"])):
            assert [resource_key(r) for r in as_list(st["Resource"])] == ["DataKey.Arn"], lid
            assert st["Condition"] == {"StringEquals": {"kms:ViaService": {
                "Fn::Sub": "dynamodb.${AWS::Region}.amazonaws.com"}}}, lid


def test_api_access_logging_and_throttling(resources):
    (stage,) = of_type(resources, "AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    assert getatt(props["AccessLogSetting"]["DestinationArn"]) == ("PartnerApiAccessLogGroup", "Arn")
    fields = json.loads(props["AccessLogSetting"]["Format"])
    assert {"requestId", "user", "status", "latencyMs"} <= set(fields)
    (throttle,) = props["MethodSettings"]
    assert throttle["ThrottlingRateLimit"] > 0 and throttle["ThrottlingBurstLimit"] > 0
    account = resources["ApiGatewayAccount"]["Properties"]
    role = resources[getatt(account["CloudWatchRoleArn"])[0]]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "apigateway.amazonaws.com"}
    (statement,) = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert all(a.startswith("logs:") for a in statement["Action"])


def test_sqs_event_sources_are_capped(resources):
    caps = {}
    for esm in of_type(resources, "AWS::Lambda::EventSourceMapping").values():
        att = getatt(esm["Properties"]["EventSourceArn"])
        if resources[att[0]]["Type"] == "AWS::SQS::Queue":
            caps[att[0]] = esm["Properties"]["ScalingConfig"]["MaximumConcurrency"]
    assert caps == {"ScoreIngestionQueue": 10, "AttainmentQueue": 10, "RenewalQueue": 2}


def test_every_checkov_suppression_is_justified(sam):
    skipped = 0
    for lid, res in sam["Resources"].items():
        for skip in ((res.get("Metadata") or {}).get("checkov") or {}).get("skip", []):
            assert re.fullmatch(r"CKV_AWS_\d+", skip["id"]), lid
            assert len(skip.get("comment", "")) >= 60, (lid, skip["id"])  # a reason, not a label
            skipped += 1
    assert skipped == 30  # 9 queues x CKV_AWS_27, 5 functions x 4, the API's cache


def test_parameters(sam):
    params = sam["Parameters"]
    assert params["BusName"]["Default"] == "partner-program"
    assert params["DueShards"]["Default"] == 64
    assert params["LogRetentionDays"]["Default"] == 30


def test_outputs(sam):
    outputs = sam["Outputs"]
    for name in (
        "EventBusName",
        "StateTableName",
        "IdempotencyTableName",
        "ScoreIngestionQueueUrl",
        "AttainmentQueueUrl",
        "RenewalQueueUrl",
        "PartnerApiUrl",
    ):
        assert name in outputs


# --------------------------------------------------------------------------- local_resources


def test_local_resources_keeps_what_moto_hosts_and_explains_the_rest(cfn):
    reduced, dropped = local_resources(cfn)
    kept = reduced["Resources"]
    assert {r["Type"] for r in kept.values()} == {
        "AWS::Events::EventBus",
        "AWS::Events::Rule",
        "AWS::DynamoDB::Table",
        "AWS::KMS::Key",
        "AWS::SQS::Queue",
    }
    assert len(of_type(kept, "AWS::SQS::Queue")) == 9
    assert set(of_type(kept, "AWS::Events::Rule")) == {"ScoreIngestionRule", "AttainmentRule", "RenewalRule"}
    # Every resource left out is named, with a reason, in the banner lines.
    text = "\n".join(dropped)
    for lid in set(cfn["Resources"]) - set(kept):
        assert re.search(rf"\b{lid}\b", text), lid
    assert all(": " in line for line in dropped)
    assert "PartnerApiUrl" not in reduced.get("Outputs", {})
    assert cfn["Resources"].keys() > kept.keys()  # input untouched


def test_local_resources_leaves_no_dangling_references(cfn):
    from devstack.template import refs

    reduced, _ = local_resources(cfn)
    known = set(reduced["Resources"]) | set(reduced.get("Parameters", {}))
    for lid, res in reduced["Resources"].items():
        assert set(refs(res)) <= known, lid
        deps = res.get("DependsOn", [])
        assert set(as_list(deps)) <= set(reduced["Resources"]), lid
    for name, out in reduced.get("Outputs", {}).items():
        assert set(refs(out)) <= known, name
