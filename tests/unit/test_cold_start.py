"""What a handler module leaves behind at import, in a fresh interpreter (docs/decisions.md, "Cold
start"): the collector running again, the import-time objects frozen, no X-Ray SDK, no boto3
(clients are botocore's, even after the first one is made), no event model but the one every
invocation uses, and the publisher free of pydantic. Timings are `make bench`'s; these are the facts they rest on.

Also the one check of the import-order rules the handlers rely on (shared/startup/): the collector
is paused before the libraries load, and Powertools' parser models are never built (they are, when
Powertools' batch utility is imported after pydantic)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = ["score_ingestion", "designation_attainment", "anniversary_renewal", "outbox_publisher", "partner_api"]
SQS_HANDLERS = {"score_ingestion", "designation_attainment", "anniversary_renewal"}
# An audit hook sees every module's first import before the module runs: whether the collector was
# paused then, for the libraries whose imports build the long-lived objects.
LIBRARIES = ("pydantic", "aws_lambda_powertools")
PROBE = ("import gc, json, sys\n"
         "paused = {{}}\n"
         "def hook(event, args):\n"
         "    if event == 'import' and args[0] in {libraries!r} and args[0] not in paused:\n"
         "        paused[args[0]] = not gc.isenabled()\n"
         "sys.addaudithook(hook)\n"
         "import functions.{module}.app; from shared.adapters import aws\n"
         "aws.client('dynamodb'); aws.client('events')\n"
         "print(json.dumps({{'enabled': gc.isenabled(), 'frozen': gc.get_freeze_count(), "
         "'xray': any(m.startswith('aws_xray_sdk') for m in sys.modules), 'pydantic': 'pydantic' in sys.modules, "
         "'boto3': 'boto3' in sys.modules, 'paused': paused, "
         "'parser': sorted(m for m in sys.modules if m.startswith('aws_lambda_powertools.utilities.parser')), "
         "'batch': 'aws_lambda_powertools.utilities.batch' in sys.modules, "
         "'models': sorted(m for m in sys.modules if m.startswith(('shared.models.feeds.', 'shared.models.announcements.')))}}))")


def _probe(module: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update({"PYTHONPATH": str(ROOT), "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_SERVICE_NAME": "test"})
    out = subprocess.run([sys.executable, "-c", PROBE.format(module=module, libraries=LIBRARIES)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def facts() -> dict[str, dict]:
    return {module: _probe(module) for module in HANDLERS}


@pytest.mark.parametrize("module", HANDLERS)
def test_a_handler_import_resumes_the_collector_with_its_objects_frozen(module, facts):
    facts = facts[module]
    assert facts["enabled"], "the handler module left the garbage collector disabled"
    assert facts["frozen"] > 10_000  # its import-time objects were moved to the permanent generation
    assert not facts["xray"]
    assert not facts["boto3"], "boto3 imported: the handlers' clients are botocore's (shared.adapters.aws)"
    assert facts["pydantic"] == (module != "outbox_publisher")
    # Event models are created when their type first arrives or is announced (shared/lazy.py);
    # at import only ScoreEvaluated, which every ingestion and attainment invocation validates.
    expected = ["shared.models.announcements.scores"] if module in ("score_ingestion", "designation_attainment") else []
    assert facts["models"] == expected


@pytest.mark.parametrize("module", HANDLERS)
def test_a_handler_imports_shared_startup_first_and_no_parser_model(module, facts):
    facts = facts[module]
    assert set(facts["paused"]) == set(LIBRARIES) - ({"pydantic"} if module == "outbox_publisher" else set())
    late = sorted(lib for lib, paused in facts["paused"].items() if not paused)
    assert not late, f"{late} imported before the collector was paused: shared.startup must be the first import"
    assert not facts["parser"], "Powertools' parser models were imported: its batch utility came after pydantic"
    # Only the SQS consumers pay for the batch utility (shared.startup.sqs).
    assert facts["batch"] == (module in SQS_HANDLERS)


LAZY_PROBE = """\
import json, sys
from shared.lazy import LazyModule
from shared.models.inbound import INBOUND
from shared.models.outbound import OUTBOUND

def loaded():
    return sorted(m for m in sys.modules if m.startswith(("shared.models.feeds.", "shared.models.announcements.")))

facts = {"keys": [len(INBOUND), len(OUTBOUND), ("partner.scorefeed", "MetricsReported") in INBOUND,
                  "ScoreEvaluated" in OUTBOUND, "Nope" in OUTBOUND, len(list(INBOUND))]}
facts["after_keys"] = loaded()
facts["name"] = OUTBOUND["BadgeIssued"].__name__
facts["after_lookup"] = loaded()
facts["same"] = OUTBOUND["BadgeIssued"] is OUTBOUND["BadgeIssued"]
colorsys_before = "colorsys" in sys.modules
lazy = LazyModule("colorsys")
facts["colorsys"] = [colorsys_before, "colorsys" in sys.modules, lazy.rgb_to_hsv(1, 0, 0), "colorsys" in sys.modules]
try:
    lazy.no_such_name
except AttributeError as exc:
    facts["missing"] = str(exc)
try:
    OUTBOUND["Nope"]
except KeyError:
    facts["unknown"] = "KeyError"
print(json.dumps(facts))
"""


def test_the_registries_know_every_key_and_import_a_module_at_its_first_lookup_only():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", LAZY_PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60, check=True)
    facts = json.loads(out.stdout.strip().splitlines()[-1])
    assert facts["keys"] == [10, 11, True, True, False, 10]
    assert facts["after_keys"] == []  # `in`, `len` and iteration import no model module
    assert facts["name"] == "BadgeIssued"
    assert facts["after_lookup"] == ["shared.models.announcements.designations"]
    assert facts["same"]
    assert facts["colorsys"] == [False, False, [0.0, 1.0, 1.0], True]
    assert "no_such_name" in facts["missing"]
    assert facts["unknown"] == "KeyError"
