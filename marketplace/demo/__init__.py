"""The demo energy group of `marketplace serve --demo`."""

from __future__ import annotations

from importlib import resources

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor
from marketplace.aggregates.organisation import Level
from marketplace.handlers.ports import Services
from marketplace.handlers.tokens import IssuedToken, IssueToken, issue_token_as
from marketplace.handlers.unit_import import import_units, parse_units_file

DEMO_ACTOR = Actor(unit_id=None, token_id="demo")


def organisation_yaml() -> str:
    """The demo organisation file; also the example of the `units import` format."""
    return resources.files(__package__).joinpath("organisation.yaml").read_text("utf-8")


def seed_demo(svc: Services) -> list[IssuedToken]:
    """Create the demo group and a token for every role; call on an empty store only."""
    text = organisation_yaml()
    import_units(svc, DEMO_ACTOR, text)
    entries = [entry for _, _, entry in parse_units_file(text)]
    group = next(e for e in entries if e.level is Level.GROUP)
    actor = Actor(unit_id=group.id, token_id="demo")
    wanted: list[IssueToken] = [
        IssueToken(group.id, [Role.HQ_ADMIN], "demo HQ administrator"),
        IssueToken(group.id, [Role.AUDITOR], "demo group auditor"),
        IssueToken(group.id, [Role.BI_READER], "demo BI system"),
    ]
    for entry in entries:
        if entry.level is Level.PLATFORM:
            wanted.append(IssueToken(entry.id, [Role.PLATFORM_ADMIN], f"demo {entry.id} admin"))
        elif entry.level is Level.ENTERPRISE:
            wanted.append(IssueToken(entry.id, [Role.UNIT_OPERATOR], f"demo {entry.id} operator"))
    return [issue_token_as(svc, actor, cmd) for cmd in wanted]
