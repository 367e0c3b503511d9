"""Points as the API and the events show them: decimal strings with two places.

A displayed score never contradicts its decision (docs/decisions.md "The display never contradicts
the decision"): a total below the threshold is rounded down (69.995 shows "69.99", never "70.00"),
any other figure half up; the metrics of an area are shown as shares of the displayed total by the
largest-remainder method, so that they add up to it exactly, each within one cent of its value.
"""

from __future__ import annotations

from fractions import Fraction


def _cents(points: Fraction) -> Fraction:
    return Fraction(points) * 100


def _text(cents: int) -> str:
    sign, cents = ("-", -cents) if cents < 0 else ("", cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def fmt(points: Fraction) -> str:
    """Round only for display: two decimals, half up."""
    c = _cents(points)
    return _text((c.numerator * 2 // c.denominator + 1) // 2)


def total_cents(points: Fraction, threshold: Fraction) -> int:
    """The displayed total in cents: rounded toward the decision (down below the threshold)."""
    c = _cents(points)
    if points < threshold:
        return c.numerator // c.denominator
    return (c.numerator * 2 // c.denominator + 1) // 2


def fmt_total(points: Fraction, threshold: Fraction) -> str:
    return _text(total_cents(points, threshold))


def apportion(parts: list[Fraction], cents: int) -> list[int]:
    """`parts` (non-negative, summing to about cents / 100) in whole cents adding up to `cents`:
    each part rounded down, the cents left given one each to the parts with the largest remainders
    (the first listed of equal remainders). A part with no remainder (a whole cent value: 0, its
    maximum) is never raised, nor lowered below its value rounded down."""
    floors, remainders = [], []
    for i, p in enumerate(parts):
        c = _cents(p)
        floors.append(c.numerator // c.denominator)
        remainders.append((c - floors[-1], -i))
    left = cents - sum(floors)
    for _, neg_i in sorted((r for r in remainders if r[0] > 0), reverse=True)[: max(left, 0)]:
        floors[-neg_i] += 1
    return floors


def fmt_cents(cents: int) -> str:
    return _text(cents)
