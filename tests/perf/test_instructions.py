"""Smoke of the bench's instruction counts (`bench/instructions.py`, `make bench`): where valgrind
is installed, the count of a fresh interpreter's work is exact run to run, and grows with the work."""

from __future__ import annotations

import pytest

from bench import instructions


@pytest.mark.skipif(not instructions.available(), reason="valgrind is not installed")
def test_an_instruction_count_is_the_same_on_every_run_and_follows_the_work():
    start = instructions.count("pass")
    assert instructions.count("pass") == start
    assert instructions.count("import json") > start


def test_without_valgrind_the_rows_say_so(monkeypatch):
    monkeypatch.setattr(instructions, "available", lambda: False)
    rows, data = instructions.measure()
    assert data == {} and [r.ok for r in rows] == [None, None]
    assert all("valgrind is not installed" in r.measured for r in rows)
