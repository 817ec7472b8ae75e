"""Whose lists a caller reads: its own unit, its platform's subtree, or every unit."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.organisation import Organisation
from marketplace.handlers.auth import Principal
from marketplace.handlers.errors import Forbidden


@dataclass(frozen=True)
class Reach:
    """The units a caller's lists cover; `units` None means every unit (HQ, auditors)."""

    units: frozenset[str] | None

    def covers(self, unit_id: str) -> bool:
        return self.units is None or unit_id in self.units

    def require(self, unit_id: str | None, field: str) -> None:
        """Refuse a filter naming a unit outside the reach (a filter left out is no filter)."""
        if unit_id is not None and not self.covers(unit_id):
            raise Forbidden(
                f"This token cannot list what concerns unit {unit_id!r}.", {field: unit_id}
            )

    def narrowed(self, unit_id: str | None) -> frozenset[str] | None:
        """The units a list shows: the one filtered on, else the whole reach (None: all)."""
        return self.units if unit_id is None else frozenset({unit_id})


def reach_of(principal: Principal, org: Organisation) -> Reach:
    """hq_admin and auditors: every unit; a platform admin: its subtree; an operator: its unit.

    BI readers read projections and reports only, so they have no reach and are refused.
    """
    if principal.has(Role.HQ_ADMIN, Role.AUDITOR):
        return Reach(None)
    own = principal.unit_id
    units: set[str] = set()
    if own is not None and own in org.units:
        if principal.has(Role.PLATFORM_ADMIN):
            units |= {u for u in org.units if org.is_within(u, own)}
        if principal.has(Role.UNIT_OPERATOR):
            units.add(own)
    if not units:
        raise Forbidden(
            "Lists are for units' operators, platform admins, HQ and auditors.",
            {"required_roles": ["unit_operator", "platform_admin", "hq_admin", "auditor"]},
        )
    return Reach(frozenset(units))
