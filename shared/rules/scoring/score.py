"""Partner capability score: measurements + certified-person roster -> points.

FAQ: "you can earn partial points in whole increments"; "you cannot earn more points than the
total possible points in each category"; 70 of 100 points "with points in each category and
sub-category". All arithmetic is exact (integers over the rulebook's common denominator).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any, NamedTuple

from .counting import ListCounts
from .rulebook import Area, Rulebook


class Measurement(NamedTuple):
    metric: str
    value: Fraction | int  # exact; the engine stores a whole number as an int
    association: str | None = None
    segment: str | None = None
    track: str | None = None  # the path it was measured for; None: every path


class MetricScore(NamedTuple):
    metric: str
    category: str
    points: int  # scaled by the rulebook's scale
    max_points: int
    units: int | None


class Path(NamedTuple):
    """One track of an area as scored: its total (scaled) and whether it qualifies."""

    track: str
    total: int
    qualified: bool


class AreaScore:
    """One area's score: `area`, `track`, `rulebook`, `metrics` (a dataclass-like value: equal when
    those four are equal). `score_area` builds it from plain (points, units) rows and its
    MetricScores only when `metrics` is first read; treat it as read-only. `paths` lists every
    track scored (a HIGHER area: all of them, the chosen one among them; otherwise the one)."""

    __slots__ = ("area", "track", "rulebook", "_metrics", "_rows", "_labels", "_total", "_qualified", "_paths",
                 "_gates")

    def __init__(self, area: str, track: str, rulebook: Rulebook, metrics: tuple[MetricScore, ...]):
        self.area, self.track, self.rulebook, self._metrics = area, track, rulebook, metrics
        self._rows = self._labels = self._total = self._qualified = self._paths = self._gates = None

    @classmethod
    def _of_rows(
        cls, area: str, track: str, rulebook: Rulebook, rows: list[tuple[int, int]], labels: tuple,
        total: int, qualified: bool, paths: tuple[Path, ...] | None = None, gates: tuple | None = None,
    ) -> AreaScore:
        self = cls.__new__(cls)
        self.area, self.track, self.rulebook, self._metrics = area, track, rulebook, None
        self._rows, self._labels, self._total, self._qualified = rows, labels, total, qualified
        self._paths = paths
        self._gates = gates  # (the track's _TrackPlan, the certification list counts) until gate_gaps is read
        return self

    @property
    def gate_gaps(self) -> dict[str, int]:
        """Metric -> persons still missing in its unmet step gates (the metrics with gates only)."""
        if self._gates is None:
            return {}
        if self._gates.__class__ is tuple:
            tp, counts = self._gates
            self._gates = {
                key: sum(persons - counts[gl] for gl, persons, _ in gates if counts[gl] < persons)
                for (key, _, _), (_, kind, _, gates, _, _) in zip(tp.labels, tp.metrics, strict=True)
                if kind is _ROSTER and gates
            }
        return self._gates

    @property
    def paths(self) -> tuple[Path, ...]:
        if self._paths is None:
            self._paths = (Path(self.track, self.total, self.qualified),)
        return self._paths

    @property
    def metrics(self) -> tuple[MetricScore, ...]:
        if self._metrics is None:
            self._metrics = tuple(
                MetricScore(key, category, points, max_points, units)
                for (points, units), (key, category, max_points) in zip(self._rows, self._labels, strict=True)
            )
        return self._metrics

    @property
    def total(self) -> int:
        if self._total is not None:
            return self._total
        return sum(m.points for m in self.metrics)

    @property
    def every_metric_scores(self) -> bool:
        return all(m.points > 0 for m in self.metrics)

    @property
    def qualified(self) -> bool:
        """FAQ: a minimum of 70 points with points in each category and sub-category."""
        if self._qualified is not None:
            return self._qualified
        return self.total >= self.rulebook.threshold and self.every_metric_scores

    def categories(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for m in self.metrics:
            out[m.category] = out.get(m.category, 0) + m.points
        return out

    def points(self, scaled: int | None = None) -> Fraction:
        return self.rulebook.to_fraction(self.total if scaled is None else scaled)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.area, self.track, self.rulebook, self.metrics) == (
            other.area, other.track, other.rulebook, other.metrics  # type: ignore[attr-defined]
        )

    __hash__ = None  # type: ignore[assignment]  # as the dataclass it replaces (eq, not frozen)

    def __repr__(self) -> str:
        return (f"AreaScore(area={self.area!r}, track={self.track!r}, rulebook={self.rulebook!r}, "
                f"metrics={self.metrics!r})")


Roster = Mapping[str, frozenset[str] | set[str]]  # normalized certification -> person ids


def score_area(
    rulebook: Rulebook,
    area_name: str,
    measurements: Iterable[Measurement],
    roster: Roster,
    track: str | None = None,
) -> AreaScore:
    """Score one solution area. HIGHER areas score every track and keep the higher area total
    (requirements.md §1 "Tracks": Modern Work scores both and takes the higher); CLASSIFIED areas
    use the track the feed classified the partner into (default: the first track listed).

    Measurement resolution: a measurement with a `track` feeds that track only, one without feeds
    every track; one without an `association` is a figure the feed aggregated over the accepted
    associations, so it counts once per metric, in the best-paying part that accepts it
    (docs/decisions.md "Tracks held apart").

    Same result as the reference implementation scoring each metric on its own (kept in
    tests/unit/test_scoring_equivalence.py), computed from the area's compiled `_Plan`: each measurement is
    routed once to the parts that accept it, each distinct certification list is counted once per
    call (shared by the tracks and gates that name it), and only the winning track's MetricScores
    are built. Integers only, except a SUM or MAX over several non-integer values."""
    plan = rulebook.compiled.get(area_name)
    if plan is None:
        plan = rulebook.compiled[area_name] = _Plan(rulebook, rulebook.areas[area_name])

    # Measurements -> values per slot (a slot = one part of one metric of one track).
    values: list[Any] = [None] * plan.slot_count
    several = None  # slots that got more than one value
    route, resolve = plan.route, plan.resolve
    for metric, value, association, segment, track_ in measurements:  # unpacked: faster than the named fields
        key = (metric, association, segment, track_)
        slots = route.get(key)
        if slots is None:
            slots = resolve(key)
        for i in slots:
            v = values[i]
            if v is None:
                values[i] = value
            elif v.__class__ is list:
                v.append(value)
            else:
                values[i] = [v, value]
                if several is None:
                    several = [i]
                else:
                    several.append(i)
    if several is not None:
        for i in several:
            v = values[i]
            if plan.slots[i][4] == "MAX":
                values[i] = max(v)
            elif all(x.denominator == 1 for x in v):
                values[i] = sum(x.numerator for x in v)  # an int: .numerator/.denominator as below
            else:
                values[i] = sum(v, Fraction(0))

    # Roster -> persons per distinct certification list ("one person once per metric"); a large
    # partner's document has them counted already (shared.rules.scoring.counting).
    counts = []
    get = roster.get
    for certs in plan.cert_lists if roster.__class__ is not ListCounts else ():
        if len(certs) == 1:
            holders = get(certs[0])
            counts.append(len(holders) if holders else 0)
            continue
        first = union = None
        for cert in certs:
            holders = get(cert)
            if holders:
                if first is None:
                    first = holders
                elif union is None:
                    union = set(first)
                    union |= holders
                else:
                    union |= holders
        counts.append(0 if first is None else len(first) if union is None else len(union))
    if roster.__class__ is ListCounts:
        counts = [get(certs, 0) for certs in plan.cert_lists]

    paths = None
    if plan.higher:
        best = None
        paths = []
        for tp in plan.tracks:
            rows, total, every = _rows(tp, values, counts)
            rank = (total >= plan.threshold and every, total)
            paths.append(Path(tp.name, total, rank[0]))
            if best is None or rank > best[0]:  # strictly better: ties keep the listed order
                best = (rank, tp, rows)
        (qualified, total), tp, rows = best
        paths = tuple(paths)
    else:
        tp = plan.by_name.get(track, plan.tracks[0])
        rows, total, every = _rows(tp, values, counts)
        qualified = total >= plan.threshold and every
    return AreaScore._of_rows(plan.area_name, tp.name, rulebook, rows, tp.labels, total, qualified, paths,
                              (tp, counts))


def _rows(tp: _TrackPlan, values: list[Any], counts: list[int]) -> tuple[list[tuple[int, int]], int, bool]:
    """(points, units) of each metric of a track, in the track's order; their total; whether every
    metric has points."""
    rows = []
    total = 0
    every = True
    for max_points, kind, parts, gates, cert_list, per_person in tp.metrics:
        if kind is _WHOLE:  # one part counted in whole units, no cap of its own: parts = (slot, points_per_unit)
            value = values[parts[0]]
            if value is None:
                points = units = 0
            else:
                units = value if value.__class__ is int else value.numerator // value.denominator
                if units > 0:
                    points = units * parts[1]
                else:
                    points = units = 0
        elif kind is _ROSTER:
            points = 0
            gates_met = True
            for gate_list, persons, gate_points in gates:
                if counts[gate_list] >= persons:
                    points += gate_points
                else:
                    gates_met = False
            units = counts[cert_list] if gates_met else 0
            points += units * per_person
        else:  # _SUM or _MAX of its parts
            points = units = 0
            for slot, unit_num, unit_den, per_unit, part_max in parts:
                value = values[slot]
                if value is None:
                    continue
                # floor(value / unit_size) in integers
                n = (value.numerator * unit_den) // (value.denominator * unit_num)
                if n <= 0:
                    continue
                units += n
                pts = n * per_unit
                if part_max is not None and pts > part_max:
                    pts = part_max
                if kind is _MAX:
                    if pts > points:
                        points = pts
                else:
                    points += pts
        if points > max_points:
            points = max_points
        rows.append((points, units))
        total += points
        if points <= 0:
            every = False
    return rows, total, every


# How `_rows` computes a metric (compared by identity).
_WHOLE, _ROSTER, _SUM, _MAX = "WHOLE", "ROSTER", "SUM", "MAX"


class _TrackPlan:
    __slots__ = ("name", "labels", "metrics")

    def __init__(self, name: str, labels: tuple, metrics: tuple):
        self.name = name
        self.labels = labels  # (key, category, max_points) per metric
        # per metric: (max_points, kind, parts, gates, cert_list, points_per_person) with kind one of
        # _WHOLE: parts = (slot, points_per_unit); _SUM / _MAX: parts = ((slot, unit numerator, unit
        # denominator, points_per_unit, max_points | None), ...); _ROSTER: gates = ((cert_list,
        # persons, points), ...). Slots and cert lists index _Plan's tables.
        self.metrics = metrics


class _Plan:
    """One area of one rulebook flattened for `score_area` (built once, kept in `Rulebook.compiled`)."""

    __slots__ = ("area_name", "higher", "tracks", "by_name", "threshold", "slots", "slot_count", "cert_lists",
                 "route")

    def __init__(self, rulebook: Rulebook, area: Area):
        # slot -> (track, metric, associations, segment, aggregate, points per unit of value): one per
        # part of each track, so that a track's own measurements reach no other track
        slots: list[tuple] = []
        cert_lists: dict[frozenset[str], int] = {}

        def cert_list(certs: frozenset[str]) -> int:
            return cert_lists.setdefault(certs, len(cert_lists))

        tracks = []
        for track in area.tracks:
            labels, metrics = [], []
            for m in track.metrics:
                labels.append((m.key, m.category, m.max_points))
                if m.roster is not None:
                    r = m.roster
                    gates = tuple((cert_list(g.certifications), g.persons, g.points) for g in r.gates)
                    metrics.append((m.max_points, _ROSTER, None, gates, cert_list(r.certifications),
                                    r.points_per_person))
                    continue
                parts = []
                for p in m.parts:
                    slot = len(slots)
                    slots.append((track.name, m.key, p.associations, p.segment, p.aggregate,
                                  Fraction(p.points_per_unit) / p.unit_size))
                    parts.append((slot, p.unit_size.numerator, p.unit_size.denominator, p.points_per_unit,
                                  p.max_points))
                if len(parts) == 1 and parts[0][1:3] == (1, 1) and parts[0][4] is None:
                    metrics.append((m.max_points, _WHOLE, (parts[0][0], parts[0][3]), (), 0, 0))
                else:
                    metrics.append((m.max_points, _MAX if m.combine == "MAX" else _SUM, tuple(parts), (), 0, 0))
            tracks.append(_TrackPlan(track.name, tuple(labels), tuple(metrics)))
        self.area_name = area.name
        self.higher = area.selection == "HIGHER" and len(area.tracks) > 1
        self.tracks = tuple(tracks)
        by_name: dict[str, _TrackPlan] = {}
        for tp in tracks:
            by_name.setdefault(tp.name, tp)  # Area.track: the first track of that name
        self.by_name = by_name
        self.threshold = rulebook.threshold
        self.slots = tuple(slots)
        self.slot_count = len(slots)
        self.cert_lists = tuple(tuple(sorted(c)) for c in cert_lists)
        self.route: dict[tuple, tuple[int, ...]] = {}  # (metric, association, segment, track) -> slots

    def resolve(self, key: tuple) -> tuple[int, ...]:
        """The slots that take a measurement of this (metric, association, segment, track);
        memoised (up to a bound: segments are free text). Without an association: one slot per
        metric of each track, its best-paying accepting part (the first listed of equals)."""
        metric, association, segment, track = key
        if track not in self.by_name:
            track = None  # measured for a track this area does not have here: its one scoring feeds on it
        if association == "GDAP":
            # FAQ "GDAP is not currently one of the attribution methods for partner capability score"
            found: tuple[int, ...] = ()
        else:
            matching = [
                i for i, (track_, key_, accepted, segment_, _, _) in enumerate(self.slots)
                if key_ == metric
                and (track is None or track == track_)
                and (accepted is None or association is None or association in accepted)
                and (segment_ is None or segment == segment_)
            ]
            if association is None:
                best: dict[str, int] = {}  # track -> slot (the metric is the same for all)
                for i in matching:
                    t = self.slots[i][0]
                    if t not in best or self.slots[i][5] > self.slots[best[t]][5]:
                        best[t] = i
                matching = sorted(best.values())
            found = tuple(matching)
        if len(self.route) < 4096:
            self.route[key] = found
        return found
