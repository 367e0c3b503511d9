"""Specializations: each needs one of its mapped designations on its own anniversary (SPEC §5, FAQ:
"partners need only attain one"; the mapping is data in data/specializations.json), with a warning
before an anniversary the partner would fail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from ..change import Change
from ..document import State, designation_held, designations_held
from ..errors import RuleRejected
from ..feature import Answer, Detail, Explanation, Feature, Work, answer
from ..policy import Policy
from ..program import AZURE_AREAS, LEGACY_LAST_DAY
from .legacy import gold_competencies_on
from .membership import next_unchecked, plus

_FILE = Path(__file__).parents[1] / "data" / "specializations.json"
SPEC_WARNING, SPEC_CHECK = "SPEC_WARNING", "SPEC_CHECK"


@cache
def _table() -> dict[str, Any]:
    return json.loads(_FILE.read_text(encoding="utf-8"))


def required_designations(name: str) -> list[str] | None:
    """Any one of these designations is the prerequisite (FAQ: "partners need only attain one")."""
    table = _table()["specializations"]
    key = {k.casefold(): k for k in table}.get(name.strip().casefold())
    return None if key is None else list(table[key])


def benefit_group(name: str) -> str:
    """Benefit-cap category: a specialization that any non-Azure designation unlocks counts in that
    area's category (e.g. Low Code -> BUSINESS_APPLICATIONS); the others are AZURE."""
    areas = required_designations(name) or []
    return next((a for a in areas if a not in AZURE_AREAS), "AZURE")


def benefit_caps() -> dict[str, int]:
    return dict(_table()["benefitCaps"])


def _specialization_recorded(ch: Change, d: Detail, policy: Policy) -> None:
    name = d["specialization"]
    if required_designations(name) is None:
        raise RuleRejected(
            "detail.specialization", "UNKNOWN_SPECIALIZATION", f"{name!r} is not a known specialization"
        )
    specs = ch.state["specializations"]
    current = specs.get(name)
    if current is not None and current["anniversaryDate"] >= d["anniversaryDate"]:
        return
    specs[name] = {
        "anniversaryDate": d["anniversaryDate"],
        "status": "ACTIVE",
        "lostOn": None,
        "checked": current["checked"] if current else [],
        "warned": current["warned"] if current else [],
    }


def _due(state: State, policy: Policy) -> Iterator[tuple[str, str, str]]:
    for name, spec in state["specializations"].items():
        nxt = next_unchecked(spec, policy)
        if nxt is None:
            continue
        yield nxt, SPEC_CHECK, name
        if nxt not in spec["warned"]:
            yield plus(nxt, -policy.specialization_warning_days), SPEC_WARNING, name


def _spec_check(ch: Change, occ: str, name: str, day: str, policy: Policy) -> None:
    """FAQ example: Threat Protection, anniversary 2023-02-03, Security not attained by then: "they
    will lose their specialization on the specialization's anniversary date"."""
    spec = ch.state["specializations"][name]
    required = required_designations(name) or []
    held = [a for a in required if designation_held(ch.state, a, occ)]
    spec["checked"].append(occ)
    if held:
        ch.decide(occ, "SPECIALIZATION_PREREQUISITE", "KEPT", specialization=name, heldDesignations=held)
        return
    spec.update(status="LOST", lostOn=occ)
    ch.decide(occ, "SPECIALIZATION_PREREQUISITE", "LOST", specialization=name, requiredDesignations=required)
    ch.emit(
        "SpecializationLost", occ, (name, occ), specialization=name, lostOn=occ, requiredDesignations=required
    )


def _spec_warning(ch: Change, when: str, name: str, day: str, policy: Policy) -> None:
    spec = ch.state["specializations"][name]
    occ = next_unchecked(spec, policy) or when
    spec["warned"].append(occ)
    warn_on = plus(occ, -policy.specialization_warning_days)
    required = required_designations(name) or []
    if occ <= day or any(designation_held(ch.state, a, warn_on) for a in required):
        return
    ch.emit(
        "SpecializationAtRisk",
        warn_on,
        (name, occ),
        specialization=name,
        anniversaryDate=occ,
        requiredDesignations=required,
        warnedOn=warn_on,
    )


def specialization_gate(state: State | None, name: str, on: str) -> Answer:
    gate = f"SPECIALIZATION:{name}"
    required = required_designations(name)
    if required is None:
        return answer(gate, False, "UNKNOWN_SPECIALIZATION", f"{name!r} is not a known specialization.")
    spec = (state or {}).get("specializations", {}).get(name)
    if spec and spec["status"] == "LOST" and spec["lostOn"] <= on:
        return answer(
            gate,
            False,
            "SPECIALIZATION_LOST",
            f"Lost on {spec['lostOn']}: no mapped designation on its anniversary.",
        )
    if on <= LEGACY_LAST_DAY:
        return _advanced_specialization_application(gate, state, on, required)
    held = [a for a in required if state and a in designations_held(state, on)]
    if held:
        return answer(
            gate,
            True,
            "PREREQUISITE_MET",
            f"Holds {', '.join(held)}; the other specialization requirements are unchanged.",
            requiredDesignations=required,
        )
    return answer(
        gate,
        False,
        "PREREQUISITE_MISSING",
        f"Needs one of the designations {', '.join(required)} to be earned, maintained or renewed.",
        requiredDesignations=required,
    )


def _advanced_specialization_application(gate: str, state: State | None, on: str, required: list[str]) -> Answer:
    """FAQ: "applications to earn advanced specializations will be accepted until September 30,
    2022 ... competencies must be current when applying": until then a current gold competency is
    the prerequisite, not a designation (docs/decisions.md, "Prerequisites before the program")."""
    gold = gold_competencies_on(state, on)
    if gold:
        return answer(
            gate,
            True,
            "GOLD_COMPETENCY_CURRENT",
            f"Until 2022-09-30 a current gold competency meets the prerequisite (held: {', '.join(gold)}); "
            "the other specialization requirements are unchanged.",
            requiredDesignations=required,
        )
    return answer(
        gate,
        False,
        "GOLD_COMPETENCY_REQUIRED",
        "Until 2022-09-30 an advanced specialization application needs a current gold competency; from "
        f"2022-10-03 one of the designations {', '.join(required)}.",
        requiredDesignations=required,
    )


FEATURE = Feature(
    "specializations",
    facts={"SpecializationRecorded": _specialization_recorded},
    work=(Work(SPEC_WARNING, 2, _spec_warning), Work(SPEC_CHECK, 3, _spec_check)),
    due=_due,
    gates={"SPECIALIZATION": specialization_gate},
    explanations={
        "SPECIALIZATION_PREREQUISITE": Explanation(
            "FAQ: a specialization needs one of its mapped designations on its anniversary",
            {"KEPT": "{on}: {specialization} kept: holds {heldDesignations}.",
             "LOST": "{on}: {specialization} lost: none of {requiredDesignations} was held on its anniversary."},
        ),
    },
)
