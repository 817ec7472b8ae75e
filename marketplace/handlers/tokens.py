"""Use cases of access tokens: issue one to a unit with roles, revoke one."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.aggregates.access_token import AccessToken, Role
from marketplace.aggregates.base import Actor
from marketplace.handlers.auth import Principal, mint_token, require_role
from marketplace.handlers.errors import NotFound
from marketplace.handlers.ports import Services
from marketplace.handlers.units import load_organisation


@dataclass(frozen=True)
class IssueToken:
    unit_id: str
    roles: list[Role]
    label: str = ""


@dataclass(frozen=True)
class IssuedToken:
    """The bearer token is returned once, here; only its digest is stored."""

    token: str
    token_id: str
    unit_id: str
    roles: list[Role]
    label: str


def issue_token(svc: Services, principal: Principal, cmd: IssueToken) -> IssuedToken:
    require_role(principal, Role.HQ_ADMIN)
    return issue_token_as(svc, principal.actor, cmd)


def issue_token_as(svc: Services, actor: Actor, cmd: IssueToken) -> IssuedToken:
    """Issue without a caller's token: for the CLI and the demo, which own the store."""
    org = load_organisation(svc)
    if org is None or cmd.unit_id not in org.units:
        raise NotFound(f"Unit {cmd.unit_id!r} does not exist.", {"unit_id": cmd.unit_id})
    token_id = svc.new_id("tok")
    bearer, secret_hash = mint_token(token_id)
    token = AccessToken.issue(
        token_id,
        org.units[cmd.unit_id],
        cmd.roles,
        cmd.label,
        secret_hash,
        actor=actor,
        timestamp=svc.clock(),
    )
    svc.store.save(token)
    roles = sorted(token.roles)
    return IssuedToken(bearer, token_id, cmd.unit_id, roles, cmd.label)


def revoke_token(svc: Services, principal: Principal, token_id: str) -> None:
    """hq_admin revokes any token; any holder may revoke its own."""
    if token_id != principal.token_id:
        require_role(principal, Role.HQ_ADMIN)
    revoke_token_as(svc, principal.actor, token_id)


def revoke_token_as(svc: Services, actor: Actor, token_id: str) -> None:
    def attempt() -> None:
        token = svc.store.get(token_id, AccessToken)
        if token is None:
            raise NotFound(f"Token {token_id!r} does not exist.", {"token_id": token_id})
        token.revoke(actor, svc.clock())
        if token.pending_events:
            svc.store.save(token)

    svc.retrying(attempt)
