"""The one replay driver of the pure rules core: events through the core as the four functions take
them, with no AWS. Ingestion validates with the same parser and records the fact, a ScoreEvaluated
goes to attainment, a BenefitsElected is the election on the day of its `time`, a tick runs every
partner's due work.

Used by the demo's offline check (devstack.demo), the rule tests' partner builder
(tests/unit/builders.py) and the benchmarks' documents (bench/workload.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from shared.models.errors import InputError
from shared.models.inbound import parse_inbound
from shared.rules import engine
from shared.rules.errors import RuleRejected

Events = list[tuple[str, dict[str, Any]]]
Step = Callable[[dict[str, Any] | None], tuple[dict[str, Any], Events]]


class CoreReplay:
    """Partner documents by id, every outbound event in order, and the rejected events.

    With ``attain=False`` a ScoreEvaluated stays unconsumed (what the attainment queue holds
    before its function runs)."""

    def __init__(self, attain: bool = True) -> None:
        self.attain = attain
        self.states: dict[str, Any] = {}
        self.events: Events = []
        self.rejected: list[tuple[str, str, str]] = []

    def apply(self, partner_id: str, step: Step) -> Events:
        """Run one core call on a partner's document; then attainment for every ScoreEvaluated it
        announced, as the AttainmentQueue delivers them. Returns the events, the step's first."""
        state, out = step(self.states.get(partner_id))
        return self._commit(partner_id, state, out)

    def _commit(self, partner_id: str, state: dict[str, Any], out: Events) -> Events:
        self.states[partner_id] = state
        self.events += out
        if self.attain:
            for kind, detail in list(out):
                if kind == "ScoreEvaluated":
                    pid = detail["partnerId"]
                    out += self.apply(pid, lambda s, d=detail, p=pid: engine.attain(s, p, d))
        return out

    def fact(self, partner_id: str, detail_type: str, detail: dict[str, Any]) -> Events:
        return self.apply(partner_id, lambda s: engine.record_fact(s, partner_id, detail_type, detail))

    def elect(self, partner_id: str, detail: dict[str, Any], on: str) -> Events:
        return self.apply(partner_id, lambda s: engine.elect_benefits(s, partner_id, detail, on))

    def run_due(self, partner_id: str, day: str) -> Events:
        return self.apply(partner_id, lambda s: engine.run_due(s, partner_id, day))

    def tick(self, day: str) -> Events:
        """The daily run for `day`: every partner's due work, in partner id order."""
        out: Events = []
        for pid in sorted(self.states):
            out += self.run_due(pid, day)
        return out

    def send(self, event: dict[str, Any]) -> Events:
        """One inbound EventBridge event (source, detail-type, detail, time), validated first; a
        rejected one is recorded in `rejected` as (eventId, field, message)."""
        try:
            kind, model = parse_inbound(json.dumps(event))
            detail = model.model_dump(mode="json", by_alias=True)
            pid = detail["partnerId"]
            if kind == "BenefitsElected":
                state, out = engine.elect_benefits(self.states.get(pid), pid, detail, event["time"][:10])
            else:
                state, out = engine.record_fact(self.states.get(pid), pid, kind, detail)
        except (InputError, RuleRejected) as exc:
            self.rejected.append((event.get("detail", {}).get("eventId", "?"), exc.field, exc.message))
            return []
        return self._commit(pid, state, out)
