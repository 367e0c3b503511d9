"""The score dashboard in a real headless Chromium (Debian's package): the page the local API serves at
/dashboard/{partnerId} shows, for a multi-designation partner, the same points as GET /partners/{id}/scores;
a screenshot of it is saved as test-output/dashboard-<partner>.png."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from functions.partner_api import dashboard
from tests.browser.conftest import OUTPUT, Demo, demo_partner, run_browser

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never a proxy


def get(url: str) -> tuple[int, str, str]:
    try:
        with _opener.open(url, timeout=30) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode("utf-8")


class DashboardDom(HTMLParser):
    """Areas, metrics, gates and header facts of the dashboard: data-* hooks and the visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.areas: dict[str, dict[str, Any]] = {}
        self.gates: dict[str, dict[str, Any]] = {}
        self.ids: dict[str, str] = {}
        self.scripts = 0
        self.legends = 0
        self.urls: list[str] = []
        self._stack: list[tuple[str, dict[str, str]]] = []
        self._area: dict[str, Any] | None = None
        self._metric: dict[str, Any] | None = None
        self._capture: list[tuple[str, int, dict[str, Any], str]] = []  # (kind, depth, target, key)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for k in ("src", "href", "action", "poster"):
            if k in a:
                self.urls.append(a[k])
        if tag == "script":
            self.scripts += 1
        if tag in ("meta", "link", "img", "br", "hr", "input"):
            return
        self._stack.append((tag, a))
        depth = len(self._stack)
        classes = set(a.get("class", "").split())
        if tag == "section" and "area" in classes:
            self._area = {"attrs": a, "metrics": {}, "text": {}}
            self.areas[a["data-area"]] = self._area
        elif "metric" in classes and self._area is not None:
            self._metric = {"attrs": a, "text": {}}
            self._area["metrics"][a["data-metric"]] = self._metric
        elif tag == "tr" and "gate" in classes:
            self.gates[a["data-gate"]] = {"attrs": a}
        elif "guidance" in classes and self._area is not None:
            self._area["guidance"] = {"attrs": a, "needs": []}
        elif "need" in classes and self._area is not None and "guidance" in self._area:
            self._area["guidance"]["needs"].append(a)
        elif tag == "p" and "legend" in classes:
            self.legends += 1
        for cls, target in (("value", self._area), ("badge", self._area), ("guidance", self._area),
                            ("points", self._metric), ("max", self._metric), ("nums", self._metric)):
            if cls in classes and target is not None:
                target["text"][cls] = ""
                self._capture.append(("class", depth, target["text"], cls))
        if "id" in a:
            self.ids[a["id"]] = ""
            self._capture.append(("id", depth, self.ids, a["id"]))

    def handle_endtag(self, tag: str) -> None:
        if not self._stack:
            return
        depth = len(self._stack)
        self._capture = [c for c in self._capture if c[1] < depth]
        _, a = self._stack.pop()
        classes = set(a.get("class", "").split())
        if tag == "section" and "area" in classes:
            self._area = None
        elif "metric" in classes:
            self._metric = None

    def handle_data(self, data: str) -> None:
        for _, _, target, key in self._capture:
            target[key] += data


def parse(page: str) -> DashboardDom:
    dom = DashboardDom()
    dom.feed(page)
    dom.close()
    return dom


def assert_matches_api(dom: DashboardDom, scores: dict[str, Any], partner: dict[str, Any],
                       eligibility: dict[str, Any]) -> None:
    assert [a["solutionArea"] for a in scores["areas"]] == list(dom.areas), "one card per solution area, in order"
    for area in scores["areas"]:
        card = dom.areas[area["solutionArea"]]
        name = area["solutionArea"]
        assert card["attrs"]["data-total"] == area["total"], name
        assert card["text"]["value"].strip() == area["total"], f"{name}: total shown"
        expected = dashboard.status_of(area)
        assert card["attrs"]["data-status"] == expected, name
        assert card["text"]["badge"].strip() == dashboard.STATUS_LABELS[expected], name
        assert list(card["metrics"]) == [m["metric"] for m in area["metrics"]], name
        for m in area["metrics"]:
            shown = card["metrics"][m["metric"]]
            where = f"{name}.{m['metric']}"
            assert shown["attrs"]["data-points"] == m["points"], where
            assert shown["attrs"]["data-max"] == m["maxPoints"], where
            assert shown["text"]["points"].strip() == m["points"], f"{where}: points shown"
            assert shown["text"]["max"].strip() == m["maxPoints"], f"{where}: max shown"
            assert shown["text"]["nums"].strip() == f"{m['points']} / {m['maxPoints']}", f"{where}: no dash before it"
        assert_guidance_matches_api(card, area)
    assert dom.ids["partner-id"].strip() == scores["partnerId"]
    assert dom.ids["as-of"].strip() == scores["on"]
    assert dom.ids["anniversary"].strip() == (partner["anniversaryDate"] or "\u2014")
    for badge in partner["badges"]:
        assert dashboard.AREA_NAMES[badge] in dom.ids["badges"]
    for fee in partner["feesDue"]:
        assert f"{fee['amount']} {fee['currency']}" in dom.ids["fees-due"]
    answers = [eligibility["incentives"], eligibility["coSell"], eligibility["ipCoSell"], *eligibility["offers"],
               *eligibility["specializations"], eligibility["azureExpertMsp"]]
    assert {a["gate"]: str(a["allowed"]).lower() for a in answers} == \
        {g: v["attrs"]["data-allowed"] for g, v in dom.gates.items()}


def assert_guidance_matches_api(card: dict[str, Any], area: dict[str, Any]) -> None:
    """An area below 70 shows the scores view's plan, need by need ("needs intermediate certifications
    +6, ..."), as partnerctl status prints it; an area at 70 or more shows none."""
    name, guidance = area["solutionArea"], area["guidance"]
    if area["qualified"] or not guidance["needs"]:
        assert "guidance" not in card, f"{name}: no guidance at 70 or more"
        return
    shown = card["guidance"]
    assert [(n["data-metric"], n["data-units"]) for n in shown["needs"]] == \
        [(n["metric"], str(n["unitsNeeded"])) for n in guidance["needs"]], name
    assert shown["attrs"]["data-projected"] == guidance["projectedTotal"], name
    text = " ".join(card["text"]["guidance"].split())
    first = guidance["needs"][0]
    assert text.startswith(f"needs {dashboard.humanize(first['metric']).lower()} +{first['unitsNeeded']}"), text
    assert f"projected {guidance['projectedTotal']}" in text, text


def test_dashboard_in_chromium_shows_the_api_points(chromium: str, api_server: tuple[str, Any], demo: Demo,
                                                    profile: Path) -> None:
    base, _ = api_server
    q = f"?on={demo.on}"
    api = {}
    for name, path in (("scores", "/scores"), ("partner", ""), ("eligibility", "/eligibility")):
        status, ctype, body = get(f"{base}/partners/{demo.partner_id}{path}{q}")
        assert status == 200 and ctype.startswith("application/json"), body
        api[name] = json.loads(body)
    held = [d["solutionArea"] for d in api["partner"]["designations"]]
    assert len(held) >= 3, "a multi-designation partner"
    assert any(dashboard.status_of(a) == "at-risk" for a in api["scores"]["areas"])
    below = [a for a in api["scores"]["areas"] if not a["qualified"] and a["guidance"]["needs"]]
    assert len(below) >= 2, "areas not attained, with guidance"

    url = f"{base}/dashboard/{demo.partner_id}{q}"
    status, ctype, served = get(url)
    assert status == 200 and ctype.startswith("text/html"), served
    served_dom = parse(served)
    assert served_dom.scripts == 0
    assert all(not u.lower().startswith(("http:", "https:", "//")) for u in served_dom.urls), served_dom.urls
    assert "http://" not in served and "https://" not in served

    started = time.monotonic()
    dumped, took_dom = run_browser(chromium, profile, "--dump-dom", url)
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    assert "<section" in dumped.stdout, f"no DOM from chromium:\n{dumped.stdout[:500]}\n{dumped.stderr[-2000:]}"
    dom = parse(dumped.stdout)
    assert_matches_api(dom, api["scores"], api["partner"], api["eligibility"])
    assert "At risk</span> held" in dumped.stdout, "the legend explains the at-risk badge shown"
    for area in below:  # guidance as chromium rendered it, with the API's numbers
        needs = dom.areas[area["solutionArea"]]["guidance"]["needs"]
        print(f"\n{area['solutionArea']} {area['total']}: API needs "
              + ", ".join(f"{n['metric']} +{n['unitsNeeded']}" for n in area["guidance"]["needs"])
              + " | page: " + ", ".join(f"{n['data-metric']} +{n['data-units']}" for n in needs))

    OUTPUT.mkdir(exist_ok=True)
    shot = OUTPUT / f"dashboard-{demo.partner_id}.png"
    shot.unlink(missing_ok=True)
    (OUTPUT / f"dashboard-{demo.partner_id}.html").write_text(dumped.stdout, encoding="utf-8")
    taken, took_shot = run_browser(chromium, profile, f"--screenshot={shot}", url)
    assert taken.returncode == 0, taken.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1366, 900)
    assert len(data) > 20_000, "a blank page would compress to almost nothing"
    print(f"\nscreenshot {shot} ({width}x{height}); chromium --dump-dom {took_dom:.1f}s, "
          f"--screenshot {took_shot:.1f}s, total {time.monotonic() - started:.1f}s")


def test_dashboard_unknown_partner_is_404(api_server: tuple[str, Any]) -> None:
    base, _ = api_server
    status, ctype, body = get(f"{base}/dashboard/nobody-9999")
    assert status == 404 and ctype.startswith("application/problem+json")
    assert json.loads(body)["reason"] == "UNKNOWN_PARTNER"


def test_dashboard_rejects_a_bad_date(api_server: tuple[str, Any], demo: Demo) -> None:
    base, _ = api_server
    status, _, body = get(f"{base}/dashboard/{demo.partner_id}?on=tomorrow")
    assert status == 400
    problem = json.loads(body)
    assert problem["reason"] == "BAD_REQUEST" and problem["parameter"] == "on"


def test_render_escapes_text_and_is_self_contained() -> None:
    d = demo_partner("p-1")
    state = {**d.state, "partnerId": '<img src=x onerror="alert(1)">&'}
    page = dashboard.render(state, d.on)
    assert "<img" not in page and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;" in page
    dom = parse(page)
    assert dom.scripts == 0 and all(u == "data:," or u.startswith("../") for u in dom.urls), dom.urls
    assert len(dom.areas) == 6


@pytest.mark.parametrize(("area", "status"), [
    ({"attained": True, "qualified": True}, "attained"),
    ({"attained": True, "qualified": False}, "at-risk"),
    ({"attained": False, "qualified": True}, "qualified"),
    ({"attained": False, "qualified": False}, "not-attained"),
])
def test_status_badges(area: dict[str, bool], status: str) -> None:
    assert dashboard.status_of(area) == status


def test_legend_shows_at_risk_only_when_an_area_is_at_risk() -> None:
    from tests.unit.builders import Partner

    p = Partner("p-safe")
    p.qualify("SECURITY", "2023-01-10", "s")
    safe = dashboard.render(p.state, "2023-02-01")
    assert 'class="badge at-risk"' not in safe and "70-point line" in safe
    d = demo_partner("p-risk")
    risky = dashboard.render(d.state, d.on)
    assert risky.count('class="badge at-risk"') == 2, "the at-risk card and the legend"


def test_dated_steps_not_run_are_a_warning_above_the_scores() -> None:
    d = demo_partner("p-late")
    page = dashboard.render(d.state, "2025-03-01")  # past the 2025-01-10 anniversary, which no run has done
    assert '<p class="warning" id="pending" role="status"><strong>' in page
    assert page.index('id="pending"') < page.index('id="areas"') and page.index('id="pending"') < page.index("<h1>")
    assert "not run yet" in page and 'id="pending"' not in dashboard.render(d.state, d.on)
