"""Instructions executed, counted by valgrind (cachegrind, no cache simulation): the cold-start and
engine figures without the machine's noise.

On a shared machine the time of the same fresh-interpreter import varies from run to run by more
than most code changes move it (docs/decisions.md, "Cold start"), and its speed differs from one
machine to the next, so a time ratio near its target can pass on one run and fail on the next. The number of instructions a fresh interpreter executes for the same import is
the same on every run (hash seed fixed), and a change to the code moves it by exactly what the
change costs. These rows are information beside the timed targets, not a replacement for them; they
are skipped (with a note) where valgrind is not installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import coldstart
from bench.report import Row

ROOT = coldstart.ROOT
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")
# The engine row's own loop (bench.cpu.engine_throughput: one roster, six areas per evaluation); one
# evaluation more in both counts, so filling the compiled plans and memos cancels out.
ENGINE_CODE = "from bench import cpu; cpu.engine_throughput(runs=1, iterations={n} + 1, shared_roster=True)"
ENGINE_RUNS = 200


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


def measure() -> tuple[list[Row], dict[str, Any]]:
    cold_name = ("instructions executed (valgrind): import + first client ÷ import boto3 + one client, "
                 "interpreter start-up excluded")
    engine_name = "instructions per full-partner evaluation (valgrind; the row above's work)"
    if not available():
        note = "not measured: valgrind is not installed"
        return [Row("Cold start", cold_name, "information: the time ratio without the machine's noise", note, None),
                Row("Engine", engine_name, "information: comparable across machines and runs", note, None)], {}
    cold = cold_start()
    baselines = {c["service"]: c["baseline"] for c in cold.values()}
    per_eval = engine()
    rows = [
        Row("Cold start", cold_name, "information: the time ratio without the machine's noise",
            ", ".join(f"{m} {c['ratio']:.2f}" for m, c in cold.items())
            + " (baselines: " + ", ".join(f"{s} {n / 1e6:,.0f} M" for s, n in baselines.items()) + ")",
            None),
        Row("Engine", engine_name, "information: comparable across machines and runs",
            f"{per_eval / 1000:,.0f} thousand instructions", None),
    ]
    return rows, {"cold_start": cold, "engine_instructions": per_eval}
