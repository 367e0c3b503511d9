"""Marketplace gate and partner API (API Gateway REST, IAM auth), SPEC §4.2.

Every answer is computed by the pure core from one read of the partner item. `on` defaults to
today (UTC): the only clock in the system, and it lives here, at the edge.
"""

from __future__ import annotations

import shared.startup  # noqa: F401 - first: pauses the GC during the imports (freeze_imports resumes it)

# isort: split

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared import runtime
from shared.rules import views
from shared.rules.document import designations_held
from shared.rules.engine import record_fact
from shared.rules.explain import why
from shared.rules.features.marketplace import offer_gate

app = APIGatewayRestResolver(enable_validation=True)
PartnerId = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,64}$", description="Partner global account id (PGA)")]
OnDate = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="As-of date (YYYY-MM-DD); default today")]
_deps: runtime.Deps | None = None


class PublishCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    partnerId: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,64}$")
    locationId: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,64}$")
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
    return _deps or runtime.Deps.from_env()


def today() -> str:
    return datetime.now(UTC).date().isoformat()


class BadField(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _day(on: date | str | None, field: str = "on") -> str:
    """The as-of date: a real calendar date inside the contract's range (2000-01-01 … 2100-12-31)."""
    if on is None:
        return today()
    try:
        day = on if isinstance(on, date) else date.fromisoformat(on)
    except ValueError:
        raise BadField(field, f"{on!r} is not a YYYY-MM-DD date") from None
    if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        raise BadField(field, "must be between 2000-01-01 and 2100-12-31")
    return day.isoformat()


def _not_found(partner_id: str) -> Response:
    return Response(404, content_types.APPLICATION_JSON,
                    {"reason": "UNKNOWN_PARTNER", "message": f"No partner {partner_id} is recorded."})


def _state(partner_id: str) -> dict[str, Any] | None:
    return deps().repo.get(partner_id).state


@app.exception_handler(BadField)
def bad_field(exc: BadField) -> Response:
    return Response(400, content_types.APPLICATION_JSON,
                    {"reason": "BAD_REQUEST", "field": exc.field, "message": f"{exc.field}: {exc}"})


@app.exception_handler(UnicodeDecodeError)
def undecodable(exc: UnicodeDecodeError) -> Response:
    return Response(400, content_types.APPLICATION_JSON,
                    {"reason": "BAD_REQUEST", "field": "body", "message": "body: is not UTF-8 text"})


@app.exception_handler(RequestValidationError)
def bad_request(exc: RequestValidationError) -> Response:
    err = exc.errors()[0]
    loc = list(err.get("loc", ()))
    if loc and loc[0] in ("body", "query", "path"):
        loc = loc[1:]
    if loc and isinstance(loc[0], int):  # a body that is not an object: pydantic's position, not a field
        loc = []
    field = ".".join(str(p) for p in loc) or "body"
    return Response(400, content_types.APPLICATION_JSON,
                    {"reason": "BAD_REQUEST", "field": field, "message": f"{field}: {err.get('msg')}"})


@app.post("/publish-checks", summary="Marketplace publish-check for a PGA or PLA")
def publish_check(check: PublishCheck):
    on = _day(check.on)
    partner_id = check.partnerId
    if partner_id is None:
        # FAQ: badges and benefits are attained on the PGA; a PLA inherits its PGA's designations.
        partner_id = deps().repo.partner_of_location(check.locationId or "")
        if partner_id is None:
            return Response(404, content_types.APPLICATION_JSON,
                            {"reason": "UNKNOWN_LOCATION", "message": f"No PGA is linked to location {check.locationId}."})
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
    on = _day(body.on)
    facts = [("MetricsReported", "partner.scorefeed", m, f"measurements.{i}") for i, m in enumerate(body.measurements)]
    facts += [("CertificationEarned", "partner.skilling", c, f"certifications.{i}") for i, c in enumerate(body.certifications)]
    for n, (kind, source, raw, path) in enumerate(facts):
        try:
            model = INBOUND[(source, kind)].model_validate({"eventId": f"what-if-{n}", "partnerId": partnerId, **raw})
        except ValidationError as exc:
            err: InputError = first_error(exc, path)
            return Response(400, content_types.APPLICATION_JSON,
                            {"reason": "BAD_REQUEST", "field": err.field, "message": err.message})
        state, _ = record_fact(state, partnerId, kind, model.model_dump(mode="json", by_alias=True))
    scores = views.scores_view(state, on)
    return {"partnerId": partnerId, "on": on, "stored": False, "areas": scores["areas"]}


@app.get("/openapi.json", include_in_schema=False)
def openapi():
    return Response(200, content_types.APPLICATION_JSON, app.get_openapi_json_schema(title="Solutions Partner engine API",
                                                                                      version="1.0.0"))


@runtime.logger.inject_lambda_context(clear_state=True, correlation_id_path="requestContext.requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)


runtime.freeze_imports()  # last: see shared/runtime.py
