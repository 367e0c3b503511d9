"""`make run`'s restore (devstack/restore.py): a state file written by a stack deployed with one
DueShards is restored into a stack deployed with another, and the daily run still finds its partners."""

from __future__ import annotations

from moto import mock_aws

from devstack.localstate import LocalState
from devstack.restore import restore
from shared.adapters import aws
from shared.adapters.repository import DynamoPartnerRepository, shard_of, state_item
from shared.rules.document import new_state
from tests.fakes import create_state_table

TABLE = "state"


def test_a_partner_stored_under_64_shards_is_due_in_a_stack_of_4(tmp_path):
    pid = next(f"p-{i}" for i in range(100) if shard_of(f"p-{i}", 64) >= 4)  # a shard the 4-shard run never queries
    item = state_item(pid, new_state(pid), 1, [], "2024-01-15", shards=64)
    state = LocalState(tmp_path)
    state.record_stream([{"eventName": "INSERT", "dynamodb": {"Keys": {"pk": item["pk"], "sk": item["sk"]},
                                                              "NewImage": item}}])
    with mock_aws():
        aws.reset()
        create_state_table(TABLE)
        restored = restore(state, aws.client("dynamodb"), aws.client("sqs"), TABLE, {}, shards=4)
        assert restored["partners"] == 1
        due = [p for p, _ in DynamoPartnerRepository(TABLE, 4).due("2024-01-15")]
        assert due == [pid]
        aws.reset()
    state.close()
