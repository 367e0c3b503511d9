"""The rulebook loader refuses bad files with a message naming the entry; the core stays pure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shared.rules.rulebook import DATA_DIR, RulebookError, load_all, load_rulebook


def write(tmp_path: Path, mutate) -> Path:
    raw = json.loads((DATA_DIR / "rulebook-2022-10-03.json").read_text())
    mutate(raw)
    path = tmp_path / f"rulebook-{raw['effectiveFrom']}.json"
    path.write_text(json.dumps(raw))
    return path


def nca(raw):
    return raw["areas"]["DATA_AI"]["tracks"]["ENTERPRISE"]["metrics"]["netCustomerAdds"]


@pytest.mark.parametrize("mutate, message", [
    (lambda r: nca(r).update(maxPoints="thirty"), "areas.DATA_AI.tracks.ENTERPRISE.metrics.netCustomerAdds.maxPoints"),
    (lambda r: nca(r)["parts"][0].update(associations=["PAL", "GDAP"]), "GDAP never counts"),
    (lambda r: nca(r).update(maxPoints="31"), "add up to 101, not 100"),
    (lambda r: r["areas"].pop("SECURITY"), "missing ['SECURITY']"),
    (lambda r: r.update(effectiveFrom="2022-09-01"), "before the program launch"),
    (lambda r: r["areas"]["DATA_AI"]["tracks"]["ENTERPRISE"]["metrics"].update(bogus={}), "metrics.bogus: unknown metric"),
    (lambda r: nca(r)["parts"][0].update(pointsPerUnit=1.5), "pointsPerUnit"),
])
def test_bad_rulebook_names_the_entry(tmp_path, mutate, message):
    with pytest.raises(RulebookError, match="rulebook-") as e:
        load_rulebook(write(tmp_path, mutate))
    assert message in str(e.value)


def test_every_shipped_rulebook_is_valid():
    assert len(load_all()) >= 3


def test_the_core_imports_no_boto3_and_reads_no_clock_or_environment():
    code = ("import sys; import shared.rules.engine, shared.rules.views, shared.rules.gates, shared.rules.guidance; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'aws_lambda_powertools')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
    source = "".join(p.read_text() for p in (Path(__file__).parents[2] / "shared" / "rules").glob("*.py"))
    for forbidden in ("os.environ", "date.today(", "datetime.now(", "time.time("):
        assert forbidden not in source
