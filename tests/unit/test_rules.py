"""The group's rules as data: what a version must hold, which version is in force on a day,
a platform's own scheme, a decision's corrections; and every public event of them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from marketplace.aggregates.assessment import KPIS, WEIGHTS, YearRecord, score
from marketplace.aggregates.assessment_decision import AssessmentDecision
from marketplace.aggregates.base import Actor, DomainError
from marketplace.aggregates.rules import DEFAULTS, RULES_ID, GroupRules

HQ = Actor("HQ", "tok_hq")
T = datetime(2027, 1, 10, tzinfo=UTC)
TODAY = date(2027, 1, 10)
EVEN = dict.fromkeys(KPIS[:4], 25) | dict.fromkeys(KPIS[4:], 0)


def rules() -> GroupRules:
    return GroupRules(id=RULES_ID, group_unit_id="HQ", actor=HQ, timestamp=T)


def publish(r: GroupRules, day: date, **changes: Any) -> int:
    return r.publish(day, TODAY, HQ, T, **changes).version


def refused(code: str, call: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code, caught.value.message
    return caught.value


@pytest.mark.parametrize(
    ("weights", "code"),
    [
        (WEIGHTS | {"happiness": 0}, "unknown_kpi"),
        ({k: w for k, w in WEIGHTS.items() if k != "supplier_quality"}, "kpi_weight_missing"),
        (WEIGHTS | {"supplier_quality": -5, "dispute_settlement": 40}, "weight_out_of_range"),
        (WEIGHTS | {"supplier_quality": 26}, "weights_not_100"),
    ],
)
def test_hq_weighs_every_known_kpi_with_whole_weights_summing_to_100(
    weights: dict[str, int], code: str
) -> None:
    r = rules()
    refused(code, lambda: publish(r, TODAY, weights=weights))
    assert r.versions == [] and r.collect_events()[1:] == []


def test_the_other_fields_are_checked_too() -> None:
    r = rules()
    refused("benefit_split_not_100", lambda: publish(r, TODAY, split=(Decimal(60), Decimal(50))))
    refused("percent_out_of_range", lambda: publish(r, TODAY, margin_pct=Decimal(101)))
    refused("reminder_lead_out_of_range", lambda: publish(r, TODAY, reminder_lead_hours=0))
    past = refused("effective_from_in_past", lambda: publish(r, date(2027, 1, 9)))
    assert past.details == {"effective_from": "2027-01-09", "today": "2027-01-10"}
    assert publish(r, TODAY) == 1  # today is allowed: in force since the day's start


def test_version_0_is_todays_constants_until_hq_publishes() -> None:
    r = rules()
    assert r.in_force(date(2030, 1, 1)) is DEFAULTS
    assert DEFAULTS.assessment_weights == WEIGHTS
    assert DEFAULTS.internal_preference_margin_pct == 0
    assert DEFAULTS.reminder_lead_hours is None  # the deployment's setting


def test_the_version_in_force_is_the_latest_effective_by_that_day() -> None:
    r = rules()
    publish(r, date(2027, 3, 1), margin_pct=Decimal(3))
    publish(r, date(2027, 2, 1), margin_pct=Decimal(2))
    assert [r.in_force(date(2027, 1, 31)).version, r.in_force(date(2027, 2, 1)).version] == [0, 2]
    assert [r.in_force(date(2027, 2, 28)).version, r.in_force(date(2027, 3, 1)).version] == [2, 1]
    # A later publication for the same day replaces the scheduled one: how to call it off.
    publish(r, date(2027, 3, 1), margin_pct=Decimal(0))
    assert r.in_force(date(2027, 3, 1)).version == 3
    assert r.in_force(date(2027, 3, 1)).internal_preference_margin_pct == 0


def test_what_a_version_leaves_out_is_as_the_version_it_follows() -> None:
    r = rules()
    publish(r, date(2027, 2, 1), weights=EVEN, margin_pct=Decimal("2.5"), reminder_lead_hours=48)
    publish(r, date(2027, 4, 1), split=(Decimal(70), Decimal(30)))
    fourth = r.in_force(date(2027, 4, 1))
    assert fourth.assessment_weights == EVEN
    assert fourth.internal_preference_margin_pct == Decimal("2.5")
    assert fourth.reminder_lead_hours == 48
    assert (fourth.benefit_split_demand_pct, fourth.benefit_split_supply_pct) == (70, 30)
    publish(r, date(2027, 5, 1), reminder_lead_hours=None)  # back to the deployment's setting
    assert r.in_force(date(2027, 5, 1)).reminder_lead_hours is None


def test_a_platform_scheme_weighs_the_kpis_it_chose() -> None:
    r = rules()
    chosen = {"invitation_compliance": 60, "supplier_quality": 40}
    refused(
        "weights_not_100",
        lambda: r.publish_platform_scheme("PWR", TODAY, {"supplier_quality": 90}, TODAY, HQ, T),
    )
    refused(
        "unknown_kpi",
        lambda: r.publish_platform_scheme("PWR", TODAY, {"speed": 100}, TODAY, HQ, T),
    )
    scheme = r.publish_platform_scheme("PWR", date(2027, 6, 1), chosen, TODAY, HQ, T)
    assert (scheme.version, scheme.assessment_weights) == (1, chosen)
    assert r.scheme_in_force("PWR", date(2027, 5, 31)) is None
    assert r.scheme_in_force("PWR", date(2027, 6, 1)) == scheme
    assert r.scheme_in_force("HEAT", date(2027, 6, 1)) is None
    again = r.publish_platform_scheme("PWR", date(2027, 7, 1), WEIGHTS, TODAY, HQ, T)
    assert again.version == 2 and r.in_force(date(2027, 7, 1)) is DEFAULTS


def test_the_score_follows_the_weights_of_the_scheme() -> None:
    record = YearRecord(10, 9, 4, 1, 2, 1, 0, 0, 0, 0)
    kpis, total = score(record, {"invitation_compliance": 50, "supplier_quality": 50})
    assert [(k.kpi, k.weight, k.score) for k in kpis] == [
        ("invitation_compliance", 50, Decimal("90.0")),
        ("supplier_quality", 50, Decimal("75.0")),
    ]
    assert total == Decimal("82.5")
    # HQ's weights leave out a KPI weighed 0; the default scheme is today's.
    zero = WEIGHTS | {"inspection_rectification": 0, "invitation_compliance": 45}
    assert "inspection_rectification" not in [k.kpi for k in score(record, zero)[0]]
    assert score(record) == score(record, WEIGHTS)


def decision(supersedes: str | None = None, decision_id: str = "dec_1") -> AssessmentDecision:
    return AssessmentDecision.record(
        decision_id, 2026, "PWR", "reward", Decimal("50000.00"), "First in compliance.",
        supersedes, TODAY, HQ, T,
    )  # fmt: skip


def test_a_decision_is_for_an_ended_year_and_corrected_by_a_new_one() -> None:
    refused(
        "year_not_ended",
        lambda: AssessmentDecision.record(
            "dec_0", 2027, "PWR", "penalty", None, "Too early.", None, TODAY, HQ, T
        ),
    )
    first = decision()
    assert first.status == "in_effect"
    refused("decision_of_another_unit", lambda: first.check_replaceable_by(2026, "HEAT"))
    first.check_replaceable_by(2026, "PWR")
    first.withdraw("Superseded by dec_2.", "dec_2", HQ, T)
    assert first.status == "superseded"
    refused("decision_not_in_effect", lambda: first.withdraw("Again.", None, HQ, T))
    other = decision(decision_id="dec_3")
    other.withdraw("Recorded for the wrong unit.", None, HQ, T)
    assert other.status == "withdrawn"


def rules_cycle() -> list[Any]:
    """Every public event of the rules' topic."""
    r = rules()
    publish(r, date(2027, 2, 1), margin_pct=Decimal(2), reminder_lead_hours=48)
    r.publish_platform_scheme("PWR", date(2027, 2, 1), {"supplier_quality": 100}, TODAY, HQ, T)
    first, second = decision(), decision("dec_1", "dec_2")
    first.withdraw("Superseded by dec_2.", "dec_2", HQ, T)
    return [*r.collect_events(), *first.collect_events(), *second.collect_events()]
