"""Property-based checks of the scoring and the state machine (hypothesis)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.rules import engine
from shared.rules.program import AREAS
from shared.rules.scoring.display import fmt
from shared.rules.scoring.rulebook import ASSOCIATIONS, load_all, rulebook_for
from shared.rules.scoring.score import Measurement, score_area

BOOKS = load_all()
METRICS = ("netCustomerAdds", "usageGrowth", "deployments")
measurement = st.builds(
    Measurement,
    metric=st.sampled_from(METRICS),
    value=st.fractions(min_value=-50, max_value=100_000, max_denominator=100),
    association=st.one_of(st.none(), st.sampled_from(ASSOCIATIONS)),
    segment=st.one_of(st.none(), st.sampled_from(("AZURE", "M365"))),
)
roster = st.dictionaries(st.sampled_from(sorted({c for b in BOOKS for a in b.areas.values() for t in a.tracks
                                                  for m in t.metrics if m.roster for c in m.roster.certifications})),
                         st.sets(st.sampled_from([f"p{i}" for i in range(30)]), max_size=30), max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(BOOKS), st.sampled_from(AREAS), st.lists(measurement, max_size=8), roster,
       st.sampled_from([None, "ENTERPRISE", "SMB"]))
def test_points_never_exceed_a_metrics_or_the_areas_maximum(book, area, ms, people, track):
    s = score_area(book, area, ms, people, track)
    assert all(0 <= m.points <= m.max_points for m in s.metrics)
    assert 0 <= s.points() <= 100


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(BOOKS), st.sampled_from(AREAS), st.lists(measurement, min_size=1, max_size=6), roster,
       st.integers(0, 5), st.integers(1, 50))
def test_adding_units_never_lowers_a_score(book, area, ms, people, index, extra):
    before = score_area(book, area, ms, people)
    i = index % len(ms)
    more = list(ms)
    more[i] = Measurement(ms[i].metric, ms[i].value + extra, ms[i].association, ms[i].segment)
    after = score_area(book, area, more, people)
    assert after.total >= before.total
    more_people = {c: set(p) | {"extra-person"} for c, p in people.items()}
    assert score_area(book, area, ms, more_people).total >= before.total


same_day = st.lists(st.tuples(st.sampled_from(METRICS), st.integers(0, 40), st.sampled_from(["PAL", "DPOR", "CSP_T1"])),
                    min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(same_day, st.randoms(use_true_random=False))
def test_order_of_same_day_measurements_never_changes_the_result(values, rnd):
    details = [{"eventId": f"e-{i:03d}", "partnerId": "p", "solutionArea": "DATA_AI", "measuredOn": "2022-11-10",
                "measurements": [{"metric": m, "value": str(v), "association": a}]} for i, (m, v, a) in enumerate(values)]

    def run(order):
        state = None
        for d in order:
            state, _ = engine.record_fact(state, "p", "MetricsReported", d)
        return state["measurements"], state["scoreHistory"]

    shuffled = list(details)
    rnd.shuffle(shuffled)
    assert run(details) == run(shuffled)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(AREAS), st.lists(measurement, max_size=6), roster)
def test_evaluation_is_deterministic(area, ms, people):
    book = BOOKS[0]
    assert score_area(book, area, ms, people) == score_area(book, area, list(ms), {k: set(v) for k, v in people.items()})
    assert fmt(Fraction(1, 3)) == "0.33" and fmt(Fraction(2, 3)) == "0.67"


def test_rulebook_in_force_on_each_date():
    assert [b.version for b in BOOKS] == ["2022-10-03", "2023-09-19", "2023-12-01", "2026-07-01"]
    assert rulebook_for(date(2022, 1, 1)).version == "2022-10-03"
    assert rulebook_for(date(2023, 12, 1)).version == "2023-12-01"
