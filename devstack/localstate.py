"""Durable local state: what the local stack accepted survives a restart and a SIGKILL.

One SQLite file, ``$DEVSTACK_DIR/state.sqlite3`` (write-ahead log; a committed write survives the
process being killed):

- ``items``: every item of the state table as the table's stream shows it (NEW_IMAGE), so partner
  documents, location links and the DueIndex keys (gsi1pk/gsi1sk are item attributes);
- ``dlq``: the messages of every dead-letter queue, body, message attributes (the rejection reason)
  and system attributes, replaced queue by queue whenever the stack becomes quiet with changed work;
- ``runs``: the daily runs (``partnerctl tick``, the wall-clock scheduler), started and finished.

At start-up ``restore`` writes the items back with BatchWriteItem and sends the dead letters back to
their queues, before any poller runs; the stream poller then starts after the restored writes, so
nothing is published a second time. docs/decisions.md says why this mechanism and what it costs.
"""

from __future__ import annotations

import base64
import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FILE_NAME = "state.sqlite3"
SCHEMA = """
CREATE TABLE IF NOT EXISTS items (pk TEXT NOT NULL, sk TEXT NOT NULL, item TEXT NOT NULL, PRIMARY KEY (pk, sk));
CREATE TABLE IF NOT EXISTS dlq (queue TEXT NOT NULL, message_id TEXT NOT NULL, body TEXT NOT NULL,
                                message_attributes TEXT NOT NULL, attributes TEXT NOT NULL,
                                PRIMARY KEY (queue, message_id));
CREATE TABLE IF NOT EXISTS runs (day TEXT PRIMARY KEY, started TEXT NOT NULL, finished TEXT, result TEXT, error TEXT);
"""


def state_file(directory: Path) -> Path:
    return directory / FILE_NAME


def state_files(directory: Path) -> list[Path]:
    """The database and its write-ahead log files, those that exist."""
    base = state_file(directory)
    return [p for p in (base, base.with_name(base.name + "-wal"), base.with_name(base.name + "-shm")) if p.exists()]


def to_json(value: Any) -> Any:
    """A DynamoDB attribute value (as botocore returns it) -> JSON: binary as base64."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return {"__b64__": base64.b64encode(value).decode("ascii")}
    return value


def from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__b64__"}:
            return base64.b64decode(value["__b64__"])
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


class LocalState:
    """The state file of one local stack. Every method is safe from any thread."""

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = state_file(directory)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL: a commit is durable against the process dying (SIGKILL); only an OS crash may
        # lose the last commits, which a developer's laptop state can afford.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # ---- the state table ---------------------------------------------------------------------
    def record_stream(self, records: Iterable[dict[str, Any]]) -> int:
        """Apply DynamoDB stream records (as get_records returns them) in order; returns how many."""
        n = 0
        with self._tx() as db:
            for r in records:
                change = r.get("dynamodb") or {}
                keys = change.get("Keys") or {}
                pk, sk = (keys.get("pk") or {}).get("S"), (keys.get("sk") or {}).get("S")
                if pk is None or sk is None:
                    continue
                if r.get("eventName") == "REMOVE":
                    db.execute("DELETE FROM items WHERE pk = ? AND sk = ?", (pk, sk))
                elif "NewImage" in change:
                    db.execute("INSERT OR REPLACE INTO items (pk, sk, item) VALUES (?, ?, ?)",
                               (pk, sk, json.dumps(to_json(change["NewImage"]), separators=(",", ":"))))
                n += 1
        return n

    def items(self) -> Iterator[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT item FROM items ORDER BY pk, sk").fetchall()
        for (text,) in rows:
            yield from_json(json.loads(text))

    def partner_count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM items WHERE pk LIKE 'PARTNER#%'").fetchone()[0]

    # ---- dead letters ------------------------------------------------------------------------
    def replace_dead_letters(self, queue: str, messages: list[dict[str, Any]]) -> None:
        """The whole content of one dead-letter queue (messages as ReceiveMessage returns them)."""
        with self._tx() as db:
            db.execute("DELETE FROM dlq WHERE queue = ?", (queue,))
            db.executemany("INSERT OR REPLACE INTO dlq VALUES (?, ?, ?, ?, ?)", [
                (queue, m["MessageId"], m["Body"], json.dumps(to_json(m.get("MessageAttributes") or {})),
                 json.dumps(m.get("Attributes") or {})) for m in messages])

    def dead_letters(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            rows = self._db.execute("SELECT queue, message_id, body, message_attributes, attributes FROM dlq "
                                    "ORDER BY queue, rowid").fetchall()
        out: dict[str, list[dict[str, Any]]] = {}
        for queue, message_id, body, message_attributes, attributes in rows:
            out.setdefault(queue, []).append({"MessageId": message_id, "Body": body,
                                              "MessageAttributes": from_json(json.loads(message_attributes)),
                                              "Attributes": json.loads(attributes)})
        return out

    # ---- daily runs --------------------------------------------------------------------------
    def run_started(self, day: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO runs (day, started) VALUES (?, ?)",
                       (day, datetime.now(UTC).isoformat(timespec="seconds")))

    def run_finished(self, day: str, result: Any, error: str | None) -> None:
        with self._tx() as db:
            db.execute("UPDATE runs SET finished = ?, result = ?, error = ? WHERE day = ?",
                       (datetime.now(UTC).isoformat(timespec="seconds"), json.dumps(result, default=str), error, day))

    def runs(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT day, started, finished, result, error FROM runs ORDER BY day").fetchall()
        return [{"day": d, "started": s, "finished": f, "result": json.loads(r) if r else None, "error": e}
                for d, s, f, r, e in rows]
