"""Per-partner view of the work in flight, so that each `partnerctl send` can wait for the effects of
its own events while other senders keep the stack busy.

A sent event's effects are done when (1) its envelope was consumed by its queue's function
(processed, rejected into the DLQ by the handler, or failed for the last time), and (2) none of its
partners is busy. A partner is busy while a function works on its records, from then until the
stream poller has caught up past that write (its changes published and kept in the state file),
and while an event published for it still waits for a work queue's function (a ScoreEvaluated for
attainment). Events go only to the function of their own partner, so this is the whole chain.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any

from devstack.patterns import routed

Pattern = dict[str, Any]


def envelope_facts(body: str) -> tuple[str, str | None, str | None]:
    """(envelope id, partner id, detail eventId) of an EventBridge envelope in an SQS body."""
    try:
        env = json.loads(body)
    except ValueError:
        return "", None, None
    if not isinstance(env, dict):
        return "", None, None
    detail = env.get("detail") if isinstance(env.get("detail"), dict) else {}
    return str(env.get("id") or ""), detail.get("partnerId"), detail.get("eventId")


class PartnerWork:
    def __init__(self, routes: dict[str, list[Pattern]], source: str):
        self.routes, self.source = routes, source  # work queue -> the patterns of the rules feeding it
        # Every change notifies `lock` (a Condition): waiters wake when the work they wait for moved.
        self.lock = threading.Condition()
        self.version = 0  # moves with every change
        self.stream_seq = -1  # the latest activity seq at which a stream poll started that read to the end
        self.consumed: list[list[str]] = []  # [envelope id, "ok" | "dead"], in order
        self.running: Counter[str] = Counter()
        self.dirty: dict[str, int] = {}  # partner -> activity seq after its last write
        self.expected: dict[str, set[tuple[str, str]]] = {}  # partner -> {(queue, eventId)} published, not consumed

    # ---- work-queue functions ----------------------------------------------------------------
    def begin(self, partners: set[str]) -> None:
        with self.lock:
            self.running.update(partners)
            self._changed()

    def end(self, partners: set[str], seq: int, finished: list[tuple[str, str | None, str | None, str]],
            queue: str) -> None:
        """`finished`: (envelope id, partner, eventId, "ok" | "dead") of the records that are done."""
        with self.lock:
            self.running.subtract(partners)
            self.running += Counter()  # drops the zero counts
            for p in partners:
                self.dirty[p] = seq
            for envelope, partner, event_id, status in finished:
                if envelope:
                    self.consumed.append([envelope, status])
                if partner and event_id and partner in self.expected:
                    self.expected[partner].discard((queue, event_id))
                    if not self.expected[partner]:
                        del self.expected[partner]
            self._changed()

    # ---- the stream's publisher --------------------------------------------------------------
    def published(self, image: dict[str, Any]) -> list[tuple[str, str, str]]:
        """Register what publishing one stream record's outbox sends to work queues; returns the
        (partner, queue, eventId) registered, for `unpublished` if the publication fails."""
        pk = ((image.get("pk") or {}).get("S") or "")
        outbox = (image.get("outbox") or {}).get("S")
        if not pk.startswith("PARTNER#") or not outbox:
            return []
        partner = pk.removeprefix("PARTNER#")
        out = []
        for kind, detail in json.loads(outbox):
            for queue, patterns in self.routes.items():
                if routed(patterns, self.source, kind) and detail.get("eventId"):
                    out.append((partner, queue, detail["eventId"]))
        with self.lock:
            for partner, queue, event_id in out:
                self.expected.setdefault(partner, set()).add((queue, event_id))
            self._changed()
        return out

    def unpublished(self, registered: list[tuple[str, str, str]]) -> None:
        with self.lock:
            for partner, queue, event_id in registered:
                self.expected.get(partner, set()).discard((queue, event_id))
                if partner in self.expected and not self.expected[partner]:
                    del self.expected[partner]
            self._changed()

    def caught_up(self, started_seq: int) -> None:
        """The stream poller read to the end in a poll that started at `started_seq`: every write
        before it has been published and kept."""
        with self.lock:
            done = [p for p, seq in self.dirty.items() if seq <= started_seq]
            for p in done:
                del self.dirty[p]
            if done or started_seq > self.stream_seq:  # an idle poll changes nothing: no waiter wakes
                self.stream_seq = max(self.stream_seq, started_seq)
                self._changed()

    def _changed(self) -> None:
        """Under `lock`."""
        self.version += 1
        self.lock.notify_all()

    # ---- readers -----------------------------------------------------------------------------
    def progress(self, since: int, limit: int = 50_000, wait: float = 0.0, partners: set[str] | None = None,
                 version: int | None = None) -> dict[str, Any]:
        """The envelopes consumed since `since` and the busy partners. With `wait`, a long poll: the
        answer waits until an envelope was consumed after `since`, or none of `partners` is busy,
        or the tracked work changed since the answer that gave `version` (any of these asked
        for), at most `wait` seconds."""
        with self.lock:
            if wait > 0 and (partners is not None or version is not None):
                self.lock.wait_for(lambda: len(self.consumed) > since
                                   or (partners is not None and not partners & self._busy())
                                   or (version is not None and self.version != version), timeout=wait)
            elif wait > 0:
                self.lock.wait_for(lambda: len(self.consumed) > since, timeout=wait)
            since = max(0, min(since, len(self.consumed)))
            items = self.consumed[since: since + limit]
            return {"since": since, "next": since + len(items), "consumed": items, "busyPartners": sorted(self._busy()),
                    "version": self.version}

    def _busy(self) -> set[str]:
        return set(self.running) | set(self.dirty) | set(self.expected)

    def wait_done(self, seq: int, timeout: float) -> bool:
        """Until a stream poll that started at activity seq `seq` or later read to the end (every
        write made before `seq` published, and what it sent to work queues expected) and no partner
        is busy: everything written before `seq` has had all its effects. False on timeout."""
        with self.lock:
            return self.lock.wait_for(lambda: self.stream_seq >= seq and not self._busy(), timeout=timeout)
