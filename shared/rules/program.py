"""The program's fixed vocabulary, stated once: its dates, solution areas, badges, benefits options
and offer types (SPEC §2, FAQ). Every other module reads them from here."""

from __future__ import annotations

from datetime import date

PROGRAM_LAUNCH = date(2022, 10, 3)
LAUNCH = PROGRAM_LAUNCH.isoformat()
LEGACY_LAST_DAY = "2022-09-30"  # a competency held on this day makes a legacy partner
INCENTIVES_START = "2022-10-01"  # FAQ: Option 1 or Option 2 from 2022-10-01
INCENTIVES_CUTOVER = "2023-10-01"  # "October 1, 2023, and beyond: attaining a designation will be required"
TRANSITION_LAST_DAY = "2023-10-02"  # "until October 3 2023" = through 2023-10-02

AREAS = (
    "DATA_AI",
    "DIGITAL_APP_INNOVATION",
    "INFRASTRUCTURE",
    "BUSINESS_APPLICATIONS",
    "MODERN_WORK",
    "SECURITY",
)
AZURE_AREAS = ("DATA_AI", "DIGITAL_APP_INNOVATION", "INFRASTRUCTURE")

MICROSOFT_CLOUD = "MICROSOFT_CLOUD"  # the badge of a partner holding every area's designation
TRAINING_SERVICES = "TRAINING_SERVICES"  # prefix of the Training Services badges and designations


def training_badge(area: str) -> str:
    return f"{TRAINING_SERVICES}:{area}"


# Benefits options (FAQ): Option 1, Solutions Partner benefits; Option 2, legacy benefits.
SOLUTIONS_PARTNER = "SOLUTIONS_PARTNER"
LEGACY = "LEGACY"
BENEFITS_OPTIONS = (SOLUTIONS_PARTNER, LEGACY)

# The marketplace offer types an offer is published as; a publish-check also asks about
# SERVICES_CO_SELL (a services partner's co-sell status).
OFFER_TYPES = ("MANAGED_SERVICES", "CONSULTING_SERVICES", "APPSOURCE_APP", "IP_CO_SELL")
