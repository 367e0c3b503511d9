"""The certification names written in the shipped rulebook files (gates and scoring lists)."""

from __future__ import annotations

import json
from pathlib import Path

from shared.rules.scoring.rulebook import DATA_DIR


def names_in(path: Path) -> set[str]:
    """Every certification name of one rulebook file."""
    names: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "certifications" and isinstance(value, list):
                    names.update(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(path.read_text(encoding="utf-8")))
    return names


def shipped_names() -> list[str]:
    """Every certification name of every shipped rulebook."""
    return sorted(set().union(*(names_in(p) for p in sorted(DATA_DIR.glob("rulebook-*.json")))))
