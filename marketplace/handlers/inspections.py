"""Use cases of inspections: HQ records a finding against a unit; the unit rectifies it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.inspection import InspectionFinding
from marketplace.handlers.auth import Principal, acts_for, require_acts_for, require_role
from marketplace.handlers.errors import Forbidden
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import ReadModels, Services
from marketplace.projections import inspection_findings
from marketplace.projections.inspection_findings import Status
from marketplace.projections.pages import Page, PageRequest


def load_finding(svc: Services, finding_id: str, *, reading: bool = False) -> InspectionFinding:
    """A private copy to change and save; `reading`: the shared instance, never to change."""
    return svc.load(InspectionFinding, finding_id, "Finding", reading=reading)


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
    finding = load_finding(svc, finding_id, reading=True)
    if not may_read(svc, principal, finding.unit_id):
        raise Forbidden(
            "This token cannot read that unit's findings.", {"unit_id": finding.unit_id}
        )
    return finding


def may_read(svc: Services, principal: Principal, unit_id: str) -> bool:
    return principal.has(Role.AUDITOR) or acts_for(principal, unit_id, chart(svc))


@dataclass(frozen=True)
class FindingsScope:
    """Which findings a list shows: one unit's, one platform's, or (both None) all."""

    unit_id: str | None
    platform_id: str | None


def findings_scope(svc: Services, principal: Principal, unit_id: str | None) -> FindingsScope:
    """HQ and auditors list all or any unit's; a platform admin its platform's (or a unit in
    it); an operator its own unit's; anyone else, or a unit out of reach, is refused (403)."""
    if unit_id is not None:
        if not may_read(svc, principal, unit_id):
            raise Forbidden("This token cannot read that unit's findings.", {"unit_id": unit_id})
        return FindingsScope(unit_id, None)
    if principal.has(Role.HQ_ADMIN, Role.AUDITOR):
        return FindingsScope(None, None)
    if principal.has(Role.PLATFORM_ADMIN) and principal.unit_id:
        return FindingsScope(None, chart(svc).platform_of(principal.unit_id) or principal.unit_id)
    if principal.has(Role.UNIT_OPERATOR) and principal.unit_id:
        return FindingsScope(principal.unit_id, None)
    raise Forbidden("This token cannot list inspection findings.")


async def list_findings(
    svc: Services,
    principal: Principal,
    models: ReadModels,
    unit_id: str | None,
    status: Status | None,
    page: PageRequest,
) -> Page:
    """The findings within the token's scope (see `findings_scope`), the most pressing deadline
    first, each with its status today."""
    scope = findings_scope(svc, principal, unit_id)
    reader = await models.reader(inspection_findings.PROJECTION.name)
    return await inspection_findings.findings_page(
        reader,
        svc.today(),
        page,
        unit_id=scope.unit_id,
        platform_id=scope.platform_id,
        status=status,
    )
