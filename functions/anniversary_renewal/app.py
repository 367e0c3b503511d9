"""Anniversary renewal: the daily scheduled run, and benefits elections.

- EventBridge Scheduler invokes it once a day; the day it runs for is the event's `time`. It finds
  every partner with work due that day or before (renewal checks, payment-window lapses,
  specialization warnings and losses, Azure Expert MSP checks) through the DueIndex — never a scan
  — so a missed day is caught up; running a day twice does nothing the second time.
- SQS (RenewalQueue) <- EventBridge RenewalRule: BenefitsElected (Option 1 / Option 2 + fee).
"""

from __future__ import annotations

import shared.startup.sqs  # noqa: F401 - first: the import-order rules (shared/startup/__init__.py)

# isort: split

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shared import runtime
from shared.lazy import LazyModule
from shared.models import outbound  # noqa: F401 - loaded now: runtime.apply validates every announced event
from shared.models.inbound import parse_inbound
from shared.rules import engine

QUEUE = "RenewalQueue"
# Imported on the first scheduled run (`idempotent_run`): its DynamoDB persistence layer imports
# boto3, which the BenefitsElected invocations of this function never need.
idempotency = LazyModule("aws_lambda_powertools.utilities.idempotency")


def handle_election(record: SQSRecord, deps: runtime.Deps) -> runtime.Work:
    _, model = parse_inbound(record.body)
    detail = model.model_dump(mode="json", by_alias=True)
    partner_id = detail["partnerId"]
    on = runtime.event_day(runtime.body_json(record).get("time"), runtime.sent_on(record))
    return runtime.Work(partner_id, lambda s: engine.elect_benefits(s, partner_id, detail, on),
                        keys={"eventId": detail["eventId"], "partner": partner_id})


def run_day(day: str, deps: runtime.Deps) -> dict[str, Any]:
    """Process every partner due on `day` or earlier. A failure (a shard's query, one partner) does
    not stop the others: the run goes on and fails at the end, so the scheduler's retry does only
    what is left (what was done is no longer due). Returns counts for the log."""
    partners = events = failed = 0
    for shard in range(deps.repo.shard_count):
        try:
            for partner_id, record in deps.repo.due(day, [shard]):
                partners += 1
                try:
                    events += len(runtime.apply(deps, partner_id, lambda s, p=partner_id: engine.run_due(s, p, day),
                                                first=record))
                except Exception:  # noqa: BLE001 - counted and re-raised below, after the other partners
                    failed += 1
                    runtime.logger.exception("partner run failed", extra={"day": day, "shard": shard})
        except Exception:  # noqa: BLE001 - the shard's query failed: the retry runs it again
            failed += 1
            runtime.logger.exception("due query failed", extra={"day": day, "shard": shard})
    runtime.logger.info("anniversary run", extra={"day": day, "partners": partners, "events": events, "failed": failed})
    if failed:
        raise RuntimeError(f"anniversary run for {day}: {failed} shard queries or partners failed; retry")
    return {"day": day, "partners": partners, "events": events}


@cache
def idempotent_run(table: str) -> Any:
    """Scheduler delivers at least once: a repeated invocation (same execution id) is answered from
    the idempotency table. Built on the first scheduled run."""
    persistence = idempotency.DynamoDBPersistenceLayer(table_name=table)
    config = idempotency.IdempotencyConfig(event_key_jmespath="id", raise_on_no_idempotency_key=True,
                                           expires_after_seconds=7 * 86400)

    @idempotency.idempotent_function(data_keyword_argument="invocation", config=config, persistence_store=persistence)
    def run(invocation: dict[str, Any], deps: runtime.Deps) -> dict[str, Any]:
        return run_day(runtime.event_day(invocation.get("time"), ""), deps)

    return run, config


@runtime.metrics.log_metrics
@runtime.logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any, deps: runtime.Deps | None = None) -> dict[str, Any]:
    deps = deps or runtime.Deps.from_env()
    if "Records" in event:
        return runtime.sqs_batch(event, context, QUEUE, deps, handle_election)
    if not runtime.event_day(event.get("time"), ""):
        raise ValueError("time: the scheduled event must carry the ISO time of the day to run")
    invocation = {"id": event.get("id"), "time": event["time"]}
    if not deps.env.idempotency_table:
        return run_day(runtime.event_day(event["time"], ""), deps)
    run, config = idempotent_run(deps.env.idempotency_table)
    config.register_lambda_context(context)
    return run(invocation=invocation, deps=deps)


runtime.freeze_imports()  # last: see shared/runtime.py
