"""Sizes, the shared moto system, and the report of the reliability suite.

`RELIABILITY_FULL=1` (`make reliability`) runs the issue's counts and writes docs/reliability.md;
without it (`make test`) every scenario runs at smoke size so the directory stays well under a
minute.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness import System, local_system
from tests.reliability.report import COLLECTOR

FULL = os.environ.get("RELIABILITY_FULL") == "1"
COLLECTOR.started = COLLECTOR.started or time.monotonic()  # conftest import: collection of this directory


@dataclass(frozen=True)
class Sizes:
    histories: int  # generated partner histories per ordering property (in memory)
    moto_histories: int  # histories replayed through EventBridge/SQS/DynamoDB on moto
    fault_histories: int  # histories replayed under injected faults
    fault_rate: float
    bad_input_stride: int  # every n-th generated bad input is sent (1 = all)
    schemathesis_examples: int  # per API operation and generation mode
    concurrency_rounds: int
    concurrency_threads: int


SIZES = Sizes(histories=200, moto_histories=4, fault_histories=6, fault_rate=0.10, bad_input_stride=1,
              schemathesis_examples=60, concurrency_rounds=40, concurrency_threads=6) if FULL else \
    Sizes(histories=12, moto_histories=1, fault_histories=1, fault_rate=0.10, bad_input_stride=25,
          schemathesis_examples=4, concurrency_rounds=3, concurrency_threads=3)


@pytest.fixture(scope="package")
def system() -> Iterator[System]:
    """One moto system for the whole directory (building it from template.yaml takes seconds);
    tests keep apart by partner id and leave no hook or patch behind."""
    with local_system(retry_delay=0) as s:
        yield s


class Recorder:
    def __init__(self, nodeid: str):
        self.nodeid = nodeid

    def __call__(self, scenario: str, **counts) -> None:
        COLLECTOR.record(self.nodeid, scenario, **counts)


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Recorder:
    return Recorder(request.node.nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "tests/reliability/" not in report.nodeid.replace("\\", "/"):
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        if hasattr(report, "wasxfail"):
            state = "xpassed" if report.outcome == "passed" else "xfailed"
            COLLECTOR.xfails[report.nodeid] = report.wasxfail.removeprefix("reason: ")
        else:
            state = report.outcome
        COLLECTOR.outcomes[report.nodeid] = state
    elif report.when == "teardown" and report.outcome == "failed":
        COLLECTOR.outcomes[report.nodeid] = "failed"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """docs/reliability.md after a full run; RELIABILITY_REPORT=<file> writes any run's figures there."""
    if not COLLECTOR.rows:
        return
    seconds = time.monotonic() - (COLLECTOR.started or time.monotonic())
    if os.environ.get("RELIABILITY_REPORT"):
        path = Path(os.environ["RELIABILITY_REPORT"])
        path.write_text(COLLECTOR.render(seconds, "full run" if FULL else "smoke run", "pytest tests/reliability"),
                        encoding="utf-8")
    elif FULL:
        path = COLLECTOR.write(seconds, "full run, RELIABILITY_FULL=1", "make reliability")
    else:
        return
    print(f"\nreliability report written to {path}")
