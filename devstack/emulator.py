"""The AWS emulator: moto's server app on loopback, in a thread of this process or in a child process."""

from __future__ import annotations

import copy
import functools
import json
import string
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import jsonpath_ng.ext
from moto.core import responses as moto_responses
from moto.core import serialize as moto_serialize
from moto.core.utils import camelcase_to_underscores, unix_time, unix_time_millis
from moto.dynamodb import models as dynamodb_models
from moto.events import models as events_models
from moto.events import utils as events_utils
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
    return _attributes(queue, message_counts(queue))


def message_counts(queue: sqs_models.Queue) -> dict[str, int]:
    now = unix_time_millis()
    visible = delayed = in_flight = 0
    for message in queue._messages:  # noqa: SLF001 - the emulator's own state, read as moto reads it
        is_delayed = now < message.delayed_until
        is_visible = now > message.visible_at
        delayed += is_delayed
        in_flight += not is_visible
        visible += is_visible and not is_delayed
    return {"ApproximateNumberOfMessages": visible, "ApproximateNumberOfMessagesDelayed": delayed,
            "ApproximateNumberOfMessagesNotVisible": in_flight}


def _attributes(queue: sqs_models.Queue, counts: dict[str, int] | None) -> dict[str, Any]:
    """The attribute map; without `counts`, the three message counts are left out."""
    result = {name: counts[name] if name in _COUNTED else getattr(queue, _SNAKE[name])
              for name in queue.BASE_ATTRIBUTES if counts is not None or name not in _COUNTED}
    if queue.fifo_queue:
        result.update({name: getattr(queue, _SNAKE[name]) for name in queue.FIFO_ATTRIBUTES})
    if queue.kms_master_key_id:
        result.update({name: getattr(queue, _SNAKE[name]) for name in queue.KMS_ATTRIBUTES})
    if queue.policy:
        result["Policy"] = queue.policy
    if queue.redrive_policy:
        result["RedrivePolicy"] = json.dumps(queue.redrive_policy)
    return {k: str(v).lower() if isinstance(v, bool) else v for k, v in result.items()}


class QueueAttributes(Mapping[str, Any]):
    """`queue_attributes(queue)` as moto's `Queue.attributes` returns it, with the three message
    counts (a scan of the queue) taken only when one is read or the whole map is. moto reads one
    attribute of the map for every message it sends (`ContentBasedDeduplication`), so a send no
    longer costs time in proportion to the queue's depth (an undrained queue, such as the tests'
    outbound probe, reached thousands of messages)."""

    def __init__(self, queue: sqs_models.Queue):
        self._queue = queue
        self._fixed: dict[str, Any] | None = None
        self._whole: dict[str, Any] | None = None

    def _all(self) -> dict[str, Any]:
        if self._whole is None:
            self._whole = queue_attributes(self._queue)
        return self._whole

    def __getitem__(self, name: str) -> Any:
        if name in _COUNTED or self._whole is not None:
            return self._all()[name]
        if self._fixed is None:
            self._fixed = _attributes(self._queue, None)
        return self._fixed[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def visible_messages(queue: sqs_models.Queue) -> list[sqs_models.Message]:
    """moto's `Queue.messages` (the visible, undelayed messages) with the clock read once, not
    twice per message: every ReceiveMessage builds the list."""
    now = unix_time_millis()
    return [m for m in queue._messages if now > m.visible_at and not now < m.delayed_until]  # noqa: SLF001


_COUNTED = frozenset(("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed",
                      "ApproximateNumberOfMessagesNotVisible"))
_SNAKE = {name: camelcase_to_underscores(name) for name in
          sqs_models.Queue.BASE_ATTRIBUTES + sqs_models.Queue.FIFO_ATTRIBUTES + sqs_models.Queue.KMS_ATTRIBUTES}


def retained(backend: sqs_models.SQSBackend, queue_name: str, message: sqs_models.Message) -> bool:
    """moto's retention check without building the queue's whole attribute map for one number."""
    retention = int(backend.get_queue(queue_name).message_retention_period)
    return retention + message.sent_timestamp / 1000 > unix_time()


def receipt_handle() -> str:
    """moto's receipt handle (185 random lowercase letters from its seedable generator), from 185
    random bytes in one call instead of 185 draws: it is made for every message received."""
    return mock_random.randbytes(185).translate(_LETTERS).decode("ascii")


_LETTERS = bytes(ord(string.ascii_lowercase[i % 26]) for i in range(256))


def received_copy(obj: Any, memo: dict[int, Any] | None = None) -> Any:
    """`copy.deepcopy` as moto's SQS backend uses it, with the same result: for each message it
    delivers, moto deep-copies it (so that filtering its attributes leaves the stored one alone)
    through the generic reduce protocol; here a message's immutable fields are shared and the
    rest deep-copied."""
    if type(obj) is sqs_models.Message:
        new = copy.copy(obj)
        new.__dict__ = {k: v if isinstance(v, _ATOMS) else copy.deepcopy(v, memo) for k, v in obj.__dict__.items()}
        return new
    return copy.deepcopy(obj, memo)


_ATOMS = (str, bytes, int, float, type(None))


def memoize_dispatch() -> None:
    """moto lists its response class's methods (`inspect.getmembers`) and converts the action's
    name to snake case on every request it dispatches; both are pure functions of a class and a
    name, so one answer per class and per name serves every request (moto's responses module looks
    both names up at each call, so it gets these)."""
    if not hasattr(moto_responses.method_names_from_class, "cache_info"):
        moto_responses.method_names_from_class = functools.cache(moto_responses.method_names_from_class)
        moto_responses.camelcase_to_underscores = functools.lru_cache(maxsize=1024)(
            moto_responses.camelcase_to_underscores)


def possible_keys(self: moto_serialize.XFormedAttributePicker, context: Any) -> tuple[str, ...]:
    """moto's response serializer asks, for every member of every structure it writes (ten per
    DynamoDB attribute value), which names the value may have in the Python object, running six
    alias providers each time. The answer is a function of the object's class (and its `Meta`), the
    member's name, its shape and the shape's parent structure, so it is computed once for each; the
    shapes are kept with the answer, so their ids stay theirs."""
    shape = context.shape
    parent = getattr(shape, "parent", None)
    key = (type(context.obj), getattr(context.obj, "Meta", None), context.key, id(shape), id(parent),
           tuple(self.alias_providers))
    known = _POSSIBLE_KEYS.get(key)
    if known is None:
        known = _POSSIBLE_KEYS[key] = (tuple(MOTO["possible_keys"](self, context)), shape, parent)
    return known[0]


_POSSIBLE_KEYS: dict[tuple[Any, ...], tuple[tuple[str, ...], Any, Any]] = {}


_WHOLE_EVENT = "<aws.events.event.json>"


def event_input(input_template: str | None, input_paths_map: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """moto's target input (`EventTemplateParser.parse`) with the same result, without evaluating
    its eight default JSONPaths and serialising the detail for each, when the answer is plain:

    - the template's form, the unchanged event (`InputTemplate: "<aws.events.event.json>"`, no
      paths): the event's JSON, read back;
    - no transformer (the outbound probe's target): moto's default template filled in, when no
      value needs JSON escaping or holds a `<` (moto pastes the values in as text, so such a value
      would change the template: moto's own path then gives moto's own answer)."""
    if not input_paths_map:
        if input_template == _WHOLE_EVENT:
            text = json.dumps(event)
            if "<aws.events.event.ingestion-time>" not in text:
                return json.loads(text)
        elif not input_template:
            plain = default_input(event)
            if plain is not None:
                return plain
    return MOTO["event_input"](input_template, input_paths_map, event)


def default_input(event: dict[str, Any]) -> dict[str, Any] | None:
    """moto's default target input for `event`, or None when a value would not paste in plainly."""
    names = ("id", "detail-type", "source", "region")
    texts = [event.get(n) for n in names]
    resources, time, detail = event.get("resources"), event.get("time"), event.get("detail")
    if not (all(isinstance(t, str) and t and "<" not in t and json.dumps(t) == f'"{t}"' for t in texts)
            and isinstance(resources, list) and all(isinstance(r, str) and "<" not in r for r in resources)
            and isinstance(time, int | float) and not isinstance(time, bool) and isinstance(detail, dict)):
        return None
    detail_text = json.dumps(detail)
    if "<" in detail_text:
        return None
    return {"id": texts[0], "time": json.loads(str(time)), "version": "0", "detail-type": texts[1],
            "source": texts[2], "region": texts[3], "resources": json.loads(json.dumps(resources)),
            "detail": json.loads(detail_text)}


def put_events(self: events_models.EventsBackend, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """moto's `EventsBackend.put_events` with the same deliveries and answer. moto builds each
    entry's event anew for every rule of the bus (a deep copy, the detail parsed again) and tests
    each rule's pattern on a JSON round trip of it; here an entry is parsed, normalised and
    flattened once, and only the rules whose pattern matches get it. A request with an entry
    moto would refuse or warn about, or a rule with a target that is not a queue, takes moto's
    own path."""
    details = []
    for event in events:
        try:
            detail = json.loads(event["Detail"]) if event.get("Source") and event.get("DetailType") \
                and event.get("Detail") else None
        except ValueError:
            detail = None
        if not isinstance(detail, dict):
            return MOTO["put_events"](self, events)
        details.append(detail)
    if len(events) > 10:
        return MOTO["put_events"](self, events)
    entries = []
    for event, detail in zip(events, details, strict=True):
        event_id = str(mock_random.uuid4())
        entries.append({"EventId": event_id})
        bus = self.describe_event_bus(self._normalize_event_bus_arn(event.get("EventBusName")))
        message = {"version": "0", "id": event_id, "detail-type": event["DetailType"], "source": event["Source"],
                   "account": self.account_id, "time": event.get("Time", unix_time()), "region": self.region_name,
                   "resources": event.get("Resources", []), "detail": detail, "ingestion-time": unix_time()}
        flat = events_models.EventPattern._flatten_dict(json.loads(json.dumps(message)))  # noqa: SLF001
        for rule in list(bus.rules.values()):
            pattern = rule.event_pattern._pattern  # noqa: SLF001 - moto's own rule, matched as moto matches it
            if pattern and not rule.event_pattern._does_event_match(flat, pattern):  # noqa: SLF001
                continue
            if not all(target["Arn"].split(":")[2] == "sqs" for target in rule.targets):
                rule.send_to_targets(copy.deepcopy(message))
                continue
            for target in rule.targets:
                transformer = target.get("InputTransformer", {})
                body = events_models.EventTemplateParser.parse(
                    input_template=transformer.get("InputTemplate"),
                    input_paths_map=transformer.get("InputPathsMap", {}), event=message)
                rule._send_to_sqs_queue(target["Arn"].split(":")[5], body,  # noqa: SLF001
                                        target.get("SqsParameters", {}).get("MessageGroupId"))
    return entries


def transact_write_items(self: dynamodb_models.DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's `TransactWriteItems`, except that a cancelled transaction leaves each table's object,
    and its stream, in place. moto rolls back by putting back a deep copy of each table taken
    before the transaction: a new table with a new stream shard, while every reader of the stream
    (the pump, any shard iterator) holds the old one, so nothing written after the first cancelled
    transaction (a conditional write of a per-person partner losing a race, say) reached the
    outbox publisher. On AWS a cancelled transaction writes nothing and the stream goes
    on: here the copy's contents go back into the table, and its stream drops only the records
    the cancelled transaction had added."""
    before = dict(self.tables)
    try:
        MOTO["transact_write_items"](self, transact_items)
    finally:
        for name, table in before.items():
            copy_ = self.tables.get(name)
            if copy_ is None or copy_ is table:
                continue
            shard = table.stream_shard
            kept = len(copy_.stream_shard.items) if copy_.stream_shard is not None else 0
            table.__dict__.update({k: v for k, v in vars(copy_).items() if k != "stream_shard"})
            if shard is not None:
                del shard.items[kept:]
            self.tables[name] = table


# moto's own versions, kept for the test that compares the answers
MOTO = {"attributes": sqs_models.Queue.attributes, "method_names": moto_responses.method_names_from_class,
        "retained": sqs_models.SQSBackend.is_message_valid_based_on_retention_period,
        "messages": sqs_models.Queue.messages,
        "event_input": events_utils.EventTemplateParser.parse, "put_events": events_models.EventsBackend.put_events,
        "possible_keys": moto_serialize.XFormedAttributePicker.get_possible_keys,
        "transact_write_items": dynamodb_models.DynamoDBBackend.transact_write_items}


def speed_up() -> None:
    """Cut moto's cost per request (and make it independent of queue depth), with the same answers
    (tests/unit/test_emulator.py compares them with moto's own), and keep a table's stream across
    a cancelled transaction as AWS does (`transact_write_items`). Idempotent; `make run`, the
    component tests and the bench all run on the patched emulator."""
    memoize_jsonpath()
    memoize_dispatch()
    sqs_models.Queue.attributes = property(QueueAttributes)
    sqs_models.Queue.messages = property(visible_messages)
    sqs_models.SQSBackend.is_message_valid_based_on_retention_period = retained
    sqs_models.generate_receipt_handle = receipt_handle
    sqs_models.deepcopy = received_copy
    events_utils.EventTemplateParser.parse = staticmethod(event_input)
    events_models.EventsBackend.put_events = put_events
    moto_serialize.XFormedAttributePicker.get_possible_keys = possible_keys
    dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items


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
