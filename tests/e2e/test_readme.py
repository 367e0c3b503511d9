"""The README's "Five minutes with the local stack" runs as written: every shell block marked
`<!-- readme-walkthrough -->` runs in bash (-e, pipefail) from the project directory against a
stack of its own on free ports (API_PORT, MOTO_PORT, DEVSTACK_DIR set as a reader's shell would
have them), and a command that fails fails the test. Then the exit statuses the README's
"Operator CLI" documents, on the same stack. Every wait is bounded.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests.e2e.localstack import ROOT, stack_env, start, stop

pytestmark = pytest.mark.e2e

MARKER = "<!-- readme-walkthrough -->"
BLOCK = re.compile(re.escape(MARKER) + r"\s*```bash\n(.*?)```", re.S)
BLOCK_TIMEOUT = 240  # the demo replay is in the first block


def walkthrough_blocks(readme: str) -> list[str]:
    """The shell blocks of the README marked as the walkthrough, in order."""
    return BLOCK.findall(readme)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    directory = tmp_path_factory.mktemp("readme")
    running = start(directory, stack_env(directory))
    try:
        yield running
    finally:
        stop(running.proc)


@pytest.fixture(scope="module")
def walkthrough(stack):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = walkthrough_blocks(readme)
    assert len(blocks) == readme.count(MARKER) >= 3, "a walkthrough marker without a ```bash block after it"
    results = []
    for block in blocks:
        result = subprocess.run(["bash", "-c", "set -eo pipefail -x\n" + block], cwd=ROOT, env=stack.env,
                                capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=BLOCK_TIMEOUT,
                                check=False)
        assert result.returncode == 0, (f"README block failed (exit {result.returncode}):\n{block}\n--- stdout\n"
                                        f"{result.stdout[-3000:]}\n--- stderr (set -x)\n{result.stderr[-3000:]}\n"
                                        f"--- stack log\n{stack.log_tail()}")
        results.append(result)
    return results


def test_the_walkthrough_names_only_files_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in walkthrough_blocks(readme):
        for path in re.findall(r"\b(events/[\w./-]+)", block):
            assert (ROOT / path).exists(), f"the README names {path}, which does not exist"
    assert not re.search(r"^\s*open ", "\n".join(walkthrough_blocks(readme)), re.M), "`open` is macOS only"


def test_the_readme_walkthrough_runs_as_written(walkthrough):
    demo, api, own = walkthrough
    assert "demo done" in demo.stdout and "Partner contoso-1001  (as of 2024-01-31)" in demo.stdout
    assert "SECURITY attained with" in demo.stdout and "designation(s) at risk" in demo.stdout
    assert "sf-2023-03-10-fabrikam-2002-data-ai-resend" in demo.stdout  # the dead letter of the demo
    assert '"partnerId": "contoso-1001"' in api.stdout and '"allowed"' in api.stdout
    assert "sent 1 event(s)" in own.stdout and "redrove 1 message(s)" in own.stdout


def write(tmp_path, name: str, *events: dict) -> str:
    path = tmp_path / name
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return str(path)


def metrics(partner: str, event_id: str, value) -> dict:
    return {"source": "partner.scorefeed", "detail-type": "MetricsReported", "time": "2024-01-20T09:00:00Z",
            "detail": {"eventId": event_id, "partnerId": partner, "solutionArea": "SECURITY", "measuredOn": "2024-01-20",
                       "measurements": [{"metric": "netCustomerAdds", "value": value, "association": "CSP_T1"}]}}


def test_send_exits_3_for_an_event_no_rule_routes_and_names_the_routed_sources(stack, walkthrough, tmp_path):
    event = {**metrics("readme-5005", "readme-evil-1", 2), "source": "evil.source"}
    result = stack.cli("send", write(tmp_path, "evil.jsonl", event))
    assert result.returncode == 3, result.stderr
    assert "matched no rule (source 'evil.source'" in result.stdout
    assert result.stderr.count("\n") == 1 and "1 matched no rule" in result.stderr
    for source in ("partner.scorefeed", "partner.skilling", "partner.membership (", "BenefitsElected"):
        assert source in result.stderr, result.stderr


def test_send_exits_3_when_an_event_is_rejected_and_dlq_list_names_it(stack, walkthrough, tmp_path):
    hostile = "readme-\x1b[2J\u202e"
    result = stack.cli("send", write(tmp_path, "bad.jsonl", metrics("readme-6006", "readme-bad-1", "many"),
                                     metrics(hostile, "readme-bad-2", 1)))
    assert result.returncode == 3, result.stderr
    assert "2 rejected into dead-letter queues" in result.stdout and "2 rejected into a dead-letter queue" in result.stderr
    assert "\x1b" not in result.stdout + result.stderr and "\u202e" not in result.stdout + result.stderr
    listed = stack.cli("dlq", "list")
    assert listed.returncode == 0 and "\x1b" not in listed.stdout and "\u202e" not in listed.stdout
    [line] = [ln for ln in listed.stdout.splitlines() if "readme-bad-1" in ln]
    assert "readme-6006" in line and "MetricsReported" in line and "detail.measurements.0.value" in line
    as_json = stack.cli("dlq", "list", "--json")
    assert as_json.returncode == 0
    letters = {m["eventId"]: m for m in json.loads(as_json.stdout)["messages"]}
    assert letters["readme-bad-1"]["partnerId"] == "readme-6006"
    assert letters["readme-bad-1"]["detailType"] == "MetricsReported"
    assert letters["readme-bad-1"]["queue"] == "ScoreIngestionDLQ"


def test_the_local_servers_own_answers_are_problem_details(stack):
    for method, path, status, reason in (("GET", "/nothing-here", 404, "NO_SUCH_ROUTE"),
                                         ("DELETE", "/partners/contoso-1001", 405, "METHOD_NOT_ALLOWED"),
                                         ("GET", "/docs/nothing.css", 404, "NO_SUCH_ROUTE")):
        import urllib.error
        import urllib.request

        request = urllib.request.Request(stack.api + path, method=method)  # noqa: S310 - loopback
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, timeout=30)  # noqa: S310
        body = json.loads(answer.value.read())
        assert answer.value.code == status and answer.value.headers["Content-Type"] == "application/problem+json"
        assert body["status"] == status and body["reason"] == reason and body["title"] and body["detail"]
        assert body["type"].endswith(reason.lower().replace("_", "-"))


def test_partnerctl_prints_the_apis_problem_detail(stack, walkthrough):
    from devstack.client import brief

    status, body = stack.get("/partners/contoso-1001?on=2023-02-30")
    assert status == 400
    assert brief(body) == body["detail"] and "on" in body["detail"]
