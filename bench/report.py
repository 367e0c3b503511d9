"""The suite's one table: target, measured, PASS/FAIL (or INFO for a figure without a target)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    section: str
    name: str
    target: str
    measured: str
    ok: bool | None  # None: information only

    @property
    def result(self) -> str:
        return "INFO" if self.ok is None else ("PASS" if self.ok else "FAIL")


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(rows: list[Row]) -> str:
    lines = ["| # | Area | Benchmark | Target | Measured | Result |", "|---|---|---|---|---|---|"]
    for i, r in enumerate(rows, 1):
        lines.append(f"| {i} | {_cell(r.section)} | {_cell(r.name)} | {_cell(r.target)} | {_cell(r.measured)} | "
                     f"**{r.result}** |")
    return "\n".join(lines)


def summary(rows: list[Row]) -> str:
    judged = [r for r in rows if r.ok is not None]
    failed = [r for r in judged if not r.ok]
    return f"{len(judged) - len(failed)} of {len(judged)} targets PASS" + (
        f"; FAIL: {', '.join(r.name for r in failed)}" if failed else "")
