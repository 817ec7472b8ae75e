"""The group rules' public events (paper §3.4.3①②): the versions HQ publishes, the platforms'
assessment schemes, and HQ's rewards and penalties after the annual assessment."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from marketplace.aggregates.assessment_decision import AssessmentDecision
from marketplace.aggregates.rules import GroupRules
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

RULES_TOPIC = "marketplace.rules"


class RulesPublishedV1(Payload):
    """HQ published a version of the group's rules, in force from a day (group time zone)."""

    version: int = Field(description="1, 2, …; version 0 is the built-in defaults.")
    effective_from: date = Field(description="The day it takes effect, at its start.")
    assessment_weights: dict[str, int] = Field(
        description="Every KPI's weight (summing to 100; 0 leaves a KPI out)."
    )
    internal_preference_margin_pct: str = Field(
        description="Tenders' default internal-preference margin, a decimal string."
    )
    arm_length_tolerance_pct: str = Field(description="The arm's-length tolerance, in percent.")
    benefit_split: dict[str, str] = Field(
        description='The synergy benefit\'s shares, `{"demand", "supply"}`, summing to 100.'
    )
    reminder_lead_hours: int | None = Field(
        description="Hours before a deadline its reminder goes; null: the deployment's setting."
    )
    actor: ActorV1


class PlatformSchemePublishedV1(Payload):
    """A platform (or HQ for it) published its own assessment scheme for its subtree."""

    platform_unit_id: str
    version: int = Field(description="The platform's own numbering: 1, 2, …")
    effective_from: date
    assessment_weights: dict[str, int] = Field(
        description="The KPIs the platform chose, with weights summing to 100."
    )
    actor: ActorV1


class DecisionRecordedV1(Payload):
    """HQ decided a reward or a penalty for a unit's assessed year."""

    year: int
    unit_id: str
    kind: str = Field(examples=["reward", "penalty"])
    amount: str | None = Field(description="CNY, a decimal string; null when none was named.")
    reason: str
    supersedes: str | None = Field(
        description="The decision this one corrects (withdrawn as superseded by it)."
    )
    actor: ActorV1


class DecisionWithdrawnV1(Payload):
    """A decision no longer stands: withdrawn with a reason, or superseded by a correction."""

    reason: str
    superseded_by: str | None = Field(description="The correcting decision, if one replaced it.")
    actor: ActorV1


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    PublicType(
        domain_event(GroupRules, "Published"),
        "marketplace.rules.published.v1",
        RULES_TOPIC,
        RulesPublishedV1,
    ),
    PublicType(
        domain_event(GroupRules, "PlatformSchemePublished"),
        "marketplace.rules.platform_scheme_published.v1",
        RULES_TOPIC,
        PlatformSchemePublishedV1,
    ),
    PublicType(
        domain_event(AssessmentDecision, "Recorded"),
        "marketplace.assessment_decision.recorded.v1",
        RULES_TOPIC,
        DecisionRecordedV1,
    ),
    PublicType(
        domain_event(AssessmentDecision, "Withdrawn"),
        "marketplace.assessment_decision.withdrawn.v1",
        RULES_TOPIC,
        DecisionWithdrawnV1,
    ),
)
