"""A large partner through the moto stack, then a deployment that adds an alias for a name one of
its people holds (issue 21, docs/decisions.md "Partners of any size", "Re-count"): its facts
arrive through the bus and the ingestion function and its roster is stored one item per person;
in the new deployment (a process of its own, tests/unit/recount_deployed.py, holding the same
items) the API's scores, a read that writes nothing, and the scores after the next event count
that person, as the rules score the whole roster inline."""

from __future__ import annotations

import json

import pytest

from functions.partner_api import app as api
from shared.adapters import aws, repository
from shared.adapters.people import MARKER
from shared.runtime import Deps
from tests.unit import recount_deployed as deployed
from tests.unit.recount_deployed import ADMIN_ALIAS, DAYS, PID

from .test_api import call
from .test_partner_year import ev

HELD = [("person-a", "Azure Administrator Associate"), ("person-b", ADMIN_ALIAS),
        ("person-c", "Azure Network Engineer Associate"), ("person-d", "Azure Network Engineer Associate"),
        ("person-e", "Azure Network Engineer Associate"), ("person-f", "Azure Developer Associate")]


@pytest.fixture
def large(system, monkeypatch):
    monkeypatch.setattr(repository, "PERSON_ITEMS_FROM", 3)  # six people exercise the per-person layout
    api.injected_deps = Deps.from_env(system.stack.functions["PartnerApiFunction"]["environment"])
    system.send(*(ev("CertificationEarned", {"eventId": f"seed-{i}", "personId": p, "certification": name,
                                             "on": f"2023-0{1 + i}-15"}, PID, f"2023-0{1 + i}-15")
                  for i, (p, name) in enumerate(HELD)))
    yield system
    api.injected_deps = None


def scores(day: str) -> dict:
    status, body = call("GET", f"/partners/{PID}/scores", query={"on": day})
    assert status == 200, body
    return body


def test_after_a_new_alias_the_api_and_the_next_event_count_the_person_as_the_inline_roster(large, tmp_path):
    db = aws.client("dynamodb")
    item = db.get_item(TableName=large.stack.state_table,
                       Key={"pk": {"S": f"PARTNER#{PID}"}, "sk": {"S": "STATE"}})["Item"]
    assert MARKER in item
    shipped = {day: scores(day) for day in DAYS}
    deployed.export_items(db, large.stack.state_table, PID, tmp_path)

    got = deployed.run("alias", tmp_path, "api")
    assert got["api_scores"] == got["inline_scores"]  # person-b counts, `?on=` days included
    assert got["api_scores"] != json.loads(json.dumps(shipped))
    assert got["read_wrote_nothing"]
    assert got["stored_current"]  # the event's write stored the new counts
    assert got["after_api_scores"] == got["after_inline_scores"]
    assert got["after_api_scores"] != got["api_scores"]  # person-g, a network engineer from 2024-05-01, counts too
