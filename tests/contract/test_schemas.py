"""The committed JSON Schemas are the models' schemas, and the samples conform to them."""

from __future__ import annotations

import importlib.util
import json

import jsonschema
import pytest

from shared.models.inbound import INBOUND
from shared.models.outbound import OUTBOUND
from tests.contract.conftest import EVENTS, ROOT, files, load

_spec = importlib.util.spec_from_file_location("gen_schemas", ROOT / "scripts" / "gen_schemas.py")
gen_schemas = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_schemas)


def test_committed_schemas_equal_freshly_generated_ones():
    assert gen_schemas.differences() == [], "run `python scripts/gen_schemas.py` and commit events/schemas/"


def test_every_model_has_a_schema_file():
    expected = {f"inbound/{dt}.schema.json" for _, dt in INBOUND} | {
        f"outbound/{dt}.schema.json" for dt in OUTBOUND
    }
    committed = {str(p.relative_to(EVENTS / "schemas")) for p in (EVENTS / "schemas").glob("*/*.schema.json")}
    assert committed == expected


def test_check_mode_detects_drift(tmp_path):
    for rel, text in gen_schemas.generate().items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    assert gen_schemas.differences(tmp_path) == []
    target = tmp_path / "inbound" / "MetricsReported.schema.json"
    target.write_text(target.read_text().replace('"measuredOn"', '"measuredAt"'), encoding="utf-8")
    (tmp_path / "outbound" / "Renamed.schema.json").write_text("{}\n")
    (tmp_path / "outbound" / "BadgeIssued.schema.json").unlink()
    assert gen_schemas.differences(tmp_path) == [
        "differs: inbound/MetricsReported.schema.json",
        "missing: outbound/BadgeIssued.schema.json",
        "stale: outbound/Renamed.schema.json",
    ]


def test_check_mode_exit_codes(monkeypatch, tmp_path):
    assert gen_schemas.main(["--check"]) == 0
    monkeypatch.setattr(gen_schemas, "SCHEMA_DIR", tmp_path)
    monkeypatch.setattr(gen_schemas, "differences", lambda: ["missing: x"])
    assert gen_schemas.main(["--check"]) == 1


def test_schema_files_are_sorted_indented_and_end_with_newline():
    for path in (EVENTS / "schemas").glob("*/*.schema.json"):
        text = path.read_text(encoding="utf-8")
        assert text.endswith("}\n")
        assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("path", files("inbound"), ids=lambda p: p.stem)
def test_inbound_samples_conform_to_their_schema(path):
    schema = load(EVENTS / "schemas" / "inbound" / f"{path.stem}.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(load(path)["detail"], schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("path", files("outbound"), ids=lambda p: p.stem)
def test_outbound_samples_conform_to_their_schema(path):
    schema = load(EVENTS / "schemas" / "outbound" / f"{path.stem}.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(load(path)["detail"], schema, format_checker=jsonschema.FormatChecker())


def test_schema_refuses_what_the_model_refuses():
    schema = load(EVENTS / "schemas" / "inbound" / "MetricsReported.schema.json")
    detail = load(EVENTS / "inbound" / "MetricsReported.json")["detail"]
    for broken in (
        {**detail, "solutionArea": "AZURE"},
        {**detail, "extra": 1},
        {**detail, "measurements": [{"metric": "usageGrowth", "value": "lots"}]},
        {**detail, "measurements": [{"metric": "intermediateCertifications", "value": 3}]},
        {k: v for k, v in detail.items() if k != "partnerId"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)
