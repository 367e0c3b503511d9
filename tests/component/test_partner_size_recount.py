"""A large partner through the moto stack after a catalogue change (issue 21, docs/decisions.md
"Partners of any size", "Re-count"): its facts arrive through the bus and the ingestion function,
its roster is stored one item per person, and after a deployment adds an alias for a name one of
its people holds, the API's scores (a read that writes nothing, `?on=` included) and the next
event's write count that person, as the rules score the whole roster inline."""

from __future__ import annotations

import json

import pytest

from functions.partner_api import app as api
from shared.adapters import aws, repository
from shared.adapters.people import MARKER, join_roster
from shared.adapters.repository import decode_state, person_items
from shared.rules import catalogue as catalogue_module
from shared.rules import views
from shared.rules.scoring import counting
from shared.runtime import Deps
from tests.unit.test_recount import ADMIN_ALIAS, admin_alias, catalogue_with, clear_rule_caches

from .test_api import call
from .test_partner_year import ev

PID = "gsi-2"
HELD = [("person-a", "Azure Administrator Associate"), ("person-b", ADMIN_ALIAS),
        ("person-c", "Azure Network Engineer Associate"), ("person-d", "Azure Network Engineer Associate"),
        ("person-e", "Azure Network Engineer Associate"), ("person-f", "Azure Developer Associate")]
DAYS = ("2023-06-15", "2024-06-01")


def earned(person: str, name: str, eid: str, day: str) -> dict:
    return ev("CertificationEarned", {"eventId": eid, "personId": person, "certification": name, "on": day}, PID, day)


@pytest.fixture
def large(system, monkeypatch):
    monkeypatch.setattr(repository, "PERSON_ITEMS_FROM", 3)  # six people exercise the per-person layout
    api.injected_deps = Deps.from_env(system.stack.functions["PartnerApiFunction"]["environment"])
    system.send(*(earned(p, name, f"seed-{i}", f"2023-0{1 + i}-15") for i, (p, name) in enumerate(HELD)))
    yield system
    api.injected_deps = None
    monkeypatch.undo()
    clear_rule_caches()


def stored_item(system) -> dict:
    return aws.client("dynamodb").get_item(TableName=system.stack.state_table,
                                           Key={"pk": {"S": f"PARTNER#{PID}"}, "sk": {"S": "STATE"}})["Item"]


def inline(system) -> dict:
    """The partner's whole document as the inline layout holds it: every person item joined into
    the roster, no counts (the rules resolve every stored name with the catalogue of the day)."""
    doc = decode_state(stored_item(system)["state"])
    del doc["counting"]
    doc["roster"] = join_roster(person_items(aws.client("dynamodb"), system.stack.state_table, PID))
    return doc


def api_scores(day: str) -> dict:
    status, body = call("GET", f"/partners/{PID}/scores", query={"on": day})
    assert status == 200
    return body


def expected(system, day: str) -> dict:
    return json.loads(json.dumps(views.scores_view(inline(system), day)))


def test_after_a_new_alias_the_api_and_the_next_event_count_the_person_as_the_inline_roster(large, monkeypatch):
    assert MARKER in stored_item(large)
    shipped = {day: api_scores(day) for day in DAYS}
    for day in DAYS:
        assert shipped[day] == expected(large, day)

    monkeypatch.setattr(catalogue_module, "load_catalogue", lambda path=None: catalogue_with(admin_alias))
    clear_rule_caches()  # the deployment: a new process with the new catalogue
    version = int(stored_item(large)["version"]["N"])
    for day in DAYS:
        assert api_scores(day) == expected(large, day)  # person-b counts now
    assert any(api_scores(day) != shipped[day] for day in DAYS)
    assert int(stored_item(large)["version"]["N"]) == version  # the reads wrote nothing
    assert not counting.current(decode_state(stored_item(large)["state"])["counting"])

    large.send(earned("person-g", "Azure Administrator Associate", "e-g", "2024-07-01"))
    state = decode_state(stored_item(large)["state"])
    assert counting.current(state["counting"]) and int(stored_item(large)["version"]["N"]) == version + 1
    for day in (*DAYS, "2024-07-02"):
        assert api_scores(day) == expected(large, day)
