"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.organisation import Level, Unit
from marketplace.api.pages import Paged
from marketplace.inputs import Moment, ShortText, UnitId


def money(value: Decimal) -> str:
    """An amount as the API writes it: a decimal string with two places."""
    return f"{value.quantize(Decimal('0.01'))}"


def number(value: Decimal) -> str:
    """A quantity as the API writes it: a decimal string without trailing zeros."""
    return format(value.normalize(), "f")


class Strict(BaseModel):
    # Unknown fields are refused: a misspelt optional field must not be silently ignored.
    # Texts and ids are stripped of surrounding spaces; numbers and times are not (see
    # marketplace/inputs.py: a padded number is refused).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PartyIn(Strict):
    """Which party the token acts for, on a contract or a dispute."""

    party_unit_id: UnitId | None = Field(
        default=None, description="Needed only when the token acts for both parties."
    )


class UnitIn(Strict):
    id: UnitId = Field(examples=["PWR-01"])
    name: ShortText = Field(min_length=1, max_length=200, examples=["Power Generation Co. 1"])
    level: Level
    parent_id: UnitId | None = Field(default=None, examples=["PWR"])
    sector: ShortText | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        examples=["power"],
        description="Defaults to the parent's sector (the group's is 'group').",
    )


class UnitPatch(Strict):
    name: ShortText | None = Field(default=None, min_length=1, max_length=200)
    parent_id: UnitId | None = None
    sector: ShortText | None = Field(default=None, min_length=1, max_length=64)
    active: bool | None = None


class UnitOut(BaseModel):
    id: str
    name: str
    level: Level
    parent_id: str | None
    sector: str
    active: bool

    @classmethod
    def of(cls, unit: Unit) -> UnitOut:
        return cls(
            id=unit.id,
            name=unit.name,
            level=unit.level,
            parent_id=unit.parent_id,
            sector=unit.sector,
            active=unit.active,
        )


class UnitList(BaseModel):
    items: list[UnitOut]


class TokenIn(Strict):
    unit_id: UnitId
    roles: list[Role] = Field(min_length=1, max_length=len(Role))
    label: ShortText = Field(default="", max_length=200)
    expires_at: Moment | None = Field(
        default=None,
        description="When the token stops working (in the future, within "
        "MARKETPLACE_TOKEN_MAX_LIFETIME_DAYS when set; without it, that lifetime or never).",
        examples=["2027-12-31T23:59:59Z"],
    )


class TokenOut(BaseModel):
    token: str = Field(description="Shown once; only its hash is stored.")
    token_id: str
    unit_id: str
    roles: list[Role]
    label: str
    expires_at: datetime | None = Field(description="null: never expires.")


class TokenInfo(BaseModel):
    """A token as listed: never its secret (that is shown once, at issue, and not kept)."""

    token_id: str
    unit_id: str
    roles: list[Role]
    label: str
    issued_at: datetime
    issued_by: dict[str, str | None] = Field(description="The unit and token that issued it.")
    revoked: bool
    revoked_at: datetime | None
    expires_at: datetime | None = Field(description="null: never expires.")


class TokenList(Paged):
    unit_id: str
    items: list[TokenInfo]
