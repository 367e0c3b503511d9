"""The roster's stored layout (shared/rules/document.py): grouped by certification, each person filed
under "held" or "removed" by their latest event, with the certification's latest event date.
`roster_of` reads "held" as it is on or after that date and the histories before it; documents
stored in the earlier flat layout ({"personId|certification": history}) are upgraded on read."""

from __future__ import annotations

import json

from shared.adapters.repository import decode_state, encode_state
from shared.rules.document import upgrade
from shared.rules.scoring.history import roster_of
from tests.unit.builders import Partner, cert

DAYS = ["2022-10-31", "2022-11-01", "2022-11-15", "2022-12-01", "2022-12-15", "2023-01-20", "2023-02-01", None]


def history() -> Partner:
    """Earns, a removal, a re-earn and a removal that arrives before its earn (any order)."""
    p = Partner()
    p.fact("CertificationEarned", cert("ann", "Azure Data Engineer Associate", "2022-11-01"))
    p.fact("CertificationEarned", cert("bob", "Azure Data Engineer Associate", "2022-11-15"))
    p.fact("CertificationRemoved", cert("ann", "Azure Data Engineer Associate", "2022-12-01"))
    p.fact("CertificationEarned", cert("ann", "Azure Data Engineer Associate", "2023-01-20"))
    p.fact("CertificationRemoved", cert("cy", "Azure Solutions Architect Expert", "2023-02-01"))
    p.fact("CertificationEarned", cert("cy", "Azure Solutions Architect Expert", "2022-11-01"))
    p.fact("CertificationEarned", cert("dee", "Azure Solutions Architect Expert", "2022-12-15"))
    return p


def flat(roster: dict) -> dict:
    """The earlier layout of the same roster."""
    return {f"{person}|{c}": h for c, e in roster.items() for people in (e["held"], e["removed"])
            for person, h in people.items()}


def test_people_are_filed_by_their_latest_event_with_the_latest_date():
    roster = history().state["roster"]
    data, arch = roster["azure data engineer associate"], roster["azure solutions architect expert"]
    assert sorted(data["held"]) == ["ann", "bob"] and data["removed"] == {} and data["lastEventOn"] == "2023-01-20"
    assert [e[0] for e in data["held"]["ann"]] == ["2022-11-01", "2022-12-01", "2023-01-20"]
    assert sorted(arch["held"]) == ["dee"] and sorted(arch["removed"]) == ["cy"] and arch["lastEventOn"] == "2023-02-01"


def test_roster_on_each_day_follows_the_dated_events():
    p = history()
    data, arch = "azure data engineer associate", "azure solutions architect expert"
    expected = {
        "2022-10-31": {},
        "2022-11-01": {data: {"ann"}, arch: {"cy"}},
        "2022-11-15": {data: {"ann", "bob"}, arch: {"cy"}},
        "2022-12-01": {data: {"bob"}, arch: {"cy"}},
        "2022-12-15": {data: {"bob"}, arch: {"cy", "dee"}},
        "2023-01-20": {data: {"ann", "bob"}, arch: {"cy", "dee"}},
        "2023-02-01": {data: {"ann", "bob"}, arch: {"dee"}},
        None: {data: {"ann", "bob"}, arch: {"dee"}},
    }
    assert {day: roster_of(p.state, day) for day in DAYS} == expected


def test_a_document_in_the_flat_layout_is_upgraded_on_read_to_the_same_document():
    state = history().state
    old = {**json.loads(json.dumps(state)), "roster": flat(state["roster"])}
    assert decode_state({"S": json.dumps(old)}) == state  # an item written before the change
    assert decode_state(encode_state(old)) == state
    assert upgrade(json.loads(json.dumps(state))) == state  # the current layout is left as it is


def test_an_upgraded_document_goes_on_as_the_current_one():
    p, q = history(), Partner()
    q.state = upgrade({**json.loads(json.dumps(p.state)), "roster": flat(p.state["roster"])})
    removal = cert("bob", "Azure Data Engineer Associate", "2023-03-01")
    for partner in (p, q):
        partner.fact("CertificationRemoved", removal)
    assert q.state == p.state
    assert roster_of(q.state, "2023-03-01") == {"azure solutions architect expert": {"dee"},
                                                       "azure data engineer associate": {"ann"}}
