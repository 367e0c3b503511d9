"""The roster of a large partner stored one item per certified person (docs/decisions.md, "Partners
of any size"), and the item size as DynamoDB bills and limits it.

A partner whose roster has more than PERSON_ITEMS_FROM people keeps the rest of its document in its
STATE item and each person's certification histories in an item of their own under the partner's
key (sk "PERSON#<personId>"): no item grows with the number of people. A smaller partner keeps the
roster inline, in one item, as before (one read and one write per event). A partner moves to the
per-person layout on the first write that takes it over the threshold and never moves back.

The document the rules see is the same in both layouts: the repository splits the roster on write
and joins it on read.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable
from typing import Any

from ..rules.document import file_roster_history

# Above this many people the roster leaves the STATE item. 2,000 people are ≈ 56 KB of compressed
# document (the measurements), far from the 400 KB limit, so no item is ever near it; below
# it one item keeps every event at one read and one write.
PERSON_ITEMS_FROM = 2000
ITEM_LIMIT = 400 * 1024  # DynamoDB's maximum item size (attribute names + values)
PERSON_PREFIX = "PERSON#"
MARKER = "people"  # STATE item attribute: the number of person items, present in the per-person layout

Person = dict[str, list[list[Any]]]  # certification -> the person's history of it


def split_roster(roster: dict[str, Any]) -> dict[str, Person]:
    """personId -> {certification: history} from the document's roster (grouped by certification)."""
    people: dict[str, Person] = {}
    for cert, entry in roster.items():
        for group in (entry["held"], entry["removed"]):
            for person, history in group.items():
                people.setdefault(person, {})[cert] = history
    return people


def join_roster(people: Iterable[tuple[str, Person]]) -> dict[str, Any]:
    """The document's roster from (personId, {certification: history}) pairs, in any order."""
    roster: dict[str, Any] = {}
    for person, certs in sorted(people):
        for cert, history in sorted(certs.items()):
            file_roster_history(roster, cert, person, history)
    return roster


def people_in(roster: dict[str, Any]) -> int:
    return len({p for entry in roster.values() for group in (entry["held"], entry["removed"]) for p in group})


def encode_person(certs: Person) -> bytes:
    return zlib.compress(json.dumps(certs, separators=(",", ":"), sort_keys=True).encode(), 6)


def decode_person(data: bytes | str) -> Person:
    if isinstance(data, str):  # base64 text, as in a Lambda stream event
        data = base64.b64decode(data)
    return json.loads(zlib.decompress(data))


def item_size(item: dict[str, Any]) -> int:
    """The size DynamoDB counts against its 400 KB limit (and bills in 1 KB write units): each
    attribute's name in UTF-8 plus its value (strings in UTF-8, binary as bytes, numbers about one
    byte per two digits plus one)."""
    total = 0
    for name, value in item.items():
        total += len(name.encode())
        (kind, v), = value.items()
        if kind == "S":
            total += len(v.encode())
        elif kind == "B":
            total += len(v)
        elif kind == "N":
            total += (len(v.lstrip("-").replace(".", "")) + 1) // 2 + 1
        else:
            total += len(json.dumps(v).encode())  # not written by this engine; a fair upper bound
    return total


class ItemTooLarge(Exception):
    """An item over DynamoDB's limit: the write would fail as DynamoDB's ValidationException does."""


def check_size(item: dict[str, Any]) -> int:
    size = item_size(item)
    if size > ITEM_LIMIT:
        raise ItemTooLarge(f"item {item['pk']['S']} {item['sk']['S']} is {size} bytes, over {ITEM_LIMIT}")
    return size
