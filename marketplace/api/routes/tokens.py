"""`/v1/tokens`: issue and revoke bearer tokens."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from marketplace.api.deps import PrincipalDep, ServicesDep
from marketplace.api.schemas import TokenIn, TokenOut
from marketplace.handlers import tokens

router = APIRouter(prefix="/v1/tokens", tags=["authentication"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TokenOut)
def issue_token(body: TokenIn, svc: ServicesDep, principal: PrincipalDep) -> TokenOut:
    """Issue a token to a unit with roles (hq_admin). The token is shown only here."""
    issued = tokens.issue_token(
        svc, principal, tokens.IssueToken(body.unit_id, body.roles, body.label)
    )
    return TokenOut(
        token=issued.token,
        token_id=issued.token_id,
        unit_id=issued.unit_id,
        roles=issued.roles,
        label=issued.label,
    )


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: str, svc: ServicesDep, principal: PrincipalDep) -> Response:
    """Revoke a token (hq_admin, or the token's own holder). Idempotent."""
    tokens.revoke_token(svc, principal, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
