"""The roster as scoring reads it: each stored certification name resolved through the catalogue
(shared.rules.catalogue) on the day of the score.

The document keeps every name as the feed sent it (shared.rules.document, roster), so a name the
catalogue learns later counts from then on without rewriting stored documents. A name counts on a
day only when it resolves to an entry that counts on that day (`counts_on`); a name that resolves
to nothing stays on the roster, counts for nothing and is listed by `unrecognised`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..catalogue import resolve
from ..document import ON, State
from .counting import ListCounts, stops_counting_of, unknown_on

CERTIFICATION_AS_WRITTEN = 3  # roster history rows: [on, eventId, held, certificationAsWritten]


class Counted(dict):
    """A roster keyed by catalogue entry id, as `counted` builds it (a subclass so that a roster
    keyed by stored names is never mistaken for one)."""

    __slots__ = ()


def counted(roster: dict[str, set[str]], on: str) -> Counted:
    """Catalogue entry id -> the people holding it, for the entries that count on `on` (a person
    holding an entry under two names is one person). `roster` is keyed by stored names
    (shared.rules.scoring.history.roster_of); a Counted one is returned as it is."""
    if roster.__class__ is Counted or roster.__class__ is ListCounts:
        return roster  # type: ignore[return-value]
    out = Counted()
    memo = _SPANS.get
    for name, holders in roster.items():
        span = memo(name, _UNSEEN)
        if span is _UNSEEN:
            span = _span(name)
        if span is None:
            continue
        ident, first, last = span
        if first <= on <= last:  # counts_on, on ISO days (they sort as dates)
            have = out.get(ident)
            out[ident] = holders if have is None else have | holders
    return out


def span_of(name: str) -> tuple[str, str, str] | None:
    """(entry id, first counting day, last counting day) of a stored name (ISO days; open bounds as
    days before and after any), or None for a name the catalogue does not know (memoised)."""
    span = _SPANS.get(name, _UNSEEN)
    return _span(name) if span is _UNSEEN else span  # type: ignore[return-value]


_MEMO_BOUND = 65536  # stored names remembered (feeds repeat a few)
_SPANS: dict[str, tuple[str, str, str] | None] = {}  # stored name -> (entry id, first day, last day) | None
_UNSEEN = object()


def _span(name: str) -> tuple[str, str, str] | None:
    entry = resolve(name)
    span = None if entry is None else (
        entry.id,
        entry.counts_from.isoformat() if entry.counts_from else "0000-00-00",
        entry.counts_through.isoformat() if entry.counts_through else "9999-99-99",
    )
    if len(_SPANS) < _MEMO_BOUND:
        _SPANS[name] = span
    return span


def unrecognised(state: State, roster: dict[str, set[str]]) -> list[dict[str, Any]]:
    """The names of `roster` (shared.rules.scoring.history.roster_of) the catalogue does not know,
    each as the feed last wrote it, with its number of people; sorted by name."""
    if roster.__class__ is ListCounts:
        return unknown_on(state, roster.on)  # type: ignore[attr-defined]
    out = []
    for key, holders in roster.items():
        if not holders or resolve(key) is not None:
            continue
        entry = state["roster"][key]
        latest = max((h[-1] for people in (entry["held"], entry["removed"]) for h in people.values()),
                     key=lambda row: (row[ON], row[1]))
        out.append({"certification": latest[CERTIFICATION_AS_WRITTEN], "people": len(holders)})
    return sorted(out, key=lambda u: (u["certification"].casefold(), u["certification"]))


def stops_counting(state: State) -> list[tuple[str, str]]:
    """(the day after an entry stops counting, entry id) for each entry someone on the roster held
    on or before its last counting day."""
    if "counting" in state:
        return stops_counting_of(state)
    out = set()
    for key, entry in state["roster"].items():
        stop = _STOPS.get(key, _UNSEEN)
        if stop is _UNSEEN:
            stop = _stop(key)
        if stop is None:
            continue
        last, day, ident = stop
        # a person's history is sorted by day, so its first row decides (the rest is read only when
        # it does not, which keeps the answer exact for any order)
        if any(h[0][ON] <= last or any(row[ON] <= last for row in h) for people in (entry["held"], entry["removed"])
               for h in people.values()):
            out.add((day, ident))
    return sorted(out)


_STOPS: dict[str, tuple[str, str, str] | None] = {}  # stored name -> (last counting day, day after, entry id) | None


def _stop(name: str) -> tuple[str, str, str] | None:
    cert = resolve(name)
    stop = None if cert is None or cert.counts_through is None else (
        cert.counts_through.isoformat(), date.fromordinal(cert.counts_through.toordinal() + 1).isoformat(), cert.id)
    if len(_STOPS) < _MEMO_BOUND:
        _STOPS[name] = stop
    return stop
