"""Plain sentences explaining a partner's status from its decision audit trail (`partnerctl why`).
Each rule's citation and sentence are declared by its feature (shared/rules/features/)."""

from __future__ import annotations

from typing import Any

from .document import State
from .feature import Explanation
from .features import FEATURES

EXPLANATIONS: dict[str, Explanation] = {rule: e for f in FEATURES for rule, e in f.explanations.items()}


def _sentence(d: dict[str, Any], state: State) -> str:
    explanation = EXPLANATIONS.get(d["rule"])
    if explanation is None:
        return f"{d['on']}: {d['rule']} {d['outcome']}."
    return explanation.read(d, state)


def concerns(decision: dict[str, Any], area: str | None) -> bool:
    """Whether a decision belongs to an area's story (every decision when no area is given)."""
    if not area:
        return True
    if decision.get("solutionArea") is None:
        return decision["rule"] == "BENEFITS_ELECTION"
    return decision["solutionArea"] == area


def why(state: State, area: str | None = None) -> list[dict[str, str]]:
    """Each decision as {on, rule, citation, sentence}, oldest first, optionally for one area."""
    out = []
    for d in state["decisions"]:
        if not concerns(d, area):
            continue
        explanation = EXPLANATIONS.get(d["rule"])
        out.append({"on": d["on"], "rule": d["rule"], "citation": explanation.citation if explanation else "",
                    "sentence": _sentence(d, state)})
    return out
