"""The README's Reliability table is the one of the last full run (docs/reliability.md)."""

from __future__ import annotations

from tests.reliability import report


def _table(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ")]


def test_the_readme_table_is_the_last_full_runs():
    readme = report.README.read_text(encoding="utf-8")
    head, _, rest = readme.partition(report.BEGIN)
    inside, _, _ = rest.partition(report.END)
    assert head != readme and inside != rest, "the README lost its reliability-table markers"
    assert _table(inside) == _table(report.DOC.read_text(encoding="utf-8").split("## What each scenario")[0])


def test_a_full_run_rewrites_only_the_text_between_the_markers():
    readme = f"intro\n{report.BEGIN}\n| old | table |\n{report.END}\nafter\n"
    out = report.with_table(readme, ["| new | table |"], "abc1234")
    assert out.startswith(f"intro\n{report.BEGIN}\n| new | table |\n") and out.endswith(f"{report.END}\nafter\n")
    assert "| old |" not in out and "commit abc1234" in out
    assert report.with_table("no markers here\n", ["| x |"], "abc") == "no markers here\n"
