"""Use cases of shared resources (paper §3.2.1④): list one, book a window (its contract saved
with it), cancel a booking before it starts, hand over, take back (a damage becomes a quality
incident), withdraw; the list and the calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from marketplace.aggregates.booking import Booking
from marketplace.aggregates.booking_window import WindowError
from marketplace.aggregates.contract import Contract, ContractStatus, TradeForm
from marketplace.aggregates.organisation import Organisation
from marketplace.aggregates.quality_incident import DAMAGE, QualityIncident
from marketplace.aggregates.shared_resource import SharedResource
from marketplace.aggregates.synergy import BenefitTerms
from marketplace.handlers.auth import Principal, acts_for, require_acts_for
from marketplace.handlers.contracts import incident_parties, load_contract
from marketplace.handlers.errors import Forbidden, InvalidField
from marketplace.handlers.organisation import active_unit, chart
from marketplace.handlers.ports import ReadModels, Services
from marketplace.handlers.synergy import terms_at
from marketplace.projections import resource_calendar, resource_list
from marketplace.projections.pages import Page, PageRequest

# A booking's contract: regular business in the taxonomy's `resource` category; its item is
# the resource itself (its id).
BUSINESS_TYPE, CATEGORY = "regular", "resource"
CALENDAR_DAYS = 90  # what a calendar shows when not told


@dataclass(frozen=True)
class ResourceSpec:
    owner_unit_id: str
    kind: str
    name: str
    uom: str
    rate: Decimal
    available_quantity: Decimal


@dataclass(frozen=True)
class Booked:
    """A booking made, with its resource and its contract."""

    resource: SharedResource
    booking: Booking
    contract: Contract


def load_resource(svc: Services, resource_id: str, *, reading: bool = False) -> SharedResource:
    """A private copy to change and save; `reading`: the shared instance, never to change."""
    return svc.load(SharedResource, resource_id, "Shared resource", reading=reading)


def list_resource(svc: Services, principal: Principal, spec: ResourceSpec) -> SharedResource:
    """The owner (its operator, its platform's admin, HQ) lists a resource to share."""
    org = chart(svc)
    org.get(spec.owner_unit_id)  # 404 for a unit that does not exist
    require_acts_for(principal, spec.owner_unit_id, org)
    active_unit(org, spec.owner_unit_id)
    resource = SharedResource.list_for_sharing(
        svc.new_id("res"),
        spec.owner_unit_id,
        spec.kind,
        spec.name,
        spec.uom,
        spec.rate,
        spec.available_quantity,
        principal.actor,
        svc.clock(),
    )
    svc.store.save(resource)
    return resource


def book(
    svc: Services,
    principal: Principal,
    resource_id: str,
    unit_id: str,
    start: datetime,
    end: datetime,
    quantity: Decimal,
) -> Booked:
    """`unit_id` books [start, end) of the resource: the resource decides whether the window
    is free and the contract is saved with it, so of racing bookings only those it has room
    for are made (a loser's retry finds the window taken)."""
    org = chart(svc)
    org.get(unit_id)
    require_acts_for(principal, unit_id, org)
    if end <= svc.clock():
        raise InvalidField("to", "The window is over already: book a window to come.", "in_past")
    contract_id = svc.new_id("con")

    def attempt() -> Booked:
        resource = load_resource(svc, resource_id)
        active_unit(org, unit_id)
        active_unit(org, resource.owner_unit_id)
        now = svc.clock()
        try:
            booking = resource.book(
                unit_id, start, end, quantity, svc.zone, contract_id, principal.actor, now
            )
        except WindowError as wrong:
            raise InvalidField(wrong.field, str(wrong), "booking_window") from None
        contract = _contract_of(resource, booking, org, principal, now, terms_at(svc, now))
        svc.store.save(resource, contract)
        return Booked(resource, booking, contract)

    return svc.retrying(attempt)


def _contract_of(
    resource: SharedResource,
    booking: Booking,
    org: Organisation,
    principal: Principal,
    now: datetime,
    terms: BenefitTerms,
) -> Contract:
    """rate * (duration * quantity): both parties agreed to it by listing and booking."""
    return Contract.arrange(
        booking.contract_id,
        booking.unit_id,
        resource.owner_unit_id,
        BUSINESS_TYPE,
        resource.id,
        booking.quantity * booking.duration,
        resource.rate,
        org.context_of(booking.unit_id, "demand")
        | org.context_of(resource.owner_unit_id, "supply"),
        principal.actor,
        now,
        trade_form=TradeForm.RESOURCE,
        source_id=booking.booking_id,
        category=CATEGORY,
        terms=terms,
    )


def _party(
    principal: Principal, resource: SharedResource, booking: Booking, org: Organisation
) -> str:
    """The side the caller acts for: the owner when it can, else the booking unit."""
    for unit_id in (resource.owner_unit_id, booking.unit_id):
        if acts_for(principal, unit_id, org):
            return unit_id
    raise Forbidden(
        "Only the resource's owner and the booking unit act on a booking.",
        {"unit_ids": [resource.owner_unit_id, booking.unit_id]},
    )


def cancel_booking(
    svc: Services, principal: Principal, resource_id: str, booking_id: str, reason: str
) -> Booking:
    """Either side calls a booking off before its window starts; its contract is terminated."""
    org = chart(svc)

    def attempt() -> Booking:
        resource = load_resource(svc, resource_id)
        party = _party(principal, resource, resource.booking(booking_id), org)
        now = svc.clock()
        booking = resource.cancel_booking(booking_id, reason, principal.actor, now)
        contract = load_contract(svc, booking.contract_id)
        if contract.status is ContractStatus.ACTIVE:
            contract.terminate(party, reason, principal.actor, now)
        svc.store.save(resource, contract)
        return booking

    return svc.retrying(attempt)


def hand_over(
    svc: Services, principal: Principal, resource_id: str, booking_id: str, condition: str
) -> Booking:
    """The owner hands the resource over, saying in what condition."""
    org = chart(svc)

    def attempt() -> Booking:
        resource = load_resource(svc, resource_id)
        resource.booking(booking_id)  # 404 before 403: the booking is the resource's to show
        require_acts_for(principal, resource.owner_unit_id, org)
        booking = resource.hand_over(booking_id, condition, principal.actor, svc.clock())
        svc.store.save(resource)
        return booking

    return svc.retrying(attempt)


def take_back(
    svc: Services,
    principal: Principal,
    resource_id: str,
    booking_id: str,
    condition: str,
    damage: str | None,
    severity: str,
) -> Booking:
    """Either side records the return. The contract is delivered in full and complete, so it
    counts as delivered trade; a damage (`damage` not None) is a quality incident of kind
    `damage` on it, against the booking unit."""
    org = chart(svc)
    incident_id = svc.new_id("inc") if damage is not None else None

    def attempt() -> Booking:
        resource = load_resource(svc, resource_id)
        party = _party(principal, resource, resource.booking(booking_id), org)
        now = svc.clock()
        contract = load_contract(svc, resource.booking(booking_id).contract_id)
        # A terminated contract takes no incident: the damage stays on the booking alone.
        recorded = None if contract.status is ContractStatus.TERMINATED else incident_id
        booking = resource.take_back(booking_id, condition, damage, recorded, principal.actor, now)
        _deliver_in_full(contract, party, principal, now)
        incident = _damage_incident(contract, recorded, damage, severity, principal, now)
        svc.store.save(resource, contract, *([incident] if incident else []))
        return booking

    return svc.retrying(attempt)


def _deliver_in_full(contract: Contract, party: str, principal: Principal, now: datetime) -> None:
    """What is not delivered yet, delivered, and the contract complete (when it is still active:
    a party may have ended it through the contract's own operations)."""
    if contract.status is not ContractStatus.ACTIVE:
        return
    open_quantity = contract.quantity - contract.delivered_quantity
    open_amount = contract.amount - contract.delivered_amount
    if open_quantity > 0 and open_amount > 0:
        contract.deliver(open_quantity, open_amount, now, principal.actor, now)
    contract.complete(party, principal.actor, now)


def _damage_incident(
    contract: Contract,
    incident_id: str | None,
    damage: str | None,
    severity: str,
    principal: Principal,
    now: datetime,
) -> QualityIncident | None:
    if incident_id is None or damage is None:
        return None
    return QualityIncident.record(
        incident_id,
        contract.id,
        contract.status.value,
        incident_parties(contract),
        DAMAGE,
        severity,
        damage,
        now,
        False,
        principal.actor,
        now,
    )


def withdraw(svc: Services, principal: Principal, resource_id: str, reason: str) -> SharedResource:
    org = chart(svc)

    def attempt() -> SharedResource:
        resource = load_resource(svc, resource_id)
        require_acts_for(principal, resource.owner_unit_id, org)
        resource.withdraw(reason, principal.actor, svc.clock())
        svc.store.save(resource)
        return resource

    return svc.retrying(attempt)


# ----- reads: every token (a resource is there for the whole group to book) -----------------


def read_resource(svc: Services, principal: Principal, resource_id: str) -> SharedResource:
    return load_resource(svc, resource_id, reading=True)


async def resources(
    svc: Services,
    principal: Principal,
    models: ReadModels,
    owner_unit_id: str | None,
    kind: str | None,
    page: PageRequest,
) -> Page:
    """Listed resources (withdrawn ones too, marked), the newest first."""
    reader = await models.reader(resource_list.PROJECTION.name)
    return await resource_list.resources_of(reader, owner_unit_id, kind, page)


async def calendar(
    svc: Services,
    principal: Principal,
    models: ReadModels,
    resource_id: str,
    start: datetime | None,
    end: datetime | None,
) -> dict[str, Any]:
    """The bookings holding a part of [start, end) and the free quantity stretch by stretch;
    by default the CALENDAR_DAYS from the start of today in the group's time zone."""
    load_resource(svc, resource_id, reading=True)  # 404 for a resource that does not exist
    today = datetime.combine(svc.today(), datetime.min.time(), svc.zone)
    start = start or (today if end is None else end - timedelta(days=CALENDAR_DAYS))
    end = end or start + timedelta(days=CALENDAR_DAYS)
    if end <= start:
        raise InvalidField(
            "to", "The calendar's end comes after its start.", "before_start", "query"
        )
    reader = await models.reader(resource_calendar.PROJECTION.name)
    # In UTC, as the bookings are kept: one zone for every time of the answer.
    return await resource_calendar.calendar_of(
        reader, resource_id, start.astimezone(UTC), end.astimezone(UTC)
    )
