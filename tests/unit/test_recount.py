"""Large partners re-counted after a catalogue or rulebook change (issue 21, docs/decisions.md
"Partners of any size"): the counts in a per-person partner's STATE item name the catalogue and
the certification lists they were derived with (`counting.basis`); a read of a partner whose basis
is not this deployment's loads every person item and counts anew, so that a read scores with the
new rules and the next write stores the new counts, with no operator job.

A change is deployed in-process as a deployment ships it: a catalogue with one more alias (built
from the packaged file), or a rulebook data directory with one more rulebook file. The rules
cache what they derive from both, so `deploy` clears those caches before and after."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.adapters import aws, repository
from shared.adapters.people import MARKER, join_roster, split_roster
from shared.adapters.repository import DynamoPartnerRepository, decode_state, due_records, encode_state
from shared.rules import catalogue as catalogue_module
from shared.rules.catalogue import CERTIFICATIONS_FILE, Catalogue, normalize_certification, resolve
from shared.rules.document import file_roster_history, new_state
from shared.rules.features import attainment, capability_score
from shared.rules.program import AREAS
from shared.rules.scoring import counting, credentials, history, rulebook
from shared.rules.scoring.counting import new_counting, record_person
from shared.rules.scoring.history import evaluate
from tests.unit.test_partner_size import CERTS, PID, earn, roster_state, same_document

ROOT = Path(__file__).parents[2]
TABLE = "state"
ADMIN_ALIAS = "Azure Admin Pro"  # a name the packaged catalogue does not know
NEW_LIST = ["Azure Network Engineer Associate", "Azure Developer Associate"]  # no rulebook's list today
NEW_BOOK = "2027-01-01"


def clear_rule_caches() -> None:
    """Everything the rules derive once per process from the catalogue or the rulebooks."""
    catalogue_module.catalogue.cache_clear()
    catalogue_module._resolve.cache_clear()
    credentials._SPANS.clear()
    history._MEASUREMENTS.clear()
    rulebook.load_all.cache_clear()
    rulebook._starts.cache_clear()
    rulebook._IN_FORCE.clear()
    for derived in (counting.counting_lists, counting.basis, counting._lists_of, counting._span,
                    capability_score._areas_counting, capability_score._areas_counting_entry,
                    attainment._earliest_counted):
        derived.cache_clear()


@pytest.fixture
def deploy(monkeypatch) -> Callable[..., None]:
    def apply(catalogue: Catalogue | None = None, rulebooks: Path | None = None) -> None:
        if catalogue is not None:
            monkeypatch.setattr(catalogue_module, "load_catalogue", lambda path=None: catalogue)
        if rulebooks is not None:
            monkeypatch.setattr(rulebook, "DATA_DIR", rulebooks)
        clear_rule_caches()

    yield apply
    monkeypatch.undo()
    clear_rule_caches()


def catalogue_with(change: Callable[[dict], None]) -> Catalogue:
    raw = json.loads(CERTIFICATIONS_FILE.read_text(encoding="utf-8"))
    change(raw)
    return Catalogue(raw, CERTIFICATIONS_FILE.name)


def entry(raw: dict, entry_id: str) -> dict:
    [found] = [e for e in raw["certifications"] if e["id"] == entry_id]
    return found


def admin_alias(raw: dict) -> None:
    entry(raw, "azure-administrator-associate")["aliases"].append(ADMIN_ALIAS)


def rulebooks_with_a_new_list(folder: Path) -> Path:
    """The shipped rulebooks and one more, as README "Adding a rulebook year" adds it: the latest
    copied, dated NEW_BOOK, with INFRASTRUCTURE's intermediate list replaced by NEW_LIST."""
    shipped = sorted(rulebook.DATA_DIR.glob("rulebook-*.json"))
    for path in shipped:
        shutil.copy(path, folder)
    raw = json.loads(shipped[-1].read_text(encoding="utf-8"))
    raw["version"] = raw["effectiveFrom"] = NEW_BOOK
    for track in raw["areas"]["INFRASTRUCTURE"]["tracks"].values():
        track["metrics"]["intermediateCertifications"]["roster"]["certifications"] = NEW_LIST
    (folder / f"rulebook-{NEW_BOOK}.json").write_text(json.dumps(raw), encoding="utf-8")
    return folder


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


def scores(state: dict, day: str) -> dict:
    return {area: evaluate(state, area, day) for area in AREAS}


DAYS = ("2023-06-15", "2024-06-01", "2027-02-01")  # `?on=` days before and after the changes


@pytest.fixture
def dynamo(monkeypatch):
    monkeypatch.setattr(repository, "PERSON_ITEMS_FROM", 3)  # a handful of people exercise the layout
    with mock_aws():
        aws.reset()
        boto3.client("dynamodb", region_name="us-east-1").create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi1pk", "gsi1sk")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[{
                "IndexName": "DueIndex",
                "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"}, {"AttributeName": "gsi1sk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"}}])
        yield DynamoPartnerRepository(TABLE, 4)
        aws.reset()


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


def test_the_basis_changes_with_an_alias_a_counting_day_or_a_new_list_and_not_with_a_source(deploy, tmp_path):
    shipped = counting.basis()
    deploy(catalogue=catalogue_with(lambda raw: entry(raw, "azure-administrator-associate").update(source="elsewhere")))
    assert counting.basis() == shipped  # counts never read a source
    deploy(catalogue=catalogue_with(admin_alias))
    aliased = counting.basis()
    assert aliased != shipped
    deploy(catalogue=catalogue_with(lambda raw: entry(raw, "azure-administrator-associate").update(
        countsThrough="2030-12-31")))
    assert counting.basis() not in (shipped, aliased)
    deploy(catalogue=catalogue_with(lambda raw: None), rulebooks=rulebooks_with_a_new_list(tmp_path))
    assert counting.basis() not in (shipped, aliased)


def test_the_new_list_is_one_no_shipped_rulebook_counts(deploy, tmp_path):
    ids = tuple(sorted(resolve(name).id for name in NEW_LIST))
    assert ids not in counting.counting_lists()
    deploy(rulebooks=rulebooks_with_a_new_list(tmp_path))
    assert ids in counting.counting_lists() and len(rulebook.load_all()) == 5


# --- (a) a catalogue change, (b) a new rulebook: the next read and the next write -------------------


def change_catalogue(deploy: Callable[..., None], tmp_path: Path) -> None:
    deploy(catalogue=catalogue_with(admin_alias))


def add_rulebook(deploy: Callable[..., None], tmp_path: Path) -> None:
    deploy(rulebooks=rulebooks_with_a_new_list(tmp_path))


@pytest.mark.parametrize(("change", "second_admin"), [
    (change_catalogue, ADMIN_ALIAS),  # the alias makes person-b count: the gates open
    (add_rulebook, "Azure Administrator Associate"),  # gates open: the new list's people count from 2027
])
def test_after_a_change_a_read_counts_anew_and_the_next_event_stores_the_new_counts(dynamo, deploy, tmp_path, change,
                                                                                     second_admin):
    seed = partner(second_admin)
    dynamo.put(PID, seed, 0, [], None)
    assert MARKER in stored()
    change(deploy, tmp_path)

    before = decode_state(stored()["state"])  # the counts as stored, derived before the change
    assert not counting.current(before["counting"])
    assert any(scores(before, day) != scores(seed, day) for day in DAYS)  # they would score wrong

    seen = calls()
    read = dynamo.get(PID)  # the API's read: nothing is written after it
    assert seen == ["GetItem", "Query"]
    assert read.state["counting"] == new_counting(seed) and counting.current(read.state["counting"])
    for day in DAYS:
        assert scores(read.state, day) == scores(seed, day), day

    # a skilling event: the re-counted document, its change, the new counts in the same write
    sent = written()
    record = dynamo.get(PID, "person-g")
    new = earn(record.state, "person-g", "e-g", on="2024-07-01", cert=CERTS[1])
    dynamo.put(PID, new, record.version, [], None)
    assert sent == [["STATE", "PERSON#person-g"]]  # nobody else is written again
    full = earn(seed, "person-g", "e-g", on="2024-07-01", cert=CERTS[1])
    assert decode_state(stored()["state"])["counting"] == new_counting(full)

    seen.clear()
    after = dynamo.get(PID, "person-a")
    assert seen == ["GetItem", "GetItem"]  # current again: the STATE item and one person
    assert same_document(after.state, full)
    for day in DAYS:
        assert scores(after.state, day) == scores(full, day), day


def test_the_daily_run_reads_a_stale_partner_counted_anew(dynamo, deploy):
    seed = partner()
    dynamo.put(PID, seed, 0, [], "2024-07-01")
    deploy(catalogue=catalogue_with(admin_alias))
    [(pid, record)] = list(dynamo.due("2024-07-01"))
    assert pid == PID and record.state["counting"] == new_counting(seed)
    [(pid, record)] = list(due_records(aws.client("dynamodb"), TABLE, "2024-07-01", range(4)))
    assert pid == PID and record.state["counting"] == new_counting(seed)


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
