"""A refused catalog CSV's problems (`catalog_import.import_csv`'s lines) on the page: each
line's number and what is wrong with it, in the page's language where the wording is ours."""

from __future__ import annotations

import re
from dataclasses import dataclass

from marketplace.portal.i18n import N_, Translator
from marketplace.portal.wording import FIELD_ERRORS, RULES

# The columns as the entry form labels them.
COLUMN_LABELS = {
    "supplier_unit_id": N_("Supplier unit"),
    "category": N_("Category"),
    "subcategory": N_("Subcategory"),
    "item_code": N_("Item code"),
    "item_name": N_("Name of the item"),
    "uom": N_("Unit of measure"),
    "reference_price": N_("Reference price (CNY per unit)"),
    "capacity": N_("Supply capacity"),
    "regions": N_("Regions served"),
}

_WHERE = re.compile(r"^(?:line (?P<line>\d+)|file): (?P<text>.*)$", re.DOTALL)
_CODED = re.compile(r"^(?P<text>.*) \[(?P<code>[a-z_]+)\]$", re.DOTALL)
_FIELD = re.compile(r"^(?P<field>[a-z_]+)(?:\.\d+)?: (?P<text>.*)$", re.DOTALL)

# The handler's own sentences (marketplace/handlers/catalog_csv.py, catalog_import.py and
# catalog.check_supplier) and how the page says them; `{…}` are the facts they name.
_OURS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"missing columns (?P<columns>.+)"), N_("Columns missing: {columns}.")),
    (
        re.compile(r"unknown columns (?P<columns>.+) \(known: (?P<known>.+)\)"),
        N_("Unknown columns {columns}; the known ones are {known}."),
    ),
    (
        re.compile(r"more values than the header has columns"),
        N_("More values than the header has columns."),
    ),
    (re.compile(r"the file has no entries"), N_("The file has no entries.")),
    (
        re.compile(r"supplier unit '(?P<unit>[^']+)' does not exist\."),
        N_("Supplier unit {unit} does not exist."),
    ),
    (
        re.compile(r"supplier '(?P<unit>[^']+)' is not in platform '(?P<platform>[^']+)''s .*"),
        N_("Supplier {unit} is not under platform {platform}: each platform submits its own."),
    ),
    (
        re.compile(r"Supplier '(?P<unit>[^']+)' is deactivated\."),
        N_("Supplier {unit} is deactivated."),
    ),
]
_VALIDATION: dict[str, str] = {
    "Field required": FIELD_ERRORS["missing"],
    "String should have at least 1 character": FIELD_ERRORS["missing"],
}
UNKNOWN_SUBCATEGORY = RULES["unknown_subcategory"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: its line (None: the file as a whole) and the sentence."""

    line: int | None
    message: str


def problems(found: list[str], _: Translator) -> list[Problem]:
    return [problem(text, _) for text in found]


def problem(text: str, _: Translator) -> Problem:
    where = _WHERE.match(text)
    if where is None:
        return Problem(None, _sentence(text, _))
    line = int(where["line"]) if where["line"] else None
    return Problem(line, _sentence(where["text"], _))


def _sentence(text: str, _: Translator) -> str:
    coded = _CODED.match(text)
    if coded and coded["code"] in RULES:
        return _(RULES[coded["code"]])
    for pattern, wording in _OURS:
        if found := pattern.fullmatch(text):
            return _(wording, **found.groupdict())
    if field := _FIELD.match(text):
        return _field(field["field"], field["text"], _)
    return text  # not ours (nor known): as the handler says it


def _field(name: str, text: str, _: Translator) -> str:
    """A column's error after its label; one about the row (`row`) stands alone."""
    if text.startswith("Value error, unknown subcategory"):
        said = _(UNKNOWN_SUBCATEGORY)
    else:
        said = _(_VALIDATION[text]) if text in _VALIDATION else text
    colon = "：" if _.language == "zh-CN" else ": "  # noqa: RUF001 - Chinese punctuation
    if name not in COLUMN_LABELS:
        return said if name == "row" else f"{name}{colon}{said}"
    return f"{_(COLUMN_LABELS[name])}{colon}{said}"
