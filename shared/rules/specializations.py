"""Specialization -> designation mapping (SPEC §5, data in data/specializations.json)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_FILE = Path(__file__).parent / "data" / "specializations.json"
AZURE = ("DATA_AI", "DIGITAL_APP_INNOVATION", "INFRASTRUCTURE")


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
    return next((a for a in areas if a not in AZURE), "AZURE")


def benefit_caps() -> dict[str, int]:
    return dict(_table()["benefitCaps"])
