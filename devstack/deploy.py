"""Create the template's locally hostable resources on moto as one CloudFormation stack.

``deploy_local`` takes a ``boto3.Session`` (or a client factory), so the same code runs inside
``moto.mock_aws()`` and against a moto server (``lambda service: session.client(service, endpoint_url=...)``).
Nothing here creates a boto3 client at import time.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.intrinsics import SUB_VAR, getatt_target, ref_target
from devstack.reduce import local_resources
from devstack.sam import DEFAULT_TEMPLATE, load_template, translate
from devstack.specs import function_specs, routes_of

ClientFactory = Callable[[str], Any]


@dataclass(frozen=True)
class LocalStack:
    """What ``deploy_local`` created, by the template's logical ids, with physical names."""

    bus_name: str
    state_table: str
    idempotency_table: str
    queues: dict[str, str]  # logical id -> queue URL, every AWS::SQS::Queue
    dlq_of: dict[str, str]  # work-queue logical id -> its DLQ logical id (RedrivePolicy)
    functions: dict[str, dict[str, Any]]  # function logical id -> see function_specs
    api_routes: list[tuple[str, str]]  # (METHOD, path) in template order
    dropped: list[str]  # what local_resources left out, and why
    state_stream_arn: str | None = None
    stack_name: str = "partner-engine"
    region: str = "us-east-1"
    outputs: dict[str, str] = field(default_factory=dict)  # stack outputs moto could resolve
    physical_ids: dict[str, str] = field(default_factory=dict)  # logical -> physical, created resources

    def queue_url(self, logical_id: str) -> str:
        return self.queues[logical_id]

    def dlq_url(self, queue_logical_id: str) -> str:
        """URL of the dead-letter queue of a work queue."""
        return self.queues[self.dlq_of[queue_logical_id]]


def _client_factory(clients: Any) -> ClientFactory:
    if hasattr(clients, "client") and callable(clients.client):  # boto3.Session (or the boto3 module)
        return lambda service: clients.client(service)
    if isinstance(clients, Mapping):
        return lambda service: clients[service]
    if callable(clients):
        return clients
    raise TypeError("deploy_local needs a boto3.Session, a client factory or a {service: client} mapping")


def deploy_local(
    session_or_clients: Any,
    stack_name: str = "partner-engine",
    parameters: Mapping[str, Any] | None = None,
    template_path: str | Path = DEFAULT_TEMPLATE,
    timeout: float = 60.0,
) -> LocalStack:
    """Create the template's locally hostable resources on moto as one CloudFormation stack.

    ``session_or_clients``: a ``boto3.Session`` (inside ``mock_aws()``), or a callable
    ``service_name -> client`` / a mapping ``{service_name: client}`` (e.g. clients with the moto
    server's ``endpoint_url``). Needs the ``cloudformation``, ``sqs``, ``dynamodb`` and ``sts``
    clients. A stack of that name that already completed is reused, not recreated.
    """
    client = _client_factory(session_or_clients)
    cf = client("cloudformation")
    region = cf.meta.region_name
    account = client("sts").get_caller_identity()["Account"]

    sam = load_template(template_path)
    param_values = _parameter_values(sam, parameters)
    cfn = translate(sam, region=region, account=account, parameters=param_values)
    reduced, dropped = local_resources(cfn)

    stack = _existing_stack(cf, stack_name)
    if stack is None:
        declared = set(reduced.get("Parameters") or {})
        cf.create_stack(
            StackName=stack_name,
            TemplateBody=json.dumps(reduced),
            Parameters=[
                {"ParameterKey": k, "ParameterValue": str(v)}
                for k, v in param_values.items()
                if k in declared
            ],
        )
        stack = _wait_for_stack(cf, stack_name, timeout)

    physical: dict[str, str] = {}
    unnamed: list[str] = []
    for r in cf.describe_stack_resources(StackName=stack_name)["StackResources"]:
        if r.get("PhysicalResourceId"):
            physical[r["LogicalResourceId"]] = r["PhysicalResourceId"]
        else:  # moto leaves it out for some types (AWS::Events::EventBus)
            unnamed.append(r["LogicalResourceId"])
    resources = reduced["Resources"]
    sqs, ddb = client("sqs"), client("dynamodb")

    queues = {
        lid: sqs.get_queue_url(QueueName=_queue_name(physical[lid]))["QueueUrl"]
        for lid, res in resources.items()
        if res["Type"] == "AWS::SQS::Queue" and lid in physical
    }
    dlq_of = {}
    for lid, res in resources.items():
        if res["Type"] == "AWS::SQS::Queue":
            target = getatt_target(
                ((res.get("Properties") or {}).get("RedrivePolicy") or {}).get("deadLetterTargetArn")
            )
            if target:
                dlq_of[lid] = target[0]

    resolver = _Resolver(
        cfn=cfn,
        physical=physical,
        queues=queues,
        params=param_values,
        region=region,
        account=account,
        stack_name=stack_name,
        client=client,
    )
    for lid in unnamed:
        props = resources.get(lid, {}).get("Properties") or {}
        name_prop = next((k for k in ("Name", "TableName", "QueueName") if k in props), None)
        if name_prop is None:
            raise RuntimeError(f"moto reported no physical id for {lid} and it has no name property")
        physical[lid] = resolver.resolve(props[name_prop])

    state_table = physical["StateTable"]
    stream_arn = ddb.describe_table(TableName=state_table)["Table"].get("LatestStreamArn")
    functions = function_specs(sam, cfn)
    for spec in functions.values():
        spec["environment"] = {k: resolver.resolve(v) for k, v in spec["environment"].items()}

    return LocalStack(
        bus_name=physical["PartnerProgramBus"],
        state_table=state_table,
        idempotency_table=physical["IdempotencyTable"],
        queues=queues,
        dlq_of=dlq_of,
        functions=functions,
        api_routes=routes_of(sam),
        dropped=dropped,
        state_stream_arn=stream_arn,
        stack_name=stack_name,
        region=region,
        outputs={o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []},
        physical_ids=physical,
    )


def _parameter_values(sam: Mapping[str, Any], given: Mapping[str, Any] | None) -> dict[str, str]:
    values = {k: str(p["Default"]) for k, p in (sam.get("Parameters") or {}).items() if "Default" in p}
    unknown = set(given or {}) - set(sam.get("Parameters") or {})
    if unknown:
        raise ValueError(f"unknown template parameters: {', '.join(sorted(unknown))}")
    values.update({k: str(v) for k, v in (given or {}).items()})
    return values


def _existing_stack(cf: Any, stack_name: str) -> dict[str, Any] | None:
    try:
        stacks = cf.describe_stacks(StackName=stack_name)["Stacks"]
    except cf.exceptions.ClientError:
        return None
    if not stacks:
        return None
    stack = stacks[0]
    if stack["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        return stack
    if stack["StackStatus"] != "DELETE_COMPLETE":
        cf.delete_stack(StackName=stack_name)
    return None


def _wait_for_stack(cf: Any, stack_name: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        stack = cf.describe_stacks(StackName=stack_name)["Stacks"][0]
        status = stack["StackStatus"]
        if status == "CREATE_COMPLETE":
            return stack
        if not status.endswith("IN_PROGRESS"):
            events = cf.describe_stack_events(StackName=stack_name).get("StackEvents", [])
            reasons = [
                f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}"
                for e in events
                if e.get("ResourceStatus", "").endswith("FAILED")
            ]
            raise RuntimeError(f"local stack {stack_name} ended in {status}: {'; '.join(reasons) or stack}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"local stack {stack_name} still {status} after {timeout} s")
        time.sleep(0.1)


def _queue_name(physical_id: str) -> str:
    return physical_id.rstrip("/").rsplit("/", 1)[-1]


class _Resolver:
    """Resolves Ref / GetAtt / Sub / Join in function environment values to physical values."""

    def __init__(
        self,
        *,
        cfn: Mapping[str, Any],
        physical: Mapping[str, str],
        queues: Mapping[str, str],
        params: Mapping[str, str],
        region: str,
        account: str,
        stack_name: str,
        client: ClientFactory,
    ) -> None:
        self.types = {lid: r.get("Type", "") for lid, r in (cfn.get("Resources") or {}).items()}
        self.physical, self.queues, self.params, self.client = physical, queues, params, client
        self.pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::StackName": stack_name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        self._cache: dict[tuple[str, str], str] = {}

    def resolve(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        if (name := ref_target(value)) is not None:
            return self.ref(name)
        if (target := getatt_target(value)) is not None:
            return self.getatt(*target)
        if isinstance(value, dict) and "Fn::Sub" in value:
            arg = value["Fn::Sub"]
            text, variables = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
            local = {k: self.resolve(v) for k, v in variables.items()}

            def sub(m: re.Match[str]) -> str:
                name = m.group(1)
                if name in local:
                    return str(local[name])
                if "." in name and not name.startswith("AWS::"):
                    return self.getatt(*name.split(".", 1))
                return self.ref(name)

            return SUB_VAR.sub(sub, text).replace("${!", "${")
        if isinstance(value, dict) and "Fn::Join" in value:
            sep, parts = value["Fn::Join"]
            return sep.join(str(self.resolve(p)) for p in parts)
        raise ValueError(f"cannot resolve {value!r} locally")

    def ref(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.params:
            return self.params[name]
        if self.types.get(name) == "AWS::SQS::Queue" and name in self.queues:
            return self.queues[name]
        if name in self.physical:
            return self.physical[name]
        return f"<not created locally: {name}>"

    def getatt(self, name: str, attr: str) -> str:
        key = (name, attr)
        if key not in self._cache:
            self._cache[key] = self._getatt(name, attr)
        return self._cache[key]

    def _getatt(self, name: str, attr: str) -> str:
        rtype = self.types.get(name)
        if name not in self.physical:
            return f"<not created locally: {name}.{attr}>"
        pid = self.physical[name]
        if rtype == "AWS::SQS::Queue":
            url = self.queues[name]
            if attr == "QueueUrl":
                return url
            if attr == "QueueName":
                return _queue_name(url)
            if attr == "Arn":
                return self.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                    "Attributes"
                ]["QueueArn"]
        if rtype == "AWS::DynamoDB::Table":
            table = self.client("dynamodb").describe_table(TableName=pid)["Table"]
            if attr == "Arn":
                return table["TableArn"]
            if attr == "StreamArn":
                return table["LatestStreamArn"]
        if rtype == "AWS::Events::EventBus":
            if attr == "Name":
                return pid
            if attr == "Arn":
                return self.client("events").describe_event_bus(Name=pid)["Arn"]
        raise ValueError(f"cannot resolve Fn::GetAtt {name}.{attr} locally")
