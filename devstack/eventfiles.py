"""Event files for `partnerctl send`: one JSON event, a JSON array or JSON Lines, each event checked
against EventBridge's envelope (the system validates the detail)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devstack.client import fail
from shared.models.parsing import UnsafeJson, read_json_safely

ENVELOPE_KEYS = {"source", "detail-type", "detail", "time", "version", "id", "account", "region", "resources"}
# The deepest event a file may hold: the deepest inbound event is 5 levels, and json.loads and
# json.dumps recurse, so a file nested thousands deep would otherwise end in a RecursionError.
MAX_DEPTH = 32


class Unreadable(Exception):
    """JSON that json.loads cannot read safely, or that EventBridge would not accept."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise Unreadable(f"the number {text[:40]} is out of range")
    return value


def _no_constant(name: str) -> Any:
    raise Unreadable(f"{name} is not JSON")


def parse_json(text: str) -> Any:
    """`text` as JSON. json.JSONDecodeError for text that is not JSON; Unreadable for what is JSON
    only to Python (NaN, Infinity, numbers out of range) or cannot be read safely: nesting past
    MAX_DEPTH and integers longer than Python converts (4,300 digits)."""
    try:
        return read_json_safely(text, MAX_DEPTH, parse_float=_finite, parse_constant=_no_constant)
    except UnsafeJson as e:
        raise Unreadable(str(e)) from None


def parse_time(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        fail(f"{where}: 'time' must be an ISO-8601 string", 2)
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(f"{where}: 'time' {value!r} is not an ISO-8601 timestamp", 2)
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)  # no zone given: UTC, as EventBridge shows it


def validate_event(event: Any, where: str) -> dict[str, Any]:
    """EventBridge's shape, not the detail's content (the system validates that)."""
    if not isinstance(event, dict):
        fail(f"{where}: an event must be a JSON object, got {type(event).__name__}", 2)
    unknown = sorted(set(event) - ENVELOPE_KEYS)
    if unknown:
        fail(f"{where}: unknown key {unknown[0]!r} (an event has source, detail-type, detail and optionally time)", 2)
    for key in ("source", "detail-type"):
        if not isinstance(event.get(key), str) or not event[key].strip():
            fail(f"{where}: {key!r} is required and must be a non-empty string", 2)
    if "detail" not in event:
        fail(f"{where}: 'detail' is required", 2)
    detail = event["detail"]
    if isinstance(detail, str):
        try:
            detail = parse_json(detail)
        except json.JSONDecodeError:
            fail(f"{where}: 'detail' is a string that is not JSON", 2)
        except Unreadable as exc:
            fail(f"{where}: 'detail' is a string that cannot be read: {exc}", 2)
    if not isinstance(detail, dict):
        fail(f"{where}: 'detail' must be a JSON object", 2)
    entry: dict[str, Any] = {"Source": event["source"], "DetailType": event["detail-type"],
                             "Detail": json.dumps(detail, separators=(",", ":"))}
    if event.get("time") is not None:
        entry["Time"] = parse_time(event["time"], where)
    if event.get("resources"):
        if not isinstance(event["resources"], list) or not all(isinstance(r, str) for r in event["resources"]):
            fail(f"{where}: 'resources' must be a list of strings", 2)
        entry["Resources"] = event["resources"]
    if len(entry["Detail"].encode()) > 256 * 1024:
        fail(f"{where}: the event is larger than EventBridge's 256 KB", 2)
    return entry


def load_events(path: Path) -> list[tuple[str, Any]]:
    """(where, event) of a file holding one JSON event, a JSON array, or JSON Lines."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{path}: no such file", 2)
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{path}: cannot read: {exc}", 2)
    if not text.strip():
        fail(f"{path}: the file is empty", 2)
    try:
        doc = parse_json(text)
    except Unreadable as exc:
        fail(f"{path}: cannot be read: {exc}", 2)
    except json.JSONDecodeError:
        items = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append((f"{path}:{n}", parse_json(line)))
            except Unreadable as exc:
                fail(f"{path}:{n}: cannot be read: {exc}", 2)
            except json.JSONDecodeError as exc:
                fail(f"{path}:{n}: not JSON ({exc.msg}); a file holds one JSON event, a JSON array or JSON Lines", 2)
        return items
    if isinstance(doc, list):
        return [(f"{path}[{i}]", e) for i, e in enumerate(doc)]
    return [(str(path), doc)]


def read_files(files: list[str]) -> list[tuple[str, dict[str, Any]]]:
    entries = []
    for name in files:
        for where, event in load_events(Path(name)):
            entries.append((where, validate_event(event, where)))
    if not entries:
        fail("no events in " + ", ".join(files), 2)
    return entries


# ---- routing: which events a rule of the bus delivers -------------------------------------------
