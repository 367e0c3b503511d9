"""`partner.skilling` (SPEC §4.1): `CertificationEarned` / `CertificationRemoved`, the roster's facts."""

from __future__ import annotations

from pydantic import Field

from shared.models.bases import InboundDetail
from shared.models.types import IsoDate, Text128, Text200


class _CertificationChange(InboundDetail):
    person_id: Text128
    certification: Text200 = Field(
        description="Name as in the rulebook lists, e.g. 'Azure Administrator Associate'."
    )
    on: IsoDate


class CertificationEarned(_CertificationChange):
    pass


class CertificationRemoved(_CertificationChange):
    pass
