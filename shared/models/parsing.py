"""JSON loading, size guards and pydantic-error conversion shared by the inbound and outbound parsers.

Imports no pydantic itself: `describe_input` (the bad-input path of every queue consumer) and the
size guards are plain JSON; only `first_error` is handed a pydantic error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shared.models.errors import InputError, field_path

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = ["MAX_BODY_BYTES", "MAX_DETAIL_BYTES", "body_size", "check_detail", "describe_input", "first_error",
           "load_body"]

MAX_DETAIL_BYTES = 64 * 1024  # a detail larger than this is refused (field `detail`)
MAX_BODY_BYTES = 1024 * 1024  # SQS' own maximum message size; nothing larger is even parsed


class UnsafeJson(ValueError):
    """JSON that json.loads cannot read safely; the message says why."""


def read_json_safely(text: str | bytes, max_depth: int, **loads: Any) -> Any:
    """`text` as JSON (json.JSONDecodeError when it is not), refusing with UnsafeJson what json.loads
    cannot read safely: nesting past `max_depth` (json.loads recurses, so 100,000 levels raise
    RecursionError) and integers longer than Python converts (4,300 digits raise a plain ValueError).
    `loads` goes to json.loads (hooks that refuse NaN, for example)."""
    try:
        value = json.loads(text, **loads)
    except RecursionError:
        raise UnsafeJson(f"nested more than {max_depth} levels deep") from None
    except json.JSONDecodeError:
        raise
    except ValueError:  # int() past sys.get_int_max_str_digits()
        raise UnsafeJson("a number has more than 4,300 digits") from None
    if json_depth(value, max_depth) > max_depth:
        raise UnsafeJson(f"nested more than {max_depth} levels deep")
    return value


def json_depth(value: Any, limit: int) -> int:
    """Nesting depth of parsed JSON (a scalar is 0), stopping once past `limit`; iterative, one visit a node."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if not isinstance(node, dict | list):
            continue
        deepest = max(deepest, level)
        if level > limit:
            break
        stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def first_error(exc: ValidationError, prefix: str) -> InputError:
    """The InputError of a ValidationError's first error; its location is joined below `prefix`."""
    err = exc.errors(include_url=False, include_context=False, include_input=False)[0]
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return InputError(field_path(err["loc"], prefix), msg)


def body_size(text: str | bytes | bytearray) -> int:
    """Size in UTF-8 bytes."""
    if isinstance(text, str):
        return len(text) if text.isascii() else len(text.encode("utf-8"))
    return len(text)


def load_body(body: str | bytes | bytearray | Mapping[str, Any]) -> tuple[dict[str, Any], int | None]:
    """The envelope dict of an SQS body (numbers with a fraction become exact `Decimal`s), and the
    body's size in bytes (None when a dict was given). InputError(`body`) when it is not a JSON
    object."""
    if isinstance(body, Mapping):
        return (body if isinstance(body, dict) else dict(body)), None
    if not isinstance(body, str | bytes | bytearray):
        raise InputError("body", f"must be a JSON object, got {type(body).__name__}")
    size = body_size(body)
    if size > MAX_BODY_BYTES:
        raise InputError("body", f"is {size} bytes, more than the {MAX_BODY_BYTES} allowed")
    try:
        envelope = json.loads(body, parse_float=Decimal)
    except ValueError as exc:  # includes UnicodeDecodeError
        raise InputError("body", f"is not valid JSON: {exc}") from None
    except RecursionError:
        raise InputError("body", "is nested too deeply") from None
    if not isinstance(envelope, dict):
        raise InputError("body", f"must be a JSON object, got {type(envelope).__name__}")
    return envelope, size


def check_detail(envelope: Mapping[str, Any], raw_size: int | None) -> dict[str, Any]:
    """The envelope's `detail` object, refused (field `detail`) when missing, not an object, or
    larger than MAX_DETAIL_BYTES as compact UTF-8 JSON. `raw_size` is the size of the body it came
    from (None for a dict): a body within the limit needs no second look."""
    detail = envelope.get("detail")
    if detail is None:
        raise InputError("detail", "is required")
    if not isinstance(detail, dict):
        raise InputError("detail", f"must be a JSON object, got {type(detail).__name__}")
    if raw_size is None or raw_size > MAX_DETAIL_BYTES:
        try:
            size = body_size(json.dumps(detail, separators=(",", ":"), ensure_ascii=False, default=str))
        except (RecursionError, ValueError):  # nested too deeply, or circular (a dict from Python)
            raise InputError("detail", "is nested too deeply") from None
        if size > MAX_DETAIL_BYTES:
            raise InputError("detail", f"is {size} bytes, more than the {MAX_DETAIL_BYTES} allowed")
    return detail


def _short_str(value: Any, limit: int = 128) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def describe_input(body: Any) -> dict[str, str | None]:
    """Best-effort identification of a message that failed validation, for `InputRejected`:
    ``{"source", "detailType", "originalEventId", "partnerId"}``, each None when not readable.
    Never raises."""
    env: Any = body
    if isinstance(body, str | bytes | bytearray):
        try:
            env = json.loads(body) if body_size(body) <= MAX_BODY_BYTES else None
        except (ValueError, RecursionError):
            env = None
    if not isinstance(env, Mapping):
        return {"source": None, "detailType": None, "originalEventId": None, "partnerId": None}
    detail = env.get("detail")
    detail = detail if isinstance(detail, Mapping) else {}
    return {
        "source": _short_str(env.get("source")),
        "detailType": _short_str(env.get("detail-type")),
        "originalEventId": _short_str(detail.get("eventId")),
        "partnerId": _short_str(detail.get("partnerId"), 64),
    }
