"""The shared `Pump` as `make run` drives it: handlers take turns, every invocation is counted."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from devstack.activity import Activity
from devstack.pump import Pump

log = logging.getLogger("devstack")


class LocalPump(Pump):
    """The shared Pump, with one lock around every handler invocation and activity tracking.

    Handlers share module-level Powertools singletons (Logger keys, Metrics) that Lambda keeps
    apart by running each invocation in its own process; here the threads take turns. A handler
    that raises is reported to the pump as a batch whose every record failed, so the records
    come back after ``retry_delay`` (like Lambda retrying the batch) instead of staying
    invisible for the queue's full visibility timeout.
    """

    def __init__(self, stack: Any, retry_delay: int | None, activity: Activity):
        self.activity = activity
        self.invoke_lock = threading.RLock()
        super().__init__(stack, retry_delay=retry_delay)

    def _invoke(self, d: Any, event: dict[str, Any]) -> Any:
        records = event.get("Records")
        n = len(records) if records is not None else 1
        with self.invoke_lock:
            self.activity.begin(d.function)
            started = time.monotonic()
            failed, error = 0, False
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
                    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]}
                return {"batchItemFailures": [{"itemIdentifier": records[0]["dynamodb"]["SequenceNumber"]}]}
            finally:
                self.activity.end(d.function, n, failed, error)
                log.info("invoked", extra={"function": d.function, "records": n, "failedRecords": failed,
                                           "ms": round((time.monotonic() - started) * 1000, 1)})
