"""What a handler module leaves behind at import, in a fresh interpreter (docs/decisions.md, "Cold
start"): the collector running again, the import-time objects frozen, no X-Ray SDK, no boto3
(clients are botocore's, even after the first one is made), no event model but the one every
invocation uses, and the publisher free of pydantic. Timings are `make bench`'s; these are the facts they rest on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = ["score_ingestion", "designation_attainment", "anniversary_renewal", "outbox_publisher", "partner_api"]
PROBE = ("import gc, json, sys; import functions.{module}.app; from shared.adapters import aws; "
         "aws.client('dynamodb'); aws.client('events'); "
         "print(json.dumps({{'enabled': gc.isenabled(), 'frozen': gc.get_freeze_count(), "
         "'xray': any(m.startswith('aws_xray_sdk') for m in sys.modules), 'pydantic': 'pydantic' in sys.modules, 'boto3': 'boto3' in sys.modules, "
         "'models': sorted(m for m in sys.modules if m.startswith(('shared.models.feeds.', 'shared.models.announcements.')))}}))")


@pytest.mark.parametrize("module", HANDLERS)
def test_a_handler_import_resumes_the_collector_with_its_objects_frozen(module):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update({"PYTHONPATH": str(ROOT), "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_SERVICE_NAME": "test"})
    out = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60, check=True)
    facts = json.loads(out.stdout.strip().splitlines()[-1])
    assert facts["enabled"], "the handler module left the garbage collector disabled"
    assert facts["frozen"] > 10_000  # its import-time objects were moved to the permanent generation
    assert not facts["xray"]
    assert not facts["boto3"], "boto3 imported: the handlers' clients are botocore's (shared.adapters.aws)"
    assert facts["pydantic"] == (module != "outbox_publisher")
    # Event models are created when their type first arrives or is announced (shared/models/registry.py);
    # at import only ScoreEvaluated, which every ingestion and attainment invocation validates.
    expected = ["shared.models.announcements.scores"] if module in ("score_ingestion", "designation_attainment") else []
    assert facts["models"] == expected
