"""The roster as scoring reads it, built in one pass (history.counted_roster), is the stored roster
as of the day resolved through the catalogue (credentials.counted of history.roster_of): removals,
histories dated after the day, names under two spellings, names the catalogue does not know and
entries that stop counting (the days of tests/unit/rules/test_counting.py straddle them)."""

from __future__ import annotations

from shared.rules import engine
from shared.rules.scoring.credentials import Counted, counted
from shared.rules.scoring.history import counted_roster, roster_of
from tests.unit.rules.test_counting import DAYS, as_large, facts


def test_one_pass_gives_the_roster_resolved_through_the_catalogue_on_every_day():
    for seed in range(8):
        state = None
        for kind, detail in facts(seed, people=10, events=80):
            state, _ = engine.record_fact(state, "p", kind, detail)
        for day in ["2022-01-01", *DAYS, "2030-01-01"]:
            built = counted_roster(state, day)
            assert built.__class__ is Counted and built == counted(roster_of(state, day), day), (seed, day)
        large = as_large(state)
        assert all(counted_roster(large, day) == counted(roster_of(large, day), day) for day in DAYS)


def test_no_roster_no_people():
    state, _ = engine.record_fact(None, "p", "CertificationEarned", facts(0)[0][1])
    assert counted_roster({**state, "roster": {}}, "2024-01-01") == {}
