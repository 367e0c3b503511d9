"""Partner capability score: measurements + certified-person roster -> points.

FAQ: "you can earn partial points in whole increments"; "you cannot earn more points than the
total possible points in each category"; 70 of 100 points "with points in each category and
sub-category". All arithmetic is exact (integers over the rulebook's common denominator).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from .rulebook import Area, Metric, Rulebook, Track


@dataclass(frozen=True, slots=True)
class Measurement:
    metric: str
    value: Fraction
    association: str | None = None
    segment: str | None = None


@dataclass(frozen=True, slots=True)
class MetricScore:
    metric: str
    category: str
    points: int  # scaled by the rulebook's scale
    max_points: int
    units: int | None


@dataclass(frozen=True, slots=True)
class AreaScore:
    area: str
    track: str
    rulebook: Rulebook
    metrics: tuple[MetricScore, ...]

    @property
    def total(self) -> int:
        return sum(m.points for m in self.metrics)

    @property
    def every_metric_scores(self) -> bool:
        return all(m.points > 0 for m in self.metrics)

    @property
    def qualified(self) -> bool:
        """FAQ: a minimum of 70 points with points in each category and sub-category."""
        return self.total >= self.rulebook.threshold and self.every_metric_scores

    def categories(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for m in self.metrics:
            out[m.category] = out.get(m.category, 0) + m.points
        return out

    def points(self, scaled: int | None = None) -> Fraction:
        return self.rulebook.to_fraction(self.total if scaled is None else scaled)


Roster = Mapping[str, frozenset[str] | set[str]]  # normalized certification -> person ids


def _persons(roster: Roster, certifications: frozenset[str]) -> set[str]:
    out: set[str] = set()
    for cert in certifications:
        holders = roster.get(cert)
        if holders:
            out |= holders
    return out


def score_metric(metric: Metric, measurements: Iterable[Measurement], roster: Roster) -> MetricScore:
    if metric.roster is not None:
        rule = metric.roster
        points = 0
        gates_met = True
        for gate in rule.gates:
            if len(_persons(roster, gate.certifications)) >= gate.persons:
                points += gate.points
            else:
                gates_met = False
        persons = len(_persons(roster, rule.certifications)) if gates_met else 0
        points += persons * rule.points_per_person
        return MetricScore(
            metric.key, metric.category, min(points, metric.max_points), metric.max_points, persons
        )

    part_points: list[int] = []
    total_units = 0
    for part in metric.parts:
        values = [
            m.value
            for m in measurements
            if m.metric == metric.key
            and m.association != "GDAP"  # FAQ: GDAP is not an attribution method for the score
            and (part.associations is None or m.association is None or m.association in part.associations)
            and (part.segment is None or m.segment == part.segment)
        ]
        if not values:
            part_points.append(0)
            continue
        value = max(values) if part.aggregate == "MAX" else sum(values, Fraction(0))
        units = max(int(value // part.unit_size), 0)  # whole units only, never below zero
        total_units += units
        pts = units * part.points_per_unit
        if part.max_points is not None:
            pts = min(pts, part.max_points)
        part_points.append(pts)
    combined = max(part_points) if metric.combine == "MAX" else sum(part_points)
    return MetricScore(
        metric.key, metric.category, min(combined, metric.max_points), metric.max_points, total_units
    )


def score_track(
    area: Area, track: Track, rulebook: Rulebook, measurements: list[Measurement], roster: Roster
) -> AreaScore:
    return AreaScore(
        area.name, track.name, rulebook, tuple(score_metric(m, measurements, roster) for m in track.metrics)
    )


def score_area(
    rulebook: Rulebook,
    area_name: str,
    measurements: Iterable[Measurement],
    roster: Roster,
    track: str | None = None,
) -> AreaScore:
    """Score one solution area. HIGHER areas score every track and keep the higher area total
    (requirements.md §1 "Tracks": Modern Work scores both and takes the higher); CLASSIFIED areas
    use the track the feed classified the partner into (default: the first track listed)."""
    area = rulebook.areas[area_name]
    ms = list(measurements)
    if area.selection == "HIGHER" and len(area.tracks) > 1:
        scores = [score_track(area, t, rulebook, ms, roster) for t in area.tracks]
        # Highest total; a qualifying track beats a non-qualifying one; ties keep the listed order.
        return max(scores, key=lambda s: (s.qualified, s.total))
    return score_track(area, area.track(track), rulebook, ms, roster)
