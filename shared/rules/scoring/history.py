"""Scores read from the partner document as of a day, and its score history.

The score history is derived from the stored facts alone (any arrival order gives the same one);
each fact announces the score of its own day.
"""

from __future__ import annotations

import json
import zlib
from datetime import date
from fractions import Fraction
from typing import Any, NamedTuple

from ..change import Change
from ..document import HELD, ON, QUALIFIED, REPORT_ID, TOTAL, VALUE, State
from .counting import ALWAYS, counts_on
from .credentials import Counted, counted, span_of
from .display import apportion, fmt, fmt_cents, total_cents
from .rulebook import TRACKS, rulebook_for
from .score import AreaScore, Measurement, score_area

_MEMO_BOUND = 65536  # entries per memo below (feeds repeat the same keys and small numbers)
_MEASUREMENTS: dict[tuple[str, str, str | None], Measurement] = {}  # (metric key, value, track) -> Measurement


def measurements_of(state: State, area: str, on: str | None = None) -> list[Measurement]:
    """The measurement in force on `on` (latest dated on or before it) for each metric key.
    A key "metric|association|segment" is untagged (it feeds every track); with "|TRACK" appended
    it was reported for that track. Where a track has its own reports of a (metric, association,
    segment), the latest report on or before `on` among the untagged ones and that track's is in
    force for the track. Measurements are shared between calls (memoised): read-only."""
    out = []
    tagged: dict[str, dict[str | None, list[Any]]] | None = None  # base key -> {track | None: row}
    memo = _READINGS.get
    for key, history in state["measurements"].get(area, {}).items():
        current = history[-1]
        if on is not None and current[ON] > on:
            for current in reversed(history):  # the last entry dated on or before `on`
                if current[ON] <= on:
                    break
            else:
                continue
        m = memo((key, current[VALUE]))
        if m is None:
            m = _reading(key, current[VALUE])
        if m.__class__ is _Tagged:
            if tagged is None:
                tagged = {}
            tagged.setdefault(m.base, {})[m.track] = current
            continue
        out.append(m)
    if tagged:
        # A base key with reports of its own for some track: resolved per track, the untagged
        # report (kept in `out` only when no track has its own) feeding the other tracks as is.
        untagged = {}
        for i, m in enumerate(out):
            untagged[f"{m.metric}|{m.association or ''}|{m.segment or ''}"] = i
        drop = set()
        for base, rows in tagged.items():
            shared = None
            i = untagged.get(base)
            if i is not None:
                drop.add(i)
                shared = _row_in_force(state["measurements"][area][base], on)
            for track in TRACKS:
                row = rows.get(track)
                if shared is not None and (row is None or (shared[ON], shared[REPORT_ID]) > (row[ON], row[REPORT_ID])):
                    row = shared
                if row is not None:
                    out.append(_measurement(base, row[VALUE], track))
        if drop:
            out = [m for i, m in enumerate(out) if i not in drop]
    return out


def _row_in_force(history: list[list[Any]], on: str | None) -> list[Any]:
    """The last row of a (sorted, non-empty) history dated on or before `on` (known to exist)."""
    if on is None:
        return history[-1]
    return next(row for row in reversed(history) if row[ON] <= on)


class _Tagged(NamedTuple):
    """A stored key "metric|association|segment|track": its base key and its track."""

    base: str
    track: str


_READINGS: dict[tuple[str, str], Measurement | _Tagged] = {}  # (stored key, value) -> what measurements_of reads


def _reading(key: str, raw: str) -> Measurement | _Tagged:
    """A stored key and value as measurements_of reads them: the Measurement of an untagged key, the
    base and track of a tagged one (memoised)."""
    if key.count("|") == 3:
        base, _, track = key.rpartition("|")
        m: Measurement | _Tagged = _Tagged(base, track)
    else:
        m = _measurement(key, raw)
    if len(_READINGS) < _MEMO_BOUND:
        _READINGS[(key, raw)] = m
    return m


def _measurement(key: str, raw: str, track: str | None = None) -> Measurement:
    """The Measurement of a stored key "metric|association|segment" and value (memoised)."""
    m = _MEASUREMENTS.get((key, raw, track))
    if m is None:
        metric, assoc, segment = key.split("|")
        value = Fraction(raw)
        # a whole number as an int: the scoring reads .numerator/.denominator, C attributes on an
        # int but Python properties on a Fraction (the same exact value either way)
        m = Measurement(metric, value.numerator if value.denominator == 1 else value, assoc or None,
                        segment or None, track)
        if len(_MEASUREMENTS) < _MEMO_BOUND:
            _MEASUREMENTS[(key, raw, track)] = m
    return m


def roster_of(state: State, on: str | None = None) -> dict[str, set[str]]:
    """Who holds which certification on `on` (now, when None): the latest event on or before it.
    On or after a certification's latest event its holders are the people filed under "held"
    (shared.rules.document); before it, each person's history decides. A large partner's document
    holds only the people an operation loaded: its counts are read instead (scoring.counting)."""
    if "counting" in state:
        return counts_on(state, ALWAYS if on is None else on)  # type: ignore[return-value]
    roster: dict[str, set[str]] = {}
    for cert, entry in state["roster"].items():
        if on is None or entry["lastEventOn"] <= on:
            if entry["held"]:
                roster[cert] = set(entry["held"])
            continue
        holders = {person for people in (entry["held"], entry["removed"]) for person, history in people.items()
                   if (history[-1][HELD] if history[-1][ON] <= on else _held_before(history, on))}
        if holders:
            roster[cert] = holders
    return roster


def counted_roster(state: State, on: str) -> Counted:
    """`credentials.counted(roster_of(state, on), on)` in one pass over the roster: catalogue entry
    id -> the people holding it on `on`, for the entries that count that day (a large partner's:
    its counts, as roster_of reads them). The people are a set, or a view of the keys of the
    document's "held" (equal to the set, not copied): read-only, and read before the roster changes
    again (rescore builds it after the fact is filed; a change files one fact)."""
    if "counting" in state:
        return counts_on(state, on)  # type: ignore[return-value]
    out = Counted()
    for cert, entry in state["roster"].items():
        span = span_of(cert)
        if span is None:
            continue
        ident, first, last = span
        if not first <= on <= last:  # counts_on, on ISO days
            continue
        if entry["lastEventOn"] <= on:
            if not entry["held"]:
                continue
            holders = entry["held"].keys()  # a set-like view: scoring reads its size and unions it
        else:
            holders = {person for people in (entry["held"], entry["removed"]) for person, history in people.items()
                       if (history[-1][HELD] if history[-1][ON] <= on else _held_before(history, on))}
            if not holders:
                continue
        have = out.get(ident)
        out[ident] = holders if have is None else have | holders
    return out


def _held_before(history: list[list[Any]], on: str) -> bool:
    """Whether the last event of a person's certification dated on or before `on` is an earn."""
    for event in reversed(history):
        if event[ON] <= on:
            return event[HELD]
    return False


def track_of(state: State, area: str, on: str | None = None) -> str | None:
    """The track the feed classified the partner into on `on` (latest report on or before it)."""
    for entry in reversed(state["tracks"].get(area) or []):
        if on is None or entry[ON] <= on:
            return entry[VALUE]
    return None


def evaluate(state: State, area: str, on: str, roster: dict[str, set[str]] | None = None) -> AreaScore:
    """The area's score on `on`. `roster`, when the caller has it: roster_of(state, on), or better
    counted_roster(state, on), which a caller scoring several areas of one day builds once."""
    book = _BOOKS.get(on)
    if book is None:
        book = rulebook_for(date.fromisoformat(on))
        if len(_BOOKS) < _MEMO_BOUND:
            _BOOKS[on] = book
    return score_area(
        book,
        area,
        measurements_of(state, area, on),
        counted_roster(state, on) if roster is None else counted(roster, on),
        track_of(state, area, on),
    )


_BOOKS: dict[str, Any] = {}  # ISO day -> the rulebook in force (the shipped rulebooks are fixed per process)


def shown_total(score: AreaScore) -> str:
    """An area's total as displayed: rounded toward the decision (shared.rules.scoring.display)."""
    book = score.rulebook
    return fmt_cents(total_cents(score.points(), book.to_fraction(book.threshold)))


def score_detail(score: AreaScore) -> dict[str, Any]:
    """An area's score as the events and the API show it: the total rounded toward the decision and
    the metrics' points as its shares (shared.rules.scoring.display)."""
    book = score.rulebook
    cents = total_cents(score.points(), book.to_fraction(book.threshold))
    shares = apportion([book.to_fraction(m.points) for m in score.metrics], cents)
    return {
        "solutionArea": score.area,
        "track": score.track,
        "rulebookVersion": book.version,
        "total": fmt_cents(cents),
        "qualified": score.qualified,
        "metrics": [
            {
                "metric": m.metric,
                "category": m.category,
                "points": fmt_cents(share),
                "maxPoints": fmt(book.to_fraction(m.max_points)),
                "units": m.units,
            }
            for m, share in zip(score.metrics, shares, strict=True)
        ],
    }


def rescore(ch: Change, area: str, on: str, cause: str) -> None:
    """Re-derive the area's score history from the stored facts after a new fact dated `on`: the
    entry of `on` and every later entry (a late fact changes what followed it, never the past
    before it). The history is a function of the facts alone, so any arrival order gives the same
    history. Each fact announces the score of its own day; a later day is announced again only when
    its score changed. Ids are (area, cause, day): one fact is processed once, so one id never
    announces two contents."""
    history = ch.state["scoreHistory"].setdefault(area, [])
    days = {h[ON]: i for i, h in enumerate(history)}
    for day in [on] + [h[ON] for h in history if h[ON] > on]:
        roster = ch.rosters.get(day)
        if roster is None:
            roster = ch.rosters[day] = counted_roster(ch.state, day)
        score = evaluate(ch.state, area, day, roster)
        detail = score_detail(score)
        digest = f"{zlib.crc32(json.dumps(detail, sort_keys=True).encode()):08x}"  # what was announced
        entry = [day, score.qualified, detail["total"], score.rulebook.version, digest]
        i = days.get(day)
        if i is not None and history[i] == entry and day != on:
            continue
        if i is None:
            history.append(entry)
            history.sort(key=lambda h: h[ON])
            days = {h[ON]: k for k, h in enumerate(history)}
        else:
            history[i] = entry
        ch.emit("ScoreEvaluated", day, (area, cause, day), evaluatedOn=day, cause=cause, **detail)


def qualified_in_window(history: list[list[Any]], start: str, end: str) -> bool:
    """Requirements met on at least one day of [start, end] (requirements.md §1 "any one day")."""
    in_effect = False
    for day, qualified, *_ in history:
        if day <= start:
            in_effect = qualified
        elif day <= end:
            if qualified:
                return True
        else:
            break
    return in_effect


def window_history(state: State, area: str, start: str, end: str) -> list[list[Any]]:
    """The score-history rows that decided a window: the one in effect on `start` and those after."""
    hist = state["scoreHistory"].get(area, [])
    before = [h for h in hist if h[ON] <= start][-1:]
    return before + [h for h in hist if start < h[ON] <= end]


def best_total(history: list[list[Any]]) -> str:
    """The highest total among score-history rows (display text), "0.00" when there are none."""
    return max((h[TOTAL] for h in history), default="0.00", key=float)


def last_qualified_row(state: State, area: str, on: str) -> list[Any]:
    """The latest qualified score-history row of an area on or before `on` (there is one)."""
    return max((h for h in state["scoreHistory"][area] if h[ON] <= on and h[QUALIFIED]), key=lambda h: h[ON])
