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
process that dies with this one).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
PROBE_NAME = "devstack-outbound-probe"
OUTBOUND_SOURCE = "partner.designations"
FAKE_ACCOUNT = "123456789012"
REGION = "us-east-1"

log = logging.getLogger("devstack")


# --------------------------------------------------------------------------- configuration


def devstack_dir() -> Path:
    return Path(os.environ.get("DEVSTACK_DIR") or PROJECT_ROOT / ".devstack").resolve()


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        port = int(raw)
    except ValueError:
        raise SystemExit(f"devstack: {name}={raw!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise SystemExit(f"devstack: {name}={port} is outside 1..65535")
    return port


class JsonFormatter(logging.Formatter):
    """One JSON object a line, like the handlers' Powertools logs."""

    _skip = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update({k: v for k, v in record.__dict__.items() if k not in self._skip})
        if record.exc_info:
            out["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(out, default=str)


def _setup_logging() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(os.environ.get("LOCAL_LOG_LEVEL", "INFO").upper())
    for noisy in ("werkzeug", "botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="No application metrics to publish")


def _fake_aws_env(moto_endpoint: str) -> None:
    """Point every boto3 client of this process at the emulator, before any client exists."""
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        os.environ.pop(var, None)
    os.environ.update({
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    })
    # The handlers' Powertools and pydantic settings from template.yaml (read when their modules
    # are imported).
    from devstack.template import function_settings

    for name, value in function_settings().items():
        os.environ.setdefault(name, value)
    # EMF metric blobs on stdout for every invocation would drown the console; nothing reads them.
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")


# --------------------------------------------------------------------------- lock / ports


class StartupError(Exception):
    """Refusal to start, with the one-line reason."""


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _acquire_lock(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    pid_file = directory / "run.pid"
    for _ in range(2):
        try:
            fd = os.open(pid_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                other = int(pid_file.read_text().strip() or "0")
            except (OSError, ValueError):
                other = 0
            if other != os.getpid() and _alive(other):
                raise StartupError(
                    f"already running (pid {other}, lock {pid_file}); stop it with Ctrl-C or `kill {other}`"
                ) from None
            with contextlib.suppress(FileNotFoundError):
                pid_file.unlink()  # stale lock of a process that is gone
            continue
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()}\n")
        return pid_file
    raise StartupError(f"cannot take the lock {pid_file}")


def _check_port(port: int, name: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError as exc:
            why = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound ({exc.strerror})"
            raise StartupError(f"port {port} on {HOST} {why}; set {name}=<free port>") from None


# --------------------------------------------------------------------------- emulator


class MotoServer:
    """moto's server app on a werkzeug server in a thread (bind errors surface here, at once)."""

    def __init__(self, port: int):
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        app = DomainDispatcherApplication(create_backend_app)
        self.server = make_server(HOST, port, app, threaded=True, request_handler=MotoRequestHandler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="moto-server", daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


_CHILD = r"""
import logging, sys, threading
logging.getLogger("werkzeug").setLevel(logging.ERROR)
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server
try:
    server = make_server(sys.argv[1], int(sys.argv[2]), DomainDispatcherApplication(create_backend_app),
                         threaded=True, request_handler=MotoRequestHandler)
except OSError as exc:
    print(f"error {exc}", flush=True)
    sys.exit(1)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
print("ready", flush=True)
sys.stdin.read()  # returns when the parent closes the pipe or dies: then stop with it
"""


class MotoProcess:
    """The same server in a child process (MOTO_MODE=process): moto's request handling then runs
    on another core than the handlers. The child exits when this process's end of its stdin pipe
    closes, so it never outlives us, even after a SIGKILL."""

    def __init__(self, port: int):
        import subprocess

        self.port = port
        self.proc = subprocess.Popen([sys.executable, "-c", _CHILD, HOST, str(port)], stdin=subprocess.PIPE,  # noqa: S603
                                     stdout=subprocess.PIPE, text=True)

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        line = self.proc.stdout.readline().strip() if self.proc.stdout else ""
        if line != "ready":
            self.proc.kill()
            raise StartupError(f"the moto server process did not start: {line or 'no output'}")

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()


# --------------------------------------------------------------------------- activity tracking


class Activity:
    """What the control endpoints need to say "everything caused so far has been processed".

    ``seq`` moves after every handler invocation (its writes and publications are complete by
    then). The stream poller counts its consecutive empty polls that *started* after the last
    invocation; with no handler running, every queue (work queues and the probe) empty and two
    such empty stream polls, nothing is left to happen.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seq = 0
        self.in_flight = 0
        self.stream_idle = 0  # consecutive empty stream polls ...
        self.stream_idle_seq = -1  # ... all started when seq had this value
        self.functions: dict[str, dict[str, int]] = {}
        self.started = time.time()
        self.last_change = time.monotonic()

    def begin(self, function: str) -> None:
        with self.lock:
            self.in_flight += 1
            self.functions.setdefault(function, {"invocations": 0, "records": 0, "errors": 0, "failedRecords": 0})

    def end(self, function: str, records: int, failed: int, error: bool) -> None:
        with self.lock:
            stats = self.functions[function]
            stats["invocations"] += 1
            stats["records"] += records
            stats["failedRecords"] += failed
            stats["errors"] += int(error)
            self.in_flight -= 1
            self.seq += 1
            self.last_change = time.monotonic()

    def touch(self) -> None:
        with self.lock:
            self.seq += 1
            self.last_change = time.monotonic()

    def recently_active(self, seconds: float = 3.0) -> bool:
        return time.monotonic() - self.last_change < seconds

    def stream_polled(self, started_seq: int, moved: int) -> None:
        with self.lock:
            if moved:
                self.stream_idle = 0
            elif started_seq == self.stream_idle_seq:
                self.stream_idle += 1
            else:
                self.stream_idle, self.stream_idle_seq = 1, started_seq

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "seq": self.seq,
                "inFlight": self.in_flight,
                "streamIdlePolls": self.stream_idle if self.stream_idle_seq == self.seq else 0,
                "processed": {k: dict(v) for k, v in sorted(self.functions.items())},
            }


def make_pump_class() -> type:
    from devstack.pump import Pump

    class LocalPump(Pump):
        """The shared Pump, with one lock around every handler invocation and activity tracking.

        Handlers share module-level Powertools singletons (Logger keys, Metrics) that Lambda keeps
        apart by running each invocation in its own process; here the threads take turns. A handler
        that raises is reported to the pump as a batch whose every record failed, so the records
        come back after ``retry_delay`` (like Lambda retrying the batch) instead of staying
        invisible for the queue's full visibility timeout.
        """

        def __init__(self, stack: Any, retry_delay: int | None, activity: Activity):
            self.activity = activity
            self.invoke_lock = threading.RLock()
            super().__init__(stack, retry_delay=retry_delay)

        def _invoke(self, d: Any, event: dict[str, Any]) -> Any:
            records = event.get("Records")
            n = len(records) if records is not None else 1
            with self.invoke_lock:
                self.activity.begin(d.function)
                started = time.monotonic()
                failed, error = 0, False
                try:
                    result = super()._invoke(d, event)
                    failed = len((result or {}).get("batchItemFailures", []) if isinstance(result, dict) else [])
                    return result
                except Exception:
                    error = True
                    log.exception("handler failed", extra={"function": d.function, "records": n})
                    if not records:
                        raise  # the scheduled run: the caller reports it
                    failed = n
                    if records[0].get("eventSource") == "aws:sqs":
                        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]}
                    return {"batchItemFailures": [{"itemIdentifier": records[0]["dynamodb"]["SequenceNumber"]}]}
                finally:
                    self.activity.end(d.function, n, failed, error)
                    log.info("invoked", extra={"function": d.function, "records": n, "failedRecords": failed,
                                               "ms": round((time.monotonic() - started) * 1000, 1)})

    return LocalPump


# --------------------------------------------------------------------------- the running system


class LocalSystem:
    """Everything `make run` starts; also the `control` object of the HTTP app."""

    def __init__(self, moto_port: int, api_port: int, directory: Path):
        self.moto_port, self.api_port, self.directory = moto_port, api_port, directory
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.activity = Activity()
        self.outbound: list[dict[str, Any]] = []
        self.outbound_lock = threading.Lock()
        self.probe_url = ""
        self.moto: MotoServer | MotoProcess | None = None
        self.http: Any = None
        self.stack: Any = None
        self.pump: Any = None
        self.info: dict[str, Any] = {}
        self.tick_lock = threading.Lock()

    # ---- start-up --------------------------------------------------------------------------
    def start(self) -> None:
        t0 = time.monotonic()
        mode = os.environ.get("MOTO_MODE", "thread").lower()
        self.moto = MotoProcess(self.moto_port) if mode == "process" else MotoServer(self.moto_port)
        self.moto.start()
        _fake_aws_env(self.moto.endpoint)

        from shared.adapters import aws

        aws.reset()
        from devstack.template import deploy_local

        self.stack = deploy_local(aws.client)
        log.info("stack deployed", extra={"seconds": round(time.monotonic() - t0, 2),
                                          "stack": self.stack.stack_name})
        self._create_probe()
        retry = int(os.environ.get("LOCAL_RETRY_DELAY", "1"))
        self.pump = make_pump_class()(self.stack, retry, self.activity)

        from werkzeug.serving import make_server

        from devstack.http import make_app

        app = make_app(self.stack, control=self, lock=self.pump.invoke_lock)
        self.http = make_server(HOST, self.api_port, app, threaded=True)
        self.http.daemon_threads = True

        for queue in self.pump.deliveries:
            self._thread(f"poll-{queue}", self._poll_queue_loop, queue)
        self._thread("poll-stream", self._poll_stream_loop)
        self._thread("probe", self._probe_loop)
        if os.environ.get("LOCAL_SCHEDULE", "manual").lower() == "wallclock":
            self._thread("scheduler", self._wallclock_loop)
        self._thread("http", self.http.serve_forever)
        self.info = self._describe()
        self.startup_seconds = time.monotonic() - t0

    def _thread(self, name: str, target: Callable[..., Any], *args: Any) -> None:
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        t.start()
        self.threads.append(t)

    def _create_probe(self) -> None:
        from shared.adapters import aws

        sqs, events = aws.client("sqs"), aws.client("events")
        self.probe_url = sqs.create_queue(QueueName=PROBE_NAME)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self.probe_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name=PROBE_NAME, EventBusName=self.stack.bus_name, State="ENABLED",
                        EventPattern=json.dumps({"source": [OUTBOUND_SOURCE]}),
                        Description="devstack: copy of every outbound event, for partnerctl")
        events.put_targets(Rule=PROBE_NAME, EventBusName=self.stack.bus_name,
                           Targets=[{"Id": PROBE_NAME, "Arn": arn}])

    def dlq_names(self) -> list[str]:
        s = self.stack
        names = set(s.dlq_of.values())
        for fn in s.functions.values():
            names.update(q for q in (fn.get("on_failure"), fn.get("schedule_dlq"), fn.get("async_on_failure")) if q)
        names.update(q for q in s.queues if q.endswith("DLQ"))
        return sorted(n for n in names if n in s.queues)

    def _describe(self) -> dict[str, Any]:
        from shared.adapters import aws

        s = self.stack
        sqs = aws.client("sqs")
        max_receive = {}
        for queue in s.dlq_of:
            policy = sqs.get_queue_attributes(QueueUrl=s.queues[queue], AttributeNames=["RedrivePolicy"])
            raw = policy.get("Attributes", {}).get("RedrivePolicy")
            max_receive[queue] = int(json.loads(raw)["maxReceiveCount"]) if raw else None
        return {
            "pid": os.getpid(),
            "startedAt": datetime.now(UTC).isoformat(timespec="seconds"),
            "motoEndpoint": self.moto.endpoint if self.moto else "",
            "apiUrl": f"http://{HOST}:{self.http.server_address[1]}",
            "region": s.region,
            "stackName": s.stack_name,
            "busName": s.bus_name,
            "stateTable": s.state_table,
            "dueShards": int(s.functions["AnniversaryRenewalFunction"]["environment"].get("DUE_SHARDS", "16")),
            "idempotencyTable": s.idempotency_table,
            "queues": {q: s.queues[q] for q in sorted(self.pump.deliveries)},
            "consumers": {q: d.function for q, d in sorted(self.pump.deliveries.items())},
            "dlqs": {q: s.queues[q] for q in self.dlq_names()},
            "redrive": {dlq: queue for queue, dlq in sorted(s.dlq_of.items())},  # DLQ -> its source queue
            "maxReceiveCount": max_receive,
            "probeQueue": self.probe_url,
            "functions": sorted(s.functions),
            "apiRoutes": [list(r) for r in s.api_routes],
        }

    # ---- loops -----------------------------------------------------------------------------
    def _guard(self, name: str, step: Callable[[], Any]) -> None:
        """Run `step` until stopped; an error is logged and retried after a pause."""
        failures = 0
        while not self.stop_event.is_set():
            try:
                step()
                failures = 0
            except Exception:
                if self.stop_event.is_set():
                    return
                failures += 1
                log.exception("poller error", extra={"poller": name, "consecutiveFailures": failures})
                self.stop_event.wait(min(5.0, 0.5 * failures))

    def _poll_queue_loop(self, queue: str) -> None:
        self._guard(queue, lambda: self.pump.poll_queue(queue, wait=1))

    def _poll_stream_loop(self) -> None:
        function = self.pump.stream.function if self.pump.stream else ""

        def failures() -> int:
            return self.activity.snapshot()["processed"].get(function, {}).get("failedRecords", 0)

        def step() -> None:
            started, failed_before = self.activity.snapshot()["seq"], failures()
            moved = self.pump.poll_stream()
            self.activity.stream_polled(started, moved)
            if failures() > failed_before:  # the publisher failed: the pump rewound; retry after a pause
                self.stop_event.wait(max(0.5, float(self.pump.retry_delay or 1)))
            elif not moved:  # idle: every 0.2 s; just after activity, faster (someone may be waiting)
                self.stop_event.wait(0.05 if self.activity.recently_active() else 0.2)

        self._guard("stream", step)

    def _probe_loop(self) -> None:
        from shared.adapters import aws

        sqs = aws.client("sqs")

        def step() -> None:
            messages = sqs.receive_message(QueueUrl=self.probe_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                           VisibilityTimeout=30).get("Messages", [])
            if not messages:
                return
            with self.outbound_lock:
                for m in messages:
                    try:
                        env = json.loads(m["Body"])
                    except ValueError:
                        continue
                    self.outbound.append({"seq": len(self.outbound), "id": env.get("id"), "time": env.get("time"),
                                          "detail-type": env.get("detail-type"), "source": env.get("source"),
                                          "detail": env.get("detail")})
            sqs.delete_message_batch(QueueUrl=self.probe_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])

        self._guard("probe", step)

    def _wallclock_loop(self) -> None:
        """LOCAL_SCHEDULE=wallclock: the daily run at 00:05 UTC for the current day (cron(5 0 * * ? *))."""
        while not self.stop_event.is_set():
            now = datetime.now(UTC)
            due = now.replace(hour=0, minute=5, second=0, microsecond=0)
            if due <= now:
                due += timedelta(days=1)
            if self.stop_event.wait((due - now).total_seconds()):
                return
            try:
                self.tick(due.date().isoformat(), timeout=300)
            except Exception:
                log.exception("scheduled run failed", extra={"day": due.date().isoformat()})

    # ---- control (used by devstack.http for /_local/*) --------------------------------------
    def pending(self) -> dict[str, int]:
        from shared.adapters import aws

        sqs = aws.client("sqs")
        out = {}
        urls = {**{q: d.queue_url for q, d in self.pump.deliveries.items()}, PROBE_NAME: self.probe_url}
        for name, url in urls.items():
            a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            out[name] = int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])
        return out

    def dlq_depths(self) -> dict[str, int]:
        from shared.adapters import aws

        sqs = aws.client("sqs")
        out = {}
        for name in self.dlq_names():
            a = sqs.get_queue_attributes(QueueUrl=self.stack.queues[name], AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            out[name] = int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])
        return out

    def status(self, dead_letters: bool = True) -> dict[str, Any]:
        """`quiet`: no handler running, the work queues and the probe empty (visible or in flight) and
        two empty stream polls since the last invocation, with nothing moving while this was read."""
        before = self.activity.snapshot()
        pending = self.pending()
        after = self.activity.snapshot()
        quiet = (before["seq"] == after["seq"] and after["inFlight"] == 0 and after["streamIdlePolls"] >= 2
                 and sum(pending.values()) == 0)
        with self.outbound_lock:
            outbound = len(self.outbound)
        if not dead_letters:
            return {"quiet": quiet, "pending": pending, "pendingTotal": sum(pending.values()),
                    "inFlight": after["inFlight"], "activitySeq": after["seq"], "outboundEvents": outbound}
        return {
            "quiet": quiet,
            "pending": pending,
            "pendingTotal": sum(pending.values()),
            "inFlight": after["inFlight"],
            "streamIdlePolls": after["streamIdlePolls"],
            "activitySeq": after["seq"],
            "processed": after["processed"],
            "outboundEvents": outbound,
            "deadLetters": self.dlq_depths(),
            "uptimeSeconds": round(time.time() - self.activity.started, 1),
        }

    def wait_quiet(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        streak = 0
        while time.monotonic() < deadline:
            streak = streak + 1 if self.status(dead_letters=False)["quiet"] else 0
            if streak >= 2:
                return True
            time.sleep(0.1)
        return False

    def events_since(self, since: int, limit: int = 10_000) -> dict[str, Any]:
        since = max(0, since)
        with self.outbound_lock:
            items = self.outbound[since: since + limit]
            total = len(self.outbound)
        return {"since": since, "next": min(since, total) + len(items), "total": total, "events": items}

    def tick(self, day: str, timeout: float = 120.0) -> dict[str, Any]:
        """Run the anniversary schedule for `day`, as EventBridge Scheduler would, and wait until
        everything it caused is processed. Asynchronous invocation semantics: the function's
        retries (EventInvokeConfig), then its on-failure destination."""
        with self.tick_lock:
            with self.outbound_lock:
                cursor = len(self.outbound)
            fn = self.stack.functions[self.pump.scheduled.function]
            attempts = 1 + 2  # EventInvokeConfig MaximumRetryAttempts: 2
            started = time.monotonic()
            error: str | None = None
            result: Any = None
            for attempt in range(attempts):
                try:
                    result = self.pump.tick(day)
                    error = None
                    break
                except Exception as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    log.warning("scheduled run failed", extra={"day": day, "attempt": attempt + 1, "error": error})
            if error is not None:
                self._dead_letter_tick(day, fn.get("async_on_failure"), error, attempts)
            self.activity.touch()
            quiet = self.wait_quiet(timeout)
            log.info("tick", extra={"day": day, "result": result, "error": error, "quiet": quiet,
                                    "seconds": round(time.monotonic() - started, 2)})
            return {"day": day, "result": result, "error": error, "quiet": quiet,
                    "seconds": round(time.monotonic() - started, 3), **self.events_since(cursor)}

    def _dead_letter_tick(self, day: str, queue: str | None, error: str, attempts: int) -> None:
        if not queue or queue not in self.stack.queues:
            return
        from shared.adapters import aws

        body = {"version": "1.0", "timestamp": datetime.now(UTC).isoformat(),
                "requestContext": {"functionArn": self.pump.scheduled.function, "condition": "RetriesExhausted",
                                   "approximateInvokeCount": attempts},
                "requestPayload": {"source": "aws.scheduler", "detail-type": "Scheduled Event",
                                   "time": f"{day}T00:05:00Z", "detail": {}},
                "responsePayload": {"errorMessage": error}}
        aws.client("sqs").send_message(QueueUrl=self.stack.queues[queue], MessageBody=json.dumps(body))

    # ---- shutdown ---------------------------------------------------------------------------
    def stop(self) -> None:
        self.stop_event.set()
        if self.http is not None:
            self.http.shutdown()
            self.http.server_close()
        for t in self.threads:
            t.join(timeout=5)
        if self.moto is not None:
            self.moto.stop()


# --------------------------------------------------------------------------- banner


def banner(system: LocalSystem, directory: Path) -> str:
    info, s = system.info, system.stack
    dlq_of = s.dlq_of
    lines = [
        "",
        f"Solutions Partner engine: local stack up in {system.startup_seconds:.1f} s (pid {info['pid']}, loopback only)",
        "",
        f"  AWS emulator   moto server        {info['motoEndpoint']}   (region {info['region']}, fake credentials)",
        f"  HTTP API       PartnerApiFunction {info['apiUrl']}   Swagger UI {info['apiUrl']}/docs",
    ]
    for method, path in s.api_routes:
        lines.append(f"                 {method:<5} {path}")
    lines += [
        f"  Event bus      {s.bus_name}",
        f"  State table    {s.state_table}  (stream -> OutboxPublisherFunction, polled every 0.2 s)",
        "  Queues         rule -> queue -> function; after maxReceiveCount failed receives -> DLQ",
    ]
    for queue, d in sorted(system.pump.deliveries.items()):
        dlq = dlq_of.get(queue)
        n = info["maxReceiveCount"].get(queue)
        lines.append(f"                 {queue:<22} -> {d.function:<32} DLQ {dlq} (after {n} receives)")
    others = [q for q in info["dlqs"] if q not in dlq_of.values()]
    if others:
        lines.append(f"                 other dead-letter queues: {', '.join(others)}")
    sched = s.functions[system.pump.scheduled.function] if system.pump.scheduled else None
    if sched:
        mode = os.environ.get("LOCAL_SCHEDULE", "manual").lower()
        when = ("also fires daily on the wall clock (LOCAL_SCHEDULE=wallclock)" if mode == "wallclock"
                else "not fired by the wall clock (LOCAL_SCHEDULE=wallclock to enable)")
        lines += [
            f"  Scheduler      stand-in for {sched['schedule']} {sched.get('schedule_timezone') or ''} -> "
            f"{system.pump.scheduled.function}: `partnerctl tick YYYY-MM-DD`",
            f"                 (POST /_local/tick?day=...); {when}",
        ]
    lines += [
        f"  Outbound probe rule {PROBE_NAME} (source {OUTBOUND_SOURCE}) -> SQS {PROBE_NAME} -> GET /_local/events",
        f"  Retries        failed records come back after {system.pump.retry_delay} s (LOCAL_RETRY_DELAY)",
        "",
        "  Not created on the emulator (and what runs instead):",
    ]
    for note in s.dropped:
        lines.append(f"    - {note}")
    lines += [
        "",
        f"  State          {directory / 'run.json'}",
        "  Try            partnerctl demo | partnerctl send FILE... | partnerctl tick DATE | "
        "partnerctl status ID | partnerctl dlq list",
        "  Stop           Ctrl-C",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def main() -> int:
    _setup_logging()
    directory = devstack_dir()
    moto_port, api_port = _port("MOTO_PORT", 4566), _port("API_PORT", 3000)
    if moto_port == api_port:
        print(f"devstack: MOTO_PORT and API_PORT are both {moto_port}", file=sys.stderr)
        return 1
    try:
        pid_file = _acquire_lock(directory)
    except StartupError as exc:
        print(f"devstack: {exc}", file=sys.stderr)
        return 1
    run_json = directory / "run.json"
    system = LocalSystem(moto_port, api_port, directory)
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            _check_port(moto_port, "MOTO_PORT")
            _check_port(api_port, "API_PORT")
            system.start()
        except StartupError as exc:
            print(f"devstack: {exc}", file=sys.stderr)
            return 1
        except Exception as exc:
            log.error("start-up failed", exc_info=True)
            print(f"devstack: cannot start: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
            return 1
        tmp = run_json.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(system.info, indent=2) + "\n")
        tmp.replace(run_json)
        print(banner(system, directory), flush=True)
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
