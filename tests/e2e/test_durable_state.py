"""End to end: what the local stack accepted survives a SIGKILL of its process group, and
`partnerctl reset --yes` wipes it (issue 18). Events are sent (one of them rejected into a
dead-letter queue), the answers of the API and the CLI are taken, the whole process group is
killed, `devstack.run` starts again on the same state directory and must answer the same."""

from __future__ import annotations

import re
import signal

import pytest

from tests.e2e.localstack import ROOT, Running, stack_env, start, stop

pytestmark = pytest.mark.e2e

DEMO = ROOT / "events" / "demo"
FILES = ["2022-09-20-adatum-3003-threat-protection.json", "2022-10-10-adatum-3003-security-scorefeed.json",
         "2022-10-17-contoso-1001-modern-work-skilling.jsonl", "2022-11-08-contoso-1001-modern-work-scorefeed.json",
         "2022-11-02-fabrikam-2002-data-ai-skilling.jsonl", "2022-12-06-fabrikam-2002-data-ai-scorefeed.json",
         "2023-02-10-fabrikam-2002-data-ai-scorefeed.json", "2023-03-10-fabrikam-2002-broken-scorefeed.json"]
PARTNERS = ["adatum-3003", "contoso-1001", "fabrikam-2002"]
ON = "2023-11-01"  # after the first dated steps of the anniversaries came due


def answers(stack: Running) -> dict[str, object]:
    """Everything a user sees of these partners: API documents, DLQ listing, at-risk forecast."""
    seen: dict[str, object] = {}
    for p in PARTNERS:
        for path in (f"/partners/{p}?on={ON}", f"/partners/{p}/scores?on={ON}", f"/partners/{p}/eligibility?on={ON}",
                     f"/partners/{p}/history"):
            seen[path] = stack.get(path)
    dlq = stack.cli("dlq", "list")
    assert dlq.returncode == 0, dlq.stderr
    # The message id is the emulator's: a restored dead letter is sent again and gets a new one.
    seen["dlq"] = sorted(re.sub(r"^(\S+)\s+\S+\s+", r"\1 ", line) for line in dlq.stdout.splitlines())
    risk = stack.cli("at-risk", "--on", "2023-10-20", "--days", "60")
    assert risk.returncode == 0, risk.stderr
    seen["at-risk"] = risk.stdout
    return seen


def test_state_survives_sigkill_and_reset_wipes_it(tmp_path):
    env = stack_env(tmp_path)
    first = start(tmp_path, env, "run-1.log")
    try:
        sent = first.cli("send", *[str(DEMO / f) for f in FILES], timeout=120)
        assert sent.returncode == 3, f"{sent.stdout}\n{sent.stderr}\n{first.log_tail()}"  # 3: one event rejected
        assert "1 rejected into dead-letter queues" in sent.stdout
        before = answers(first)
    finally:
        stop(first.proc, signal.SIGKILL)
    assert first.proc.returncode == -signal.SIGKILL

    status, body = before[f"/partners/fabrikam-2002?on={ON}"]
    assert status == 200 and body["pendingWork"], "fabrikam-2002 has dated steps due (its DATA_AI anniversary)"
    assert before["dlq"] and "detail.measurements.0.value" in before["dlq"][0]
    assert "fabrikam-2002" in before["at-risk"], before["at-risk"]

    second = start(tmp_path, env, "run-2.log")
    try:
        banner = second.log.read_text()
        assert f"restored {len(PARTNERS)} partner(s), 1 dead letter(s)" in banner, banner[-3000:]
        after = answers(second)
        for key, value in before.items():
            assert after[key] == value, key
        again = second.cli("send", str(DEMO / FILES[-1]), timeout=120)
        assert again.returncode == 3 and "1 rejected" in again.stdout, again.stdout + again.stderr
    finally:
        assert stop(second.proc) == 0, second.log_tail()

    refused = second.cli("reset")  # no terminal, no --yes: nothing is deleted
    assert refused.returncode == 2 and "--yes" in refused.stderr
    wiped = second.cli("reset", "--yes")
    assert wiped.returncode == 0 and f"deleted {len(PARTNERS)} partner(s)" in wiped.stdout, wiped.stdout + wiped.stderr

    third = start(tmp_path, env, "run-3.log")
    try:
        assert "restored 0 partner(s), 0 dead letter(s)" in third.log.read_text()
        assert third.get(f"/partners/fabrikam-2002?on={ON}")[0] == 404
        assert third.cli("dlq", "list").stdout.startswith("no messages")
    finally:
        assert stop(third.proc) == 0, third.log_tail()
