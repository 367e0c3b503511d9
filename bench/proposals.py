"""Measured gains of proposed changes to code this suite does not own (shared/, functions/).

Nothing here edits the project. A proposal is measured either in-process, by swapping one
function for the duration of a measurement (and checking that the outcome is identical), or on a
scratch copy of functions/ + shared/ in a temporary directory with the change applied to the text.
A change whose anchor text is no longer in the source is reported as "not applicable" (the code
moved on; re-read the proposal).
"""

from __future__ import annotations

import marshal
import shutil
import tempfile
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import coldstart, cpu

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Proposal:
    title: str
    where: str  # file and function
    change: str
    before: str
    after: str
    gain: str
    applicable: bool = True


# --- 1. handler CPU: the document copy -----------------------------------------------------------------

def json_copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dict / list / str / int / float / bool / None)."""
    return marshal.loads(marshal.dumps(value))  # noqa: S302 - bytes we just made


@contextmanager
def fast_document_copy() -> Iterator[None]:
    from shared.rules import engine

    original = engine.copy
    engine.copy = types.SimpleNamespace(deepcopy=json_copy)  # type: ignore[assignment]
    try:
        yield
    finally:
        engine.copy = original


def document_copy(batches: int = 200) -> Proposal:
    from shared.rules import engine

    uses = engine.__dict__.get("copy")
    if uses is None or not hasattr(uses, "deepcopy"):
        return Proposal("Copy the partner document without copy.deepcopy", "shared/rules/engine.py", "", "", "",
                        "not applicable: engine no longer uses copy.deepcopy", applicable=False)
    before, after = {}, {}
    for detail_type in cpu.CASES:
        before[detail_type] = cpu.handler_batches(detail_type, batches)
        with fast_document_copy():
            after[detail_type] = cpu.handler_batches(detail_type, batches)
        if before[detail_type]["outcome"] != after[detail_type]["outcome"]:
            raise AssertionError(f"{detail_type}: the faster copy changed the outcome")

    def fmt(d: dict[str, Any]) -> str:
        return ", ".join(f"{k} {v['median'] * 1000:.2f} ms" for k, v in d.items())

    gains = [before[k]["median"] / after[k]["median"] for k in before]
    return Proposal(
        "Copy the partner document with marshal instead of copy.deepcopy",
        "shared/rules/engine.py: record_fact and run_due (`copy.deepcopy(state)`, once per fact / due run)",
        "`state = marshal.loads(marshal.dumps(state))` (a module-level `_copy(state)` helper). The document is "
        "JSON-shaped (dict, list, str, int, float, bool, None), which marshal copies exactly and ~4x faster "
        "than deepcopy's memo-keeping walk over the 30–60 KB document.",
        fmt(before), fmt(after),
        f"{min(gains):.1f}x to {max(gains):.1f}x less handler time per event; identical documents and events "
        f"(checked on every batch)")


# --- 2. engine: one roster per evaluation day ------------------------------------------------------------

def shared_roster() -> Proposal:
    base = cpu.engine_throughput()
    shared = cpu.engine_throughput(shared_roster=True)
    parts = cpu.engine_parts()
    return Proposal(
        "Build the certified-person roster once per evaluation, not once per area",
        "shared/rules/engine.py: `_certification` → `_record_score` → `evaluate` (and any caller scoring "
        "several areas of one document for one day, e.g. views)",
        "compute `roster_of(state, on)` once and pass it as `evaluate(..., roster=roster)` (the parameter exists). "
        "What a full-partner evaluation costs once the roster is shared: "
        + ", ".join(f"{k} {v:.0f} µs" for k, v in parts.items())
        + f" ≈ {sum(parts.values()):.0f} µs, a ceiling of ≈ {1e6 / sum(parts.values()):,.0f} per s. The 20,000 per s "
        "target is 50 µs per partner: beyond this change it needs the roster not to be rebuilt from the document's "
        f"{base['roster']} entries on every evaluation (e.g. person counts per certification kept in the document by "
        "`_certification`, or a roster memoised per document and day) and a cheaper `score_area`.",
        f"{base['partners_per_s']:,.0f} full-partner evaluations per s",
        f"{shared['partners_per_s']:,.0f} per s ({shared['areas_per_s']:,.0f} area evaluations per s)",
        f"{shared['partners_per_s'] / base['partners_per_s']:.1f}x")


# --- 3. cold start: imports -------------------------------------------------------------------------------

ENVELOPE = '''

class EventBridgeModel(BaseModel):
    """The EventBridge envelope (the fields of Powertools' parser EventBridgeModel), defined here:
    importing Powertools' model imports every model of `aws_lambda_powertools.utilities.parser`."""

    model_config = ConfigDict(populate_by_name=True, defer_build=True)
    version: str
    id: str
    source: str
    account: str
    time: _datetime
    region: str
    resources: list[str]
    detail_type: str = Field(alias="detail-type")
    detail: Any
    replay_name: str | None = Field(None, alias="replay-name")

'''
TYPE_ONLY = ("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
             "    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord\n")
SQS_RECORD = "from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord\n"
BATCH = "from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response\n"

Edit = tuple[str, str, str]  # (file, old text, new text)


OLD_LOOP = """    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
"""
NEW_LOOP = """    failures = []
    for raw in event.get("Records", []):
        record = SQSRecord(raw)
        try:
            record_handler(record)
        except Exception:  # noqa: BLE001 - retried by SQS, dead-lettered by its redrive policy
            logger.exception("record failed", extra={"messageId": record.message_id})
            failures.append({"itemIdentifier": record.message_id})
    return {"batchItemFailures": failures}
"""
RECORD_VIEW = """

class _Attributes:
    def __init__(self, raw: dict[str, Any]):
        self.sent_timestamp = raw.get("SentTimestamp")
        self.approximate_receive_count = raw.get("ApproximateReceiveCount")


class SQSRecord:
    \"\"\"The fields of a Lambda SQS record the handlers read (Powertools' data class without its package).\"\"\"

    def __init__(self, raw: dict[str, Any]):
        self.raw_event = raw
        self.body: str = raw["body"]
        self.message_id: str = raw["messageId"]
        self.attributes = _Attributes(raw.get("attributes") or {})

"""


def _import_edits(root: Path) -> list[Edit]:
    edits: list[Edit] = [
        ("shared/models/inbound.py", "from aws_lambda_powertools.utilities.parser.models import EventBridgeModel\n",
         "from datetime import datetime as _datetime\n"),
        ("shared/models/inbound.py", "\n_DETAIL_CONFIG = ConfigDict(\n", ENVELOPE + "\n_DETAIL_CONFIG = ConfigDict(\n    defer_build=True,\n"),
        ("shared/models/outbound.py", "class _Out(BaseModel):\n    model_config = ConfigDict(\n",
         "class _Out(BaseModel):\n    model_config = ConfigDict(\n        defer_build=True,\n"),
        ("shared/runtime.py", BATCH, ""),
        ("shared/runtime.py", SQS_RECORD, ""),
        ("shared/runtime.py", "\nlogger = Logger()\n", RECORD_VIEW + "\nlogger = Logger()\n"),
        ("shared/runtime.py", OLD_LOOP, NEW_LOOP),
    ]
    for handler in ("score_ingestion", "designation_attainment", "anniversary_renewal"):
        edits.append((f"functions/{handler}/app.py", SQS_RECORD, "from shared.runtime import SQSRecord\n"))
    return edits


def _scratch_copy(dest: Path, edits: list[Edit]) -> list[str]:
    """functions/ + shared/ copied to `dest` with `edits` applied; returns the edits that did not apply."""
    for package in ("functions", "shared"):
        shutil.copytree(ROOT / package, dest / package, ignore=shutil.ignore_patterns("__pycache__"))
    missing = []
    for file, old, new in edits:
        path = dest / file
        text = path.read_text()
        if old not in text:
            missing.append(f"{file}: {old.strip()[:60]}")
            continue
        path.write_text(text.replace(old, new, 1))
    return missing


def _smoke(root: Path) -> None:
    """The scratch copy still parses and routes real events (the project's samples)."""
    code = ("import json, pathlib; from shared.models.inbound import parse_inbound; "
            "from shared.models.outbound import parse_outbound; "
            "[parse_inbound(p.read_text()) for p in sorted(pathlib.Path('events/inbound').glob('*.json'))]; "
            "parse_outbound(pathlib.Path('events/outbound/ScoreEvaluated.json').read_text()); "
            "import functions.score_ingestion.app, functions.designation_attainment.app, "
            "functions.anniversary_renewal.app, functions.outbox_publisher.app, functions.partner_api.app")
    shutil.copytree(ROOT / "events", root / "events")
    coldstart._run(code, root)


def _cold_start_with(edits: list[Edit], rounds: int) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        missing = _scratch_copy(scratch, edits)
        _smoke(scratch)
        before, after = coldstart.measure_pair(ROOT, scratch, rounds)
    return before, after, missing


def import_diet(rounds: int = 5) -> Proposal:
    edits = _import_edits(ROOT)
    before, after, missing = _cold_start_with(edits, rounds)

    def fmt(t: dict[str, Any]) -> str:
        return ", ".join(f"{m} {v['ratio']:.2f}" for m, v in t.items())

    saved = {m: (before[m]["seconds"] - after[m]["seconds"]) * 1000 for m in before}
    return Proposal(
        "Import less at cold start",
        "shared/models/inbound.py (module top), shared/models/outbound.py (`_Out`), shared/runtime.py (imports, "
        "`sqs_batch`), functions/{score_ingestion,designation_attainment,anniversary_renewal}/app.py (imports)",
        "(a) define the EventBridge envelope model in shared/models/inbound.py instead of importing Powertools' "
        "`parser.models.EventBridgeModel` (that import executes the whole parser models package, ~100 pydantic "
        "models); (b) `defer_build=True` in the inbound, envelope and outbound model configs, so each function builds "
        "only the validators it uses; (c) in shared/runtime.py replace Powertools' `BatchProcessor` / "
        "`process_partial_response` in `sqs_batch` by the loop they amount to here (each record → `record_handler`; "
        "an exception adds `{\"itemIdentifier\": messageId}` to `batchItemFailures`) and its `SQSRecord` by a "
        "10-line view of `body`, `messageId`, `attributes.SentTimestamp` (the handlers import it from shared.runtime): "
        "Powertools' batch and data-classes packages (and asyncio) are then not imported at all. Verified on the "
        "scratch copy: every sample event parses, every handler imports (the project's unit, contract and component "
        "tests also pass on it)."
        + (f" Not applicable any more: {'; '.join(missing)}." if missing else ""),
        "ratio " + fmt(before), "ratio " + fmt(after),
        "saves " + ", ".join(f"{m} {ms:.0f} ms" for m, ms in saved.items()) + f" (best of {rounds}, same run, interleaved)",
        applicable=not missing)


COMPILE_CODE = """
import marshal, pathlib, sys, time
import functions.{module}.app
root = pathlib.Path.cwd()
files = sorted({{pathlib.Path(m.__file__) for m in list(sys.modules.values())
                if (getattr(m, "__file__", None) or "").endswith(".py")
                and pathlib.Path(m.__file__).parts[len(root.parts):][:1] in (("functions",), ("shared",))}})
sources = [(str(f), f.read_text()) for f in files]
compile_s = load_s = float("inf")
for _ in range(5):
    t = time.perf_counter()
    codes = [compile(src, name, "exec") for name, src in sources]
    compile_s = min(compile_s, time.perf_counter() - t)
    blobs = [marshal.dumps(c) for c in codes]
    t = time.perf_counter()
    for b in blobs:
        marshal.loads(b)
    load_s = min(load_s, time.perf_counter() - t)
print(len(files), compile_s, load_s)
"""


def bytecode() -> Proposal:
    results = {}
    for module in ("score_ingestion", "partner_api"):
        n, compile_s, load_s = coldstart._run(COMPILE_CODE.format(module=module), ROOT).stdout.split()
        results[module] = (int(n), float(compile_s) * 1000, float(load_s) * 1000)
    return Proposal(
        "Ship the project's bytecode in the Lambda package",
        "Makefile `build` (it deletes every __pycache__ from build/lambda)",
        "run `$(PY) -m compileall -q --invalidation-mode unchecked-hash build/lambda` after the copy instead of "
        "deleting __pycache__: /var/task is read-only, so without .pyc files every cold start compiles the project's "
        "modules again (dependencies installed by pip keep theirs).",
        ", ".join(f"{m}: compiling its {n} project modules {c:.0f} ms per cold start" for m, (n, c, _) in results.items()),
        ", ".join(f"{m}: loading them from .pyc {load:.1f} ms" for m, (_, _, load) in results.items()),
        "saves " + ", ".join(f"{m} {c - load:.0f} ms" for m, (_, c, load) in results.items())
        + " per cold start (best of 5, compile() and marshal.loads() of the same sources)")


# --- 5. item size: compress the document ------------------------------------------------------------------

def compressed_state() -> Proposal:
    """The item format of shared/adapters/repository.py (applied): `state` as zlib-compressed JSON,
    measured against the previous format (JSON text) at zlib levels 1 and 6 (the one in use)."""
    import time
    import zlib

    from bench import workload
    from shared.adapters import repository

    levels = sorted({1, 6, repository.COMPRESSION_LEVEL})
    rows = []
    for name, text in (("six-area partner", workload.template("six-areas")),
                       ("after a year", workload.year_of_updates_json())):
        pid = "contoso-000001"
        state = workload.clone(text, pid)
        outbox = [["ScoreEvaluated", workload.scored_evaluation(pid)]]
        item = workload.state_item(pid, state, outbox=outbox)  # the previous format: {"S": JSON}
        raw = repository.canonical_json(state).encode()
        current = repository.state_item(pid, state, 1, outbox, due=None)
        assert repository.decode_state(current["state"]) == state == repository.decode_state(item["state"])
        per_level = {}
        for level in levels:
            packed = zlib.compress(raw, level)
            small = {**item, "state": {"B": packed}}
            n = 300
            t = time.perf_counter()
            for _ in range(n):
                zlib.compress(raw, level)
            c_us = (time.perf_counter() - t) / n * 1e6
            t = time.perf_counter()
            for _ in range(n):
                zlib.decompress(packed)
            d_us = (time.perf_counter() - t) / n * 1e6
            per_level[level] = (workload.item_size(small), c_us, d_us)
        rows.append((name, workload.item_size(item), per_level))

    def units(b: int) -> str:
        return f"{-(-b // 1024)} WRU / {-(-b // 4096)} RRU"

    used = repository.COMPRESSION_LEVEL
    return Proposal(
        "Store the document compressed (applied)",
        "shared/adapters/repository.py: `state_item` / `encode_state` / `decode_state` (COMPRESSION_LEVEL)",
        f"`\"state\": {{\"B\": zlib.compress(canonical JSON, {used})}}` instead of the JSON string; `decode_state` "
        "reads either form (`B` → decompress, `S` → as before) so items written by the previous version keep "
        "working; the outbox stays JSON. Every read and write is billed by item size, and the DueIndex "
        "(projection ALL) copies the item.",
        "; ".join(f"{n}: {b / 1024:.1f} KB = {units(b)}" for n, b, _ in rows),
        "; ".join(f"{n}: " + ", ".join(f"level {lv} {a / 1024:.1f} KB = {units(a)}, +{c:.0f} µs compress, "
                                      f"+{d:.0f} µs decompress" for lv, (a, c, d) in pl.items())
                  for n, _, pl in rows),
        "; ".join(f"{n}: {-(-b // 1024) / -(-pl[used][0] // 1024):.0f}x fewer WRU per write, "
                  f"{-(-b // 4096) / -(-pl[used][0] // 4096):.0f}x fewer RRU per read at level {used}"
                  for n, b, pl in rows))


def measure(cold_rounds: int = 5, batches: int = 200, progress: Callable[[str], None] = print) -> list[Proposal]:
    out = []
    for name, fn in (("document copy", lambda: document_copy(batches)), ("shared roster", shared_roster),
                     ("import diet", lambda: import_diet(cold_rounds + 2)), ("bytecode", bytecode),
                     ("compressed state", compressed_state)):
        progress(f"  proposal: {name}")
        out.append(fn())
    return out


def markdown(proposals: list[Proposal]) -> str:
    lines = []
    for i, p in enumerate(proposals, 1):
        lines += [f"### P{i}. {p.title}", "", f"- **Where:** {p.where}", f"- **Change:** {p.change}",
                  f"- **Measured before:** {p.before}", f"- **Measured after:** {p.after}", f"- **Gain:** {p.gain}", ""]
    return "\n".join(lines)
