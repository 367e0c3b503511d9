"""Legacy partners: a competency held on 2022-09-30 makes a legacy partner, who keeps its benefits
and its anniversary (SPEC §2.1; FAQ: a legacy partner keeps its existing membership anniversary)."""

from __future__ import annotations

import re

from ..catalogue import COMPETENCIES_FILE, competency
from ..change import Change
from ..document import State
from ..errors import RuleRejected
from ..feature import Detail, Explanation, Feature
from ..policy import Policy
from ..program import LEGACY_LAST_DAY

# "Gold Security": the FAQ writes a competency with its level in front of it.
_LEVEL_FIRST = re.compile(r"\s*(gold|silver)\b[\s:,-]*(.*)", re.IGNORECASE | re.DOTALL)


def competency_named(name: str, level: str) -> str:
    """The official name of the legacy competency `name` (data/legacy-competencies.json). A level
    written in front of the name ("Gold Security", as the FAQ writes it) is accepted when it is the
    event's own `level` (docs/decisions.md, "Legacy competency names")."""
    written = _LEVEL_FIRST.fullmatch(name)
    if written and written.group(2).strip():
        if written.group(1).upper() != level:
            raise RuleRejected(
                "detail.competency",
                "COMPETENCY_LEVEL_CONFLICT",
                f"the name says {written.group(1).upper()} but detail.level is {level}; write the "
                "competency without its level",
            )
        name = written.group(2)
    official = competency(name)
    if official is None:
        raise RuleRejected(
            "detail.competency",
            "UNKNOWN_COMPETENCY",
            f"not one of the legacy competencies of 2022 ({COMPETENCIES_FILE.name}); it grants nothing",
        )
    return official


def gold_competencies_on(state: State | None, on: str) -> list[str]:
    """The gold competencies current on `on` (held on or before it, its anniversary after it), none
    after 2022-09-30: "legacy gold competencies will no longer be valid" (FAQ)."""
    legacy = (state or {}).get("legacy")
    if not legacy or on > LEGACY_LAST_DAY:
        return []
    return sorted(name for name, c in legacy["competencies"].items()
                  if c["level"] == "GOLD" and c["heldOn"] <= on < c["anniversaryDate"])


def _legacy_recorded(ch: Change, d: Detail, policy: Policy) -> None:
    name = competency_named(d["competency"], d["level"])
    held_on, anniversary = d["heldOn"], d["anniversaryDate"]
    if held_on > LEGACY_LAST_DAY:
        raise RuleRejected(
            "detail.heldOn",
            "LEGACY_RENEWAL_CLOSED",
            "legacy competencies could be renewed until 2022-09-30 and are not valid after it",
        )
    if anniversary <= LEGACY_LAST_DAY:
        raise RuleRejected(
            "detail.anniversaryDate",
            "NOT_HELD_ON_2022_09_30",
            "the competency must still be held on 2022-09-30 (anniversary after that day)",
        )
    legacy = ch.state["legacy"] or {"competencies": {}, "anniversaryDate": anniversary}
    existing = legacy["competencies"].get(name)
    if existing is not None:
        if existing == {"level": d["level"], "heldOn": held_on, "anniversaryDate": anniversary}:
            return
        if held_on < existing["anniversaryDate"] and held_on > existing["heldOn"]:
            raise RuleRejected(
                "detail.heldOn",
                "RENEWAL_BEFORE_ANNIVERSARY",
                f"a legacy competency cannot be renewed before its anniversary {existing['anniversaryDate']}",
            )
    legacy["competencies"][name] = {
        "level": d["level"],
        "heldOn": held_on,
        "anniversaryDate": anniversary,
    }
    legacy["anniversaryDate"] = min(c["anniversaryDate"] for c in legacy["competencies"].values())
    ch.state["legacy"] = legacy
    # FAQ: a legacy partner keeps its existing membership anniversary.
    ch.state["anniversary"] = legacy["anniversaryDate"]
    ch.decide(
        held_on,
        "LEGACY_PARTNER",
        "RECORDED",
        competency=name,
        level=d["level"],
        anniversaryDate=anniversary,
    )


FEATURE = Feature(
    "legacy",
    facts={"LegacyCompetencyRecorded": _legacy_recorded},
    explanations={
        "LEGACY_PARTNER": Explanation(
            "FAQ: a competency held on 2022-09-30 keeps legacy benefits and its anniversary",
            {"*": "{on}: legacy {level} competency {competency} recorded (its anniversary {anniversaryDate}; "
                  "the membership keeps the earliest)."},
        ),
    },
)
