"""The local API server's own answers (devstack/http.py: no such route, a method the route does not
take, an API function that failed, a body refused) as RFC 9457 problems in the API's shape."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response

# Titles of the problems only the local server answers (the API's own are in its PROBLEMS).
SERVER_PROBLEMS = {
    "METHOD_NOT_ALLOWED": "The route does not take this method",
    "BAD_GATEWAY": "The API function failed",
    "INTERNAL_ERROR": "The local server failed",
}


def problem(status: int, reason: str, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    """A problem as functions.partner_api.app.problem_body shapes it: `type`, `title`, `status`,
    `detail`, `reason`, and members of its own (`routes`, `allowed`)."""
    from functions.partner_api.app import PROBLEM_JSON, PROBLEM_TYPE, PROBLEMS

    body = {"type": PROBLEM_TYPE + reason.lower().replace("_", "-"), "title": PROBLEMS.get(reason) or
            SERVER_PROBLEMS[reason], "status": status, "detail": detail, "reason": reason, **extra}
    return Response(json.dumps(body), status=status, headers=headers, content_type=PROBLEM_JSON)


class BodyRefused(Exception):
    """A request body the local API does not read, answered as API Gateway would (413) or as a
    server that stops waiting (408)."""

    def __init__(self, status: int, reason: str, detail: str):
        super().__init__(detail)
        self.status, self.reason, self.detail = status, reason, detail

    def response(self) -> Response:
        from functions.partner_api.app import problem_body

        return Response(json.dumps(problem_body(self.status, self.reason, self.detail, field="body")),
                        status=self.status, content_type="application/problem+json", headers={"Connection": "close"})
