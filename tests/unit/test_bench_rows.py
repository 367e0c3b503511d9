"""Smoke of the bench's instruction counts (`bench/instructions.py`, `make bench`): where valgrind
is installed, the count of a fresh interpreter's work is exact run to run, and grows with the work;
the cold-start, handler and engine rows (`bench/coldstart.py`, `bench/cpu.py`) are judged on the
counts, or on the times where valgrind is not installed, and say which."""

from __future__ import annotations

import pytest

from bench import coldstart, cpu, instructions


def test_an_instruction_count_is_the_same_on_every_run_and_follows_the_work():
    if not instructions.available():
        pytest.skip("valgrind is not installed")
    start = instructions.count("pass")
    assert instructions.count("pass") == start
    assert instructions.count("import json") > start


def _cold(ratio: float) -> dict:
    return {"seconds": ratio * 0.2, "baseline": 0.2, "ratio": ratio, "service": "dynamodb"}


def test_the_cold_start_rows_are_judged_on_instructions_and_show_the_times():
    times = {"score_ingestion": _cold(2.1), "partner_api": _cold(1.2)}  # a loaded machine's times
    counted = {"score_ingestion": {"ratio": 1.39, "instructions": 1.3e9, "baseline": 0.94e9},
               "partner_api": {"ratio": 1.51, "instructions": 1.42e9, "baseline": 0.94e9}}
    rows = coldstart.rows_of(times, counted)
    assert [r.ok for r in rows] == [True, False]  # the count decides, whatever the time says
    assert all("instructions" in r.target and "timed (information" in r.measured for r in rows)
    assert rows[0].measured.startswith("1.39 (1,300 M ÷ 940 M)")


def test_without_valgrind_the_cold_start_rows_judge_the_times_and_say_why():
    rows = coldstart.rows_of({"score_ingestion": _cold(1.4), "partner_api": _cold(1.6)}, None)
    assert [r.ok for r in rows] == [True, False]
    assert all("valgrind is not installed" in r.target for r in rows)


def _timed(median_ms: float) -> dict:
    return {"median": median_ms / 1000, "cpu_median": median_ms / 1000, "p90": median_ms / 1000}


def _data(median_ms: float, per_s: float) -> dict:
    engine = {"partners_per_s": per_s, "areas_per_s": per_s * 6, "measurements": 23, "roster": 134}
    return {**{label: _timed(median_ms) for label in cpu.INSTRUCTION_CASES}, "engine": engine,
            "engine (roster rebuilt per area)": engine, "engine_areas": {"SECURITY": 5.0}}


def test_the_handler_and_engine_rows_are_judged_on_instructions_and_show_the_times():
    slow = _data(median_ms=3.0, per_s=5_000)  # a loaded machine: every time misses its target
    within = {"handlers": dict.fromkeys(cpu.INSTRUCTION_CASES, cpu.HANDLER_BUDGET), "engine": cpu.ENGINE_BUDGET}
    rows = cpu.rows_of(slow, within, batches=200)
    assert len(rows) == len(cpu.INSTRUCTION_CASES) + 1 and all(r.ok for r in rows)
    assert all("instructions" in r.target and "timed (information)" in r.measured for r in rows)
    assert "median 3.00 ms" in rows[0].measured and "5,000 per s" in rows[-1].measured
    over = {"handlers": {**within["handlers"], "BenefitsElected": cpu.HANDLER_BUDGET + 1},
            "engine": cpu.ENGINE_BUDGET + 1}
    fast = _data(median_ms=0.1, per_s=50_000)  # the times do not rescue a count over its budget
    assert [r.ok for r in cpu.rows_of(fast, over, batches=200)] == [True, True, True, False, True, False]


def test_without_valgrind_the_handler_and_engine_rows_judge_the_times_and_say_why():
    rows = cpu.rows_of(_data(median_ms=0.5, per_s=25_000), None, batches=200)
    assert all(r.ok for r in rows) and all("valgrind is not installed" in r.target for r in rows)
    assert not any(r.ok for r in cpu.rows_of(_data(median_ms=1.5, per_s=15_000), None, batches=200))
