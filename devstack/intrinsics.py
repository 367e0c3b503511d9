"""What a CloudFormation value refers to: Ref, Fn::GetAtt and Fn::Sub targets of a template value."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

PSEUDO = re.compile(r"^AWS::")
SUB_VAR = re.compile(r"\$\{(?!!)([^}]+)\}")


def refs(value: Any) -> Iterator[str]:
    """Logical ids (and parameter names) a template value refers to."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" and isinstance(arg, str):
                if not PSEUDO.match(arg):
                    yield arg
                return
            if key == "Fn::GetAtt":
                target = arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0]
                if isinstance(target, str):
                    yield target
                if isinstance(arg, list):
                    yield from refs(arg[1:])
                return
            if key == "Fn::Sub":
                text, variables = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
                local = set(variables) if isinstance(variables, dict) else set()
                if isinstance(text, str):
                    for name in SUB_VAR.findall(text):
                        base = name.split(".", 1)[0]
                        if base not in local and not PSEUDO.match(base):
                            yield base
                yield from refs(variables)
                return
        for v in value.values():
            yield from refs(v)
    elif isinstance(value, list):
        for v in value:
            yield from refs(v)


def depends_on(res: Mapping[str, Any]) -> list[str]:
    dep = res.get("DependsOn") or []
    return [dep] if isinstance(dep, str) else list(dep)


def getatt_target(value: Any) -> tuple[str, str] | None:
    """(logical id, attribute) of a ``Fn::GetAtt`` value, else None."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        arg = value["Fn::GetAtt"]
        if isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
            return arg[0], arg[1]
        if isinstance(arg, str) and "." in arg:
            a, b = arg.split(".", 1)
            return a, b
    return None


def ref_target(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("Ref"), str) and len(value) == 1:
        return value["Ref"]
    return None
