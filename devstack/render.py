"""partnerctl's output: plain text lines, score bars, progress, outbound events and a partner's status."""

from __future__ import annotations

import json
import sys
import unicodedata
from collections import defaultdict
from typing import Any

EVENT_ORDER = ["DesignationAttained", "BadgeIssued", "RenewalOpened", "RenewalAtRisk", "DesignationRenewed",
               "DesignationLapsed", "SpecializationAtRisk", "SpecializationLost", "AzureExpertMspLost",
               "InputRejected", "ScoreEvaluated"]


def can_encode(text: str) -> bool:
    try:
        text.encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


FULL, EMPTY, OK, NO = ("█", "░", "✓", "✗") if can_encode("█░✓✗") else ("#", ".", "+", "x")


# Characters a terminal acts on instead of showing: bidi overrides and isolates reorder the rest of
# the line, line and paragraph separators break it (C0/C1 controls and lone surrogates are found by category).
BIDI_AND_SEPARATORS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                                "\u2028\u2029")


def safe(text: str) -> str:
    """`text` with every character that steers a terminal (ESC sequences, other C0/C1 controls, bidi
    controls, line separators, lone surrogates) written as a visible escape (\\x1b, \\u202e): an id or
    field from an event cannot clear, recolour or reorder the operator's screen."""
    if text.isprintable() and text.isascii():
        return text
    return "".join(_escape(c) if c in BIDI_AND_SEPARATORS or unicodedata.category(c) in ("Cc", "Cs") else c
                   for c in text)


def _escape(c: str) -> str:
    n = ord(c)
    return f"\\x{n:02x}" if n <= 0xFF else f"\\u{n:04x}"


def out(line: str = "") -> None:
    """One line of human-readable output on stdout, escaped (see `safe`)."""
    print(safe(line), flush=True)


def err(line: str) -> None:
    """One line on stderr, escaped (see `safe`)."""
    sys.stdout.flush()
    print(safe(line), file=sys.stderr, flush=True)


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


def uniq(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
    events = uniq(events)
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


def rules_scored(area: dict[str, Any]) -> str:
    """Which rules scored an area (issue 17 item 4): the rulebook version and the track; for an area
    scoring every track and keeping the higher, each path's total and which one counts."""
    text = f"rulebook {area.get('rulebookVersion')}, {area.get('track')} track"
    paths = area.get("paths") or []
    if area.get("trackSelection") == "HIGHER" and len(paths) > 1:
        text += " (higher of " + ", ".join(
            f"{p['track']} {p['total']}{' <- counts' if p.get('chosen') else ''}" for p in paths) + ")"
    return text


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
    unknown = p.get("unrecognisedCertifications") or []
    if unknown:
        names = "; ".join(f"{u['certification']!r} ({u['people']} people)" for u in unknown)
        out(f"  unrecognised     {names}: not in the certification catalogue, counting for nothing")
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
        out(f"  {a['solutionArea']:<24} {bar(total)} {a['total']:>6}/100 {mark}{held}{'  ' + note if note else ''}")
        out(f"  {'':<24} {rules_scored(a)}")
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
