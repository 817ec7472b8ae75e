"""The demo group's rules (paper §3.4.3①②): HQ's first published version, scheduled from next
New Year's Day (this year is still assessed by version 0, the defaults), the engineering
platform's own assessment scheme in force from today, and a reward for last year.

The version changes weights and the benefit split only: a tender's margin and the reminders'
lead stay as they were, so a clock moved past New Year's Day (a test's) meets no surprise."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from marketplace.handlers import assessment_decisions, rules
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import Services

DEMO_WEIGHTS = {
    "invitation_compliance": 30,
    "supplier_quality": 25,
    "inspection_rectification": 20,
    "quarterly_reporting": 10,
    "dispute_settlement": 5,
    "action_items_on_time": 10,
}
# Engineering works are judged on invitations and quality, and on following up the meetings.
ENG_SCHEME = {"invitation_compliance": 40, "supplier_quality": 40, "action_items_on_time": 20}


def seed_rules(svc: Services, hq: Principal) -> None:
    today = svc.today()
    rules.publish_rules(
        svc,
        hq,
        rules.PublishRules(
            effective_from=date(today.year + 1, 1, 1),
            weights=DEMO_WEIGHTS,
            benefit_split=(Decimal(60), Decimal(40)),
        ),
    )
    rules.publish_platform_scheme(svc, hq, "ENG", today, ENG_SCHEME)
    assessment_decisions.record_decisions(
        svc,
        hq,
        today.year - 1,
        [
            assessment_decisions.Decide(
                "PWR",
                "reward",
                "Every tender for a catalog item invited every catalog supplier.",
                Decimal("200000.00"),
            )
        ],
    )
