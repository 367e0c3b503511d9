"""How the local stack runs each Lambda function of the translated template (its event sources,
schedule, destinations and API routes)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from devstack.intrinsics import getatt_target, ref_target


def function_specs(sam: Mapping[str, Any], cfn: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
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
            fn = ref_target(props.get("FunctionName"))
            source = getatt_target(props.get("EventSourceArn"))
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
                on_failure = getatt_target(
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
            fn_att = getatt_target(target.get("Arn"))
            if not fn_att or fn_att[0] not in specs:
                continue
            spec = specs[fn_att[0]]
            spec["schedule"] = props.get("ScheduleExpression")
            spec["schedule_timezone"] = props.get("ScheduleExpressionTimezone", "UTC")
            raw = target.get("Input")
            spec["schedule_input"] = json.loads(raw) if isinstance(raw, str) else raw
            dlq = getatt_target((target.get("DeadLetterConfig") or {}).get("Arn"))
            spec["schedule_dlq"] = dlq[0] if dlq else None
        elif res.get("Type") == "AWS::Lambda::EventInvokeConfig":
            fn = ref_target(props.get("FunctionName"))
            dest = getatt_target(
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


def routes_of(sam: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(method, path) for _, method, path in _iter_api_events(sam)]


def _api_routes_by_function(sam: Mapping[str, Any]) -> dict[str, list[tuple[str, str]]]:
    routes: dict[str, list[tuple[str, str]]] = {}
    for lid, method, path in _iter_api_events(sam):
        routes.setdefault(lid, []).append((method, path))
    return routes
