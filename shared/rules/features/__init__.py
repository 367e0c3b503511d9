"""The program's features, one module each. FEATURES is the one list the engine (facts, dated
work), the gates, the views and the explanations build their tables from: a new rule is a module
here declaring its `FEATURE` (shared.rules.feature) plus its line below."""

from __future__ import annotations

from . import (
    attainment,
    azure_expert_msp,
    benefits,
    capability_score,
    legacy,
    marketplace,
    membership,
    renewal,
    specializations,
    training_services,
)

FEATURES = (
    capability_score.FEATURE,
    attainment.FEATURE,
    membership.FEATURE,
    renewal.FEATURE,
    benefits.FEATURE,
    legacy.FEATURE,
    specializations.FEATURE,
    azure_expert_msp.FEATURE,
    training_services.FEATURE,
    marketplace.FEATURE,
)
