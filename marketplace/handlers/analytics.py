"""Who reads the group's figures: HQ, auditors and BI readers; a supplier its own quality."""

from __future__ import annotations

from marketplace.aggregates.access_token import Role
from marketplace.handlers.auth import Principal, acts_for, require_role
from marketplace.handlers.errors import Forbidden, NotFound
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


def figures_reach(
    svc: Services, principal: Principal, unit_id: str | None
) -> frozenset[str] | None:
    """The units whose figures a dashboard counts (None: the whole group, as the projections'
    endpoints answer). Analysts read the group or any unit's subtree; a platform admin reads
    its own subtree, or a unit's within it; anyone else, or a unit outside that, is refused."""
    org = chart(svc)
    if unit_id is not None and unit_id not in org.units:
        raise NotFound(f"Unit {unit_id!r} does not exist.", {"unit_id": unit_id})
    if principal.has(Role.HQ_ADMIN, Role.AUDITOR, Role.BI_READER):
        root = unit_id
    elif principal.has(Role.PLATFORM_ADMIN) and principal.unit_id in org.units:
        root = unit_id or principal.unit_id
        if root is None or not org.is_within(root, principal.unit_id):
            raise Forbidden(
                f"This token cannot read the figures of unit {unit_id!r}.", {"unit_id": unit_id}
            )
    else:
        require_analyst(principal)  # refused: operators have no group figures
        root = unit_id
    if root is None:
        return None
    return frozenset(u for u in org.units if org.is_within(u, root))
