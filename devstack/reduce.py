"""Reduce a translated template to what moto can host, saying why each dropped resource is dropped."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from devstack.intrinsics import depends_on, refs

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
        lid: set(refs({k: v for k, v in res.items() if k not in ("DependsOn", "DeletionPolicy")}))
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
            kept = [d for d in depends_on(res) if d not in dropped]
            if kept:
                res["DependsOn"] = kept
            else:
                del res["DependsOn"]

    notes = _group_notes(dropped)
    outputs = out.get("Outputs") or {}
    for name in list(outputs):
        gone = sorted(r for r in set(refs(outputs[name])) if r in dropped)
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
