"""Item 1: duplicates and ordering.

Generated partner histories (every inbound event type; tests/reliability/histories.py) are
delivered once in order (the reference) and again at least once and out of order; the outcomes
are compared: the partner document, the set of outbound events (id -> content), the rejections.

What holds, and is asserted over >= 200 histories in a full run (ScoreEvaluated read as what it is,
the score of an area's day as known when announced: the last one of each (area, day) is compared):
- duplicates (each fact and each ScoreEvaluated delivered 1-3 times, copies at any later point):
  the outcome is *identical* to the reference, audit trail and every outbound event included;
- any arrival order within each day (a monthly refresh's records in any order): the whole outcome
  equals the reference: document, audit trail, effect events, each day's last score, rejections;
- any arrival order across days: the recorded facts and the score history converge, and no event id
  ever announces two contents. The whole outcome converges too unless a fact arrives after a
  decision it would have changed was announced (an attainment, an anniversary check): announced
  status changes are not rewritten (decisions.md §6); those histories are counted and reported.

The findings of earlier runs (F1-F8) are regression tests below.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.reliability.conftest import SIZES
from tests.reliability.histories import (
    MemorySystem,
    arrival_run,
    clean_run,
    diff,
    envelope,
    facts_of,
    histories,
    make_history,
    rich_history,
    shuffled_run,
)
from tests.reliability.moto_runs import moto_outcome, send_clean, send_duplicates, send_shuffled, take_dlq
from tests.unit.builders import qualifying_facts

# RELIABILITY_NO_SHRINK=1: report the first failing history at once (shrinking it can take minutes)
NO_SHRINK = {"phases": [Phase.explicit, Phase.generate]} if os.environ.get("RELIABILITY_NO_SHRINK") else {}
PROPERTY = settings(max_examples=SIZES.histories, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck), **NO_SHRINK)


def counts(reference, other) -> tuple[int, int, int]:
    """(events lost, events changed under the same id, events extra) of `other` against the reference."""
    lost = len(set(reference.events) - set(other.events))
    extra = len(set(other.events) - set(reference.events))
    changed = sum(1 for k in set(reference.events) & set(other.events) if reference.events[k] != other.events[k])
    return lost, changed, extra


# --------------------------------------------------------------------------- duplicates


def test_duplicate_deliveries_change_nothing(report):
    seen = Counter()

    @PROPERTY
    @given(histories(), st.randoms(use_true_random=False))
    def prop(history, rnd):
        reference = clean_run(history).outcome(history.partner_id)
        again = clean_run(history).outcome(history.partner_id)
        system, info = shuffled_run(history, rnd, mode="duplicates")
        got = system.outcome(history.partner_id)
        lost, changed, extra = counts(reference, got)
        state_diff = diff(reference.state, got.state)
        seen.update(cases=1, facts=len(history.facts), deliveries=info.deliveries, lost=lost,
                    doubled=changed + extra + (1 if state_diff else 0), rejected=len(set(got.rejected)),
                    rejected_copies=len(got.rejected) - len(set(got.rejected)),
                    rejected_ids=got.rejected_ids, rejected_events=len({r[:2] for r in got.rejected}),
                    dead_copies=len(got.dead) - len(set(got.dead)))
        assert again.events == reference.events and again.state == reference.state, "replay is not deterministic"
        assert not any("#" in k for k in reference.events), "one event id announced two different events"
        assert state_diff == [], state_diff
        assert (lost, changed, extra) == (0, 0, 0)
        rejected_as = lambda o: sorted({(r[0], r[1], r[3]) for r in o.rejected})  # noqa: E731 - (event, field, queue)
        seen.update(rejudged=len(set(got.rejected)) - len({(r[0], r[1], r[3]) for r in got.rejected}))
        assert rejected_as(got) == rejected_as(reference)
        assert sorted(set(got.dead)) == sorted(set(reference.dead))

    try:
        prop()
    finally:
        report("Duplicates: each event 1-3 times (in memory)",
               what="generated partner histories (all ten inbound types, ticks after); every fact and every "
                    "ScoreEvaluated delivered 1-3 times, the copies at random later points, through the real "
                    "handlers on in-memory adapters; final document and outbound set must be identical to the "
                    "clean run",
               cases=seen["cases"], lost=seen["lost"], doubled=seen["doubled"], rejected=seen["rejected"],
               notes=[f"{seen['facts']:,} facts, {seen['deliveries']:,} deliveries",
                      f"{seen['rejected_copies']:,} extra InputRejected for re-delivered bad input; "
                      f"{seen['rejected_ids']:,} InputRejected ids for {seen['rejected_events']:,} rejected "
                      "(event, field) pairs (one id per bad event since 18313a2, finding F8)",
                      f"{seen['dead_copies']:,} extra DLQ copies of re-delivered bad input",
                      f"{seen['rejudged']} re-deliveries of a rule-rejected BenefitsElected rejected again with "
                      "another reason (judged against the state at re-delivery; same InputRejected id, other "
                      "content: finding F4)",
                      "asserted on the whole document, audit trail included"])


# --------------------------------------------------------------------------- reordering


def test_reordered_deliveries_converge_on_the_facts(report):
    seen = Counter()
    causes = Counter()

    @PROPERTY
    @given(histories(), st.randoms(use_true_random=False), st.sampled_from(["any", "same-day"]))
    def prop(history, rnd, mode):
        reference_system = clean_run(history)
        reference = reference_system.outcome(history.partner_id)
        system, info = shuffled_run(history, rnd, mode=mode)
        got = system.outcome(history.partner_id)
        fact_diff = diff(facts_of(reference.state, history), facts_of(got.state, history))
        lost, changed, extra = counts(reference, got)
        seen.update(cases=1, facts=len(history.facts), deliveries=info.deliveries, **{f"mode {mode}": 1})
        seen.update(lost_facts=1 if fact_diff else 0, rejected=len(set(got.rejected)))
        if not got.equivalent(reference):  # the full property (ScoreEvaluated: the day's last word)
            seen.update(**{f"diverged {mode}": 1, f"lost {mode}": lost, f"changed {mode}": changed,
                           f"extra {mode}": extra})
            for path in diff(reference.state, got.state, limit=1000):
                causes[(mode, path.split(":")[0].split(".")[1].split("[")[0])] += 1
            if got.effects != reference.effects:
                causes[(mode, "effect events")] += 1
        ingestion_rejections = lambda o: sorted({r for r in o.rejected if r[3] == "ScoreIngestionQueue"})  # noqa: E731
        assert fact_diff == [], fact_diff
        history_of = lambda o: (o.state or {}).get("scoreHistory")  # noqa: E731
        assert diff(history_of(reference), history_of(got)) == []  # F1: re-derived from the facts
        assert not any("#" in k for k in got.events), "one event id announced two different contents"
        assert ingestion_rejections(got) == ingestion_rejections(reference)
        if mode == "same-day":  # each day's facts in any order: everything is the same (decisions.md §7)
            assert got.equivalent(reference), diff(reference.state, got.state)

    try:
        prop()
    finally:
        notes = [f"{seen['facts']:,} facts, {seen['deliveries']:,} deliveries "
                 f"({seen['mode any']} histories shuffled across days, {seen['mode same-day']} within each day)",
                 "asserted in both orders: the recorded facts (measurements, tracks, the roster's dated earn/remove "
                 "events, legacy record, specializations, MSP, locations, offers, training periods) and the score "
                 "history are the same as in the clean run; no event id announces two contents",
                 "asserted within each day: the whole document, every effect event (id -> content), the last "
                 "ScoreEvaluated of every (area, day) and the rejections are the same as in the clean run"]
        for mode in ("any", "same-day"):
            notes.append(
                f"issue's full property (document, effect events, each day's last score) under '{mode}' order: "
                f"{seen[f'diverged {mode}']} of {seen[f'mode {mode}']} histories differ"
                + ("; parts that differ: " + ", ".join(f"{k} {n}" for (m, k), n in sorted(causes.items()) if m == mode)
                   if seen[f'diverged {mode}'] else "")
                + (" (a fact arriving after a decision it would have changed was announced: decisions.md §6)"
                   if mode == "any" and seen[f'diverged {mode}'] else ""))
        report("Reordering: any arrival order + duplicates (in memory)",
               what="the same generated histories, every delivery 1-3 times in a random order (across days, or "
                    "within each day), random batches; the recorded facts must converge",
               cases=seen["cases"], lost=seen["lost_facts"], doubled=0, rejected=seen["rejected"], notes=notes)


# --------------------------------------------------------------------------- the real path (moto)


@pytest.mark.parametrize("k", range(SIZES.moto_histories))
def test_real_path_matches_the_model_and_absorbs_duplicates(system, report, k):
    """Through EventBridge, SQS, the handlers, the stream and the outbox publisher on moto: the clean
    run equals the in-memory reference exactly; re-delivering every fact and ScoreEvaluated 0-2 more
    times changes nothing; a shuffled run of the same history converges on the facts."""
    rnd = random.Random(k)
    pid = f"moto-order-{k}"
    history = rich_history(k, pid)
    reference = clean_run(history).outcome(pid)

    send_clean(system, history)
    dead = [m for q in ("ScoreIngestionQueue", "AttainmentQueue", "RenewalQueue") for m in take_dlq(system, q)]
    clean, delivered = moto_outcome(system, pid, dead)
    copies = send_duplicates(system, history, rnd)
    dead += [m for q in ("ScoreIngestionQueue", "AttainmentQueue", "RenewalQueue") for m in take_dlq(system, q)]
    duplicated, delivered_after = moto_outcome(system, pid, dead)

    shuffled_pid = f"{pid}-s"
    shuffled_history = history.with_partner(shuffled_pid)
    sent = send_shuffled(system, shuffled_history, rnd)
    shuffled_reference = clean_run(shuffled_history).outcome(shuffled_pid)
    shuffled, _ = moto_outcome(system, shuffled_pid)
    for q in ("ScoreIngestionQueue", "AttainmentQueue", "RenewalQueue"):
        take_dlq(system, q)

    lost, changed, extra = counts(reference, duplicated)
    fact_diff = diff(facts_of(shuffled_reference.state, shuffled_history), facts_of(shuffled.state, shuffled_history))
    report("Real path on moto: in order, duplicates, shuffled",
           what="a few generated histories through EventBridge rules, SQS (redrive 3), the handlers, the DynamoDB "
                "stream and the outbox publisher, from template.yaml: the clean run must equal the in-memory "
                "reference; 0-2 more copies of every fact and ScoreEvaluated change nothing; a shuffled copy of "
                "the history converges on the facts",
           cases=1, lost=lost + (1 if fact_diff else 0), doubled=changed + extra + (duplicated.state != clean.state),
           rejected=len(set(clean.rejected)),
           notes=[f"{pid}: {len(history.facts)} facts in order, {copies} re-deliveries, {sent} shuffled deliveries; "
                  f"{sum(delivered_after.values()) - len(delivered_after)} outbound re-deliveries (same id, same "
                  "content) reached the bus"])
    assert diff(reference.state, clean.state) == []
    assert clean.events == reference.events
    assert sorted(set(clean.rejected)) == sorted(set(reference.rejected))
    assert sorted(set(clean.dead)) == sorted(set(reference.dead))
    assert all(n == 1 for n in delivered.values()), "the clean run published an event twice"
    assert diff(clean.state, duplicated.state) == [] and duplicated.events == clean.events
    assert fact_diff == []


# --------------------------------------------------------------------------- findings (regressions)

SECURITY = [(t, {k: v for k, v in d.items() if k not in ("eventId", "partnerId")}, d.get("on") or d.get("measuredOn"))
            for t, d in qualifying_facts("SECURITY", "2023-01-10", people="s")]


def _outcomes(history, order):
    return clean_run(history).outcome(history.partner_id), arrival_run(history, order).outcome(history.partner_id)


def test_an_older_measurement_arriving_late_keeps_its_own_day():
    """Regression of finding F1 order: the evaluation date never moved back, so a measurement that
    arrived after a newer one of the same area was scored on the newer date. Now the history is
    re-derived from the facts from the late fact's day on (decisions.md §6)."""
    h = make_history("f1", [
        ("MetricsReported", {"solutionArea": "DATA_AI", "measuredOn": "2023-01-10",
                             "measurements": [{"metric": "netCustomerAdds", "value": 5, "association": "CSP_T1"}]},
         "2023-01-10"),
        ("MetricsReported", {"solutionArea": "DATA_AI", "measuredOn": "2023-02-10",
                             "measurements": [{"metric": "usageGrowth", "value": 5, "association": "CSP_T1"}]},
         "2023-02-10")])
    clean, late = _outcomes(h, ["x001", "x000"])
    assert [d[0] for d in clean.state["scoreHistory"]["DATA_AI"]] == ["2023-01-10", "2023-02-10"]
    assert diff(clean.state["scoreHistory"], late.state["scoreHistory"]) == []
    assert late.equivalent(clean) and not any("#" in k for k in late.events)


def test_a_late_qualification_keeps_its_attainment_date():
    """Regression of finding F2 order: attainment took the first qualified ScoreEvaluated to arrive,
    so qualifying facts of 2023-01-10 arriving after an unrelated Security measurement of 2023-03-10
    attained on 2023-03-10. Now the attainment day is read from the score history."""
    later = ("MetricsReported", {"solutionArea": "SECURITY", "measuredOn": "2023-03-10",
                                 "measurements": [{"metric": "netCustomerAdds", "value": 1, "association": "GDAP"}]},
             "2023-03-10")
    h = make_history("f2", [*SECURITY, later])
    order = [h.facts[-1].event_id] + [f.event_id for f in h.facts[:-1]]
    clean, late = _outcomes(h, order)
    assert clean.state["designations"]["SECURITY"]["periods"] == [["2023-01-10", None]]
    assert diff(clean.state["designations"], late.state["designations"]) == []
    assert late.equivalent(clean)


def test_same_day_arrival_order_gives_the_same_events():
    """Regression of finding F3 order: two facts of one area and day gave two ScoreEvaluated whose
    content depended on which arrived first under one eventId. Now an id is (area, cause, day) and
    one cause is processed once; each ScoreEvaluated is the score as known when announced, and the
    last one of the day is the same in any order."""
    h = make_history("f3", [
        ("MetricsReported", {"solutionArea": "DATA_AI", "measuredOn": "2023-01-10",
                             "measurements": [{"metric": "netCustomerAdds", "value": 5, "association": "CSP_T1"}]},
         "2023-01-10"),
        ("MetricsReported", {"solutionArea": "DATA_AI", "measuredOn": "2023-01-10",
                             "measurements": [{"metric": "deployments", "value": 5, "association": "CSP_T1"}]},
         "2023-01-10")])
    clean, swapped = _outcomes(h, ["x001", "x000"])
    assert clean.state == swapped.state
    assert swapped.equivalent(clean) and not any("#" in k for k in swapped.events)
    assert list(clean.scores.values()) == list(swapped.scores.values())


def test_an_early_benefits_election_is_not_lost():
    """Regression of finding F4 order: a BenefitsElected arriving before the facts it depends on (the
    first attainment) was refused by a rule, dead-lettered and never retried. Now a refusal that only
    waits for a fact (engine.NotYet) is a batch-item failure, retried by SQS; only the last receive
    dead-letters it with its reason."""
    election = ("BenefitsElected", {"anniversaryDate": "2023-01-10", "option": "SOLUTIONS_PARTNER",
                                    "fee": {"amount": 4730, "currency": "USD"}}, "2023-01-12")
    h = make_history("f4", [*SECURITY, election])
    order = [h.facts[-1].event_id] + [f.event_id for f in h.facts[:-1]]
    clean, early = _outcomes(h, order)
    assert clean.state["benefits"]["from"] == "2023-01-10" and clean.dead == []
    assert early.dead == [] and early.state.get("benefits") == clean.state["benefits"]
    assert early.equivalent(clean)


def test_an_election_still_waiting_on_its_last_receive_is_dead_lettered_with_its_reason():
    """The retry is bounded: on the queue's last receive (maxReceiveCount) the refusal is final, the
    message goes to the DLQ with its reason and InputRejected says so (SPEC §4.3)."""
    from shared.runtime import MAX_RECEIVES

    election = ("BenefitsElected", {"anniversaryDate": "2023-01-10", "option": "SOLUTIONS_PARTNER",
                                    "fee": {"amount": 4730, "currency": "USD"}}, "2023-01-12")
    h = make_history("f4b", [election])
    system = MemorySystem()
    for receive in range(1, MAX_RECEIVES + 1):
        system.deliver("RenewalQueue", [envelope(h.facts[0])], receives=receive)
        assert len(system.retries) == (1 if receive < MAX_RECEIVES else 0)
        system.retries.clear()
    out = system.outcome("f4b")
    assert out.dead == [("x000", "detail.partnerId")]
    assert [r[1:] for r in out.rejected] == [("detail.partnerId", "no membership is recorded for this partner",
                                              "RenewalQueue")]


def test_the_retry_bound_is_the_queues_max_receive_count():
    from devstack.template import load_template
    from shared.runtime import MAX_RECEIVES

    resources = load_template()["Resources"]
    counts = {name: r["Properties"]["RedrivePolicy"]["maxReceiveCount"] for name, r in resources.items()
              if r["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in r.get("Properties", {})}
    assert counts and set(counts.values()) == {MAX_RECEIVES}, counts


def test_certification_removed_before_it_arrives_earned_keeps_its_span():
    """Regression of finding F5 order: the roster keeps when a removed certification was earned (5th
    column, for reads as of a past date) only if CertificationEarned arrived first; a
    CertificationRemoved that arrives first stores None and the older CertificationEarned is then
    ignored, so the person is missing from every as-of read inside the span (fixed in 18313a2.)"""
    cert = {"personId": "p-1", "certification": "Azure Security Engineer Associate"}
    h = make_history("f5", [("CertificationEarned", {**cert, "on": "2023-01-10"}, "2023-01-10"),
                            ("CertificationRemoved", {**cert, "on": "2023-06-10"}, "2023-06-10")])
    clean, reversed_ = _outcomes(h, ["x001", "x000"])
    assert diff(clean.state["roster"], reversed_.state["roster"]) == []


def test_training_report_for_the_same_period_is_ordered_by_event_id():
    """Regression of finding F6 order: a Training Services designation earned from a report was kept
    when its correction arrived later but never earned when the correction arrived first. Now any
    report that meets the criteria earns it (decisions.md §15), in every order."""
    period = {"periodEnd": "2023-06-30", "examVouchers": 210, "qualityScore": 4.5, "surveysByArea": {"DATA_AI": 230}}
    h = make_history("f6", [("TrainingMetricsReported", {**period, "coursewareActivations": 1200}, "2023-07-05"),
                            ("TrainingMetricsReported", {**period, "coursewareActivations": 900}, "2023-07-06")])
    clean, reversed_ = _outcomes(h, ["x001", "x000"])
    assert clean.state["training"]["designations"] == {"DATA_AI": "2023-06-30"}
    assert clean.state["training"]["periods"]["2023-06-30"]["coursewareActivations"] == 900  # the correction
    assert diff(clean.state["training"], reversed_.state["training"]) == []
    assert reversed_.equivalent(clean)


def test_offer_recorded_twice_is_ordered_by_date_and_event_id():
    """Regression of finding F7 order and duplicates: OfferRecorded for an offerId already recorded
    replaces it whatever its publishedOn/eventId (last arrival wins; shared/rules/features/marketplace.py
    _offer_recorded): a late re-delivery of the older record reverts the offer (found by the duplicates
    property in a full run) (fixed in 18313a2.)"""
    h = make_history("f7", [
        ("OfferRecorded", {"offerId": "o-1", "offerType": "CONSULTING_SERVICES", "publishedOn": "2023-01-10",
                           "coSellReady": False}, "2023-01-10"),
        ("OfferRecorded", {"offerId": "o-1", "offerType": "MANAGED_SERVICES", "publishedOn": "2023-02-10",
                           "coSellReady": True}, "2023-02-10")])
    clean, reversed_ = _outcomes(h, ["x001", "x000"])
    assert clean.state["offers"] == reversed_.state["offers"]


def test_input_rejected_has_one_id_for_one_bad_event():
    """Regression of finding F8 duplicates: InputRejected's eventId is derived from the SQS messageId
    (shared/runtime.py reject), so the same bad event delivered twice by EventBridge (two SQS messages,
    one event id) is announced twice under two ids that consumers cannot recognise as one; derive it
    from the envelope id (or a body hash) (fixed in 18313a2.)"""
    h = make_history("f8", [("LegacyCompetencyRecorded", {"competency": "Security", "level": "GOLD",
                                                          "heldOn": "2022-10-15", "anniversaryDate": "2023-03-01"},
                             "2022-10-15")])
    system = MemorySystem()
    e = envelope(h.facts[0])
    system.deliver("ScoreIngestionQueue", [e])
    system.deliver("ScoreIngestionQueue", [json.loads(json.dumps(e))])  # the same event, another SQS message
    out = system.outcome("f8")
    assert len(out.rejected) == 2  # both deliveries are rejected and announced
    assert out.rejected_ids == 1


def test_same_day_qualification_records_the_same_attainment():
    """Regression of finding F3b order: the same day's qualifying facts in another order recorded the
    first qualified evaluation to arrive (73.33 instead of 100.00) in the audit trail and in
    DesignationAttained.total. Now the trail names the day and the explanation reads that day's score."""
    h = make_history("f3b", SECURITY)
    ids = [f.event_id for f in h.facts]
    clean, swapped = _outcomes(h, [ids[-1], *ids[:-1]])  # the MetricsReported first
    assert diff(clean.state["decisions"], swapped.state["decisions"]) == []
    assert swapped.equivalent(clean)
    from shared.rules.explain import why
    assert why(clean.state, "SECURITY") == why(swapped.state, "SECURITY")
    assert "attained with 100.00 points" in why(swapped.state, "SECURITY")[0]["sentence"]


def test_a_late_duplicate_of_an_older_offer_changes_nothing():
    """Regression of finding F7 duplicates: a late re-delivery of an older OfferRecorded (SQS/EventBridge
    at-least-once) reverts the offer to its older content: offers.o-1.offerType MANAGED_SERVICES ->
    CONSULTING_SERVICES (fixed in 18313a2.)"""
    h = make_history("f7d", [
        ("OfferRecorded", {"offerId": "o-1", "offerType": "CONSULTING_SERVICES", "publishedOn": "2023-01-10",
                           "coSellReady": False}, "2023-01-10"),
        ("OfferRecorded", {"offerId": "o-1", "offerType": "MANAGED_SERVICES", "publishedOn": "2023-02-10",
                           "coSellReady": True}, "2023-02-10")])
    clean = clean_run(h).outcome("f7d")
    system = arrival_run(h, ["x000", "x001"])
    system.deliver("ScoreIngestionQueue", [envelope(h.facts[0])])  # the first one again, late
    assert system.outcome("f7d").state["offers"] == clean.state["offers"]


# F5b (fixed): the roster keeps each person's dated earn/remove events, read on a day like the measurements.
def test_a_second_span_of_a_certification_keeps_its_own_start():
    cert = {"personId": "p-2", "certification": "Azure Security Engineer Associate"}
    h = make_history("f5b", [("CertificationEarned", {**cert, "on": "2024-04-22"}, "2024-04-22"),
                             ("CertificationRemoved", {**cert, "on": "2024-10-01"}, "2024-10-01"),
                             ("CertificationEarned", {**cert, "on": "2025-02-16"}, "2025-02-16"),
                             ("CertificationRemoved", {**cert, "on": "2025-06-01"}, "2025-06-01")])
    clean, late = _outcomes(h, ["x003", "x002", "x000", "x001"])
    assert diff(clean.state["roster"], late.state["roster"]) == []
