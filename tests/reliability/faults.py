"""Transient faults in the functions' DynamoDB and EventBridge calls, through botocore event hooks
on the clients the functions use (shared.adapters.aws._clients).

Only calls made *inside* a function invocation (the pump's handlers are wrapped to mark them) are
touched: the test's own PutEvents (the upstream feeds) and reads are not. A seeded RNG picks
`rate` of those calls and one fault for each:

- DynamoDB reads (GetItem, Query): ThrottlingException, ProvisionedThroughputExceededException or
  InternalServerError before the call;
- DynamoDB writes (PutItem, TransactWriteItems): the same before the call, or InternalServerError
  *after* the write committed (the caller cannot know it succeeded), or a real concurrent writer
  (another client bumps the item's version first, so the conditional write fails);
- EventBridge PutEvents: ThrottlingException or InternalFailure before the call, InternalFailure
  after the events were delivered, or a partial failure (FailedEntryCount > 0: some entries are
  really not delivered and carry an ErrorCode).

The faults bypass botocore's own retries (raised at `before-call`/`after-call`), so each one
reaches the function and the system's retry paths: SQS redelivery of batch-item failures (then the
redrive policy), the stream's retry from the failed sequence number, the publisher's per-entry
retry and the conflict loop of shared.runtime.apply.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from shared.adapters import aws

READ_FAULTS = [("ThrottlingException", 400), ("ProvisionedThroughputExceededException", 400),
               ("InternalServerError", 500)]
WRITE_FAULTS = READ_FAULTS + [("after-commit", 500), ("concurrent-writer", 400)]
EVENTS_FAULTS = [("ThrottlingException", 400), ("InternalFailure", 500), ("after-delivery", 500),
                 ("partial", 200)]


def _error(code: str, status: int, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "injected fault"},
                        "ResponseMetadata": {"HTTPStatusCode": status, "RetryAttempts": 0}}, operation)


class FaultInjector:
    def __init__(self, system: Any, rate: float, seed: int):
        self.system, self.rate = system, rate
        self.rng = random.Random(seed)
        self.local = threading.local()
        self.calls: Counter = Counter()  # operation -> calls made inside functions
        self.faults: Counter = Counter()  # (operation, fault) -> injected
        self.invocations: Counter = Counter()  # function -> invocations
        self.failures: Counter = Counter()  # function -> records / batches it reported failed or raised on
        self.enabled = True
        session = boto3.session.Session(region_name=system.stack.region)
        self.raw = {"dynamodb": session.client("dynamodb"), "events": session.client("events")}
        self._wrapped: list[tuple[Any, Any]] = []
        self._hooks: list[tuple[Any, str, Any]] = []

    # -- install / remove -------------------------------------------------------------------------
    def __enter__(self) -> FaultInjector:
        pump = self.system.pump
        for d in [*pump.deliveries.values(), pump.stream, pump.scheduled]:
            if d is not None:
                self._wrapped.append((d, d.handler))
                d.handler = self._wrap(d.function, d.handler)
        for service in ("dynamodb", "events"):
            events = aws.client(service).meta.events
            for name, hook in ((f"before-call.{service}", self._before), (f"after-call.{service}", self._after)):
                events.register_first(name, hook)
                self._hooks.append((events, name, hook))
        return self

    def __exit__(self, *exc: Any) -> None:
        for events, name, hook in self._hooks:
            events.unregister(name, hook)
        for d, handler in self._wrapped:
            d.handler = handler

    def _wrap(self, function: str, handler: Any) -> Any:
        def invoke(event: dict[str, Any], context: Any, **kwargs: Any) -> Any:
            self.local.function = function
            self.invocations[function] += 1
            try:
                result = handler(event, context, **kwargs)
            except Exception:
                self.failures[function] += 1
                raise
            finally:
                self.local.function = None
            self.failures[function] += len((result or {}).get("batchItemFailures", []) if isinstance(result, dict) else [])
            return result

        return invoke

    # -- hooks ------------------------------------------------------------------------------------
    def _pick(self, operation: str, choices: list[tuple[str, int]]) -> tuple[str, int] | None:
        if not self.enabled or not getattr(self.local, "function", None):
            return None
        self.calls[operation] += 1
        if self.rng.random() >= self.rate:
            return None
        fault = self.rng.choice(choices)
        return fault

    def _before(self, model: Any, params: dict[str, Any], context: dict[str, Any], **kwargs: Any) -> Any:
        op = model.name
        service = model.service_model.endpoint_prefix
        if service == "dynamodb":
            if op not in ("GetItem", "Query", "PutItem", "TransactWriteItems", "UpdateItem", "DeleteItem"):
                return None
            fault = self._pick(f"dynamodb:{op}", READ_FAULTS if op in ("GetItem", "Query") else WRITE_FAULTS)
            if fault is None:
                return None
            code, status = fault
            if code == "after-commit":
                context["inject_after"] = ("InternalServerError", 500)
            elif code == "concurrent-writer" and self._concurrent_write(op, json.loads(params["body"])):
                pass  # the real call now fails its version condition
            else:
                code = "ThrottlingException" if code == "concurrent-writer" else code
                self.faults[(f"dynamodb:{op}", code)] += 1
                raise _error(code, status, op)
            self.faults[(f"dynamodb:{op}", fault[0])] += 1
            return None
        if service == "events" and op == "PutEvents":
            fault = self._pick("events:PutEvents", EVENTS_FAULTS)
            if fault is None:
                return None
            code, status = fault
            self.faults[("events:PutEvents", code)] += 1
            if code == "after-delivery":
                context["inject_after"] = ("InternalFailure", 500)
                return None
            if code == "partial":
                return self._partial(json.loads(params["body"]))
            raise _error(code, status, op)
        return None

    def _after(self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any],
               **kwargs: Any) -> None:
        injected = context.pop("inject_after", None)
        if injected and http_response.status_code < 300:
            raise _error(injected[0], injected[1], model.name)

    def _concurrent_write(self, op: str, body: dict[str, Any]) -> bool:
        """Another writer updates the partner item between our read and our write."""
        item = body.get("Item") if op == "PutItem" else ((body.get("TransactItems") or [{}])[0].get("Put") or {}).get("Item")
        table = body.get("TableName") or ((body.get("TransactItems") or [{}])[0].get("Put") or {}).get("TableName")
        if not item or "version" not in item or item["version"]["N"] == "1":
            return False  # a first write (attribute_not_exists): no version to race on
        try:
            self.raw["dynamodb"].update_item(
                TableName=table, Key={"pk": item["pk"], "sk": item["sk"]},
                UpdateExpression="SET version = version + :one REMOVE outbox", ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":one": {"N": "1"}})
        except ClientError:
            return False
        return True

    def _partial(self, body: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
        """Some entries fail (and are really not delivered), the others are delivered."""
        entries = body["Entries"]
        failed = {i for i in range(len(entries)) if self.rng.random() < 0.5} or {0}
        delivered = [e for i, e in enumerate(entries) if i not in failed]
        ids = iter(self.raw["events"].put_events(Entries=delivered)["Entries"] if delivered else [])
        results = [{"ErrorCode": "InternalFailure", "ErrorMessage": "injected partial failure"} if i in failed
                   else next(ids) for i in range(len(entries))]
        parsed = {"FailedEntryCount": len(failed), "Entries": results,
                  "ResponseMetadata": {"HTTPStatusCode": 200, "RetryAttempts": 0}}
        return AWSResponse("https://events.local/", 200, {}, None), parsed

    def summary(self) -> str:
        calls = sum(self.calls.values())
        faults = sum(self.faults.values())
        kinds = Counter()
        for (_, kind), n in self.faults.items():
            kinds[kind] += n
        return (f"{faults:,} faults in {calls:,} DynamoDB/EventBridge calls made by the functions "
                f"({faults / max(calls, 1):.1%}): " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
