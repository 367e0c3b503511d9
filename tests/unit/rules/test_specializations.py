"""SPEC §2.5 specializations (shared/rules/features/specializations.py)."""

from __future__ import annotations

from shared.rules.features.specializations import specialization_gate
from tests.unit.builders import Partner, metrics
from tests.unit.rules.helpers import legacy_partner

# --- §2.5 specializations, §2.6 Azure Expert MSP, §2.7 Training Services ---------------------------


def test_faq_partner_a_loses_threat_protection_on_2023_02_03_without_security():
    # FAQ "Example scenario, Partner A": Gold Security (anniversary 2022-11-11), Threat Protection
    # (anniversary 2023-02-03), 60 points toward Security: "they will lose their specialization on
    # the specialization's anniversary date".
    p = legacy_partner("2022-11-11")
    p.fact("SpecializationRecorded", {"specialization": "Threat Protection", "anniversaryDate": "2023-02-03"})
    sixty = metrics("SECURITY", "2022-10-03", {"netCustomerAdds": 10})
    sixty["measurements"] += [{"metric": "deployments", "value": "6", "association": "PAL", "segment": "AZURE"},
                              {"metric": "usageGrowth", "value": "25000", "association": "PAL", "segment": "AZURE"}]
    p.fact("MetricsReported", sixty)
    assert p.state["scoreHistory"]["SECURITY"][-1][2] == "60.00"  # 60 points, no skilling
    p.tick("2023-01-04")
    [warn] = p.of("SpecializationAtRisk")
    assert warn["warnedOn"] == "2023-01-04" and warn["requiredDesignations"] == ["SECURITY"]
    p.tick("2023-02-02")
    assert p.of("SpecializationLost") == []
    p.tick("2023-02-03")
    [lost] = p.of("SpecializationLost")
    assert lost["lostOn"] == "2023-02-03"
    assert not specialization_gate(p.state, "Threat Protection", "2023-02-03")["allowed"]


def test_specialization_kept_with_any_one_mapped_designation():
    # FAQ: "For specializations aligned to more than one Solutions Partner designation, partners
    # need only attain one of the required Solutions Partner designations."
    p = Partner()
    p.fact("SpecializationRecorded", {"specialization": "Kubernetes on Microsoft Azure", "anniversaryDate": "2023-05-01"})
    p.qualify("DIGITAL_APP_INNOVATION", "2022-11-01")
    p.pay("2022-11-01")  # enrolled: the fee paid in the enrollment window
    p.tick("2023-05-01")
    assert p.of("SpecializationLost") == [] and p.of("SpecializationAtRisk") == []


def test_before_2022_10_01_a_current_gold_competency_meets_the_advanced_specialization_prerequisite():
    # FAQ: "applications to earn advanced specializations will be accepted until September 30, 2022,
    # ... competencies must be current when applying for advanced specializations. Beginning October
    # 3, 2022, attaining a Solutions Partner designation will be required". Issue 20 item 12: on
    # 2022-09-15 the gate asked for designations that cannot exist yet.
    p = Partner()
    p.fact("LegacyCompetencyRecorded", {"competency": "Security", "level": "GOLD", "heldOn": "2021-11-11",
                                        "anniversaryDate": "2022-11-11"})
    before = specialization_gate(p.state, "Threat Protection", "2022-09-15")
    assert before["allowed"] and before["reason"] == "GOLD_COMPETENCY_CURRENT"
    assert "Security" in before["message"]
    after = specialization_gate(p.state, "Threat Protection", "2022-10-03")
    assert not after["allowed"] and after["reason"] == "PREREQUISITE_MISSING"

    silver = Partner()
    silver.fact("LegacyCompetencyRecorded", {"competency": "Security", "level": "SILVER", "heldOn": "2021-11-11",
                                             "anniversaryDate": "2022-11-11"})
    refused = specialization_gate(silver.state, "Threat Protection", "2022-09-15")
    assert not refused["allowed"] and refused["reason"] == "GOLD_COMPETENCY_REQUIRED"
    assert specialization_gate(None, "Threat Protection", "2022-09-30")["reason"] == "GOLD_COMPETENCY_REQUIRED"
