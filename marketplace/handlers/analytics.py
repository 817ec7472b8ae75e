"""Who reads the group's figures: HQ, auditors and BI readers; a supplier its own quality."""

from __future__ import annotations

from marketplace.aggregates.access_token import Role
from marketplace.handlers.auth import Principal, acts_for, require_role
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import Services


def require_analyst(principal: Principal) -> None:
    """Group-wide figures (trade volume, invitation compliance) are HQ's, auditors' and BI's."""
    require_role(principal, Role.HQ_ADMIN, Role.AUDITOR, Role.BI_READER)


def require_quality_reader(
    svc: Services, principal: Principal, supplier_unit_id: str | None
) -> None:
    """Supplier quality: analysts read every supplier's; a supplier's operators and its
    platform admins read that supplier's own (when they ask for it by id)."""
    if supplier_unit_id is not None and acts_for(principal, supplier_unit_id, chart(svc)):
        return
    require_analyst(principal)
