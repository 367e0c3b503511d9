"""One operation on a partner document: the events it announces, the decisions it audits, and the
steps several features take the same way (issuing and withdrawing badges, ending a designation).

Event ids are derived from their cause, so a re-publication can be dropped downstream.
"""

from __future__ import annotations

import hashlib
import json
from bisect import insort
from typing import Any

from .document import END, State
from .program import MICROSOFT_CLOUD

Event = tuple[str, dict[str, Any]]


def event_id(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _decision_key(d: dict[str, Any]) -> tuple[str, str]:
    return d["on"], json.dumps(d, sort_keys=True)


class Change:
    """Collects the events and audit decisions of one operation."""

    def __init__(self, state: State, events: list[Event] | None = None):
        self.state = state
        self.events: list[Event] = [] if events is None else events
        self.rosters: dict[str, dict[str, set[str]]] = {}  # roster as of a day, within this change

    def emit(self, detail_type: str, effective_on: str, key: tuple[str, ...], **fields: Any) -> None:
        pid = self.state["partnerId"]
        self.events.append(
            (
                detail_type,
                {
                    "eventId": event_id(pid, detail_type, *key),
                    "partnerId": pid,
                    "effectiveOn": effective_on,
                    **fields,
                },
            )
        )

    def decide(self, on: str, rule: str, outcome: str, **facts: Any) -> None:
        """Add to the audit trail, kept in date order (same-day decisions in a fixed order, so the
        trail does not depend on the order the facts arrived in)."""
        insort(self.state["decisions"], {"on": on, "rule": rule, "outcome": outcome, **facts}, key=_decision_key)

    def issue_badge(self, badge: str, on: str) -> None:
        spans = self.state["badges"].setdefault(badge, [])
        if spans and spans[-1][END] is None:
            return
        spans.append([on, None])
        self.emit("BadgeIssued", on, (badge, on), badge=badge, issuedOn=on)

    def withdraw_badge(self, badge: str, on: str) -> None:
        spans = self.state["badges"].get(badge)
        if spans and spans[-1][END] is None:
            spans[-1][END] = on

    def lapse(self, area: str, on: str, anniversary: str, reason: str, rule: str, **facts: Any) -> None:
        """End a designation on `on` (its badge and the Microsoft Cloud badge with it), audit it under
        `rule` and announce DesignationLapsed for the `anniversary` it belongs to."""
        self.state["designations"][area]["periods"][-1][END] = on
        self.withdraw_badge(area, on)
        self.withdraw_badge(MICROSOFT_CLOUD, on)
        self.decide(on, rule, "LAPSED", solutionArea=area, **facts)
        self.emit(
            "DesignationLapsed",
            on,
            (area, anniversary, reason),
            solutionArea=area,
            lapsedOn=on,
            anniversaryDate=anniversary,
            reason=reason,
        )
