"""Use cases of inspections: HQ records a finding against a unit; the unit rectifies it."""

from __future__ import annotations

from datetime import date

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.inspection import InspectionFinding
from marketplace.handlers.auth import Principal, acts_for, require_acts_for, require_role
from marketplace.handlers.errors import Forbidden
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import Services


def load_finding(svc: Services, finding_id: str) -> InspectionFinding:
    return svc.load(InspectionFinding, finding_id, "Finding")


def record_finding(
    svc: Services,
    principal: Principal,
    unit_id: str,
    issue: str,
    description: str,
    rectify_by: date,
) -> InspectionFinding:
    """HQ records what an inspection found at a unit, with the day it must be rectified by."""
    require_role(principal, Role.HQ_ADMIN)
    org = chart(svc)
    context = org.context_of(unit_id, "unit")  # 404 for an unknown unit
    finding = InspectionFinding.record(
        svc.new_id("fnd"),
        unit_id,
        {"platform_id": context["unit_platform_id"], "sector": context["unit_sector"]},
        issue,
        description,
        rectify_by,
        svc.today(),
        principal.actor,
        svc.clock(),
    )
    svc.store.save(finding)
    return finding


def rectify_finding(
    svc: Services, principal: Principal, finding_id: str, evidence: str
) -> InspectionFinding:
    """The unit (or a superior acting for it) reports the finding rectified, with evidence."""

    def attempt() -> InspectionFinding:
        finding = load_finding(svc, finding_id)
        require_acts_for(principal, finding.unit_id, chart(svc))
        finding.rectify(evidence, svc.today(), principal.actor, svc.clock())
        svc.store.save(finding)
        return finding

    return svc.retrying(attempt)


def read_finding(svc: Services, principal: Principal, finding_id: str) -> InspectionFinding:
    """HQ and auditors read every finding; a unit its own, a platform admin its subtree's."""
    finding = load_finding(svc, finding_id)
    if not may_read(svc, principal, finding.unit_id):
        raise Forbidden(
            "This token cannot read that unit's findings.", {"unit_id": finding.unit_id}
        )
    return finding


def may_read(svc: Services, principal: Principal, unit_id: str) -> bool:
    return principal.has(Role.AUDITOR) or acts_for(principal, unit_id, chart(svc))
