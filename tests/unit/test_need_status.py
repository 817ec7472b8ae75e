"""The one need-status rule the aggregate, the inbox and the needs board all apply."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.aggregates.need_status import NeedProgress, NeedStatus, NeedStep, need_progress


@pytest.mark.parametrize(
    ("step", "quantity", "internal", "expected"),
    [
        (NeedStep.POSTED, Decimal("12"), False, NeedProgress(NeedStatus.OPEN, Decimal("12"))),
        (NeedStep.AWARDED, None, False, NeedProgress(NeedStatus.AWARDED, Decimal(0))),
        (NeedStep.CANCELLED, None, False, NeedProgress(NeedStatus.CANCELLED, None)),
        (NeedStep.TENDER_STARTED, None, False, NeedProgress(NeedStatus.TENDERING, None)),
        (NeedStep.TENDER_CONCLUDED, None, True, NeedProgress(NeedStatus.AWARDED, Decimal(0))),
        (
            NeedStep.TENDER_CONCLUDED,
            None,
            False,
            NeedProgress(NeedStatus.CLOSED_EXTERNAL, Decimal(0)),
        ),
        (NeedStep.CLOSED_EXTERNAL, Decimal("4"), False, NeedProgress(None, Decimal("4"))),
        (
            NeedStep.CLOSED_EXTERNAL,
            Decimal("0"),
            False,
            NeedProgress(NeedStatus.CLOSED_EXTERNAL, Decimal("0")),
        ),
    ],
)
def test_each_step_sets_the_status_and_open_quantity(
    step: NeedStep, quantity: Decimal | None, internal: bool, expected: NeedProgress
) -> None:
    assert need_progress(step, quantity=quantity, internal=internal) == expected


def test_a_step_that_counts_needs_its_quantity() -> None:
    with pytest.raises(ValueError, match="Posted needs a quantity"):
        need_progress(NeedStep.POSTED)
