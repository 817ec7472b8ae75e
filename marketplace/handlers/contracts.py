"""Use cases of contracts: sign, price special tasks, deliver, complete, terminate; incidents."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.booking import resource_of_booking
from marketplace.aggregates.contract import Contract, TradeForm
from marketplace.aggregates.organisation import Organisation
from marketplace.aggregates.quality_incident import QualityIncident
from marketplace.aggregates.shared_resource import SharedResource
from marketplace.handlers.auth import (
    Principal,
    acts_for,
    party_acted_for,
    require_acts_for,
    speaks_for,
)
from marketplace.handlers.errors import Forbidden, InvalidField
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import Services
from marketplace.handlers.synergy import terms_at

# How far ahead of our clock a reported fact may be dated: the caller's clock may run ahead.
CLOCK_SKEW = timedelta(minutes=5)


def not_in_future(svc: Services, field: str, moment: datetime) -> None:
    """A delivery or an incident is reported after it happened, never before."""
    now = svc.clock()
    if moment > now + CLOCK_SKEW:
        raise InvalidField(
            field,
            f"{field} is in the future: it may be at most {CLOCK_SKEW.seconds // 60} minutes "
            f"ahead of the server's clock ({now.isoformat(timespec='seconds')}).",
            "in_future",
        )


def load_contract(svc: Services, contract_id: str, *, reading: bool = False) -> Contract:
    """A private copy to change and save; `reading`: the shared instance, never to change."""
    return svc.load(Contract, contract_id, "Contract", reading=reading)


def load_incident(svc: Services, incident_id: str, *, reading: bool = False) -> QualityIncident:
    """A private copy to change and save; `reading`: the shared instance, never to change."""
    return svc.load(QualityIncident, incident_id, "Quality incident", reading=reading)


def acting_party(
    svc: Services, principal: Principal, contract: Contract, wanted: str | None = None
) -> str:
    """The party the caller acts for (an explicit `wanted` one, or the only one it can)."""
    return party_acted_for(principal, contract.party_ids, chart(svc), wanted, "the contract")


def may_read(svc: Services, principal: Principal, contract: Contract) -> None:
    org = chart(svc)
    if _party_or_auditor(principal, contract.party_ids, org):
        return
    mediator = contract.pricing_mediator
    if mediator and acts_for(principal, mediator, org):
        return
    raise Forbidden("Only the contract's parties (and HQ, auditors) read it.")


def may_read_incident(svc: Services, principal: Principal, incident: QualityIncident) -> None:
    parties = (incident.demand_unit_id, incident.supply_unit_id)
    if not _party_or_auditor(principal, parties, chart(svc)):
        raise Forbidden("Only the contract's parties (and HQ, auditors) read its incidents.")


def _party_or_auditor(principal: Principal, parties: Sequence[str], org: Organisation) -> bool:
    return principal.has(Role.AUDITOR) or any(acts_for(principal, p, org) for p in parties)


def _change(svc: Services, contract_id: str, act: Callable[[Contract], None]) -> Contract:
    """Load, apply one party's act, save; again on a lost race."""

    def attempt() -> Contract:
        contract = load_contract(svc, contract_id)
        act(contract)
        svc.store.save(contract)
        return contract

    return svc.retrying(attempt)


def sign(svc: Services, principal: Principal, contract_id: str, party: str | None) -> Contract:
    def act(c: Contract) -> None:
        now = svc.clock()
        c.sign(acting_party(svc, principal, c, party), principal.actor, now, terms_at(svc, now))

    return _change(svc, contract_id, act)


def propose_price(
    svc: Services, principal: Principal, contract_id: str, amount: Decimal, party: str | None
) -> Contract:
    def act(c: Contract) -> None:
        c.propose_price(
            acting_party(svc, principal, c, party), amount, principal.actor, svc.clock()
        )

    return _change(svc, contract_id, act)


def agree_price(
    svc: Services, principal: Principal, contract_id: str, amount: Decimal, party: str | None
) -> Contract:
    def act(c: Contract) -> None:
        c.agree_price(acting_party(svc, principal, c, party), amount, principal.actor, svc.clock())

    return _change(svc, contract_id, act)


def escalate_pricing(
    svc: Services, principal: Principal, contract_id: str, party: str | None
) -> Contract:
    """The superior units decide: the parties' mediator (see Organisation.mediator_for)."""

    def act(c: Contract) -> None:
        mediator, _ = chart(svc).mediator_for(c.demand_unit_id, c.supply_unit_id)
        c.escalate_pricing(
            acting_party(svc, principal, c, party), mediator, principal.actor, svc.clock()
        )

    return _change(svc, contract_id, act)


def decide_price(
    svc: Services, principal: Principal, contract_id: str, amount: Decimal
) -> Contract:
    """The mediator's admin sets the price of an escalated special task; never a regular one."""

    def act(c: Contract) -> None:
        if c.business_type != "special_task":
            raise Forbidden("Regular business is priced by the award; superiors do not set it.")
        mediator = c.pricing_mediator
        if not speaks_for(principal, mediator):
            raise Forbidden(
                "Only the mediator unit decides the price.", {"mediator_unit_id": mediator}
            )
        c.decide_price(mediator or "", amount, principal.actor, svc.clock())

    return _change(svc, contract_id, act)


def deliver(
    svc: Services,
    principal: Principal,
    contract_id: str,
    quantity: Decimal,
    amount: Decimal,
    delivered_at: datetime,
) -> tuple[Contract, QualityIncident | None]:
    """The supplier records a delivery; a late one records a delivery_delay incident itself."""
    not_in_future(svc, "delivered_at", delivered_at)
    incident_id = svc.new_id("inc")

    def attempt() -> tuple[Contract, QualityIncident | None]:
        contract = load_contract(svc, contract_id)
        require_acts_for(principal, contract.supply_unit_id, chart(svc))
        now = svc.clock()
        late = contract.deliver(quantity, amount, delivered_at, principal.actor, now)
        incident = None
        if late:
            incident = QualityIncident.record(
                incident_id,
                contract.id,
                contract.status.value,
                incident_parties(contract),
                "delivery_delay",
                "minor",
                f"Delivered on {delivered_at.date()}, after the contract's "
                f"{contract.delivery_date}.",
                delivered_at,
                True,
                principal.actor,
                now,
            )
        svc.store.save(contract, *([incident] if incident else []))
        return contract, incident

    return svc.retrying(attempt)


def incident_parties(contract: Contract) -> dict[str, str]:
    return {
        **contract.parties,
        "demand_unit_id": contract.demand_unit_id,
        "supply_unit_id": contract.supply_unit_id,
    }


def complete(svc: Services, principal: Principal, contract_id: str, party: str | None) -> Contract:
    def act(c: Contract) -> None:
        c.complete(acting_party(svc, principal, c, party), principal.actor, svc.clock())

    return _change(svc, contract_id, act)


def terminate(
    svc: Services, principal: Principal, contract_id: str, reason: str, party: str | None
) -> Contract:
    def attempt() -> Contract:
        contract = load_contract(svc, contract_id)
        now = svc.clock()
        contract.terminate(
            acting_party(svc, principal, contract, party), reason, principal.actor, now
        )
        released = _booking_released(svc, contract, reason, principal, now)
        svc.store.save(contract, *released)
        return contract

    return svc.retrying(attempt)


def _booking_released(
    svc: Services, contract: Contract, reason: str, principal: Principal, now: datetime
) -> list[SharedResource]:
    """A booking's contract ended before the booking's window starts frees the window: the
    booking is cancelled with it (later, the booking keeps its window and is taken back)."""
    if contract.trade_form is not TradeForm.RESOURCE or contract.source_id is None:
        return []
    resource_id = resource_of_booking(contract.source_id)
    resource = svc.store.get(resource_id, SharedResource) if resource_id else None
    booking = resource.bookings.get(contract.source_id) if resource else None
    if resource is None or booking is None or booking.status != "booked":
        return []
    if now >= booking.starts_at:
        return []
    resource.cancel_booking(booking.booking_id, reason, principal.actor, now)
    return [resource]


def record_incident(
    svc: Services,
    principal: Principal,
    contract_id: str,
    kind: str,
    severity: str,
    description: str,
    occurred_at: datetime,
) -> QualityIncident:
    not_in_future(svc, "occurred_at", occurred_at)
    contract = load_contract(svc, contract_id)
    require_acts_for(principal, contract.demand_unit_id, chart(svc))
    incident = QualityIncident.record(
        svc.new_id("inc"),
        contract.id,
        contract.status.value,
        incident_parties(contract),
        kind,
        severity,
        description,
        occurred_at,
        False,
        principal.actor,
        svc.clock(),
    )
    svc.store.save(incident)
    return incident


def resolve_incident(
    svc: Services, principal: Principal, incident_id: str, resolution: str
) -> QualityIncident:
    def attempt() -> QualityIncident:
        incident = load_incident(svc, incident_id)
        org = chart(svc)
        if not (
            acts_for(principal, incident.demand_unit_id, org)
            or acts_for(principal, incident.supply_unit_id, org)
        ):
            raise Forbidden("Only the contract's parties resolve its incidents.")
        incident.resolve(resolution, principal.actor, svc.clock())
        svc.store.save(incident)
        return incident

    return svc.retrying(attempt)
