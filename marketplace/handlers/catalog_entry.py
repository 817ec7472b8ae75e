"""A catalog entry as people submit it (API body, CSV row), validated against the taxonomy."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from marketplace.aggregates.taxonomy import allowed_subcategories, is_known
from marketplace.inputs import ItemCode, MoneyText, ShortText, UnitId

Category = Literal["product", "engineering", "service", "resource"]


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

    @model_validator(mode="after")
    def subcategory_of_category(self) -> EntryIn:
        if not is_known(self.category, self.subcategory):
            allowed = ", ".join(allowed_subcategories(self.category))
            raise ValueError(
                f"unknown subcategory {self.subcategory!r} for {self.category}; allowed: {allowed}"
            )
        return self
