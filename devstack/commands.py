"""partnerctl's commands on a running stack: send, tick, status, why, at-risk and the demo replay."""

from __future__ import annotations

import contextlib
import json
import re
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from devstack.client import CliError, Stack, brief, fail
from devstack.config import devstack_dir
from devstack.demo import DEMO_DIR, DEMO_PARTNERS, final_day, timeline
from devstack.eventfiles import read_files, validate_event
from devstack.localstate import LocalState, state_files
from devstack.lock import pid_alive
from devstack.patterns import routed, routed_sources
from devstack.render import NO, OK, Progress, err, out, print_outbound, print_status
from shared.adapters.repository import due_records
from shared.models.types import MAX_DATE, MIN_DATE
from shared.rules.explain import concerns
from shared.rules.features.renewal import forecast

PARTNER_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
MAX_PARTNERS_IN_URL = 100  # 100 ids of at most 64 characters stay far below a request line's limit


def send(stack: Stack, files: list[str], timeout: float, quiet_output: bool = False,
         entries: list[tuple[str, dict[str, Any]]] | None = None) -> dict[str, Any]:
    """Put the events on the bus and wait for their own effects (not those of other senders):
    devstack.partnerwork says when they are done."""
    entries = entries if entries is not None else read_files(files)
    patterns = stack.rule_patterns()
    unrouted = [(where, e) for where, e in entries if not routed(patterns, e["Source"], e["DetailType"])]
    first = stack.get("/_local/progress", {"since": 2**62})  # no envelopes: only the cursors
    consumed_cursor, cursor = first["next"], first["outboundEvents"]
    # The rules whose targets are work queues: an event matching one is processed, so it is waited for.
    routes = [p for queue_patterns in (stack.info.get("routes") or {}).values() for p in queue_patterns]
    bus = stack.info["busName"]
    progress = Progress(len(entries), "sending")
    refused: list[str] = []
    mine: dict[str, dict[str, Any]] = {}  # envelope id -> detail, of the events a work queue receives
    started = time.monotonic()
    accepted = 0
    try:
        for start in range(0, len(entries), 10):
            chunk = entries[start:start + 10]
            resp = stack.put_events([{**e, "EventBusName": bus} for _, e in chunk])
            for (where, e), result in zip(chunk, resp.get("Entries", []), strict=False):
                if result.get("ErrorCode"):
                    refused.append(f"{where}: {result['ErrorCode']}: {result.get('ErrorMessage')}")
                    continue
                accepted += 1
                if result.get("EventId") and routed(routes, e["Source"], e["DetailType"]):
                    mine[result["EventId"]] = json.loads(e["Detail"])
            progress.update(min(start + 10, len(entries)))
        dead = wait_own(stack, mine, consumed_cursor, timeout, f"the {len(entries)} events sent")
    except (KeyboardInterrupt, CliError):
        sys.stdout.flush()
        err(f"partnerctl: {accepted} of {len(entries)} event(s) reached the bus before this send stopped; "
            "sending the same file(s) again is safe: processing is idempotent, an event already applied is "
            "not applied twice")
        raise
    partners = {d.get("partnerId") for d in mine.values()}
    event_ids = {d.get("eventId") for d in mine.values()}
    events = [e for e in stack.events_since(cursor) if (e.get("detail") or {}).get("partnerId") in partners
              or (e.get("detail") or {}).get("originalEventId") in event_ids]
    rejected = dead + len({(e.get("detail") or {}).get("originalEventId") for e in events
                           if e.get("detail-type") == "InputRejected"})
    result = {"sent": accepted, "refused": refused, "rejected": rejected, "events": events,
              "seconds": time.monotonic() - started, "unrouted": len(unrouted),
              "routes": routed_sources(patterns)}
    if not quiet_output:
        out(f"sent {result['sent']} event(s) from {len(files)} file(s) in {result['seconds']:.1f} s; "
            f"{rejected} rejected into dead-letter queues" + ("  (see `partnerctl dlq list`)" if rejected else ""))
        for where, e in unrouted[:5]:
            out(f"  {where}: matched no rule (source {e['Source']!r}, detail-type {e['DetailType']!r}): not processed")
        if unrouted:
            out(f"  the bus routes {result['routes']}")
        print_outbound(events)
    if refused:
        for line in refused[:5]:
            err(f"partnerctl: refused by the bus: {line}")
        fail(f"{len(refused)} event(s) refused by the bus")
    return result


def wait_own(stack: Stack, mine: dict[str, dict[str, Any]], cursor: int, timeout: float, what: str) -> int:
    """Until every envelope of `mine` is consumed and none of their partners is busy, then the dead
    letters saved; returns how many of them failed for good."""
    pending = set(mine)
    partners = {d.get("partnerId") for d in mine.values()} - {None}
    deadline = time.monotonic() + timeout
    dead, version, params = 0, None, {}
    while True:
        p = stack.get("/_local/progress", {"since": cursor, **params})
        cursor, version = p["next"], p.get("version")
        for envelope, status in p["consumed"]:
            if envelope in pending:
                pending.discard(envelope)
                dead += status == "dead"
        busy = partners & set(p["busyPartners"])
        # One answer suffices: the stack changes what it tracks for a partner atomically, marking
        # the next step before clearing the last (devstack.partnerwork).
        if not pending and not busy:
            break
        if time.monotonic() > deadline:
            fail(f"timed out after {timeout:g} s waiting for {what} to be processed ({len(pending)} not yet "
                 f"delivered, {len(busy)} of their partner(s) still busy)")
        # The next answer is a long poll: the stack gives it once an envelope was consumed (while
        # some are pending), once none of these partners is busy (a long list: once anything
        # changed), so this wakes when its events move, not on a timer.
        params = {"wait": f"{max(0.01, min(1.0, deadline - time.monotonic())):.3f}"}
        if not pending and len(busy) <= MAX_PARTNERS_IN_URL:
            params["partners"] = ",".join(sorted(busy))
        elif not pending:
            params["version"] = version
    status, body = stack.request("POST", "/_local/settle")  # the outbound log complete, dead letters saved
    if status != 200 or (isinstance(body, dict) and body.get("probePending")):
        fail(f"the stack did not settle after {what}: {brief(body)}")
    return dead


def parse_day(value: str, what: str = "DATE") -> str:
    """A YYYY-MM-DD date inside the range every edge accepts (the event contract's and the API's)."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        day = date.fromisoformat(value)
    except ValueError:
        fail(f"{what} must be a date YYYY-MM-DD, got {value!r}", 2)
    if not MIN_DATE <= day <= MAX_DATE:
        fail(f"{what} must be between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}, got {value}", 2)
    return value


def tick(stack: Stack, day: str, timeout: float, quiet_output: bool = False) -> dict[str, Any]:
    day = parse_day(day)
    status, body = stack.request("POST", "/_local/tick", {"day": day, "timeout": timeout}, timeout=timeout + 30)
    if not isinstance(body, dict) or "day" not in body:
        fail(f"tick {day} answered {status}: {brief(body)}")
    if body.get("error"):
        fail(f"the anniversary run for {day} failed: {body['error']}")
    if not body.get("quiet"):
        fail(f"timed out after {timeout:g} s waiting for the anniversary run of {day} to be processed")
    if not quiet_output:
        r = body.get("result") or {}
        out(f"tick {day}: {r.get('partners', 0)} partner(s) had work due, {r.get('events', 0)} decision event(s), "
            f"{body['seconds']:.1f} s")
        print_outbound(body.get("events") or [])
    return body


def status_cmd(stack: Stack, partner: str, on: str | None) -> None:
    if not PARTNER_ID.fullmatch(partner):
        fail(f"PARTNER_ID must match {PARTNER_ID.pattern}, got {partner!r}", 2)
    if on is not None:
        on = parse_day(on, "--on")
    answers = {}
    for name, path in (("partner", ""), ("scores", "/scores"), ("eligibility", "/eligibility")):
        code, body = stack.request("GET", f"/partners/{partner}{path}", {"on": on})
        if code == 404:
            fail(f"unknown partner {partner}")
        if code != 200:
            fail(f"GET /partners/{partner}{path} answered {code}: {brief(body)}")
        answers[name] = body
    print_status(answers["partner"], answers["scores"], answers["eligibility"])
    routes = {tuple(r) for r in stack.info.get("apiRoutes") or []}
    if ("GET", "/partners/{partnerId}/history") in routes:
        out("")
        extra = f"&on={on}" if on else ""
        out(f"More: {stack.api}/partners/{partner}/history (decision audit trail)" +
            (f", {stack.api}/dashboard/{partner}{'?' + extra[1:] if extra else ''} (HTML)"
             if ("GET", "/dashboard/{partnerId}") in routes else ""))


def why_cmd(stack: Stack, partner: str, area: str | None) -> None:
    """The current status in plain sentences, each citing the rule it applied."""
    if not PARTNER_ID.fullmatch(partner):
        fail(f"PARTNER_ID must match {PARTNER_ID.pattern}, got {partner!r}", 2)
    code, body = stack.request("GET", f"/partners/{partner}/history")
    if code == 404:
        fail(f"unknown partner {partner}")
    if code != 200:
        fail(f"GET /partners/{partner}/history answered {code}: {brief(body)}")
    # the API explains every decision (it has the facts); keep those of the area asked about
    lines = [e for d, e in zip(body["decisions"], body["explanations"], strict=True) if concerns(d, area)]
    if not lines:
        out(f"{partner}: no decision recorded" + (f" for {area}" if area else "") + " yet.")
    for line in lines:
        out(f"- {line['sentence']}")
        if line["citation"]:
            out(f"    rule: {line['citation']}")


def at_risk_cmd(stack: Stack, on: str | None, days: int) -> None:
    """Partners whose anniversary falls in the next DAYS days, and what would lapse if it were today."""
    day = parse_day(on, "--on") if on else date.today().isoformat()
    until = (date.fromisoformat(day) + timedelta(days=days)).isoformat()
    shards = range(int(stack.info.get("dueShards") or 16))
    found = 0
    with stack.guard("dynamodb", "query"):
        for _, record in due_records(stack.client("dynamodb"), stack.info["stateTable"], until, shards):
            state = record.state
            for risk in forecast(state, day):
                if risk["daysUntil"] > days:
                    continue
                found += 1
                needs = ", ".join(f"{n['metric']} +{n['unitsNeeded']}" for n in risk["shortfall"]) or "-"
                out(f"{state['partnerId']:<24} {risk['solutionArea']:<24} anniversary {risk['anniversaryDate']} "
                    f"(in {risk['daysUntil']} d)  now {risk['total']:>6}  needs: {needs}")
    out(f"{found} designation(s) at risk in the {days} days after {day}.")


def demo(stack: Stack, directory: str | None, timeout: float) -> None:
    root = Path(directory) if directory else DEMO_DIR
    steps = timeline(root)
    started = time.monotonic()
    out(f"Replaying {root}: {len({s[1] for s in steps if s[0] == 'send'})} file(s) and "
        f"{sum(1 for s in steps if s[0] == 'tick')} scheduled day(s)")
    rejected = 0
    split = Counter(s[1] for s in steps if s[0] == "send")
    parts: Counter[Path] = Counter()
    for step in steps:
        if step[0] == "tick":
            day = step[1]
            out("")
            out(f"== tick {day} (anniversary run)")
            body = tick(stack, day, timeout, quiet_output=True)
            r = body.get("result") or {}
            out(f"   {r.get('partners', 0)} partner(s) due, {r.get('events', 0)} decision event(s)")
            print_outbound([e for e in body.get("events") or [] if e.get("detail-type") != "ScoreEvaluated"], "   ")
        else:
            _, path, events = step
            parts[path] += 1
            part = f", part {parts[path]}" if parts[path] > 1 or split[path] > 1 else ""
            entries = [(f"{path.name}[{i}]", validate_event(e, f"{path}[{i}]")) for i, e in enumerate(events)]
            out("")
            out(f"== send {path.name} ({len(events)} event(s){part})")
            res = send(stack, [str(path)], timeout, quiet_output=True, entries=entries)
            rejected += res["rejected"]
            shown = [e for e in res["events"] if e.get("detail-type") != "ScoreEvaluated"]
            scores = [e for e in res["events"] if e.get("detail-type") == "ScoreEvaluated"]
            if scores:
                latest = {}
                for e in scores:
                    d = e["detail"]
                    latest[(d["partnerId"], d["solutionArea"])] = d
                out("   scores: " + "; ".join(f"{p} {a} {d['total']} {OK if d['qualified'] else NO}"
                                          for (p, a), d in sorted(latest.items())))
            if shown:
                print_outbound(shown, "   ")
            if res["rejected"]:
                out(f"   {res['rejected']} message(s) rejected into a dead-letter queue")
    elapsed = time.monotonic() - started
    on = final_day(root)
    for partner in DEMO_PARTNERS:
        out("")
        out("-" * 100)
        with contextlib.suppress(CliError):
            status_cmd(stack, partner, on)
    out("")
    out(f"demo done in {elapsed:.1f} s; {rejected} message(s) rejected (see `partnerctl dlq list`)")


def reset_cmd(yes: bool) -> None:
    """Wipe the local state (partners, DueIndex, dead letters, daily runs) of a stopped stack."""
    directory = devstack_dir()
    try:
        pid = int((directory / "run.pid").read_text().strip() or "0")
    except (OSError, ValueError):
        pid = 0
    if pid and pid_alive(pid):
        fail(f"the local stack is running (pid {pid}); stop it (Ctrl-C in `make run`), then reset")
    files = state_files(directory)
    if not files:
        out(f"nothing to reset: no local state in {directory}")
        return
    state = LocalState(directory)
    partners, dead = state.partner_count(), sum(len(m) for m in state.dead_letters().values())
    state.close()
    what = f"{partners} partner(s) and {dead} dead letter(s) in {state.path}"
    if not yes:
        if not sys.stdin.isatty():
            fail(f"reset deletes {what}; confirm with --yes", 2)
        answer = input(f"Delete {what}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            out("nothing deleted")
            return
    for path in state_files(directory):
        path.unlink(missing_ok=True)
    out(f"local state wiped: deleted {what}")
