"""The group rules' use cases: who publishes, which version is in force at a moment (days start
at midnight in the group's time zone), and whose weights assess a unit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from marketplace.aggregates.assessment import WEIGHTS
from marketplace.handlers import rules
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import Services
from tests.unit.handlers.world import HQ_ADMIN, World, operator, platform_admin

SHANGHAI = ZoneInfo("Asia/Shanghai")
ONLY_QUALITY = {"supplier_quality": 100}


def publish(day: date) -> Callable[[Services], object]:
    return lambda s: rules.publish_rules(s, HQ_ADMIN, rules.PublishRules(day))


def test_a_version_takes_effect_at_midnight_in_the_groups_zone(group: World) -> None:
    group.svc.zone = SHANGHAI
    group.at(datetime(2027, 2, 20, tzinfo=UTC))
    outcome = group.when(publish(date(2027, 3, 1)))
    outcome.appended("GroupRules.Started", "GroupRules.Published")
    at = lambda *moment: rules.in_force_at(group.svc, datetime(*moment, tzinfo=UTC)).version  # noqa: E731
    assert at(2027, 2, 28, 15, 59, 59) == 0  # 23:59:59 in Shanghai
    assert at(2027, 2, 28, 16, 0, 0) == 1  # 00:00 on 1 March there, still February in UTC
    assert rules.default_margin(group.svc, datetime(2027, 3, 2, tzinfo=UTC)) == Decimal(0)
    assert rules.reminder_lead(group.svc, datetime(2027, 3, 2, tzinfo=UTC)) is None


def test_only_hq_publishes_versions_and_a_platform_its_own_scheme(group: World) -> None:
    day = group.svc.today()
    for caller in (platform_admin("PWR"), operator("PWR-01")):
        group.when(lambda s, p=caller: rules.publish_rules(s, p, rules.PublishRules(day))).refused(
            "forbidden"
        )
    scheme = lambda p, unit: lambda s: rules.publish_platform_scheme(s, p, unit, day, ONLY_QUALITY)  # noqa: E731
    group.when(scheme(platform_admin("HEAT"), "PWR")).refused("forbidden")
    group.when(scheme(operator("PWR-01"), "PWR")).refused("forbidden")
    group.when(scheme(HQ_ADMIN, "PWR-01")).refused("not_a_platform")
    mine = group.when(scheme(platform_admin("PWR"), "PWR"))
    mine.event("GroupRules.PlatformSchemePublished", platform_unit_id="PWR", version=1)


def test_a_platforms_scheme_weighs_its_enterprises_only(group: World) -> None:
    day = group.svc.today()
    group.given(lambda s: rules.publish_platform_scheme(s, HQ_ADMIN, "PWR", day, ONLY_QUALITY))
    found, org = rules.group_rules(group.svc), chart(group.svc)
    plant = rules.scheme_for(found, org, "PWR-01", day)
    assert (plant.weights, plant.rules_version) == (ONLY_QUALITY, 0)
    assert plant.platform_scheme is not None and plant.platform_scheme.version == 1
    platform = rules.scheme_for(found, org, "PWR", day)
    assert (platform.weights, platform.platform_scheme) == (WEIGHTS, None)
    other = rules.scheme_for(found, org, "HEAT-01", day)
    assert (other.weights, other.platform_scheme) == (WEIGHTS, None)
    assert rules.scheme_for(None, org, "PWR-01", day).weights == WEIGHTS  # nothing published
