"""The rulebook loader refuses bad files with a message naming the entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.rules.scoring.rulebook import DATA_DIR, RulebookError, load_all, load_rulebook


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

