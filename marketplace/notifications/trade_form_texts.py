"""The facts that fill the trade forms' notification texts: framework agreements, joint
procurement pools and shared resources (texts.py renders them with texts.toml's wording)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from marketplace.notifications.coordination_texts import Facts


class MoneyFacts(Facts, Protocol):
    """Facts that also put amounts and optional phrases into the reader's words."""

    def money(self, amount: str) -> str: ...

    def unless(self, flag: bool, code: str, **values: str) -> str: ...


def _price(f: MoneyFacts, unit_price: str | None) -> str:
    """A period's unit price, or that it is still to be agreed."""
    return f.money(unit_price) if unit_price is not None else f.term("price_open")


def _framework_created(f: MoneyFacts) -> dict[str, str]:
    p = f.p
    total = sum((Decimal(period.quantity) for period in p.schedule), Decimal(0))
    return {
        "drafter": p.actor.unit_id or "—",
        "demand": p.demand_unit_id,
        "supply": p.supply_unit_id,
        "item": p.item_code,
        "from": p.valid_from.isoformat(),
        "to": p.valid_to.isoformat(),
        "periods": str(len(p.schedule)),
        "total": f"{total} {p.uom}",
        "special": f.unless(p.business_type == "special_task", "framework_special_task"),
    }


def _amendment_proposed(f: MoneyFacts) -> dict[str, str]:
    """What changes: the quantity, the price or both, each from what it was."""
    p = f.p
    changes = []
    if p.quantity is not None:
        changes.append(f.term("amend_quantity", old=p.previous_quantity, new=p.quantity))
    if p.unit_price is not None:
        changes.append(
            f.term("amend_price", old=_price(f, p.previous_unit_price), new=f.money(p.unit_price))
        )
    return {
        "party": p.party_unit_id,
        "number": str(p.number),
        "period": p.period,
        "change": f.term("separator").join(changes),
        "reason": p.reason,
    }


def _period_closed(f: MoneyFacts) -> dict[str, str]:
    """The figures, and whether the shortfall was past the tolerance (with its incident)."""
    p = f.p
    breached = Decimal(p.shortfall_pct) > Decimal(p.tolerance_pct)
    return {
        "period": p.period,
        "scheduled": p.scheduled,
        "called_off": p.called_off,
        "delivered": p.delivered,
        "shortfall": p.shortfall,
        "shortfall_pct": p.shortfall_pct,
        "tolerance_pct": p.tolerance_pct,
        "breach": f.term("period_incident", incident=p.incident_id)
        if p.incident_id
        else f.unless(breached, "period_breached"),
        "completed": f.unless(p.completed, "framework_completed"),
    }


def _pool_change(f: MoneyFacts) -> dict[str, str]:
    return {
        "unit": f.p.unit_id,
        "members": str(f.p.member_count),
        "total": f.p.total_quantity,
    }


def _booked(f: MoneyFacts) -> dict[str, str]:
    p = f.p
    return {
        "unit": p.unit_id,
        "booking": p.booking_id,
        "start": f.moment(p.starts_at),
        "end": f.moment(p.ends_at),
        "quantity": p.quantity,
        "duration": f.term(f"uom_{p.uom}", n=str(p.duration)),
        "amount": f.money(p.amount),
        "contract": p.contract_id,
    }


def _returned(f: MoneyFacts) -> dict[str, str]:
    p = f.p
    damage = p.damage or ""
    return {
        "unit": p.unit_id,
        "booking": p.booking_id,
        "condition": p.condition,
        "damage": f.term("returned_damaged_incident", damage=damage, incident=p.incident_id)
        if p.incident_id
        else f.unless(p.damaged, "returned_damaged", damage=damage),
    }


TRADE_FORMS: dict[str, Callable[[MoneyFacts], dict[str, str]]] = {
    "marketplace.framework.created.v1": _framework_created,
    "marketplace.framework.signed.v1": lambda f: {"party": f.p.party_unit_id},
    "marketplace.framework.activated.v1": lambda f: {},
    "marketplace.framework.amendment_proposed.v1": _amendment_proposed,
    "marketplace.framework.amendment_accepted.v1": lambda f: {
        "party": f.p.party_unit_id,
        "number": str(f.p.number),
        "period": f.p.period,
        "quantity": f.p.quantity,
        "price": _price(f, f.p.unit_price),
    },
    "marketplace.framework.amendment_rejected.v1": lambda f: {
        "party": f.p.party_unit_id,
        "number": str(f.p.number),
        "reason": f.p.reason,
    },
    "marketplace.framework.amendment_escalated.v1": lambda f: {
        "party": f.p.party_unit_id,
        "number": str(f.p.number),
        "mediator": f.p.mediator_unit_id,
    },
    "marketplace.framework.amendment_decided.v1": lambda f: {
        "mediator": f.p.mediator_unit_id,
        "number": str(f.p.number),
        "period": f.p.period,
        "price": f.money(f.p.unit_price),
    },
    "marketplace.framework.period_closed.v1": _period_closed,
    # The lead reads every member's share and budget.
    "marketplace.joint_procurement.joined.v1": lambda f: (
        _pool_change(f)
        | {
            "how": f.term("share_replaced" if f.p.replaced else "share_joined"),
            "quantity": f.p.quantity,
            "budget": f.money(f.p.budget_amount),
        }
    ),
    "marketplace.joint_procurement.withdrawn.v1": _pool_change,
    # A member reads its own budget only: neither the others' nor the total.
    "marketplace.joint_procurement.launched.v1": lambda f: {
        "need": f.p.need_id,
        "total": f.p.total_quantity,
        "members": str(len(f.p.shares)),
        "sourcing": f.term(f"pool_{f.p.sourcing}"),
    },
    "marketplace.joint_procurement.cancelled.v1": lambda f: {"reason": f.p.reason},
    "marketplace.resource.booked.v1": _booked,
    "marketplace.resource.booking_cancelled.v1": lambda f: {
        "unit": f.p.unit_id,
        "booking": f.p.booking_id,
        "contract": f.p.contract_id,
        "reason": f.p.reason,
    },
    "marketplace.resource.handed_over.v1": lambda f: {
        "unit": f.p.unit_id,
        "booking": f.p.booking_id,
        "condition": f.p.condition,
    },
    "marketplace.resource.returned.v1": _returned,
    "marketplace.resource.withdrawn.v1": lambda f: {"reason": f.p.reason},
}
