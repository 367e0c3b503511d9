"""Legacy competencies (shared/rules/features/legacy.py): only the competencies of 2022 make a
legacy partner (issue 20 item 4)."""

from __future__ import annotations

import pytest

from shared.rules.errors import RuleRejected
from shared.rules.features.benefits import incentives_gate
from shared.rules.features.marketplace import offer_gate
from tests.unit.builders import Partner


def record(p: Partner, name: str, level: str = "GOLD") -> None:
    p.fact("LegacyCompetencyRecorded", {"competency": name, "level": level, "heldOn": "2021-11-11",
                                        "anniversaryDate": "2022-11-11"})


@pytest.mark.parametrize("name", ["zzz not a competency", "<script>alert(1)</script>",
                                  "Security Operations Analyst Associate"])
def test_an_unknown_competency_is_rejected_naming_the_field_and_grants_nothing(name):
    # FAQ: "a competency held on 2022-09-30" keeps legacy benefits; the competencies are the list of
    # 2022 (shared/rules/data/legacy-competencies.json). Issue 20 item 4: "zzz not a competency" gave
    # legacy incentive eligibility and managed-services publishing rights, and a <script> name was
    # stored and printed.
    p = Partner()
    with pytest.raises(RuleRejected) as e:
        record(p, name)
    assert (e.value.field, e.value.reason) == ("detail.competency", "UNKNOWN_COMPETENCY")
    assert "<" not in e.value.message  # the rejection does not print the name back
    assert p.state is None  # nothing stored
    assert not incentives_gate(p.state, "2022-10-15")["allowed"]
    assert not offer_gate(p.state, "MANAGED_SERVICES", "2022-10-15")["allowed"]


def test_a_known_competency_is_stored_under_its_official_name():
    # FAQ: "the legacy Gold Cloud Platform competency"; the list's names are matched ignoring case
    # and a trailing word "competency".
    p = Partner()
    record(p, "cloud platform competency")
    record(p, "Cloud Platform")  # the same competency, the same record: nothing changes
    assert list(p.state["legacy"]["competencies"]) == ["Cloud Platform"]
    assert incentives_gate(p.state, "2022-10-15")["allowed"]
    assert offer_gate(p.state, "MANAGED_SERVICES", "2022-10-15")["reason"] == "LEGACY_TRANSITION"


def test_a_level_written_in_the_name_is_accepted_when_it_is_the_events_level():
    # FAQ example: "Current competency: Gold Security, anniversary date November 11, 2022". The level
    # has its own field; a name that contradicts it is rejected (docs/decisions.md, "Legacy
    # competency names").
    p = Partner()
    record(p, "Gold Security", "GOLD")
    assert p.state["legacy"]["competencies"] == {
        "Security": {"level": "GOLD", "heldOn": "2021-11-11", "anniversaryDate": "2022-11-11"}}
    q = Partner()
    with pytest.raises(RuleRejected) as e:
        record(q, "Gold Security", "SILVER")
    assert (e.value.field, e.value.reason) == ("detail.competency", "COMPETENCY_LEVEL_CONFLICT")
    assert q.state is None
    for bare in ("Gold", "Silver "):
        with pytest.raises(RuleRejected) as e:
            record(q, bare, "GOLD")
        assert e.value.reason == "UNKNOWN_COMPETENCY"
