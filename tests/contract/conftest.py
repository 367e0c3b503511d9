"""Shared helpers of the contract tests: the sample files in events/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def files(sub: str) -> list[Path]:
    found = sorted((EVENTS / sub).glob("*.json"))
    assert found, f"no samples in events/{sub}"
    return found


@pytest.fixture
def metrics_envelope() -> dict:
    """A fresh copy of the MetricsReported sample envelope, to break in a test."""
    return load(EVENTS / "inbound" / "MetricsReported.json")
