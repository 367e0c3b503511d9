"""The capacity and cost model of docs/scale.md: `python -m bench.costmodel` prints its tables.

Inputs measured by this suite (not assumed): requests per event of each operation (moto, counted
with botocore hooks) and the StateTable item size of realistic documents. Inputs assumed (stated
in docs/scale.md, change them here): the workload below and the latencies of AWS calls.
Prices and quotas: PRICES / QUOTAS below, us-east-1, as published on aws.amazon.com, read 2026-12
(to be re-checked before any budget decision).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# --- prices (USD, us-east-1) and quotas, as published on aws.amazon.com, read 2026-12: RE-CHECK -----------
PRICES = {
    "lambda_gb_s_arm64": 0.0000133334,  # per GB-second (x86_64: 0.0000166667); first 6 B GB-s/month tier
    "lambda_requests": 0.20 / 1e6,  # per invocation
    "ddb_wru": 0.625 / 1e6,  # on-demand write request unit, after the 2024-11-01 cut (was 1.25)
    "ddb_rru": 0.125 / 1e6,  # on-demand read request unit, after the 2024-11-01 cut (was 0.25)
    "ddb_storage_gb": 0.25,  # per GB-month, Standard table class (first 25 GB free: ignored)
    "ddb_pitr_gb": 0.20,  # continuous backups, per GB-month of table size
    "eventbridge_event": 1.00 / 1e6,  # custom event published (per 64 KB chunk); delivery to SQS: no charge
    "sqs_request": 0.40 / 1e6,  # standard queue, per request (per 64 KB chunk); first 1 M/month free: ignored
    "apigw_rest_request": 3.50 / 1e6,  # REST API, first 333 M requests a month
}
QUOTAS = {
    "lambda_concurrency": 1_000,  # per account and region, default (adjustable)
    "sqs_esm_max_concurrency": 1_250,  # per SQS event source mapping (scales up by up to 300 per minute)
    "lambda_payload_bytes": 6 * 1024 * 1024,  # synchronous invocation payload (stream batches are capped by it)
    "putevents_tps": 10_000,  # PutEvents requests per second, us-east-1 (adjustable; account-wide, all buses)
    "eventbridge_invocations_tps": 18_750,  # rule target invocations per second, us-east-1
    "ddb_partition_wcu": 1_000,  # per partition, per second (table and each GSI)
    "ddb_partition_rcu": 3_000,
    "ddb_table_max_ru": 40_000,  # on-demand table (and GSI) default maximum per second (adjustable)
    "ddb_new_table_wru": 4_000,  # a new on-demand table serves this much at once (then up to 2x previous peak)
    "ddb_new_table_rru": 12_000,
    "sqs_inflight": 120_000,  # standard queue, in-flight messages
}
DAYS = 30.4


@dataclass
class Workload:
    partners: int = 500_000
    areas: int = 6
    refresh_hours: float = 3.0  # the monthly refresh: one MetricsReported per partner and area in this window
    skilling_per_day: int = 100_000  # CertificationEarned/Removed a day (20 % of partners), over 8 hours
    skilling_hours: float = 8.0
    other_inbound_month: int = 50_000  # membership, marketplace, training, benefit elections
    due_runs_per_partner_year: float = 3.0  # renewal forecast, anniversary, payment window close
    api_reads_month: int = 2_000_000  # publish-checks and partner reads (1 GetItem each)
    attain_share: float = 0.01  # ScoreEvaluated that change attainment (a write + 2-3 events)
    due_shards: int = 64  # DueIndex shards (template parameter DueShards)
    memory_gb: float = 0.5  # function memory (template Globals)
    # latency of one AWS call as seen by the function (assumed, same region): GetItem / PutItem of a large
    # item, PutEvents of 10 entries
    get_ms: float = 5.0
    put_ms: float = 8.0
    putevents_ms: float = 20.0
    overhead_ms: float = 5.0  # per invocation (runtime, Powertools, batch bookkeeping)
    stream_batch: int = 20  # stream records per publisher invocation (1 s batching window)


@dataclass
class Measured:
    """From the benchmark run (per event of each operation)."""

    item_bytes: int  # StateTable item, steady state
    cpu_ms: float  # handler CPU per inbound event (this machine)
    entries_per_fact: float = 1.0  # outbound entries a MetricsReported / CertificationEarned write carries
    reads_per_event: float = 1.0
    writes_per_event: float = 1.0
    outbox_bytes: int = 0  # of item_bytes, the `outbox` attribute (not in a DueIndex projecting INCLUDE)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def wru(self) -> int:
        return math.ceil(self.item_bytes / 1024)

    def index_wru(self, projection: str) -> int:
        """WRU of one DueIndex entry write: ALL copies the item, INCLUDE (version, state) all but
        the outbox, KEYS_ONLY the keys (< 1 KB)."""
        if projection == "ALL":
            return self.wru
        if projection == "INCLUDE":
            return math.ceil((self.item_bytes - self.outbox_bytes) / 1024)
        return 1

    @property
    def rru(self) -> int:  # strongly consistent
        return math.ceil(self.item_bytes / 4096)


def model(w: Workload, m: Measured, projection: str = "ALL") -> dict[str, Any]:
    """Monthly volumes, cost per service and peak rates. `projection`: of the DueIndex (ALL,
    INCLUDE = version + state, KEYS_ONLY)."""
    gsi_all = projection != "KEYS_ONLY"  # the query returns the documents
    refresh = w.partners * w.areas
    skilling = w.skilling_per_day * DAYS
    facts = refresh + skilling + w.other_inbound_month
    evaluated = (refresh + skilling) * m.entries_per_fact  # ScoreEvaluated published and consumed
    derived = evaluated * w.attain_share * 2.5  # DesignationAttained, BadgeIssued, ...
    due_runs = w.partners * w.due_runs_per_partner_year / 365 * DAYS

    # DynamoDB request units
    gsi_write = m.index_wru(projection) if gsi_all else 0  # ALL / INCLUDE: every state write rewrites the entry
    fact_wru = facts * m.writes_per_event * (m.wru + gsi_write)
    fact_rru = facts * m.reads_per_event * m.rru
    attain_rru = evaluated * m.rru
    attain_wru = evaluated * w.attain_share * (m.wru + gsi_write)
    run_rru = due_runs * m.item_bytes / 4096 / 2  # GSI queries are eventually consistent
    run_rru += 0 if gsi_all else due_runs * m.rru  # KEYS_ONLY: one GetItem per due partner
    run_wru = due_runs * (m.wru + 2 * gsi_write if gsi_all else m.wru + 2)  # due key moves: index delete + put
    api_rru = w.api_reads_month * m.rru
    wru = fact_wru + attain_wru + run_wru
    rru = fact_rru + attain_rru + run_rru + api_rru
    storage_gb = w.partners * (m.item_bytes + (m.item_bytes - (m.outbox_bytes if projection == "INCLUDE" else 0)
                                               if gsi_all else 0.02 * m.item_bytes)) / 1e9

    # Lambda
    ingest_inv = facts / 10
    attain_inv = evaluated / 10
    writes = facts + evaluated * w.attain_share + due_runs
    publisher_inv = writes / w.stream_batch
    ingest_ms = 10 * (m.cpu_ms + w.get_ms + w.put_ms) + w.overhead_ms
    attain_ms = 10 * (m.cpu_ms / 2 + w.get_ms) + w.overhead_ms
    publisher_ms = math.ceil(w.stream_batch * m.entries_per_fact / 10) * w.putevents_ms + w.overhead_ms
    gb_s = w.memory_gb / 1000 * (ingest_inv * ingest_ms + attain_inv * attain_ms + publisher_inv * publisher_ms)
    invocations = ingest_inv + attain_inv + publisher_inv + 30 + w.api_reads_month

    # EventBridge: events published (inbound by the feeds, outbound by the publisher)
    eb_events = facts + evaluated + derived
    # SQS: EventBridge's SendMessage + the poller's ReceiveMessage and DeleteMessageBatch (batches of 10),
    # and the pollers' long polls while a queue is empty (about 5 pollers x 3 a minute, 3 queues)
    sqs = (facts + evaluated) * 1.2 + 3 * 5 * 3 * 60 * 24 * DAYS

    cost = {
        "DynamoDB writes": wru * PRICES["ddb_wru"],
        "DynamoDB reads": rru * PRICES["ddb_rru"],
        "DynamoDB storage + PITR": storage_gb * PRICES["ddb_storage_gb"]
        + w.partners * m.item_bytes / 1e9 * PRICES["ddb_pitr_gb"],
        "Lambda duration (arm64)": gb_s * PRICES["lambda_gb_s_arm64"],
        "Lambda requests": invocations * PRICES["lambda_requests"],
        "EventBridge events": eb_events * PRICES["eventbridge_event"],
        "SQS requests": sqs * PRICES["sqs_request"],
        "API Gateway (REST)": w.api_reads_month * PRICES["apigw_rest_request"],
    }

    # peaks: the refresh window
    rate = refresh / (w.refresh_hours * 3600)
    skill_rate = w.skilling_per_day / (w.skilling_hours * 3600)
    peak_wru = rate * m.wru * (1 + w.attain_share * m.entries_per_fact)
    peak_gsi_wru = rate * gsi_write
    peak = {
        "events_per_s": rate,
        "skilling_per_s": skill_rate,
        "base_wru_per_s": peak_wru,
        "base_rru_per_s": rate * m.rru * (1 + m.entries_per_fact),
        "gsi_wru_per_s": peak_gsi_wru,
        "gsi_wru_per_key": {s: peak_gsi_wru / s for s in (16, 64, 128)},
        "lambda_concurrency": rate * (ingest_ms / 10 + attain_ms / 10 * m.entries_per_fact) / 1000,
        "putevents_tps": rate * m.entries_per_fact / 10 + rate / 10,  # publisher + feeds batching 10
        "eb_invocations_tps": rate * (1 + m.entries_per_fact),
        "stream_batch_bytes_100": 100 * m.item_bytes,
    }
    return {"volumes": {"inbound facts": facts, "ScoreEvaluated": evaluated, "derived events": derived,
                        "due partner runs": due_runs, "WRU": wru, "RRU": rru, "storage GB": storage_gb,
                        "Lambda invocations": invocations, "Lambda GB-s": gb_s, "EventBridge events": eb_events,
                        "SQS requests": sqs},
            "cost": cost, "total": sum(cost.values()), "peak": peak}


def measured_inputs(quick: bool = False) -> dict[str, Measured]:
    """Measure what the model needs: the request counts (moto), handler CPU and item sizes in the
    previous format (`state` as JSON text) and the current one (`shared.adapters.repository`:
    zlib-compressed JSON, COMPRESSION_LEVEL). `quick`: request counts of MetricsReported only
    (`python -m bench.costmodel --quick`)."""
    import timeit
    import zlib

    from bench import cpu, requests, workload
    from shared.adapters import repository

    rows, data = requests.measure(quick=quick)
    ops = [op for op in data["inbound"] if op.name in ("MetricsReported", "CertificationEarned")]
    events = sum(op.events for op in ops)
    entries = sum(op.entries for op in ops) / events
    reads = sum(op.function.reads for op in ops) / events
    writes = sum(op.function.writes for op in ops) / events
    cpu_ms = cpu.handler_batches("MetricsReported", 100)["median"] * 1000

    pid = "contoso-000001"
    outbox = [["ScoreEvaluated", workload.scored_evaluation(pid)]]

    def sizes(text: str) -> tuple[int, int, int, float]:
        """(previous-format item, current-format item, outbox bytes, ms of compress + decompress)."""
        state = workload.clone(text, pid)
        new = repository.state_item(pid, state, 2, outbox, due="2024-06-15", shards=64)
        old = {**new, "state": {"S": repository.canonical_json(state)}}  # as the previous version wrote it
        raw = repository.canonical_json(state).encode()
        # what the new format adds per write: compress + decompress (best of 7 rounds of 50)
        extra_ms = min(timeit.repeat(lambda: zlib.decompress(zlib.compress(raw, repository.COMPRESSION_LEVEL)),
                                     number=50, repeat=7)) / 50 * 1000
        return workload.item_size(old), workload.item_size(new), len(new["outbox"]["S"]), extra_ms

    f_old, f_new, f_out, f_ms = sizes(workload.template("six-areas"))
    y_old, y_new, y_out, y_ms = sizes(workload.year_of_updates_json())
    extra = {"rows": rows, "data": data, "compress_ms": {"six-area": f_ms, "year": y_ms}}
    return {
        "mature_s": Measured(y_old, cpu_ms, entries, reads, writes, y_out, extra),
        "fresh_s": Measured(f_old, cpu_ms, entries, reads, writes, f_out, extra),
        # the handler CPU is measured on in-memory documents: add the codec's time per event
        "mature_b": Measured(y_new, cpu_ms + max(y_ms, 0), entries, reads, writes, y_out, extra),
        "fresh_b": Measured(f_new, cpu_ms + max(f_ms, 0), entries, reads, writes, f_out, extra),
    }


def _money(x: float) -> str:
    return f"${x:,.2f}"


def _n(x: float) -> str:
    return f"{x / 1e6:,.2f} M" if x >= 1e6 else f"{x:,.0f}"


def report(w: Workload | None = None, quick: bool = False) -> str:
    from bench import silenced

    w = w or Workload()
    with silenced():
        m = measured_inputs(quick)
    old, new = m["mature_s"], m["mature_b"]
    ms = new.extra["compress_ms"]
    out = [f"Measured: item {m['fresh_s'].item_bytes / 1024:.1f} KB (six-area partner) and {old.item_bytes / 1024:.1f} KB "
           f"(after a year) with `state` as JSON text = {m['fresh_s'].wru}/{old.wru} WRU and {m['fresh_s'].rru}/{old.rru} RRU; "
           f"compressed (zlib level {_level()}) {m['fresh_b'].item_bytes / 1024:.1f} KB and {new.item_bytes / 1024:.1f} KB = "
           f"{m['fresh_b'].wru}/{new.wru} WRU and {m['fresh_b'].rru}/{new.rru} RRU, +{ms['six-area']:.2f}/+{ms['year']:.2f} ms "
           f"of CPU per write (compress + decompress); outbox {new.outbox_bytes} B; {old.reads_per_event:g} "
           f"read + {old.writes_per_event:g} write + {old.entries_per_fact:g} outbound entry per fact; handler CPU "
           f"{old.cpu_ms:.2f} ms per event.", ""]
    cases = [(f"previous format, mature documents ({old.item_bytes / 1024:.0f} KB)", old, "ALL"),
             (f"compressed, mature documents ({new.item_bytes / 1024:.1f} KB): this design", new, "ALL"),
             (f"compressed, new documents ({m['fresh_b'].item_bytes / 1024:.1f} KB)", m["fresh_b"], "ALL"),
             ("compressed + DueIndex INCLUDE (version, state)", new, "INCLUDE"),
             ("compressed + DueIndex KEYS_ONLY", new, "KEYS_ONLY")]
    results = [(name, model(w, mm, proj)) for name, mm, proj in cases]
    out.append("| per month | " + " | ".join(name for name, _ in results) + " |")
    out.append("|---|" + "---|" * len(results))
    for key in results[0][1]["cost"]:
        out.append(f"| {key} | " + " | ".join(_money(r["cost"][key]) for _, r in results) + " |")
    out.append("| **total** | " + " | ".join(f"**{_money(r['total'])}**" for _, r in results) + " |")
    out.append("")
    out.append("| volume per month | " + " | ".join(name for name, _ in results) + " |")
    out.append("|---|" + "---|" * len(results))
    for key in results[0][1]["volumes"]:
        out.append(f"| {key} | " + " | ".join(_n(r["volumes"][key]) for _, r in results) + " |")
    out.append("")
    for label, (_, r) in (("previous format, mature documents", results[0]), ("this design, mature documents", results[1])):
        p = r["peak"]
        out += [f"Peak during the refresh ({label}):", "",
                f"- events {p['events_per_s']:,.0f}/s (skilling {p['skilling_per_s']:,.1f}/s)",
                f"- StateTable {p['base_wru_per_s']:,.0f} WRU/s and {p['base_rru_per_s']:,.0f} RRU/s "
                f"(new on-demand table: {QUOTAS['ddb_new_table_wru']:,} WRU/s at once; table maximum {QUOTAS['ddb_table_max_ru']:,})",
                f"- DueIndex {p['gsi_wru_per_s']:,.0f} WRU/s = " + ", ".join(
                    f"{v:,.0f} per key with {k} shards" for k, v in p["gsi_wru_per_key"].items())
                + f" (partition limit {QUOTAS['ddb_partition_wcu']:,} WCU/s)",
                f"- Lambda concurrency ≈ {p['lambda_concurrency']:,.1f} (+ one publisher per stream shard); "
                f"account default {QUOTAS['lambda_concurrency']:,}",
                f"- PutEvents ≈ {p['putevents_tps']:,.0f} requests/s of {QUOTAS['putevents_tps']:,}; rule invocations "
                f"{p['eb_invocations_tps']:,.0f}/s of {QUOTAS['eventbridge_invocations_tps']:,}",
                f"- a 100-record stream batch of mature items ≈ {p['stream_batch_bytes_100'] / 1024 / 1024:.2f} MB "
                f"(Lambda payload limit 6 MB)", ""]
    cap = ingestion_cap(w, new)
    out += [f"Ingestion capped at MaximumConcurrency {cap['cap']} (this design, mature documents): ≈ {cap['events_per_s']:,.0f} "
            f"events/s ⇒ {cap['table_wru_per_s']:,.0f} WRU/s on the table + {cap['gsi_wru_per_s']:,.0f} on the DueIndex "
            f"({cap['gsi_wru_per_key']:,.0f} per key with {w.due_shards} shards)"]
    return "\n".join(out)


def _level() -> int:
    from shared.adapters.repository import COMPRESSION_LEVEL

    return COMPRESSION_LEVEL


def ingestion_cap(w: Workload, m: Measured, cap: int = 10) -> dict[str, float]:
    """What ScoreIngestionFunction can write at most with `cap` concurrent executions (template
    ScalingConfig.MaximumConcurrency): each execution turns a batch of 10 around in ingest_ms."""
    ingest_ms = 10 * (m.cpu_ms + w.get_ms + w.put_ms) + w.overhead_ms
    rate = cap * 10 / (ingest_ms / 1000)
    return {"cap": cap, "events_per_s": rate, "table_wru_per_s": rate * m.wru,
            "gsi_wru_per_s": rate * m.index_wru("ALL"), "gsi_wru_per_key": rate * m.index_wru("ALL") / w.due_shards}


if __name__ == "__main__":
    import sys

    from bench import offline

    offline()
    print(report(quick="--quick" in sys.argv[1:]))
