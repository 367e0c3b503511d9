"""Builders of partner histories for rule tests: plain inbound details run through the pure core."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from devstack.replay import CoreReplay
from shared.rules.scoring.rulebook import rulebook_for

_ids = itertools.count(1)


def eid(prefix: str = "e") -> str:
    return f"{prefix}-{next(_ids):06d}"


def metrics(area: str, on: str, values: dict[str, Any], association: str = "PAL", track: str | None = None,
            segment: str | None = None) -> dict[str, Any]:
    ms = []
    for metric, value in values.items():
        m = {"metric": metric, "value": str(value), "association": association}
        if segment:
            m["segment"] = segment
        ms.append(m)
    d = {"eventId": eid("m"), "partnerId": "p", "solutionArea": area, "measuredOn": on, "measurements": ms}
    if track:
        d["track"] = track
    return d


def cert(person: str, certification: str, on: str) -> dict[str, Any]:
    return {"eventId": eid("c"), "partnerId": "p", "personId": person, "certification": certification, "on": on}


class Partner:
    """One partner's history through the core, as the four functions drive it (devstack.replay)."""

    def __init__(self, partner_id: str = "p"):
        self.id = partner_id
        self.replay = CoreReplay()

    @property
    def state(self) -> dict[str, Any] | None:
        return self.replay.states.get(self.id)

    @state.setter
    def state(self, value: dict[str, Any] | None) -> None:
        self.replay.states[self.id] = value

    @property
    def events(self) -> list[tuple[str, dict[str, Any]]]:
        return self.replay.events

    def fact(self, detail_type: str, detail: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        detail = {**detail, "partnerId": self.id}
        detail.setdefault("eventId", eid(detail_type))
        return self.replay.fact(self.id, detail_type, detail)

    def tick(self, day: str) -> list[tuple[str, dict[str, Any]]]:
        return self.replay.run_due(self.id, day)

    def elect(self, anniversary: str, option: str, on: str, amount: str = "4730", currency: str = "USD"):
        detail = {"eventId": eid("b"), "partnerId": self.id, "anniversaryDate": anniversary, "option": option,
                  "fee": {"amount": amount, "currency": currency}}
        return self.replay.elect(self.id, detail, on)

    def pay(self, on: str) -> list[tuple[str, dict[str, Any]]]:
        """Pay the Solutions Partner fee of the enrollment a designation attained without paid
        benefits opened (requirements.md §1: "After qualifying, a partner has 30 days to enroll")."""
        self.tick(on)
        [opened] = [k for k, r in self.state["renewals"].items()
                    if r.get("enrollment") and r["option"] is None and k <= on <= r["paymentDueBy"]]
        return self.elect(opened, "SOLUTIONS_PARTNER", on=on)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [d for k, d in self.events if k == kind]

    def qualify(self, area: str, on: str, people: str = "q") -> None:
        for detail_type, detail in qualifying_facts(area, on, people):
            self.fact(detail_type, detail)

    def drop(self, area: str, on: str) -> None:
        """Report zero performance and customer success for an area."""
        book = rulebook_for(date.fromisoformat(on))
        ms, seen = [], set()
        for metric in book.areas[area].tracks[0].metrics:
            for part in metric.parts:
                assoc = sorted(part.associations)[0] if part.associations else None
                k = (metric.key, assoc, part.segment)
                if k in seen:
                    continue
                seen.add(k)
                m = {"metric": metric.key, "value": "0", "association": assoc}
                if part.segment:
                    m["segment"] = part.segment
                ms.append(m)
        self.fact("MetricsReported", {"solutionArea": area, "measuredOn": on, "measurements": ms})


def qualifying_facts(area: str, on: str, people: str = "q") -> list[tuple[str, dict[str, Any]]]:
    """Maximum performance and customer success for an area, and enough certified people to fill
    its skilling metrics (gates first), as inbound (detail-type, detail) pairs. Values are numbers."""
    book = rulebook_for(date.fromisoformat(on))
    track = book.areas[area].tracks[0]
    facts: list[tuple[str, dict[str, Any]]] = []
    measurements, seen = [], set()
    for metric in track.metrics:
        if metric.roster is not None:
            for gate in metric.roster.gates:
                for i in range(gate.persons):
                    facts.append(("CertificationEarned", cert(f"{people}-{metric.key}-g{gate.name}-{i}".replace(" ", ""),
                                                              sorted(gate.certifications)[0], on)))
            for i in range(12):
                facts.append(("CertificationEarned", cert(f"{people}-{metric.key}-{i}", sorted(metric.roster.certifications)[0], on)))
            continue
        for part in metric.parts:
            assoc = sorted(part.associations)[0] if part.associations else None
            key = (metric.key, assoc, part.segment)
            if key in seen:
                continue
            seen.add(key)
            m = {"metric": metric.key, "value": int(part.unit_size) * 10000, "association": assoc}
            if part.segment:
                m["segment"] = part.segment
            measurements.append(m)
    facts.append(("MetricsReported", {"eventId": eid("m"), "partnerId": "p", "solutionArea": area, "measuredOn": on,
                                      "measurements": measurements}))
    return facts
