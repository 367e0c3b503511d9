"""Score dashboard: one self-contained HTML page per partner, server-rendered from the API's read models.

`render(state, on)` draws what `GET /partners/{id}`, `/scores` and `/eligibility` answer for the same
date: one card per solution area (a bar per metric toward its maximum, the total against the 70-point
line, attained / at-risk badge, and below 70 what the area still needs), the anniversary countdown, benefits and fees, and the gate answers.
No JavaScript, no external URL (fonts, CSS, images): everything is inline, so the page works behind
API Gateway and offline alike. Numbers are the views' own strings, never re-rounded here.

Test hooks: `section.area[data-area][data-total][data-max][data-status]`,
`div.metric[data-metric][data-points][data-max]`, `p.guidance[data-projected] span.need[data-metric][data-units]`
(areas below 70), `tr.gate[data-gate][data-allowed]`, and the ids `partner-id`, `as-of`, `anniversary`,
`countdown`, `benefits`, `fees-due`, `badges`, `pending` (dated steps not run yet), `unrecognised`
(credential names the certification catalogue does not know, `li[data-certification][data-people]`).
"""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from html import escape
from typing import Any
from urllib.parse import quote

from shared.rules import views
from shared.rules.scoring.display import fmt

QUALIFYING_POINTS = 70
DASH, GE = "\u2014", "\u2265"

AREA_NAMES = {
    "DATA_AI": "Data & AI (Azure)",
    "DIGITAL_APP_INNOVATION": "Digital & App Innovation (Azure)",
    "INFRASTRUCTURE": "Infrastructure (Azure)",
    "BUSINESS_APPLICATIONS": "Business Applications",
    "MODERN_WORK": "Modern Work",
    "SECURITY": "Security",
}

CATEGORY_NAMES = {"PERFORMANCE": "Performance", "SKILLING": "Skilling", "CUSTOMER_SUCCESS": "Customer success"}

STATUS_LABELS = {
    "attained": "Attained \u2713",
    "at-risk": "At risk",
    "qualified": "Qualified, not yet attained",
    "not-attained": "Not attained",
}

CSS = """
*{box-sizing:border-box}
html{font-size:13px}
body{margin:0;background:#f3f5f8;color:#1c2430;font-family:"Segoe UI",system-ui,"DejaVu Sans","Liberation Sans",Arial,sans-serif;line-height:1.35}
main{max-width:1340px;margin:0 auto;padding:10px 14px 18px}
.top{display:flex;flex-wrap:wrap;gap:8px 28px;align-items:flex-start;justify-content:space-between;background:#fff;border:1px solid #d9dee6;border-radius:8px;padding:10px 14px;margin-bottom:10px}
.top h1{font-size:1.45rem;margin:0 0 2px}
.top .sub{margin:0;color:#4a5568}
.facts{display:grid;grid-template-columns:auto auto;gap:2px 12px;margin:0}
.facts dt{color:#5b6676;font-weight:600}
.facts dd{margin:0}
.chip{display:inline-block;padding:1px 8px;margin:0 4px 2px 0;border-radius:10px;background:#e3ecfb;color:#173f87;font-size:.9rem;font-weight:600}
.muted{color:#6b7685}
.countdown{font-weight:700}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:8px 0 0;color:#4a5568;font-size:.92rem}
.legend span{display:inline-flex;align-items:center;gap:5px}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px}
.grid{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:10px}
.area{background:#fff;border:1px solid #d9dee6;border-top:5px solid #9aa5b4;border-radius:8px;padding:6px 12px}
.area.status-attained{border-top-color:#1f8a4c}
.area.status-at-risk{border-top-color:#d08a00}
.area.status-qualified{border-top-color:#2f6fd6}
.area header{display:flex;justify-content:space-between;align-items:center;gap:8px}
.area h2{font-size:1.08rem;margin:0}
.badge{white-space:nowrap;padding:1px 9px;border:1px solid transparent;border-radius:11px;font-size:.86rem;font-weight:700}
.badge.attained{background:#dcf3e5;color:#155f35}
.badge.at-risk{background:#fff0cc;color:#7a4f00;border:1px solid #e0a800}
.badge.qualified{background:#e3ecfb;color:#173f87}
.badge.not-attained{background:#eceff3;color:#4a5568}
.total{display:flex;align-items:baseline;gap:8px;margin:4px 0 2px}
.total .value{font-size:1.6rem;font-weight:700}
.total .of{color:#5b6676;font-size:1rem}
.total .note{margin-left:auto;font-size:.9rem;color:#5b6676}
.total .note.short{color:#9a3412}
.bar{position:relative;height:10px;background:#e7eaef;border-radius:5px}
.bar .fill{position:absolute;left:0;top:0;bottom:0;border-radius:5px;background:#7c8796}
.total-bar{height:16px;margin:2px 0 15px}
.total-bar .fill{background:#9aa5b4}
.status-attained .total-bar .fill{background:#1f8a4c}
.status-at-risk .total-bar .fill{background:#d08a00}
.status-qualified .total-bar .fill{background:#2f6fd6}
.line70{position:absolute;top:-4px;bottom:-4px;width:0;border-left:2px dashed #b4232a}
.line70 span{position:absolute;top:19px;left:-7px;line-height:1;font-size:.8rem;color:#b4232a;font-weight:700}
.metric{margin:2px 0 3px}
.metric .label{display:flex;justify-content:space-between;gap:6px;font-size:.93rem}
.metric .name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.metric .nums{white-space:nowrap;font-variant-numeric:tabular-nums}
.metric .bar{height:8px}
.cat-PERFORMANCE{background:#3b6fc4 !important}
.cat-SKILLING{background:#7b4fc2 !important}
.cat-CUSTOMER_SUCCESS{background:#138a8a !important}
.meta{margin:4px 0 0;font-size:.85rem;color:#6b7685}
.meta .path.chosen{font-weight:600}
.guidance{margin:0 0 6px;padding:3px 8px;border-left:3px solid #2f6fd6;background:#eef3fc;color:#1c2430;font-size:.93rem}
.guidance .need{font-weight:600;white-space:nowrap}
.guidance .outcome{color:#5b6676}
.warning{margin:0 0 10px;padding:8px 14px;border:2px solid #d08a00;border-radius:8px;background:#fff4d6;color:#5c3b00;font-size:1.05rem}
.gates{margin-top:10px;background:#fff;border:1px solid #d9dee6;border-radius:8px;padding:8px 14px}
.gates h2{font-size:1.08rem;margin:0 0 4px}
.gates table{border-collapse:collapse;width:100%}
.gates th,.gates td{text-align:left;padding:2px 8px;border-bottom:1px solid #edf0f4;vertical-align:top}
.gates th{color:#5b6676;font-weight:600}
.gates code{font-size:.9rem}
.yes{color:#155f35;font-weight:700}
.no{color:#9a1c1c;font-weight:700}
footer{margin-top:8px;font-size:.85rem;color:#6b7685}
footer a{color:#2f5fb3}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _frac(text: str | None) -> Fraction:
    return Fraction(text) if text else Fraction(0)


def _pct(part: Fraction, whole: Fraction) -> str:
    if whole <= 0:
        return "0"
    share = max(Fraction(0), min(Fraction(1), part / whole)) * 100
    return f"{float(share):.2f}".rstrip("0").rstrip(".")


def _number(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.2f}"


def humanize(key: str) -> str:
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key).split()
    return " ".join([words[0].capitalize(), *(w.lower() for w in words[1:])]) if words else key


def status_of(area: dict[str, Any]) -> str:
    """attained (held and qualified), at-risk (held but below 70 now), qualified (not yet held) or not-attained."""
    if area.get("attained"):
        return "attained" if area.get("qualified") else "at-risk"
    return "qualified" if area.get("qualified") else "not-attained"


def _countdown(on: str, anniversary: str | None) -> str:
    if not anniversary:
        return "no anniversary yet"
    days = (date.fromisoformat(anniversary) - date.fromisoformat(on)).days
    if days == 0:
        return "today"
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} ago"
    return f"in {days} day{'s' if days != 1 else ''}"


def _header(partner: dict[str, Any], on: str, legend: str) -> str:
    badges = "".join(f'<span class="chip" data-badge="{_e(b)}">{_e(AREA_NAMES.get(b, b))}</span>'
                     for b in partner["badges"]) or '<span class="muted">none</span>'
    anniversary = partner.get("anniversaryDate")
    fees = partner.get("feesDue") or []
    fee_items = "; ".join(
        f'<span class="fee" data-amount="{_e(f["amount"])}" data-currency="{_e(f["currency"])}">'
        f'{_e(f["amount"])} {_e(f["currency"])} for {_e(f["option"])} '
        f'(anniversary {_e(f["anniversaryDate"])}, due by {_e(f["dueBy"])})</span>'
        for f in fees
    ) or '<span class="muted">none</span>'
    benefits = partner.get("benefitsOption")
    legacy = partner.get("legacy") or {}
    legacy_row = (f'<dt>Legacy</dt><dd id="legacy">{_e(legacy.get("level") or "legacy partner")}</dd>'
                  if legacy.get("isLegacyPartner") else "")
    return f"""<header class="top">
<div>
<h1>Solutions Partner score dashboard</h1>
<p class="sub">Partner <strong id="partner-id">{_e(partner["partnerId"])}</strong> \u00b7 as of
<time id="as-of" datetime="{_e(on)}">{_e(on)}</time></p>
{legend}
</div>
<dl class="facts">
<dt>Badges</dt><dd id="badges">{badges}</dd>
<dt>Anniversary</dt><dd><time id="anniversary" datetime="{_e(anniversary)}">{_e(anniversary or DASH)}</time>
\u2014 <span class="countdown" id="countdown">{_e(_countdown(on, anniversary))}</span></dd>
<dt>Benefits</dt><dd id="benefits">{_e(benefits) if benefits else '<span class="muted">not elected</span>'}</dd>
<dt>Fees due</dt><dd id="fees-due">{fee_items}</dd>
{legacy_row}
</dl>
</header>"""


def _metric(area: str, m: dict[str, Any]) -> str:
    points, top = _frac(m["points"]), _frac(m["maxPoints"])
    name = humanize(m["metric"])
    category = m.get("category") or ""
    return (
        f'<div class="metric" id="{_e(area)}-{_e(m["metric"])}" data-metric="{_e(m["metric"])}" '
        f'data-category="{_e(category)}" data-points="{_e(m["points"])}" data-max="{_e(m["maxPoints"])}">'
        f'<div class="label"><span class="name" title="{_e(m["metric"])}">{_e(name)}</span>'
        f'<span class="nums"><span class="points">{_e(m["points"])}</span> / '
        f'<span class="max">{_e(m["maxPoints"])}</span></span></div>'
        f'<div class="bar"><div class="fill cat-{_e(category)}" style="width:{_pct(points, top)}%"></div></div>'
        f"</div>"
    )


def _guidance(area: str, guidance: dict[str, Any]) -> str:
    """What the area still needs to reach 70, as the scores view plans it (shared/rules/guidance.py) and
    partnerctl status prints it: "needs intermediate certifications +6, ..." (smallest change first)."""
    needs = guidance.get("needs") or []
    if not needs:
        return ""
    items = ", ".join(
        f'<span class="need" data-metric="{_e(n["metric"])}" data-units="{_e(n["unitsNeeded"])}">'
        f'{_e(humanize(n["metric"]).lower())} +{_e(n["unitsNeeded"])}</span>' for n in needs)
    projected = guidance.get("projectedTotal")
    outcome = (f"projected {_e(projected)}" if guidance.get("reachable")
               else f"projected {_e(projected)}, not enough for {QUALIFYING_POINTS}")
    return (f'<p class="guidance" id="guidance-{_e(area)}" data-projected="{_e(projected)}" '
            f'data-reachable="{str(bool(guidance.get("reachable"))).lower()}">needs {items} '
            f'<span class="outcome">({outcome})</span></p>')


def _paths(area: dict[str, Any]) -> str:
    """For an area that scores every track and keeps the higher total: each path's total, the one
    that counts marked (issue 17 item 4)."""
    paths = area.get("paths") or []
    if area.get("trackSelection") != "HIGHER" or len(paths) < 2:
        return ""
    items = ", ".join(
        f'<span class="path{" chosen" if p.get("chosen") else ""}" data-track="{_e(p["track"])}" '
        f'data-total="{_e(p["total"])}">{_e(p["track"].lower())} {_e(p["total"])}</span>' for p in paths)
    return f" (higher of {items})"


def _card(area: dict[str, Any], designation: dict[str, Any] | None) -> str:
    key = area["solutionArea"]
    status = status_of(area)
    total = _frac(area["total"])
    top = sum((_frac(m["maxPoints"]) for m in area["metrics"]), Fraction(0)) or Fraction(100)
    short = QUALIFYING_POINTS - total
    note = (f'<span class="note short">{_e(fmt(short))} short of {QUALIFYING_POINTS}</span>' if short > 0
            else f'<span class="note">{GE} {QUALIFYING_POINTS}</span>')
    held = ""
    if designation:
        held = f" \u00b7 attained {_e(designation['attainedOn'])}"
        if designation.get("status") == "LAPSED":
            held += f", lapsed {_e(designation.get('lapsedOn'))}"
    track = (area.get("track") or "").replace("_", " ").lower()
    metrics = "".join(_metric(key, m) for m in area["metrics"])
    guidance = "" if area.get("qualified") else _guidance(key, area.get("guidance") or {})
    return f"""<section class="area status-{status}" id="area-{_e(key)}" data-area="{_e(key)}" data-total="{_e(area["total"])}" data-max="{_e(_number(top))}" data-status="{status}" data-attained="{str(bool(area.get("attained"))).lower()}" data-qualified="{str(bool(area.get("qualified"))).lower()}">
<header><h2>{_e(AREA_NAMES.get(key, key))}</h2><span class="badge {status}">{_e(STATUS_LABELS[status])}</span></header>
<p class="total"><span class="value">{_e(area["total"])}</span><span class="of">/ {_e(_number(top))}</span>{note}</p>
<div class="bar total-bar" title="total {_e(area["total"])} of {_e(_number(top))}; {QUALIFYING_POINTS} points to qualify"><div class="fill" style="width:{_pct(total, top)}%"></div><div class="line70" style="left:{_pct(Fraction(QUALIFYING_POINTS), top)}%"><span>{QUALIFYING_POINTS}</span></div></div>
{guidance}{metrics}
<p class="meta">{_e(track)} track{_paths(area)} \u00b7 rulebook {_e(area.get("rulebookVersion"))}{held}</p>
</section>"""


def _gates(eligibility: dict[str, Any]) -> str:
    answers = [eligibility["incentives"], eligibility["coSell"], eligibility["ipCoSell"], *eligibility["offers"],
               *eligibility["specializations"], eligibility["azureExpertMsp"]]
    rows = "".join(
        f'<tr class="gate" data-gate="{_e(a["gate"])}" data-allowed="{str(bool(a["allowed"])).lower()}">'
        f'<td><code>{_e(a["gate"])}</code></td>'
        f'<td class="{"yes" if a["allowed"] else "no"}">{"yes" if a["allowed"] else "no"}</td>'
        f'<td><code>{_e(a["reason"])}</code></td><td>{_e(a["message"])}</td></tr>'
        for a in answers
    )
    return f"""<section class="gates" id="gates">
<h2>Gates</h2>
<table><thead><tr><th>Gate</th><th>Allowed</th><th>Reason</th><th>Message</th></tr></thead>
<tbody>{rows}</tbody></table>
</section>"""


def _legend(at_risk: bool) -> str:
    """The legend of the bars; the at-risk badge is explained only when a card shows it."""
    risk = (f'<span><span class="badge at-risk">At risk</span> held, now below {QUALIFYING_POINTS}</span>'
            if at_risk else "")
    return ('<p class="legend"><span><i class="sw" style="border-left:2px dashed #b4232a;border-radius:0;width:2px">'
            f"</i>{QUALIFYING_POINTS}-point line</span>"
            + "".join(f'<span><i class="sw cat-{c}"></i>{n}</span>' for c, n in CATEGORY_NAMES.items())
            + risk + "</p>")


def _pending(work: list[dict[str, Any]], on: str) -> str:
    """A warning when dated work due by `on` has not been run: every figure below is as of the last run."""
    if not work:
        return ""
    first = work[0]
    return (f'<p class="warning" id="pending" role="status"><strong>\u26a0 {len(work)} dated step(s) due by '
            f'{_e(on)} not run yet</strong> (first: {_e(first["kind"])} on {_e(first["dueOn"])}): the figures '
            f'below are as of the last daily run.</p>')


def _unrecognised(names: list[dict[str, Any]]) -> str:
    """The credential names the catalogue does not know: they count for nothing until corrected."""
    if not names:
        return ""
    items = "".join(f'<li data-certification="{_e(u["certification"])}" data-people="{_e(u["people"])}">'
                    f'{_e(u["certification"])} \u2014 {_e(u["people"])} people</li>' for u in names)
    return ('<div class="warning" id="unrecognised" role="status"><strong>\u26a0 Certifications not '
            'recognised</strong> (held, counting for no points until the name is corrected or catalogued):'
            f"<ul>{items}</ul></div>")


def render(state: dict[str, Any], on: str) -> str:
    """The complete dashboard page for one partner as of `on` (YYYY-MM-DD)."""
    partner = views.partner_view(state, on)
    scores = views.scores_view(state, on)
    eligibility = views.eligibility_view(state, on)
    held = {d["solutionArea"]: d for d in partner["designations"]}
    cards = "\n".join(_card(a, held.get(a["solutionArea"])) for a in scores["areas"])
    pid = partner["partnerId"]
    q = f"?on={_e(on)}"
    # Relative links, so they also resolve under an API Gateway stage prefix.
    links = " \u00b7 ".join(f'<a href="../partners/{_e(quote(pid, safe=""))}{path}{q}">{label}</a>' for path, label in
                            (("", "partner"), ("/scores", "scores"), ("/eligibility", "eligibility")))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Score dashboard \u2014 {_e(pid)} \u2014 {_e(on)}</title>
<link rel="icon" href="data:,">
<style>{CSS}</style>
</head>
<body>
<main>
{_pending(partner["pendingWork"], on)}
{_unrecognised(partner["unrecognisedCertifications"])}
{_header(partner, on, _legend(any(status_of(a) == "at-risk" for a in scores["areas"])))}
<div class="grid" id="areas">
{cards}
</div>
{_gates(eligibility)}
<footer>Computed from the partner record as of {_e(on)}. JSON: {links}</footer>
</main>
</body>
</html>
"""
