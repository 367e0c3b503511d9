"""What a program feature declares (shared/rules/features/): the facts it records, the dated work
it does, the gates it answers and how its audit decisions read. The engine, the gates, the views
and the explanations build their tables from these declarations (features.FEATURES), so a new rule
is one feature module plus one line there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from .change import Change
from .document import State, designations_held
from .policy import Policy

Detail = dict[str, Any]
FactRecorder = Callable[[Change, Detail, Policy], None]
Answer = dict[str, Any]

_NONE: Mapping[str, Any] = MappingProxyType({})


class Work(NamedTuple):
    """A kind of dated work: `do(ch, when, key, day, policy)` does one item due on `when` (`day` is
    the day of the run). Items of one date run in `order`."""

    kind: str
    order: float
    do: Callable[[Change, str, str, str, Policy], None]
    ends_designations: bool = False  # work that can end designation periods runs before attaining


Due = Callable[[State, Policy], Iterable[tuple[str, str, str]]]  # the work not done yet: (date, kind, key)


class Explanation(NamedTuple):
    """How a decision of one rule reads (`partnerctl why`): its source and its sentence, either a
    function of the decision and the document or a template per outcome ("*": any outcome) filled
    with the decision's fields (a list as its items joined by ", ")."""

    citation: str
    sentence: Callable[[dict[str, Any], State], str] | Mapping[str, str]

    def read(self, decision: dict[str, Any], state: State) -> str:
        if callable(self.sentence):
            return self.sentence(decision, state)
        template = self.sentence.get(decision["outcome"]) or self.sentence["*"]
        return template.format_map({k: ", ".join(v) if isinstance(v, list) else v for k, v in decision.items()})


class Feature(NamedTuple):
    name: str
    facts: Mapping[str, FactRecorder] = _NONE  # inbound detail-type -> recorder
    work: tuple[Work, ...] = ()
    due: Due | None = None  # lists the feature's work not done yet
    gates: Mapping[str, Callable[..., Answer]] = _NONE  # gate name -> function answering it
    explanations: Mapping[str, Explanation] = _NONE  # decision rule -> explanation


def answer(gate: str, allowed: bool, reason: str, message: str, **extra: Any) -> Answer:
    """A gate's answer: allowed, a stable reason code and one sentence (SPEC §2.8)."""
    return {"gate": gate, "allowed": allowed, "reason": reason, "message": message, **extra}


def designated(state: State | None, on: str, gate: str, policy: Policy) -> list[str]:
    """The designations held on `on` that satisfy `gate` (policy.gate_designations; any one by default)."""
    if state is None:
        return []
    held = designations_held(state, on)
    wanted = policy.gate_designations.get(gate)
    return [a for a in held if wanted is None or a in wanted]
