"""Activity tracking: what the control endpoints need to tell when the work a caller caused is done."""

from __future__ import annotations

import threading
import time
from typing import Any


class Activity:
    """What the control endpoints need to say "everything caused so far has been processed".

    ``seq`` moves after every handler invocation (its writes and publications are complete by
    then). The stream poller counts its consecutive empty polls that *started* after the last
    invocation; with no handler running, every queue (work queues and the probe) empty and two
    such empty stream polls, nothing is left to happen.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seq = 0
        self.in_flight = 0
        self.stream_idle = 0  # consecutive empty stream polls ...
        self.stream_idle_seq = -1  # ... all started when seq had this value
        self.functions: dict[str, dict[str, int]] = {}
        self.started = time.time()
        self.invoked = threading.Event()  # set when an invocation ends: the stream may have new records

    def begin(self, function: str) -> None:
        with self.lock:
            self.in_flight += 1
            self.functions.setdefault(function, {"invocations": 0, "records": 0, "errors": 0, "failedRecords": 0})

    def end(self, function: str, records: int, failed: int, error: bool) -> None:
        with self.lock:
            stats = self.functions[function]
            stats["invocations"] += 1
            stats["records"] += records
            stats["failedRecords"] += failed
            stats["errors"] += int(error)
            self.in_flight -= 1
            self.seq += 1
        self.invoked.set()

    def touch(self) -> None:
        with self.lock:
            self.seq += 1

    def stream_polled(self, started_seq: int, moved: int) -> None:
        with self.lock:
            if moved:
                self.stream_idle = 0
            elif started_seq == self.stream_idle_seq:
                self.stream_idle += 1
            else:
                self.stream_idle, self.stream_idle_seq = 1, started_seq

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "seq": self.seq,
                "inFlight": self.in_flight,
                "streamIdlePolls": self.stream_idle if self.stream_idle_seq == self.seq else 0,
                "processed": {k: dict(v) for k, v in sorted(self.functions.items())},
            }
