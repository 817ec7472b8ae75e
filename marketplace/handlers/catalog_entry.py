"""A catalog entry as people submit it (API body, CSV row), validated against the taxonomy."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from marketplace.aggregates.taxonomy import allowed_subcategories, is_known
from marketplace.handlers.unit_import import UNIT_ID_PATTERN

MONEY_PATTERN = r"^(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$"
Category = Literal["product", "engineering", "service", "resource"]


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    supplier_unit_id: str = Field(pattern=UNIT_ID_PATTERN, examples=["HEAT-02"])
    category: Category
    subcategory: str = Field(min_length=1, max_length=64, examples=["heat"])
    item_code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,63}$", examples=["STEAM-LP"])
    item_name: str = Field(min_length=1, max_length=300, examples=["Low-pressure steam 0.8 MPa"])
    uom: str = Field(min_length=1, max_length=32, examples=["t"])
    reference_price: str | None = Field(
        default=None, pattern=MONEY_PATTERN, description="CNY per unit, a decimal string."
    )
    capacity: str | None = Field(default=None, max_length=200, examples=["120000 t/year"])
    regions: list[str] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def subcategory_of_category(self) -> EntryIn:
        if not is_known(self.category, self.subcategory):
            allowed = ", ".join(allowed_subcategories(self.category))
            raise ValueError(
                f"unknown subcategory {self.subcategory!r} for {self.category}; allowed: {allowed}"
            )
        return self
