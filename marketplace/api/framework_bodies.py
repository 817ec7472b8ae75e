"""The bodies `/v1/frameworks` takes and answers (its routes are in routes/frameworks.py; the
portal's pages take the same bodies)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Self

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from marketplace.aggregates.framework import Framework
from marketplace.aggregates.framework_amendments import Amendment
from marketplace.aggregates.framework_schedule import ScheduledPeriod
from marketplace.api.pages import Paged
from marketplace.api.schemas import PartyIn, Strict, money, number
from marketplace.handlers.frameworks import CallOffFigures, DrawUp, FrameworkView
from marketplace.inputs import (
    Day,
    Identifier,
    ItemCode,
    LongText,
    Money,
    Percent,
    Period,
    Quantity,
    ShortText,
    UnitId,
)

# ----- what it takes -------------------------------------------------------------------------


class PeriodIn(Strict):
    period: Period = Field(examples=["2027-01"])
    quantity: Quantity
    unit_price: Money | None = Field(
        default=None, description="Null (or left out): agreed later, by an amendment."
    )


class FrameworkIn(Strict):
    demand_unit_id: UnitId = Field(examples=["PWR-01"])
    supply_unit_id: UnitId = Field(examples=["COAL-03"])
    item_code: ItemCode = Field(examples=["THERMAL-COAL-5500"])
    uom: ShortText = Field(min_length=1, max_length=32, examples=["t"])
    valid_from: Day = Field(alias="from", description="The agreement's first day.")
    valid_to: Day = Field(alias="to", description="Its last day.")
    schedule: list[PeriodIn] = Field(min_length=1, max_length=120)
    category: Literal["product", "engineering", "service", "resource"] = "product"
    business_type: Literal["regular", "special_task"] = "regular"
    directive_id: Identifier | None = Field(
        default=None, description="A special task's approved directive for the two units."
    )
    shortfall_tolerance_pct: Percent = Field(
        default=Decimal(5),
        description="A closed period short by more than this share of its quantity records a "
        "delivery_delay incident against the supplier.",
    )

    def terms(self) -> DrawUp:
        """The agreement as the handler draws it up (the API's route and the portal's form)."""
        return DrawUp(
            self.demand_unit_id, self.supply_unit_id, self.item_code, self.uom, self.valid_from,
            self.valid_to, [(p.period, p.quantity, p.unit_price) for p in self.schedule],
            self.category, self.business_type, self.directive_id, self.shortfall_tolerance_pct,
        )  # fmt: skip


class CallOffIn(Strict):
    period: Period = Field(examples=["2027-01"])
    quantity: Quantity


class AmendmentIn(PartyIn):
    period: Period = Field(examples=["2027-03"])
    quantity: Quantity | None = Field(default=None, description="Only for a future period.")
    unit_price: Money | None = Field(
        default=None,
        description="For a future period, or one whose price is not agreed yet.",
    )
    reason: LongText = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def changes_something(self) -> Self:
        if self.quantity is None and self.unit_price is None:
            raise PydanticCustomError(
                "amendment_empty", "An amendment changes the quantity, the unit price or both."
            )
        return self


class RejectIn(PartyIn):
    reason: LongText = Field(min_length=1, max_length=2000)


class DecisionIn(Strict):
    unit_price: Money = Field(examples=["605.00"])


# ----- what it answers ------------------------------------------------------------------------


class SignatureOut(BaseModel):
    unit_id: str
    signed_at: datetime


class CallOffOut(BaseModel):
    contract_id: str
    call_off_id: str = Field(description="`<framework id>/<period>/<n>`: the contract's source_id.")
    quantity: str
    delivered_quantity: str
    status: str

    @classmethod
    def of(cls, c: CallOffFigures) -> CallOffOut:
        return cls(
            contract_id=c.contract_id,
            call_off_id=c.call_off_id,
            quantity=number(c.quantity),
            delivered_quantity=number(c.delivered_quantity),
            status=c.status.value,
        )


class ClosureOut(BaseModel):
    delivered: str = Field(description="Delivered on the period's call-offs when closed.")
    shortfall: str
    shortfall_pct: str
    incident_id: str | None = Field(description="The delivery_delay incident it recorded.")
    closed_at: datetime


class PeriodOut(BaseModel):
    period: str
    first_day: date = Field(serialization_alias="from")
    last_day: date = Field(serialization_alias="to")
    quantity: str = Field(description="Scheduled.")
    unit_price: str | None = Field(description="Null: not agreed yet.")
    called_off: str
    remaining: str = Field(description="Left to call off.")
    delivered: str = Field(description="Delivered on its call-off contracts, now.")
    shortfall: str = Field(description="Scheduled minus delivered, never below zero.")
    shortfall_pct: str
    call_offs: list[CallOffOut]
    closure: ClosureOut | None = Field(description="Once the demand unit closed the period.")

    @classmethod
    def of(cls, p: ScheduledPeriod, call_offs: list[CallOffFigures]) -> PeriodOut:
        delivered = sum((c.delivered_quantity for c in call_offs), Decimal(0))
        short, pct = p.shortfall(delivered)
        closure = p.closure
        return cls(
            period=p.period,
            first_day=p.first_day,
            last_day=p.last_day,
            quantity=number(p.quantity),
            unit_price=None if p.unit_price is None else money(p.unit_price),
            called_off=number(p.called_off),
            remaining=number(p.remaining),
            delivered=number(delivered),
            shortfall=number(short),
            shortfall_pct=str(pct),
            call_offs=[CallOffOut.of(c) for c in call_offs],
            closure=None
            if closure is None
            else ClosureOut(
                delivered=number(closure.delivered),
                shortfall=number(closure.shortfall),
                shortfall_pct=str(closure.shortfall_pct),
                incident_id=closure.incident_id,
                closed_at=closure.closed_at,
            ),
        )


class AmendmentOut(BaseModel):
    number: int
    period: str
    quantity: str | None = Field(description="The new quantity proposed (null: unchanged).")
    unit_price: str | None = Field(description="The new unit price (null: unchanged).")
    reason: str
    status: str = Field(examples=["pending", "accepted", "rejected", "escalated", "decided"])
    proposed_by: str = Field(description="The party that proposed it.")
    proposed_at: datetime
    previous_quantity: str
    previous_unit_price: str | None
    answered_by: str | None = Field(description="The other party, or the deciding superior.")
    answered_at: datetime | None
    answer_reason: str | None = Field(description="Why it was rejected.")
    mediator_unit_id: str | None
    escalated_by: str | None
    escalated_at: datetime | None

    @classmethod
    def of(cls, a: Amendment) -> AmendmentOut:
        def price(value: Decimal | None) -> str | None:
            return None if value is None else money(value)

        return cls(
            **{k: getattr(a, k) for k in _AS_IS},
            status=a.status.value,
            quantity=None if a.quantity is None else number(a.quantity),
            unit_price=price(a.unit_price),
            previous_quantity=number(a.previous_quantity),
            previous_unit_price=price(a.previous_unit_price),
        )


_AS_IS = (
    "number", "period", "reason", "proposed_by", "proposed_at", "answered_by", "answered_at",
    "answer_reason", "mediator_unit_id", "escalated_by", "escalated_at",
)  # fmt: skip


class FrameworkOut(BaseModel):
    id: str
    status: str = Field(examples=["awaiting_signatures", "active", "completed"])
    demand_unit_id: str
    supply_unit_id: str
    item_code: str
    uom: str
    category: str
    business_type: str
    directive_id: str | None
    valid_from: date = Field(serialization_alias="from")
    valid_to: date = Field(serialization_alias="to")
    shortfall_tolerance_pct: str
    created_at: datetime
    signatures: list[SignatureOut] = Field(description="Who has signed and when, in order.")
    periods: list[PeriodOut]
    amendments: list[AmendmentOut] = Field(description="Every amendment, in order: the history.")

    @classmethod
    def of(cls, view: FrameworkView) -> FrameworkOut:
        f: Framework = view.framework
        return cls(
            id=f.id,
            status=f.status.value,
            **{k: getattr(f, k) for k in _FRAMEWORK_AS_IS},
            shortfall_tolerance_pct=str(f.shortfall_tolerance_pct),
            signatures=[SignatureOut(unit_id=u, signed_at=t) for u, t in f.signatures.items()],
            periods=[PeriodOut.of(p, view.call_offs[p.period]) for p in f.periods.values()],
            amendments=[AmendmentOut.of(a) for a in f.amendments],
        )


_FRAMEWORK_AS_IS = (
    "demand_unit_id", "supply_unit_id", "item_code", "uom", "category", "business_type",
    "directive_id", "valid_from", "valid_to", "created_at",
)  # fmt: skip


class CallOffMade(BaseModel):
    contract_id: str = Field(description="The call-off's contract: active at once.")
    call_off_id: str
    period: str
    quantity: str
    unit_price: str
    amount: str
    delivery_date: date = Field(description="The period's last day.")
    remaining: str = Field(description="What is left of the period's quantity.")


class ListPeriodOut(BaseModel):
    period: str
    quantity: str
    unit_price: str | None
    called_off: str
    delivered: str
    closed: bool

    @classmethod
    def of(cls, row: dict[str, Any]) -> ListPeriodOut:
        price = row["unit_price"]
        return cls(
            period=row["period"],
            quantity=number(Decimal(row["quantity"])),
            unit_price=None if price is None else money(Decimal(price)),
            called_off=number(Decimal(row["called_off"])),
            delivered=number(Decimal(row["delivered"])),
            closed=row["closed_at"] is not None,
        )


class FrameworkListItem(BaseModel):
    id: str
    demand_unit_id: str
    supply_unit_id: str
    item_code: str
    uom: str
    business_type: str
    status: str
    valid_from: str = Field(serialization_alias="from")
    valid_to: str = Field(serialization_alias="to")
    created_at: datetime
    periods: list[ListPeriodOut]

    @classmethod
    def of(cls, row: dict[str, Any]) -> FrameworkListItem:
        periods = [ListPeriodOut.of(p) for p in row["periods"]]
        return cls.model_validate({**row, "id": row["framework_id"], "periods": periods})


class FrameworkListOut(Paged):
    items: list[FrameworkListItem]
