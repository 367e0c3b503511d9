from collections.abc import Iterator

import pytest

from tests.harness import System, local_system


@pytest.fixture
def system() -> Iterator[System]:
    with local_system() as s:
        yield s
