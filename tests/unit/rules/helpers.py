"""Helpers of the rule tests: dates, a metric's points, a legacy partner."""

from __future__ import annotations

from datetime import date

from tests.unit.builders import Partner

D = date.fromisoformat


def pts(score, metric):
    m = next(m for m in score.metrics if m.metric == metric)
    return score.rulebook.to_fraction(m.points)


def legacy_partner(anniversary="2022-11-11", level="GOLD"):
    p = Partner()
    p.fact("LegacyCompetencyRecorded", {"competency": "Security", "level": level, "heldOn": "2021-11-11",
                                        "anniversaryDate": anniversary})
    return p
