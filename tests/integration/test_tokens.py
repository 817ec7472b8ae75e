"""Tokens on a real store: issued once, stored as a hash, authenticated, revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor, DomainError
from marketplace.demo import organisation_yaml
from marketplace.handlers.auth import BOOTSTRAP_TOKEN_ID, authenticate
from marketplace.handlers.errors import Forbidden, InvalidField, NotFound, Unauthenticated
from marketplace.handlers.organisation import load_organisation
from marketplace.handlers.ports import Services
from marketplace.handlers.tokens import IssueToken, issue_token, list_tokens, revoke_token
from marketplace.handlers.unit_import import import_units
from marketplace.handlers.units import UpdateUnit, update_unit
from tests.integration.api_app import serve_in_process, settings_for
from tests.integration.conftest import ADMIN_TOKEN, HQ_ADMIN, StoreFactory, services_on


@pytest.fixture
def group(svc: Services) -> Services:
    import_units(svc, Actor(None, "cli"), organisation_yaml())
    return svc


def login(svc: Services, bearer: str | None) -> object:
    return authenticate(svc, load_organisation(svc), bearer)


def test_an_issued_token_authenticates_as_its_unit_and_roles(group: Services) -> None:
    issued = issue_token(group, HQ_ADMIN, IssueToken("PWR", [Role.PLATFORM_ADMIN], "ops"))
    principal = login(group, issued.token)
    assert principal == type(principal)(issued.token_id, "PWR", frozenset({Role.PLATFORM_ADMIN}))  # type: ignore[call-arg]


def test_only_the_hash_of_the_secret_is_stored(group: Services, open_store: StoreFactory) -> None:
    issued = issue_token(group, HQ_ADMIN, IssueToken("PWR-01", [Role.UNIT_OPERATOR]))
    secret = issued.token.partition(".")[2].encode()
    states = [n.state for n in open_store().read(0, 10_000)]
    assert states and not any(secret in state for state in states)


@pytest.mark.parametrize("bearer", [None, "", "garbage", "tok_nope.secret", "no-separator-at-all"])
def test_unknown_tokens_are_unauthenticated(group: Services, bearer: str | None) -> None:
    with pytest.raises(Unauthenticated):
        login(group, bearer)


def test_a_right_id_with_a_wrong_secret_is_unauthenticated(group: Services) -> None:
    issued = issue_token(group, HQ_ADMIN, IssueToken("PWR-01", [Role.UNIT_OPERATOR]))
    with pytest.raises(Unauthenticated):
        login(group, issued.token_id + ".wrong")


@pytest.mark.both_stores
def test_a_revoked_token_stops_working_in_every_process(
    group: Services, open_store: StoreFactory
) -> None:
    issued = issue_token(group, HQ_ADMIN, IssueToken("PWR-01", [Role.UNIT_OPERATOR]))
    other_process = services_on(open_store())
    login(other_process, issued.token)  # warms its cache
    revoke_token(group, HQ_ADMIN, issued.token_id)
    with pytest.raises(Unauthenticated, match="revoked"):
        login(other_process, issued.token)


def test_holders_may_revoke_their_own_token_but_not_others(group: Services) -> None:
    mine = issue_token(group, HQ_ADMIN, IssueToken("PWR-01", [Role.UNIT_OPERATOR]))
    theirs = issue_token(group, HQ_ADMIN, IssueToken("PWR-02", [Role.UNIT_OPERATOR]))
    me = login(group, mine.token)
    with pytest.raises(Forbidden):
        revoke_token(group, me, theirs.token_id)  # type: ignore[arg-type]
    revoke_token(group, me, mine.token_id)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        revoke_token(group, HQ_ADMIN, "tok_missing")


def test_tokens_of_a_deactivated_unit_stop_working(group: Services) -> None:
    issued = issue_token(group, HQ_ADMIN, IssueToken("SVC-03", [Role.UNIT_OPERATOR]))
    update_unit(group, HQ_ADMIN, UpdateUnit("SVC-03", active=False))
    with pytest.raises(Unauthenticated, match="deactivated"):
        login(group, issued.token)


def test_the_bootstrap_token_acts_as_hq_admin(group: Services) -> None:
    principal = login(group, ADMIN_TOKEN)
    assert principal.token_id == BOOTSTRAP_TOKEN_ID  # type: ignore[attr-defined]
    assert principal.unit_id == "HQ"  # type: ignore[attr-defined]


def test_refusals_store_nothing(group: Services) -> None:
    head = group.store.head()
    with pytest.raises(DomainError):
        issue_token(group, HQ_ADMIN, IssueToken("PWR-01", [Role.HQ_ADMIN]))
    with pytest.raises(NotFound):
        issue_token(group, HQ_ADMIN, IssueToken("NOPE", [Role.AUDITOR]))
    operator = login(
        group, issue_token(group, HQ_ADMIN, IssueToken("PWR-01", [Role.UNIT_OPERATOR])).token
    )
    head = group.store.head()
    with pytest.raises(Forbidden):
        issue_token(group, operator, IssueToken("PWR-01", [Role.UNIT_OPERATOR]))  # type: ignore[arg-type]
    assert group.store.head() == head


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2027, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_a_token_stops_working_at_its_expiry(group: Services) -> None:
    clock = Clock()
    group.clock = clock
    expiry = clock.now + timedelta(hours=1)
    issued = issue_token(
        group, HQ_ADMIN, IssueToken("PWR-01", [Role.UNIT_OPERATOR], expires_at=expiry)
    )
    assert issued.expires_at == expiry
    clock.now = expiry - timedelta(seconds=1)
    assert login(group, issued.token).unit_id == "PWR-01"  # type: ignore[attr-defined]
    clock.now = expiry
    with pytest.raises(Unauthenticated, match="This token expired at 2027-01-01T01:00:00"):
        login(group, issued.token)


def test_an_expiry_must_be_in_the_future_and_within_the_longest_lifetime(
    group: Services,
) -> None:
    clock = Clock()
    group.clock = clock
    head = group.store.head()
    with pytest.raises(InvalidField) as info:
        issue_token(group, HQ_ADMIN, IssueToken("PWR-01", [Role.AUDITOR], expires_at=clock.now))
    assert info.value.details[0]["field"] == "expires_at"
    group.token_max_lifetime = timedelta(days=30)
    with pytest.raises(InvalidField) as info:
        issue_token(
            group,
            HQ_ADMIN,
            IssueToken("PWR-01", [Role.AUDITOR], expires_at=clock.now + timedelta(days=31)),
        )
    assert "at most 30 days" in info.value.details[0]["message"]
    assert group.store.head() == head
    defaulted = issue_token(group, HQ_ADMIN, IssueToken("PWR-01", [Role.AUDITOR]))
    assert defaulted.expires_at == clock.now + timedelta(days=30)
    (listed,) = list_tokens(group, HQ_ADMIN, "PWR-01")
    assert listed.expires_at == defaulted.expires_at


def test_without_a_longest_lifetime_a_token_never_expires(group: Services) -> None:
    issued = issue_token(group, HQ_ADMIN, IssueToken("PWR-01", [Role.AUDITOR]))
    assert issued.expires_at is None
    group.clock = lambda: datetime(2200, 1, 1, tzinfo=UTC)
    assert login(group, issued.token).unit_id == "PWR-01"  # type: ignore[attr-defined]


def test_the_longest_lifetime_setting_reaches_the_api(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, token_max_lifetime_days=1)
    with serve_in_process(settings) as api:
        body = {"unit_id": "PWR-01", "roles": ["auditor"]}
        issued = api.client.post("/v1/tokens", json=body, headers=api.admin).json()
        expires_at = datetime.fromisoformat(issued["expires_at"])
        assert abs(expires_at - (datetime.now(UTC) + timedelta(days=1))) < timedelta(minutes=1)
        too_long = (datetime.now(UTC) + timedelta(days=2)).isoformat()
        refused = api.client.post(
            "/v1/tokens", json=body | {"expires_at": too_long}, headers=api.admin
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["details"][0]["type"] == "beyond_max_lifetime"
