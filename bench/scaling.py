"""Anniversary run scaling: items read per partner due, as the number of partners stored grows.

For each size a fresh system on moto; the StateTable is seeded directly with BatchWriteItem (template
documents of 1 to 6 areas cloned with their own partner id and DueIndex key, 1 % of them due on the
day of the run), then one scheduled run goes through the real, idempotent handler. Items read =
the DueIndex queries' ScannedCount + every GetItem of the StateTable during the run.

The stream's records (the seeding's and the run's) are not delivered here: the run's publication
is measured and counted in `bench.requests`.
"""

from __future__ import annotations

import time
from typing import Any

from bench import FULL, silenced
from bench.report import Row
from bench.requests import anniversary_op, counted_system

TARGET = 1.1
DUE_SHARE = 0.01


def run_size(stored: int, day: str = "2024-06-15") -> dict[str, Any]:
    due = max(1, int(stored * DUE_SHARE))
    with silenced(), counted_system() as (system, counter):
        t0 = time.perf_counter()
        op = anniversary_op(system, counter, due=due, stored=stored, day=day, publish=False)
        total = time.perf_counter() - t0
    reads = op.extra["state_reads"]
    return {"stored": stored, "due": due, "items_read": reads, "ratio": reads / due, "queries": op.extra["queries"],
            "writes": op.extra["state_writes"], "seconds": total, "op": op}


def sizes() -> list[int]:
    return [1_000, 10_000, 100_000] if FULL else [1_000, 10_000]


def measure() -> tuple[list[Row], list[dict[str, Any]]]:
    results = [run_size(n) for n in sizes()]
    rows = []
    for r in results:
        rows.append(Row("Anniversary scaling", f"run with {r['stored']:,} stored, {r['due']:,} due (1 %)",
                        f"items read ÷ partners due ≤ {TARGET}",
                        f"{r['items_read']:,} ÷ {r['due']:,} = {r['ratio']:.2f} ({r['queries']} queries, "
                        f"{r['writes']:,} writes; seed + run {r['seconds']:.0f} s in moto)",
                        r["ratio"] <= TARGET))
    if not FULL:
        rows.append(Row("Anniversary scaling", "run with 100,000 stored, 1,000 due (1 %)",
                        f"items read ÷ partners due ≤ {TARGET}",
                        "not run with BENCH_QUICK=1 (seeding 100,000 documents in moto takes ~1.5 min): make bench",
                        None))
    if len(results) > 1:
        lo, hi = results[0], results[-1]
        rows.append(Row("Anniversary scaling", f"cost follows what is due ({lo['stored']:,} → {hi['stored']:,} stored)",
                        "ratio does not grow with partners stored",
                        f"{lo['ratio']:.2f} → {hi['ratio']:.2f}", hi["ratio"] <= lo["ratio"] + 0.05))
    return rows, results
