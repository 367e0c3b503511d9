"""Publish-check and eligibility gates (SPEC §2.8), each declared by its feature
(shared/rules/features/): GATES maps a gate's name to the function answering it. Each answer:
allowed, a stable reason code and one sentence (shared.rules.feature.answer). Dates are ISO
strings; `on` is explicit."""

from __future__ import annotations

from collections.abc import Callable

from .feature import Answer
from .features import FEATURES

GATES: dict[str, Callable[..., Answer]] = {name: gate for f in FEATURES for name, gate in f.gates.items()}
