"""Points as the API and the events show them."""

from __future__ import annotations

from fractions import Fraction


def fmt(points: Fraction) -> str:
    """Round only for display: two decimals, half up."""
    scaled = (points * 100).numerator * 2 // (points * 100).denominator
    cents = (scaled + 1) // 2
    return f"{cents // 100}.{cents % 100:02d}"
