"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.organisation import Level, Unit
from marketplace.handlers.unit_import import UNIT_ID_PATTERN


class Strict(BaseModel):
    # Unknown fields are refused: a misspelt optional field must not be silently ignored.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class UnitIn(Strict):
    id: str = Field(pattern=UNIT_ID_PATTERN, examples=["PWR-01"])
    name: str = Field(min_length=1, max_length=200, examples=["Power Generation Co. 1"])
    level: Level
    parent_id: str | None = Field(default=None, examples=["PWR"])
    sector: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        examples=["power"],
        description="Defaults to the parent's sector (the group's is 'group').",
    )


class UnitPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    parent_id: str | None = Field(default=None, pattern=UNIT_ID_PATTERN)
    sector: str | None = Field(default=None, min_length=1, max_length=64)
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
    unit_id: str = Field(pattern=UNIT_ID_PATTERN)
    roles: list[Role] = Field(min_length=1)
    label: str = Field(default="", max_length=200)


class TokenOut(BaseModel):
    token: str = Field(description="Shown once; only its hash is stored.")
    token_id: str
    unit_id: str
    roles: list[Role]
    label: str


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


class TokenList(BaseModel):
    unit_id: str
    items: list[TokenInfo]
