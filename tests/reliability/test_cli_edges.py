"""Issue 19, partnerctl: hostile event files and arguments end in one line and exit 2, never a
traceback; terminal control characters in ids and fields are escaped in every human-readable output.

The commands run in-process through `devstack.cli.main` (an uncaught exception fails the case; it
would have been a traceback), against no stack: every case here must be refused before one is asked
(DEVSTACK_DIR points at an empty directory, so a case that gets that far exits 1 and fails).
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from typing import Any

import pytest

from devstack import cli, render
from devstack.client import EXIT_USAGE, Stack
from devstack.dlq import dlq_list
from devstack.patterns import routed, routed_sources
from shared.adapters import aws

BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")
HOSTILE = {
    "ESC clear screen and recolour": "\x1b[2J\x1b[H\x1b[31mPWNED",
    "ESC OSC title": "\x1b]0;owned\x07",
    "U+202E right-to-left override": "abc\u202efdp.exe",
    "C1 CSI": "x\x9b31my",
    "BEL, BS, CR": "a\x07\x08\rb",
    "bidi isolates": "\u2066a\u2069\u2067b",
    "line separator": "a\u2028b",
    "lone surrogate": "a\ud800b",
}


def steers_terminal(text: str) -> list[str]:
    """Characters of `text` a terminal would act on (the newlines between lines left out)."""
    return [c for c in text.replace("\n", "") if unicodedata.category(c) in ("Cc", "Cs") or c in BIDI]


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int | str, str, str]:
    try:
        code: int | str = cli.main(list(argv))
    except BaseException as exc:  # noqa: BLE001 - a traceback is the failure counted here
        code = f"{type(exc).__name__}: {str(exc)[:100]}"
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def hostile_files(tmp) -> dict[str, str]:
    """name -> path of a file partnerctl send must refuse."""
    event = '{"source": "partner.scorefeed", "detail-type": "MetricsReported", "detail": %s}'
    texts: dict[str, str | bytes] = {
        "array nested 5,000 deep": "[" * 5000 + "]" * 5000,
        "detail nested 5,000 deep": event % ('{"a":' * 5000 + "1" + "}" * 5000),
        "detail nested 100,000 deep": event % ("[" * 100_000 + "]" * 100_000),
        "detail nested 40 deep (past the 32 levels)": event % ('{"a":' * 40 + "1" + "}" * 40),
        "detail as a JSON string nested 5,000 deep": json.dumps({"source": "partner.scorefeed", "detail-type": "X",
                                                                 "detail": "[" * 5000 + "]" * 5000}),
        "integer of 4,301 digits": event % ('{"v": 1' + "0" * 4300 + "}"),
        "integer of 100,001 digits": event % ('{"v": 1' + "0" * 100_000 + "}"),
        "JSON Lines, line 2 with a 5,000-digit integer": (event % "{}") + "\n" + (event % ('{"v": ' + "9" * 5000 + "}")),
        "JSON Lines, line 2 nested 5,000 deep": (event % "{}") + "\n" + (event % ("[" * 5000 + "]" * 5000)),
        "NaN": event % '{"v": NaN}',
        "Infinity": event % '{"v": -Infinity}',
        "1e999": event % '{"v": 1e999}',
        "not UTF-8": b"\xff\xfe{\x00",
        "empty": "",
        "not JSON": "{source: partner.scorefeed",
        "a JSON number": "4" * 5000,
        "source with control characters, detail a list": json.dumps({"source": "\x1b[2Jx", "detail-type": "X",
                                                                      "detail": []}),
        "unknown envelope key": json.dumps({"source": "a", "detail-type": "X", "detail": {}, "\x1b[31m": 1}),
    }
    paths = {}
    for i, (name, text) in enumerate(texts.items()):
        path = tmp / f"hostile-{i}.json"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
        paths[name] = str(path)
    paths["a directory"] = str(tmp)
    paths["a missing file"] = str(tmp / "missing.json")
    return paths


HOSTILE_ARGUMENTS = {
    "tick 0001-01-01": ["tick", "0001-01-01"],
    "tick 9999-12-31": ["tick", "9999-12-31"],
    "tick 1999-12-31": ["tick", "1999-12-31"],
    "tick 2023-02-30": ["tick", "2023-02-30"],
    "status --on 2101-01-01": ["status", "contoso-1001", "--on", "2101-01-01"],
    "at-risk --on 0001-01-01": ["at-risk", "--on", "0001-01-01"],
    "at-risk --days of 5,000 digits": ["at-risk", "--days", "9" * 5000],
    "at-risk --days 99999999999": ["at-risk", "--days", "99999999999"],
    "send --timeout nan": ["send", "x.json", "--timeout", "nan"],
    "send --timeout 1e999": ["send", "x.json", "--timeout", "1e999"],
    "status id ending in a newline": ["status", "contoso-1001\n"],
    "status id with ESC": ["status", "\x1b[2Jcontoso"],
    "why id with U+202E": ["why", "abc\u202edef"],
    "status id of 65 characters": ["status", "x" * 65],
    "unknown command": ["\x1b[31mfrobnicate"],
}


def test_cli_hostile_files_and_arguments_end_in_one_line_and_exit_2(tmp_path, capsys, monkeypatch, report):
    monkeypatch.setenv("DEVSTACK_DIR", str(tmp_path / "no-stack"))
    monkeypatch.delenv("PARTNERCTL_API", raising=False)
    cases = {f"send {name}": ["send", path] for name, path in hostile_files(tmp_path).items()}
    cases.update(HOSTILE_ARGUMENTS)
    for name, file, text in (("demo --dir with a tick on 0001-01-01", "ticks.json", '["0001-01-01"]'),
                             ("demo --dir with a file nested 5,000 deep", "a.json", "[" * 5000 + "]" * 5000)):
        scenario = tmp_path / f"scenario-{len(cases)}"
        scenario.mkdir()
        (scenario / file).write_text(text)
        cases[name] = ["demo", "--dir", str(scenario)]
    cases["demo --dir missing"] = ["demo", "--dir", str(tmp_path / "missing")]
    expected = dict.fromkeys(cases, EXIT_USAGE)
    # A broken run.json or PARTNERCTL_API: one line too (1: no usable stack; 2: a URL that is no URL).
    run_dir = tmp_path / "broken-stack"
    run_dir.mkdir()
    environments = {"run.json not JSON": ("nul", None, 1), "run.json a list": ("[1]", None, 1),
                    "run.json without apiUrl": ('{"pid": 0}', None, 1),
                    "run.json nested 5,000 deep": ("[" * 5000 + "]" * 5000, None, 1),
                    "PARTNERCTL_API with a space": (None, "http://127.0.0.1:9/a b", 2),
                    "PARTNERCTL_API not http": (None, "file:///etc/passwd", 2)}
    codes, problems = Counter(), []
    for name in [*cases, *environments]:
        if name in environments:
            run_json, api, expected[name] = environments[name]
            monkeypatch.setenv("DEVSTACK_DIR", str(run_dir))
            (run_dir / "run.json").write_text(run_json or "{}")
            if api:
                monkeypatch.setenv("PARTNERCTL_API", api)
            code, out, err = run_cli(capsys, "status", "contoso-1001")
            monkeypatch.delenv("PARTNERCTL_API", raising=False)
        else:
            code, out, err = run_cli(capsys, *cases[name])
        codes[code] += 1
        lines = err.splitlines()
        if code != expected[name] or out or len(lines) != 1 or not lines[0].startswith("partnerctl: ") \
                or steers_terminal(err) or len(err) > 1000:
            problems.append(f"{name}: exit {code}, stdout {out[:100]!r}, stderr {err[:300]!r}")
    report("CLI hostile files and arguments",
           what="partnerctl send with files nested 5,000 and 100,000 deep, 4,301- and 100,001-digit integers, NaN, "
                "Infinity, 1e999, non-UTF-8, empty, a directory, a missing file, a demo directory missing or holding such a "
                "file or a tick on 0001-01-01; dates outside 2000-01-01 … "
                "2100-12-31, huge --days, NaN timeouts, ids with ESC, U+202E or a newline: one line on stderr, "
                "exit 2, nothing on stdout, no traceback, before the stack is asked; a broken run.json (exit 1) "
                "or PARTNERCTL_API (exit 2): one line too",
           cases=len(expected), rejected=sum(codes[c] for c in (1, 2)),
           notes=", ".join(f"exit {c}: {n}" for c, n in sorted(codes.items(), key=str)))
    assert problems == [], problems


def _event(detail_type: str, value: str) -> dict[str, Any]:
    """An outbound event of `detail_type` with `value` in every string field describe() prints."""
    d: dict[str, Any] = dict.fromkeys(("partnerId", "solutionArea", "attainedOn", "rulebookVersion",
                                       "anniversaryDate", "badge", "issuedOn", "paymentDueBy", "renewedOn", "option",
                                       "nextAnniversaryDate", "lapsedOn", "reason", "specialization", "warnedOn",
                                       "lostOn", "lossEffectiveOn", "detailType", "originalEventId", "field", "queue",
                                       "evaluatedOn", "eventId"), value)
    d.update(fees=[{"option": value, "amount": value, "currency": value}], designations=[value], lapsing=[value],
             options=[value], shortfall=[{"metric": value, "unitsNeeded": value}], requiredDesignations=[value],
             missingDesignations=[value], daysUntil=3, total=42.0, qualified=False)
    return {"detail-type": detail_type, "detail": d}


def _status(value: str) -> tuple[dict, dict, dict]:
    partner = {"partnerId": value, "on": value, "anniversaryDate": value, "benefitsOption": value,
               "legacy": {"isLegacyPartner": True, "level": value, "competencies": [value], "anniversaryDate": value},
               "badges": [value], "feesDue": [{"option": value, "amount": value, "currency": value, "dueBy": value,
                                               "anniversaryDate": value}],
               "pendingWork": [{"kind": value, "dueOn": value}], "locations": [value],
               "designations": [{"solutionArea": value, "attainedOn": value, "status": value, "lapsedOn": value}],
               "specializations": [{"specialization": value, "status": value, "lostOn": value, "anniversaryDate": value,
                                    "requiredDesignations": [value], "incrementalBenefits": True}],
               "azureExpertMsp": {"status": value, "anniversaryDate": value, "lossEffectiveOn": value}}
    scores = {"areas": [{"solutionArea": value, "total": "12.5", "qualified": False, "attained": False,
                         "metrics": [{"metric": value, "points": "0"}],
                         "guidance": {"needs": [{"metric": value, "unitsNeeded": value}]}}]}
    gate = {"allowed": False, "reason": value, "message": value, "gate": value}
    eligibility = {"incentives": gate, "coSell": gate, "ipCoSell": gate, "offers": [gate], "specializations": [gate],
                   "azureExpertMsp": gate}
    return partner, scores, eligibility


def moto_stack(system) -> Stack:
    """partnerctl's connection, on the suite's moto system instead of a running `make run`."""
    stack = Stack.__new__(Stack)
    s = system.stack
    stack.info = {"busName": s.bus_name, "queues": {q: s.queues[q] for q in s.dlq_of},
                  "dlqs": {d: s.queues[d] for d in s.dlq_of.values()},
                  "redrive": {d: q for q, d in s.dlq_of.items()}, "maxReceiveCount": {}}
    stack.api, stack.moto, stack.region, stack._clients, stack._patterns = "", "", s.region, {}, None
    stack.client = aws.client  # the suite's moto clients
    return stack


def test_terminal_control_characters_are_escaped_in_every_output(system, capsys, report):
    stack = moto_stack(system)
    dlq = system.stack.dlq_url("ScoreIngestionQueue")
    sqs = aws.client("sqs")
    outputs = ["describe " + t for t in render.EVENT_ORDER] + ["status table", "dlq list", "dlq list --json",
                                                                "error line"]
    cases, leaked, missing = 0, [], []
    for name, value in HOSTILE.items():
        marker = f"cli-escape-{len(value)}-{cases}"
        sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({"detail-type": f"MetricsReported{value}",
                                                               "detail": {"partnerId": value, "eventId": marker}}),
                         MessageAttributes={"rejectionField": {"DataType": "String", "StringValue": "partnerId"},
                                            "rejectionReason": {"DataType": "String",
                                                                "StringValue": "bad id"}})
        for what in outputs:
            cases += 1
            if what.startswith("describe "):
                render.print_outbound([_event(what.removeprefix("describe "), value)])
            elif what == "status table":
                render.print_status(*_status(value))
            elif what == "dlq list":
                dlq_list(stack)
            elif what == "dlq list --json":
                dlq_list(stack, as_json=True)
            else:
                cli.main(["why", value])
            captured = capsys.readouterr()
            text = captured.out + captured.err
            if steers_terminal(text):
                leaked.append(f"{name} in {what}: {sorted(set(steers_terminal(text)))!r}")
            if what == "dlq list" and not any(marker in line and "MetricsReported" in line and "bad id" in line
                                              for line in captured.out.splitlines()):
                missing.append(f"{name}: {captured.out[-300:]!r}")
            if what == "dlq list --json":
                [letter] = [m for m in json.loads(captured.out)["messages"] if m["eventId"] == marker]
                if letter["partnerId"] != value or letter["detailType"] != f"MetricsReported{value}":
                    missing.append(f"{name} (json): {letter!r}")
        for m in sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", []):
            if marker in m["Body"]:
                sqs.delete_message(QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"])
    report("CLI terminal control characters",
           what="ESC sequences (clear, recolour, window title), U+202E, C1 CSI, BEL/BS/CR, bidi isolates, U+2028 "
                "and lone surrogates in every field of every outbound event line, the status table, `dlq list` "
                "(table and --json) and error lines: escaped (\\x1b, \\u202e), never printed raw",
           cases=cases, rejected=cases - len(leaked), notes=f"{len(HOSTILE)} hostile strings × {len(outputs)} outputs")
    assert leaked == [], leaked[:10]
    assert missing == [], missing[:5]


def test_an_event_no_rule_routes_is_named_with_the_routed_sources(system):
    patterns = moto_stack(system).rule_patterns()  # the bus's rules, deployed from template.yaml
    assert not routed(patterns, "evil.source", "MetricsReported")
    assert not routed(patterns, "partner.membership", "MetricsReported")  # that source routes named types only
    assert routed(patterns, "partner.scorefeed", "MetricsReported")
    assert routed(patterns, "partner.membership", "BenefitsElected")
    sources = routed_sources(patterns)
    for source in ("partner.scorefeed", "partner.skilling", "partner.training", "partner.marketplace",
                   "partner.membership (AzureExpertMspRecorded, BenefitsElected, LegacyCompetencyRecorded"):
        assert source in sources, sources


def test_the_local_servers_own_answers_are_problem_details(system, monkeypatch):
    """devstack/http.py outside the API's routes: no such route (404), a method the route does not
    take (405), and an API function that raises or answers no proxy response (502)."""
    from werkzeug.test import Client

    from devstack import http as local_http
    from functions.partner_api import app as api

    monkeypatch.setattr(api, "injected_deps", api.injected_deps)  # ApiApp points the API at this stack; put it back after

    def raises(event, context):
        raise RuntimeError("boom")

    answers = {
        "no such route": (Client(local_http.ApiApp(system.stack)).get("/nothing-here"), 404, "NO_SUCH_ROUTE"),
        "wrong method": (Client(local_http.ApiApp(system.stack)).delete("/partners/contoso-1001"), 405,
                         "METHOD_NOT_ALLOWED"),
        "handler raises": (Client(local_http.ApiApp(system.stack, handler=raises)).get("/partners/contoso-1001"), 502,
                           "BAD_GATEWAY"),
        "no proxy response": (Client(local_http.ApiApp(system.stack, handler=lambda e, c: {"body": "x"})).get(
            "/partners/contoso-1001"), 502, "BAD_GATEWAY"),
    }
    for name, (response, status, reason) in answers.items():
        body = response.get_json(force=True)
        assert response.status_code == status and response.content_type == "application/problem+json", name
        assert body["status"] == status and body["reason"] == reason and body["title"] and body["detail"], name
        assert body["type"] == api.PROBLEM_TYPE + reason.lower().replace("_", "-"), name
    assert answers["wrong method"][0].headers["Allow"] == "GET"
    assert answers["wrong method"][0].get_json(force=True)["allowed"] == ["GET"]
    assert "boom" not in answers["handler raises"][0].get_data(as_text=True)  # the log has it, not the client
