"""The partner state machine: recorded facts + an explicit date -> new document + outbound events.

Every function here is pure: it takes the partner document (shared.rules.state) and returns a new
one with the events the change announces. Applying the same fact twice changes nothing and
announces nothing (facts are keyed by their natural key and ordered by (date, eventId), so order
and duplicates do not matter); event ids are derived from their cause, so a re-publication can be
dropped downstream.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import zlib
from bisect import insort
from datetime import date
from fractions import Fraction
from functools import lru_cache
from typing import Any

from . import calendar as cal
from .policy import DEFAULT_POLICY, LEGACY_FEES, SOLUTIONS_PARTNER_FEES, Policy
from .rulebook import AREAS, AZURE_AREAS, PROGRAM_LAUNCH, load_all, normalize_certification, rulebook_for
from .scoring import AreaScore, Measurement, score_area
from .state import (
    State,
    active_designations,
    designation_held,
    file_roster_history,
    is_legacy_partner,
    legacy_level,
    new_state,
)

LAUNCH = PROGRAM_LAUNCH.isoformat()
LEGACY_LAST_DAY = "2022-09-30"
MEASUREMENT_HISTORY = 36  # measurements kept per metric key (three years of monthly refreshes)
ROSTER_HISTORY = 20  # earn/remove events kept per person and certification
MAX_DUE_STEPS = 500  # bound of one catch-up run (about 80 years of yearly work for one partner)

Event = tuple[str, dict[str, Any]]


class RuleRejected(ValueError):
    """A well-formed request that the program's rules refuse; `field` names the input at fault."""

    def __init__(self, field: str, reason: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.reason, self.message = field, reason, message


class NotYet(RuleRejected):
    """Refused only because a fact it depends on has not arrived yet (feeds arrive in any order):
    the caller retries it later, and rejects it with this reason when retrying is exhausted."""


def _copy(state: State) -> State:
    """A deep copy of the JSON-shaped document (marshal copies plain data exactly, ~2x deepcopy)."""
    return marshal.loads(marshal.dumps(state))  # noqa: S302 - our own bytes, never external input


def event_id(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def fmt(points: Fraction) -> str:
    """Round only for display: two decimals, half up."""
    scaled = (points * 100).numerator * 2 // (points * 100).denominator
    cents = (scaled + 1) // 2
    return f"{cents // 100}.{cents % 100:02d}"


def _d(s: str) -> date:
    return date.fromisoformat(s)


def _plus(day: str, n: int) -> str:
    return (_d(day) + cal.days(n)).isoformat()


def _decision_key(d: dict[str, Any]) -> tuple[str, str]:
    return d["on"], json.dumps(d, sort_keys=True)


class _Change:
    """Collects the events and audit decisions of one operation."""

    def __init__(self, state: State):
        self.state = state
        self.events: list[Event] = []
        self.rosters: dict[str, dict[str, set[str]]] = {}  # roster as of a day, within this change

    def emit(self, detail_type: str, effective_on: str, key: tuple[str, ...], **fields: Any) -> None:
        pid = self.state["partnerId"]
        self.events.append(
            (
                detail_type,
                {
                    "eventId": event_id(pid, detail_type, *key),
                    "partnerId": pid,
                    "effectiveOn": effective_on,
                    **fields,
                },
            )
        )

    def decide(self, on: str, rule: str, outcome: str, **facts: Any) -> None:
        """Add to the audit trail, kept in date order (same-day decisions in a fixed order, so the
        trail does not depend on the order the facts arrived in)."""
        insort(self.state["decisions"], {"on": on, "rule": rule, "outcome": outcome, **facts}, key=_decision_key)


# --------------------------------------------------------------------------------------------
# Scoring from the document
# --------------------------------------------------------------------------------------------


_MEMO_BOUND = 65536  # entries per memo below (feeds repeat the same keys and small numbers)
_MEASUREMENTS: dict[tuple[str, str], Measurement] = {}  # (metric key, stored value) -> Measurement


def measurements_of(state: State, area: str, on: str | None = None) -> list[Measurement]:
    """The measurement in force on `on` (latest dated on or before it) for each metric key.
    Measurements are shared between calls (memoised per key and stored value): read-only."""
    out = []
    memo = _MEASUREMENTS.get
    for key, history in state["measurements"].get(area, {}).items():
        current = history[-1]
        if on is not None and current[0] > on:
            for current in reversed(history):  # the last entry dated on or before `on`
                if current[0] <= on:
                    break
            else:
                continue
        raw = current[1]
        m = memo((key, raw))
        if m is None:
            metric, assoc, segment = key.split("|")
            value = Fraction(raw)
            # a whole number as an int: the scoring reads .numerator/.denominator, C attributes on an
            # int but Python properties on a Fraction (the same exact value either way)
            m = Measurement(metric, value.numerator if value.denominator == 1 else value, assoc or None,
                            segment or None)
            if len(_MEASUREMENTS) < _MEMO_BOUND:
                _MEASUREMENTS[(key, raw)] = m
        out.append(m)
    return out


def roster_of(state: State, on: str | None = None) -> dict[str, set[str]]:
    """Who holds which certification on `on` (now, when None): the latest event on or before it.
    On or after a certification's latest event its holders are the people filed under "held"
    (shared.rules.state); before it, each person's history decides."""
    roster: dict[str, set[str]] = {}
    for cert, entry in state["roster"].items():
        if on is None or entry["lastEventOn"] <= on:
            if entry["held"]:
                roster[cert] = set(entry["held"])
            continue
        holders = {person for people in (entry["held"], entry["removed"]) for person, history in people.items()
                   if (history[-1][2] if history[-1][0] <= on else _held_before(history, on))}
        if holders:
            roster[cert] = holders
    return roster


def _held_before(history: list[list[Any]], on: str) -> bool:
    """Whether the last event of a person's certification dated on or before `on` is an earn."""
    for event in reversed(history):
        if event[0] <= on:
            return event[2]
    return False


def track_of(state: State, area: str, on: str | None = None) -> str | None:
    """The track the feed classified the partner into on `on` (latest report on or before it)."""
    history = state["tracks"].get(area) or []
    if history and not isinstance(history[0], list):  # a document written before tracks had a history
        history = [history]
    for entry in reversed(history):
        if on is None or entry[0] <= on:
            return entry[1]
    return None


def evaluate(state: State, area: str, on: str, roster: dict[str, set[str]] | None = None) -> AreaScore:
    book = rulebook_for(_d(on))
    return score_area(
        book,
        area,
        measurements_of(state, area, on),
        roster_of(state, on) if roster is None else roster,
        track_of(state, area, on),
    )


def score_detail(score: AreaScore) -> dict[str, Any]:
    book = score.rulebook
    return {
        "solutionArea": score.area,
        "track": score.track,
        "rulebookVersion": book.version,
        "total": fmt(score.points()),
        "qualified": score.qualified,
        "metrics": [
            {
                "metric": m.metric,
                "category": m.category,
                "points": fmt(book.to_fraction(m.points)),
                "maxPoints": fmt(book.to_fraction(m.max_points)),
                "units": m.units,
            }
            for m in score.metrics
        ],
    }


def _rescore(ch: _Change, area: str, on: str, cause: str) -> None:
    """Re-derive the area's score history from the stored facts after a new fact dated `on`: the
    entry of `on` and every later entry (a late fact changes what followed it, never the past
    before it). The history is a function of the facts alone, so any arrival order gives the same
    history. Each fact announces the score of its own day; a later day is announced again only when
    its score changed. Ids are (area, cause, day): one fact is processed once, so one id never
    announces two contents."""
    history = ch.state["scoreHistory"].setdefault(area, [])
    days = {h[0]: i for i, h in enumerate(history)}
    for day in [on] + [h[0] for h in history if h[0] > on]:
        roster = ch.rosters.get(day)
        if roster is None:
            roster = ch.rosters[day] = roster_of(ch.state, day)
        score = evaluate(ch.state, area, day, roster)
        detail = score_detail(score)
        digest = f"{zlib.crc32(json.dumps(detail, sort_keys=True).encode()):08x}"  # what was announced
        entry = [day, score.qualified, detail["total"], score.rulebook.version, digest]
        i = days.get(day)
        if i is not None and history[i] == entry and day != on:
            continue
        if i is None:
            history.append(entry)
            history.sort(key=lambda h: h[0])
            days = {h[0]: k for k, h in enumerate(history)}
        else:
            history[i] = entry
        ch.emit("ScoreEvaluated", day, (area, cause, day), evaluatedOn=day, cause=cause, **detail)


def qualified_in_window(history: list[list[Any]], start: str, end: str) -> bool:
    """Requirements met on at least one day of [start, end] (requirements.md §1 "any one day")."""
    in_effect = False
    for day, qualified, *_ in history:
        if day <= start:
            in_effect = qualified
        elif day <= end:
            if qualified:
                return True
        else:
            break
    return in_effect


# --------------------------------------------------------------------------------------------
# Ingestion: recording facts
# --------------------------------------------------------------------------------------------


def record_fact(
    state: State | None,
    partner_id: str,
    detail_type: str,
    detail: dict[str, Any],
    policy: Policy = DEFAULT_POLICY,
) -> tuple[State, list[Event]]:
    """Record one inbound fact (validated detail, JSON mode). Returns the new document and events."""
    state = _copy(state) if state is not None else new_state(partner_id)
    ch = _Change(state)
    handler = _FACTS.get(detail_type)
    if handler is None:
        raise RuleRejected("detail-type", "UNKNOWN_FACT", f"{detail_type} is not a fact this engine records")
    handler(ch, detail, policy)
    return state, ch.events


def _metrics_reported(ch: _Change, d: dict[str, Any], policy: Policy) -> None:
    area, on, eid = d["solutionArea"], d["measuredOn"], d["eventId"]
    stored = ch.state["measurements"].setdefault(area, {})
    new = False
    for m in d["measurements"]:
        key = f"{m['metric']}|{m.get('association') or ''}|{m.get('segment') or ''}"
        history = stored.setdefault(key, [])
        if any(h[0] == on and h[2] == eid for h in history):
            continue  # a duplicate
        # Every report is kept, ordered by (date, eventId): the last one on or before a day is in force.
        history.append([on, str(m["value"]), eid])
        history.sort(key=lambda h: (h[0], h[2]))
        del history[:-MEASUREMENT_HISTORY]
        new = True
    if d.get("track"):
        tracks = ch.state["tracks"].get(area) or []
        if tracks and not isinstance(tracks[0], list):
            tracks = [tracks]
        entry = [on, d["track"], eid]
        if entry not in tracks:
            ch.state["tracks"][area] = sorted([*tracks, entry], key=lambda h: (h[0], h[2]))[-MEASUREMENT_HISTORY:]
            new = True
    if new:
        _rescore(ch, area, on, eid)


def _certification(ch: _Change, d: dict[str, Any], held: bool) -> None:
    cert, person = normalize_certification(d["certification"]), d["personId"]
    on, eid = d["on"], d["eventId"]
    people = ch.state["roster"].get(cert) or {"held": {}, "removed": {}}
    history = people["held"].get(person) or people["removed"].get(person) or []
    entry = [on, eid, held, d["certification"]]
    if entry in history:
        return  # a duplicate
    history = sorted([*history, entry])[-ROSTER_HISTORY:]  # any arrival order gives the same history
    file_roster_history(ch.state["roster"], cert, person, history)
    for area in _areas_counting(cert):
        _rescore(ch, area, on, eid)


@lru_cache(maxsize=4096)
def _areas_counting(cert: str) -> tuple[str, ...]:
    """The areas whose skilling metrics count this certification in any rulebook version."""
    return tuple(a for a in AREAS if any(_mentions(book, a, cert) for book in load_all()))


def _mentions(book: Any, area: str, cert: str) -> bool:
    for track in book.areas[area].tracks:
        for metric in track.metrics:
            r = metric.roster
            if r and (cert in r.certifications or any(cert in g.certifications for g in r.gates)):
                return True
    return False


def _legacy_recorded(ch: _Change, d: dict[str, Any], policy: Policy) -> None:
    held_on, anniversary = d["heldOn"], d["anniversaryDate"]
    if held_on > LEGACY_LAST_DAY:
        raise RuleRejected(
            "detail.heldOn",
            "LEGACY_RENEWAL_CLOSED",
            "legacy competencies could be renewed until 2022-09-30 and are not valid after it",
        )
    if anniversary <= LEGACY_LAST_DAY:
        raise RuleRejected(
            "detail.anniversaryDate",
            "NOT_HELD_ON_2022_09_30",
            "the competency must still be held on 2022-09-30 (anniversary after that day)",
        )
    legacy = ch.state["legacy"] or {"competencies": {}, "anniversaryDate": anniversary}
    existing = legacy["competencies"].get(d["competency"])
    if existing is not None:
        if existing == {"level": d["level"], "heldOn": held_on, "anniversaryDate": anniversary}:
            return
        if held_on < existing["anniversaryDate"] and held_on > existing["heldOn"]:
            raise RuleRejected(
                "detail.heldOn",
                "RENEWAL_BEFORE_ANNIVERSARY",
                f"a legacy competency cannot be renewed before its anniversary {existing['anniversaryDate']}",
            )
    legacy["competencies"][d["competency"]] = {
        "level": d["level"],
        "heldOn": held_on,
        "anniversaryDate": anniversary,
    }
    legacy["anniversaryDate"] = min(c["anniversaryDate"] for c in legacy["competencies"].values())
    ch.state["legacy"] = legacy
    # FAQ: a legacy partner keeps its existing membership anniversary.
    ch.state["anniversary"] = legacy["anniversaryDate"]
    ch.decide(
        held_on,
        "LEGACY_PARTNER",
        "RECORDED",
        competency=d["competency"],
        level=d["level"],
        anniversaryDate=anniversary,
    )


def _specialization_recorded(ch: _Change, d: dict[str, Any], policy: Policy) -> None:
    from .specializations import required_designations

    name = d["specialization"]
    if required_designations(name) is None:
        raise RuleRejected(
            "detail.specialization", "UNKNOWN_SPECIALIZATION", f"{name!r} is not a known specialization"
        )
    specs = ch.state["specializations"]
    current = specs.get(name)
    if current is not None and current["anniversaryDate"] >= d["anniversaryDate"]:
        return
    specs[name] = {
        "anniversaryDate": d["anniversaryDate"],
        "status": "ACTIVE",
        "lostOn": None,
        "checked": current["checked"] if current else [],
        "warned": current["warned"] if current else [],
    }


def _msp_recorded(ch: _Change, d: dict[str, Any], policy: Policy) -> None:
    msp = ch.state["msp"]
    if msp is not None and msp["anniversaryDate"] >= d["anniversaryDate"]:
        return
    ch.state["msp"] = {
        "anniversaryDate": d["anniversaryDate"],
        "status": "ACTIVE",
        "lossEffectiveOn": None,
        "checked": msp["checked"] if msp else [],
    }


def _location_linked(ch: _Change, d: dict[str, Any], policy: Policy) -> None:
    if d["locationId"] not in ch.state["locations"]:
        ch.state["locations"] = sorted([*ch.state["locations"], d["locationId"]])


def _offer_recorded(ch: _Change, d: dict[str, Any], policy: Policy) -> None:
    offer = {"offerType": d["offerType"], "publishedOn": d["publishedOn"], "coSellReady": d["coSellReady"],
             "eventId": d["eventId"]}
    current = ch.state["offers"].get(d["offerId"])
    if current is None or (offer["publishedOn"], offer["eventId"]) > (current["publishedOn"], current.get("eventId", "")):
        ch.state["offers"][d["offerId"]] = offer


def _training_reported(ch: _Change, d: dict[str, Any], policy: Policy) -> None:
    """A period's report; a correction (same period, greater eventId) replaces it as the period's
    figures. A Training Services designation is earned by any report that meets the criteria
    (decisions.md: a correction does not withdraw an issued badge), so the outcome is the same in
    every arrival order."""
    from .training import training_designations

    training = ch.state["training"]
    period = {k: d[k] for k in ("coursewareActivations", "examVouchers", "qualityScore", "surveysByArea")}
    period["eventId"] = d["eventId"]
    current = training["periods"].get(d["periodEnd"])
    if current == period:
        return  # the same report again
    if current is None or current.get("eventId", "") < d["eventId"]:
        training["periods"][d["periodEnd"]] = period
    for area in training_designations(period, d["periodEnd"], policy):
        if area in training["designations"]:
            continue
        training["designations"][area] = d["periodEnd"]
        badge = f"TRAINING_SERVICES:{area}"
        ch.state["badges"][badge] = [[d["periodEnd"], None]]
        ch.decide(d["periodEnd"], "TRAINING_SERVICES", "ATTAINED", solutionArea=area, periodEnd=d["periodEnd"])
        ch.emit("BadgeIssued", d["periodEnd"], (badge,), badge=badge, issuedOn=d["periodEnd"])


_FACTS = {
    "MetricsReported": _metrics_reported,
    "CertificationEarned": lambda ch, d, p: _certification(ch, d, True),
    "CertificationRemoved": lambda ch, d, p: _certification(ch, d, False),
    "TrainingMetricsReported": _training_reported,
    "LegacyCompetencyRecorded": _legacy_recorded,
    "SpecializationRecorded": _specialization_recorded,
    "AzureExpertMspRecorded": _msp_recorded,
    "LocationLinked": _location_linked,
    "OfferRecorded": _offer_recorded,
}


# --------------------------------------------------------------------------------------------
# Attainment
# --------------------------------------------------------------------------------------------


def attain(
    state: State | None, partner_id: str, evaluated: dict[str, Any], policy: Policy = DEFAULT_POLICY
) -> tuple[State | None, list[Event]]:
    """React to a ScoreEvaluated event. FAQ: "if your organization meets requirements ... you'll
    immediately receive the corresponding customer-facing badge"; a dip below 70 changes nothing.

    The event only says which area to look at: the attainment day is read from the score history
    in the document (the first qualified day since the area was last held), so it does not depend
    on which evaluation arrived first. Attaining is dated work like an anniversary (`due_items`):
    it is done here at once, unless earlier dated work (an anniversary, a payment lapse) is still
    to be done — then the daily run does both in date order, with every fact it has by then."""
    area, until = evaluated["solutionArea"], max(evaluated["evaluatedOn"], LAUNCH)
    effective = _first_qualified_day(state, area) if state else None
    if effective is None or effective > until:
        return state, []
    if any(when <= effective and kind in _DESIGNATION_WORK for when, kind, _ in due_items(state, policy)):
        return state, []
    return run_due(state, partner_id, effective, policy, kinds=("ATTAIN",))


def _first_qualified_day(state: State, area: str) -> str | None:
    """The day a not-held area attains: its first qualified score day since it was last held (a
    score measured before the launch counts on the launch day when inside the window)."""
    periods = state["designations"].get(area, {}).get("periods", [])
    if periods and periods[-1][1] is None:
        return None
    since = periods[-1][1] if periods else None
    earliest = _earliest_counted()
    for day, qualified, *_ in state["scoreHistory"].get(area, []):
        if qualified and day >= earliest and (since is None or day >= since):
            return max(day, LAUNCH)
    return None


@lru_cache(maxsize=1)
def _earliest_counted() -> str:
    """The oldest score day that still counts on the launch day (inside its window)."""
    return _plus(LAUNCH, -rulebook_for(PROGRAM_LAUNCH).qualification_window_days)


def _attained(ch: _Change, area: str, effective: str, policy: Policy) -> None:
    state = ch.state
    state["designations"].setdefault(area, {"periods": []})["periods"].append([effective, None])
    if state["anniversary"] is None:
        state["anniversary"] = effective  # FAQ: the date the first designation was attained
    anniversary = upcoming_anniversary(state, effective, policy)
    measured = max((h for h in state["scoreHistory"][area] if h[0] <= effective and h[1]), key=lambda h: h[0])
    ch.decide(effective, "ATTAINMENT", "ATTAINED", solutionArea=area, measuredOn=measured[0],
              rulebookVersion=measured[3])
    ch.emit(
        "DesignationAttained",
        effective,
        (area, effective),
        solutionArea=area,
        attainedOn=effective,
        anniversaryDate=anniversary,
        rulebookVersion=measured[3],
    )
    _issue_badge(ch, area, effective)
    if all(designation_held(state, a, effective) for a in AREAS):
        _issue_badge(ch, "MICROSOFT_CLOUD", effective)


def _issue_badge(ch: _Change, badge: str, on: str) -> None:
    spans = ch.state["badges"].setdefault(badge, [])
    if spans and spans[-1][1] is None:
        return
    spans.append([on, None])
    ch.emit("BadgeIssued", on, (badge, on), badge=badge, issuedOn=on)


def _withdraw_badge(state: State, badge: str, on: str) -> None:
    spans = state["badges"].get(badge)
    if spans and spans[-1][1] is None:
        spans[-1][1] = on


# --------------------------------------------------------------------------------------------
# Membership: anniversaries, renewals, fees, benefits
# --------------------------------------------------------------------------------------------


def _first_occurrence(state: State, policy: Policy) -> str | None:
    anchor = state["anniversary"]
    if anchor is None:
        return None
    a = _d(anchor)
    if is_legacy_partner(state):
        return cal.next_on_or_after(a, PROGRAM_LAUNCH, policy.leap_day_anniversary).isoformat()
    return cal.next_after(a, a, policy.leap_day_anniversary).isoformat()


def _next_occurrence(state: State, policy: Policy) -> str | None:
    """The first membership anniversary no run has processed yet and that has something to renew
    (an anniversary that passed with nothing held is skipped, not checked later)."""
    occ = _first_occurrence(state, policy)
    if occ is None or not _may_renew_again(state):
        return None
    anchor = _d(state["anniversary"])
    for _ in range(MAX_DUE_STEPS):
        if occ not in state["renewals"] and _member_on(state, occ):
            return occ
        occ = cal.next_after(anchor, _d(occ), policy.leap_day_anniversary).isoformat()
    return None


def upcoming_anniversary(state: State, on: str, policy: Policy = DEFAULT_POLICY) -> str | None:
    occ = _next_occurrence(state, policy)
    if occ is None:
        return None
    if occ < on:
        occ = cal.next_on_or_after(_d(state["anniversary"]), _d(on), policy.leap_day_anniversary).isoformat()
    return occ


def _member_on(state: State, occ: str) -> bool:
    """Is there anything to renew on this anniversary? Active designations, or a legacy partner's
    option to keep buying legacy benefits (FAQ: "there will be an option to continue to purchase
    legacy benefits") while it bought them last time or this is its first anniversary after launch."""
    if any(designation_held(state, a, occ) for a in state["designations"]):
        return True
    if not is_legacy_partner(state):
        return False
    previous = [r for k, r in sorted(state["renewals"].items()) if k < occ]
    return not previous or previous[-1].get("option") == "LEGACY"


def _may_renew_again(state: State) -> bool:
    """Whether any later anniversary can have something to renew."""
    if active_designations(state):
        return True
    if not is_legacy_partner(state):
        return False
    renewals = sorted(state["renewals"].items())
    return not renewals or renewals[-1][1].get("option") == "LEGACY"


def fees_for(state: State, option: str, currency: str) -> Any:
    if option == "SOLUTIONS_PARTNER":
        return SOLUTIONS_PARTNER_FEES.get(currency)
    level = legacy_level(state)
    return LEGACY_FEES.get(level or "", {}).get(currency)


def _options(state: State) -> list[str]:
    return ["SOLUTIONS_PARTNER", "LEGACY"] if is_legacy_partner(state) else ["SOLUTIONS_PARTNER"]


def _anniversary_check(ch: _Change, occ: str, policy: Policy) -> None:
    """FAQ: "On your anniversary date, not beforehand, we'll check if you still meet the
    requirements. If you do, you'll retain the Solutions Partner designation ... after paying"."""
    state = ch.state
    book = rulebook_for(_d(occ))
    start = _plus(occ, -book.qualification_window_days)
    kept, lapsed = [], []
    for area in [a for a in active_designations(state) if designation_held(state, a, occ)]:
        if qualified_in_window(state["scoreHistory"].get(area, []), start, occ):
            kept.append(area)
        else:
            lapsed.append(area)
    for area in lapsed:
        state["designations"][area]["periods"][-1][1] = occ
        _withdraw_badge(state, area, occ)
        _withdraw_badge(state, "MICROSOFT_CLOUD", occ)
        ch.decide(
            occ,
            "ANNIVERSARY_RENEWAL",
            "LAPSED",
            solutionArea=area,
            window=[start, occ],
            rulebookVersion=book.version,
            history=_window_history(state, area, start, occ),
        )
        ch.emit(
            "DesignationLapsed",
            occ,
            (area, occ, "NOT_QUALIFIED"),
            solutionArea=area,
            lapsedOn=occ,
            anniversaryDate=occ,
            reason="NOT_QUALIFIED",
        )
    member = bool(kept) or _member_on(state, occ)
    due_by = _plus(occ, policy.payment_window_days)
    state["renewals"][occ] = {
        "openedOn": occ,
        "paymentDueBy": due_by,
        "kept": kept,
        "lapsed": lapsed,
        "renewed": [],
        "option": None,
        "fee": None,
        "closed": not member,
    }
    for area in kept:
        ch.decide(
            occ,
            "ANNIVERSARY_RENEWAL",
            "QUALIFIED",
            solutionArea=area,
            window=[start, occ],
            rulebookVersion=book.version,
            history=_window_history(state, area, start, occ),
        )
    if not member:
        return
    options = _options(state) if kept else ["LEGACY"]
    fees = []
    for option in options:
        amount = fees_for(state, option, policy.default_currency)
        if amount is not None:
            fees.append({"option": option, "amount": str(amount), "currency": policy.default_currency})
    ch.emit(
        "RenewalOpened",
        occ,
        (occ,),
        anniversaryDate=occ,
        designations=kept,
        lapsing=lapsed,
        paymentDueBy=due_by,
        options=options,
        fees=fees,
    )


def forecast(state: State, day: str, policy: Policy = DEFAULT_POLICY) -> list[dict[str, Any]]:
    """Designations that would lapse if the next anniversary were `day`, each with the smallest
    change that avoids it (guidance). Empty when no anniversary is due."""
    from .guidance import plan

    occ = _next_occurrence(state, policy)
    if occ is None or day >= occ or not _member_on(state, occ):
        return []
    book = rulebook_for(_d(day))
    start = _plus(day, -book.qualification_window_days)
    out = []
    for area in active_designations(state):
        if qualified_in_window(state["scoreHistory"].get(area, []), start, day):
            continue
        score = evaluate(state, area, day)
        needs = plan(score)["needs"]
        out.append({"solutionArea": area, "anniversaryDate": occ, "daysUntil": (_d(occ) - _d(day)).days,
                    "total": fmt(score.points()),
                    "shortfall": [{"metric": n["metric"], "unitsNeeded": n["unitsNeeded"], "pointsNeeded": n["pointsGained"]}
                                  for n in needs]})
    return out


def _renewal_risk(ch: _Change, occ: str, day: str, policy: Policy) -> None:
    """Forecast (issue "Beyond Partner Center"): published once per anniversary, on the first run
    inside the horizon."""
    ch.state.setdefault("riskChecked", []).append(occ)
    for risk in forecast(ch.state, day, policy):
        ch.decide(day, "RENEWAL_FORECAST", "AT_RISK", solutionArea=risk["solutionArea"], anniversaryDate=occ,
                  total=risk["total"])
        ch.emit("RenewalAtRisk", day, (risk["solutionArea"], occ), anniversaryDate=occ, solutionArea=risk["solutionArea"],
                daysUntil=risk["daysUntil"], shortfall=risk["shortfall"])


def _window_history(state: State, area: str, start: str, end: str) -> list[list[Any]]:
    hist = state["scoreHistory"].get(area, [])
    before = [h for h in hist if h[0] <= start][-1:]
    return before + [h for h in hist if start < h[0] <= end]


def _payment_lapse(ch: _Change, occ: str) -> None:
    renewal = ch.state["renewals"][occ]
    lapse_on = _plus(renewal["paymentDueBy"], 1)
    for area in renewal["kept"]:
        if area in renewal["renewed"] or not designation_held(ch.state, area, renewal["paymentDueBy"]):
            continue
        ch.state["designations"][area]["periods"][-1][1] = lapse_on
        _withdraw_badge(ch.state, area, lapse_on)
        _withdraw_badge(ch.state, "MICROSOFT_CLOUD", lapse_on)
        ch.decide(
            lapse_on, "PAYMENT_WINDOW", "LAPSED", solutionArea=area, paymentDueBy=renewal["paymentDueBy"]
        )
        ch.emit(
            "DesignationLapsed",
            lapse_on,
            (area, occ, "PAYMENT_WINDOW_EXPIRED"),
            solutionArea=area,
            lapsedOn=lapse_on,
            anniversaryDate=occ,
            reason="PAYMENT_WINDOW_EXPIRED",
        )
    renewal["closed"] = True


def elect_benefits(
    state: State | None, partner_id: str, detail: dict[str, Any], on: str, policy: Policy = DEFAULT_POLICY
) -> tuple[State, list[Event]]:
    """BenefitsElected: the partner's once-per-anniversary choice of Option 1 (Solutions Partner
    benefits) or Option 2 (legacy benefits), with the fee paid. `on` is the day of the election."""
    if state is None:
        raise NotYet("detail.partnerId", "UNKNOWN_PARTNER", "no membership is recorded for this partner")
    state, events = run_due(state, partner_id, on, policy)
    ch = _Change(state)
    ch.events = events
    occ, option, fee = detail["anniversaryDate"], detail["option"], detail["fee"]
    if option == "LEGACY" and not is_legacy_partner(state):
        raise RuleRejected(
            "detail.option",
            "LEGACY_OPTION_UNAVAILABLE",
            "only partners holding a competency on 2022-09-30 can choose legacy benefits",
        )
    expected = fees_for(state, option, fee["currency"])
    if expected is None:
        raise RuleRejected(
            "detail.fee.currency", "UNKNOWN_MARKET", f"no {option} fee is defined in {fee['currency']}"
        )
    if Fraction(str(fee["amount"])) < Fraction(str(expected)):
        raise RuleRejected(
            "detail.fee.amount", "FEE_TOO_LOW", f"the {option} fee is {expected} {fee['currency']}"
        )
    renewal = state["renewals"].get(occ)
    if renewal is None:
        _initial_purchase(ch, occ, option, fee, on)
        return state, ch.events
    if renewal["option"] is not None:
        if renewal["option"] == option:
            return state, ch.events  # the same election again: nothing to do
        raise RuleRejected(
            "detail.option",
            "ALREADY_ELECTED",
            f"{renewal['option']} was already chosen for the {occ} anniversary (one option only)",
        )
    if on > renewal["paymentDueBy"]:
        raise RuleRejected(
            "detail.anniversaryDate",
            "PAYMENT_WINDOW_CLOSED",
            f"the renewal window of the {occ} anniversary closed on {renewal['paymentDueBy']}",
        )
    kept = [a for a in renewal["kept"] if designation_held(state, a, on)]
    if not kept and option == "SOLUTIONS_PARTNER":
        raise RuleRejected(
            "detail.option",
            "NO_DESIGNATION_TO_RENEW",
            "no designation qualified on this anniversary; only legacy benefits can be bought",
        )
    renewal.update(
        option=option,
        fee={"amount": str(fee["amount"]), "currency": fee["currency"]},
        renewed=kept,
        closed=True,
        electedOn=on,
    )
    next_occ = cal.next_after(_d(state["anniversary"]), _d(occ), policy.leap_day_anniversary).isoformat()
    state["benefits"] = {"option": option, "from": occ, "through": next_occ}
    ch.decide(on, "BENEFITS_ELECTION", option, anniversaryDate=occ, fee=renewal["fee"], renewed=kept)
    for area in kept:
        ch.emit(
            "DesignationRenewed",
            on,
            (area, occ),
            solutionArea=area,
            anniversaryDate=occ,
            option=option,
            renewedOn=on,
            nextAnniversaryDate=next_occ,
        )
    return state, ch.events


def _initial_purchase(ch: _Change, occ: str, option: str, fee: dict[str, Any], on: str) -> None:
    """FAQ: a partner without legacy benefits that attains a designation "immediately ha[s] the
    opportunity to pay the fee and move to the new Solutions Partner benefits"; a legacy partner
    "can't renew ... before your anniversary date"."""
    state = ch.state
    upcoming = _next_occurrence(state, DEFAULT_POLICY)
    if is_legacy_partner(state) or option != "SOLUTIONS_PARTNER":
        raise RuleRejected(
            "detail.anniversaryDate",
            "RENEWAL_BEFORE_ANNIVERSARY",
            f"benefits can be chosen on the anniversary ({upcoming or 'none recorded'}), not before it",
        )
    if not active_designations(state) or occ != state["anniversary"]:
        raise NotYet(
            "detail.anniversaryDate",
            "NO_RENEWAL_OPEN",
            f"no renewal is open for {occ}; the next anniversary is {upcoming or 'not set'}",
        )
    if state.get("benefits", {}).get("from") == occ:
        return
    state["benefits"] = {"option": option, "from": occ, "through": upcoming}
    ch.decide(
        on,
        "BENEFITS_ELECTION",
        option,
        anniversaryDate=occ,
        fee={"amount": str(fee["amount"]), "currency": fee["currency"]},
        initialPurchase=True,
    )


# --------------------------------------------------------------------------------------------
# Specializations and Azure Expert MSP (checked on their own anniversaries)
# --------------------------------------------------------------------------------------------


def _next_unchecked(record: dict[str, Any] | None, policy: Policy) -> str | None:
    """The first anniversary (from 2022-10-03) of an ACTIVE specialization or Azure Expert MSP
    status that no run has checked yet."""
    if not record or record["status"] != "ACTIVE":
        return None
    anchor = _d(record["anniversaryDate"])
    occ = cal.next_on_or_after(anchor, max(anchor, PROGRAM_LAUNCH), policy.leap_day_anniversary)
    for _ in range(MAX_DUE_STEPS):
        if occ.isoformat() not in record["checked"]:
            return occ.isoformat()
        occ = cal.next_after(anchor, occ, policy.leap_day_anniversary)
    return None




def _spec_check(ch: _Change, name: str, occ: str) -> None:
    """FAQ example: Threat Protection, anniversary 2023-02-03, Security not attained by then: "they
    will lose their specialization on the specialization's anniversary date"."""
    from .specializations import required_designations

    spec = ch.state["specializations"][name]
    required = required_designations(name) or []
    held = [a for a in required if designation_held(ch.state, a, occ)]
    spec["checked"].append(occ)
    if held:
        ch.decide(occ, "SPECIALIZATION_PREREQUISITE", "KEPT", specialization=name, heldDesignations=held)
        return
    spec.update(status="LOST", lostOn=occ)
    ch.decide(occ, "SPECIALIZATION_PREREQUISITE", "LOST", specialization=name, requiredDesignations=required)
    ch.emit(
        "SpecializationLost", occ, (name, occ), specialization=name, lostOn=occ, requiredDesignations=required
    )


def _spec_warning(ch: _Change, name: str, occ: str, day: str, policy: Policy) -> None:
    from .specializations import required_designations

    spec = ch.state["specializations"][name]
    spec["warned"].append(occ)
    warn_on = _plus(occ, -policy.specialization_warning_days)
    required = required_designations(name) or []
    if occ <= day or any(designation_held(ch.state, a, warn_on) for a in required):
        return
    ch.emit(
        "SpecializationAtRisk",
        warn_on,
        (name, occ),
        specialization=name,
        anniversaryDate=occ,
        requiredDesignations=required,
        warnedOn=warn_on,
    )




def _msp_check(ch: _Change, occ: str, policy: Policy) -> None:
    """FAQ: without all three Azure designations at the MSP anniversary "you will lose your Azure
    Expert MSP status and existing benefits within 30 calendar days"."""
    msp = ch.state["msp"]
    msp["checked"].append(occ)
    missing = [a for a in AZURE_AREAS if not designation_held(ch.state, a, occ)]
    if not missing:
        ch.decide(occ, "AZURE_EXPERT_MSP_PREREQUISITE", "KEPT")
        return
    loss = _plus(occ, policy.msp_loss_delay_days)
    msp.update(status="LOSING", lossEffectiveOn=loss)
    ch.decide(occ, "AZURE_EXPERT_MSP_PREREQUISITE", "LOST", missingDesignations=missing, lossEffectiveOn=loss)
    ch.emit(
        "AzureExpertMspLost",
        loss,
        (occ,),
        anniversaryDate=occ,
        lossEffectiveOn=loss,
        missingDesignations=missing,
    )


# --------------------------------------------------------------------------------------------
# The daily run
# --------------------------------------------------------------------------------------------

_ORDER = {
    "RENEWAL_RISK": -1,
    "PAYMENT_LAPSE": 0,
    "ANNIVERSARY": 1,
    "ATTAIN": 1.5,  # a designation attained on an anniversary starts after that day's check
    "SPEC_WARNING": 2,
    "SPEC_CHECK": 3,
    "MSP_CHECK": 4,
    "MSP_LOSS": 5,
}


_DESIGNATION_WORK = ("ANNIVERSARY", "PAYMENT_LAPSE")  # dated work that ends designation periods


def due_items(state: State, policy: Policy = DEFAULT_POLICY) -> list[tuple[str, str, str]]:
    """Every piece of dated work not done yet: (date, kind, key)."""
    items: list[tuple[str, str, str]] = []
    occ = _next_occurrence(state, policy)
    if occ is not None and _member_on(state, occ):
        items.append((occ, "ANNIVERSARY", occ))
        if active_designations(state) and occ not in state.get("riskChecked", ()):
            items.append((_plus(occ, -policy.renewal_risk_horizon_days), "RENEWAL_RISK", occ))
    for key, renewal in state["renewals"].items():
        if not renewal["closed"]:
            items.append((_plus(renewal["paymentDueBy"], 1), "PAYMENT_LAPSE", key))
    for name, spec in state["specializations"].items():
        nxt = _next_unchecked(spec, policy)
        if nxt is None:
            continue
        items.append((nxt, "SPEC_CHECK", name))
        if nxt not in spec["warned"]:
            items.append((_plus(nxt, -policy.specialization_warning_days), "SPEC_WARNING", name))
    msp = state["msp"]
    nxt = _next_unchecked(msp, policy)
    if nxt is not None:
        items.append((nxt, "MSP_CHECK", nxt))
    if msp and msp["status"] == "LOSING":
        items.append((msp["lossEffectiveOn"], "MSP_LOSS", msp["lossEffectiveOn"]))
    for area in state["scoreHistory"]:
        day = _first_qualified_day(state, area)
        if day is not None:
            items.append((day, "ATTAIN", area))
    return items


def next_due(state: State, policy: Policy = DEFAULT_POLICY) -> str | None:
    items = due_items(state, policy)
    return min(i[0] for i in items) if items else None


def run_due(
    state: State | None, partner_id: str, day: str, policy: Policy = DEFAULT_POLICY,
    kinds: tuple[str, ...] | None = None,
) -> tuple[State, list[Event]]:
    """Do every piece of work due on `day` or before that no run has done (catch-up included), in
    date order (only work of `kinds`, when given). Running the same day again does nothing."""
    state = _copy(state) if state is not None else new_state(partner_id)
    ch = _Change(state)
    for _ in range(MAX_DUE_STEPS):
        due = [i for i in due_items(state, policy) if i[0] <= day and (kinds is None or i[1] in kinds)]
        if not due:
            break
        when, kind, key = min(due, key=lambda i: (i[0], _ORDER[i[1]], i[2]))
        if kind == "RENEWAL_RISK":
            _renewal_risk(ch, key, day, policy)
        elif kind == "ANNIVERSARY":
            _anniversary_check(ch, key, policy)
        elif kind == "PAYMENT_LAPSE":
            _payment_lapse(ch, key)
        elif kind == "SPEC_WARNING":
            _spec_warning(ch, key, _next_unchecked(state["specializations"][key], policy) or when, day, policy)
        elif kind == "SPEC_CHECK":
            _spec_check(ch, key, when)
        elif kind == "MSP_CHECK":
            _msp_check(ch, key, policy)
        elif kind == "ATTAIN":
            _attained(ch, key, when, policy)
        else:
            state["msp"]["status"] = "LOST"
    return state, ch.events


def canonical(state: State) -> str:
    """A stable serialisation (for storage and for comparing replays)."""
    return json.dumps(state, sort_keys=True, separators=(",", ":"))
