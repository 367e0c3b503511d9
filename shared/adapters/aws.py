"""Lazily created AWS clients, one per service and process (reused across warm invocations).

Nothing is created or imported from botocore at import time: tests set their environment (moto,
endpoints) first and handlers pay for a client only when they use it. `AWS_ENDPOINT_URL` points
every client at the local emulator without code changes.

The clients are botocore's, made from one botocore session per process: boto3's layer on top
(resources, S3 transfers, its own session) is never used by the functions, and importing it is a
measurable share of a cold start's SDK work (docs/decisions.md, "Cold start"). One session serves
every client, so the endpoint and partition data it loads for the first client is not loaded again
for the second.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from shared.lazy import LazyModule

botocore_config = LazyModule("botocore.config")
botocore_session = LazyModule("botocore.session")
_clients: dict[str, Any] = {}
_session: Any = None  # the process's botocore session, made with the first client
_lock = threading.Lock()


def client(service: str) -> Any:
    global _session
    c = _clients.get(service)
    if c is None:
        with _lock:
            c = _clients.get(service)
            if c is None:
                if _session is None:
                    _session = botocore_session.get_session()
                config = botocore_config.Config(
                    retries={"mode": "standard", "max_attempts": 3},
                    connect_timeout=2,
                    read_timeout=10,
                    account_id_endpoint_mode="disabled",
                )
                c = _session.create_client(service, region_name=os.environ.get("AWS_REGION")
                                           or os.environ.get("AWS_DEFAULT_REGION", "us-east-1"), config=config)
                _clients[service] = c
    return c


def reset() -> None:
    """Forget every client and the session (tests switch emulators between cases)."""
    global _session
    with _lock:
        _clients.clear()
        _session = None
