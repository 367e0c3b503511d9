"""Lazily created AWS clients, one per service and process (reused across warm invocations).

Nothing is created at import time: tests set their environment (moto, endpoints) first and
handlers pay for a client only when they use it. `AWS_ENDPOINT_URL` points every client at the
local emulator without code changes.

The clients are botocore's, made from one botocore session per process: boto3's layer on top
(resources, S3 transfers, its own session) is never used by the functions, and importing it costs
~9 % of a cold start's SDK work (86 M instructions of 941 M for `import boto3` + one client,
docs/decisions.md). One session serves every client, so the endpoint and partition data it loads
for the first client is not loaded again for the second.
"""

from __future__ import annotations

import os
import threading
from typing import Any

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
                from botocore.config import Config

                if _session is None:
                    import botocore.session

                    _session = botocore.session.get_session()
                config = Config(
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
