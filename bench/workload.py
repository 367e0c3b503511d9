"""Realistic partner documents and inbound events for the benchmarks, all produced by the pure core.

Documents are built once with `tests.unit.builders.Partner` under a placeholder partner id, kept as
canonical JSON, and cloned for other partners by replacing the placeholder (cheap: 100,000 clones
take well under a second). Events are shaped as the component tests shape them
(`tests/component/test_partner_year.py`): ``{"source", "detail-type", "detail", "time"}``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from devstack.replay import CoreReplay
from shared.adapters.repository import canonical_json
from shared.models.inbound import INBOUND
from shared.models.names import SOURCE as OUTBOUND_SOURCE
from shared.rules import engine
from shared.rules.program import AREAS
from tests.unit.builders import Partner, qualifying_facts

PLACEHOLDER = "bench-template-0000"  # partner id of template documents, replaced when cloned
DAY = "2023-02-10"  # business day of the inbound events (a month after the templates qualified)
QUALIFIED_ON = "2023-01-10"
SOURCE = {detail_type: source for source, detail_type in INBOUND}
SOURCE["ScoreEvaluated"] = OUTBOUND_SOURCE
QUEUE = {"BenefitsElected": "RenewalQueue", "ScoreEvaluated": "AttainmentQueue"}  # others: ScoreIngestionQueue
INBOUND_TYPES = ("MetricsReported", "CertificationEarned", "CertificationRemoved", "TrainingMetricsReported",
                 "LegacyCompetencyRecorded", "SpecializationRecorded", "AzureExpertMspRecorded", "LocationLinked",
                 "OfferRecorded", "BenefitsElected", "ScoreEvaluated")


def queue_of(detail_type: str) -> str:
    return QUEUE.get(detail_type, "ScoreIngestionQueue")


def plus(day: str, n: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=n)).isoformat()


def event(detail_type: str, detail: dict[str, Any], day: str) -> dict[str, Any]:
    return {"source": SOURCE[detail_type], "detail-type": detail_type, "detail": detail, "time": f"{day}T09:00:00Z"}


def envelope_of(e: dict[str, Any]) -> dict[str, Any]:
    """The envelope EventBridge delivers for an event (what an SQS record body holds)."""
    return {"version": "0", "id": f"bench-{e['detail']['eventId']}", "detail-type": e["detail-type"],
            "source": e["source"], "account": "123456789012", "time": e["time"], "region": "us-east-1",
            "resources": [], "detail": e["detail"]}


# --- template documents ----------------------------------------------------------------------------

def _qualified(areas: Iterable[str], on: str) -> Partner:
    """A partner qualified in `areas` on `on` that paid the Solutions Partner fee that day (a
    designation without paid benefits lapses at the end of its enrollment window)."""
    p = Partner(PLACEHOLDER)
    for area in areas:
        p.qualify(area, on, people=f"{area.lower()}-staff")
    p.pay(on)
    return p


@cache
def template(kind: str) -> str:
    """Canonical JSON of a template document (placeholder partner id).

    - ``six-areas``: qualified in all six areas on 2023-01-10 (134 certified people): the realistic
      steady-state partner of a monthly refresh.
    - ``renewal-open``: six areas qualified 2022-11-10, anniversary run 2023-11-10 done (a renewal is
      open, nothing paid): what a BenefitsElected finds.
    - ``scored-unattained``: the five other areas held since 2023-01-10; Data & AI facts recorded and
      scored qualified on 2023-02-10, attainment not run yet: what a ScoreEvaluated finds (attaining
      it completes the Microsoft Cloud badge).
    """
    if kind == "six-areas":
        return canonical_json(_qualified(AREAS, QUALIFIED_ON).state)
    if kind == "renewal-open":
        p = _qualified(AREAS, "2022-11-10")
        p.tick("2023-11-10")
        return canonical_json(p.state)
    if kind == "scored-unattained":
        return _scored()[0]
    raise KeyError(kind)


def clone(template_json: str, partner_id: str) -> dict[str, Any]:
    return json.loads(template_json.replace(PLACEHOLDER, partner_id))


def doc(kind: str, partner_id: str) -> dict[str, Any]:
    return clone(template(kind), partner_id)


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB item size in bytes: attribute names + values (strings as UTF-8, binary as raw bytes,
    numbers ~ digits/2 + 1)."""
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        (kind, v), = value.items()
        if kind == "N":
            size += (len(str(v)) + 1) // 2 + 1
        else:
            size += len(v) if isinstance(v, bytes | bytearray) else len(str(v).encode())
    return size


@cache
def year_of_updates_json() -> str:
    """A six-area partner after a year of monthly refreshes (6 areas x 12 months) and weekly skilling
    updates (2 new certified people a week), anniversary run included: the document size the cost
    model uses for a mature partner."""
    p = _qualified(AREAS, "2023-01-10")
    week = 0
    for m in range(12):
        on = date(2023 + (1 + m) // 12, (1 + m) % 12 + 1, 10).isoformat()  # 2023-02-10 ... 2024-01-10
        for area in AREAS:
            facts = [d for t, d in qualifying_facts(area, on) if t == "MetricsReported"]
            p.fact("MetricsReported", facts[0])
        for _ in range(4):
            week += 1
            for i in range(2):
                cert = next(d for t, d in qualifying_facts("DATA_AI", on, people=f"new-{week}-{i}") if t == "CertificationEarned")
                p.fact("CertificationEarned", cert)
        p.tick(on)
    return canonical_json(p.state)


# --- inbound events ---------------------------------------------------------------------------------

@dataclass
class Case:
    """One operation: documents to store first, then one batch of events of one type."""

    detail_type: str
    queue: str
    docs: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # partnerId -> document (None: new)
    events: list[dict[str, Any]] = field(default_factory=list)


def _metrics_detail(pid: str, area: str, on: str, eid: str) -> dict[str, Any]:
    [detail] = [d for t, d in qualifying_facts(area, on) if t == "MetricsReported"]
    return {**detail, "eventId": eid, "partnerId": pid}


def _roster_entry(state: dict[str, Any]) -> tuple[str, str]:
    cert, people = sorted(state["roster"].items())[0]  # cert -> {"held": {person: [[on, eventId, held, asWritten], ...]}}
    person, history = sorted(people["held"].items())[0]
    return person, history[-1][3]


def inbound_case(detail_type: str, pids: list[str], tag: str = "") -> Case:
    """A batch of `detail_type` events, one per partner, each one changing its partner (not a no-op)."""
    case = Case(detail_type, queue_of(detail_type))
    for n, pid in enumerate(pids):
        eid = f"{detail_type[:3].lower()}-{tag}{pid}-{n}"
        state: dict[str, Any] | None = doc("six-areas", pid)
        day = DAY
        if detail_type == "MetricsReported":
            detail = _metrics_detail(pid, AREAS[n % len(AREAS)], DAY, eid)
        elif detail_type == "CertificationEarned":
            facts = [d for t, d in qualifying_facts("DATA_AI", DAY, people=f"new-{pid}") if t == "CertificationEarned"]
            detail = {**facts[-1], "eventId": eid, "partnerId": pid}
        elif detail_type == "CertificationRemoved":
            person, written = _roster_entry(state)
            detail = {"eventId": eid, "partnerId": pid, "personId": person, "certification": written, "on": DAY}
        elif detail_type == "TrainingMetricsReported":
            detail = {"eventId": eid, "partnerId": pid, "periodEnd": "2023-01-31", "coursewareActivations": 1240,
                      "examVouchers": 215, "qualityScore": 4.4, "surveysByArea": {"DATA_AI": 230, "SECURITY": 205}}
        elif detail_type == "LegacyCompetencyRecorded":
            state = None  # onboarding: the first fact of a partner
            day = "2022-09-30"
            detail = {"eventId": eid, "partnerId": pid, "competency": "Cloud Platform", "level": "GOLD",
                      "heldOn": "2022-09-30", "anniversaryDate": "2023-03-01"}
        elif detail_type == "SpecializationRecorded":
            detail = {"eventId": eid, "partnerId": pid, "specialization": "Threat Protection", "anniversaryDate": "2023-06-03"}
        elif detail_type == "AzureExpertMspRecorded":
            detail = {"eventId": eid, "partnerId": pid, "anniversaryDate": "2023-04-15"}
        elif detail_type == "LocationLinked":
            detail = {"eventId": eid, "partnerId": pid, "locationId": f"loc-{tag}{pid}"}
        elif detail_type == "OfferRecorded":
            detail = {"eventId": eid, "partnerId": pid, "offerId": f"offer-{tag}{pid}", "offerType": "MANAGED_SERVICES",
                      "publishedOn": DAY, "coSellReady": True}
        elif detail_type == "BenefitsElected":
            state = doc("renewal-open", pid)
            day = "2023-11-15"
            detail = {"eventId": eid, "partnerId": pid, "anniversaryDate": "2023-11-10", "option": "SOLUTIONS_PARTNER",
                      "fee": {"amount": 4730, "currency": "USD"}}
        elif detail_type == "ScoreEvaluated":
            state = doc("scored-unattained", pid)
            detail = scored_evaluation(pid)
        else:
            raise KeyError(detail_type)
        case.docs[pid] = state
        case.events.append(event(detail_type, detail, day))
    return case


@cache
def _scored() -> tuple[str, str]:
    """(document, the qualified ScoreEvaluated detail attainment will consume), as JSON."""
    replay, last = CoreReplay(attain=False), None
    replay.states[PLACEHOLDER] = _qualified(AREAS[1:], QUALIFIED_ON).state
    for detail_type, detail in qualifying_facts(AREAS[0], DAY, people="data-staff"):
        out = replay.fact(PLACEHOLDER, detail_type, {**detail, "partnerId": PLACEHOLDER})
        last = next((d for k, d in out if k == "ScoreEvaluated" and d["qualified"]), last)
    assert last is not None
    return canonical_json(replay.states[PLACEHOLDER]), json.dumps(last)


def scored_evaluation(pid: str) -> dict[str, Any]:
    return json.loads(_scored()[1].replace(PLACEHOLDER, pid))


def malformed(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same events with a value that fails validation (they are rejected, never stored)."""
    out = copy.deepcopy(events)
    for e in out:
        e["detail"]["eventId"] += "-bad"
        e["detail"]["measurements"][0]["value"] = "lots"
    return out


def monthly_refresh(pids: list[str], per_partner: int = 10, day: str = DAY) -> list[dict[str, Any]]:
    """The monthly score feed: `per_partner` MetricsReported per partner (the six areas, then
    next-day corrections), ordered as a feed sends them (partner by partner)."""
    events = []
    for pid in pids:
        for i in range(per_partner):
            on = plus(day, i // len(AREAS))
            events.append(event("MetricsReported", _metrics_detail(pid, AREAS[i % len(AREAS)], on, f"mr-{pid}-{i}"), on))
    return events


# --- anniversary templates -----------------------------------------------------------------------

@dataclass(frozen=True)
class DueTemplate:
    name: str
    json: str
    next_due: str
    size: int  # bytes of the state JSON


@cache
def anniversary_templates(day: str) -> tuple[tuple[DueTemplate, ...], tuple[DueTemplate, ...]]:
    """Templates due on `day` and templates due later, for seeding the anniversary run.

    Due on `day`: (a) the renewal forecast 60 days before the anniversary; (b) the anniversary itself
    (forecast done), which opens a renewal and publishes RenewalOpened. Not due: partners of 1 to 6
    areas whose next due date falls 1 to 11 months after `day`.
    """
    d = date.fromisoformat(day)

    def one(name: str, areas: tuple[str, ...], qualified: date, tick: date | None = None) -> DueTemplate:
        p = _qualified(areas, qualified.isoformat())
        # the daily runs up to the day before are done (a new rulebook's re-evaluation among them)
        p.tick((tick or d - timedelta(days=1)).isoformat())
        text = canonical_json(p.state)
        return DueTemplate(name, text, engine.next_due(p.state) or "", len(text))

    def year_before(x: date) -> date:
        return x.replace(year=x.year - 1, day=min(x.day, 28) if x.month == 2 else x.day)

    due = (one("forecast-due", AREAS, year_before(d + timedelta(days=60))),
           one("anniversary-due", AREAS[:3], year_before(d), tick=d - timedelta(days=1)))
    later = tuple(one(f"later-{k}-areas-{m}", AREAS[:k], year_before(d + timedelta(days=60 + 27 * m)))
                  for m, k in zip(range(1, 12), (1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 6), strict=True))
    for t in due:
        assert t.next_due == day, (t.name, t.next_due, day)
    for t in later:
        assert t.next_due > day, (t.name, t.next_due, day)
    return due, later
