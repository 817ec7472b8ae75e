"""The group's synergy management rules as data (paper §3.4.3①): the versions HQ publishes, each
in force from a day in the group's time zone, and the assessment schemes platforms publish for
their own subtrees. Version 0 is the built-in defaults, in force until HQ publishes a version.

Which version is in force on a day: of the versions whose effective day is that day or before,
the one with the latest effective day, and of those the last published. A version is never
changed; a change is a new version (to call off a scheduled one, publish another for its day).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from eventsourcing.domain import event

from marketplace.aggregates.assessment import KPIS, WEIGHTS
from marketplace.aggregates.base import Actor, DomainError, Immutable, MarketAggregate

RULES_ID = "group-rules"
MAX_REMINDER_LEAD_HOURS = 24 * 30


class Keep(Enum):
    """A field a publication leaves as the version it follows has it."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class RulesVersion(Immutable):
    """One version of the group's rules. `reminder_lead_hours` None: the deployment's setting
    (`MARKETPLACE_REMINDER_LEAD_HOURS`)."""

    version: int
    effective_from: date | None  # None: version 0, in force from the beginning
    weights: tuple[tuple[str, int], ...]
    internal_preference_margin_pct: Decimal
    arm_length_tolerance_pct: Decimal
    benefit_split_demand_pct: Decimal
    benefit_split_supply_pct: Decimal
    reminder_lead_hours: int | None
    published_at: datetime | None = None
    published_by_unit_id: str | None = None

    @property
    def assessment_weights(self) -> dict[str, int]:
        return dict(self.weights)


@dataclass(frozen=True)
class PlatformScheme(Immutable):
    """A platform's own assessment scheme for its subtree: weights over KPIs it chose."""

    platform_unit_id: str
    version: int
    effective_from: date
    weights: tuple[tuple[str, int], ...]
    published_at: datetime
    published_by_unit_id: str | None

    @property
    def assessment_weights(self) -> dict[str, int]:
        return dict(self.weights)


# Version 0: the constants the platform had before rules were data. The arm's-length tolerance
# and the benefit split are used by the synergy benefit accounting (issue 20, parts 3-4).
DEFAULTS = RulesVersion(
    version=0,
    effective_from=None,
    weights=tuple(WEIGHTS.items()),
    internal_preference_margin_pct=Decimal(0),
    arm_length_tolerance_pct=Decimal(5),
    benefit_split_demand_pct=Decimal(50),
    benefit_split_supply_pct=Decimal(50),
    reminder_lead_hours=None,
)


# ----- the rules' checks (the API's bodies say them as 422s first) ---------------------------


def check_weights(weights: Mapping[str, int], *, every_kpi: bool) -> None:
    """Known KPIs, whole weights from 0 to 100 summing to 100; HQ's name every KPI
    (`every_kpi`: 0 leaves one out), a platform's the KPIs it chose."""
    unknown = sorted(k for k in weights if k not in KPIS)
    if unknown:
        raise DomainError(
            "unknown_kpi",
            f"Unknown KPI(s): {', '.join(unknown)}; the KPIs are {', '.join(KPIS)}.",
            {"unknown": unknown, "kpis": list(KPIS)},
        )
    missing = [k for k in KPIS if k not in weights] if every_kpi else []
    if missing:
        raise DomainError(
            "kpi_weight_missing",
            f"Give every KPI a weight (0 leaves it out): {', '.join(missing)} missing.",
            {"missing": missing},
        )
    wrong = sorted(k for k, w in weights.items() if not 0 <= w <= 100)
    if wrong:
        raise DomainError("weight_out_of_range", "Each weight is from 0 to 100.", {"kpis": wrong})
    total = sum(weights.values())
    if total != 100:
        raise DomainError(
            "weights_not_100", f"The weights must sum to 100; they sum to {total}.", {"sum": total}
        )


def check_percent(name: str, value: Decimal) -> None:
    if not Decimal(0) <= value <= Decimal(100):
        raise DomainError("percent_out_of_range", f"{name} is from 0 to 100.", {"field": name})


def check_split(demand: Decimal, supply: Decimal) -> None:
    check_percent("benefit_split.demand", demand)
    check_percent("benefit_split.supply", supply)
    if demand + supply != 100:
        raise DomainError(
            "benefit_split_not_100",
            f"The benefit split's shares must sum to 100; they sum to {demand + supply}.",
            {"sum": str(demand + supply)},
        )


def check_reminder_lead(hours: int | None) -> None:
    if hours is not None and not 1 <= hours <= MAX_REMINDER_LEAD_HOURS:
        raise DomainError(
            "reminder_lead_out_of_range",
            f"The reminder lead is from 1 to {MAX_REMINDER_LEAD_HOURS} hours.",
            {"reminder_lead_hours": hours},
        )


def check_effective_from(effective_from: date, today: date) -> None:
    """Rules apply from today or a later day: a past day would change what was decided."""
    if effective_from < today:
        raise DomainError(
            "effective_from_in_past",
            f"Rules take effect today ({today}) or later, not on {effective_from}.",
            {"effective_from": effective_from.isoformat(), "today": today.isoformat()},
        )


def _latest(candidates: list[Any]) -> Any | None:
    """Of versions in force by their day, the one with the latest day, then the last published."""
    return max(candidates, key=lambda v: (v.effective_from, v.version), default=None)


class GroupRules(MarketAggregate):
    """Every version of the group's rules and every platform's scheme, in one stream (few
    writes, and one read answers which apply on a day)."""

    @event("Started")
    def __init__(self, id: str, group_unit_id: str, actor: Actor, timestamp: datetime) -> None:
        self.group_unit_id = group_unit_id
        self.versions: list[RulesVersion] = []
        self.schemes: dict[str, list[PlatformScheme]] = {}

    # ----- queries -------------------------------------------------------------------------

    def in_force(self, day: date) -> RulesVersion:
        """The HQ version in force on `day` (version 0 before any)."""
        found = _latest(
            [v for v in self.versions if v.effective_from is not None and v.effective_from <= day]
        )
        return found if found is not None else DEFAULTS

    def scheme_in_force(self, platform_unit_id: str, day: date) -> PlatformScheme | None:
        """The platform's own scheme in force on `day`; None: its units follow HQ's weights."""
        schemes = self.schemes.get(platform_unit_id, [])
        found: PlatformScheme | None = _latest([s for s in schemes if s.effective_from <= day])
        return found

    # ----- commands ------------------------------------------------------------------------

    def publish(
        self,
        effective_from: date,
        today: date,
        actor: Actor,
        timestamp: datetime,
        *,
        weights: Mapping[str, int] | None = None,
        margin_pct: Decimal | None = None,
        tolerance_pct: Decimal | None = None,
        split: tuple[Decimal, Decimal] | None = None,
        reminder_lead_hours: int | Keep | None = KEEP,
    ) -> RulesVersion:
        """HQ publishes a version in force from `effective_from` (today or later); what it
        leaves out (None, KEEP) is as in the version in force that day so far."""
        check_effective_from(effective_from, today)
        base = self.in_force(effective_from)
        weights = base.assessment_weights if weights is None else dict(weights)
        check_weights(weights, every_kpi=True)
        margin = base.internal_preference_margin_pct if margin_pct is None else margin_pct
        tolerance = base.arm_length_tolerance_pct if tolerance_pct is None else tolerance_pct
        check_percent("internal_preference_margin_pct", margin)
        check_percent("arm_length_tolerance_pct", tolerance)
        demand, supply = (
            (base.benefit_split_demand_pct, base.benefit_split_supply_pct)
            if split is None
            else split
        )
        check_split(demand, supply)
        lead = base.reminder_lead_hours if reminder_lead_hours is KEEP else reminder_lead_hours
        assert not isinstance(lead, Keep)
        check_reminder_lead(lead)
        self._published(
            len(self.versions) + 1,
            effective_from,
            {k: weights[k] for k in KPIS},
            str(margin),
            str(tolerance),
            {"demand": str(demand), "supply": str(supply)},
            lead,
            actor,
            timestamp,
        )
        return self.versions[-1]

    @event("Published")
    def _published(
        self,
        version: int,
        effective_from: date,
        assessment_weights: dict[str, int],
        internal_preference_margin_pct: str,
        arm_length_tolerance_pct: str,
        benefit_split: dict[str, str],
        reminder_lead_hours: int | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.versions = [
            *self.versions,
            RulesVersion(
                version=version,
                effective_from=effective_from,
                weights=tuple(assessment_weights.items()),
                internal_preference_margin_pct=Decimal(internal_preference_margin_pct),
                arm_length_tolerance_pct=Decimal(arm_length_tolerance_pct),
                benefit_split_demand_pct=Decimal(benefit_split["demand"]),
                benefit_split_supply_pct=Decimal(benefit_split["supply"]),
                reminder_lead_hours=reminder_lead_hours,
                published_at=timestamp,
                published_by_unit_id=actor.unit_id,
            ),
        ]

    def publish_platform_scheme(
        self,
        platform_unit_id: str,
        effective_from: date,
        weights: Mapping[str, int],
        today: date,
        actor: Actor,
        timestamp: datetime,
    ) -> PlatformScheme:
        """A platform's own weights for its subtree, over KPIs it chose (the handler checks
        that the unit is a platform and that the caller acts for it)."""
        check_effective_from(effective_from, today)
        check_weights(weights, every_kpi=False)
        chosen = {k: weights[k] for k in KPIS if k in weights}
        version = len(self.schemes.get(platform_unit_id, [])) + 1
        self._scheme_published(platform_unit_id, version, effective_from, chosen, actor, timestamp)
        return self.schemes[platform_unit_id][-1]

    @event("PlatformSchemePublished")
    def _scheme_published(
        self,
        platform_unit_id: str,
        version: int,
        effective_from: date,
        assessment_weights: dict[str, int],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        scheme = PlatformScheme(
            platform_unit_id,
            version,
            effective_from,
            tuple(assessment_weights.items()),
            timestamp,
            actor.unit_id,
        )
        self.schemes = {
            **self.schemes,
            platform_unit_id: [*self.schemes.get(platform_unit_id, []), scheme],
        }
