"""The deployment after a catalogue or rulebook change, in a process of its own, as a deployment
runs it: the rules load their data on first use and keep what they derive from it for the life of
the process, so a change is applied before anything is loaded, never to a running process.

    python -m tests.unit.recount_deployed CHANGE FOLDER SCENARIO

CHANGE names the change (CHANGES), written into FOLDER; SCENARIO runs under it and writes what it
observed to FOLDER/out.json, which the calling test asserts on (tests/unit/test_recount.py,
tests/component/test_partner_size_recount.py). A scenario that reads a stored partner finds its
DynamoDB items, as the previous deployment wrote them, in FOLDER/items.json (`export_items`).
"""

from __future__ import annotations

import base64
import functools
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from moto import mock_aws

from functions.partner_api import app as api
from shared.adapters import aws, repository
from shared.adapters.people import join_roster
from shared.adapters.repository import DynamoPartnerRepository, decode_state, due_records, person_items
from shared.rules import catalogue, engine, views
from shared.rules.scoring import counting, rulebook
from shared.runtime import Deps
from tests.component.test_api import call  # the API's proxy event, as the component tests send it
from tests.component.test_partner_year import ev
from tests.fakes import create_state_table
from tests.harness import local_system

ADMIN_ALIAS = "Azure Admin Pro"  # a name the packaged catalogue does not know
NEW_LIST = ["Azure Network Engineer Associate", "Azure Developer Associate"]  # no shipped rulebook's list
NEW_BOOK = "2027-01-01"
PID = "gsi-1"
TABLE = "state"
DAYS = ("2023-06-15", "2024-06-01", "2027-02-01")  # `?on=` days before and after the changes
EVENT = {"eventId": "e-g", "partnerId": PID, "personId": "person-g",
         "certification": "Microsoft Certified: Azure Network Engineer Associate", "on": "2024-05-01"}


def _entry(raw: dict, entry_id: str) -> dict:
    [found] = [e for e in raw["certifications"] if e["id"] == entry_id]
    return found


def _alias(raw: dict) -> None:
    _entry(raw, "azure-administrator-associate")["aliases"].append(ADMIN_ALIAS)


def _counting_day(raw: dict) -> None:
    _entry(raw, "azure-administrator-associate")["countsThrough"] = "2030-12-31"


def _source(raw: dict) -> None:
    _entry(raw, "azure-administrator-associate")["source"] = "elsewhere"


CATALOGUE_CHANGES: dict[str, Callable[[dict], None]] = {"alias": _alias, "counting-day": _counting_day,
                                                         "source": _source}
CHANGES = (*CATALOGUE_CHANGES, "rulebook", "none")


def deploy(change: str, folder: Path) -> None:
    """Point the rules at the changed data; refused once they have loaded any."""
    loaded = [f.__name__ for f in (catalogue.catalogue, rulebook.load_all, counting.basis) if f.cache_info().currsize]
    if loaded:
        raise RuntimeError(f"the rules have loaded their data already ({loaded}): deploy first")
    if change in CATALOGUE_CHANGES:
        raw = json.loads(catalogue.CERTIFICATIONS_FILE.read_text(encoding="utf-8"))
        CATALOGUE_CHANGES[change](raw)
        path = folder / catalogue.CERTIFICATIONS_FILE.name
        path.write_text(json.dumps(raw), encoding="utf-8")
        catalogue.CERTIFICATIONS_FILE = path
        catalogue.load_catalogue = functools.partial(catalogue.load_catalogue, path)
    elif change == "rulebook":
        books = folder / "rulebooks"
        books.mkdir()
        shipped = sorted(rulebook.DATA_DIR.glob("rulebook-*.json"))
        for path in shipped:
            shutil.copy(path, books)
        # the latest copied and dated NEW_BOOK, as README "Adding a rulebook year" adds a year, with
        # INFRASTRUCTURE's intermediate list replaced by NEW_LIST
        raw = json.loads(shipped[-1].read_text(encoding="utf-8"))
        raw["version"] = raw["effectiveFrom"] = NEW_BOOK
        for track in raw["areas"]["INFRASTRUCTURE"]["tracks"].values():
            track["metrics"]["intermediateCertifications"]["roster"]["certifications"] = NEW_LIST
        (books / f"rulebook-{NEW_BOOK}.json").write_text(json.dumps(raw), encoding="utf-8")
        rulebook.DATA_DIR = books
    elif change != "none":
        raise ValueError(f"change: expected one of {CHANGES}, got {change!r}")


# --- the items of a partner, carried from one process to the other ---------------------------------


def export_items(db: Any, table: str, partner_id: str, folder: Path) -> None:
    """Every item of the partner (STATE and person items) as JSON, binary values in base64."""
    rows = db.query(TableName=table, KeyConditionExpression="pk = :p",
                    ExpressionAttributeValues={":p": {"S": f"PARTNER#{partner_id}"}})["Items"]
    text = [{k: ({"B64": base64.b64encode(v["B"]).decode()} if "B" in v else v) for k, v in row.items()} for row in rows]
    (folder / "items.json").write_text(json.dumps(text), encoding="utf-8")


def import_items(db: Any, table: str, folder: Path) -> None:
    for row in json.loads((folder / "items.json").read_text(encoding="utf-8")):
        db.put_item(TableName=table, Item={k: ({"B": base64.b64decode(v["B64"])} if "B64" in v else v)
                                           for k, v in row.items()})


def run(change: str, folder: Path, scenario: str) -> dict[str, Any]:
    """The scenario in a new process under the change (for the calling test)."""
    root = Path(__file__).parents[2]
    done = subprocess.run([sys.executable, "-m", "tests.unit.recount_deployed", change, str(folder), scenario],
                          cwd=root, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads((folder / "out.json").read_text(encoding="utf-8"))


# --- scenarios -------------------------------------------------------------------------------------


def _scores(state: dict, day: str) -> dict:
    return json.loads(json.dumps(views.scores_view(state, day)))


def _state_item(db: Any, table: str = TABLE, partner_id: str = PID) -> dict:
    return db.get_item(TableName=table, Key={"pk": {"S": f"PARTNER#{partner_id}"}, "sk": {"S": "STATE"}})["Item"]


def _inline(db: Any, table: str = TABLE, partner_id: str = PID) -> dict:
    """The partner's whole document as the inline layout holds it: every person item joined into
    the roster, no counts (the pure core resolves every stored name with this deployment's rules)."""
    doc = decode_state(_state_item(db, table, partner_id)["state"])
    doc.pop("counting", None)
    doc["roster"] = join_roster(person_items(db, table, partner_id))
    return doc


def _calls(db: Any) -> list[str]:
    seen: list[str] = []
    db.meta.events.register("before-call.dynamodb.*", lambda model, **_: seen.append(model.name))
    return seen


def _table() -> Any:
    create_state_table(TABLE)
    return aws.client("dynamodb")


def repository_scenario(folder: Path) -> dict[str, Any]:
    """The partner's items in a table; a read, a skilling event, a read, the daily run's reads."""
    repository.PERSON_ITEMS_FROM = 3  # as the calling test stored the partner
    out: dict[str, Any] = {}
    with mock_aws():
        aws.reset()
        db = _table()
        import_items(db, TABLE, folder)
        repo = DynamoPartnerRepository(TABLE, 4)
        stale = decode_state(_state_item(db)["state"])  # the counts as stored, derived before the change
        inline = _inline(db)
        out["stale_current"] = counting.current(stale["counting"])
        out["stale_scores"] = {day: _scores(stale, day) for day in DAYS}
        out["inline_scores"] = {day: _scores(inline, day) for day in DAYS}

        [(pid, record)] = list(repo.due("2099-01-01"))  # the daily run's read, and the local stack's
        out["due"] = [pid, record.state["counting"] == counting.new_counting(inline)]
        [(pid, record)] = list(due_records(db, TABLE, "2099-01-01", range(4)))
        out["stack_due"] = [pid, record.state["counting"] == counting.new_counting(inline)]

        seen = _calls(db)
        read = repo.get(PID)  # the API's read: nothing is written after it
        out["read_calls"] = list(seen)
        out["read_counting_is_the_inline_rosters"] = read.state["counting"] == counting.new_counting(inline)
        out["read_scores"] = {day: _scores(read.state, day) for day in DAYS}

        sent: list[list[str]] = []
        db.meta.events.register("provide-client-params.dynamodb.TransactWriteItems", lambda params, **_: sent.append(
            [op["Put"]["Item"]["sk"]["S"] for op in params["TransactItems"]]))
        record = repo.get(PID, EVENT["personId"])
        new, _ = engine.record_fact(record.state, PID, "CertificationEarned", EVENT)
        repo.put(PID, new, record.version, [], engine.next_due(new))
        out["written"] = sent
        full, _ = engine.record_fact(inline, PID, "CertificationEarned", EVENT)  # the pure core, inline
        stored = decode_state(_state_item(db)["state"])
        out["stored_current"] = counting.current(stored["counting"])
        out["stored_counting_is_the_inline_rosters"] = stored["counting"] == counting.new_counting(full)

        seen.clear()
        after = repo.get(PID, "person-a")
        out["after_calls"] = list(seen)
        out["after_is_the_inline_document"] = (
            {k: v for k, v in after.state.items() if k not in ("roster", "counting")}
            == {k: v for k, v in full.items() if k != "roster"})
        out["after_scores"] = {day: _scores(after.state, day) for day in DAYS}
        out["after_inline_scores"] = {day: _scores(full, day) for day in DAYS}
        aws.reset()
    return out


def api_scenario(folder: Path) -> dict[str, Any]:
    """The whole stack on moto holding the partner's items: the API's scores, then a skilling event
    through the bus and the ingestion function, then the API's scores again."""
    repository.PERSON_ITEMS_FROM = 3
    out: dict[str, Any] = {}
    with local_system() as system:
        db, table = aws.client("dynamodb"), system.stack.state_table
        import_items(db, table, folder)
        api.injected_deps = Deps.from_env(system.stack.functions["PartnerApiFunction"]["environment"])

        def scores(day: str) -> dict:
            status, body = call("GET", f"/partners/{PID}/scores", query={"on": day})
            assert status == 200, body
            return body

        version = _state_item(db, table)["version"]["N"]
        out["api_scores"] = {day: scores(day) for day in DAYS}
        out["inline_scores"] = {day: _scores(_inline(db, table), day) for day in DAYS}
        out["read_wrote_nothing"] = _state_item(db, table)["version"]["N"] == version
        system.send(ev("CertificationEarned", {k: v for k, v in EVENT.items() if k != "partnerId"}, PID, EVENT["on"]))
        out["stored_current"] = counting.current(decode_state(_state_item(db, table)["state"])["counting"])
        out["after_api_scores"] = {day: scores(day) for day in DAYS}
        out["after_inline_scores"] = {day: _scores(_inline(db, table), day) for day in DAYS}
        api.injected_deps = None
    return out


def basis_scenario(folder: Path) -> dict[str, Any]:
    return {"basis": counting.basis(), "lists": [list(ids) for ids in counting.counting_lists()]}


SCENARIOS: dict[str, Callable[[Path], dict[str, Any]]] = {
    "repository": repository_scenario, "api": api_scenario, "basis": basis_scenario}


def main(argv: list[str]) -> None:
    change, folder, scenario = argv
    deploy(change, Path(folder))
    out = SCENARIOS[scenario](Path(folder))
    (Path(folder) / "out.json").write_text(json.dumps(out), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
