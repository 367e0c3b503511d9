"""The compiled scorer (shared.rules.scoring.score.score_area) against the reference implementation it
replaced, kept here as the oracle (renamed `_ref_*`; since kept verbatim, it learned the measurement
resolution rules: a track's own measurements feed that track only, and a measurement without an
association counts in one part per metric, the best-paying): identical area, track, totals,
qualified flags and per-metric points / max points / units, over generated measurements (every
metric key, every association incl. GDAP and the CSP tiers, segments, negative / zero / fractional
/ huge values), rosters (people holding the rulebooks' certifications and step-gate certifications)
and every rulebook version, area and track."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.rules.program import AREAS
from shared.rules.scoring.rulebook import (
    ASSOCIATIONS,
    DATA_DIR,
    METRICS,
    Area,
    Metric,
    Rulebook,
    Track,
    load_all,
    parse_rulebook,
)
from shared.rules.scoring.score import AreaScore, Measurement, MetricScore, score_area

# --- the oracle: shared/rules/scoring.py as it was before the compiled scorer -------------------


@dataclass(slots=True)
class _RefMetricScore:
    metric: str
    category: str
    points: int  # scaled by the rulebook's scale
    max_points: int
    units: int | None


@dataclass(slots=True)
class _RefAreaScore:
    area: str
    track: str
    rulebook: Rulebook
    metrics: tuple[_RefMetricScore, ...]

    @property
    def total(self) -> int:
        return sum(m.points for m in self.metrics)

    @property
    def every_metric_scores(self) -> bool:
        return all(m.points > 0 for m in self.metrics)

    @property
    def qualified(self) -> bool:
        return self.total >= self.rulebook.threshold and self.every_metric_scores

    def categories(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for m in self.metrics:
            out[m.category] = out.get(m.category, 0) + m.points
        return out

    def points(self, scaled: int | None = None) -> Fraction:
        return self.rulebook.to_fraction(self.total if scaled is None else scaled)


_Roster = Mapping[str, frozenset[str] | set[str]]


def _ref_persons(roster: _Roster, certifications: frozenset[str]) -> set[str]:
    out: set[str] = set()
    if len(roster) < len(certifications):
        for cert, holders in roster.items():
            if cert in certifications:
                out |= holders
    else:
        for cert in certifications:
            holders = roster.get(cert)
            if holders:
                out |= holders
    return out


def _ref_units(value: Fraction, unit_size: Fraction) -> int:
    if unit_size == 1:
        n = value.numerator // value.denominator
    else:
        n = (value.numerator * unit_size.denominator) // (value.denominator * unit_size.numerator)
    return n if n > 0 else 0


def _ref_score_metric(metric: Metric, measurements: Iterable[Measurement], roster: _Roster) -> _RefMetricScore:
    # `measurements`: those of the track scored
    if metric.roster is not None:
        rule = metric.roster
        points = 0
        gates_met = True
        for gate in rule.gates:
            if len(_ref_persons(roster, gate.certifications)) >= gate.persons:
                points += gate.points
            else:
                gates_met = False
        persons = len(_ref_persons(roster, rule.certifications)) if gates_met else 0
        points += persons * rule.points_per_person
        return _RefMetricScore(metric.key, metric.category, min(points, metric.max_points), metric.max_points, persons)

    return _ref_score_parts(metric, [m for m in measurements if m.metric == metric.key])


def _ref_accepts(part, m: Measurement) -> bool:
    return ((part.associations is None or m.association is None or m.association in part.associations)
            and (part.segment is None or m.segment == part.segment))


def _ref_score_parts(metric: Metric, measurements: Iterable[Measurement]) -> _RefMetricScore:
    mine = [m for m in measurements if m.association != "GDAP"]
    # without an association: counted in the best-paying accepting part only (first of equals)
    home = {}
    for i, m in enumerate(mine):
        if m.association is None:
            accepting = [p for p in metric.parts if _ref_accepts(p, m)]
            if accepting:
                home[i] = max(accepting, key=lambda p: Fraction(p.points_per_unit) / p.unit_size)
    combined = 0
    total_units = 0
    for part in metric.parts:
        values = [m.value for i, m in enumerate(mine)
                  if _ref_accepts(part, m) and (m.association is not None or home.get(i) is part)]
        if not values:
            continue
        if len(values) == 1:
            value = values[0]
        else:
            value = max(values) if part.aggregate == "MAX" else sum(values, Fraction(0))
        units = _ref_units(value, part.unit_size)
        total_units += units
        pts = units * part.points_per_unit
        if part.max_points is not None and pts > part.max_points:
            pts = part.max_points
        if metric.combine == "MAX":
            combined = max(combined, pts)
        else:
            combined += pts
    return _RefMetricScore(metric.key, metric.category, min(combined, metric.max_points), metric.max_points, total_units)


def _ref_score_track(
    area: Area, track: Track, rulebook: Rulebook, measurements: list[Measurement], roster: _Roster
) -> _RefAreaScore:
    names = {t.name for t in area.tracks}
    measurements = [m for m in measurements if m.track is None or m.track == track.name or m.track not in names]
    return _RefAreaScore(
        area.name, track.name, rulebook, tuple(_ref_score_metric(m, measurements, roster) for m in track.metrics)
    )


def _ref_score_area(
    rulebook: Rulebook,
    area_name: str,
    measurements: Iterable[Measurement],
    roster: _Roster,
    track: str | None = None,
) -> _RefAreaScore:
    area = rulebook.areas[area_name]
    ms = list(measurements)
    if area.selection == "HIGHER" and len(area.tracks) > 1:
        scores = [_ref_score_track(area, t, rulebook, ms, roster) for t in area.tracks]
        return max(scores, key=lambda s: (s.qualified, s.total))
    return _ref_score_track(area, area.track(track), rulebook, ms, roster)


def score_track(area: Area, track: Track, rulebook: Rulebook, measurements: list[Measurement], roster: _Roster
                ) -> AreaScore:
    """The per-track scorer the engine once exposed, as the oracle computes it (an AreaScore)."""
    return AreaScore(area.name, track.name, rulebook, tuple(
        MetricScore(m.metric, m.category, m.points, m.max_points, m.units)
        for m in _ref_score_track(area, track, rulebook, measurements, roster).metrics))


# --- generated inputs ---------------------------------------------------------------------------

def _open_parts_book() -> Rulebook:
    """The latest rulebook with every other part accepting any association (the format allows
    parts without `associations`; no shipped table has one): exercises the GDAP exclusion."""
    raw = json.loads(sorted(DATA_DIR.glob("rulebook-*.json"))[-1].read_text(encoding="utf-8"))
    n = 0
    for area in raw["areas"].values():
        for track in area["tracks"].values():
            for metric in track["metrics"].values():
                for part in metric.get("parts", []):
                    n += 1
                    if n % 2:
                        part.pop("associations", None)
    return parse_rulebook(raw, "open-parts")


BOOKS = (*load_all(), _open_parts_book())
_METRIC_LIST = [m for b in BOOKS for a in b.areas.values() for t in a.tracks for m in t.metrics]
CERTS = sorted(
    {c for m in _METRIC_LIST if m.roster for c in m.roster.certifications}
    | {c for m in _METRIC_LIST if m.roster for g in m.roster.gates for c in g.certifications}
) + ["not a listed certification"]
SEGMENTS = sorted({p.segment for m in _METRIC_LIST for p in m.parts if p.segment}) + ["OTHER"]
# Every (metric, association, segment) a part of some rulebook accepts: inputs that score.
ACCEPTED = sorted(
    {(m.key, a, p.segment) for m in _METRIC_LIST for p in m.parts for a in sorted(p.associations or ASSOCIATIONS)}
    | {(m.key, "GDAP", p.segment) for m in _METRIC_LIST for p in m.parts},
    key=str,
)
PEOPLE = [f"p{i}" for i in range(40)]

values = st.one_of(
    st.integers(-5, 60).map(Fraction),
    st.fractions(min_value=-50, max_value=100_000, max_denominator=1000),
    st.integers(0, 10**40).map(Fraction),  # huge
    st.fractions(min_value=0, max_value=10**12, max_denominator=10**9),
    st.sampled_from([Fraction(0), Fraction(-1, 3), Fraction(1, 10**30), Fraction(5, 2), Fraction(2999, 3)]),
    st.integers(-3, 10**6),  # a plain int also has .numerator / .denominator
)
any_measurement = st.builds(
    Measurement,
    metric=st.sampled_from([*METRICS, "notAMetric"]),
    value=values,
    association=st.one_of(st.none(), st.sampled_from([*ASSOCIATIONS, "UNKNOWN"])),
    segment=st.one_of(st.none(), st.sampled_from(SEGMENTS), st.text(max_size=3)),
    track=st.sampled_from([None, "ENTERPRISE", "SMB"]),
)
accepted_measurement = st.builds(
    lambda key, value, drop_assoc, drop_segment, track: Measurement(
        key[0], value, None if drop_assoc else key[1], None if drop_segment else key[2], track
    ),
    st.sampled_from(ACCEPTED),
    values,
    st.booleans(),
    st.booleans(),
    st.sampled_from([None, None, "ENTERPRISE", "SMB"]),
)
measurements = st.lists(st.one_of(any_measurement, accepted_measurement, accepted_measurement), max_size=14)
holders = st.one_of(st.sets(st.sampled_from(PEOPLE), max_size=25), st.frozensets(st.sampled_from(PEOPLE), max_size=8))
roster = st.dictionaries(st.sampled_from(CERTS), holders, max_size=len(CERTS))
tracks = st.sampled_from([None, "ENTERPRISE", "SMB", "OTHER"])


def _same(new: AreaScore, ref: _RefAreaScore) -> None:
    assert (new.area, new.track, new.rulebook) == (ref.area, ref.track, ref.rulebook)
    assert new.total == ref.total
    assert new.qualified is ref.qualified
    assert new.every_metric_scores is ref.every_metric_scores
    assert new.points() == ref.points()
    assert new.categories() == ref.categories()
    got = [(m.metric, m.category, m.points, m.max_points, m.units) for m in new.metrics]
    want = [(m.metric, m.category, m.points, m.max_points, m.units) for m in ref.metrics]
    assert got == want
    assert all(type(a) is type(b) for g, w in zip(got, want, strict=True) for a, b in zip(g, w, strict=True))


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.sampled_from(BOOKS), st.sampled_from(AREAS), measurements, roster, tracks)
def test_compiled_scorer_matches_the_reference(book, area, ms, people, track):
    _same(score_area(book, area, ms, people, track), _ref_score_area(book, area, ms, people, track))


@st.composite
def rich(draw: st.DrawFn) -> tuple[Rulebook, str, list[Measurement], dict[str, set[str]], str | None]:
    """Inputs near the thresholds: every part of the area fed, every certification held by some of
    a small pool (qualifying, not qualifying, and HIGHER areas whose tracks tie)."""
    book = draw(st.sampled_from(BOOKS))
    area = draw(st.sampled_from(AREAS))
    keys = sorted({(m.key, a, p.segment) for t in book.areas[area].tracks for m in t.metrics for p in m.parts
                   for a in sorted(p.associations or ("PAL", "GDAP"))}, key=str)
    ms = [Measurement(k, draw(st.sampled_from([Fraction(0), Fraction(1), Fraction(3), Fraction(40), Fraction(250),
                                               Fraction(5000), Fraction(10**7), Fraction(7, 2)])), a, s,
                      draw(st.sampled_from([None, None, "ENTERPRISE", "SMB"])))
          for k, a, s in draw(st.lists(st.sampled_from(keys), min_size=len(keys) // 2, max_size=2 * len(keys)))]
    certs = sorted({c for t in book.areas[area].tracks for m in t.metrics if m.roster
                    for c in (*m.roster.certifications, *(c for g in m.roster.gates for c in g.certifications))})
    pool = PEOPLE[: draw(st.integers(1, 12))]
    people = {c: draw(st.sets(st.sampled_from(pool), min_size=0, max_size=len(pool))) for c in certs}
    return book, area, ms, people, draw(tracks)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(rich())
def test_compiled_scorer_matches_the_reference_near_the_threshold(case):
    book, area, ms, people, track = case
    new, ref = score_area(book, area, ms, people, track), _ref_score_area(book, area, ms, people, track)
    _same(new, ref)
    # the public per-track API agrees with the chosen track as well
    a = book.areas[area]
    chosen = next(t for t in a.tracks if t.name == new.track)
    assert score_track(a, chosen, book, ms, people) == new


def test_generated_inputs_reach_qualification_and_both_tracks():
    """The generators are not vacuous: the reference qualifies some cases and picks SMB in some."""
    book = BOOKS[-1]
    everyone = {c: set(PEOPLE) for c in CERTS}
    ms = [Measurement(k, Fraction(10**7), a, s) for k, a, s in ACCEPTED]
    seen = {(r.qualified, r.track) for area in AREAS
            for r in [_ref_score_area(book, area, ms, everyone)]}
    assert any(q for q, _ in seen)
    shipped = load_all()[-1]  # in the open-parts book, which parts accept CSP depends on the part count
    smb = _ref_score_area(shipped, "MODERN_WORK", [Measurement("netCustomerAdds", Fraction(9), "CSP_T1")], {})
    assert smb.track == "SMB"
    _same(score_area(shipped, "MODERN_WORK", [Measurement("netCustomerAdds", Fraction(9), "CSP_T1")], {}), smb)
    for area in AREAS:
        _same(score_area(book, area, ms, everyone), _ref_score_area(book, area, ms, everyone))
