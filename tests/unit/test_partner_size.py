"""Partners of any size (issue 21): a roster over people.PERSON_ITEMS_FROM people is stored one item
per person under the partner's key, so no item grows with the number of people; the document the
rules see is the same in both layouts, and an item in the inline layout moves on its next change.

The 100,000-person partner runs through the real ingestion handler on the in-memory repository,
which checks every write against DynamoDB's item size limit as DynamoDB counts it; the layout, the
migration and the conditional writes are checked on moto."""

from __future__ import annotations

import json

import pytest

from functions.score_ingestion import app as ingestion
from shared.adapters import aws, repository
from shared.adapters.people import MARKER, PERSON_ITEMS_FROM, item_size, join_roster, split_roster
from shared.adapters.repository import ConflictError, person_item, state_item
from shared.rules import engine
from shared.rules.catalogue import normalize_certification
from shared.rules.document import file_roster_history, new_state
from shared.rules.program import AREAS
from shared.rules.scoring.counting import new_counting
from shared.rules.scoring.history import evaluate
from tests.fakes import LambdaContext, envelope, memory_deps, sqs_event

PID = "gsi-1"
LIMIT = 350 * 1024  # the margin under DynamoDB's 400 KB
# eight certifications, as the measurements (names as a feed writes them)
CERTS = ["Microsoft Certified: Azure Solutions Architect Expert", "Microsoft Certified: Azure Administrator Associate",
         "Microsoft Certified: Azure Developer Associate", "Microsoft Certified: Azure Data Engineer Associate",
         "Microsoft Certified: Azure AI Engineer Associate", "Microsoft Certified: Security Operations Analyst Associate",
         "Microsoft 365 Certified: Teams Administrator Associate", "Microsoft Certified: Azure Network Engineer Associate"]


def roster_state(people: int, second_every: int = 2) -> dict:
    """A partner with `people` certified people: each holds one certification and every
    `second_every`-th a second one (100,000 people -> 150,000 certifications), earned through 2023."""
    state = new_state(PID)
    for i in range(people):
        held = [CERTS[i % 8]] + ([CERTS[(i % 8 + 1 + (i // 8) % 7) % 8]] if i % second_every == 0 else [])
        for k, name in enumerate(dict.fromkeys(held)):
            on = f"2023-{1 + i % 12:02d}-{1 + (i * 7 + k) % 28:02d}"
            file_roster_history(state["roster"], normalize_certification(name), f"person-{i:06d}",
                                [[on, f"{i:06d}-{k}-{'0' * 24}", True, name]])
    return state


def cert_event(kind: str, person: str, name: str, on: str, eid: str) -> dict:
    return envelope("partner.skilling", kind, {"eventId": eid, "partnerId": PID, "personId": person,
                                                "certification": name, "on": on})


EVENTS = [
    ("CertificationEarned", "person-000001", CERTS[5], "2024-02-01", "earn-existing"),
    ("CertificationEarned", "person-new", CERTS[0], "2024-02-02", "earn-new"),
    ("CertificationRemoved", "person-000002", CERTS[2], "2024-02-03", "remove"),
    ("CertificationRemoved", "person-000008", CERTS[0], "2023-01-01", "remove-before-earning"),
]


def test_a_100000_person_partner_is_stored_in_items_under_350_kb_and_scored_as_the_pure_core():
    seed = roster_state(100_000)
    assert sum(len(e["held"]) for e in seed["roster"].values()) == 150_000
    deps, repo, pub, dead = memory_deps()
    repo.put(PID, seed, 0, [], engine.next_due(seed))
    assert PID in repo.people and len(repo.people[PID]) == 100_000

    expected, announced = seed, []
    for kind, person, name, on, eid in EVENTS:
        result = ingestion.handler(sqs_event(cert_event(kind, person, name, on, eid)), LambdaContext(), deps=deps)
        assert result == {"batchItemFailures": []} and dead == []
        expected, events = engine.record_fact(expected, PID, kind, {"eventId": eid, "partnerId": PID,
                                                                     "personId": person, "certification": name,
                                                                     "on": on})
        announced += events

    stored = repo.get(PID)
    assert same_document(stored.state, expected)
    assert join_roster((p, json.loads(c)) for p, c in repo.people[PID].items()) == expected["roster"]
    assert repo.published == [[k, d] for k, d in announced]  # every ScoreEvaluated, as the pure core's
    for area in AREAS:
        for day in ("2023-06-15", "2024-02-03"):
            assert evaluate(stored.state, area, day) == evaluate(expected, area, day)

    # every stored item as DynamoDB counts it, the STATE item with every announced event as its outbox
    doc, version, due = repo.items[PID]
    partner = item_size(state_item(PID, json.loads(doc), version, repo.published, due, 64, len(repo.people[PID])))
    people = max(item_size(person_item(PID, p, json.loads(c), version)) for p, c in repo.people[PID].items())
    assert partner <= LIMIT and people <= LIMIT
    assert partner < 8 * 1024  # the STATE item does not grow with the roster


def same_document(stored: dict, full: dict) -> bool:
    """A large partner's document as read (its counts, the loaded people) holds what the whole
    document holds: the same facts and decisions, and the counts of the whole roster."""
    return ({k: v for k, v in stored.items() if k not in ("roster", "counting")}
            == {k: v for k, v in full.items() if k != "roster"}
            and stored["counting"] == new_counting(full))


def test_the_inline_layout_holds_up_to_the_threshold_and_the_first_write_over_it_moves_the_roster():
    deps, repo, pub, dead = memory_deps()
    small = roster_state(PERSON_ITEMS_FROM)
    repo.put(PID, small, 0, [], None)
    assert PID not in repo.people and json.loads(repo.items[PID][0])["roster"] == small["roster"]
    record = repo.get(PID)
    grown, _ = engine.record_fact(record.state, PID, "CertificationEarned", {
        "eventId": "e-over", "partnerId": PID, "personId": "one-more", "certification": CERTS[1], "on": "2024-01-02"})
    repo.put(PID, grown, record.version, [], None)
    assert len(repo.people[PID]) == PERSON_ITEMS_FROM + 1
    assert json.loads(repo.items[PID][0])["roster"] == {}
    assert same_document(repo.get(PID).state, grown)


def test_a_large_partner_written_without_its_read_in_memory_stays_in_the_per_person_layout():
    deps, repo, pub, dead = memory_deps()
    seed = roster_state(PERSON_ITEMS_FROM + 1)
    repo.put(PID, seed, 0, [], None)
    record = repo.get(PID, "person-000001")
    repo._reads.clear()  # more partners read than a process remembers before this write
    repo.put(PID, earn(record.state, "person-000001", "e-x", cert=CERTS[2]), record.version, [], None)
    assert json.loads(repo.items[PID][0])["roster"] == {} and len(repo.people[PID]) == PERSON_ITEMS_FROM + 1
    assert same_document(repo.get(PID).state, earn(seed, "person-000001", "e-x", cert=CERTS[2]))


# --- on moto: the item layout, the move of an inline item, the conditional writes ---------------

TABLE = "state"


def items() -> dict[str, dict]:
    rows = aws.client("dynamodb").query(TableName=TABLE, KeyConditionExpression="pk = :p",
                                        ExpressionAttributeValues={":p": {"S": f"PARTNER#{PID}"}})["Items"]
    return {row["sk"]["S"]: row for row in rows}


def calls() -> list[str]:
    seen: list[str] = []
    aws.client("dynamodb").meta.events.register("before-call.dynamodb.*",
                                                lambda model, **_: seen.append(model.name))
    return seen


def earn(state: dict | None, person: str, eid: str, on: str = "2024-03-01", cert: str = CERTS[0]) -> dict:
    new, _ = engine.record_fact(state, PID, "CertificationEarned", {
        "eventId": eid, "partnerId": PID, "personId": person, "certification": cert, "on": on})
    return new


def test_an_item_in_todays_layout_moves_to_person_items_on_its_next_change(dynamo):
    old = roster_state(5)
    # exactly what the previous version wrote: the whole roster in the STATE item, as JSON text
    aws.client("dynamodb").put_item(TableName=TABLE, Item={
        "pk": {"S": f"PARTNER#{PID}"}, "sk": {"S": "STATE"}, "version": {"N": "7"},
        "state": {"S": json.dumps(old, separators=(",", ":"), sort_keys=True)}})
    record = dynamo.get(PID)
    assert record.state == old and record.version == 7
    new = earn(record.state, "person-000009", "e-next")
    dynamo.put(PID, new, 7, [], None)

    stored = items()
    assert set(stored) == {"STATE"} | {f"PERSON#{p}" for p in split_roster(new["roster"])}
    assert stored["STATE"][MARKER] == {"N": "6"}
    assert repository.decode_state(stored["STATE"]["state"])["roster"] == {}
    assert same_document(dynamo.get(PID).state, new)  # what the rules read is the same
    assert dynamo.get(PID, "person-000009").state["roster"] == join_roster(
        [("person-000009", split_roster(new["roster"])["person-000009"])])


def test_a_skilling_event_in_the_person_layout_is_two_reads_and_one_transaction_of_two_items(dynamo):
    state = roster_state(6)
    dynamo.put(PID, state, 0, [], None)
    seen = calls()
    record = dynamo.get(PID, "person-000002")
    new = earn(record.state, "person-000002", "e-2", cert=CERTS[6])
    sent: list[dict] = []
    aws.client("dynamodb").meta.events.register(
        "provide-client-params.dynamodb.TransactWriteItems", lambda params, **_: sent.append(params))
    dynamo.put(PID, new, record.version, [], None)
    assert seen == ["GetItem", "GetItem", "TransactWriteItems"]  # the partner, the person, the write
    [ops] = [p["TransactItems"] for p in sent]
    assert [op["Put"]["Item"]["sk"]["S"] for op in ops] == ["STATE", "PERSON#person-000002"]
    assert ops[0]["Put"]["ConditionExpression"] == "version = :v"
    full = earn(state, "person-000002", "e-2", cert=CERTS[6])
    assert same_document(dynamo.get(PID).state, full)


def test_two_writers_of_one_partner_in_the_person_layout_never_lose_an_update(dynamo):
    seed = roster_state(6)
    dynamo.put(PID, seed, 0, [], None)
    who = "person-000003"
    a, b = dynamo.get(PID, who), dynamo.get(PID, who)
    first = earn(a.state, who, "e-a", cert=CERTS[7])
    dynamo.put(PID, first, a.version, [], None)
    with pytest.raises(ConflictError):
        dynamo.put(PID, earn(b.state, who, "e-b", cert=CERTS[4]), b.version, [], None)
    assert dynamo.get(PID, who).state == first
    again = dynamo.get(PID, who)  # the loser re-reads and re-applies
    dynamo.put(PID, earn(again.state, who, "e-b", cert=CERTS[4]), again.version, [], None)
    full = earn(earn(seed, who, "e-a", cert=CERTS[7]), who, "e-b", cert=CERTS[4])
    assert same_document(dynamo.get(PID).state, full)


def test_a_writer_that_read_the_inline_item_before_the_move_cannot_put_an_old_person_back(dynamo):
    dynamo.put(PID, roster_state(3), 0, [], None)  # 3 people: inline
    assert MARKER not in items()["STATE"]
    a, b = dynamo.get(PID), dynamo.get(PID)
    moved = earn(a.state, "person-new", "e-a")  # the 4th person: the roster moves to person items
    dynamo.put(PID, moved, a.version, [], None)
    assert MARKER in items()["STATE"]
    c = dynamo.get(PID, "person-000001")
    newer = earn(c.state, "person-000001", "e-c", cert=CERTS[3])
    dynamo.put(PID, newer, c.version, [], None)
    # b read the inline item: its move would copy person-000001 as it was before e-c
    with pytest.raises(ConflictError):
        dynamo.put(PID, earn(b.state, "person-other", "e-b"), b.version, [], None)
    assert dynamo.get(PID, "person-000001").state == newer
    assert same_document(dynamo.get(PID).state, earn(moved, "person-000001", "e-c", cert=CERTS[3]))
