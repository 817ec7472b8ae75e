"""Access tokens: HQ issues one to a unit (only its digest is stored), holders revoke their own;
a bearer token authenticates until it is revoked, expires or its unit is deactivated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from marketplace.aggregates.access_token import Role
from marketplace.handlers import tokens
from marketplace.handlers.auth import BOOTSTRAP_TOKEN_ID, Principal, authenticate
from marketplace.handlers.errors import Forbidden, InvalidField, NotFound, Unauthenticated
from marketplace.handlers.organisation import load_organisation
from marketplace.handlers.units import UpdateUnit, update_unit
from tests.unit.handlers.world import (
    ADMIN_TOKEN,
    AUDITOR,
    HQ_ADMIN,
    T0,
    Command,
    World,
    operator,
)

ISSUE = tokens.IssueToken("PWR-01", [Role.UNIT_OPERATOR], "ops")


def issue(cmd: tokens.IssueToken = ISSUE, by: Principal = HQ_ADMIN) -> Command[tokens.IssuedToken]:
    return lambda s: tokens.issue_token(s, by, cmd)


def login(world: World, bearer: str | None) -> Principal:
    return authenticate(world.svc, load_organisation(world.svc), bearer)


def test_a_first_token_opens_the_units_registry_and_only_its_digest_is_stored(
    group: World,
) -> None:
    outcome = group.when(issue())
    issued = outcome.appended(
        "AccessToken.Issued", "TokenRegistry.Opened", "TokenRegistry.Registered"
    )
    outcome.event("AccessToken.Issued", unit_id="PWR-01", label="ops")
    secret = issued.token.partition(".")[2]
    assert secret and secret not in repr([vars(e) for e in outcome.events])
    second = group.when(issue())
    second.appended("AccessToken.Issued", "TokenRegistry.Registered")
    assert login(group, issued.token) == Principal(
        issued.token_id, "PWR-01", frozenset({Role.UNIT_OPERATOR})
    )


def test_issuing_refusals(group: World) -> None:
    group.when(issue(by=operator("PWR-01"))).refused("forbidden", Forbidden)
    group.when(issue(tokens.IssueToken("NOPE", [Role.AUDITOR]))).refused("not_found", NotFound)
    group.when(issue(tokens.IssueToken("PWR-01", [Role.HQ_ADMIN]))).refused(
        "role_not_allowed_for_unit"
    )
    group.given(lambda s: update_unit(s, HQ_ADMIN, UpdateUnit("SVC-03", active=False)))
    group.when(issue(tokens.IssueToken("SVC-03", [Role.UNIT_OPERATOR]))).refused("unit_inactive")


def test_an_expiry_must_be_in_the_future_and_within_the_longest_lifetime(group: World) -> None:
    group.svc.token_max_lifetime = timedelta(days=90)
    now = group.svc.clock()
    at = lambda delta: tokens.IssueToken("PWR-01", [Role.UNIT_OPERATOR], expires_at=now + delta)  # noqa: E731
    past: Any = group.when(issue(at(timedelta(seconds=-1)))).refused(
        "invalid_request", InvalidField
    )
    assert past.details[0]["type"] == "not_in_future"
    far: Any = group.when(issue(at(timedelta(days=91)))).refused("invalid_request")
    assert far.details[0]["type"] == "beyond_max_lifetime"
    default = group.when(issue()).ok()
    assert default.expires_at is not None and default.expires_at - now < timedelta(
        days=90, minutes=1
    )


def test_holders_revoke_their_own_token_hq_any(group: World) -> None:
    mine = group.given(issue())
    theirs = group.given(issue(tokens.IssueToken("PWR-02", [Role.UNIT_OPERATOR])))
    me = login(group, mine.token)
    group.when(lambda s: tokens.revoke_token(s, me, theirs.token_id)).refused("forbidden")
    group.when(lambda s: tokens.revoke_token(s, me, mine.token_id)).appended("AccessToken.Revoked")
    group.when(lambda s: tokens.revoke_token(s, HQ_ADMIN, mine.token_id)).appended()
    group.when(lambda s: tokens.revoke_token(s, HQ_ADMIN, "tok_missing")).refused("not_found")


def test_hq_and_auditors_list_a_units_tokens(group: World) -> None:
    first = group.given(issue())
    group.given(issue(tokens.IssueToken("PWR-02", [Role.UNIT_OPERATOR])))
    listed = tokens.list_tokens(group.svc, AUDITOR, "PWR-01")
    assert [t.id for t in listed] == [first.token_id]
    group.when(lambda s: tokens.list_tokens(s, operator("PWR-01"), "PWR-01")).refused("forbidden")


def test_no_secret_reaches_the_stored_bytes(group: World) -> None:
    issued = group.given(issue())
    secret = issued.token.partition(".")[2].encode()
    states = [record.state for record in group.store.read(0, 10_000)]
    assert states and not any(secret in state for state in states)


@pytest.mark.parametrize("bearer", [None, "", "garbage", "tok_nope.secret", "no-separator"])
def test_unknown_tokens_are_unauthenticated(group: World, bearer: str | None) -> None:
    with pytest.raises(Unauthenticated):
        login(group, bearer)


def test_a_right_id_with_a_wrong_secret_is_unauthenticated(group: World) -> None:
    issued = group.given(issue())
    with pytest.raises(Unauthenticated):
        login(group, issued.token_id + ".wrong")


def test_revoked_tokens_and_those_of_a_deactivated_unit_stop_working(group: World) -> None:
    revoked = group.given(issue())
    login(group, revoked.token)
    group.given(lambda s: tokens.revoke_token(s, HQ_ADMIN, revoked.token_id))
    with pytest.raises(Unauthenticated, match="revoked"):
        login(group, revoked.token)
    closed = group.given(issue(tokens.IssueToken("SVC-03", [Role.UNIT_OPERATOR])))
    group.given(lambda s: update_unit(s, HQ_ADMIN, UpdateUnit("SVC-03", active=False)))
    with pytest.raises(Unauthenticated, match="deactivated"):
        login(group, closed.token)


def test_the_bootstrap_token_acts_as_hq_admin(group: World) -> None:
    principal = login(group, ADMIN_TOKEN)
    assert (principal.token_id, principal.unit_id) == (BOOTSTRAP_TOKEN_ID, "HQ")
    assert principal.roles == frozenset({Role.HQ_ADMIN})


def test_a_token_stops_working_at_its_expiry(group: World) -> None:
    expiry = T0 + timedelta(hours=1)
    cmd = tokens.IssueToken("PWR-01", [Role.UNIT_OPERATOR], expires_at=expiry)
    assert group.given(issue(cmd)).expires_at == expiry
    issued = group.given(issue(cmd))
    group.svc.clock = lambda: expiry - timedelta(seconds=1)
    assert login(group, issued.token).unit_id == "PWR-01"
    group.svc.clock = lambda: expiry
    with pytest.raises(Unauthenticated, match="This token expired at 2027-01-01T01:00:00"):
        login(group, issued.token)


def test_without_a_longest_lifetime_a_token_never_expires(group: World) -> None:
    issued = group.given(issue())
    assert issued.expires_at is None
    group.svc.clock = lambda: datetime(2200, 1, 1, tzinfo=UTC)
    assert login(group, issued.token).unit_id == "PWR-01"


def test_the_longest_lifetime_is_the_default_expiry_and_is_listed(group: World) -> None:
    group.svc.token_max_lifetime = timedelta(days=30)
    group.svc.clock = lambda: T0
    defaulted = group.given(issue(tokens.IssueToken("PWR-01", [Role.AUDITOR])))
    assert defaulted.expires_at == T0 + timedelta(days=30)
    (listed,) = tokens.list_tokens(group.svc, HQ_ADMIN, "PWR-01")
    assert listed.expires_at == defaulted.expires_at
    refused: Any = group.when(
        issue(tokens.IssueToken("PWR-01", [Role.AUDITOR], expires_at=T0 + timedelta(days=31)))
    ).refused("invalid_request")
    assert refused.details[0]["field"] == "expires_at"
    assert "at most 30 days" in refused.details[0]["message"]
    now: Any = group.when(
        issue(tokens.IssueToken("PWR-01", [Role.AUDITOR], expires_at=T0))
    ).refused("invalid_request")
    assert (now.details[0]["field"], now.details[0]["type"]) == ("expires_at", "not_in_future")
