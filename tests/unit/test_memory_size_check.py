"""The in-memory repository refuses an item over DynamoDB's 400 KB exactly as DynamoDB counts it
(shared.adapters.people.item_size of the item the DynamoDB repository would write), though it
measures only items whose JSON texts come near the limit."""

from __future__ import annotations

import random

import pytest

from shared.adapters.memory import InMemoryPartnerRepository
from shared.adapters.people import ITEM_LIMIT, ItemTooLarge, item_size
from shared.adapters.repository import state_item
from shared.rules.document import new_state

PID = "p-1"


def _noise(n: int, seed: int) -> str:
    """`n` characters zlib cannot shrink much (the stored state is compressed)."""
    rnd = random.Random(seed)
    return "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))


def _state(chars: int) -> dict:
    state = new_state(PID)
    state["measurements"] = {"SECURITY": {"m|PAL|": [["2024-01-01", _noise(chars, 1), "e-1"]]}}
    return state


def _exact(state: dict, outbox: list) -> int:
    return item_size(state_item(PID, state, 1, outbox, None, 1))


def _fitting(outbox_chars: int) -> tuple[dict, list, int]:
    """A state and an outbox whose item is the largest under the limit, by bisection on the noise."""
    outbox = [["ScoreEvaluated", {"note": "x" * outbox_chars}]] if outbox_chars else []
    low, high = 0, 2 * ITEM_LIMIT
    while high - low > 1:  # bounded: ~20 halvings of 800 K
        mid = (low + high) // 2
        low, high = (mid, high) if _exact(_state(mid), outbox) <= ITEM_LIMIT else (low, mid)
    return _state(low), outbox, low


@pytest.mark.parametrize("outbox_chars", [0, 300_000])  # the state alone; a large (uncompressed) outbox
def test_an_item_at_the_limit_is_written_and_one_byte_more_is_refused(outbox_chars):
    state, outbox, chars = _fitting(outbox_chars)
    repo = InMemoryPartnerRepository()
    repo.put(PID, state, 0, outbox, None)
    assert repo.largest == _exact(state, outbox) > ITEM_LIMIT - 64
    over = _state(chars + 1)
    assert _exact(over, outbox) > ITEM_LIMIT
    with pytest.raises(ItemTooLarge):
        repo.put(PID, over, 1, outbox, None)
    assert repo.items[PID][1] == 1 and len(repo.published) == len(outbox)  # nothing of the refused write is kept


def test_an_outbox_over_the_limit_is_refused_with_a_small_state():
    repo = InMemoryPartnerRepository()
    with pytest.raises(ItemTooLarge):
        repo.put(PID, new_state(PID), 0, [["ScoreEvaluated", {"note": "x" * ITEM_LIMIT}]], None)
    assert PID not in repo.items and repo.published == []


def test_a_small_item_is_not_measured():
    repo = InMemoryPartnerRepository()
    repo.put(PID, new_state(PID), 0, [["ScoreEvaluated", {"solutionArea": "SECURITY"}]], None)
    assert repo.largest == 0 and len(repo.published) == 1
