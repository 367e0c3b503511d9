"""`make run` / `python -m devstack.run`: the whole system on loopback, from template.yaml.

What runs, all in this one process:

- the AWS emulator: a moto server on ``127.0.0.1:$MOTO_PORT`` (default 4566) holding every resource
  of template.yaml that moto can host (``devstack.template.deploy_local``);
- event delivery where AWS would do it: one poller thread per work queue (SQS -> function, as
  Lambda's event source mapping), one for the table's stream (-> outbox publisher), all through
  ``devstack.pump.Pump`` with the real handlers;
- the scheduler stand-in: ``POST /_local/tick?day=YYYY-MM-DD`` (``partnerctl tick``) runs the daily
  anniversary schedule for any day; with ``LOCAL_SCHEDULE=wallclock`` it also fires every day at
  the template's cron time for the current UTC day;
- the HTTP API on ``127.0.0.1:$API_PORT`` (default 3000): the template's REST routes through the
  real PartnerApiFunction handler (``devstack.http``), Swagger UI at ``/docs``, and the control
  endpoints ``/_local/*`` that ``partnerctl`` uses to wait until the work it caused is done;
- an outbound probe: an EventBridge rule on the bus (``source: partner.designations``) -> SQS queue
  ``devstack-outbound-probe`` -> an in-memory log of every event the engine published
  (``GET /_local/events?since=N``).

State files live in ``$DEVSTACK_DIR`` (default ``<project>/.devstack``): ``run.pid`` (the lock)
and ``run.json`` (endpoints, bus, queues, DLQs; written once everything is up, removed on exit).

Environment: MOTO_PORT, API_PORT, DEVSTACK_DIR, LOCAL_RETRY_DELAY (seconds before a failed record
is retried, default 1; the template's VisibilityTimeout is 180), LOCAL_LOG_LEVEL (this process,
default INFO), POWERTOOLS_LOG_LEVEL (the handlers, default INFO), LOCAL_SCHEDULE (``manual`` or
``wallclock``), MOTO_MODE (``thread``, the default: moto in this process; ``process``: in a child
process that dies with this one), LOCAL_DUE_SHARDS (the template's DueShards here, default 4).

Where each part lives: config (settings, logging, the emulator environment), lock (pid lock, ports),
emulator (moto server), system (start-up, pollers, shutdown), control (``/_local/*``), activity and
localpump (counting invocations), banner (the start-up text); this module only starts and stops.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
from typing import Any

from devstack.banner import banner
from devstack.config import devstack_dir, env_port, log, setup_logging
from devstack.lock import StartupError, acquire_lock, check_port
from devstack.system import LocalSystem


def main() -> int:
    setup_logging()
    directory = devstack_dir()
    moto_port, api_port = env_port("MOTO_PORT", 4566), env_port("API_PORT", 3000)
    if moto_port == api_port:
        print(f"devstack: MOTO_PORT and API_PORT are both {moto_port}", file=sys.stderr)
        return 1
    try:
        pid_file = acquire_lock(directory)
    except StartupError as exc:
        print(f"devstack: {exc}", file=sys.stderr)
        return 1
    run_json = directory / "run.json"
    with contextlib.suppress(FileNotFoundError):
        run_json.unlink()  # left by a stack that was killed: it names endpoints nobody serves
    system = LocalSystem(moto_port, api_port, directory)
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            check_port(moto_port, "MOTO_PORT")
            check_port(api_port, "API_PORT")
            system.start()
        except StartupError as exc:
            print(f"devstack: {exc}", file=sys.stderr)
            return 1
        except Exception as exc:
            log.error("start-up failed", exc_info=True)
            print(f"devstack: cannot start: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
            return 1
        print(banner(system, directory), flush=True)
        # Last: whoever finds run.json (partnerctl, the tests) finds a stack that has said it is up.
        tmp = run_json.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(system.info, indent=2) + "\n")
        tmp.replace(run_json)
        log.info("ready", extra={"startupSeconds": round(system.startup_seconds, 2), "apiUrl": system.info["apiUrl"],
                                 "motoEndpoint": system.info["motoEndpoint"]})
        while not stop.wait(0.5):
            dead = [t.name for t in system.threads if not t.is_alive()]
            if dead:
                log.error("thread ended unexpectedly; shutting down", extra={"threads": dead})
                return 1
        log.info("stopping")
        return 0
    finally:
        with contextlib.suppress(FileNotFoundError):
            run_json.unlink()
        try:
            system.stop()
        except Exception:
            log.exception("error while stopping")
        with contextlib.suppress(FileNotFoundError):
            if pid_file.read_text().strip() == str(os.getpid()):
                pid_file.unlink()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if system.info:
            print("devstack: stopped", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
