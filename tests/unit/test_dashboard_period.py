"""The dashboard's period picker: each kind of period as days [first, end), and its months."""

from __future__ import annotations

from datetime import date

import pytest

from marketplace.portal.dashboard_page import Period, PeriodInvalid, period_of, picker_values

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("asked", "first", "end"),
    [
        ({}, date(2026, 1, 1), date(2027, 1, 1)),  # the default: the current year
        ({"period": "year", "year": "2025"}, date(2025, 1, 1), date(2026, 1, 1)),
        ({"period": "half", "half": "2"}, date(2026, 7, 1), date(2027, 1, 1)),
        ({"period": "quarter", "quarter": "1"}, date(2026, 1, 1), date(2026, 4, 1)),
        ({"period": "month", "month": "12"}, date(2026, 12, 1), date(2027, 1, 1)),
        ({"period": "month", "month": "2", "year": "2028"}, date(2028, 2, 1), date(2028, 3, 1)),
        (
            {"period": "custom", "from": "2026-03-15", "to": "2026-05-02"},
            date(2026, 3, 15),
            date(2026, 5, 3),  # the last day counts
        ),
    ],
)
def test_each_period(asked: dict[str, str], first: date, end: date) -> None:
    assert period_of(picker_values(asked, TODAY), TODAY) == Period(first, end)


def test_a_periods_months_are_clipped_to_it() -> None:
    months = Period(date(2026, 3, 15), date(2026, 5, 3)).months()
    assert months == [
        ("2026-03", date(2026, 3, 15), date(2026, 4, 1)),
        ("2026-04", date(2026, 4, 1), date(2026, 5, 1)),
        ("2026-05", date(2026, 5, 1), date(2026, 5, 3)),
    ]


@pytest.mark.parametrize(
    ("asked", "field"),
    [
        ({"period": "decade"}, "period"),
        ({"period": "quarter", "quarter": "5"}, "quarter"),
        ({"period": "half", "half": "0"}, "half"),
        ({"period": "year", "year": "twenty"}, "year"),
        ({"period": "custom", "from": "2026-02-30"}, "from"),
        ({"period": "custom", "from": "2026-05-01", "to": "2026-04-30"}, "to"),
        ({"period": "custom", "from": "2000-01-01", "to": "2026-01-01"}, "to"),  # > 5 years
    ],
)
def test_a_wrong_picker_names_its_field(asked: dict[str, str], field: str) -> None:
    with pytest.raises(PeriodInvalid) as refused:
        period_of(picker_values(asked, TODAY), TODAY)
    assert list(refused.value.errors) == [field]
