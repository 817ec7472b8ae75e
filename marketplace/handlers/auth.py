"""Authentication of bearer tokens and the one place that decides who may act for whom."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from marketplace.aggregates.access_token import AccessToken, Role
from marketplace.aggregates.base import Actor
from marketplace.aggregates.organisation import Organisation
from marketplace.handlers.errors import Forbidden, Unauthenticated
from marketplace.handlers.ports import Services

BOOTSTRAP_TOKEN_ID = "bootstrap"
_SEPARATOR = "."


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: its token, the unit it belongs to and its roles."""

    token_id: str
    unit_id: str | None
    roles: frozenset[Role]

    @property
    def actor(self) -> Actor:
        return Actor(unit_id=self.unit_id, token_id=self.token_id)

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


def hash_secret(secret: str) -> str:
    """SHA-256 hex digest. Secrets are 256-bit random, so a slow KDF would add nothing."""
    return hashlib.sha256(secret.encode()).hexdigest()


def mint_token(token_id: str) -> tuple[str, str]:
    """A new bearer token for `token_id` and the digest of its secret (the part we store)."""
    secret = secrets.token_urlsafe(32)
    return f"{token_id}{_SEPARATOR}{secret}", hash_secret(secret)


def authenticate(svc: Services, org: Organisation | None, bearer: str | None) -> Principal:
    """Resolve a bearer token to a principal, or raise Unauthenticated."""
    if not bearer:
        raise Unauthenticated()
    if svc.admin_token_hash and hmac.compare_digest(hash_secret(bearer), svc.admin_token_hash):
        group_id = org.group_id if org else None
        return Principal(BOOTSTRAP_TOKEN_ID, group_id, frozenset({Role.HQ_ADMIN}))
    token_id, sep, secret = bearer.partition(_SEPARATOR)
    token = svc.store.view(token_id, AccessToken) if sep and token_id else None
    if token is None or not hmac.compare_digest(hash_secret(secret), token.secret_hash):
        raise Unauthenticated("The bearer token is not valid.")
    return _holder(svc, org, token)


def principal_of_token(svc: Services, org: Organisation | None, token_id: str) -> Principal:
    """The principal of a token already proven by its secret (a portal session keeps only the
    id): checked now as `authenticate` checks it, so a revoked token stops at once."""
    token = svc.store.view(token_id, AccessToken)
    if token is None:
        raise Unauthenticated("The token no longer exists.")
    return _holder(svc, org, token)


def _holder(svc: Services, org: Organisation | None, token: AccessToken) -> Principal:
    """The token's principal, unless it is revoked, expired or its unit deactivated."""
    if token.revoked:
        raise Unauthenticated("The bearer token has been revoked.")
    if token.expires_at is not None and token.expired(svc.clock()):
        raise Unauthenticated(
            f"This token expired at {token.expires_at.isoformat(timespec='seconds')}; "
            "ask an hq_admin for a new one."
        )
    unit = org.units.get(token.unit_id) if org else None
    if unit is None or not unit.active:
        raise Unauthenticated("The bearer token's unit is deactivated.")
    return Principal(token.id, token.unit_id, token.roles)


def acts_for(principal: Principal, unit_id: str, org: Organisation) -> bool:
    """May the principal act on behalf of `unit_id`?

    hq_admin: any unit; platform_admin: its platform's subtree; unit_operator: its own unit.
    Auditors and BI readers only read.
    """
    if unit_id not in org.units:
        return principal.has(Role.HQ_ADMIN)
    if principal.has(Role.HQ_ADMIN):
        return True
    if principal.unit_id is None:
        return False
    if principal.has(Role.PLATFORM_ADMIN) and org.is_within(unit_id, principal.unit_id):
        return True
    return principal.has(Role.UNIT_OPERATOR) and unit_id == principal.unit_id


def speaks_for(principal: Principal, unit_id: str | None) -> bool:
    """Acting as that very unit (a mediator's decision): not any superior of it, not HQ for a
    platform's mediation."""
    return (
        unit_id is not None
        and principal.unit_id == unit_id
        and principal.has(Role.HQ_ADMIN, Role.PLATFORM_ADMIN, Role.UNIT_OPERATOR)
    )


def require_acts_for(principal: Principal, unit_id: str, org: Organisation) -> None:
    if not acts_for(principal, unit_id, org):
        raise Forbidden(f"This token cannot act for unit {unit_id!r}.", {"unit_id": unit_id})


def party_acted_for(
    principal: Principal,
    parties: Sequence[str],
    org: Organisation,
    wanted: str | None,
    record: str,
) -> str:
    """The party of `record` (a contract, a dispute) the caller acts for: `wanted`, or the only
    party it can act for (HQ, or a platform admin over both, names one with `party_unit_id`)."""
    mine = [p for p in parties if wanted in (None, p) and acts_for(principal, p, org)]
    if not mine:
        raise Forbidden(f"This token acts for neither party of {record}.")
    if len(mine) > 1:
        raise Forbidden("This token acts for both parties: say which with `party_unit_id`.")
    return mine[0]


def require_role(principal: Principal, *roles: Role) -> None:
    if not principal.has(*roles):
        wanted = [r.value for r in roles]
        raise Forbidden(
            f"This needs one of the roles: {', '.join(wanted)}.", {"required_roles": wanted}
        )


def require_auditor(principal: Principal) -> None:
    """The audit trail (events, past states, the hash chain) is read by auditors and HQ."""
    require_role(principal, Role.AUDITOR, Role.HQ_ADMIN)


def lowest_common_superior(org: Organisation, a: str, b: str) -> str | None:
    """The unit that mediates between `a` and `b`: the nearest unit above both."""
    return org.lowest_common_superior(a, b)
