"""Local stack throughput: a monthly refresh through moto and the pollers (`devstack.pump`).

Partners are stored first (the realistic six-area document, through the normal adapter); then the
refresh, 10 MetricsReported per partner, is put on the bus 100 events at a time and the system is
drained after each chunk (moto's SendMessage slows down with queue depth: keep queues shallow).
Every event goes the whole way: EventBridge rule → ScoreIngestionQueue → ingestion (read +
conditional write) → stream → outbox publisher → PutEvents → AttainmentQueue → attainment (read).
Wall time covers the refresh only, not the stack's deployment or the partners' storage.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from bench import FULL, silenced, workload
from bench.report import Row
from bench.requests import counted_system, put_on_bus, repository

PER_PARTNER = 10
CHUNK = 100


def measure(events_total: int | None = None) -> tuple[list[Row], dict[str, Any]]:
    from shared.rules import engine

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
                "information: events per second through moto + pollers",
                f"{rate:,.0f} events/s, wall {wall:.1f} s; {invocations.get('ScoreIngestionFunction', 0)} ingestion + "
                f"{invocations.get('DesignationAttainmentFunction', 0)} attainment + "
                f"{invocations.get('OutboxPublisherFunction', 0)} publisher invocations; "
                f"{requests / len(events):.2f} handler requests per event", None)]
    return rows, {"events": len(events), "partners": partners, "wall": wall, "rate": rate,
                  "invocations": dict(invocations), "records": dict(records), "requests": requests,
                  "updated_keys_sample": updated}
