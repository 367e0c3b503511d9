"""Benchmark suite of the Solutions Partner engine (`make bench` = `python -m bench`).

A script, not timed tests: it measures, prints one table (target, measured, PASS/FAIL) and writes
it to docs/benchmarks.md. Parts:

- `bench.requests`  AWS requests per operation, counted with botocore event hooks against moto
                    (deterministic; `tests/perf` runs this part as a CI guard)
- `bench.scaling`   the anniversary run's items read per partner due, at 1k / 10k / 100k stored
- `bench.coldstart` fresh-interpreter import + first client, relative to boto3 + one client
- `bench.cpu`       handler CPU per event (AWS faked) and engine throughput
- `bench.stack`     events per second through the local stack (moto + pollers)
- `bench.costmodel` the numbers of docs/scale.md (`python -m bench.costmodel`)

Environment: offline, fake credentials, as the tests: set where not already set on import; the
suite's entry points also drop what could point boto3 at a real account or a running local stack
(`offline()`); importing the package (as tests/perf does) never removes anything.
"""

from __future__ import annotations

import os

for _name, _value in {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "POWERTOOLS_SERVICE_NAME": "partner-engine-bench",
    "POWERTOOLS_METRICS_NAMESPACE": "PartnerEngineBench",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(_name, _value)


def offline() -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(name, None)


# The sizes by default (100,000 stored, a 10,000-event refresh: ~6 min on 2 cores);
# BENCH_QUICK=1 runs 1,000 / 10,000 stored and 2,000 events (~1.5 min).
FULL = os.environ.get("BENCH_QUICK", "") in ("", "0", "false", "no")


def silenced():  # noqa: ANN201 - a context manager
    """Handlers print Powertools' EMF metrics and JSON logs to stdout: send fd 1 to /dev/null
    (and Powertools' "no metrics" warning away) while measuring."""
    import contextlib
    import sys
    import warnings

    @contextlib.contextmanager
    def _cm():  # noqa: ANN202
        sys.stdout.flush()
        saved = os.dup(1)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="No application metrics to publish")
                yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)

    return _cm()
