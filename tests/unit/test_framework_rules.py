"""Framework agreements' rules: the schedule, signatures, call-offs within a period's dates and
remaining quantity, amendments by both parties' consent (a special task's price decided by the
superiors), and closing a period with the supplier's shortfall."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from marketplace.aggregates.base import DomainError, RecordNotFound
from marketplace.aggregates.framework import Framework, FrameworkStatus
from marketplace.aggregates.framework_amendments import AmendmentStatus
from marketplace.aggregates.framework_schedule import period_days
from tests.unit.org_fixtures import ACTOR, at

D, S = "PWR-01", "COAL-03"  # the power plant calls off coal from the mine
SCHEDULE = [
    ("2027-01", Decimal("300"), Decimal("612.50")),
    ("2027-02", Decimal("300"), Decimal("612.50")),
    ("2027-03", Decimal("300"), None),
]


def framework(
    schedule: list[tuple[str, Decimal, Decimal | None]] | None = None,
    *,
    business_type: str = "regular",
    valid_from: date = date(2027, 1, 1),
    valid_to: date = date(2027, 3, 31),
    signed: bool = True,
) -> Framework:
    made = Framework.create(
        "fwk_1", D, S, "THERMAL-COAL-5500", "t", "product", business_type, None,
        valid_from, valid_to, SCHEDULE if schedule is None else schedule, Decimal(5), ACTOR,
        at(0),
    )  # fmt: skip
    if signed:
        made.sign(S, ACTOR, at(1))
        made.sign(D, ACTOR, at(2))
    return made


def refused(code: str, act: Any, *args: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        act(*args)
    assert info.value.code == code, info.value.message
    return info.value


def test_periods_are_months_or_quarters() -> None:
    assert period_days("2027-02") == (date(2027, 2, 1), date(2027, 2, 28))
    assert period_days("2028Q1") == (date(2028, 1, 1), date(2028, 3, 31))
    assert period_days("2027Q4") == (date(2027, 10, 1), date(2027, 12, 31))
    refused("invalid_schedule", period_days, "2027-13")


@pytest.mark.parametrize(
    ("schedule", "problem"),
    [
        ([], "at least one"),
        ([("2027-01", Decimal(1), None), ("2027Q1", Decimal(1), None)], "overlaps"),
        ([("2027-01", Decimal(1), None), ("2027-01", Decimal(1), None)], "overlaps"),
        ([("2027-04", Decimal(1), None)], "outside"),
        ([("2027-01", Decimal(0), None)], "greater than zero"),
    ],
)
def test_a_schedule_holds_distinct_periods_within_the_dates(
    schedule: list[tuple[str, Decimal, Decimal | None]], problem: str
) -> None:
    error = refused("invalid_schedule", framework, schedule)
    assert problem in error.message


def test_dates_in_order_two_parties() -> None:
    refused("invalid_framework_dates", lambda: framework(valid_from=date(2027, 4, 1)))
    with pytest.raises(DomainError) as info:
        Framework.create(
            "f", D, D, "X", "t", "product", "regular", None, date(2027, 1, 1),
            date(2027, 1, 31), SCHEDULE[:1], Decimal(5), ACTOR, at(0),
        )  # fmt: skip
    assert info.value.code == "self_supply"


def test_a_period_is_cut_to_the_agreements_dates_and_kept_in_order() -> None:
    made = framework(
        [("2027-02", Decimal(10), None), ("2027-01", Decimal(10), None)],
        valid_from=date(2027, 1, 15),
        valid_to=date(2027, 2, 20),
    )
    assert [(p.period, p.first_day, p.last_day) for p in made.periods.values()] == [
        ("2027-01", date(2027, 1, 15), date(2027, 1, 31)),
        ("2027-02", date(2027, 2, 1), date(2027, 2, 20)),
    ]


def test_both_parties_sign_before_anything_is_called_off() -> None:
    made = framework(signed=False)
    refused("framework_not_active", made.call_off, "con_1", "2027-01", Decimal(1),
            date(2027, 1, 5), ACTOR, at(3))  # fmt: skip
    made.sign(D, ACTOR, at(1))
    assert made.status is FrameworkStatus.AWAITING_SIGNATURES
    refused("already_signed", made.sign, D, ACTOR, at(2))
    refused("not_a_party", made.sign, "HEAT-01", ACTOR, at(2))
    made.sign(S, ACTOR, at(3))
    assert made.status is FrameworkStatus.ACTIVE
    assert list(made.signatures) == [D, S]


def test_call_offs_stay_within_the_period_and_its_quantity() -> None:
    made = framework()
    first = made.call_off("con_1", "2027-01", Decimal(200), date(2027, 1, 5), ACTOR, at(3))
    assert (first.call_off_id, first.unit_price, first.delivery_date) == (
        "fwk_1/2027-01/1", Decimal("612.50"), date(2027, 1, 31))  # fmt: skip
    over = refused("over_schedule", made.call_off, "con_2", "2027-01", Decimal("100.5"),
                   date(2027, 1, 6), ACTOR, at(4))  # fmt: skip
    assert over.details == {"period": "2027-01", "scheduled": "300", "called_off": "200",
                            "remaining": "100"}  # fmt: skip
    made.call_off("con_2", "2027-01", Decimal(100), date(2027, 1, 31), ACTOR, at(5))
    assert made.periods["2027-01"].call_offs == ("con_1", "con_2")
    assert made.periods["2027-01"].remaining == 0
    early = refused("outside_framework", made.call_off, "con_3", "2027-02", Decimal(1),
                    date(2027, 1, 31), ACTOR, at(6))  # fmt: skip
    assert early.details["from"] == "2027-02-01"
    refused("outside_framework", made.call_off, "con_3", "2027-01", Decimal(1),
            date(2027, 2, 1), ACTOR, at(6))  # fmt: skip
    refused("period_not_priced", made.call_off, "con_3", "2027-03", Decimal(1),
            date(2027, 3, 1), ACTOR, at(6))  # fmt: skip
    refused("period_not_scheduled", made.call_off, "con_3", "2027-04", Decimal(1),
            date(2027, 4, 1), ACTOR, at(6))  # fmt: skip


def test_an_amendment_needs_the_other_partys_consent_and_stays_in_the_history() -> None:
    made = framework()
    today = date(2027, 1, 10)
    proposed = made.propose_amendment(
        S, "2027-02", Decimal(250), None, "Mine maintenance in February.", today, ACTOR, at(3)
    )
    assert (proposed.number, proposed.status) == (1, AmendmentStatus.PENDING)
    refused("amendment_pending", made.propose_amendment, D, "2027-02", None, Decimal(600),
            "Cheaper.", today, ACTOR, at(4))  # fmt: skip
    refused("own_amendment", made.accept_amendment, 1, S, today, ACTOR, at(4))
    accepted = made.accept_amendment(1, D, today, ACTOR, at(5))
    assert (accepted.status, accepted.answered_by, accepted.previous_quantity) == (
        AmendmentStatus.ACCEPTED, D, Decimal(300))  # fmt: skip
    assert made.periods["2027-02"].quantity == 250
    refused("amendment_not_pending", made.reject_amendment, 1, D, "No.", ACTOR, at(6))
    made.propose_amendment(D, "2027-02", None, Decimal(600), "Coal prices fell.", today,
                           ACTOR, at(7))  # fmt: skip
    rejected = made.reject_amendment(2, S, "Prices are fixed until March.", ACTOR, at(8))
    assert (rejected.status, rejected.answer_reason) == (
        AmendmentStatus.REJECTED, "Prices are fixed until March.")  # fmt: skip
    assert made.periods["2027-02"].unit_price == Decimal("612.50")
    assert [a.reason for a in made.amendments] == ["Mine maintenance in February.",
                                                    "Coal prices fell."]  # fmt: skip
    with pytest.raises(RecordNotFound):
        made.accept_amendment(3, D, today, ACTOR, at(9))


def test_a_started_period_changes_only_a_price_not_yet_agreed() -> None:
    made = framework()
    on = date(2027, 3, 1)  # March has started and has no price
    refused("period_not_amendable", made.propose_amendment, S, "2027-03", Decimal(200), None,
            "Less.", on, ACTOR, at(3))  # fmt: skip
    refused("period_not_amendable", made.propose_amendment, S, "2027-01", None, Decimal(1),
            "Cheaper.", on, ACTOR, at(3))  # fmt: skip
    made.propose_amendment(S, "2027-03", None, Decimal("605.00"), "Agreed late.", on, ACTOR,
                           at(4))  # fmt: skip
    made.accept_amendment(1, D, on, ACTOR, at(5))
    assert made.periods["2027-03"].unit_price == Decimal("605.00")
    made.call_off("con_1", "2027-03", Decimal(10), on, ACTOR, at(6))


def test_a_proposal_accepted_after_its_period_started_is_refused() -> None:
    made = framework()
    made.propose_amendment(S, "2027-02", Decimal(250), None, "Less.", date(2027, 1, 20), ACTOR,
                           at(3))  # fmt: skip
    refused("period_not_amendable", made.accept_amendment, 1, D, date(2027, 2, 1), ACTOR, at(4))


def test_a_special_tasks_price_goes_to_the_superiors() -> None:
    regular = framework()
    regular.propose_amendment(S, "2027-03", None, Decimal(650), "Cost.", date(2027, 1, 5),
                              ACTOR, at(3))  # fmt: skip
    refused("not_special_task", regular.escalate_amendment, 1, D, "HQ", ACTOR, at(4))
    task = framework(business_type="special_task")
    today = date(2027, 1, 5)
    task.propose_amendment(S, "2027-03", Decimal(200), Decimal(650), "Cost.", today, ACTOR, at(3))
    refused("not_escalable", task.escalate_amendment, 1, D, "HQ", ACTOR, at(4))
    task.reject_amendment(1, D, "Too dear.", ACTOR, at(5))
    task.propose_amendment(S, "2027-03", None, Decimal(650), "Cost.", today, ACTOR, at(6))
    refused("not_escalated", task.decide_amendment, 2, "HQ", Decimal(620), today, ACTOR, at(7))
    escalated = task.escalate_amendment(2, D, "HQ", ACTOR, at(8))
    assert (escalated.status, escalated.mediator_unit_id, escalated.escalated_by) == (
        AmendmentStatus.ESCALATED, "HQ", D)  # fmt: skip
    refused("amendment_not_pending", task.accept_amendment, 2, D, today, ACTOR, at(9))
    refused("amendment_pending", task.propose_amendment, D, "2027-03", None, Decimal(1),
            "Mine.", today, ACTOR, at(9))  # fmt: skip
    refused("not_escalated", task.decide_amendment, 2, "PWR", Decimal(620), today, ACTOR, at(9))
    decided = task.decide_amendment(2, "HQ", Decimal(620), today, ACTOR, at(10))
    assert (decided.status, decided.answered_by, decided.unit_price) == (
        AmendmentStatus.DECIDED, "HQ", Decimal(620))  # fmt: skip
    assert task.periods["2027-03"].unit_price == Decimal(620)


def test_closing_a_period_names_the_shortfall_past_the_tolerance() -> None:
    made = framework()
    made.call_off("con_1", "2027-01", Decimal(300), date(2027, 1, 2), ACTOR, at(3))
    refused("period_not_ended", made.close_period, "2027-01", Decimal(300), "inc_1",
            date(2027, 1, 31), ACTOR, at(4))  # fmt: skip
    assert made.close_period("2027-01", Decimal(290), "inc_1", date(2027, 2, 1), ACTOR, at(5)) \
        is False  # 10 of 300 short: 3.33% within the 5% tolerance  # fmt: skip
    closure = made.periods["2027-01"].closure
    assert closure is not None
    assert (closure.shortfall, closure.shortfall_pct, closure.incident_id) == (
        Decimal(10), Decimal("3.33"), None)  # fmt: skip
    refused("period_closed", made.close_period, "2027-01", Decimal(300), None, date(2027, 2, 2),
            ACTOR, at(6))  # fmt: skip
    assert made.close_period("2027-02", Decimal(240), "inc_2", date(2027, 3, 1), ACTOR, at(7))
    assert made.periods["2027-02"].closure.incident_id == "inc_2"  # type: ignore[union-attr]
    with pytest.raises(RecordNotFound):
        made.close_period("2027-05", Decimal(0), None, date(2027, 6, 1), ACTOR, at(8))
    made.close_period("2027-03", Decimal(0), None, date(2027, 4, 1), ACTOR, at(9))
    assert made.status is FrameworkStatus.COMPLETED
    refused("framework_not_active", made.propose_amendment, D, "2027-03", None, Decimal(1),
            "Late.", date(2027, 4, 2), ACTOR, at(10))  # fmt: skip


def framework_cycle() -> list[Any]:
    """Every public framework event: created, signed, activated, called off, each kind of
    amendment answer, a period closed."""
    task = framework(business_type="special_task")
    today = date(2027, 1, 5)
    task.call_off("con_9", "2027-01", Decimal(100), today, ACTOR, at(3))
    task.propose_amendment(S, "2027-02", Decimal(250), None, "Less.", today, ACTOR, at(4))
    task.accept_amendment(1, D, today, ACTOR, at(5))
    task.propose_amendment(D, "2027-02", None, Decimal(600), "Cheaper.", today, ACTOR, at(6))
    task.reject_amendment(2, S, "No.", ACTOR, at(7))
    task.propose_amendment(S, "2027-03", None, Decimal(650), "Cost.", today, ACTOR, at(8))
    task.escalate_amendment(3, D, "HQ", ACTOR, at(9))
    task.decide_amendment(3, "HQ", Decimal(620), today, ACTOR, at(10))
    task.close_period("2027-01", Decimal(50), "inc_9", date(2027, 2, 1), ACTOR, at(11))
    return list(task.collect_events())
