"""SPEC §2.6 Azure Expert MSP (shared/rules/features/azure_expert_msp.py)."""

from __future__ import annotations

from shared.rules.features.azure_expert_msp import msp_gate
from tests.unit.builders import Partner

# --- §2.5 specializations, §2.6 Azure Expert MSP, §2.7 Training Services ---------------------------


def test_azure_expert_msp_lost_30_days_after_its_anniversary_without_all_three_azure():
    # FAQ: "If your organization does not attain all three Azure Solutions Partner designations at
    # the time of your Azure Expert MSP anniversary date, you will lose your Azure Expert MSP status
    # and existing benefits within 30 calendar days."
    p = Partner()
    p.fact("AzureExpertMspRecorded", {"anniversaryDate": "2023-01-20"})
    p.qualify("DATA_AI", "2022-11-01")
    p.qualify("INFRASTRUCTURE", "2022-11-01")
    p.pay("2022-11-01")  # enrolled: the fee paid in the enrollment window
    p.tick("2023-01-20")
    [lost] = p.of("AzureExpertMspLost")
    assert lost["lossEffectiveOn"] == "2023-02-19" and lost["missingDesignations"] == ["DIGITAL_APP_INNOVATION"]
    assert msp_gate(p.state, "2023-02-18")["allowed"]
    p.tick("2023-02-19")
    assert not msp_gate(p.state, "2023-02-19")["allowed"]
