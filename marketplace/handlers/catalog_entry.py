"""A catalog entry as people submit it (API body, CSV row), validated against the taxonomy."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from marketplace.aggregates.price_breaks import PriceBreak, tier_problem
from marketplace.aggregates.taxonomy import allowed_subcategories, is_known
from marketplace.handlers.catalog import EntrySubmission
from marketplace.inputs import ItemCode, MoneyText, Quantity, ShortText, UnitId

Category = Literal["product", "engineering", "service", "resource"]


class PriceBreakIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_quantity: Quantity = Field(description="From this quantity on…", examples=["10"])
    unit_price: MoneyText = Field(description="…this unit price applies.", examples=["88000.00"])


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    supplier_unit_id: UnitId = Field(examples=["HEAT-02"])
    category: Category
    subcategory: ShortText = Field(min_length=1, max_length=64, examples=["heat"])
    item_code: ItemCode = Field(examples=["STEAM-LP"])
    item_name: ShortText = Field(
        min_length=1, max_length=300, examples=["Low-pressure steam 0.8 MPa"]
    )
    uom: ShortText = Field(min_length=1, max_length=32, examples=["t"])
    reference_price: MoneyText | None = Field(
        default=None, description="CNY per unit, a decimal string."
    )
    capacity: ShortText | None = Field(default=None, max_length=200, examples=["120000 t/year"])
    regions: list[Annotated[ShortText, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=50
    )
    price_breaks: list[PriceBreakIn] = Field(
        default_factory=list,
        max_length=20,
        description="Unit prices by quantity (optional): ascending `min_quantity`, prices that "
        "never rise; `reference_price` applies below the first break, so it is required with "
        "them. A joint procurement reports what pooling saves on them.",
    )

    @model_validator(mode="after")
    def subcategory_of_category(self) -> EntryIn:
        if not is_known(self.category, self.subcategory):
            allowed = ", ".join(allowed_subcategories(self.category))
            raise ValueError(
                f"unknown subcategory {self.subcategory!r} for {self.category}; allowed: {allowed}"
            )
        return self

    @model_validator(mode="after")
    def tiers_by_quantity(self) -> EntryIn:
        problem = tier_problem(self.reference_price, self.breaks())
        if problem:
            raise ValueError(problem)  # names price_breaks, so forms put it beside that field
        return self

    def breaks(self) -> tuple[PriceBreak, ...]:
        return tuple(PriceBreak(str(b.min_quantity), b.unit_price) for b in self.price_breaks)

    def submission(self) -> EntrySubmission:
        return EntrySubmission(
            **{
                **self.model_dump(exclude={"price_breaks"}),
                "regions": tuple(self.regions),
                "price_breaks": self.breaks(),
            }
        )
