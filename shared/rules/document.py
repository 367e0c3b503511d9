"""The partner document: every recorded fact and decision of one PGA, as plain JSON-able data,
with its readers and the upgrade of documents stored in an earlier layout.

Dates are ISO strings (they sort as dates). The document is the unit of storage (one DynamoDB
item) and the only input of the rules besides an explicit date.

    partnerId        str
    measurements     {area: {"metric|association|segment[|track]": [[measuredOn, value, eventId], ...]}}
                     (every report, sorted by (measuredOn, eventId); the last on or before a day is in force;
                     "|track" ends the key of a report for one track, which feeds that track only)
    tracks           {area: [[measuredOn, track, eventId], ...]}  (the same, for the feed's track)
    roster           {certification: {"held": {personId: history}, "removed": {personId: history},
                                   "lastEventOn": date}}  with history = [[on, eventId, held,
                     certificationAsWritten], ...] (sorted); a person is under "held" when their latest
                     event is an earn, else under "removed"; lastEventOn is the latest event's date
                     (on or after it, "held" is the roster as it is: no history is read)
    counting         only a large partner's (per-person layout, shared/adapters/people.py): distinct people
                     per certification list as dated series (shared.rules.scoring.counting); its roster
                     then holds only the people the operation loaded, and scoring reads the counts
    scoreHistory     {area: [[evaluatedOn, qualified, total, rulebookVersion, digest], ...]}  (sorted by day;
                     one entry per day with a fact, re-derived from the facts; digest of the announced score)
    designations     {area: {"periods": [[attainedOn, lapsedOn | None], ...]}}
    badges           {badge: [[issuedOn, withdrawnOn | None], ...]}
    anniversary      anchor date of the membership anniversary, or None
    legacy           {"competencies": {name: {level, heldOn, anniversaryDate}}, "anniversaryDate"} | None
    renewals         {occurrence: {openedOn, paymentDueBy, kept, lapsed, renewed, option, fee, closed}}
    specializations  {name: {anniversaryDate, status, lostOn, checked: [occurrences], warned: [...]}}
    msp              {anniversaryDate, status, lossEffectiveOn, checked: [occurrences]} | None
    training         {"periods": {periodEnd: {..., eventId}}, "designations": {area: attainedOn}}
    offers           {offerId: {offerType, publishedOn, coSellReady, eventId}}
    locations        [locationId, ...]
    riskChecked      [occurrence, ...]  anniversaries whose renewal-risk forecast was made
    decisions        [{on, rule, outcome, ...}]  the audit trail
"""

from __future__ import annotations

import marshal
from typing import Any

State = dict[str, Any]

# The rows of the document's histories are JSON arrays; these name their fields.
ON = 0  # every history row starts with its date
# measurements and tracks: [measuredOn, value | track, eventId]
VALUE, REPORT_ID = 1, 2
# roster: [on, eventId, held, certificationAsWritten]
HELD = 2
# scoreHistory: [evaluatedOn, qualified, total, rulebookVersion, digest]
QUALIFIED, TOTAL, RULEBOOK_VERSION = 1, 2, 3
# periods of designations and badges: [from, to | None] (to is exclusive)
START, END = 0, 1


def new_state(partner_id: str) -> State:
    return {
        "partnerId": partner_id,
        "measurements": {},
        "tracks": {},
        "roster": {},
        "scoreHistory": {},
        "designations": {},
        "badges": {},
        "anniversary": None,
        "legacy": None,
        "renewals": {},
        "specializations": {},
        "msp": None,
        "training": {"periods": {}, "designations": {}},
        "offers": {},
        "locations": [],
        "riskChecked": [],
        "decisions": [],
    }


def copy_of(state: State) -> State:
    """A copy of the document that changes independently of `state`. Everything but the roster is
    a deep copy (marshal copies plain data exactly, ~2x deepcopy); the roster, most of a document's
    size and untouched by all but skilling facts, is a new dict whose certification entries are
    shared with `state` until one is changed: `own_roster_entry` gives an entry its own dicts first
    (a person's history is replaced on change, never changed in place)."""
    roster = state.get("roster")
    if not roster:
        return marshal.loads(marshal.dumps(state))  # noqa: S302 - our own bytes, never external input
    out = marshal.loads(marshal.dumps({**state, "roster": None}))  # noqa: S302 - as above; keeps the keys' order
    out["roster"] = dict(roster)
    return out


def own_roster_entry(roster: dict[str, Any], cert: str) -> None:
    """Before a certification's entry of a copied roster (`copy_of`) changes: its own "held" and
    "removed" dicts, so that the document it was copied from keeps its entry as it was."""
    entry = roster.get(cert)
    if entry is not None:
        roster[cert] = {**entry, "held": dict(entry["held"]), "removed": dict(entry["removed"])}


def upgrade(state: State) -> State:
    """A stored document in the current layout (in place). Every earlier layout is read here:
    - the roster before it was grouped by certification: {"personId|certification": history};
    - a track before tracks had a history: {area: [measuredOn, track, eventId]};
    - offers and Training Services periods before their eventId was kept (read as "", the least);
    - no "riskChecked" before renewal-risk forecasts were recorded.
    Measurements keyed "metric|association|segment" before a report's track was part of the key
    need nothing: they read as today's untagged measurements (every track), as they scored then."""
    roster = state.get("roster")
    if roster and isinstance(next(iter(roster.values())), list):
        grouped: dict[str, Any] = {}
        for key, history in sorted(roster.items()):
            person, cert = key.split("|", 1)
            file_roster_history(grouped, cert, person, history)
        state["roster"] = grouped
    tracks = state.get("tracks")
    if tracks:
        for area, history in tracks.items():
            if history and not isinstance(history[0], list):
                tracks[area] = [history]
    for offer in state.get("offers", {}).values():
        offer.setdefault("eventId", "")
    for period in state.get("training", {}).get("periods", {}).values():
        period.setdefault("eventId", "")
    if "renewals" in state:  # a partner document (the only kind with renewals)
        state.setdefault("riskChecked", [])
    return state


def file_roster_history(roster: dict[str, Any], cert: str, person: str, history: list[list[Any]]) -> None:
    """Put a person's (non-empty, sorted) history of one certification where it belongs."""
    entry = roster.get(cert)
    if entry is None:
        entry = roster[cert] = {"held": {}, "removed": {}, "lastEventOn": history[-1][ON]}
    elif history[-1][ON] > entry["lastEventOn"]:
        entry["lastEventOn"] = history[-1][ON]
    held, removed = entry["held"], entry["removed"]
    latest_held = history[-1][HELD]
    (held if latest_held else removed)[person] = history
    (removed if latest_held else held).pop(person, None)


def held_on(periods: list[list[str | None]], on: str) -> bool:
    """Whether a period list [[from, to|None], ...] covers `on` (to is exclusive)."""
    return any(start is not None and start <= on and (end is None or on < end) for start, end in periods)


def designation_held(state: State, area: str, on: str) -> bool:
    d = state["designations"].get(area)
    return bool(d) and held_on(d["periods"], on)


def designations_held(state: State, on: str) -> list[str]:
    return sorted(a for a in state["designations"] if designation_held(state, a, on))


def active_designations(state: State) -> list[str]:
    """Designations whose latest period is still open."""
    return sorted(a for a, d in state["designations"].items() if d["periods"] and d["periods"][-1][END] is None)


def is_legacy_partner(state: State) -> bool:
    """SPEC §2.1: a competency held on 2022-09-30 makes the partner a legacy partner."""
    legacy = state.get("legacy")
    return bool(legacy and legacy["competencies"])


def legacy_level(state: State) -> str | None:
    legacy = state.get("legacy")
    if not legacy or not legacy["competencies"]:
        return None
    levels = {c["level"] for c in legacy["competencies"].values()}
    return "GOLD" if "GOLD" in levels else "SILVER"


def legacy_competency_on(state: State | None, on: str) -> bool:
    """A competency valid on `on` (before the program) — for pre-launch questions."""
    if not state or not state.get("legacy"):
        return False
    return any(c["heldOn"] <= on < c["anniversaryDate"] for c in state["legacy"]["competencies"].values())
