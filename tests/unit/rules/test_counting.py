"""A large partner's roster as dated counts (shared.rules.scoring.counting) scores exactly as the
roster itself: one person once per list (requirements.md §2 "one person counts once"), a removal
before its earning date (FAQ: a certification counts while it is held), rulebook versions with
different lists across their boundary, the catalogue's counting dates, and names it does not know."""

from __future__ import annotations

import random

from shared.rules import engine, views
from shared.rules.catalogue import normalize_certification
from shared.rules.program import AREAS
from shared.rules.scoring.counting import new_counting
from shared.rules.scoring.credentials import stops_counting
from shared.rules.scoring.history import evaluate, roster_of

NAMES = ["Microsoft Certified: Azure Solutions Architect Expert", "Azure Administrator Associate",
         "Microsoft Certified: Azure Data Engineer Associate", "Microsoft Certified: Azure AI Engineer Associate",
         "Microsoft Certified: Security Operations Analyst Associate", "Teams Administrator Asociate",
         "Microsoft Certified: Dynamics 365 + Power Platform Solution Architect Expert",
         "Microsoft Certified: Azure Developer Associate", "Microsoft 365 Certified: Teams Administrator Associate"]
# across the 2023-12-01 and 2026-07-01 rulebooks and the 2023-07-01 end of a catalogue entry
DAYS = ["2022-10-03", "2023-03-01", "2023-06-30", "2023-07-01", "2023-11-30", "2023-12-01", "2024-05-01",
        "2026-06-30", "2026-07-01", "2027-01-01"]


def facts(seed: int, people: int = 12, events: int = 60) -> list[tuple[str, dict]]:
    rnd = random.Random(seed)
    out = []
    for i in range(events):
        kind = "CertificationEarned" if rnd.random() < 0.75 else "CertificationRemoved"
        out.append((kind, {"eventId": f"e-{seed}-{i}", "partnerId": "p", "personId": f"person-{rnd.randrange(people)}",
                           "certification": rnd.choice(NAMES), "on": rnd.choice(DAYS[:-1])}))
    return out


def as_large(state: dict) -> dict:
    """The document as a large partner's operation sees it: counts, and nobody on the roster."""
    return {**state, "counting": new_counting(state), "roster": {}}


def test_counts_score_every_area_on_every_day_as_the_roster_does():
    for seed in range(6):
        state = None
        for kind, detail in facts(seed):
            state, _ = engine.record_fact(state, "p", kind, detail)
        large = as_large(state)
        for day in DAYS:
            for area in AREAS:
                assert evaluate(large, area, day) == evaluate(state, area, day), (seed, day, area)
            assert (views.partner_view(large, day)["unrecognisedCertifications"]
                    == views.partner_view(state, day)["unrecognisedCertifications"]), (seed, day)
        assert stops_counting(large) == stops_counting(state)


def test_each_fact_changes_the_counts_by_what_its_person_makes_in_any_order():
    for seed in range(4):
        history = facts(seed)
        full = None
        for kind, detail in history:
            full, _ = engine.record_fact(full, "p", kind, detail)
        shuffled = list(history)
        random.Random(seed).shuffle(shuffled)
        # the counts kept fact by fact (the roster kept too, as the person items keep it) ...
        state = {**engine.record_fact(None, "p", *shuffled[0])[0]}
        state["counting"] = new_counting(state)
        for kind, detail in shuffled[1:]:
            state, _ = engine.record_fact(state, "p", kind, detail)
        # ... are those of the whole roster counted at once
        assert state["counting"] == new_counting(full)
        assert state["roster"] == full["roster"]


def test_a_removal_dated_before_its_earning_leaves_the_person_counted_from_the_earning():
    state = None
    for kind, on in (("CertificationEarned", "2023-03-01"), ("CertificationRemoved", "2023-01-01")):
        state, _ = engine.record_fact(state, "p", kind, {"eventId": on, "partnerId": "p", "personId": "ann",
                                                          "certification": NAMES[2], "on": on})
    large = as_large(state)
    name = normalize_certification(NAMES[2])
    assert roster_of(state, "2023-03-01") == {name: {"ann"}}
    assert roster_of(large, "2023-02-01") == {} and sum(roster_of(large, "2023-03-01").values()) >= 1
