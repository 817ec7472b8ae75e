"""Buying outside the group (paper §3.2.2③): request on a ground, the superior decides, close."""

from __future__ import annotations

from decimal import Decimal

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.need import Ground, Need, external_request_id, need_of_request
from marketplace.handlers.auth import Principal, acts_for, require_acts_for
from marketplace.handlers.errors import Forbidden, NotFound
from marketplace.handlers.needs import load_need
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import Services


def request_external(
    svc: Services,
    principal: Principal,
    need_id: str,
    ground: Ground,
    justification: str,
    quantity: Decimal | None,
) -> tuple[Need, str]:
    def attempt() -> tuple[Need, str]:
        need = load_need(svc, need_id)
        require_acts_for(principal, need.demand_unit_id, chart(svc))
        request_id = external_request_id(need_id, len(need.requests) + 1)
        need.request_external(
            request_id, ground, justification, quantity, principal.actor, svc.clock()
        )
        svc.store.save(need)
        return need, request_id

    return svc.retrying(attempt)


def decide_external(
    svc: Services, principal: Principal, request_id: str, approve: bool, reason: str | None
) -> Need:
    """The demand unit's platform admin, or HQ, approves or rejects (with a reason)."""
    need_id = need_of_request(request_id)
    if not need_id:
        raise NotFound(f"External-sourcing request {request_id!r} does not exist.")

    def attempt() -> Need:
        need = load_need(svc, need_id)
        superior = principal.has(Role.HQ_ADMIN) or (
            principal.has(Role.PLATFORM_ADMIN)
            and acts_for(principal, need.demand_unit_id, chart(svc))
        )
        if not superior:
            raise Forbidden(
                "Only the demand unit's platform admin or HQ decides on buying outside the group."
            )
        need.decide_external(
            request_id, approve, reason, principal.unit_id or "", principal.actor, svc.clock()
        )
        svc.store.save(need)
        return need

    return svc.retrying(attempt)


def close_external(
    svc: Services, principal: Principal, need_id: str, external_supplier: str | None
) -> Need:
    def attempt() -> Need:
        need = load_need(svc, need_id)
        require_acts_for(principal, need.demand_unit_id, chart(svc))
        need.close_external(external_supplier, principal.actor, svc.clock())
        svc.store.save(need)
        return need

    return svc.retrying(attempt)
