"""partnerctl's connection to a running local stack: its API and control endpoints over HTTP, and
boto3 clients on its emulator. Errors become one-line `CliError`s."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from typing import Any, NoReturn

from devstack.config import PROBE_NAME, devstack_dir
from devstack.lock import pid_alive
from devstack.patterns import bus_patterns

# partnerctl's exit statuses (README "Operator CLI", `partnerctl --help`).
EXIT_OK = 0  # everything asked was done and applied
EXIT_STACK = 1  # the stack is not running or not reachable, timed out, or refused the work
EXIT_USAGE = 2  # bad command line, bad date or id, unreadable or invalid event file
EXIT_NOT_APPLIED = 3  # done, but some events were not applied: rejected into a DLQ or matched no rule


class CliError(Exception):
    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = 1) -> NoReturn:
    raise CliError(message, code)


class Stack:
    """The running local stack: its control/API endpoints and boto3 clients on its emulator."""

    def __init__(self) -> None:
        api = os.environ.get("PARTNERCTL_API")
        run_json = devstack_dir() / "run.json"
        if api:
            self.api = api.rstrip("/")
            self.info = self.get("/_local/info")
        else:
            if not run_json.exists():
                fail(f"the local stack is not running (no {run_json}); start it with `make run`")
            try:
                self.info = json.loads(run_json.read_text())
                pid = int(self.info.get("pid") or 0)
                self.api = str(self.info["apiUrl"]).rstrip("/")
            except (OSError, ValueError, TypeError, AttributeError, KeyError, RecursionError) as exc:
                fail(f"cannot read {run_json} ({type(exc).__name__}: {str(exc)[:200]}); restart the stack with `make run`")
            if pid and not pid_alive(pid):
                fail(f"the local stack is not running (pid {pid} of {run_json} has exited); start it with `make run`")
        if not isinstance(self.info, dict) or not self.info.get("motoEndpoint"):
            fail(f"the stack at {self.api} did not describe itself (no motoEndpoint in its /_local/info or run.json)")
        self.moto = os.environ.get("PARTNERCTL_MOTO_ENDPOINT") or self.info["motoEndpoint"]
        self.region = self.info.get("region", "us-east-1")
        self._clients: dict[str, Any] = {}
        self._patterns: list[dict[str, Any]] | None = None

    # ---- HTTP --------------------------------------------------------------------------------
    def request(self, method: str, path: str, params: dict[str, Any] | None = None,
                timeout: float = 30.0, body: Any = None) -> tuple[int, Any]:
        url = self.api + path
        if params:
            url += "?" + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        if not url.startswith(("http://", "https://")):
            fail(f"the API URL {self.api!r} is not http(s)", 2)
        data = json.dumps(body, default=_iso).encode() if body is not None else b"" if method == "POST" else None
        req = urllib.request.Request(url, method=method, data=data, headers={  # noqa: S310
            "Accept": "application/json", **({"Content-Type": "application/json"} if body is not None else {})})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback URL of run.json
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            fail(f"cannot reach the local stack at {self.api} ({reason}); is `make run` running?")
        except http.client.InvalidURL as exc:  # a PARTNERCTL_API with spaces or control characters
            fail(f"the API URL {self.api!r} is not a valid URL ({exc})", 2)
        except (http.client.HTTPException, ValueError) as exc:  # an answer that is not HTTP
            fail(f"the local stack at {self.api} answered something that is not HTTP ({type(exc).__name__}); "
                 "is `make run` listening there?")
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        status, body = self.request("GET", path, params)
        if status != 200:
            fail(f"GET {path} answered {status}: {brief(body)}")
        return body

    def status(self, light: bool = False) -> dict[str, Any]:
        return self.get("/_local/status", {"light": "1"} if light else None)

    def wait_quiet(self, timeout: float, what: str) -> dict[str, Any]:
        """Until everything caused so far is processed (two quiet answers in a row)."""
        deadline = time.monotonic() + timeout
        streak, st = 0, {}
        while True:
            st = self.status(light=True)
            streak = streak + 1 if st.get("quiet") else 0
            if streak >= 2:
                return self.status()
            if time.monotonic() > deadline:
                fail(f"timed out after {timeout:g} s waiting for {what} to be processed "
                     f"({st.get('pendingTotal')} messages pending, {st.get('inFlight')} deliveries running)")
            time.sleep(0.1)

    def events_since(self, cursor: int) -> list[dict[str, Any]]:
        return self.get("/_local/events", {"since": cursor})["events"]

    # ---- AWS ---------------------------------------------------------------------------------
    def rule_patterns(self) -> list[dict[str, Any]]:
        """The event patterns of the bus's rules as deployed from template.yaml (the emulator's copy
        of every outbound event, a rule of devstack's own, left out): as the running stack read
        them at start (run.json), else from the emulator."""
        if self._patterns is None:
            given = self.info.get("rulePatterns")
            self._patterns = given if isinstance(given, list) else bus_patterns(
                lambda **kw: self.aws("events", "list_rules", **kw), self.info["busName"], PROBE_NAME)
        return self._patterns

    def put_events(self, entries: list[dict[str, Any]]) -> dict[str, Any]:
        """EventBridge PutEvents on the emulator's bus, asked of the running stack (POST
        /_local/put-events makes the same call): partnerctl then needs no AWS SDK of its own, whose
        import and client cost more than a demo's sends. A stack without that endpoint: directly."""
        status, body = self.request("POST", "/_local/put-events", body={"Entries": entries})
        if status == 404:
            return self.aws("events", "put_events", Entries=entries)
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get("Entries"), list):
            fail(f"events put_events: {brief(body)}")
        return body

    def client(self, service: str) -> Any:
        if service not in self._clients:
            # boto3 only for the commands that reach the emulator: the others start without it.
            import boto3
            from botocore.config import Config

            self._clients[service] = boto3.session.Session(
                aws_access_key_id="testing", aws_secret_access_key="testing",  # noqa: S106 - the emulator's fake keys
                region_name=self.region,
            ).client(service, endpoint_url=self.moto, config=Config(retries={"mode": "standard", "max_attempts": 3},
                                                                     connect_timeout=2, read_timeout=15))
        return self._clients[service]

    def aws(self, service: str, op: str, **kwargs: Any) -> Any:
        with self.guard(service, op):
            return getattr(self.client(service), op)(**kwargs)

    @contextlib.contextmanager
    def guard(self, service: str, op: str) -> Iterator[None]:
        """AWS errors inside the block become one-line CliErrors naming `service` and `op`."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as exc:
            err = exc.response.get("Error", {})
            fail(f"{service} {op}: {err.get('Code')}: {err.get('Message')}")
        except BotoCoreError as exc:
            fail(f"cannot reach the emulator at {self.moto} ({exc}); is `make run` running?")


def _iso(value: Any) -> str:
    """Datetimes in a request body (an event entry's Time) as ISO 8601, which botocore reads back."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def brief(body: Any) -> str:
    """What an error answer says: the `detail` of an RFC 9457 problem (the API's and the local
    server's), else an older body's `message`, else the start of the body."""
    if isinstance(body, dict):
        for key in ("detail", "message", "title", "reason"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key][:500]
        return json.dumps(body)[:200]
    return str(body)[:200]
