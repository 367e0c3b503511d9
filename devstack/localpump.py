"""The shared `Pump` as `make run` drives it: handlers take turns, every invocation is counted."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from devstack.activity import Activity
from devstack.partnerwork import PartnerWork, envelope_facts
from devstack.pump import Pump
from devstack.sources import Source

log = logging.getLogger("devstack")


class LocalPump(Pump):
    """The shared Pump, with one lock around every handler invocation and activity tracking.

    Handlers share module-level Powertools singletons (Logger keys, Metrics) that Lambda keeps
    apart by running each invocation in its own process; here the threads take turns. A handler
    that raises is reported to the pump as a batch whose every record failed, so the records
    come back after ``retry_delay`` (like Lambda retrying the batch) instead of staying
    invisible for the queue's full visibility timeout.
    """

    def __init__(self, stack: Any, retry_delay: int | None, activity: Activity, work: PartnerWork | None = None,
                 max_receive: dict[str, int] | None = None, source: Source | None = None):
        self.activity = activity
        self.work = work
        self.max_receive = max_receive or {}
        self.invoke_lock = threading.RLock()
        super().__init__(stack, retry_delay=retry_delay, source=source)
        self.queue_of = {d.function: q for q, d in self.deliveries.items()}

    def _invoke(self, d: Any, event: dict[str, Any]) -> Any:
        records = event.get("Records")
        n = len(records) if records is not None else 1
        with self.invoke_lock:
            self.activity.begin(d.function)
            track = self._track(d, records)
            started = time.monotonic()
            failed, error = 0, False
            result: Any = None
            try:
                result = super()._invoke(d, event)
                failed = len((result or {}).get("batchItemFailures", []) if isinstance(result, dict) else [])
                return result
            except Exception:
                error = True
                log.exception("handler failed", extra={"function": d.function, "records": n})
                if not records:
                    raise  # the scheduled run: the caller reports it
                failed = n
                if records[0].get("eventSource") == "aws:sqs":
                    result = {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]}
                else:
                    result = {"batchItemFailures": [{"itemIdentifier": records[0]["dynamodb"]["SequenceNumber"]}]}
                return result
            finally:
                self.activity.end(d.function, n, failed, error)
                if track is not None:
                    track(result)
                log.info("invoked", extra={"function": d.function, "records": n, "failedRecords": failed,
                                           "ms": round((time.monotonic() - started) * 1000, 1)})

    def _track(self, d: Any, records: list[dict[str, Any]] | None) -> Any:
        """Tell `work` what this invocation is about; returns what to call with its result."""
        work = self.work
        if work is None or not records:
            return None
        if records[0].get("eventSource") == "aws:sqs":
            queue = self.queue_of.get(d.function, "")
            facts = {r["messageId"]: envelope_facts(r["body"]) for r in records}
            partners = {p for _, p, _ in facts.values() if p}
            work.begin(partners)

            def done(result: Any) -> None:
                failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
                finished = []
                for r in records:
                    envelope, partner, event_id = facts[r["messageId"]]
                    if r["messageId"] not in failed:
                        finished.append((envelope, partner, event_id, "ok"))
                    elif int(r["attributes"].get("ApproximateReceiveCount", "1")) >= self.max_receive.get(queue, 1):
                        finished.append((envelope, partner, event_id, "dead"))  # the queue dead-letters it next
                work.end(partners, self.activity.snapshot()["seq"], finished, queue)

            return done
        registered = [(int(r["dynamodb"]["SequenceNumber"]), work.published(r["dynamodb"].get("NewImage") or {}))
                      for r in records]

        def published(result: Any) -> None:
            failed = [int(f["itemIdentifier"]) for f in (result or {}).get("batchItemFailures", [])]
            if failed:  # from the first failed record on, the stream delivers them again
                work.unpublished([x for seq, items in registered if seq >= min(failed) for x in items])

        return published
