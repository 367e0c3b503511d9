"""The local HTTP API: API Gateway (REST, payload v1) in front of the real PartnerApiFunction.

Each request becomes a complete REST proxy event (resource template matched from the template's
routes, path parameters, single and multi-value headers and query strings, requestContext with
an IAM caller) and goes to ``functions.partner_api.app.handler``; its proxy response becomes the
HTTP response (on the loopback socket only). Also served, outside the template's routes:

- ``/docs``: Swagger UI from the assets Powertools ships in site-packages (no CDN, no network);
  ``/docs?plain=1`` (or when the assets are missing) a self-contained HTML table of the paths;
- ``/_local/*`` (``LOCAL_ENDPOINTS``): partnerctl's control endpoints of the running stack (``devstack.control``).
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from importlib import resources
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from devstack.problems import BodyRefused
from devstack.problems import problem as _problem

log = logging.getLogger("devstack.http")

API_FUNCTION = "PartnerApiFunction"
STAGE = "local"
ACCOUNT = "123456789012"
CALLER = "local-operator"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway (REST) refuses larger payloads with 413
READ_TIMEOUT = 10.0  # seconds each read of a request body may wait
LOCAL_ENDPOINTS = ["GET /_local/status", "GET /_local/info", "GET /_local/events?since=N",
                   "GET /_local/progress?since=N[&wait=S&partners=A,B|&version=V]", "POST /_local/settle",
                   "POST /_local/put-events", "POST /_local/tick?day=YYYY-MM-DD"]
SWAGGER_PACKAGE = "aws_lambda_powertools.event_handler.openapi.swagger_ui"
SWAGGER_FILES = {"swagger-ui.css": ("swagger-ui.min.css", "text/css; charset=utf-8"),
                 "swagger-ui-bundle.js": ("swagger-ui-bundle.min.js", "application/javascript; charset=utf-8")}


class Route:
    def __init__(self, method: str, template: str):
        self.method, self.template = method.upper(), template
        names = re.findall(r"\{([^}/+]+)\+?\}", template)
        pattern = re.escape(template)
        for name in names:
            pattern = pattern.replace(re.escape("{" + name + "+}"), f"(?P<{name}>.+)")
            pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>[^/]+)")
        self.regex = re.compile(f"^{pattern}$")

    def match(self, path: str) -> dict[str, str] | None:
        m = self.regex.match(path)
        return None if m is None else dict(m.groupdict())


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, indent=None, default=str), status=status, headers=headers,
                    content_type="application/json")


def read_body(request: Request, timeout: float | None = None) -> bytes:
    """The request body, at most MAX_BODY_BYTES (API Gateway's limit): a larger declared length is
    refused before a byte of it is read, a chunked body once it passes the limit; each read waits at
    most `timeout` seconds (READ_TIMEOUT), so a client that declares a body and sends none frees the thread."""
    timeout = READ_TIMEOUT if timeout is None else timeout
    declared = "sent chunked" if request.content_length is None else f"{request.content_length} bytes declared"
    too_large = BodyRefused(413, "BODY_TOO_LARGE", f"body: more than the {MAX_BODY_BYTES} bytes API Gateway "
                                                   f"accepts ({declared})")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise too_large
    sock = request.environ.get("werkzeug.socket")
    if sock is not None:
        sock.settimeout(timeout)
    # One byte over the limit: werkzeug stops a chunked body there (and returns it cut, without an error).
    request.max_content_length = MAX_BODY_BYTES + 1
    try:
        data = request.get_data(cache=False)
    except RequestEntityTooLarge:
        raise too_large from None
    except ClientDisconnected as exc:
        if not isinstance(exc.__context__, TimeoutError):
            raise
        # CPython's socket file refuses every read after a timeout, werkzeug's closing drain of the
        # connection included; nothing more is read from it, so it may read (and find EOF) again.
        raw = getattr(request.environ.get("wsgi.input"), "raw", None)
        if hasattr(raw, "_timeout_occurred"):
            raw._timeout_occurred = False
        raise BodyRefused(408, "REQUEST_TIMEOUT", f"body: nothing arrived for {timeout:g} s "
                                                  f"({request.content_length} bytes declared)") from None
    if len(data) > MAX_BODY_BYTES:
        raise too_large
    return data


def build_event(request: Request, route: Route, path_params: dict[str, str]) -> dict[str, Any]:
    """A REST API (v1) Lambda proxy event, as API Gateway sends it for an IAM-authorised call."""
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for key, value in request.headers.items():
        headers[key] = value
        multi_headers.setdefault(key, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for key, values in request.args.lists():
        query[key] = values[-1]
        multi_query[key] = list(values)
    raw = read_body(request)
    body: str | None
    is_b64 = False
    if not raw:
        body = None
    else:
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            body, is_b64 = base64.b64encode(raw).decode("ascii"), True
    now = datetime.now(UTC)
    request_id = str(uuid.uuid4())
    source_ip = request.remote_addr or "127.0.0.1"
    return {
        "resource": route.template,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_params or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "resourceId": "local",
            "resourcePath": route.template,
            "httpMethod": request.method,
            "path": f"/{STAGE}{request.path}",
            "stage": STAGE,
            "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "domainName": request.host,
            "domainPrefix": request.host.split(".")[0],
            "identity": {
                "sourceIp": source_ip,
                "userAgent": request.headers.get("User-Agent"),
                "caller": CALLER,
                "user": CALLER,
                "userArn": f"arn:aws:iam::{ACCOUNT}:user/{CALLER}",
                "accountId": ACCOUNT,
                "accessKey": "ASIALOCALOPERATOR",
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "apiKey": None,
                "apiKeyId": None,
            },
            "authorizer": None,
        },
        "body": body,
        "isBase64Encoded": is_b64,
    }


def to_response(result: dict[str, Any]) -> Response:
    """A Lambda proxy integration response -> HTTP response (API Gateway's mapping)."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return _problem(502, "BAD_GATEWAY", "the API function returned no Lambda proxy response (statusCode "
                        "missing); API Gateway answers 502 Internal server error")
    headers = Headers()
    for key, value in (result.get("headers") or {}).items():
        headers[key] = str(value)
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers.remove(key)
        for value in values:
            headers.add(key, str(value))
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode("utf-8")
    return Response(data, status=int(result["statusCode"]), headers=headers)


def drop_response_return_annotations(resolver: Any) -> list[str]:
    """Workaround (reported): Powertools' validation (``enable_validation=True``) builds a response
    model from each route's return annotation and cannot for ``Response`` (alone or in a union):
    every request then fails with PydanticSchemaGenerationError. Dropping those annotations
    leaves the behaviour unchanged (a returned Response is sent as is, a dict is serialised).
    Returns the names of the functions changed; nothing is changed once app.py is fixed."""
    changed = []
    for route in [*getattr(resolver, "_static_routes", []), *getattr(resolver, "_dynamic_routes", [])]:
        annotations = getattr(route.func, "__annotations__", {})
        if "Response" in str(annotations.get("return", "")):
            del annotations["return"]
            route._dependant = None  # rebuilt from the corrected signature
            changed.append(route.func.__name__)
    return changed


class ApiApp:
    """WSGI application of the local API."""

    def __init__(self, stack: Any, control: Any = None, lock: Any = None,
                 handler: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None):
        from devstack.pump import Context
        from functions.partner_api import app as api
        from shared.runtime import Deps

        self.stack = stack
        self.control = control
        self.lock = lock or threading.RLock()
        fn = stack.functions[API_FUNCTION]
        api.injected_deps = Deps.from_env(fn["environment"])  # the handler's table, from the stack
        self.handler = handler or api.handler
        patched = drop_response_return_annotations(api.app)
        if patched:
            log.warning("worked around Response return annotations in functions/partner_api/app.py",
                        extra={"functions": patched})
        self.context_class = Context
        routes = fn.get("api_routes") or stack.api_routes
        self.routes = [Route(m, p) for m, p in routes]

    # ---- WSGI -------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        started = time.monotonic()
        try:
            response = self.dispatch(request)
        except Exception:
            log.exception("request failed", extra={"method": request.method, "path": request.path})
            response = _problem(500, "INTERNAL_ERROR", "the local server failed on this request; its log has why")
        if not request.path.startswith("/_local/status"):
            log.info("request", extra={"method": request.method, "path": request.path, "status": response.status_code,
                                       "ms": round((time.monotonic() - started) * 1000, 1)})
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path == "/_local" or path.startswith("/_local/"):
            return self.local(request)
        if path in ("/docs", "/docs/"):
            return self.docs(request)
        if path.startswith("/docs/"):
            return self.docs_asset(path.removeprefix("/docs/"))
        allowed = []
        for route in self.routes:
            params = route.match(path)
            if params is None:
                continue
            if route.method in (request.method, "ANY"):
                return self.invoke(request, route, params)
            allowed.append(route.method)
        if allowed:
            methods = sorted(set(allowed))
            return _problem(405, "METHOD_NOT_ALLOWED", f"{request.method} is not allowed on this path; it takes "
                            f"{', '.join(methods)}", headers={"Allow": ", ".join(methods)}, allowed=methods)
        return _problem(404, "NO_SUCH_ROUTE", "no route of the API matches this path (see /docs)",
                        routes=[f"{r.method} {r.template}" for r in self.routes])

    def invoke(self, request: Request, route: Route, params: dict[str, str]) -> Response:
        try:
            event = build_event(request, route, params)
        except BodyRefused as refused:
            return refused.response()
        context = self.context_class(API_FUNCTION, memory_limit_in_mb=int(
            self.stack.functions[API_FUNCTION].get("memory_size") or 128),
            invoked_function_arn=f"arn:aws:lambda:{self.stack.region}:{ACCOUNT}:function:{API_FUNCTION}",
            aws_request_id=event["requestContext"]["requestId"])
        try:
            with self.lock:
                result = self.handler(event, context)
        except Exception:
            log.exception("handler failed", extra={"function": API_FUNCTION, "path": request.path})
            return _problem(502, "BAD_GATEWAY", "the API function raised an error; the local stack's log has it "
                            "(API Gateway answers 502 Internal server error)")
        return to_response(result)

    # ---- /docs ------------------------------------------------------------------------------
    def openapi(self) -> dict[str, Any]:
        from werkzeug.test import EnvironBuilder

        route = next((r for r in self.routes if r.template == "/openapi.json"), Route("GET", "/openapi.json"))
        request = Request(EnvironBuilder(path="/openapi.json", method="GET").get_environ())
        response = self.invoke(request, route, {})
        return json.loads(response.get_data(as_text=True))

    @staticmethod
    def _asset(name: str) -> bytes | None:
        try:
            return resources.files(SWAGGER_PACKAGE).joinpath(name).read_bytes()
        except (ModuleNotFoundError, FileNotFoundError, OSError):
            return None

    def docs_asset(self, name: str) -> Response:
        if name not in SWAGGER_FILES:
            return _problem(404, "NO_SUCH_ROUTE", f"/docs serves only {', '.join(sorted(SWAGGER_FILES))}")
        filename, content_type = SWAGGER_FILES[name]
        data = self._asset(filename)
        if data is None:
            return _problem(404, "NO_SUCH_ROUTE", f"{filename} is not installed (Powertools' Swagger UI assets)")
        return Response(data, content_type=content_type, headers={"Cache-Control": "max-age=3600"})

    def docs(self, request: Request) -> Response:
        have_assets = all(self._asset(f) is not None for f, _ in SWAGGER_FILES.values())
        if request.args.get("plain") or not have_assets:
            return Response(self.plain_docs(), content_type="text/html; charset=utf-8")
        page = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Solutions Partner engine API (local)</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui">Loading...</div>
<p style="font-family:sans-serif;margin:1em"><a href="/docs?plain=1">plain table</a> · <a href="/openapi.json">openapi.json</a></p>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
  docExpansion: "list", validatorUrl: null, presets: [SwaggerUIBundle.presets.apis]});
</script></body></html>"""
        return Response(page, content_type="text/html; charset=utf-8")

    def plain_docs(self) -> str:
        try:
            spec = self.openapi()
        except Exception as exc:  # the table is a convenience; say why it is empty
            spec = {"info": {"title": f"openapi.json unavailable: {exc}"}, "paths": {}}
        rows = []
        for path, ops in sorted((spec.get("paths") or {}).items()):
            for method, op in ops.items():
                if not isinstance(op, dict):
                    continue
                params = ", ".join(f"{p.get('name')} ({p.get('in')})" for p in op.get("parameters", []))
                body = "JSON body" if op.get("requestBody") else ""
                codes = ", ".join(sorted(op.get("responses", {})))
                rows.append(f"<tr><td><code>{html.escape(method.upper())}</code></td><td><code>{html.escape(path)}"
                            f"</code></td><td>{html.escape(op.get('summary', ''))}</td><td>{html.escape(params)}"
                            f"{'; ' if params and body else ''}{body}</td><td>{html.escape(codes)}</td></tr>")
        title = html.escape((spec.get("info") or {}).get("title", "API"))
        return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}</style></head>
<body><h1>{title}</h1><p>Local stack; the schema is at <a href="/openapi.json">/openapi.json</a>.</p>
<table><tr><th>method</th><th>path</th><th>summary</th><th>input</th><th>responses</th></tr>
{''.join(rows)}</table></body></html>"""

    # ---- /_local ----------------------------------------------------------------------------
    def local(self, request: Request) -> Response:
        if self.control is None:
            return _json(404, {"message": "no control endpoints in this app"})
        name = request.path.removeprefix("/_local").strip("/")
        if name == "status" and request.method == "GET":
            light = request.args.get("light", "").lower() in ("1", "true", "yes")
            return _json(200, self.control.status(dead_letters=not light))
        if name == "info" and request.method == "GET":
            return _json(200, self.control.info)
        if name == "events" and request.method == "GET":
            try:
                since = int(request.args.get("since", "0"))
                limit = int(request.args.get("limit", "10000"))
            except ValueError:
                return _json(400, {"message": "since and limit must be integers", "field": "since"})
            return _json(200, self.control.events_since(since, limit))
        if name == "progress" and request.method == "GET":
            return _json(*self.control.progress_query(request.args))
        if name == "put-events" and request.method == "POST":
            try:
                return _json(*self.control.put_events(read_body(request)))
            except BodyRefused as refused:
                return refused.response()
        if name == "settle" and request.method == "POST":
            return _json(200, self.control.settle())
        if name == "tick" and request.method == "POST":
            day = request.args.get("day", "")
            try:
                date.fromisoformat(day)
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
                    raise ValueError
            except ValueError:
                return _json(400, {"message": f"day must be a date YYYY-MM-DD, got {day!r}", "field": "day"})
            timeout = 120.0
            with contextlib.suppress(ValueError):
                timeout = max(1.0, min(3600.0, float(request.args.get("timeout", "120"))))
            result = self.control.tick(day, timeout=timeout)
            return _json(200 if result["error"] is None and result["quiet"] else 500 if result["error"] else 504, result)
        return _json(404, {"message": f"unknown control endpoint {request.method} {request.path}",
                           "endpoints": LOCAL_ENDPOINTS})


def make_app(stack: Any, control: Any = None, lock: Any = None) -> ApiApp:
    return ApiApp(stack, control=control, lock=lock)
