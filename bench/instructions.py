"""Instructions executed, counted by valgrind (cachegrind, no cache simulation): the handler, engine
and cold-start figures without the machine's noise.

On a shared machine the time of the same work varies from run to run by more than most code changes
move it (docs/decisions.md, "Cold start"; the handler rows' medians have differed 3x between runs of
the same code), so a time near its target can pass on one run and fail on the next. The number of
instructions a fresh interpreter executes for the same work is the same on every run (hash seed
fixed), and a change to the code moves it by exactly what the change costs. The handler and engine
counts are the judged figures of bench.cpu's rows (their budgets are there), the cold-start ratios
those of bench.coldstart's. Where valgrind is not installed the rows say so and judge the times.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench import coldstart

ROOT = coldstart.ROOT
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")
# The engine row's own loop (bench.cpu.engine_throughput: one roster, six areas per evaluation); one
# evaluation more in both counts, so filling the compiled plans and memos cancels out.
ENGINE_CODE = "from bench import cpu; cpu.engine_throughput(runs=1, iterations={n} + 1, shared_roster=True)"
ENGINE_RUNS = 200
# The handler rows' batches (bench.cpu.counted_batches: every case set up and run once, then more
# batches of one case); the count of none more is subtracted from each case's.
HANDLER_CODE = "from bench import cpu; cpu.counted_batches({label!r}, {n})"
HANDLER_BATCHES = 10
WORKERS = 2  # valgrind runs at once (each is single-threaded; counts do not depend on the load)


def available() -> bool:
    return shutil.which("valgrind") is not None


def count(code: str, root: Path = ROOT) -> int:
    """Instructions a fresh interpreter executes for `code` (its start-up included), with every
    module it imports already compiled (a first run without valgrind writes the .pyc files, which
    would otherwise count the compiler's work once, in whichever count ran first)."""
    env = coldstart.child_env(root, {"PYTHONHASHSEED": "0"})
    subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, timeout=120, check=True)  # noqa: S603
    out = subprocess.run(  # noqa: S603 - our code, under valgrind
        [shutil.which("valgrind") or "valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, "-c", code],
        cwd=root, env=env, capture_output=True, text=True, timeout=600, check=True)
    found = _REFS.search(out.stderr)
    if found is None:
        raise RuntimeError(f"valgrind printed no instruction count: {out.stderr[-500:]}")
    return int(found.group(1).replace(",", ""))


def cold_start(root: Path = ROOT) -> dict[str, dict[str, Any]]:
    """Per handler: instructions of import + first client, of the boto3 baseline, and their ratio
    (the timed rows' code; interpreter start-up, `python -c pass`, subtracted from both)."""
    start = count("pass", root)
    base = {s: count(coldstart.BASE_CODE.format(service=s), root) - start for s in sorted(set(coldstart.HANDLERS.values()))}
    out = {}
    for module, service in coldstart.HANDLERS.items():
        n = count(coldstart.HANDLER_CODE.format(module=module, service=service), root) - start
        out[module] = {"instructions": n, "baseline": base[service], "ratio": n / base[service], "service": service}
    return out


def engine(root: Path = ROOT, runs: int = ENGINE_RUNS) -> float:
    """Instructions per full-partner evaluation (the engine row's work: one roster, six areas)."""
    return (count(ENGINE_CODE.format(n=runs), root) - count(ENGINE_CODE.format(n=0), root)) / runs


def handlers(root: Path = ROOT, batches: int = HANDLER_BATCHES) -> dict[str, float]:
    """Instructions per event of each handler row (bench.cpu.INSTRUCTION_CASES), by label."""
    from bench.cpu import BATCH, INSTRUCTION_CASES

    labels = [None, *INSTRUCTION_CASES]
    with ThreadPoolExecutor(WORKERS) as pool:
        counts = dict(zip(labels, pool.map(
            lambda label: count(HANDLER_CODE.format(label=label, n=batches if label else 0), root), labels), strict=True))
    return {label: (counts[label] - counts[None]) / (batches * BATCH) for label in INSTRUCTION_CASES}
