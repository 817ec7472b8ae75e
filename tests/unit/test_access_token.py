"""Tokens: which roles fit which units, revocation, and bearer-token hashing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.aggregates.access_token import AccessToken, Role
from marketplace.aggregates.base import DomainError
from marketplace.handlers.auth import hash_secret, mint_token
from tests.unit.org_fixtures import ACTOR, T0, demo_chart


@pytest.mark.parametrize(
    ("unit_id", "role", "ok"),
    [
        ("HQ", Role.HQ_ADMIN, True),
        ("PWR", Role.HQ_ADMIN, False),
        ("PWR", Role.PLATFORM_ADMIN, True),
        ("PWR-01", Role.PLATFORM_ADMIN, False),
        ("PWR-01", Role.UNIT_OPERATOR, True),
        ("HQ", Role.AUDITOR, True),
        ("PWR-01", Role.BI_READER, True),
    ],
)
def test_roles_fit_unit_levels(unit_id: str, role: Role, ok: bool) -> None:
    unit = demo_chart().units[unit_id]
    if ok:
        token = AccessToken.issue("tok_1", unit, [role], "", "h", ACTOR, T0)
        assert token.roles == {role}
    else:
        with pytest.raises(DomainError) as info:
            AccessToken.issue("tok_1", unit, [role], "", "h", ACTOR, T0)
        assert info.value.code == "role_not_allowed_for_unit"


def test_an_inactive_unit_gets_no_token() -> None:
    org = demo_chart()
    org.update_unit("HEAT-01", ACTOR, T0, active=False)
    with pytest.raises(DomainError) as info:
        AccessToken.issue("tok_1", org.units["HEAT-01"], [Role.UNIT_OPERATOR], "", "h", ACTOR, T0)
    assert info.value.code == "unit_inactive"


def test_revoking_twice_records_one_event() -> None:
    token = AccessToken.issue("tok_1", demo_chart().units["HQ"], [Role.AUDITOR], "", "h", ACTOR, T0)
    token.revoke(ACTOR, T0)
    token.revoke(ACTOR, T0)
    assert [type(e).__name__ for e in token.collect_events()] == ["Issued", "Revoked"]
    assert token.revoked


def test_a_minted_token_names_its_id_and_only_the_secrets_hash_is_kept() -> None:
    bearer, digest = mint_token("tok_abc")
    token_id, _, secret = bearer.partition(".")
    assert token_id == "tok_abc"
    assert len(secret) >= 40
    assert digest == hash_secret(secret) != secret
    assert mint_token("tok_abc")[0] != bearer


def test_a_token_cannot_expire_before_it_is_issued() -> None:
    unit = demo_chart().units["PWR-01"]
    with pytest.raises(DomainError) as info:
        AccessToken.issue("tok_1", unit, [Role.AUDITOR], "", "h", ACTOR, T0, expires_at=T0)
    assert info.value.code == "expiry_not_in_future"
    later = T0 + timedelta(days=1)
    token = AccessToken.issue("tok_1", unit, [Role.AUDITOR], "", "h", ACTOR, T0, expires_at=later)
    assert not token.expired(later - timedelta(seconds=1)) and token.expired(later)
