"""Queue depths for the control endpoints (the quiet test, settle, the dead-letter checkpoint).

The control endpoints ask for the depths of up to eleven queues at every quiet test, settle and
daily run, while the work they wait for runs; as GetQueueAttributes calls each is a request that
competes with the handlers for the emulator. With the emulator in this process (MOTO_MODE=thread, the default) the
depths are read from its queues instead: the same two counts GetQueueAttributes answers
(ApproximateNumberOfMessages + ApproximateNumberOfMessagesNotVisible), without a request, as the
pollers read their queues (`devstack.sources.EmulatorSource`); the handlers go through the AWS API
as on AWS. With the emulator in a child process, or a queue it does not know, the API answers.
"""

from __future__ import annotations

from typing import Any

from devstack.config import FAKE_ACCOUNT, REGION
from devstack.sources import ApiSource, EmulatorSource


class QueueDepths:
    def __init__(self, in_process: bool, account: str = FAKE_ACCOUNT, region: str = REGION):
        self.in_process, self.account, self.region = in_process, account, region

    def _queue(self, url: str) -> Any:
        """The emulator's queue object behind `url`, or None when it is not in this process."""
        if not self.in_process:
            return None
        from moto.sqs.models import sqs_backends

        try:
            return sqs_backends[self.account][self.region].queues.get(url.rstrip("/").rsplit("/", 1)[-1])
        except (KeyError, AttributeError):
            return None

    def depth(self, url: str) -> int:
        """Messages visible or in flight on the queue at `url`."""
        return (EmulatorSource() if self._queue(url) is not None else ApiSource()).depth(url)

    def depths(self, urls: dict[str, str]) -> dict[str, int]:
        return {name: self.depth(url) for name, url in urls.items()}

    def contents(self, urls: dict[str, str]) -> dict[str, tuple[str, ...]] | None:
        """The ids of every message (visible, in flight or delayed) of each queue, read from the
        in-process emulator; None when it is not in this process or does not know a queue."""
        out = {}
        for name, url in urls.items():
            queue = self._queue(url)
            messages = getattr(queue, "_messages", None)
            if messages is None:
                return None
            out[name] = tuple(sorted(m.id for m in list(messages)))
        return out
