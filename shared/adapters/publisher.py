"""EventBridge publishing: chunks of 10, every failed entry retried, never silently dropped."""

from __future__ import annotations

from typing import Any, Protocol

from . import aws

MAX_ENTRIES = 10  # PutEvents' limit per request
ATTEMPTS = 3


class PublishError(Exception):
    """Some entries could not be published after retries (the caller fails its record)."""

    def __init__(self, failed: list[dict[str, Any]]):
        super().__init__(f"{len(failed)} event(s) not published: {failed[0].get('ErrorCode')}")
        self.failed = failed


class Publisher(Protocol):
    def publish(self, entries: list[dict[str, str]]) -> None: ...


class EventBridgePublisher:
    def publish(self, entries: list[dict[str, str]]) -> None:
        events = aws.client("events")
        for start in range(0, len(entries), MAX_ENTRIES):
            pending = entries[start : start + MAX_ENTRIES]
            failures: list[dict[str, Any]] = []
            for _ in range(ATTEMPTS):
                result = events.put_events(Entries=pending)
                if not result.get("FailedEntryCount"):
                    failures = []
                    break
                failures = [r for r in result["Entries"] if r.get("ErrorCode")]
                pending = [e for e, r in zip(pending, result["Entries"], strict=True) if r.get("ErrorCode")]
            if failures:
                raise PublishError(failures)
