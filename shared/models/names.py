"""Names of the event contract that need no pydantic (the outbox publisher imports only these)."""

from __future__ import annotations

__all__ = ["SOURCE"]

SOURCE = "partner.designations"  # the source of every outbound event
