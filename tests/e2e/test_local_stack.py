"""End to end: `python -m devstack.run` in a subprocess (loopback, free ports, a temporary
.devstack), `partnerctl demo` against it, then the outcomes checked through the HTTP API and the
CLI. Everything is bounded: start-up 60 s, the demo 150 s, the stack always terminated."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.e2e.localstack import ROOT, STARTUP_TIMEOUT, free_port, partnerctl, stack_env, start, stop

pytestmark = pytest.mark.e2e

DEMO_TIMEOUT = 150


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    directory = tmp_path_factory.mktemp("devstack")
    running = start(directory, stack_env(directory))
    try:
        yield running
    finally:
        code = stop(running.proc)
    assert code == 0, f"unclean shutdown ({code}):\n{running.log_tail()}"
    assert not (directory / "run.pid").exists(), "the pid file outlived the stack"
    assert not (directory / "run.json").exists(), "run.json outlived the stack"


@pytest.fixture(scope="module")
def demo(stack):
    started = time.monotonic()
    result = stack.cli("demo", timeout=DEMO_TIMEOUT)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, f"partnerctl demo failed:\n{result.stdout[-3000:]}\n{result.stderr}\n{stack.log_tail()}"
    print(f"\nstart-up {stack.startup:.1f} s, demo {elapsed:.1f} s")
    return result


def outbound(stack, kind: str, partner: str) -> list[dict]:
    status, body = stack.get("/_local/events?since=0")
    assert status == 200
    seen, out = set(), []
    for e in body["events"]:
        d = e["detail"]
        if e["detail-type"] == kind and d["partnerId"] == partner and d["eventId"] not in seen:
            seen.add(d["eventId"])
            out.append(d)
    return out


def test_started_on_loopback_within_bounds(stack):
    assert stack.startup < STARTUP_TIMEOUT
    assert stack.info["apiUrl"].startswith("http://127.0.0.1:")
    assert stack.info["motoEndpoint"].startswith("http://127.0.0.1:")
    assert stack.info["busName"] == "partner-program"
    assert set(stack.info["redrive"]) == {"ScoreIngestionDLQ", "AttainmentDLQ", "RenewalDLQ"}


def test_second_start_is_refused_while_running(stack):
    other = {**stack.env, "MOTO_PORT": str(free_port()), "API_PORT": str(free_port())}
    result = subprocess.run([sys.executable, "-m", "devstack.run"], cwd=ROOT, env=other, capture_output=True,
                            text=True, timeout=30, check=False)
    assert result.returncode == 1
    assert "already running" in result.stderr and len(result.stderr.strip().splitlines()) <= 2


def test_contoso_holds_three_designations_with_one_anniversary_and_renewed(stack, demo):
    status, p = stack.get("/partners/contoso-1001?on=2024-01-31")
    assert status == 200
    assert sorted((d["solutionArea"], d["status"]) for d in p["designations"]) == [
        ("BUSINESS_APPLICATIONS", "ACTIVE"), ("MODERN_WORK", "ACTIVE"), ("SECURITY", "ACTIVE")]
    assert p["anniversaryDate"] == "2024-11-08"
    assert {d["anniversaryDate"] for d in outbound(stack, "DesignationAttained", "contoso-1001")} == {"2023-11-08"}
    renewed = outbound(stack, "DesignationRenewed", "contoso-1001")
    assert sorted(d["solutionArea"] for d in renewed) == ["BUSINESS_APPLICATIONS", "MODERN_WORK", "SECURITY"]
    assert {d["option"] for d in renewed} == {"SOLUTIONS_PARTNER"}
    [renewal] = [r for r in p["renewals"] if r["anniversaryDate"] == "2023-11-08"]
    assert sorted(renewal["renewed"]) == ["BUSINESS_APPLICATIONS", "MODERN_WORK", "SECURITY"]


def test_northwind_legacy_renews_with_legacy_benefits(stack, demo):
    status, p = stack.get("/partners/northwind-legacy?on=2023-01-15")
    assert status == 200
    assert p["legacy"]["isLegacyPartner"] and p["benefitsOption"] == "LEGACY"
    assert [(d["solutionArea"], d["status"]) for d in p["designations"]] == [("SECURITY", "ACTIVE")]
    assert [d["option"] for d in outbound(stack, "DesignationRenewed", "northwind-legacy")][:1] == ["LEGACY"]


def test_fabrikam_data_ai_lapsed(stack, demo):
    status, p = stack.get("/partners/fabrikam-2002?on=2024-01-31")
    assert status == 200
    [d] = [d for d in p["designations"] if d["solutionArea"] == "DATA_AI"]
    assert d["status"] == "LAPSED" and d["lapsedOn"] == "2023-12-06"
    assert [e["reason"] for e in outbound(stack, "DesignationLapsed", "fabrikam-2002")] == ["NOT_QUALIFIED"]


def test_adatum_threat_protection_lost_on_its_anniversary(stack, demo):
    status, p = stack.get("/partners/adatum-3003?on=2024-01-31")
    assert status == 200
    [spec] = [s for s in p["specializations"] if s["specialization"] == "Threat Protection"]
    assert spec["status"] == "LOST" and spec["lostOn"] == "2023-02-03"
    assert [e["warnedOn"] for e in outbound(stack, "SpecializationAtRisk", "adatum-3003")] == ["2023-01-04"]
    status, e = stack.get("/partners/adatum-3003/eligibility?on=2023-02-03")
    assert status == 200
    assert [g["reason"] for g in e["specializations"]] == ["SPECIALIZATION_LOST"]


def test_litware_azure_expert_msp_lost(stack, demo):
    status, p = stack.get("/partners/litware-4004?on=2024-01-31")
    assert status == 200
    assert p["azureExpertMsp"]["status"] == "LOST" and p["azureExpertMsp"]["lossEffectiveOn"] == "2023-07-01"
    [lost] = outbound(stack, "AzureExpertMspLost", "litware-4004")
    assert lost["missingDesignations"] == ["DIGITAL_APP_INNOVATION"]
    status, e = stack.get("/partners/litware-4004/eligibility?on=2023-06-30")
    assert e["azureExpertMsp"]["allowed"] is True  # still within the 30 days
    status, e = stack.get("/partners/litware-4004/eligibility?on=2023-07-01")
    assert e["azureExpertMsp"]["allowed"] is False


def test_dlq_list_shows_the_malformed_event_with_its_field(stack, demo):
    result = stack.cli("dlq", "list")
    assert result.returncode == 0, result.stderr
    [line] = [ln for ln in result.stdout.splitlines() if "sf-2023-03-10-fabrikam-2002-data-ai-resend" in ln]
    assert line.startswith("ScoreIngestionDLQ") and "detail.measurements.0.value" in line and "MetricsReported" in line
    again = stack.cli("dlq", "list")  # listing leaves the messages where they are
    assert again.stdout == result.stdout


def test_status_prints_the_table(stack, demo):
    result = stack.cli("status", "contoso-1001")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for expected in ("Partner contoso-1001", "Designations", "MODERN_WORK", "BUSINESS_APPLICATIONS", "SECURITY",
                     "/100", "anniversary", "benefits option", "fees due", "Specializations", "Azure Expert MSP",
                     "Gates", "incentives"):
        assert expected in text, f"{expected!r} missing from:\n{text}"
    unknown = stack.cli("status", "nobody-9999")
    assert unknown.returncode == 1 and unknown.stderr.strip() == "partnerctl: unknown partner nobody-9999"


def test_why_names_the_rule_and_numbers_behind_each_designation(stack, demo):
    result = stack.cli("why", "contoso-1001", "SECURITY")
    assert result.returncode == 0, result.stderr
    assert "SECURITY attained with" in result.stdout and "rulebook 2022-10-03" in result.stdout
    assert "rule: FAQ:" in result.stdout


def test_status_on_past_dates_matches_what_the_system_said_then(stack, demo):
    for day, held in (("2022-11-01", []), ("2022-12-01", ["MODERN_WORK"]),
                      ("2023-03-01", ["BUSINESS_APPLICATIONS", "MODERN_WORK", "SECURITY"])):
        status, body = stack.get(f"/partners/contoso-1001?on={day}")
        assert status == 200
        assert sorted(d["solutionArea"] for d in body["designations"] if d["status"] == "ACTIVE") == held
        result = stack.cli("status", "contoso-1001", "--on", day)
        assert result.returncode == 0 and f"as of {day}" in result.stdout


def test_at_risk_lists_the_designation_that_would_lapse(stack, demo):
    # The daily run published the forecast before the lapse (RenewalAtRisk), and the audit trail has it.
    result = stack.cli("why", "fabrikam-2002", "DATA_AI")
    assert result.returncode == 0 and "at risk for the 2023-12-06 anniversary" in result.stdout, result.stdout
    # After the demo nothing held is at risk any more (fabrikam's designation has lapsed).
    result = stack.cli("at-risk", "--on", "2024-01-31", "--days", "60")
    assert result.returncode == 0, result.stderr
    assert "designation(s) at risk in the 60 days after 2024-01-31" in result.stdout


def test_api_unknown_partner_and_bad_request(stack):
    status, body = stack.get("/partners/nobody-9999")
    assert status == 404 and body["reason"] == "UNKNOWN_PARTNER"
    status, body = stack.get("/partners/contoso-1001/scores?on=not-a-date")
    assert status == 400 and body["field"] == "on"


def test_openapi_and_docs_without_external_urls(stack):
    status, spec = stack.get("/openapi.json")
    assert status == 200 and "/partners/{partnerId}" in spec["paths"]
    page = stack.text("/docs")
    assert "swagger" in page.lower() and "http://" not in page and "https://" not in page
    assert "/partners/{partnerId}" in stack.text("/docs?plain=1")


def test_cli_reports_bad_input_and_a_stopped_stack_in_one_line(stack, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"source": "partner.scorefeed", "detail": {}}))
    result = stack.cli("send", str(bad))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "detail-type" in result.stderr
    down = subprocess.run([*partnerctl(), "tick", "2023-01-01"], cwd=ROOT, capture_output=True, text=True, timeout=30,
                          env={**stack.env, "DEVSTACK_DIR": str(tmp_path / "none")}, check=False)
    assert down.returncode == 1 and down.stderr.startswith("partnerctl: the local stack is not running")
    assert down.stderr.count("\n") == 1


def test_parallel_senders_each_report_their_own_events(stack, tmp_path):
    files = []
    for i in range(6):
        pid = f"parallel-{i}"
        path = tmp_path / f"{pid}.json"
        path.write_text(json.dumps({"source": "partner.skilling", "detail-type": "CertificationEarned",
                                    "time": "2023-01-05T09:00:00Z",
                                    "detail": {"eventId": f"par-{i}", "partnerId": pid, "personId": f"person-{i}",
                                               "certification": "Azure Administrator Associate", "on": "2023-01-05"}}))
        files.append((pid, path))
    procs = [(pid, subprocess.Popen([*partnerctl(), "send", str(path)], cwd=ROOT, env=stack.env, text=True,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
             for pid, path in files]
    for pid, proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
        assert stdout.startswith("sent 1 event(s)") and f"{pid}: DATA_AI" in stdout, stdout
        others = {p for p, _ in files} - {pid}
        assert not any(other in stdout for other in others), f"{pid} reported another sender's events:\n{stdout}"


def test_demo_scenario_holds_on_the_pure_core():
    """The same files replayed through the rules core alone (no AWS): guards the scenario itself."""
    from devstack.demo import check

    assert check(verbose=False) == []


def smb_azure_events(partner: str, day: str) -> list[dict]:
    """An SMB Azure partner's feed on `day` (the inputs of tests/unit/rules/test_v2026.py SMB_AZURE):
    one administrator, one architect, eight Step 3 people, and Data & AI figures with `track` SMB."""
    people = [("a-0", "Microsoft Certified: Azure Administrator Associate"),
              ("s-0", "Microsoft Certified: Azure Solutions Architect Expert")]
    people += [(f"x-{i}", "Azure Database Administrator Associate") for i in range(8)]
    time_ = f"{day}T09:00:00Z"
    events = [{"source": "partner.skilling", "detail-type": "CertificationEarned", "time": time_,
               "detail": {"eventId": f"{partner}-c-{person}", "partnerId": partner, "personId": person,
                          "certification": name, "on": day}} for person, name in people]
    measurements = [{"metric": m, "value": v, "association": "PAL"}
                    for m, v in (("netCustomerAdds", 3), ("usageGrowth", 20), ("deployments", 5))]
    events.append({"source": "partner.scorefeed", "detail-type": "MetricsReported", "time": time_,
                   "detail": {"eventId": f"{partner}-m", "partnerId": partner, "solutionArea": "DATA_AI",
                              "measuredOn": day, "track": "SMB", "measurements": measurements}})
    return events


def test_smb_azure_inputs_attain_under_the_2026_rules_and_not_under_the_2023_rules(stack, tmp_path):
    # Issue 17 "Must show": requirements.md §2b V2026 SMB (gates of one person, 4 points each) against
    # §2b V2023 (gates of two people, no points) — the same inputs, dated 2026-09-01 and 2023-06-01.
    feed = tmp_path / "smb-azure.jsonl"
    events = smb_azure_events("smb-azure-2026", "2026-09-01") + smb_azure_events("smb-azure-2023", "2023-06-01")
    feed.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    result = stack.cli("send", str(feed), timeout=120)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    expected = {"smb-azure-2026": ("2026-09-01", "2026-07-01", "SMB", "100.00", True),
                "smb-azure-2023": ("2023-06-01", "2022-10-03", "ENTERPRISE", "60.00", False)}
    for partner, (day, version, track, total, qualified) in expected.items():
        status, body = stack.get(f"/partners/{partner}/scores?on={day}")
        assert status == 200, body
        [area] = [a for a in body["areas"] if a["solutionArea"] == "DATA_AI"]
        assert (area["rulebookVersion"], area["track"], area["total"], area["qualified"]) == \
            (version, track, total, qualified), area
    assert [d["attainedOn"] for d in outbound(stack, "DesignationAttained", "smb-azure-2026")] == ["2026-09-01"]
    assert outbound(stack, "DesignationAttained", "smb-azure-2023") == []
