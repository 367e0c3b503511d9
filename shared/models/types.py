"""Shared vocabulary of the event contract (SPEC §1, §3.1, §4.1): enums and strict field types.

The field types are strict on purpose: a feed that sends `"12"` for a count, `true` for a value
or `2023-01-01T00:00:00Z` for a date is told so instead of being silently coerced.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StrictBool, StrictInt, StringConstraints, WithJsonSchema

from shared.rules.program import AREAS, BENEFITS_OPTIONS, OFFER_TYPES

__all__ = [
    "MIN_DATE",
    "MAX_DATE",
    "SolutionArea",
    "Track",
    "MeasuredMetric",
    "MetricKey",
    "Category",
    "Association",
    "Segment",
    "CompetencyLevel",
    "BenefitsOption",
    "OfferType",
    "LapseReason",
    "IsoDate",
    "EventId",
    "PartnerId",
    "LocationId",
    "OfferId",
    "Currency",
    "StrictBool",
    "NonNegativeInt",
    "Text128",
    "Text200",
    "Text2000",
    "MeasurementValue",
    "NonNegativeNumber",
    "QualityScore",
    "Decimal2dp",
    "DecimalString",
    "SKILLING_METRICS",
    "field_title",
]


# The program's vocabulary is stated once, in the rules core (shared/rules/program.py).
SolutionArea = StrEnum("SolutionArea", [(a, a) for a in AREAS])


class Track(StrEnum):
    ENTERPRISE = "ENTERPRISE"
    SMB = "SMB"


class MeasuredMetric(StrEnum):
    """Metrics a score feed reports in `MetricsReported` (SPEC §3.1)."""

    NET_CUSTOMER_ADDS = "netCustomerAdds"
    USAGE_GROWTH = "usageGrowth"
    DEPLOYMENTS = "deployments"


class MetricKey(StrEnum):
    """Every metric of the rulebook; the skilling ones are computed from the roster."""

    NET_CUSTOMER_ADDS = "netCustomerAdds"
    INTERMEDIATE_CERTIFICATIONS = "intermediateCertifications"
    ADVANCED_CERTIFICATIONS = "advancedCertifications"
    USAGE_GROWTH = "usageGrowth"
    DEPLOYMENTS = "deployments"


SKILLING_METRICS = frozenset({MetricKey.INTERMEDIATE_CERTIFICATIONS, MetricKey.ADVANCED_CERTIFICATIONS})


class Category(StrEnum):
    PERFORMANCE = "PERFORMANCE"
    SKILLING = "SKILLING"
    CUSTOMER_SUCCESS = "CUSTOMER_SUCCESS"


class Association(StrEnum):
    """Partner association types. `GDAP` is valid input; no rulebook ever counts it."""

    CSP_T1 = "CSP_T1"
    CSP_T2 = "CSP_T2"
    DPOR = "DPOR"
    PAL = "PAL"
    CPOR = "CPOR"
    GDAP = "GDAP"


class Segment(StrEnum):
    AZURE = "AZURE"
    M365 = "M365"


class CompetencyLevel(StrEnum):
    SILVER = "SILVER"
    GOLD = "GOLD"


BenefitsOption = StrEnum("BenefitsOption", [(o, o) for o in BENEFITS_OPTIONS])
OfferType = StrEnum("OfferType", [(o, o) for o in OFFER_TYPES])


class LapseReason(StrEnum):
    NOT_QUALIFIED = "NOT_QUALIFIED"
    PAYMENT_WINDOW_EXPIRED = "PAYMENT_WINDOW_EXPIRED"


def field_title(name: str, _info: Any) -> str:
    """JSON Schema titles from the Python name: `measured_on` → "Measured on"."""
    return name.replace("_", " ").capitalize()


# --- dates ---------------------------------------------------------------------------------------

MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> date:
    """`YYYY-MM-DD` only (no timestamps, no datetimes, no week dates), 2000-01-01 … 2100-12-31."""
    if type(value) is date:
        d = value
    elif isinstance(value, str):
        if len(value) != 10 or not _DATE_RE.fullmatch(value):
            raise ValueError(f"must be a date YYYY-MM-DD, got {value[:40]!r}")
        try:
            d = date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"invalid date {value!r}: {exc}") from None
    else:
        raise ValueError(f"must be a date string YYYY-MM-DD, got {type(value).__name__}")
    if not MIN_DATE <= d <= MAX_DATE:
        raise ValueError(f"date {d.isoformat()} is outside {MIN_DATE.isoformat()} … {MAX_DATE.isoformat()}")
    return d


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": r"^\d{4}-\d{2}-\d{2}$",
            "formatMinimum": MIN_DATE.isoformat(),
            "formatMaximum": MAX_DATE.isoformat(),
        }
    ),
]

# --- identifiers -------------------------------------------------------------------------------

EventId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]
PartnerId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
LocationId = PartnerId
OfferId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:_-]+$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
NonNegativeInt = Annotated[StrictInt, Field(ge=0, le=10**15)]  # sums of inbound values stay inside


Text128 = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text2000 = Annotated[str, StringConstraints(min_length=1, max_length=2000)]


# --- numbers -------------------------------------------------------------------------------------


def _json_number(value: Any) -> Any:
    """Only JSON numbers (int, float, or Decimal from `json.loads(parse_float=Decimal)`) are
    numbers: booleans and numeric strings are refused. NaN and infinities are refused."""
    t = type(value)
    if t is int or t is Decimal:
        if t is Decimal:
            if not value.is_finite():
                raise ValueError("must be a finite number")
            # The exponent itself, before any arithmetic: 1e-999999999 would underflow to 0 in a
            # decimal context yet cost hours as an exact fraction.
            if value and not -6 <= value.as_tuple().exponent <= 12:
                raise ValueError("must have at most 6 decimal places and 12 digits before the point")
        return value
    if t is float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value
    if t is bool:
        raise ValueError("must be a number, not a boolean")
    raise ValueError(f"must be a JSON number, got {t.__name__}")


def _number_schema(ge: int, le: int) -> WithJsonSchema:
    return WithJsonSchema({"type": "number", "minimum": ge, "maximum": le})


# A measurement's value: an exact decimal from a JSON number, -1e9 … 1e9.
MeasurementValue = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    Field(ge=-1_000_000_000, le=1_000_000_000, allow_inf_nan=False, decimal_places=6),
    _number_schema(-1_000_000_000, 1_000_000_000),
]
# A non-negative exact decimal from a JSON number (vouchers, fee amounts), 0 … 1e9.
NonNegativeNumber = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    Field(ge=0, le=1_000_000_000, allow_inf_nan=False, decimal_places=6),
    _number_schema(0, 1_000_000_000),
]
# An average training-quality score, 0 … 5.
QualityScore = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    Field(ge=0, le=5, allow_inf_nan=False),
    _number_schema(0, 5),
]

# Outbound exact decimals, written as strings (never binary floats).
Decimal2dp = Annotated[str, StringConstraints(pattern=r"^-?\d+\.\d{2}$")]
DecimalString = Annotated[str, StringConstraints(pattern=r"^-?\d+(\.\d+)?$")]
