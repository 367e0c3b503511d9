"""`InputRejected` (SPEC §4.1, §4.3): a message that failed validation, now in its queue's DLQ."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from shared.models.bases import OutboundDetail

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class InputRejected(OutboundDetail):
    partner_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(  # type: ignore[assignment]
        description="The partner named by the rejected message, when it could be read."
    )
    field: ShortText = Field(description="Dotted path of the first failing field (InputError.field).")
    reason: Reason
    source: ShortText | None
    detail_type: ShortText | None
    original_event_id: ShortText | None
    queue: ShortText = Field(description="The queue whose dead-letter queue holds the message.")
