"""Policy parameters: decisions neither the FAQ nor the tables make (docs/decisions.md)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import NamedTuple


class Fee(NamedTuple):
    amount: Decimal
    currency: str


# Per-market fee table, keyed by currency. FAQ: "$4,730 USD (or equivalent, local fees vary)".
# Only the USD figure is published in our sources; markets are added here as data.
SOLUTIONS_PARTNER_FEES: dict[str, Decimal] = {"USD": Decimal("4730")}
# FAQ: legacy fees are "aligned to the legacy silver and gold competency fees". Gold = SP fee;
# the silver figure (USD 1,670) is the last published MPN silver fee (policy, see decisions.md).
LEGACY_FEES: dict[str, dict[str, Decimal]] = {
    "GOLD": {"USD": Decimal("4730")},
    "SILVER": {"USD": Decimal("1670")},
}


class Policy(NamedTuple):
    payment_window_days: int = 30  # after an anniversary
    # after attaining without paid benefits in force (requirements.md §1: "a partner has 30 days to enroll")
    enrollment_window_days: int = 30
    leap_day_anniversary: str = "FEB_28"  # or "MAR_1"
    specialization_warning_days: int = 30
    renewal_risk_horizon_days: int = 60
    msp_loss_delay_days: int = 30
    training_services_launch: date = date(2022, 12, 1)
    # Which designation a gate needs where the FAQ says only "a Solutions Partner designation":
    # None = any one designation.
    gate_designations: Mapping[str, frozenset[str] | None] = MappingProxyType({})  # read-only
    default_currency: str = "USD"


DEFAULT_POLICY = Policy()
