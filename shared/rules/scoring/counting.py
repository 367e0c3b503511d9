"""The roster of a large partner as scoring reads it: for each certification list any rulebook
counts people on (a metric's list or a gate's, of any version and track), the number of distinct
people counting toward it as a dated series, so that a skilling event changes the partner by the
difference one person makes and never reads the other people (docs/decisions.md, "Partners of any
size").

A document holds `counting` only in the per-person layout (shared/adapters/people.py), where its
roster holds just the people an operation loaded:

    counting   {"series": {listKey: [[day, delta], ...]},   distinct people of the list on a day =
                                                            the sum of the deltas dated on or before it
                "unknown": {storedName: [[day, delta], ...]},  the same for each name the catalogue
                                                            does not know (shown, counting for nothing)
                "written": {storedName: [on, eventId, certificationAsWritten]},  its latest spelling
                "first": {storedName: day},                 the earliest day of anyone's history of
                                                            a name the catalogue knows
                "people": n,                                people on the roster
                "basis": digest}                            what the counts were derived from (`basis`)

A person's contribution to a list is a step function of the day, computed from that person's own
histories and the catalogue's counting dates: 1 on a day when they hold, under a name resolving to
an entry of the list that counts on that day, a certification whose latest event on or before the
day is an earn (shared.rules.scoring.history.roster_of, credentials.counted); else 0.

The counts hold only as long as the catalogue and the rulebooks' lists they were derived with: a
new alias makes a stored, unknown name count, a new rulebook version may count a list no series
exists for. `basis` names both; a document whose `counting` has another basis (or none) is counted
anew from every person (`current`, `counting_of`; the repository reads every person item then).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import Any

from .. import catalogue
from ..catalogue import resolve
from ..document import HELD, ON, State
from .rulebook import load_all

Person = dict[str, list[list[Any]]]  # stored certification name -> the person's history of it
NEVER, ALWAYS = "0000-00-00", "9999-99-99"


class ListCounts(dict):
    """Distinct people per certification list (sorted tuple of catalogue entry ids) on the day `on`,
    as `counts_on` builds it; scoring reads it where it would count a roster (score.score_area)."""

    __slots__ = ("on",)


@lru_cache(maxsize=1)
def counting_lists() -> dict[tuple[str, ...], str]:
    """Every certification list of every rulebook -> its key in `counting.series` (a digest: the
    lists are long and the partner item holds one series per list)."""
    lists: set[tuple[str, ...]] = set()
    for book in load_all():
        for area in book.areas.values():
            for track in area.tracks:
                for metric in track.metrics:
                    if metric.roster is not None:
                        lists.add(tuple(sorted(metric.roster.certifications)))
                        lists.update(tuple(sorted(g.certifications)) for g in metric.roster.gates)
    return {ids: f"{zlib.crc32('|'.join(ids).encode()):08x}" for ids in sorted(lists)}


@lru_cache(maxsize=1)
def basis() -> str:
    """A digest of what counts are derived from: the catalogue's name normalisation and every
    entry's id, names and counting days, as the catalogue file holds them, and the certification
    lists of every rulebook. It is the same in every process of one deployment (canonical JSON, no
    set order, no clock) and changes with any change that can re-map a stored name or add a list;
    an entry's source, retirement or tables do not enter it (counts never read them)."""
    raw = json.loads(catalogue.CERTIFICATIONS_FILE.read_text(encoding="utf-8"))
    content = {
        "normalisation": raw["normalisation"],
        "entries": [{k: e[k] for k in ("id", "name", "aliases", "countsFrom", "countsThrough")}
                    for e in raw["certifications"]],
        "lists": [list(ids) for ids in counting_lists()],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


def current(counting: dict[str, Any] | None) -> bool:
    """The counts were derived with this deployment's catalogue and lists (see `basis`)."""
    return counting is not None and counting.get("basis") == basis()


@lru_cache(maxsize=512)
def _lists_of(entry_id: str) -> tuple[tuple[tuple[str, ...], str], ...]:
    return tuple((ids, key) for ids, key in counting_lists().items() if entry_id in ids)


@lru_cache(maxsize=4096)
def _span(name: str) -> tuple[str, str, str] | None:
    """(entry id, first counting day, the day after the last) of a stored name, or None."""
    entry = resolve(name)
    if entry is None:
        return None
    after = (date.fromordinal(entry.counts_through.toordinal() + 1).isoformat()
             if entry.counts_through else ALWAYS)
    return entry.id, entry.counts_from.isoformat() if entry.counts_from else NEVER, after


def _held(history: list[list[Any]], on: str) -> bool:
    for row in reversed(history):
        if row[ON] <= on:
            return row[HELD]
    return False


def _steps(parts: list[tuple[str, str, list[list[Any]]]]) -> dict[str, int]:
    """{day: +1 | -1} where "holds one of `parts` (first counting day, day after the last, history)
    on that day" changes."""
    days = sorted({row[ON] for _, _, h in parts for row in h} | {d for f, a, _ in parts for d in (f, a)}
                  - {NEVER, ALWAYS})
    out, before = {}, False
    for day in days:
        now = any(first <= day < after and _held(h, day) for first, after, h in parts)
        if now != before:
            out[day] = 1 if now else -1
            before = now
    return out


def contributions(person: Person) -> dict[str, dict[str, int]]:
    """series key (a list's, or "?" + an unknown name) -> the person's steps on it. Lists that hold
    the same of the person's names get the same steps, computed once (a name is in several lists)."""
    parts: list[tuple[str, str, list[list[Any]]]] = []
    by_list: dict[str, list[int]] = {}
    for name, history in person.items():
        span = _span(name)
        if span is None:
            by_list.setdefault("?" + name, []).append(len(parts))
            parts.append((NEVER, ALWAYS, history))
            continue
        for _, key in _lists_of(span[0]):
            by_list.setdefault(key, []).append(len(parts))
        parts.append((span[1], span[2], history))
    done: dict[tuple[int, ...], dict[str, int]] = {}
    out = {}
    for key, which in by_list.items():
        held = tuple(which)
        steps = done.get(held)
        if steps is None:
            steps = done[held] = _steps([parts[i] for i in held])
        if steps:
            out[key] = steps
    return out


def person_of(state: State, person: str) -> Person:
    """The person's histories in the document's roster (empty for someone not on it)."""
    out: Person = {}
    for cert, entry in state["roster"].items():
        history = entry["held"].get(person) or entry["removed"].get(person)
        if history:
            out[cert] = history
    return out


def new_counting(state: State) -> dict[str, Any]:
    """`counting` of a document whose roster holds everybody (the move to the per-person layout)."""
    people: dict[str, Person] = {}
    for cert, entry in state["roster"].items():
        for group in (entry["held"], entry["removed"]):
            for person, history in group.items():
                people.setdefault(person, {})[cert] = history
    return counting_of(people.values())


def counting_of(people: Iterable[Person]) -> dict[str, Any]:
    """`counting` of everybody's histories, one person at a time (a roster leaving its inline item,
    or the person items of a partner counted anew because its counts are not `current`): the steps
    of all people are summed per series before any series is built, so the work grows with the
    people and their days, never with people x rows."""
    counting: dict[str, Any] = {"series": {}, "unknown": {}, "written": {}, "first": {}, "people": 0,
                                "basis": basis()}
    steps: dict[str, dict[str, int]] = {}
    for certs in people:
        if not certs:
            continue
        counting["people"] += 1
        for key, own in contributions(certs).items():
            into = steps.setdefault(key, {})
            for day, step in own.items():
                into[day] = into.get(day, 0) + step
        _note_names(counting, certs)
    for key, into in steps.items():
        rows = [[day, delta] for day, delta in sorted(into.items()) if delta]
        if rows:
            table = counting["unknown"] if key.startswith("?") else counting["series"]
            table[key[1:] if key.startswith("?") else key] = rows
    return counting


def record_person(counting: dict[str, Any], before: Person, after: Person) -> None:
    """Apply to `counting` the difference between a person's histories before and after a change."""
    if after and not before:
        counting["people"] += 1
    old, new = contributions(before), contributions(after)
    for key in old.keys() | new.keys():
        table = counting["unknown"] if key.startswith("?") else counting["series"]
        name = key[1:] if key.startswith("?") else key
        series = dict(map(tuple, table.get(name, [])))
        for day, step in old.get(key, {}).items():
            series[day] = series.get(day, 0) - step
        for day, step in new.get(key, {}).items():
            series[day] = series.get(day, 0) + step
        rows = [[day, delta] for day, delta in sorted(series.items()) if delta]
        if rows:
            table[name] = rows
        else:
            table.pop(name, None)
    _note_names(counting, after)


def _note_names(counting: dict[str, Any], person: Person) -> None:
    """The latest spelling of each unknown name and the earliest day of each known one."""
    for name, history in person.items():
        latest = max(history, key=lambda row: (row[ON], row[1]))
        if _span(name) is None:
            have = counting["written"].get(name)
            if have is None or (latest[ON], latest[1]) > (have[0], have[1]):
                counting["written"][name] = [latest[ON], latest[1], latest[3]]
        else:
            first = min(row[ON] for row in history)
            if first < counting["first"].get(name, ALWAYS):
                counting["first"][name] = first


def _total(rows: list[list[Any]], on: str) -> int:
    n = 0
    for day, delta in rows:
        if day > on:
            break
        n += delta
    return n


def counts_on(state: State, on: str) -> ListCounts:
    """Distinct people per certification list on `on`, from `counting`."""
    series = state["counting"]["series"]
    out = ListCounts()
    out.on = on
    for ids, key in counting_lists().items():
        rows = series.get(key)
        if rows:
            n = _total(rows, on)
            if n:
                out[ids] = n
    return out


def unknown_on(state: State, on: str) -> list[dict[str, Any]]:
    """The names the catalogue does not know, held by someone on `on`, each as the feed last wrote it."""
    counting = state["counting"]
    out = []
    for name, rows in counting["unknown"].items():
        n = _total(rows, on)
        if n and resolve(name) is None:
            out.append({"certification": counting["written"][name][2], "people": n})
    return sorted(out, key=lambda u: (u["certification"].casefold(), u["certification"]))


def stops_counting_of(state: State) -> list[tuple[str, str]]:
    """credentials.stops_counting from `counting`: (the day after an entry stops counting, entry id)
    for each entry someone held on or before its last counting day."""
    out = set()
    for name, first in state["counting"]["first"].items():
        cert = resolve(name)
        if cert is None or cert.counts_through is None:
            continue
        if first <= cert.counts_through.isoformat():
            out.add((date.fromordinal(cert.counts_through.toordinal() + 1).isoformat(), cert.id))
    return sorted(out)
