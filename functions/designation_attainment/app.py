"""Designation attainment: ScoreEvaluated -> DesignationAttained, BadgeIssued (Microsoft Cloud
badge when all six are held). SQS (AttainmentQueue) <- EventBridge AttainmentRule."""

from __future__ import annotations

import shared.startup.sqs  # noqa: F401 - first: the import-order rules (shared/startup/__init__.py)

# isort: split

from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shared import runtime
from shared.models.announcements.scores import ScoreEvaluated
from shared.models.outbound import parse_outbound
from shared.rules import engine

QUEUE = "AttainmentQueue"
# Every record is a ScoreEvaluated: its validator is built now, with the module. What it announces
# (DesignationAttained, BadgeIssued: only when a designation is attained) is built on first use.
ScoreEvaluated.model_rebuild()


def handle(record: SQSRecord, deps: runtime.Deps) -> runtime.Work:
    _, model = parse_outbound(record.body)
    evaluated = model.model_dump(mode="json", by_alias=True)
    partner_id = evaluated["partnerId"]
    return runtime.Work(partner_id, lambda s: engine.attain(s, partner_id, evaluated),
                        keys={"eventId": evaluated["eventId"], "partner": partner_id})


@runtime.metrics.log_metrics
@runtime.logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any, deps: runtime.Deps | None = None) -> dict[str, Any]:
    return runtime.sqs_batch(event, context, QUEUE, deps or runtime.Deps.from_env(), handle)


runtime.freeze_imports()  # last: see shared/runtime.py
