"""EventBridge event patterns as the template's rules use them: which events they route."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any


def bus_patterns(list_rules: Callable[..., dict[str, Any]], bus: str, leave_out: str) -> list[dict[str, Any]]:
    """The event patterns of the enabled rules of `bus` (the rule named `leave_out` left out), read
    with `list_rules` (EventBridge ListRules, page by page: at most 100 pages)."""
    patterns: list[dict[str, Any]] = []
    token = None
    for _ in range(100):
        page = list_rules(EventBusName=bus, **({"NextToken": token} if token else {}))
        for rule in page.get("Rules", []):
            if rule.get("Name") == leave_out or rule.get("State") != "ENABLED" or not rule.get("EventPattern"):
                continue
            with contextlib.suppress(ValueError):
                pattern = json.loads(rule["EventPattern"])
                if isinstance(pattern, dict):
                    patterns.append(pattern)
        token = page.get("NextToken")
        if not token:
            break
    return patterns


def _alternatives(pattern: dict[str, Any]) -> list[dict[str, Any]]:
    """The pattern's `$or` branches as plain patterns (a pattern without `$or` is its own branch)."""
    base = {k: v for k, v in pattern.items() if k != "$or"}
    branches = pattern.get("$or")
    if not isinstance(branches, list):
        return [base]
    return [{**base, **b} for b in branches if isinstance(b, dict)] or [base]


def _exact(values: Any) -> list[str] | None:
    """The exact values a pattern field lists; None when it uses an operator (prefix, anything-but,
    ...) that this check does not evaluate, which then counts as matching."""
    if isinstance(values, list) and all(isinstance(v, str) for v in values):
        return values
    return None


def routed(patterns: list[dict[str, Any]], source: str, detail_type: str) -> bool:
    """Whether an event of `source` and `detail_type` matches at least one of the rules' patterns
    (on those two fields; a rule that also filters on the detail counts as matching)."""
    for pattern in patterns:
        for branch in _alternatives(pattern):
            sources, types = _exact(branch.get("source")), _exact(branch.get("detail-type"))
            if (sources is None or source in sources) and (types is None or detail_type in types):
                return True
    return False


def routed_sources(patterns: list[dict[str, Any]]) -> str:
    """The sources the rules route, each with its detail types when a rule names them."""
    kinds: dict[str, set[str] | None] = {}
    for pattern in patterns:
        for branch in _alternatives(pattern):
            types = _exact(branch.get("detail-type"))
            for source in _exact(branch.get("source")) or ["(any source)"]:
                if source in kinds and kinds[source] is None:
                    continue
                kinds[source] = None if types is None else (kinds.get(source) or set()) | set(types)
    return ", ".join(s if t is None else f"{s} ({', '.join(sorted(t))})" for s, t in kinds.items())
