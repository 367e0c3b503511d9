"""Lazily created boto3 clients, one per service and process (reused across warm invocations).

Nothing is created at import time: tests set their environment (moto, endpoints) first and
handlers pay for a client only when they use it. `AWS_ENDPOINT_URL` points every client at the
local emulator without code changes.
"""

from __future__ import annotations

import os
import threading
from typing import Any

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def client(service: str) -> Any:
    c = _clients.get(service)
    if c is None:
        with _lock:
            c = _clients.get(service)
            if c is None:
                import boto3
                from botocore.config import Config

                config = Config(
                    retries={"mode": "standard", "max_attempts": 3},
                    connect_timeout=2,
                    read_timeout=10,
                    account_id_endpoint_mode="disabled",
                )
                c = boto3.session.Session().client(service, region_name=os.environ.get("AWS_REGION")
                                                   or os.environ.get("AWS_DEFAULT_REGION", "us-east-1"), config=config)
                _clients[service] = c
    return c


def reset() -> None:
    """Forget every client (tests switch emulators between cases)."""
    with _lock:
        _clients.clear()
