"""The AWS emulator: moto's server app on loopback, in a thread of this process or in a child process."""

from __future__ import annotations

import functools
import subprocess
import sys
import threading

import jsonpath_ng.ext
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
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


class MotoServer:
    """moto's server app on a werkzeug server in a thread (bind errors surface here, at once)."""

    def __init__(self, port: int):
        memoize_jsonpath()
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
from devstack.emulator import memoize_jsonpath
memoize_jsonpath()
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
