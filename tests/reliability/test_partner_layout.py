"""Duplicates and reordering on the per-person layout (issue 21): the same histories as
test_ordering.py, with every partner stored one item per person (the threshold set to 0), announce
exactly what the inline layout announces — 0 lost, 0 doubled — and record the same facts."""

from __future__ import annotations

import json
import random

import pytest

from shared.adapters import repository
from shared.adapters.people import join_roster
from shared.rules.scoring.counting import new_counting
from tests.reliability.histories import clean_run, diff, rich_history, shuffled_run

HISTORIES = 6


def facts(system, partner_id: str) -> dict:
    """The document with the whole roster (the person items joined) and its counts."""
    state = dict(system.repo.get(partner_id).state)
    people = system.repo.people.get(partner_id)
    if people is not None:
        state["roster"] = join_roster((p, json.loads(c)) for p, c in people.items())
    state.pop("counting", None)
    return state


@pytest.mark.parametrize("k", range(HISTORIES))
def test_the_per_person_layout_loses_and_doubles_nothing_under_duplicates_and_reordering(monkeypatch, k):
    history = rich_history(k, f"layout-{k}")
    pid = history.partner_id
    inline = clean_run(history)
    reference = inline.outcome(pid)
    monkeypatch.setattr(repository, "PERSON_ITEMS_FROM", 0)
    runs = {"clean": clean_run(history)}
    for mode in ("duplicates", "same-day"):
        runs[mode], _ = shuffled_run(history, random.Random(k), mode=mode)
    for mode, system in runs.items():
        got = system.outcome(pid)
        assert system.repo.people.get(pid), f"{mode}: not stored per person"
        lost = set(reference.events) - set(got.events)
        extra = set(got.events) - set(reference.events)
        changed = [e for e in set(reference.events) & set(got.events) if reference.events[e] != got.events[e]]
        if mode == "same-day":  # ScoreEvaluated of a day may be announced again: the last of each compares
            assert (got.effects, got.scores) == (reference.effects, reference.scores), mode
        else:
            assert (lost, extra, changed) == (set(), set(), []), mode
        whole = facts(system, pid)
        assert diff(whole, facts(inline, pid)) == [], mode
        assert system.repo.get(pid).state["counting"] == new_counting(whole), mode
