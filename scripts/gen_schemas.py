"""Write the JSON Schemas of every inbound and outbound event `detail` to events/schemas/.

    python scripts/gen_schemas.py          # (re)write events/schemas/{inbound,outbound}/*.schema.json
    python scripts/gen_schemas.py --check  # exit 1 if a committed schema differs from the models

The schemas are generated from the pydantic models (`model_json_schema(by_alias=True)`) and
committed, so a change of the contract shows up in review.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "events" / "schemas"

if str(ROOT) not in sys.path:  # runnable as a plain script from anywhere
    sys.path.insert(0, str(ROOT))


def render(schema: dict) -> str:
    return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def generate() -> dict[Path, str]:
    """Every schema file, path relative to events/schemas/ → its exact text."""
    from shared.models.inbound import INBOUND
    from shared.models.outbound import OUTBOUND

    files: dict[Path, str] = {}
    for (_source, detail_type), model in INBOUND.items():
        files[Path("inbound") / f"{detail_type}.schema.json"] = render(model.model_json_schema(by_alias=True))
    for detail_type, model in OUTBOUND.items():
        files[Path("outbound") / f"{detail_type}.schema.json"] = render(
            model.model_json_schema(by_alias=True)
        )
    return files


def differences(schema_dir: Path = SCHEMA_DIR) -> list[str]:
    """What `--check` reports: missing, different and stale (no longer generated) schema files."""
    expected = generate()
    problems = []
    for rel, text in sorted(expected.items()):
        path = schema_dir / rel
        if not path.exists():
            problems.append(f"missing: {rel}")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"differs: {rel}")
    for sub in ("inbound", "outbound"):
        for path in sorted((schema_dir / sub).glob("*.schema.json")):
            if path.relative_to(schema_dir) not in expected:
                problems.append(f"stale: {path.relative_to(schema_dir)}")
    return problems


def write(schema_dir: Path = SCHEMA_DIR) -> list[Path]:
    expected = generate()
    written = []
    for rel, text in sorted(expected.items()):
        path = schema_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(rel)
    for sub in ("inbound", "outbound"):
        for path in (schema_dir / sub).glob("*.schema.json"):
            if path.relative_to(schema_dir) not in expected:
                path.unlink()
                written.append(path.relative_to(schema_dir))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed schema is out of date")
    args = parser.parse_args(argv)
    if args.check:
        problems = differences()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("schemas are out of date: run `python scripts/gen_schemas.py`", file=sys.stderr)
            return 1
        print(f"{len(generate())} schemas up to date")
        return 0
    changed = write()
    for rel in changed:
        print(f"updated {rel}")
    print(f"{len(generate())} schemas, {len(changed)} changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
