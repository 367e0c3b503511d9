"""The audit trail in plain sentences (shared/rules/explain.py)."""

from __future__ import annotations

from shared.rules.explain import why
from tests.unit.builders import Partner


def test_why_names_the_rule_and_numbers_behind_each_decision():
    # Issue "Beyond Partner Center" §1: the audit trail explains every decision in plain sentences.
    p = Partner()
    p.qualify("DATA_AI", "2022-11-15")
    p.pay("2022-11-20")  # enrolled: the fee paid in the enrollment window
    p.drop("DATA_AI", "2023-01-10")
    p.tick("2023-10-01")
    p.tick("2023-11-15")
    lines = why(p.state, "DATA_AI")
    assert [line["rule"] for line in lines] == ["ATTAINMENT", "ENROLLMENT", "BENEFITS_ELECTION", "RENEWAL_FORECAST",
                                                "ANNIVERSARY_RENEWAL"]
    assert "attained with 100.00 points (rulebook 2022-10-03" in lines[0]["sentence"]
    assert "the Solutions Partner fee is due by 2022-12-15" in lines[1]["sentence"]
    assert "initial purchase" in lines[2]["sentence"]
    assert "did not meet the requirements on any day of the window 2023-06-01 … 2023-11-15" in lines[4]["sentence"]
    assert lines[0]["citation"].startswith("FAQ")
