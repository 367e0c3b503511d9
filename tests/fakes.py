"""Test doubles shared by the suites."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3

from shared.adapters.memory import InMemoryPartnerRepository, RecordingPublisher
from shared.runtime import Deps, Env


@dataclass
class LambdaContext:
    function_name: str = "test-function"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def memory_deps() -> tuple[Deps, InMemoryPartnerRepository, RecordingPublisher, list[tuple[str, dict[str, str]]]]:
    repo, pub, dead = InMemoryPartnerRepository(), RecordingPublisher(), []
    deps = Deps(repo, pub, Env("t", "partner-program", "dlq", 4, ""), lambda body, attrs: dead.append((body, attrs)))
    return deps, repo, pub, dead


def sqs_event(*envelopes: dict[str, Any] | str) -> dict[str, Any]:
    records = []
    for i, env in enumerate(envelopes):
        body = env if isinstance(env, str) else json.dumps(env)
        records.append({"messageId": f"m-{i}-{uuid.uuid4().hex[:6]}", "receiptHandle": "r", "body": body,
                        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
                        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"})
    return {"Records": records}


def envelope(source: str, detail_type: str, detail: dict[str, Any], time: str = "2023-01-01T00:00:00Z") -> dict[str, Any]:
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type, "source": source,
            "account": "123456789012", "time": time, "region": "us-east-1", "resources": [], "detail": detail}


def create_state_table(name: str) -> None:
    """The StateTable's key schema and DueIndex as template.yaml declares them (inside mock_aws)."""
    boto3.client("dynamodb", region_name="us-east-1").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi1pk", "gsi1sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "DueIndex",
            "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"}, {"AttributeName": "gsi1sk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}])
