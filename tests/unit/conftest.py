"""Fixtures shared by the unit tests of the per-person layout (test_partner_size, test_recount)."""

from __future__ import annotations

import pytest
from moto import mock_aws

from shared.adapters import aws, repository
from shared.adapters.repository import DynamoPartnerRepository
from tests.fakes import create_state_table

TABLE = "state"


@pytest.fixture
def dynamo(monkeypatch):
    """A StateTable on moto and its repository, with the per-person layout from 3 people on (a
    handful of people exercise it)."""
    monkeypatch.setattr(repository, "PERSON_ITEMS_FROM", 3)
    with mock_aws():
        aws.reset()
        create_state_table(TABLE)
        yield DynamoPartnerRepository(TABLE, 4)
        aws.reset()
