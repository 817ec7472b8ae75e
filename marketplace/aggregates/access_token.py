"""API access tokens: issued to one unit with roles, stored only as a hash, revocable."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, DomainError, MarketAggregate, with_article
from marketplace.aggregates.organisation import Level, Unit


class Role(StrEnum):
    HQ_ADMIN = "hq_admin"
    PLATFORM_ADMIN = "platform_admin"
    UNIT_OPERATOR = "unit_operator"
    AUDITOR = "auditor"
    BI_READER = "bi_reader"


# A role is only meaningful on units of these levels: hq_admin acts for HQ, a platform
# admin's reach is a sector platform's subtree.
ROLE_LEVELS: dict[Role, frozenset[Level]] = {
    Role.HQ_ADMIN: frozenset({Level.GROUP}),
    Role.PLATFORM_ADMIN: frozenset({Level.PLATFORM}),
    Role.UNIT_OPERATOR: frozenset(Level),
    Role.AUDITOR: frozenset(Level),
    Role.BI_READER: frozenset(Level),
}


class AccessToken(MarketAggregate):
    """One bearer token. The secret itself is never stored, only its SHA-256 digest."""

    @classmethod
    def issue(
        cls,
        token_id: str,
        unit: Unit,
        roles: list[Role],
        label: str,
        secret_hash: str,
        actor: Actor,
        timestamp: datetime,
        expires_at: datetime | None = None,
    ) -> AccessToken:
        if not unit.active:
            raise DomainError(
                "unit_inactive",
                f"Unit {unit.id!r} is deactivated; it gets no new tokens.",
                {"unit_id": unit.id},
            )
        for role in roles:
            if unit.level not in ROLE_LEVELS[role]:
                levels = sorted(lv.value for lv in ROLE_LEVELS[role])
                raise DomainError(
                    "role_not_allowed_for_unit",
                    f"Role {role.value} can only be given to a unit of level "
                    f"{' or '.join(levels)}; {unit.id!r} is {with_article(unit.level.value)}.",
                    {"role": role.value, "unit_id": unit.id},
                )
        if expires_at is not None and expires_at <= timestamp:
            raise DomainError(
                "expiry_not_in_future",
                f"A token must expire after it is issued ({timestamp.isoformat()}).",
                {"expires_at": expires_at.isoformat()},
            )
        return cls(
            id=token_id,
            unit_id=unit.id,
            roles=sorted(r.value for r in set(roles)),
            label=label,
            secret_hash=secret_hash,
            actor=actor,
            timestamp=timestamp,
            expires_at=expires_at,
        )

    @event("Issued")
    def __init__(
        self,
        id: str,
        unit_id: str,
        roles: list[str],
        label: str,
        secret_hash: str,
        actor: Actor,
        timestamp: datetime,
        expires_at: datetime | None = None,  # tokens issued before expiry existed never expire
    ) -> None:
        self.unit_id = unit_id
        self.roles = frozenset(Role(r) for r in roles)
        self.label = label
        self.secret_hash = secret_hash
        self.revoked = False
        self.issued_by = actor
        self.revoked_at: datetime | None = None
        self.expires_at = expires_at

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def revoke(self, actor: Actor, timestamp: datetime) -> None:
        """Revoke the token; revoking a revoked token changes nothing (DELETE is idempotent)."""
        if not self.revoked:
            self._revoked(actor, timestamp)

    @event("Revoked")
    def _revoked(self, actor: Actor, timestamp: datetime) -> None:
        self.revoked = True
        self.revoked_at = timestamp


class TokenRegistry(MarketAggregate):
    """The ids of the tokens issued to one unit, so they can be listed without a scan.

    Saved together with each token it registers (one transaction); internal, never published.
    """

    @staticmethod
    def id_for(unit_id: str) -> str:
        return f"tokens-of-{unit_id}"

    @classmethod
    def open(cls, unit_id: str, actor: Actor, timestamp: datetime) -> TokenRegistry:
        return cls(id=cls.id_for(unit_id), unit_id=unit_id, actor=actor, timestamp=timestamp)

    @event("Opened")
    def __init__(self, id: str, unit_id: str, actor: Actor, timestamp: datetime) -> None:
        self.unit_id = unit_id
        self.token_ids: list[str] = []

    def register(self, token_id: str, actor: Actor, timestamp: datetime) -> None:
        if token_id not in self.token_ids:
            self._registered(token_id, actor, timestamp)

    @event("Registered")
    def _registered(self, token_id: str, actor: Actor, timestamp: datetime) -> None:
        self.token_ids.append(token_id)
