"""The local stack's settings: loopback host, ports, state directory, logging, and the environment
that points every boto3 client of this process at the emulator."""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devstack.sam import function_settings
from shared.models.names import SOURCE as OUTBOUND_SOURCE

PROJECT_ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
PROBE_NAME = "devstack-outbound-probe"
FAKE_ACCOUNT = "123456789012"
REGION = "us-east-1"

__all__ = ["FAKE_ACCOUNT", "HOST", "OUTBOUND_SOURCE", "PROBE_NAME", "PROJECT_ROOT", "REGION", "JsonFormatter",
           "devstack_dir", "env_port", "fake_aws_env", "setup_logging"]

log = logging.getLogger("devstack")


def devstack_dir() -> Path:
    return Path(os.environ.get("DEVSTACK_DIR") or PROJECT_ROOT / ".devstack").resolve()


def env_port(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        port = int(raw)
    except ValueError:
        raise SystemExit(f"devstack: {name}={raw!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise SystemExit(f"devstack: {name}={port} is outside 1..65535")
    return port


# The template's DueShards for the local stack: 64 spread a production table's index writes; a
# laptop's few thousand partners need none of that, and the daily run makes one query per shard
# (64 of the demo's 14 days' 896 queries were most of its emulator requests).
LOCAL_DUE_SHARDS = 4


def local_due_shards() -> int:
    raw = os.environ.get("LOCAL_DUE_SHARDS", str(LOCAL_DUE_SHARDS))
    if not raw.isdigit() or not 1 <= int(raw) <= 256:
        raise SystemExit(f"devstack: LOCAL_DUE_SHARDS={raw!r} is not a number of shards in 1..256")
    return int(raw)


class JsonFormatter(logging.Formatter):
    """One JSON object a line, like the handlers' Powertools logs."""

    _skip = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update({k: v for k, v in record.__dict__.items() if k not in self._skip})
        if record.exc_info:
            out["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(out, default=str)


def setup_logging() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(os.environ.get("LOCAL_LOG_LEVEL", "INFO").upper())
    for noisy in ("werkzeug", "botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="No application metrics to publish")


def fake_aws_env(moto_endpoint: str) -> None:
    """Point every boto3 client of this process at the emulator, before any client exists."""
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        os.environ.pop(var, None)
    os.environ.update({
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    })
    # The handlers' Powertools and pydantic settings from template.yaml (read when their modules
    # are imported).
    for name, value in function_settings().items():
        os.environ.setdefault(name, value)
    # EMF metric blobs on stdout for every invocation would drown the console; nothing reads them.
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
