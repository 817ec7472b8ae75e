"""Request and response bodies of needs, offers, external sourcing, contracts and directives."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from marketplace.aggregates.need import Ground, Need
from marketplace.aggregates.offer import Offer
from marketplace.aggregates.taxonomy import allowed_subcategories, is_known
from marketplace.api.pages import Paged
from marketplace.api.schemas import Strict, money, number
from marketplace.handlers.catalog_entry import Category
from marketplace.inputs import (
    Day,
    Identifier,
    ItemCode,
    LongText,
    Moment,
    Money,
    Quantity,
    ShortText,
    UnitId,
)


class NeedIn(Strict):
    demand_unit_id: UnitId = Field(examples=["HEAT-01"])
    title: ShortText = Field(min_length=1, max_length=300)
    category: Category
    subcategory: ShortText = Field(min_length=1, max_length=64)
    item_code: ItemCode = Field(examples=["STEAM-LP"])
    quantity: Quantity
    uom: ShortText = Field(min_length=1, max_length=32)
    required_by: Day
    budget_amount: Money = Field(examples=["185000.00"])
    business_type: Literal["regular", "special_task"]
    directive_id: Identifier | None = None
    sourcing: Literal["direct", "tender"]

    @model_validator(mode="after")
    def subcategory_of_category(self) -> NeedIn:
        if not is_known(self.category, self.subcategory):
            allowed = ", ".join(allowed_subcategories(self.category))
            raise ValueError(
                f"unknown subcategory {self.subcategory!r} for {self.category}; allowed: {allowed}"
            )
        return self


class OfferIn(Strict):
    supplier_unit_id: UnitId
    unit_price: Money = Field(examples=["182.00"])
    quantity: Quantity
    delivery_date: Day
    valid_until: Moment


class OfferRevisionIn(Strict):
    unit_price: Money
    quantity: Quantity
    delivery_date: Day
    valid_until: Moment


class AwardIn(Strict):
    offer_id: Identifier


class ExternalSourcingIn(Strict):
    ground: Ground
    justification: LongText = Field(min_length=1, max_length=2000)
    quantity: Quantity | None = None


class ReasonIn(Strict):
    reason: LongText = Field(min_length=1, max_length=1000)


class CloseExternalIn(Strict):
    external_supplier: ShortText | None = Field(default=None, min_length=1, max_length=300)


class DirectiveIn(Strict):
    demand_unit_id: UnitId
    supply_unit_id: UnitId
    item_code: ItemCode
    quantity: Quantity
    rationale: LongText = Field(min_length=1, max_length=2000)


class OfferOut(BaseModel):
    offer_id: str
    need_id: str
    supplier_unit_id: str
    unit_price: str
    quantity: str
    delivery_date: date
    valid_until: datetime
    status: str

    @classmethod
    def of(cls, offer: Offer, now: datetime) -> OfferOut:
        return cls(
            offer_id=offer.id,
            need_id=offer.need_id,
            supplier_unit_id=offer.supplier_unit_id,
            unit_price=money(offer.unit_price),
            quantity=number(offer.quantity),
            delivery_date=offer.delivery_date,
            valid_until=offer.valid_until,
            status=offer.status_at(now).value,
        )


class NeedOut(BaseModel):
    id: str
    status: str
    demand_unit_id: str
    title: str
    category: str
    subcategory: str
    item_code: str
    quantity: str
    open_quantity: str
    uom: str
    required_by: date
    budget_amount: str | None = Field(description="Shown to the demand side only.")
    business_type: str
    directive_id: str | None
    sourcing: str
    catalog_version_id: str | None
    matches: list[dict[str, Any]]
    offers: list[OfferOut]
    external_sourcing: list[dict[str, Any]]
    external_purchases: list[dict[str, Any]]
    contract_id: str | None
    tender_id: str | None = Field(description="The tender once one is launched for the need.")
    posted_at: datetime

    @classmethod
    def of(cls, need: Need, offers: list[Offer], now: datetime, demand_side: bool) -> NeedOut:
        spec = need.spec
        return cls(
            id=need.id,
            status=need.status.value,
            demand_unit_id=spec.demand_unit_id,
            title=spec.title,
            category=spec.category,
            subcategory=spec.subcategory,
            item_code=spec.item_code,
            quantity=number(spec.quantity),
            open_quantity=number(need.open_quantity),
            uom=spec.uom,
            required_by=spec.required_by,
            budget_amount=money(spec.budget_amount) if demand_side else None,
            business_type=spec.business_type,
            directive_id=spec.directive_id,
            sourcing=spec.sourcing,
            catalog_version_id=need.catalog_version_id,
            matches=[vars(m) for m in need.matches],
            offers=[OfferOut.of(o, now) for o in offers],
            external_sourcing=[
                {
                    "request_id": r.request_id,
                    "ground": r.ground.value,
                    "justification": r.justification,
                    "quantity": None if r.quantity is None else number(r.quantity),
                    "status": r.status,
                    "reason": r.reason,
                }
                for r in need.requests.values()
            ],
            external_purchases=need.external_purchases,
            contract_id=need.contract_id,
            tender_id=need.tender_id,
            posted_at=need.posted_at,
        )


class NeedSummary(BaseModel):
    """A need as lists show it (never its budget)."""

    need_id: str
    demand_unit_id: str
    title: str
    category: str
    subcategory: str
    item_code: str
    quantity: str
    uom: str
    required_by: str
    business_type: str
    sourcing: str
    posted_at: datetime


class InboxItem(NeedSummary):
    """A need the unit can act on now; it leaves the inbox once the unit can do nothing more."""

    status: str = Field(description="The need's status (`open`, or `tendering` for a bid).")
    actions: list[Literal["offer", "bid"]] = Field(
        description="`offer`: an open need the unit was matched to as a catalog supplier; "
        "`bid`: a tender of the need the unit is invited to, until its bid deadline."
    )
    offered: bool = Field(description="The unit has an open offer on the need.")
    tender_id: str | None = Field(description="The tender the unit is invited to, if any.")
    bid_deadline: datetime | None
    bid_submitted: bool = Field(
        description="The unit has bid in that tender (sealed: never the amount)."
    )


class NeedListItem(NeedSummary):
    open_quantity: str = Field(description="What is still to be sourced (after external closes).")
    status: str
    matched_suppliers: int = Field(description="Catalog suppliers matched when it was posted.")
    offers: int = Field(description="Offers received and not withdrawn.")
    contract_id: str | None


class NeedListOut(Paged):
    demand_unit_id: str
    items: list[NeedListItem]


class InboxOut(Paged):
    unit_id: str
    items: list[InboxItem]
