"""Attainment: a designation and its badge the day an area first qualifies (FAQ: "if your
organization meets requirements ... you'll immediately receive the corresponding customer-facing
badge"; a dip below 70 changes nothing). The Microsoft Cloud badge comes with the last area.

Attaining is dated work like an anniversary: the attainment day is read from the score history
(the first qualified day since the area was last held), so it does not depend on which evaluation
arrived first (shared.rules.engine.attain)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from ..change import Change
from ..document import END, ON, QUALIFIED, RULEBOOK_VERSION, State, designation_held
from ..feature import Explanation, Feature, Work
from ..policy import Policy
from ..program import AREAS, LAUNCH, MICROSOFT_CLOUD, PROGRAM_LAUNCH
from ..scoring.history import evaluate, last_qualified_row, score_detail
from ..scoring.rulebook import rulebook_for
from .membership import awaiting_grant, upcoming_anniversary
from .renewal import owe_fee

ATTAIN = "ATTAIN"


def first_qualified_day(state: State, area: str) -> str | None:
    """The day a not-held area attains: its first qualified score day since it was last held (a
    score measured before the launch counts on the launch day when inside the window)."""
    periods = state["designations"].get(area, {}).get("periods", [])
    if periods and periods[-1][END] is None:
        return None
    since = periods[-1][END] if periods else None
    waiting, spent = awaiting_grant(state, area)
    if waiting:
        return None  # qualified in an enrollment window that grants it on payment
    if spent is not None and (since is None or spent > since):
        since = spent
    earliest = _earliest_counted()
    for row in state["scoreHistory"].get(area, []):
        day = row[ON]
        if row[QUALIFIED] and day >= earliest and (since is None or day >= since):
            return max(day, LAUNCH)
    return None


@lru_cache(maxsize=1)
def _earliest_counted() -> str:
    """The oldest score day that still counts on the launch day (inside its window)."""
    return rulebook_for(PROGRAM_LAUNCH).qualification_window.span(PROGRAM_LAUNCH)[0].isoformat()


def _due(state: State, policy: Policy) -> Iterator[tuple[str, str, str]]:
    for area in state["scoreHistory"]:
        day = first_qualified_day(state, area)
        if day is not None:
            yield day, ATTAIN, area


def _attained(ch: Change, effective: str, area: str, day: str, policy: Policy) -> None:
    state = ch.state
    if state["anniversary"] is None:
        state["anniversary"] = effective  # FAQ: the date the first designation was attained
    if owe_fee(ch, area, effective, policy):
        grant(ch, area, effective, policy)


def grant(ch: Change, area: str, on: str, policy: Policy) -> None:
    """The designation and its badge from `on` (the Microsoft Cloud badge with the last area): on the
    day it attains, or on the payment of an enrollment that grants on payment
    (shared.rules.features.benefits.elect)."""
    state = ch.state
    state["designations"].setdefault(area, {"periods": []})["periods"].append([on, None])
    anniversary = upcoming_anniversary(state, on, policy)
    measured = last_qualified_row(state, area, on)
    ch.decide(on, "ATTAINMENT", "ATTAINED", solutionArea=area, measuredOn=measured[ON],
              rulebookVersion=measured[RULEBOOK_VERSION])
    ch.emit(
        "DesignationAttained",
        on,
        (area, on),
        solutionArea=area,
        attainedOn=on,
        anniversaryDate=anniversary,
        rulebookVersion=measured[RULEBOOK_VERSION],
    )
    ch.issue_badge(area, on)
    if all(designation_held(state, a, on) for a in AREAS):
        ch.issue_badge(MICROSOFT_CLOUD, on)


def _sentence(d: dict[str, Any], state: State) -> str:
    # The qualifying score is the score of the measurement day, as the facts now stand.
    on, area = d["on"], d.get("solutionArea")
    measured = d.get("measuredOn") or on
    detail = score_detail(evaluate(state, area, measured))
    metrics = ", ".join(f"{m['metric']} {m['points']}/{m['maxPoints']}" for m in detail["metrics"])
    return (f"{on}: {area} attained with {detail['total']} points (rulebook {d['rulebookVersion']}; "
            f"measured {measured}): {metrics}.")


FEATURE = Feature(
    "attainment",
    # a designation attained on an anniversary starts after that day's check
    work=(Work(ATTAIN, 1.5, _attained),),
    due=_due,
    explanations={
        "ATTAINMENT": Explanation(
            "FAQ: at least 70 of 100 points with points in every category and subcategory attains at once",
            _sentence,
        ),
    },
)
