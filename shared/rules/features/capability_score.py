"""The facts the partner capability score is computed from: the feeds' measurements (with the
track they classify the partner into) and the certified-person roster (SPEC §3.1). Each new fact
re-derives the score history of the areas it counts in (shared.rules.scoring.history)."""

from __future__ import annotations

from functools import lru_cache

from ..change import Change
from ..document import ON, REPORT_ID, file_roster_history
from ..feature import Detail, Feature
from ..policy import Policy
from ..program import AREAS
from ..scoring.history import rescore
from ..scoring.rulebook import Rulebook, load_all, normalize_certification

MEASUREMENT_HISTORY = 36  # measurements kept per metric key (three years of monthly refreshes)
ROSTER_HISTORY = 20  # earn/remove events kept per person and certification


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
    file_roster_history(ch.state["roster"], cert, person, history)
    for area in _areas_counting(cert):
        rescore(ch, area, on, eid)


def _certification_earned(ch: Change, d: Detail, policy: Policy) -> None:
    _certification(ch, d, True)


def _certification_removed(ch: Change, d: Detail, policy: Policy) -> None:
    _certification(ch, d, False)


@lru_cache(maxsize=4096)
def _areas_counting(cert: str) -> tuple[str, ...]:
    """The areas whose skilling metrics count this certification in any rulebook version."""
    return tuple(a for a in AREAS if any(_mentions(book, a, cert) for book in load_all()))


def _mentions(book: Rulebook, area: str, cert: str) -> bool:
    for track in book.areas[area].tracks:
        for metric in track.metrics:
            r = metric.roster
            if r and (cert in r.certifications or any(cert in g.certifications for g in r.gates)):
                return True
    return False


FEATURE = Feature(
    "capability_score",
    facts={
        "MetricsReported": _metrics_reported,
        "CertificationEarned": _certification_earned,
        "CertificationRemoved": _certification_removed,
    },
)
