"""`/v1/resources`: shared resources (paper §3.2.1④) — list one, book a window of it (a contract
for rate * duration * quantity), cancel a booking, hand over, take back, withdraw; the list and a
resource's calendar of bookings and free quantities."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field, model_validator

from marketplace.aggregates.booking import Booking
from marketplace.aggregates.shared_resource import SharedResource
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.schemas import ReasonIn, Strict, money, number
from marketplace.handlers import resources
from marketplace.inputs import LongText, Money, Quantity, ShortText, TimeOrDay, UnitId, start_of

router = APIRouter(prefix="/v1/resources", tags=["shared resources"])

Kind = Literal["equipment", "facility", "land", "staff", "capacity"]
Uom = Literal["hour", "day", "month"]
From = Field(serialization_alias="from", description="Where the window starts.")
To = Field(description="Where the window ends (exclusive).")


class ResourceIn(Strict):
    owner_unit_id: UnitId = Field(examples=["ENG-02"])
    kind: Kind
    name: ShortText = Field(min_length=1, max_length=200, examples=["Crawler excavator 21 t"])
    uom: Uom = Field(description="What the rate is per: an hour, a day or a month.")
    rate: Money = Field(description="CNY per `uom` and per unit of quantity.")
    available_quantity: Quantity = Field(
        default=Decimal(1), description="How much of it can be booked at once (default 1)."
    )


class BookingIn(Strict):
    unit_id: UnitId = Field(description="The unit that books (not the owner).")
    from_: TimeOrDay = Field(alias="from", description="Where the window starts.")
    to: TimeOrDay = Field(
        description="Where it ends (exclusive). Both on whole hours, days (midnight) or months "
        "(the first, midnight) of the group's time zone, as the resource's `uom`."
    )
    quantity: Quantity = Field(default=Decimal(1))


class ConditionIn(Strict):
    condition: LongText = Field(min_length=1, max_length=2000, examples=["Tracks worn 20 %."])


class ReturnIn(ConditionIn):
    damaged: bool = False
    damage: LongText | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        description="What was damaged: required when `damaged`, refused otherwise. It is "
        "recorded as a quality incident of kind `damage` against the booking unit.",
    )
    severity: Literal["minor", "major", "critical"] = Field(
        default="minor", description="The damage incident's severity."
    )

    @model_validator(mode="after")
    def damage_when_damaged(self) -> Self:
        if self.damaged and self.damage is None:
            raise ValueError("damage is required when damaged is true")
        if not self.damaged and self.damage is not None:
            raise ValueError("damage is only given when damaged is true")
        return self


class ResourceCreated(BaseModel):
    resource_id: str


class BookingOut(BaseModel):
    booking_id: str
    unit_id: str
    from_: datetime = From
    to: datetime = To
    quantity: str
    duration: int = Field(description="Whole units of time (the resource's `uom`).")
    amount: str = Field(description="rate * duration * quantity: the contract's amount.")
    contract_id: str
    status: str = Field(examples=["booked", "handed_over", "returned", "cancelled"])
    booked_at: datetime
    handed_over_at: datetime | None
    handover_condition: str | None
    returned_at: datetime | None
    return_condition: str | None
    damaged: bool
    damage: str | None
    incident_id: str | None = Field(description="The damage's quality incident.")
    cancel_reason: str | None

    @classmethod
    def of(cls, b: Booking) -> BookingOut:
        shown = vars(b) | {"quantity": number(b.quantity), "amount": money(b.amount)}
        return cls.model_validate(shown | {"from_": b.starts_at, "to": b.ends_at})


class ResourceOut(BaseModel):
    id: str
    owner_unit_id: str
    kind: str
    name: str
    uom: str
    rate: str
    available_quantity: str
    status: str = Field(examples=["listed", "withdrawn"])
    listed_at: datetime
    withdraw_reason: str | None
    bookings: list[BookingOut] = Field(description="Every booking, in the order made.")

    @classmethod
    def of(cls, r: SharedResource) -> ResourceOut:
        return cls(
            id=r.id,
            owner_unit_id=r.owner_unit_id,
            kind=r.kind,
            name=r.name,
            uom=r.uom,
            rate=money(r.rate),
            available_quantity=number(r.available_quantity),
            status=r.status,
            listed_at=r.listed_at,
            withdraw_reason=r.withdraw_reason,
            bookings=[BookingOut.of(b) for b in r.bookings.values()],
        )


class ResourceListItem(BaseModel):
    id: str
    owner_unit_id: str
    kind: str
    name: str
    uom: str
    rate: str
    available_quantity: str
    status: str
    listed_at: datetime
    bookings: int = Field(description="Bookings holding a window (all but the cancelled).")

    @classmethod
    def of(cls, row: dict[str, Any]) -> ResourceListItem:
        return cls.model_validate(
            {
                **row,
                "id": row["resource_id"],
                "rate": money(row["rate"]),
                "available_quantity": number(row["available_quantity"]),
            }
        )


class ResourceListOut(Paged):
    items: list[ResourceListItem]


class CalendarBooking(BaseModel):
    booking_id: str
    unit_id: str
    from_: datetime = From
    to: datetime = To
    quantity: str
    amount: str
    contract_id: str
    status: str
    incident_id: str | None


class Stretch(BaseModel):
    from_: datetime = From
    to: datetime = To
    booked: str = Field(description="The quantity bookings hold all through the stretch.")
    free: str = Field(description="What is left to book in it.")


class CalendarOut(BaseModel):
    resource_id: str
    uom: str | None
    status: str | None
    available_quantity: str
    from_: datetime = From
    to: datetime = To
    bookings: list[CalendarBooking] = Field(
        description="Bookings holding a part of the span (not the cancelled), by start."
    )
    stretches: list[Stretch] = Field(
        description="The span cut where a booking starts or ends: booked and free quantity."
    )

    @classmethod
    def of(cls, found: dict[str, Any]) -> CalendarOut:
        bookings = [
            CalendarBooking.model_validate(
                {**b, "from_": b["starts_at"], "to": b["ends_at"],
                 "quantity": number(b["quantity"]), "amount": money(b["amount"])}
            )
            for b in found["bookings"]
        ]  # fmt: skip
        stretches = [
            Stretch(from_=s["from"], to=s["to"], booked=number(s["booked"]), free=number(s["free"]))
            for s in found["stretches"]
        ]
        return cls(
            resource_id=found["resource_id"],
            uom=found["uom"],
            status=found["status"],
            available_quantity=number(found["available_quantity"]),
            from_=found["from"],
            to=found["to"],
            bookings=bookings,
            stretches=stretches,
        )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ResourceCreated)
def list_resource(body: ResourceIn, svc: ServicesDep, principal: PrincipalDep) -> dict[str, str]:
    """List a resource to share (for the owner unit: its operator, its platform's admin, HQ)."""
    spec = resources.ResourceSpec(
        body.owner_unit_id, body.kind, body.name, body.uom, body.rate, body.available_quantity
    )
    return {"resource_id": resources.list_resource(svc, principal, spec).id}


@router.get("", response_model=ResourceListOut)
async def list_resources(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    owner_unit_id: Annotated[UnitId | None, Query()] = None,
    kind: Annotated[Kind | None, Query()] = None,
) -> ResourceListOut:
    """Listed resources, the newest first (withdrawn ones marked). For every token."""
    found = await resources.resources(svc, principal, runtime, owner_unit_id, kind, page)
    items = [ResourceListItem.of(r) for r in found.items]
    return ResourceListOut(items=items, next_cursor=found.next_cursor)


@router.get("/{resource_id}", response_model=ResourceOut)
def get_resource(resource_id: str, svc: ServicesDep, principal: PrincipalDep) -> ResourceOut:
    """A resource with all its bookings."""
    return ResourceOut.of(resources.read_resource(svc, principal, resource_id))


@router.get("/{resource_id}/calendar", response_model=CalendarOut)
async def calendar(
    resource_id: str,
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    from_: Annotated[TimeOrDay | None, Query(alias="from")] = None,
    to: Annotated[TimeOrDay | None, Query(description="Exclusive.")] = None,
) -> CalendarOut:
    """The bookings holding a part of [from, to) and the free quantity stretch by stretch
    (default: 90 days from the start of today in the group's time zone)."""
    start, end = start_of(from_, svc.zone), start_of(to, svc.zone)
    found = await resources.calendar(svc, principal, runtime, resource_id, start, end)
    return CalendarOut.of(found)


@router.post(
    "/{resource_id}/bookings", status_code=status.HTTP_201_CREATED, response_model=BookingOut
)
def book(
    resource_id: str, body: BookingIn, svc: ServicesDep, principal: PrincipalDep
) -> BookingOut:
    """Book a window for a unit (its operator, its platform's admin, HQ); its contract is
    active at once. More than the resource has at any moment of it: 409 resource_unavailable."""
    start, end = start_of(body.from_, svc.zone), start_of(body.to, svc.zone)
    assert start is not None and end is not None
    made = resources.book(svc, principal, resource_id, body.unit_id, start, end, body.quantity)
    return BookingOut.of(made.booking)


@router.post("/{resource_id}/bookings/{booking_id}/cancel", response_model=BookingOut)
def cancel_booking(
    resource_id: str, booking_id: str, body: ReasonIn, svc: ServicesDep, principal: PrincipalDep
) -> BookingOut:
    """Call a booking off before its window starts (either side); its contract is terminated."""
    done = resources.cancel_booking(svc, principal, resource_id, booking_id, body.reason)
    return BookingOut.of(done)


@router.post("/{resource_id}/bookings/{booking_id}/handover", response_model=BookingOut)
def handover(
    resource_id: str, booking_id: str, body: ConditionIn, svc: ServicesDep, principal: PrincipalDep
) -> BookingOut:
    """The owner hands the resource over, saying in what condition."""
    done = resources.hand_over(svc, principal, resource_id, booking_id, body.condition)
    return BookingOut.of(done)


@router.post("/{resource_id}/bookings/{booking_id}/return", response_model=BookingOut)
def take_back(
    resource_id: str, booking_id: str, body: ReturnIn, svc: ServicesDep, principal: PrincipalDep
) -> BookingOut:
    """Record the return (either side): the contract is delivered in full and complete; a
    damage is a quality incident (`incident_id`) against the booking unit."""
    done = resources.take_back(
        svc, principal, resource_id, booking_id, body.condition, body.damage, body.severity
    )
    return BookingOut.of(done)


@router.post("/{resource_id}/withdraw", response_model=ResourceOut)
def withdraw(
    resource_id: str, body: ReasonIn, svc: ServicesDep, principal: PrincipalDep
) -> ResourceOut:
    """The owner withdraws the resource: no new bookings; those made stand."""
    return ResourceOut.of(resources.withdraw(svc, principal, resource_id, body.reason))
