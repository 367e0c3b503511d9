"""Large partners re-counted after a catalogue or rulebook change (issue 21, docs/decisions.md
"Partners of any size"): the counts in a per-person partner's STATE item name the catalogue and
the certification lists they were derived with (`counting.basis`); a read of a partner whose basis
is not this deployment's loads every person item and counts anew, so that a read scores with the
new rules and the next write stores the new counts, with no operator job.

This process stores the partner with the shipped rules; the deployment after the change runs in a
process of its own (tests/unit/recount_deployed.py) on the same items, and reports what it saw."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.adapters import aws, repository
from shared.adapters.memory import InMemoryPartnerRepository
from shared.adapters.people import MARKER, join_roster, split_roster
from shared.adapters.repository import decode_state, encode_state
from shared.rules import views
from shared.rules.catalogue import normalize_certification, resolve
from shared.rules.document import file_roster_history, new_state
from shared.rules.scoring import counting
from shared.rules.scoring.counting import new_counting, record_person
from tests.unit import recount_deployed as deployed
from tests.unit.recount_deployed import ADMIN_ALIAS, DAYS, NEW_LIST, PID, TABLE
from tests.unit.test_partner_size import CERTS, earn, roster_state, same_document

ROOT = Path(__file__).parents[2]


def partner(second_admin: str = ADMIN_ALIAS) -> dict:
    """Six people, over the test threshold of 3: two Azure administrators (a gate of INFRASTRUCTURE,
    DATA_AI and DIGITAL_APP_INNOVATION needs two), the second one by default under a name the
    catalogue does not know yet, three network engineers and an Azure developer."""
    state = new_state(PID)
    held = [("person-a", "Azure Administrator Associate"), ("person-b", second_admin),
            ("person-c", CERTS[7]), ("person-d", CERTS[7]), ("person-e", CERTS[7]), ("person-f", CERTS[2])]
    for i, (person, name) in enumerate(held):
        file_roster_history(state["roster"], normalize_certification(name), person,
                            [[f"2023-0{1 + i}-15", f"seed-{i}", True, name]])
    return state


def stored() -> dict:
    item = aws.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": f"PARTNER#{PID}"}, "sk": {"S": "STATE"}})
    return item["Item"]


def calls() -> list[str]:
    seen: list[str] = []
    aws.client("dynamodb").meta.events.register("before-call.dynamodb.*",
                                                lambda model, **_: seen.append(model.name))
    return seen


def written() -> list[list[str]]:
    """The sort keys of each TransactWriteItems sent from now on."""
    sent: list[list[str]] = []
    aws.client("dynamodb").meta.events.register(
        "provide-client-params.dynamodb.TransactWriteItems",
        lambda params, **_: sent.append([op["Put"]["Item"]["sk"]["S"] for op in params["TransactItems"]]))
    return sent


# --- the basis -------------------------------------------------------------------------------------


def test_the_basis_is_the_same_in_every_process_whatever_its_hash_seed():
    code = "from shared.rules.scoring.counting import basis; print(basis())"
    seen = {subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip() for seed in ("1", "2")}
    assert seen == {counting.basis()}


@pytest.mark.parametrize(("change", "changes_the_basis"), [
    ("none", False), ("source", False),  # counts never read an entry's source
    ("alias", True), ("counting-day", True), ("rulebook", True)])
def test_the_basis_changes_with_what_counts_read_and_only_with_it(tmp_path, change, changes_the_basis):
    got = deployed.run(change, tmp_path, "basis")
    assert (got["basis"] != counting.basis()) == changes_the_basis
    new_list = sorted(resolve(name).id for name in NEW_LIST)
    assert (new_list in got["lists"]) == (change == "rulebook")  # a list no shipped rulebook counts
    assert [list(ids) for ids in counting.counting_lists()] == [ids for ids in got["lists"] if ids != new_list]


# --- (a) a catalogue change, (b) a new rulebook: the next read and the next write -------------------


@pytest.mark.parametrize(("change", "second_admin"), [
    ("alias", ADMIN_ALIAS),  # the alias makes person-b count: the gates open
    ("rulebook", "Azure Administrator Associate"),  # the new list's people count from 2027
])
def test_after_a_change_a_read_counts_anew_and_the_next_event_stores_the_new_counts(dynamo, tmp_path, change,
                                                                                     second_admin):
    seed = partner(second_admin)
    dynamo.put(PID, seed, 0, [], "2024-07-01")
    assert MARKER in stored()
    shipped = {day: views.scores_view(seed, day) for day in DAYS}
    deployed.export_items(aws.client("dynamodb"), TABLE, PID, tmp_path)

    got = deployed.run(change, tmp_path, "repository")
    assert got["inline_scores"] != json.loads(json.dumps(shipped))  # the change changes the pure core's scores
    assert not got["stale_current"]
    assert got["stale_scores"] != got["inline_scores"]  # the stored counts would score wrong

    assert got["read_calls"] == ["GetItem", "Query"]  # the STATE item, then every person item
    assert got["read_counting_is_the_inline_rosters"]
    assert got["read_scores"] == got["inline_scores"]  # a read that writes nothing, `?on=` days included
    assert got["due"] == [PID, True] and got["stack_due"] == [PID, True]  # the daily run's reads

    assert got["written"] == [["STATE", "PERSON#person-g"]]  # the event's person: nobody else again
    assert got["stored_current"] and got["stored_counting_is_the_inline_rosters"]
    assert got["after_calls"] == ["GetItem", "GetItem"]  # current again: the STATE item and one person
    assert got["after_is_the_inline_document"]
    assert got["after_scores"] == got["after_inline_scores"]


@pytest.mark.parametrize("previous", ["no basis", "no counts"])
def test_counts_of_a_previous_version_are_counted_anew_with_the_person_of_the_read(dynamo, previous):
    seed = partner()
    dynamo.put(PID, seed, 0, [], None)
    item = stored()
    state = decode_state(item["state"])
    if previous == "no basis":  # counts written before they named their basis
        del state["counting"]["basis"]
    else:  # moved to person items before the counts were kept
        del state["counting"]
    aws.client("dynamodb").put_item(TableName=TABLE, Item={**item, "state": encode_state(state)})
    seen = calls()
    read = dynamo.get(PID, "person-c")
    assert seen == ["GetItem", "Query"]  # the person comes with everyone, not in a read of its own
    assert read.state["counting"] == new_counting(seed)
    assert read.state["roster"] == join_roster([("person-c", split_roster(seed["roster"])["person-c"])])
    sent = written()
    dynamo.put(PID, earn(read.state, "person-c", "e-c", cert=CERTS[3]), read.version, [], None)
    assert sent == [["STATE", "PERSON#person-c"]]
    assert same_document(dynamo.get(PID).state, earn(seed, "person-c", "e-c", cert=CERTS[3]))


def test_counting_everyone_at_once_equals_adding_them_one_by_one():
    state = roster_state(300, second_every=3)
    file_roster_history(state["roster"], normalize_certification("Not A Certification"), "person-000007",
                        [["2023-02-01", "x-1", True, "Not a Certification"], ["2023-05-01", "x-2", False, "Not a Certification"]])
    one_by_one = {"series": {}, "unknown": {}, "written": {}, "first": {}, "people": 0, "basis": counting.basis()}
    for certs in split_roster(state["roster"]).values():
        record_person(one_by_one, {}, certs)
    assert counting.counting_of(split_roster(state["roster"]).values()) == one_by_one == new_counting(state)
    assert one_by_one["unknown"] and one_by_one["people"] == 300


def test_a_current_partner_is_read_without_its_people(dynamo):
    seed = partner()
    dynamo.put(PID, seed, 0, [], None)
    seen = calls()
    assert dynamo.get(PID).state["roster"] == {}
    person = split_roster(seed["roster"])["person-c"]
    assert dynamo.get(PID, "person-c").state["roster"] == join_roster([("person-c", person)])
    assert seen == ["GetItem", "GetItem", "GetItem"]


@pytest.mark.parametrize("previous", ["no basis", "no counts"])
def test_the_in_memory_twin_counts_anew_as_the_dynamodb_repository_does(monkeypatch, previous):
    monkeypatch.setattr(repository, "PERSON_ITEMS_FROM", 3)
    memory = InMemoryPartnerRepository()
    seed = partner()
    memory.put(PID, seed, 0, [], None)
    text, version, due = memory.items[PID]
    state = json.loads(text)
    if previous == "no basis":
        del state["counting"]["basis"]
    else:
        del state["counting"]
    memory.items[PID] = (json.dumps(state), version, due)
    read = memory.get(PID, "person-c")
    assert read.state["counting"] == new_counting(seed)
    assert read.state["roster"] == join_roster([("person-c", split_roster(seed["roster"])["person-c"])])
    memory.put(PID, earn(read.state, "person-c", "e-c", cert=CERTS[3]), read.version, [], None)
    assert json.loads(memory.items[PID][0])["counting"]["basis"] == counting.basis()
