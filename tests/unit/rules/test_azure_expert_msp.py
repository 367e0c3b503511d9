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


def test_before_2022_10_01_a_current_gold_cloud_platform_competency_meets_the_msp_prerequisite():
    # FAQ: "the legacy Gold Cloud Platform competency will no longer be valid" from 2022-10-03, when
    # "all three Azure-related Solutions Partner designations ... will be required". Issue 20 item 12:
    # on 2022-09-15 the gate asked for designations that cannot exist yet.
    gold = Partner()
    gold.fact("LegacyCompetencyRecorded", {"competency": "Cloud Platform", "level": "GOLD", "heldOn": "2022-03-01",
                                           "anniversaryDate": "2023-03-01"})
    before = msp_gate(gold.state, "2022-09-15")
    assert before["allowed"] and before["reason"] == "GOLD_COMPETENCY_CURRENT"
    assert msp_gate(gold.state, "2022-09-30")["allowed"]
    after = msp_gate(gold.state, "2022-10-03")  # the competency is no longer valid
    assert not after["allowed"] and after["reason"] == "PREREQUISITES_MISSING"

    for level, competency in (("SILVER", "Cloud Platform"), ("GOLD", "Security")):
        other = Partner()
        other.fact("LegacyCompetencyRecorded", {"competency": competency, "level": level, "heldOn": "2022-03-01",
                                                "anniversaryDate": "2023-03-01"})
        refused = msp_gate(other.state, "2022-09-15")
        assert not refused["allowed"] and refused["reason"] == "GOLD_COMPETENCY_REQUIRED"
        assert "from 2022-10-03" in refused["message"]
    assert msp_gate(None, "2022-09-15")["reason"] == "GOLD_COMPETENCY_REQUIRED"
    # not yet current: renewed after the day asked about
    late = Partner()
    late.fact("LegacyCompetencyRecorded", {"competency": "Cloud Platform", "level": "GOLD", "heldOn": "2022-09-20",
                                           "anniversaryDate": "2023-09-20"})
    assert not msp_gate(late.state, "2022-09-15")["allowed"] and msp_gate(late.state, "2022-09-20")["allowed"]
