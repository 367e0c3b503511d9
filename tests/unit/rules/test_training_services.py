"""SPEC §2.7 Training Services (shared/rules/features/training_services.py)."""

from __future__ import annotations

from tests.unit.builders import Partner

# --- §2.5 specializations, §2.6 Azure Expert MSP, §2.7 Training Services ---------------------------


def test_training_services_per_area_when_the_base_criteria_hold():
    # FAQ "How do Solutions Partner designations work with the Learning Partner program?":
    # 1,000+ MOC activations, 200 exam vouchers, 4.25 of 5, and 200 MTM surveys per area.
    p = Partner()
    period = {"periodEnd": "2023-01-31", "coursewareActivations": 1000, "examVouchers": "200", "qualityScore": "4.25",
              "surveysByArea": {"SECURITY": 200, "MODERN_WORK": 199}}
    p.fact("TrainingMetricsReported", period)
    assert [b["badge"] for b in p.of("BadgeIssued")] == ["TRAINING_SERVICES:SECURITY"]
    q = Partner()
    q.fact("TrainingMetricsReported", {**period, "qualityScore": "4.24"})
    assert q.of("BadgeIssued") == []
