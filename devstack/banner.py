"""The start-up banner of `make run`: what runs where, and how to use it."""

from __future__ import annotations

import os
from pathlib import Path

from devstack.config import OUTBOUND_SOURCE, PROBE_NAME
from devstack.system import LocalSystem


def banner(system: LocalSystem, directory: Path) -> str:
    info, s = system.info, system.stack
    dlq_of = s.dlq_of
    lines = [
        "",
        f"Solutions Partner engine: local stack up in {system.startup_seconds:.1f} s (pid {info['pid']}, loopback only)",
        "",
        f"  AWS emulator   moto server        {info['motoEndpoint']}   (region {info['region']}, fake credentials)",
        f"  HTTP API       PartnerApiFunction {info['apiUrl']}   Swagger UI {info['apiUrl']}/docs",
    ]
    for method, path in s.api_routes:
        lines.append(f"                 {method:<5} {path}")
    lines += [
        f"  Event bus      {s.bus_name}",
        f"  State table    {s.state_table}  (stream -> OutboxPublisherFunction, polled as each handler ends, else every 0.2 s)",
        "  Queues         rule -> queue -> function; after maxReceiveCount failed receives -> DLQ",
    ]
    for queue, d in sorted(system.pump.deliveries.items()):
        dlq = dlq_of.get(queue)
        n = info["maxReceiveCount"].get(queue)
        lines.append(f"                 {queue:<22} -> {d.function:<32} DLQ {dlq} (after {n} receives)")
    others = [q for q in info["dlqs"] if q not in dlq_of.values()]
    if others:
        lines.append(f"                 other dead-letter queues: {', '.join(others)}")
    sched = s.functions[system.pump.scheduled.function] if system.pump.scheduled else None
    if sched:
        mode = os.environ.get("LOCAL_SCHEDULE", "manual").lower()
        when = ("also fires daily on the wall clock (LOCAL_SCHEDULE=wallclock)" if mode == "wallclock"
                else "not fired by the wall clock (LOCAL_SCHEDULE=wallclock to enable)")
        lines += [
            f"  Scheduler      stand-in for {sched['schedule']} {sched.get('schedule_timezone') or ''} -> "
            f"{system.pump.scheduled.function}: `partnerctl tick YYYY-MM-DD`",
            f"                 (POST /_local/tick?day=...); {when}",
        ]
    lines += [
        f"  Outbound probe rule {PROBE_NAME} (source {OUTBOUND_SOURCE}) -> SQS {PROBE_NAME} -> GET /_local/events",
        f"  Retries        failed records come back after {system.pump.retry_delay} s (LOCAL_RETRY_DELAY)",
        "",
        "  Not created on the emulator (and what runs instead):",
    ]
    for note in s.dropped:
        lines.append(f"    - {note}")
    lines += [
        "",
        *state_lines(system),
        f"  Endpoints      {directory / 'run.json'}",
        "  Try            partnerctl demo | partnerctl send FILE... | partnerctl tick DATE | "
        "partnerctl status ID | partnerctl dlq list",
        "  Stop           Ctrl-C",
        "",
    ]
    return "\n".join(lines)


def state_lines(system: LocalSystem) -> list[str]:
    r = system.restored
    where = system.state.path if system.state else "(none)"
    lines = [f"  State          {where}",
             f"                 restored {r.get('partners', 0)} partner(s), {r.get('deadLetters', 0)} dead letter(s) "
             f"in {r.get('seconds', 0):.1f} s; kept across restarts; `partnerctl reset` (or `make reset`) wipes it"]
    runs = r.get("runs") or []
    done = [x["day"] for x in runs if x.get("finished")]
    if done:
        lines.append(f"                 last daily run {max(done)}")
    for x in runs:
        if not x.get("finished"):
            lines.append(f"                 the daily run of {x['day']} was interrupted: `partnerctl tick {x['day']}` "
                         "finishes it (partners already done are not due any more)")
    return lines
