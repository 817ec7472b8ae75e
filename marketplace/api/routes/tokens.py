"""`/v1/tokens`: issue, list and revoke bearer tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from marketplace.aggregates.access_token import Role
from marketplace.api.deps import PrincipalDep, ServicesDep
from marketplace.api.pages import Paged, PageDep, page_of
from marketplace.api.schemas import Strict
from marketplace.handlers import tokens
from marketplace.inputs import Moment, ShortText, UnitId

router = APIRouter(prefix="/v1/tokens", tags=["authentication"])


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


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TokenOut)
def issue_token(body: TokenIn, svc: ServicesDep, principal: PrincipalDep) -> TokenOut:
    """Issue a token to a unit with roles (hq_admin). The token is shown only here."""
    issued = tokens.issue_token(
        svc, principal, tokens.IssueToken(body.unit_id, body.roles, body.label, body.expires_at)
    )
    return TokenOut(
        token=issued.token,
        token_id=issued.token_id,
        unit_id=issued.unit_id,
        roles=issued.roles,
        label=issued.label,
        expires_at=issued.expires_at,
    )


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: str, svc: ServicesDep, principal: PrincipalDep) -> Response:
    """Revoke a token (hq_admin, or the token's own holder). Idempotent."""
    tokens.revoke_token(svc, principal, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("", response_model=TokenList)
def list_tokens(
    svc: ServicesDep,
    principal: PrincipalDep,
    page: PageDep,
    unit_id: Annotated[UnitId, Query(description="The unit whose tokens to list.")],
) -> TokenList:
    """The tokens issued to a unit, oldest first, revoked ones included (hq_admin, auditor)."""
    issued = tokens.list_tokens(svc, principal, unit_id)  # a unit holds few: paged in memory
    on_page, next_cursor = page_of(f"tokens:{unit_id}", issued, lambda t: t.id, page)
    return TokenList(
        unit_id=unit_id,
        next_cursor=next_cursor,
        items=[
            TokenInfo(
                token_id=t.id,
                unit_id=t.unit_id,
                roles=sorted(t.roles),
                label=t.label,
                issued_at=t.created_on,
                issued_by={"unit_id": t.issued_by.unit_id, "token_id": t.issued_by.token_id},
                revoked=t.revoked,
                revoked_at=t.revoked_at,
                expires_at=t.expires_at,
            )
            for t in on_page
        ],
    )
