"""Local stack throughput: a monthly refresh through moto and the pollers (`devstack.pump`).

Partners are stored first (the realistic six-area document, through the normal adapter); then the
refresh, 10 MetricsReported per partner, is put on the bus 100 events at a time and the system is
drained after each chunk (a feed sending in chunks and the stack keeping up).
Every event goes the whole way: EventBridge rule → ScoreIngestionQueue → ingestion (read +
conditional write) → stream → outbox publisher → PutEvents → AttainmentQueue → attainment (read).
The handlers' requests go through the AWS SDK to moto; the pollers read moto's queues and stream in
this process, as `make run`'s do (`devstack.sources.EmulatorSource`).
Wall time covers the refresh only, not the stack's deployment or the partners' storage.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import FULL, silenced, workload
from bench.report import Row
from bench.requests import counted_system, put_on_bus, repository

PER_PARTNER = 10
CHUNK = 100
ROOT = Path(__file__).resolve().parents[1]
TARGET_RATE = 300  # events per second (issue 18)
TARGET_DEMO = 10.0  # seconds of `make demo`
RESTORE_PARTNERS = 1_000


def measure(events_total: int | None = None) -> tuple[list[Row], dict[str, Any]]:
    from devstack.emulator import speed_up
    from shared.rules import engine

    speed_up()  # as `make run` does
    events_total = events_total or (10_000 if FULL else 2_000)
    partners = events_total // PER_PARTNER
    pids = [f"refresh-{i:05d}" for i in range(partners)]
    invocations: Counter = Counter()
    records: Counter = Counter()
    with silenced(), counted_system() as (system, counter):
        repo = repository(system)
        template = workload.template("six-areas")
        for pid in pids:
            state = workload.clone(template, pid)
            repo.put(pid, state, 0, [], engine.next_due(state))
        system.pump.drain(timeout=600)
        system.pump.on_invoke = lambda fn, n: (invocations.update([fn]), records.update({fn: n}))
        events = workload.monthly_refresh(pids, PER_PARTNER)
        counter.reset()
        t0 = time.perf_counter()
        for i in range(0, len(events), CHUNK):
            put_on_bus(system, events[i:i + CHUNK])
            system.pump.drain(timeout=600)
        wall = time.perf_counter() - t0
        requests = sum(t.total for t in counter.tallies.values())
        sample = repo.get(pids[-1]).state
    updated = sum(1 for e in sample["measurements"].values() for v in e.values() if (v[0] if isinstance(v[0], str) else "") >= workload.DAY)
    rate = len(events) / wall
    rows = [Row("Local stack", f"monthly refresh, {len(events):,} MetricsReported for {partners:,} partners "
                               f"({'full size' if FULL else 'BENCH_QUICK=1; make bench runs 10,000'})",
                f"≥ {TARGET_RATE} events per second through moto + pollers",
                f"{rate:,.0f} events/s, wall {wall:.1f} s; {invocations.get('ScoreIngestionFunction', 0)} ingestion + "
                f"{invocations.get('DesignationAttainmentFunction', 0)} attainment + "
                f"{invocations.get('OutboxPublisherFunction', 0)} publisher invocations; "
                f"{requests / len(events):.2f} handler requests per event", rate >= TARGET_RATE)]
    details = {"events": len(events), "partners": partners, "wall": wall, "rate": rate,
               "invocations": dict(invocations), "records": dict(records), "requests": requests,
               "updated_keys_sample": updated}
    demo = demo_seconds()
    rows.append(Row("Local stack", "`make demo` against a running `make run` (5 partners, 29 files, 14 days ticked)",
                    f"≤ {TARGET_DEMO:g} s wall", f"{demo['wall']:.1f} s", demo["wall"] <= TARGET_DEMO))
    restored = restore_seconds(RESTORE_PARTNERS)
    rows.append(Row("Local stack", f"`make run` restoring {restored['partners']:,} stored six-area partners "
                                   "from .devstack/state.sqlite3",
                    "information: restore time (the stack's own figure) and whole start-up",
                    f"restore {restored['restore']:.1f} s; start-up to ready {restored['startup']:.1f} s", None))
    details.update({"demo": demo, "restore": restored})
    return rows, details


# --- the running stack: restore time and `make demo` ---------------------------------------------

STARTUP_TIMEOUT = 120.0
DEMO_TIMEOUT = 300.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_stack(directory: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """`python -m devstack.run` on free loopback ports with `directory` as its state; yields its
    environment and log once it answers, stops it (SIGINT, then SIGKILL of its group) after."""
    env = {**os.environ, "MOTO_PORT": str(_free_port()), "API_PORT": str(_free_port()), "DEVSTACK_DIR": str(directory),
           "LOCAL_LOG_LEVEL": "INFO", "POWERTOOLS_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
    for var in ("AWS_ENDPOINT_URL", "PARTNERCTL_API", "PARTNERCTL_MOTO_ENDPOINT"):
        env.pop(var, None)
    log = directory / "run.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "devstack.run"], cwd=ROOT, env=env, stdout=out,  # noqa: S603
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not (directory / "run.json").exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the local stack did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield env, log
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def restore_seconds(partners: int = 1_000) -> dict[str, Any]:
    """Start-up of `make run` on a state file of `partners` realistic six-area documents: the
    restore's own time (from the stack's log) and the whole start-up."""
    from devstack.localstate import LocalState
    from shared.adapters.repository import state_item
    from shared.rules import engine

    with tempfile.TemporaryDirectory(prefix="bench-restore-") as tmp:
        directory = Path(tmp)
        state = LocalState(directory)
        template = workload.template("six-areas")
        records = []
        for i in range(partners):
            pid = f"restore-{i:05d}"
            doc = workload.clone(template, pid)
            item = state_item(pid, doc, 1, [], engine.next_due(doc))
            records.append({"eventName": "INSERT", "dynamodb": {"Keys": {"pk": item["pk"], "sk": item["sk"]},
                                                                "NewImage": item}})
        state.record_stream(records)
        state.close()
        started = time.monotonic()
        with running_stack(directory) as (_, log):
            startup = time.monotonic() - started
            restored = next(json.loads(line) for line in log.read_text().splitlines()
                            if line.startswith("{") and '"state restored"' in line)
    return {"partners": restored["partners"], "restore": restored["seconds"], "startup": startup}


def demo_seconds() -> dict[str, Any]:
    """`make demo`'s wall time against a fresh `make run` (its start-up not included)."""
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp, running_stack(Path(tmp)) as (env, _):
        script = Path(sys.executable).parent / "partnerctl"
        started = time.monotonic()
        result = subprocess.run([str(script), "demo"], cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603
                                timeout=DEMO_TIMEOUT, check=False)
        wall = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"partnerctl demo failed: {result.stderr[-2000:]}")
    return {"wall": wall}
