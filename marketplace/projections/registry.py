"""Every projection the platform runs."""

from __future__ import annotations

from marketplace.projections import (
    assessment_decision_list,
    catalog_search,
    contract_list,
    directory,
    dispute_list,
    document_list,
    external_sourcing_list,
    framework_list,
    inbox,
    incident_list,
    inspection_findings,
    invitation_compliance,
    joint_procurement_list,
    meeting_list,
    needs_board,
    report_facts,
    resource_calendar,
    resource_list,
    supplier_quality,
    synergy_benefit,
    tender_list,
    trade_volume,
    visit_list,
    working_group_list,
)
from marketplace.projections.projection import Projection

PROJECTIONS: tuple[Projection, ...] = (
    directory.PROJECTION,
    catalog_search.PROJECTION,
    inbox.PROJECTION,
    needs_board.PROJECTION,
    invitation_compliance.PROJECTION,
    trade_volume.PROJECTION,
    supplier_quality.PROJECTION,
    inspection_findings.PROJECTION,
    report_facts.PROJECTION,
    # The lists of what concerns a unit (issue 11): tenders, contracts, incidents, disputes.
    tender_list.PROJECTION,
    contract_list.PROJECTION,
    incident_list.PROJECTION,
    dispute_list.PROJECTION,
    # The platform admin's approvals (issue 14): requests to buy outside the group.
    external_sourcing_list.PROJECTION,
    # Technical documents of catalog products (issue 18).
    document_list.PROJECTION,
    # Work meetings, meeting requests and action items (issue 18).
    meeting_list.PROJECTION,
    # Exchange visits, their leads and what the leads became (issue 18).
    visit_list.PROJECTION,
    # The coordination working groups (issue 18): HQ's synergy bodies.
    working_group_list.PROJECTION,
    # Framework agreements, per period called off and delivered (issue 19).
    framework_list.PROJECTION,
    # Joint procurement (issue 19): pools, their shares and the members' contracts.
    joint_procurement_list.PROJECTION,
    # Shared resources (issue 19): the list, and each one's calendar of bookings.
    resource_list.PROJECTION,
    resource_calendar.PROJECTION,
    # HQ's rewards and penalties after the annual assessment (issue 20).
    assessment_decision_list.PROJECTION,
    # The synergy benefit of buying inside and the arm's-length check (issue 20).
    synergy_benefit.PROJECTION,
)


def by_name(name: str) -> Projection:
    for projection in PROJECTIONS:
        if projection.name == name:
            return projection
    known = ", ".join(p.name for p in PROJECTIONS)
    raise KeyError(f"no projection {name!r} (there are: {known})")
