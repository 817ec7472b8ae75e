"""Use cases of access tokens: issue one to a unit with roles, revoke one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from marketplace.aggregates.access_token import AccessToken, Role, TokenRegistry
from marketplace.aggregates.base import Actor
from marketplace.handlers.auth import Principal, mint_token, require_role
from marketplace.handlers.errors import InvalidField, NotFound
from marketplace.handlers.organisation import load_organisation
from marketplace.handlers.ports import Services


@dataclass(frozen=True)
class IssueToken:
    unit_id: str
    roles: list[Role]
    label: str = ""
    expires_at: datetime | None = None


@dataclass(frozen=True)
class IssuedToken:
    """The bearer token is returned once, here; only its digest is stored."""

    token: str
    token_id: str
    unit_id: str
    roles: list[Role]
    label: str
    expires_at: datetime | None = None


def issue_token(svc: Services, principal: Principal, cmd: IssueToken) -> IssuedToken:
    require_role(principal, Role.HQ_ADMIN)
    return issue_token_as(svc, principal.actor, cmd)


def issue_token_as(svc: Services, actor: Actor, cmd: IssueToken) -> IssuedToken:
    """Issue without a caller's token: for the CLI and the demo, which own the store."""
    org = load_organisation(svc)
    if org is None or cmd.unit_id not in org.units:
        raise NotFound(f"Unit {cmd.unit_id!r} does not exist.", {"unit_id": cmd.unit_id})
    now = svc.clock()
    expires_at = _expiry(svc, now, cmd.expires_at)
    token_id = svc.new_id("tok")
    bearer, secret_hash = mint_token(token_id)

    def attempt() -> AccessToken:
        token = AccessToken.issue(
            token_id,
            org.units[cmd.unit_id],
            cmd.roles,
            cmd.label,
            secret_hash,
            actor=actor,
            timestamp=now,
            expires_at=expires_at,
        )
        registry = svc.store.get(TokenRegistry.id_for(cmd.unit_id), TokenRegistry)
        registry = registry or TokenRegistry.open(cmd.unit_id, actor, now)
        registry.register(token_id, actor, now)
        svc.store.save(token, registry)  # both or neither
        return token

    token = svc.retrying(attempt)
    roles = sorted(token.roles)
    return IssuedToken(bearer, token_id, cmd.unit_id, roles, cmd.label, expires_at)


def _expiry(svc: Services, now: datetime, wanted: datetime | None) -> datetime | None:
    """The asked expiry, checked against the clock and the longest lifetime allowed;
    without one, the longest lifetime (when the deployment sets one)."""
    longest = now + svc.token_max_lifetime if svc.token_max_lifetime else None
    if wanted is None:
        return longest
    if wanted <= now:
        raise InvalidField(
            "expires_at",
            f"expires_at must be in the future (the server's clock says "
            f"{now.isoformat(timespec='seconds')}).",
            "not_in_future",
        )
    if longest is not None and wanted > longest:
        days = svc.token_max_lifetime.days if svc.token_max_lifetime else 0
        raise InvalidField(
            "expires_at",
            f"expires_at may be at most {days} days ahead ({longest.isoformat(timespec='seconds')}"
            "; MARKETPLACE_TOKEN_MAX_LIFETIME_DAYS).",
            "beyond_max_lifetime",
        )
    return wanted


def list_tokens(svc: Services, principal: Principal, unit_id: str) -> list[AccessToken]:
    """The tokens issued to a unit, oldest first (hq_admin, auditors). Secrets are never kept."""
    require_role(principal, Role.HQ_ADMIN, Role.AUDITOR)
    org = load_organisation(svc)
    if org is None or unit_id not in org.units:
        raise NotFound(f"Unit {unit_id!r} does not exist.", {"unit_id": unit_id})
    registry = svc.store.get(TokenRegistry.id_for(unit_id), TokenRegistry)
    found = [svc.store.get(t, AccessToken) for t in (registry.token_ids if registry else [])]
    return [t for t in found if t is not None]


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
