"""The demo scenario (events/demo/): five partners from 2022-09 to 2024-01.

    python -m devstack.demo write    regenerate events/demo/*.json(l) and ticks.json from SCENARIO below
    python -m devstack.demo check    replay events/demo/ through the pure rules core (no AWS) and check
                                     every partner's outcome; prints what happened
    partnerctl demo                  replay the same files against the running local stack

The stories (scores computed with rulebook 2022-10-03, see shared/rules/data):

- northwind-legacy: Gold Security competency (held 2021-11-11, anniversary 2022-11-11) -> attains
  SECURITY on 2022-10-20 (88.67) -> 2022-11-11 RenewalOpened (Solutions Partner or legacy) -> elects
  LEGACY benefits (USD 4,730) on 2022-11-25 -> renewed; on its 2023-11-11 anniversary it moves to
  Solutions Partner benefits.
- contoso-1001: MODERN_WORK 2022-11-08, BUSINESS_APPLICATIONS 2023-01-12, SECURITY 2023-02-14, all
  with the 2023-11-08 anniversary (the FAQ's example); enrolls (pays) on 2022-11-21, so the later two
  cost nothing; keeps its metrics up through 2023; renews all three (SOLUTIONS_PARTNER) on 2023-11-20.
- fabrikam-2002: DATA_AI at 69 points in November (not 70), 71 on 2022-12-06 -> attained (paid
  2022-12-15); its metrics drop to 0 in 2023 -> DATA_AI lapses at the 2023-12-06 anniversary; one
  malformed record of its feed (value "lots") is rejected into the ScoreIngestion DLQ.
- adatum-3003: Threat Protection specialization (anniversary 2023-02-03) with only 60 Security points
  (no skilling) -> SpecializationAtRisk on 2023-01-04 -> SpecializationLost on 2023-02-03 (FAQ
  "Partner A").
- litware-4004: Azure Expert MSP (anniversary 2023-06-01); attains DATA_AI (exactly 70) and
  INFRASTRUCTURE on 2023-02-15 (fee paid 2023-02-20) but not DIGITAL_APP_INNOVATION ->
  AzureExpertMspLost effective 2023-07-01.

`timeline()` is what partnerctl demo replays: the files in name order, and before any event whose
day is on or after a day of ticks.json, the anniversary runs of every tick day up to it (the
scheduler fires at 00:05, before that day's events); the remaining ticks at the end.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from devstack.demo_expectations import PARTNERS, expectations
from devstack.replay import CoreReplay
from shared.rules.views import partner_view

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = PROJECT_ROOT / "events" / "demo"
TICKS_FILE = "ticks.json"
DEMO_PARTNERS = list(PARTNERS)

Event = dict[str, Any]

# --------------------------------------------------------------------------- scenario builders


def _event(source: str, detail_type: str, day: str, clock: str, detail: dict[str, Any]) -> Event:
    return {"source": source, "detail-type": detail_type, "time": f"{day}T{clock}Z", "detail": detail}


def certification(partner: str, person: int, name: str, on: str) -> Event:
    return _event("partner.skilling", "CertificationEarned", on, "09:30:00", {
        "eventId": f"sk-{partner}-p{person:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}-{on}",
        "partnerId": partner, "personId": f"{partner}-person-{person:02d}", "certification": name, "on": on})


def metrics(partner: str, area: str, on: str, measurements: list[dict[str, Any]], track: str | None = None,
            suffix: str = "") -> Event:
    detail: dict[str, Any] = {"eventId": f"sf-{on}-{partner}-{area.lower().replace('_', '-')}{suffix}",
                              "partnerId": partner, "solutionArea": area, "measuredOn": on}
    if track:
        detail["track"] = track
    detail["measurements"] = measurements
    return _event("partner.scorefeed", "MetricsReported", on, "06:00:00", detail)


def m(metric: str, value: Any, association: str | None = None, segment: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"metric": metric, "value": value}
    if association:
        out["association"] = association
    if segment:
        out["segment"] = segment
    return out


def membership(detail_type: str, partner: str, day: str, event_id: str, **fields: Any) -> Event:
    return _event("partner.membership", detail_type, day, "10:00:00",
                  {"eventId": event_id, "partnerId": partner, **fields})


def benefits(partner: str, anniversary: str, option: str, day: str, amount: int = 4730) -> Event:
    e = membership("BenefitsElected", partner, day, f"mb-{partner}-benefits-{anniversary}", anniversaryDate=anniversary,
                   option=option, fee={"amount": amount, "currency": "USD"})
    e["time"] = f"{day}T14:00:00Z"  # the day of `time` is the election date
    return e


def people(partner: str, start: int, names: list[str], days: list[str]) -> list[Event]:
    """One certified person per name, on the given days in turn."""
    return [certification(partner, start + i, name, days[i % len(days)]) for i, name in enumerate(names)]


# Certification names as the rulebook lists them (matching ignores case).
ASE, M365_SEC, CSA = "Azure Security Engineer Associate", "Microsoft 365 Security Administrator Associate", \
    "Cybersecurity Architect Expert"
IAA, IPC = "Identity and Access Administrator Associate", "Information Protection and Compliance Administrator Associate"
ARCH, ADMIN = "Azure Solutions Architect Expert", "Azure Administrator Associate"


def _security(partner: str, on: str, adds: int, deploys: int, growth_usd: int, m365: tuple[int, int, int] | None = None,
              suffix: str = "") -> Event:
    ms = [m("netCustomerAdds", adds, "PAL"), m("deployments", deploys, "PAL", "AZURE"),
          m("usageGrowth", growth_usd, "PAL", "AZURE")]
    if m365:
        m365_adds, m365_deploys, m365_users = m365
        ms += [m("netCustomerAdds", m365_adds, "CPOR"), m("deployments", m365_deploys, "CPOR", "M365"),
               m("usageGrowth", m365_users, "CPOR", "M365")]
    return metrics(partner, "SECURITY", on, ms, suffix=suffix)


def _azure(partner: str, area: str, on: str, adds: int, growth: float, deploys: int, suffix: str = "") -> Event:
    return metrics(partner, area, on, [m("netCustomerAdds", adds, "PAL"), m("usageGrowth", growth, "PAL"),
                                       m("deployments", deploys, "PAL")], track="ENTERPRISE", suffix=suffix)


def _modern_work(partner: str, on: str) -> Event:
    return metrics(partner, "MODERN_WORK", on, [m("netCustomerAdds", 4, "CPOR"), m("usageGrowth", 800, "CPOR"),
                                                m("deployments", 3, "CPOR")], track="ENTERPRISE")


def _business_apps(partner: str, on: str) -> Event:
    return metrics(partner, "BUSINESS_APPLICATIONS", on, [m("netCustomerAdds", 4, "CPOR"), m("usageGrowth", 28, "CPOR"),
                                                          m("deployments", 5, "CPOR")], track="ENTERPRISE")


def scenario() -> tuple[dict[str, list[Event]], list[str]]:
    """{file name: events} and the tick days."""
    nw, co, fa, ad, li = DEMO_PARTNERS
    files: dict[str, list[Event]] = {}

    # -- northwind-legacy ------------------------------------------------------------------
    files["2022-09-15-northwind-legacy-gold-competency.json"] = [membership(
        "LegacyCompetencyRecorded", nw, "2022-09-15", f"mb-{nw}-legacy-security-2021-11-11", competency="Security",
        level="GOLD", heldOn="2021-11-11", anniversaryDate="2022-11-11")]
    files["2022-10-04-northwind-legacy-security-skilling.jsonl"] = people(
        nw, 1, [ASE, ASE, M365_SEC, M365_SEC, CSA, CSA, IAA, IAA, IPC, IPC],
        ["2022-10-04", "2022-10-05", "2022-10-11", "2022-10-14"])
    files["2022-10-20-northwind-legacy-security-scorefeed.json"] = [_security(nw, "2022-10-20", 8, 5, 20000)]
    files["2022-11-25-northwind-legacy-benefits-elected.json"] = [benefits(nw, "2022-11-11", "LEGACY", "2022-11-25")]
    files["2023-04-10-northwind-legacy-security-scorefeed.json"] = [_security(nw, "2023-04-10", 9, 5, 21250)]
    files["2023-09-11-northwind-legacy-security-scorefeed.json"] = [_security(nw, "2023-09-11", 9, 6, 22500)]
    files["2023-11-15-northwind-legacy-benefits-elected.json"] = [
        benefits(nw, "2023-11-11", "SOLUTIONS_PARTNER", "2023-11-15")]

    # -- contoso-1001 ----------------------------------------------------------------------
    files["2022-10-17-contoso-1001-modern-work-skilling.jsonl"] = people(
        co, 1, ["Microsoft 365 Fundamentals", "Teams Administrator Associate", "Messaging Administrator Associate",
                "Teams Application Developer Associate", "Microsoft 365 Enterprise Administrator Expert"],
        ["2022-10-17", "2022-10-24", "2022-10-31", "2022-11-03"])
    files["2022-11-08-contoso-1001-modern-work-scorefeed.json"] = [_modern_work(co, "2022-11-08")]
    files["2022-11-21-contoso-1001-benefits-elected.json"] = [benefits(co, "2022-11-08", "SOLUTIONS_PARTNER", "2022-11-21")]
    files["2023-01-05-contoso-1001-business-applications-skilling.jsonl"] = people(
        co, 11, ["Dynamics 365 Sales Functional Consultant Associate", "Dynamics 365 Sales Functional Consultant Associate",
                 "Dynamics 365 Customer Service Functional Consultant Associate", "Power Platform Functional Consultant Associate",
                 "Power Platform App Maker Associate", "Power Platform Developer Associate",
                 "Dynamics 365 Business Central Functional Consultant Associate", "Data Analyst Associate",
                 "Power Platform Solution Architect Expert", "Dynamics 365: Finance and Operations Apps Solution Architect Expert"],
        ["2023-01-05", "2023-01-06", "2023-01-09"])
    files["2023-01-12-contoso-1001-business-applications-scorefeed.json"] = [_business_apps(co, "2023-01-12")]
    files["2023-01-20-contoso-1001-security-skilling.jsonl"] = people(
        co, 31, [ASE, ASE, M365_SEC, M365_SEC, CSA, IAA, IPC], ["2023-01-20", "2023-01-27", "2023-02-01"])
    files["2023-02-14-contoso-1001-security-scorefeed.json"] = [_security(co, "2023-02-14", 7, 4, 15000, (3, 2, 1000))]
    for day in ("2023-05-10", "2023-08-10", "2023-10-10"):
        files[f"{day}-contoso-1001-scorefeed.jsonl"] = [
            _modern_work(co, day), _business_apps(co, day), _security(co, day, 7, 4, 15000, (3, 2, 1000))]
    files["2023-11-20-contoso-1001-benefits-elected.json"] = [
        benefits(co, "2023-11-08", "SOLUTIONS_PARTNER", "2023-11-20")]

    # -- fabrikam-2002 ---------------------------------------------------------------------
    files["2022-11-02-fabrikam-2002-data-ai-skilling.jsonl"] = people(
        fa, 1, [ARCH, ARCH, ADMIN, ADMIN, "Azure Data Engineer Associate", "Azure Data Engineer Associate",
                "Azure Data Scientist Associate", "Azure AI Engineer Associate"], ["2022-11-02", "2022-11-07"])
    files["2022-11-10-fabrikam-2002-data-ai-scorefeed.json"] = [_azure(fa, "DATA_AI", "2022-11-10", 3, 15, 4)]  # 69
    files["2022-12-06-fabrikam-2002-data-ai-scorefeed.json"] = [_azure(fa, "DATA_AI", "2022-12-06", 3, 15, 5)]  # 71
    files["2022-12-15-fabrikam-2002-benefits-elected.json"] = [benefits(fa, "2022-12-06", "SOLUTIONS_PARTNER", "2022-12-15")]
    files["2023-02-10-fabrikam-2002-data-ai-scorefeed.json"] = [_azure(fa, "DATA_AI", "2023-02-10", 0, 0, 0)]
    broken = _azure(fa, "DATA_AI", "2023-03-10", 1, 2, 1, suffix="-resend")
    broken["detail"]["measurements"][0]["value"] = "lots"  # a malformed record: not a JSON number
    files["2023-03-10-fabrikam-2002-broken-scorefeed.json"] = [broken]
    files["2023-06-12-fabrikam-2002-data-ai-scorefeed.json"] = [_azure(fa, "DATA_AI", "2023-06-12", 0, 0, 0)]

    # -- adatum-3003 -----------------------------------------------------------------------
    files["2022-09-20-adatum-3003-threat-protection.json"] = [membership(
        "SpecializationRecorded", ad, "2022-09-20", f"mb-{ad}-threat-protection-2023-02-03",
        specialization="Threat Protection", anniversaryDate="2023-02-03")]
    files["2022-10-10-adatum-3003-security-scorefeed.json"] = [_security(ad, "2022-10-10", 10, 6, 25000)]  # 60
    files["2022-12-09-adatum-3003-security-scorefeed.json"] = [_security(ad, "2022-12-09", 10, 6, 26250)]  # 60

    # -- litware-4004 ----------------------------------------------------------------------
    files["2022-09-28-litware-4004-azure-expert-msp.json"] = [membership(
        "AzureExpertMspRecorded", li, "2022-09-28", f"mb-{li}-azure-expert-msp-2023-06-01", anniversaryDate="2023-06-01")]
    files["2023-01-16-litware-4004-azure-skilling.jsonl"] = people(
        li, 1, [ARCH, ARCH, ADMIN, ADMIN, "Azure Data Engineer Associate", "Azure Database Administrator Associate",
                "Azure AI Engineer Associate", "Azure Network Engineer Associate",
                "Windows Server Hybrid Administrator Associate", "Azure Virtual Desktop Specialty",
                "Azure Virtual Desktop Specialty", "Azure Developer Associate"],
        ["2023-01-16", "2023-01-23", "2023-01-30"])
    files["2023-02-15-litware-4004-azure-scorefeed.jsonl"] = [
        _azure(li, "DATA_AI", "2023-02-15", 3, 18, 5),  # exactly 70.00
        _azure(li, "INFRASTRUCTURE", "2023-02-15", 3, 20, 5),
        _azure(li, "DIGITAL_APP_INNOVATION", "2023-02-15", 1, 12, 2),  # no advanced certifications
    ]
    files["2023-02-20-litware-4004-benefits-elected.json"] = [benefits(li, "2023-02-15", "SOLUTIONS_PARTNER", "2023-02-20")]

    ticks = ["2022-10-03",  # launch day: designations become attainable
             "2022-11-11",  # northwind-legacy anniversary (legacy partners keep theirs)
             "2022-12-12",  # northwind-legacy payment deadline + 1
             "2023-01-04",  # adatum-3003 Threat Protection: 30 days before its anniversary
             "2023-02-03",  # adatum-3003 Threat Protection anniversary
             "2023-06-01",  # litware-4004 Azure Expert MSP anniversary
             "2023-07-01",  # litware-4004 MSP loss effective (anniversary + 30)
             "2023-11-08",  # contoso-1001 anniversary
             "2023-11-11",  # northwind-legacy second anniversary
             "2023-12-06",  # fabrikam-2002 anniversary
             "2023-12-09",  # contoso-1001 payment deadline + 1
             "2023-12-12",  # northwind-legacy payment deadline + 1
             "2024-01-06",  # fabrikam-2002 payment deadline + 1 (nothing kept, nothing due)
             "2024-01-31"]  # end of the scenario
    return files, ticks


def write(directory: Path = DEMO_DIR) -> list[Path]:
    files, ticks = scenario()
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.iterdir():
        if old.suffix in (".json", ".jsonl") and old.name not in files and old.name != TICKS_FILE:
            old.unlink()
    written = []
    for name, events in sorted(files.items()):
        path = directory / name
        if name.endswith(".jsonl"):
            path.write_text("".join(json.dumps(e) + "\n" for e in events))
        else:
            path.write_text(json.dumps(events[0] if len(events) == 1 else events, indent=2) + "\n")
        written.append(path)
    (directory / TICKS_FILE).write_text(json.dumps(ticks, indent=2) + "\n")
    return written


# --------------------------------------------------------------------------- timeline


def _load(path: Path) -> list[Event]:
    text = path.read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
    except ValueError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return doc if isinstance(doc, list) else [doc]


def event_files(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_file() and p.suffix in (".json", ".jsonl") and p.name != TICKS_FILE)


def ticks_of(root: Path) -> list[str]:
    path = root / TICKS_FILE
    if not path.exists():
        return []
    days = json.loads(path.read_text())
    if not isinstance(days, list) or not all(isinstance(d, str) for d in days):
        raise ValueError(f"{path}: must be a JSON list of YYYY-MM-DD days")
    return list(days)


def timeline(root: Path = DEMO_DIR) -> list[tuple[Any, ...]]:
    """Steps ("tick", day) and ("send", path, events) in replay order."""
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such directory")
    ticks = ticks_of(root)
    steps: list[tuple[Any, ...]] = []
    pending = list(ticks)
    for path in event_files(root):
        batch: list[Event] = []
        for event in _load(path):
            day = str(event.get("time") or "")[:10] if isinstance(event, dict) else ""
            if day and pending and pending[0] <= day:
                if batch:
                    steps.append(("send", path, batch))
                    batch = []
                while pending and pending[0] <= day:
                    steps.append(("tick", pending.pop(0)))
            batch.append(event)
        if batch:
            steps.append(("send", path, batch))
    steps += [("tick", d) for d in pending]
    return steps


def final_day(root: Path = DEMO_DIR) -> str | None:
    ticks = ticks_of(root)
    days = [str(e.get("time", ""))[:10] for p in event_files(root) for e in _load(p) if isinstance(e, dict)]
    candidates = [d for d in [*ticks, *days] if d]
    return max(candidates) if candidates else None


# --------------------------------------------------------------------------- offline check (pure core)


def check(root: Path = DEMO_DIR, verbose: bool = True) -> list[str]:
    replay = CoreReplay()
    for step in timeline(root):
        if step[0] == "tick":
            replay.tick(step[1])
        else:
            for event in step[2]:
                replay.send(event)
    day = final_day(root) or "2024-01-31"
    views = {p: partner_view(replay.states[p], day) for p in DEMO_PARTNERS if p in replay.states}
    missing = [p for p in DEMO_PARTNERS if p not in views]
    if missing:
        return [f"no state for {', '.join(missing)}"]
    if verbose:
        grouped: dict[str, list[str]] = defaultdict(list)
        for kind, d in replay.events:
            if kind != "ScoreEvaluated":
                grouped[d["partnerId"]].append(f"{d['effectiveOn']} {kind} " + ", ".join(
                    f"{k}={v}" for k, v in d.items() if k in ("solutionArea", "total", "option", "reason", "specialization",
                                                              "anniversaryDate", "lossEffectiveOn", "badge")))
        for pid in DEMO_PARTNERS:
            print(pid)
            for line in grouped[pid]:
                print("   ", line)
        for eid, field, message in replay.rejected:
            print(f"rejected {eid}: {field}: {message}")
    return expectations(views, replay.events, [f for _, f, _ in replay.rejected])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m devstack.demo", description=__doc__.split("\n\n")[0])
    p.add_argument("command", choices=["write", "check"])
    p.add_argument("--dir", type=Path, default=DEMO_DIR)
    args = p.parse_args(argv)
    if args.command == "write":
        for path in write(args.dir):
            print(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path)
        return 0
    failures = check(args.dir)
    for f in failures:
        print(f"FAILED: {f}", file=sys.stderr)
    print("scenario OK" if not failures else f"{len(failures)} expectation(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
