"""The operations on a partner document: recorded facts + an explicit date -> new document +
outbound events. The handlers call these; the rules themselves live in shared/rules/features/ and
are wired here through two tables built from features.FEATURES (facts by detail-type, dated work
by kind).

Every function here is pure: it takes the partner document (shared.rules.document) and returns a
new one with the events the change announces. Applying the same fact twice changes nothing and
announces nothing (facts are keyed by their natural key and ordered by (date, eventId), so order
and duplicates do not matter); event ids are derived from their cause (shared.rules.change).
"""

from __future__ import annotations

from typing import Any

from .change import Change, Event
from .document import State, copy_of, new_state
from .errors import NotYet, RuleRejected
from .feature import Due, FactRecorder, Work
from .features import FEATURES, benefits
from .features.attainment import ATTAIN, first_qualified_day
from .features.membership import MAX_DUE_STEPS
from .policy import DEFAULT_POLICY, Policy
from .program import LAUNCH

FACTS: dict[str, FactRecorder] = {kind: record for f in FEATURES for kind, record in f.facts.items()}
WORK: dict[str, Work] = {w.kind: w for f in FEATURES for w in f.work}
_DUE: tuple[Due, ...] = tuple(f.due for f in FEATURES if f.due is not None)
# dated work that ends designation periods: attaining waits for it
_DESIGNATION_WORK = frozenset(kind for kind, w in WORK.items() if w.ends_designations)


def record_fact(
    state: State | None,
    partner_id: str,
    detail_type: str,
    detail: dict[str, Any],
    policy: Policy = DEFAULT_POLICY,
) -> tuple[State, list[Event]]:
    """Record one inbound fact (validated detail, JSON mode). Returns the new document and events."""
    state = copy_of(state) if state is not None else new_state(partner_id)
    ch = Change(state)
    record = FACTS.get(detail_type)
    if record is None:
        raise RuleRejected("detail-type", "UNKNOWN_FACT", f"{detail_type} is not a fact this engine records")
    record(ch, detail, policy)
    return state, ch.events


def due_items(state: State, policy: Policy = DEFAULT_POLICY) -> list[tuple[str, str, str]]:
    """Every piece of dated work not done yet: (date, kind, key)."""
    return [item for due in _DUE for item in due(state, policy)]


def next_due(state: State, policy: Policy = DEFAULT_POLICY) -> str | None:
    return min((when for when, _, _ in due_items(state, policy)), default=None)


def _run_order(item: tuple[str, str, str]) -> tuple[str, float, str]:
    when, kind, key = item
    return when, WORK[kind].order, key


def run_due(
    state: State | None, partner_id: str, day: str, policy: Policy = DEFAULT_POLICY,
    kinds: tuple[str, ...] | None = None,
) -> tuple[State, list[Event]]:
    """Do every piece of work due on `day` or before that no run has done (catch-up included), in
    date order (only work of `kinds`, when given). Running the same day again does nothing."""
    state = copy_of(state) if state is not None else new_state(partner_id)
    ch = Change(state)
    for _ in range(MAX_DUE_STEPS):
        due = [(when, kind, key) for when, kind, key in due_items(state, policy)
               if when <= day and (kinds is None or kind in kinds)]
        if not due:
            break
        when, kind, key = min(due, key=_run_order)
        WORK[kind].do(ch, when, key, day, policy)
    return state, ch.events


def attain(
    state: State | None, partner_id: str, evaluated: dict[str, Any], policy: Policy = DEFAULT_POLICY
) -> tuple[State | None, list[Event]]:
    """React to a ScoreEvaluated event (shared.rules.features.attainment). The event only says which
    area to look at: the attainment day is read from the score history. It is done here at once,
    unless earlier dated work (an anniversary, a payment lapse) is still to be done — then the
    daily run does both in date order, with every fact it has by then."""
    area, until = evaluated["solutionArea"], max(evaluated["evaluatedOn"], LAUNCH)
    effective = first_qualified_day(state, area) if state else None
    if effective is None or effective > until:
        return state, []
    if any(when <= effective and kind in _DESIGNATION_WORK for when, kind, _ in due_items(state, policy)):
        return state, []
    return run_due(state, partner_id, effective, policy, kinds=(ATTAIN,))


def elect_benefits(
    state: State | None, partner_id: str, detail: dict[str, Any], on: str, policy: Policy = DEFAULT_POLICY
) -> tuple[State, list[Event]]:
    """BenefitsElected (shared.rules.features.benefits) on the day `on`, after the dated work due by
    then (an anniversary opens the renewal the election pays)."""
    if state is None:
        raise NotYet("detail.partnerId", "UNKNOWN_PARTNER", "no membership is recorded for this partner")
    state, events = run_due(state, partner_id, on, policy)
    benefits.elect(Change(state, events), detail, on, policy)
    return state, events
