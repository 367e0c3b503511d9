"""The core never changes the document it is given: `record_fact` and `run_due` work on a copy
(shared.rules.document.copy_of), whose roster entries are shared with the original until changed."""

from __future__ import annotations

import json

from shared.rules import engine
from shared.rules.document import copy_of, new_state, own_roster_entry
from tests.unit.builders import cert

AZ104 = "Microsoft Certified: Azure Administrator Associate"
AZ305 = "Microsoft Certified: Azure Solutions Architect Expert"


def _partner() -> dict:
    state = None
    for detail in (cert("ann", AZ104, "2023-01-10"), cert("bob", AZ104, "2023-02-10"), cert("cy", AZ305, "2023-03-10")):
        state, _ = engine.record_fact(state, "p", "CertificationEarned", detail)
    return state


def test_skilling_facts_leave_the_given_document_as_it_was():
    state = _partner()
    before = json.dumps(state, sort_keys=True)
    for kind, detail in (("CertificationEarned", cert("dee", AZ104, "2023-04-01")),  # a certification on the roster
                         ("CertificationRemoved", cert("ann", AZ104, "2023-05-01")),  # a person on the roster
                         ("CertificationEarned", cert("eve", "Microsoft Certified: Azure Developer Associate",
                                                      "2023-06-01"))):  # a new certification
        new, _ = engine.record_fact(state, "p", kind, detail)
        assert json.dumps(state, sort_keys=True) == before
        assert new != state
    later, _ = engine.run_due(state, "p", "2028-01-01")
    assert json.dumps(state, sort_keys=True) == before and later["scoreHistory"] != state["scoreHistory"]


def test_a_copy_equals_its_original_in_content_and_key_order_and_changes_apart_from_it():
    state = _partner()
    copy = copy_of(state)
    assert copy == state and list(copy) == list(state)
    assert copy["roster"] is not state["roster"] and copy["scoreHistory"] is not state["scoreHistory"]
    key = next(iter(state["roster"]))
    own_roster_entry(copy["roster"], key)
    copy["roster"][key]["held"]["zed"] = [["2023-07-01", "x", True, AZ104]]
    copy["roster"][key]["lastEventOn"] = "2023-07-01"
    assert "zed" not in state["roster"][key]["held"] and state["roster"][key]["lastEventOn"] != "2023-07-01"
    empty = new_state("q")
    assert copy_of(empty) == empty and copy_of(empty)["roster"] is not empty["roster"]
