"""The facts the partner capability score is computed from: the feeds' measurements (with the
track they classify the partner into) and the certified-person roster (SPEC §3.1). Each new fact
re-derives the score history of the areas it counts in (shared.rules.scoring.history)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache, lru_cache

from ..catalogue import normalize_certification, resolve
from ..change import Change
from ..document import ON, REPORT_ID, State, file_roster_history, own_roster_entry
from ..feature import Detail, Feature, Work
from ..policy import Policy
from ..program import AREAS
from ..scoring.counting import person_of, record_person
from ..scoring.credentials import stops_counting
from ..scoring.history import rescore
from ..scoring.rulebook import Rulebook, load_all

MEASUREMENT_HISTORY = 36  # measurements kept per metric key (three years of monthly refreshes)
ROSTER_HISTORY = 20  # earn/remove events kept per person and certification
REEVALUATE = "REEVALUATE"


def _metrics_reported(ch: Change, d: Detail, policy: Policy) -> None:
    area, on, eid = d["solutionArea"], d["measuredOn"], d["eventId"]
    stored = ch.state["measurements"].setdefault(area, {})
    # A report for one track keeps its figures apart from the other track's (document.py).
    suffix = f"|{d['track']}" if d.get("track") else ""
    new = False
    for m in d["measurements"]:
        key = f"{m['metric']}|{m.get('association') or ''}|{m.get('segment') or ''}{suffix}"
        history = stored.setdefault(key, [])
        if any(h[ON] == on and h[REPORT_ID] == eid for h in history):
            continue  # a duplicate
        # Every report is kept, ordered by (date, eventId): the last one on or before a day is in force.
        history.append([on, str(m["value"]), eid])
        history.sort(key=lambda h: (h[ON], h[REPORT_ID]))
        del history[:-MEASUREMENT_HISTORY]
        new = True
    if d.get("track"):
        tracks = ch.state["tracks"].get(area) or []
        entry = [on, d["track"], eid]
        if entry not in tracks:
            ch.state["tracks"][area] = sorted([*tracks, entry], key=lambda h: (h[ON], h[REPORT_ID]))[-MEASUREMENT_HISTORY:]
            new = True
    if new:
        rescore(ch, area, on, eid)


def _certification(ch: Change, d: Detail, held: bool) -> None:
    cert, person = normalize_certification(d["certification"]), d["personId"]
    on, eid = d["on"], d["eventId"]
    people = ch.state["roster"].get(cert) or {"held": {}, "removed": {}}
    history = people["held"].get(person) or people["removed"].get(person) or []
    entry = [on, eid, held, d["certification"]]
    if entry in history:
        return  # a duplicate
    history = sorted([*history, entry])[-ROSTER_HISTORY:]  # any arrival order gives the same history
    before = person_of(ch.state, person) if "counting" in ch.state else None
    own_roster_entry(ch.state["roster"], cert)
    file_roster_history(ch.state["roster"], cert, person, history)
    if before is not None:  # a large partner: its counts change by what this person's change makes
        record_person(ch.state["counting"], before, person_of(ch.state, person))
    for area in _areas_counting(cert):
        rescore(ch, area, on, eid)


def _certification_earned(ch: Change, d: Detail, policy: Policy) -> None:
    _certification(ch, d, True)


def _certification_removed(ch: Change, d: Detail, policy: Policy) -> None:
    _certification(ch, d, False)


@lru_cache(maxsize=4096)
def _areas_counting(cert: str) -> tuple[str, ...]:
    """The areas whose skilling metrics count this certification (a stored roster name) in any
    rulebook version; none for a name the catalogue does not know."""
    entry = resolve(cert)
    if entry is None:
        return ()
    return _areas_counting_entry(entry.id)


@lru_cache(maxsize=512)
def _areas_counting_entry(entry_id: str) -> tuple[str, ...]:
    return tuple(a for a in AREAS if any(_mentions(book, a, entry_id) for book in load_all()))


def _mentions(book: Rulebook, area: str, entry_id: str) -> bool:
    for track in book.areas[area].tracks:
        for metric in track.metrics:
            r = metric.roster
            if r and (entry_id in r.certifications or any(entry_id in g.certifications for g in r.gates)):
                return True
    return False


# --- re-evaluation on the days a score changes with no new fact --------------------------------


def _reevaluation_days(state: State) -> Iterator[tuple[str, str, str]]:
    """(day, area, cause) of each day an area's score may change with no fact of that day: a new
    rulebook's effectiveFrom, and the day after a held certification stops counting (scores are
    derived on days with facts, shared.rules.scoring.history). Only for an area with a score before
    that day."""
    starts = _rulebook_starts()
    stops = [(day, f"catalogue:{entry_id}", entry_id) for day, entry_id in stops_counting(state)]
    for area, rows in state["scoreHistory"].items():
        if not rows:
            continue
        first = rows[0][ON]
        for day, cause in starts:
            if day > first:
                yield day, area, cause
        for day, cause, entry_id in stops:
            if day > first and area in _areas_counting_entry(entry_id):
                yield day, area, cause


@cache
def _rulebook_starts() -> tuple[tuple[str, str], ...]:
    """(effectiveFrom, cause) of every rulebook after the first (the rulebooks are fixed per process)."""
    return tuple((b.effective_from.isoformat(), f"rulebook:{b.version}") for b in load_all()[1:])


@lru_cache(maxsize=1024)
def _days_by_area(stops: tuple[tuple[str, str], ...]) -> dict[str, tuple[str, ...]]:
    """The distinct re-evaluation days of each area for the (day, entry id) stops of a roster: the
    rulebooks' starts and the stops of the entries the area counts. Rosters share a few stop lists
    (feeds repeat the same certifications), so this is computed once per list. Read-only."""
    starts = [day for day, _ in _rulebook_starts()]
    return {area: tuple(sorted({*starts, *(day for day, entry_id in stops if area in _areas_counting_entry(entry_id))}))
            for area in AREAS}


def _due(state: State, policy: Policy) -> Iterator[tuple[str, str, str]]:
    """A re-evaluation is done once the area has a score on its day (rescore writes it). The days
    are those of `_reevaluation_days`, each (day, area) once."""
    days_of = _days_by_area(tuple(stops_counting(state)))
    starts = None
    for area, rows in state["scoreHistory"].items():
        if not rows:
            continue
        days = days_of.get(area)
        if days is None:  # an area no rulebook scores: the rulebooks' starts only
            if starts is None:
                starts = tuple(sorted({day for day, _ in _rulebook_starts()}))
            days = starts
        first, have = rows[0][ON], None
        for day in days:
            if day > first:
                if have is None:
                    have = {row[ON] for row in rows}
                if day not in have:
                    yield day, REEVALUATE, area


def _reevaluate(ch: Change, when: str, area: str, day: str, policy: Policy) -> None:
    cause = next(c for d, a, c in _reevaluation_days(ch.state) if d == when and a == area)
    rescore(ch, area, when, cause)


FEATURE = Feature(
    "capability_score",
    facts={
        "MetricsReported": _metrics_reported,
        "CertificationEarned": _certification_earned,
        "CertificationRemoved": _certification_removed,
    },
    # the score of a day is known before the day's renewal and attainment work reads it
    work=(Work(REEVALUATE, -2, _reevaluate),),
    due=_due,
)
