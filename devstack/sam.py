"""Read template.yaml and translate SAM to plain CloudFormation, offline (no AWS calls).

    load_template()      SAM YAML (short tags !Ref/!GetAtt/!Sub ...) -> dict
    function_settings()  the plain-valued Globals environment every function gets
    translate()          SAM -> plain CloudFormation with aws-sam-translator
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TEMPLATE = PROJECT_ROOT / "template.yaml"
CODE_PLACEHOLDER = "s3://local-placeholder/code.zip"


def load_template(path: str | Path = DEFAULT_TEMPLATE) -> dict[str, Any]:
    """Parse a (SAM) CloudFormation YAML or JSON template, short-form intrinsics included.

    A relative ``path`` that does not exist in the working directory is looked up relative to the
    project root, so ``load_template("template.yaml")`` works from any directory.
    """
    from samtranslator.yaml_helper import yaml_parse

    p = Path(path)
    if not p.is_absolute() and not p.exists():
        p = PROJECT_ROOT / p
    return yaml_parse(p.read_text(encoding="utf-8"))


def function_settings(path: str | Path = DEFAULT_TEMPLATE) -> dict[str, str]:
    """The environment variables every function gets from the template's `Globals` that are plain
    values (Powertools and pydantic settings), not references to resources: the local stack and the
    cold-start benchmark run the handlers with exactly these."""
    variables = ((load_template(path).get("Globals") or {}).get("Function") or {}).get("Environment") or {}
    return {k: str(v) for k, v in (variables.get("Variables") or {}).items() if isinstance(v, str | int)}


def _with_placeholder_code(sam: dict[str, Any]) -> dict[str, Any]:
    """Copy of ``sam`` whose local CodeUri values are replaced by an ``s3://`` placeholder.

    The translator only accepts S3 code locations; ``build/lambda/`` exists only after ``make build``
    and the code is never uploaded locally anyway.
    """
    sam = copy.deepcopy(sam)

    def fix(props: dict[str, Any] | None) -> None:
        if isinstance(props, dict) and "CodeUri" in props:
            uri = props["CodeUri"]
            in_s3 = (isinstance(uri, str) and uri.startswith("s3://")) or (
                isinstance(uri, dict) and {"Bucket", "Key"} <= set(uri)
            )
            if not in_s3:
                props["CodeUri"] = CODE_PLACEHOLDER

    fix((sam.get("Globals") or {}).get("Function"))
    for res in (sam.get("Resources") or {}).values():
        if isinstance(res, dict) and res.get("Type") == "AWS::Serverless::Function":
            fix(res.get("Properties"))
    return sam


def translate(
    template: dict[str, Any],
    region: str = "us-east-1",
    account: str = "123456789012",
    parameters: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Translate a SAM template to plain CloudFormation offline (no AWS calls, no credentials).

    ``parameters`` are template parameter values (defaults apply to the rest). The input is not
    modified. A template without the SAM transform is returned as a deep copy.
    """
    if not _is_sam(template):
        return copy.deepcopy(template)

    import boto3
    from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.arn_generator import ArnGenerator
    from samtranslator.translator.translator import Translator
    from samtranslator.utils.py27hash_fix import (
        to_py27_compatible_template,
        undo_mark_unicode_str_in_template,
    )

    sam = _with_placeholder_code(template)
    values: dict[str, Any] = {
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::Partition": ArnGenerator.get_partition_name(region),
    }
    values.update(parameters or {})
    to_py27_compatible_template(sam, values)
    # A Session only carries the region here: the translator reads it, it never calls AWS.
    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())  # offline: publishes nowhere
    translator = Translator(
        None, Parser(), boto_session=boto3.session.Session(region_name=region), metrics=metrics
    )
    # Without a feature-toggle config the translator warns once per unknown feature; not our concern.
    toggle_log = logging.getLogger("samtranslator.feature_toggle.feature_toggle")
    level = toggle_log.level
    toggle_log.setLevel(logging.ERROR)
    try:
        cfn = translator.translate(sam, parameter_values=values, get_managed_policy_map=lambda: {})
    except InvalidDocumentException as exc:
        causes = "; ".join(c.message for c in exc.causes) or str(exc)
        raise ValueError(f"SAM translation failed: {causes}") from exc
    finally:
        toggle_log.setLevel(level)
        metrics.publish()
    return undo_mark_unicode_str_in_template(cfn)


def _is_sam(template: Mapping[str, Any]) -> bool:
    transform = template.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return any(isinstance(n, str) and n.startswith("AWS::Serverless") for n in names) or any(
        isinstance(r, dict) and str(r.get("Type", "")).startswith("AWS::Serverless::")
        for r in (template.get("Resources") or {}).values()
    )
