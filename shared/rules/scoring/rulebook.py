"""Versioned, effective-dated rulebooks: loading, validation and lookup by date.

A rulebook file (docs/rulebook-format.md) is compiled into small frozen objects. Points are kept
as exact integers over one common denominator per rulebook (`scale`): the fractional points per
unit of the tables (20/3, 15/7, 3/400 ...) stay exact, and scoring needs only integer arithmetic.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from datetime import date
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from ..calendar import CALENDAR_MONTHS, DAYS, Window
from ..catalogue import resolve
from ..program import AREAS, PROGRAM_LAUNCH

METRICS = ("netCustomerAdds", "intermediateCertifications", "advancedCertifications", "usageGrowth", "deployments")
ROSTER_METRICS = ("intermediateCertifications", "advancedCertifications")
CATEGORIES = ("PERFORMANCE", "SKILLING", "CUSTOMER_SUCCESS")
ASSOCIATIONS = ("CSP_T1", "CSP_T2", "DPOR", "PAL", "CPOR", "GDAP")
TRACKS = ("ENTERPRISE", "SMB")
DATA_DIR = Path(__file__).parents[1] / "data"
_NUMBER = re.compile(r"^\d+(\.\d+)?(/\d+)?$")


class RulebookError(ValueError):
    """A rulebook file is invalid; the message names the file and the bad entry."""


class Part(NamedTuple):
    associations: frozenset[str] | None
    segment: str | None
    aggregate: str  # SUM | MAX
    unit_size: Fraction
    points_per_unit: int  # scaled
    max_points: int | None  # scaled


class Gate(NamedTuple):
    name: str
    certifications: frozenset[str]  # catalogue entry ids
    persons: int
    points: int  # scaled


class RosterRule(NamedTuple):
    gates: tuple[Gate, ...]
    certifications: frozenset[str]  # catalogue entry ids
    points_per_person: int  # scaled


class Metric(NamedTuple):
    key: str
    category: str
    max_points: int  # scaled
    combine: str  # SUM | MAX
    parts: tuple[Part, ...]
    roster: RosterRule | None


class Track(NamedTuple):
    name: str
    metrics: tuple[Metric, ...]


class Area(NamedTuple):
    name: str
    selection: str  # CLASSIFIED | HIGHER
    tracks: tuple[Track, ...]

    def track(self, name: str | None) -> Track:
        for t in self.tracks:
            if t.name == name:
                return t
        return self.tracks[0]


class Rulebook:
    """One version of the point tables (a file of shared/rules/data), read-only once loaded."""

    __slots__ = ("version", "effective_from", "qualification_window", "areas", "scale", "sources", "notes",
                 "compiled")

    def __init__(self, version: str, effective_from: date, qualification_window: Window, areas: dict[str, Area],
                 scale: int, sources: tuple[str, ...], notes: str):
        self.version = version
        self.effective_from = effective_from
        self.qualification_window = qualification_window
        self.areas = areas
        self.scale = scale  # common denominator of every point value
        self.sources = sources
        self.notes = notes
        # Derived, not part of the file: what scoring compiles from `areas` on first use (one flat
        # plan per area: shared.rules.scoring.score).
        self.compiled: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"Rulebook({self.version!r}, effective from {self.effective_from.isoformat()})"

    @property
    def threshold(self) -> int:
        return 70 * self.scale

    def to_fraction(self, scaled: int) -> Fraction:
        return Fraction(scaled, self.scale)


class _Reader:
    """Walks the raw JSON and raises RulebookError naming the exact path of a bad entry."""

    def __init__(self, origin: str):
        self.origin = origin
        self.denominators: set[int] = {1}

    def fail(self, path: str, message: str) -> RulebookError:
        return RulebookError(f"{self.origin}: {path}: {message}")

    def get(self, obj: Any, key: str, path: str, kind: type | tuple[type, ...], required: bool = True) -> Any:
        if not isinstance(obj, dict):
            raise self.fail(path, "expected an object")
        if key not in obj or obj[key] is None:
            if required:
                raise self.fail(f"{path}.{key}", "is required")
            return None
        value = obj[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            raise self.fail(f"{path}.{key}", f"expected {getattr(kind, '__name__', kind)}")
        return value

    def number(self, obj: Any, key: str, path: str, required: bool = True) -> Fraction | None:
        raw = self.get(obj, key, path, (str, int), required)
        if raw is None:
            return None
        text = str(raw).strip()
        if not _NUMBER.match(text):
            raise self.fail(
                f"{path}.{key}", f"{raw!r} is not an exact non-negative number ('4', '2.5' or '20/3')"
            )
        num, _, den = text.partition("/")
        value = Fraction(num) / Fraction(den or 1)
        self.denominators.add(value.denominator)
        return value

    def choice(
        self, obj: Any, key: str, path: str, options: tuple[str, ...], default: str | None = None
    ) -> str:
        value = self.get(obj, key, path, str, required=default is None) or default
        if value not in options:
            raise self.fail(f"{path}.{key}", f"{value!r} is not one of {', '.join(options)}")
        return value

    def names(self, obj: Any, key: str, path: str) -> list[str]:
        values = self.get(obj, key, path, list)
        if not values or not all(isinstance(v, str) and v.strip() for v in values):
            raise self.fail(f"{path}.{key}", "expected a non-empty list of names")
        return values

    def certifications(self, obj: Any, key: str, path: str) -> frozenset[str]:
        """A list of certification names compiled to catalogue entry ids (shared.rules.catalogue):
        the rulebook names entries, so an unresolved name fails the load."""
        ids = set()
        for i, name in enumerate(self.names(obj, key, path)):
            entry = resolve(name)
            if entry is None:
                raise self.fail(f"{path}.{key}[{i}]", f"{name!r} is not a certification of the catalogue")
            ids.add(entry.id)
        return frozenset(ids)


def parse_rulebook(raw: Any, origin: str) -> Rulebook:
    """A rulebook from its parsed JSON; `origin` names it in errors."""
    r = _Reader(origin)
    try:
        effective = date.fromisoformat(r.get(raw, "effectiveFrom", "$", str))
    except ValueError as exc:
        raise r.fail("$.effectiveFrom", "is not a YYYY-MM-DD date") from exc
    if effective < PROGRAM_LAUNCH:
        raise r.fail("$.effectiveFrom", f"is before the program launch {PROGRAM_LAUNCH}")
    version = r.get(raw, "version", "$", str)
    window = _read_window(r, raw)
    areas_raw = r.get(raw, "areas", "$", dict)
    if set(areas_raw) != set(AREAS):
        missing, extra = set(AREAS) - set(areas_raw), set(areas_raw) - set(AREAS)
        raise r.fail(
            "$.areas", f"must hold exactly the six areas (missing {sorted(missing)}, unknown {sorted(extra)})"
        )

    raw_areas: dict[str, tuple[str, list[tuple[str, list[tuple[str, dict, str]]]]]] = {}
    for area_name in AREAS:
        apath = f"$.areas.{area_name}"
        area_raw = areas_raw[area_name]
        selection = r.choice(area_raw, "trackSelection", apath, ("CLASSIFIED", "HIGHER"))
        tracks_raw = r.get(area_raw, "tracks", apath, dict)
        if not tracks_raw:
            raise r.fail(f"{apath}.tracks", "needs at least one track")
        tracks = []
        for track_name, track_raw in tracks_raw.items():
            tpath = f"{apath}.tracks.{track_name}"
            if track_name not in TRACKS:
                raise r.fail(tpath, f"unknown track (expected one of {', '.join(TRACKS)})")
            metrics_raw = r.get(track_raw, "metrics", tpath, dict)
            metrics = []
            for key, metric_raw in metrics_raw.items():
                mpath = f"{tpath}.metrics.{key}"
                if key not in METRICS:
                    raise r.fail(mpath, f"unknown metric (expected one of {', '.join(METRICS)})")
                metrics.append((key, metric_raw, mpath))
            tracks.append((track_name, metrics))
        raw_areas[area_name] = (selection, tracks)

    # First pass collected nothing numeric yet: read numbers to learn the common denominator.
    parsed: dict[str, list[tuple[str, list[dict[str, Any]]]]] = {}
    for area_name, (_, tracks) in raw_areas.items():
        parsed[area_name] = []
        for track_name, metrics in tracks:
            out = []
            total = Fraction(0)
            for key, m, mpath in metrics:
                out.append(_read_metric(r, key, m, mpath))
                total += out[-1]["max"]
            if total != 100:
                raise r.fail(
                    f"$.areas.{area_name}.tracks.{track_name}.metrics", f"maxima add up to {total}, not 100"
                )
            parsed[area_name].append((track_name, out))

    scale = math.lcm(*r.denominators)

    def s(value: Fraction | None) -> int | None:
        return None if value is None else int(value * scale)

    areas: dict[str, Area] = {}
    for area_name, (selection, _) in raw_areas.items():
        tracks_out = []
        for track_name, metrics in parsed[area_name]:
            compiled = []
            for m in metrics:
                parts = tuple(
                    Part(p["associations"], p["segment"], p["aggregate"], p["unit"], s(p["ppu"]), s(p["max"]))
                    for p in m["parts"]
                )
                roster = None
                if m["roster"] is not None:
                    ro = m["roster"]
                    roster = RosterRule(
                        tuple(Gate(g["name"], g["certs"], g["persons"], s(g["points"])) for g in ro["gates"]),
                        ro["certs"],
                        s(ro["ppp"]),
                    )
                compiled.append(Metric(m["key"], m["category"], s(m["max"]), m["combine"], parts, roster))
            tracks_out.append(Track(track_name, tuple(compiled)))
        areas[area_name] = Area(area_name, selection, tuple(tracks_out))

    sources = tuple(r.get(raw, "sources", "$", list, required=False) or ())
    return Rulebook(
        version, effective, window, areas, scale, sources, r.get(raw, "notes", "$", str, required=False) or ""
    )


def _read_window(r: _Reader, raw: Any) -> Window:
    """`qualificationWindowDays` (days) or `qualificationWindow` (calendar months), exactly one."""
    if ("qualificationWindowDays" in raw) == ("qualificationWindow" in raw):
        raise r.fail("$", "needs exactly one of 'qualificationWindowDays' or 'qualificationWindow'")
    if "qualificationWindowDays" in raw:
        days = r.get(raw, "qualificationWindowDays", "$", int)
        if not 1 <= days <= 366:
            raise r.fail("$.qualificationWindowDays", "must be between 1 and 366")
        return Window(DAYS, days)
    spec = r.get(raw, "qualificationWindow", "$", dict)
    r.choice(spec, "kind", "$.qualificationWindow", (CALENDAR_MONTHS,))
    months = r.get(spec, "previousMonths", "$.qualificationWindow", int)
    if not 0 <= months <= 11 or set(spec) != {"kind", "previousMonths"}:
        raise r.fail("$.qualificationWindow", "expected {kind: CALENDAR_MONTHS, previousMonths: 0 to 11}")
    return Window(CALENDAR_MONTHS, months)


def _read_metric(r: _Reader, key: str, m: Any, path: str) -> dict[str, Any]:
    category = r.choice(m, "category", path, CATEGORIES)
    max_points = r.number(m, "maxPoints", path)
    has_parts, has_roster = "parts" in m, "roster" in m
    if has_parts == has_roster:
        raise r.fail(path, "needs exactly one of 'parts' or 'roster'")
    if (key in ROSTER_METRICS) != has_roster:
        raise r.fail(path, "skilling metrics are scored from the roster; the others from parts")
    out: dict[str, Any] = {"key": key, "category": category, "max": max_points, "parts": [], "roster": None}
    out["combine"] = r.choice(m, "combine", path, ("SUM", "MAX"), default="SUM")
    if has_parts:
        parts = r.get(m, "parts", path, list)
        if not parts:
            raise r.fail(f"{path}.parts", "needs at least one part")
        for i, p in enumerate(parts):
            ppath = f"{path}.parts[{i}]"
            assoc = r.get(p, "associations", ppath, list, required=False)
            if assoc is not None:
                for a in assoc:
                    if a == "GDAP":
                        raise r.fail(
                            f"{ppath}.associations",
                            "GDAP never counts toward the partner capability score (FAQ)",
                        )
                    if a not in ASSOCIATIONS:
                        raise r.fail(f"{ppath}.associations", f"unknown association {a!r}")
                assoc = frozenset(assoc)
            unit = r.number(p, "unitSize", ppath, required=False) or Fraction(1)
            if unit <= 0:
                raise r.fail(f"{ppath}.unitSize", "must be positive")
            out["parts"].append(
                {
                    "associations": assoc,
                    "segment": r.get(p, "segment", ppath, str, required=False),
                    "aggregate": r.choice(p, "aggregate", ppath, ("SUM", "MAX"), default="SUM"),
                    "unit": unit,
                    "ppu": r.number(p, "pointsPerUnit", ppath),
                    "max": r.number(p, "maxPoints", ppath, required=False),
                }
            )
    else:
        ro = r.get(m, "roster", path, dict)
        rpath = f"{path}.roster"
        gates = []
        for i, g in enumerate(r.get(ro, "gates", rpath, list, required=False) or []):
            gpath = f"{rpath}.gates[{i}]"
            persons = r.get(g, "persons", gpath, int)
            if persons < 1:
                raise r.fail(f"{gpath}.persons", "must be at least 1")
            gates.append(
                {
                    "name": r.get(g, "name", gpath, str),
                    "certs": r.certifications(g, "certifications", gpath),
                    "persons": persons,
                    "points": r.number(g, "points", gpath, required=False) or Fraction(0),
                }
            )
        out["roster"] = {
            "gates": gates,
            "certs": r.certifications(ro, "certifications", rpath),
            "ppp": r.number(ro, "pointsPerPerson", rpath),
        }
    return out


def load_rulebook(path: str | Path) -> Rulebook:
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RulebookError(f"{path.name}: not valid JSON: {exc}") from exc
    book = parse_rulebook(raw, path.name)
    if path.stem != f"rulebook-{book.effective_from.isoformat()}":
        raise RulebookError(f"{path.name}: file name must be rulebook-{book.effective_from.isoformat()}.json")
    return book


@cache
def load_all(directory: str | None = None) -> tuple[Rulebook, ...]:
    """Every rulebook in the data directory, oldest first."""
    folder = Path(directory) if directory else DATA_DIR
    books = sorted((load_rulebook(p) for p in folder.glob("rulebook-*.json")), key=lambda b: b.effective_from)
    if not books:
        raise RulebookError(f"{folder}: no rulebook-*.json files")
    if books[0].effective_from != PROGRAM_LAUNCH:
        raise RulebookError(f"{folder}: the first rulebook must take effect on {PROGRAM_LAUNCH}")
    return tuple(books)


@cache
def _starts(books: tuple[Rulebook, ...]) -> tuple[date, ...]:
    return tuple(b.effective_from for b in books)


_IN_FORCE: dict[date, Rulebook] = {}  # rulebook_for(day) of the shipped rulebooks (load_all() is cached too)


def rulebook_for(on: date, books: tuple[Rulebook, ...] | None = None) -> Rulebook:
    """The version in force on a date (before the launch: the launch version)."""
    if not books and on.__class__ is date:
        book = _IN_FORCE.get(on)
        if book is None:
            book = _in_force(on, load_all())
            if len(_IN_FORCE) < 65536:
                _IN_FORCE[on] = book
        return book
    return _in_force(on, books or load_all())


def _in_force(on: date, books: tuple[Rulebook, ...]) -> Rulebook:
    i = bisect_right(_starts(books), on) - 1
    return books[max(i, 0)]
