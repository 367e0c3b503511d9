"""Score ingestion: validated feed facts -> stored (never over a newer one) -> ScoreEvaluated.

SQS (ScoreIngestionQueue) <- EventBridge ScoreIngestionRule. Facts: MetricsReported,
CertificationEarned/Removed, TrainingMetricsReported, and the membership / marketplace facts.
"""

from __future__ import annotations

import shared.startup.sqs  # noqa: F401 - first: the import-order rules (shared/startup/__init__.py)

# isort: split

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shared import runtime
from shared.models.announcements.scores import ScoreEvaluated
from shared.models.inbound import parse_inbound
from shared.rules import engine
from shared.rules.catalogue import resolve

QUEUE = "ScoreIngestionQueue"
# Every fact that changes a partner's scores announces ScoreEvaluated (validated by runtime.apply
# before the write): built now, with the module. The inbound models are built when their event type
# first arrives (a cold batch holds one or two of the ten types), the rare outbound ones likewise.
ScoreEvaluated.model_rebuild()


def handle(record: SQSRecord, deps: runtime.Deps) -> runtime.Work:
    detail_type, model = parse_inbound(record.body)
    detail = model.model_dump(mode="json", by_alias=True)
    partner_id = detail["partnerId"]
    # Skilling feeds may build event ids from person ids: those are logged as a digest only.
    logged_id = runtime.hashed(detail["eventId"]) if "personId" in detail else detail["eventId"]
    links = [detail["locationId"]] if detail_type == "LocationLinked" else []
    unknown = detail_type == "CertificationEarned" and resolve(detail["certification"]) is None
    return runtime.Work(partner_id, lambda s: engine.record_fact(s, partner_id, detail_type, detail),
                        (lambda _state: links) if links else None, detail.get("personId"),
                        (lambda: unrecognised(detail["certification"])) if unknown else None,
                        {"eventId": logged_id, "partner": partner_id, "detailType": detail_type})


def unrecognised(name: str) -> None:
    """One `UnrecognisedCertification` data point per stored earn of a name the catalogue does not
    know (kept on the roster, counting for nothing). The name is metadata of its own EMF record,
    not a dimension: feed text would make one CloudWatch metric per misspelling (unbounded
    cardinality and cost), and an alarm needs one metric; Logs Insights reads the names."""
    runtime.logger.warning("unrecognised certification", extra={"certification": name})
    with single_metric(name="UnrecognisedCertification", unit=MetricUnit.Count, value=1) as metric:
        metric.add_metadata(key="certification", value=name)


@runtime.metrics.log_metrics
@runtime.logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any, deps: runtime.Deps | None = None) -> dict[str, Any]:
    return runtime.sqs_batch(event, context, QUEUE, deps or runtime.Deps.from_env(), handle)


runtime.freeze_imports()  # last: see shared/runtime.py
