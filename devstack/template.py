"""Build infrastructure from ``template.yaml``: the one way tests and the local stack get resources.

moto ignores the SAM transform and cannot run Lambda code, API Gateway from a Body or schedules, so
the template is translated offline first and reduced to what moto hosts. Pipeline::

    load_template()      SAM YAML (short tags !Ref/!GetAtt/!Sub ...) -> dict
    translate()          SAM -> plain CloudFormation, offline, with aws-sam-translator
    local_resources()    drop what moto cannot host (Lambda, API Gateway, Scheduler, ...), say why
    deploy_local()       create_stack on moto (in-process ``mock_aws`` or a moto server) and
                         describe the result as a :class:`LocalStack`

Nothing here creates a boto3 client at import time; ``deploy_local`` takes a ``boto3.Session``
(or a client factory) so the same code runs inside ``moto.mock_aws()`` and against a moto server
(``lambda service: session.client(service, endpoint_url=...)``).
"""

from __future__ import annotations

import copy
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TEMPLATE = PROJECT_ROOT / "template.yaml"
CODE_PLACEHOLDER = "s3://local-placeholder/code.zip"

ClientFactory = Callable[[str], Any]

__all__ = [
    "CODE_PLACEHOLDER",
    "DEFAULT_TEMPLATE",
    "LocalStack",
    "deploy_local",
    "function_settings",
    "load_template",
    "local_resources",
    "translate",
]


# --------------------------------------------------------------------------- load / translate


def load_template(path: str | Path = DEFAULT_TEMPLATE) -> dict[str, Any]:
    """Parse a (SAM) CloudFormation YAML or JSON template, short-form intrinsics included.

    A relative ``path`` that does not exist in the working directory is looked up relative to the
    project root, so ``load_template("template.yaml")`` works from any directory.
    """
    from samtranslator.yaml_helper import yaml_parse

    p = Path(path)
    if not p.is_absolute() and not p.exists():
        p = PROJECT_ROOT / p
    return yaml_parse(p.read_text(encoding="utf-8"))


def function_settings(path: str | Path = DEFAULT_TEMPLATE) -> dict[str, str]:
    """The environment variables every function gets from the template's `Globals` that are plain
    values (Powertools and pydantic settings), not references to resources: the local stack and the
    cold-start benchmark run the handlers with exactly these."""
    variables = ((load_template(path).get("Globals") or {}).get("Function") or {}).get("Environment") or {}
    return {k: str(v) for k, v in (variables.get("Variables") or {}).items() if isinstance(v, str | int)}


def _with_placeholder_code(sam: dict[str, Any]) -> dict[str, Any]:
    """Copy of ``sam`` whose local CodeUri values are replaced by an ``s3://`` placeholder.

    The translator only accepts S3 code locations; ``build/lambda/`` exists only after ``make build``
    and the code is never uploaded locally anyway.
    """
    sam = copy.deepcopy(sam)

    def fix(props: dict[str, Any] | None) -> None:
        if isinstance(props, dict) and "CodeUri" in props:
            uri = props["CodeUri"]
            in_s3 = (isinstance(uri, str) and uri.startswith("s3://")) or (
                isinstance(uri, dict) and {"Bucket", "Key"} <= set(uri)
            )
            if not in_s3:
                props["CodeUri"] = CODE_PLACEHOLDER

    fix((sam.get("Globals") or {}).get("Function"))
    for res in (sam.get("Resources") or {}).values():
        if isinstance(res, dict) and res.get("Type") == "AWS::Serverless::Function":
            fix(res.get("Properties"))
    return sam


def translate(
    template: dict[str, Any],
    region: str = "us-east-1",
    account: str = "123456789012",
    parameters: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Translate a SAM template to plain CloudFormation offline (no AWS calls, no credentials).

    ``parameters`` are template parameter values (defaults apply to the rest). The input is not
    modified. A template without the SAM transform is returned as a deep copy.
    """
    if not _is_sam(template):
        return copy.deepcopy(template)

    import boto3
    from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.arn_generator import ArnGenerator
    from samtranslator.translator.translator import Translator
    from samtranslator.utils.py27hash_fix import (
        to_py27_compatible_template,
        undo_mark_unicode_str_in_template,
    )

    sam = _with_placeholder_code(template)
    values: dict[str, Any] = {
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::Partition": ArnGenerator.get_partition_name(region),
    }
    values.update(parameters or {})
    to_py27_compatible_template(sam, values)
    # A Session only carries the region here: the translator reads it, it never calls AWS.
    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())  # offline: publishes nowhere
    translator = Translator(
        None, Parser(), boto_session=boto3.session.Session(region_name=region), metrics=metrics
    )
    # Without a feature-toggle config the translator warns once per unknown feature; not our concern.
    toggle_log = logging.getLogger("samtranslator.feature_toggle.feature_toggle")
    level = toggle_log.level
    toggle_log.setLevel(logging.ERROR)
    try:
        cfn = translator.translate(sam, parameter_values=values, get_managed_policy_map=lambda: {})
    except InvalidDocumentException as exc:
        causes = "; ".join(c.message for c in exc.causes) or str(exc)
        raise ValueError(f"SAM translation failed: {causes}") from exc
    finally:
        toggle_log.setLevel(level)
        metrics.publish()
    return undo_mark_unicode_str_in_template(cfn)


def _is_sam(template: Mapping[str, Any]) -> bool:
    transform = template.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return any(isinstance(n, str) and n.startswith("AWS::Serverless") for n in names) or any(
        isinstance(r, dict) and str(r.get("Type", "")).startswith("AWS::Serverless::")
        for r in (template.get("Resources") or {}).values()
    )


# --------------------------------------------------------------------------- references

_PSEUDO = re.compile(r"^AWS::")
_SUB_VAR = re.compile(r"\$\{(?!!)([^}]+)\}")


def _refs(value: Any) -> Iterator[str]:
    """Logical ids (and parameter names) a template value refers to."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" and isinstance(arg, str):
                if not _PSEUDO.match(arg):
                    yield arg
                return
            if key == "Fn::GetAtt":
                target = arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0]
                if isinstance(target, str):
                    yield target
                if isinstance(arg, list):
                    yield from _refs(arg[1:])
                return
            if key == "Fn::Sub":
                text, variables = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
                local = set(variables) if isinstance(variables, dict) else set()
                if isinstance(text, str):
                    for name in _SUB_VAR.findall(text):
                        base = name.split(".", 1)[0]
                        if base not in local and not _PSEUDO.match(base):
                            yield base
                yield from _refs(variables)
                return
        for v in value.values():
            yield from _refs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _refs(v)


def _depends_on(res: Mapping[str, Any]) -> list[str]:
    dep = res.get("DependsOn") or []
    return [dep] if isinstance(dep, str) else list(dep)


def _getatt_target(value: Any) -> tuple[str, str] | None:
    """(logical id, attribute) of a ``Fn::GetAtt`` value, else None."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        arg = value["Fn::GetAtt"]
        if isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
            return arg[0], arg[1]
        if isinstance(arg, str) and "." in arg:
            a, b = arg.split(".", 1)
            return a, b
    return None


def _ref_target(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("Ref"), str) and len(value) == 1:
        return value["Ref"]
    return None


# --------------------------------------------------------------------------- local_resources

# Resource types moto cannot host (or that would misbehave there), and what runs instead.
_DROP_TYPES: dict[str, str] = {
    "AWS::Lambda::Function": "moto cannot run Lambda code without Docker; the handlers run in-process",
    "AWS::Lambda::EventSourceMapping": (
        "moto would try Docker on every message; local pollers deliver queue and stream records"
    ),
    "AWS::Lambda::Permission": "permission of a dropped Lambda function",
    "AWS::Lambda::EventInvokeConfig": "async-invocation config of a dropped Lambda function",
    "AWS::Lambda::Version": "version of a dropped Lambda function",
    "AWS::Lambda::Alias": "alias of a dropped Lambda function",
    "AWS::Scheduler::Schedule": "moto never fires schedules; the local ticker runs them",
    "AWS::Scheduler::ScheduleGroup": "moto never fires schedules; the local ticker runs them",
    "AWS::Logs::LogGroup": "log group of a dropped Lambda function; local handlers log to the console",
    "AWS::CloudWatch::Alarm": "no moto CloudFormation support for alarms (nothing to alarm on locally)",
    "AWS::SQS::QueuePolicy": (
        "no moto CloudFormation support; moto delivers rule targets without checking queue policies"
    ),
}
_DROP_PREFIXES: dict[str, str] = {
    "AWS::ApiGateway::": (
        "moto's CloudFormation cannot host the REST API (RestApi from a Body has no Name; Stage "
        "unsupported); the local HTTP shim serves its routes"
    ),
    "AWS::ApiGatewayV2::": "moto's CloudFormation cannot host the HTTP API; the local HTTP shim serves it",
    "AWS::Serverless::": "SAM resource left untranslated",
}


# Types moto's CloudFormation is known to create (checked against moto 5.2.5); other types are looked
# up in moto's own model map, which costs an import of all of moto (~1.5 s), so only when needed.
_KNOWN_SUPPORTED = {
    "AWS::DynamoDB::Table",
    "AWS::Events::EventBus",
    "AWS::Events::Rule",
    "AWS::IAM::Policy",
    "AWS::IAM::Role",
    "AWS::KMS::Key",  # the tables' key (moto creates it; it does not enforce key policies)
    "AWS::SQS::Queue",
}


def _moto_supported_types() -> set[str] | None:
    try:
        from moto.cloudformation.parsing import get_model_map
    except Exception:  # moto missing or internals moved: rely on the explicit table only
        return None
    return set(get_model_map())


def _drop_reason(rtype: str, supported: set[str] | None) -> str | None:
    if rtype in _DROP_TYPES:
        return _DROP_TYPES[rtype]
    for prefix, reason in _DROP_PREFIXES.items():
        if rtype.startswith(prefix):
            return reason
    if supported is not None and rtype not in supported and not rtype.startswith("Custom::"):
        return "no moto CloudFormation support"
    return None


def local_resources(cfn: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Reduce a translated (plain CloudFormation) template to what moto can host.

    Drops, in this order: resource types moto cannot host (see ``_DROP_TYPES``); any resource whose
    properties refer to a dropped one; IAM resources whose only users were dropped. ``DependsOn``
    entries and Outputs that point at dropped resources are removed. Returns the reduced template
    (the input is not modified) and one human-readable line per group of dropped resources.
    """
    out = copy.deepcopy(cfn)
    resources: dict[str, Any] = out.get("Resources") or {}
    types = {res.get("Type", "") for res in resources.values()}
    unknown = {t for t in types if t not in _KNOWN_SUPPORTED and _drop_reason(t, None) is None}
    supported = _moto_supported_types() if unknown else None
    dropped: dict[str, tuple[str, str]] = {}  # logical id -> (type, reason)

    for lid, res in resources.items():
        reason = _drop_reason(res.get("Type", ""), supported)
        if reason:
            dropped[lid] = (res["Type"], reason)

    prop_refs = {
        lid: set(_refs({k: v for k, v in res.items() if k not in ("DependsOn", "DeletionPolicy")}))
        & set(resources)
        for lid, res in resources.items()
    }
    changed = True
    while changed:
        changed = False
        for lid, res in resources.items():
            if lid in dropped:
                continue
            gone = [r for r in prop_refs[lid] if r in dropped]
            if gone:
                dropped[lid] = (res["Type"], f"refers to a dropped {_types_of(gone, dropped)}")
                changed = True
                continue
            if res.get("Type", "").startswith("AWS::IAM::"):
                users = [u for u, rs in prop_refs.items() if lid in rs]
                if users and all(u in dropped for u in users):
                    dropped[lid] = (res["Type"], f"used only by a dropped {_types_of(users, dropped)}")
                    changed = True

    for lid in dropped:
        del resources[lid]
    for res in resources.values():
        if "DependsOn" in res:
            kept = [d for d in _depends_on(res) if d not in dropped]
            if kept:
                res["DependsOn"] = kept
            else:
                del res["DependsOn"]

    notes = _group_notes(dropped)
    outputs = out.get("Outputs") or {}
    for name in list(outputs):
        gone = sorted(r for r in set(_refs(outputs[name])) if r in dropped)
        if gone:
            del outputs[name]
            notes.append(f"output {name}: refers to dropped {', '.join(gone)}")
    if "Outputs" in out and not outputs:
        del out["Outputs"]
    return out, notes


def _types_of(lids: Iterable[str], dropped: Mapping[str, tuple[str, str]]) -> str:
    return " / ".join(sorted({dropped[lid][0] for lid in lids}))


def _group_notes(dropped: Mapping[str, tuple[str, str]]) -> list[str]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for lid, (rtype, reason) in dropped.items():
        groups.setdefault(reason, []).append((rtype, lid))
    notes = []
    for reason, members in groups.items():
        types = {t for t, _ in members}
        if len(types) == 1:
            what = f"{types.pop()} {', '.join(sorted(lid for _, lid in members))}"
        else:
            what = ", ".join(f"{lid} ({t})" for t, lid in sorted(members))
        notes.append(f"{what}: {reason}")
    return notes


# --------------------------------------------------------------------------- deploy_local


@dataclass(frozen=True)
class LocalStack:
    """What ``deploy_local`` created, by the template's logical ids, with physical names."""

    bus_name: str
    state_table: str
    idempotency_table: str
    queues: dict[str, str]  # logical id -> queue URL, every AWS::SQS::Queue
    dlq_of: dict[str, str]  # work-queue logical id -> its DLQ logical id (RedrivePolicy)
    functions: dict[str, dict[str, Any]]  # function logical id -> see _function_specs
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
            target = _getatt_target(
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
    functions = _function_specs(sam, cfn)
    for spec in functions.values():
        spec["environment"] = {k: resolver.resolve(v) for k, v in spec["environment"].items()}

    return LocalStack(
        bus_name=physical["PartnerProgramBus"],
        state_table=state_table,
        idempotency_table=physical["IdempotencyTable"],
        queues=queues,
        dlq_of=dlq_of,
        functions=functions,
        api_routes=_api_routes(sam),
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
        if (name := _ref_target(value)) is not None:
            return self.ref(name)
        if (target := _getatt_target(value)) is not None:
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

            return _SUB_VAR.sub(sub, text).replace("${!", "${")
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


# --------------------------------------------------------------------------- function specs


def _function_specs(sam: Mapping[str, Any], cfn: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per Lambda function of the translated template: how the local stack must run it.

    Keys: handler, queue (logical id of its SQS event source or None), stream (bool: fed by a
    DynamoDB stream), stream_table (logical id or None), batch_size (of its SQS/stream mapping; 0
    when it has none), batching_window, report_batch_item_failures (bool), stream_filters (list of
    pattern dicts), on_failure (logical id of the mapping's on-failure queue or None), schedule
    (ScheduleExpression or None), schedule_timezone, schedule_input (dict or None), schedule_dlq
    (logical id of the schedule's dead-letter queue or None), async_on_failure (logical id of the
    on-failure destination of asynchronous invocations or None), api_routes
    (list of (METHOD, path)), timeout, memory_size, environment (unresolved template values).
    """
    resources: Mapping[str, Any] = cfn.get("Resources") or {}
    routes = _api_routes_by_function(sam)
    specs: dict[str, dict[str, Any]] = {}
    for lid, res in resources.items():
        if res.get("Type") != "AWS::Lambda::Function":
            continue
        props = res.get("Properties") or {}
        specs[lid] = {
            "handler": props.get("Handler"),
            "queue": None,
            "stream": False,
            "stream_table": None,
            "batch_size": 0,
            "batching_window": 0,
            "report_batch_item_failures": False,
            "stream_filters": [],
            "on_failure": None,
            "schedule": None,
            "schedule_timezone": None,
            "schedule_input": None,
            "schedule_dlq": None,
            "async_on_failure": None,
            "api_routes": routes.get(lid, []),
            "timeout": int(props.get("Timeout", 3)),
            "memory_size": int(props.get("MemorySize", 128)),
            "environment": dict((props.get("Environment") or {}).get("Variables") or {}),
        }

    for res in resources.values():
        props = res.get("Properties") or {}
        if res.get("Type") == "AWS::Lambda::EventSourceMapping":
            fn = _ref_target(props.get("FunctionName"))
            source = _getatt_target(props.get("EventSourceArn"))
            if fn not in specs or source is None:
                continue
            spec = specs[fn]
            source_type = (resources.get(source[0]) or {}).get("Type")
            if source_type == "AWS::SQS::Queue":
                spec["queue"] = source[0]
            elif source_type == "AWS::DynamoDB::Table" and source[1] == "StreamArn":
                spec["stream"] = True
                spec["stream_table"] = source[0]
                spec["stream_filters"] = [
                    json.loads(f["Pattern"]) if isinstance(f.get("Pattern"), str) else f.get("Pattern")
                    for f in (props.get("FilterCriteria") or {}).get("Filters") or []
                ]
                on_failure = _getatt_target(
                    ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
                )
                spec["on_failure"] = on_failure[0] if on_failure else None
            else:
                continue
            spec["batch_size"] = int(props.get("BatchSize", 10 if source_type == "AWS::SQS::Queue" else 100))
            spec["batching_window"] = int(props.get("MaximumBatchingWindowInSeconds", 0))
            spec["report_batch_item_failures"] = "ReportBatchItemFailures" in (
                props.get("FunctionResponseTypes") or []
            )
        elif res.get("Type") == "AWS::Scheduler::Schedule":
            target = props.get("Target") or {}
            fn_att = _getatt_target(target.get("Arn"))
            if not fn_att or fn_att[0] not in specs:
                continue
            spec = specs[fn_att[0]]
            spec["schedule"] = props.get("ScheduleExpression")
            spec["schedule_timezone"] = props.get("ScheduleExpressionTimezone", "UTC")
            raw = target.get("Input")
            spec["schedule_input"] = json.loads(raw) if isinstance(raw, str) else raw
            dlq = _getatt_target((target.get("DeadLetterConfig") or {}).get("Arn"))
            spec["schedule_dlq"] = dlq[0] if dlq else None
        elif res.get("Type") == "AWS::Lambda::EventInvokeConfig":
            fn = _ref_target(props.get("FunctionName"))
            dest = _getatt_target(
                ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
            )
            if fn in specs and dest:
                specs[fn]["async_on_failure"] = dest[0]
    return specs


def _iter_api_events(sam: Mapping[str, Any]) -> Iterable[tuple[str, str, str]]:
    for lid, res in (sam.get("Resources") or {}).items():
        if not isinstance(res, dict) or res.get("Type") != "AWS::Serverless::Function":
            continue
        for event in ((res.get("Properties") or {}).get("Events") or {}).values():
            if event.get("Type") == "Api":
                props = event.get("Properties") or {}
                yield lid, str(props.get("Method", "")).upper(), props.get("Path", "")


def _api_routes(sam: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(method, path) for _, method, path in _iter_api_events(sam)]


def _api_routes_by_function(sam: Mapping[str, Any]) -> dict[str, list[tuple[str, str]]]:
    routes: dict[str, list[tuple[str, str]]] = {}
    for lid, method, path in _iter_api_events(sam):
        routes.setdefault(lid, []).append((method, path))
    return routes
