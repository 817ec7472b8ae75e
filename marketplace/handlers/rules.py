"""Use cases of the group's rules (paper §3.4.3①): HQ publishes versions, a platform publishes
its own assessment scheme; any signed-in token reads them; the other use cases ask here which
rules apply (a tender's default margin, the reminders' lead, an assessment's weights)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import DomainError
from marketplace.aggregates.organisation import Level, Organisation
from marketplace.aggregates.rules import (
    DEFAULTS,
    KEEP,
    RULES_ID,
    GroupRules,
    Keep,
    PlatformScheme,
    RulesVersion,
)
from marketplace.handlers.auth import Principal, require_acts_for, require_role
from marketplace.handlers.errors import NotFound
from marketplace.handlers.organisation import active_unit, chart
from marketplace.handlers.ports import Services


@dataclass(frozen=True)
class PublishRules:
    """A version to publish; None (and KEEP) fields are as in the version in force that day."""

    effective_from: date
    weights: Mapping[str, int] | None = None
    internal_preference_margin_pct: Decimal | None = None
    arm_length_tolerance_pct: Decimal | None = None
    benefit_split: tuple[Decimal, Decimal] | None = None
    reminder_lead_hours: int | Keep | None = KEEP


@dataclass(frozen=True)
class AppliedScheme:
    """The weights an assessment uses, and whose they are: HQ's version `rules_version`, or
    the unit's platform's own `platform_scheme`."""

    weights: dict[str, int]
    rules_version: int
    platform_scheme: PlatformScheme | None


def group_rules(svc: Services) -> GroupRules | None:
    """The rules' stream (shared, read only); None until anything was published."""
    return svc.store.view(RULES_ID, GroupRules)


def day_of(svc: Services, at: datetime) -> date:
    """A moment's day in the group's time zone: rules change at a day's start there."""
    return at.astimezone(svc.zone).date()


def in_force(svc: Services, day: date) -> RulesVersion:
    rules = group_rules(svc)
    return rules.in_force(day) if rules is not None else DEFAULTS


def in_force_at(svc: Services, at: datetime) -> RulesVersion:
    return in_force(svc, day_of(svc, at))


def default_margin(svc: Services, at: datetime) -> Decimal:
    """A tender's internal-preference margin when its launch names none."""
    return in_force_at(svc, at).internal_preference_margin_pct


def reminder_lead(svc: Services, at: datetime) -> timedelta | None:
    """The reminders' lead the rules set at `at`; None: the deployment's setting."""
    hours = in_force_at(svc, at).reminder_lead_hours
    return None if hours is None else timedelta(hours=hours)


def versions(svc: Services) -> list[RulesVersion]:
    """Every version, version 0 first."""
    rules = group_rules(svc)
    return [DEFAULTS, *(rules.versions if rules is not None else [])]


def _platform(org: Organisation, unit_id: str) -> None:
    if org.get(unit_id).level is not Level.PLATFORM:
        raise DomainError(
            "not_a_platform",
            f"Unit {unit_id!r} is not a platform: assessment schemes are the platforms' own.",
            {"unit_id": unit_id, "level": org.get(unit_id).level.value},
        )


def _read_platform(svc: Services, unit_id: str) -> None:
    """A platform's schemes are read by its id: another unit has none to read (404)."""
    if chart(svc).get(unit_id).level is not Level.PLATFORM:
        raise NotFound(f"Unit {unit_id!r} is not a platform: it has no schemes.", {"id": unit_id})


def platform_schemes(svc: Services, platform_unit_id: str) -> list[PlatformScheme]:
    """The platform's schemes, oldest first (404 for a unit that is no platform)."""
    _read_platform(svc, platform_unit_id)
    rules = group_rules(svc)
    return list(rules.schemes.get(platform_unit_id, [])) if rules is not None else []


def platform_scheme_in_force(svc: Services, platform_unit_id: str, day: date) -> PlatformScheme:
    """The platform's scheme in force on `day`; NotFound when its units follow HQ's weights."""
    _read_platform(svc, platform_unit_id)
    rules = group_rules(svc)
    found = rules.scheme_in_force(platform_unit_id, day) if rules is not None else None
    if found is None:
        raise NotFound(
            f"Platform {platform_unit_id!r} has no assessment scheme in force on {day}: its "
            "units are assessed by HQ's rules.",
            {"platform_unit_id": platform_unit_id, "rules_version": in_force(svc, day).version},
        )
    return found


def scheme_for(
    rules: GroupRules | None, org: Organisation, unit_id: str, day: date
) -> AppliedScheme:
    """The weights assessing `unit_id` on `day`: an enterprise's platform's own scheme when one
    is in force, else (and for a platform) HQ's version in force."""
    version = rules.in_force(day) if rules is not None else DEFAULTS
    platform = org.platform_of(unit_id)
    scheme = None
    if rules is not None and platform is not None and platform != unit_id:
        scheme = rules.scheme_in_force(platform, day)
    weights = scheme.assessment_weights if scheme is not None else version.assessment_weights
    return AppliedScheme(weights, version.version, scheme)


def _rules_to_change(svc: Services, org: Organisation, principal: Principal) -> GroupRules:
    """The rules' stream as a private copy, started (not saved) when nothing was published."""
    found = svc.store.get(RULES_ID, GroupRules)
    if found is not None:
        return found
    if org.group_id is None:
        raise NotFound("The organisation has no group unit yet.")
    return GroupRules(id=RULES_ID, group_unit_id=org.group_id, actor=principal.actor,
                      timestamp=svc.clock())  # fmt: skip


def publish_rules(svc: Services, principal: Principal, cmd: PublishRules) -> RulesVersion:
    """HQ publishes a version of the group's rules, in force from a day (today or later)."""
    require_role(principal, Role.HQ_ADMIN)
    org = chart(svc)

    def attempt() -> RulesVersion:
        rules = _rules_to_change(svc, org, principal)
        published = rules.publish(
            cmd.effective_from,
            svc.today(),
            principal.actor,
            svc.clock(),
            weights=cmd.weights,
            margin_pct=cmd.internal_preference_margin_pct,
            tolerance_pct=cmd.arm_length_tolerance_pct,
            split=cmd.benefit_split,
            reminder_lead_hours=cmd.reminder_lead_hours,
        )
        svc.store.save(rules)
        return published

    return svc.retrying(attempt)


def publish_platform_scheme(
    svc: Services,
    principal: Principal,
    platform_unit_id: str,
    effective_from: date,
    weights: Mapping[str, int],
) -> PlatformScheme:
    """A platform's admin (or HQ) publishes the platform's own assessment scheme."""
    require_role(principal, Role.HQ_ADMIN, Role.PLATFORM_ADMIN)
    org = chart(svc)
    require_acts_for(principal, platform_unit_id, org)
    _platform(org, platform_unit_id)
    active_unit(org, platform_unit_id)

    def attempt() -> PlatformScheme:
        rules = _rules_to_change(svc, org, principal)
        scheme = rules.publish_platform_scheme(
            platform_unit_id, effective_from, weights, svc.today(), principal.actor, svc.clock()
        )
        svc.store.save(rules)
        return scheme

    return svc.retrying(attempt)
