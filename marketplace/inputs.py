"""What every value from outside must look like (API bodies and queries, import files)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

EARLIEST_YEAR, LATEST_YEAR = 1900, 2200
# A regex of the years above, for patterns published in the OpenAPI document.
YEAR_PATTERN = "(?:19[0-9]{2}|2[01][0-9]{2}|2200)"

UNIT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
ITEM_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,63}$"
QUARTER_PATTERN = rf"^{YEAR_PATTERN}Q[1-4]$"
PERIOD_PATTERN = rf"^{YEAR_PATTERN}(?:-(?:0[1-9]|1[0-2])|Q[1-4])$"
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,199}$"
HALF_YEAR_PATTERN = r"^[0-9]{4}H[12]$"
CURSOR_PATTERN = r"^[A-Za-z0-9_\-]+$"
REPLAY_ID_PATTERN = r"^rpl_[A-Za-z0-9]{1,64}$"

# What each pattern a request is checked against asks for, in words: a client reads these in a
# 422's details, not the regex (tests/unit/test_pattern_words.py checks every published pattern).
PATTERN_WORDS = {
    UNIT_ID_PATTERN: "a unit id: 1 to 64 ASCII letters, digits, '_', '.' or '-', starting with "
    'a letter or digit (e.g. "PWR-01")',
    ITEM_CODE_PATTERN: "an item code: 1 to 64 ASCII letters, digits, '_', '.', '-' or '/', "
    'starting with a letter or digit (e.g. "STEAM-LP")',
    IDENTIFIER_PATTERN: "an id: 1 to 200 ASCII letters, digits, '_', '.', ':' or '-', starting "
    "with a letter or digit",
    HALF_YEAR_PATTERN: 'a half-year such as "2027H1" or "2027H2"',
    PERIOD_PATTERN: 'a period of a framework agreement: a month such as "2027-01" or a quarter '
    'such as "2027Q1"',
    CURSOR_PATTERN: "the `next_cursor` of a previous page, unchanged",
    REPLAY_ID_PATTERN: 'a replay id as `POST /v1/audit/replays` gave it ("rpl_" and letters '
    "or digits)",
}

# Refused in every text: C0 and C1 controls, surrogates (only lone ones reach Python), the
# noncharacters, and the bidirectional embeddings/overrides/isolates that can make text read
# differently from how it is stored. Short texts also refuse tab, line breaks and U+2028/9.
_NONCHARACTERS = (
    "".join(f"\\U{plane:04x}fffe\\U{plane:04x}ffff" for plane in range(17)) + r"\ufdd0-\ufdef"
)
_ALWAYS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069"
_IN_LONG_TEXT = re.compile(f"[{_ALWAYS}{_NONCHARACTERS}]")
_IN_SHORT_TEXT = re.compile(f"[{_ALWAYS}{_NONCHARACTERS}\\t\\n\\r\\u2028\\u2029]")


def find_control_character(text: str, *, line_breaks: bool) -> re.Match[str] | None:
    """The first character no text may hold (tab, CR and LF pass when `line_breaks`)."""
    return (_IN_LONG_TEXT if line_breaks else _IN_SHORT_TEXT).search(text)


def _text_check(forbidden: re.Pattern[str], allowed: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        # Non-strings pass on to the str schema, which names the type error.
        if isinstance(value, str) and (found := forbidden.search(value)):
            raise PydanticCustomError(
                "control_character",
                "Text must not contain control characters{allowed} "
                "(found U+{codepoint} at position {position}).",
                {
                    "allowed": allowed,
                    "codepoint": f"{ord(found.group()):04X}",
                    "position": found.start(),
                },
            )
        return value

    return check


no_controls = _text_check(_IN_SHORT_TEXT, "")
no_controls_but_line_breaks = _text_check(_IN_LONG_TEXT, " other than tab and line breaks")

# Texts carry only their character rule; each field states its own lengths with
# `Field(min_length=…, max_length=…)`: pydantic would drop (or not publish) a field's lengths
# behind lengths given in the alias. tests/integration/test_input_sweep.py fails for a string
# field of a request body without a maximum length.
ShortText = Annotated[str, BeforeValidator(no_controls)]
"""A name, title or label: one line, no control characters."""

LongText = Annotated[str, BeforeValidator(no_controls_but_line_breaks)]
"""A description, reason, claim, evidence…: tab, CR and LF allowed, no other control character."""

Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER_PATTERN)]
"""An id the server made (need, offer, tender, …)."""

UnitId = Annotated[str, StringConstraints(pattern=UNIT_ID_PATTERN)]
Period = Annotated[str, StringConstraints(pattern=PERIOD_PATTERN)]
"""A framework agreement's period: a month `2027-01` or a quarter `2027Q1`."""
ItemCode = Annotated[str, StringConstraints(pattern=ITEM_CODE_PATTERN)]


# ----- decimals: money, quantities, percentages ------------------------------------------

_DECIMAL_SHAPE = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")


def _decimal_check(
    what: str,
    example: str,
    *,
    places: int,
    whole_digits: int,
    zero_allowed: bool = False,
    maximum: Decimal | None = None,
    integers: bool = False,
) -> Callable[[Any], Decimal]:
    also = " or a JSON integer" if integers else ""
    shape = (
        f'{what} must be a decimal string such as "{example}"{also}: ASCII digits with an '
        "optional fraction, no sign, exponent, spaces, grouping or JSON fraction."
    )

    def parse(value: Any) -> Decimal | None:
        if isinstance(value, Decimal):  # from Python callers; JSON never makes one
            return value
        if integers and isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        if isinstance(value, str) and len(value) <= 64 and _DECIMAL_SHAPE.fullmatch(value):
            return Decimal(value)
        return None

    def check(value: Any) -> Decimal:
        number = parse(value)
        if number is None or not number.is_finite() or number.is_signed():
            raise PydanticCustomError("decimal_string", shape)
        if number.is_zero() and not zero_allowed:
            raise PydanticCustomError("greater_than", f"{what} must be greater than zero.")
        if maximum is not None and number > maximum:
            raise PydanticCustomError("less_than_equal", f"{what} must be at most {maximum}.")
        if -int(number.as_tuple().exponent) > places:
            raise PydanticCustomError(
                "decimal_places", f"{what} has at most {places} decimal places."
            )
        if number.adjusted() >= whole_digits:
            raise PydanticCustomError(
                "decimal_whole_digits",
                f"{what} has at most {whole_digits} digits before the decimal point.",
            )
        return number

    return check


def _positive_pattern(whole: int, places: int) -> str:
    """The exact JSON Schema pattern of a positive decimal string (no leading zeros)."""
    fraction_not_zero = "|".join(f"0{{{z}}}[1-9][0-9]{{0,{places - z - 1}}}" for z in range(places))
    return (
        rf"^(?:[1-9][0-9]{{0,{whole - 1}}}(?:\.[0-9]{{1,{places}}})?"
        rf"|0\.(?:{fraction_not_zero}))$"
    )


MONEY_PATTERN = _positive_pattern(15, 2)
QUANTITY_PATTERN = _positive_pattern(14, 4)
PERCENT_PATTERN = r"^(?:100(?:\.0{1,2})?|[1-9]?[0-9](?:\.[0-9]{1,2})?)$"

money_value = _decimal_check("An amount", "1234.50", places=2, whole_digits=15)
Money = Annotated[
    Decimal,
    BeforeValidator(money_value),
    WithJsonSchema(
        {
            "type": "string",
            "format": "decimal",
            "pattern": MONEY_PATTERN,
            "description": "CNY as a positive decimal string with at most 2 decimals.",
            "examples": ["1234.50"],
        }
    ),
]
"""A positive amount of CNY, only as a decimal string: `"1234.50"`."""

MoneyText = Annotated[
    str,
    BeforeValidator(lambda value: str(money_value(value))),
    WithJsonSchema(
        {"type": "string", "format": "decimal", "pattern": MONEY_PATTERN, "examples": ["185.00"]}
    ),
]
"""`Money` kept as the string it was given (a catalog's reference price)."""

Quantity = Annotated[
    Decimal,
    BeforeValidator(
        _decimal_check("A quantity", "1200.5", places=4, whole_digits=14, integers=True)
    ),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "decimal", "pattern": QUANTITY_PATTERN},
                {"type": "integer", "minimum": 1, "maximum": 10**14 - 1},
            ],
            "description": "A positive decimal string with at most 4 decimals, or an integer.",
            "examples": ["1200"],
        }
    ),
]
"""A positive quantity: a decimal string, or a JSON integer (exact); never a JSON fraction."""

Percent = Annotated[
    Decimal,
    BeforeValidator(
        _decimal_check(
            "A percentage",
            "2.5",
            places=2,
            whole_digits=3,
            zero_allowed=True,
            maximum=Decimal(100),
            integers=True,
        )
    ),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "decimal", "pattern": PERCENT_PATTERN},
                {"type": "integer", "minimum": 0, "maximum": 100},
            ],
            "description": "0 to 100 as a decimal string with at most 2 decimals, or an integer.",
            "examples": ["2.5"],
        }
    ),
]


# ----- times and days --------------------------------------------------------------------

_RFC3339 = re.compile(
    r"([0-9]{4})-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?"
    r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_DAY = re.compile(r"([0-9]{4})-[0-9]{2}-[0-9]{2}")
MOMENT_PATTERN = (
    rf"^{YEAR_PATTERN}-[0-9]{{2}}-[0-9]{{2}}[Tt ][0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}"
    r"(?:\.[0-9]{1,9})?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
DAY_PATTERN = rf"^{YEAR_PATTERN}-[0-9]{{2}}-[0-9]{{2}}$"


def _year_in_range(year: int, what: str) -> None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise PydanticCustomError(
            "year_out_of_range",
            f"{what} must fall in the years {EARLIEST_YEAR} to {LATEST_YEAR}.",
        )


def moment_value(value: Any) -> Any:
    if isinstance(value, datetime):
        _year_in_range(value.year, "A time")
        return value
    match = _RFC3339.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise PydanticCustomError(
            "rfc3339_time",
            "A time must be an RFC 3339 string with an offset, such as "
            '"2027-01-01T08:00:00+08:00" or "2027-01-01T00:00:00Z".',
        )
    _year_in_range(int(match[1]), "A time")
    return value


def day_value(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        _year_in_range(value.year, "A day")
        return value
    match = _DAY.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise PydanticCustomError("iso_day", 'A day must be a string "YYYY-MM-DD".')
    _year_in_range(int(match[1]), "A day")
    return value


_MOMENT_SCHEMA = {
    "type": "string",
    "format": "date-time",
    "pattern": MOMENT_PATTERN,
    "examples": ["2027-01-01T08:00:00+08:00"],
}
_DAY_SCHEMA = {
    "type": "string",
    "format": "date",
    "pattern": DAY_PATTERN,
    "examples": ["2027-01-01"],
}

Moment = Annotated[AwareDatetime, BeforeValidator(moment_value), WithJsonSchema(_MOMENT_SCHEMA)]
"""A time: an RFC 3339 string with an offset, in the years 1900 to 2200."""

Day = Annotated[date, BeforeValidator(day_value), WithJsonSchema(_DAY_SCHEMA)]
"""A day: `YYYY-MM-DD`, in the years 1900 to 2200."""


def time_or_day_value(value: Any) -> Any:
    is_day = isinstance(value, date) and not isinstance(value, datetime)
    if is_day or (isinstance(value, str) and _DAY.fullmatch(value)):
        return day_value(value)
    return moment_value(value)


TimeOrDay = Annotated[
    AwareDatetime | date,
    BeforeValidator(time_or_day_value),
    WithJsonSchema(
        {
            "anyOf": [_MOMENT_SCHEMA, _DAY_SCHEMA],
            "description": "A time, or a day meaning its start in the group's time zone.",
        }
    ),
]
"""A query's `at`, `from` or `to` (CONTRACT.md): a time, or a day (see `start_of`)."""


def start_of(value: datetime | date | None, zone: tzinfo) -> datetime | None:
    """A time as it is; a day as its first moment in `zone` (the group's)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time(), zone)


_QUARTER = re.compile(r"([0-9]{4})Q[1-4]")


def quarter_value(value: Any) -> Any:
    match = _QUARTER.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise PydanticCustomError("quarter", 'A quarter must look like "2027Q1".')
    _year_in_range(int(match[1]), "A quarter")
    return value


QuarterText = Annotated[
    str,
    BeforeValidator(quarter_value),
    WithJsonSchema({"type": "string", "pattern": QUARTER_PATTERN, "examples": ["2027Q1"]}),
]
"""A quarter like `2027Q1`, in the years 1900 to 2200."""
