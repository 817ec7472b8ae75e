"""The input types every request body, query and import file uses (marketplace/inputs.py)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from marketplace.inputs import (
    DAY_PATTERN,
    MOMENT_PATTERN,
    MONEY_PATTERN,
    PERCENT_PATTERN,
    QUANTITY_PATTERN,
    Day,
    LongText,
    Moment,
    Money,
    MoneyText,
    Percent,
    Quantity,
    QuarterText,
    ShortText,
    TimeOrDay,
    start_of,
)

FULL_WIDTH_12, FULL_WIDTH_2027 = "\uff11\uff12", "\uff12\uff10\uff12\uff17"
short, long_ = TypeAdapter(ShortText), TypeAdapter(LongText)
money, quantity, percent = TypeAdapter(Money), TypeAdapter(Quantity), TypeAdapter(Percent)
moment, day = TypeAdapter(Moment), TypeAdapter(Day)


def refused(adapter: TypeAdapter[Any], value: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    return str(caught.value.errors()[0]["type"])


@pytest.mark.parametrize(
    "text",
    [
        "a\x00b",
        "a\x1fb",
        "a\x7fb",
        "a\x85b",  # NEL, a C1 control
        "a\ud800b",  # a lone surrogate (JSON "\ud800" decodes to one)
        "a\ufffeb",
        "a\uffffb",
        "a\U0010ffffb",
        "a\ufdd0b",
        "a\u202eb",  # right-to-left override
        "a\u2066b",  # left-to-right isolate
    ],
)
def test_every_text_refuses_control_characters(text: str) -> None:
    assert refused(short, text) == "control_character"
    assert refused(long_, text) == "control_character"


@pytest.mark.parametrize("text", ["a\tb", "a\nb", "a\r\nb", "a\u2028b"])
def test_long_text_allows_tab_and_line_breaks_short_text_does_not(text: str) -> None:
    assert long_.validate_python(text) == text
    assert refused(short, text) == "control_character"


def test_the_error_names_the_character_and_where_it_is() -> None:
    with pytest.raises(ValidationError) as caught:
        short.validate_python("ab\x00")
    assert "U+0000 at position 2" in caught.value.errors()[0]["msg"]


@pytest.mark.parametrize(
    "text", ["Energy Group 能源集团", "Ñandú", "emoji 🔥 with a ZWJ 👩‍🔧", "tab-free"]
)
def test_ordinary_text_passes(text: str) -> None:
    assert short.validate_python(text) == text == long_.validate_python(text)


@pytest.mark.parametrize(
    "value",
    [
        *["-0", "-0.00", "-12", "1e3", "1E3", FULL_WIDTH_12, " 12", "12 ", "1,000", "+12"],
        *[".5", "12.", "01", "NaN", "Infinity", "", "0x10", 12, 12.5, 0, True, None],
        *[Decimal("-0"), Decimal("NaN")],
    ],
)
def test_money_is_a_positive_decimal_string_only(value: Any) -> None:
    assert refused(money, value) in {"decimal_string", "greater_than"}


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("0", "greater_than"),
        ("0.00", "greater_than"),
        ("1.234", "decimal_places"),
        ("1234567890123456", "decimal_whole_digits"),
    ],
)
def test_money_names_why(value: str, kind: str) -> None:
    assert refused(money, value) == kind


def test_money_keeps_the_given_digits() -> None:
    assert money.validate_python("1234.50") == Decimal("1234.50")
    assert str(money.validate_python("0.01")) == "0.01"
    assert TypeAdapter(MoneyText).validate_python("185.5") == "185.5"
    assert refused(TypeAdapter(MoneyText), "0") == "greater_than"


def test_quantities_take_decimal_strings_and_integers_never_fractions() -> None:
    assert quantity.validate_python("1200.5") == Decimal("1200.5")
    assert quantity.validate_python(12) == Decimal(12)
    assert refused(quantity, 12.0) == "decimal_string"
    assert refused(quantity, 0) == "greater_than"
    assert refused(quantity, -3) == "decimal_string"
    assert refused(quantity, "0.00001") == "decimal_places"
    assert refused(quantity, 10**20) == "decimal_whole_digits"


def test_percentages_run_from_zero_to_a_hundred() -> None:
    assert percent.validate_python("0") == 0
    assert percent.validate_python(100) == 100
    assert refused(percent, "100.01") == "less_than_equal"
    assert refused(percent, "-0") == "decimal_string"


# The OpenAPI document publishes each rule as a pattern; the validator must agree with it.
_NUMBERISH = st.text(alphabet="0123456789.-+e ", max_size=20)


@pytest.mark.parametrize(
    ("adapter", "pattern"),
    [(money, MONEY_PATTERN), (quantity, QUANTITY_PATTERN), (percent, PERCENT_PATTERN)],
)
@given(text=_NUMBERISH | st.from_regex(r"\A[0-9]{1,17}(\.[0-9]{1,5})?\Z"))
def test_the_published_pattern_is_the_rule(
    adapter: TypeAdapter[Decimal], pattern: str, text: str
) -> None:
    try:
        adapter.validate_python(text)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == bool(re.fullmatch(pattern, text)), text


@pytest.mark.parametrize(
    "value",
    [
        0,
        1700000000,
        0.5,
        "1700000000",
        "2027-01-01",
        "2027-01-01T00:00:00",  # no offset
        "2027-01-01T00:00Z",  # no seconds
        " 2027-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00+14:00",
        "1899-12-31T23:59:59Z",
        "2201-01-01T00:00:00Z",
        f"{FULL_WIDTH_2027}-01-01T00:00:00Z",
    ],
)
def test_times_are_rfc3339_strings_with_an_offset_in_range(value: Any) -> None:
    assert refused(moment, value) in {"rfc3339_time", "year_out_of_range"}


@pytest.mark.parametrize(
    "value", ["1900-01-01T00:00:00+14:00", "2200-12-31T23:59:59-12:00", "2027-01-01t08:00:00.5z"]
)
def test_times_at_the_ends_of_the_range_pass(value: str) -> None:
    assert isinstance(moment.validate_python(value), datetime)
    assert re.fullmatch(MOMENT_PATTERN, value)


@pytest.mark.parametrize(
    "value", [0, "2027-01-01T00:00:00Z", "0001-01-01", "2999-01-01", "2027-1-1", " 2027-01-01"]
)
def test_days_are_iso_days_in_range(value: Any) -> None:
    assert refused(day, value) in {"iso_day", "year_out_of_range"}


def test_query_times_may_be_days_meaning_their_start_in_the_group_zone() -> None:
    either = TypeAdapter(TimeOrDay)
    shanghai = ZoneInfo("Asia/Shanghai")
    day = either.validate_python("2027-01-01")
    assert start_of(day, shanghai) == datetime(2027, 1, 1, tzinfo=shanghai)
    moment = either.validate_python("2027-01-01T00:00:00Z")
    assert start_of(moment, shanghai) == datetime(2027, 1, 1, tzinfo=UTC)
    assert start_of(None, shanghai) is None
    assert refused(either, "0001-01-01") == "year_out_of_range"
    assert refused(either, "2027-01-01T00:00:00") == "rfc3339_time"


def test_a_day_passes() -> None:
    assert day.validate_python("2027-01-01") == date(2027, 1, 1)
    assert re.fullmatch(DAY_PATTERN, "2027-01-01")


@pytest.mark.parametrize(
    "value", ["0000Q1", "0001Q1", "9999Q4", "2027Q5", f"{FULL_WIDTH_2027}Q1", 2027]
)
def test_quarters_are_bounded(value: Any) -> None:
    assert refused(TypeAdapter(QuarterText), value) in {"quarter", "year_out_of_range"}
