"""`partnerctl`: the operator CLI of a running local stack (`make run`), SPEC §4.4.

    partnerctl send FILE... [--timeout S]      put events on the bus, wait until processed
    partnerctl tick DATE [--timeout S]         run the anniversary schedule for DATE, wait
    partnerctl status PARTNER_ID [--on DATE]   designations, scores, fees, specializations, gates
    partnerctl dlq list                        every message of every dead-letter queue
    partnerctl dlq redrive [--queue NAME]      move dead letters back to their source queue, wait
    partnerctl demo [--dir DIR]                replay events/demo/ with its ticks

Where the stack is: ``$DEVSTACK_DIR/run.json`` (default ``<project>/.devstack/run.json``, written by
``python -m devstack.run``), or ``PARTNERCTL_API`` (the API URL; the rest is read from its
``/_local/info``) and optionally ``PARTNERCTL_MOTO_ENDPOINT``. Exit status 0 on success, 1 when the
stack is not running or the work failed, 2 for bad input; errors are one line
``partnerctl: <reason>`` on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NoReturn

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PARTNER_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
ENVELOPE_KEYS = {"source", "detail-type", "detail", "time", "version", "id", "account", "region", "resources"}
REJECTION_ATTRIBUTES = ("rejectionField", "rejectionReason", "rejectionCode", "sourceQueue", "originalMessageId")
DEFAULT_TIMEOUT = 120.0
EVENT_ORDER = ["DesignationAttained", "BadgeIssued", "RenewalOpened", "RenewalAtRisk", "DesignationRenewed",
               "DesignationLapsed", "SpecializationAtRisk", "SpecializationLost", "AzureExpertMspLost",
               "InputRejected", "ScoreEvaluated"]


class CliError(Exception):
    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = 1) -> NoReturn:
    raise CliError(message, code)


# --------------------------------------------------------------------------- output helpers


def _can_encode(text: str) -> bool:
    try:
        text.encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


FULL, EMPTY, OK, NO = ("█", "░", "✓", "✗") if _can_encode("█░✓✗") else ("#", ".", "+", "x")


def out(line: str = "") -> None:
    print(line, flush=True)


def bar(total: float, width: int = 10) -> str:
    filled = max(0, min(width, int(total // (100 / width))))
    return FULL * filled + EMPTY * (width - filled)


class Progress:
    """A plain-text progress bar on stderr (only for more than 50 events)."""

    def __init__(self, total: int, label: str):
        self.total, self.label = total, label
        self.enabled = total > 50
        self.tty = sys.stderr.isatty()
        self.last = -1

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        pct = int(done * 100 / self.total) if self.total else 100
        if self.tty:
            width = 30
            filled = int(width * done / self.total) if self.total else width
            sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total}")
            if done >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()
        elif pct // 25 > self.last // 25 or done >= self.total:  # not a terminal: a line every 25 %
            self.last = pct
            sys.stderr.write(f"{self.label} {done}/{self.total} ({pct} %)\n")
            sys.stderr.flush()


# --------------------------------------------------------------------------- the stack


def devstack_dir() -> Path:
    return Path(os.environ.get("DEVSTACK_DIR") or PROJECT_ROOT / ".devstack")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


class Stack:
    """The running local stack: its control/API endpoints and boto3 clients on its emulator."""

    def __init__(self) -> None:
        api = os.environ.get("PARTNERCTL_API")
        run_json = devstack_dir() / "run.json"
        if api:
            self.api = api.rstrip("/")
            self.info = self.get("/_local/info")
        else:
            if not run_json.exists():
                fail(f"the local stack is not running (no {run_json}); start it with `make run`")
            try:
                self.info = json.loads(run_json.read_text())
            except (OSError, ValueError) as exc:
                fail(f"cannot read {run_json}: {exc}")
            pid = int(self.info.get("pid") or 0)
            if pid and not _pid_alive(pid):
                fail(f"the local stack is not running (pid {pid} of {run_json} has exited); start it with `make run`")
            self.api = str(self.info["apiUrl"]).rstrip("/")
        self.moto = os.environ.get("PARTNERCTL_MOTO_ENDPOINT") or self.info["motoEndpoint"]
        self.region = self.info.get("region", "us-east-1")
        self._clients: dict[str, Any] = {}

    # ---- HTTP --------------------------------------------------------------------------------
    def request(self, method: str, path: str, params: dict[str, Any] | None = None,
                timeout: float = 30.0) -> tuple[int, Any]:
        url = self.api + path
        if params:
            url += "?" + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        if not url.startswith(("http://", "https://")):
            fail(f"the API URL {self.api!r} is not http(s)", 2)
        req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None,  # noqa: S310
                                     headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback URL of run.json
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            fail(f"cannot reach the local stack at {self.api} ({reason}); is `make run` running?")
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        status, body = self.request("GET", path, params)
        if status != 200:
            fail(f"GET {path} answered {status}: {_brief(body)}")
        return body

    def status(self, light: bool = False) -> dict[str, Any]:
        return self.get("/_local/status", {"light": "1"} if light else None)

    def wait_quiet(self, timeout: float, what: str) -> dict[str, Any]:
        """Until everything caused so far is processed (two quiet answers in a row)."""
        deadline = time.monotonic() + timeout
        streak, st = 0, {}
        while True:
            st = self.status(light=True)
            streak = streak + 1 if st.get("quiet") else 0
            if streak >= 2:
                return self.status()
            if time.monotonic() > deadline:
                fail(f"timed out after {timeout:g} s waiting for {what} to be processed "
                     f"({st.get('pendingTotal')} messages pending, {st.get('inFlight')} deliveries running)")
            time.sleep(0.1)

    def events_since(self, cursor: int) -> list[dict[str, Any]]:
        return self.get("/_local/events", {"since": cursor})["events"]

    # ---- AWS ---------------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        if service not in self._clients:
            import boto3
            from botocore.config import Config

            self._clients[service] = boto3.session.Session(
                aws_access_key_id="testing", aws_secret_access_key="testing",  # noqa: S106 - the emulator's fake keys
                region_name=self.region,
            ).client(service, endpoint_url=self.moto, config=Config(retries={"mode": "standard", "max_attempts": 3},
                                                                     connect_timeout=2, read_timeout=15))
        return self._clients[service]

    def aws(self, service: str, op: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client(service), op)(**kwargs)
        except ClientError as exc:
            err = exc.response.get("Error", {})
            fail(f"{service} {op}: {err.get('Code')}: {err.get('Message')}")
        except BotoCoreError as exc:
            fail(f"cannot reach the emulator at {self.moto} ({exc}); is `make run` running?")


def _brief(body: Any) -> str:
    if isinstance(body, dict):
        return str(body.get("message") or body.get("reason") or json.dumps(body)[:200])
    return str(body)[:200]


# --------------------------------------------------------------------------- event files


def _parse_time(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        fail(f"{where}: 'time' must be an ISO-8601 string", 2)
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(f"{where}: 'time' {value!r} is not an ISO-8601 timestamp", 2)
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)  # no zone given: UTC, as EventBridge shows it


def validate_event(event: Any, where: str) -> dict[str, Any]:
    """EventBridge's shape, not the detail's content (the system validates that)."""
    if not isinstance(event, dict):
        fail(f"{where}: an event must be a JSON object, got {type(event).__name__}", 2)
    unknown = sorted(set(event) - ENVELOPE_KEYS)
    if unknown:
        fail(f"{where}: unknown key {unknown[0]!r} (an event has source, detail-type, detail and optionally time)", 2)
    for key in ("source", "detail-type"):
        if not isinstance(event.get(key), str) or not event[key].strip():
            fail(f"{where}: {key!r} is required and must be a non-empty string", 2)
    if "detail" not in event:
        fail(f"{where}: 'detail' is required", 2)
    detail = event["detail"]
    if isinstance(detail, str):
        try:
            detail = json.loads(detail)
        except ValueError:
            fail(f"{where}: 'detail' is a string that is not JSON", 2)
    if not isinstance(detail, dict):
        fail(f"{where}: 'detail' must be a JSON object", 2)
    entry: dict[str, Any] = {"Source": event["source"], "DetailType": event["detail-type"],
                             "Detail": json.dumps(detail, separators=(",", ":"))}
    if event.get("time") is not None:
        entry["Time"] = _parse_time(event["time"], where)
    if event.get("resources"):
        if not isinstance(event["resources"], list) or not all(isinstance(r, str) for r in event["resources"]):
            fail(f"{where}: 'resources' must be a list of strings", 2)
        entry["Resources"] = event["resources"]
    if len(entry["Detail"].encode()) > 256 * 1024:
        fail(f"{where}: the event is larger than EventBridge's 256 KB", 2)
    return entry


def load_events(path: Path) -> list[tuple[str, Any]]:
    """(where, event) of a file holding one JSON event, a JSON array, or JSON Lines."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{path}: no such file", 2)
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{path}: cannot read: {exc}", 2)
    if not text.strip():
        fail(f"{path}: the file is empty", 2)
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
        items = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append((f"{path}:{n}", json.loads(line)))
            except ValueError as exc:
                fail(f"{path}:{n}: not JSON ({exc.msg}); a file holds one JSON event, a JSON array or JSON Lines", 2)
        return items
    if isinstance(doc, list):
        return [(f"{path}[{i}]", e) for i, e in enumerate(doc)]
    return [(str(path), doc)]


def read_files(files: list[str]) -> list[tuple[str, dict[str, Any]]]:
    entries = []
    for name in files:
        for where, event in load_events(Path(name)):
            entries.append((where, validate_event(event, where)))
    if not entries:
        fail("no events in " + ", ".join(files), 2)
    return entries


# --------------------------------------------------------------------------- describing outbound events


def _uniq(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen, out_ = set(), []
    for e in events:
        key = (e.get("detail-type"), (e.get("detail") or {}).get("eventId"))
        if key in seen:
            continue
        seen.add(key)
        out_.append(e)
    return out_


def describe(event: dict[str, Any]) -> str:
    t, d = event.get("detail-type"), event.get("detail") or {}
    p = d.get("partnerId") or "?"
    if t == "DesignationAttained":
        return f"{p}: {d.get('solutionArea')} attained {d.get('attainedOn')} (rulebook {d.get('rulebookVersion')}, " \
               f"anniversary {d.get('anniversaryDate')})"
    if t == "BadgeIssued":
        return f"{p}: badge {d.get('badge')} issued {d.get('issuedOn')}"
    if t == "RenewalOpened":
        fees = ", ".join(f"{f['option']} {f['amount']} {f['currency']}" for f in d.get("fees") or [])
        kept = ", ".join(d.get("designations") or []) or "no designation qualified"
        lapsing = f"; lapsing {', '.join(d['lapsing'])}" if d.get("lapsing") else ""
        return f"{p}: anniversary {d.get('anniversaryDate')}: {kept}{lapsing}; choose {'/'.join(d.get('options') or [])}" \
               f" by {d.get('paymentDueBy')} ({fees})"
    if t == "RenewalAtRisk":
        short = ", ".join(f"{x.get('metric')} +{x.get('unitsNeeded')}" for x in d.get("shortfall") or [])
        return f"{p}: {d.get('solutionArea')} at risk at its anniversary {d.get('anniversaryDate')} " \
               f"(in {d.get('daysUntil')} days){': needs ' + short if short else ''}"
    if t == "DesignationRenewed":
        return f"{p}: {d.get('solutionArea')} renewed {d.get('renewedOn')} with {d.get('option')} benefits " \
               f"(next anniversary {d.get('nextAnniversaryDate')})"
    if t == "DesignationLapsed":
        return f"{p}: {d.get('solutionArea')} lapsed {d.get('lapsedOn')} ({d.get('reason')})"
    if t == "SpecializationAtRisk":
        return f"{p}: {d.get('specialization')} at risk: needs {' or '.join(d.get('requiredDesignations') or [])} " \
               f"by its anniversary {d.get('anniversaryDate')} (warned {d.get('warnedOn')})"
    if t == "SpecializationLost":
        return f"{p}: {d.get('specialization')} lost {d.get('lostOn')} (needs {' or '.join(d.get('requiredDesignations') or [])})"
    if t == "AzureExpertMspLost":
        return f"{p}: Azure Expert MSP lost at anniversary {d.get('anniversaryDate')}, effective " \
               f"{d.get('lossEffectiveOn')} (missing {', '.join(d.get('missingDesignations') or [])})"
    if t == "InputRejected":
        return f"{p or '?'}: {d.get('detailType')} {d.get('originalEventId')} rejected: {d.get('reason')} " \
               f"[{d.get('field')}] -> {d.get('queue')} DLQ"
    if t == "ScoreEvaluated":
        return f"{p}: {d.get('solutionArea')} {d.get('total')}/100 {OK if d.get('qualified') else NO} on {d.get('evaluatedOn')}"
    return f"{p}: {json.dumps(d)[:160]}"


def print_outbound(events: list[dict[str, Any]], indent: str = "  ") -> None:
    events = _uniq(events)
    if not events:
        out(f"{indent}no outbound events")
        return
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        by_type[e.get("detail-type") or "?"].append(e)
    order = [t for t in EVENT_ORDER if t in by_type] + sorted(t for t in by_type if t not in EVENT_ORDER)
    for t in order:
        items = by_type[t]
        if t == "ScoreEvaluated":
            latest: dict[tuple[str, str], dict[str, Any]] = {}
            for e in items:
                d = e.get("detail") or {}
                latest[(d.get("partnerId"), d.get("solutionArea"))] = e
            out(f"{indent}{t} x{len(items)}; latest per partner and area:")
            for key in sorted(latest):
                out(f"{indent}    {describe(latest[key])}")
            continue
        out(f"{indent}{t} x{len(items)}")
        for e in items:
            out(f"{indent}    {describe(e)}")


# --------------------------------------------------------------------------- commands


def send(stack: Stack, files: list[str], timeout: float, quiet_output: bool = False,
         entries: list[tuple[str, dict[str, Any]]] | None = None) -> dict[str, Any]:
    entries = entries if entries is not None else read_files(files)
    before = stack.status()
    cursor, dead_before = before["outboundEvents"], sum(before["deadLetters"].values())
    bus = stack.info["busName"]
    progress = Progress(len(entries), "sending")
    refused: list[str] = []
    started = time.monotonic()
    for start in range(0, len(entries), 10):
        chunk = entries[start:start + 10]
        resp = stack.aws("events", "put_events", Entries=[{**e, "EventBusName": bus} for _, e in chunk])
        if resp.get("FailedEntryCount"):
            for (where, _), result in zip(chunk, resp.get("Entries", []), strict=False):
                if result.get("ErrorCode"):
                    refused.append(f"{where}: {result['ErrorCode']}: {result.get('ErrorMessage')}")
        progress.update(min(start + 10, len(entries)))
    after = stack.wait_quiet(timeout, f"the {len(entries)} events sent")
    events = stack.events_since(cursor)
    rejected = sum(after["deadLetters"].values()) - dead_before
    result = {"sent": len(entries) - len(refused), "refused": refused, "rejected": rejected, "events": events,
              "seconds": time.monotonic() - started}
    if not quiet_output:
        out(f"sent {result['sent']} event(s) from {len(files)} file(s) in {result['seconds']:.1f} s; "
            f"{rejected} rejected into dead-letter queues" + ("  (see `partnerctl dlq list`)" if rejected else ""))
        print_outbound(events)
    if refused:
        for line in refused[:5]:
            print(f"partnerctl: refused by the bus: {line}", file=sys.stderr)
        fail(f"{len(refused)} event(s) refused by the bus")
    return result


def _day(value: str, what: str = "DATE") -> str:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        fail(f"{what} must be a date YYYY-MM-DD, got {value!r}", 2)
    return value


def tick(stack: Stack, day: str, timeout: float, quiet_output: bool = False) -> dict[str, Any]:
    day = _day(day)
    status, body = stack.request("POST", "/_local/tick", {"day": day, "timeout": timeout}, timeout=timeout + 30)
    if not isinstance(body, dict) or "day" not in body:
        fail(f"tick {day} answered {status}: {_brief(body)}")
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
    if not PARTNER_ID.match(partner):
        fail(f"PARTNER_ID must match {PARTNER_ID.pattern}, got {partner!r}", 2)
    if on is not None:
        on = _day(on, "--on")
    answers = {}
    for name, path in (("partner", ""), ("scores", "/scores"), ("eligibility", "/eligibility")):
        code, body = stack.request("GET", f"/partners/{partner}{path}", {"on": on})
        if code == 404:
            fail(f"unknown partner {partner}")
        if code != 200:
            fail(f"GET /partners/{partner}{path} answered {code}: {_brief(body)}")
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
    if not PARTNER_ID.match(partner):
        fail(f"PARTNER_ID must match {PARTNER_ID.pattern}, got {partner!r}", 2)
    code, body = stack.request("GET", f"/partners/{partner}/history")
    if code == 404:
        fail(f"unknown partner {partner}")
    if code != 200:
        fail(f"GET /partners/{partner}/history answered {code}: {_brief(body)}")
    from shared.rules.explain import concerns

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
    from datetime import date, timedelta

    from shared.adapters.repository import decode_state
    from shared.rules.features.renewal import forecast

    day = _day(on, "--on") if on else date.today().isoformat()
    until = (date.fromisoformat(day) + timedelta(days=days)).isoformat()
    found = 0
    for shard in range(int(stack.info.get("dueShards") or 16)):
        kwargs: dict[str, Any] = {"TableName": stack.info["stateTable"], "IndexName": "DueIndex",
                                  "KeyConditionExpression": "gsi1pk = :p AND gsi1sk <= :d",
                                  "ExpressionAttributeValues": {":p": {"S": f"DUE#{shard}"}, ":d": {"S": f"{until}#~"}}}
        while True:
            page = stack.aws("dynamodb", "query", **kwargs)
            for item in page.get("Items", []):
                state = decode_state(item["state"])
                for risk in forecast(state, day):
                    if risk["daysUntil"] > days:
                        continue
                    found += 1
                    needs = ", ".join(f"{n['metric']} +{n['unitsNeeded']}" for n in risk["shortfall"]) or "-"
                    out(f"{state['partnerId']:<24} {risk['solutionArea']:<24} anniversary {risk['anniversaryDate']} "
                        f"(in {risk['daysUntil']} d)  now {risk['total']:>6}  needs: {needs}")
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    out(f"{found} designation(s) at risk in the {days} days after {day}.")


def print_status(p: dict[str, Any], s: dict[str, Any], e: dict[str, Any]) -> None:
    legacy = p.get("legacy") or {}
    out(f"Partner {p['partnerId']}  (as of {p['on']})")
    out(f"  anniversary      {p.get('anniversaryDate') or '-'}")
    out(f"  benefits option  {p.get('benefitsOption') or '-'}")
    leg = f"yes, {legacy.get('level')} ({', '.join(legacy.get('competencies') or [])}; anniversary " \
          f"{legacy.get('anniversaryDate')})" if legacy.get("isLegacyPartner") else "no"
    out(f"  legacy partner   {leg}")
    out(f"  badges           {', '.join(p.get('badges') or []) or '-'}")
    fees = "; ".join(f"{f['option']} {f['amount']} {f['currency']} by {f['dueBy']} (anniversary {f['anniversaryDate']})"
                     for f in p.get("feesDue") or [])
    out(f"  fees due         {fees or 'none'}")
    pending = p.get("pendingWork") or []
    if pending:
        first = pending[0]
        out(f"  not yet run      {len(pending)} dated step(s) due by {p['on']}, from {first['kind']} on "
            f"{first['dueOn']}: the figures are as of the last daily run (partnerctl tick DATE runs it)")
    if p.get("locations"):
        out(f"  locations        {', '.join(p['locations'])}")
    out("")
    out("Designations")
    if p.get("designations"):
        out(f"  {'AREA':<34} {'ATTAINED':<11} STATUS")
        for d in p["designations"]:
            lapsed = f" {d['lapsedOn']}" if d.get("lapsedOn") else ""
            out(f"  {d['solutionArea']:<34} {d['attainedOn']:<11} {d['status']}{lapsed}")
    else:
        out("  none")
    out("")
    out("Scores (attained at 70 points with every metric above 0)")
    held_areas = {d["solutionArea"] for d in p.get("designations") or []}
    idle = [a["solutionArea"] for a in s.get("areas") or []
            if float(a["total"]) == 0 and not a.get("attained") and a["solutionArea"] not in held_areas]
    for a in s.get("areas") or []:
        if a["solutionArea"] in idle:
            continue
        total = float(a["total"])
        mark = OK if a.get("qualified") else NO
        zero = [m["metric"] for m in a.get("metrics") or [] if float(m["points"]) == 0]
        note = ""
        if not a.get("qualified"):
            needs = (a.get("guidance") or {}).get("needs") or []
            if needs:
                note = "needs " + ", ".join(
                    f"{n['metric']} +{n['unitsNeeded']}" for n in needs[:4])
            elif zero:
                note = "zero: " + ", ".join(zero)
        held = "  (held)" if a.get("attained") else ""
        out(f"  {a['solutionArea']:<24} {bar(total)} {total:6.2f}/100 {mark}{held}{'  ' + note if note else ''}")
    if idle:
        out(f"  {'no points yet:':<24} {', '.join(idle)}")
    out("")
    out("Specializations")
    specs = p.get("specializations") or []
    if not specs:
        out("  none")
    for sp in specs:
        lost = f" on {sp['lostOn']}" if sp.get("lostOn") else ""
        out(f"  {sp['specialization']:<40} {sp['status']}{lost}  (anniversary {sp['anniversaryDate']}; needs "
            f"{' or '.join(sp.get('requiredDesignations') or [])}; incremental benefits "
            f"{'yes' if sp.get('incrementalBenefits') else 'no'})")
    msp = p.get("azureExpertMsp")
    out("")
    if msp:
        loss = f", loss effective {msp['lossEffectiveOn']}" if msp.get("lossEffectiveOn") else ""
        out(f"Azure Expert MSP   {msp['status']} (anniversary {msp['anniversaryDate']}{loss})")
    else:
        out("Azure Expert MSP   not recorded")
    out("")
    out("Gates")
    gates = [("incentives", e.get("incentives")), ("co-sell (services)", e.get("coSell")),
             ("co-sell (ISV/IP)", e.get("ipCoSell"))]
    gates += [((g or {}).get("gate", "offer").replace("_", " ").lower(), g) for g in e.get("offers") or []]
    gates += [((g or {}).get("gate", "").replace("SPECIALIZATION:", "spec: "), g) for g in e.get("specializations") or []]
    gates.append(("Azure Expert MSP", e.get("azureExpertMsp")))
    for name, g in gates:
        if not g:
            continue
        out(f"  {name:<28} {OK if g.get('allowed') else NO} {g.get('reason', ''):<32} {g.get('message', '')}")


def _queues(stack: Stack) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    info = stack.info
    return info.get("queues") or {}, info.get("dlqs") or {}, info.get("redrive") or {}


def _peek_all(stack: Stack, url: str) -> list[dict[str, Any]]:
    """Every message of a queue, left in it: received with a visibility timeout, then made visible."""
    seen: dict[str, dict[str, Any]] = {}
    handles = []
    for _ in range(1000):
        batch = stack.aws("sqs", "receive_message", QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60,
                          WaitTimeSeconds=0, AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
        if not batch:
            break
        for m in batch:
            seen.setdefault(m["MessageId"], m)
            handles.append(m["ReceiptHandle"])
    for start in range(0, len(handles), 10):
        stack.aws("sqs", "change_message_visibility_batch", QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0} for i, h in enumerate(handles[start:start + 10])])
    return list(seen.values())


def _body_facts(body: str) -> tuple[str, str]:
    try:
        env = json.loads(body)
    except ValueError:
        return "-", "-"
    if not isinstance(env, dict):
        return "-", "-"
    if "requestPayload" in env:  # a Lambda on-failure destination record
        env = env.get("requestPayload") or {}
    detail = env.get("detail") if isinstance(env.get("detail"), dict) else {}
    return str(env.get("detail-type") or "-"), str(detail.get("eventId") or "-")


def dlq_list(stack: Stack) -> int:
    _, dlqs, redrive = _queues(stack)
    max_receive = stack.info.get("maxReceiveCount") or {}
    total = 0
    for name, url in dlqs.items():
        for m in _peek_all(stack, url):
            total += 1
            attrs = {k: v.get("StringValue") for k, v in (m.get("MessageAttributes") or {}).items()}
            if attrs.get("rejectionField") or attrs.get("rejectionReason"):
                why = f"{attrs.get('rejectionField')}: {attrs.get('rejectionReason')}"
            else:
                source = redrive.get(name)
                n = max_receive.get(source) if source else None
                why = f"delivery failed {n} times" if n else "delivery failed"
            detail_type, event_id = _body_facts(m.get("Body", ""))
            out(f"{name}  {m['MessageId']}  {why}  {detail_type}  {event_id}")
    if total == 0:
        out("no messages in the dead-letter queues (" + ", ".join(dlqs) + ")")
    return total


def dlq_redrive(stack: Stack, queue: str | None, timeout: float) -> None:
    queues, dlqs, redrive = _queues(stack)
    targets = dict(redrive)  # DLQ -> source queue
    if queue:
        match = [d for d, src in targets.items()
                 if queue in (d, src) or queue in (dlqs.get(d, "").rsplit("/", 1)[-1], queues.get(src, "").rsplit("/", 1)[-1])]
        if not match:
            if queue in dlqs:
                fail(f"{queue} has no source queue to redrive to (no RedrivePolicy names it)", 2)
            fail(f"unknown queue {queue!r}; dead-letter queues with a source: {', '.join(targets)}", 2)
        targets = {d: targets[d] for d in match}
    before = stack.status()
    dead_before = sum(before["deadLetters"].values())
    moved: Counter[str] = Counter()
    for dlq, source in targets.items():
        url, dest = dlqs[dlq], queues[source]
        # Take every message first, then move them: a message rejected again while we move lands
        # in the DLQ as a new message, and must not be moved a second time in this run.
        taken: dict[str, dict[str, Any]] = {}
        for _ in range(10_000):
            batch = stack.aws("sqs", "receive_message", QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=120,
                              WaitTimeSeconds=0, MessageAttributeNames=["All"]).get("Messages", [])
            if not batch:
                break
            for m in batch:
                taken.setdefault(m["MessageId"], m)
        for m in taken.values():
            attrs = {k: v for k, v in (m.get("MessageAttributes") or {}).items() if k not in REJECTION_ATTRIBUTES}
            kwargs: dict[str, Any] = {"QueueUrl": dest, "MessageBody": m["Body"]}
            if attrs:
                kwargs["MessageAttributes"] = {k: {kk: vv for kk, vv in v.items() if kk in (
                    "StringValue", "BinaryValue", "DataType")} for k, v in attrs.items()}
            stack.aws("sqs", "send_message", **kwargs)
            stack.aws("sqs", "delete_message", QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            moved[f"{dlq} -> {source}"] += 1
    n = sum(moved.values())
    if n:
        after = stack.wait_quiet(timeout, f"the {n} redriven messages")
        again = sum(after["deadLetters"].values()) - (dead_before - n)
    else:
        again = 0
    out(f"redrove {n} message(s)" + (": " + ", ".join(f"{k} {v}" for k, v in moved.items()) if n else ""))
    if n:
        out(f"{again} of them ended in a dead-letter queue again" if again > 0 else "all processed")


# --------------------------------------------------------------------------- demo


def demo(stack: Stack, directory: str | None, timeout: float) -> None:
    from devstack.demo import DEMO_DIR, DEMO_PARTNERS, final_day, timeline

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


# --------------------------------------------------------------------------- argparse


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message} (see `{self.prog} --help`)", 2)


def _timeout(value: str) -> float:
    try:
        t = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid seconds {value!r}") from None
    if not 0 < t <= 3600:
        raise argparse.ArgumentTypeError("must be between 0 and 3600 seconds")
    return t


def parser() -> Parser:
    p = Parser(prog="partnerctl", description="Operate the local Solutions Partner engine (`make run`).")
    sub = p.add_subparsers(dest="command", metavar="{send,tick,status,why,at-risk,dlq,demo}", required=True, parser_class=Parser)
    s = sub.add_parser("send", help="put events on the bus and wait until they are processed")
    s.add_argument("files", nargs="+", metavar="FILE", help="one JSON event, a JSON array, or JSON Lines")
    s.add_argument("--timeout", type=_timeout, default=DEFAULT_TIMEOUT, help="seconds to wait (default 120)")
    t = sub.add_parser("tick", help="run the daily anniversary schedule for DATE and wait")
    t.add_argument("date", metavar="DATE", help="YYYY-MM-DD")
    t.add_argument("--timeout", type=_timeout, default=DEFAULT_TIMEOUT, help="seconds to wait (default 120)")
    st = sub.add_parser("status", help="a partner's designations, scores, fees, specializations and gates")
    st.add_argument("partner", metavar="PARTNER_ID")
    st.add_argument("--on", metavar="DATE", help="as-of date (default today)")
    w = sub.add_parser("why", help="explain a partner's status in plain sentences citing the rules")
    w.add_argument("partner", metavar="PARTNER_ID")
    w.add_argument("area", metavar="AREA", nargs="?", help="one solution area, e.g. SECURITY")
    ar = sub.add_parser("at-risk", help="designations that would lapse if the coming anniversary were today")
    ar.add_argument("--days", type=int, default=60, help="look-ahead in days (default 60)")
    ar.add_argument("--on", metavar="DATE", help="as-of date (default today)")
    d = sub.add_parser("dlq", help="dead-letter queues")
    dsub = d.add_subparsers(dest="dlq_command", metavar="{list,redrive}", required=True, parser_class=Parser)
    dsub.add_parser("list", help="every message of every dead-letter queue")
    r = dsub.add_parser("redrive", help="move dead letters back to their source queue and wait")
    r.add_argument("--queue", metavar="NAME", help="one DLQ (or its source queue); default all")
    r.add_argument("--timeout", type=_timeout, default=DEFAULT_TIMEOUT, help="seconds to wait (default 120)")
    m = sub.add_parser("demo", help="replay events/demo/ (files in order, with the days of ticks.json)")
    m.add_argument("--dir", metavar="DIR", help="scenario directory (default events/demo)")
    m.add_argument("--timeout", type=_timeout, default=DEFAULT_TIMEOUT, help="seconds to wait per step (default 120)")
    return p


def run(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "send":
        entries = read_files(args.files)  # bad input is reported before the stack is even asked
        send(Stack(), args.files, args.timeout, entries=entries)
    elif args.command == "tick":
        _day(args.date)
        tick(Stack(), args.date, args.timeout)
    elif args.command == "status":
        status_cmd(Stack(), args.partner, args.on)
    elif args.command == "why":
        why_cmd(Stack(), args.partner, args.area)
    elif args.command == "at-risk":
        at_risk_cmd(Stack(), args.on, args.days)
    elif args.command == "dlq" and args.dlq_command == "list":
        dlq_list(Stack())
    elif args.command == "dlq" and args.dlq_command == "redrive":
        dlq_redrive(Stack(), args.queue, args.timeout)
    elif args.command == "demo":
        demo(Stack(), args.dir, args.timeout)
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        return run(argv)
    except CliError as exc:
        sys.stdout.flush()
        print(f"partnerctl: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("partnerctl: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
