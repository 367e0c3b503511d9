"""The one error type of the event contract: bad input, naming the field that failed."""

from __future__ import annotations

from typing import Any

__all__ = ["InputError", "field_path"]


class InputError(ValueError):
    """An inbound message failed validation.

    `field` is the dotted path of the first failing field, relative to the EventBridge envelope
    (``body``, ``source``, ``detail-type``, ``detail``, ``detail.measurements.0.value`` ...);
    `message` is a human sentence. Both go into the `InputRejected` event and the DLQ record.
    """

    __slots__ = ("field", "message")

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"InputError(field={self.field!r}, message={self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:  # picklable despite the two-argument constructor
        return (type(self), (self.field, self.message))


def field_path(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """Join a pydantic error location into a dotted path (``("measurements", 0, "value")`` →
    ``measurements.0.value``). Dict-key markers (``[key]``) are dropped: the key itself names it."""
    parts = [prefix] if prefix else []
    parts.extend(str(p) for p in loc if p != "[key]")
    return ".".join(parts) if parts else prefix
