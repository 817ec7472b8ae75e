"""Access tokens: HQ issues one to a unit (only its digest is stored), holders revoke their own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from marketplace.aggregates.access_token import Role
from marketplace.handlers import tokens
from marketplace.handlers.auth import Principal, authenticate
from marketplace.handlers.errors import Forbidden, InvalidField, NotFound
from marketplace.handlers.organisation import load_organisation
from marketplace.handlers.units import UpdateUnit, update_unit
from tests.unit.handlers.world import AUDITOR, HQ_ADMIN, Command, World, operator

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
