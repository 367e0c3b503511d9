"""Marketplace gate and partner API (API Gateway REST, IAM auth), SPEC §4.2.

Every answer is computed by the pure core from one read of the partner item. `on` defaults to
today (UTC): the only clock in the system, and it lives here, at the edge.
"""

from __future__ import annotations

import shared.startup  # noqa: F401 - first: the import-order rules (shared/startup/__init__.py)

# isort: split

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared import runtime
from shared.models.parsing import UnsafeJson, read_json_safely
from shared.models.types import MAX_DATE, MIN_DATE
from shared.rules import views
from shared.rules.document import designations_held
from shared.rules.engine import record_fact
from shared.rules.explain import why
from shared.rules.features.marketplace import offer_gate

# The body parser is looked up when a request is read (read_json is defined below).
app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=lambda text: read_json(text))
# One id rule everywhere: path ids, body ids, and ids the router cannot even match.
ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"
ID_RULE = "must be 1 to 64 characters, each a letter A-Z or a-z, a digit or '-'"
PartnerId = Annotated[str, Path(pattern=ID_PATTERN, description="Partner global account id (PGA)")]
OnDate = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="As-of date (YYYY-MM-DD); default today")]
injected_deps: runtime.Deps | None = None  # set by tests and the local server; None: from the environment
MAX_DEPTH = 32  # the deepest body the API reads (a what-if is 5 levels deep)
PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE = "urn:solutions-partner-engine:problem:"
# RFC 9457 problem types: reason -> title. `type` is PROBLEM_TYPE + the reason in kebab case.
PROBLEMS = {
    "BAD_REQUEST": "The request is malformed",
    "UNKNOWN_PARTNER": "No such partner",
    "UNKNOWN_LOCATION": "No PGA is linked to this location",
    "NO_SUCH_ROUTE": "No such route",
    "UNSUPPORTED_MEDIA_TYPE": "The body is not JSON",
    "BODY_TOO_LARGE": "The body is larger than API Gateway accepts",
    "REQUEST_TIMEOUT": "The body did not arrive in time",
}


class PublishCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    partnerId: str | None = Field(default=None, pattern=ID_PATTERN)
    locationId: str | None = Field(default=None, pattern=ID_PATTERN)
    offerType: Literal["MANAGED_SERVICES", "CONSULTING_SERVICES", "SERVICES_CO_SELL", "IP_CO_SELL", "APPSOURCE_APP"]
    offerId: str | None = Field(default=None, min_length=1, max_length=128)
    on: date | None = None

    @model_validator(mode="after")
    def one_account(self) -> PublishCheck:
        if (self.partnerId is None) == (self.locationId is None):
            raise ValueError("give exactly one of partnerId or locationId")
        return self


class WhatIf(BaseModel):
    """Hypothetical facts: inbound details without eventId/partnerId. Nothing is stored. Built on
    the first what-if request (a what-if is rare; a cold start serves any route)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    on: date | None = None
    measurements: list[dict[str, Any]] = Field(default_factory=list, max_length=50,
                                               description="MetricsReported details (solutionArea, measuredOn, measurements)")
    certifications: list[dict[str, Any]] = Field(default_factory=list, max_length=500,
                                                 description="CertificationEarned details (personId, certification, on)")


def deps() -> runtime.Deps:
    return injected_deps or runtime.Deps.from_env()


def today() -> str:
    return datetime.now(UTC).date().isoformat()


# ---- errors: RFC 9457 problem details -------------------------------------------------------------

def pointer(parts: list[Any] | tuple[Any, ...]) -> str:
    """RFC 6901 JSON pointer of a location in the body ("" is the whole body)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def problem_body(status: int, reason: str, detail: str, *, field: str | None = None, where: str = "body",
                 parts: list[Any] | tuple[Any, ...] | None = None) -> dict[str, Any]:
    """The one error shape of every 4xx: `type`, `title`, `status`, `detail` (RFC 9457), `reason` (the
    problem's name), and for a failing input `field` (its dotted name) with either `pointer` (the
    JSON pointer of a body member; "" is the whole body) or `parameter` (a path or query parameter)
    or `header`. `parts` is the body location as pydantic gives it (default: `field` split at dots)."""
    body: dict[str, Any] = {"type": PROBLEM_TYPE + reason.lower().replace("_", "-"), "title": PROBLEMS[reason],
                            "status": status, "detail": detail, "reason": reason}
    if field is not None:
        body["field"] = field
        if where == "body":
            if parts is None:
                parts = [] if field == "body" else field.split(".")
            body["pointer"] = pointer(parts)
        else:
            body[where] = field
    return body


def problem(status: int, reason: str, detail: str, **where: Any) -> Response:
    return Response(status, PROBLEM_JSON, json.dumps(problem_body(status, reason, detail, **where)))


class BadField(ValueError):
    def __init__(self, field: str, message: str, where: str = "parameter"):
        super().__init__(message)
        self.field = field
        self.where = where


def read_json(text: str | bytes) -> Any:
    """The body as JSON. What json.loads cannot read safely (nesting past MAX_DEPTH, integers longer
    than Python converts) is a JSONDecodeError too: a 400 naming the body."""
    try:
        return read_json_safely(text, MAX_DEPTH)
    except UnsafeJson as e:
        raise json.JSONDecodeError(str(e), text if isinstance(text, str) else "", 0) from None


def _day(on: date | str | None, field: str = "on", where: str = "parameter") -> str:
    """The as-of date: a real calendar date inside the contract's range (2000-01-01 … 2100-12-31)."""
    if on is None:
        return today()
    try:
        day = on if isinstance(on, date) else date.fromisoformat(on)
    except ValueError:
        raise BadField(field, f"{on!r} is not a YYYY-MM-DD date", where) from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise BadField(field, f"must be between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}", where)
    return day.isoformat()


def _not_found(partner_id: str) -> Response:
    return problem(404, "UNKNOWN_PARTNER", f"No partner {partner_id} is recorded.")


def _state(partner_id: str) -> dict[str, Any] | None:
    return deps().repo.get(partner_id).state


@app.exception_handler(BadField)
def bad_field(exc: BadField) -> Response:
    return problem(400, "BAD_REQUEST", f"{exc.field}: {exc}", field=exc.field, where=exc.where)


@app.exception_handler(UnicodeDecodeError)
def undecodable(exc: UnicodeDecodeError) -> Response:
    return problem(400, "BAD_REQUEST", "body: is not UTF-8 text", field="body")


IDS = ("partnerId", "locationId")
WHERE = {"body": "body", "query": "parameter", "path": "parameter"}


@app.exception_handler(RequestValidationError)
def bad_request(exc: RequestValidationError) -> Response:
    err = exc.errors()[0]
    loc = list(err.get("loc", ()))
    kind = loc.pop(0) if loc and loc[0] in WHERE else "body"
    if loc and isinstance(loc[0], int):  # a body that is not an object: pydantic's position, not a field
        loc = []
    field = ".".join(str(p) for p in loc) or "body"
    message = err.get("msg")
    if err.get("type") == "json_invalid":
        message = f"is not JSON ({(err.get('ctx') or {}).get('error')})"
    elif loc and loc[-1] in IDS and err.get("type") in ("string_pattern_mismatch", "string_type"):
        message = ID_RULE
    if kind == "query":
        given = (app.current_event.multi_value_query_string_parameters or {}).get(field) or []
        if len(given) > 1:
            message = f"is given {len(given)} times; give it once"
    return problem(400, "BAD_REQUEST", f"{field}: {message}", field=field, where=WHERE[kind],
                   parts=loc if kind == "body" else None)


# isort: split
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType  # noqa: E402


@app.exception_handler(RequestUnsupportedContentType)
def unsupported_media_type(exc: RequestUnsupportedContentType) -> Response:
    given = app.current_event.headers.get("content-type", "")
    return problem(415, "UNSUPPORTED_MEDIA_TYPE", f"Content-Type: {given[:100]!r} is not application/json",
                   field="Content-Type", where="header")


@app.not_found
def no_route(exc: Exception) -> Response:
    """A path the router cannot match. API Gateway has matched its resource already, so a malformed id
    (NUL, CRLF, emoji, U+202E, quotes: characters the router's patterns leave out) is a 400 naming it,
    as it is for the ids the router does match."""
    import re

    event = app.current_event
    for name, value in (event.path_parameters or {}).items():
        if name in IDS and not re.fullmatch(ID_PATTERN, value or ""):
            return problem(400, "BAD_REQUEST", f"{name}: {ID_RULE}", field=name, where="parameter")
    return problem(404, "NO_SUCH_ROUTE", f"No route {event.http_method} {event.path[:200]!r}.")


# ---- routes -----------------------------------------------------------------------------------------

@app.post("/publish-checks", summary="Marketplace publish-check for a PGA or PLA")
def publish_check(check: PublishCheck):
    on = _day(check.on, where="body")
    partner_id = check.partnerId
    if partner_id is None:
        # FAQ: badges and benefits are attained on the PGA; a PLA inherits its PGA's designations.
        partner_id = deps().repo.partner_of_location(check.locationId or "")
        if partner_id is None:
            return problem(404, "UNKNOWN_LOCATION", f"No PGA is linked to location {check.locationId}.")
    state = _state(partner_id)
    if state is None:
        return _not_found(partner_id)
    result = offer_gate(state, check.offerType, on, check.offerId)
    held = designations_held(state, on)
    return {**result, "on": on, "partnerId": partner_id, "locationId": check.locationId, "designations": held}


@app.get("/partners/<partnerId>", summary="Designations, badges, anniversary, fees, specializations")
def get_partner(partnerId: PartnerId, on: OnDate = None):
    day = _day(on)  # a bad date is a 400 before anything is read
    state = _state(partnerId)
    return _not_found(partnerId) if state is None else views.partner_view(state, day)


@app.get("/partners/<partnerId>/scores", summary="Points per metric and area, with guidance to 70")
def get_scores(partnerId: PartnerId, on: OnDate = None):
    day = _day(on)  # a bad date is a 400 before anything is read
    state = _state(partnerId)
    return _not_found(partnerId) if state is None else views.scores_view(state, day)


@app.get("/partners/<partnerId>/eligibility", summary="Incentives, co-sell, specializations, Azure Expert MSP")
def get_eligibility(partnerId: PartnerId, on: OnDate = None):
    day = _day(on)  # a bad date is a 400 before anything is read
    state = _state(partnerId)
    return _not_found(partnerId) if state is None else views.eligibility_view(state, day)


@app.get("/dashboard/<partnerId>", include_in_schema=False)
def get_dashboard(partnerId: PartnerId, on: OnDate = None):
    """Score dashboard: one self-contained HTML page (no scripts, no external URLs). The page
    renderer is imported here, by the one route that uses it (operators' browsers, not the marketplace)."""
    from functions.partner_api import dashboard

    day = _day(on)  # a bad date is a 400 before anything is read
    state = _state(partnerId)
    if state is None:
        return _not_found(partnerId)
    return Response(200, "text/html; charset=utf-8", dashboard.render(state, day))


@app.get("/partners/<partnerId>/history", summary="Decision audit trail")
def get_history(partnerId: PartnerId):
    state = _state(partnerId)
    if state is None:
        return _not_found(partnerId)
    return {"partnerId": partnerId, "decisions": state["decisions"], "explanations": why(state)}


@app.post("/partners/<partnerId>/what-if", summary="Projected scores for hypothetical facts; nothing is stored")
def what_if(partnerId: PartnerId, body: WhatIf):
    from pydantic import ValidationError

    from shared.models.errors import InputError
    from shared.models.inbound import INBOUND
    from shared.models.parsing import first_error

    state = _state(partnerId)
    if state is None:
        return _not_found(partnerId)
    on = _day(body.on, where="body")
    facts = [("MetricsReported", "partner.scorefeed", m, f"measurements.{i}") for i, m in enumerate(body.measurements)]
    facts += [("CertificationEarned", "partner.skilling", c, f"certifications.{i}") for i, c in enumerate(body.certifications)]
    for n, (kind, source, raw, path) in enumerate(facts):
        try:
            model = INBOUND[(source, kind)].model_validate({"eventId": f"what-if-{n}", "partnerId": partnerId, **raw})
        except ValidationError as exc:
            err: InputError = first_error(exc, path)
            return problem(400, "BAD_REQUEST", f"{err.field}: {err.message}", field=err.field)
        state, _ = record_fact(state, partnerId, kind, model.model_dump(mode="json", by_alias=True))
    scores = views.scores_view(state, on)
    return {"partnerId": partnerId, "on": on, "stored": False, "areas": scores["areas"]}


# ---- OpenAPI ----------------------------------------------------------------------------------------

PROBLEM_SCHEMA = {
    "title": "Problem",
    "description": "RFC 9457 problem details: the body of every 4xx answer (content type application/problem+json).",
    "type": "object",
    "required": ["type", "title", "status", "detail", "reason"],
    "properties": {
        "type": {"type": "string", "description": PROBLEM_TYPE + "<reason in kebab case>"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What is wrong, starting with the field's name"},
        "reason": {"type": "string", "enum": list(PROBLEMS)},
        "field": {"type": "string", "description": "The failing input: a body member (dotted), parameter or header"},
        "pointer": {"type": "string", "description": "JSON pointer (RFC 6901) of the failing body member; '' is the body"},
        "parameter": {"type": "string", "description": "The failing path or query parameter"},
        "header": {"type": "string", "description": "The failing header"},
    },
}
_openapi_document: str | None = None


def openapi_document() -> str:
    """The generated OpenAPI document with the error answers the handler gives: Powertools declares a
    422 with its own body for validation errors, while every 4xx here is a 400/404/415 Problem."""
    global _openapi_document
    if _openapi_document is None:
        doc = json.loads(app.get_openapi_json_schema(title="Solutions Partner engine API", version="1.0.0"))
        ref = {"description": "", "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for path, operations in doc.get("paths", {}).items():
            for method, op in operations.items():
                responses = op.setdefault("responses", {})
                responses.pop("422", None)
                responses["400"] = {**ref, "description": "Bad request: the field is named in `field`"}
                if "{partnerId}" in path or method == "post":
                    responses["404"] = {**ref, "description": "No such partner (or location)"}
                if "requestBody" in op:
                    responses["415"] = {**ref, "description": "The body is not declared as JSON"}
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Problem"] = PROBLEM_SCHEMA
        _openapi_document = json.dumps(doc)
    return _openapi_document


@app.get("/openapi.json", include_in_schema=False)
def openapi():
    return Response(200, content_types.APPLICATION_JSON, openapi_document())


@runtime.logger.inject_lambda_context(clear_state=True, correlation_id_path="requestContext.requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)


runtime.freeze_imports()  # last: see shared/runtime.py
