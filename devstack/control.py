"""The control operations behind ``/_local/*`` (partnerctl's view of the running stack): queue
depths, the quiet test, the outbound event log and the scheduler stand-in."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from devstack.activity import Activity
from devstack.config import PROBE_NAME
from devstack.depths import QueueDepths
from devstack.localstate import LocalState
from devstack.partnerwork import PartnerWork
from devstack.restore import save_dead_letters
from shared.adapters import aws

log = logging.getLogger("devstack")


class Controls:
    """Mixed into `LocalSystem`, whose start-up sets these attributes."""

    activity: Activity
    outbound: list[dict[str, Any]]
    outbound_lock: threading.Condition
    tick_lock: threading.Lock
    probe_url: str
    probe_logged_ms: int
    stack: Any
    pump: Any
    state: LocalState | None
    work: PartnerWork
    checkpoint_lock: threading.Lock
    saved_key: Any
    depths: QueueDepths

    def dlq_names(self) -> list[str]:
        s = self.stack
        names = set(s.dlq_of.values())
        for fn in s.functions.values():
            names.update(q for q in (fn.get("on_failure"), fn.get("schedule_dlq"), fn.get("async_on_failure")) if q)
        names.update(q for q in s.queues if q.endswith("DLQ"))
        return sorted(n for n in names if n in s.queues)

    def pending(self) -> dict[str, int]:
        urls = {**{q: d.queue_url for q, d in self.pump.deliveries.items()}, PROBE_NAME: self.probe_url}
        return self.depths.depths(urls)

    def dlq_depths(self) -> dict[str, int]:
        return self.depths.depths({name: self.stack.queues[name] for name in self.dlq_names()})

    def status(self, dead_letters: bool = True) -> dict[str, Any]:
        """`quiet`: no handler running, the work queues and the probe empty (visible or in flight) and
        two empty stream polls since the last invocation, with nothing moving while this was read."""
        before = self.activity.snapshot()
        pending = self.pending()
        after = self.activity.snapshot()
        quiet = (before["seq"] == after["seq"] and after["inFlight"] == 0 and after["streamIdlePolls"] >= 2
                 and sum(pending.values()) == 0)
        with self.outbound_lock:
            outbound = len(self.outbound)
        if not dead_letters:
            return {"quiet": quiet, "pending": pending, "pendingTotal": sum(pending.values()),
                    "inFlight": after["inFlight"], "activitySeq": after["seq"], "outboundEvents": outbound}
        return {
            "quiet": quiet,
            "pending": pending,
            "pendingTotal": sum(pending.values()),
            "inFlight": after["inFlight"],
            "streamIdlePolls": after["streamIdlePolls"],
            "activitySeq": after["seq"],
            "processed": after["processed"],
            "outboundEvents": outbound,
            "deadLetters": self.checkpoint() if quiet else self.dlq_depths(),
            "uptimeSeconds": round(time.time() - self.activity.started, 1),
        }

    def progress(self, since: int, wait: float = 0.0, partners: set[str] | None = None,
                 version: int | None = None) -> dict[str, Any]:
        """For one sender among others: the envelopes consumed since `since` and the partners with
        work in flight (devstack.partnerwork); with `wait`, a long poll (PartnerWork.progress)."""
        out = self.work.progress(since, wait=wait, partners=partners, version=version)
        with self.outbound_lock:
            out["outboundEvents"] = len(self.outbound)
        return out

    def progress_query(self, args: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """GET /_local/progress?since=N[&wait=S&partners=A,B|&version=V]: `progress` or a 400 naming
        the field."""
        values: dict[str, Any] = {}
        for field, kind in (("since", int), ("version", int), ("wait", float)):
            raw = args.get(field, "")
            try:
                values[field] = kind(raw) if raw != "" else None
            except ValueError:
                return 400, {"message": f"{field} must be a number, got {raw!r}", "field": field}
        partners = {p for p in args["partners"].split(",") if p} if "partners" in args else None
        wait = values["wait"] if values["wait"] is not None and values["wait"] == values["wait"] else 0.0  # not NaN
        # A long poll holds a server thread: at most 5 s.
        return 200, self.progress(values["since"] or 0, wait=max(0.0, min(5.0, wait)), partners=partners,
                                  version=values["version"])

    def settle(self, timeout: float = 30.0) -> dict[str, Any]:
        """A sender's last call once its own work is done: until the outbound log has every event
        published before this call, then the dead letters saved."""
        caught_up = self.outbound_complete(timeout)
        return {"deadLetters": self.checkpoint(sender=True), "probePending": not caught_up}

    def outbound_complete(self, timeout: float) -> bool:
        """Until the outbound log has every event published before this call (the probe queue
        delivers in the order sent: once it logged a message sent later, or is empty, it logged all
        earlier ones; other senders may keep it from ever being empty). The probe loop notifies
        `outbound_lock` after each batch it logged and deleted; the 0.05 s between looks is a
        bound, not the pace."""
        since_ms = int(time.time() * 1000)
        deadline = time.monotonic() + timeout
        while not self.probe_caught_up(since_ms):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            with self.outbound_lock:
                self.outbound_lock.wait(min(0.05, left))
        return True

    def probe_caught_up(self, since_ms: int) -> bool:
        with self.outbound_lock:
            if self.probe_logged_ms > since_ms:
                return True
        return self.probe_depth() == 0

    def probe_depth(self) -> int:
        return self.depths.depth(self.probe_url)

    def checkpoint(self, sender: bool = False) -> dict[str, int]:
        """Copy the dead-letter queues into the state file if their content changed since the last
        copy; called when the stack is quiet, after a daily run, and by a sender whose own work is
        done, so that a caller told "done" finds them after a restart. Returns the queues' depths.

        With the emulator in this process the content is known without a request (the messages'
        ids, QueueDepths.contents), so a copy (a peek at every DLQ) happens only when a dead letter
        came or went. Otherwise: when work happened since the last copy, or for a `sender` (other
        senders keep the stack busy) when the queues' depths changed."""
        with self.checkpoint_lock:
            urls = {n: self.stack.queues[n] for n in self.dlq_names()}
            depths = self.depths.depths(urls)
            key: Any = self.depths.contents(urls)
            if key is not None:
                changed = key != self.saved_key
            else:
                key = (self.activity.snapshot()["seq"], sorted(depths.items()))
                changed = key[1] != self.saved_key[1] if sender and self.saved_key else key != self.saved_key
            if self.state is not None and changed:
                save_dead_letters(self.state, aws.client("sqs"), urls)
                self.saved_key = key
            return depths

    def put_events(self, raw: bytes) -> tuple[int, dict[str, Any]]:
        """POST /_local/put-events: EventBridge PutEvents on the emulator for partnerctl (a JSON body
        `{"Entries": [...]}`, at most 10, as PutEvents takes them): the same call it would make, so
        the events take the same path."""
        try:
            body = json.loads(raw or b"null")
        except (ValueError, RecursionError):
            return 400, {"message": 'the body must be JSON: {"Entries": [...]}', "field": "body"}
        entries = body.get("Entries") if isinstance(body, dict) else None
        if not isinstance(entries, list) or not 1 <= len(entries) <= 10 or not all(isinstance(e, dict)
                                                                                 for e in entries):
            return 400, {"message": "Entries: a list of 1 to 10 PutEvents entries (objects) is required",
                         "field": "Entries"}
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = aws.client("events").put_events(Entries=entries)
        except ClientError as exc:
            err = exc.response.get("Error", {})
            return 502, {"message": f"{err.get('Code')}: {err.get('Message')}", "field": "Entries"}
        except BotoCoreError as exc:  # botocore refused the entries (a missing or mistyped field)
            return 400, {"message": str(exc)[:500], "field": "Entries"}
        return 200, {"Entries": answer.get("Entries", []), "FailedEntryCount": answer.get("FailedEntryCount", 0)}

    def events_since(self, since: int, limit: int = 10_000) -> dict[str, Any]:
        since = max(0, since)
        with self.outbound_lock:
            items = self.outbound[since: since + limit]
            total = len(self.outbound)
        return {"since": since, "next": min(since, total) + len(items), "total": total, "events": items}

    def tick(self, day: str, timeout: float = 120.0) -> dict[str, Any]:
        """Run the anniversary schedule for `day`, as EventBridge Scheduler would, and wait until
        everything it caused is processed. Asynchronous invocation semantics: the function's
        retries (EventInvokeConfig), then its on-failure destination."""
        with self.tick_lock:
            with self.outbound_lock:
                cursor = len(self.outbound)
            fn = self.stack.functions[self.pump.scheduled.function]
            attempts = 1 + 2  # EventInvokeConfig MaximumRetryAttempts: 2
            started = time.monotonic()
            error: str | None = None
            result: Any = None
            if self.state is not None:
                self.state.run_started(day)
            for attempt in range(attempts):
                try:
                    result = self.pump.tick(day)
                    error = None
                    break
                except Exception as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    log.warning("scheduled run failed", extra={"day": day, "attempt": attempt + 1, "error": error})
            if error is not None:
                self._dead_letter_tick(day, fn.get("async_on_failure"), error, attempts)
            ended = self.activity.snapshot()["seq"]  # the run's invocation has ended: its writes are done
            self.activity.touch()
            # Everything the run wrote has had its effects (published, consumed by the work queues'
            # functions, their writes published in turn), and the outbound log holds what it published.
            deadline = time.monotonic() + timeout
            quiet = (self.work.wait_done(ended, timeout)
                     and self.outbound_complete(max(0.0, deadline - time.monotonic())))
            if quiet:
                self.checkpoint()
            if self.state is not None:
                self.state.run_finished(day, result, error)
            log.info("tick", extra={"day": day, "result": result, "error": error, "quiet": quiet,
                                    "seconds": round(time.monotonic() - started, 2)})
            return {"day": day, "result": result, "error": error, "quiet": quiet,
                    "seconds": round(time.monotonic() - started, 3), **self.events_since(cursor)}

    def _dead_letter_tick(self, day: str, queue: str | None, error: str, attempts: int) -> None:
        if not queue or queue not in self.stack.queues:
            return
        body = {"version": "1.0", "timestamp": datetime.now(UTC).isoformat(),
                "requestContext": {"functionArn": self.pump.scheduled.function, "condition": "RetriesExhausted",
                                   "approximateInvokeCount": attempts},
                "requestPayload": {"source": "aws.scheduler", "detail-type": "Scheduled Event",
                                   "time": f"{day}T00:05:00Z", "detail": {}},
                "responsePayload": {"errorMessage": error}}
        aws.client("sqs").send_message(QueueUrl=self.stack.queues[queue], MessageBody=json.dumps(body))
