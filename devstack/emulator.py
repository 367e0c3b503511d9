"""The AWS emulator: moto's server app on loopback, in a thread of this process or in a child process."""

from __future__ import annotations

import functools
import json
import string
import subprocess
import sys
import threading
from typing import Any

import jsonpath_ng.ext
from moto.core import responses as moto_responses
from moto.core.utils import camelcase_to_underscores, unix_time, unix_time_millis
from moto.moto_api._internal import mock_random
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.sqs import models as sqs_models
from werkzeug.serving import make_server

from devstack.config import HOST
from devstack.lock import StartupError


def memoize_jsonpath() -> None:
    """For every event it delivers to a rule target, moto parses the JSONPath expressions of
    EventBridge's default target input again, building a new parser each time (a third of the local
    stack's time per event, docs/decisions.md). A parsed expression is immutable, so one parse per
    expression serves every delivery; moto looks the function up at each call, so it gets this one."""
    if not hasattr(jsonpath_ng.ext.parse, "cache_info"):
        jsonpath_ng.ext.parse = functools.lru_cache(maxsize=256)(jsonpath_ng.ext.parse)


def queue_attributes(queue: sqs_models.Queue) -> dict[str, Any]:
    """moto's `Queue.attributes` with the same result, in one pass over the messages at one instant.

    moto computes a queue's whole attribute map (three message counts, each a scan of the queue
    that reads the clock once per message) for every message it sends (a FIFO-only lookup) and for
    every message it delivers (the retention period): time per message grows with the queue's depth,
    and a 100-message queue spent most of the local stack's time there (docs/decisions.md)."""
    now = unix_time_millis()
    visible = delayed = in_flight = 0
    for message in queue._messages:  # noqa: SLF001 - the emulator's own state, read as moto reads it
        is_delayed = now < message.delayed_until
        is_visible = now > message.visible_at
        delayed += is_delayed
        in_flight += not is_visible
        visible += is_visible and not is_delayed
    counts = {"ApproximateNumberOfMessages": visible, "ApproximateNumberOfMessagesDelayed": delayed,
              "ApproximateNumberOfMessagesNotVisible": in_flight}
    result = {name: counts[name] if name in counts else getattr(queue, _SNAKE[name])
              for name in queue.BASE_ATTRIBUTES}
    if queue.fifo_queue:
        result.update({name: getattr(queue, _SNAKE[name]) for name in queue.FIFO_ATTRIBUTES})
    if queue.kms_master_key_id:
        result.update({name: getattr(queue, _SNAKE[name]) for name in queue.KMS_ATTRIBUTES})
    if queue.policy:
        result["Policy"] = queue.policy
    if queue.redrive_policy:
        result["RedrivePolicy"] = json.dumps(queue.redrive_policy)
    return {k: str(v).lower() if isinstance(v, bool) else v for k, v in result.items()}


_SNAKE = {name: camelcase_to_underscores(name) for name in
          sqs_models.Queue.BASE_ATTRIBUTES + sqs_models.Queue.FIFO_ATTRIBUTES + sqs_models.Queue.KMS_ATTRIBUTES}


def retained(backend: sqs_models.SQSBackend, queue_name: str, message: sqs_models.Message) -> bool:
    """moto's retention check without building the queue's whole attribute map for one number."""
    retention = int(backend.get_queue(queue_name).message_retention_period)
    return retention + message.sent_timestamp / 1000 > unix_time()


def receipt_handle() -> str:
    """moto's receipt handle (185 random lowercase letters from its seedable generator), drawn in
    one call instead of 185: it is made for every message received."""
    return "".join(mock_random.choices(string.ascii_lowercase, k=185))


def memoize_dispatch() -> None:
    """moto lists its response class's methods (`inspect.getmembers`) and converts the action's
    name to snake case on every request it dispatches; both are pure functions of a class and a
    name, so one answer per class and per name serves every request (moto's responses module looks
    both names up at each call, so it gets these)."""
    if not hasattr(moto_responses.method_names_from_class, "cache_info"):
        moto_responses.method_names_from_class = functools.cache(moto_responses.method_names_from_class)
        moto_responses.camelcase_to_underscores = functools.lru_cache(maxsize=1024)(
            moto_responses.camelcase_to_underscores)


# moto's own versions, kept for the test that compares the answers
MOTO = {"attributes": sqs_models.Queue.attributes, "method_names": moto_responses.method_names_from_class,
        "retained": sqs_models.SQSBackend.is_message_valid_based_on_retention_period}


def speed_up() -> None:
    """Cut moto's cost per request (and make it independent of queue depth), with the same answers
    (tests/unit/test_emulator.py compares them with moto's own). Idempotent; `make run`, the
    component tests and the bench all run on the patched emulator."""
    memoize_jsonpath()
    memoize_dispatch()
    sqs_models.Queue.attributes = property(queue_attributes)
    sqs_models.SQSBackend.is_message_valid_based_on_retention_period = retained
    sqs_models.generate_receipt_handle = receipt_handle


class MotoServer:
    """moto's server app on a werkzeug server in a thread (bind errors surface here, at once)."""

    def __init__(self, port: int):
        speed_up()
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
from devstack.emulator import speed_up
speed_up()
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
