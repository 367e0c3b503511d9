"""Everything `make run` starts, as one object: the emulator, the stack deployed from template.yaml,
the pollers (one thread per work queue, the stream, the outbound probe), the wall-clock scheduler
and the HTTP API."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from devstack.activity import Activity
from devstack.config import HOST, OUTBOUND_SOURCE, PROBE_NAME, fake_aws_env, local_due_shards
from devstack.control import Controls
from devstack.deploy import deploy_local
from devstack.depths import QueueDepths
from devstack.emulator import MotoProcess, MotoServer
from devstack.localstate import LocalState
from devstack.partnerwork import PartnerWork
from devstack.patterns import bus_patterns
from devstack.restore import restore
from devstack.sources import ApiSource, EmulatorSource
from shared.adapters import aws

log = logging.getLogger("devstack")


class LocalSystem(Controls):
    """Everything `make run` starts; also the `control` object of the HTTP app."""

    def __init__(self, moto_port: int, api_port: int, directory: Path):
        self.moto_port, self.api_port, self.directory = moto_port, api_port, directory
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.activity = Activity()
        self.outbound: list[dict[str, Any]] = []
        self.outbound_lock = threading.Condition()  # notified when the probe logged messages
        self.probe_url = ""
        self.probe_logged_ms = 0  # SentTimestamp of the newest message the probe has logged
        self.moto: MotoServer | MotoProcess | None = None
        self.http: Any = None
        self.stack: Any = None
        self.pump: Any = None
        self.info: dict[str, Any] = {}
        self.tick_lock = threading.Lock()
        self.state: LocalState | None = None
        self.checkpoint_lock = threading.Lock()
        self.saved_key: Any = None
        self.restored: dict[str, Any] = {}

    # ---- start-up --------------------------------------------------------------------------
    def start(self) -> None:
        t0 = time.monotonic()
        mode = os.environ.get("MOTO_MODE", "thread").lower()
        self.moto = MotoProcess(self.moto_port) if mode == "process" else MotoServer(self.moto_port)
        self.moto.start()
        fake_aws_env(self.moto.endpoint)

        aws.reset()
        self.stack = deploy_local(aws.client, parameters={"DueShards": local_due_shards()})
        log.info("stack deployed", extra={"seconds": round(time.monotonic() - t0, 2),
                                          "stack": self.stack.stack_name})
        self._create_probe()
        retry = int(os.environ.get("LOCAL_RETRY_DELAY", "1"))
        # Imported only now: the handler modules these load read their Powertools settings from the
        # environment at import time, and fake_aws_env has just set it.
        from devstack.http import make_app
        from devstack.localpump import LocalPump

        routes, self.max_receive = self._routes()
        self.work = PartnerWork(routes, OUTBOUND_SOURCE)
        in_process = isinstance(self.moto, MotoServer)
        self.pump = LocalPump(self.stack, retry, self.activity, self.work, self.max_receive,
                              source=EmulatorSource() if in_process else ApiSource())
        self.depths = QueueDepths(in_process=in_process)
        self._restore()
        app = make_app(self.stack, control=self, lock=self.pump.invoke_lock)
        self.http = make_server(HOST, self.api_port, app, threaded=True)
        self.http.daemon_threads = True

        for queue in self.pump.deliveries:
            self._thread(f"poll-{queue}", self._poll_queue_loop, queue)
        self._thread("poll-stream", self._poll_stream_loop)
        self._thread("probe", self._probe_loop)
        self._thread("checkpoint", self._checkpoint_loop)
        if os.environ.get("LOCAL_SCHEDULE", "manual").lower() == "wallclock":
            self._thread("scheduler", self._wallclock_loop)
        self._thread("http", self.http.serve_forever)
        self.info = self._describe()
        self.startup_seconds = time.monotonic() - t0

    def _restore(self) -> None:
        """Load the state file into the fresh stack before any poller runs; from then on every
        change of the state table reaches the file through the stream poller."""
        self.state = LocalState(self.directory)
        dlqs = {n: self.stack.queues[n] for n in self.dlq_names()}
        shards = int(self.stack.functions["ScoreIngestionFunction"]["environment"]["DUE_SHARDS"])
        self.restored = restore(self.state, aws.client("dynamodb"), aws.client("sqs"), self.stack.state_table, dlqs,
                                shards)
        self.restored["runs"] = self.state.runs()
        self.pump.start_stream_at_latest()
        self.pump.on_stream = self.state.record_stream
        log.info("state restored", extra={"file": str(self.state.path), **{k: v for k, v in self.restored.items()
                                                                             if k != "runs"}})

    def _thread(self, name: str, target: Callable[..., Any], *args: Any) -> None:
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        t.start()
        self.threads.append(t)

    def _create_probe(self) -> None:
        sqs, events = aws.client("sqs"), aws.client("events")
        self.probe_url = sqs.create_queue(QueueName=PROBE_NAME)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self.probe_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name=PROBE_NAME, EventBusName=self.stack.bus_name, State="ENABLED",
                        EventPattern=json.dumps({"source": [OUTBOUND_SOURCE]}),
                        Description="devstack: copy of every outbound event, for partnerctl")
        events.put_targets(Rule=PROBE_NAME, EventBusName=self.stack.bus_name,
                           Targets=[{"Id": PROBE_NAME, "Arn": arn}])

    def _routes(self) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
        """The event patterns of the bus's rules by the queue they feed, and each work queue's
        maxReceiveCount, as the emulator holds them."""
        s, sqs, events = self.stack, aws.client("sqs"), aws.client("events")
        arns = {sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]: q
                for q, url in s.queues.items()}
        routes: dict[str, list[dict[str, Any]]] = {}
        for rule in events.list_rules(EventBusName=s.bus_name).get("Rules", []):
            for target in events.list_targets_by_rule(Rule=rule["Name"], EventBusName=s.bus_name).get("Targets", []):
                if target["Arn"] in arns and rule.get("EventPattern"):
                    routes.setdefault(arns[target["Arn"]], []).append(json.loads(rule["EventPattern"]))
        max_receive = {}
        for queue in s.dlq_of:
            policy = sqs.get_queue_attributes(QueueUrl=s.queues[queue], AttributeNames=["RedrivePolicy"])
            raw = policy.get("Attributes", {}).get("RedrivePolicy")
            if raw:
                max_receive[queue] = int(json.loads(raw)["maxReceiveCount"])
        return routes, max_receive

    def _describe(self) -> dict[str, Any]:
        s = self.stack
        max_receive = {q: self.max_receive.get(q) for q in s.dlq_of}
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
            "routes": {q: p for q, p in self.work.routes.items() if q in self.pump.deliveries},
            # every enabled rule's pattern (the probe's left out): partnerctl names what no rule routes
            "rulePatterns": bus_patterns(aws.client("events").list_rules, s.bus_name, PROBE_NAME),
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

        def counts() -> tuple[int, int, int]:
            """(activity seq, the publisher's invocations, its failed records)"""
            snap = self.activity.snapshot()
            stats = snap["processed"].get(function, {})
            return snap["seq"], stats.get("invocations", 0), stats.get("failedRecords", 0)

        def step() -> None:
            self.activity.invoked.clear()  # before the poll: an invocation ending from now on wakes the next
            started, published_before, failed_before = counts()
            moved = self.pump.poll_stream()
            self.activity.stream_polled(started, moved)
            caught_up = self.pump.stream_caught_up or self.pump.stream is None
            if caught_up:
                self.work.caught_up(started)
            seq, published, failed = counts()
            if failed > failed_before:  # the publisher failed: the pump rewound; retry after a pause
                self.stop_event.wait(max(0.5, float(self.pump.retry_delay or 1)))
            elif not moved or (caught_up and seq == started + published - published_before):
                # Idle, or read to the end with no invocation but the publisher's own ending since
                # (every write is a handler's, so nothing new is on the stream): until an invocation
                # ends, at most 0.2 s. The publisher's own end set `invoked`; it is not news.
                if moved:
                    self.activity.invoked.clear()
                    if self.activity.snapshot()["seq"] != seq:  # one ended meanwhile: poll now
                        return
                self.activity.invoked.wait(0.2)

        self._guard("stream", step)

    def _probe_loop(self) -> None:
        sqs = aws.client("sqs")

        def step() -> None:
            messages = sqs.receive_message(QueueUrl=self.probe_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                           VisibilityTimeout=30, AttributeNames=["SentTimestamp"]).get("Messages", [])
            if not messages:
                return
            with self.outbound_lock:
                for m in messages:
                    sent = int((m.get("Attributes") or {}).get("SentTimestamp") or 0)
                    self.probe_logged_ms = max(self.probe_logged_ms, sent)
                    try:
                        env = json.loads(m["Body"])
                    except ValueError:
                        continue
                    self.outbound.append({"seq": len(self.outbound), "id": env.get("id"), "time": env.get("time"),
                                          "detail-type": env.get("detail-type"), "source": env.get("source"),
                                          "detail": env.get("detail")})
            sqs.delete_message_batch(QueueUrl=self.probe_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
            with self.outbound_lock:  # logged and off the probe queue: `settle` may look again
                self.outbound_lock.notify_all()

        self._guard("probe", step)

    def _checkpoint_loop(self) -> None:
        """Dead letters into the state file once the stack is quiet after work, whoever caused it."""
        def step() -> None:
            if self.stop_event.wait(1.0):
                return
            if self.status(dead_letters=False)["quiet"]:
                self.checkpoint()

        self._guard("checkpoint", step)

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

    # ---- shutdown ---------------------------------------------------------------------------
    def stop(self) -> None:
        self.stop_event.set()
        self.activity.invoked.set()
        if self.http is not None:
            self.http.shutdown()
            self.http.server_close()
        for t in self.threads:
            t.join(timeout=5)
        if self.state is not None and self.stack is not None:
            try:
                self.checkpoint()
            except Exception:
                log.exception("could not save the dead-letter queues on the way out")
        if self.moto is not None:
            self.moto.stop()
        if self.state is not None:
            self.state.close()
