"""What each metric still needs to reach 70 points with every metric above 0.

FAQ: "you can sign into the Solutions Partner page in Partner Center for guidance on how you can
improve your score". Plan: first the fewest units that give every zero metric a point, then the
best-paying units until 70; suggestions are listed smallest change first. Each metric is assumed
to grow through its best-paying association (docs/decisions.md). A skilling metric's Step 3
people come with the people its unmet step gates still lack (gates already met need nobody).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .display import fmt
from .rulebook import Metric, Rulebook
from .score import AreaScore


def _unit_rate(metric: Metric) -> tuple[int, Fraction]:
    """(scaled points per unit, value per unit) of the metric's best-paying part, or per person."""
    if metric.roster is not None:
        return metric.roster.points_per_person, Fraction(1)
    best = max(metric.parts, key=lambda p: p.points_per_unit)
    return best.points_per_unit, best.unit_size


def _decimal(value: Fraction) -> str:
    """A value as a decimal string ("1250", "2.50"), never a fraction."""
    return str(value.numerator) if value.denominator == 1 else fmt(value)


def plan(score: AreaScore) -> dict[str, Any]:
    book: Rulebook = score.rulebook
    metrics = {m.key: m for m in book.areas[score.area].track(score.track).metrics}
    points = {m.metric: m.points for m in score.metrics}
    units_needed = dict.fromkeys(points, 0)
    gates = dict.fromkeys(points, 0)
    for ms in score.metrics:
        if ms.points == 0:
            metric = metrics[ms.metric]
            rate, _ = _unit_rate(metric)
            if rate > 0:
                units_needed[ms.metric] = 1
                points[ms.metric] = min(rate, ms.max_points)
    remaining = book.threshold - sum(points.values())
    for ms in sorted(score.metrics, key=lambda m: -_unit_rate(metrics[m.metric])[0]):
        if remaining <= 0:
            break
        rate, _ = _unit_rate(metrics[ms.metric])
        headroom = ms.max_points - points[ms.metric]
        if rate <= 0 or headroom <= 0:
            continue
        gain_units = min(-(-remaining // rate), -(-headroom // rate))
        gain = min(gain_units * rate, headroom)
        units_needed[ms.metric] += gain_units
        points[ms.metric] += gain
        remaining -= gain
    for key, missing in score.gate_gaps.items():
        # Step 3 people earn points only once every step gate is met (requirements.md §2b): the
        # people the unmet gates still lack come with any planned Step 3 person.
        if units_needed[key]:
            gates[key] = missing
    needs = []
    for ms in score.metrics:
        n = units_needed[ms.metric]
        if n == 0 and gates[ms.metric] == 0:
            continue
        _, unit_size = _unit_rate(metrics[ms.metric])
        needs.append(
            {
                "metric": ms.metric,
                "currentPoints": fmt(book.to_fraction(ms.points)),
                "maxPoints": fmt(book.to_fraction(ms.max_points)),
                "unitsNeeded": n + gates[ms.metric],
                "valueNeeded": _decimal(n * unit_size) if metrics[ms.metric].roster is None else None,
                "gatePersonsNeeded": gates[ms.metric],
                "pointsGained": fmt(book.to_fraction(points[ms.metric] - ms.points)),
            }
        )
    needs.sort(key=lambda n: (n["unitsNeeded"], n["metric"]))
    return {
        "reachable": remaining <= 0 and all(p > 0 for p in points.values()),
        "projectedTotal": fmt(book.to_fraction(sum(points.values()))),
        "needs": needs,
    }
