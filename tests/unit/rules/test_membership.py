"""SPEC §2.4 anniversary, fees, benefits (shared/rules/features/: membership, renewal, benefits,
legacy), each test citing its FAQ passage or policy."""

from __future__ import annotations

import pytest

from shared.rules.change import Change
from shared.rules.document import new_state
from shared.rules.errors import RuleRejected
from shared.rules.explain import why
from shared.rules.features.benefits import incentives_gate
from shared.rules.features.renewal import owe_fee
from shared.rules.policy import Policy
from shared.rules.views import partner_view
from tests.unit.builders import Partner
from tests.unit.rules.helpers import legacy_partner

# --- §2.4 anniversary, fees, benefits -----------------------------------------------------------


def test_faq_modern_work_nov_business_applications_jan_security_feb_share_the_november_anniversary():
    # FAQ "If I attain an additional designation mid-year ...?": "Modern Work ... November 2022, and
    # then Business Applications ... January 2023 and Security in February 2023, all three
    # designations will have the same anniversary date of November 2023."
    p = Partner()
    p.qualify("MODERN_WORK", "2022-11-08")
    p.pay("2022-11-08")  # enrolled: the fee paid in the enrollment window
    p.qualify("BUSINESS_APPLICATIONS", "2023-01-12")
    p.qualify("SECURITY", "2023-02-14")
    attained = p.of("DesignationAttained")
    assert [a["solutionArea"] for a in attained] == ["MODERN_WORK", "BUSINESS_APPLICATIONS", "SECURITY"]
    assert {a["anniversaryDate"] for a in attained} == {"2023-11-08"}
    [opened] = p.tick("2023-11-08")[-1:]
    assert opened[0] == "RenewalOpened"
    assert sorted(opened[1]["designations"]) == ["BUSINESS_APPLICATIONS", "MODERN_WORK", "SECURITY"]


def test_the_partner_view_names_dated_work_no_daily_run_has_done_yet():
    # FAQ "On your anniversary date, not beforehand, we'll check if you still meet the requirements":
    # a view dated after an anniversary the daily run has not processed must not present the
    # designation as checked; it lists the work still to do.
    p = Partner()
    p.qualify("MODERN_WORK", "2022-11-08")
    p.pay("2022-11-08")  # enrolled: the fee paid in the enrollment window
    p.tick("2023-09-01")
    assert partner_view(p.state, "2023-09-01")["pendingWork"] == []
    later = partner_view(p.state, "2023-12-20")["pendingWork"]
    # the two REEVALUATE items are the new rulebooks' effectiveFrom days (capability_score)
    assert [(w["kind"], w["dueOn"]) for w in later] == [
        ("RENEWAL_RISK", "2023-09-09"), ("REEVALUATE", "2023-09-19"), ("ANNIVERSARY", "2023-11-08"),
        ("REEVALUATE", "2023-12-01"),
    ]
    p.tick("2023-12-20")
    assert partner_view(p.state, "2023-12-20")["pendingWork"] == []


def test_one_fee_of_4730_however_many_designations():
    # FAQ "Do we need to pay a separate fee for each of the six ...?": "regardless of how many
    # designations, will be $4,730 USD".
    p = Partner()
    p.qualify("MODERN_WORK", "2022-11-08")
    p.pay("2022-11-08")  # enrolled: the fee paid in the enrollment window
    p.qualify("SECURITY", "2023-02-14")
    p.tick("2023-11-08")
    [opened] = p.of("RenewalOpened")
    assert opened["fees"] == [{"option": "SOLUTIONS_PARTNER", "amount": "4730", "currency": "USD"}]
    assert opened["options"] == ["SOLUTIONS_PARTNER"]  # never the legacy option without legacy benefits


def test_renewal_with_election_then_lapse_without_payment():
    # FAQ: "If you do, you'll retain the Solutions Partner designation ... after paying the annual
    # fee"; SPEC §2.4: a qualified designation whose fee is not paid in 30 days lapses.
    p = Partner()
    p.qualify("MODERN_WORK", "2022-11-08")
    p.pay("2022-11-08")  # enrolled: the fee paid in the enrollment window
    p.qualify("MODERN_WORK", "2023-10-10")
    p.tick("2023-11-08")
    assert p.of("DesignationLapsed") == []
    p.elect("2023-11-08", "SOLUTIONS_PARTNER", on="2023-11-20")
    [renewed] = p.of("DesignationRenewed")
    assert renewed["nextAnniversaryDate"] == "2024-11-08" and renewed["option"] == "SOLUTIONS_PARTNER"
    assert p.elect("2023-11-08", "SOLUTIONS_PARTNER", on="2023-11-21") == []  # the same election again
    with pytest.raises(RuleRejected) as e:
        p.elect("2023-11-08", "LEGACY", on="2023-11-21")
    assert e.value.field == "detail.option"

    q = Partner()
    q.qualify("MODERN_WORK", "2022-11-08")
    q.pay("2022-11-08")  # enrolled: the fee paid in the enrollment window
    q.qualify("MODERN_WORK", "2023-10-10")
    q.tick("2023-12-08")  # payment due by 2023-12-08 inclusive
    assert q.of("DesignationLapsed") == []
    q.tick("2023-12-09")
    [lapse] = q.of("DesignationLapsed")
    assert lapse["reason"] == "PAYMENT_WINDOW_EXPIRED" and lapse["lapsedOn"] == "2023-12-09"


def test_fee_below_the_market_fee_or_unknown_currency_is_rejected():
    p = Partner()
    p.qualify("MODERN_WORK", "2022-11-08")
    p.pay("2022-11-08")  # enrolled: the fee paid in the enrollment window
    p.qualify("MODERN_WORK", "2023-10-10")
    p.tick("2023-11-08")
    with pytest.raises(RuleRejected) as e:
        p.elect("2023-11-08", "SOLUTIONS_PARTNER", on="2023-11-10", amount="100")
    assert e.value.field == "detail.fee.amount"
    with pytest.raises(RuleRejected) as e:
        p.elect("2023-11-08", "SOLUTIONS_PARTNER", on="2023-11-10", currency="XXX")
    assert e.value.field == "detail.fee.currency"


def test_legacy_partner_keeps_its_anniversary_and_pays_nothing_until_then():
    # FAQ: "If, after October 3, 2022, you attain 70 points ... you will immediately receive the new
    # customer-facing badge and no additional fee is paid. On your next anniversary date, you will
    # be able to choose whether to retain your legacy competency benefits or move to ..."
    p = legacy_partner("2023-03-15")
    p.qualify("SECURITY", "2022-11-01")
    [att] = p.of("DesignationAttained")
    assert att["anniversaryDate"] == "2023-03-15"
    p.qualify("SECURITY", "2023-03-01")
    p.tick("2023-03-15")
    [opened] = p.of("RenewalOpened")
    assert opened["options"] == ["SOLUTIONS_PARTNER", "LEGACY"]
    p.elect("2023-03-15", "LEGACY", on="2023-03-20")  # Option 2 keeps the designation too
    assert [r["option"] for r in p.of("DesignationRenewed")] == ["LEGACY"]


def test_legacy_partner_not_qualified_may_still_buy_legacy_benefits():
    # FAQ: "Does not qualify for designation at the time of anniversary: Retain your legacy silver or
    # gold competency benefits and pay an annual fee."
    p = legacy_partner("2022-11-11", level="SILVER")
    p.tick("2022-11-11")
    [opened] = p.of("RenewalOpened")
    assert opened["designations"] == [] and opened["options"] == ["LEGACY"]
    assert opened["fees"] == [{"option": "LEGACY", "amount": "1670", "currency": "USD"}]
    p.elect("2022-11-11", "LEGACY", on="2022-11-12", amount="1670")
    with pytest.raises(RuleRejected):
        Partner().elect("2022-11-11", "LEGACY", on="2022-11-12")


def test_legacy_competency_cannot_be_renewed_after_2022_09_30_nor_before_its_anniversary():
    # FAQ: "September 30, 2022 is the last day to renew legacy competencies"; "No, you can't renew
    # your legacy competency before your anniversary date."
    p = Partner()
    with pytest.raises(RuleRejected) as e:
        p.fact("LegacyCompetencyRecorded", {"competency": "Security", "level": "GOLD", "heldOn": "2022-10-01",
                                            "anniversaryDate": "2023-10-01"})
    assert e.value.field == "detail.heldOn"
    p = legacy_partner("2022-11-11")
    with pytest.raises(RuleRejected) as e:
        p.fact("LegacyCompetencyRecorded", {"competency": "Security", "level": "GOLD", "heldOn": "2022-09-01",
                                            "anniversaryDate": "2023-09-01"})
    assert e.value.reason == "RENEWAL_BEFORE_ANNIVERSARY"
    with pytest.raises(RuleRejected) as e:
        p.elect("2022-11-11", "LEGACY", on="2022-10-15")
    assert e.value.reason == "RENEWAL_BEFORE_ANNIVERSARY"


def test_new_partner_may_pay_at_once_but_never_gets_the_legacy_option():
    # FAQ: "once you attain the Solutions Partner designation, since you do not have legacy
    # benefits, you immediately have the opportunity to pay the fee ... you would not have the
    # opportunity to select your prior legacy competency benefits".
    p = Partner()
    p.qualify("DATA_AI", "2022-11-15")
    assert p.elect("2022-11-15", "SOLUTIONS_PARTNER", on="2022-11-16") == []
    assert p.state["benefits"]["option"] == "SOLUTIONS_PARTNER"
    with pytest.raises(RuleRejected) as e:
        p.elect("2022-11-15", "LEGACY", on="2022-11-16")
    assert e.value.field == "detail.option"


def test_29_february_anniversary_falls_on_28_february():
    # SPEC §2.4 (policy parameter leap_day_anniversary, default FEB_28).
    p = Partner()
    p.qualify("DATA_AI", "2024-02-29")
    [att] = p.of("DesignationAttained")
    assert att["anniversaryDate"] == "2025-02-28"


def test_renewal_risk_forecast_inside_the_horizon_names_the_smallest_change():
    # Issue "Beyond Partner Center" §4: designations that would lapse if the anniversary were today.
    p = Partner()
    p.qualify("DATA_AI", "2022-11-15")
    p.pay("2022-11-15")  # enrolled: the fee paid in the enrollment window
    p.drop("DATA_AI", "2023-01-10")
    p.tick("2023-09-15")
    assert p.of("RenewalAtRisk") == []
    p.tick("2023-09-16")  # 60 days before 2023-11-15
    [risk] = p.of("RenewalAtRisk")
    assert risk["solutionArea"] == "DATA_AI" and risk["daysUntil"] == 60
    assert {s["metric"] for s in risk["shortfall"]} == {"netCustomerAdds", "usageGrowth", "deployments"}
    p.tick("2023-09-30")
    assert len(p.of("RenewalAtRisk")) == 1  # once per anniversary


# --- issue 20 items 9-11: membership and money ----------------------------------------------------


def test_a_designation_without_paid_benefits_owes_the_fee_within_the_enrollment_window():
    # FAQ "What is the fee to attain a Solutions Partner designation?": "The annual fee to attain a
    # Solutions Partner designation is $4,730"; requirements.md §1 "Window change": "After
    # qualifying, a partner has 30 days to enroll". Issue 20 item 9: unpaid, the designation and
    # badge lapse at the window's end; a later qualification opens a new window, never a free year.
    p = Partner()
    p.qualify("MODERN_WORK", "2022-11-08")
    view = partner_view(p.state, "2022-11-08")
    assert view["feesDue"] == [{"anniversaryDate": "2022-11-08", "option": "SOLUTIONS_PARTNER", "amount": "4730",
                                "currency": "USD", "dueBy": "2022-12-08"}]
    p.tick("2022-12-08")  # due by 2022-12-08 inclusive
    assert p.of("DesignationLapsed") == []
    p.tick("2022-12-09")
    [lapse] = p.of("DesignationLapsed")
    assert lapse["reason"] == "PAYMENT_WINDOW_EXPIRED" and lapse["lapsedOn"] == "2022-12-09"
    assert partner_view(p.state, "2022-12-09")["badges"] == []
    # Issue 20 item 9: "unpaid, the designation and badge lapse, and a later qualification opens a new
    # window — never a free period". The routine feed qualifies again: a window opens, nothing is granted.
    p.qualify("MODERN_WORK", "2023-03-01")
    assert len(p.of("DesignationAttained")) == 1 and p.of("BadgeIssued")[-1]["issuedOn"] == "2022-11-08"
    view = partner_view(p.state, "2023-03-01")
    assert view["badges"] == [] and view["designations"][0]["status"] == "LAPSED"
    assert view["feesDue"] == [{"anniversaryDate": "2023-03-01", "option": "SOLUTIONS_PARTNER", "amount": "4730",
                                "currency": "USD", "dueBy": "2023-03-31"}]
    # unpaid, the window simply closes: no lapse (nothing was granted), an audit entry
    p.tick("2023-11-08")  # the REEVALUATE of 2023-09-19 qualifies again: another window, nothing granted
    assert len(p.of("DesignationLapsed")) == 1 and len(p.of("DesignationAttained")) == 1
    assert p.of("RenewalOpened") == []  # the first window's anniversary is no renewal: nothing was bought
    closed = [d["on"] for d in p.state["decisions"] if d["rule"] == "ENROLLMENT" and d["outcome"] == "WINDOW_CLOSED"]
    assert closed == ["2023-04-01", "2023-10-20"]
    story = [w["sentence"] for w in why(p.state, "MODERN_WORK") if w["on"] in ("2023-03-01", "2023-04-01")]
    assert story == [
        "2023-03-01: MODERN_WORK qualified after an enrollment window closed unpaid: the designation and badge "
        "come when the Solutions Partner fee is paid, by 2023-03-31.",
        "2023-04-01: MODERN_WORK not granted: the Solutions Partner fee was not paid by 2023-03-31; a later "
        "qualification opens a new window.",
    ]
    with pytest.raises(RuleRejected) as e:
        p.elect("2023-03-01", "SOLUTIONS_PARTNER", on="2023-04-01")
    assert e.value.reason == "PAYMENT_WINDOW_CLOSED"
    assert all(partner_view(p.state, d)["badges"] == [] for d in ("2023-03-15", "2023-09-19", "2023-10-19"))

    # the next qualification opens a window; paid inside it, designation and badge start on the payment day
    q = Partner()
    q.qualify("MODERN_WORK", "2022-11-08")
    q.qualify("MODERN_WORK", "2023-03-01")  # after the first window lapsed (2022-12-09): nothing granted
    q.tick("2023-09-19")
    assert partner_view(q.state, "2023-09-19")["feesDue"][0]["dueBy"] == "2023-10-19"
    q.pay("2023-10-02")
    [first, paid] = q.of("DesignationAttained")
    assert paid["attainedOn"] == "2023-10-02" and paid["anniversaryDate"] == "2024-10-02"
    assert q.of("BadgeIssued")[-1] == {**q.of("BadgeIssued")[-1], "badge": "MODERN_WORK", "issuedOn": "2023-10-02"}
    assert partner_view(q.state, "2023-10-01")["badges"] == []
    view = partner_view(q.state, "2023-10-02")
    assert view["badges"] == ["MODERN_WORK"] and view["benefitsOption"] == "SOLUTIONS_PARTNER"
    assert view["anniversaryDate"] == "2024-10-02" and view["feesDue"] == []
    q.tick("2023-10-20")
    assert len(q.of("DesignationLapsed")) == 1  # only the first window's


def test_a_window_that_grants_on_payment_covers_every_area_qualifying_in_it():
    # requirements.md §1 "Extra designations": "qualifying in another area enrolls it automatically with
    # no further purchase"; issue 20 item 9: after an unpaid window, never a free period.
    p = Partner()
    p.qualify("MODERN_WORK", "2022-11-08")
    p.tick("2022-12-09")  # the first window lapsed unpaid
    p.qualify("SECURITY", "2023-02-01")
    p.qualify("DATA_AI", "2023-02-10")  # joins the open window, not granted either
    assert len(p.of("DesignationAttained")) == 1
    assert partner_view(p.state, "2023-02-10")["renewals"][-1]["kept"] == ["DATA_AI", "SECURITY"]
    p.pay("2023-02-20")
    assert sorted((a["solutionArea"], a["attainedOn"]) for a in p.of("DesignationAttained")[1:]) == [
        ("DATA_AI", "2023-02-20"), ("SECURITY", "2023-02-20")]


def test_after_an_unpaid_renewal_a_later_qualification_grants_on_payment():
    # FAQ: "you'll retain the Solutions Partner designation ... after paying the annual fee"; issue 20
    # item 9: a renewal window that closed unpaid is a window lapsed unpaid like an enrollment's.
    p = Partner()
    p.qualify("MODERN_WORK", "2022-11-08")
    p.pay("2022-11-08")
    p.qualify("MODERN_WORK", "2023-10-10")
    p.tick("2023-12-09")
    assert [x["reason"] for x in p.of("DesignationLapsed")] == ["PAYMENT_WINDOW_EXPIRED"]
    p.qualify("MODERN_WORK", "2024-01-15")
    assert len(p.of("DesignationAttained")) == 1 and partner_view(p.state, "2024-01-15")["badges"] == []
    assert partner_view(p.state, "2024-01-15")["feesDue"][0]["dueBy"] == "2024-02-14"


def test_paid_enrollment_covers_later_designations_until_the_anniversary():
    # FAQ "Once you attain a Solutions Partner designation, subsequent Solutions Partner designations
    # can be attained, after requirements are met, with no additional fee"; requirements.md §1 "Extra
    # designations": "qualifying in another area enrolls it automatically with no further purchase".
    p = Partner()
    p.qualify("MODERN_WORK", "2022-11-08")
    p.qualify("SECURITY", "2022-11-20")  # attained inside the unpaid window: one fee covers both
    assert partner_view(p.state, "2022-11-20")["renewals"][0]["kept"] == ["MODERN_WORK", "SECURITY"]
    p.pay("2022-12-01")
    assert partner_view(p.state, "2022-12-01")["benefitsOption"] == "SOLUTIONS_PARTNER"
    p.qualify("DATA_AI", "2023-02-14")  # paid benefits in force: no fee, no window
    p.tick("2023-11-07")
    assert p.of("DesignationLapsed") == [] and partner_view(p.state, "2023-11-07")["feesDue"] == []
    assert {a["anniversaryDate"] for a in p.of("DesignationAttained")} == {"2023-11-08"}


def test_an_unpaid_window_lapses_every_designation_it_covers():
    # requirements.md §1: "After qualifying, a partner has 30 days to enroll"; item 9: no designation
    # without a fee in force.
    p = Partner()
    p.qualify("MODERN_WORK", "2022-11-08")
    p.qualify("SECURITY", "2022-11-20")
    p.tick("2022-12-09")
    assert sorted(x["solutionArea"] for x in p.of("DesignationLapsed")) == ["MODERN_WORK", "SECURITY"]
    assert {x["lapsedOn"] for x in p.of("DesignationLapsed")} == {"2022-12-09"}


def test_the_window_is_a_policy_parameter():
    # requirements.md §1 gives 30 days; the length is policy (shared/rules/policy.py, docs/decisions.md).
    p = Partner()
    p.qualify("MODERN_WORK", "2022-11-08")
    assert p.state["renewals"]["2022-11-08"]["paymentDueBy"] == "2022-12-08"
    state = new_state("q")
    state["designations"]["MODERN_WORK"] = {"periods": [["2022-11-08", None]]}
    owe_fee(Change(state), "MODERN_WORK", "2022-11-08", Policy(enrollment_window_days=60))
    assert state["renewals"]["2022-11-08"]["paymentDueBy"] == "2023-01-07"


def test_benefits_end_at_the_renewal_date_they_were_paid_to():
    # Issue 20 item 10 / FAQ: incremental specialization benefits "are only available with Solutions
    # Partner benefits". Counter-example: paid 2022-11-15, lapsed 2023-11-15 -> on 2024-01-10 no
    # benefitsOption SOLUTIONS_PARTNER and no incrementalBenefits.
    p = Partner()
    p.fact("SpecializationRecorded", {"specialization": "Threat Protection", "anniversaryDate": "2023-02-03"})
    p.qualify("SECURITY", "2022-11-15")
    p.pay("2022-11-15")
    p.drop("SECURITY", "2023-01-10")
    mid = partner_view(p.state, "2023-06-01")
    assert mid["benefitsOption"] == "SOLUTIONS_PARTNER" and mid["specializations"][0]["incrementalBenefits"]
    p.tick("2024-01-10")  # not qualified in the window of 2023-11-15: lapsed on the anniversary
    assert [x["lapsedOn"] for x in p.of("DesignationLapsed")] == ["2023-11-15"]
    view = partner_view(p.state, "2024-01-10")
    assert view["benefitsOption"] is None
    assert not any(s["incrementalBenefits"] for s in view["specializations"])
    assert partner_view(p.state, "2023-11-14")["benefitsOption"] == "SOLUTIONS_PARTNER"  # through its term


def test_legacy_partner_that_bought_nothing_pays_at_once_and_is_never_offered_legacy_again():
    # FAQ: "you may choose not to renew your legacy competency and instead focus on attaining the
    # Solutions Partner designation ... once you attain the Solutions Partner designation, since you
    # do not have legacy benefits, you immediately have the opportunity to pay the fee ... you would
    # not have the opportunity to select your prior legacy competency benefits". Issue 20 item 11:
    # gold, anniversary 2022-11-11, bought nothing, attained Modern Work 2023-03-01, paid 2023-03-02.
    p = legacy_partner("2022-11-11", level="GOLD")
    p.tick("2022-12-31")
    assert [o["options"] for o in p.of("RenewalOpened")] == [["LEGACY"]]  # bought nothing
    p.qualify("MODERN_WORK", "2023-03-01")
    assert partner_view(p.state, "2023-03-01")["feesDue"][0]["option"] == "SOLUTIONS_PARTNER"
    p.elect("2023-03-01", "SOLUTIONS_PARTNER", on="2023-03-02")  # accepted, not RENEWAL_BEFORE_ANNIVERSARY
    assert partner_view(p.state, "2023-03-02")["benefitsOption"] == "SOLUTIONS_PARTNER"
    with pytest.raises(RuleRejected) as e:
        p.elect("2022-11-11", "LEGACY", on="2023-03-02")
    assert e.value.reason == "PAYMENT_WINDOW_CLOSED"
    p.qualify("MODERN_WORK", "2024-02-01")
    p.tick("2024-03-01")
    assert [o["anniversaryDate"] for o in p.of("RenewalOpened")] == ["2022-11-11", "2024-03-01"]  # none 2023-11-11
    assert p.of("RenewalOpened")[-1]["options"] == ["SOLUTIONS_PARTNER"]
    with pytest.raises(RuleRejected) as e:
        p.elect("2024-03-01", "LEGACY", on="2024-03-02")
    assert e.value.reason == "LEGACY_OPTION_UNAVAILABLE"
    # its legacy incentives ended on the first anniversary, whatever it bought later
    assert incentives_gate(p.state, "2023-02-01")["reason"] == "LEGACY_BENEFITS_NOT_PURCHASED"


def test_legacy_partner_with_legacy_benefits_pays_no_additional_fee_until_its_anniversary():
    # FAQ: "If, after October 3, 2022, you attain 70 points ... you will immediately receive the new
    # customer-facing badge and no additional fee is paid."
    p = legacy_partner("2023-03-15")
    p.qualify("SECURITY", "2022-11-01")
    p.tick("2023-03-14")
    assert p.of("DesignationLapsed") == [] and partner_view(p.state, "2023-03-14")["feesDue"] == []
    with pytest.raises(RuleRejected) as e:
        p.elect("2022-11-01", "SOLUTIONS_PARTNER", on="2022-11-02")
    assert e.value.reason == "RENEWAL_BEFORE_ANNIVERSARY"


@pytest.mark.parametrize("anniversary", ["2022-10-01", "2022-10-02"])
def test_legacy_anniversary_on_1_or_2_october_2022_is_first_chosen_in_2023(anniversary):
    # FAQ: "On your next anniversary date after October 3, 2022, you will have the following options"
    # vs Option 2 incentives "until your first anniversary after September 30, 2022": one date for
    # both, the first anniversary on or after the launch (docs/decisions.md, "Membership and money").
    p = legacy_partner(anniversary)
    assert incentives_gate(p.state, "2022-10-03")["reason"] == "OPTION_2_UNTIL_ANNIVERSARY"
    assert incentives_gate(p.state, "2023-09-30")["option"] == "OPTION_2"
    p.tick("2023-09-30")
    assert p.of("RenewalOpened") == []
    p.tick(anniversary.replace("2022", "2023"))
    assert [o["anniversaryDate"] for o in p.of("RenewalOpened")] == [anniversary.replace("2022", "2023")]


@pytest.mark.parametrize("first", ["INFRASTRUCTURE", "DIGITAL_APP_INNOVATION"])
def test_two_areas_qualifying_on_the_day_a_window_opens_owe_the_fee_whichever_arrived_first(first):
    # requirements.md §1 "After qualifying, a partner has 30 days to enroll" and "Extra designations":
    # both qualify on 2023-09-30, so both owe the fee in the window that day opens. Same-day facts in any
    # order give the same document (docs/decisions.md §7; found by tests/reliability/test_ordering.py:
    # the fee decision named whichever area's ScoreEvaluated was applied first).
    second = ({"INFRASTRUCTURE", "DIGITAL_APP_INNOVATION"} - {first}).pop()
    p = Partner()
    p.qualify(first, "2023-09-30", people="a")
    p.qualify(second, "2023-09-30", people="b")
    fee_due = [(d["outcome"], d["solutionArea"], d["paymentDueBy"]) for d in p.state["decisions"]
               if d["rule"] == "ENROLLMENT"]
    assert fee_due == [("FEE_DUE", "DIGITAL_APP_INNOVATION", "2023-10-30"), ("FEE_DUE", "INFRASTRUCTURE", "2023-10-30")]
    [window] = p.state["renewals"].values()
    assert window["kept"] == ["DIGITAL_APP_INNOVATION", "INFRASTRUCTURE"]
