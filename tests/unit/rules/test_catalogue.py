"""The certification catalogue and the legacy competency list (issue 20 items 1, 2 and 4; issue 17 item 2).

Each test cites the passage it checks: requirements.md (reference/requirements.md) or the FAQ
(reference/program-faq.txt).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.rules.catalogue import (
    CERTIFICATIONS_FILE,
    COMPETENCIES_FILE,
    CatalogueError,
    catalogue,
    competency,
    counts_on,
    load_catalogue,
    load_competencies,
    resolve,
)

from .rulebook_files import shipped_names


def test_the_rulebooks_name_certifications():
    assert len(shipped_names()) >= 50


@pytest.mark.parametrize("name", shipped_names())
def test_every_rulebook_name_resolves(name):
    # issue 20 item 1: "The rulebooks name catalogue entries; every alias resolves to one entry."
    assert resolve(name) is not None, name


# issue 20 item 1: official names a skilling feed sends, and the short names of the published tables
# (requirements.md §3b "Power Platform Functional Consultant", §4 "Teams Administrator",
# "M365 Enterprise Administrator Expert") that operators type.
@pytest.mark.parametrize("official, short", [
    ("Microsoft 365 Certified: Teams Administrator Associate", "Teams Administrator"),
    ("Microsoft 365 Certified: Teams Administrator Associate", "Teams Administrator Associate"),
    ("Microsoft Certified: Power Platform Functional Consultant Associate", "Power Platform Functional Consultant"),
    ("Microsoft 365 Certified: Enterprise Administrator Expert", "M365 Enterprise Administrator Expert"),
    ("Microsoft 365 Certified: Enterprise Administrator Expert", "Microsoft 365 Enterprise Administrator Expert"),
    ("Microsoft 365 Certified: Fundamentals", "M365 Fundamentals"),
    ("Microsoft Certified: Azure Administrator Associate", "Azure Administrator"),
    ("Microsoft Certified: Dynamics 365: Finance and Operations Apps Developer Associate", "D365 F&O Developer"),
    ("Microsoft Certified: Dynamics 365 Supply Chain Management Functional Consultant Expert",
     "D365 SCM Functional Consultant Expert"),
    ("Microsoft Certified: Power BI Data Analyst Associate", "Data Analyst Associate"),
    ("Microsoft 365 Certified: Endpoint Administrator Associate",
     "Microsoft 365 Certified: Modern Desktop Administrator Associate"),
    # requirements.md §5a (V2023) and §5b (V2026) name the same credential two ways
    ("Microsoft Certified: Information Protection Administrator Associate",
     "Information Protection and Compliance Administrator Associate"),
])
def test_official_and_short_names_resolve_to_one_entry(official, short):
    assert resolve(official) is not None
    assert resolve(official) == resolve(short)


@pytest.mark.parametrize("variant", [
    "  microsoft 365 CERTIFIED:   teams administrator associate ",
    "Microsoft 365 Certified - Teams Administrator Associate",
    "Teams Administrator, Associate",
    "Microsoft 365 Certified: Teams Administrator",
])
def test_case_whitespace_punctuation_prefix_and_level_word_are_optional(variant):
    # issue 20 item 1: "with or without the 'Microsoft Certified:' / 'Microsoft 365 Certified:' prefix and the level word"
    assert resolve(variant).id == "teams-administrator-associate"


@pytest.mark.parametrize("name", [
    "Teams Administrator Asociate",  # issue 20 item 3: a feed's misspelling
    "Azure Administrator Expert",  # a level word the credential does not have
    "Microsoft 365",  # a product, not a credential
    "Microsoft 365 Certified",
    "Fundamentals",
    "<script>",
    "",
    "   ",
    "Teams Administrator Associate" * 20,  # longer than any name the contract accepts
    None,
    42,
    ["Teams Administrator Associate"],
])
def test_unknown_misspelt_or_malformed_names_resolve_to_nothing(name):
    assert resolve(name) is None


def test_a_name_without_its_level_word_never_resolves_to_one_of_two_entries():
    # requirements.md §3b: the Supply Chain Management Functional Consultant is listed as an
    # intermediate (Associate) and as an advanced (Expert) certification
    associate = resolve("Dynamics 365 Supply Chain Management Functional Consultant Associate")
    expert = resolve("Dynamics 365 Supply Chain Management Functional Consultant Expert")
    assert associate and expert and associate != expert
    assert resolve("Dynamics 365 Supply Chain Management Functional Consultant") is None


def test_app_maker_is_ineligible_from_2023_12_01():
    # requirements.md §3b (V2023): "Power Platform App Maker (ineligible from Dec 1, 2023)";
    # issue 20 item 2: "5 App Makers on 2023-12-01 give 5 points" today
    entry = resolve("Power Platform App Maker Associate")
    assert counts_on(entry, date(2022, 10, 3))
    assert counts_on(entry, date(2023, 11, 30))
    assert not counts_on(entry, date(2023, 12, 1))


def test_d365_power_platform_solution_architect_stops_counting_on_2023_07_01():
    # requirements.md §3b: "D365 + Power Platform Solution Architect Expert stopped counting Jul 1, 2023"
    entry = resolve("Dynamics 365 + Power Platform Solution Architect Expert")
    assert entry != resolve("Power Platform Solution Architect Expert")
    assert counts_on(entry, date(2023, 6, 30))
    assert not counts_on(entry, date(2023, 7, 1))


def test_m365_fundamentals_counts_through_its_grace_period():
    # requirements.md §4 (V2026): "M365 Fundamentals (retires Mar 31, 2026; counts through Mar 31, 2027)"
    entry = resolve("Microsoft 365 Fundamentals")
    assert entry.retires == date(2026, 3, 31)
    for day in (date(2022, 10, 3), date(2026, 3, 31), date(2026, 4, 1), date(2027, 3, 31)):
        assert counts_on(entry, day), day
    assert not counts_on(entry, date(2027, 4, 1))


@pytest.mark.parametrize("name, last_day", [
    # requirements.md §4 (V2026): "retires Nov 30, 2026; counts through Nov 30, 2027"
    ("M365 Enterprise Administrator Expert", date(2027, 11, 30)),
    # requirements.md §4 (V2026): "retires Jun 15, 2026; counts through Jun 15, 2027"
    ("Teams Meetings and Meeting Rooms Technical Assessment", date(2027, 6, 15)),
    # requirements.md §5a (V2023): "retired Jun 30, 2023; counts through Jun 2024"
    ("Microsoft 365 Security Administrator Associate", date(2024, 6, 30)),
    # requirements.md §2d (V2023): "retired Jul 31, 2023, eligible through Jul 2024"
    ("Azure Stack Hub Operator Associate", date(2024, 7, 31)),
    # requirements.md §2c (V2023): Azure IoT Developer Specialty "(eligible through Jul 2024)"
    ("Azure IoT Developer Specialty", date(2024, 7, 31)),
    # requirements.md §5b (V2026): "Information Protection Administrator (retired May 31, 2025, valid for 1 year)"
    ("Information Protection Administrator Associate", date(2026, 5, 31)),
    # requirements.md §5b (V2026): Azure Security Engineer Associate "(retires Aug 31, 2026)", valid one more year
    ("Azure Security Engineer Associate", date(2027, 8, 31)),
])
def test_retired_certifications_count_through_their_last_day(name, last_day):
    entry = resolve(name)
    assert counts_on(entry, last_day)
    assert not counts_on(entry, date.fromordinal(last_day.toordinal() + 1))


@pytest.mark.parametrize("name", [
    # issue 17: "GitHub, Fabric, Azure AI Apps and Agents, Cloud and AI Security Engineer ..." (requirements.md §2b, §2c, §5b)
    "GitHub Copilot",
    "GitHub Certified: Agentic AI Developer",
    "Microsoft Certified: Fabric Data Engineer Associate",
    "Fabric Analytics Engineer Associate",
    "Azure AI Apps and Agents Developer Associate",
    "Cloud and AI Security Engineer Associate",
    "M365 Copilot and Agent Administration Fundamentals",
    "Agentic AI Business Solutions Architect",
])
def test_v2026_certifications_are_in_the_catalogue(name):
    entry = resolve(name)
    assert entry is not None and "V2026" in entry.listed_in


def test_every_entry_cites_its_source_and_every_name_resolves_to_its_entry():
    entries = catalogue().entries
    assert len({e.id for e in entries}) == len(entries)
    for entry in entries:
        assert "requirements.md §" in entry.source, entry.id
        for name in (entry.name, *entry.aliases):
            assert resolve(name) is entry, name


@given(st.sampled_from(catalogue().entries), st.data())
def test_case_and_spacing_never_change_the_entry(entry, data):
    name = data.draw(st.sampled_from((entry.name, *entry.aliases)))
    flips = data.draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    varied = "".join(ch.upper() if flip else ch.lower() for ch, flip in zip(name, flips, strict=True))
    spaced = "  " + varied.replace(" ", data.draw(st.sampled_from([" ", "  ", "\t"]))) + " "
    assert resolve(spaced) is entry


def write(tmp_path: Path, source: Path, mutate) -> Path:
    raw = json.loads(source.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / source.name
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def entry_of(raw, ident):
    return next(e for e in raw["certifications"] if e["id"] == ident)


@pytest.mark.parametrize("mutate, message", [
    # the same alias on two entries: refused at load, naming both
    (lambda r: entry_of(r, "teams-administrator-associate")["aliases"].append("Microsoft 365 Fundamentals"),
     "(teams-administrator-associate): 'Microsoft 365 Fundamentals' is also a name of 'm365-fundamentals'"),
    # an alias that differs only in case, punctuation or prefix is the same alias
    (lambda r: entry_of(r, "teams-administrator-associate")["aliases"].append("microsoft certified: m365 fundamentals"),
     "is also a name of 'm365-fundamentals'"),
    (lambda r: r["certifications"].append(dict(entry_of(r, "github-copilot"), name="GitHub Copilot X", aliases=[])),
     "duplicate id 'github-copilot'"),
    (lambda r: entry_of(r, "github-copilot").update(countsThrough="2026-02-30"), "(github-copilot).countsThrough"),
    (lambda r: entry_of(r, "github-copilot").update(countsFrom="2026-07-01", countsThrough="2026-06-30"),
     "is before countsFrom"),
    (lambda r: entry_of(r, "m365-fundamentals").update(countsThrough="2026-03-30"), "is before the retirement"),
    (lambda r: entry_of(r, "github-copilot").update(listedIn=["V2025"]), "(github-copilot).listedIn"),
    (lambda r: entry_of(r, "github-copilot").update(tracks=["SMB"]), "expected the keys"),
    (lambda r: entry_of(r, "github-copilot").update(aliases=["<>"]), "has no letters or digits"),
    (lambda r: entry_of(r, "github-copilot").update(source=""), "(github-copilot).source"),
])
def test_a_bad_catalogue_is_refused_naming_the_entry(tmp_path, mutate, message):
    with pytest.raises(CatalogueError, match="certifications.json") as e:
        load_catalogue(write(tmp_path, CERTIFICATIONS_FILE, mutate))
    assert message in str(e.value)


# --- legacy competencies (issue 20 item 4) ---------------------------------------------------------

@pytest.mark.parametrize("name, official", [
    # FAQ: "Current competency: Gold Security, anniversary date November 11, 2022"
    ("Security", "Security"),
    # FAQ: "the legacy Gold Cloud Platform competency will no longer be valid"
    ("Cloud Platform", "Cloud Platform"),
    ("cloud platform competency", "Cloud Platform"),
    # FAQ: "a legacy Cloud Business Applications competency"
    ("Cloud Business Applications", "Cloud Business Applications"),
    # FAQ: "the existing Enterprise Mobility Management competency"
    ("Enterprise Mobility Management", "Enterprise Mobility Management"),
    ("Data Analytics", "Data Analytics"),
    ("Application Development", "Application Development"),
    ("Data Center", "Datacenter"),
    ("SMALL AND MIDMARKET CLOUD SOLUTIONS", "Small and Midmarket Cloud Solutions"),
])
def test_real_legacy_competencies_are_accepted(name, official):
    assert competency(name) == official


@pytest.mark.parametrize("name", [
    "zzz not a competency",  # issue 20 item 4
    "<script>",  # issue 20 item 4: "<script> names are stored and printed"
    "<script>alert(1)</script>",
    "Gold Security",  # the level is the event's `level`, not part of the name
    "Security Operations Analyst Associate",  # a certification, not a competency
    "",
    None,
    "Security" * 40,
])
def test_anything_else_is_not_a_legacy_competency(name):
    assert competency(name) is None


def test_the_competency_list_refuses_a_name_given_twice(tmp_path):
    def mutate(raw):
        raw["competencies"].append({"name": "Data center", "aliases": []})

    with pytest.raises(CatalogueError, match="legacy-competencies.json.*'Data center' is also a name of 'Datacenter'"):
        load_competencies(write(tmp_path, COMPETENCIES_FILE, mutate))
