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


@dataclass(slots=True)
class Measurement:
    metric: str
    value: Fraction
    association: str | None = None
    segment: str | None = None


@dataclass(slots=True)
class MetricScore:
    metric: str
    category: str
    points: int  # scaled by the rulebook's scale
    max_points: int
    units: int | None


@dataclass(slots=True)
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
    if len(roster) < len(certifications):
        for cert, holders in roster.items():
            if cert in certifications:
                out |= holders
    else:
        for cert in certifications:
            holders = roster.get(cert)
            if holders:
                out |= holders
    return out


def _units(value: Fraction, unit_size: Fraction) -> int:
    """Whole units of `value`, never below zero (integer arithmetic: floor(value / unit_size))."""
    if unit_size == 1:
        n = value.numerator // value.denominator
    else:
        n = (value.numerator * unit_size.denominator) // (value.denominator * unit_size.numerator)
    return n if n > 0 else 0


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
        return MetricScore(metric.key, metric.category, min(points, metric.max_points), metric.max_points, persons)

    return _score_parts(metric, [m for m in measurements if m.metric == metric.key])


def _score_parts(metric: Metric, measurements: Iterable[Measurement]) -> MetricScore:
    """A measured metric from its own measurements."""
    mine = [m for m in measurements if m.association != "GDAP"]
    # GDAP: FAQ "GDAP is not currently one of the attribution methods for partner capability score"
    combined = 0
    total_units = 0
    for part in metric.parts:
        accepted, segment = part.associations, part.segment
        values = [m.value for m in mine
                  if (accepted is None or m.association is None or m.association in accepted)
                  and (segment is None or m.segment == segment)]
        if not values:
            continue
        if len(values) == 1:
            value = values[0]
        else:
            value = max(values) if part.aggregate == "MAX" else sum(values, Fraction(0))
        units = _units(value, part.unit_size)
        total_units += units
        pts = units * part.points_per_unit
        if part.max_points is not None and pts > part.max_points:
            pts = part.max_points
        if metric.combine == "MAX":
            combined = max(combined, pts)
        else:
            combined += pts
    return MetricScore(metric.key, metric.category, min(combined, metric.max_points), metric.max_points, total_units)


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
