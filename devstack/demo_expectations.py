"""What the demo scenario (devstack/demo.py) must show, checked on the partner views of its last day
and the events it announced: each story's outcome, one malformed event rejected, no unknown names."""

from __future__ import annotations

from typing import Any

# The demo's partners, in the order of its stories (devstack.demo.DEMO_PARTNERS).
PARTNERS = ("northwind-legacy", "contoso-1001", "fabrikam-2002", "adatum-3003", "litware-4004")


def expectations(partner: dict[str, dict[str, Any]], events: list[tuple[str, dict[str, Any]]],
                 rejected_fields: list[str]) -> list[str]:
    """What the demo must show; `partner` = {id: partner view as of the final day}. Returns failures."""
    failures = []

    def check(ok: bool, what: str) -> None:
        if not ok:
            failures.append(what)

    def of(kind: str, pid: str) -> list[dict[str, Any]]:
        return [d for k, d in events if k == kind and d["partnerId"] == pid]

    nw, co, fa, ad, li = (partner[p] for p in PARTNERS)
    held = {d["solutionArea"]: d for d in co["designations"]}
    check(sorted(a for a, d in held.items() if d["status"] == "ACTIVE") == ["BUSINESS_APPLICATIONS", "MODERN_WORK", "SECURITY"],
          f"contoso-1001 holds three designations, got {held}")
    check({d["anniversaryDate"] for d in of("DesignationAttained", "contoso-1001")} == {"2023-11-08"},
          "contoso-1001: one anniversary, 2023-11-08, for all three")
    check(sorted(d["solutionArea"] for d in of("DesignationRenewed", "contoso-1001")) ==
          ["BUSINESS_APPLICATIONS", "MODERN_WORK", "SECURITY"], "contoso-1001: DesignationRenewed for all three")
    check([(d["solutionArea"], d["option"]) for d in of("DesignationRenewed", "northwind-legacy")] ==
          [("SECURITY", "LEGACY"), ("SECURITY", "SOLUTIONS_PARTNER")], "northwind-legacy: renewed LEGACY then SP")
    check(of("RenewalOpened", "northwind-legacy")[0]["options"] == ["SOLUTIONS_PARTNER", "LEGACY"],
          "northwind-legacy: both options offered")
    check(any(d["solutionArea"] == "SECURITY" and d["status"] == "ACTIVE" for d in nw["designations"]),
          "northwind-legacy keeps SECURITY")
    fd = {d["solutionArea"]: d for d in fa["designations"]}
    check(fd.get("DATA_AI", {}).get("status") == "LAPSED" and fd["DATA_AI"].get("lapsedOn") == "2023-12-06",
          f"fabrikam-2002 DATA_AI lapsed on 2023-12-06, got {fd}")
    check([d["reason"] for d in of("DesignationLapsed", "fabrikam-2002")] == ["NOT_QUALIFIED"], "fabrikam-2002 NOT_QUALIFIED")
    check([d["attainedOn"] for d in of("DesignationAttained", "fabrikam-2002")] == ["2022-12-06"],
          "fabrikam-2002 attained on 2022-12-06 (69 points in November is not enough)")
    spec = {s["specialization"]: s for s in ad["specializations"]}.get("Threat Protection", {})
    check(spec.get("status") == "LOST" and spec.get("lostOn") == "2023-02-03", f"adatum-3003 Threat Protection lost, got {spec}")
    check([d["warnedOn"] for d in of("SpecializationAtRisk", "adatum-3003")] == ["2023-01-04"], "adatum-3003 warned 2023-01-04")
    check([d["lostOn"] for d in of("SpecializationLost", "adatum-3003")] == ["2023-02-03"], "adatum-3003 SpecializationLost")
    msp = li.get("azureExpertMsp") or {}
    check(msp.get("status") == "LOST" and msp.get("lossEffectiveOn") == "2023-07-01", f"litware-4004 MSP lost, got {msp}")
    check([d["missingDesignations"] for d in of("AzureExpertMspLost", "litware-4004")] == [["DIGITAL_APP_INNOVATION"]],
          "litware-4004 AzureExpertMspLost (missing DIGITAL_APP_INNOVATION)")
    check(sorted(d["solutionArea"] for d in li["designations"]) == ["DATA_AI", "INFRASTRUCTURE"],
          "litware-4004 holds DATA_AI and INFRASTRUCTURE")
    check(rejected_fields == ["detail.measurements.0.value"], f"one malformed event rejected, got {rejected_fields}")
    unknown = {p: v["unrecognisedCertifications"] for p, v in partner.items() if v["unrecognisedCertifications"]}
    check(not unknown, f"every demo certification name is in the certification catalogue, got {unknown}")
    return failures
