"""Browser suite fixtures: Debian's Chromium (installed by scripts/ensure_chromium.sh), the partner API
served over HTTP on 127.0.0.1 as API Gateway (REST, payload v1) would call it, and a demo partner."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from werkzeug.datastructures import Headers
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from functions.partner_api import app as api
from shared.rules import engine
from tests.fakes import LambdaContext, memory_deps
from tests.unit.builders import Partner, metrics, qualifying_facts

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
ENSURE = ROOT / "scripts" / "ensure_chromium.sh"
CHROMIUM = "/usr/bin/chromium"
BROWSER_TIMEOUT = 60

# Resource templates as API Gateway would report them (the resolver routes on `path`).
RESOURCES = [(re.compile(p), t) for p, t in [
    (r"^/partners/(?P<partnerId>[^/]+)$", "/partners/{partnerId}"),
    (r"^/partners/(?P<partnerId>[^/]+)/(?P<sub>[^/]+)$", "/partners/{partnerId}/{sub}"),
    (r"^/dashboard/(?P<partnerId>[^/]+)$", "/dashboard/{partnerId}"),
]]


def _event(request: Request) -> dict[str, Any]:
    resource, params = request.path, None
    for regex, template in RESOURCES:
        if m := regex.match(request.path):
            groups = m.groupdict()
            resource = template.replace("{sub}", groups.pop("sub", ""))
            params = groups
            break
    headers = dict(request.headers.items())
    query = {k: v[-1] for k, v in request.args.lists()}
    now = datetime.now(UTC)
    rid = str(uuid.uuid4())
    body = request.get_data(as_text=True) or None
    return {
        "resource": resource, "path": request.path, "httpMethod": request.method,
        "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: list(v) for k, v in request.args.lists()} or None,
        "pathParameters": params, "stageVariables": None,
        "requestContext": {
            "resourceId": "local", "resourcePath": resource, "httpMethod": request.method,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"), "requestTimeEpoch": int(now.timestamp() * 1000),
            "path": f"/test{request.path}", "accountId": "123456789012", "protocol": "HTTP/1.1", "stage": "test",
            "domainName": request.host, "requestId": rid, "extendedRequestId": rid, "apiId": "local",
            "identity": {"sourceIp": request.remote_addr or "127.0.0.1", "userAgent": request.headers.get("User-Agent"),
                         "caller": "browser-test", "user": "browser-test", "accountId": "123456789012"},
        },
        "body": body, "isBase64Encoded": False,
    }


def _wsgi(environ: dict[str, Any], start_response: Any) -> Any:
    request = Request(environ)
    lock = _wsgi.lock  # type: ignore[attr-defined]
    with lock:
        result = api.handler(_event(request), LambdaContext(function_name="PartnerApiFunction"))
    headers = Headers()
    for k, v in (result.get("headers") or {}).items():
        headers[k] = str(v)
    for k, vs in (result.get("multiValueHeaders") or {}).items():
        headers.remove(k)
        for v in vs:
            headers.add(k, str(v))
    response = Response(result.get("body") or "", status=int(result["statusCode"]), headers=headers)
    return response(environ, start_response)


_wsgi.lock = threading.Lock()  # type: ignore[attr-defined]


@dataclass
class Demo:
    partner_id: str
    on: str
    state: dict[str, Any]


def demo_partner(partner_id: str = "contoso-demo") -> Demo:
    """Three designations attained on different dates, one of them now at risk, one partial area,
    past the first anniversary with the Solutions Partner fee due."""
    p = Partner(partner_id)
    p.qualify("DATA_AI", "2023-01-10", "d")
    p.pay("2023-01-10")  # enrolled: the Solutions Partner fee paid in the enrollment window
    p.qualify("INFRASTRUCTURE", "2023-03-15", "i")
    p.qualify("SECURITY", "2023-05-01", "s")
    # Modern Work: the skilling metrics full, a little performance, no customer success.
    for kind, detail in qualifying_facts("MODERN_WORK", "2023-06-01", "mw"):
        if kind == "CertificationEarned":
            p.fact(kind, detail)
    p.fact("MetricsReported", metrics("MODERN_WORK", "2023-06-02", {"netCustomerAdds": 2}, association="CPOR"))
    p.drop("INFRASTRUCTURE", "2023-09-01")  # held, but below 70 now: at risk
    for day in ("2023-11-11", "2023-12-11", "2024-01-10"):
        p.tick(day)
    p.qualify("SECURITY", "2024-01-15", "s2")  # topped up under the current rulebook
    assert p.state is not None
    return Demo(partner_id, "2024-01-20", p.state)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of Debian's Chromium; installed once by scripts/ensure_chromium.sh when missing."""
    if not os.path.exists(CHROMIUM):
        try:
            proc = subprocess.run(["sh", str(ENSURE)], capture_output=True, text=True, timeout=900)
            reason = (proc.stderr or proc.stdout).strip()[-500:]
        except (OSError, subprocess.TimeoutExpired) as exc:
            reason = str(exc)
        if not os.path.exists(CHROMIUM):
            pytest.skip(f"chromium is not installed and {ENSURE.name} could not install it: {reason}")
    return CHROMIUM


@pytest.fixture(scope="session")
def api_server() -> Iterator[tuple[str, Any]]:
    """The partner API handler on http://127.0.0.1:<free port>, over in-memory deps."""
    deps, repo, _, _ = memory_deps()
    saved = api.injected_deps
    api.injected_deps = deps
    server = make_server("127.0.0.1", 0, _wsgi, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-api", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", repo
    finally:
        server.shutdown()
        thread.join(10)
        api.injected_deps = saved


@pytest.fixture(scope="session")
def demo(api_server: tuple[str, Any]) -> Demo:
    _, repo = api_server
    d = demo_partner()
    repo.put(d.partner_id, d.state, 0, [], engine.next_due(d.state))
    return d


def run_browser(chromium: str, profile: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """One headless Chromium run, bounded by BROWSER_TIMEOUT (its whole process group is killed on timeout)."""
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-default-apps", "--disable-extensions", "--no-default-browser-check", "--no-proxy-server",
           "--hide-scrollbars", "--force-device-scale-factor=1", "--mute-audio",
           f"--user-data-dir={profile}", "--window-size=1366,900", *args]
    env = {**os.environ, "HOME": str(profile)}
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=BROWSER_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"chromium did not finish within {BROWSER_TIMEOUT}s: {' '.join(args)}\n{err[-2000:]}")
    finally:
        # Leftover helpers (zygote, crashpad) of this run only.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), time.monotonic() - started


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "chromium-profile"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)
